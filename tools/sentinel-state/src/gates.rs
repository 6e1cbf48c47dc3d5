//! Release gates. Each measures one thing, says in a sentence what it measured and what the
//! limit was, writes `gate.passed` or `gate.failed`, records it in the state, and exits 0 or 1.

use crate::cli::Gate;
use crate::recorder::Recorder;
use crate::state::{RolloutState, StageStatus};
use crate::store::Store;
use sentinel_core::clock::{Clock, format_duration, parse_rfc3339};
use sentinel_core::events::{Event, GateOutcome, Payload};
use sentinel_core::ndjson::Writer;
use sentinel_core::output::Logger;
use sentinel_core::{Error, Exit, Result};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

/// A gate's verdict before it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub passed: bool,
    pub reason: String,
}

impl Verdict {
    fn pass(reason: String) -> Self {
        Verdict {
            passed: true,
            reason,
        }
    }
    fn fail(reason: String) -> Self {
        Verdict {
            passed: false,
            reason,
        }
    }
}

/// Evaluate a gate, write and record its event, and give the exit code.
pub fn run_gate<W: Write>(
    store: &Store,
    gate: &Gate,
    out: &mut Writer<W>,
    logger: &Logger,
    clock: &dyn Clock,
) -> Result<Exit> {
    if let Gate::Soak {
        after,
        min,
        wait: true,
    } = gate
    {
        wait_for_soak(store, after, *min, logger, clock)?;
    }
    let mut recorder = Recorder::open(store, logger)?;
    let (name, verdict) = match gate {
        Gate::Soak { after, min, .. } => {
            ("soak", soak(recorder.state(), store, after, *min, clock)?)
        }
        Gate::Fresh { file, max_age } => ("fresh", fresh(file, *max_age, clock)?),
        Gate::Approved { file } => ("approved", approved(file)?),
        Gate::Checksum {
            file,
            sha256,
            sha256_file,
        } => (
            "checksum",
            checksum(file, sha256.as_deref(), sha256_file.as_deref())?,
        ),
        Gate::Verified { load_tests_only } => {
            ("verified", verified(recorder.state(), !load_tests_only))
        }
        Gate::NoActiveRollout => (
            "no-active-rollout",
            no_active_rollout(recorder.state(), clock),
        ),
    };
    let outcome = GateOutcome {
        gate: name.to_owned(),
        reason: verdict.reason.clone(),
    };
    let payload = if verdict.passed {
        Payload::GatePassed(outcome)
    } else {
        Payload::GateFailed(outcome)
    };
    let event = Event::new(
        "sentinel-state",
        recorder.state().rollout_id.as_deref(),
        payload,
    );
    recorder.record(&event)?;
    drop(recorder);
    if verdict.passed {
        logger.info(&format!("gate {name} passed: {}", verdict.reason));
    } else {
        logger.error(&format!("gate {name} failed: {}", verdict.reason));
    }
    out.emit(&event)?;
    Ok(if verdict.passed {
        Exit::Success
    } else {
        Exit::CheckFailed
    })
}

/// `gate soak --wait`: sleep until STAGE has soaked, without taking the writer lock meanwhile,
/// so the gate then records one verdict. A stage that has not completed is not waited for.
fn wait_for_soak(
    store: &Store,
    stage: &str,
    min: Duration,
    logger: &Logger,
    clock: &dyn Clock,
) -> Result<()> {
    loop {
        let state = store.load()?.unwrap_or_default();
        let Some(soaked) = soaked_for(&state, store, stage, clock)? else {
            return Ok(());
        };
        let Some(remaining) = min.checked_sub(soaked).filter(|r| !r.is_zero()) else {
            return Ok(());
        };
        logger.info(&format!(
            "soak: {stage} completed {} ago; production unlocks in {} — waiting (--wait)",
            format_duration(soaked),
            format_duration(remaining)
        ));
        // Wake at least once a minute so the log shows the countdown.
        clock.sleep(remaining.min(Duration::from_secs(60)));
    }
}

