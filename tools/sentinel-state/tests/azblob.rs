//! The Azure Blob Storage backend against a real Blob service: Microsoft's Azurite emulator
//! on a loopback port, with Microsoft's Python SDK (azure-storage-blob) as the independent
//! reader of what was stored. Each "runner" is a separate process in a directory of its own,
//! sharing nothing but the state URL, as CI jobs on fresh machines do.

use crate::common::{BIN, completed, event, lines, numbered, triggered};
use sentinel_test_support::{AZURITE_KEY, AzuriteServer, Invocation, Run, assert_contains, tool};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Azurite with one container, and the state URL of a prefix in it.
struct Storage {
    azurite: AzuriteServer,
    container: &'static str,
    url: String,
}

impl Storage {
    /// `None` (the test skips, saying why) where node, Azurite or the SDK is missing.
    fn start(container: &'static str) -> Option<Storage> {
        let azurite = AzuriteServer::start()?;
        azurite.sdk(&["create-container", container])?;
        let url = format!("azblob://devstoreaccount1/{container}/payments-api/prod");
        Some(Storage {
            azurite,
            container,
            url,
        })
    }

    /// `sentinel-state` on a runner whose working directory is `dir`, with the account key.
    fn runner(&self, dir: &Path) -> Invocation {
        tool(BIN)
            .current_dir(dir)
            .env("SENTINEL_STATE_URL", &self.url)
            .env("SENTINEL_AZBLOB_ENDPOINT", self.azurite.endpoint())
            .env("AZURE_STORAGE_KEY", AZURITE_KEY)
    }

    /// The same, as a process to drive by hand.
    fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .current_dir(dir)
            .env_remove("SENTINEL_STATE_DIR")
            .env_remove("AZURE_STORAGE_SAS_TOKEN")
            .env_remove("AZURE_STORAGE_ACCOUNT")
            .env("SENTINEL_STATE_URL", &self.url)
            .env("SENTINEL_AZBLOB_ENDPOINT", self.azurite.endpoint())
            .env("AZURE_STORAGE_KEY", AZURITE_KEY);
        command
    }

    /// Record the start of `rollout` from a runner in `dir`.
    fn trigger(&self, dir: &Path, rollout: &str) {
        let first = self
            .runner(dir)
            .arg("apply")
            .stdin(lines(&[triggered(rollout, "2026-11-23T10:00:00.000Z")]))
            .run();
        assert_eq!(first.code, Some(0), "{}", first.stderr);
    }

    /// A blob under the prefix as the Python SDK reads it.
    fn blob(&self, name: &str) -> serde_json::Value {
        self.azurite
            .sdk(&["blob", self.container, &format!("payments-api/prod/{name}")])
            .expect("the SDK was there a moment ago")
    }
}

