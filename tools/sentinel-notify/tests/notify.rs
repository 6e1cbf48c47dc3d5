//! sentinel-notify against real loopback receivers standing in for Teams Workflows, Slack,
//! Discord and a signed webhook endpoint, built from their documented payloads and answers.

use base64::Engine;
use hmac::{Hmac, Mac};
use sentinel_test_support::{Receiver, Reply, tempdir, tool};
use sha2::Sha256;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_sentinel-notify");

fn event(kind: &str, fields: &str) -> String {
    format!(
        r#"{{"v":1,"kind":"{kind}","ts":"2026-11-23T18:04:05.123Z","source":"test","rolloutId":"r1",{fields}}}"#
    )
}

fn rollout() -> Vec<String> {
    vec![
        event(
            "rollout.triggered",
            r#""serviceGroupName":"Contoso.Orders","serviceId":"x","environment":"Prod","stageMapName":"m","stageMapVersion":"3","artifactVersion":"1.4.2","provider":"local","stages":[{"name":"Canary","regions":["eastus"]}],"resumed":false,"dashboardUrl":"https://dash.example/r1""#,
        ),
        event("canary.promoted", r#""x":1"#),
        event(
            "stress.result",
            r#""endpointUrl":"http://127.0.0.1:1/","passed":true"#,
        ),
        event(
            "stage.completed",
            r#""stage":"Canary","index":0,"regions":["eastus"],"endpoints":[],"durationMs":61000"#,
        ),
    ]
}

fn input(lines: &[String]) -> String {
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

fn ok() -> Reply {
    Reply::Answer(200, String::new(), "ok".into())
}

#[test]
fn teams_workflows_and_slack_receive_their_documented_payloads_with_pass_through_kept() {
    let teams = Receiver::start(Reply::Answer(202, String::new(), String::new()));
    let slack = Receiver::start(ok());
    let state = tempdir().unwrap();
    let lines = rollout();
    let run = tool(BIN)
        .args([
            "--teams",
            &teams.url("/workflows/abc/triggers/manual"),
            "--slack",
            &slack.url("/services/T/B/X"),
            "--state-dir",
        ])
        .arg(state.path())
        .stdin(input(&lines))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let out: Vec<&str> = run.stdout.lines().collect();
    // Every input line, unchanged and in order; the notify events (written by the delivery
    // worker as each message reaches its channels) in message order, channels in order.
    let passed: Vec<&str> = out
        .iter()
        .copied()
        .filter(|l| !l.contains("\"source\":\"sentinel-notify\""))
        .collect();
    assert_eq!(
        passed, lines,
        "unknown kinds and a passing stress result pass untouched"
    );
    let notified: Vec<&str> = out
        .iter()
        .copied()
        .filter(|l| l.contains("\"source\":\"sentinel-notify\""))
        .collect();
    assert_eq!(notified.len(), 4, "{notified:?}");
    for (line, (kind, channel)) in notified.iter().zip([
        ("rollout.triggered", "teams"),
        ("rollout.triggered", "slack"),
        ("stage.completed", "teams"),
        ("stage.completed", "slack"),
    ]) {
        assert!(
            line.contains("\"notify.sent\"")
                && line.contains(&format!("\"eventKind\":\"{kind}\""))
                && line.contains(&format!("\"channel\":\"{channel}\"")),
            "{line}"
        );
    }
    assert!(notified[2].contains("\"status\":202"), "{}", notified[2]);
    let first_notice = out.iter().position(|l| *l == notified[0]).unwrap();
    assert!(first_notice > 0, "a notice follows the line that caused it");

    let cards = teams.received();
    assert_eq!(cards.len(), 2);
    assert_eq!(cards[0].method, "POST");
    assert_eq!(cards[0].path, "/workflows/abc/triggers/manual");
    assert_eq!(cards[0].header("content-type"), Some("application/json"));
    let card = cards[0].json();
    assert_eq!(card["type"], "message");
    assert_eq!(
        card["attachments"][0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let content = &card["attachments"][0]["content"];
    assert_eq!(content["type"], "AdaptiveCard");
    assert_eq!(content["version"], "1.4");
    assert_eq!(content["body"][0]["type"], "TextBlock");
    assert_eq!(
        content["body"][0]["text"],
        "🚀 Deployment starting: Contoso.Orders 1.4.2 to Prod"
    );
    let facts = content["body"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "FactSet")
        .unwrap();
    assert!(
        facts["facts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["title"] == "Rollout" && f["value"] == "r1")
    );
    assert_eq!(content["actions"][0]["type"], "Action.OpenUrl");
    assert_eq!(content["actions"][0]["url"], "https://dash.example/r1");
    let stage = cards[1].json();
    assert_eq!(
        stage["attachments"][0]["content"]["body"][0]["text"],
        "✅ Contoso.Orders 1.4.2: stage Canary deployed"
    );

    let messages = slack.received();
    let first = messages[0].json();
    assert_eq!(
        first["text"],
        "🚀 Deployment starting: Contoso.Orders 1.4.2 to Prod"
    );
    let blocks = first["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "header");
    assert!(
        blocks
            .iter()
            .any(|b| b["type"] == "section" && b["fields"].is_array())
    );
    assert!(blocks.iter().any(|b| b["type"] == "context"));
    assert_eq!(
        blocks.last().unwrap()["elements"][0]["url"],
        "https://dash.example/r1"
    );
}

#[test]
fn webhooks_carry_the_event_signed_per_standard_webhooks_and_github() {
    let hook = Receiver::start(Reply::Answer(204, String::new(), String::new()));
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let line = event(
        "rollout.completed",
        r#""overallStatus":"Completed","durationMs":5,"deployedRegions":[],"errors":[]"#,
    );
    let run = tool(BIN)
        .args([
            "--webhook",
            &hook.url("/hooks/deploy"),
            "--webhook-secret-env",
            "TEST_WEBHOOK_SECRET",
        ])
        .env("TEST_WEBHOOK_SECRET", secret)
        .stdin(format!("{line}\n"))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let request = &hook.received()[0];
    let body = String::from_utf8(request.body.clone()).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        serde_json::from_str::<serde_json::Value>(&line).unwrap()
    );
    let id = request.header("webhook-id").unwrap();
    let timestamp = request.header("webhook-timestamp").unwrap();
    let key = base64::engine::general_purpose::STANDARD
        .decode(&secret["whsec_".len()..])
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(
        request.header("webhook-signature"),
        Some(format!("v1,{expected}").as_str())
    );
    let mut github = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    github.update(body.as_bytes());
    let hex: String = github
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        request.header("x-hub-signature-256"),
        Some(format!("sha256={hex}").as_str())
    );
    assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
}

#[test]
fn a_dead_or_hanging_channel_never_stops_another_or_the_pass_through_and_nothing_is_lost() {
    let live = Receiver::start(ok());
    let hanging = Receiver::start(Reply::Hang);
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = format!("http://127.0.0.1:{dead_port}/services/T0SECRET/B0SECRET/XSECRETTOKEN");
    let state = tempdir().unwrap();
    let line = event(
        "stage.failed",
        r#""stage":"Canary","index":0,"regions":["eastus"],"errors":[{"message":"deploy exited 3"}]"#,
    );
    let started = Instant::now();
    let run = tool(BIN)
        .args([
            "--slack",
            &live.url("/ok"),
            "--slack",
            &dead,
            "--teams",
            &hanging.url("/workflows/SECRETHANG"),
            "--timeout",
            "500ms",
            "--max-retries",
            "1",
            "--state-dir",
        ])
        .arg(state.path())
        .stdin(format!("{line}\n"))
        .run();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the channels were tried in parallel"
    );
    assert_eq!(
        run.code,
        Some(0),
        "failures do not fail the deployment: {}",
        run.stderr
    );
    let events = run.events();
    assert_eq!(run.stdout.lines().next(), Some(line.as_str()));
    let outcomes: Vec<(&str, &str)> = events[1..]
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["channel"].as_str().unwrap()))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("notify.failed", "teams"),
            ("notify.sent", "slack"),
            ("notify.failed", "slack")
        ],
        "one event per channel, right after the line, in channel order"
    );
    for failed in [&events[1], &events[3]] {
        assert!(
            failed["error"]
                .as_str()
                .unwrap()
                .contains("gave up after 2 attempts"),
            "{failed:?}"
        );
    }
    assert_eq!(live.received().len(), 1);
    assert_eq!(
        hanging.received().len(),
        2,
        "the hanging channel was retried once"
    );
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains("SECRET"), "a webhook URL leaked: {text}");
    }
    let fallback =
        std::fs::read_to_string(state.path().join(".sentinel/notifications.ndjson")).unwrap();
    let records: Vec<serde_json::Value> = fallback
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["eventKind"], "stage.failed");
    assert!(
        records[0]["payload"].is_object(),
        "the message itself is kept"
    );
    assert!(!fallback.contains("SECRET"));

    let strict = tool(BIN)
        .args([
            "--slack",
            &dead,
            "--max-retries",
            "0",
            "--strict",
            "--state-dir",
        ])
        .arg(state.path())
        .stdin(format!("{line}\n"))
        .run();
    assert_eq!(strict.code, Some(1), "{}", strict.stderr);
}

