//! `--provider ev2` end to end: sentinel-trigger, sentinel-watch and sentinel-state against
//! `ev2-mcp-standin`, a stand-in for the EV2 MCP server built from its published tool
//! contract, started by the tools as a child process over real stdio exactly as the real
//! server is (configured through `.vscode/mcp.json` or `ev2.mcpCommand`).

use sentinel_test_support::{Run, tempdir, tool, trigger_watch_apply, workspace_bin};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const SERVICE_ID: &str = "8f3c2a1b-4d5e-4f60-9a7b-1c2d3e4f5a6b";

struct Ev2 {
    dir: tempfile::TempDir,
}

impl Ev2 {
    /// A workspace whose `.vscode/mcp.json` starts the stand-in with `scenario`.
    fn new(scenario: Value) -> Ev2 {
        let dir = tempdir().unwrap();
        let stages = json!([
            {"name": "Stage1-Canary", "regions": ["EastUS2EUAP"]},
            {"name": "Stage2-WestUS", "regions": ["WestUS"]},
            {"name": "Stage3-Rest", "regions": ["EastUS", "NorthEurope"]}
        ]);
        let mut scenario = scenario;
        if scenario.get("stages").is_none() {
            scenario["stages"] = stages;
        }
        std::fs::write(
            dir.path().join("ev2-state.json"),
            json!({"scenario": scenario}).to_string(),
        )
        .unwrap();
        std::fs::create_dir(dir.path().join(".vscode")).unwrap();
        let mcp = json!({
            "servers": {
                "github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/"},
                "ev2-mcp-server": {
                    "type": "stdio",
                    "command": workspace_bin("ev2-mcp-standin"),
                    "env": {"EV2_STANDIN_STATE": "${workspaceFolder}/ev2-state.json"}
                }
            }
        });
        std::fs::write(dir.path().join(".vscode/mcp.json"), mcp.to_string()).unwrap();
        let config = json!({
            "provider": "ev2",
            "serviceGroupName": "Contoso.Orders",
            "serviceId": SERVICE_ID,
            "stageMapName": "Contoso.Orders.StageMap",
            "environment": "PPE",
            "pollingInterval": "20ms",
            "stages": [{"name": "Stage1-Canary", "endpoints": ["http://127.0.0.1:9/orders"]}]
        });
        std::fs::write(
            dir.path().join(".deploy-sentinel-config.json"),
            config.to_string(),
        )
        .unwrap();
        Ev2 { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn bin(name: &str) -> PathBuf {
        workspace_bin(name)
    }

    fn run(&self, name: &str, args: &[&str]) -> Run {
        tool(Self::bin(name))
            .current_dir(self.path())
            .args(args)
            .run()
    }

    /// `sentinel-trigger | sentinel-watch | sentinel-state apply`, as a shell runs it.
    fn pipeline(&self) -> Run {
        trigger_watch_apply(self.path()).run()
    }

    /// The stand-in's shared state: its calls, sessions and rollouts.
    fn server_state(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.path().join("ev2-state.json")).unwrap())
            .unwrap()
    }

    fn calls(&self, tool_name: &str) -> Vec<Value> {
        // No "calls" yet: the server was never asked anything.
        self.server_state()["calls"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|c| c["tool"] == tool_name)
            .map(|c| c["arguments"].clone())
            .collect()
    }

    fn state_file(&self) -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(self.path().join(".deploy-sentinel-state.json")).unwrap(),
        )
        .unwrap()
    }
}

fn kinds(run: &Run) -> Vec<String> {
    run.kinds()
}

fn first(run: &Run, kind: &str) -> serde_json::Map<String, Value> {
    run.events()
        .into_iter()
        .find(|e| e["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {}", run.stdout))
}

