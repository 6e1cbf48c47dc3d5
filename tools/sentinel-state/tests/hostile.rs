//! Hostile state directories: planted symlinks where the suite keeps its files, and rollout
//! ids from events that try to name a path outside the state directory.

use crate::common::*;
use sentinel_test_support::{tempdir, tool};
use std::os::unix::fs::symlink;
use std::path::Path;

fn finished(rollout: &str) -> String {
    lines(&[
        triggered(rollout, "2026-11-23T10:00:00.000Z"),
        completed(rollout, "2026-11-23T10:05:00.000Z"),
    ])
}

/// A directory with a victim file outside the state directory and a symlink named `name`
/// inside it pointing there.
struct Planted {
    state: sentinel_test_support::TempDir,
    outside: sentinel_test_support::TempDir,
}

impl Planted {
    fn new(name: &str) -> Planted {
        Planted::after(name, "")
    }

    /// Apply `events` first, then plant the link.
    fn after(name: &str, events: &str) -> Planted {
        let state = tempdir().unwrap();
        if !events.is_empty() {
            let first = state_with_input(state.path(), &["apply"], events);
            assert_eq!(first.code, Some(0), "{}", first.stderr);
        }
        let outside = tempdir().unwrap();
        std::fs::write(outside.path().join("victim"), "precious\n").unwrap();
        if let Some(parent) = Path::new(name).parent() {
            std::fs::create_dir_all(state.path().join(parent)).unwrap();
        }
        symlink(outside.path().join("victim"), state.path().join(name)).unwrap();
        Planted { state, outside }
    }

    fn victim(&self) -> String {
        std::fs::read_to_string(self.outside.path().join("victim")).unwrap()
    }
}

#[test]
fn a_symlink_where_a_state_file_belongs_is_refused_and_its_target_unchanged() {
    for name in [
        ".deploy-sentinel-state.json",
        ".deploy-sentinel-state.json.bak",
        ".deploy-sentinel-events.ndjson",
    ] {
        // A state to back up, so the .bak step is reached.
        let planted = if name.ends_with(".bak") {
            Planted::after(name, &finished("r0"))
        } else {
            Planted::new(name)
        };
        let run = state_with_input(planted.state.path(), &["apply"], &finished("r1"));
        assert_eq!(run.code, Some(5), "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains("symbolic link"),
            "{name}: {}",
            run.stderr
        );
        assert_eq!(planted.victim(), "precious\n", "{name}");
    }
    // The old fixed temp name is no longer written at all.
    let planted = Planted::new(".deploy-sentinel-state.tmp");
    let run = state_with_input(planted.state.path(), &["apply"], &finished("r1"));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(planted.victim(), "precious\n");
}

#[test]
fn a_fifo_where_a_state_file_belongs_is_refused_at_once_not_waited_on() {
    // Each file with the verbs that read it.
    for (name, verb) in [
        (".deploy-sentinel-state.json", "apply"),
        (".deploy-sentinel-state.json", "show"),
        (".deploy-sentinel-events.ndjson", "apply"),
        (".deploy-sentinel-events.ndjson", "repair"),
    ] {
        let dir = tempdir().unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(dir.path().join(name))
            .status()
            .unwrap();
        assert!(made.success());
        let started = std::time::Instant::now();
        let run = state_with_input(dir.path(), &[verb], &finished("r1"));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(run.code, Some(5), "{name} {verb}: {}", run.stderr);
        assert!(
            run.stderr.contains("not a regular file"),
            "{name} {verb}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_symlinked_lock_report_or_history_is_refused() {
    let planted = Planted::new(".deploy-sentinel.lock");
    let lock = tool(BIN)
        .arg("--state-dir")
        .arg(planted.state.path())
        .args(["lock", "--", "true"])
        .run();
    assert_eq!(lock.code, Some(5), "{}", lock.stderr);
    assert_eq!(planted.victim(), "precious\n");

    let planted = Planted::new("report.md");
    assert_eq!(
        state_with_input(planted.state.path(), &["apply"], &finished("r1")).code,
        Some(0)
    );
    let output = planted.state.path().join("report.md");
    let report = tool(BIN)
        .args(["report", "--output"])
        .arg(&output)
        .arg("--state-dir")
        .arg(planted.state.path())
        .run();
    assert_eq!(report.code, Some(5), "{}", report.stderr);
    assert_eq!(planted.victim(), "precious\n");

    // `.sentinel/history` pointing elsewhere: archive must not move the state there.
    let dir = tempdir().unwrap();
    let elsewhere = tempdir().unwrap();
    assert_eq!(
        state_with_input(dir.path(), &["apply"], &finished("r1")).code,
        Some(0)
    );
    std::fs::create_dir_all(dir.path().join(".sentinel")).unwrap();
    symlink(elsewhere.path(), dir.path().join(".sentinel/history")).unwrap();
    let archive = state_with_input(dir.path(), &["archive"], "");
    assert_eq!(archive.code, Some(5), "{}", archive.stderr);
    assert!(
        std::fs::read_dir(elsewhere.path())
            .unwrap()
            .next()
            .is_none()
    );
    assert!(dir.path().join(".deploy-sentinel-state.json").exists());
}

#[test]
fn a_rollout_id_that_names_a_path_never_moves_the_state() {
    let outside = tempdir().unwrap();
    for hostile in [
        "../../../../x".to_owned(),
        outside.path().join("x").display().to_string(),
        "..".to_owned(),
    ] {
        let dir = tempdir().unwrap();
        let applied = state_with_input(dir.path(), &["apply"], &finished(&hostile));
        assert_eq!(applied.code, Some(0), "{}", applied.stderr);
        let archive = state_with_input(dir.path(), &["archive"], "");
        assert_eq!(archive.code, Some(2), "{hostile}: {}", archive.stderr);
        sentinel_test_support::assert_contains!(archive.stderr, "rollout id");
        assert!(dir.path().join(".deploy-sentinel-state.json").exists());
        assert!(dir.path().join(".deploy-sentinel-events.ndjson").exists());
        assert!(!outside.path().join("x").exists());
        assert!(!dir.path().join(".sentinel/history").exists());
    }
}

#[test]
// The child is reaped by wait4, which also reports its peak RSS.
#[allow(clippy::zombie_processes)]
fn an_endless_line_is_discarded_as_it_streams() {
    use std::io::Write;
    use std::os::unix::process::ExitStatusExt;
    let dir = tempdir().unwrap();
    let mut child = std::process::Command::new(BIN)
        .args(["apply", "--skip-invalid", "--state-dir"])
        .arg(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        // 256 MiB without a newline, then a good event: sixteen times the line cap.
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..256 {
            stdin.write_all(&chunk).unwrap();
        }
        stdin
            .write_all(format!("\n{}", finished("r1")).as_bytes())
            .unwrap();
    });
    writer.join().unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child with valid pointers; std's Child is not waited again.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    let stderr = std::io::read_to_string(stderr).unwrap();
    let status = std::process::ExitStatus::from_raw(status);
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("line 1"),
        "the long line is reported: {stderr}"
    );
    let peak_mib = usage.ru_maxrss / 1024;
    assert!(
        peak_mib < 80,
        "peak RSS {peak_mib} MiB for a 256 MiB line: the rest of the line was buffered"
    );
    assert_eq!(state_json(dir.path())["rolloutId"], "r1");
}
