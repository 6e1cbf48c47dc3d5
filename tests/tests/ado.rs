//! `--provider ado` end to end against a loopback stand-in for the Azure DevOps REST API 7.1:
//! it serves the documented response shapes from `tests/fixtures/ado` (moved through a
//! scripted run) and the tests check every request the tools send — method, path,
//! api-version, the Basic auth header and the bodies.

use base64::Engine as _;
use sentinel_test_support::{
    Received, Receiver, Reply, Run, tempdir, tool, trigger_watch_apply, workspace_bin,
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const TOKEN: &str = "s3cr3t-pat-value";
const RUN_ID: u64 = 1413;
const APPROVAL_ID: &str = "aab27959-a5be-4ee3-97ca-f19b3602cd2f";
const PREFIX: &str = "/contoso/Orders%20Team/_apis/";

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/ado")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Scenario {
    Succeeds,
    TaskFails,
    NeedsApproval,
    /// Azure DevOps' answer to a token it does not accept: 203 and a sign-in page.
    SignInPage,
    /// The first POST of a run answers 503.
    BusyOnce,
    /// Reading the run answers 429 with Retry-After: 60, every time.
    Throttled,
    /// The run succeeds, but Azure DevOps skipped the deploy stage (a condition was false).
    StageSkipped,
    /// The deploy task is cancelled (a timeout, an agent lost) and the run fails.
    TaskCanceled,
    /// Succeeds, with the builds list and the approvals query as bare arrays (what the 7.1
    /// schemas declare) instead of `{count, value}` (what the service and the examples send).
    BareArrays,
    /// The run waits at an approval that nobody decides: its status becomes `timedOut`, the
    /// checkpoint fails, and the run fails.
    ApprovalTimesOut,
    /// The run waits at a checkpoint whose id no Approval has (the one assumption the
    /// provider makes does not hold), and the Approvals carry no `pipeline` (as the 7.1
    /// schema has none): the approval cannot be identified.
    ApprovalIdUnknown,
}

/// Scenarios in which the run stops at an approval.
fn waits(scenario: Scenario) -> bool {
    matches!(
        scenario,
        Scenario::NeedsApproval | Scenario::ApprovalTimesOut | Scenario::ApprovalIdUnknown
    )
}

/// The 7.1 Approval object of the stand-in's run, as the schema declares it (no `pipeline`).
fn approval_now(scenario: Scenario, world: &World) -> Value {
    let mut approval = fixture_json("approvals-pending.json")["value"][0].clone();
    approval.as_object_mut().unwrap().remove("pipeline");
    if scenario == Scenario::ApprovalIdUnknown {
        approval["id"] = json!("0b7c1d2e-0000-4000-8000-00000000beef");
    }
    let status = match (scenario, world.decision) {
        (Scenario::ApprovalTimesOut, _) if world.steps >= 3 => "timedOut",
        (_, Some(true)) => "approved",
        (_, Some(false)) => "rejected",
        _ => "pending",
    };
    approval["status"] = json!(status);
    if let (Some(decided), Some(step)) = (world.decision, approval["steps"].get_mut(0)) {
        step["status"] = json!(if decided { "approved" } else { "rejected" });
        step["actualApprover"] =
            json!({"displayName": "Ada Lovelace", "id": "3b4c5d6e-0000-4000-8000-000000000009"});
    }
    approval
}

#[derive(Debug, Default)]
struct World {
    steps: u32,
    /// None: pending; Some(true) approved; Some(false) rejected.
    decision: Option<bool>,
    cancelled: bool,
    posts: u32,
}

/// The pipeline run as the scenario has it now.
fn run_now(scenario: Scenario, world: &World) -> Value {
    let mut run = fixture_json("run.json");
    let (state, result) = if world.cancelled {
        ("completed", Some("canceled"))
    } else {
        match scenario {
            Scenario::TaskFails | Scenario::TaskCanceled if world.steps >= 2 => {
                ("completed", Some("failed"))
            }
            Scenario::ApprovalTimesOut if world.steps >= 3 => ("completed", Some("failed")),
            _ if waits(scenario) && world.decision != Some(true) => ("inProgress", None),
            _ if world.steps >= 3 => ("completed", Some("succeeded")),
            _ => ("inProgress", None),
        }
    };
    run["state"] = json!(state);
    if let Some(result) = result {
        run["result"] = json!(result);
        run["finishedDate"] = json!("2026-11-23T10:09:00.0000000Z");
    }
    run
}

