//! The `ado` provider: a deployment carried out by an Azure DevOps pipeline run, through the
//! REST API 7.1.
//!
//! - start: `POST {org}/{project}/_apis/pipelines/{pipelineId}/runs` with the branch, the
//!   configured template parameters and the variables `artifactVersion` and `environment`;
//! - versions: the build number of the pipeline's latest successful build;
//! - status: the run's state and result, its stages from the build timeline (records of type
//!   `Stage`), approvals from the timeline's `Checkpoint.Approval` records and the pending
//!   approvals query; a failed stage carries its failed tasks' issues and last log lines;
//! - approve/reject: `PATCH _apis/pipelines/approvals`; cancel: `PATCH _apis/build/builds/{id}`.
//!
//! Authentication is HTTP Basic with an empty user and the token from `AZURE_DEVOPS_PAT` or
//! `SYSTEM_ACCESSTOKEN` (never a flag). Throttling and server errors are retried (1 s, 2 s,
//! 4 s, honouring Retry-After); 401/403 fail at once naming the token's scopes.

use super::record::{RecordStore, RolloutRecord};
use super::{
    Discovered, OverallStatus, Provider, RolloutSnapshot, StageSnapshot, StageStatus, StartRequest,
    WaitAction, WaitActionStatus,
};
use base64::Engine as _;
use sentinel_core::clock::{SystemClock, now_rfc3339};
use sentinel_core::config::{DeploymentConfig, Field, ProviderKind, StageConfig, is_guid};
use sentinel_core::error::{Error, Result};
use sentinel_core::events::ErrorDetail;
use sentinel_core::files::StatePaths;
use sentinel_core::http::{HttpTimeouts, agent, is_transient_status};
use sentinel_core::output::{Logger, excerpt};
use sentinel_core::redact::Secret;
use sentinel_core::retry::{Backoff, Failure, parse_retry_after, retry};
use sentinel_core::versions::VersionSource;
use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::HashMap;
use std::time::SystemTime;

/// The REST API version every request asks for.
pub const API_VERSION: &str = "7.1";

/// Environment variables a token is read from, in order.
pub const TOKEN_VARIABLES: [&str; 2] = ["AZURE_DEVOPS_PAT", "SYSTEM_ACCESSTOKEN"];

/// What the token must be allowed to do, for messages and the man page.
pub const TOKEN_SCOPES: &str = "Build (Read & execute) to run pipelines, read timelines and logs and cancel runs; Pipeline Resources (Use) to approve or reject";

/// Log lines kept from each failed task.
pub const LOG_TAIL_LINES: usize = 50;

/// Longest response body read (logs included); more is cut.
const MAX_BODY: u64 = 16 * 1024 * 1024;

/// Where a pipeline lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    /// `https://dev.azure.com/contoso` (no trailing slash).
    pub organization: String,
    pub project: String,
    pub pipeline_id: u64,
    /// `refs/heads/main`; `None` runs the pipeline's default branch.
    pub branch: Option<String>,
}

