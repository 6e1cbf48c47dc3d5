//! The event stream contract (sentinel-events(7), which [`KINDS`] generates): the envelope, every v1 kind as a type, and the
//! table of kinds that `sentinel-events(7)` is generated from.
//!
//! Tools pass input lines through as text (see [`crate::stream`]); these types are for the
//! events a tool writes and for reading the kinds it acts on. Unknown kinds and unknown fields
//! are never an error.

use crate::clock::now_rfc3339;
use crate::config::ProviderKind;
use crate::status::OverallStatus;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The envelope's schema version, `v`.
pub const ENVELOPE_VERSION: u32 = 1;

/// One event: the envelope plus a typed payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Schema version of the envelope (`v`).
    pub v: u32,
    /// RFC 3339 UTC with milliseconds.
    pub ts: String,
    /// The tool that wrote it, e.g. `sentinel-watch`.
    pub source: String,
    /// Present whenever the event belongs to a rollout.
    pub rollout_id: Option<String>,
    /// The kind and its fields.
    pub payload: Payload,
}

impl Event {
    /// A new event stamped now.
    pub fn new(source: &str, rollout_id: Option<&str>, payload: Payload) -> Self {
        Event {
            v: ENVELOPE_VERSION,
            ts: now_rfc3339(),
            source: source.to_owned(),
            rollout_id: rollout_id.map(str::to_owned),
            payload,
        }
    }

    /// The `<noun>.<verb>` kind.
    pub fn kind(&self) -> &'static str {
        self.payload.kind()
    }

    /// The event as one JSON object, envelope fields first so a human scanning the stream
    /// sees `v`, `kind`, `ts` at the start of every line.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut object = Map::new();
        object.insert("v".into(), Value::from(self.v));
        object.insert("kind".into(), Value::from(self.kind()));
        object.insert("ts".into(), Value::from(self.ts.clone()));
        object.insert("source".into(), Value::from(self.source.clone()));
        if let Some(id) = &self.rollout_id {
            object.insert("rolloutId".into(), Value::from(id.clone()));
        }
        // Payload structs serialize to objects by construction; the tag is already written.
        if let Ok(Value::Object(fields)) = serde_json::to_value(&self.payload) {
            for (key, value) in fields {
                if key != "kind" {
                    object.insert(key, value);
                }
            }
        }
        object
    }

    /// The event as one NDJSON line, without the newline.
    pub fn to_line(&self) -> String {
        Value::Object(self.to_json()).to_string()
    }

    /// Read a typed event from a JSON object. `None` for kinds this version does not know
    /// or objects that do not carry an envelope; the caller passes those through untouched.
    pub fn from_json(object: &Map<String, Value>) -> Option<Event> {
        let payload: Payload = serde_json::from_value(Value::Object(object.clone())).ok()?;
        Some(Event {
            v: object.get("v").and_then(Value::as_u64).unwrap_or(1) as u32,
            ts: object
                .get("ts")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            source: object
                .get("source")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            rollout_id: object
                .get("rolloutId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            payload,
        })
    }
}

/// Every v1 kind with its fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Payload {
    #[serde(rename = "rollout.triggered")]
    RolloutTriggered(RolloutTriggered),
    #[serde(rename = "rollout.status")]
    RolloutStatus(RolloutStatus),
    #[serde(rename = "stage.started")]
    StageStarted(StageStarted),
    #[serde(rename = "stage.completed")]
    StageCompleted(StageCompleted),
    #[serde(rename = "stage.failed")]
    StageFailed(StageFailed),
    #[serde(rename = "stage.skipped")]
    StageSkipped(StageSkipped),
    #[serde(rename = "approval.required")]
    ApprovalRequired(ApprovalRequired),
    #[serde(rename = "approval.granted")]
    ApprovalGranted(ApprovalDecision),
    #[serde(rename = "approval.rejected")]
    ApprovalRejected(ApprovalDecision),
    #[serde(rename = "health.passed")]
    HealthPassed(HealthCheck),
    #[serde(rename = "health.failed")]
    HealthFailed(HealthCheck),
    #[serde(rename = "stress.result")]
    StressResult(Box<StressTestResult>),
    #[serde(rename = "analysis.result")]
    AnalysisResult(Box<AnalysisResult>),
    #[serde(rename = "gate.passed")]
    GatePassed(GateOutcome),
    #[serde(rename = "gate.failed")]
    GateFailed(GateOutcome),
    #[serde(rename = "branch.created")]
    BranchCreated(BranchCreated),
    #[serde(rename = "branch.deleted")]
    BranchDeleted(BranchDeleted),
    #[serde(rename = "tag.created")]
    TagCreated(TagCreated),
    #[serde(rename = "notify.sent")]
    NotifySent(NotifyOutcome),
    #[serde(rename = "notify.failed")]
    NotifyFailed(NotifyOutcome),
    #[serde(rename = "rollout.completed")]
    RolloutCompleted(RolloutFinished),
    #[serde(rename = "rollout.failed")]
    RolloutFailed(RolloutFinished),
    #[serde(rename = "rollout.cancelled")]
    RolloutCancelled(RolloutFinished),
    #[serde(rename = "rollback.started")]
    RollbackStarted(Rollback),
    #[serde(rename = "rollback.completed")]
    RollbackCompleted(Rollback),
    #[serde(rename = "rollback.failed")]
    RollbackFailed(Rollback),
    #[serde(rename = "log")]
    Log(LogMessage),
}