#[test]
fn trigger_watch_state_complete_an_ev2_rollout_through_the_mcp_server() {
    let ev2 = Ev2::new(json!({}));
    let run = ev2.pipeline();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let kinds = kinds(&run);
    assert_eq!(kinds.first().map(String::as_str), Some("rollout.triggered"));
    assert_eq!(kinds.last().map(String::as_str), Some("rollout.completed"));
    assert_eq!(
        kinds.iter().filter(|k| *k == "stage.completed").count(),
        3,
        "{kinds:?}"
    );
    let triggered = first(&run, "rollout.triggered");
    assert_eq!(triggered["provider"], "ev2");
    assert_eq!(
        triggered["artifactVersion"], "1.4.2",
        "newest usable version"
    );
    assert_eq!(triggered["artifactVersionSource"], "provider");
    assert_eq!(triggered["stageMapVersion"], "3");
    assert_eq!(
        triggered["stages"][2]["regions"],
        json!(["EastUS", "NorthEurope"]),
        "stages as EV2 planned them"
    );
    let canary = first(&run, "stage.completed");
    assert_eq!(canary["endpoints"], json!(["http://127.0.0.1:9/orders"]));

    // What the server was asked, exactly as the contract says.
    let start = &ev2.calls("start_rollout")[0];
    assert_eq!(
        start,
        &json!({
            "serviceId": SERVICE_ID,
            "serviceGroupName": "Contoso.Orders",
            "stageMapName": "Contoso.Orders.StageMap",
            "stageMapVersion": "3",
            "artifactVersionNumber": "1.4.2",
            "selectionScope": ["regions(*).steps(*).stamps(*).actions(*)"],
            "exclusionScope": [],
            "endpoint": "Test"
        })
    );
    let rollout_id = triggered["rolloutId"].as_str().unwrap();
    assert!(ev2.calls("get_rollout_details").iter().all(
        |c| c == &json!({"serviceId": SERVICE_ID, "rolloutId": rollout_id, "endpoint": "Test"})
    ));
    // Every session (trigger's and watch's) read the best practices before anything else.
    let sessions = ev2.server_state()["sessions"].as_array().unwrap().clone();
    assert!(sessions.len() >= 2, "{sessions:?}");
    for session in &sessions {
        assert_eq!(session["tools"][0], "get_ev2_best_practices", "{session}");
        assert_eq!(session["protocolVersion"], "2025-11-25");
        assert_eq!(session["clientInfo"]["name"], "deploy-sentinel");
    }
    assert!(
        run.stderr
            .contains("read the EV2 best practices (4 lines) before any EV2 operation"),
        "{}",
        run.stderr
    );
    let state = ev2.state_file();
    assert_eq!(state["overallStatus"], "Completed");
    assert_eq!(
        state["deployedRegions"],
        json!(["EastUS2EUAP", "WestUS", "EastUS", "NorthEurope"])
    );
}

#[test]
fn a_failed_ev2_stage_fails_the_rollout_with_a_recommendation() {
    let ev2 = Ev2::new(json!({"failAt": "Stage2-WestUS"}));
    let run = ev2.pipeline();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let failed = first(&run, "stage.failed");
    assert_eq!(failed["stage"], "Stage2-WestUS");
    assert_eq!(failed["errors"][0]["errorCode"], "HealthCheckFailed");
    assert_eq!(
        failed["errors"][0]["message"],
        "Region WestUS failed during Stage2-WestUS: Health probe /healthz returned 503 for 5 minutes (HealthCheckFailed). Check the service health in WestUS."
    );
    assert_eq!(
        kinds(&run).last().map(String::as_str),
        Some("rollout.failed")
    );
    assert_eq!(ev2.state_file()["overallStatus"], "Failed");
    assert_eq!(ev2.state_file()["deployedRegions"], json!(["EastUS2EUAP"]));
}

#[test]
fn an_ev2_wait_action_is_reported_and_approved_with_stop_wait_action() {
    let ev2 = Ev2::new(json!({"waitBefore": "Stage3-Rest"}));
    let trigger = ev2.run("sentinel-trigger", &[]);
    assert_eq!(trigger.code, Some(0), "{}", trigger.stderr);
    let rollout_id = first(&trigger, "rollout.triggered")["rolloutId"]
        .as_str()
        .unwrap()
        .to_owned();
    let waiting = ev2.run(
        "sentinel-watch",
        &["--rollout-id", &rollout_id, "--stop-at-approval"],
    );
    assert_eq!(waiting.code, Some(0), "{}", waiting.stderr);
    let required = first(&waiting, "approval.required");
    assert_eq!(required["actionId"], "wait-Stage3-Rest");
    assert_eq!(required["stage"], "Stage3-Rest");
    assert!(
        required["instructions"]
            .as_str()
            .unwrap()
            .contains(&format!(
                "sentinel-trigger approve --rollout-id {rollout_id}"
            )),
        "{required:?}"
    );
    let approve = ev2.run(
        "sentinel-trigger",
        &["approve", "--rollout-id", &rollout_id],
    );
    assert_eq!(approve.code, Some(0), "{}", approve.stderr);
    assert_eq!(
        ev2.calls("stop_wait_action")[0],
        json!({"serviceId": SERVICE_ID, "rolloutId": rollout_id, "actionId": "wait-Stage3-Rest", "endpoint": "Test"})
    );
    let rest = ev2.run("sentinel-watch", &["--rollout-id", &rollout_id]);
    assert_eq!(rest.code, Some(0), "{}", rest.stderr);
    assert!(kinds(&rest).contains(&"approval.granted".to_owned()));
    assert_eq!(
        kinds(&rest).last().map(String::as_str),
        Some("rollout.completed")
    );
}