impl Pipeline {
    /// From the config (`pipelineConfig`), with `SYSTEM_COLLECTIONURI` for the organization.
    pub fn from_config(
        config: &DeploymentConfig,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Pipeline> {
        let pipeline = config.pipeline_config.clone().unwrap_or_default();
        let organization = pipeline
            .organization
            .clone()
            .filter(|o| !o.trim().is_empty())
            .or_else(|| env("SYSTEM_COLLECTIONURI").filter(|o| !o.trim().is_empty()));
        let missing = |field: Field| {
            Error::usage_with_hint(
                format!("{} is missing — {}", field.json_name(), field.where_found()),
                "set it under \"pipelineConfig\" in the config file",
            )
        };
        let organization = organization.ok_or_else(|| missing(Field::PipelineOrganization))?;
        let project = pipeline
            .project
            .clone()
            .filter(|p| !p.trim().is_empty())
            .ok_or_else(|| missing(Field::PipelineProject))?;
        let pipeline_id = pipeline
            .pipeline_id
            .ok_or_else(|| missing(Field::PipelineId))?;
        Ok(Pipeline {
            organization: organization.trim_end_matches('/').to_owned(),
            project,
            pipeline_id,
            branch: pipeline.branch.map(|b| {
                if b.starts_with("refs/") {
                    b
                } else {
                    format!("refs/heads/{b}")
                }
            }),
        })
    }

    /// `{org}/{project}/_apis/{path}` with `api-version` added to the query.
    /// The web page of run `run_id` (`{organization}/{project}/_build/results?buildId=N`).
    pub fn web_url(&self, run_id: &str) -> String {
        format!(
            "{}/{}/_build/results?buildId={run_id}",
            self.organization,
            encode_path_segment(&self.project)
        )
    }

    pub fn url(&self, path: &str) -> String {
        let separator = if path.contains('?') { '&' } else { '?' };
        format!(
            "{}/{}/_apis/{path}{separator}api-version={API_VERSION}",
            self.organization,
            encode_path_segment(&self.project)
        )
    }
}

/// Percent-encode one path segment (project names have spaces).
pub fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The token from the environment, or an error naming the variables and scopes.
pub fn token_from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Secret> {
    TOKEN_VARIABLES
        .iter()
        .find_map(|name| env(name).filter(|v| !v.trim().is_empty()))
        .map(Secret::new)
        .ok_or_else(|| {
            Error::usage_with_hint(
                format!(
                    "no Azure DevOps token: set {} (a personal access token) or, in a pipeline, map {} into the step's environment",
                    TOKEN_VARIABLES[0], TOKEN_VARIABLES[1]
                ),
                format!("the token needs the scopes {TOKEN_SCOPES}"),
            )
        })
}

/// A run's state and result, mapped.
pub fn run_status(state: &str, result: Option<&str>) -> OverallStatus {
    match (state, result.unwrap_or("")) {
        ("completed", "succeeded") => OverallStatus::Completed,
        ("completed", "canceled") => OverallStatus::Cancelled,
        ("completed", _) => OverallStatus::Failed,
        _ => OverallStatus::InProgress,
    }
}

/// A timeline record's state and result, mapped.
pub fn record_status(state: &str, result: Option<&str>) -> StageStatus {
    match (state, result.unwrap_or("")) {
        ("completed", "succeeded" | "succeededWithIssues") => StageStatus::Completed,
        ("completed", "failed") => StageStatus::Failed,
        ("completed", "canceled" | "abandoned") => StageStatus::Cancelled,
        ("completed", "skipped") => StageStatus::Skipped,
        ("completed", _) => StageStatus::NotStarted,
        ("inProgress", _) => StageStatus::InProgress,
        _ => StageStatus::NotStarted,
    }
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The `Stage` record above a timeline record (following `parentId`).
fn stage_of<'a>(records: &'a HashMap<String, &'a Value>, record: &'a Value) -> Option<&'a Value> {
    let mut current = record;
    for _ in 0..16 {
        if text(current, "type").as_deref() == Some("Stage") {
            return Some(current);
        }
        current = records.get(&text(current, "parentId")?)?;
    }
    None
}