/// How long ago STAGE completed (`None` if it has not): the completion time comes from the
/// state, or from the journal when a later rollout replaced the state.
fn soaked_for(
    state: &RolloutState,
    store: &Store,
    stage: &str,
    clock: &dyn Clock,
) -> Result<Option<Duration>> {
    let from_state = state
        .stages
        .iter()
        .find(|s| s.name == stage && s.status == StageStatus::Completed)
        .and_then(|s| s.end_time.clone());
    let completed = match from_state {
        Some(time) => Some(time),
        None => store
            .read_journal()?
            .iter()
            .rev()
            .filter_map(|l| l.event())
            .find(|e| matches!(&e.payload, Payload::StageCompleted(s) if s.stage == stage))
            .map(|e| e.ts),
    };
    let Some(completed) = completed else {
        return Ok(None);
    };
    let at = parse_rfc3339(&completed)
        .map_err(|e| Error::usage(format!("stage {stage} completion time: {e}")))?;
    Ok(Some(
        clock.now().duration_since(at).unwrap_or(Duration::ZERO),
    ))
}

/// `gate soak`: STAGE completed at least `min` ago.
pub fn soak(
    state: &RolloutState,
    store: &Store,
    stage: &str,
    min: Duration,
    clock: &dyn Clock,
) -> Result<Verdict> {
    let Some(soaked) = soaked_for(state, store, stage, clock)? else {
        return Ok(Verdict::fail(format!(
            "Soak time violation. {stage} has not completed yet; production unlocks {} after it does.",
            format_duration(min)
        )));
    };
    if soaked >= min {
        Ok(Verdict::pass(format!(
            "{stage} completed {} ago; the minimum soak is {}.",
            format_duration(soaked),
            format_duration(min)
        )))
    } else {
        // Round up: "unlock in 00:00" while time remains would read as open.
        let remaining = (min - soaked).as_secs_f64().ceil() as u64;
        Ok(Verdict::fail(format!(
            "Soak time violation. Production unlock in {:02}:{:02}. ({stage} completed {} ago; the minimum soak is {}.)",
            remaining / 60,
            remaining % 60,
            format_duration(soaked),
            format_duration(min)
        )))
    }
}

/// `gate fresh`: a test-result file exists, shows no failures, and is newer than `max_age`.
pub fn fresh(file: &Path, max_age: Duration, clock: &dyn Clock) -> Result<Verdict> {
    let metadata = match std::fs::metadata(file) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Verdict::fail(format!(
                "test results {} do not exist; they must be newer than {}.",
                file.display(),
                format_duration(max_age)
            )));
        }
        Err(e) => return Err(Error::io("reading", file, e)),
    };
    let modified = metadata
        .modified()
        .map_err(|e| Error::io("reading the time of", file, e))?;
    let age = clock
        .now()
        .duration_since(modified)
        .unwrap_or(Duration::ZERO);
    let text = std::fs::read_to_string(file).map_err(|e| Error::io("reading", file, e))?;
    let failures = junit_failures(&text);
    if age > max_age {
        return Ok(Verdict::fail(format!(
            "test results {} are {} old; the limit is {}. Run the tests again.",
            file.display(),
            format_duration(age),
            format_duration(max_age)
        )));
    }
    match failures {
        Some(0) | None => Ok(Verdict::pass(format!(
            "test results {} are {} old (limit {}) with {} failures.",
            file.display(),
            format_duration(age),
            format_duration(max_age),
            failures.map_or_else(|| "no recorded".to_owned(), |_| "0".to_owned())
        ))),
        Some(n) => Ok(Verdict::fail(format!(
            "test results {} show {n} failed test(s); the limit is 0.",
            file.display()
        ))),
    }
}

/// Failures plus errors in a JUnit XML report (the largest count on any `<testsuites>` or
/// `<testsuite>` element, so nested totals are not counted twice). `None` when not JUnit.
pub fn junit_failures(xml: &str) -> Option<u64> {
    let mut found = None;
    for tag in ["<testsuites", "<testsuite"] {
        let mut rest = xml;
        while let Some(start) = rest.find(tag) {
            let after = &rest[start + tag.len()..];
            let end = after.find('>').unwrap_or(after.len());
            let element = &after[..end];
            if element.starts_with(char::is_whitespace) || element.is_empty() {
                let count = attribute(element, "failures").unwrap_or(0)
                    + attribute(element, "errors").unwrap_or(0);
                found = Some(found.map_or(count, |f: u64| f.max(count)));
            }
            rest = &after[end..];
        }
    }
    found
}

fn attribute(element: &str, name: &str) -> Option<u64> {
    let key = format!(" {name}=\"");
    let start = element.find(&key)? + key.len();
    let value = &element[start..];
    value[..value.find('"')?].trim().parse().ok()
}