#[test]
fn rejecting_an_ev2_wait_action_cancels_the_rollout() {
    let ev2 = Ev2::new(json!({"waitBefore": "Stage2-WestUS"}));
    let trigger = ev2.run("sentinel-trigger", &[]);
    let rollout_id = first(&trigger, "rollout.triggered")["rolloutId"]
        .as_str()
        .unwrap()
        .to_owned();
    let waiting = ev2.run(
        "sentinel-watch",
        &["--rollout-id", &rollout_id, "--stop-at-approval"],
    );
    assert_eq!(waiting.code, Some(0), "{}", waiting.stderr);
    let reject = ev2.run(
        "sentinel-trigger",
        &[
            "reject",
            "--rollout-id",
            &rollout_id,
            "--reason",
            "error budget spent",
        ],
    );
    assert_eq!(reject.code, Some(0), "{}", reject.stderr);
    let cancel = &ev2.calls("cancel_rollout")[0];
    assert_eq!(cancel["rolloutId"], rollout_id.as_str());
    assert!(
        cancel["reason"]
            .as_str()
            .unwrap()
            .contains("error budget spent"),
        "{cancel}"
    );
    let end = ev2.run("sentinel-watch", &["--rollout-id", &rollout_id]);
    assert_eq!(end.code, Some(1), "{}", end.stderr);
    assert_eq!(
        kinds(&end).last().map(String::as_str),
        Some("rollout.cancelled")
    );
}

#[test]
fn cancel_ends_an_ev2_rollout_and_a_second_trigger_resumes_instead_of_starting_another() {
    let ev2 = Ev2::new(json!({}));
    let first_run = ev2.run("sentinel-trigger", &[]);
    let rollout_id = first(&first_run, "rollout.triggered")["rolloutId"]
        .as_str()
        .unwrap()
        .to_owned();
    let again = ev2.run("sentinel-trigger", &[]);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    let resumed = first(&again, "rollout.triggered");
    assert_eq!(resumed["rolloutId"], rollout_id.as_str());
    assert_eq!(resumed["resumed"], true);
    assert_eq!(ev2.calls("start_rollout").len(), 1, "nothing started twice");

    let cancel = ev2.run("sentinel-trigger", &["cancel", "--rollout-id", &rollout_id]);
    assert_eq!(cancel.code, Some(0), "{}", cancel.stderr);
    let end = ev2.run("sentinel-watch", &["--rollout-id", &rollout_id]);
    assert_eq!(end.code, Some(1), "{}", end.stderr);
    assert_eq!(
        kinds(&end).last().map(String::as_str),
        Some("rollout.cancelled")
    );
}

#[test]
fn transient_ev2_errors_are_retried_after_a_second() {
    let ev2 = Ev2::new(json!({"internalErrorOnFirst": ["get_artifact_versions", "start_rollout"]}));
    let started = Instant::now();
    let run = ev2.run("sentinel-trigger", &["--dry-run"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "backoff of 1 s before the retry"
    );
    assert_eq!(ev2.calls("get_artifact_versions").len(), 2);
    assert!(
        run.stderr.contains("InternalError") && run.stderr.contains("retrying"),
        "{}",
        run.stderr
    );
    assert_eq!(first(&run, "rollout.triggered")["artifactVersion"], "1.4.2");
    let real = ev2.run("sentinel-trigger", &[]);
    assert_eq!(real.code, Some(0), "{}", real.stderr);
    assert_eq!(
        ev2.calls("start_rollout").len(),
        2,
        "one failed, one started"
    );
}

#[test]
fn authentication_failures_fail_fast_with_exit_4_and_not_found_with_exit_2() {
    let auth = Ev2::new(json!({"errorOn": {"get_artifact_versions": "AuthenticationFailed"}}));
    let run = auth.run("sentinel-trigger", &[]);
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert_eq!(auth.calls("get_artifact_versions").len(), 1, "no retry");
    sentinel_test_support::assert_contains!(run.stderr, "AuthenticationFailed");
    sentinel_test_support::assert_contains!(run.stderr, "az login");
    assert!(run.stdout.is_empty());

    let missing = Ev2::new(json!({"errorOn": {"get_artifact_versions": "ServiceNotFound"}}));
    let run = missing.run("sentinel-trigger", &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("EV2 does not know serviceId {SERVICE_ID}")),
        "{}",
        run.stderr
    );

    let busy = Ev2::new(json!({"errorOn": {"start_rollout": "ConcurrentRollout"}}));
    let run = busy.run("sentinel-trigger", &[]);
    assert_eq!(run.code, Some(3), "{}", run.stderr);
}