#[test]
fn permanent_refusals_are_not_retried() {
    let gone = Receiver::start(Reply::Answer(
        404,
        String::new(),
        "workflow not found".into(),
    ));
    let line = event(
        "rollout.completed",
        r#""overallStatus":"Completed","durationMs":5,"deployedRegions":[],"errors":[]"#,
    );
    let state = tempdir().unwrap();
    let run = tool(BIN)
        .args(["--teams", &gone.url("/w"), "--state-dir"])
        .arg(state.path())
        .stdin(format!("{line}\n"))
        .run();
    assert_eq!(run.code, Some(0));
    assert_eq!(gone.received().len(), 1);
    assert_eq!(run.events()[1]["status"], 404);
}

#[test]
fn dry_run_shows_payloads_and_sends_nothing() {
    let teams = Receiver::start(ok());
    let line = event(
        "rollout.completed",
        r#""overallStatus":"Completed","durationMs":5,"deployedRegions":[],"errors":[]"#,
    );
    let run = tool(BIN)
        .args(["--teams", &teams.url("/workflows/SECRET"), "--dry-run"])
        .stdin(format!("{line}\n"))
        .run();
    assert_eq!(run.code, Some(0));
    assert!(
        run.stderr
            .contains("dry run: would send to teams http://127.0.0.1"),
        "{}",
        run.stderr
    );
    sentinel_test_support::assert_contains!(run.stderr, "\"AdaptiveCard\"");
    assert!(!run.stderr.contains("SECRET"));
    assert!(teams.received().is_empty());
    assert_eq!(run.stdout, format!("{line}\n"));
}

