//! sentinel-trigger, the local engine and sentinel-watch with real processes: deploy commands
//! start the real sample service on 127.0.0.1, the engine is a detached process, watchers and
//! engines are SIGKILLed for real.

use sentinel_test_support::{
    Run, free_port, parse_events, tempdir, tool, trigger_watch_apply, workspace_bin,
};
use serde_json::{Map, Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

struct Fixture {
    dir: tempfile::TempDir,
    port: u16,
}

impl Fixture {
    /// A workspace with a three-stage plan; `middle` replaces the second stage's settings.
    fn new(middle: Value) -> Fixture {
        let dir = tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("run")).unwrap();
        let port = free_port();
        let service = workspace_bin("sample-service");
        let mut second = json!({
            "name": "Half", "regions": ["eastus", "westeurope"], "trafficPercent": 50,
            "deploy": "echo deploy {stage} {region} {percent} {version} >> run/deploys",
            "rollback": "echo undo {stage} {region} >> run/undo"
        });
        for (key, value) in middle.as_object().unwrap() {
            second[key] = value.clone();
        }
        let config = json!({
            "serviceGroupName": "Contoso.Orders",
            "serviceId": "8f3c2a1b-4d5e-4f60-9a7b-1c2d3e4f5a6b",
            "environment": "Staging",
            "artifactVersion": "1.4.2",
            "pollingInterval": "100ms",
            "stages": [
                {
                    "name": "Canary", "regions": ["eastus"], "trafficPercent": 10,
                    "deploy": format!("kill $(cat run/canary.pid 2>/dev/null) 2>/dev/null; nohup '{}' --port {port} --version {{version}} --pid-file run/canary.pid > run/canary.log 2>&1 &", service.display()),
                    "rollback": "kill $(cat run/canary.pid); echo undo {stage} {region} >> run/undo",
                    "healthUrl": format!("http://127.0.0.1:{port}/healthz"),
                    "healthTimeout": "10s",
                    "endpoints": [format!("http://127.0.0.1:{port}/")]
                },
                second,
                { "name": "Full", "regions": ["westeurope"], "trafficPercent": 100,
                  "deploy": "echo deploy {stage} {region} {percent} {version} >> run/deploys",
                  "rollback": "echo undo {stage} {region} >> run/undo" }
            ]
        });
        std::fs::write(
            dir.path().join(".deploy-sentinel-config.json"),
            serde_json::to_vec_pretty(&config).unwrap(),
        )
        .unwrap();
        Fixture { dir, port }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn bin(name: &str) -> PathBuf {
        workspace_bin(name)
    }

    fn trigger(&self, args: &[&str]) -> Run {
        tool(Self::bin("sentinel-trigger"))
            .current_dir(self.path())
            .args(args)
            .run()
    }

    fn watch_id(&self, rollout_id: &str) -> Run {
        tool(Self::bin("sentinel-watch"))
            .current_dir(self.path())
            .args(["--rollout-id", rollout_id])
            .run()
    }

    /// `sentinel-trigger | sentinel-watch | sentinel-state apply`, as a shell would run it.
    fn pipeline(&self) -> Run {
        trigger_watch_apply(self.path()).run()
    }

    /// Start a watcher whose events arrive on a channel as they are written.
    fn spawn_watch(&self, rollout_id: &str) -> (Child, Receiver<Map<String, Value>>) {
        let mut child = Command::new(Self::bin("sentinel-watch"))
            .current_dir(self.path())
            .args(["--rollout-id", rollout_id])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(event) = parse_events(&line).pop() {
                    if sender.send(event).is_err() {
                        return;
                    }
                }
            }
        });
        (child, receiver)
    }

    fn rollout_dirs(&self) -> usize {
        std::fs::read_dir(self.path().join(".sentinel/rollouts")).map_or(0, |d| d.count())
    }

    fn status(&self, rollout_id: &str) -> Value {
        let text = std::fs::read_to_string(
            self.path()
                .join(".sentinel/rollouts")
                .join(rollout_id)
                .join("status.json"),
        )
        .unwrap();
        serde_json::from_str(&text).unwrap()
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.path().join(file)).unwrap_or_default()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // Stop the sample service a test left running.
        if let Ok(pid) = std::fs::read_to_string(self.path().join("run/canary.pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}

fn started(fixture: &Fixture) -> String {
    let run = fixture.trigger(&[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    run.events()[0]["rolloutId"].as_str().unwrap().to_owned()
}

fn wait_for(receiver: &Receiver<Map<String, Value>>, kind: &str) -> Map<String, Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = receiver
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no {kind} event within 30s"));
        if event["kind"] == kind {
            return event;
        }
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn count(kinds: &[String], kind: &str) -> usize {
    kinds.iter().filter(|k| *k == kind).count()
}

#[test]
fn trigger_watch_state_complete_a_three_stage_rollout() {
    let fixture = Fixture::new(json!({}));
    let run = fixture.pipeline();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let kinds = run.kinds();
    assert_eq!(kinds[0], "rollout.triggered");
    assert_eq!(count(&kinds, "stage.started"), 3, "{kinds:?}");
    assert_eq!(count(&kinds, "stage.completed"), 3, "{kinds:?}");
    assert_eq!(kinds.last().map(String::as_str), Some("rollout.completed"));
    let events = run.events();
    let canary = events
        .iter()
        .find(|e| e["kind"] == "stage.completed")
        .unwrap();
    assert_eq!(
        canary["endpoints"][0],
        format!("http://127.0.0.1:{}/", fixture.port)
    );
    assert_eq!(events[0]["artifactVersionSource"], "config");
    // The deployed service answers with the deployed version.
    let body = ureq_get(&format!("http://127.0.0.1:{}/", fixture.port));
    assert!(body.contains("\"version\":\"1.4.2\""), "{body}");
    // Deploy commands ran per region with substitutions, in order.
    assert_eq!(
        fixture.read("run/deploys"),
        "deploy Half eastus 50 1.4.2\ndeploy Half westeurope 50 1.4.2\ndeploy Full westeurope 100 1.4.2\n"
    );
    let state = tool(Fixture::bin("sentinel-state"))
        .current_dir(fixture.path())
        .args(["get", "overallStatus"])
        .run();
    assert_eq!(state.stdout, "Completed\n");
}

fn ureq_get(url: &str) -> String {
    let mut response = sentinel_core::http::agent(Default::default())
        .get(url)
        .call()
        .unwrap();
    response.body_mut().read_to_string().unwrap()
}

#[test]
fn a_failing_deploy_fails_its_stage_with_the_commands_last_lines() {
    let fixture = Fixture::new(
        json!({"deploy": "echo preparing; echo 'disk quota exceeded on eastus' >&2; exit 3"}),
    );
    let run = fixture.pipeline();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let events = run.events();
    let failed = events
        .iter()
        .find(|e| e["kind"] == "stage.failed")
        .expect("stage.failed");
    assert_eq!(failed["stage"], "Half");
    let message = failed["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("exited with status 3"), "{message}");
    assert!(
        message.contains("disk quota exceeded on eastus"),
        "{message}"
    );
    assert_eq!(events.last().unwrap()["kind"], "rollout.failed");
    assert_eq!(
        fixture.read("run/deploys"),
        "",
        "the Full stage never deployed"
    );
}

#[test]
fn a_health_check_that_never_passes_fails_the_stage() {
    let dead = free_port();
    let fixture = Fixture::new(
        json!({"healthUrl": format!("http://127.0.0.1:{dead}/healthz"), "healthTimeout": "1s"}),
    );
    let started_at = Instant::now();
    let run = fixture.pipeline();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(started_at.elapsed() < Duration::from_secs(20));
    let failed = run
        .events()
        .into_iter()
        .find(|e| e["kind"] == "stage.failed")
        .expect("stage.failed");
    let message = failed["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("did not answer 2xx within 1.0s"),
        "{message}"
    );
}

#[test]
fn an_approval_stage_waits_until_approved() {
    let fixture = Fixture::new(json!({"approval": true}));
    let id = started(&fixture);
    let (mut watch, events) = fixture.spawn_watch(&id);
    let required = wait_for(&events, "approval.required");
    assert_eq!(required["stage"], "Half");
    let instructions = required["instructions"].as_str().unwrap();
    assert!(
        instructions.contains(&format!(
            "sentinel-trigger approve --rollout-id {id} --action-id Half-approval"
        )),
        "{instructions}"
    );
    assert_eq!(
        fixture.read("run/deploys"),
        "",
        "nothing deploys before the approval"
    );

    let approve = fixture.trigger(&["approve", "--rollout-id", &id]);
    assert_eq!(approve.code, Some(0), "{}", approve.stderr);
    assert_eq!(approve.events()[0]["kind"], "approval.granted");
    assert_eq!(approve.events()[0]["actionId"], "Half-approval");
    wait_for(&events, "approval.granted");
    wait_for(&events, "rollout.completed");
    assert_eq!(watch.wait().unwrap().code(), Some(0));
    // Approving again is refused: the rollout has ended.
    assert_eq!(
        fixture.trigger(&["approve", "--rollout-id", &id]).code,
        Some(1)
    );
}

#[test]
fn a_rejected_approval_cancels_the_rollout() {
    let fixture = Fixture::new(json!({"approval": true}));
    let id = started(&fixture);
    let (mut watch, events) = fixture.spawn_watch(&id);
    wait_for(&events, "approval.required");
    let unknown = fixture.trigger(&["reject", "--rollout-id", &id, "--action-id", "nope"]);
    assert_eq!(unknown.code, Some(2), "no such action: {}", unknown.stderr);
    let reject = fixture.trigger(&[
        "reject",
        "--rollout-id",
        &id,
        "--reason",
        "QA found a regression",
    ]);
    assert_eq!(reject.code, Some(0), "{}", reject.stderr);
    wait_for(&events, "approval.rejected");
    let cancelled = wait_for(&events, "rollout.cancelled");
    assert!(
        cancelled["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("QA found a regression")
    );
    assert_eq!(watch.wait().unwrap().code(), Some(1));
    assert_eq!(fixture.read("run/deploys"), "");
}

#[test]
fn cancel_stops_the_rollout_before_its_next_step() {
    let fixture =
        Fixture::new(json!({"deploy": "sleep 1; echo deploy {stage} {region} >> run/deploys"}));
    let id = started(&fixture);
    let (mut watch, events) = fixture.spawn_watch(&id);
    wait_for(&events, "stage.completed");
    let cancel = fixture.trigger(&["cancel", "--rollout-id", &id, "--reason", "change freeze"]);
    assert_eq!(cancel.code, Some(0), "{}", cancel.stderr);
    wait_for(&events, "rollout.cancelled");
    assert_eq!(watch.wait().unwrap().code(), Some(1));
    let status = fixture.status(&id);
    assert_eq!(status["overallStatus"], "Cancelled");
    assert_eq!(
        status["stages"][2]["status"], "Cancelled",
        "the last stage never started"
    );
    assert!(!fixture.read("run/deploys").contains("Full"));
}

#[test]
fn rollback_after_completion_undoes_the_stages_in_reverse_order() {
    let fixture = Fixture::new(json!({}));
    assert_eq!(fixture.pipeline().code, Some(0));
    let id = tool(Fixture::bin("sentinel-state"))
        .current_dir(fixture.path())
        .args(["get", "rolloutId"])
        .run()
        .stdout;
    let id = id.trim();
    let rollback = fixture.trigger(&[
        "rollback",
        "--rollout-id",
        id,
        "--reason",
        "p99 above 500 ms",
    ]);
    assert_eq!(rollback.code, Some(0), "{}", rollback.stderr);
    assert_eq!(rollback.events()[0]["kind"], "rollback.started");
    assert_eq!(rollback.events()[0]["fromVersion"], "1.4.2");
    let watch = fixture.watch_id(id);
    assert_eq!(
        watch.code,
        Some(1),
        "RolledBack is not success: {}",
        watch.stderr
    );
    assert!(
        watch.kinds().contains(&"rollback.completed".to_owned()),
        "{:?}",
        watch.kinds()
    );
    assert_eq!(
        fixture.read("run/undo"),
        "undo Full westeurope\nundo Half westeurope\nundo Half eastus\nundo Canary eastus\n"
    );
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", fixture.port)).is_err(),
        "the canary's service was stopped by its rollback command"
    );
}

#[test]
fn a_watcher_killed_mid_rollout_and_restarted_loses_and_repeats_nothing() {
    let fixture = Fixture::new(json!({"deploy": "sleep 1.5"}));
    let id = started(&fixture);
    let follow = || {
        let mut watch = Command::new(Fixture::bin("sentinel-watch"))
            .current_dir(fixture.path())
            .args(["--rollout-id", &id])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let apply = Command::new(Fixture::bin("sentinel-state"))
            .current_dir(fixture.path())
            .arg("apply")
            .stdin(Stdio::from(watch.stdout.take().unwrap()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        (watch, apply)
    };
    let (mut watch, mut apply) = follow();
    let journal = fixture.path().join(".deploy-sentinel-events.ndjson");
    wait_until("the canary stage is journaled", || {
        std::fs::read_to_string(&journal).is_ok_and(|t| t.contains("\"stage.completed\""))
    });
    watch.kill().unwrap();
    watch.wait().unwrap();
    apply.wait().unwrap();

    let (mut watch, mut apply) = follow();
    assert_eq!(watch.wait().unwrap().code(), Some(0));
    assert_eq!(apply.wait().unwrap().code(), Some(0));
    let events = parse_events(&std::fs::read_to_string(&journal).unwrap());
    let completed: Vec<&str> = events
        .iter()
        .filter(|e| e["kind"] == "stage.completed")
        .map(|e| e["stage"].as_str().unwrap())
        .collect();
    assert_eq!(
        completed,
        vec!["Canary", "Half", "Full"],
        "each stage exactly once"
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e["kind"] == "rollout.completed")
            .count(),
        1
    );
}

/// Kill the engine of rollout `id` while its Half deploy command runs (the command goes on,
/// in its own process group).
fn kill_engine_mid_deploy(fixture: &Fixture, id: &str) -> u64 {
    wait_until("the engine runs the Half deploy command", || {
        fixture.status(id)["running"]["stage"] == "Half"
    });
    let pid = fixture.status(id)["pid"].as_u64().unwrap();
    assert!(
        Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    pid
}

/// The deploy log's lines, checked never to hold two runs of one command at once.
fn deploy_runs_never_overlap(fixture: &Fixture) -> Vec<String> {
    let log: Vec<String> = fixture
        .read("run/deploys")
        .lines()
        .map(str::to_owned)
        .collect();
    let mut open: Option<&str> = None;
    for line in &log {
        if let Some(region) = line.strip_prefix("start ") {
            assert!(
                open.is_none(),
                "{region} started while {open:?} ran: {log:?}"
            );
            open = Some(region);
        } else if line.starts_with("end ") {
            open = None;
        }
    }
    log
}

#[test]
fn an_engine_killed_mid_rollout_is_interrupted_and_resumed_without_a_second_deploy_beside_the_first()
 {
    let fixture = Fixture::new(json!({
        "deploy": "echo start {region} >> run/deploys; sleep 2; echo end {region} >> run/deploys"
    }));
    let id = started(&fixture);
    let pid = kill_engine_mid_deploy(&fixture, &id);

    // Not a failure: the watcher says the rollout was interrupted and how to carry it on.
    let watch = fixture.watch_id(&id);
    assert_eq!(watch.code, Some(4), "{}", watch.stderr);
    let events = watch.events();
    assert!(
        !events.iter().any(|e| e["kind"] == "rollout.failed"),
        "an interrupted rollout has not ended: {events:?}"
    );
    let interrupted = events
        .iter()
        .find(|e| e["kind"] == "rollout.status" && e["overallStatus"] == "Interrupted")
        .expect("rollout.status Interrupted");
    assert_eq!(
        interrupted["resumeCommand"],
        format!("sentinel-trigger resume --rollout-id {id}")
    );
    assert!(
        watch
            .stderr
            .contains(&format!("sentinel-trigger resume --rollout-id {id}")),
        "{}",
        watch.stderr
    );
    assert!(
        fixture.status(&id)["running"]["pgid"].as_u64().is_some(),
        "the engine recorded its command's process group"
    );
    let _ = pid;

    // Resumed at once (the dead engine may not even be reaped yet): the deploy it left
    // running is waited for, and only then is Half deployed again.
    let resume = fixture.trigger(&["resume", "--rollout-id", &id]);
    assert_eq!(resume.code, Some(0), "{}", resume.stderr);
    assert!(
        resume
            .stderr
            .contains("waiting for the deploy command of stage Half"),
        "{}",
        resume.stderr
    );
    assert_eq!(resume.events()[0]["resumed"], true);
    let watch = fixture.watch_id(&id);
    assert_eq!(watch.code, Some(0), "{}", watch.stderr);
    assert_eq!(fixture.status(&id)["overallStatus"], "Completed");
    let log = deploy_runs_never_overlap(&fixture);
    assert_eq!(
        log.iter().filter(|l| *l == "start eastus").count(),
        2,
        "Half's first region was deployed again after the orphan ended: {log:?}"
    );
}

#[test]
fn resume_with_kill_orphans_ends_the_command_a_killed_engine_left_running() {
    let fixture = Fixture::new(json!({
        "deploy": "echo start {region} >> run/deploys; sleep 5; echo end {region} >> run/deploys"
    }));
    let id = started(&fixture);
    kill_engine_mid_deploy(&fixture, &id);
    let resume = fixture.trigger(&["resume", "--rollout-id", &id, "--kill-orphans"]);
    assert_eq!(resume.code, Some(0), "{}", resume.stderr);
    sentinel_test_support::assert_contains!(resume.stderr, "--kill-orphans");
    let watch = fixture.watch_id(&id);
    assert_eq!(watch.code, Some(0), "{}", watch.stderr);
    let log: Vec<String> = fixture
        .read("run/deploys")
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        log[..3],
        ["start eastus", "start eastus", "end eastus"],
        "the orphan was ended before it finished, then Half deployed anew: {log:?}"
    );
    assert_eq!(
        log.iter().filter(|l| *l == "end eastus").count(),
        1,
        "{log:?}"
    );
}

#[test]
fn a_second_trigger_resumes_instead_of_starting_another_engine() {
    let fixture = Fixture::new(json!({"approval": true}));
    let first = started(&fixture);
    let second = fixture.trigger(&[]);
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    let event = &second.events()[0];
    assert_eq!(event["rolloutId"], first.as_str());
    assert_eq!(event["resumed"], true);
    assert_eq!(fixture.rollout_dirs(), 1, "no second rollout was started");
    assert!(
        second
            .stderr
            .contains("resuming it instead of starting another"),
        "{}",
        second.stderr
    );
    assert_eq!(
        fixture.trigger(&["cancel", "--rollout-id", &first]).code,
        Some(0)
    );
}

#[test]
fn a_protected_environment_needs_break_glass_and_starts_nothing_without_it() {
    let fixture = Fixture::new(json!({}));
    let refused = fixture.trigger(&["--environment", "Prod"]);
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    sentinel_test_support::assert_contains!(refused.stderr, "Prod is a protected environment");
    sentinel_test_support::assert_contains!(refused.stderr, "--confirm DEPLOY-NOW");
    assert!(refused.stdout.is_empty());
    assert_eq!(fixture.rollout_dirs(), 0, "nothing was started");
    let wrong = fixture.trigger(&["--environment", "Prod", "--confirm", "yes"]);
    assert_eq!(wrong.code, Some(2));
    assert_eq!(fixture.rollout_dirs(), 0);
    let confirmed = fixture.trigger(&["--environment", "Prod", "--confirm", "DEPLOY-NOW"]);
    assert_eq!(confirmed.code, Some(0), "{}", confirmed.stderr);
    assert_eq!(fixture.rollout_dirs(), 1);
    let id = confirmed.events()[0]["rolloutId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(fixture.watch_id(&id).code, Some(0));
}

#[test]
fn dry_run_and_version_discovery_from_git_tags() {
    let fixture = Fixture::new(json!({}));
    let config_path = fixture.path().join(".deploy-sentinel-config.json");
    let mut config: Value =
        serde_json::from_str(&std::fs::read_to_string(&config_path).unwrap()).unwrap();
    config.as_object_mut().unwrap().remove("artifactVersion");
    std::fs::write(&config_path, config.to_string()).unwrap();
    let none = fixture.trigger(&["--dry-run"]);
    assert_eq!(none.code, Some(2), "no version anywhere: {}", none.stderr);
    sentinel_test_support::assert_contains!(none.stderr, "--artifact-version");

    sentinel_test_support::GitRepo::init_in(fixture.path()).tag(&["v2.0.1", "v2.0.0"]);

    let dry = fixture.trigger(&["--dry-run"]);
    assert_eq!(dry.code, Some(0), "{}", dry.stderr);
    let event = &dry.events()[0];
    assert_eq!(
        (
            event["artifactVersion"].as_str(),
            event["artifactVersionSource"].as_str()
        ),
        (Some("2.0.1"), Some("git-tag"))
    );
    assert_eq!(event["dryRun"], true);
    assert!(event.get("rolloutId").is_none());
    assert_eq!(fixture.rollout_dirs(), 0, "a dry run starts nothing");
    let flag = fixture.trigger(&["--dry-run", "--artifact-version", "9.9.9"]);
    assert_eq!(flag.events()[0]["artifactVersionSource"], "flag");
}

#[test]
fn watch_health_waits_for_endpoints() {
    let fixture = Fixture::new(json!({}));
    assert_eq!(fixture.pipeline().code, Some(0));
    let healthy = tool(Fixture::bin("sentinel-watch"))
        .args([
            "health",
            &format!("http://127.0.0.1:{}/healthz", fixture.port),
            "--expect-body",
            "^ok$",
        ])
        .run();
    assert_eq!(healthy.code, Some(0), "{}", healthy.stderr);
    assert_eq!(healthy.events()[0]["kind"], "health.passed");
    assert_eq!(healthy.events()[0]["status"], 200);
    let dead = free_port();
    let unhealthy = tool(Fixture::bin("sentinel-watch"))
        .args([
            "health",
            &format!("http://127.0.0.1:{dead}/healthz"),
            "--timeout",
            "1s",
        ])
        .run();
    assert_eq!(unhealthy.code, Some(1));
    let event = &unhealthy.events()[0];
    assert_eq!(event["kind"], "health.failed");
    assert!(
        event["attempts"].as_u64().unwrap() >= 2,
        "it retried with backoff: {event:?}"
    );
}

#[test]
fn subcommands_take_the_rollout_from_the_events_on_stdin() {
    let fixture = Fixture::new(json!({"approval": true}));
    let trigger = fixture.trigger(&[]);
    let id = trigger.events()[0]["rolloutId"]
        .as_str()
        .unwrap()
        .to_owned();
    let cancel = tool(Fixture::bin("sentinel-trigger"))
        .current_dir(fixture.path())
        .args(["cancel", "--reason", "piped"])
        .stdin(trigger.stdout.clone())
        .run();
    assert_eq!(cancel.code, Some(0), "{}", cancel.stderr);
    assert_eq!(
        cancel.kinds(),
        vec!["rollout.triggered", "rollout.cancelled"],
        "input passed through, then its event"
    );
    assert_eq!(cancel.events()[1]["rolloutId"], id.as_str());
    assert_eq!(fixture.watch_id(&id).code, Some(1));
}

#[test]
fn a_provider_that_stays_unreadable_exits_4_after_its_retries() {
    let fixture = Fixture::new(json!({"approval": true}));
    let config_path = fixture.path().join(".deploy-sentinel-config.json");
    let mut config: Value =
        serde_json::from_str(&std::fs::read_to_string(&config_path).unwrap()).unwrap();
    config["maxRetries"] = json!(1);
    std::fs::write(&config_path, config.to_string()).unwrap();
    let id = started(&fixture);
    assert_eq!(
        fixture.trigger(&["cancel", "--rollout-id", &id]).code,
        Some(0)
    );
    wait_until("the engine ended", || {
        fixture.status(&id)["overallStatus"] == "Cancelled"
    });
    // The status file turns into something unreadable: every read fails.
    let status = fixture
        .path()
        .join(".sentinel/rollouts")
        .join(&id)
        .join("status.json");
    std::fs::remove_file(&status).unwrap();
    std::fs::create_dir(&status).unwrap();
    let watch = fixture.watch_id(&id);
    assert_eq!(watch.code, Some(4), "{}", watch.stderr);
    assert!(
        watch
            .stderr
            .contains("stayed unreachable after 2 attempt(s)"),
        "{}",
        watch.stderr
    );
}

#[test]
#[allow(clippy::print_stderr)]
fn break_glass_on_a_terminal_proceeds_only_on_the_exact_words() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!(
            "skipped: util-linux `script` is not installed, so there is no terminal to type on"
        );
        return;
    }
    let fixture = Fixture::new(json!({}));
    // `script` gives sentinel-trigger a real pseudo-terminal and types our stdin into it.
    let on_terminal = |typed: &str| {
        let command = format!(
            "'{}' --environment Prod",
            Fixture::bin("sentinel-trigger").display()
        );
        tool("script")
            .current_dir(fixture.path())
            .args(["-qfec", &command, "/dev/null"])
            .stdin(typed.to_owned())
            .run()
    };
    let refused = on_terminal("deploy-now\n");
    assert!(
        refused
            .stdout
            .contains("[SENTINEL DEFCON 1] Prod is a protected environment"),
        "{}",
        refused.stdout
    );
    sentinel_test_support::assert_contains!(refused.stdout, "Version:  1.4.2 (from config)");
    sentinel_test_support::assert_contains!(refused.stdout, "nothing was started");
    assert_eq!(fixture.rollout_dirs(), 0);

    let confirmed = on_terminal("DEPLOY-NOW\n");
    sentinel_test_support::assert_contains!(confirmed.stdout, "\"kind\":\"rollout.triggered\"");
    assert_eq!(fixture.rollout_dirs(), 1);
    let id = std::fs::read_dir(fixture.path().join(".sentinel/rollouts"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    assert_eq!(fixture.watch_id(id.to_str().unwrap()).code, Some(0));
}

/// Replace top-level fields of the fixture's config.
fn edit_config(fixture: &Fixture, edit: impl FnOnce(&mut Map<String, Value>)) {
    let path = fixture.path().join(".deploy-sentinel-config.json");
    let mut config: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(config.as_object_mut().unwrap());
    std::fs::write(&path, config.to_string()).unwrap();
}

#[test]
fn no_version_source_can_put_shell_syntax_into_a_deploy_command() {
    let fixture = Fixture::new(json!({}));
    let victim = fixture.path().join("PWNED");
    let payload = format!("1.0.0;touch {}", victim.display());

    let flag = fixture.trigger(&["--dry-run", "--artifact-version", &payload]);
    assert_eq!(flag.code, Some(2), "{}", flag.stderr);
    sentinel_test_support::assert_contains!(flag.stderr, "--artifact-version");
    assert!(flag.events().is_empty(), "a dry run shows no payload");

    let env = tool(Fixture::bin("sentinel-trigger"))
        .current_dir(fixture.path())
        .env("SENTINEL_ARTIFACT_VERSION", &payload)
        .run();
    assert_eq!(env.code, Some(2), "{}", env.stderr);
    sentinel_test_support::assert_contains!(env.stderr, "SENTINEL_ARTIFACT_VERSION");
    let good_env = tool(Fixture::bin("sentinel-trigger"))
        .current_dir(fixture.path())
        .args(["--dry-run"])
        .env("SENTINEL_ARTIFACT_VERSION", "2.0.0")
        .run();
    assert_eq!(
        good_env.events()[0]["artifactVersionSource"],
        "environment",
        "{}",
        good_env.stderr
    );

    edit_config(&fixture, |c| {
        c.insert("artifactVersion".into(), json!(payload));
    });
    let config = fixture.trigger(&[]);
    assert_eq!(config.code, Some(2), "{}", config.stderr);
    sentinel_test_support::assert_contains!(config.stderr, "artifactVersion");

    // A pushed tag is the easiest source to plant: it is skipped with a warning.
    edit_config(&fixture, |c| {
        c.remove("artifactVersion");
    });
    sentinel_test_support::GitRepo::init_in(fixture.path())
        .tag(&["v1.0.0", "v9.9.9-$(touch${IFS}PWNED)"]);
    let tagged = fixture.pipeline();
    assert_eq!(tagged.code, Some(0), "{}", tagged.stderr);
    sentinel_test_support::assert_contains!(tagged.stderr, "skipping git tag");
    assert!(
        fixture.read("run/deploys").contains("1.0.0"),
        "{}",
        fixture.read("run/deploys")
    );
    assert!(!victim.exists(), "a version ran as a command");
}

#[test]
fn stage_commands_get_quoted_placeholders_and_environment_variables() {
    let fixture = Fixture::new(json!({
        "name": "Phase 2 (50%)",
        "deploy": "printf '%s|%s|%s|%s|%s|%s|%s|%s|%s\\n' {stage} \"$SENTINEL_STAGE\" \"$SENTINEL_ROLLOUT_ID\" {version} \"$SENTINEL_VERSION\" {region} \"$SENTINEL_REGION\" {percent} \"$SENTINEL_PERCENT\" >> run/quoted"
    }));
    let run = fixture.pipeline();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let id = run.events()[0]["rolloutId"].as_str().unwrap().to_owned();
    let lines = fixture.read("run/quoted");
    // The stage's two regions, in order; each value as a placeholder and as a variable.
    let expected: Vec<String> = ["eastus", "westeurope"]
        .iter()
        .map(|region| {
            format!("Phase 2 (50%)|Phase 2 (50%)|{id}|1.4.2|1.4.2|{region}|{region}|50|50")
        })
        .collect();
    assert_eq!(lines.lines().collect::<Vec<_>>(), expected, "{lines}");

    for (name, regions) in [
        ("Half;touch PWNED", json!(["eastus"])),
        ("Half", json!(["east$(touch PWNED)"])),
    ] {
        let bad = Fixture::new(json!({ "name": name, "regions": regions }));
        let run = bad.trigger(&["--dry-run"]);
        assert_eq!(run.code, Some(2), "{name}: {}", run.stderr);
        sentinel_test_support::assert_contains!(run.stderr, "stages[1]");
        assert!(!bad.path().join("PWNED").exists());
    }
}

#[test]
fn two_stages_whose_approval_ids_collide_are_refused() {
    let fixture = Fixture::new(json!({ "name": "EU West", "approval": true }));
    edit_config(&fixture, |c| {
        let stages = c.get_mut("stages").unwrap().as_array_mut().unwrap();
        stages[2]["name"] = json!("EU-West");
        stages[2]["approval"] = json!(true);
    });
    let run = fixture.trigger(&[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("\"EU-West\"") && run.stderr.contains("\"EU West\""),
        "both stages are named: {}",
        run.stderr
    );
    assert_eq!(fixture.rollout_dirs(), 0);
}

#[test]
fn a_symlinked_rollouts_directory_is_refused_before_anything_runs() {
    for planted in [".sentinel", ".sentinel/rollouts"] {
        let fixture = Fixture::new(json!({}));
        let outside = tempdir().unwrap();
        let link = fixture.path().join(planted);
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(outside.path(), &link).unwrap();
        let run = fixture.trigger(&[]);
        assert_eq!(run.code, Some(5), "{planted}: {}", run.stderr);
        sentinel_test_support::assert_contains!(run.stderr, "symbolic link");
        assert!(
            std::fs::read_dir(outside.path()).unwrap().next().is_none(),
            "nothing was written through the link"
        );
        assert!(fixture.read("run/deploys").is_empty());
    }
}

#[test]
fn two_triggers_started_at_once_start_one_rollout() {
    let fixture = Fixture::new(json!({ "approval": true }));
    for round in 0..4 {
        let spawn = || {
            Command::new(Fixture::bin("sentinel-trigger"))
                .current_dir(fixture.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let outputs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        let mut resumed = Vec::new();
        for output in &outputs {
            let text = String::from_utf8_lossy(&output.stdout);
            assert_eq!(
                output.status.code(),
                Some(0),
                "round {round}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let events = parse_events(&text);
            resumed.push(events[0]["resumed"].as_bool().unwrap());
        }
        assert_eq!(
            fixture.rollout_dirs(),
            1,
            "round {round}: one rollout in all"
        );
        if round == 0 {
            resumed.sort();
            assert_eq!(resumed, [false, true], "one started, the other resumed it");
        } else {
            assert_eq!(resumed, [true, true], "round {round}: both resume it");
        }
    }
    // Leave no engine waiting for an approval that never comes.
    let id = std::fs::read_dir(fixture.path().join(".sentinel/rollouts"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let cancel = fixture.trigger(&["cancel", "--rollout-id", id.to_str().unwrap()]);
    assert_eq!(cancel.code, Some(0), "{}", cancel.stderr);
}

#[test]
fn a_stage_completed_while_no_watcher_ran_is_reported_fresh_by_the_next_one() {
    for round in 0..3 {
        let fixture = Fixture::new(json!({
            "deploy": "sleep 0.6; echo deploy {stage} {region} >> run/deploys"
        }));
        let id = started(&fixture);
        // A watcher killed early, then a pause in which stages complete unwatched.
        let mut first = Command::new(Fixture::bin("sentinel-watch"))
            .current_dir(fixture.path())
            .args(["--rollout-id", &id])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(1000 + round * 300));
        first.kill().unwrap();
        let first = first.wait_with_output().unwrap();
        std::thread::sleep(Duration::from_millis(700));
        let second = fixture.watch_id(&id);
        assert_eq!(second.code, Some(0), "{}", second.stderr);
        let mut events = parse_events(&String::from_utf8_lossy(&first.stdout));
        events.extend(second.events());
        for stage in ["Canary", "Half", "Full"] {
            let fresh = events
                .iter()
                .filter(|e| {
                    e["kind"] == "stage.completed"
                        && e["stage"] == stage
                        && e.get("replayed").and_then(Value::as_bool) != Some(true)
                })
                .count();
            assert!(
                fresh >= 1,
                "round {round}: {stage}'s completion was never reported fresh: {events:?}"
            );
        }
        assert!(
            fixture
                .path()
                .join(".sentinel/rollouts")
                .join(&id)
                .join("watch-cursor.json")
                .exists()
        );
    }
}

#[test]
fn symlinks_planted_at_the_engine_s_files_are_refused_and_their_targets_untouched() {
    let victim_of = |fixture: &Fixture| {
        let victim = fixture.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        victim
    };
    // The trigger's start lock.
    let fixture = Fixture::new(json!({}));
    let victim = victim_of(&fixture);
    std::fs::create_dir_all(fixture.path().join(".sentinel")).unwrap();
    std::os::unix::fs::symlink(&victim, fixture.path().join(".sentinel/trigger.lock")).unwrap();
    let run = fixture.trigger(&[]);
    assert_eq!(run.code, Some(5), "trigger.lock: {}", run.stderr);
    sentinel_test_support::assert_contains!(run.stderr, "symbolic link");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(fixture.rollout_dirs(), 0, "no rollout started");

    // An approval's control file, and the engine's status, of a rollout waiting for approval.
    let fixture = Fixture::new(json!({"approval": true}));
    let victim = victim_of(&fixture);
    let id = started(&fixture);
    let (mut watch, events) = fixture.spawn_watch(&id);
    wait_for(&events, "approval.required");
    let _ = watch.kill();
    let _ = watch.wait();
    let dir = fixture.path().join(".sentinel/rollouts").join(&id);
    // The watcher's cursor (what it already reported).
    let cursor = dir.join("watch-cursor.json");
    let _ = std::fs::remove_file(&cursor);
    std::os::unix::fs::symlink(&victim, &cursor).unwrap();
    let watched = fixture.watch_id(&id);
    assert_eq!(
        watched.code,
        Some(5),
        "watch-cursor.json: {}",
        watched.stderr
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    std::fs::remove_file(&cursor).unwrap();
    std::fs::create_dir_all(dir.join("control")).unwrap();
    std::os::unix::fs::symlink(&victim, dir.join("control/approve-Half-approval")).unwrap();
    let approve = fixture.trigger(&["approve", "--rollout-id", &id]);
    assert_eq!(approve.code, Some(5), "control file: {}", approve.stderr);
    sentinel_test_support::assert_contains!(approve.stderr, "symbolic link");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");

    std::fs::remove_file(dir.join("status.json")).unwrap();
    std::os::unix::fs::symlink(&victim, dir.join("status.json")).unwrap();
    // The engine writes a heartbeat every second: two of them, neither through the link.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let watched = fixture.watch_id(&id);
    assert_eq!(watched.code, Some(5), "status.json: {}", watched.stderr);
    sentinel_test_support::assert_contains!(watched.stderr, "symbolic link");
    // A dangling one is no "engine starting" either.
    std::fs::remove_file(dir.join("status.json")).unwrap();
    std::os::unix::fs::symlink(fixture.path().join("nowhere"), dir.join("status.json")).unwrap();
    let watched = fixture.watch_id(&id);
    assert_eq!(
        watched.code,
        Some(5),
        "dangling status.json: {}",
        watched.stderr
    );
    assert!(!fixture.path().join("nowhere").exists());
    let _ = fixture.trigger(&["cancel", "--rollout-id", &id]);
}

#[test]
fn a_rollout_id_flag_that_names_a_path_is_refused_by_every_verb() {
    let fixture = Fixture::new(json!({}));
    let outside = tempdir().unwrap();
    let absolute = outside.path().join("x").display().to_string();
    for id in ["../../x", absolute.as_str(), ".hidden", "a/b"] {
        for verb in [
            &["sentinel-watch", "--rollout-id"][..],
            &["sentinel-trigger", "approve", "--rollout-id"],
            &["sentinel-trigger", "cancel", "--rollout-id"],
            &["sentinel-trigger", "resume", "--rollout-id"],
        ] {
            let run = tool(Fixture::bin(verb[0]))
                .current_dir(fixture.path())
                .args(&verb[1..])
                .arg(id)
                .run();
            assert_eq!(run.code, Some(2), "{verb:?} {id}: {}", run.stderr);
            sentinel_test_support::assert_contains!(run.stderr, "rollout id");
        }
    }
    assert!(std::fs::read_dir(outside.path()).unwrap().next().is_none());
    assert_eq!(fixture.rollout_dirs(), 0);
}
