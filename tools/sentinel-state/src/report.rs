//! `sentinel-state report`: the deployment report, built from the journal — summary,
//! timeline, verification table (expected vs actual), rollback status, errors.

use crate::store::read_journal;
use sentinel_core::atomic::write_atomic;
use sentinel_core::clock::{format_duration, parse_rfc3339};
use sentinel_core::events::{AnalysisResult, Event, Payload, StressTestResult, Verdict};
use sentinel_core::files::StatePaths;
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
    pub rollout_ids: Vec<String>,
    pub started: Option<String>,
    pub finished: Option<String>,
    pub duration_ms: Option<u64>,
    pub timeline: Vec<TimelineRow>,
    pub verification: Vec<VerificationRow>,
    pub rollback: Option<String>,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineRow {
    pub time: String,
    pub action: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerificationRow {
    pub check: String,
    pub expected: String,
    pub actual: String,
    pub passed: bool,
}

/// Build the report from journal events, in order.
pub fn build(events: &[Event]) -> Report {
    let mut report = Report {
        status: "IN_PROGRESS".into(),
        ..Default::default()
    };
    let mut rollback = Vec::new();
    // Stress results follow the stage.completed whose endpoints they tested.
    let mut last_stage: Option<String> = None;
    for event in events {
        let row = |action: String, status: &str| TimelineRow {
            time: event.ts.clone(),
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
                    }
                }
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
                Some(row(
                    format!("Stress test {}", r.endpoint_url),
                    if r.passed { "✅ passed" } else { "❌ failed" },
                ))
            }
            Payload::AnalysisResult(a) => {
                report.verification.extend(analysis_rows(a));
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
                });
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
            Payload::RolloutCompleted(_) => {
                report.status = "SUCCESS".into();
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
        })
        .collect();
    if rows.is_empty() {
        rows.push(VerificationRow {
            check: format!("{target} stress test"),
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
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The report as Markdown.
pub fn markdown(report: &Report) -> String {
    let badge = match report.status.as_str() {
        "SUCCESS" => "✅ SUCCESS",
        "ROLLED_BACK" => "↩️ ROLLED_BACK",
        "CANCELLED" => "⛔ CANCELLED",
        "IN_PROGRESS" => "⏳ IN_PROGRESS",
        _ => "❌ FAILED",
    };
    let dash = |v: &Option<String>| v.as_deref().map_or_else(|| "-".into(), markdown_text);
    let cell = markdown_text;
    let mut md = format!(
        "# Deployment report: {} {}\n\n| | |\n|---|---|\n| Status | **{badge}** |\n| Service | {} |\n| Environment | {} |\n| Version | {} |\n| Rollout | {} |\n| Started | {} |\n| Duration | {} |\n",
        dash(&report.service_group_name),
        dash(&report.artifact_version),
        dash(&report.service_group_name),
        dash(&report.environment),
        dash(&report.artifact_version),
        if report.rollout_ids.is_empty() {
            "-".into()
        } else {
            markdown_text(&report.rollout_ids.join(", "))
        },
        dash(&report.started),
        report.duration_ms.map_or("-".into(), |ms| format_duration(
            std::time::Duration::from_millis(ms)
        )),
    );
    md.push_str("\n## Timeline\n\n| Time (UTC) | Action | Status |\n|---|---|---|\n");
    for row in &report.timeline {
        md.push_str(&format!(
            "| {} | {} | {} |\n",
            cell(&row.time),
            cell(&row.action),
            cell(&row.status)
        ));
    }
    md.push_str("\n## Verification\n\n");
    if report.verification.is_empty() {
        md.push_str("No gates or stress tests were recorded.\n");
    } else {
        md.push_str("| Check | Expected | Actual | Status |\n|---|---|---|---|\n");
        for row in &report.verification {
            md.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                cell(&row.check),
                cell(&row.expected),
                cell(&row.actual),
                if row.passed { "✅" } else { "❌" }
            ));
        }
    }
    md.push_str("\n## Rollback\n\n");
    md.push_str(&match &report.rollback {
        Some(text) => format!("Rollback {}.\n", markdown_text(text)),
        None => "No rollback was needed.\n".into(),
    });
    if !report.errors.is_empty() {
        md.push_str("\n## Errors\n\n");
        for error in &report.errors {
            md.push_str(&format!("- {}\n", markdown_text(error)));
        }
    }
    md
}

/// `report`: write it to `--output` or stdout; append the Markdown to `$GITHUB_STEP_SUMMARY`.
pub fn run_report<W: Write>(
    paths: &StatePaths,
    format: crate::cli::ReportFormat,
    output: Option<&Path>,
    step_summary: Option<&Path>,
    out: &mut Writer<W>,
) -> Result<Exit> {
    let events: Vec<Event> = read_journal(paths)?
        .iter()
        .filter_map(|l| l.event())
        .collect();
    if events.is_empty() {
        return Err(Error::CheckFailed(format!(
            "no events in {}: nothing to report yet",
            paths.journal().display()
        )));
    }
    let report = build(&events);
    let md = markdown(&report);
    let text = match format {
        crate::cli::ReportFormat::Markdown => md.clone(),
        crate::cli::ReportFormat::Json => {
            serde_json::to_string(&report).map_err(|e| Error::Internal(e.to_string()))?
        }
    };
    match output {
        Some(path) => write_atomic(path, text.as_bytes())?,
        None => out.write_line(text.trim_end())?,
    }
    if let Some(summary) = step_summary {
        let mut file =
            sentinel_core::nofollow::open_append(summary, "opening $GITHUB_STEP_SUMMARY")?;
        file.write_all(md.as_bytes())
            .map_err(|e| Error::io("appending to $GITHUB_STEP_SUMMARY", summary, e))?;
    }
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::tests::{event, lines, triggered};

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
        let report = build(&events(&text));
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
        let ok = build(&events(&[
            triggered("r1", "2026-11-23T10:00:00.000Z", "Staging"),
            done.clone(),
        ]));
        assert_eq!(ok.status, "SUCCESS");
        let again = build(&events(&[
            triggered("r1", "2026-11-23T10:00:00.000Z", "Staging"),
            done,
            triggered("r2", "2026-11-23T11:00:00.000Z", "Prod"),
        ]));
        assert_eq!(again.status, "IN_PROGRESS");
        assert_eq!(again.rollout_ids, vec!["r1", "r2"]);
    }
}