/// Turn a run, its timeline and its pending approvals into a snapshot. `failure_lines` gives
/// the last log lines of a failed record (by record id) when they were fetched.
pub fn snapshot_from(
    run: &Value,
    timeline: &Value,
    approvals: &[Value],
    config: &DeploymentConfig,
    failure_lines: &HashMap<String, Vec<String>>,
) -> RolloutSnapshot {
    let records: Vec<&Value> = timeline
        .get("records")
        .and_then(Value::as_array)
        .map(|r| r.iter().collect())
        .unwrap_or_default();
    let by_id: HashMap<String, &Value> = records
        .iter()
        .filter_map(|r| Some((text(r, "id")?, *r)))
        .collect();
    let mut stage_records: Vec<&Value> = records
        .iter()
        .copied()
        .filter(|r| text(r, "type").as_deref() == Some("Stage"))
        .collect();
    stage_records.sort_by_key(|r| r.get("order").and_then(Value::as_i64).unwrap_or(0));
    let mut stages: Vec<StageSnapshot> = stage_records
        .iter()
        .map(|record| {
            let name = text(record, "name").unwrap_or_default();
            let configured = config
                .stages
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(&name));
            StageSnapshot {
                status: record_status(
                    &text(record, "state").unwrap_or_default(),
                    text(record, "result").as_deref(),
                ),
                regions: configured.map(|s| s.regions.clone()).unwrap_or_default(),
                endpoints: configured.map(|s| s.endpoints.clone()).unwrap_or_default(),
                traffic_percent: configured.and_then(|s| s.traffic_percent),
                start_time: text(record, "startTime"),
                end_time: text(record, "finishTime"),
                errors: Vec::new(),
                name,
            }
        })
        .collect();
    // Failed tasks and jobs: their issues and log lines, on their stage.
    let mut errors = Vec::new();
    for record in &records {
        let kind = text(record, "type").unwrap_or_default();
        // Cancelled and abandoned tasks stopped a stage as surely as failed ones.
        let result = text(record, "result").unwrap_or_default();
        if kind == "Stage" || !matches!(result.as_str(), "failed" | "canceled" | "abandoned") {
            continue;
        }
        let ended = if result == "failed" {
            "failed"
        } else {
            "was cancelled"
        };
        let issues: Vec<String> = record
            .get("issues")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|i| text(i, "type").as_deref() == Some("error"))
            .filter_map(|i| text(i, "message"))
            .collect();
        let id = text(record, "id").unwrap_or_default();
        let lines = failure_lines.get(&id);
        if issues.is_empty() && lines.is_none() {
            continue;
        }
        let stage_name = stage_of(&by_id, record).and_then(|s| text(s, "name"));
        let mut message = format!(
            "{kind} {:?}{} {ended}: {}",
            text(record, "name").unwrap_or_default(),
            stage_name
                .as_deref()
                .map(|s| format!(" in stage {s}"))
                .unwrap_or_default(),
            if issues.is_empty() {
                "see its log".to_owned()
            } else {
                issues.join("; ")
            }
        );
        if let Some(lines) = lines.filter(|l| !l.is_empty()) {
            message.push_str(&format!(
                "\nlast {} log lines:\n{}",
                lines.len(),
                lines.join("\n")
            ));
        }
        let detail = ErrorDetail {
            error_code: Some(format!("{kind}Failed")),
            message,
            stage: stage_name.clone(),
        };
        if let Some(stage) = stages
            .iter_mut()
            .find(|s| Some(&s.name) == stage_name.as_ref())
        {
            stage.errors.push(detail.clone());
        }
        errors.push(detail);
    }
    // Approvals. The timeline's Checkpoint.Approval records say where the run waits; the
    // Approval objects (Approvals - Query, by `approvalIds`) say what became of each:
    // pending, approved, rejected, or ended without a person (timedOut, skipped, canceled).
    // An Approval is matched to its record by id: the 7.1 specification links them nowhere
    // else, and the service gives both the same id (the `approvalIds` query below asks for
    // the record ids). Where no Approval answers to a record, its state comes from the record
    // alone, and approving it is refused (`decide` checks the id first), never guessed.
    let approval_by_id = |id: &str| {
        approvals
            .iter()
            .find(|a| text(a, "id").as_deref() == Some(id))
    };
    let mut wait_actions: Vec<WaitAction> = Vec::new();
    for record in records
        .iter()
        .filter(|r| text(r, "type").as_deref() == Some("Checkpoint.Approval"))
    {
        let id = text(record, "id").unwrap_or_default();
        let stage = stage_of(&by_id, record)
            .and_then(|s| text(s, "name"))
            .unwrap_or_default();
        let action = match approval_by_id(&id) {
            Some(approval) => action_from_approval(approval, &id, stage),
            None => {
                let status = match (
                    text(record, "state").as_deref(),
                    text(record, "result").as_deref(),
                ) {
                    (Some("completed"), Some("succeeded")) => WaitActionStatus::Approved,
                    (Some("completed"), _) => WaitActionStatus::Rejected,
                    (Some("inProgress"), _) => WaitActionStatus::Pending,
                    // A checkpoint of a stage not reached yet: nobody has been asked.
                    _ => continue,
                };
                WaitAction {
                    action_id: id,
                    stage,
                    reason: "approval required (Azure DevOps lists no approval with this checkpoint's id: approve it in the run's web page)".into(),
                    status,
                    waiting_since: text(record, "startTime").unwrap_or_default(),
                    decided_by: None,
                    outcome: None,
                }
            }
        };
        wait_actions.push(action);
    }
    // Pending approvals of this run that no timeline record names (found through the
    // undocumented `pipeline.owner.id`, the fallback).
    for approval in approvals {
        let id = text(approval, "id").unwrap_or_default();
        if wait_actions.iter().any(|a| a.action_id == id) {
            continue;
        }
        let stage = by_id
            .get(&id)
            .and_then(|r| stage_of(&by_id, r))
            .and_then(|s| text(s, "name"))
            .unwrap_or_default();
        let action = action_from_approval(approval, &id, stage);
        if action.status == WaitActionStatus::Pending {
            wait_actions.push(action);
        }
    }
    let mut overall = run_status(
        &text(run, "state").unwrap_or_default(),
        text(run, "result").as_deref(),
    );
    if !overall.is_terminal()
        && wait_actions
            .iter()
            .any(|a| a.status == WaitActionStatus::Pending)
    {
        overall = OverallStatus::WaitingForApproval;
    }
    let current_stage = stages
        .iter()
        .rev()
        .find(|s| s.status != StageStatus::NotStarted)
        .map(|s| s.name.clone());
    RolloutSnapshot {
        rollout_id: run
            .get("id")
            .map(|id| id.to_string().trim_matches('"').to_owned())
            .unwrap_or_default(),
        overall_status: overall,
        current_stage,
        stages,
        wait_actions,
        errors,
        started: text(run, "createdDate"),
        finished: text(run, "finishedDate"),
        last_update_time: text(timeline, "lastChangedOn"),
        ..Default::default()
    }
}