impl Payload {
    /// The `kind` string this payload is written with.
    pub fn kind(&self) -> &'static str {
        match self {
            Payload::RolloutTriggered(_) => "rollout.triggered",
            Payload::RolloutStatus(_) => "rollout.status",
            Payload::StageStarted(_) => "stage.started",
            Payload::StageCompleted(_) => "stage.completed",
            Payload::StageFailed(_) => "stage.failed",
            Payload::StageSkipped(_) => "stage.skipped",
            Payload::ApprovalRequired(_) => "approval.required",
            Payload::ApprovalGranted(_) => "approval.granted",
            Payload::ApprovalRejected(_) => "approval.rejected",
            Payload::HealthPassed(_) => "health.passed",
            Payload::HealthFailed(_) => "health.failed",
            Payload::StressResult(_) => "stress.result",
            Payload::AnalysisResult(_) => "analysis.result",
            Payload::GatePassed(_) => "gate.passed",
            Payload::GateFailed(_) => "gate.failed",
            Payload::BranchCreated(_) => "branch.created",
            Payload::BranchDeleted(_) => "branch.deleted",
            Payload::TagCreated(_) => "tag.created",
            Payload::NotifySent(_) => "notify.sent",
            Payload::NotifyFailed(_) => "notify.failed",
            Payload::RolloutCompleted(_) => "rollout.completed",
            Payload::RolloutFailed(_) => "rollout.failed",
            Payload::RolloutCancelled(_) => "rollout.cancelled",
            Payload::RollbackStarted(_) => "rollback.started",
            Payload::RollbackCompleted(_) => "rollback.completed",
            Payload::RollbackFailed(_) => "rollback.failed",
            Payload::Log(_) => "log",
        }
    }
}

/// A stage of a stage map and the regions it deploys to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StageInfo {
    pub name: String,
    pub regions: Vec<String>,
}

/// One error as providers report it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ErrorDetail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

/// `rollout.triggered`: a rollout was started (or an unfinished one resumed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RolloutTriggered {
    pub service_group_name: String,
    pub service_id: String,
    pub environment: String,
    pub stage_map_name: String,
    pub stage_map_version: String,
    pub artifact_version: String,
    pub provider: ProviderKind,
    pub stages: Vec<StageInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dashboard_url: Option<String>,
    pub resumed: bool,
    /// Where `artifactVersion` came from: `flag`, `config`, `git-tag`, `provider`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_version_source: Option<String>,
    /// Set by `--dry-run`: nothing was started.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
}

/// `rollout.status`: the overall status changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RolloutStatus {
    pub overall_status: OverallStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_stage: Option<String>,
    pub deployed_regions: Vec<String>,
    pub pending_regions: Vec<String>,
    /// With `overallStatus: "Interrupted"`: the exact command that carries the rollout on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resume_command: Option<String>,
}

/// `stage.started`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StageStarted {
    pub stage: String,
    pub index: u32,
    pub regions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic_percent: Option<u32>,
}

/// `stage.completed`: the stage is deployed; `endpoints` are the URLs to verify.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StageCompleted {
    pub stage: String,
    pub index: u32,
    pub regions: Vec<String>,
    pub endpoints: Vec<String>,
    pub duration_ms: u64,
    /// The share of traffic the rollout has moved once this stage is deployed; at 100 no
    /// stable (baseline) cohort is left to compare a canary with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic_percent: Option<u32>,
    /// Re-emitted by a restarted watcher that had no state to tell it this was reported.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub replayed: bool,
}