/// The build timeline as the scenario has it now.
fn timeline_now(scenario: Scenario, world: &World) -> Value {
    let mut timeline = fixture_json("timeline.json");
    let set = |record: &mut Value, state: &str, result: Option<&str>| {
        record["state"] = json!(state);
        record["result"] = result.map_or(Value::Null, |r| json!(r));
        record["startTime"] = json!("2026-11-23T10:01:00.000Z");
        if state == "completed" {
            record["finishTime"] = json!("2026-11-23T10:05:00.000Z");
        }
    };
    let records = timeline["records"].as_array_mut().unwrap();
    if !waits(scenario) {
        records.retain(|r| !r["type"].as_str().unwrap().starts_with("Checkpoint"));
    }
    for record in records.iter_mut() {
        let kind = record["type"].as_str().unwrap().to_owned();
        let in_build = record["id"].as_str().unwrap().starts_with("b5a1");
        if in_build {
            match world.steps {
                0 => {}
                1 => set(record, "inProgress", None),
                _ => set(record, "completed", Some("succeeded")),
            }
            continue;
        }
        if kind == "Checkpoint.Approval" || kind == "Checkpoint" {
            if scenario == Scenario::ApprovalTimesOut && world.steps >= 3 {
                set(record, "completed", Some("failed"));
            } else if world.steps >= 2 {
                match world.decision {
                    None => set(record, "inProgress", None),
                    Some(true) => set(record, "completed", Some("succeeded")),
                    Some(false) => set(record, "completed", Some("failed")),
                }
            }
            continue;
        }
        if world.cancelled && world.steps >= 2 {
            set(record, "completed", Some("canceled"));
            continue;
        }
        match scenario {
            Scenario::TaskFails if world.steps >= 2 => {
                set(record, "completed", Some("failed"));
                if kind == "Task" {
                    record["issues"] = json!([{"type": "error", "category": "General", "message": "Failed to deploy web package to App Service.", "data": {"type": "error"}}]);
                }
            }
            Scenario::StageSkipped if world.steps >= 2 => {
                set(record, "completed", Some("skipped"));
            }
            Scenario::TaskCanceled if world.steps >= 2 => {
                set(
                    record,
                    "completed",
                    Some(if kind == "Task" { "canceled" } else { "failed" }),
                );
            }
            _ if waits(scenario) && world.decision != Some(true) => {}
            _ if world.steps >= 3 => set(record, "completed", Some("succeeded")),
            _ if world.steps == 2 => set(record, "inProgress", None),
            _ => {}
        }
    }
    timeline
}

fn answer(status: u16, body: &Value) -> Reply {
    Reply::Answer(
        status,
        "content-type: application/json; charset=utf-8\r\n".into(),
        body.to_string(),
    )
}

