//! `sentinel-state report`: the deployment report, built from the journal — the summary
//! (status, versions, duration, deployer), the phase comparison, issues encountered,
//! rollback status, the state before and after, the checks (failed ones in view, every
//! instance's behind `<details>`) and the timeline sorted by time, grouped by rollout.

use crate::phases::{self, BASELINE, Comparison, POST_DEPLOYMENT, Phases};
use crate::store::Store;
use sentinel_core::atomic::write_atomic;
use sentinel_core::clock::{format_duration, parse_rfc3339};
use sentinel_core::events::{AnalysisResult, Event, Payload, StressTestResult, Verdict};
use sentinel_core::ndjson::Writer;
use sentinel_core::{Error, Exit, Result};
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// The report's data; Markdown and JSON are two renderings of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// SUCCESS, FAILED, CANCELLED, ROLLED_BACK or IN_PROGRESS.
    pub status: String,
    pub service_group_name: Option<String>,
    pub environment: Option<String>,
    pub artifact_version: Option<String>,
    /// What ran before: the version a rollback went back to.
    pub previous_version: Option<String>,
    /// Who deployed: the CI actor, else user@host (set by `run_report`).
    pub deployer: Option<String>,
    pub rollout_ids: Vec<String>,
    /// The environment of each of `rollout_ids`.
    pub rollout_environments: Vec<String>,
    pub started: Option<String>,
    pub finished: Option<String>,
    pub duration_ms: Option<u64>,
    /// Sorted by time (stable for equal times).
    pub timeline: Vec<TimelineRow>,
    pub comparison: Comparison,
    /// Each phase's latency distribution, for the HTML report's chart.
    pub distributions: Vec<phases::Distribution>,
    /// What took time, for the HTML report's Gantt chart.
    pub spans: Vec<Span>,
    pub verification: Vec<VerificationRow>,
    /// Every check that did not pass, with its sentence.
    pub issues: Vec<String>,
    pub pre_deployment: Vec<String>,
    pub post_deployment: Vec<String>,
    pub rollback: Option<String>,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineRow {
    pub time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout_id: Option<String>,
    pub action: String,
    pub status: String,
}

/// Something that took time: a stage deploying, a soak, a wait for an approval, an analysis
/// window, a rollback.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Span {
    /// `stage`, `soak`, `approval`, `analysis` or `rollback`.
    pub kind: &'static str,
    pub label: String,
    pub start: String,
    pub end: String,
    /// How it ended: `completed`, `failed`, `approved`, `rejected`, a verdict, `unfinished`.
    pub outcome: String,
}

/// The spans of a journal, in the order they started. One still open at the end of the
/// journal ends at its last event, as `unfinished`.
pub fn spans(events: &[Event]) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    let mut open: Vec<(String, usize)> = Vec::new();
    let start = |spans: &mut Vec<Span>,
                 open: &mut Vec<(String, usize)>,
                 key: String,
                 kind,
                 label: String,
                 at: &str| {
        open.push((key, spans.len()));
        spans.push(Span {
            kind,
            label,
            start: at.to_owned(),
            end: String::new(),
            outcome: "unfinished".into(),
        });
    };
    let end = |spans: &mut Vec<Span>,
               open: &mut Vec<(String, usize)>,
               key: &str,
               at: &str,
               outcome: &str| {
        if let Some(position) = open.iter().rposition(|(k, _)| k == key) {
            let (_, index) = open.remove(position);
            spans[index].end = at.to_owned();
            spans[index].outcome = outcome.to_owned();
        }
    };
    let mut last_completed: Option<(String, String)> = None;
    for event in events {
        let id = event.rollout_id.clone().unwrap_or_default();
        let at = event.ts.as_str();
        match &event.payload {
            Payload::RolloutTriggered(_) => {
                if let Some((environment, completed_at)) = last_completed.take() {
                    spans.push(Span {
                        kind: "soak",
                        label: format!("Soak after {environment}"),
                        start: completed_at,
                        end: at.to_owned(),
                        outcome: "completed".into(),
                    });
                }
            }
            Payload::StageStarted(s) => start(
                &mut spans,
                &mut open,
                format!("stage {id} {}", s.stage),
                "stage",
                s.stage.clone(),
                at,
            ),
            Payload::StageCompleted(s) => end(
                &mut spans,
                &mut open,
                &format!("stage {id} {}", s.stage),
                at,
                "completed",
            ),
            Payload::StageFailed(s) => end(
                &mut spans,
                &mut open,
                &format!("stage {id} {}", s.stage),
                at,
                "failed",
            ),
            Payload::ApprovalRequired(a) => start(
                &mut spans,
                &mut open,
                format!("approval {id} {}", a.stage),
                "approval",
                format!("Approval for {}", a.stage),
                at,
            ),
            Payload::ApprovalGranted(a) => end(
                &mut spans,
                &mut open,
                &format!("approval {id} {}", a.stage),
                at,
                "approved",
            ),
            Payload::ApprovalRejected(a) => end(
                &mut spans,
                &mut open,
                &format!("approval {id} {}", a.stage),
                at,
                "rejected",
            ),
            Payload::AnalysisResult(a) => {
                let begun = parse_rfc3339(&a.started_at).ok();
                let finished = begun.map(|t| t + std::time::Duration::from_millis(a.duration_ms));
                if let (Some(_), Some(finished)) = (begun, finished) {
                    spans.push(Span {
                        kind: "analysis",
                        label: format!(
                            "Analysis of {}",
                            if a.stage.is_empty() {
                                "the rollout"
                            } else {
                                &a.stage
                            }
                        ),
                        start: a.started_at.clone(),
                        end: sentinel_core::clock::rfc3339_millis(finished),
                        outcome: a.verdict.as_str().into(),
                    });
                }
            }
            Payload::RollbackStarted(_) => start(
                &mut spans,
                &mut open,
                format!("rollback {id}"),
                "rollback",
                "Rollback".into(),
                at,
            ),
            Payload::RollbackCompleted(_) => end(
                &mut spans,
                &mut open,
                &format!("rollback {id}"),
                at,
                "completed",
            ),
            Payload::RollbackFailed(_) => end(
                &mut spans,
                &mut open,
                &format!("rollback {id}"),
                at,
                "failed",
            ),
            Payload::RolloutCompleted(_) => {
                let environment = events
                    .iter()
                    .rev()
                    .find_map(|e| match &e.payload {
                        Payload::RolloutTriggered(t) if e.rollout_id == event.rollout_id => {
                            Some(t.environment.clone())
                        }
                        _ => None,
                    })
                    .unwrap_or_else(|| "the rollout".into());
                last_completed = Some((environment, at.to_owned()));
            }
            _ => {}
        }
    }
    let last = events.last().map(|e| e.ts.clone()).unwrap_or_default();
    for span in &mut spans {
        if span.end.is_empty() {
            span.end = last.clone();
        }
    }
    spans.sort_by_key(|span| parse_rfc3339(&span.start).ok());
    spans
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerificationRow {
    pub check: String,
    pub expected: String,
    pub actual: String,
    pub passed: bool,
    /// One instance's check (of many): shown only when it failed, else behind `<details>`.
    pub detail: bool,
}

