//! show, get, resume, gates, report and archive through the real binary.

use crate::common::*;
use sentinel_test_support::{tempdir, tool};
use std::path::Path;

fn state(dir: &Path, args: &[&str]) -> sentinel_test_support::Run {
    tool(BIN).args(args).arg("--state-dir").arg(dir).run()
}

fn applied(events: &[String]) -> sentinel_test_support::TempDir {
    let dir = tempdir().unwrap();
    let run = tool(BIN)
        .args(["apply", "--state-dir"])
        .arg(dir.path())
        .stdin(lines(events))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    dir
}

#[test]
fn get_prints_fields_for_scripts_and_show_summarises() {
    let dir = applied(&[triggered("r1", "2026-11-23T10:00:00.000Z")]);
    let id = state(dir.path(), &["get", "rolloutId"]);
    assert_eq!((id.code, id.stdout.as_str()), (Some(0), "r1\n"));
    assert_eq!(
        state(dir.path(), &["get", "stages.0.regions"]).stdout,
        "[\"westus\"]\n"
    );
    let unset = state(dir.path(), &["get", "branchName"]);
    assert_eq!(unset.code, Some(1), "{}", unset.stderr);
    let unknown = state(dir.path(), &["get", "rolloutID"]);
    assert_eq!(unknown.code, Some(2));
    sentinel_test_support::assert_contains!(unknown.stderr, "fields: schemaVersion, rolloutId");

    let json = state(dir.path(), &["show", "--json"]);
    assert_eq!(json.events()[0]["overallStatus"], "InProgress");
    let human = state(dir.path(), &["show"]);
    assert!(
        human.stdout.is_empty(),
        "the summary is for humans, on stderr"
    );
    assert!(
        human.stderr.contains("Rollout r1") && human.stderr.contains("Staging"),
        "{}",
        human.stderr
    );
}

#[test]
fn resume_offers_the_unfinished_rollout_and_nothing_else() {
    let dir = applied(&[triggered("r1", "2020-01-01T10:00:00.000Z")]);
    let run = state(dir.path(), &["resume"]);
    assert_eq!(run.code, Some(0));
    let events = run.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["kind"], "rollout.triggered");
    assert_eq!(events[0]["resumed"], true);
    assert_eq!(events[0]["rolloutId"], "r1");
    assert_eq!(events[0]["stages"][0]["name"], "Staging");
    assert!(
        run.stderr.contains("verify the rollout's status"),
        "the state is years old: {}",
        run.stderr
    );

    let done = applied(&[
        triggered("r1", "2026-11-23T10:00:00.000Z"),
        completed("r1", "2026-11-23T10:01:00.000Z"),
    ]);
    let run = state(done.path(), &["resume"]);
    assert_eq!((run.code, run.stdout.as_str()), (Some(1), ""));
    let empty = tempdir().unwrap();
    assert_eq!(state(empty.path(), &["resume"]).code, Some(1));
}