/// The stand-in's answer to one request.
fn route(scenario: Scenario, world: &Mutex<World>, request: &Received) -> Reply {
    let mut world = world.lock().unwrap();
    let expected_auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(":{TOKEN}"))
    );
    if request.header("authorization") != Some(expected_auth.as_str()) {
        return answer(401, &json!({"message": "TF400813: not authorized"}));
    }
    if scenario == Scenario::SignInPage {
        return Reply::Answer(
            203,
            "content-type: text/html\r\n".into(),
            "<html><head><title>Azure DevOps Services | Sign In</title></head></html>".into(),
        );
    }
    let Some(rest) = request.path.strip_prefix(PREFIX) else {
        return answer(
            404,
            &json!({"message": format!("no route {}", request.path)}),
        );
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if !query.split('&').any(|p| p == "api-version=7.1") {
        return answer(
            400,
            &json!({"message": "VssInvalidPreviewVersionException: api-version missing"}),
        );
    }
    match (request.method.as_str(), path) {
        ("GET", "build/builds") if scenario == Scenario::BareArrays => {
            answer(200, &fixture_json("builds-latest.json")["value"])
        }
        ("GET", "build/builds") => answer(200, &fixture_json("builds-latest.json")),
        ("POST", "pipelines/42/runs") => {
            world.posts += 1;
            if scenario == Scenario::BusyOnce && world.posts == 1 {
                return answer(503, &json!({"message": "service unavailable"}));
            }
            answer(200, &run_now(scenario, &world))
        }
        ("GET", "pipelines/42/runs/1413") if scenario == Scenario::Throttled => Reply::Answer(
            429,
            "retry-after: 60\r\ncontent-type: application/json\r\n".into(),
            json!({"message": "TF400733: request was blocked"}).to_string(),
        ),
        ("GET", "pipelines/42/runs/1413") => {
            // A timed-out approval waits one poll, then ends the run.
            let waiting = waits(scenario)
                && scenario != Scenario::ApprovalTimesOut
                && world.steps >= 2
                && world.decision.is_none();
            if !waiting && !world.cancelled {
                world.steps += 1;
            }
            answer(200, &run_now(scenario, &world))
        }
        ("GET", "build/builds/1413/timeline") => answer(200, &timeline_now(scenario, &world)),
        // Approvals - Query by the ids the timeline gives: every status.
        ("GET", "pipelines/approvals") if query.contains("approvalIds=") => {
            let asked = query
                .split('&')
                .find_map(|p| p.strip_prefix("approvalIds="))
                .unwrap_or_default();
            let approval = approval_now(scenario, &world);
            let found: Vec<Value> = if waits(scenario)
                && world.steps >= 2
                && asked
                    .split(',')
                    .any(|id| Some(id) == approval["id"].as_str())
            {
                vec![approval]
            } else {
                vec![]
            };
            answer(200, &json!({"count": found.len(), "value": found}))
        }
        // Approvals - Get.
        ("GET", id) if id.starts_with("pipelines/approvals/") => {
            let approval = approval_now(scenario, &world);
            if waits(scenario)
                && Some(&id["pipelines/approvals/".len()..]) == approval["id"].as_str()
            {
                answer(200, &approval)
            } else {
                answer(404, &json!({"message": "VS402917: approval not found"}))
            }
        }
        ("GET", "pipelines/approvals") => {
            let pending = waits(scenario) && world.steps >= 2 && world.decision.is_none();
            if pending && scenario == Scenario::ApprovalIdUnknown {
                // As the 7.1 schema has it: no `pipeline`, so nothing links it to the run.
                answer(
                    200,
                    &json!({"count": 1, "value": [approval_now(scenario, &world)]}),
                )
            } else if pending {
                answer(200, &fixture_json("approvals-pending.json"))
            } else if scenario == Scenario::BareArrays {
                answer(200, &json!([]))
            } else {
                answer(200, &json!({"count": 0, "value": []}))
            }
        }
        ("PATCH", "pipelines/approvals") => {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
            world.decision = Some(body[0]["status"] == "approved");
            answer(
                200,
                &json!({"count": 1, "value": [{"id": APPROVAL_ID, "status": body[0]["status"]}]}),
            )
        }
        ("PATCH", "build/builds/1413") => {
            world.cancelled = true;
            answer(200, &json!({"id": RUN_ID, "status": "cancelling"}))
        }
        // The service honours Accept: JSON is a line list, text/plain the log itself.
        ("GET", "build/builds/1413/logs/7")
            if request
                .header("accept")
                .is_some_and(|a| a.contains("application/json")) =>
        {
            let log = fixture("task.log");
            let lines: Vec<&str> = log.lines().collect();
            answer(200, &json!({"count": lines.len(), "value": lines}))
        }
        ("GET", "build/builds/1413/logs/7") => Reply::Answer(
            200,
            "content-type: text/plain\r\n".into(),
            fixture("task.log"),
        ),
        _ => answer(
            404,
            &json!({"message": format!("no route {} {path}", request.method)}),
        ),
    }
}

struct Ado {
    dir: tempfile::TempDir,
    server: Receiver,
}

