//! Reading the state: `show`, `get`, `resume`.

use crate::state::{RolloutState, StageStatus};
use crate::store::Store;
use sentinel_core::backend::StateCopy;
use sentinel_core::clock::{Clock, format_duration, parse_rfc3339};
use sentinel_core::events::{Event, Payload, RolloutTriggered, StageInfo};
use sentinel_core::ndjson::Writer;
use sentinel_core::output::Logger;
use sentinel_core::{Error, Exit, Result};
use serde_json::Value;
use std::io::Write;
use std::time::Duration;

/// A state older than this gets a warning before it is resumed.
pub const RESUME_WARN_AGE: Duration = Duration::from_secs(24 * 3600);

fn require_state(store: &Store) -> Result<RolloutState> {
    store.load()?.ok_or_else(|| {
        Error::CheckFailed(format!(
            "no state in {}: nothing has been applied there yet (pipe events into `sentinel-state apply`)",
            store.location()
        ))
    })
}

/// `show`: the state as one JSON line on stdout, or a summary on stderr.
pub fn show<W: Write>(
    store: &Store,
    json: bool,
    out: &mut Writer<W>,
    logger: &Logger,
    clock: &dyn Clock,
) -> Result<Exit> {
    let state = require_state(store)?;
    if json {
        let text = serde_json::to_string(&state).map_err(|e| Error::Internal(e.to_string()))?;
        out.write_line(&text)?;
    } else {
        logger.write_raw(&summary(&state, clock));
    }
    Ok(Exit::Success)
}

/// The human summary `show` prints.
pub fn summary(state: &RolloutState, clock: &dyn Clock) -> String {
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut s = String::new();
    s.push_str(&format!(
        "Rollout {}  {} → {}  ({})\n",
        text(&state.rollout_id),
        text(&state.service_group_name),
        text(&state.environment),
        state.provider.map_or("-", |p| p.as_str())
    ));
    let age = state
        .start_time
        .as_deref()
        .and_then(|t| parse_rfc3339(t).ok())
        .and_then(|t| clock.now().duration_since(t).ok())
        .map(|d| format!(" ({} ago)", format_duration(d)))
        .unwrap_or_default();
    s.push_str(&format!(
        "Status   {}   phase {:?}   version {}   started {}{age}\n",
        state.overall_status.as_str(),
        state.phase,
        text(&state.artifact_version),
        text(&state.start_time)
    ));
    if let Some(branch) = &state.branch_name {
        s.push_str(&format!("Branch   {branch}\n"));
    }
    if !state.stages.is_empty() {
        s.push_str("Stages\n");
        for stage in &state.stages {
            let mark = match stage.status {
                StageStatus::Completed => "✓",
                StageStatus::Failed => "✗",
                StageStatus::InProgress => "…",
                _ => "·",
            };
            s.push_str(&format!(
                "  {mark} {:<14} {:<11} {}\n",
                stage.name,
                stage.status,
                stage.regions.join(", ")
            ));
        }
    }
    for action in &state.wait_actions {
        s.push_str(&format!(
            "Approval {} ({}) {}: {}\n",
            action.action_id, action.stage, action.status, action.reason
        ));
    }
    for gate in &state.gates {
        s.push_str(&format!(
            "Gate     {} {}: {}\n",
            if gate.passed { "✓" } else { "✗" },
            gate.gate,
            gate.reason
        ));
    }
    for result in &state.stress_results {
        s.push_str(&format!(
            "Stress   {} {}: {} requests, {:.2}% errors, p95 {:.1} ms, p99 {:.1} ms\n",
            if result.passed { "✓" } else { "✗" },
            result.endpoint_url,
            result.total_requests,
            result.error_rate,
            result.p95_response_time,
            result.p99_response_time
        ));
    }
    for error in &state.errors {
        s.push_str(&format!(
            "Error    {}{}\n",
            error
                .stage
                .as_deref()
                .map(|st| format!("[{st}] "))
                .unwrap_or_default(),
            error.message
        ));
    }
    s
}