/// The last `n` lines of a log text.
pub fn tail_lines(log: &str, n: usize) -> Vec<String> {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| (*l).to_owned())
        .collect()
}

/// The Azure DevOps provider for one pipeline.
#[derive(Debug)]
pub struct AdoProvider {
    pipeline: Pipeline,
    token: Secret,
    config: DeploymentConfig,
    records: RecordStore,
    logger: Logger,
    backoff: Backoff,
    http: ureq::Agent,
    /// Log tails already fetched, by timeline record id (a failed task's log does not change).
    log_tails: RefCell<HashMap<String, Vec<String>>>,
}

impl AdoProvider {
    /// A provider from the config and the token in the environment.
    pub fn from_config(
        config: &DeploymentConfig,
        state_dir: &std::path::Path,
        env: &dyn Fn(&str) -> Option<String>,
        logger: &Logger,
    ) -> Result<AdoProvider> {
        Ok(AdoProvider {
            pipeline: Pipeline::from_config(config, env)?,
            token: token_from_env(env)?,
            config: config.clone(),
            records: RecordStore::new(&StatePaths::new(state_dir)),
            logger: logger.clone(),
            backoff: Backoff {
                max_retries: config.max_retries(),
                ..Backoff::default()
            },
            http: agent(HttpTimeouts::default()),
            log_tails: RefCell::new(HashMap::new()),
        })
    }

    /// Retry no call past `deadline`.
    pub fn with_deadline(mut self, deadline: Option<std::time::SystemTime>) -> Self {
        self.backoff.deadline = deadline;
        self
    }

