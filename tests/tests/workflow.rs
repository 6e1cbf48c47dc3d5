//! `scripts/deploy-sentinel.sh` end to end: the real script, the real tools, a fleet of real
//! sample-service instances on 127.0.0.1 deployed by the local provider's detached engine, a
//! real git repository, real signals. Production is four instances: Canary (25%), Half (50%,
//! waits for approval) and Full (100%, waits for approval).

use sentinel_test_support::{
    AZURITE_KEY, AzuriteServer, Receiver, Reply, free_port, target_bin_dir, tool, workspace_bin,
};
use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const OLD: &str = "1.4.2";
const NEW: &str = "1.5.0";
const PRODUCTION: [&str; 4] = ["prod-1", "prod-2", "prod-3", "prod-4"];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// What a test changes about the fleet and the config.
struct Setup {
    /// Extra sample-service flags of the new release, e.g. `--error-rate 5`.
    new_release: &'static str,
    stress: Value,
    webhook: Option<String>,
    /// The config's `analysis` section; its `scrape` URLs are filled in with the production
    /// instances' /metrics.
    analysis: Option<Value>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            new_release: "",
            stress: json!({
                "requests": 100, "concurrency": 2, "maxErrorRate": 2, "maxP95Ms": 400,
                "maxErrorRateIncrease": 0.5
            }),
            webhook: None,
            analysis: None,
        }
    }
}

/// A workspace with a git repository, a config, the fleet's ports and 1.4.2 in production.
struct Fleet {
    dir: tempfile::TempDir,
    path: String,
    /// Variables every tool run gets besides PATH (the state backend's, for one test).
    env: Vec<(String, String)>,
}