/// `stage.failed`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StageFailed {
    pub stage: String,
    pub index: u32,
    pub regions: Vec<String>,
    pub errors: Vec<ErrorDetail>,
}

/// `stage.skipped`: the engine skipped a stage, so its regions were not deployed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StageSkipped {
    pub stage: String,
    pub index: u32,
    pub regions: Vec<String>,
}

/// `approval.required`: a wait action blocks the rollout.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApprovalRequired {
    pub stage: String,
    pub action_id: String,
    pub reason: String,
    /// The exact commands that approve or reject.
    pub instructions: String,
}

/// `approval.granted` / `approval.rejected`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApprovalDecision {
    pub stage: String,
    pub action_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Why: the rejecter's reason, or, when no person decided, that the approval timed out,
    /// was skipped or was canceled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `health.passed` / `health.failed`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HealthCheck {
    pub url: String,
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The limits a stress result was judged against. Absent limits were not checked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Thresholds {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_error_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_p50_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_p95_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_p99_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_avg_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_rps: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_latency_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_error_rate_increase: Option<f64>,
    /// Open model: the lowest acceptable achieved/asked rate ratio, e.g. 0.95.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_achieved_rate_ratio: Option<f64>,
}

/// StressTestResult (sentinel-stress(1), RESULTS), the payload of `stress.result`. Times in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StressTestResult {
    pub endpoint_url: String,
    pub method: String,
    pub total_requests: u64,
    pub successful_requests: u64,
    pub failed_requests: u64,
    /// Requests sent again on a new connection because the server had closed an idle
    /// keep-alive connection before reading them; not failures (counted once, as answered).
    pub retried_requests: u64,
    /// Percent, 0–100.
    pub error_rate: f64,
    pub average_response_time: f64,
    pub p50_response_time: f64,
    pub p90_response_time: f64,
    pub p95_response_time: f64,
    pub p99_response_time: f64,
    pub max_response_time: f64,
    pub requests_per_second: f64,
    /// Open model (`-q`): the rate asked for, requests/s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_rate: Option<f64>,
    /// Open model: the rate requests were actually sent at, from the first send to the last.
    /// Below `targetRate` when the generator could not keep up (every connection busy, CPU).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub achieved_rate: Option<f64>,
    /// With `--ramp`: each stage, the rate it asked for and what went out in it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ramp: Vec<RampStageResult>,
    pub test_duration: u64,
    pub timestamp: String,
    pub status_codes: BTreeMap<String, u64>,
    /// Latency of the answered requests by status class (`2xx`, `4xx`, `5xx`, ...): error
    /// answers are often fast and would hide a slow service in the overall percentiles.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub latency_by_status_class: BTreeMap<String, ClassLatency>,
    pub errors: BTreeMap<String, u64>,
    pub thresholds: Thresholds,
    pub violations: Vec<String>,
    pub passed: bool,
    /// HdrHistogram V2 compressed, base64, so results from many machines merge exactly.
    pub histogram: String,
}

/// One `--ramp` stage of a stress result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RampStageResult {
    /// The rate the stage ends at, requests/s (it starts at the stage before's).
    pub rate: f64,
    pub duration_ms: u64,
    /// Requests the stage asked for (the area under its rate) and sent.
    pub asked: f64,
    pub sent: u64,
    /// `sent` over the stage's duration.
    pub achieved_rate: f64,
}

/// The latency of one status class's answers, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClassLatency {
    pub count: u64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    /// HdrHistogram V2 compressed, base64, as the result's own: merges stay exact.
    pub histogram: String,
}

/// One configured limit of a stress result and what was measured against it.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdCheck {
    /// `error rate`, `p95`, `requests/s`, ...
    pub name: &'static str,
    pub measured: f64,
    pub limit: f64,
    /// `%`, ` ms` or empty.
    pub unit: &'static str,
    /// The measured value must be at least the limit (a minimum), not at most.
    pub minimum: bool,
}

impl ThresholdCheck {
    pub fn passed(&self) -> bool {
        if self.minimum {
            self.measured >= self.limit
        } else {
            self.measured <= self.limit
        }
    }

    /// `≤ 500 ms`, `≥ 100`.
    pub fn expected(&self) -> String {
        format!(
            "{} {}{}",
            if self.minimum { "≥" } else { "≤" },
            self.limit,
            self.unit
        )
    }

    /// `12.34 ms`.
    pub fn actual(&self) -> String {
        format!("{:.2}{}", self.measured, self.unit)
    }
}