/// Build the report from journal events, in order, and the baseline's load tests (what ran
/// before the rollout, measured by the workflow before it started).
pub fn build(events: &[Event], baseline: &[StressTestResult]) -> Report {
    let mut report = Report {
        status: "IN_PROGRESS".into(),
        ..Default::default()
    };
    let mut rollback = Vec::new();
    let mut phases = Phases::default();
    phases
        .get(BASELINE)
        .results
        .extend(baseline.iter().cloned());
    let mut environments: Vec<(String, String)> = Vec::new();
    let mut deployed_regions: Vec<String> = Vec::new();
    // Stress results follow the stage.completed whose endpoints they tested; after the
    // rollout completed they are the post-deployment verification's.
    let mut last_stage: Option<String> = None;
    for event in events {
        let row = |action: String, status: &str| TimelineRow {
            time: event.ts.clone(),
            rollout_id: event.rollout_id.clone(),
            action,
            status: status.to_owned(),
        };
        if report.started.is_none() {
            report.started = Some(event.ts.clone());
        }
        report.finished = Some(event.ts.clone());
        let entry = match &event.payload {
            Payload::RolloutTriggered(t) => {
                report.service_group_name = Some(t.service_group_name.clone());
                report.environment = Some(t.environment.clone());
                report.artifact_version = Some(t.artifact_version.clone());
                if let Some(id) = &event.rollout_id {
                    if !report.rollout_ids.contains(id) {
                        report.rollout_ids.push(id.clone());
                        environments.push((id.clone(), t.environment.clone()));
                    }
                }
                last_stage = None;
                report.status = "IN_PROGRESS".into();
                let verb = if t.resumed { "resumed" } else { "triggered" };
                Some(row(
                    format!(
                        "Rollout {verb}: {} {} to {} ({} stage{})",
                        t.service_group_name,
                        t.artifact_version,
                        t.environment,
                        t.stages.len(),
                        if t.stages.len() == 1 { "" } else { "s" }
                    ),
                    "started",
                ))
            }
            Payload::StageStarted(s) => Some(row(
                format!(
                    "Stage {} started{}",
                    s.stage,
                    s.traffic_percent
                        .map(|p| format!(" ({p}% traffic)"))
                        .unwrap_or_default()
                ),
                "in progress",
            )),
            Payload::StageCompleted(s) => {
                last_stage = Some(s.stage.clone());
                let phase = phases.get(&s.stage);
                phase.traffic_percent = s.traffic_percent.or(phase.traffic_percent);
                Some(row(
                    format!(
                        "Stage {} deployed to {} in {}",
                        s.stage,
                        s.regions.join(", "),
                        format_duration(std::time::Duration::from_millis(s.duration_ms))
                    ),
                    "✅ completed",
                ))
            }
            Payload::StageFailed(s) => {
                for e in &s.errors {
                    report.errors.push(format!("{}: {}", s.stage, e.message));
                }
                Some(row(format!("Stage {} failed", s.stage), "❌ failed"))
            }
            Payload::StageSkipped(s) => Some(row(
                format!(
                    "Stage {} skipped: {} not deployed",
                    s.stage,
                    s.regions.join(", ")
                ),
                "⏭ skipped",
            )),
            Payload::ApprovalRequired(a) => Some(row(
                format!("Approval required for {}: {}", a.stage, a.reason),
                "⏸ waiting",
            )),
            Payload::ApprovalGranted(a) => Some(row(
                format!("Approval granted for {}", a.stage),
                "✅ approved",
            )),
            Payload::ApprovalRejected(a) => Some(row(
                format!("Approval rejected for {}", a.stage),
                "❌ rejected",
            )),
            Payload::HealthPassed(h) => Some(row(format!("Health check {}", h.url), "✅ healthy")),
            Payload::HealthFailed(h) => {
                Some(row(format!("Health check {}", h.url), "❌ unhealthy"))
            }
            Payload::StressResult(r) => {
                report
                    .verification
                    .extend(stress_rows(r, last_stage.as_deref()));
                let phase = last_stage.as_deref().unwrap_or(BASELINE);
                phases.get(phase).results.push((**r).clone());
                Some(row(
                    format!("Stress test {}", r.endpoint_url),
                    if r.passed { "✅ passed" } else { "❌ failed" },
                ))
            }
            Payload::AnalysisResult(a) => {
                report.verification.extend(analysis_rows(a));
                let phase = match a.stage.as_str() {
                    "" => last_stage.clone().unwrap_or_else(|| POST_DEPLOYMENT.into()),
                    stage => stage.to_owned(),
                };
                phases.get(&phase).analyses.push((**a).clone());
                Some(row(
                    format!(
                        "Analysis{}: {}",
                        if a.stage.is_empty() {
                            String::new()
                        } else {
                            format!(" of {}", a.stage)
                        },
                        a.reason
                    ),
                    match a.verdict {
                        Verdict::Passed => "✅ passed",
                        Verdict::Failed => "❌ failed",
                        Verdict::Inconclusive => "❔ inconclusive",
                    },
                ))
            }
            Payload::GatePassed(g) | Payload::GateFailed(g) => {
                let passed = matches!(event.payload, Payload::GatePassed(_));
                report.verification.push(VerificationRow {
                    check: format!("Gate: {}", g.gate),
                    expected: "passes".into(),
                    actual: g.reason.clone(),
                    passed,
                    detail: false,
                });
                if report.rollout_ids.is_empty() {
                    report.pre_deployment.push(format!(
                        "{} gate {}: {}",
                        if passed { "✅" } else { "❌" },
                        g.gate,
                        g.reason
                    ));
                }
                Some(row(
                    format!("Gate {}", g.gate),
                    if passed { "✅ passed" } else { "❌ closed" },
                ))
            }
            Payload::BranchCreated(b) => Some(row(
                format!("Tracking branch {}", b.branch_name),
                if b.reused { "reused" } else { "created" },
            )),
            Payload::TagCreated(t) => Some(row(format!("Release tag {}", t.tag), "created")),
            Payload::BranchDeleted(b) => Some(row(
                format!("Merged branch {} cleaned up", b.branch_name),
                if b.dry_run { "would delete" } else { "deleted" },
            )),
            Payload::RolloutCompleted(f) => {
                report.status = "SUCCESS".into();
                last_stage = Some(POST_DEPLOYMENT.into());
                if !f.deployed_regions.is_empty() {
                    deployed_regions = f.deployed_regions.clone();
                }
                Some(row("Rollout completed".into(), "✅ completed"))
            }
            Payload::RolloutFailed(f) => {
                report.status = "FAILED".into();
                report
                    .errors
                    .extend(f.errors.iter().map(|e| e.message.clone()));
                Some(row("Rollout failed".into(), "❌ failed"))
            }
            Payload::RolloutCancelled(_) => {
                report.status = "CANCELLED".into();
                Some(row("Rollout cancelled".into(), "⛔ cancelled"))
            }
            Payload::RollbackStarted(r) => {
                rollback.push(format!("started {}: {}", event.ts, r.reason));
                Some(row(
                    format!("Rollback started: {}", r.reason),
                    "↩ rolling back",
                ))
            }
            Payload::RollbackCompleted(r) => {
                report.status = "ROLLED_BACK".into();
                if r.to_version.is_some() {
                    report.previous_version = r.to_version.clone();
                }
                rollback.push(format!(
                    "completed {}{}",
                    event.ts,
                    r.to_version
                        .as_deref()
                        .map(|v| format!(", back on {v}"))
                        .unwrap_or_default()
                ));
                Some(row("Rollback completed".into(), "↩ rolled back"))
            }
            Payload::RollbackFailed(r) => {
                report.status = "FAILED".into();
                report.errors.push(format!("rollback failed: {}", r.reason));
                rollback.push(format!("FAILED {}: {}", event.ts, r.reason));
                Some(row("Rollback failed".into(), "❌ failed"))
            }
            Payload::RolloutStatus(_)
            | Payload::NotifySent(_)
            | Payload::NotifyFailed(_)
            | Payload::Log(_) => None,
        };
        if let Some(entry) = entry {
            report.timeline.push(entry);
        }
    }
    if let (Some(start), Some(end)) = (&report.started, &report.finished) {
        if let (Ok(a), Ok(b)) = (parse_rfc3339(start), parse_rfc3339(end)) {
            report.duration_ms = b.duration_since(a).ok().map(|d| d.as_millis() as u64);
        }
    }
    if !rollback.is_empty() {
        report.rollback = Some(rollback.join("; "));
    }
    // Sorted by time: tools write concurrently (a branch created while the watcher reports),
    // so the journal's order is not the order things happened in.
    report
        .timeline
        .sort_by_key(|row| parse_rfc3339(&row.time).ok());
    let merged = phases::merged(&phases);
    report.comparison = phases::compare(&merged);
    report.distributions = phases::distributions(&merged);
    report.spans = spans(events);
    for phases::MergedPhase { phase, merged } in &merged {
        let (name, Some(merged)) = (phase.name.as_str(), merged) else {
            continue;
        };
        if name != BASELINE && name != POST_DEPLOYMENT {
            continue;
        }
        let line = format!(
            "{name}: {} instance(s), {} requests, error rate {:.2}%, p95 {}",
            phase.results.len(),
            merged.total,
            merged.error_rate,
            merged
                .p95
                .map_or_else(|| "unknown".into(), |p| format!("{p:.2} ms"))
        );
        if name == BASELINE {
            report.pre_deployment.push(line);
        } else {
            report.post_deployment.push(line);
        }
    }
    report.rollout_environments = report
        .rollout_ids
        .iter()
        .map(|id| {
            environments
                .iter()
                .find(|(known, _)| known == id)
                .map(|(_, e)| e.clone())
                .unwrap_or_default()
        })
        .collect();
    report.post_deployment.insert(
        0,
        match report.status.as_str() {
            "SUCCESS" => format!(
                "The rollout completed{}.",
                if deployed_regions.is_empty() {
                    String::new()
                } else {
                    format!(": {} deployed", deployed_regions.join(", "))
                }
            ),
            "ROLLED_BACK" => format!(
                "Rolled back{}.",
                report
                    .previous_version
                    .as_deref()
                    .map(|v| format!(": {v} runs again"))
                    .unwrap_or_default()
            ),
            "IN_PROGRESS" => "The rollout has not ended.".into(),
            other => format!(
                "The rollout ended {}.",
                other.to_lowercase().replace('_', " ")
            ),
        },
    );
    report.issues = report
        .verification
        .iter()
        .filter(|row| !row.passed)
        .map(|row| format!("{}: {} (expected {})", row.check, row.actual, row.expected))
        .chain(report.errors.iter().cloned())
        .collect();
    report
}