impl Ado {
    fn new(scenario: Scenario) -> Ado {
        let world = Arc::new(Mutex::new(World::default()));
        let server = Receiver::route(move |request| route(scenario, &world, request));
        let dir = tempdir().unwrap();
        let config = json!({
            "provider": "ado",
            "serviceGroupName": "Contoso.Orders",
            "environment": "PPE",
            "pollingInterval": "20ms",
            "maxRetries": 1,
            "pipelineConfig": {
                "organization": server.url("/contoso"),
                "project": "Orders Team",
                "pipelineId": 42,
                "branch": "main",
                "templateParameters": {"appVersion": "{version}", "runSmokeTests": true}
            },
            "stages": [{"name": "Deploy_PPE", "regions": ["westeurope"], "endpoints": ["http://127.0.0.1:9/orders"]}]
        });
        std::fs::write(
            dir.path().join(".deploy-sentinel-config.json"),
            config.to_string(),
        )
        .unwrap();
        Ado { dir, server }
    }

    fn bin(name: &str) -> PathBuf {
        workspace_bin(name)
    }

    fn run(&self, name: &str, args: &[&str]) -> Run {
        tool(Self::bin(name))
            .current_dir(self.dir.path())
            .env("AZURE_DEVOPS_PAT", TOKEN)
            .args(args)
            .run()
    }

    fn pipeline(&self) -> Run {
        trigger_watch_apply(self.dir.path())
            .env("AZURE_DEVOPS_PAT", TOKEN)
            .run()
    }

    /// The same with flags for sentinel-watch.
    fn pipeline_with_watch_flags(&self, flags: &str) -> Run {
        sentinel_test_support::trigger_watch_apply_with(self.dir.path(), flags)
            .env("AZURE_DEVOPS_PAT", TOKEN)
            .run()
    }

    fn requests(&self, method: &str, path: &str) -> Vec<Received> {
        self.server
            .received()
            .into_iter()
            .filter(|r| r.method == method && r.path.starts_with(&format!("{PREFIX}{path}")))
            .collect()
    }

    /// Every file the run left in its directory, as text (to look for the token).
    fn all_files(&self) -> String {
        fn walk(dir: &Path, out: &mut String) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
                }
            }
        }
        let mut text = String::new();
        walk(self.dir.path(), &mut text);
        text
    }
}

fn first(run: &Run, kind: &str) -> serde_json::Map<String, Value> {
    run.events()
        .into_iter()
        .find(|e| e["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {}", run.stdout))
}

fn last_kind(run: &Run) -> String {
    run.kinds().last().cloned().unwrap_or_default()
}