    fn authorization(&self) -> String {
        let credentials = format!(":{}", self.token.expose());
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        )
    }

    /// One request with retries; returns the body text of a 2xx answer.
    fn send(&self, method: &str, url: &str, body: Option<&Value>) -> Result<String> {
        self.send_accepting(method, url, body, "application/json")
    }

    /// [`Self::send`] asking for `accept`: the service honours Accept (a log asked for as
    /// JSON comes back as `{"count": N, "value": [lines]}`).
    fn send_accepting(
        &self,
        method: &str,
        url: &str,
        body: Option<&Value>,
        accept: &str,
    ) -> Result<String> {
        let what = format!("Azure DevOps ({method} {})", strip_query(url));
        let outcome = retry(&self.backoff, &SystemClock, |attempt| {
            if attempt > 1 {
                self.logger
                    .info(&format!("retrying {what} (attempt {attempt})"));
            }
            let request = ureq::http::Request::builder()
                .method(method)
                .uri(url)
                .header("Authorization", self.authorization())
                .header("Accept", accept);
            let response = match body {
                Some(body) => self.http.run(
                    request
                        .header("Content-Type", "application/json")
                        .body(body.to_string())
                        .map_err(|e| Failure::Permanent(Error::Internal(e.to_string())))?,
                ),
                None => self.http.run(
                    request
                        .body(())
                        .map_err(|e| Failure::Permanent(Error::Internal(e.to_string())))?,
                ),
            };
            let mut response = match response {
                Ok(r) => r,
                Err(e) => {
                    return Err(Failure::transient(Error::CheckFailed(format!(
                        "no answer: {e}"
                    ))));
                }
            };
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
            let text = response
                .body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_string()
                .unwrap_or_default();
            match status {
                // 203 with a sign-in page is how Azure DevOps answers a token it does not accept.
                200..=202 | 204..=299 => Ok(text),
                203 | 401 | 403 => Err(Failure::Permanent(Error::Denied {
                    service: what.clone(),
                    message: format!("HTTP {status}{}", api_message(&text)),
                    hint: format!(
                        "check that {} holds a valid, unexpired token with the scopes {TOKEN_SCOPES}",
                        TOKEN_VARIABLES.join(" or ")
                    ),
                })),
                404 => Err(Failure::Permanent(Error::usage_with_hint(
                    format!("{what} answered 404 not found{}", api_message(&text)),
                    "check pipelineConfig.organization, project and pipelineId (and --rollout-id: the run id)",
                ))),
                s if is_transient_status(s) => Err(Failure::Transient {
                    error: Error::CheckFailed(format!("HTTP {s}{}", api_message(&text))),
                    retry_after,
                }),
                s => Err(Failure::Permanent(Error::CheckFailed(format!(
                    "{what} answered HTTP {s}{}",
                    api_message(&text)
                )))),
            }
        });
        outcome.map_err(|e| e.into_unreachable(what))
    }

    fn json(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
        let url = self.pipeline.url(path);
        let text = self.send(method, &url, body)?;
        serde_json::from_str(&text).map_err(|e| Error::Unreachable {
            service: format!("Azure DevOps ({method} {})", strip_query(&url)),
            attempts: 1,
            source: format!("the answer is not JSON ({e}): {}", excerpt(&text, 200)).into(),
        })
    }

    fn pipeline_id(&self, rollout_id: &str) -> u64 {
        self.records
            .load(rollout_id)
            .and_then(|r| r.pipeline_id)
            .unwrap_or(self.pipeline.pipeline_id)
    }

    /// Last lines of the logs of the failed records of a timeline (fetched once each).
    fn failure_lines(&self, run_id: &str, timeline: &Value) -> HashMap<String, Vec<String>> {
        let failed = timeline
            .get("records")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|r| {
                text(r, "type").as_deref() == Some("Task")
                    && matches!(
                        text(r, "result").as_deref(),
                        Some("failed" | "canceled" | "abandoned")
                    )
            });
        for record in failed {
            let (Some(id), Some(log_id)) = (
                text(record, "id"),
                record
                    .get("log")
                    .and_then(|l| l.get("id"))
                    .and_then(Value::as_u64),
            ) else {
                continue;
            };
            if self.log_tails.borrow().contains_key(&id) {
                continue;
            }
            let url = self
                .pipeline
                .url(&format!("build/builds/{run_id}/logs/{log_id}"));
            match self.send_accepting("GET", &url, None, "text/plain") {
                Ok(log) => {
                    let log = log_text(&log);
                    self.log_tails
                        .borrow_mut()
                        .insert(id, tail_lines(&log, LOG_TAIL_LINES));
                }
                Err(e) => self.logger.warn(&format!(
                    "could not read the log of failed task {id}: {}",
                    sentinel_core::error::chain(&e)
                )),
            }
        }
        self.log_tails.borrow().clone()
    }

    /// The Approval objects of a run: those its timeline's Checkpoint.Approval records name
    /// (Approvals - Query with `approvalIds`, every status), and, as a fallback for a record
    /// no Approval answers to, the pending ones whose undocumented `pipeline.owner.id` is
    /// this run.
    fn approvals(&self, rollout_id: &str, timeline: &Value) -> Result<Vec<Value>> {
        let ids: Vec<String> = list(&timeline["records"])
            .iter()
            .filter(|r| text(r, "type").as_deref() == Some("Checkpoint.Approval"))
            .filter_map(|r| text(r, "id"))
            .filter(|id| is_guid(id))
            .collect();
        let mut approvals: Vec<Value> = Vec::new();
        if !ids.is_empty() {
            let answer = self.json(
                "GET",
                &format!(
                    "pipelines/approvals?approvalIds={}&$expand=steps",
                    ids.join(",")
                ),
                None,
            )?;
            approvals.extend(list(&answer).iter().cloned());
        }
        let unanswered = ids.iter().any(|id| {
            !approvals
                .iter()
                .any(|a| text(a, "id").as_deref() == Some(id))
        });
        if ids.is_empty() || unanswered {
            let pending = self.json("GET", "pipelines/approvals?state=pending", None)?;
            approvals.extend(
                list(&pending)
                    .iter()
                    .filter(|a| {
                        a.pointer("/pipeline/owner/id")
                            .is_some_and(|id| id.to_string().trim_matches('"') == rollout_id)
                    })
                    .cloned(),
            );
        }
        Ok(approvals)
    }

    fn decide(&self, rollout_id: &str, action_id: &str, status: &str, comment: &str) -> Result<()> {
        super::require_pending(&self.status(rollout_id)?, action_id)?;
        // The approval itself, by its id, before deciding anything: a checkpoint whose id is
        // not an approval's is refused, never another gate approved in its place.
        if !is_guid(action_id) {
            return Err(Error::usage(format!(
                "{action_id:?} is not an Azure DevOps approval id (a GUID)"
            )));
        }
        let approval = self.json("GET", &format!("pipelines/approvals/{action_id}"), None);
        match approval {
            Ok(approval) if text(&approval, "id").as_deref() == Some(action_id) => {}
            Ok(_) | Err(_) => {
                return Err(Error::usage_with_hint(
                    format!(
                        "Azure DevOps has no approval {action_id} for run {rollout_id}: the checkpoint could not be matched to an approval, so nothing was decided"
                    ),
                    "approve or reject it in the run's web page (the dashboard URL of rollout.triggered)",
                ));
            }
        }
        self.json(
            "PATCH",
            "pipelines/approvals",
            Some(&json!([{"approvalId": action_id, "status": status, "comment": comment}])),
        )?;
        Ok(())
    }
}