/// One verification row per check of an analysis: the canary's value against its limit (and
/// the baseline's, with the test's p-value, for a comparison).
fn analysis_rows(result: &AnalysisResult) -> Vec<VerificationRow> {
    let prefix = if result.stage.is_empty() {
        "Analysis".to_owned()
    } else {
        format!("{}: analysis", result.stage)
    };
    result
        .metrics
        .iter()
        .map(|metric| {
            let mut actual = metric.actual();
            if metric.verdict == Verdict::Inconclusive {
                actual.push_str(", inconclusive");
            }
            VerificationRow {
                check: format!("{prefix} {}", metric.name),
                expected: metric.expected(),
                detail: false,
                actual,
                passed: metric.verdict == Verdict::Passed,
            }
        })
        .collect()
}

fn stress_rows(result: &StressTestResult, stage: Option<&str>) -> Vec<VerificationRow> {
    let target = match stage {
        Some(stage) => format!("{stage}: {}", result.endpoint_url),
        None => result.endpoint_url.clone(),
    };
    let mut rows: Vec<VerificationRow> = result
        .threshold_checks()
        .into_iter()
        .map(|check| VerificationRow {
            check: format!("{target} {}", check.name),
            expected: check.expected(),
            actual: check.actual(),
            passed: check.passed(),
            detail: true,
        })
        .collect();
    if rows.is_empty() {
        rows.push(VerificationRow {
            check: format!("{target} stress test"),
            detail: true,
            expected: "no violations".into(),
            actual: if result.violations.is_empty() {
                "none".into()
            } else {
                result.violations.join("; ")
            },
            passed: result.passed,
        });
    }
    rows
}