#[test]
fn send_builds_one_discord_message_from_flags_and_templates_override_wording() {
    let discord = Receiver::start(Reply::Answer(204, String::new(), String::new()));
    let run = tool(BIN)
        .args([
            "--discord",
            &discord.url("/api/webhooks/1/tok"),
            "send",
            "--title",
            "Release 1.4.2 is live",
            "--status",
            "succeeded",
            "--fact",
            "Region=westus",
            "--link",
            "https://dash.example",
        ])
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let embed = &discord.received()[0].json()["embeds"][0];
    assert_eq!(embed["title"], "Release 1.4.2 is live");
    assert_eq!(embed["color"], 0x2ea043);
    assert!(
        embed["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "Region" && f["value"] == "westus")
    );
    assert_eq!(run.events()[0]["kind"], "notify.sent");
    assert_eq!(
        tool(BIN)
            .args(["send", "--title", "x", "--status", "info"])
            .run()
            .code,
        Some(2),
        "no channel"
    );

    let slack = Receiver::start(ok());
    let template = tempdir().unwrap();
    let file = template.path().join("t.json");
    std::fs::write(
        &file,
        r#"{"stage.completed": {"title": "{stage} is out in {regions}"}}"#,
    )
    .unwrap();
    let line = event(
        "stage.completed",
        r#""stage":"Canary","index":0,"regions":["eastus"],"endpoints":[],"durationMs":1"#,
    );
    let run = tool(BIN)
        .args(["--slack", &slack.url("/s"), "--template"])
        .arg(&file)
        .stdin(format!("{line}\n"))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        slack.received()[0].json()["text"],
        "Canary is out in [\"eastus\"]"
    );
}

