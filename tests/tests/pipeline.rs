//! The README's six-tool pipeline, through real pipes, on the sample service: trigger →
//! branch → watch → stress → notify → state, under the run lock.

use sentinel_test_support::{Receiver, Reply, tempdir, tool, workspace_bin};
use serde_json::json;

#[test]
fn the_readme_pipeline_deploys_verifies_notifies_and_records() {
    let dir = tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("run")).unwrap();
    let git = sentinel_test_support::GitRepo::init_in(dir.path());
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
        git.repo
            .find_branch(get("branchName").trim(), git2::BranchType::Local)
            .is_ok()
    );
}

/// Start `args` under `sh`, with SIGINT ignored as a non-interactive shell's background job
/// has it, feed it one event line and keep its input open.
fn started_with_one_line(
    dir: &std::path::Path,
    bin: &str,
    args: &[&str],
    line: &str,
) -> (std::process::Child, std::process::ChildStdin) {
    use std::io::Write;
    let mut child =
        sentinel_test_support::on_engine_under_test(&mut std::process::Command::new("sh"))
            .args(["-c", "trap '' INT; exec \"$@\"", "sh"])
            .arg(workspace_bin(bin))
            .args(args)
            .current_dir(dir)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
    stdin.flush().unwrap();
    (child, stdin)
}

#[test]
fn sigterm_and_sigint_end_every_long_running_tool_with_130_after_the_line_in_hand() {
    let dir = tempdir().unwrap();
    sentinel_test_support::GitRepo::init_in(dir.path());
    let line = r#"{"v":1,"kind":"my.own","ts":"2026-11-23T18:04:05.123Z","source":"test","rolloutId":"r1"}"#;
    let state_dir = dir.path().display().to_string();
    let tools: [(&str, Vec<&str>); 5] = [
        ("sentinel-state", vec!["apply", "--state-dir", &state_dir]),
        ("sentinel-notify", vec!["--state-dir", &state_dir]),
        ("sentinel-watch", vec!["--state-dir", &state_dir]),
        ("sentinel-stress", vec!["--on", "stage.completed"]),
        ("sentinel-branch", vec!["create"]),
    ];
    for signal in ["TERM", "INT"] {
        for (bin, args) in &tools {
            let (mut child, stdin) = started_with_one_line(dir.path(), bin, args, line);
            // The line is passed through before the signal: read it first.
            let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
            let mut first = String::new();
            std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
            assert_eq!(first.trim_end(), line, "{bin} passed the line on");
            let killed = std::process::Command::new("kill")
                .args([&format!("-{signal}"), &child.id().to_string()])
                .status()
                .unwrap();
            assert!(killed.success());
            drop(stdout);
            let status = child.wait().unwrap();
            let stderr = std::io::read_to_string(child.stderr.take().unwrap()).unwrap();
            drop(stdin);
            assert_eq!(
                status.code(),
                Some(130),
                "{bin} on SIG{signal}: {status:?} {stderr}"
            );
            assert!(stderr.contains("interrupted"), "{bin}: {stderr}");
        }
    }
    // apply journalled the line before it stopped.
    let journal =
        std::fs::read_to_string(dir.path().join(".deploy-sentinel-events.ndjson")).unwrap();
    assert_eq!(
        journal.lines().filter(|l| *l == line).count(),
        1,
        "{journal}"
    );
}

#[test]
fn sentinel_stress_runs_on_the_engine_this_test_binary_is_for() {
    let service = sentinel_test_support::SampleService::start(&[]);
    let run = tool(workspace_bin("sentinel-stress"))
        .args(["-v", "-n", "5", &service.url()])
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // The crate's own name (the test binary's) against what the support library read.
    let this_binary_is_for = module_path!()
        .starts_with("integration_on_mio::")
        .then_some("mio");
    assert_eq!(
        sentinel_test_support::stress_engine_under_test(),
        this_binary_is_for
    );
    let wanted = match this_binary_is_for {
        Some("mio") => "load engine: mio (--engine mio)",
        // The default: io_uring, unless this machine refuses it (then mio says why).
        _ if run.stderr.contains("io_uring is not usable") => "load engine: mio (io_uring",
        _ => "load engine: io_uring for http:// targets",
    };
    sentinel_test_support::assert_contains!(run.stderr, wanted);
}