/// `text` as Markdown that every CommonMark renderer (GitHub, Azure DevOps, marked) shows
/// exactly as written, inside a table cell too: the characters that could start markup
/// (emphasis, HTML, links, code, tables, entities) are backslash-escaped, line breaks become
/// spaces. `C:\artifacts\|app.tar` stays that; `?x=***&y=***` does not turn into emphasis.
///
/// GitHub's renderer also turns bare `http://…` and `www.…` into links, and inside such a
/// link it shows the escapes above as literal backslashes; so the `:` of `://` and the `.`
/// of `www.` are escaped too, which no renderer links. (Bare e-mail addresses still become
/// links, but with their exact text: GitHub links them after the escapes are read.)
pub fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (at, c) in text.char_indices() {
        let starts_autolink = match c {
            ':' => text[at + 1..].starts_with("//"),
            '.' => text
                .get(at.saturating_sub(3)..at)
                .is_some_and(|before| before.eq_ignore_ascii_case("www")),
            _ => false,
        };
        match c {
            '\\' | '*' | '_' | '<' | '>' | '|' | '[' | ']' | '`' | '~' | '&' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            _ if starts_autolink => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            // Other control characters are not text (HTML forbids them, terminals act on
            // them): shown as the replacement character.
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// The report as Markdown.
/// How much of the report a rendering holds: everything, or (to fit a size limit such as
/// `$GITHUB_STEP_SUMMARY`'s 1 MiB) the summary sections without the full check list and
/// timeline, or only the summary and the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Detail {
    Minimal,
    Summary,
    Full,
}

/// GitHub's limit on one step's summary.
pub const STEP_SUMMARY_LIMIT: usize = 1024 * 1024;

/// The Markdown report, in full.
pub fn markdown(report: &Report) -> String {
    markdown_at(report, Detail::Full, false)
}

/// The most detailed rendering that fits in `limit` bytes; a summary is cut between
/// sections, never inside a table.
pub fn markdown_within(report: &Report, limit: usize, front_matter: bool) -> String {
    for detail in [Detail::Full, Detail::Summary, Detail::Minimal] {
        let md = markdown_at(report, detail, front_matter);
        if md.len() <= limit {
            return md;
        }
    }
    // Even the summary is too big (thousands of issues): keep the issues that fit.
    let mut trimmed = report.clone();
    while trimmed.issues.len() > 1 {
        let keep = trimmed.issues.len() / 2;
        let dropped = trimmed.issues.len() - keep;
        trimmed.issues.truncate(keep);
        trimmed.issues.push(format!(
            "... and {dropped} more issues: see the full report"
        ));
        let md = markdown_at(&trimmed, Detail::Minimal, front_matter);
        if md.len() <= limit {
            return md;
        }
        trimmed.issues.pop();
    }
    markdown_at(&trimmed, Detail::Minimal, front_matter)
}

/// YAML front matter for note-taking tools: every value a double-quoted YAML string.
fn front_matter(report: &Report) -> String {
    let quoted = |v: &str| {
        let mut out = String::from("\"");
        for c in v.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    };
    let mut yaml = String::from("---\n");
    let mut field = |name: &str, value: Option<&str>| {
        if let Some(value) = value {
            yaml.push_str(&format!("{name}: {}\n", quoted(value)));
        }
    };
    field("status", Some(&report.status));
    field("deployed", report.finished.as_deref());
    field("unit_id", report.rollout_ids.last().map(String::as_str));
    field("rolloutId", report.rollout_ids.last().map(String::as_str));
    field("version", report.artifact_version.as_deref());
    field("previous_version", report.previous_version.as_deref());
    field("environment", report.environment.as_deref());
    field("service", report.service_group_name.as_deref());
    yaml.push_str("---\n\n");
    yaml
}

fn markdown_at(report: &Report, detail: Detail, with_front_matter: bool) -> String {
    let badge = match report.status.as_str() {
        "SUCCESS" => "✅ SUCCESS",
        "ROLLED_BACK" => "↩️ ROLLED_BACK",
        "CANCELLED" => "⛔ CANCELLED",
        "IN_PROGRESS" => "⏳ IN_PROGRESS",
        _ => "❌ FAILED",
    };
    let dash = |v: &Option<String>| v.as_deref().map_or_else(|| "-".into(), markdown_text);
    let cell = markdown_text;
    let mut md = if with_front_matter {
        front_matter(report)
    } else {
        String::new()
    };
    md.push_str(&format!(
        "# Deployment report: {} {}\n\n| | |\n|---|---|\n| Status | **{badge}** |\n| Service | {} |\n| Environment | {} |\n| Version | {} |\n| Previous version | {} |\n| Rollout | {} |\n| Started | {} |\n| Duration | {} |\n| Deployer | {} |\n",
        dash(&report.service_group_name),
        dash(&report.artifact_version),
        dash(&report.service_group_name),
        dash(&report.environment),
        dash(&report.artifact_version),
        dash(&report.previous_version),
        if report.rollout_ids.is_empty() {
            "-".into()
        } else {
            markdown_text(&report.rollout_ids.join(", "))
        },
        dash(&report.started),
        report.duration_ms.map_or("-".into(), |ms| format_duration(
            std::time::Duration::from_millis(ms)
        )),
        dash(&report.deployer),
    ));

    md.push_str("\n## Phase comparison\n\n");
    let table = &report.comparison;
    if table.rows.is_empty() {
        md.push_str("No phase was load-tested or analysed.\n");
    } else {
        md.push_str("| Metric |");
        for phase in &table.phases {
            md.push_str(&format!(" {} |", cell(phase)));
        }
        md.push_str("\n|---|");
        md.push_str(&"---|".repeat(table.phases.len()));
        md.push('\n');
        for row in &table.rows {
            md.push_str(&format!("| {} |", cell(&row.metric)));
            for value in &row.cells {
                let shown = match value {
                    None => "-".to_owned(),
                    Some(c) => {
                        let mark = match (c.passed, c.inconclusive) {
                            (_, true) => " ❔",
                            (Some(true), _) => " ✅",
                            (Some(false), _) => " ❌",
                            (None, _) => "",
                        };
                        format!("{}{mark}", cell(&c.value))
                    }
                };
                md.push_str(&format!(" {shown} |"));
            }
            md.push('\n');
        }
        md.push_str("\nEach cell is the phase's value over all its instances (latency percentiles from their merged histograms); ✅/❌ against the phase's limit, ❔ inconclusive.\n");
    }

    md.push_str("\n## Issues encountered\n\n");
    if report.issues.is_empty() {
        md.push_str("None.\n");
    } else {
        for issue in &report.issues {
            md.push_str(&format!("- {}\n", markdown_text(issue)));
        }
    }
    md.push_str("\n## Rollback status\n\n");
    md.push_str(&match &report.rollback {
        Some(text) => format!("Rollback {}.\n", markdown_text(text)),
        None => "No rollback was needed.\n".into(),
    });
    for (title, lines) in [
        ("Pre-deployment state", &report.pre_deployment),
        ("Post-deployment state", &report.post_deployment),
    ] {
        md.push_str(&format!("\n## {title}\n\n"));
        if lines.is_empty() {
            md.push_str("Nothing was recorded.\n");
        }
        for line in lines {
            md.push_str(&format!("- {}\n", markdown_text(line)));
        }
    }
    if detail == Detail::Minimal {
        md.push_str(&format!(
            "\nThe {} checks and {} timeline entries are in the full report (`sentinel-state report --output FILE`).\n",
            report.verification.len(),
            report.timeline.len()
        ));
        return md;
    }

    md.push_str("\n## Verification\n\n");
    let verification_table = |rows: &[&VerificationRow]| {
        let mut table = String::from("| Check | Expected | Actual | Status |\n|---|---|---|---|\n");
        for row in rows {
            table.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                cell(&row.check),
                cell(&row.expected),
                cell(&row.actual),
                if row.passed { "✅" } else { "❌" }
            ));
        }
        table
    };
    if report.verification.is_empty() {
        md.push_str("No gates or stress tests were recorded.\n");
    } else {
        // In view: every check that failed, and the rollout-wide ones (gates, analyses).
        let shown: Vec<&VerificationRow> = report
            .verification
            .iter()
            .filter(|row| !row.passed || !row.detail)
            .collect();
        if !shown.is_empty() {
            md.push_str(&verification_table(&shown));
        }
        let instances: Vec<&VerificationRow> = report
            .verification
            .iter()
            .filter(|row| row.detail)
            .collect();
        if detail == Detail::Full && !instances.is_empty() {
            let failed = instances.iter().filter(|r| !r.passed).count();
            md.push_str(&format!(
                "\n<details><summary>Every instance's checks ({} checks, {failed} failed)</summary>\n\n{}\n</details>\n",
                instances.len(),
                verification_table(&instances)
            ));
        }
    }

    md.push_str("\n## Timeline\n\n");
    if detail == Detail::Summary {
        md.push_str(&format!(
            "{} entries: see the full report (`sentinel-state report --output FILE`).\n",
            report.timeline.len()
        ));
        return md;
    }
    let timeline_table = |rows: &[&TimelineRow]| {
        let mut table = String::from("| Time (UTC) | Action | Status |\n|---|---|---|\n");
        for row in rows {
            table.push_str(&format!(
                "| {} | {} | {} |\n",
                cell(&row.time),
                cell(&row.action),
                cell(&row.status)
            ));
        }
        table
    };
    if report.rollout_ids.len() <= 1 {
        let rows: Vec<&TimelineRow> = report.timeline.iter().collect();
        md.push_str(&timeline_table(&rows));
    } else {
        let unassigned: Vec<&TimelineRow> = report
            .timeline
            .iter()
            .filter(|row| row.rollout_id.is_none())
            .collect();
        if !unassigned.is_empty() {
            md.push_str("### Before and between the rollouts\n\n");
            md.push_str(&timeline_table(&unassigned));
            md.push('\n');
        }
        for (id, environment) in report.rollout_ids.iter().zip(&report.rollout_environments) {
            let rows: Vec<&TimelineRow> = report
                .timeline
                .iter()
                .filter(|row| row.rollout_id.as_deref() == Some(id))
                .collect();
            md.push_str(&format!(
                "### {} (rollout {})\n\n",
                if environment.is_empty() {
                    "Rollout"
                } else {
                    environment
                },
                markdown_text(id)
            ));
            md.push_str(&timeline_table(&rows));
            md.push('\n');
        }
    }
    if !report.errors.is_empty() {
        md.push_str("\n## Errors\n\n");
        for error in &report.errors {
            md.push_str(&format!("- {}\n", markdown_text(error)));
        }
    }
    md
}