/// `gate approved`: the QA report's front matter (`status: approved` or `approved: true`) or
/// a `Status:` line says approved.
pub fn approved(file: &Path) -> Result<Verdict> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Verdict::fail(format!(
                "QA report {} does not exist; it must say Status: Approved.",
                file.display()
            )));
        }
        Err(e) => return Err(Error::io("reading QA report", file, e)),
    };
    match qa_status(&text) {
        Some(status)
            if status.eq_ignore_ascii_case("approved") || status.eq_ignore_ascii_case("true") =>
        {
            Ok(Verdict::pass(format!(
                "QA report {} says Status: Approved.",
                file.display()
            )))
        }
        Some(status) => Ok(Verdict::fail(format!(
            "QA report {} says Status: {status}; it must say Approved.",
            file.display()
        ))),
        None => Ok(Verdict::fail(format!(
            "QA report {} has no status (front matter `status:` or a `Status:` line); it must say Approved.",
            file.display()
        ))),
    }
}

/// The status a QA report states, from YAML front matter or the first `Status:` line.
pub fn qa_status(text: &str) -> Option<String> {
    let clean = |v: &str| {
        v.trim()
            .trim_matches(|c| c == '"' || c == '\'' || c == '*' || c == '`')
            .trim()
            .to_owned()
    };
    let mut lines = text.lines();
    if text.starts_with("---") {
        lines.next();
        for line in lines.by_ref() {
            if line.trim() == "---" {
                break;
            }
            if let Some((key, value)) = line.split_once(':') {
                let key = key.trim().to_ascii_lowercase();
                if key == "status" || key == "approved" || key == "qa_status" {
                    return Some(clean(value));
                }
            }
        }
    }
    text.lines().find_map(|line| {
        let plain = line.replace("**", "").replace('*', "");
        let plain = plain.trim().trim_start_matches(['-', '#', '>', ' ']);
        let (key, value) = plain.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case("status")
            .then(|| clean(value.split_whitespace().next().unwrap_or("")))
    })
}

/// `gate checksum`: the artifact's SHA-256 equals the expected one.
pub fn checksum(file: &Path, sha256: Option<&str>, sha256_file: Option<&Path>) -> Result<Verdict> {
    let expected = match (sha256, sha256_file) {
        (Some(hex), _) => hex.trim().to_ascii_lowercase(),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::io("reading checksum file", path, e))?;
            // sha256sum's format: "<hex>  <name>".
            text.split_whitespace()
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase()
        }
        (None, None) => {
            return Err(Error::usage(
                "gate checksum needs --sha256 HEX or --sha256-file F",
            ));
        }
    };
    if expected.len() != 64 || !expected.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::usage(format!(
            "expected checksum {expected:?} is not a SHA-256 (64 hexadecimal digits)"
        )));
    }
    let mut artifact = match std::fs::File::open(file) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Verdict::fail(format!(
                "artifact {} does not exist; expected SHA-256 {expected}.",
                file.display()
            )));
        }
        Err(e) => return Err(Error::io("reading artifact", file, e)),
    };
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let read = artifact
            .read(&mut buffer)
            .map_err(|e| Error::io("reading artifact", file, e))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    let actual: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(if actual == expected {
        Verdict::pass(format!(
            "artifact {} has SHA-256 {actual}, as expected.",
            file.display()
        ))
    } else {
        Verdict::fail(format!(
            "artifact {} has SHA-256 {actual}; expected {expected}. Do not deploy it.",
            file.display()
        ))
    })
}

/// `gate verified`: none of the load-test results in the state failed.
pub fn verified(state: &RolloutState, with_analyses: bool) -> Verdict {
    let failed: Vec<String> = state
        .stress_results
        .iter()
        .filter(|r| !r.passed)
        .map(|r| {
            format!(
                "{}: {}",
                sentinel_core::redact::redact_url(&r.endpoint_url),
                r.violations.join("; ")
            )
        })
        .collect();
    // An inconclusive analysis is not a pass either.
    let unjudged: Vec<String> = state
        .analysis_results
        .iter()
        .filter(|_| with_analyses)
        .filter(|a| a.verdict != sentinel_core::events::Verdict::Passed)
        .map(|a| {
            let stage = if a.stage.is_empty() {
                "analysis"
            } else {
                a.stage.as_str()
            };
            format!("{stage} analysis {}: {}", a.verdict, a.reason)
        })
        .collect();
    let total = state.stress_results.len();
    let analyses = if with_analyses {
        state.analysis_results.len()
    } else {
        0
    };
    let analysed = if analyses == 0 {
        String::new()
    } else {
        format!(
            "; {} of {analyses} analyses passed",
            analyses - unjudged.len()
        )
    };
    if failed.is_empty() && unjudged.is_empty() {
        Verdict::pass(format!(
            "{total} of {total} load test(s) passed (the limit is 0 failed){analysed}."
        ))
    } else {
        let problems: Vec<String> = failed.iter().chain(&unjudged).cloned().collect();
        Verdict::fail(format!(
            "{} of {total} load test(s) failed (the limit is 0){analysed}: {}",
            failed.len(),
            problems.join(" | ")
        ))
    }
}