#[test]
fn trigger_watch_state_complete_an_ado_pipeline_run_against_the_rest_api_stand_in() {
    let ado = Ado::new(Scenario::Succeeds);
    let run = ado.pipeline();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(last_kind(&run), "rollout.completed");
    let triggered = first(&run, "rollout.triggered");
    assert_eq!(triggered["rolloutId"], "1413");
    assert_eq!(triggered["provider"], "ado");
    assert_eq!(
        triggered["artifactVersion"], "20261123.4",
        "the latest successful build"
    );
    assert_eq!(
        triggered["dashboardUrl"],
        "https://dev.azure.com/contoso/5a8b1c2d-0000-4000-8000-000000000001/_build/results?buildId=1413"
    );
    let deploy = run
        .events()
        .into_iter()
        .find(|e| e["kind"] == "stage.completed" && e["stage"] == "Deploy_PPE")
        .expect("the Deploy_PPE stage completes");
    assert_eq!(deploy["endpoints"], json!(["http://127.0.0.1:9/orders"]));

    let discovery = &ado.requests("GET", "build/builds?")[0];
    assert_eq!(
        discovery.path,
        format!(
            "{PREFIX}build/builds?definitions=42&statusFilter=completed&resultFilter=succeeded&queryOrder=finishTimeDescending&$top=1&api-version=7.1"
        )
    );
    let post = &ado.requests("POST", "pipelines/42/runs")[0];
    assert_eq!(
        post.path,
        format!("{PREFIX}pipelines/42/runs?api-version=7.1")
    );
    assert_eq!(post.header("content-type"), Some("application/json"));
    assert_eq!(
        post.json(),
        json!({
            "templateParameters": {"appVersion": "20261123.4", "runSmokeTests": "true"},
            "variables": {
                "artifactVersion": {"value": "20261123.4", "isSecret": false},
                "environment": {"value": "PPE", "isSecret": false}
            },
            "resources": {"repositories": {"self": {"refName": "refs/heads/main"}}}
        })
    );
    assert!(
        !ado.requests("GET", "pipelines/approvals?state=pending")
            .is_empty()
    );
    // The token goes only into the Authorization header.
    assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN));
    assert!(!ado.all_files().contains(TOKEN));
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(ado.dir.path().join(".deploy-sentinel-state.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(state["overallStatus"], "Completed");
}

#[test]
fn a_failed_ado_stage_carries_the_failed_tasks_issue_and_last_50_log_lines() {
    let ado = Ado::new(Scenario::TaskFails);
    let run = ado.pipeline();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(last_kind(&run), "rollout.failed");
    let failed = first(&run, "stage.failed");
    assert_eq!(failed["stage"], "Deploy_PPE");
    let message = failed["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "Task \"AzureWebApp\" in stage Deploy_PPE failed: Failed to deploy web package to App Service.\nlast 50 log lines:\n"
        ),
        "{message}"
    );
    assert!(
        message.ends_with("##[section]Finishing: AzureWebApp"),
        "{message}"
    );
    assert_eq!(message.lines().count(), 52, "{message}");
    assert_eq!(
        ado.requests("GET", "build/builds/1413/logs/7").len(),
        1,
        "a failed task's log is read once"
    );
    assert_eq!(
        ado.requests("GET", "build/builds/1413/logs/7")[0].header("accept"),
        Some("text/plain"),
        "asked as text: as JSON the service answers a line list"
    );
}

#[test]
fn an_ado_approval_is_reported_approved_with_patch_and_the_run_completes() {
    let ado = Ado::new(Scenario::NeedsApproval);
    let trigger = ado.run("sentinel-trigger", &[]);
    assert_eq!(trigger.code, Some(0), "{}", trigger.stderr);
    let waiting = ado.run(
        "sentinel-watch",
        &["--rollout-id", "1413", "--stop-at-approval"],
    );
    assert_eq!(waiting.code, Some(0), "{}", waiting.stderr);
    let required: Vec<_> = waiting
        .events()
        .into_iter()
        .filter(|e| e["kind"] == "approval.required")
        .collect();
    assert_eq!(required.len(), 1, "the other run's approval is not ours");
    assert_eq!(required[0]["actionId"], APPROVAL_ID);
    assert_eq!(required[0]["stage"], "Deploy_PPE");
    assert_eq!(
        required[0]["reason"],
        "Check the PPE dashboards before approving"
    );

    let approve = ado.run("sentinel-trigger", &["approve", "--rollout-id", "1413"]);
    assert_eq!(approve.code, Some(0), "{}", approve.stderr);
    let patch = &ado.requests("PATCH", "pipelines/approvals")[0];
    assert_eq!(
        patch.path,
        format!("{PREFIX}pipelines/approvals?api-version=7.1")
    );
    let body = patch.json();
    assert_eq!(body[0]["approvalId"], APPROVAL_ID);
    assert_eq!(body[0]["status"], "approved");

    let rest = ado.run("sentinel-watch", &["--rollout-id", "1413"]);
    assert_eq!(rest.code, Some(0), "{}", rest.stderr);
    assert!(rest.kinds().contains(&"approval.granted".to_owned()));
    assert_eq!(last_kind(&rest), "rollout.completed");
    // The approval was found by the id the timeline gives (Approvals - Query, approvalIds),
    // checked by id before the PATCH (Approvals - Get), and its approver read from its steps.
    assert!(
        !ado.requests(
            "GET",
            &format!("pipelines/approvals?approvalIds={APPROVAL_ID}&$expand=steps")
        )
        .is_empty()
    );
    assert!(
        !ado.requests("GET", &format!("pipelines/approvals/{APPROVAL_ID}"))
            .is_empty()
    );
    let granted = first(&rest, "approval.granted");
    assert_eq!(granted["by"], "Ada Lovelace", "{granted:?}");
}

