//! The `ev2` provider: Azure EV2 rollouts through the EV2 MCP server.
//!
//! The server is started on first use (see [`crate::mcp`]) and asked for its tools; the
//! contract's names carry the `mcp_ev2_mcp_serve_` prefix of the original specification, and
//! a server that offers the bare names (`start_rollout`) is understood too. The best-practices
//! tool is always called first. Every call is retried on transient EV2 errors (InternalError,
//! throttling, 503) after 1 s, 2 s, 4 s; authentication and not-found errors fail at once with
//! what to check.
//!
//! EV2 answers `{error: {code, message}}` for its own errors, as a tool failure (`isError`) or
//! inside a normal result; both are read the same way.

use super::record::{RecordStore, RolloutRecord};
use super::{
    Discovered, OverallStatus, Provider, RolloutSnapshot, StageSnapshot, StageStatus, StartRequest,
    WaitAction, WaitActionStatus,
};
use crate::mcp::{CallError, McpClient, ServerCommand, ToolResult};
use crate::vscode_mcp::VSCODE_MCP_FILE;
use sentinel_core::clock::{SystemClock, now_rfc3339};
use sentinel_core::config::{DeploymentConfig, Ev2Config, Field, ProviderKind, StageConfig};
use sentinel_core::error::{Error, Result};
use sentinel_core::events::{ErrorDetail, StageInfo};
use sentinel_core::files::StatePaths;
use sentinel_core::output::{Logger, excerpt};
use sentinel_core::retry::{Backoff, Failure, retry};
use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::Duration;

/// The prefix of every tool name in the EV2 MCP contract.
pub const TOOL_PREFIX: &str = "mcp_ev2_mcp_serve_";

/// The tools of the contract, without the prefix.
pub mod tools {
    pub const BEST_PRACTICES: &str = "get_ev2_best_practices";
    pub const ARTIFACT_VERSIONS: &str = "get_artifact_versions";
    pub const STAGE_MAP_VERSIONS: &str = "get_stage_map_versions";
    pub const START_ROLLOUT: &str = "start_rollout";
    pub const ROLLOUT_DETAILS: &str = "get_rollout_details";
    pub const STOP_WAIT_ACTION: &str = "stop_wait_action";
    pub const CANCEL_ROLLOUT: &str = "cancel_rollout";
    pub const ALL: [&str; 7] = [
        BEST_PRACTICES,
        ARTIFACT_VERSIONS,
        STAGE_MAP_VERSIONS,
        START_ROLLOUT,
        ROLLOUT_DETAILS,
        STOP_WAIT_ACTION,
        CANCEL_ROLLOUT,
    ];
}

/// How long one MCP call may take unless `ev2.callTimeout` says otherwise.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// The scope that deploys everything, the default of every environment.
pub const DEFAULT_SCOPE: &str = "regions(*).steps(*).stamps(*).actions(*)";

/// Environment → EV2 endpoint when `ev2.endpoints` does not say (compared case-insensitively).
pub const DEFAULT_ENDPOINTS: &[(&str, &str)] = &[
    ("Dev", "Test"),
    ("Test", "Test"),
    ("INT", "Test"),
    ("PPE", "Test"),
    ("Staging", "Test"),
    ("Canary", "Prod"),
    ("Prod", "Prod"),
    ("Production", "Prod"),
];