/// Where the workflow keeps the baseline's load tests, in the state directory.
pub const BASELINE_FILE: &str = ".deploy-sentinel-baseline.json";
/// Its name beside an archived state, in `.sentinel/history/<rolloutId>/`.
pub const ARCHIVED_BASELINE_FILE: &str = "baseline.json";

/// What `report` is asked for.
#[derive(Debug, Clone, Copy)]
pub struct ReportRequest<'a> {
    pub format: crate::cli::ReportFormat,
    pub output: Option<&'a Path>,
    pub step_summary: Option<&'a Path>,
    /// `--baseline FILE`, else the state directory's baseline file when there is one.
    pub baseline: Option<&'a Path>,
    pub front_matter: bool,
}

/// The load tests of a baseline file: what `sentinel-stress --output json` writes (one
/// result or an array), or NDJSON `stress.result` events.
pub fn read_baseline(path: &Path) -> Result<Vec<StressTestResult>> {
    let text = sentinel_core::nofollow::read_to_string(path)
        .map_err(|e| Error::io("reading the baseline", path, e))?;
    let bad = |e: serde_json::Error| {
        Error::usage(format!(
            "baseline {}: {e}; expected what `sentinel-stress --output json` writes",
            path.display()
        ))
    };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Array(items)) => items
            .into_iter()
            .map(|item| serde_json::from_value(item).map_err(bad))
            .collect(),
        Ok(one @ serde_json::Value::Object(_)) => {
            Ok(vec![serde_json::from_value(one).map_err(bad)?])
        }
        Ok(_) => Err(Error::usage(format!(
            "baseline {}: not a stress result",
            path.display()
        ))),
        Err(_) => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).map_err(bad))
            .collect(),
    }
}

/// What ran before: the version of the newest rollout to the same environment that
/// completed, among the archived ones in `.sentinel/history/` (other than this version).
pub fn previous_version(store: &Store, report: &Report) -> Option<String> {
    let environment = report.environment.as_deref()?;
    let archived = store.backend().archived_states().ok()?;
    let mut best: Option<(String, String)> = None;
    for text in archived {
        let Ok(state) = sentinel_core::state_file::parse(&text, "an archived state", "its .bak")
        else {
            continue;
        };
        let same_place = state.environment.as_deref() == Some(environment);
        let completed = state.overall_status == sentinel_core::status::OverallStatus::Completed;
        let other =
            state.artifact_version.is_some() && state.artifact_version != report.artifact_version;
        if let (true, true, true, Some(ended)) =
            (same_place, completed, other, state.end_time.clone())
        {
            if best.as_ref().is_none_or(|(newest, _)| ended > *newest) {
                best = Some((ended, state.artifact_version.unwrap_or_default()));
            }
        }
    }
    best.map(|(_, version)| version)
}

/// Who deployed: the CI's actor when a CI runs this (`env` reads its variables), else
/// user@host, as locks name their holder.
pub fn deployer(env: &dyn Fn(&str) -> Option<String>) -> String {
    let set = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    for (variable, ci) in [
        ("GITHUB_ACTOR", "GitHub Actions"),
        ("BUILD_REQUESTEDFOR", "Azure Pipelines"),
        ("GITLAB_USER_LOGIN", "GitLab CI"),
    ] {
        if let Some(actor) = set(variable) {
            return format!("{actor} ({ci})");
        }
    }
    format!(
        "{}@{}",
        sentinel_core::lock::user_name(),
        sentinel_core::lock::hostname()
    )
}

