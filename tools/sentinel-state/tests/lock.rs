//! The run lock with real processes: a 16-way race, exit-code pass-through, SIGTERM, a holder
//! killed with SIGKILL, and unlock.

use crate::common::{BIN, triggered};
use sentinel_test_support::{tempdir, tool};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A command that appends enter/leave marks around a short sleep.
fn marking_command(marks: &Path) -> Vec<String> {
    vec![
        "sh".into(),
        "-c".into(),
        format!(
            "echo \"enter $$\" >> '{0}'; sleep 0.05; echo \"leave $$\" >> '{0}'",
            marks.display()
        ),
    ]
}

fn race(dir: &Path, extra: &[&str]) -> Vec<Option<i32>> {
    let marks = dir.join("marks");
    let children: Vec<_> = (0..16)
        .map(|_| {
            Command::new(BIN)
                .args(["lock", "--state-dir"])
                .arg(dir)
                .args(extra)
                .arg("--")
                .args(marking_command(&marks))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().status.code())
        .collect()
}

/// Marks come in enter/leave pairs of the same process, never interleaved.
fn assert_never_two_holders(marks: &Path) -> usize {
    let text = std::fs::read_to_string(marks).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len() % 2, 0, "{text}");
    for pair in lines.chunks(2) {
        let enter = pair[0]
            .strip_prefix("enter ")
            .unwrap_or_else(|| panic!("interleaved: {text}"));
        assert_eq!(
            pair[1],
            format!("leave {enter}"),
            "two holders at once:\n{text}"
        );
    }
    lines.len() / 2
}

#[test]
fn sixteen_racers_hold_the_lock_one_at_a_time() {
    let dir = tempdir().unwrap();
    let codes = race(dir.path(), &[]);
    let held = assert_never_two_holders(&dir.path().join("marks"));
    assert_eq!(codes.iter().filter(|c| **c == Some(0)).count(), held);
    assert!(held >= 1);
    assert!(
        codes.iter().all(|c| *c == Some(0) || *c == Some(3)),
        "the rest are refused with exit 3: {codes:?}"
    );
    assert!(
        !dir.path().join(".deploy-sentinel.lock").exists(),
        "the last holder removed the lock"
    );
}

#[test]
fn with_wait_all_sixteen_get_their_turn() {
    let dir = tempdir().unwrap();
    let codes = race(dir.path(), &["--wait", "60s"]);
    assert_eq!(codes, vec![Some(0); 16]);
    assert_eq!(assert_never_two_holders(&dir.path().join("marks")), 16);
}

#[test]
fn passes_the_commands_exit_code_through_and_names_a_live_holder() {
    let dir = tempdir().unwrap();
    let run = tool(BIN)
        .args(["lock", "--state-dir"])
        .arg(dir.path())
        .args(["--", "sh", "-c", "exit 7"])
        .run();
    assert_eq!(run.code, Some(7));

    let mut holder = tool(BIN)
        .args(["lock", "--operation", "deploy-prod", "--state-dir"])
        .arg(dir.path())
        .args(["--", "sleep", "10"])
        .spawn();
    wait_for_lock_info(dir.path());
    let refused = tool(BIN)
        .args(["lock", "--state-dir"])
        .arg(dir.path())
        .args(["--", "true"])
        .run();
    assert_eq!(refused.code, Some(3));
    let message = &refused.stderr;
    assert!(
        message.contains(&format!("pid {}", holder.id())),
        "{message}"
    );
    assert!(
        message.contains("operation deploy-prod") && message.contains("held "),
        "{message}"
    );
    assert!(
        message.contains("user ") && message.contains(" on "),
        "{message}"
    );
    holder.kill().unwrap();
    holder.wait().unwrap();
}