#[test]
fn a_planted_symlink_never_receives_the_fallback_log() {
    let gone = Receiver::start(Reply::Answer(404, String::new(), "gone".into()));
    let line = event(
        "rollout.completed",
        r#""overallStatus":"Completed","durationMs":5,"deployedRegions":[],"errors":[]"#,
    );
    let outside = tempdir().unwrap();
    let victim = outside.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    for planted in [".sentinel/notifications.ndjson", ".sentinel"] {
        let state = tempdir().unwrap();
        let link = state.path().join(planted);
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        let target = if planted == ".sentinel" {
            outside.path().to_path_buf()
        } else {
            victim.clone()
        };
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let run = tool(BIN)
            .args(["--teams", &gone.url("/w"), "--state-dir"])
            .arg(state.path())
            .stdin(format!("{line}\n"))
            .run();
        assert_eq!(run.code, Some(0), "notify never blocks: {}", run.stderr);
        sentinel_test_support::assert_contains!(run.stderr, "symbolic link");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
        assert!(!outside.path().join("notifications.ndjson").exists());
    }
}

#[test]
fn a_receiver_that_echoes_the_webhook_path_leaks_nothing() {
    let path = "/services/T000/B000/XXXXSECRET";
    let echo = Receiver::start(Reply::Answer(
        404,
        String::new(),
        format!("Cannot POST {path} (see https://127.0.0.1{path}?sig=XXXXSECRET)"),
    ));
    let line = event(
        "rollout.completed",
        r#""overallStatus":"Completed","durationMs":5,"deployedRegions":[],"errors":[]"#,
    );
    let state = tempdir().unwrap();
    let run = tool(BIN)
        .args(["--slack", &echo.url(path), "--state-dir"])
        .arg(state.path())
        .stdin(format!("{line}\n"))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.events()[1]["kind"], "notify.failed");
    assert!(
        run.events()[1]["error"]
            .as_str()
            .unwrap()
            .contains("Cannot POST")
    );
    let fallback =
        std::fs::read_to_string(state.path().join(".sentinel/notifications.ndjson")).unwrap();
    for text in [&run.stdout, &run.stderr, &fallback] {
        assert!(!text.contains("XXXXSECRET"), "the token leaked: {text}");
    }

    // A token echoed past the length an error quotes of a body.
    let token = "xoxQ7vR2mK9pL4wN8sT3yB6c";
    let echo = Receiver::start(Reply::Answer(
        400,
        String::new(),
        format!("{} {token}", "x".repeat(190)),
    ));
    let state = tempdir().unwrap();
    let run = tool(BIN)
        .args(["--max-retries", "0", "--slack"])
        .arg(echo.url(&format!("/services/T0A1B2C3D/B0E4F5G6H/{token}")))
        .arg("--state-dir")
        .arg(state.path())
        .stdin(format!("{line}\n"))
        .run();
    assert_eq!(run.events()[1]["kind"], "notify.failed", "{}", run.stdout);
    let fallback =
        std::fs::read_to_string(state.path().join(".sentinel/notifications.ndjson")).unwrap();
    for text in [&run.stdout, &run.stderr, &fallback] {
        assert!(!text.contains("xoxQ7vR2m"), "a cut token leaked: {text}");
    }

    // A Teams signature written percent-encoded, echoed back decoded.
    let echo = Receiver::start(Reply::Answer(
        404,
        String::new(),
        "Cannot POST /w/abc123?sig=Ab+cdEFgh/ijkLMN=".into(),
    ));
    let state = tempdir().unwrap();
    let run = tool(BIN)
        .args(["--max-retries", "0", "--teams"])
        .arg(echo.url("/w/abc123?sig=Ab%2BcdEFgh%2FijkLMN%3D"))
        .arg("--state-dir")
        .arg(state.path())
        .stdin(format!("{line}\n"))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.events()[1]["kind"], "notify.failed");
    let fallback =
        std::fs::read_to_string(state.path().join(".sentinel/notifications.ndjson")).unwrap();
    for text in [&run.stdout, &run.stderr, &fallback] {
        assert!(
            !text.contains("cdEFgh"),
            "the decoded signature leaked: {text}"
        );
    }
}