/// A wait action from a 7.1 Approval object: its `status` decides, its `steps` say who.
fn action_from_approval(approval: &Value, id: &str, stage: String) -> WaitAction {
    let raw = text(approval, "status").unwrap_or_default();
    let (status, outcome) = match raw.as_str() {
        "approved" => (WaitActionStatus::Approved, None),
        "rejected" => (WaitActionStatus::Rejected, None),
        "timedOut" => (
            WaitActionStatus::Rejected,
            Some("the approval timed out: nobody decided before its timeout".to_owned()),
        ),
        "skipped" => (
            WaitActionStatus::Rejected,
            Some("the approval was skipped".to_owned()),
        ),
        "canceled" => (
            WaitActionStatus::Rejected,
            Some(
                "the approval was canceled (the run was canceled or the check removed)".to_owned(),
            ),
        ),
        "failed" => (
            WaitActionStatus::Rejected,
            Some("the approval failed".to_owned()),
        ),
        // pending, uninitiated (an approver later in sequence), undefined, and what 7.1 may add.
        _ => (WaitActionStatus::Pending, None),
    };
    let decided_by = approval
        .get("steps")
        .and_then(Value::as_array)
        .and_then(|steps| {
            steps.iter().find_map(|step| {
                matches!(
                    text(step, "status").as_deref(),
                    Some("approved" | "rejected")
                )
                .then(|| {
                    step.pointer("/actualApprover/displayName")
                        .and_then(Value::as_str)
                })
                .flatten()
                .map(str::to_owned)
            })
        });
    WaitAction {
        action_id: id.to_owned(),
        stage,
        reason: text(approval, "instructions")
            .filter(|i| !i.trim().is_empty())
            .unwrap_or_else(|| "approval required".into()),
        status,
        waiting_since: text(approval, "createdOn").unwrap_or_default(),
        decided_by,
        outcome,
    }
}

fn strip_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// `: message` from an Azure DevOps error body (`{"message": ...}`), when there is one.
fn api_message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| text(&v, "message"))
        .map(|m| format!(": {m}"))
        .unwrap_or_default()
}