/// Wait (at most 10 s) until `path` exists.
fn wait_for_file(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn wait_for_lock_info(dir: &Path) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(text) = std::fs::read_to_string(dir.join(".deploy-sentinel.lock")) {
            if let Ok(info) = serde_json::from_str::<serde_json::Value>(&text) {
                return info;
            }
        }
        assert!(Instant::now() < deadline, "the lock was never written");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_is_forwarded_and_the_lock_released_with_exit_130() {
    let dir = tempdir().unwrap();
    let child_pid_file = dir.path().join("child.pid");
    let mut holder = tool(BIN)
        .args(["lock", "--state-dir"])
        .arg(dir.path())
        .args([
            "--",
            "sh",
            "-c",
            &format!("echo $$ > '{}'; exec sleep 10", child_pid_file.display()),
        ])
        .spawn();
    wait_for_lock_info(dir.path());
    wait_for_file(&child_pid_file);
    let started = Instant::now();
    assert!(
        Command::new("kill")
            .args(["-TERM", &holder.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let status = holder.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the command was stopped, not waited for"
    );
    assert!(
        !dir.path().join(".deploy-sentinel.lock").exists(),
        "the lock is released"
    );
}

#[test]
fn a_holder_killed_with_sigkill_leaves_a_stale_lock_that_needs_force() {
    let dir = tempdir().unwrap();
    let child_pid_file = dir.path().join("child.pid");
    let mut holder = tool(BIN)
        .args(["lock", "--state-dir"])
        .arg(dir.path())
        .args([
            "--",
            "sh",
            "-c",
            &format!("echo $$ > '{}'; exec sleep 10", child_pid_file.display()),
        ])
        .spawn();
    let info = wait_for_lock_info(dir.path());
    // The command must be running, so the kill lands on a holder mid-command.
    wait_for_file(&child_pid_file);
    holder.kill().unwrap();
    holder.wait().unwrap();
    let orphan = std::fs::read_to_string(&child_pid_file).unwrap();
    let _ = Command::new("kill").args(["-KILL", orphan.trim()]).status();

    let refused = tool(BIN)
        .args(["lock", "--state-dir"])
        .arg(dir.path())
        .args(["--", "true"])
        .run();
    assert_eq!(refused.code, Some(3));
    assert!(
        refused.stderr.contains("Lock file is stale (created ")
            && refused.stderr.contains(
                ". Another process may have crashed. Verify rollout status before continuing."
            ),
        "{}",
        refused.stderr
    );
    assert!(
        !refused.stderr.contains(">1 hour"),
        "the real age, not a guess: {}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains(&format!("pid {} is not running", info["pid"])),
        "{}",
        refused.stderr
    );
    sentinel_test_support::assert_contains!(refused.stderr, "--force");

    let forced = tool(BIN)
        .args(["lock", "--force", "--state-dir"])
        .arg(dir.path())
        .args(["--", "true"])
        .run();
    assert_eq!(forced.code, Some(0), "{}", forced.stderr);
    sentinel_test_support::assert_contains!(forced.stderr, "Took it over");
}

#[test]
fn unlock_removes_stale_locks_but_not_live_ones_unless_the_id_matches() {
    let dir = tempdir().unwrap();
    let mut holder = tool(BIN)
        .args(["lock", "--state-dir"])
        .arg(dir.path())
        .args(["--", "sleep", "10"])
        .spawn();
    let info = wait_for_lock_info(dir.path());
    let refused = tool(BIN)
        .args(["unlock", "--force", "--state-dir"])
        .arg(dir.path())
        .run();
    assert_eq!(refused.code, Some(3), "{}", refused.stderr);
    sentinel_test_support::assert_contains!(refused.stderr, "refusing to remove");
    let by_id = tool(BIN)
        .args([
            "unlock",
            "--force",
            "--id",
            info["id"].as_str().unwrap(),
            "--state-dir",
        ])
        .arg(dir.path())
        .run();
    assert_eq!(by_id.code, Some(0), "{}", by_id.stderr);
    assert!(!dir.path().join(".deploy-sentinel.lock").exists());
    holder.kill().unwrap();
    holder.wait().unwrap();

    // A holder that died leaves its info behind; unlock --force removes it.
    let mut short = tool(BIN)
        .args(["lock", "--state-dir"])
        .arg(dir.path())
        .args(["--", "sleep", "10"])
        .spawn();
    wait_for_lock_info(dir.path());
    short.kill().unwrap();
    short.wait().unwrap();
    let stale = tool(BIN)
        .args(["unlock", "--force", "--state-dir"])
        .arg(dir.path())
        .run();
    assert_eq!(stale.code, Some(0), "{}", stale.stderr);
    assert!(!dir.path().join(".deploy-sentinel.lock").exists());
}

#[test]
fn a_second_apply_on_the_same_journal_names_the_writer() {
    let dir = tempdir().unwrap();
    // The first writer holds the journal while its input stays open.
    let mut first = Command::new(BIN)
        .args(["apply", "--state-dir"])
        .arg(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut input = first.stdin.take().unwrap();
    std::io::Write::write_all(
        &mut input,
        format!("{}\n", triggered("r1", "2026-11-23T10:00:00.000Z")).as_bytes(),
    )
    .unwrap();
    let journal = dir.path().join(".deploy-sentinel-events.ndjson");
    wait_for_file(&journal);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let second = loop {
        let run = tool(BIN)
            .args(["apply", "--state-dir"])
            .arg(dir.path())
            .stdin(String::new())
            .run();
        if run.code == Some(3) || std::time::Instant::now() > deadline {
            break run;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    drop(input);
    first.wait().unwrap();
    assert_eq!(second.code, Some(3), "{}", second.stderr);
    assert!(
        second.stderr.contains(&format!("pid {}", first.id()))
            && second.stderr.contains("running for")
            && second.stderr.contains("sentinel-state apply"),
        "names the holder's pid, command and age: {}",
        second.stderr
    );
}