#[test]
fn an_ado_approval_that_times_out_is_reported_as_timed_out_not_as_a_persons_rejection() {
    let ado = Ado::new(Scenario::ApprovalTimesOut);
    let run = ado.pipeline();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let kinds = run.kinds();
    assert!(kinds.contains(&"approval.required".to_owned()), "{kinds:?}");
    let rejected = first(&run, "approval.rejected");
    assert_eq!(rejected["actionId"], APPROVAL_ID);
    assert!(
        rejected.get("by").is_none(),
        "no person decided: {rejected:?}"
    );
    assert_eq!(
        rejected["reason"],
        "the approval timed out: nobody decided before its timeout"
    );
    assert_eq!(last_kind(&run), "rollout.failed");
}

#[test]
fn an_ado_checkpoint_no_approval_answers_to_is_never_approved_in_its_place() {
    let ado = Ado::new(Scenario::ApprovalIdUnknown);
    assert_eq!(ado.run("sentinel-trigger", &[]).code, Some(0));
    let waiting = ado.run(
        "sentinel-watch",
        &["--rollout-id", "1413", "--stop-at-approval"],
    );
    assert_eq!(waiting.code, Some(0), "{}", waiting.stderr);
    let required = first(&waiting, "approval.required");
    assert_eq!(required["actionId"], APPROVAL_ID, "the checkpoint's id");
    sentinel_test_support::assert_contains!(
        required["reason"].as_str().unwrap(),
        "lists no approval with this checkpoint's id"
    );
    let approve = ado.run("sentinel-trigger", &["approve", "--rollout-id", "1413"]);
    assert_eq!(approve.code, Some(2), "{}", approve.stderr);
    sentinel_test_support::assert_contains!(approve.stderr, "could not be matched to an approval");
    assert!(
        ado.requests("PATCH", "pipelines/approvals").is_empty(),
        "nothing was decided"
    );
}

#[test]
fn rejecting_an_ado_approval_rejects_it_and_cancels_the_run() {
    let ado = Ado::new(Scenario::NeedsApproval);
    assert_eq!(ado.run("sentinel-trigger", &[]).code, Some(0));
    let waiting = ado.run(
        "sentinel-watch",
        &["--rollout-id", "1413", "--stop-at-approval"],
    );
    assert_eq!(waiting.code, Some(0), "{}", waiting.stderr);
    let reject = ado.run(
        "sentinel-trigger",
        &["reject", "--rollout-id", "1413", "--reason", "PPE is red"],
    );
    assert_eq!(reject.code, Some(0), "{}", reject.stderr);
    let body = ado.requests("PATCH", "pipelines/approvals")[0].json();
    assert_eq!(body[0]["status"], "rejected");
    assert_eq!(body[0]["comment"], "PPE is red");
    let cancel = &ado.requests("PATCH", "build/builds/1413")[0];
    assert_eq!(cancel.json(), json!({"status": "cancelling"}));
    let end = ado.run("sentinel-watch", &["--rollout-id", "1413"]);
    assert_eq!(end.code, Some(1), "{}", end.stderr);
    assert_eq!(last_kind(&end), "rollout.cancelled");
}

#[test]
fn cancel_patches_the_build_and_the_watcher_sees_the_run_cancelled() {
    let ado = Ado::new(Scenario::Succeeds);
    assert_eq!(ado.run("sentinel-trigger", &[]).code, Some(0));
    let cancel = ado.run("sentinel-trigger", &["cancel", "--rollout-id", "1413"]);
    assert_eq!(cancel.code, Some(0), "{}", cancel.stderr);
    assert_eq!(
        ado.requests("PATCH", "build/builds/1413")[0].path,
        format!("{PREFIX}build/builds/1413?api-version=7.1")
    );
    let end = ado.run("sentinel-watch", &["--rollout-id", "1413"]);
    assert_eq!(end.code, Some(1), "{}", end.stderr);
    assert_eq!(last_kind(&end), "rollout.cancelled");
}