#[test]
fn send_takes_the_man_page_s_status_spelling_and_refuses_an_empty_signing_secret() {
    let webhook = Receiver::start(ok());
    let state = tempdir().unwrap();
    let sent = tool(BIN)
        .args([
            "send",
            "--title",
            "Release 1.4.2 is live",
            "--status",
            "Succeeded",
        ])
        .args([
            "--fact",
            "Region=westus",
            "--link",
            "https://dash.example/r1",
        ])
        .args(["--webhook", &webhook.url("/hook"), "--state-dir"])
        .arg(state.path())
        .run();
    assert_eq!(sent.code, Some(0), "{}", sent.stderr);
    assert_eq!(webhook.received().len(), 1);
    // A generic webhook gets everything the flags said (#16 item 8).
    let body = webhook.received()[0].json();
    assert_eq!(body["kind"], "manual");
    assert_eq!(body["title"], "Release 1.4.2 is live");
    assert_eq!(body["status"], "Succeeded");
    assert_eq!(body["facts"]["Region"], "westus");
    assert_eq!(body["link"], "https://dash.example/r1");

    let unsigned = tool(BIN)
        .args(["send", "--title", "t", "--status", "info"])
        .args([
            "--webhook",
            &webhook.url("/hook"),
            "--webhook-secret-env",
            "EMPTY_SECRET",
        ])
        .env("EMPTY_SECRET", "")
        .arg("--state-dir")
        .arg(state.path())
        .run();
    assert_eq!(unsigned.code, Some(2), "{}", unsigned.stderr);
    sentinel_test_support::assert_contains!(unsigned.stderr, "EMPTY_SECRET");
    assert_eq!(webhook.received().len(), 1, "nothing unsigned was sent");
}

/// The event every delivery test sends.
fn completed_line() -> String {
    event(
        "rollout.completed",
        r#""overallStatus":"Completed","durationMs":5,"deployedRegions":[],"errors":[]"#,
    )
}

#[test]
fn a_retry_after_beyond_the_budget_fails_at_once_into_the_fallback_log() {
    let busy = Receiver::start(Reply::Answer(
        429,
        "retry-after: 999999\r\n".into(),
        "slow down".into(),
    ));
    let state = tempdir().unwrap();
    let started = Instant::now();
    let run = tool(BIN)
        .args(["--slack", &busy.url("/services/T/B/X"), "--state-dir"])
        .arg(state.path())
        .stdin(format!("{}\n", completed_line()))
        .run();
    let took = started.elapsed();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        took < Duration::from_secs(5),
        "took {took:?}: {}",
        run.stderr
    );
    assert_eq!(busy.received().len(), 1, "no retry past the budget");
    let failed = &run.events()[1];
    assert_eq!(failed["kind"], "notify.failed");
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("would pass the delivery budget"),
        "{failed:?}"
    );
    assert!(state.path().join(".sentinel/notifications.ndjson").exists());
}

#[test]
fn a_slow_loris_receiver_is_cut_off_by_the_attempt_timeout() {
    let loris = Receiver::start(Reply::Trickle(200));
    let state = tempdir().unwrap();
    let started = Instant::now();
    let run = tool(BIN)
        .args([
            "--webhook",
            &loris.url("/hook"),
            "--timeout",
            "2s",
            "--max-retries",
            "0",
        ])
        .arg("--state-dir")
        .arg(state.path())
        .stdin(format!("{}\n", completed_line()))
        .run();
    let took = started.elapsed();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        took < Duration::from_secs(6),
        "a 2 s attempt timeout bounds the whole answer, not each byte: took {took:?}"
    );
    assert_eq!(run.events()[1]["kind"], "notify.failed", "{}", run.stdout);
}