impl StressTestResult {
    /// Every absolute limit that was set, with its measured value, in a fixed order.
    /// Open model: the achieved rate over the asked one (1.0: kept up).
    pub fn achieved_rate_ratio(&self) -> Option<f64> {
        match (self.achieved_rate, self.target_rate) {
            (Some(achieved), Some(target)) if target > 0.0 => Some(achieved / target),
            _ => None,
        }
    }

    pub fn threshold_checks(&self) -> Vec<ThresholdCheck> {
        let t = &self.thresholds;
        [
            ("error rate", self.error_rate, t.max_error_rate, "%", false),
            ("p50", self.p50_response_time, t.max_p50_ms, " ms", false),
            ("p95", self.p95_response_time, t.max_p95_ms, " ms", false),
            ("p99", self.p99_response_time, t.max_p99_ms, " ms", false),
            (
                "average",
                self.average_response_time,
                t.max_avg_ms,
                " ms",
                false,
            ),
            ("requests/s", self.requests_per_second, t.min_rps, "", true),
            (
                "achieved/asked rate",
                self.achieved_rate_ratio().unwrap_or(0.0),
                t.min_achieved_rate_ratio,
                "",
                true,
            ),
        ]
        .into_iter()
        .filter_map(|(name, measured, limit, unit, minimum)| {
            limit.map(|limit| ThresholdCheck {
                name,
                measured,
                limit,
                unit,
                minimum,
            })
        })
        .collect()
    }
}

/// The verdict of an analysis and of each of its checks. Only `Passed` lets a rollout go on:
/// missing data, an errored query or too little traffic is `Inconclusive`, never `Passed`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Passed,
    Failed,
    #[default]
    Inconclusive,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// `analysis.result` (sentinel-watch(1), ANALYSIS): metrics of real traffic observed over a
/// window and judged, every number the verdict rests on included.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalysisResult {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stage: String,
    pub verdict: Verdict,
    /// One sentence: what decided the verdict, with the measured value and the limit.
    pub reason: String,
    pub started_at: String,
    pub duration_ms: u64,
    /// `prometheus` or `scrape`.
    pub provider: String,
    /// Where the metrics were read: the Prometheus address, or the scraped URLs (credentials
    /// masked).
    pub targets: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub interval_ms: u64,
    pub samples_requested: u32,
    pub min_samples: u32,
    /// Requests the canary served in the window, when a traffic query was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canary_requests: Option<f64>,
    pub min_requests: u64,
    pub failure_limit: u32,
    /// The analysis ended before its last sample: a check failed beyond `failureLimit`, or
    /// too few samples could still be usable.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stopped_early: bool,
    /// Why the checks against the baseline were left out, when they were (a stage at 100%
    /// of traffic, `--no-baseline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub without_baseline: Option<String>,
    pub metrics: Vec<AnalysisMetric>,
}

/// One check of one metric in an `analysis.result`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalysisMetric {
    pub name: String,
    /// The query as sent for the canary (secrets masked).
    pub query: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_query: Option<String>,
    /// The cohort judged: `canary`.
    pub cohort: String,
    pub samples: Vec<MetricSample>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub baseline_samples: Vec<MetricSample>,
    /// The canary's value over the window: errors over requests for a `ratio()`, else the
    /// median of its samples.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_value: Option<f64>,
    pub limit: f64,
    /// `max`, `min` (each sample against the limit), `max-ratio`, `min-ratio` (the canary
    /// against limit × the baseline).
    pub comparison: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<StatisticalTest>,
    /// Samples beyond an absolute limit.
    pub failed_samples: u32,
    pub verdict: Verdict,
    pub reason: String,
}

impl AnalysisMetric {
    /// The limit as a reader sees it: `≤ 0.01`, `≤ 1.5 × baseline`.
    pub fn expected(&self) -> String {
        let limit = format_measurement(self.limit);
        match self.comparison.as_str() {
            "max" => format!("≤ {limit}"),
            "min" => format!("≥ {limit}"),
            "max-ratio" => format!("≤ {limit} × baseline"),
            "min-ratio" => format!("≥ {limit} × baseline"),
            other => format!("{other} {limit}"),
        }
    }

    /// What was measured: the canary's value, the baseline's and the test's p-value.
    pub fn actual(&self) -> String {
        let mut actual = self
            .value
            .map_or_else(|| "no data".to_owned(), format_measurement);
        if let Some(baseline) = self.baseline_value {
            actual.push_str(&format!(" (baseline {})", format_measurement(baseline)));
        }
        if let Some(test) = &self.test {
            actual.push_str(&format!(
                ", {} p = {}",
                test.name,
                format_p_value(test.p_value)
            ));
        }
        actual
    }
}