/// `report`: write it to `--output` or stdout; append the Markdown to `$GITHUB_STEP_SUMMARY`
/// (within its 1 MiB limit).
pub fn run_report<W: Write>(
    store: &Store,
    request: ReportRequest<'_>,
    out: &mut Writer<W>,
) -> Result<Exit> {
    let paths = &store.paths;
    let events: Vec<Event> = store
        .read_journal()?
        .iter()
        .filter_map(|l| l.event())
        .collect();
    if events.is_empty() {
        return Err(Error::CheckFailed(format!(
            "no events in {}: nothing to report yet",
            store.backend().journal_name()
        )));
    }
    // The workflow keeps the baseline in the state directory while it runs, and `archive`
    // leaves it beside the archived state as baseline.json.
    let found = [BASELINE_FILE, ARCHIVED_BASELINE_FILE]
        .iter()
        .map(|name| paths.dir.join(name))
        .find(|path| std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file()));
    let baseline = match request.baseline.map(Path::to_path_buf).or(found) {
        Some(path) => read_baseline(&path)?,
        None => Vec::new(),
    };
    let mut report = build(&events, &baseline);
    report.deployer = Some(deployer(&|name| std::env::var(name).ok()));
    if report.previous_version.is_none() {
        report.previous_version = previous_version(store, &report);
    }
    let md = markdown_at(&report, Detail::Full, request.front_matter);
    let text = match request.format {
        crate::cli::ReportFormat::Markdown => md.clone(),
        crate::cli::ReportFormat::Json => {
            serde_json::to_string(&report).map_err(|e| Error::Internal(e.to_string()))?
        }
        crate::cli::ReportFormat::Html => crate::html::html(&report),
    };
    match request.output {
        Some(path) => write_atomic(path, text.as_bytes())?,
        None => out.write_line(text.trim_end())?,
    }
    if let Some(summary) = request.step_summary {
        // Other steps may have written to it already: what is left of the limit is ours.
        let used = std::fs::metadata(summary)
            .map(|m| m.len() as usize)
            .unwrap_or(0);
        let fitted = markdown_within(&report, STEP_SUMMARY_LIMIT.saturating_sub(used), false);
        let mut file =
            sentinel_core::nofollow::open_append(summary, "opening $GITHUB_STEP_SUMMARY")?;
        file.write_all(fitted.as_bytes())
            .map_err(|e| Error::io("appending to $GITHUB_STEP_SUMMARY", summary, e))?;
    }
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::tests::{event, lines, triggered};
    use sentinel_core::files::StatePaths;

    fn events(text: &[String]) -> Vec<Event> {
        lines(&text.join("\n"))
            .iter()
            .filter_map(|l| l.event())
            .collect()
    }

    /// The text of every table cell, as an independent CommonMark renderer reads it.
    fn rendered_cells(md: &str) -> Vec<String> {
        use pulldown_cmark::{Event as Md, Options, Parser, Tag, TagEnd};
        let mut cells = Vec::new();
        let mut current: Option<String> = None;
        for event in Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
            match event {
                Md::Start(Tag::TableCell) => current = Some(String::new()),
                Md::End(TagEnd::TableCell) => cells.extend(current.take()),
                Md::Text(text) | Md::Code(text) => {
                    if let Some(cell) = current.as_mut() {
                        cell.push_str(&text);
                    }
                }
                Md::Html(html) | Md::InlineHtml(html) => {
                    if let Some(cell) = current.as_mut() {
                        cell.push_str(&format!("<html:{html}>"));
                    }
                }
                Md::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. }) => {
                    if let Some(cell) = current.as_mut() {
                        cell.push_str("<markup>");
                    }
                }
                _ => {}
            }
        }
        cells
    }

    #[test]
    fn every_value_renders_exactly_as_written() {
        let hostile = [
            r"C:\artifacts\|app.tar",
            "see https://x.example/a_b*c* or WWW.x.example/_y_",
            "https://x.example/?x=***&y=***",
            "503 <Service Unavailable> & retry",
            "`tick` _under_ *star* ~strike~ [link](http://e) # ! &amp;",
        ];
        let report = Report {
            status: "FAILED".into(),
            verification: hostile
                .iter()
                .map(|h| VerificationRow {
                    check: (*h).into(),
                    expected: (*h).into(),
                    actual: (*h).into(),
                    passed: false,
                    detail: false,
                })
                .collect(),
            ..Report::default()
        };
        let cells = rendered_cells(&markdown(&report));
        for h in hostile {
            assert_eq!(
                cells.iter().filter(|c| c.as_str() == h).count(),
                3,
                "{h:?} in {cells:?}"
            );
        }
    }

    #[test]
    fn a_rolled_back_release_says_so_with_its_verification_table() {
        let text = [
            triggered("r1", "2026-11-23T10:00:00.000Z", "Prod"),
            event(
                "stage.completed",
                "r1",
                "2026-11-23T10:01:00.000Z",
                r#""stage":"Canary","index":0,"regions":["eastus"],"endpoints":[],"durationMs":60000"#,
            ),
            event(
                "stress.result",
                "r1",
                "2026-11-23T10:01:30.000Z",
                r#""endpointUrl":"http://127.0.0.1:1/","errorRate":5.2,"p95ResponseTime":120.0,"thresholds":{"maxErrorRate":1.0,"maxP95Ms":500.0},"passed":false,"violations":["error rate 5.20% is above the limit of 1%"]"#,
            ),
            event(
                "rollback.started",
                "r1",
                "2026-11-23T10:02:00.000Z",
                r#""reason":"Automatic rollback triggered due to PDV failure""#,
            ),
            event(
                "rollback.completed",
                "r1",
                "2026-11-23T10:03:00.000Z",
                r#""reason":"done","toVersion":"0.9.0""#,
            ),
        ];
        let report = build(&events(&text), &[]);
        assert_eq!(report.status, "ROLLED_BACK");
        assert_eq!(report.duration_ms, Some(180_000));
        let error_row = &report.verification[0];
        assert_eq!(error_row.check, "Canary: http://127.0.0.1:1/ error rate");
        assert_eq!(
            (
                error_row.expected.as_str(),
                error_row.actual.as_str(),
                error_row.passed
            ),
            ("≤ 1%", "5.20%", false)
        );
        assert!(report.verification[1].passed, "p95 120 ms is within 500 ms");
        let md = markdown(&report);
        assert!(md.contains("**↩️ ROLLED_BACK**"), "{md}");
        assert!(
            md.contains("Automatic rollback triggered due to PDV failure"),
            "{md}"
        );
        assert!(md.contains("back on 0.9.0"), "{md}");
    }

    #[test]
    fn status_follows_the_last_rollout() {
        let done = event(
            "rollout.completed",
            "r1",
            "2026-11-23T10:05:00.000Z",
            r#""overallStatus":"Completed","durationMs":1,"deployedRegions":[],"errors":[]"#,
        );
        let ok = build(
            &events(&[
                triggered("r1", "2026-11-23T10:00:00.000Z", "Staging"),
                done.clone(),
            ]),
            &[],
        );
        assert_eq!(ok.status, "SUCCESS");
        let again = build(
            &events(&[
                triggered("r1", "2026-11-23T10:00:00.000Z", "Staging"),
                done,
                triggered("r2", "2026-11-23T11:00:00.000Z", "Prod"),
            ]),
            &[],
        );
        assert_eq!(again.status, "IN_PROGRESS");
        assert_eq!(again.rollout_ids, vec!["r1", "r2"]);
    }

    /// Every table of `md` as rows of cell texts, as an independent CommonMark renderer reads it.
    fn tables(md: &str) -> Vec<Vec<Vec<String>>> {
        use pulldown_cmark::{Event as Md, Options, Parser, Tag, TagEnd};
        let mut tables = Vec::new();
        let mut table: Vec<Vec<String>> = Vec::new();
        let mut row: Vec<String> = Vec::new();
        let mut cell: Option<String> = None;
        for event in Parser::new_ext(md, Options::ENABLE_TABLES) {
            match event {
                Md::Start(Tag::Table(_)) => table = Vec::new(),
                Md::End(TagEnd::Table) => tables.push(std::mem::take(&mut table)),
                Md::Start(Tag::TableHead | Tag::TableRow) => row = Vec::new(),
                Md::End(TagEnd::TableHead | TagEnd::TableRow) => {
                    table.push(std::mem::take(&mut row))
                }
                Md::Start(Tag::TableCell) => cell = Some(String::new()),
                Md::End(TagEnd::TableCell) => row.extend(cell.take()),
                Md::Text(text) | Md::Code(text) => {
                    if let Some(cell) = cell.as_mut() {
                        cell.push_str(&text);
                    }
                }
                _ => {}
            }
        }
        tables
    }

    fn stress(rollout: &str, ts: &str, url: &str, latencies_ms: &[u64], passed: bool) -> String {
        let mut histogram = sentinel_histogram::new_histogram();
        for ms in latencies_ms {
            histogram.record(ms * 1000).unwrap();
        }
        event(
            "stress.result",
            rollout,
            ts,
            &format!(
                r#""endpointUrl":"{url}","totalRequests":{},"failedRequests":0,"errorRate":0.0,"p95ResponseTime":{},"requestsPerSecond":50.0,"thresholds":{{"maxErrorRate":1.0,"maxP95Ms":50.0}},"passed":{passed},"violations":[{}],"histogram":"{}""#,
                latencies_ms.len(),
                histogram.value_at_quantile(0.95) as f64 / 1000.0,
                if passed {
                    ""
                } else {
                    r#""p95 is above the limit""#
                },
                sentinel_histogram::encode(&histogram)
            ),
        )
    }

    fn stage(rollout: &str, ts: &str, name: &str, percent: u32) -> String {
        event(
            "stage.completed",
            rollout,
            ts,
            &format!(
                r#""stage":"{name}","index":0,"regions":[],"endpoints":[],"durationMs":1,"trafficPercent":{percent}"#
            ),
        )
    }

    fn a_two_rollout_journal() -> Vec<Event> {
        events(&[
            triggered("r1", "2026-11-23T10:00:00.000Z", "Staging"),
            stage("r1", "2026-11-23T10:00:01.000Z", "Staging", 100),
            stress(
                "r1",
                "2026-11-23T10:00:02.000Z",
                "http://s/",
                &[2; 20],
                true,
            ),
            event(
                "rollout.completed",
                "r1",
                "2026-11-23T10:00:03.000Z",
                r#""overallStatus":"Completed","durationMs":3000,"deployedRegions":["westus"],"errors":[]"#,
            ),
            triggered("r2", "2026-11-23T10:01:00.000Z", "Prod"),
            // Written after the stress result below, but it happened first.
            event(
                "branch.created",
                "r2",
                "2026-11-23T10:01:00.500Z",
                r#""branchName":"deploy/x","reused":false"#,
            ),
            stage("r2", "2026-11-23T10:01:01.000Z", "Canary", 10),
            // Two canary instances: 95 fast answers on one, 5 slow on the other.
            stress(
                "r2",
                "2026-11-23T10:01:02.000Z",
                "http://c1/",
                &[1; 95],
                true,
            ),
            stress(
                "r2",
                "2026-11-23T10:01:02.100Z",
                "http://c2/",
                &[100; 5],
                false,
            ),
            event(
                "rollout.completed",
                "r2",
                "2026-11-23T10:01:03.000Z",
                r#""overallStatus":"Completed","durationMs":2000,"deployedRegions":["eastus"],"errors":[]"#,
            ),
            stress(
                "r2",
                "2026-11-23T10:01:04.000Z",
                "http://c1/",
                &[3; 10],
                true,
            ),
        ])
    }

    #[test]
    fn the_comparison_shows_each_phase_merged_over_its_instances() {
        let baseline = {
            let mut histogram = sentinel_histogram::new_histogram();
            histogram.record(4000).unwrap();
            StressTestResult {
                total_requests: 1,
                histogram: sentinel_histogram::encode(&histogram),
                ..Default::default()
            }
        };
        let report = build(&a_two_rollout_journal(), &[baseline]);
        let md = markdown(&report);
        let comparison = &tables(&md)[1];
        assert_eq!(
            comparison[0],
            [
                "Metric",
                "Baseline",
                "Staging (100%)",
                "Canary (10%)",
                "Post-deployment"
            ]
        );
        let p95 = comparison.iter().find(|row| row[0] == "p95").unwrap();
        // The canary's p95 over its 100 requests is 1 ms (95 of them): the merged histogram's,
        // not an average of the instances' (1 ms and 100 ms).
        let mut merged = sentinel_histogram::new_histogram();
        for _ in 0..95 {
            merged.record(1000).unwrap();
        }
        for _ in 0..5 {
            merged.record(100_000).unwrap();
        }
        let expected = format!(
            "{:.2} ms ✅",
            merged.value_at_quantile(0.95) as f64 / 1000.0
        );
        assert_eq!(p95[3], expected);
        assert_eq!(p95[1], "4.00 ms");
        let p99 = comparison.iter().find(|row| row[0] == "p99").unwrap();
        assert_eq!(
            p99[3],
            format!("{:.2} ms", merged.value_at_quantile(0.99) as f64 / 1000.0)
        );
    }

    #[test]
    fn the_timeline_is_sorted_and_grouped_by_rollout() {
        let report = build(&a_two_rollout_journal(), &[]);
        let times: Vec<&str> = report.timeline.iter().map(|r| r.time.as_str()).collect();
        let mut sorted = times.clone();
        sorted.sort();
        assert_eq!(times, sorted, "sorted by time");
        let md = markdown(&report);
        let staging = md
            .find("### Staging (rollout r1)")
            .expect("a Staging section");
        let prod = md.find("### Prod (rollout r2)").expect("a Prod section");
        assert!(staging < prod);
        let branch = md.find("Tracking branch deploy/x").unwrap();
        let canary_test = md.rfind("Stress test http\\://c1/").unwrap();
        assert!(prod < branch && branch < canary_test, "{md}");
    }

    #[test]
    fn passing_instance_checks_are_folded_away_and_failed_ones_are_issues() {
        let report = build(&a_two_rollout_journal(), &[]);
        let md = markdown(&report);
        let (in_view, folded) = md.split_once("<details>").expect("a <details> section");
        // The failed canary instance is in view and an issue; the passing ones only folded.
        assert!(in_view.contains("Canary: http\\://c2/ p95"), "{in_view}");
        assert!(!in_view.contains("Canary: http\\://c1/"), "{in_view}");
        assert!(folded.contains("Canary: http\\://c1/"));
        assert_eq!(report.issues.len(), 1, "{:?}", report.issues);
        assert!(
            report.issues[0].contains("c2/ p95: 100.03 ms (expected ≤ 50 ms)"),
            "{:?}",
            report.issues
        );
        // The verification after the rollout is labelled as such, not as its last stage.
        assert!(folded.contains("Post-deployment: http\\://c1/"), "{folded}");
    }

    #[test]
    fn the_step_summary_fits_its_limit_without_cutting_a_table() {
        let mut text = vec![triggered("r1", "2026-11-23T10:00:00.000Z", "Prod")];
        // Six stages of 600 instances each, every instance load-tested.
        for stage_number in 0..6 {
            text.push(stage(
                "r1",
                "2026-11-23T10:00:01.000Z",
                &format!("Wave-{stage_number}"),
                16 * (stage_number + 1),
            ));
            for i in 0..600 {
                let url = format!(
                    "http://10.{stage_number}.{}.{}/a-rather-long-path/to/an/endpoint",
                    i / 250,
                    i % 250
                );
                let passed = i % 97 != 0;
                let latencies: &[u64] = if passed { &[2; 3] } else { &[100; 3] };
                text.push(stress(
                    "r1",
                    "2026-11-23T10:00:02.000Z",
                    &url,
                    latencies,
                    passed,
                ));
            }
        }
        let report = build(&events(&text), &[]);
        let full = markdown(&report);
        assert!(
            full.len() > STEP_SUMMARY_LIMIT,
            "the test needs a report over the limit: {}",
            full.len()
        );
        let fitted = markdown_within(&report, STEP_SUMMARY_LIMIT, false);
        assert!(fitted.len() <= STEP_SUMMARY_LIMIT, "{}", fitted.len());
        assert!(fitted.contains("## Phase comparison") && fitted.contains("## Issues encountered"));
        for table in tables(&fitted) {
            let width = table[0].len();
            assert!(
                table.iter().all(|row| row.len() == width),
                "every table whole"
            );
        }
        // Smaller limits summarise further, still whole.
        let tiny = markdown_within(&report, 4 * 1024, false);
        assert!(tiny.len() <= 4 * 1024, "{}", tiny.len());
        assert!(tiny.contains("more issues: see the full report"), "{tiny}");
        for table in tables(&tiny) {
            let width = table[0].len();
            assert!(
                table.iter().all(|row| row.len() == width),
                "every table whole"
            );
        }
    }

    #[test]
    fn front_matter_is_yaml_with_quoted_values() {
        let report = Report {
            status: "SUCCESS".into(),
            rollout_ids: vec!["r-1".into()],
            artifact_version: Some("1.5.0".into()),
            environment: Some("Prod \"eu\": x\ny".into()),
            finished: Some("2026-11-23T10:00:00.000Z".into()),
            ..Report::default()
        };
        let md = markdown_at(&report, Detail::Full, true);
        let yaml = md
            .strip_prefix("---\n")
            .unwrap()
            .split_once("---\n")
            .unwrap()
            .0;
        assert!(yaml.contains("status: \"SUCCESS\"\n"), "{yaml}");
        assert!(yaml.contains("unit_id: \"r-1\"\n"), "{yaml}");
        assert!(
            yaml.contains(r#"environment: "Prod \"eu\": x\u000ay""#),
            "{yaml}"
        );
    }

    #[test]
    fn the_deployer_is_the_ci_actor_else_the_user() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(
            deployer(&env(&[("GITHUB_ACTOR", "octocat")])),
            "octocat (GitHub Actions)"
        );
        assert_eq!(
            deployer(&env(&[("BUILD_REQUESTEDFOR", "Ada")])),
            "Ada (Azure Pipelines)"
        );
        assert!(deployer(&env(&[])).contains('@'));
    }

    #[test]
    fn the_previous_version_is_the_last_one_completed_in_the_same_environment() {
        use sentinel_core::state_file::RolloutState;
        use sentinel_core::status::OverallStatus;
        let dir = tempfile::tempdir().unwrap();
        let paths = StatePaths::new(dir.path());
        let archive = |id: &str, environment: &str, version: &str, status, ended: &str| {
            let folder = dir.path().join(sentinel_core::files::HISTORY_DIR).join(id);
            std::fs::create_dir_all(&folder).unwrap();
            let state = RolloutState {
                environment: Some(environment.into()),
                artifact_version: Some(version.into()),
                overall_status: status,
                end_time: Some(ended.into()),
                ..RolloutState::default()
            };
            std::fs::write(
                StatePaths::new(&folder).state(),
                serde_json::to_string(&state).unwrap(),
            )
            .unwrap();
        };
        archive(
            "a",
            "Prod",
            "1.3.0",
            OverallStatus::Completed,
            "2026-11-01T00:00:00.000Z",
        );
        archive(
            "b",
            "Prod",
            "1.4.2",
            OverallStatus::Completed,
            "2026-11-20T00:00:00.000Z",
        );
        archive(
            "c",
            "Prod",
            "1.4.3",
            OverallStatus::RolledBack,
            "2026-11-21T00:00:00.000Z",
        );
        archive(
            "d",
            "Staging",
            "1.4.9",
            OverallStatus::Completed,
            "2026-11-22T00:00:00.000Z",
        );
        let report = Report {
            environment: Some("Prod".into()),
            artifact_version: Some("1.5.0".into()),
            ..Report::default()
        };
        assert_eq!(
            previous_version(&Store::local(&paths), &report).as_deref(),
            Some("1.4.2")
        );
        let staging = Report {
            environment: Some("Staging".into()),
            artifact_version: Some("1.4.9".into()),
            ..Report::default()
        };
        assert_eq!(
            previous_version(&Store::local(&paths), &staging),
            None,
            "its own version is not the previous one"
        );
    }

    /// The whole rendering against a reviewed copy: any change to the report's text shows in
    /// review. `UPDATE_SNAPSHOTS=1 cargo test -p sentinel-state` writes the new one.
    #[test]
    fn control_characters_never_reach_the_report() {
        assert_eq!(
            markdown_text("a\u{0}b\u{7}c\u{1b}[31md\u{9f}"),
            "a\u{fffd}b\u{fffd}c\u{fffd}\\[31md\u{fffd}"
        );
        assert_eq!(
            crate::html::escape("a\u{0}b\u{1b}c\nd"),
            "a\u{fffd}b\u{fffd}c\nd"
        );
    }

    #[test]
    fn the_markdown_report_matches_its_snapshot() {
        let report = build(&a_two_rollout_journal(), &[]);
        let md = markdown_at(&report, Detail::Full, true);
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/report.md");
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&path, &md).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            md == expected,
            "the report differs from {} (UPDATE_SNAPSHOTS=1 rewrites it):\n{md}",
            path.display()
        );
    }
}