/// `gate no-active-rollout`: nothing unfinished in this state directory.
pub fn no_active_rollout(state: &RolloutState, clock: &dyn Clock) -> Verdict {
    if !state.is_unfinished() {
        return Verdict::pass(
            "no rollout is in progress in this state directory (0 active; the limit is 0).".into(),
        );
    }
    let since = state
        .start_time
        .as_deref()
        .and_then(|t| parse_rfc3339(t).ok())
        .and_then(|t| clock.now().duration_since(t).ok())
        .map(|d| format!(", started {} ago", format_duration(d)))
        .unwrap_or_default();
    Verdict::fail(format!(
        "rollout {} of {} to {} is {}{since} (1 active; the limit is 0). Resume it with `sentinel-state resume | sentinel-watch` or cancel it.",
        state.rollout_id.as_deref().unwrap_or("?"),
        state.service_group_name.as_deref().unwrap_or("?"),
        state.environment.as_deref().unwrap_or("?"),
        state.overall_status.as_str()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{StageState, fold_all};
    use sentinel_core::clock::FakeClock;
    use sentinel_core::events::StressTestResult;
    use sentinel_core::files::StatePaths;

    fn completed_at(stage: &str, time: &str) -> RolloutState {
        RolloutState {
            stages: vec![StageState {
                name: stage.into(),
                status: StageStatus::Completed,
                end_time: Some(time.into()),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn soak_says_exactly_when_production_unlocks() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::local(&StatePaths::new(dir.path()));
        let clock = FakeClock::at(parse_rfc3339("2026-11-23T10:20:15.000Z").unwrap());
        let state = completed_at("Staging", "2026-11-23T10:00:00.000Z");
        let verdict = soak(
            &state,
            &store,
            "Staging",
            Duration::from_secs(30 * 60),
            &clock,
        )
        .unwrap();
        assert!(!verdict.passed);
        assert!(
            verdict
                .reason
                .starts_with("Soak time violation. Production unlock in 09:45."),
            "{}",
            verdict.reason
        );
        assert!(verdict.reason.contains("20m 15s ago"), "{}", verdict.reason);
        clock.advance(Duration::from_secs(9 * 60 + 45));
        let verdict = soak(
            &state,
            &store,
            "Staging",
            Duration::from_secs(30 * 60),
            &clock,
        )
        .unwrap();
        assert!(verdict.passed, "{}", verdict.reason);
    }

    #[test]
    fn soak_of_a_stage_that_never_completed_fails() {
        let dir = tempfile::tempdir().unwrap();
        let clock = FakeClock::at(std::time::SystemTime::now());
        let verdict = soak(
            &RolloutState::default(),
            &Store::local(&StatePaths::new(dir.path())),
            "Staging",
            Duration::from_secs(60),
            &clock,
        )
        .unwrap();
        assert!(!verdict.passed);
        assert!(
            verdict.reason.contains("Staging has not completed yet"),
            "{}",
            verdict.reason
        );
    }

    #[test]
    fn junit_failures_and_errors_are_counted_once() {
        let xml = r#"<?xml version="1.0"?><testsuites tests="3" failures="1" errors="1"><testsuite name="a" failures="1" errors="1"><testcase/></testsuite></testsuites>"#;
        assert_eq!(junit_failures(xml), Some(2));
        assert_eq!(
            junit_failures(r#"<testsuite name="x" tests="2" failures="0">"#),
            Some(0)
        );
        assert_eq!(junit_failures("plain text"), None);
    }

    #[test]
    fn qa_status_reads_front_matter_and_status_lines() {
        assert_eq!(
            qa_status("---\ntitle: QA\nstatus: Approved\n---\nbody").as_deref(),
            Some("Approved")
        );
        assert_eq!(
            qa_status("# QA report\n\n**Status:** REJECTED — flaky login\n").as_deref(),
            Some("REJECTED")
        );
        assert_eq!(qa_status("- Status: approved").as_deref(), Some("approved"));
        assert_eq!(qa_status("nothing here"), None);
    }

    #[test]
    fn approved_rejects_anything_but_approved() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("qa.md");
        std::fs::write(&file, "Status: Not approved\n").unwrap();
        let verdict = approved(&file).unwrap();
        assert!(!verdict.passed, "{}", verdict.reason);
        std::fs::write(&file, "---\napproved: true\n---\n").unwrap();
        assert!(approved(&file).unwrap().passed);
    }

    #[test]
    fn checksum_compares_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.bin");
        std::fs::write(&file, b"abc").unwrap();
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert!(checksum(&file, Some(abc), None).unwrap().passed);
        let sums = dir.path().join("a.bin.sha256");
        std::fs::write(&sums, format!("{}  a.bin\n", abc.to_uppercase())).unwrap();
        assert!(checksum(&file, None, Some(&sums)).unwrap().passed);
        std::fs::write(&file, b"abd").unwrap();
        let verdict = checksum(&file, Some(abc), None).unwrap();
        assert!(
            !verdict.passed && verdict.reason.contains(abc),
            "{}",
            verdict.reason
        );
        assert_eq!(
            checksum(&file, Some("xyz"), None)
                .unwrap_err()
                .exit()
                .code(),
            2
        );
    }

    #[test]
    fn verified_is_closed_by_an_analysis_that_did_not_pass() {
        use sentinel_core::events::{AnalysisResult, Verdict as Judged};
        let mut state = RolloutState::default();
        let analysis = |stage: &str, verdict| AnalysisResult {
            stage: stage.into(),
            verdict,
            reason: format!("{stage} reason"),
            ..Default::default()
        };
        state.analysis_results = vec![analysis("Canary", Judged::Passed)];
        let open = verified(&state, true);
        assert!(open.passed, "{}", open.reason);
        assert!(
            open.reason.contains("1 of 1 analyses passed"),
            "{}",
            open.reason
        );
        state
            .analysis_results
            .push(analysis("Half", Judged::Inconclusive));
        let closed = verified(&state, true);
        assert!(!closed.passed);
        assert!(
            closed
                .reason
                .contains("Half analysis inconclusive: Half reason"),
            "{}",
            closed.reason
        );
    }

    #[test]
    fn verified_names_every_failed_load_test_with_its_violations() {
        let mut state = RolloutState::default();
        assert!(verified(&state, true).passed, "nothing failed yet");
        let result = |url: &str, passed: bool, violation: &str| StressTestResult {
            endpoint_url: url.into(),
            passed,
            violations: if violation.is_empty() {
                vec![]
            } else {
                vec![violation.into()]
            },
            ..StressTestResult::default()
        };
        state.stress_results = vec![
            result("http://127.0.0.1:1/", true, ""),
            result(
                "http://127.0.0.1:2/?token=s3cret",
                false,
                "error rate 5.00% is above the limit of 2%",
            ),
        ];
        let verdict = verified(&state, true);
        assert!(!verdict.passed);
        assert!(
            verdict
                .reason
                .starts_with("1 of 2 load test(s) failed (the limit is 0): http://127.0.0.1:2/"),
            "{}",
            verdict.reason
        );
        assert!(
            verdict
                .reason
                .contains("error rate 5.00% is above the limit of 2%")
        );
        assert!(!verdict.reason.contains("s3cret"), "{}", verdict.reason);
        state.stress_results.pop();
        assert!(verified(&state, true).passed);
    }

    #[test]
    fn no_active_rollout_names_the_running_one() {
        let clock = FakeClock::at(std::time::SystemTime::now());
        assert!(no_active_rollout(&RolloutState::default(), &clock).passed);
        let text = crate::state::tests::triggered("r9", "2026-11-23T10:00:00.000Z", "Staging");
        let running = fold_all(&crate::state::tests::lines(&text)).unwrap();
        let verdict = no_active_rollout(&running, &clock);
        assert!(
            !verdict.passed
                && verdict
                    .reason
                    .contains("rollout r9 of Contoso.Orders to Staging is InProgress"),
            "{}",
            verdict.reason
        );
    }
}