/// `get FIELD`: one field's value; strings bare, anything else as JSON. Exit 1 when the field
/// is not set, 2 when no such field exists.
pub fn get<W: Write>(store: &Store, field: &str, out: &mut Writer<W>) -> Result<Exit> {
    let state = require_state(store)?;
    let value = serde_json::to_value(&state).map_err(|e| Error::Internal(e.to_string()))?;
    match lookup(&value, field) {
        Lookup::Found(Value::String(s)) => out.write_line(s)?,
        Lookup::Found(Value::Null) => {
            return Err(Error::CheckFailed(format!(
                "{field} is not set in {}",
                store.backend().state_name(StateCopy::Current)
            )));
        }
        Lookup::Found(other) => out.write_line(&other.to_string())?,
        Lookup::Missing => {
            return Err(Error::CheckFailed(format!(
                "{field} is not set in {}",
                store.backend().state_name(StateCopy::Current)
            )));
        }
        Lookup::Unknown => {
            let fields: Vec<&String> = value
                .as_object()
                .map(|o| o.keys().collect())
                .unwrap_or_default();
            let names: Vec<&str> = fields.iter().map(|s| s.as_str()).collect();
            return Err(Error::usage_with_hint(
                format!("RolloutState has no field {field:?}"),
                format!(
                    "fields: {}; use dots for nested values, e.g. stages.0.status",
                    names.join(", ")
                ),
            ));
        }
    }
    Ok(Exit::Success)
}

enum Lookup<'a> {
    Found(&'a Value),
    /// The path is well-formed but there is nothing there (an index past the end).
    Missing,
    /// The first name is not a RolloutState field.
    Unknown,
}

fn lookup<'a>(root: &'a Value, path: &str) -> Lookup<'a> {
    let mut current = root;
    for (depth, part) in path.split('.').enumerate() {
        let next = match current {
            Value::Object(map) => map.get(part),
            // A negative index counts from the end: stages.-1.name is the last stage's name.
            Value::Array(items) => part
                .parse::<i64>()
                .ok()
                .and_then(|i| {
                    if i < 0 {
                        items.len().checked_sub(i.unsigned_abs() as usize)
                    } else {
                        Some(i as usize)
                    }
                })
                .and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(value) => current = value,
            None if depth == 0 => return Lookup::Unknown,
            None => return Lookup::Missing,
        }
    }
    Lookup::Found(current)
}

/// `resume`: the unfinished rollout's `rollout.triggered` with `resumed: true`, or exit 1.
pub fn resume<W: Write>(
    store: &Store,
    out: &mut Writer<W>,
    logger: &Logger,
    clock: &dyn Clock,
) -> Result<Exit> {
    let Some(state) = store.load()? else {
        return Ok(Exit::CheckFailed);
    };
    if !state.is_unfinished() {
        return Ok(Exit::CheckFailed);
    }
    if let Some(age) = state
        .last_update_time
        .as_deref()
        .and_then(|t| parse_rfc3339(t).ok())
        .and_then(|t| clock.now().duration_since(t).ok())
        .filter(|age| *age > RESUME_WARN_AGE)
    {
        logger.warn(&format!(
            "the state was last updated {} ago: verify the rollout's status with its provider before continuing",
            format_duration(age)
        ));
    }
    let event = Event::new(
        "sentinel-state",
        state.rollout_id.as_deref(),
        Payload::RolloutTriggered(RolloutTriggered {
            service_group_name: state.service_group_name.clone().unwrap_or_default(),
            service_id: state.service_id.clone().unwrap_or_default(),
            environment: state.environment.clone().unwrap_or_default(),
            stage_map_name: state.stage_map_name.clone().unwrap_or_default(),
            stage_map_version: state.stage_map_version.clone().unwrap_or_default(),
            artifact_version: state.artifact_version.clone().unwrap_or_default(),
            provider: state.provider.unwrap_or_default(),
            stages: state
                .stages
                .iter()
                .map(|s| StageInfo {
                    name: s.name.clone(),
                    regions: s.regions.clone(),
                })
                .collect(),
            dashboard_url: state.dashboard_url.clone(),
            resumed: true,
            artifact_version_source: Some("state".into()),
            dry_run: false,
        }),
    );
    out.emit(&event)?;
    Ok(Exit::Success)
}