/// The EV2 endpoint for an environment: `ev2.endpoints` first, then [`DEFAULT_ENDPOINTS`].
pub fn endpoint_for(config: &DeploymentConfig, environment: &str) -> Result<String> {
    let configured = config.ev2.as_ref().map(|e| &e.endpoints);
    let found = configured
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .chain(DEFAULT_ENDPOINTS.iter().copied())
        .find(|(name, _)| name.eq_ignore_ascii_case(environment))
        .map(|(_, endpoint)| endpoint.to_owned());
    found.ok_or_else(|| {
        Error::usage_with_hint(
            format!("no EV2 endpoint is known for environment {environment:?}"),
            format!(
                "add it to the config: \"ev2\": {{\"endpoints\": {{\"{environment}\": \"Test\"}}}} (built in: {})",
                DEFAULT_ENDPOINTS
                    .iter()
                    .map(|(e, p)| format!("{e}→{p}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

/// The selection and exclusion scopes of a rollout to `environment`: the ones given (flag or
/// `selectionScope`), else `ev2.selectionScopes[environment]`, else everything. Each is checked.
pub fn scopes_for(
    config: &DeploymentConfig,
    environment: &str,
) -> Result<(Vec<String>, Vec<String>)> {
    let per_environment = |table: Option<&std::collections::BTreeMap<String, Vec<String>>>| {
        table
            .into_iter()
            .flatten()
            .find(|(name, _)| name.eq_ignore_ascii_case(environment))
            .map(|(_, scopes)| scopes.clone())
    };
    let ev2 = config.ev2.as_ref();
    let selection = if config.selection_scope.is_empty() {
        per_environment(ev2.map(|e| &e.selection_scopes))
            .unwrap_or_else(|| vec![DEFAULT_SCOPE.to_owned()])
    } else {
        config.selection_scope.clone()
    };
    let exclusion = if config.exclusion_scope.is_empty() {
        per_environment(ev2.map(|e| &e.exclusion_scopes)).unwrap_or_default()
    } else {
        config.exclusion_scope.clone()
    };
    for (kind, scopes) in [("selection", &selection), ("exclusion", &exclusion)] {
        for scope in scopes {
            check_scope(scope).map_err(|why| {
                Error::usage_with_hint(
                    format!("{kind} scope {scope:?} is not an EV2 scope: {why}"),
                    format!("write it as {DEFAULT_SCOPE}, naming regions, steps, stamps or actions in place of * (e.g. regions(westus,eastus).steps(*).stamps(*).actions(*))"),
                )
            })?;
        }
    }
    Ok((selection, exclusion))
}

/// Check the `regions(...).steps(...).stamps(...).actions(...)` syntax: the four parts in that
/// order, each holding `*` or a comma-separated list of names.
pub fn check_scope(scope: &str) -> std::result::Result<(), String> {
    const PARTS: [&str; 4] = ["regions", "steps", "stamps", "actions"];
    let mut rest = scope.trim();
    for (index, part) in PARTS.iter().enumerate() {
        if index > 0 {
            rest = rest.strip_prefix('.').ok_or_else(|| {
                format!(
                    "expected \".{part}(...)\" after the {} part",
                    PARTS[index - 1]
                )
            })?;
        }
        rest = rest
            .strip_prefix(part)
            .and_then(|r| r.strip_prefix('('))
            .ok_or_else(|| format!("expected \"{part}(\" at {:?}", excerpt(rest, 24)))?;
        let close = rest
            .find(')')
            .ok_or_else(|| format!("{part}( is not closed"))?;
        let inside = &rest[..close];
        if inside.trim() != "*" {
            for name in inside.split(',') {
                let name = name.trim();
                if name.is_empty() {
                    return Err(format!("{part}({inside}) has an empty name"));
                }
                if let Some(c) = name
                    .chars()
                    .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ')))
                {
                    return Err(format!(
                        "{part}({inside}) has the character {c:?} in {name:?}"
                    ));
                }
            }
        }
        rest = &rest[close + 1..];
    }
    if rest.trim().is_empty() {
        Ok(())
    } else {
        Err(format!(
            "unexpected {:?} after actions(...)",
            excerpt(rest, 24)
        ))
    }
}

/// One EV2 error: `{error: {code, message}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ev2Error {
    pub code: String,
    pub message: String,
}

impl Ev2Error {
    /// Throttling and server trouble, worth another try.
    pub fn is_transient(&self) -> bool {
        let code = self.code.to_ascii_lowercase();
        matches!(
            code.as_str(),
            "internalerror"
                | "internalservererror"
                | "toomanyrequests"
                | "throttled"
                | "serviceunavailable"
                | "timeout"
                | "429"
                | "500"
                | "502"
                | "503"
                | "504"
        ) || ["429", "503", "Too Many Requests", "Service Unavailable"]
            .iter()
            .any(|mark| self.message.contains(mark))
    }
}

/// The EV2 error a tool result carries, if any.
pub fn ev2_error(result: &ToolResult) -> Option<Ev2Error> {
    let from_value = result
        .value
        .as_ref()
        .and_then(|v| v.get("error"))
        .filter(|e| e.is_object())
        .map(|e| Ev2Error {
            code: e
                .get("code")
                .and_then(Value::as_str)
                .unwrap_or("Unknown")
                .to_owned(),
            message: e
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        });
    match from_value {
        Some(error) => Some(error),
        None if result.is_error => Some(Ev2Error {
            code: known_code_in(&result.text)
                .unwrap_or("ToolError")
                .to_owned(),
            message: result.text.clone(),
        }),
        None => None,
    }
}

/// The EV2 error code a failure's text names, for failures that carry no `{error: {code}}`.
fn known_code_in(text: &str) -> Option<&'static str> {
    KNOWN_CODES.iter().copied().find(|code| text.contains(code))
}

const KNOWN_CODES: [&str; 6] = [
    "ServiceNotFound",
    "AuthenticationFailed",
    "InvalidParameter",
    "ConcurrentRollout",
    "RolloutNotFound",
    "InternalError",
];

/// An EV2 status string, mapped; `None` for one this build does not know.
pub fn rollout_status(text: &str) -> Option<OverallStatus> {
    Some(match text.to_ascii_lowercase().as_str() {
        "inprogress" | "running" | "started" | "pending" | "queued" | "notstarted" | "created" => {
            OverallStatus::InProgress
        }
        "completed" | "succeeded" | "success" => OverallStatus::Completed,
        "failed" => OverallStatus::Failed,
        "cancelled" | "canceled" => OverallStatus::Cancelled,
        "waiting" | "waitingforapproval" => OverallStatus::WaitingForApproval,
        "rollingback" => OverallStatus::RollingBack,
        "rolledback" => OverallStatus::RolledBack,
        _ => return None,
    })
}

/// A stage's EV2 status, mapped; `None` for an unknown one.
pub fn stage_status(text: &str) -> Option<StageStatus> {
    Some(match text.to_ascii_lowercase().as_str() {
        "pending" | "notstarted" | "queued" | "skipped" => StageStatus::NotStarted,
        "inprogress" | "running" | "started" | "waiting" => StageStatus::InProgress,
        "completed" | "succeeded" | "success" => StageStatus::Completed,
        "failed" => StageStatus::Failed,
        "cancelled" | "canceled" => StageStatus::Cancelled,
        _ => return None,
    })
}

/// A wait action's EV2 status, mapped; `None` for an unknown one.
pub fn wait_action_status(text: &str) -> Option<WaitActionStatus> {
    Some(match text.to_ascii_lowercase().as_str() {
        "pending" | "waiting" | "active" | "inprogress" | "running" => WaitActionStatus::Pending,
        "completed" | "approved" | "stopped" | "resumed" | "succeeded" => {
            WaitActionStatus::Approved
        }
        "cancelled" | "canceled" | "rejected" => WaitActionStatus::Rejected,
        _ => return None,
    })
}

/// The message of a stage error, with what to do about it.
pub fn error_with_recommendation(stage: &str, regions: &[String], error: &Ev2Error) -> String {
    let cause = if error.code.is_empty() || error.message.contains(&error.code) {
        error.message.clone()
    } else {
        format!("{} ({})", error.message.trim_end_matches('.'), error.code)
    };
    match regions {
        [] => format!("Stage {stage} failed: {cause}. Check the rollout in the EV2 portal."),
        [region] => format!(
            "Region {region} failed during {stage}: {cause}. Check the service health in {region}."
        ),
        several => {
            let list = several.join(", ");
            format!(
                "Regions {list} failed during {stage}: {cause}. Check the service health in {list}."
            )
        }
    }
}

/// Turn a `get_rollout_details` answer into a snapshot. `stages_config` gives each stage's
/// endpoints to verify (EV2 does not know them); `unknown` collects status strings that were
/// not understood (treated as in progress).
pub fn snapshot_from_details(
    details: &Value,
    rollout_id: &str,
    stages_config: &[StageConfig],
    unknown: &mut BTreeSet<String>,
) -> RolloutSnapshot {
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let list = |v: &Value, key: &str| {
        v.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let mut stages = Vec::new();
    for stage in list(details, "stages") {
        let name = text(&stage, "name").unwrap_or_default();
        let raw = text(&stage, "status").unwrap_or_default();
        let status = stage_status(&raw).unwrap_or_else(|| {
            unknown.insert(format!("stage {name}: {raw}"));
            StageStatus::InProgress
        });
        let regions: Vec<String> = list(&stage, "regions")
            .iter()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect();
        let configured = stages_config
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(&name));
        stages.push(StageSnapshot {
            name,
            status,
            regions,
            endpoints: configured.map(|s| s.endpoints.clone()).unwrap_or_default(),
            traffic_percent: configured.and_then(|s| s.traffic_percent),
            start_time: text(&stage, "startTime"),
            end_time: text(&stage, "endTime"),
            errors: Vec::new(),
        });
    }
    let mut errors = Vec::new();
    for error in list(details, "errors") {
        let stage_name = text(&error, "stage").unwrap_or_default();
        let cause = Ev2Error {
            code: text(&error, "errorCode").unwrap_or_default(),
            message: text(&error, "message").unwrap_or_default(),
        };
        let stage = stages.iter_mut().find(|s| s.name == stage_name);
        let regions = stage
            .as_ref()
            .map(|s| s.regions.clone())
            .unwrap_or_default();
        let detail = ErrorDetail {
            error_code: Some(cause.code.clone()).filter(|c| !c.is_empty()),
            message: error_with_recommendation(&stage_name, &regions, &cause),
            stage: Some(stage_name.clone()).filter(|s| !s.is_empty()),
        };
        if let Some(stage) = stage {
            stage.errors.push(detail.clone());
        }
        errors.push(detail);
    }
    let wait_actions: Vec<WaitAction> = list(details, "waitActions")
        .iter()
        .map(|action| {
            let id = text(action, "actionId").unwrap_or_default();
            let raw = text(action, "status").unwrap_or_default();
            WaitAction {
                status: wait_action_status(&raw).unwrap_or_else(|| {
                    unknown.insert(format!("wait action {id}: {raw}"));
                    WaitActionStatus::Pending
                }),
                action_id: id,
                stage: text(action, "stage").unwrap_or_default(),
                reason: text(action, "reason").unwrap_or_default(),
                waiting_since: text(action, "waitingSince").unwrap_or_default(),
                decided_by: None,
                outcome: None,
            }
        })
        .collect();
    let raw = text(details, "overallStatus").unwrap_or_default();
    let mut overall = rollout_status(&raw).unwrap_or_else(|| {
        unknown.insert(format!("rollout: {raw}"));
        OverallStatus::InProgress
    });
    if !overall.is_terminal()
        && wait_actions
            .iter()
            .any(|a| a.status == WaitActionStatus::Pending)
    {
        overall = OverallStatus::WaitingForApproval;
    }
    let started = stages.iter().filter_map(|s| s.start_time.clone()).min();
    let last_update = text(details, "lastUpdateTime");
    RolloutSnapshot {
        rollout_id: text(details, "rolloutId").unwrap_or_else(|| rollout_id.to_owned()),
        overall_status: overall,
        current_stage: text(details, "currentStage").filter(|s| !s.is_empty()),
        stages,
        wait_actions,
        errors,
        started,
        finished: if overall.is_terminal() {
            last_update.clone()
        } else {
            None
        },
        last_update_time: last_update,
        ..Default::default()
    }
}

/// The newest usable entry of a version list (EV2 lists newest first).
fn newest_usable(entries: &[Value], key: &str) -> Option<String> {
    const UNUSABLE: [&str; 5] = ["failed", "deleted", "invalid", "rejected", "disabled"];
    entries
        .iter()
        .filter(|e| {
            let status = e
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_ascii_lowercase();
            !UNUSABLE.contains(&status.as_str())
        })
        .find_map(|e| e.get(key).and_then(Value::as_str).map(str::to_owned))
}

/// The MCP session and the server's names for the contract's tools.
#[derive(Debug)]
struct Session {
    client: McpClient,
    names: HashMap<&'static str, String>,
}

/// The EV2 provider over one state directory.
#[derive(Debug)]
pub struct Ev2Provider {
    server: ServerCommand,
    config: DeploymentConfig,
    records: RecordStore,
    logger: Logger,
    timeout: Duration,
    backoff: Backoff,
    session: RefCell<Option<Session>>,
    /// Unknown status strings already warned about (once each per run).
    warned: RefCell<BTreeSet<String>>,
}

impl Ev2Provider {
    /// A provider that starts `server` when it is first needed.
    pub fn new(
        server: ServerCommand,
        config: &DeploymentConfig,
        state_dir: &std::path::Path,
        logger: &Logger,
    ) -> Self {
        Ev2Provider {
            server,
            config: config.clone(),
            records: RecordStore::new(&StatePaths::new(state_dir)),
            logger: logger.clone(),
            timeout: config
                .ev2
                .as_ref()
                .and_then(|e| e.call_timeout)
                .map_or(DEFAULT_CALL_TIMEOUT, |d| d.0),
            backoff: Backoff {
                max_retries: config.max_retries(),
                ..Backoff::default()
            },
            session: RefCell::new(None),
            warned: RefCell::new(BTreeSet::new()),
        }
    }

    /// Retry no call past `deadline`.
    pub fn with_deadline(mut self, deadline: Option<std::time::SystemTime>) -> Self {
        self.backoff.deadline = deadline;
        self
    }

    /// Start the server, check its tools, and read the best practices (always first).
    fn open_session(&self) -> Result<Session> {
        self.logger.info(&format!(
            "starting the EV2 MCP server: {} ({})",
            self.server.display(),
            self.server.origin
        ));
        let mut client = McpClient::start(&self.server, self.timeout, &self.logger)?;
        let offered: Vec<String> = client.list_tools()?.into_iter().map(|t| t.name).collect();
        let mut names = HashMap::new();
        let mut missing = Vec::new();
        for tool in tools::ALL {
            let prefixed = format!("{TOOL_PREFIX}{tool}");
            if offered.contains(&prefixed) {
                names.insert(tool, prefixed);
            } else if offered.iter().any(|o| o == tool) {
                names.insert(tool, tool.to_owned());
            } else {
                missing.push(prefixed);
            }
        }
        if !missing.is_empty() {
            return Err(Error::usage_with_hint(
                format!(
                    "the MCP server `{}` ({}) is not the EV2 MCP server: it lacks {}",
                    self.server.display(),
                    self.server.origin,
                    missing.join(", ")
                ),
                "point --mcp-command, ev2.mcpCommand or --mcp-server at the EV2 MCP server",
            ));
        }
        let mut session = Session { client, names };
        let practices = self.call_in(&mut session, tools::BEST_PRACTICES, json!({}))?;
        let text = practices.text;
        self.logger.debug(&format!("EV2 best practices:\n{text}"));
        self.logger.info(&format!(
            "read the EV2 best practices ({} lines) before any EV2 operation",
            text.lines().count()
        ));
        Ok(session)
    }

    /// One call in a session, retried on transient EV2 errors.
    fn call_in(
        &self,
        session: &mut Session,
        tool: &'static str,
        args: Value,
    ) -> Result<ToolResult> {
        let name = session.names[tool].clone();
        let outcome = retry(&self.backoff, &SystemClock, |attempt| {
            if attempt > 1 {
                self.logger
                    .info(&format!("retrying {tool} (attempt {attempt})"));
            }
            let result = match session.client.call_tool(&name, args.clone()) {
                Ok(result) => result,
                Err(CallError::Rpc { code, message, .. }) => {
                    let error = Ev2Error {
                        code: known_code_in(&message)
                            .map_or_else(|| code.to_string(), str::to_owned),
                        message,
                    };
                    return Err(self.classify(tool, error));
                }
                Err(CallError::Transport(e)) => return Err(Failure::Permanent(e)),
            };
            match ev2_error(&result) {
                Some(error) => Err(self.classify(tool, error)),
                None => Ok(result),
            }
        });
        outcome.map_err(|e| e.into_unreachable(format!("EV2 ({tool})")))
    }

    /// What an EV2 error means for the user, and whether to try again.
    fn classify(&self, tool: &str, error: Ev2Error) -> Failure<Error> {
        if error.is_transient() {
            self.logger.warn(&format!(
                "EV2 {tool}: {}: {} (transient; retrying)",
                error.code, error.message
            ));
            return Failure::transient(Error::CheckFailed(format!(
                "{}: {}",
                error.code, error.message
            )));
        }
        let service = self.config.service_id.clone().unwrap_or_default();
        Failure::Permanent(match error.code.as_str() {
            "AuthenticationFailed" | "Unauthorized" | "Forbidden" => Error::Denied {
                service: format!("EV2 ({tool})"),
                message: format!("{}: {}", error.code, error.message),
                hint: "sign in again (az login) as an identity allowed to deploy this service, and check the credentials the EV2 MCP server uses".into(),
            },
            "ServiceNotFound" => Error::usage_with_hint(
                format!("EV2 does not know serviceId {service}: {}", error.message),
                format!("{}; and check that environment {} maps to the right EV2 endpoint (ev2.endpoints)", Field::ServiceId.where_found(), self.config.environment.as_deref().unwrap_or("?")),
            ),
            "RolloutNotFound" => Error::usage_with_hint(
                format!("EV2 has no such rollout: {}", error.message),
                "check --rollout-id, and that the environment (and so the EV2 endpoint) is the one the rollout was started in",
            ),
            "InvalidParameter" => Error::usage_with_hint(
                format!("EV2 refused a parameter of {tool}: {}", error.message),
                "check serviceGroupName, stageMapName, the versions and the scopes in the config",
            ),
            "ConcurrentRollout" => Error::Locked {
                message: format!("EV2 refuses to start: another rollout of this service is in progress ({})", error.message),
                hint: Some("follow it with sentinel-watch --rollout-id ID, or cancel it (sentinel-trigger cancel --rollout-id ID), then trigger again".into()),
            },
            code => Error::CheckFailed(format!("EV2 {tool} failed: {code}: {}", error.message)),
        })
    }

    /// Call a contract tool, starting the session first when needed; a broken session is
    /// dropped so that the next call starts a fresh server.
    fn call(&self, tool: &'static str, args: Value) -> Result<Value> {
        let mut slot = self.session.borrow_mut();
        if slot.as_ref().is_none_or(|s| !s.client.is_alive()) {
            *slot = None;
            *slot = Some(self.open_session()?);
        }
        let session = slot.as_mut().expect("opened above");
        let outcome = self.call_in(session, tool, args);
        if !session.client.is_alive() {
            *slot = None;
        }
        let result = outcome?;
        result.value.ok_or_else(|| Error::Unreachable {
            service: format!("EV2 ({tool})"),
            attempts: 1,
            source: format!(
                "the answer is not the JSON the contract describes: {}",
                excerpt(&result.text, 200)
            )
            .into(),
        })
    }

    /// Service, endpoint and the rest of a rollout's coordinates: from this machine's record
    /// of it when there is one, else from the config.
    fn coordinates(&self, rollout_id: &str) -> Result<(String, String, Option<RolloutRecord>)> {
        if let Some(record) = self.records.load(rollout_id) {
            return Ok((
                record.request.service_id.clone(),
                record.endpoint.clone(),
                Some(record),
            ));
        }
        if let Some(field) = [Field::ServiceId, Field::Environment]
            .into_iter()
            .find(|f| self.config.is_missing(*f))
        {
            return Err(Error::usage_with_hint(
                format!(
                    "rollout {rollout_id} was not started from this state directory, and {} is not configured",
                    field.json_name()
                ),
                field.where_found(),
            ));
        }
        let environment = self.config.environment.clone().unwrap_or_default();
        Ok((
            self.config.service_id.clone().unwrap_or_default(),
            endpoint_for(&self.config, &environment)?,
            None,
        ))
    }

    fn warn_unknown(&self, unknown: BTreeSet<String>) {
        let mut warned = self.warned.borrow_mut();
        for status in unknown {
            if warned.insert(status.clone()) {
                self.logger.warn(&format!(
                    "EV2 reported a status this version does not know ({status}); treating it as in progress"
                ));
            }
        }
    }
}

impl Provider for Ev2Provider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Ev2
    }

    fn discover(&self, request: &StartRequest) -> Result<Discovered> {
        let endpoint = endpoint_for(&self.config, &request.environment)?;
        scopes_for(&self.config, &request.environment)?;
        let base = json!({
            "serviceId": request.service_id,
            "serviceGroupName": request.service_group_name,
            "endpoint": endpoint,
        });
        let (artifact_version, artifact_version_source) = match self.config.artifact_version() {
            Some((version, source)) => {
                sentinel_core::versions::check_version(&version, source)?;
                (version, source.as_str().to_owned())
            }
            None => {
                let answer = self.call(tools::ARTIFACT_VERSIONS, base.clone())?;
                let artifacts = answer
                    .get("artifacts")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let version = newest_usable(&artifacts, "versionNumber").ok_or_else(|| {
                    Error::usage_with_hint(
                        format!(
                            "EV2 lists no usable artifact version of {} at endpoint {endpoint}",
                            request.service_group_name
                        ),
                        "register the build's artifacts with EV2, or pass --artifact-version",
                    )
                })?;
                sentinel_core::versions::check_discovered_version(&version)?;
                (
                    version,
                    sentinel_core::versions::VersionSource::Provider
                        .as_str()
                        .to_owned(),
                )
            }
        };
        let stage_map_version = match &self.config.stage_map_version {
            Some(version) => version.clone(),
            None => {
                let mut args = base;
                args["stageMapName"] = json!(request.stage_map_name);
                let answer = self.call(tools::STAGE_MAP_VERSIONS, args)?;
                let maps = answer
                    .get("stageMaps")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                newest_usable(&maps, "version").ok_or_else(|| {
                    Error::usage_with_hint(
                        format!(
                            "EV2 lists no usable version of stage map {} at endpoint {endpoint}",
                            request.stage_map_name
                        ),
                        "check stageMapName, or pass --stage-map-version",
                    )
                })?
            }
        };
        Ok(Discovered {
            artifact_version,
            artifact_version_source,
            stage_map_version,
        })
    }

    fn start(&self, request: &StartRequest) -> Result<String> {
        let endpoint = endpoint_for(&self.config, &request.environment)?;
        let (selection, exclusion) = scopes_for(&self.config, &request.environment)?;
        let answer = self.call(
            tools::START_ROLLOUT,
            json!({
                "serviceId": request.service_id,
                "serviceGroupName": request.service_group_name,
                "stageMapName": request.stage_map_name,
                "stageMapVersion": request.stage_map_version,
                "artifactVersionNumber": request.artifact_version,
                "selectionScope": selection,
                "exclusionScope": exclusion,
                "endpoint": endpoint,
            }),
        )?;
        let rollout_id = answer
            .get("rolloutId")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| Error::Unreachable {
                service: "EV2 (start_rollout)".into(),
                attempts: 1,
                source: format!("the answer has no rolloutId: {answer}").into(),
            })?
            .to_owned();
        let mut record = RolloutRecord {
            rollout_id: rollout_id.clone(),
            provider: ProviderKind::Ev2,
            request: StartRequest {
                selection_scope: selection,
                exclusion_scope: exclusion,
                ..request.clone()
            },
            endpoint,
            stages: Vec::new(),
            created: answer
                .get("createdTimestamp")
                .and_then(Value::as_str)
                .map_or_else(now_rfc3339, str::to_owned),
            finished: false,
            pipeline_id: None,
            dashboard_url: None,
        };
        self.records.save(&record)?;
        // The stage map's stages are known once EV2 has planned the rollout; a failure to
        // read them here is the watcher's to report.
        if let Ok(snapshot) = self.status(&rollout_id) {
            record.stages = snapshot
                .stages
                .iter()
                .map(|s| StageInfo {
                    name: s.name.clone(),
                    regions: s.regions.clone(),
                })
                .collect();
            self.records.save(&record)?;
        }
        Ok(rollout_id)
    }

    fn status(&self, rollout_id: &str) -> Result<RolloutSnapshot> {
        let (service_id, endpoint, record) = self.coordinates(rollout_id)?;
        let details = self.call(
            tools::ROLLOUT_DETAILS,
            json!({"serviceId": service_id, "rolloutId": rollout_id, "endpoint": endpoint}),
        )?;
        let mut unknown = BTreeSet::new();
        let mut snapshot =
            snapshot_from_details(&details, rollout_id, &self.config.stages, &mut unknown);
        self.warn_unknown(unknown);
        if let Some(mut record) = record {
            if snapshot.started.is_none() {
                snapshot.started = Some(record.created.clone());
            }
            if snapshot.overall_status.is_terminal() && !record.finished {
                record.finished = true;
                self.records.save(&record)?;
            }
        }
        Ok(snapshot)
    }

    fn approve(&self, rollout_id: &str, action_id: &str, by: &str) -> Result<()> {
        let (service_id, endpoint, _) = self.coordinates(rollout_id)?;
        super::require_pending(&self.status(rollout_id)?, action_id)?;
        self.call(
            tools::STOP_WAIT_ACTION,
            json!({"serviceId": service_id, "rolloutId": rollout_id, "actionId": action_id, "endpoint": endpoint}),
        )?;
        self.logger.info(&format!(
            "stopped wait action {action_id} of rollout {rollout_id} (approved by {by}); EV2 goes on"
        ));
        Ok(())
    }

    fn reject(&self, rollout_id: &str, action_id: &str, reason: &str) -> Result<()> {
        super::require_pending(&self.status(rollout_id)?, action_id)?;
        // EV2 has no "reject": a rejected wait action ends the rollout.
        self.cancel(
            rollout_id,
            &format!("wait action {action_id} rejected: {reason}"),
        )
    }

    fn cancel(&self, rollout_id: &str, reason: &str) -> Result<()> {
        let (service_id, endpoint, _) = self.coordinates(rollout_id)?;
        self.call(
            tools::CANCEL_ROLLOUT,
            json!({"serviceId": service_id, "rolloutId": rollout_id, "reason": reason, "endpoint": endpoint}),
        )?;
        Ok(())
    }

    fn records(&self) -> Option<&RecordStore> {
        Some(&self.records)
    }
}

/// Find the EV2 MCP server: `--mcp-command` (`flag_command`), else the config's
/// `ev2.mcpCommand`, else the entry of `.vscode/mcp.json` (looked for in `workdir` and its
/// parents) named by `--mcp-server` / `ev2.mcpServer`, or the one whose name contains "ev2".
pub fn find_server(
    flag_command: Option<&str>,
    flag_server: Option<&str>,
    config: Option<&Ev2Config>,
    workdir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ServerCommand> {
    if let Some(line) = flag_command {
        return ServerCommand::from_command_line(line, "--mcp-command");
    }
    if let Some(line) = config.and_then(|c| c.mcp_command.as_deref()) {
        return ServerCommand::from_command_line(line, "ev2.mcpCommand in the config");
    }
    let wanted = flag_server.or(config.and_then(|c| c.mcp_server.as_deref()));
    let Some(file) = workdir
        .ancestors()
        .map(|dir| dir.join(VSCODE_MCP_FILE))
        .find(|path| path.is_file())
    else {
        return Err(Error::usage_with_hint(
            format!(
                "no EV2 MCP server configured: no --mcp-command, no ev2.mcpCommand in the config, and no {VSCODE_MCP_FILE} in {} or above",
                workdir.display()
            ),
            "pass --mcp-command 'COMMAND ARGS' or add the server to .vscode/mcp.json (`man sentinel-trigger` shows an example)",
        ));
    };
    let text = std::fs::read_to_string(&file).map_err(|e| Error::io("reading", &file, e))?;
    let workspace = file
        .parent()
        .and_then(Path::parent)
        .map_or_else(|| workdir.to_owned(), Path::to_owned);
    crate::vscode_mcp::server_from_vscode(&text, &file, wanted, &workspace, env)
}

#[cfg(test)]
mod tests {
    use super::*;
    fn no_env(_: &str) -> Option<String> {
        None
    }

    use crate::vscode_mcp::tests::VSCODE;

    #[test]
    fn scopes_are_checked_for_the_four_part_syntax() {
        assert_eq!(check_scope(DEFAULT_SCOPE), Ok(()));
        assert_eq!(
            check_scope("regions(westus, eastus2).steps(*).stamps(Stamp-1).actions(deploy.app)"),
            Ok(())
        );
        let order = check_scope("steps(*).regions(*).stamps(*).actions(*)").unwrap_err();
        assert!(order.contains("expected \"regions(\""), "{order}");
        let open = check_scope("regions(westus.steps(*)").unwrap_err();
        assert!(open.contains("character '('"), "{open}");
        assert!(
            check_scope("regions(*).steps(*).stamps(*)")
                .unwrap_err()
                .contains(".actions")
        );
        assert!(
            check_scope("regions(,).steps(*).stamps(*).actions(*)")
                .unwrap_err()
                .contains("empty name")
        );
        assert!(
            check_scope("regions(*).steps(*).stamps(*).actions(*)x")
                .unwrap_err()
                .contains("unexpected")
        );
    }

    #[test]
    fn scopes_default_per_environment_and_bad_ones_are_a_usage_error() {
        let mut config = DeploymentConfig::default();
        assert_eq!(
            scopes_for(&config, "PPE").unwrap(),
            (vec![DEFAULT_SCOPE.to_owned()], vec![])
        );
        config.ev2 = Some(sentinel_core::config::Ev2Config {
            selection_scopes: [(
                "ppe".to_owned(),
                vec!["regions(westus).steps(*).stamps(*).actions(*)".to_owned()],
            )]
            .into(),
            exclusion_scopes: [(
                "PPE".to_owned(),
                vec!["regions(eastus).steps(*).stamps(*).actions(*)".to_owned()],
            )]
            .into(),
            ..Default::default()
        });
        let (selection, exclusion) = scopes_for(&config, "PPE").unwrap();
        assert_eq!(
            selection[0],
            "regions(westus).steps(*).stamps(*).actions(*)"
        );
        assert_eq!(
            exclusion[0],
            "regions(eastus).steps(*).stamps(*).actions(*)"
        );
        config.selection_scope = vec!["regions(*)".into()];
        let error = scopes_for(&config, "PPE").unwrap_err();
        assert_eq!(error.exit(), sentinel_core::Exit::Usage);
        assert!(
            error.to_string().contains("selection scope \"regions(*)\""),
            "{error}"
        );
    }

    #[test]
    fn endpoints_come_from_the_config_then_the_built_in_table() {
        let mut config = DeploymentConfig::default();
        assert_eq!(endpoint_for(&config, "ppe").unwrap(), "Test");
        assert_eq!(endpoint_for(&config, "Production").unwrap(), "Prod");
        let unknown = endpoint_for(&config, "Fairfax-Prod").unwrap_err();
        assert!(
            unknown
                .hint()
                .unwrap()
                .contains("\"Fairfax-Prod\": \"Test\""),
            "{unknown:?}"
        );
        config.ev2 = Some(sentinel_core::config::Ev2Config {
            endpoints: [
                ("Fairfax-Prod".to_owned(), "Fairfax".to_owned()),
                ("PPE".to_owned(), "Canary".to_owned()),
            ]
            .into(),
            ..Default::default()
        });
        assert_eq!(endpoint_for(&config, "fairfax-prod").unwrap(), "Fairfax");
        assert_eq!(
            endpoint_for(&config, "PPE").unwrap(),
            "Canary",
            "the config wins"
        );
    }

    #[test]
    fn details_become_a_snapshot_with_regions_errors_and_wait_actions() {
        let details = json!({
            "rolloutId": "r-1",
            "overallStatus": "Running",
            "currentStage": "Stage2-WestUS",
            "stages": [
                {"name": "Stage1-Canary", "status": "Succeeded", "startTime": "2026-11-23T10:00:00.000Z", "endTime": "2026-11-23T10:05:00.000Z", "regions": ["EastUS2EUAP"]},
                {"name": "Stage2-WestUS", "status": "Failed", "startTime": "2026-11-23T10:06:00.000Z", "regions": ["WestUS"]},
                {"name": "Stage3-Rest", "status": "Pending", "regions": ["EastUS", "NorthEurope"]},
                {"name": "Stage4-Later", "status": "Hibernating", "regions": []}
            ],
            "errors": [{"stage": "Stage2-WestUS", "timestamp": "2026-11-23T10:07:00.000Z", "errorCode": "HealthCheckFailed", "message": "Health check timed out"}],
            "waitActions": [{"actionId": "wa-1", "stage": "Stage3-Rest", "reason": "Manual approval", "waitingSince": "2026-11-23T10:08:00.000Z", "status": "Waiting"}],
            "lastUpdateTime": "2026-11-23T10:08:00.000Z"
        });
        let stages = vec![StageConfig {
            name: "stage1-canary".into(),
            endpoints: vec!["http://127.0.0.1:1/health".into()],
            traffic_percent: Some(10),
            ..Default::default()
        }];
        let mut unknown = BTreeSet::new();
        let snapshot = snapshot_from_details(&details, "r-1", &stages, &mut unknown);
        assert_eq!(
            snapshot.overall_status,
            OverallStatus::WaitingForApproval,
            "a pending wait action"
        );
        assert_eq!(snapshot.deployed_regions(), vec!["EastUS2EUAP"]);
        assert_eq!(
            snapshot.pending_regions(),
            vec!["WestUS", "EastUS", "NorthEurope"]
        );
        assert_eq!(
            snapshot.stages[0].endpoints,
            vec!["http://127.0.0.1:1/health"]
        );
        assert_eq!(snapshot.stages[0].traffic_percent, Some(10));
        assert_eq!(snapshot.stages[1].status, StageStatus::Failed);
        assert_eq!(
            snapshot.stages[1].errors[0].message,
            "Region WestUS failed during Stage2-WestUS: Health check timed out (HealthCheckFailed). Check the service health in WestUS."
        );
        assert_eq!(snapshot.stages[2].status, StageStatus::NotStarted);
        assert_eq!(
            snapshot.stages[3].status,
            StageStatus::InProgress,
            "unknown is in progress"
        );
        assert_eq!(
            unknown.into_iter().collect::<Vec<_>>(),
            vec!["stage Stage4-Later: Hibernating"]
        );
        assert_eq!(snapshot.wait_actions[0].status, WaitActionStatus::Pending);
        assert_eq!(
            snapshot.started.as_deref(),
            Some("2026-11-23T10:00:00.000Z")
        );
        assert_eq!(snapshot.finished, None);
    }

    #[test]
    fn known_status_strings_map_and_unknown_ones_do_not_crash() {
        for (text, status) in [
            ("InProgress", OverallStatus::InProgress),
            ("Running", OverallStatus::InProgress),
            ("Completed", OverallStatus::Completed),
            ("Succeeded", OverallStatus::Completed),
            ("Failed", OverallStatus::Failed),
            ("Cancelled", OverallStatus::Cancelled),
            ("Canceled", OverallStatus::Cancelled),
            ("Pending", OverallStatus::InProgress),
            ("Waiting", OverallStatus::WaitingForApproval),
        ] {
            assert_eq!(rollout_status(text), Some(status), "{text}");
        }
        assert_eq!(rollout_status("Paused-By-Policy"), None);
        let mut unknown = BTreeSet::new();
        let snapshot = snapshot_from_details(
            &json!({"overallStatus": "Paused-By-Policy"}),
            "r",
            &[],
            &mut unknown,
        );
        assert_eq!(snapshot.overall_status, OverallStatus::InProgress);
        assert_eq!(unknown.len(), 1);
    }

    #[test]
    fn ev2_errors_are_read_from_results_and_failures_alike() {
        let in_result = ToolResult {
            is_error: false,
            value: Some(json!({"error": {"code": "InternalError", "message": "try later"}})),
            text: String::new(),
        };
        let error = ev2_error(&in_result).unwrap();
        assert_eq!(error.code, "InternalError");
        assert!(error.is_transient());
        let failure = ToolResult {
            is_error: true,
            value: None,
            text: "AuthenticationFailed: token expired".into(),
        };
        let error = ev2_error(&failure).unwrap();
        assert_eq!(error.code, "AuthenticationFailed");
        assert!(!error.is_transient());
        let throttled = Ev2Error {
            code: "Unknown".into(),
            message: "HTTP 429 Too Many Requests".into(),
        };
        assert!(throttled.is_transient());
        let fine = ToolResult {
            is_error: false,
            value: Some(json!({"rolloutId": "r"})),
            text: String::new(),
        };
        assert_eq!(ev2_error(&fine), None);
    }

    #[test]
    fn recommendations_name_the_region_or_the_portal() {
        let error = Ev2Error {
            code: "Timeout".into(),
            message: "deployment timed out.".into(),
        };
        assert_eq!(
            error_with_recommendation("Stage3", &["EastUS".into(), "WestEurope".into()], &error),
            "Regions EastUS, WestEurope failed during Stage3: deployment timed out (Timeout). Check the service health in EastUS, WestEurope."
        );
        assert_eq!(
            error_with_recommendation("Stage3", &[], &error),
            "Stage Stage3 failed: deployment timed out (Timeout). Check the rollout in the EV2 portal."
        );
    }

    #[test]
    fn the_newest_usable_version_is_discovered() {
        let list = vec![
            json!({"versionNumber": "1.5.0", "status": "Failed"}),
            json!({"versionNumber": "1.4.2", "status": "Registered"}),
            json!({"versionNumber": "1.4.1", "status": "Registered"}),
        ];
        assert_eq!(
            newest_usable(&list, "versionNumber").as_deref(),
            Some("1.4.2")
        );
        assert_eq!(newest_usable(&[], "versionNumber"), None);
    }
    #[test]
    fn the_flag_wins_over_the_config_which_wins_over_vscode() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".vscode")).unwrap();
        std::fs::write(dir.path().join(VSCODE_MCP_FILE), VSCODE).unwrap();
        let nested = dir.path().join("services/orders");
        std::fs::create_dir_all(&nested).unwrap();
        let config = Ev2Config {
            mcp_command: Some("ev2-from-config --x".into()),
            ..Default::default()
        };
        let flag = find_server(Some("ev2-flag"), None, Some(&config), &nested, &no_env).unwrap();
        assert_eq!(
            (flag.program.as_str(), flag.origin.as_str()),
            ("ev2-flag", "--mcp-command")
        );
        let configured = find_server(None, None, Some(&config), &nested, &no_env).unwrap();
        assert_eq!(configured.program, "ev2-from-config");
        let found = find_server(None, None, None, &nested, &no_env).unwrap();
        assert_eq!(found.program, "dnx", "found in a parent directory");
        assert_eq!(
            found.args[2],
            format!("{}/ev2", dir.path().display()),
            "workspaceFolder is the folder holding .vscode"
        );
        let empty = tempfile::tempdir().unwrap();
        let missing = find_server(None, None, None, empty.path(), &no_env).unwrap_err();
        assert_eq!(missing.exit(), sentinel_core::Exit::Usage);
        assert!(missing.to_string().contains("no EV2 MCP server configured"));
    }
}