impl Fleet {
    fn new(setup: Setup) -> Fleet {
        workspace_bin("sample-service");
        let dir = tempfile::tempdir().unwrap();
        let path = format!(
            "{}:{}:{}",
            target_bin_dir().display(),
            repo_root().join("scripts").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let fleet = Fleet {
            dir,
            path,
            env: Vec::new(),
        };
        for sub in ["run", "releases", "ci"] {
            std::fs::create_dir_all(fleet.path().join(sub)).unwrap();
        }
        fleet.write("releases/1.5.0", setup.new_release);
        let url = |name: &str| {
            let port = free_port();
            fleet.write(&format!("run/{name}.port"), &port.to_string());
            format!("http://127.0.0.1:{port}/")
        };
        let staging = url("staging-1");
        let production: Vec<String> = PRODUCTION.iter().map(|name| url(name)).collect();
        let stage = |name: &str, env: &str, percent: u32, approval: bool, regions: &[usize]| {
            let (names, urls): (Vec<_>, Vec<_>) = regions
                .iter()
                .map(|i| {
                    if env == "Staging" {
                        ("staging-1".to_owned(), staging.clone())
                    } else {
                        (PRODUCTION[*i].to_owned(), production[*i].clone())
                    }
                })
                .unzip();
            let mut stage = json!({
                "name": name, "environments": [env], "trafficPercent": percent,
                "approval": approval, "regions": names, "endpoints": urls,
                "deploy": "sample-instance.sh deploy {region} {version}",
                "rollback": "sample-instance.sh rollback {region}",
            });
            if env == "Prod" {
                stage["strategies"] = json!(["canary"]);
            }
            stage
        };
        let mut stress = setup.stress;
        stress["endpoints"] = json!(production);
        let mut config = json!({
            "serviceGroupName": "Contoso.Orders",
            "serviceId": "8f3c2a1b-4d5e-4f60-9a7b-1c2d3e4f5a6b",
            "stageMapName": "Contoso.Orders.StageMap",
            "environment": "Prod",
            "pollingInterval": "100ms",
            "stressTestConfig": stress,
            "stages": [
                stage("Staging", "Staging", 100, false, &[0]),
                stage("Canary", "Prod", 25, false, &[0]),
                stage("Half", "Prod", 50, true, &[1]),
                stage("Full", "Prod", 100, true, &[2, 3]),
            ]
        });
        if let Some(webhook) = setup.webhook {
            config["webhookUrl"] = json!(webhook);
        }
        if let Some(mut analysis) = setup.analysis {
            let metrics: Vec<String> = production
                .iter()
                .map(|url| format!("{url}metrics"))
                .collect();
            analysis["scrape"] = json!(metrics);
            config["analysis"] = analysis;
        }
        fleet.write(".deploy-sentinel-config.json", &config.to_string());
        fleet.write(".gitignore", "run/\nreleases/\nci/\n*.md\n");
        for args in [
            &["init", "-q", "-b", "main"][..],
            &["config", "user.name", "Deploy Sentinel tests"],
            &["config", "user.email", "tests@deploy-sentinel.invalid"],
            &["add", ".gitignore", ".deploy-sentinel-config.json"],
            &["commit", "-q", "-m", "Sample service"],
            &["tag", "-a", "v1.4.2", "-m", "Release 1.4.2"],
        ] {
            let status = Command::new("git")
                .args(args)
                .current_dir(fleet.path())
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "git {args:?}");
        }
        for name in PRODUCTION {
            let out = fleet.sh(&format!("sample-instance.sh deploy {name} {OLD}"));
            assert!(out.status.success(), "{}", text(&out.stderr));
        }
        std::fs::remove_file(fleet.path().join("run/deploys.log")).unwrap();
        fleet
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(name), text).unwrap();
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).unwrap_or_default()
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.path())
            .env("PATH", &self.path)
            .env("NO_COLOR", "1")
            .env("GITHUB_STEP_SUMMARY", self.path().join("summary.md"))
            .env_remove("SENTINEL_STATE_DIR")
            .env_remove("SENTINEL_CONFIG")
            .env_remove("DEPLOY_SENTINEL_LOCK_HELD")
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        sentinel_test_support::on_engine_under_test(&mut command);
        command
    }

    fn sh(&self, script: &str) -> Output {
        self.command("bash").args(["-c", script]).output().unwrap()
    }

    /// The script with the flags every test wants (fast soak and verification).
    fn deploy(&self, args: &[&str]) -> Command {
        let mut command = self.command("bash");
        command
            .arg(repo_root().join("scripts/deploy-sentinel.sh"))
            .args([
                "--artifact-version",
                NEW,
                "--soak",
                "1s",
                "--pdv-duration",
                "1s",
                "--pdv-rate",
                "40",
            ])
            .args(args);
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.deploy(args).stdin(Stdio::null()).output().unwrap()
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.deploy(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap()
    }

    fn get(&self, field: &str) -> Option<String> {
        let mut state = tool(workspace_bin("sentinel-state"))
            .current_dir(self.path())
            .args(["get", field]);
        for (name, value) in &self.env {
            state = state.env(name, value);
        }
        let run = state.run();
        (run.code == Some(0)).then(|| run.stdout.trim().to_owned())
    }

    /// The version each production instance runs now.
    fn versions(&self) -> Vec<String> {
        PRODUCTION
            .iter()
            .map(|name| self.read(&format!("run/{name}.version")).trim().to_owned())
            .collect()
    }

    fn deploys(&self) -> Vec<String> {
        self.read("run/deploys.log")
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn report(&self) -> String {
        self.read("deployment-report.md")
    }

    fn git(&self, args: &[&str]) -> String {
        text(
            &Command::new("git")
                .args(args)
                .current_dir(self.path())
                .output()
                .unwrap()
                .stdout,
        )
    }

    /// Wait (at most 60 s) until `ready` holds.
    fn wait_for(&self, what: &str, ready: impl Fn(&Fleet) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !ready(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for name in PRODUCTION.iter().chain(&["staging-1"]) {
            let _ = self.sh(&format!("sample-instance.sh stop {name}"));
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stderr\n{}",
        out.status.code(),
        text(&out.stderr)
    )
}

/// "ENVIRONMENT STATUS" of every archived rollout, sorted.
fn archived_status(fleet: &Fleet) -> Vec<String> {
    let history = fleet.path().join(".sentinel/history");
    let mut statuses: Vec<String> = std::fs::read_dir(&history)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| {
                    let state: Value = serde_json::from_str(
                        &std::fs::read_to_string(entry.path().join(".deploy-sentinel-state.json"))
                            .unwrap_or_default(),
                    )
                    .unwrap_or_default();
                    format!(
                        "{} {}",
                        state["environment"].as_str().unwrap_or("?"),
                        state["overallStatus"].as_str().unwrap_or("?")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    statuses.sort();
    statuses
}

#[test]
fn a_good_release_goes_through_staging_canary_and_verification() {
    let fleet = Fleet::new(Setup::default());
    let out = fleet.run(&[
        "--confirm",
        "DEPLOY-NOW",
        "--auto-approve",
        "--require-clean",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(fleet.versions(), vec![NEW; 4]);
    assert_eq!(
        fleet.deploys(),
        vec![
            "deploy staging-1 1.5.0",
            "deploy prod-1 1.5.0",
            "deploy prod-2 1.5.0",
            "deploy prod-3 1.5.0",
            "deploy prod-4 1.5.0",
        ],
        "every instance deployed once, in phase order"
    );
    let report = fleet.report();
    assert!(report.contains("SUCCESS"), "{report}");
    assert!(
        fleet.read("summary.md").contains("SUCCESS"),
        "the report reached $GITHUB_STEP_SUMMARY"
    );
    for stage in ["Staging", "Canary", "Half", "Full"] {
        assert!(
            report.contains(&format!("Stage {stage} deployed")),
            "{stage} missing from {report}"
        );
    }
    // Every phase was load-tested, and verification ran on the whole production fleet.
    assert!(report.matches("Stress test").count() >= 6, "{report}");
    assert!(fleet.git(&["tag", "--list"]).contains("v1.5.0"));
    let branches = fleet.git(&["branch", "--list", "deploy/*"]);
    assert!(
        branches.contains("deploy/Staging/Contoso.Orders/"),
        "{branches}"
    );
    assert!(
        branches.contains("deploy/Prod/Contoso.Orders/"),
        "{branches}"
    );
    assert_eq!(
        archived_status(&fleet),
        vec!["Prod Completed"],
        "the release was archived"
    );
    assert!(
        !fleet.path().join(".deploy-sentinel-state.json").exists(),
        "archive moved the state away"
    );
}

#[test]
fn a_canary_that_fails_its_load_test_is_rolled_back() {
    let fleet = Fleet::new(Setup {
        new_release: "--error-rate 5",
        ..Setup::default()
    });
    let out = fleet.run(&["--no-staging", "--confirm", "DEPLOY-NOW", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("Automatic rollback triggered: Canary failed its verification"),
        "{stderr}"
    );
    assert_eq!(
        fleet.versions(),
        vec![OLD; 4],
        "production is back on 1.4.2"
    );
    assert_eq!(
        fleet.deploys(),
        vec!["deploy prod-1 1.5.0", "rollback prod-1 1.4.2"],
        "only the canary was deployed, and it was rolled back"
    );
    assert!(fleet.report().contains("ROLLED_BACK"), "{}", fleet.report());
    assert!(
        fleet
            .report()
            .contains("error rate 5.00% is above the limit of 2%")
            || fleet.report().contains("5.00%"),
        "{}",
        fleet.report()
    );
}

#[test]
fn a_failed_post_deployment_verification_rolls_everything_back() {
    // Phases judge 3% errors acceptable; post-deployment verification allows 1%.
    let fleet = Fleet::new(Setup {
        new_release: "--error-rate 3",
        stress: json!({"requests": 100, "concurrency": 2, "maxErrorRate": 5}),
        ..Setup::default()
    });
    let out = fleet.run(&[
        "--no-staging",
        "--confirm",
        "DEPLOY-NOW",
        "--auto-approve",
        "--pdv-max-error-rate",
        "1",
        // Enough requests that every instance reaches one of its every-33rd failures.
        "--pdv-duration",
        "2s",
        "--pdv-rate",
        "100",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stderr = text(&out.stderr);
    let reason = stderr
        .lines()
        .find(|l| l.contains("Automatic rollback triggered due to PDV failure: http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("the reason names the failing endpoint: {stderr}"));
    assert!(
        reason.contains("error rate") && reason.contains("above the limit of 1%"),
        "{reason}"
    );
    assert_eq!(fleet.versions(), vec![OLD; 4]);
    let deploys = fleet.deploys();
    assert_eq!(
        deploys.iter().filter(|d| d.starts_with("rollback")).count(),
        4,
        "{deploys:?}"
    );
    assert!(
        deploys.last().unwrap().starts_with("rollback prod-1"),
        "in reverse order: {deploys:?}"
    );
    assert!(fleet.report().contains("ROLLED_BACK"));
    assert!(fleet.report().contains("PDV failure"), "{}", fleet.report());
}

#[test]
fn a_rejected_approval_cancels_the_rollout() {
    let fleet = Fleet::new(Setup::default());
    // Without --auto-approve a person decides; here the test is that person.
    let child = fleet.spawn(&["--no-staging", "--confirm", "DEPLOY-NOW"]);
    fleet.wait_for("the approval of Half", |f| {
        f.get("overallStatus").as_deref() == Some("WaitingForApproval")
    });
    let id = fleet.get("rolloutId").unwrap();
    let reject = tool(workspace_bin("sentinel-trigger"))
        .current_dir(fleet.path())
        .env("PATH", &fleet.path)
        .args(["reject", "--rollout-id", &id, "--reason", "not today"])
        .run();
    assert_eq!(reject.code, Some(0), "{}", reject.stderr);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(fleet.report().contains("CANCELLED"), "{}", fleet.report());
    assert_eq!(fleet.deploys(), vec!["deploy prod-1 1.5.0"]);
}

/// Interrupt the script once the canary is deployed, run it again, and check that it finished
/// without deploying anything twice.
fn interrupted_then_resumed(signal: &str) {
    let fleet = Fleet::new(Setup::default());
    let child = fleet.spawn(&["--no-staging", "--confirm", "DEPLOY-NOW", "--auto-approve"]);
    fleet.wait_for("the canary", |f| {
        f.deploys().iter().any(|d| d == "deploy prod-1 1.5.0")
    });
    // The whole process group, as a terminal's Ctrl-C or a CI runner's kill would.
    let status = Command::new("kill")
        .args([&format!("-{signal}"), "--", &format!("-{}", child.id())])
        .status()
        .unwrap();
    assert!(status.success());
    let first = child.wait_with_output().unwrap();
    if signal == "INT" {
        assert_eq!(first.status.code(), Some(130), "{}", describe(&first));
    }
    let again = fleet.run(&["--no-staging", "--confirm", "DEPLOY-NOW", "--auto-approve"]);
    assert_eq!(again.status.code(), Some(0), "{}", describe(&again));
    assert!(
        text(&again.stderr).contains("Resuming"),
        "{}",
        describe(&again)
    );
    assert_eq!(fleet.versions(), vec![NEW; 4]);
    let deploys = fleet.deploys();
    for name in PRODUCTION {
        assert_eq!(
            deploys
                .iter()
                .filter(|d| **d == format!("deploy {name} 1.5.0"))
                .count(),
            1,
            "{name} deployed exactly once: {deploys:?}"
        );
    }
    assert_eq!(archived_status(&fleet), vec!["Prod Completed"]);
}

#[test]
fn the_whole_protocol_runs_with_state_and_lock_in_azure_blob_storage_on_azurite() {
    let Some(azurite) = AzuriteServer::start() else {
        return;
    };
    if azurite.sdk(&["create-container", "deploys"]).is_none() {
        return;
    }
    let mut fleet = Fleet::new(Setup::default());
    // The script is given nothing but the variables: the tools pick the backend up.
    fleet.env = vec![
        (
            "SENTINEL_STATE_URL".into(),
            "azblob://devstoreaccount1/deploys/contoso-orders".into(),
        ),
        ("SENTINEL_AZBLOB_ENDPOINT".into(), azurite.endpoint()),
        ("AZURE_STORAGE_KEY".into(), AZURITE_KEY.into()),
    ];
    let out = fleet.run(&["--confirm", "DEPLOY-NOW", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(fleet.versions(), vec![NEW; 4]);
    assert!(fleet.report().contains("SUCCESS"), "{}", fleet.report());
    for local in [
        ".deploy-sentinel-state.json",
        ".deploy-sentinel-events.ndjson",
        ".deploy-sentinel.lock",
    ] {
        assert!(
            !fleet.path().join(local).exists(),
            "{local} was written to the runner's disk"
        );
    }
    let names = azurite
        .sdk(&["list", "deploys", "contoso-orders/"])
        .unwrap();
    let names: Vec<&str> = names["names"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let archived: Vec<&&str> = names
        .iter()
        .filter(|n| n.starts_with("contoso-orders/history/") && n.ends_with("/state.json"))
        .collect();
    assert_eq!(archived.len(), 1, "{names:?}");
    let state = azurite.sdk(&["blob", "deploys", archived[0]]).unwrap();
    let state: Value = serde_json::from_str(state["text"].as_str().unwrap()).unwrap();
    assert_eq!(state["environment"], "Prod");
    assert_eq!(state["overallStatus"], "Completed");
    assert_eq!(state["phase"], "Archived");
    assert!(
        !names.contains(&"contoso-orders/state.json"),
        "archived: {names:?}"
    );
    let lock = azurite
        .sdk(&["blob", "deploys", "contoso-orders/lock"])
        .unwrap();
    assert_eq!(lock["leaseState"], "available", "released: {lock}");
}

#[test]
fn ctrl_c_mid_rollout_then_a_rerun_resumes_without_redeploying() {
    interrupted_then_resumed("INT");
}

#[test]
fn sigkill_mid_rollout_then_a_rerun_resumes_without_redeploying() {
    interrupted_then_resumed("KILL");
}

#[test]
fn a_second_concurrent_run_exits_3_naming_the_holder() {
    let fleet = Fleet::new(Setup::default());
    let first = fleet.spawn(&["--no-staging", "--confirm", "DEPLOY-NOW"]);
    fleet.wait_for("the first run's approval wait", |f| {
        f.get("overallStatus").as_deref() == Some("WaitingForApproval")
    });
    let second = fleet.run(&["--no-staging", "--confirm", "DEPLOY-NOW"]);
    assert_eq!(second.status.code(), Some(3), "{}", describe(&second));
    let stderr = text(&second.stderr);
    assert!(
        stderr.contains("deploy-sentinel") && stderr.contains(&first.id().to_string()),
        "names the holder's operation and pid: {stderr}"
    );
    let id = fleet.get("rolloutId").unwrap();
    let _ = Command::new(workspace_bin("sentinel-trigger"))
        .current_dir(fleet.path())
        .args(["reject", "--rollout-id", &id])
        .output();
    let out = first.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
}

#[test]
fn a_protected_environment_without_confirmation_deploys_nothing() {
    let fleet = Fleet::new(Setup::default());
    let out = fleet.run(&["--no-staging", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("DEPLOY-NOW"),
        "says how to confirm: {}",
        describe(&out)
    );
    assert!(fleet.deploys().is_empty(), "{:?}", fleet.deploys());
    assert_eq!(fleet.versions(), vec![OLD; 4]);

    let skip = fleet.run(&["--skip-gates", "--confirm", "DEPLOY-NOW"]);
    assert_eq!(skip.status.code(), Some(2), "{}", describe(&skip));
    assert!(text(&skip.stderr).contains("--skip-gates is refused"));
    assert!(fleet.deploys().is_empty());
}

#[test]
fn a_dry_run_validates_and_deploys_nothing() {
    let fleet = Fleet::new(Setup::default());
    let out = fleet.run(&["--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(fleet.deploys().is_empty());
    assert!(!fleet.path().join(".deploy-sentinel-state.json").exists());
    let bad = fleet.run(&["--dry-run", "--strategy", "bluegreen"]);
    assert_eq!(bad.status.code(), Some(2), "{}", describe(&bad));
    assert!(
        text(&bad.stderr)
            .contains("no stage of the config deploys to environment Prod with strategy bluegreen"),
        "{}",
        describe(&bad)
    );
}

#[test]
fn a_notification_receiver_on_loopback_hears_every_step() {
    let receiver = Receiver::start(Reply::Answer(200, String::new(), "ok".into()));
    let fleet = Fleet::new(Setup {
        webhook: Some(receiver.url("/hooks/deploy")),
        ..Setup::default()
    });
    let out = fleet.run(&["--confirm", "DEPLOY-NOW", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let heard: Vec<String> = receiver
        .received()
        .iter()
        .map(|r| {
            let body = r.json();
            let kind = body["kind"].as_str().unwrap_or("message").to_owned();
            match body["stage"].as_str() {
                Some(stage) => format!("{kind} {stage}"),
                None => kind,
            }
        })
        .filter(|k| !k.starts_with("rollout.status"))
        .collect();
    // sentinel-notify's default kinds: starts, stage ends, approvals needed, failed load
    // tests, rollout ends and rollbacks; then the script's verdict.
    let expected = [
        "rollout.triggered",
        "stage.completed Staging",
        "rollout.completed",
        "rollout.triggered",
        "stage.completed Canary",
        "stage.completed Half",
        "stage.completed Full",
        "rollout.completed",
    ];
    let mut position = 0;
    for want in expected {
        match heard[position..].iter().position(|h| h == want) {
            Some(found) => position += found + 1,
            None => panic!("{want} missing (in order) from {heard:#?}"),
        }
    }
    // An approval wait begins as the stage before it completes (Half's as Canary's, Full's as
    // Half's): the watcher may see both in one poll (the wait is reported first) or in two,
    // so either order is right; each is asked before its own stage completes.
    let at = |want: &str| heard.iter().position(|h| h == want);
    let half_waits = at("approval.required Half")
        .unwrap_or_else(|| panic!("approval.required Half missing from {heard:#?}"));
    assert!(
        at("rollout.triggered") < Some(half_waits) && Some(half_waits) < at("stage.completed Half"),
        "Half's approval is asked before Half completes: {heard:#?}"
    );
    let full_waits = at("approval.required Full")
        .unwrap_or_else(|| panic!("approval.required Full missing from {heard:#?}"));
    assert!(
        at("stage.completed Canary") < Some(full_waits)
            && Some(full_waits) < at("stage.completed Full"),
        "Full's approval is asked between Canary's and Full's completion: {heard:#?}"
    );
    let verdict = receiver.received().last().unwrap().json();
    assert!(
        verdict.to_string().contains("Prod: Completed, verified"),
        "the last word is the verdict: {verdict}"
    );
}

#[test]
#[allow(clippy::print_stdout)] // a skipped run says why, in the test output
fn the_pwsh_script_deploys_a_good_release_too() {
    let Ok(version) = Command::new("pwsh")
        .args([
            "-NoProfile",
            "-Command",
            "$PSVersionTable.PSVersion.ToString()",
        ])
        .output()
    else {
        println!(
            "skipped: pwsh (PowerShell 7) is not on PATH; install it to run scripts/deploy-sentinel.ps1 here"
        );
        return;
    };
    println!("pwsh {}", text(&version.stdout).trim());
    let fleet = Fleet::new(Setup::default());
    let out = fleet
        .command("pwsh")
        .args(["-NoProfile", "-File"])
        .arg(repo_root().join("scripts/deploy-sentinel.ps1"))
        .args([
            "-ArtifactVersion",
            NEW,
            "-Soak",
            "1s",
            "-PdvDuration",
            "1s",
            "-PdvRate",
            "40",
            "-Confirm",
            "DEPLOY-NOW",
            "-AutoApprove",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(fleet.versions(), vec![NEW; 4]);
    assert!(fleet.report().contains("SUCCESS"));
}

#[test]
fn a_symlink_planted_where_the_baseline_goes_is_refused() {
    let fleet = Fleet::new(Setup::default());
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::os::unix::fs::symlink(&victim, fleet.path().join(".deploy-sentinel-baseline.json"))
        .unwrap();
    let out = fleet.run(&["--confirm", "DEPLOY-NOW", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(5), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("symbolic link"),
        "{}",
        describe(&out)
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(fleet.deploys().is_empty(), "{:?}", fleet.deploys());
}

/// Users' traffic to /orders on every production instance, for the whole test.
struct UserTraffic(std::process::Child);

impl UserTraffic {
    fn start(fleet: &Fleet) -> UserTraffic {
        let urls: Vec<String> = PRODUCTION
            .iter()
            .map(|name| {
                let port = fleet.read(&format!("run/{name}.port"));
                format!("http://127.0.0.1:{}/orders", port.trim())
            })
            .collect();
        let child = sentinel_test_support::on_engine_under_test(&mut Command::new(workspace_bin(
            "sentinel-stress",
        )))
        .args(&urls)
        .args(["-q", "200", "-z", "120s", "-c", "8"])
        .current_dir(fleet.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        UserTraffic(child)
    }
}

impl Drop for UserTraffic {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Production only, approved as each phase passes, each phase analysed for a second.
const ANALYSED_PRODUCTION: [&str; 6] = [
    "--no-staging",
    "--confirm",
    "DEPLOY-NOW",
    "--auto-approve",
    "--monitor",
    "1s",
];

fn errors_analysis() -> Value {
    json!({
        "provider": "scrape",
        "canary": "version=\"{version}\"",
        "baseline": "version!=\"{version}\"",
        "interval": "250ms",
        "minRequests": 5,
        "metrics": [{
            "name": "errors", "max": 0.02, "maxRatio": 1.5,
            "query": "ratio(http_requests_total{code=~\"5..\",{canary}}, http_requests_total{{canary}})"
        }]
    })
}

#[test]
fn canary_analysis_of_real_traffic_catches_what_the_load_tests_miss() {
    // The new release fails 10% of /orders, a path the load tests (of /) never ask.
    let fleet = Fleet::new(Setup {
        new_release: "--error-rate 10 --error-path /orders",
        analysis: Some(errors_analysis()),
        ..Setup::default()
    });
    let _users = UserTraffic::start(&fleet);
    let out = fleet.run(&ANALYSED_PRODUCTION);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("Automatic rollback triggered: Canary failed its canary analysis"),
        "{stderr}"
    );
    assert_eq!(
        fleet.versions(),
        vec![OLD; 4],
        "production is back on 1.4.2"
    );
    let report = fleet.report();
    assert!(report.contains("Canary: analysis errors"), "{report}");
    assert!(
        report.contains("errors (analysis)"),
        "the comparison has the metric: {report}"
    );
}

#[test]
fn an_inconclusive_analysis_pauses_for_a_person_and_proceed_carries_on() {
    let mut analysis = errors_analysis();
    // A metric no instance exports: never data, so never a pass.
    analysis["metrics"] =
        json!([{"name": "queue", "max": 10, "query": "sum(no_such_metric{{canary}})"}]);
    let fleet = Fleet::new(Setup {
        analysis: Some(analysis),
        ..Setup::default()
    });
    let _users = UserTraffic::start(&fleet);
    let paused = fleet.run(&ANALYSED_PRODUCTION);
    assert_eq!(paused.status.code(), Some(6), "{}", describe(&paused));
    let stderr = text(&paused.stderr);
    assert!(stderr.contains("was inconclusive: not a pass"), "{stderr}");
    assert!(stderr.contains("--on-inconclusive proceed"), "{stderr}");
    assert_eq!(
        fleet.get("overallStatus").as_deref(),
        Some("WaitingForApproval")
    );
    assert_eq!(
        fleet.versions(),
        vec![NEW, OLD, OLD, OLD],
        "only the canary was deployed"
    );
    assert!(
        fleet.report().contains("inconclusive"),
        "{}",
        fleet.report()
    );

    let carried_on =
        fleet.run(&[&ANALYSED_PRODUCTION[..], &["--on-inconclusive", "proceed"]].concat());
    assert_eq!(
        carried_on.status.code(),
        Some(0),
        "{}",
        describe(&carried_on)
    );
    assert_eq!(fleet.versions(), vec![NEW; 4]);
}
