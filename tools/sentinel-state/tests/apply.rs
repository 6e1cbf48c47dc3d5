//! `sentinel-state apply` through the real binary: pass-through, journal, state, and every
//! kind of bad input the issue names.

use crate::common::*;
use sentinel_test_support::{tempdir, tool};
use std::os::unix::fs::PermissionsExt;

fn apply(dir: &std::path::Path, input: String) -> sentinel_test_support::Run {
    tool(BIN)
        .args(["apply", "--state-dir"])
        .arg(dir)
        .stdin(input)
        .run()
}

#[test]
fn passes_every_line_through_and_records_it() {
    let dir = tempdir().unwrap();
    let input = lines(&[
        triggered("r1", "2026-11-23T10:00:00.000Z"),
        event(
            "canary.promoted",
            "r1",
            "2026-11-23T10:00:01.000Z",
            r#""weird":{"nested":[1,2]}"#,
        ),
        completed("r1", "2026-11-23T10:00:02.000Z"),
    ]);
    let run = apply(dir.path(), input.clone());
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout, input,
        "pass-through is byte for byte, unknown kinds included"
    );
    let state = state_json(dir.path());
    assert_eq!(state["schemaVersion"], "1.0");
    assert_eq!(state["overallStatus"], "Completed");
    assert_eq!(state["eventsApplied"], 3);
    let journal =
        std::fs::read_to_string(dir.path().join(".deploy-sentinel-events.ndjson")).unwrap();
    assert_eq!(journal, input);
}

#[test]
fn applying_the_same_events_twice_changes_nothing() {
    let dir = tempdir().unwrap();
    let input = lines(&[
        triggered("r1", "2026-11-23T10:00:00.000Z"),
        completed("r1", "2026-11-23T10:00:02.000Z"),
    ]);
    assert_eq!(apply(dir.path(), input.clone()).code, Some(0));
    let state = state_json(dir.path());
    let again = apply(dir.path(), input.clone());
    assert_eq!(again.code, Some(0));
    assert_eq!(again.stdout, input, "duplicates are still passed on");
    assert_eq!(state_json(dir.path()), state);
    let journal =
        std::fs::read_to_string(dir.path().join(".deploy-sentinel-events.ndjson")).unwrap();
    assert_eq!(journal, input, "and not journaled twice");
}

#[test]
fn a_malformed_line_exits_2_naming_it_after_keeping_everything_before() {
    let dir = tempdir().unwrap();
    let good = triggered("r1", "2026-11-23T10:00:00.000Z");
    let run = apply(
        dir.path(),
        format!(
            "{good}\n{{\"kind\": oops\n{}\n",
            completed("r1", "2026-11-23T10:00:02.000Z")
        ),
    );
    assert_eq!(run.code, Some(2));
    sentinel_test_support::assert_contains!(run.stderr, "standard input line 2");
    assert!(
        run.stderr.contains("{\\\"kind\\\": oops"),
        "excerpt: {}",
        run.stderr
    );
    assert_eq!(run.stdout, format!("{good}\n"));
    assert_eq!(state_json(dir.path())["eventsApplied"], 1);

    let not_json = tool(BIN)
        .args(["apply", "--state-dir"])
        .arg(dir.path())
        .stdin("not json\n")
        .run();
    assert_eq!(not_json.code, Some(2));
    sentinel_test_support::assert_contains!(not_json.stderr, "line 1");
}

#[test]
fn skip_invalid_reports_and_goes_on() {
    let dir = tempdir().unwrap();
    let run = tool(BIN)
        .args(["apply", "--skip-invalid", "--state-dir"])
        .arg(dir.path())
        .stdin(format!(
            "[1]\n{}\n",
            triggered("r1", "2026-11-23T10:00:00.000Z")
        ))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    sentinel_test_support::assert_contains!(run.stderr, "line 1: skipped");
    assert_eq!(state_json(dir.path())["rolloutId"], "r1");
}

#[test]
fn an_event_of_another_rollout_is_refused_while_one_runs() {
    let dir = tempdir().unwrap();
    let first = triggered("r1", "2026-11-23T10:00:00.000Z");
    let intruder = crate::common::numbered("r2", 1);
    let run = apply(dir.path(), lines(&[first.clone(), intruder]));
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("belongs to rollout r2, but rollout r1 is still InProgress"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stdout,
        format!("{first}\n"),
        "the refused line is not passed on"
    );
    // After r1 ends, r2's trigger starts a fresh state.
    let run = apply(
        dir.path(),
        lines(&[
            completed("r1", "2026-11-23T10:00:05.000Z"),
            triggered("r2", "2026-11-23T10:01:00.000Z"),
        ]),
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(state_json(dir.path())["rolloutId"], "r2");
}

#[test]
fn a_corrupt_state_is_never_overwritten_and_points_at_the_backup() {
    let dir = tempdir().unwrap();
    assert_eq!(
        apply(
            dir.path(),
            lines(&[triggered("r1", "2026-11-23T10:00:00.000Z")])
        )
        .code,
        Some(0)
    );
    assert_eq!(
        apply(dir.path(), lines(&[crate::common::numbered("r1", 1)])).code,
        Some(0)
    );
    let state_path = dir.path().join(".deploy-sentinel-state.json");
    std::fs::write(&state_path, "{ torn").unwrap();
    let run = apply(dir.path(), lines(&[crate::common::numbered("r1", 2)]));
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains(".deploy-sentinel-state.json is not valid JSON"),
        "{}",
        run.stderr
    );
    sentinel_test_support::assert_contains!(run.stderr, ".deploy-sentinel-state.json.bak");
    assert_eq!(
        std::fs::read_to_string(&state_path).unwrap(),
        "{ torn",
        "left as it is"
    );
    let backup: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(".deploy-sentinel-state.json.bak")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        backup["rolloutId"], "r1",
        "the backup is the last good state"
    );

    std::fs::write(&state_path, r#"{"schemaVersion":"9.9"}"#).unwrap();
    let run = tool(BIN)
        .args(["resume", "--state-dir"])
        .arg(dir.path())
        .run();
    assert_eq!(run.code, Some(2));
    sentinel_test_support::assert_contains!(run.stderr, "schemaVersion \"9.9\"");
}