#[test]
fn a_server_that_dies_gives_exit_4_with_its_last_words() {
    let ev2 = Ev2::new(json!({"exitOn": "get_stage_map_versions"}));
    let run = ev2.run("sentinel-trigger", &[]);
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    sentinel_test_support::assert_contains!(run.stderr, "fatal: lost the connection to EV2");
    sentinel_test_support::assert_contains!(run.stderr, "exited");
}

#[test]
fn unknown_ev2_statuses_are_in_progress_with_a_warning() {
    let ev2 = Ev2::new(json!({"oddStageStatus": "Baking"}));
    let run = ev2.pipeline();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    sentinel_test_support::assert_contains!(
        run.stderr,
        "EV2 reported a status this version does not know (stage Stage1-Canary: Baking)"
    );
    assert_eq!(ev2.state_file()["overallStatus"], "Completed");
}

#[test]
fn bad_scopes_and_unknown_environments_are_usage_errors_before_any_call() {
    let ev2 = Ev2::new(json!({}));
    let run = ev2.run(
        "sentinel-trigger",
        &["--selection-scope", "regions(westus)"],
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("selection scope \"regions(westus)\" is not an EV2 scope"),
        "{}",
        run.stderr
    );
    let run = ev2.run("sentinel-trigger", &["--environment", "Moon"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("no EV2 endpoint is known for environment \"Moon\""),
        "{}",
        run.stderr
    );
    assert!(ev2.calls("start_rollout").is_empty());
}

#[test]
fn the_mcp_command_flag_wins_over_vscode_mcp_json() {
    let ev2 = Ev2::new(json!({}));
    // A .vscode entry that cannot start: the flag must be what is used.
    std::fs::write(
        ev2.path().join(".vscode/mcp.json"),
        r#"{"servers": {"ev2": {"command": "/nonexistent/ev2-server"}}}"#,
    )
    .unwrap();
    let command = format!("'{}'", workspace_bin("ev2-mcp-standin").display());
    let run = tool(workspace_bin("sentinel-trigger"))
        .current_dir(ev2.path())
        .env("EV2_STANDIN_STATE", ev2.path().join("ev2-state.json"))
        .args(["--dry-run", "--mcp-command", &command])
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let broken = ev2.run("sentinel-trigger", &["--dry-run"]);
    assert_eq!(broken.code, Some(2), "{}", broken.stderr);
    sentinel_test_support::assert_contains!(broken.stderr, "/nonexistent/ev2-server");
}

/// The official Python MCP SDK, where `.ci/run` installed it (pip install "mcp>=1.10,<2").
// The reason a test skips goes to the test's own stderr.
#[allow(clippy::print_stderr)]
fn python_mcp_sdk() -> Option<&'static str> {
    let found = std::process::Command::new("python3")
        .args(["-c", "import mcp.server.fastmcp"])
        .status()
        .is_ok_and(|s| s.success());
    if found {
        Some("python3")
    } else if std::env::var_os("SENTINEL_REQUIRE_PYTHON_MCP").is_some() {
        panic!("SENTINEL_REQUIRE_PYTHON_MCP is set but python3 cannot import mcp.server.fastmcp");
    } else {
        eprintln!(
            "skipped: the Python MCP SDK 1.x is not installed (pip install \"mcp>=1.10,<2\")"
        );
        None
    }
}

#[test]
fn versions_come_through_from_a_server_built_on_the_official_python_sdk() {
    let Some(python) = python_mcp_sdk() else {
        return;
    };
    let ev2 = Ev2::new(json!({}));
    let server = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ev2-fastmcp/server.py");
    let command = format!("{python} '{}'", server.display());
    let run = tool(workspace_bin("sentinel-trigger"))
        .current_dir(ev2.path())
        .args(["--dry-run", "--mcp-command", &command])
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let triggered = first(&run, "rollout.triggered");
    assert_eq!(
        triggered["artifactVersion"], "1.4.2",
        "the newest usable one"
    );
    assert_eq!(triggered["stageMapVersion"], "7");
    assert_eq!(triggered["artifactVersionSource"], "provider");
}