impl Provider for AdoProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Ado
    }

    fn discover(&self, _request: &StartRequest) -> Result<Discovered> {
        let stage_map_version = self
            .config
            .stage_map_version
            .clone()
            .unwrap_or_else(|| format!("pipeline-{}", self.pipeline.pipeline_id));
        if let Some((version, source)) = self.config.artifact_version() {
            sentinel_core::versions::check_version(&version, source)?;
            return Ok(Discovered {
                artifact_version: version,
                artifact_version_source: source.as_str().into(),
                stage_map_version,
            });
        }
        let builds = self.json(
            "GET",
            &format!(
                "build/builds?definitions={}&statusFilter=completed&resultFilter=succeeded&queryOrder=finishTimeDescending&$top=1",
                self.pipeline.pipeline_id
            ),
            None,
        )?;
        let version = list(&builds)
            .first()
            .and_then(|b| text(b, "buildNumber"))
            .ok_or_else(|| {
                Error::usage_with_hint(
                    format!(
                        "pipeline {} has no successful build to take the version from",
                        self.pipeline.pipeline_id
                    ),
                    "run the build first, or pass --artifact-version",
                )
            })?;
        sentinel_core::versions::check_discovered_version(&version)?;
        Ok(Discovered {
            artifact_version: version,
            artifact_version_source: VersionSource::Provider.as_str().into(),
            stage_map_version,
        })
    }

    fn start(&self, request: &StartRequest) -> Result<String> {
        let substitute = |value: &Value| match value {
            Value::String(s) => Value::String(
                s.replace("{version}", &request.artifact_version)
                    .replace("{environment}", &request.environment),
            ),
            other => other.clone(),
        };
        let parameters: serde_json::Map<String, Value> = self
            .config
            .pipeline_config
            .as_ref()
            .map(|p| {
                p.template_parameters
                    .iter()
                    .map(|(k, v)| (k.clone(), as_parameter(substitute(v))))
                    .collect()
            })
            .unwrap_or_default();
        let mut body = json!({
            "templateParameters": parameters,
            "variables": {
                "artifactVersion": {"value": request.artifact_version, "isSecret": false},
                "environment": {"value": request.environment, "isSecret": false},
            },
        });
        if let Some(branch) = &self.pipeline.branch {
            body["resources"] = json!({"repositories": {"self": {"refName": branch}}});
        }
        let run = self.json(
            "POST",
            &format!("pipelines/{}/runs", self.pipeline.pipeline_id),
            Some(&body),
        )?;
        let run_id = run
            .get("id")
            .and_then(Value::as_u64)
            .ok_or_else(|| Error::Unreachable {
                service: "Azure DevOps (run pipeline)".into(),
                attempts: 1,
                source: format!(
                    "the answer has no run id: {}",
                    excerpt(&run.to_string(), 200)
                )
                .into(),
            })?
            .to_string();
        let record = RolloutRecord {
            rollout_id: run_id.clone(),
            provider: ProviderKind::Ado,
            request: request.clone(),
            endpoint: format!("{}/{}", self.pipeline.organization, self.pipeline.project),
            stages: self.config.stages.iter().map(StageConfig::info).collect(),
            created: text(&run, "createdDate").unwrap_or_else(now_rfc3339),
            finished: false,
            pipeline_id: Some(self.pipeline.pipeline_id),
            // `_links.web.href` is what the service sends, but the 7.1 spec does not declare
            // it: without it, the run's documented web page.
            dashboard_url: Some(
                run.pointer("/_links/web/href")
                    .and_then(Value::as_str)
                    .map_or_else(|| self.pipeline.web_url(&run_id), str::to_owned),
            ),
        };
        self.records.save(&record)?;
        Ok(run_id)
    }

    fn status(&self, rollout_id: &str) -> Result<RolloutSnapshot> {
        let run = self.json(
            "GET",
            &format!(
                "pipelines/{}/runs/{rollout_id}",
                self.pipeline_id(rollout_id)
            ),
            None,
        )?;
        let timeline = self.json("GET", &format!("build/builds/{rollout_id}/timeline"), None)?;
        let approvals = self.approvals(rollout_id, &timeline)?;
        let lines = self.failure_lines(rollout_id, &timeline);
        let mut snapshot = snapshot_from(&run, &timeline, &approvals, &self.config, &lines);
        if snapshot.rollout_id.is_empty() {
            snapshot.rollout_id = rollout_id.to_owned();
        }
        if snapshot.overall_status.is_terminal() {
            if let Some(mut record) = self.records.load(rollout_id).filter(|r| !r.finished) {
                record.finished = true;
                self.records.save(&record)?;
            }
        }
        Ok(snapshot)
    }

    fn approve(&self, rollout_id: &str, action_id: &str, by: &str) -> Result<()> {
        self.decide(
            rollout_id,
            action_id,
            "approved",
            &format!("approved by {by} through Deploy Sentinel"),
        )
    }

    fn reject(&self, rollout_id: &str, action_id: &str, reason: &str) -> Result<()> {
        self.decide(rollout_id, action_id, "rejected", reason)?;
        // A rejected approval fails its stage; the contract is that the rollout is cancelled.
        self.cancel(rollout_id, reason)
    }

    fn cancel(&self, rollout_id: &str, reason: &str) -> Result<()> {
        self.json(
            "PATCH",
            &format!("build/builds/{rollout_id}"),
            Some(&json!({"status": "cancelling"})),
        )?;
        self.logger.info(&format!(
            "asked Azure DevOps to cancel run {rollout_id}: {reason}"
        ));
        Ok(())
    }

    fn records(&self) -> Option<&RecordStore> {
        Some(&self.records)
    }
}

/// The items of a list answer: the 7.1 schemas declare bare arrays (builds, approvals)
/// while the service and the spec's examples wrap them as `{"count": N, "value": [...]}`.
fn list(answer: &Value) -> &[Value] {
    match answer {
        Value::Array(items) => items,
        other => other
            .get("value")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice),
    }
}

/// A log's text, whichever form the service sent: plain text, or (asked for JSON) a
/// `{"count": N, "value": [lines]}` line list.
fn log_text(body: &str) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(object)) => match object.get("value").and_then(Value::as_array) {
            Some(lines) => lines
                .iter()
                .map(|line| line.as_str().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n"),
            None => body.to_owned(),
        },
        _ => body.to_owned(),
    }
}

