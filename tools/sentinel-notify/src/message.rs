//! NotificationMessage (sentinel-notify(1), PAYLOADS): what a person needs to read about one event, in the
//! wording of deployment practice, before it is shaped for a channel.

use crate::cli::Status;
use sentinel_core::clock::format_duration;
use sentinel_core::events::{Event, Payload, Verdict, format_measurement};
use sentinel_core::redact::redact_url;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The kinds sent when `--on` is not given (stress results only when they failed, analyses
/// only when they failed or were inconclusive).
pub const DEFAULT_KINDS: &[&str] = &[
    "rollout.triggered",
    "stage.completed",
    "stage.failed",
    "approval.required",
    "approval.rejected",
    "stress.result",
    "analysis.result",
    "rollout.completed",
    "rollout.failed",
    "rollout.cancelled",
    "rollback.started",
    "rollback.completed",
    "rollback.failed",
];

/// One message, channel-neutral.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationMessage {
    pub title: String,
    pub status: Option<Status>,
    /// Paragraph under the title.
    pub body: String,
    pub service_group_name: Option<String>,
    pub environment: Option<String>,
    pub rollout_id: Option<String>,
    pub duration: Option<String>,
    pub deployed_regions: Vec<String>,
    pub artifact_version: Option<String>,
    pub stage_map_version: Option<String>,
    pub error_summary: Vec<String>,
    pub dashboard_url: Option<String>,
    pub timestamp: String,
    /// Extra name/value pairs (stage, metrics, measured vs limit).
    pub facts: Vec<(String, String)>,
    /// The kind of the event this came from.
    pub event_kind: String,
}

/// What a rollout's start said, remembered so later messages name service and version.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub service: Option<String>,
    pub environment: Option<String>,
    pub version: Option<String>,
    pub stage_map_version: Option<String>,
    pub dashboard: Option<String>,
    pub stages: usize,
}

impl Context {
    /// Remember what a `rollout.triggered` says.
    pub fn learn(&mut self, event: &Event) {
        if let Payload::RolloutTriggered(t) = &event.payload {
            self.service = Some(t.service_group_name.clone());
            self.environment = Some(t.environment.clone());
            self.version = Some(t.artifact_version.clone());
            self.stage_map_version = Some(t.stage_map_version.clone());
            self.dashboard = t.dashboard_url.clone();
            self.stages = t.stages.len();
        }
    }
}

/// What each rollout of the stream is about, by rollout id: a `rollout.cancelled` of rollout
/// B must not read "… to Staging" with rollout A's dashboard because A was triggered last.
#[derive(Debug, Clone, Default)]
pub struct Contexts {
    by_rollout: std::collections::HashMap<String, Context>,
}

impl Contexts {
    /// Remember what a `rollout.triggered` says, under its rollout id.
    pub fn learn(&mut self, event: &Event) {
        if let (Payload::RolloutTriggered(_), Some(id)) = (&event.payload, &event.rollout_id) {
            self.by_rollout.entry(id.clone()).or_default().learn(event);
        }
    }

    /// The context of a rollout (empty for one never triggered in this stream).
    pub fn of(&self, rollout_id: Option<&str>) -> Context {
        rollout_id
            .and_then(|id| self.by_rollout.get(id))
            .cloned()
            .unwrap_or_default()
    }
}

