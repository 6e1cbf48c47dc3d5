//! The README's six-tool pipeline, through real pipes, on the sample service: trigger →
//! branch → watch → stress → notify → state, under the run lock.

use sentinel_test_support::{Receiver, Reply, tempdir, tool, workspace_bin};
use serde_json::json;

#[test]
fn the_readme_pipeline_deploys_verifies_notifies_and_records() {
    let dir = tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("run")).unwrap();
    let repo = git2::Repository::init(dir.path()).unwrap();
    let signature = git2::Signature::now("t", "t@example.invalid").unwrap();
    let tree = repo
        .find_tree(repo.index().unwrap().write_tree().unwrap())
        .unwrap();
    repo.commit(Some("HEAD"), &signature, &signature, "init", &tree, &[])
        .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let service = workspace_bin("sample-service");
    let slack = Receiver::start(Reply::Answer(200, String::new(), "ok".into()));
    let config = json!({
        "serviceGroupName": "Contoso.Orders",
        "environment": "Staging",
        "artifactVersion": "1.4.2",
        "pollingInterval": "100ms",
        "slackWebhookUrl": slack.url("/services/T/B/X"),
        "stressTestConfig": {"requests": 200, "concurrency": 4, "maxErrorRate": 1, "maxP95Ms": 500},
        "stages": [{
            "name": "Canary", "regions": ["eastus"],
            "deploy": format!("kill $(cat run/c.pid 2>/dev/null) 2>/dev/null; nohup '{}' --port {port} --version {{version}} --pid-file run/c.pid > run/c.log 2>&1 &", service.display()),
            "healthUrl": format!("http://127.0.0.1:{port}/healthz"),
            "endpoints": [format!("http://127.0.0.1:{port}/")]
        }]
    });
    std::fs::write(
        dir.path().join(".deploy-sentinel-config.json"),
        config.to_string(),
    )
    .unwrap();
    let bin = |name: &str| workspace_bin(name).display().to_string();
    let pipeline = format!(
        "set -o pipefail; '{}' | '{}' create | '{}' | '{}' --on stage.completed | '{}' | '{}' apply",
        bin("sentinel-trigger"),
        bin("sentinel-branch"),
        bin("sentinel-watch"),
        bin("sentinel-stress"),
        bin("sentinel-notify"),
        bin("sentinel-state")
    );
    let run = tool(bin("sentinel-state"))
        .current_dir(dir.path())
        .args(["lock", "--", "bash", "-c", &pipeline])
        .run();
    if let Ok(pid) = std::fs::read_to_string(dir.path().join("run/c.pid")) {
        let _ = std::process::Command::new("kill").arg(pid.trim()).status();
    }
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let kinds = run.kinds();
    for kind in [
        "rollout.triggered",
        "branch.created",
        "stage.completed",
        "stress.result",
        "notify.sent",
        "rollout.completed",
    ] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "{kind} missing from {kinds:?}"
        );
    }
    let events = run.events();
    let stress = events
        .iter()
        .find(|e| e["kind"] == "stress.result")
        .unwrap();
    assert_eq!(
        (stress["totalRequests"].as_u64(), stress["passed"].as_bool()),
        (Some(200), Some(true))
    );
    assert!(slack.received().iter().any(|r| {
        r.json()["text"]
            .as_str()
            .unwrap_or("")
            .contains("Deployment succeeded")
    }));
    let get = |field: &str| {
        tool(bin("sentinel-state"))
            .current_dir(dir.path())
            .args(["get", field])
            .run()
            .stdout
    };
    assert_eq!(get("overallStatus"), "Completed\n");
    assert!(get("branchName").starts_with("deploy/Staging/Contoso.Orders/"));
    assert!(get("stressResults").contains("\"passed\":true"));
    assert!(
        repo.find_branch(get("branchName").trim(), git2::BranchType::Local)
            .is_ok()
    );
}