/// A measured value as sentences show it: up to six significant digits, no trailing zeros.
pub fn format_measurement(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let magnitude = value.abs().log10().floor() as i32;
    if !(-4..=9).contains(&magnitude) {
        return format!("{value:.3e}");
    }
    let decimals = (5 - magnitude).max(0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// A p-value as sentences show it: four decimals, or two significant digits below 0.0001.
pub fn format_p_value(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

/// One reading of a metric. `value` is absent when the reading was unusable, and `error`
/// says why (the query failed, returned nothing or NaN, the endpoint did not answer).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MetricSample {
    pub timestamp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The statistical test behind a canary-against-baseline verdict.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StatisticalTest {
    pub name: String,
    pub statistic: f64,
    pub p_value: f64,
    pub alpha: f64,
}

/// `gate.passed` / `gate.failed`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GateOutcome {
    pub gate: String,
    /// A sentence with the measured value and the limit.
    pub reason: String,
}

/// `branch.created`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BranchCreated {
    pub branch_name: String,
    pub commit: String,
    pub reused: bool,
    pub pushed: bool,
}

/// `branch.deleted`: a merged branch removed by `sentinel-branch cleanup`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BranchDeleted {
    pub branch_name: String,
    pub commit: String,
    /// With `--dry-run`: it would have been deleted.
    pub dry_run: bool,
    /// Deleted on the remote too.
    pub pushed: bool,
}

/// `tag.created`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TagCreated {
    pub tag: String,
    pub commit: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_version: Option<String>,
    pub files_changed: u64,
    pub insertions: u64,
    pub deletions: u64,
}