#[test]
fn a_token_azure_devops_does_not_accept_fails_fast_with_exit_4_naming_the_scopes() {
    let ado = Ado::new(Scenario::SignInPage);
    let run = ado.run("sentinel-trigger", &[]);
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert_eq!(
        ado.server.received().len(),
        1,
        "no retry of a refused token"
    );
    sentinel_test_support::assert_contains!(run.stderr, "HTTP 203");
    sentinel_test_support::assert_contains!(run.stderr, "AZURE_DEVOPS_PAT");
    sentinel_test_support::assert_contains!(run.stderr, "Build (Read & execute)");
    assert!(!run.stderr.contains(TOKEN));
}

#[test]
fn a_busy_answer_is_retried_and_a_dead_organization_url_gives_exit_4() {
    let ado = Ado::new(Scenario::BusyOnce);
    let run = ado.run("sentinel-trigger", &["--artifact-version", "1.4.2"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(ado.requests("POST", "pipelines/42/runs").len(), 2);

    let dead = Ado::new(Scenario::Succeeds);
    let port = sentinel_test_support::free_port();
    let config = std::fs::read_to_string(dead.dir.path().join(".deploy-sentinel-config.json"))
        .unwrap()
        .replace(&dead.server.url(""), &format!("http://127.0.0.1:{port}"));
    std::fs::write(dead.dir.path().join(".deploy-sentinel-config.json"), config).unwrap();
    let run = dead.run("sentinel-trigger", &[]);
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    sentinel_test_support::assert_contains!(run.stderr, "stayed unreachable after 2 attempt(s)");
}

#[test]
fn a_watch_timeout_also_bounds_the_retries_of_a_throttling_service() {
    let ado = Ado::new(Scenario::Throttled);
    let started = ado.run("sentinel-trigger", &["--artifact-version", "1.4.2"]);
    assert_eq!(started.code, Some(0), "{}", started.stderr);
    let id = first(&started, "rollout.triggered")["rolloutId"]
        .as_str()
        .unwrap()
        .to_owned();
    let clock = std::time::Instant::now();
    let watched = tool(Ado::bin("sentinel-watch"))
        .current_dir(ado.dir.path())
        .env("AZURE_DEVOPS_PAT", TOKEN)
        .env("SENTINEL_MAX_RETRIES", "5")
        .args(["--provider", "ado", "--rollout-id", &id, "--timeout", "3s"])
        .run();
    let took = clock.elapsed();
    assert_eq!(watched.code, Some(4), "{}", watched.stderr);
    assert!(
        took < std::time::Duration::from_secs(10),
        "a Retry-After of 60 s is not waited for past --timeout 3s: took {took:?}"
    );
}

#[test]
fn lists_as_the_7_1_schemas_declare_them_bare_arrays_are_read_too() {
    let ado = Ado::new(Scenario::BareArrays);
    let run = ado.pipeline();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(last_kind(&run), "rollout.completed");
    assert_eq!(
        first(&run, "rollout.triggered")["artifactVersion"],
        "20261123.4"
    );
}

#[test]
fn template_parameters_that_are_structures_are_refused_at_config_load() {
    let ado = Ado::new(Scenario::Succeeds);
    let path = ado.dir.path().join(".deploy-sentinel-config.json");
    let mut config: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    config["pipelineConfig"]["templateParameters"]["regions"] = json!(["eastus"]);
    std::fs::write(&path, config.to_string()).unwrap();
    let run = ado.pipeline();
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    sentinel_test_support::assert_contains!(
        run.stderr,
        "pipelineConfig.templateParameters.regions is an array"
    );
}

#[test]
fn a_cancelled_ado_task_carries_its_log_like_a_failed_one() {
    let ado = Ado::new(Scenario::TaskCanceled);
    let run = ado.pipeline();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let failed = first(&run, "stage.failed");
    let message = failed["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Task \"AzureWebApp\" in stage Deploy_PPE was cancelled: see its log\nlast 50 log lines:\n"),
        "{message}"
    );
    assert!(
        message.ends_with("##[section]Finishing: AzureWebApp"),
        "{message}"
    );
}

#[test]
fn a_stage_azure_devops_skipped_is_reported_and_the_rollout_fails_unless_skipping_is_allowed() {
    let ado = Ado::new(Scenario::StageSkipped);
    let run = ado.pipeline();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let skipped = first(&run, "stage.skipped");
    assert_eq!(skipped["stage"], "Deploy_PPE", "{skipped:?}");
    assert_eq!(last_kind(&run), "rollout.failed");
    let failed = first(&run, "rollout.failed");
    sentinel_test_support::assert_contains!(failed["errors"].to_string(), "skipped Deploy_PPE");
    sentinel_test_support::assert_contains!(failed["errors"].to_string(), "--allow-skipped-stages");

    let allowed = Ado::new(Scenario::StageSkipped);
    let run = allowed.pipeline_with_watch_flags("--allow-skipped-stages");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(last_kind(&run), "rollout.completed");
    assert!(
        run.kinds().iter().any(|k| k == "stage.skipped"),
        "still reported"
    );
}

/// Every field of every answer the stand-in gives — the fixtures and what each scenario makes
/// of them at every step — checked against the 7.1 specification's own definitions, kept in
/// tests/fixtures/ado/spec-7.1.json with their source named: only declared properties, and
/// only declared enum values. The one exception is documented: the Approvals the service lists
/// for `state=pending` carry a `pipeline` the schema does not declare, which the provider
/// reads only as a fallback.
#[test]
fn the_stand_in_answers_only_what_the_7_1_specification_declares() {
    let spec = fixture_json("spec-7.1.json");
    let mut problems: Vec<String> = Vec::new();
    let mut check = |definition: &str, object: &Value, extras: &[&str], at: &str| {
        let declared = &spec["definitions"][definition];
        assert!(declared.is_object(), "spec-7.1.json has no {definition}");
        let properties: Vec<&str> = declared["properties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        for (field, value) in object.as_object().unwrap() {
            if !properties.contains(&field.as_str()) && !extras.contains(&field.as_str()) {
                problems.push(format!("{at}: {definition} has no property {field:?}"));
            }
            if let (Some(allowed), Some(value)) =
                (declared["enums"][field].as_array(), value.as_str())
            {
                if !allowed.iter().any(|a| a == value) {
                    problems.push(format!(
                        "{at}: {definition}.{field} {value:?} is not one of {allowed:?}"
                    ));
                }
            }
        }
    };
    let scenarios = [
        Scenario::Succeeds,
        Scenario::TaskFails,
        Scenario::NeedsApproval,
        Scenario::StageSkipped,
        Scenario::TaskCanceled,
        Scenario::BareArrays,
        Scenario::ApprovalTimesOut,
        Scenario::ApprovalIdUnknown,
    ];
    for scenario in scenarios {
        for steps in 0..=3 {
            for decision in [None, Some(true), Some(false)] {
                for cancelled in [false, true] {
                    let world = World {
                        steps,
                        decision,
                        cancelled,
                        posts: 0,
                    };
                    let at = format!(
                        "{scenario:?} step {steps} decision {decision:?} cancelled {cancelled}"
                    );
                    check("Run", &run_now(scenario, &world), &[], &at);
                    let timeline = timeline_now(scenario, &world);
                    check("Timeline", &timeline, &[], &at);
                    for record in timeline["records"].as_array().unwrap() {
                        check("TimelineRecord", record, &[], &at);
                        for issue in record["issues"].as_array().into_iter().flatten() {
                            check("Issue", issue, &[], &at);
                        }
                    }
                    if waits(scenario) {
                        let approval = approval_now(scenario, &world);
                        check("Approval", &approval, &[], &at);
                        for step in approval["steps"].as_array().unwrap() {
                            check("ApprovalStep", step, &[], &at);
                        }
                    }
                }
            }
        }
    }
    for build in fixture_json("builds-latest.json")["value"]
        .as_array()
        .unwrap()
    {
        check("Build", build, &[], "builds-latest.json");
    }
    for approval in fixture_json("approvals-pending.json")["value"]
        .as_array()
        .unwrap()
    {
        check(
            "Approval",
            approval,
            &["pipeline"],
            "approvals-pending.json",
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