#[test]
fn a_read_only_state_directory_is_reported_and_the_state_kept() {
    let dir = tempdir().unwrap();
    assert_eq!(
        apply(
            dir.path(),
            lines(&[triggered("r1", "2026-11-23T10:00:00.000Z")])
        )
        .code,
        Some(0)
    );
    let before = state_json(dir.path());
    // Readable, not writable, for anyone but root; root ignores permissions, so as root the
    // tool runs as nobody (setpriv, util-linux) to meet a directory it really cannot write.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let as_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let mut invocation = if as_root {
        tool("setpriv").args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN])
    } else {
        tool(BIN)
    };
    invocation = invocation.args(["apply", "--state-dir"]).arg(dir.path());
    let run = invocation
        .stdin(lines(&[crate::common::numbered("r1", 1)]))
        .run();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(run.code, Some(5), "{}", run.stderr);
    assert!(
        run.stderr.contains(&dir.path().display().to_string()),
        "names the path: {}",
        run.stderr
    );
    sentinel_test_support::assert_contains!(run.stderr, "Permission denied");
    assert!(
        run.stderr.contains("writable"),
        "the hint says what to check: {}",
        run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "nothing passed on that was not recorded"
    );
    assert_eq!(state_json(dir.path()), before);
}

#[test]
fn a_full_disk_is_reported_and_loses_nothing_already_written() {
    let dir = tempdir().unwrap();
    assert_eq!(
        apply(
            dir.path(),
            lines(&[triggered("r1", "2026-11-23T10:00:00.000Z")])
        )
        .code,
        Some(0)
    );
    let before = state_json(dir.path());
    let journal_before = std::fs::read(dir.path().join(".deploy-sentinel-events.ndjson")).unwrap();
    // `ulimit -f 4` caps every file this process writes at 4 KiB: the journal append fails
    // with EFBIG exactly as it would with ENOSPC on a full disk.
    let big: Vec<String> = (1..=200)
        .map(|n| crate::common::numbered("r1", n))
        .collect();
    let script = format!(
        "ulimit -f 4; exec '{BIN}' apply --state-dir '{}'",
        dir.path().display()
    );
    let run = tool("sh").args(["-c", &script]).stdin(lines(&big)).run();
    assert_eq!(run.code, Some(5), "{}", run.stderr);
    sentinel_test_support::assert_contains!(run.stderr, "appending to journal");
    assert!(
        run.stderr.contains("free space"),
        "the hint says what to do: {}",
        run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "nothing that failed to record was passed on"
    );
    assert_eq!(
        state_json(dir.path()),
        before,
        "the previous state is intact"
    );
    assert_eq!(
        std::fs::read(dir.path().join(".deploy-sentinel-events.ndjson")).unwrap(),
        journal_before
    );
}

#[test]
fn a_closed_stdout_ends_quietly_with_the_state_saved() {
    let dir = tempdir().unwrap();
    let events: Vec<String> = std::iter::once(triggered("r1", "2026-11-23T10:00:00.000Z"))
        .chain((1..=5000).map(|n| crate::common::numbered("r1", n)))
        .collect();
    let script = format!(
        "'{BIN}' apply --state-dir '{}' | head -n 1 >/dev/null; echo \"${{PIPESTATUS[0]}}\"",
        dir.path().display()
    );
    let run = tool("bash")
        .args(["-c", &script])
        .stdin(lines(&events))
        .run();
    assert_eq!(
        run.stdout.trim(),
        "0",
        "broken pipe is exit 0: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("error"), "{}", run.stderr);
    let state = state_json(dir.path());
    let applied = state["eventsApplied"].as_u64().unwrap();
    let journal =
        std::fs::read_to_string(dir.path().join(".deploy-sentinel-events.ndjson")).unwrap();
    assert_eq!(
        applied,
        journal.lines().count() as u64,
        "state and journal agree"
    );
    assert!(applied >= 1);
}

#[test]
fn a_burst_is_applied_completely_in_groups() {
    let dir = tempdir().unwrap();
    let events: Vec<String> = std::iter::once(triggered("r1", "2026-11-23T10:00:00.000Z"))
        .chain((1..=20_000).map(|n| crate::common::numbered("r1", n)))
        .collect();
    let run = apply(dir.path(), lines(&events));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 20_001);
    assert_eq!(state_json(dir.path())["eventsApplied"], 20_001);
    assert_eq!(
        state_json(dir.path())["stages"].as_array().unwrap().len(),
        20_001
    );
}