#[test]
fn gates_write_their_event_record_it_and_exit_0_or_1() {
    let dir = tempdir().unwrap();
    let qa = dir.path().join("qa.md");
    std::fs::write(&qa, "# QA\nStatus: Rejected\n").unwrap();
    let closed = state(
        dir.path(),
        &["gate", "approved", "--file", qa.to_str().unwrap()],
    );
    assert_eq!(closed.code, Some(1));
    let event = &closed.events()[0];
    assert_eq!(event["kind"], "gate.failed");
    assert_eq!(event["gate"], "approved");
    assert!(
        event["reason"]
            .as_str()
            .unwrap()
            .contains("says Status: Rejected; it must say Approved")
    );

    let results = dir.path().join("junit.xml");
    std::fs::write(
        &results,
        r#"<testsuites tests="3" failures="0" errors="0"></testsuites>"#,
    )
    .unwrap();
    let open = state(
        dir.path(),
        &[
            "gate",
            "fresh",
            "--file",
            results.to_str().unwrap(),
            "--max-age",
            "15m",
        ],
    );
    assert_eq!(open.code, Some(0), "{}", open.stderr);
    assert_eq!(open.events()[0]["kind"], "gate.passed");

    let soak = state(
        dir.path(),
        &["gate", "soak", "--after", "Staging", "--min", "30m"],
    );
    assert_eq!(soak.code, Some(1));
    assert!(
        soak.events()[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("Soak time violation.")
    );

    let gates = state_json(dir.path())["gates"].clone();
    let names: Vec<&str> = gates
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["gate"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["approved", "fresh", "soak"]);

    let bad_usage = state(
        dir.path(),
        &["gate", "soak", "--after", "Staging", "--min", "soon"],
    );
    assert_eq!(bad_usage.code, Some(2));
}

#[test]
fn no_active_rollout_closes_while_one_runs() {
    let dir = applied(&[triggered("r1", "2026-11-23T10:00:00.000Z")]);
    let run = state(dir.path(), &["gate", "no-active-rollout"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.events()[0]["reason"]
            .as_str()
            .unwrap()
            .contains("rollout r1"),
        "{}",
        run.stdout
    );
}

#[test]
fn report_goes_to_a_file_and_to_the_github_step_summary() {
    let dir = applied(&[
        triggered("r1", "2026-11-23T10:00:00.000Z"),
        completed("r1", "2026-11-23T10:01:00.000Z"),
    ]);
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let output = dir.path().join("report.md");
    let run = tool(BIN)
        .args(["report", "--output"])
        .arg(&output)
        .arg("--state-dir")
        .arg(dir.path())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let report = std::fs::read_to_string(&output).unwrap();
    assert!(
        report.contains("**✅ SUCCESS**") && report.contains("## Timeline"),
        "{report}"
    );
    assert_eq!(
        std::fs::read_to_string(&summary).unwrap(),
        format!("earlier step\n{report}"),
        "appended, not replaced"
    );

    let json = state(dir.path(), &["report", "--format", "json"]);
    assert_eq!(json.events()[0]["status"], "SUCCESS");
}

#[test]
fn archive_moves_a_finished_release_into_history() {
    let running = applied(&[triggered("r1", "2026-11-23T10:00:00.000Z")]);
    let refused = state(running.path(), &["archive"]);
    assert_eq!(refused.code, Some(1));
    sentinel_test_support::assert_contains!(refused.stderr, "still InProgress");

    let dir = applied(&[
        triggered("r1", "2026-11-23T10:00:00.000Z"),
        completed("r1", "2026-11-23T10:01:00.000Z"),
    ]);
    let run = state(dir.path(), &["archive"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(!dir.path().join(".deploy-sentinel-state.json").exists());
    assert!(!dir.path().join(".deploy-sentinel-events.ndjson").exists());
    let history = dir.path().join(".sentinel/history/r1");
    assert_eq!(state_json(&history)["phase"], "Archived");
    assert_eq!(
        std::fs::read_to_string(history.join(".deploy-sentinel-events.ndjson"))
            .unwrap()
            .lines()
            .count(),
        2
    );
    // The next run starts clean.
    assert_eq!(state(dir.path(), &["resume"]).code, Some(1));
}

#[test]
fn events_log_puts_log_lines_on_stdout_as_events() {
    let dir = tempdir().unwrap();
    let run = tool(BIN)
        .args(["--events-log", "gate", "no-active-rollout", "--state-dir"])
        .arg(dir.path())
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let events = run.events();
    let log = events
        .iter()
        .find(|e| e["kind"] == "log")
        .expect("a log event");
    assert_eq!(log["level"], "info");
    assert_eq!(log["source"], "sentinel-state");
    assert!(
        log["message"]
            .as_str()
            .unwrap()
            .contains("gate no-active-rollout passed")
    );
    assert!(
        run.stderr.contains("gate no-active-rollout passed"),
        "humans still read stderr"
    );
    let without = state(dir.path(), &["gate", "no-active-rollout"]);
    assert!(
        without.kinds().iter().all(|k| k != "log"),
        "only with --events-log"
    );
}
