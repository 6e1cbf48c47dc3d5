//! The state file, `.deploy-sentinel-state.json`: its typed model, which sentinel-state
//! writes (folding the journal into it) and sentinel-watch reads (to know what was already
//! reported), and the one reader that checks its schema version and says how to repair it.
//! The fields are documented in sentinel-state(1), FILES.

use crate::config::ProviderKind;
use crate::error::{Error, Result};
use crate::events::{AnalysisResult, ErrorDetail, StressTestResult};
use crate::files::StatePaths;
use crate::nofollow;
use crate::status::{OverallStatus, StageStatus, WaitActionStatus};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The `schemaVersion` this build reads and writes.
pub const SCHEMA_VERSION: &str = "1.0";

/// Where the release stands in the release protocol (README.md, The workflow).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    #[default]
    Active,
    ReleaseCandidate,
    Staging,
    Soaking,
    Production,
    Verifying,
    Archived,
    RolledBack,
}

/// One stage of the rollout.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageState {
    pub name: String,
    pub status: StageStatus,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub regions: Vec<String>,
}

/// A wait action (approval) of the rollout.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WaitAction {
    pub action_id: String,
    pub stage: String,
    pub reason: String,
    pub status: WaitActionStatus,
    pub waiting_since: String,
    pub decided_by: Option<String>,
    /// How it ended when no person decided it: timed out, skipped, canceled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// A gate's outcome.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GateRecord {
    pub gate: String,
    pub passed: bool,
    pub reason: String,
    pub time: String,
}

/// The durable state of one rollout, `.deploy-sentinel-state.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutState {
    pub schema_version: String,
    pub rollout_id: Option<String>,
    pub service_group_name: Option<String>,
    pub service_id: Option<String>,
    pub environment: Option<String>,
    pub stage_map_name: Option<String>,
    pub provider: Option<ProviderKind>,
    pub current_stage: Option<String>,
    pub deployed_regions: Vec<String>,
    pub pending_regions: Vec<String>,
    pub overall_status: OverallStatus,
    pub errors: Vec<ErrorDetail>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub last_update_time: Option<String>,
    pub artifact_version: Option<String>,
    pub stage_map_version: Option<String>,
    pub branch_name: Option<String>,
    pub release_tag: Option<String>,
    pub dashboard_url: Option<String>,
    pub stages: Vec<StageState>,
    pub wait_actions: Vec<WaitAction>,
    /// Results without their histograms (those stay in the journal).
    pub stress_results: Vec<StressTestResult>,
    /// Every `analysis.result`, in the order they were written.
    pub analysis_results: Vec<AnalysisResult>,
    pub gates: Vec<GateRecord>,
    pub phase: Phase,
    /// How many journal lines this state is the fold of; lets `apply` finish a fold that a
    /// crash interrupted between the journal append and the state write.
    pub events_applied: u64,
}

impl Default for RolloutState {
    fn default() -> Self {
        RolloutState {
            schema_version: SCHEMA_VERSION.to_owned(),
            rollout_id: None,
            service_group_name: None,
            service_id: None,
            environment: None,
            stage_map_name: None,
            provider: None,
            current_stage: None,
            deployed_regions: Vec::new(),
            pending_regions: Vec::new(),
            overall_status: OverallStatus::NotStarted,
            errors: Vec::new(),
            start_time: None,
            end_time: None,
            last_update_time: None,
            artifact_version: None,
            stage_map_version: None,
            branch_name: None,
            release_tag: None,
            dashboard_url: None,
            stages: Vec::new(),
            wait_actions: Vec::new(),
            stress_results: Vec::new(),
            analysis_results: Vec::new(),
            gates: Vec::new(),
            phase: Phase::Active,
            events_applied: 0,
        }
    }
}

impl RolloutState {
    /// Whether a rollout is under way (started and not ended).
    pub fn is_unfinished(&self) -> bool {
        self.rollout_id.is_some() && !self.overall_status.is_terminal()
    }
}

/// The state in `paths`; `None` when there is no state file yet.
pub fn load(paths: &StatePaths) -> Result<Option<RolloutState>> {
    load_from(paths, &paths.state())
}

/// [`load`] of another copy of the state file (the `.bak`); see [`parse`].
pub fn load_from(paths: &StatePaths, path: &Path) -> Result<Option<RolloutState>> {
    let text = match nofollow::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(nofollow::error("reading state file", path, e)),
    };
    parse(
        &text,
        &path.display().to_string(),
        &paths.state_backup().display().to_string(),
    )
    .map(Some)
}

/// The state in `text`, read from `name`; a text that is not JSON, has another schema
/// version or does not hold a state is an error that names it and says to run
/// `sentinel-state repair` (which falls back on `backup_name`).
pub fn parse(text: &str, name: &str, backup_name: &str) -> Result<RolloutState> {
    let repair_hint = || {
        format!(
            "run `sentinel-state repair`: it rebuilds the state from the journal (else from {backup_name}) and keeps this file aside; this file is left as it is until then"
        )
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Error::usage_with_hint(
            format!("state file {name} is not valid JSON: {e}"),
            repair_hint(),
        )
    })?;
    let version = value
        .get("schemaVersion")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("(missing)");
    if version != SCHEMA_VERSION {
        return Err(Error::usage_with_hint(
            format!(
                "state file {name} has schemaVersion {version:?}; this build reads {SCHEMA_VERSION:?}"
            ),
            repair_hint(),
        ));
    }
    serde_json::from_value(value).map_err(|e| {
        Error::usage_with_hint(
            format!("state file {name} does not hold a RolloutState: {e}"),
            repair_hint(),
        )
    })
}