/// A template parameter as the 7.1 spec types them: a string (numbers and booleans are sent
/// as their text; objects and arrays are refused when the config loads).
fn as_parameter(value: Value) -> Value {
    match value {
        Value::String(_) => value,
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Number(n) => Value::String(n.to_string()),
        Value::Null => Value::String(String::new()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_answers_bare_or_wrapped_logs_as_text_or_lines_and_parameters_as_strings() {
        let item = json!({"buildNumber": "1"});
        assert_eq!(list(&json!([item.clone()])), std::slice::from_ref(&item));
        assert_eq!(
            list(&json!({"count": 1, "value": [item.clone()]})),
            std::slice::from_ref(&item)
        );
        assert!(list(&json!({"count": 0})).is_empty());
        assert_eq!(log_text("line 1\nline 2"), "line 1\nline 2");
        assert_eq!(
            log_text(r#"{"count":2,"value":["line 1","line 2"]}"#),
            "line 1\nline 2"
        );
        assert_eq!(as_parameter(json!(true)), json!("true"));
        assert_eq!(as_parameter(json!(3)), json!("3"));
        assert_eq!(as_parameter(json!("x")), json!("x"));
    }

    #[test]
    fn urls_carry_the_api_version_and_an_encoded_project() {
        let pipeline = Pipeline {
            organization: "https://dev.azure.com/contoso".into(),
            project: "Orders Team".into(),
            pipeline_id: 12,
            branch: None,
        };
        assert_eq!(
            pipeline.web_url("1413"),
            "https://dev.azure.com/contoso/Orders%20Team/_build/results?buildId=1413"
        );
        assert_eq!(
            pipeline.url("pipelines/12/runs"),
            "https://dev.azure.com/contoso/Orders%20Team/_apis/pipelines/12/runs?api-version=7.1"
        );
        assert_eq!(
            pipeline.url("pipelines/approvals?state=pending"),
            "https://dev.azure.com/contoso/Orders%20Team/_apis/pipelines/approvals?state=pending&api-version=7.1"
        );
    }

    #[test]
    fn the_organization_falls_back_to_the_collection_uri_and_branches_become_refs() {
        let config: DeploymentConfig = serde_json::from_value(json!({
            "pipelineConfig": {"project": "Orders", "pipelineId": 7, "branch": "main"}
        }))
        .unwrap();
        let env = |name: &str| {
            (name == "SYSTEM_COLLECTIONURI").then(|| "https://dev.azure.com/contoso/".to_owned())
        };
        let pipeline = Pipeline::from_config(&config, &env).unwrap();
        assert_eq!(pipeline.organization, "https://dev.azure.com/contoso");
        assert_eq!(pipeline.branch.as_deref(), Some("refs/heads/main"));
        let missing = Pipeline::from_config(&config, &|_| None).unwrap_err();
        assert!(
            missing.to_string().contains("pipelineConfig.organization"),
            "{missing}"
        );
    }

    #[test]
    fn the_token_comes_only_from_the_environment() {
        let env = |name: &str| (name == "SYSTEM_ACCESSTOKEN").then(|| "t0ken".to_owned());
        assert_eq!(token_from_env(&env).unwrap().expose(), "t0ken");
        let error = token_from_env(&|_| None).unwrap_err();
        assert_eq!(error.exit(), sentinel_core::Exit::Usage);
        assert!(
            error.hint().unwrap().contains("Build (Read & execute)"),
            "{error:?}"
        );
    }

    #[test]
    fn states_and_results_map_to_statuses() {
        assert_eq!(
            run_status("completed", Some("succeeded")),
            OverallStatus::Completed
        );
        assert_eq!(
            run_status("completed", Some("canceled")),
            OverallStatus::Cancelled
        );
        assert_eq!(
            run_status("completed", Some("failed")),
            OverallStatus::Failed
        );
        assert_eq!(run_status("canceling", None), OverallStatus::InProgress);
        assert_eq!(
            record_status("completed", Some("succeededWithIssues")),
            StageStatus::Completed
        );
        assert_eq!(
            record_status("completed", Some("skipped")),
            StageStatus::Skipped
        );
        assert_eq!(record_status("pending", None), StageStatus::NotStarted);
    }

    #[test]
    fn the_tail_of_a_log_is_its_last_lines() {
        let log: String = (1..=60).map(|i| format!("line {i}\n")).collect();
        let tail = tail_lines(&log, 50);
        assert_eq!(tail.len(), 50);
        assert_eq!(tail[0], "line 11");
        assert_eq!(tail_lines("a\nb", 50), vec!["a", "b"]);
    }
}