/// Wait (at most 30 s) until a lock holder's command has made `path`.
fn wait_for_file(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "the holder never ran its command"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn journal_lines(storage: &Storage) -> Vec<String> {
    let journal = storage.blob("journal.ndjson");
    assert_eq!(journal["blobType"], "AppendBlob", "{journal}");
    journal["text"]
        .as_str()
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn two_runners_race_for_the_lease_16_times_and_never_hold_it_together() {
    let Some(storage) = Storage::start("race") else {
        return;
    };
    let shared = tempfile::tempdir().unwrap();
    let runners = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    // A holder makes a directory only one process can make: a second holder at the same
    // time would find it there and exit 99.
    let held = shared.path().join("held");
    let critical = format!(
        "mkdir '{0}' || exit 99; sleep 0.6; rmdir '{0}'",
        held.display()
    );
    let mut refusals = 0;
    for round in 0..16 {
        let children: Vec<Child> = runners
            .iter()
            .map(|runner| {
                storage
                    .command(
                        runner.path(),
                        &["lock", "--operation", "deploy", "--", "sh", "-c", &critical],
                    )
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outcomes: Vec<(Option<i32>, String)> = children
            .into_iter()
            .map(|child| {
                let output = child.wait_with_output().unwrap();
                (
                    output.status.code(),
                    String::from_utf8_lossy(&output.stderr).into_owned(),
                )
            })
            .collect();
        for (code, stderr) in &outcomes {
            assert_ne!(*code, Some(99), "round {round}: two holders at once");
            match code {
                Some(0) => {}
                Some(3) => {
                    refusals += 1;
                    assert_contains!(stderr, "is leased by id");
                    assert_contains!(stderr, "operation deploy");
                    assert_contains!(stderr, "pid ");
                }
                other => panic!("round {round}: exit {other:?}: {stderr}"),
            }
        }
        assert!(
            outcomes.iter().any(|(code, _)| *code == Some(0)),
            "round {round}: nobody got the lock: {outcomes:?}"
        );
    }
    assert!(refusals > 0, "the two runners never met: no race was run");
    let lock = storage.blob("lock");
    assert_eq!(
        lock["leaseState"], "available",
        "released at the end: {lock}"
    );
}

#[test]
fn a_sigkilled_holder_s_lease_ends_by_itself_and_the_next_run_takes_over_without_force() {
    let Some(storage) = Storage::start("crash") else {
        return;
    };
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let started = first.path().join("started");
    let mut holder = storage
        .command(
            first.path(),
            &[
                "lock",
                "--operation",
                "deploy",
                "--",
                "sh",
                "-c",
                &format!("touch '{}'; exec sleep 120", started.display()),
            ],
        )
        .env("SENTINEL_AZBLOB_LEASE_SECONDS", "15")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_file(&started);
    let lock = storage.blob("lock");
    assert_eq!(lock["leaseState"], "leased", "{lock}");
    assert_eq!(lock["metadata"]["pid"], holder.id().to_string(), "{lock}");
    assert_eq!(lock["metadata"]["operation"], "deploy", "{lock}");
    let holder_id = lock["metadata"]["id"].as_str().unwrap().to_owned();
    // SIGKILL: no handler runs, nothing is released; the lease is left to expire.
    holder.kill().unwrap();
    holder.wait().unwrap();
    let _ = Command::new("pkill")
        .args(["-f", "exec sleep 120"])
        .status();

    let refused = storage
        .runner(second.path())
        .args(["lock", "--", "true"])
        .run();
    assert_eq!(refused.code, Some(3), "{}", refused.stderr);
    assert_contains!(refused.stderr, &holder_id);

    let waited_from = Instant::now();
    let took = storage
        .runner(second.path())
        .args(["lock", "--wait", "45s", "--", "true"])
        .run();
    assert_eq!(took.code, Some(0), "{}", took.stderr);
    assert!(
        waited_from.elapsed() < Duration::from_secs(30),
        "a 15 s lease took {:?} to end",
        waited_from.elapsed()
    );
    assert_contains!(took.stderr, "Lock file is stale");
    assert_contains!(took.stderr, &holder_id);
    assert_eq!(storage.blob("lock")["leaseState"], "available");
}

#[test]
fn two_concurrent_applies_lose_no_event_and_record_none_twice() {
    let Some(storage) = Storage::start("applies") else {
        return;
    };
    let rollout = "r-concurrent";
    let setup = tempfile::tempdir().unwrap();
    storage.trigger(setup.path(), rollout);
    // Two writers, each feeding 60 events of its own in bursts of 3, so their appends and
    // state writes cross many times.
    let writers: Vec<(Child, Vec<String>)> = [0u64, 1]
        .into_iter()
        .map(|writer| {
            let dir = tempfile::tempdir().unwrap().keep();
            let events: Vec<String> = (0..60)
                .map(|i| numbered(rollout, 1 + writer * 1000 + i))
                .collect();
            let child = storage
                .command(&dir, &["apply"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            (child, events)
        })
        .collect();
    let feeders: Vec<_> = writers
        .into_iter()
        .map(|(mut child, events)| {
            let mut stdin = child.stdin.take().unwrap();
            std::thread::spawn(move || {
                for burst in events.chunks(3) {
                    stdin.write_all(lines(burst).as_bytes()).unwrap();
                    stdin.flush().unwrap();
                    std::thread::sleep(Duration::from_millis(15));
                }
                drop(stdin);
                let output = child.wait_with_output().unwrap();
                assert_eq!(
                    output.status.code(),
                    Some(0),
                    "{}",
                    String::from_utf8_lossy(&output.stderr)
                );
                events
            })
        })
        .collect();
    let mut sent: Vec<String> = vec![triggered(rollout, "2026-11-23T10:00:00.000Z")];
    for feeder in feeders {
        sent.extend(feeder.join().unwrap());
    }
    let mut journal = journal_lines(&storage);
    assert_eq!(journal.len(), sent.len(), "lost or duplicated events");
    journal.sort();
    sent.sort();
    assert_eq!(journal, sent);

    let state: serde_json::Value =
        serde_json::from_str(storage.blob("state.json")["text"].as_str().unwrap()).unwrap();
    assert_eq!(
        state["eventsApplied"], 121,
        "the state folds every event once"
    );
    // The trigger's own stage, and one per stage.started.
    assert_eq!(state["stages"].as_array().unwrap().len(), 121);
    let got = storage
        .runner(setup.path())
        .args(["get", "eventsApplied"])
        .run();
    assert_eq!(got.stdout.trim(), "121", "{}", got.stderr);
}

#[test]
fn staging_and_production_jobs_on_different_runners_share_the_soak_clock() {
    let Some(storage) = Storage::start("jobs") else {
        return;
    };
    let (staging_runner, production_runner) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let rollout = "r-soak";
    let now = std::time::SystemTime::now();
    let at = |ago: u64| sentinel_core::clock::rfc3339_millis(now - Duration::from_secs(ago));
    let staging_job = storage
        .runner(staging_runner.path())
        .arg("apply")
        .stdin(lines(&[
            triggered(rollout, &at(3000)),
            event(
                "stage.started",
                rollout,
                &at(2900),
                r#""stage":"Staging","index":0,"regions":["westus"]"#,
            ),
            event(
                "stage.completed",
                rollout,
                &at(40 * 60),
                r#""stage":"Staging","index":0,"regions":["westus"],"endpoints":[],"durationMs":5"#,
            ),
        ]))
        .run();
    assert_eq!(staging_job.code, Some(0), "{}", staging_job.stderr);
    // The staging runner is gone: nothing of it is on the production runner's disk.
    drop(staging_runner);

    // The production runner names the backend in its config file instead of the variable.
    std::fs::write(
        production_runner
            .path()
            .join(".deploy-sentinel-config.json"),
        format!(r#"{{"stateBackend": "{}"}}"#, storage.url),
    )
    .unwrap();
    let open = tool(BIN)
        .current_dir(production_runner.path())
        .env("SENTINEL_AZBLOB_ENDPOINT", storage.azurite.endpoint())
        .env("AZURE_STORAGE_KEY", AZURITE_KEY)
        .args(["gate", "soak", "--after", "Staging", "--min", "30m"])
        .run();
    assert_eq!(open.code, Some(0), "{}", open.stderr);
    let reason = open.events()[0]["reason"].as_str().unwrap().to_owned();
    assert!(reason.starts_with("Staging completed 40m"), "{reason}");
    let closed = storage
        .runner(production_runner.path())
        .args(["gate", "soak", "--after", "Staging", "--min", "1h"])
        .run();
    assert_eq!(closed.code, Some(1), "{}", closed.stderr);
    let closed_reason = closed.events()[0]["reason"].as_str().unwrap().to_owned();
    assert_contains!(closed_reason, "Production unlock in 20:");
    // Without the URL, that runner's own directory knows nothing of staging.
    let config = production_runner
        .path()
        .join(".deploy-sentinel-config.json");
    std::fs::remove_file(&config).unwrap();
    let alone = tool(BIN)
        .current_dir(production_runner.path())
        .args(["gate", "soak", "--after", "Staging", "--min", "30m"])
        .run();
    assert_eq!(alone.code, Some(1), "{}", alone.stderr);
    std::fs::write(
        &config,
        r#"{"stateBackend": "azblob://devstoreaccount1/jobs/../x"}"#,
    )
    .unwrap();
    let hostile = tool(BIN)
        .current_dir(production_runner.path())
        .args(["get", "rolloutId"])
        .run();
    assert_eq!(hostile.code, Some(2), "{}", hostile.stderr);
    assert_contains!(hostile.stderr, ".deploy-sentinel-config.json: stateBackend");
    std::fs::remove_file(&config).unwrap();

    // Production finishes; the report and the archive work on the shared state too.
    let done = storage
        .runner(production_runner.path())
        .arg("apply")
        .stdin(lines(&[completed(rollout, &at(1))]))
        .run();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let report = storage
        .runner(production_runner.path())
        .args(["report", "--format", "json"])
        .run();
    assert_eq!(report.code, Some(0), "{}", report.stderr);
    assert_contains!(report.stdout, rollout);
    let archived = storage
        .runner(production_runner.path())
        .arg("archive")
        .run();
    assert_eq!(archived.code, Some(0), "{}", archived.stderr);
    assert_contains!(archived.stderr, "history/r-soak");
    assert_eq!(storage.blob("state.json")["exists"], false);
    let kept = storage.blob("history/r-soak/state.json");
    let state: serde_json::Value = serde_json::from_str(kept["text"].as_str().unwrap()).unwrap();
    assert_eq!(state["phase"], "Archived");
    assert_eq!(state["rolloutId"], rollout);
    assert_eq!(
        storage.blob("history/r-soak/journal.ndjson")["text"]
            .as_str()
            .unwrap()
            .lines()
            .count(),
        6,
        "four events applied and the two gates' outcomes"
    );
}

#[test]
fn the_service_stopped_mid_apply_is_exit_4_with_nothing_half_written_and_a_restart_completes_it() {
    let Some(mut storage) = Storage::start("outage") else {
        return;
    };
    let rollout = "r-outage";
    let runner = tempfile::tempdir().unwrap();
    let before: Vec<String> = std::iter::once(triggered(rollout, "2026-11-23T10:00:00.000Z"))
        .chain((1..=5).map(|n| numbered(rollout, n)))
        .collect();
    let after: Vec<String> = (6..=10).map(|n| numbered(rollout, n)).collect();
    let mut apply = storage
        .command(runner.path(), &["apply"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = apply.stdin.take().unwrap();
    stdin.write_all(lines(&before).as_bytes()).unwrap();
    stdin.flush().unwrap();
    // What apply passes on is recorded: wait until all six are through.
    let mut passed = BufReader::new(apply.stdout.take().unwrap());
    for _ in 0..before.len() {
        let mut line = String::new();
        passed.read_line(&mut line).unwrap();
        assert!(!line.is_empty(), "apply ended early");
    }
    storage.azurite.stop();
    stdin.write_all(lines(&after).as_bytes()).unwrap();
    drop(stdin);
    let started = Instant::now();
    let output = apply.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert_contains!(stderr, "Azure Blob Storage");
    assert_contains!(stderr, "unreachable after 5 attempt(s)");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );

    storage.azurite.resume();
    assert_eq!(
        journal_lines(&storage),
        before,
        "nothing of the failed group"
    );
    let state: serde_json::Value =
        serde_json::from_str(storage.blob("state.json")["text"].as_str().unwrap()).unwrap();
    assert_eq!(state["eventsApplied"], 6);
    let retried = storage
        .runner(runner.path())
        .arg("apply")
        .stdin(lines(&after))
        .run();
    assert_eq!(retried.code, Some(0), "{}", retried.stderr);
    let all: Vec<String> = before.iter().chain(&after).cloned().collect();
    assert_eq!(journal_lines(&storage), all);
    let got = storage
        .runner(runner.path())
        .args(["get", "eventsApplied"])
        .run();
    assert_eq!(got.stdout.trim(), "11", "{}", got.stderr);
    // The rollout is unfinished: another runner picks it up from the shared state.
    let elsewhere = tempfile::tempdir().unwrap();
    let resumed = storage.runner(elsewhere.path()).arg("resume").run();
    assert_eq!(resumed.code, Some(0), "{}", resumed.stderr);
    let triggered = &resumed.events()[0];
    assert_eq!(triggered["kind"], "rollout.triggered");
    assert_eq!(triggered["rolloutId"], rollout);
    assert_eq!(triggered["resumed"], true);
    let shown = storage
        .runner(elsewhere.path())
        .args(["show", "--json"])
        .run();
    assert_eq!(shown.code, Some(0), "{}", shown.stderr);
    assert_eq!(shown.events()[0]["eventsApplied"], 11);
}

#[test]
fn wrong_credentials_and_a_missing_container_are_exit_2_saying_what_to_fix_and_never_show_the_key()
{
    let Some(storage) = Storage::start("creds") else {
        return;
    };
    let runner = tempfile::tempdir().unwrap();
    let input = lines(&[triggered("r-creds", "2026-11-23T10:00:00.000Z")]);
    let shown = |run: &Run, secret: &str| {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{run:?}"
        );
    };

    let wrong_key = "c2VjcmV0LWJ1dC13cm9uZy1rZXktYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=";
    let refused = storage
        .runner(runner.path())
        .env("AZURE_STORAGE_KEY", wrong_key)
        .arg("apply")
        .stdin(input.clone())
        .run();
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert_contains!(refused.stderr, "refused the credentials");
    assert_contains!(refused.stderr, "AZURE_STORAGE_KEY");
    shown(&refused, wrong_key);

    let expired = storage.azurite.sdk(&["sas", "creds", "-60"]).unwrap();
    let expired = expired["sas"].as_str().unwrap();
    let signature = expired.split("sig=").nth(1).unwrap().to_owned();
    let sas_refused = Command::new(BIN)
        .arg("show")
        .current_dir(runner.path())
        .env_remove("AZURE_STORAGE_KEY")
        .env("SENTINEL_STATE_URL", &storage.url)
        .env("SENTINEL_AZBLOB_ENDPOINT", storage.azurite.endpoint())
        .env("AZURE_STORAGE_SAS_TOKEN", expired)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&sas_refused.stderr);
    assert_eq!(sas_refused.status.code(), Some(2), "{stderr}");
    assert_contains!(stderr, "AZURE_STORAGE_SAS_TOKEN");
    assert_contains!(stderr, "expired");
    assert!(
        !stderr.contains(&signature) && !stderr.contains(expired),
        "{stderr}"
    );

    // A current SAS works for everything the key does.
    let valid = storage.azurite.sdk(&["sas", "creds", "3600"]).unwrap();
    let with_sas = |args: &[&str], stdin: &str| {
        let mut child = Command::new(BIN)
            .args(args)
            .current_dir(runner.path())
            .env_remove("AZURE_STORAGE_KEY")
            .env("SENTINEL_STATE_URL", &storage.url)
            .env("SENTINEL_AZBLOB_ENDPOINT", storage.azurite.endpoint())
            .env("AZURE_STORAGE_SAS_TOKEN", valid["sas"].as_str().unwrap())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let applied = with_sas(&["apply"], &input);
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let locked = with_sas(&["lock", "--", "true"], "");
    assert_eq!(locked.status.code(), Some(0));
    let got = with_sas(&["get", "rolloutId"], "");
    assert_eq!(String::from_utf8_lossy(&got.stdout).trim(), "r-creds");

    let missing = storage
        .runner(runner.path())
        .env(
            "SENTINEL_STATE_URL",
            "azblob://devstoreaccount1/nosuchcontainer/x",
        )
        .arg("show")
        .run();
    assert_eq!(missing.code, Some(2), "{}", missing.stderr);
    assert_contains!(
        missing.stderr,
        "the container nosuchcontainer does not exist"
    );
    assert_contains!(missing.stderr, "az storage container create");

    let hostile = storage
        .runner(runner.path())
        .env(
            "SENTINEL_STATE_URL",
            "azblob://devstoreaccount1/creds/../other",
        )
        .arg("show")
        .run();
    assert_eq!(hostile.code, Some(2), "{}", hostile.stderr);
    assert_contains!(hostile.stderr, "SENTINEL_STATE_URL");
    shown(&hostile, AZURITE_KEY);
}

/// Feed `input` line by line (10 ms apart) to `sentinel-state apply` on `dir`; returns the
/// process (its stdout piped).
fn trickle(
    storage: &Storage,
    dir: &Path,
    input: Vec<String>,
) -> std::thread::JoinHandle<(Option<i32>, String, String)> {
    let mut child = storage
        .command(dir, &["apply"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::spawn(move || {
        for line in input {
            if stdin.write_all(format!("{line}\n").as_bytes()).is_err() {
                break;
            }
            let _ = stdin.flush();
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(stdin);
        let output = child.wait_with_output().unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    })
}

#[test]
fn two_applies_fed_the_same_events_record_each_once_and_fold_it_once() {
    let Some(storage) = Storage::start("same") else {
        return;
    };
    let rollout = "r-same";
    let setup = tempfile::tempdir().unwrap();
    storage.trigger(setup.path(), rollout);
    // Two watchers of one rollout on two runners report the same events.
    let events: Vec<String> = (1..=40).map(|n| numbered(rollout, n)).collect();
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let runs: Vec<_> = dirs
        .iter()
        .map(|dir| trickle(&storage, dir.path(), events.clone()))
        .collect();
    for run in runs {
        let (code, _, stderr) = run.join().unwrap();
        assert_eq!(code, Some(0), "{stderr}");
    }
    assert_eq!(journal_lines(&storage).len(), 41, "each event once");
    let state: serde_json::Value =
        serde_json::from_str(storage.blob("state.json")["text"].as_str().unwrap()).unwrap();
    assert_eq!(state["eventsApplied"], 41, "folded once each");
    // And what comes after still reaches the state.
    let later: Vec<String> = (41..=50).map(|n| numbered(rollout, n)).collect();
    let after = storage
        .runner(setup.path())
        .arg("apply")
        .stdin(lines(&later))
        .run();
    assert_eq!(after.code, Some(0), "{}", after.stderr);
    assert!(
        !after.stderr.contains("edited or truncated"),
        "{}",
        after.stderr
    );
    let state: serde_json::Value =
        serde_json::from_str(storage.blob("state.json")["text"].as_str().unwrap()).unwrap();
    assert_eq!(state["eventsApplied"], 51);
    assert_eq!(state["stages"].as_array().unwrap().len(), 51);
}

#[test]
fn an_archive_while_an_apply_runs_loses_nothing_that_was_passed_on() {
    let Some(storage) = Storage::start("archiving") else {
        return;
    };
    let rollout = "r-arch";
    let dir = tempfile::tempdir().unwrap();
    let done = storage
        .runner(dir.path())
        .arg("apply")
        .stdin(lines(&[
            triggered(rollout, "2026-11-23T10:00:00.000Z"),
            completed(rollout, "2026-11-23T10:05:00.000Z"),
        ]))
        .run();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    // Late events of the finished rollout keep coming while another runner archives it.
    let late: Vec<String> = (1..=60).map(|n| numbered(rollout, n)).collect();
    let apply = trickle(&storage, dir.path(), late);
    std::thread::sleep(Duration::from_millis(300));
    let archived = storage
        .runner(tempfile::tempdir().unwrap().path())
        .arg("archive")
        .run();
    assert_eq!(archived.code, Some(0), "{}", archived.stderr);
    let (code, passed_on, stderr) = apply.join().unwrap();
    assert!(matches!(code, Some(0 | 3)), "{code:?}: {stderr}");
    if code == Some(3) {
        assert_contains!(stderr, "was archived (or removed) while this writer ran");
    }
    let mut recorded: Vec<String> = storage.blob("history/r-arch/journal.ndjson")["text"]
        .as_str()
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let live = storage.blob("journal.ndjson");
    if live["exists"] == true {
        recorded.extend(live["text"].as_str().unwrap().lines().map(str::to_owned));
    }
    for line in passed_on.lines() {
        assert!(
            recorded.iter().any(|r| r == line),
            "passed on, then lost: {line}"
        );
    }
    // No empty state appeared where the archived one was.
    let state = storage.blob("state.json");
    if state["exists"] == true {
        let state: serde_json::Value =
            serde_json::from_str(state["text"].as_str().unwrap()).unwrap();
        assert_ne!(state["eventsApplied"], 0, "{state}");
    }
}

#[test]
fn a_holder_whose_lease_is_broken_exits_3_with_its_command_s_status() {
    let Some(storage) = Storage::start("broken") else {
        return;
    };
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let started = first.path().join("started");
    let holder = storage
        .command(
            first.path(),
            &[
                "lock",
                "--",
                "sh",
                "-c",
                &format!("touch '{}'; sleep 3; exit 7", started.display()),
            ],
        )
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_file(&started);
    let forced = storage
        .runner(second.path())
        .args(["lock", "--force", "--", "true"])
        .run();
    assert_eq!(forced.code, Some(0), "{}", forced.stderr);
    assert_contains!(forced.stderr, "--force broke the live lease of id");
    let output = holder.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert_contains!(stderr, "was lost while it was held");
    assert_contains!(stderr, "the command ended with exit status 7");
}

#[test]
fn holder_details_too_large_for_the_metadata_are_refused_before_the_lease_is_taken() {
    let Some(storage) = Storage::start("toolong") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(5000);
    let refused = storage
        .runner(dir.path())
        .args(["lock", "--operation", &long, "--", "true"])
        .run();
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert_contains!(refused.stderr, "--operation a short name");
    let fine = storage
        .runner(dir.path())
        .args(["lock", "--", "true"])
        .run();
    assert_eq!(fine.code, Some(0), "no lease left behind: {}", fine.stderr);
}