/// The message for an event, or `None` when the event is not one to announce.
pub fn for_event(event: &Event, context: &Context) -> Option<NotificationMessage> {
    let service = context
        .service
        .clone()
        .unwrap_or_else(|| "the service".into());
    let version = context.version.clone().unwrap_or_default();
    let environment = context.environment.clone().unwrap_or_default();
    let id = event.rollout_id.clone().unwrap_or_default();
    let mut message = NotificationMessage {
        service_group_name: context.service.clone(),
        environment: context.environment.clone(),
        rollout_id: event.rollout_id.clone(),
        artifact_version: context.version.clone(),
        stage_map_version: context.stage_map_version.clone(),
        dashboard_url: context.dashboard.clone(),
        timestamp: event.ts.clone(),
        event_kind: event.kind().to_owned(),
        ..Default::default()
    };
    let duration = |ms: u64| format_duration(Duration::from_millis(ms));
    match &event.payload {
        Payload::RolloutTriggered(t) => {
            message.title = format!(
                "🚀 Deployment starting: {} {} to {}",
                t.service_group_name, t.artifact_version, t.environment
            );
            message.status = Some(Status::Info);
            let stages: Vec<&str> = t.stages.iter().map(|s| s.name.as_str()).collect();
            message.body = format!(
                "{} rollout ({} provider) through {} stage(s): {}.",
                if t.resumed {
                    "Resuming the"
                } else {
                    "Starting a"
                },
                t.provider.as_str(),
                stages.len(),
                stages.join(" → ")
            );
            message.service_group_name = Some(t.service_group_name.clone());
            message.environment = Some(t.environment.clone());
            message.artifact_version = Some(t.artifact_version.clone());
            message.stage_map_version = Some(t.stage_map_version.clone());
            message.dashboard_url = t.dashboard_url.clone();
        }
        Payload::StageCompleted(s) => {
            message.title = format!("✅ {service} {version}: stage {} deployed", s.stage);
            message.status = Some(Status::Succeeded);
            message.body = format!(
                "Stage {} is deployed to {} in {}.",
                s.stage,
                s.regions.join(", "),
                duration(s.duration_ms)
            );
            message.duration = Some(duration(s.duration_ms));
            message.deployed_regions = s.regions.clone();
            message.facts.push((
                "Stage".into(),
                format!(
                    "{} ({} of {})",
                    s.stage,
                    s.index + 1,
                    context.stages.max(s.index as usize + 1)
                ),
            ));
        }
        Payload::StageFailed(s) => {
            message.title = format!("❌ {service} {version}: stage {} failed", s.stage);
            message.status = Some(Status::Failed);
            message.error_summary = s.errors.iter().map(|e| e.message.clone()).collect();
            message.body = format!(
                "Stage {} failed in {}. Recommendation: check the service health in {} and the stage's deploy log before retrying.",
                s.stage,
                if s.regions.is_empty() {
                    "its regions".into()
                } else {
                    s.regions.join(", ")
                },
                if s.regions.is_empty() {
                    "those regions".into()
                } else {
                    s.regions.join(", ")
                }
            );
            message.facts.push(("Stage".into(), s.stage.clone()));
        }
        Payload::ApprovalRequired(a) => {
            message.title = format!("⏸ Approval needed: {service} {version} before {}", a.stage);
            message.status = Some(Status::Warning);
            message.body = format!("{}\n\nTo decide, run:\n{}", a.reason, a.instructions);
            message.facts.push(("Stage".into(), a.stage.clone()));
            message.facts.push(("Action".into(), a.action_id.clone()));
        }
        Payload::ApprovalRejected(a) => {
            let how = match (&a.by, &a.reason) {
                (None, Some(reason)) => reason.clone(),
                (Some(by), Some(reason)) => format!("rejected by {by}: {reason}"),
                (Some(by), None) => format!("rejected by {by}"),
                (None, None) => "rejected".to_owned(),
            };
            message.title = format!("⛔ {service} {version}: approval for {} not given", a.stage);
            message.status = Some(Status::Failed);
            message.body = format!("The approval for {} was not given: {how}.", a.stage);
            message.facts.push(("Stage".into(), a.stage.clone()));
            message.facts.push(("Action".into(), a.action_id.clone()));
        }
        Payload::StressResult(r) => {
            if r.passed {
                return None;
            }
            message.title = format!(
                "⚠️ {service} {version}: load test failed for {}",
                redact_url(&r.endpoint_url)
            );
            message.status = Some(Status::Failed);
            message.body = "The deployed endpoint breached its thresholds.".into();
            message.error_summary = r.violations.clone();
            let t = &r.thresholds;
            message.facts.push((
                "Error rate".into(),
                limit(
                    format!("{:.2}%", r.error_rate),
                    t.max_error_rate.map(|v| format!("{v}%")),
                ),
            ));
            message.facts.push((
                "p95".into(),
                limit(
                    format!("{:.1} ms", r.p95_response_time),
                    t.max_p95_ms.map(|v| format!("{v} ms")),
                ),
            ));
            message.facts.push((
                "p99".into(),
                limit(
                    format!("{:.1} ms", r.p99_response_time),
                    t.max_p99_ms.map(|v| format!("{v} ms")),
                ),
            ));
            message.facts.push((
                "Requests".into(),
                format!("{} ({:.0}/s)", r.total_requests, r.requests_per_second),
            ));
        }
        Payload::AnalysisResult(a) => {
            let stage = if a.stage.is_empty() {
                String::new()
            } else {
                format!(" of {}", a.stage)
            };
            match a.verdict {
                Verdict::Passed => return None,
                Verdict::Failed => {
                    message.title =
                        format!("❌ {service} {version}: canary analysis{stage} failed");
                    message.status = Some(Status::Failed);
                    message.body = format!(
                        "Metrics of real traffic judged the canary worse: {}",
                        a.reason
                    );
                }
                Verdict::Inconclusive => {
                    message.title =
                        format!("❔ {service} {version}: canary analysis{stage} inconclusive");
                    message.status = Some(Status::Warning);
                    message.body = format!(
                        "{}.\n\nInconclusive is not a pass: a person decides whether to resume or roll back.",
                        a.reason
                    );
                }
            }
            message.error_summary = a
                .metrics
                .iter()
                .filter(|m| m.verdict != Verdict::Passed)
                .map(|m| m.reason.clone())
                .collect();
            for metric in &a.metrics {
                message.facts.push((
                    format!("{} ({})", metric.name, metric.verdict),
                    limit(metric.actual(), Some(metric.expected())),
                ));
            }
            if let Some(requests) = a.canary_requests {
                message.facts.push((
                    "Canary requests".into(),
                    format!(
                        "{} (at least {})",
                        format_measurement(requests),
                        a.min_requests
                    ),
                ));
            }
        }
        Payload::RolloutCompleted(f) => {
            message.title =
                format!("🎉 Deployment succeeded: {service} {version} to {environment}");
            message.status = Some(Status::Succeeded);
            message.body = format!("All stages deployed in {}.", duration(f.duration_ms));
            message.duration = Some(duration(f.duration_ms));
            message.deployed_regions = f.deployed_regions.clone();
        }
        Payload::RolloutFailed(f) | Payload::RolloutCancelled(f) => {
            let cancelled = matches!(event.payload, Payload::RolloutCancelled(_));
            message.title = if cancelled {
                format!("⛔ Deployment cancelled: {service} {version} to {environment}")
            } else {
                format!("❌ Deployment failed: {service} {version} to {environment}")
            };
            message.status = Some(if cancelled {
                Status::Warning
            } else {
                Status::Failed
            });
            message.error_summary = f.errors.iter().map(|e| e.message.clone()).collect();
            message.body = if cancelled {
                "The rollout was stopped before its next step.".into()
            } else {
                "The rollout stopped with errors. Recommendation: check the failed stage's logs and the service health; roll back with `sentinel-trigger rollback` if the service is degraded.".into()
            };
            message.duration = Some(duration(f.duration_ms));
            message.deployed_regions = f.deployed_regions.clone();
        }
        Payload::RollbackStarted(r) => {
            message.title = format!("↩️ Rollback started: {service} {version} in {environment}");
            message.status = Some(Status::Warning);
            message.body = r.reason.clone();
        }
        Payload::RollbackCompleted(r) => {
            message.title = format!("↩️ Rollback completed: {service} in {environment}");
            message.status = Some(Status::Warning);
            message.body = format!(
                "{}{}",
                r.reason,
                r.to_version
                    .as_deref()
                    .map(|v| format!(" Back on {v}."))
                    .unwrap_or_default()
            );
        }
        Payload::RollbackFailed(r) => {
            message.title = format!("🚨 Rollback FAILED: {service} in {environment}");
            message.status = Some(Status::Failed);
            message.body = format!("{} Manual intervention needed.", r.reason);
        }
        _ => return None,
    }
    if !id.is_empty() {
        message.facts.insert(0, ("Rollout".into(), id));
    }
    Some(message)
}

