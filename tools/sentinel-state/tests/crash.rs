//! Crash consistency: `apply` SIGKILLed at 200 moments. After every kill the state parses,
//! equals the fold of a prefix of the journal, and a torn journal tail is repaired by the
//! next run.

use crate::common::*;
use sentinel_core::ndjson::{Item, Reader};
use sentinel_state::state::{RolloutState, fold_all};
use sentinel_test_support::{tempdir, tool};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

/// A small deterministic generator, so a failing round can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

fn journal_lines(dir: &std::path::Path) -> (Vec<sentinel_core::ndjson::Line>, bool) {
    let bytes = std::fs::read(dir.join(".deploy-sentinel-events.ndjson")).unwrap_or_default();
    let torn = !bytes.is_empty() && bytes.last() != Some(&b'\n');
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut reader = Reader::new(&bytes[..complete]);
    let mut lines = Vec::new();
    while let Some(item) = reader.next_item().unwrap() {
        match item {
            Item::Valid(line) => lines.push(line),
            Item::Invalid(bad) => panic!(
                "journal line {} is not an event: {}",
                bad.number, bad.reason
            ),
        }
    }
    (lines, torn)
}

#[test]
fn sigkill_at_200_moments_never_leaves_state_and_journal_disagreeing() {
    let dir = tempdir().unwrap();
    let setup = tool(BIN)
        .args(["apply", "--state-dir"])
        .arg(dir.path())
        .stdin(format!("{}\n", triggered("r1", "2026-11-23T10:00:00.000Z")))
        .run();
    assert_eq!(setup.code, Some(0), "{}", setup.stderr);

    let mut random = Lcg(0x5eed);
    let mut next_event = 1u64;
    let mut kills_mid_stream = 0;
    for round in 0..200 {
        let mut child = Command::new(BIN)
            .args(["apply", "--state-dir"])
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let first = next_event;
        next_event += 400;
        let feeder = std::thread::spawn(move || {
            for n in first..first + 400 {
                if stdin
                    .write_all(format!("{}\n", numbered("r1", n)).as_bytes())
                    .is_err()
                {
                    return;
                }
                if n % 50 == 0 {
                    std::thread::sleep(Duration::from_micros(300));
                }
            }
        });
        std::thread::sleep(Duration::from_micros(random.next() % 15_000));
        child.kill().unwrap();
        let status = child.wait().unwrap();
        let _ = feeder.join();
        if status.code().is_none() {
            kills_mid_stream += 1;
        }

        let state: RolloutState =
            serde_json::from_value(state_json(dir.path())).unwrap_or_else(|e| {
                panic!("round {round}: the state does not parse as RolloutState: {e}")
            });
        let (lines, _torn) = journal_lines(dir.path());
        let applied = state.events_applied as usize;
        assert!(
            applied <= lines.len(),
            "round {round}: the state claims {applied} events, the journal holds {}",
            lines.len()
        );
        let expected = fold_all(&lines[..applied]).unwrap();
        assert_eq!(
            state, expected,
            "round {round}: state is not the fold of the first {applied} journal lines"
        );
    }
    assert!(
        kills_mid_stream > 100,
        "most kills must land while apply is running, got {kills_mid_stream}"
    );

    // One more run repairs whatever the last kill left: a torn tail is cut, and journal lines
    // the state missed are folded in.
    let last = tool(BIN)
        .args(["apply", "--state-dir"])
        .arg(dir.path())
        .stdin("")
        .run();
    assert_eq!(last.code, Some(0), "{}", last.stderr);
    let (lines, torn) = journal_lines(dir.path());
    assert!(!torn, "the journal ends on a line boundary again");
    let state: RolloutState = serde_json::from_value(state_json(dir.path())).unwrap();
    assert_eq!(state.events_applied as usize, lines.len());
    assert_eq!(state, fold_all(&lines).unwrap());
}

#[test]
fn a_torn_journal_tail_is_truncated_with_a_warning() {
    let dir = tempdir().unwrap();
    let first = triggered("r1", "2026-11-23T10:00:00.000Z");
    assert_eq!(
        tool(BIN)
            .args(["apply", "--state-dir"])
            .arg(dir.path())
            .stdin(format!("{first}\n"))
            .run()
            .code,
        Some(0)
    );
    let journal = dir.path().join(".deploy-sentinel-events.ndjson");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .unwrap();
    file.write_all(br#"{"v":1,"kind":"stage.sta"#).unwrap();
    drop(file);
    let run = tool(BIN)
        .args(["apply", "--state-dir"])
        .arg(dir.path())
        .stdin(format!("{}\n", numbered("r1", 1)))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    sentinel_test_support::assert_contains!(run.stderr, "torn line");
    let text = std::fs::read_to_string(&journal).unwrap();
    assert_eq!(text, format!("{first}\n{}\n", numbered("r1", 1)));
}

#[test]
fn repair_rebuilds_a_corrupt_state_from_the_journal_and_sets_damage_aside() {
    let dir = tempdir().unwrap();
    let events: Vec<String> = (1..=3).map(|n| numbered("r1", n)).collect();
    assert_eq!(
        state_with_input(dir.path(), &["apply"], &lines(&events)).code,
        Some(0)
    );
    let state_path = dir.path().join(".deploy-sentinel-state.json");
    std::fs::write(&state_path, "{ torn").unwrap();
    let hinted = state_with_input(dir.path(), &["show"], "");
    assert_eq!(hinted.code, Some(2));
    sentinel_test_support::assert_contains!(hinted.stderr, "sentinel-state repair");

    let repaired = state_with_input(dir.path(), &["repair"], "");
    assert_eq!(repaired.code, Some(0), "{}", repaired.stderr);
    assert!(
        repaired.stderr.contains("rebuilt") && repaired.stderr.contains("3 good event"),
        "says what it did: {}",
        repaired.stderr
    );
    let state = state_json(dir.path());
    assert_eq!(state["rolloutId"], "r1");
    assert_eq!(state["eventsApplied"], 3, "{state}");
    let aside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".damaged-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join(&aside[0])).unwrap(),
        "{ torn",
        "the damaged state is kept"
    );
    // Apply goes on where the journal left off.
    let more = state_with_input(dir.path(), &["apply"], &lines(&[numbered("r1", 4)]));
    assert_eq!(more.code, Some(0), "{}", more.stderr);
    assert_eq!(state_json(dir.path())["eventsApplied"], 4);
    let again = state_with_input(dir.path(), &["repair"], "");
    sentinel_test_support::assert_contains!(again.stderr, "nothing to repair");
}