/// `notify.sent` / `notify.failed`. `channel` never holds the webhook URL itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NotifyOutcome {
    pub channel: String,
    pub event_kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The message's stable id (also the signed webhook's `webhook-id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Not sent now: the sent log says it was delivered before (`--resend` sends it again).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub already_sent: bool,
}

/// `rollout.completed` / `rollout.failed` / `rollout.cancelled`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RolloutFinished {
    pub overall_status: OverallStatus,
    pub duration_ms: u64,
    pub deployed_regions: Vec<String>,
    pub errors: Vec<ErrorDetail>,
}

/// `rollback.started` / `rollback.completed` / `rollback.failed`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Rollback {
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_version: Option<String>,
}

/// `log`: only written with `--events-log`; humans read stderr.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LogMessage {
    pub level: String,
    pub message: String,
}

/// What `sentinel-events(7)` says about one kind.
#[derive(Debug, Clone, Copy)]
pub struct KindSpec {
    pub kind: &'static str,
    pub written_by: &'static str,
    pub payload: &'static str,
    pub meaning: &'static str,
}

/// Every v1 kind, in the order sentinel-events(7) lists them. The man page and the round-trip test read this.
pub const KINDS: &[KindSpec] = &[
    KindSpec {
        kind: "rollout.triggered",
        written_by: "trigger",
        payload: "serviceGroupName, serviceId, environment, stageMapName, stageMapVersion, artifactVersion, provider, stages[] (name, regions[]), dashboardUrl?, resumed (bool), artifactVersionSource?, dryRun?",
        meaning: "a rollout was started, or an unfinished one resumed",
    },
    KindSpec {
        kind: "rollout.status",
        written_by: "watch",
        payload: "overallStatus, currentStage, deployedRegions[], pendingRegions[], resumeCommand? (with overallStatus Interrupted: the local engine stopped before the end; this command carries the rollout on)",
        meaning: "the rollout's status changed (written only on change)",
    },
    KindSpec {
        kind: "stage.started",
        written_by: "watch",
        payload: "stage, index, regions[], trafficPercent?",
        meaning: "a stage began deploying",
    },
    KindSpec {
        kind: "stage.completed",
        written_by: "watch",
        payload: "stage, index, regions[], endpoints[] (URLs to verify), durationMs, trafficPercent?, replayed?",
        meaning: "a stage finished deploying; its endpoints are ready to verify",
    },
    KindSpec {
        kind: "stage.failed",
        written_by: "watch",
        payload: "stage, index, regions[], errors[] (errorCode?, message)",
        meaning: "a stage failed",
    },
    KindSpec {
        kind: "stage.skipped",
        written_by: "watch",
        payload: "stage, index, regions[]",
        meaning: "the engine skipped a stage (an Azure DevOps condition or a manual skip), so its regions were not deployed; the rollout then ends as failed unless sentinel-watch --allow-skipped-stages",
    },
    KindSpec {
        kind: "approval.required",
        written_by: "watch",
        payload: "stage, actionId, reason, instructions (exact command that approves / rejects)",
        meaning: "a wait action blocks the rollout until someone decides",
    },
    KindSpec {
        kind: "approval.granted",
        written_by: "trigger, watch",
        payload: "stage, actionId, by?",
        meaning: "a wait action was approved",
    },
    KindSpec {
        kind: "approval.rejected",
        written_by: "trigger, watch",
        payload: "stage, actionId, by?, reason? (the rejecter's reason, or, when no person decided, that the approval timed out, was skipped or was canceled)",
        meaning: "a wait action was rejected",
    },
    KindSpec {
        kind: "health.passed",
        written_by: "watch",
        payload: "url, attempts, status?, error?",
        meaning: "an endpoint answered as expected",
    },
    KindSpec {
        kind: "health.failed",
        written_by: "watch",
        payload: "url, attempts, status?, error?",
        meaning: "an endpoint never answered as expected within its timeout",
    },
    KindSpec {
        kind: "stress.result",
        written_by: "stress",
        payload: "a StressTestResult: endpointUrl, method, totalRequests, successfulRequests, failedRequests, errorRate, averageResponseTime, p50/p90/p95/p99/maxResponseTime, requestsPerSecond, testDuration, timestamp, statusCodes, errors, thresholds, violations[], passed, histogram",
        meaning: "one endpoint's load test, judged against its thresholds",
    },
    KindSpec {
        kind: "analysis.result",
        written_by: "watch",
        payload: "stage?, verdict (passed, failed, inconclusive), reason, startedAt, durationMs, provider (prometheus, scrape), targets[], version?, intervalMs, samplesRequested, minSamples, canaryRequests?, minRequests, failureLimit, stoppedEarly?, withoutBaseline?, metrics[] (name, query, baselineQuery?, cohort, samples[] (timestamp, value?, error?), baselineSamples[], value?, baselineValue?, limit, comparison (max, min, max-ratio, min-ratio), test? (name, statistic, pValue, alpha), failedSamples, verdict, reason)",
        meaning: "metrics of real traffic observed over a window and judged (sentinel-watch analyze); inconclusive (exit 6) when data, traffic or the query failed, never passed",
    },
    KindSpec {
        kind: "gate.passed",
        written_by: "state, branch",
        payload: "gate, reason (a sentence with the measured value and the limit)",
        meaning: "a release gate is open",
    },
    KindSpec {
        kind: "gate.failed",
        written_by: "state, branch",
        payload: "gate, reason (a sentence with the measured value and the limit)",
        meaning: "a release gate is closed",
    },
    KindSpec {
        kind: "branch.created",
        written_by: "branch",
        payload: "branchName, commit, reused (bool), pushed (bool)",
        meaning: "the rollout's tracking branch exists",
    },
    KindSpec {
        kind: "branch.deleted",
        written_by: "branch",
        payload: "branchName, commit, dryRun (bool), pushed (bool)",
        meaning: "a merged branch was deleted by cleanup (or would be, with --dry-run)",
    },
    KindSpec {
        kind: "tag.created",
        written_by: "branch",
        payload: "tag, commit, version, previousVersion?, filesChanged, insertions, deletions",
        meaning: "a release tag was created",
    },
    KindSpec {
        kind: "notify.sent",
        written_by: "notify",
        payload: "channel, eventKind, status?, error?, messageId? (stable: the same notice of a rollout has the same id), alreadySent? (true: the sent log says it was delivered before, so it was not sent again)",
        meaning: "a message reached a channel",
    },
    KindSpec {
        kind: "notify.failed",
        written_by: "notify",
        payload: "channel, eventKind, status?, error?",
        meaning: "a channel stayed unreachable; the message is in the fallback log",
    },
    KindSpec {
        kind: "rollout.completed",
        written_by: "watch",
        payload: "overallStatus, durationMs, deployedRegions[], errors[]",
        meaning: "the rollout succeeded",
    },
    KindSpec {
        kind: "rollout.failed",
        written_by: "watch",
        payload: "overallStatus, durationMs, deployedRegions[], errors[]",
        meaning: "the rollout failed",
    },
    KindSpec {
        kind: "rollout.cancelled",
        written_by: "watch",
        payload: "overallStatus, durationMs, deployedRegions[], errors[]",
        meaning: "the rollout was cancelled",
    },
    KindSpec {
        kind: "rollback.started",
        written_by: "trigger, watch",
        payload: "reason, fromVersion?, toVersion?",
        meaning: "a rollback began",
    },
    KindSpec {
        kind: "rollback.completed",
        written_by: "trigger, watch",
        payload: "reason, fromVersion?, toVersion?",
        meaning: "a rollback finished",
    },
    KindSpec {
        kind: "rollback.failed",
        written_by: "trigger, watch",
        payload: "reason, fromVersion?, toVersion?",
        meaning: "a rollback failed",
    },
    KindSpec {
        kind: "log",
        written_by: "any",
        payload: "level (info/warn/error), message",
        meaning: "a log line, only with --events-log; humans read stderr",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn one_of_each_kind() -> Vec<Payload> {
        let finished = RolloutFinished {
            overall_status: OverallStatus::Completed,
            duration_ms: 61_000,
            deployed_regions: vec!["westus".into()],
            errors: vec![],
        };
        let rollback = Rollback {
            reason: "PDV failure".into(),
            from_version: Some("1.2.0".into()),
            to_version: Some("1.1.0".into()),
        };
        let decision = ApprovalDecision {
            stage: "Prod".into(),
            action_id: "a1".into(),
            by: Some("alice".into()),
            reason: Some("p99 above the limit".into()),
        };
        let health = HealthCheck {
            url: "http://127.0.0.1:8080/healthz".into(),
            attempts: 2,
            status: Some(200),
            error: None,
        };
        let gate = GateOutcome {
            gate: "soak".into(),
            reason: "Soak time violation. Production unlock in 09:45.".into(),
        };
        let notify = NotifyOutcome {
            channel: "teams".into(),
            event_kind: "rollout.completed".into(),
            status: Some(202),
            error: None,
            ..Default::default()
        };
        vec![
            Payload::RolloutTriggered(RolloutTriggered {
                service_group_name: "Contoso.Orders".into(),
                stages: vec![StageInfo {
                    name: "Staging".into(),
                    regions: vec!["westus".into()],
                }],
                ..Default::default()
            }),
            Payload::RolloutStatus(RolloutStatus {
                overall_status: OverallStatus::InProgress,
                ..Default::default()
            }),
            Payload::StageStarted(StageStarted {
                stage: "Canary".into(),
                traffic_percent: Some(10),
                ..Default::default()
            }),
            Payload::StageCompleted(StageCompleted {
                stage: "Canary".into(),
                endpoints: vec!["http://127.0.0.1:9000/".into()],
                ..Default::default()
            }),
            Payload::StageFailed(StageFailed {
                errors: vec![ErrorDetail {
                    error_code: Some("DeployFailed".into()),
                    message: "exit 1".into(),
                    stage: None,
                }],
                ..Default::default()
            }),
            Payload::StageSkipped(StageSkipped {
                stage: "Canary".into(),
                regions: vec!["eastus".into()],
                ..Default::default()
            }),
            Payload::ApprovalRequired(ApprovalRequired::default()),
            Payload::ApprovalGranted(decision.clone()),
            Payload::ApprovalRejected(decision),
            Payload::HealthPassed(health.clone()),
            Payload::HealthFailed(health),
            Payload::StressResult(Box::new(StressTestResult {
                total_requests: 100,
                status_codes: BTreeMap::from([("200".to_owned(), 100)]),
                ..Default::default()
            })),
            Payload::AnalysisResult(Box::new(AnalysisResult {
                stage: "Canary".into(),
                verdict: Verdict::Failed,
                metrics: vec![AnalysisMetric {
                    name: "errors".into(),
                    samples: vec![MetricSample {
                        timestamp: "2026-01-01T00:00:00.000Z".into(),
                        value: Some(0.05),
                        error: None,
                    }],
                    test: Some(StatisticalTest {
                        name: "Fisher's exact test".into(),
                        statistic: 10.0,
                        p_value: 0.0009,
                        alpha: 0.05,
                    }),
                    verdict: Verdict::Failed,
                    ..Default::default()
                }],
                ..Default::default()
            })),
            Payload::GatePassed(gate.clone()),
            Payload::GateFailed(gate),
            Payload::BranchCreated(BranchCreated::default()),
            Payload::BranchDeleted(BranchDeleted::default()),
            Payload::TagCreated(TagCreated::default()),
            Payload::NotifySent(notify.clone()),
            Payload::NotifyFailed(notify),
            Payload::RolloutCompleted(finished.clone()),
            Payload::RolloutFailed(finished.clone()),
            Payload::RolloutCancelled(finished),
            Payload::RollbackStarted(rollback.clone()),
            Payload::RollbackCompleted(rollback.clone()),
            Payload::RollbackFailed(rollback),
            Payload::Log(LogMessage {
                level: "info".into(),
                message: "hello".into(),
            }),
        ]
    }

    #[test]
    fn every_kind_round_trips_and_is_documented() {
        let payloads = one_of_each_kind();
        let kinds: Vec<&str> = payloads.iter().map(Payload::kind).collect();
        let documented: Vec<&str> = KINDS.iter().map(|k| k.kind).collect();
        assert_eq!(
            kinds, documented,
            "KINDS and Payload must list the same kinds in the same order"
        );

        for payload in payloads {
            let event = Event::new("sentinel-test", Some("r-1"), payload);
            let line = event.to_line();
            let object: Map<String, Value> = serde_json::from_str(&line).unwrap();
            assert_eq!(object["kind"], event.kind());
            let back =
                Event::from_json(&object).unwrap_or_else(|| panic!("{line} did not parse back"));
            assert_eq!(back, event, "{line}");
        }
    }

    #[test]
    fn envelope_comes_first_and_field_names_are_camel_case() {
        let event = Event::new(
            "sentinel-watch",
            Some("r-9"),
            Payload::StageCompleted(StageCompleted {
                stage: "Staging".into(),
                duration_ms: 1_500,
                ..Default::default()
            }),
        );
        let line = event.to_line();
        assert!(
            line.starts_with(r#"{"v":1,"kind":"stage.completed","ts":""#),
            "{line}"
        );
        assert!(line.contains(r#""rolloutId":"r-9""#));
        assert!(line.contains(r#""durationMs":1500"#));
        assert!(
            !line.contains("replayed"),
            "false flags are left out: {line}"
        );
    }

    #[test]
    fn threshold_checks_list_the_set_limits_with_their_measurements() {
        let result = StressTestResult {
            error_rate: 5.2,
            p95_response_time: 120.0,
            requests_per_second: 90.0,
            thresholds: Thresholds {
                max_error_rate: Some(1.0),
                max_p95_ms: Some(500.0),
                min_rps: Some(100.0),
                ..Default::default()
            },
            ..Default::default()
        };
        let checks = result.threshold_checks();
        let shown: Vec<(&str, String, String, bool)> = checks
            .iter()
            .map(|c| (c.name, c.expected(), c.actual(), c.passed()))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("error rate", "≤ 1%".to_owned(), "5.20%".to_owned(), false),
                ("p95", "≤ 500 ms".to_owned(), "120.00 ms".to_owned(), true),
                ("requests/s", "≥ 100".to_owned(), "90.00".to_owned(), false),
            ]
        );
    }

    #[test]
    fn measurements_read_well() {
        assert_eq!(format_measurement(0.05), "0.05");
        assert_eq!(format_measurement(0.012345678), "0.0123457");
        assert_eq!(format_measurement(1500.0), "1500");
        assert_eq!(format_measurement(0.0), "0");
        assert_eq!(format_measurement(0.00001234), "1.234e-5");
        assert_eq!(format_p_value(0.0123456), "0.0123");
        assert_eq!(format_p_value(0.00000123), "1.2e-6");
        let metric = AnalysisMetric {
            limit: 1.5,
            comparison: "max-ratio".into(),
            value: Some(0.05),
            baseline_value: Some(0.0),
            test: Some(StatisticalTest {
                name: "Fisher's exact test".into(),
                p_value: 0.0036,
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(metric.expected(), "≤ 1.5 × baseline");
        assert_eq!(
            metric.actual(),
            "0.05 (baseline 0), Fisher's exact test p = 0.0036"
        );
    }

    #[test]
    fn unknown_kinds_and_fields_are_not_errors() {
        let unknown: Map<String, Value> =
            serde_json::from_str(r#"{"v":1,"kind":"canary.promoted","ts":"t","source":"x"}"#)
                .unwrap();
        assert!(Event::from_json(&unknown).is_none());

        let extra: Map<String, Value> = serde_json::from_str(
            r#"{"v":1,"kind":"gate.passed","ts":"t","source":"x","gate":"soak","reason":"ok","futureField":[1,2]}"#,
        )
        .unwrap();
        let event =
            Event::from_json(&extra).expect("known kind with an unknown field still parses");
        assert_eq!(event.kind(), "gate.passed");
    }
}