/// sentinel-notify sending to a Teams receiver that never answers, with its stdin and stdout
/// piped for the test to feed and read line by line.
fn notify_to_hanging_teams(
    hanging: &Receiver,
    state: &sentinel_test_support::TempDir,
    args: &[&str],
) -> (
    std::process::Child,
    std::process::ChildStdin,
    std::io::BufReader<std::process::ChildStdout>,
) {
    let mut child = std::process::Command::new(BIN)
        .args(["--teams", &hanging.url("/w")])
        .args(args)
        .arg("--state-dir")
        .arg(state.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    (child, stdin, stdout)
}

#[test]
fn events_pass_through_at_once_and_end_of_input_waits_at_most_one_budget() {
    use std::io::{BufRead, Write};
    let hanging = Receiver::start(Reply::Hang);
    let state = tempdir().unwrap();
    let (mut child, mut stdin, mut stdout) =
        notify_to_hanging_teams(&hanging, &state, &["--deadline", "2s"]);
    let line = completed_line();
    let started = Instant::now();
    writeln!(stdin, "{line}").unwrap();
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first.trim_end(), line);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "passed on while the receiver hangs: {:?}",
        started.elapsed()
    );
    // Three more messages queue behind the hanging one; input ends.
    for _ in 0..3 {
        writeln!(stdin, "{line}").unwrap();
    }
    drop(stdin);
    let rest: Vec<String> = stdout.lines().map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    let took = started.elapsed();
    assert_eq!(status.code(), Some(0));
    assert!(
        took < Duration::from_secs(6),
        "one budget for the first, one to drain the rest, not four: took {took:?}"
    );
    let failed = rest.iter().filter(|l| l.contains("notify.failed")).count();
    assert_eq!(failed, 4, "every message is accounted for: {rest:?}");
    let kept =
        std::fs::read_to_string(state.path().join(".sentinel/notifications.ndjson")).unwrap();
    assert_eq!(kept.lines().count(), 4, "nothing lost: {kept}");
}

#[test]
fn each_rollout_s_messages_carry_its_own_context() {
    let slack = Receiver::start(ok());
    let triggered = |id: &str, environment: &str| {
        format!(
            r#"{{"v":1,"kind":"rollout.triggered","ts":"2026-11-23T18:04:05.123Z","source":"test","rolloutId":"{id}","serviceGroupName":"Contoso.Orders","serviceId":"x","environment":"{environment}","stageMapName":"m","stageMapVersion":"3","artifactVersion":"1.4.2","provider":"local","stages":[],"resumed":false,"dashboardUrl":"https://dash.example/{id}"}}"#
        )
    };
    let cancelled = r#"{"v":1,"kind":"rollout.cancelled","ts":"2026-11-23T18:05:05.123Z","source":"test","rolloutId":"B","overallStatus":"Cancelled","durationMs":5,"deployedRegions":[],"errors":[]}"#;
    let state = tempdir().unwrap();
    let run = tool(BIN)
        .args(["--slack", &slack.url("/services/T/B/X"), "--state-dir"])
        .arg(state.path())
        .stdin(input(&[
            triggered("B", "Prod"),
            triggered("A", "Staging"),
            cancelled.to_owned(),
        ]))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let messages = slack.received();
    let last = messages.last().unwrap().json().to_string();
    assert!(
        last.contains("Cancelled") || last.contains("cancelled"),
        "{last}"
    );
    assert!(
        last.contains("https://dash.example/B") && !last.contains("https://dash.example/A"),
        "B's cancellation carries B's dashboard: {last}"
    );
    assert!(last.contains("Prod") && !last.contains("Staging"), "{last}");
}