/// A journal of two good lines with a torn one between them.
fn torn_in_the_middle() -> String {
    format!(
        "{}\n{{\"v\":1,\"kind\":\"stage.st\n{}\n",
        numbered("r1", 1),
        numbered("r1", 2)
    )
}

#[test]
fn repair_drops_a_torn_line_in_the_middle_of_the_journal_and_uses_the_bak_without_one() {
    let dir = tempdir().unwrap();
    let journal = dir.path().join(".deploy-sentinel-events.ndjson");
    let text = torn_in_the_middle();
    std::fs::write(&journal, text).unwrap();
    let refused = state_with_input(dir.path(), &["apply"], &lines(&[numbered("r1", 3)]));
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    sentinel_test_support::assert_contains!(refused.stderr, "line 2");
    sentinel_test_support::assert_contains!(refused.stderr, "sentinel-state repair");
    let repaired = state_with_input(dir.path(), &["repair"], "");
    assert_eq!(repaired.code, Some(0), "{}", repaired.stderr);
    assert!(
        repaired.stderr.contains("[2]"),
        "names the bad line: {}",
        repaired.stderr
    );
    let (kept, _) = journal_lines(dir.path());
    assert_eq!(kept.len(), 2);
    assert_eq!(state_json(dir.path())["eventsApplied"], 2);

    // No journal at all: the .bak is what is left.
    let dir = tempdir().unwrap();
    for n in 1..=2 {
        assert_eq!(
            state_with_input(dir.path(), &["apply"], &lines(&[numbered("r1", n)])).code,
            Some(0)
        );
    }
    std::fs::remove_file(dir.path().join(".deploy-sentinel-events.ndjson")).unwrap();
    std::fs::write(dir.path().join(".deploy-sentinel-state.json"), "garbage").unwrap();
    let from_bak = state_with_input(dir.path(), &["repair"], "");
    assert_eq!(from_bak.code, Some(0), "{}", from_bak.stderr);
    sentinel_test_support::assert_contains!(from_bak.stderr, ".bak");
    assert_eq!(
        state_json(dir.path())["eventsApplied"],
        1,
        "the state before the last"
    );
}

#[test]
fn repair_never_writes_the_damaged_journal_through_a_symlink_at_its_aside_name() {
    let dir = tempdir().unwrap();
    let journal = dir.path().join(".deploy-sentinel-events.ndjson");
    let text = torn_in_the_middle();
    std::fs::write(&journal, &text).unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    // The aside name carries the time to the millisecond: plant a link at every name of
    // the next 30 s.
    let now = std::time::SystemTime::now();
    for ms in 0..30_000 {
        let at = now + Duration::from_millis(ms);
        let stamp = sentinel_core::clock::rfc3339_millis(at).replace([':', '.'], "");
        let name = format!(".deploy-sentinel-events.ndjson.damaged-{stamp}");
        std::os::unix::fs::symlink(&victim, dir.path().join(name)).unwrap();
    }
    let repaired = state_with_input(dir.path(), &["repair"], "");
    assert_eq!(repaired.code, Some(5), "{}", repaired.stderr);
    sentinel_test_support::assert_contains!(repaired.stderr, "symbolic link");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(
        std::fs::read_to_string(&journal).unwrap(),
        text,
        "the journal is left as it was"
    );
}

#[test]
fn repair_with_a_symlink_at_the_bak_changes_nothing() {
    let dir = tempdir().unwrap();
    let journal = dir.path().join(".deploy-sentinel-events.ndjson");
    let text = torn_in_the_middle();
    std::fs::write(&journal, &text).unwrap();
    std::fs::write(dir.path().join(".deploy-sentinel-state.json"), "garbage").unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join(".deploy-sentinel-state.json.bak"))
        .unwrap();
    let repaired = state_with_input(dir.path(), &["repair"], "");
    assert_eq!(repaired.code, Some(5), "{}", repaired.stderr);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(std::fs::read_to_string(&journal).unwrap(), text);
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".deploy-sentinel-state.json")).unwrap(),
        "garbage",
        "the damaged state is left where it was"
    );
}