/// The message for an event of a kind asked for with `--on` that has none of its own: the
/// kind as title, the event's plain fields (up to 10, each cut at 200 characters) as facts.
pub fn generic(line: &sentinel_core::ndjson::Line, context: &Context) -> NotificationMessage {
    let kind = line.kind().unwrap_or("event");
    let mut facts = Vec::new();
    if let Some(id) = line.rollout_id() {
        facts.push(("Rollout".to_owned(), id.to_owned()));
    }
    for (name, value) in &line.object {
        if facts.len() >= 10 || ["v", "kind", "ts", "source", "rolloutId"].contains(&name.as_str())
        {
            continue;
        }
        let shown = match value {
            serde_json::Value::String(text) => text.clone(),
            serde_json::Value::Number(_) | serde_json::Value::Bool(_) => value.to_string(),
            _ => continue,
        };
        facts.push((name.clone(), sentinel_core::output::excerpt(&shown, 200)));
    }
    let ts = line
        .object
        .get("ts")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    NotificationMessage {
        title: format!(
            "{kind}{}",
            context
                .service
                .as_deref()
                .map(|s| format!(": {s}"))
                .unwrap_or_default()
        ),
        status: Some(Status::Info),
        facts,
        service_group_name: context.service.clone(),
        environment: context.environment.clone(),
        rollout_id: line.rollout_id().map(str::to_owned),
        artifact_version: context.version.clone(),
        dashboard_url: context.dashboard.clone(),
        timestamp: ts.to_owned(),
        event_kind: kind.to_owned(),
        ..Default::default()
    }
}