#[test]
fn any_kind_asked_for_with_on_is_sent_with_a_generic_message() {
    let slack = Receiver::start(ok());
    let webhook = Receiver::start(ok());
    let custom = r#"{"v":1,"kind":"canary.promoted","ts":"2026-11-23T18:04:05.123Z","source":"test","rolloutId":"r1","weight":50,"note":"half the traffic"}"#;
    let state = tempdir().unwrap();
    let asked = tool(BIN)
        .args([
            "--on",
            "canary.promoted",
            "--slack",
            &slack.url("/services/T/B/X"),
        ])
        .args(["--webhook", &webhook.url("/hook"), "--state-dir"])
        .arg(state.path())
        .stdin(format!("{custom}\n"))
        .run();
    assert_eq!(asked.code, Some(0), "{}", asked.stderr);
    let to_slack = slack.received()[0].json().to_string();
    assert!(
        to_slack.contains("canary.promoted") && to_slack.contains("half the traffic"),
        "{to_slack}"
    );
    assert_eq!(
        webhook.received()[0].json(),
        serde_json::from_str::<serde_json::Value>(custom).unwrap(),
        "the webhook receives the raw event"
    );
    // Without --on, the default kinds: nothing for this one.
    let default = tool(BIN)
        .args(["--slack", &slack.url("/services/T/B/X"), "--state-dir"])
        .arg(state.path())
        .stdin(format!("{custom}\n"))
        .run();
    assert_eq!(default.code, Some(0));
    assert_eq!(slack.received().len(), 1);
}

#[test]
fn a_rerun_of_the_same_pipeline_sends_no_notice_twice() {
    let slack = Receiver::start(ok());
    let webhook = Receiver::start(ok());
    let state = tempdir().unwrap();
    let lines = rollout();
    let run = |extra: &[&str]| {
        tool(BIN)
            .args(["--slack", &slack.url("/services/T/B/X")])
            .args([
                "--webhook",
                &webhook.url("/hook"),
                "--webhook-secret-env",
                "HOOK_SECRET",
            ])
            .env("HOOK_SECRET", "s3cr3t-for-the-test")
            .args(extra)
            .arg("--state-dir")
            .arg(state.path())
            .stdin(input(&lines))
            .run()
    };
    let first = run(&[]);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let sent = slack.received().len();
    assert_eq!(sent, 2, "rollout.triggered and stage.completed");
    // The same events again (a re-run, a resumed rollout): nothing new is sent, and it says so.
    let second = run(&[]);
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert_eq!(slack.received().len(), sent, "no duplicate in Slack");
    assert_eq!(webhook.received().len(), 2, "no duplicate at the webhook");
    sentinel_test_support::assert_contains!(second.stderr, "not sent again");
    let skipped: Vec<_> = second
        .events()
        .into_iter()
        .filter(|e| e["kind"] == "notify.sent" && e["alreadySent"] == true)
        .collect();
    assert_eq!(skipped.len(), 4, "two messages on two channels");
    // --resend sends them anyway, with the same stable webhook-id.
    let third = run(&["--resend"]);
    assert_eq!(third.code, Some(0), "{}", third.stderr);
    assert_eq!(slack.received().len(), sent * 2);
    let ids: Vec<String> = webhook
        .received()
        .iter()
        .map(|r| r.header("webhook-id").unwrap().to_owned())
        .collect();
    assert_eq!(ids[0], ids[2], "the same notice keeps its id: {ids:?}");
    assert_ne!(ids[0], ids[1]);
}

#[test]
fn sigterm_keeps_every_message_not_yet_delivered_in_the_fallback_log() {
    use std::io::{BufRead, Write};
    let hanging = Receiver::start(Reply::Hang);
    let state = tempdir().unwrap();
    let (mut child, mut stdin, mut stdout) =
        notify_to_hanging_teams(&hanging, &state, &["--timeout", "2s"]);
    let line = completed_line();
    // One delivery in hand (the receiver never answers), two queued behind it.
    for _ in 0..3 {
        writeln!(stdin, "{line}").unwrap();
    }
    let mut passed = Vec::new();
    for _ in 0..3 {
        let mut read = String::new();
        stdout.read_line(&mut read).unwrap();
        passed.push(read);
    }
    assert!(passed.iter().all(|l| l.trim_end() == line), "{passed:?}");
    let started = Instant::now();
    sentinel_test_support::send_signal(child.id(), "TERM");
    let rest: Vec<String> = stdout.lines().map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    drop(stdin);
    assert_eq!(status.code(), Some(130));
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the delivery in hand ends within its attempt's timeout, not retried: {:?}",
        started.elapsed()
    );
    let failed: Vec<&String> = rest
        .iter()
        .filter(|l| l.contains("notify.failed"))
        .collect();
    assert_eq!(failed.len(), 3, "every message is accounted for: {rest:?}");
    assert_eq!(
        failed.iter().filter(|l| l.contains("interrupted")).count(),
        2,
        "the two never started say why: {rest:?}"
    );
    let fallback =
        std::fs::read_to_string(state.path().join(".sentinel/notifications.ndjson")).unwrap();
    assert_eq!(fallback.lines().count(), 3, "{fallback}");

    // A signal after input has ended, while the queue drains: the same, not a quiet exit 0.
    let state = tempdir().unwrap();
    let (mut child, mut stdin, stdout) =
        notify_to_hanging_teams(&hanging, &state, &["--timeout", "2s"]);
    for _ in 0..5 {
        writeln!(stdin, "{line}").unwrap();
    }
    drop(stdin);
    std::thread::sleep(Duration::from_millis(500));
    sentinel_test_support::send_signal(child.id(), "INT");
    let rest: Vec<String> = stdout.lines().map_while(Result::ok).collect();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{rest:?}");
    let failed = rest.iter().filter(|l| l.contains("notify.failed")).count();
    assert_eq!(failed, 5, "every message is accounted for: {rest:?}");
    assert!(!rest.iter().any(|l| l.contains("notify.sent")), "{rest:?}");
    let fallback =
        std::fs::read_to_string(state.path().join(".sentinel/notifications.ndjson")).unwrap();
    assert_eq!(fallback.lines().count(), 5, "{fallback}");
}

#[test]
fn a_second_signal_cuts_the_wait_short_and_still_keeps_every_message() {
    use std::io::{BufRead, Write};
    let hanging = Receiver::start(Reply::Hang);
    let state = tempdir().unwrap();
    let (mut child, mut stdin, stdout) =
        notify_to_hanging_teams(&hanging, &state, &["--timeout", "8s"]);
    let line = completed_line();
    for _ in 0..4 {
        writeln!(stdin, "{line}").unwrap();
    }
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    for _ in 0..2 {
        sentinel_test_support::send_signal(child.id(), "INT");
        std::thread::sleep(Duration::from_millis(300));
    }
    let rest: Vec<String> = stdout.lines().map_while(Result::ok).collect();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{rest:?}");
    drop(stdin);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "not the 8 s attempt: {:?}",
        started.elapsed()
    );
    let fallback =
        std::fs::read_to_string(state.path().join(".sentinel/notifications.ndjson")).unwrap();
    assert_eq!(fallback.lines().count(), 4, "{fallback}");
    let failed = rest.iter().filter(|l| l.contains("notify.failed")).count();
    assert_eq!(failed, 4, "{rest:?}");
}

#[test]
fn send_interrupted_keeps_its_message_in_the_fallback_log() {
    let hanging = Receiver::start(Reply::Hang);
    let state = tempdir().unwrap();
    let mut child = std::process::Command::new(BIN)
        .args(["send", "--title", "T", "--status", "failed", "--teams"])
        .arg(hanging.url("/w"))
        .args(["--timeout", "2s", "--state-dir"])
        .arg(state.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    sentinel_test_support::send_signal(child.id(), "INT");
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{stdout}");
    assert!(stdout.contains("notify.failed"), "{stdout}");
    let fallback =
        std::fs::read_to_string(state.path().join(".sentinel/notifications.ndjson")).unwrap();
    assert_eq!(fallback.lines().count(), 1, "{fallback}");
}

#[test]
fn a_state_directory_that_does_not_exist_is_a_usage_error_before_any_message() {
    let webhook = Receiver::start(ok());
    let missing = tempdir().unwrap().path().join("no-such-dir");
    let run = tool(BIN)
        .args(["--webhook", &webhook.url("/hook"), "--state-dir"])
        .arg(&missing)
        .stdin(input(&[completed_line()]))
        .run();
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    sentinel_test_support::assert_contains!(run.stderr, "no-such-dir");
    assert!(webhook.received().is_empty());
}