fn limit(measured: String, limit: Option<String>) -> String {
    match limit {
        Some(limit) => format!("{measured} (limit {limit})"),
        None => measured,
    }
}

/// `--template FILE`: per kind, a title and/or body with `{field}` placeholders from the event.
pub type Templates = BTreeMap<String, TemplateEntry>;

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateEntry {
    pub title: Option<String>,
    pub body: Option<String>,
}

/// Fill `{field}` placeholders from the event's JSON (dotted paths reach nested fields).
pub fn fill(template: &str, event: &serde_json::Map<String, serde_json::Value>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let path = &after[..end];
                let mut parts = path.split('.');
                let first = parts.next().and_then(|p| event.get(p));
                let value = parts.try_fold(first, |v, part| Some(v?.get(part)));
                match value.flatten() {
                    Some(serde_json::Value::String(s)) => out.push_str(s),
                    Some(other) => out.push_str(&other.to_string()),
                    None => out.push_str(&format!("{{{path}}}")),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sentinel_core::events::{
        RolloutFinished, RolloutTriggered, StageInfo, StressTestResult, Thresholds,
    };

    fn started() -> (Event, Context) {
        let event = Event::new(
            "t",
            Some("r1"),
            Payload::RolloutTriggered(RolloutTriggered {
                service_group_name: "Contoso.Orders".into(),
                environment: "Prod".into(),
                artifact_version: "1.4.2".into(),
                provider: sentinel_core::config::ProviderKind::Local,
                stages: vec![
                    StageInfo {
                        name: "Canary".into(),
                        regions: vec![],
                    },
                    StageInfo {
                        name: "Full".into(),
                        regions: vec![],
                    },
                ],
                ..Default::default()
            }),
        );
        let mut context = Context::default();
        context.learn(&event);
        (event, context)
    }

    #[test]
    fn start_and_end_messages_name_service_version_and_environment() {
        let (event, context) = started();
        let start = for_event(&event, &context).unwrap();
        assert_eq!(
            start.title,
            "🚀 Deployment starting: Contoso.Orders 1.4.2 to Prod"
        );
        assert!(
            start.body.contains("2 stage(s): Canary → Full"),
            "{}",
            start.body
        );
        let failed = Event::new(
            "t",
            Some("r1"),
            Payload::RolloutFailed(RolloutFinished {
                overall_status: sentinel_core::status::OverallStatus::Failed,
                duration_ms: 61_000,
                deployed_regions: vec!["eastus".into()],
                errors: vec![sentinel_core::events::ErrorDetail {
                    error_code: None,
                    message: "deploy exited 3".into(),
                    stage: None,
                }],
            }),
        );
        let message = for_event(&failed, &context).unwrap();
        assert_eq!(
            message.title,
            "❌ Deployment failed: Contoso.Orders 1.4.2 to Prod"
        );
        assert_eq!(message.error_summary, vec!["deploy exited 3"]);
        assert!(message.body.contains("Recommendation"));
        assert_eq!(message.duration.as_deref(), Some("1m 01s"));
    }

    #[test]
    fn stress_results_are_announced_only_when_they_fail_with_measured_vs_limit() {
        let (_, context) = started();
        let mut result = StressTestResult {
            endpoint_url: "http://127.0.0.1:1/?key=secret".into(),
            passed: true,
            error_rate: 5.2,
            thresholds: Thresholds {
                max_error_rate: Some(1.0),
                ..Default::default()
            },
            violations: vec!["error rate 5.20% is above the limit of 1%".into()],
            ..Default::default()
        };
        let passing = Event::new(
            "t",
            Some("r1"),
            Payload::StressResult(Box::new(result.clone())),
        );
        assert!(for_event(&passing, &context).is_none());
        result.passed = false;
        let failing = Event::new("t", Some("r1"), Payload::StressResult(Box::new(result)));
        let message = for_event(&failing, &context).unwrap();
        assert!(!message.title.contains("secret"), "{}", message.title);
        assert!(
            message
                .facts
                .iter()
                .any(|(k, v)| k == "Error rate" && v == "5.20% (limit 1%)"),
            "{:?}",
            message.facts
        );
    }

    #[test]
    fn analyses_are_announced_when_failed_or_inconclusive_with_every_check() {
        use sentinel_core::events::{AnalysisMetric, AnalysisResult};
        let (_, context) = started();
        let mut analysis = AnalysisResult {
            stage: "Canary".into(),
            verdict: Verdict::Passed,
            reason: "all 1 check passed".into(),
            canary_requests: Some(1200.0),
            min_requests: 100,
            metrics: vec![AnalysisMetric {
                name: "errors".into(),
                comparison: "max-ratio".into(),
                limit: 1.5,
                value: Some(0.05),
                baseline_value: Some(0.0),
                verdict: Verdict::Failed,
                reason: "errors: canary 0.05 against baseline 0".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let event = |a: &AnalysisResult| {
            Event::new(
                "t",
                Some("r1"),
                Payload::AnalysisResult(Box::new(a.clone())),
            )
        };
        assert!(for_event(&event(&analysis), &context).is_none());
        analysis.verdict = Verdict::Failed;
        let failed = for_event(&event(&analysis), &context).unwrap();
        assert_eq!(failed.status, Some(Status::Failed));
        assert!(
            failed.title.contains("canary analysis of Canary failed"),
            "{}",
            failed.title
        );
        assert_eq!(
            failed.error_summary,
            ["errors: canary 0.05 against baseline 0"]
        );
        assert!(
            failed.facts.iter().any(|(k, v)| k == "errors (failed)"
                && v == "0.05 (baseline 0) (limit ≤ 1.5 × baseline)"),
            "{:?}",
            failed.facts
        );
        analysis.verdict = Verdict::Inconclusive;
        let open = for_event(&event(&analysis), &context).unwrap();
        assert_eq!(open.status, Some(Status::Warning));
        assert!(open.body.contains("not a pass"), "{}", open.body);
    }

    #[test]
    fn a_timed_out_approval_is_announced_as_such() {
        use sentinel_core::events::ApprovalDecision;
        let (_, context) = started();
        let decision = ApprovalDecision {
            stage: "Deploy_PPE".into(),
            action_id: "a1".into(),
            by: None,
            reason: Some("the approval timed out: nobody decided before its timeout".into()),
        };
        let event = Event::new("t", Some("r1"), Payload::ApprovalRejected(decision));
        let message = for_event(&event, &context).unwrap();
        assert!(message.body.contains("timed out"), "{}", message.body);
        assert!(!message.body.contains("rejected by"), "{}", message.body);
        assert_eq!(message.status, Some(Status::Failed));
    }

    #[test]
    fn templates_fill_placeholders_from_the_event() {
        let event: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
            r#"{"kind":"stage.completed","stage":"Canary","regions":["eastus"],"x":{"y":7}}"#,
        )
        .unwrap();
        assert_eq!(
            fill("{stage} done in {regions} ({x.y}) {missing}", &event),
            "Canary done in [\"eastus\"] (7) {missing}"
        );
    }
}
