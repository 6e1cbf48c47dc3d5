//! What the tools write, read by an independent implementation of each consumer rather than by
//! our own expectations (tests/validators): Slack payloads by the official Python SDK's Block
//! Kit models, Teams cards by Microsoft's Adaptive Cards library and their URLs by an RFC 3986
//! grammar, JUnit by junitparser, Markdown reports by GitHub's own renderer (cmark-gfm).
//!
//! Each test skips, saying why, where its consumer is not installed; CI installs them all and
//! sets SENTINEL_REQUIRE_VALIDATORS, so there a missing consumer fails.

use sentinel_test_support::{
    Receiver, Reply, SampleService, adaptivecards_package, missing_consumer, read_by_consumer,
    tempdir, tool, workspace_bin,
};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// Text an attacker or an unlucky error message could put in an event.
const HOSTILE: [&str; 5] = [
    "Release 1.5.0 <!channel>",
    "<http://evil.example|click me> & <@U123> <#C42>",
    "503 <Service Unavailable> & retry",
    r"C:\artifacts\|app.tar",
    "https://x.example/?x=***&y=***",
];

fn event(kind: &str, rollout: &str, fields: &str) -> String {
    format!(
        r#"{{"v":1,"kind":"{kind}","ts":"2026-11-23T18:04:05.123Z","source":"test","rolloutId":"{rollout}",{fields}}}"#
    )
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

/// A rollout whose events carry hostile text everywhere a value goes, and one stage with 700
/// regions and long errors (the input that once made a 32 KB Teams card).
fn hostile_events() -> String {
    let regions: Vec<String> = (0..700).map(|i| format!("region-{i:03}")).collect();
    let errors: Vec<String> = HOSTILE
        .iter()
        .map(|h| format!(r#"{{"errorCode":"E1","message":{}}}"#, json_string(h)))
        .chain(std::iter::once(format!(
            r#"{{"message":{}}}"#,
            json_string(&"x".repeat(40_000))
        )))
        .collect();
    [
        event(
            "rollout.triggered",
            "r1",
            &format!(
                r#""serviceGroupName":{},"serviceId":"x","environment":"Prod","stageMapName":"m","stageMapVersion":"3","artifactVersion":"1.4.2","provider":"local","stages":[{{"name":"Canary","regions":["eastus"]}}],"resumed":false,"dashboardUrl":"https://dash.example/r1?q=a|b c\"d""#,
                json_string(HOSTILE[0])
            ),
        ),
        event(
            "stage.failed",
            "r1",
            &format!(
                r#""stage":{},"index":0,"regions":{},"errors":[{}]"#,
                json_string(HOSTILE[1]),
                serde_json::to_string(&regions).unwrap(),
                errors.join(",")
            ),
        ),
        event(
            "rollout.failed",
            "r1",
            &format!(
                r#""overallStatus":"Failed","durationMs":5,"deployedRegions":{},"errors":[{}]"#,
                serde_json::to_string(&regions).unwrap(),
                errors.join(",")
            ),
        ),
    ]
    .join("\n")
        + "\n"
}

/// The bodies one channel received for the hostile rollout and for a one-off `send` with
/// hostile flags, each written to its own file.
fn delivered(channel: &str, dir: &Path) -> Vec<PathBuf> {
    let receiver = Receiver::start(Reply::Answer(200, String::new(), "1".into()));
    let url = receiver.url("/hook");
    let run = tool(workspace_bin("sentinel-notify"))
        .args([
            channel,
            &url,
            "--on",
            "rollout.triggered,stage.failed,rollout.failed",
        ])
        .stdin(hostile_events())
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let sent = tool(workspace_bin("sentinel-notify"))
        .args([
            channel, &url, "send", "--title", HOSTILE[0], "--status", "failed",
        ])
        .args(["--fact", &format!("Artifact={}", HOSTILE[3])])
        .args(["--fact", &format!("Reason={}", HOSTILE[2])])
        .args(["--link", "https://dash.example/a|b"])
        .run();
    assert_eq!(sent.code, Some(0), "{}", sent.stderr);
    let bodies = receiver.received();
    assert_eq!(bodies.len(), 4, "3 events and one send");
    bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let path = dir.join(format!("{i}.json"));
            std::fs::write(&path, body.json().to_string()).unwrap();
            path
        })
        .collect()
}

fn os(paths: &[PathBuf]) -> Vec<&OsStr> {
    paths.iter().map(|p| p.as_os_str()).collect()
}

#[test]
fn slack_messages_pass_the_official_python_sdk_s_block_kit_validation() {
    let dir = tempdir().unwrap();
    let files = delivered("--slack", dir.path());
    let Some(report) = read_by_consumer(
        "python3",
        "consumers.py",
        &[&[OsStr::new("slack")][..], &os(&files)].concat(),
        &[],
    ) else {
        return;
    };
    for message in report.as_array().unwrap() {
        assert_eq!(message["problems"], Value::Array(vec![]), "{message}");
        // Slack reads every `<…>` in mrkdwn as a control sequence and `&` as an entity: none
        // may come from input (https://api.slack.com/reference/surfaces/formatting#escaping).
        for text in message["mrkdwn"].as_array().unwrap() {
            let text = text.as_str().unwrap();
            assert!(
                !text.contains("<!") && !text.contains("<@") && !text.contains("<#"),
                "a mention or command from input: {text}"
            );
            // The only markup left is our own dashboard link.
            for (at, _) in text.match_indices('<') {
                assert!(
                    text[at..].starts_with("<https://dash.example/"),
                    "markup from input: {text}"
                );
            }
            for (at, _) in text.match_indices('&') {
                let rest = &text[at..];
                assert!(
                    ["&amp;", "&lt;", "&gt;"]
                        .iter()
                        .any(|e| rest.starts_with(e)),
                    "a raw & in {text}"
                );
            }
        }
    }
}

#[test]
fn teams_cards_parse_cleanly_in_microsoft_s_adaptive_cards_library_within_28_kb() {
    let dir = tempdir().unwrap();
    let files = delivered("--teams", dir.path());
    let Some(package) = adaptivecards_package().map_or_else(|why| missing_consumer(&why), Some)
    else {
        return;
    };
    let Some(report) = read_by_consumer(
        "node",
        "adaptive-card.cjs",
        &os(&files),
        &[("SENTINEL_ADAPTIVECARDS", package.as_os_str())],
    ) else {
        return;
    };
    let report = report.as_array().unwrap();
    assert_eq!(report.len(), files.len());
    for card in report {
        assert_eq!(card["problems"], Value::Array(vec![]), "{}", card["file"]);
        assert_eq!(card["version"], "1.4", "{}", card["file"]);
    }
    // The library kept the hostile text as text, and long lists were summarised.
    let texts: Vec<&str> = report
        .iter()
        .flat_map(|c| c["texts"].as_array().unwrap())
        .filter_map(Value::as_str)
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("503 <Service Unavailable> & retry"))
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("and 6") && t.contains("more")),
        "700 regions are summarised: {texts:?}"
    );
}

#[test]
fn teams_and_slack_links_are_valid_rfc_3986_uris() {
    let dir = tempdir().unwrap();
    let (teams, slack) = (dir.path().join("teams"), dir.path().join("slack"));
    std::fs::create_dir(&teams).unwrap();
    std::fs::create_dir(&slack).unwrap();
    let mut files = delivered("--teams", &teams);
    files.extend(delivered("--slack", &slack));
    let Some(report) = read_by_consumer(
        "python3",
        "consumers.py",
        &[&[OsStr::new("uris")][..], &os(&files)].concat(),
        &[],
    ) else {
        return;
    };
    let urls = report.as_array().unwrap();
    assert!(
        urls.iter().any(|u| u["url"]
            .as_str()
            .unwrap()
            .starts_with("https://dash.example/r1")),
        "the dashboard link is there: {report}"
    );
    for url in urls {
        assert_eq!(url["valid"], true, "{url}");
    }
}

/// Read a JUnit report with junitparser; `None` when it is not installed.
fn junit(xml: &str) -> Option<Value> {
    let dir = tempdir().unwrap();
    let path = dir.path().join("junit.xml");
    std::fs::write(&path, xml).unwrap();
    read_by_consumer(
        "python3",
        "consumers.py",
        &[OsStr::new("junit"), path.as_os_str()],
        &[],
    )
}

fn failed_cases(report: &Value) -> Vec<String> {
    report["suites"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["cases"].as_array().unwrap())
        .filter(|c| !c["results"].as_array().unwrap().is_empty())
        .map(|c| format!("{} {}", c["name"], c["results"]))
        .collect()
}

#[test]
fn junit_read_by_junitparser_fails_exactly_when_the_run_fails() {
    let stress = workspace_bin("sentinel-stress");
    // Every request 404, only --max-p99 set: the run fails because nothing succeeded.
    let missing = Receiver::start(Reply::Answer(404, String::new(), "no".into()));
    let failed = tool(&stress)
        .args([
            "-n",
            "20",
            "--max-p99",
            "10s",
            "--output",
            "junit",
            &missing.url("/"),
        ])
        .run();
    assert_eq!(failed.code, Some(1), "{}", failed.stderr);
    let Some(report) = junit(&failed.stdout) else {
        return;
    };
    let failures = failed_cases(&report);
    assert!(
        failures
            .iter()
            .any(|c| c.contains("none of the 20 requests succeeded")),
        "{report}"
    );
    let suite = &report["suites"][0];
    assert_eq!(
        suite["failures"].as_u64().unwrap() as usize,
        failures.len(),
        "{report}"
    );

    // A breached limit is a failing case of its own; a run that passes has none.
    let service = SampleService::start(&[]);
    let breached = tool(&stress)
        .args([
            "-n",
            "30",
            "--max-p99",
            "1us",
            "--max-error-rate",
            "50",
            "--output",
            "junit",
        ])
        .arg(service.url())
        .run();
    assert_eq!(breached.code, Some(1), "{}", breached.stderr);
    let report = junit(&breached.stdout).unwrap();
    let failures = failed_cases(&report);
    assert_eq!(failures.len(), 1, "only p99 breached: {failures:?}");
    assert!(
        report["suites"][0]["tests"].as_u64().unwrap() >= 2,
        "{report}"
    );

    let passed = tool(&stress)
        .args(["-n", "30", "--max-error-rate", "50", "--output", "junit"])
        .arg(service.url())
        .run();
    assert_eq!(passed.code, Some(0), "{}", passed.stderr);
    let report = junit(&passed.stdout).unwrap();
    assert_eq!(failed_cases(&report), Vec::<String>::new(), "{report}");
    assert!(
        report["suites"][0]["tests"].as_u64().unwrap() >= 1,
        "{report}"
    );
}

/// `sentinel-state apply` of a journal into a state directory.
fn apply_journal(dir: &Path, journal: &[String]) {
    let applied = tool(workspace_bin("sentinel-state"))
        .args(["apply", "--state-dir"])
        .arg(dir)
        .stdin(journal.join("\n") + "\n")
        .run();
    assert_eq!(applied.code, Some(0), "{}", applied.stderr);
}

/// `sentinel-state report FLAGS --output OUTPUT` of a state directory.
fn write_report(dir: &Path, flags: &[&str], output: &Path) {
    let run = tool(workspace_bin("sentinel-state"))
        .arg("report")
        .args(flags)
        .arg("--state-dir")
        .arg(dir)
        .arg("--output")
        .arg(output)
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

#[test]
fn markdown_reports_show_every_value_exactly_in_github_s_own_renderer() {
    let dir = tempdir().unwrap();
    let mut journal = vec![event(
        "rollout.triggered",
        "r1",
        r#""serviceGroupName":"Contoso.Orders","serviceId":"x","environment":"Prod","stageMapName":"m","stageMapVersion":"3","artifactVersion":"1.4.2","provider":"local","stages":[{"name":"Canary","regions":["eastus"]}],"resumed":false"#,
    )];
    for (i, hostile) in HOSTILE.iter().enumerate() {
        journal.push(event(
            "gate.failed",
            "r1",
            &format!(r#""gate":"gate-{i}","reason":{}"#, json_string(hostile)),
        ));
    }
    apply_journal(dir.path(), &journal);
    let report = dir.path().join("report.md");
    write_report(dir.path(), &[], &report);
    let Some(rendered) = read_by_consumer(
        "python3",
        "consumers.py",
        &[OsStr::new("markdown"), report.as_os_str()],
        &[],
    ) else {
        return;
    };
    let cells: Vec<&str> = rendered["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for hostile in HOSTILE {
        assert!(
            cells.contains(&hostile),
            "{hostile:?} is not shown exactly; the cells are {cells:?}"
        );
    }
}

#[test]
fn the_report_s_front_matter_is_yaml_that_pyyaml_reads_back_exactly() {
    let dir = tempdir().unwrap();
    // Hostile values in the fields the front matter carries.
    let environment = "Prod: \"eu\" # not a comment\nstatus: FAILED";
    let journal = [
        event(
            "rollout.triggered",
            "r1",
            &format!(
                r#""serviceGroupName":"Contoso.Orders","serviceId":"x","environment":{},"stageMapName":"m","stageMapVersion":"3","artifactVersion":"1.4.2","provider":"local","stages":[],"resumed":false"#,
                json_string(environment)
            ),
        ),
        event(
            "rollout.completed",
            "r1",
            r#""overallStatus":"Completed","durationMs":5,"deployedRegions":[],"errors":[]"#,
        ),
    ];
    apply_journal(dir.path(), &journal);
    let report = dir.path().join("report.md");
    write_report(dir.path(), &["--front-matter"], &report);
    let Some(read) = read_by_consumer(
        "python3",
        "consumers.py",
        &[OsStr::new("frontmatter"), report.as_os_str()],
        &[],
    ) else {
        return;
    };
    let front = &read["frontMatter"];
    assert_eq!(front["status"], "SUCCESS", "{front}");
    assert_eq!(front["environment"], environment);
    assert_eq!(front["rolloutId"], "r1");
    assert_eq!(front["unit_id"], "r1");
    assert_eq!(front["version"], "1.4.2");
    assert!(
        read["rest"]
            .as_str()
            .unwrap()
            .contains("# Deployment report")
    );
}

/// A journal of a real two-phase rollout: load tests by sentinel-stress against sample-service
/// instances (histograms and all), a canary analysis by sentinel-watch, the waits and stages
/// around them, each event stamped when it happened.
fn a_real_rollout_in(dir: &std::path::Path) {
    let stable = SampleService::start(&[]);
    let canary = SampleService::start(&["--version", "2.0.0", "--latency-ms", "3"]);
    let stamp = |kind: &str, fields: &str| {
        std::thread::sleep(std::time::Duration::from_millis(30));
        format!(
            r#"{{"v":1,"kind":"{kind}","ts":"{}","source":"test","rolloutId":"r1",{fields}}}"#,
            sentinel_core::clock::now_rfc3339()
        )
    };
    let load_test = |url: &str| -> Vec<String> {
        let run = tool(workspace_bin("sentinel-stress"))
            .args([
                url,
                "-n",
                "300",
                "-c",
                "2",
                "--max-error-rate",
                "1",
                "--max-p95",
                "250ms",
                "--output",
                "ndjson",
            ])
            .run();
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        run.events()
            .into_iter()
            .map(|mut e| {
                e.insert("rolloutId".into(), "r1".into());
                Value::Object(e).to_string()
            })
            .collect()
    };
    let baseline = tool(workspace_bin("sentinel-stress"))
        .args([&stable.url(), "-n", "300", "-c", "2", "--output", "json"])
        .run();
    assert_eq!(baseline.code, Some(0), "{}", baseline.stderr);
    std::fs::write(dir.join(".deploy-sentinel-baseline.json"), &baseline.stdout).unwrap();
    let mut journal = vec![stamp(
        "rollout.triggered",
        r#""serviceGroupName":"Contoso.Orders","serviceId":"x","environment":"Prod","stageMapName":"m","stageMapVersion":"3","artifactVersion":"2.0.0","provider":"local","stages":[{"name":"Canary","regions":["c"]},{"name":"Full","regions":["f"]}],"resumed":false"#,
    )];
    journal.push(stamp(
        "stage.started",
        r#""stage":"Canary","index":0,"regions":["c"],"trafficPercent":10"#,
    ));
    journal.push(stamp("stage.completed", r#""stage":"Canary","index":0,"regions":["c"],"endpoints":[],"durationMs":30,"trafficPercent":10"#));
    journal.extend(load_test(&canary.url()));
    let analysis = tool(workspace_bin("sentinel-watch"))
        .args([
            "analyze",
            "--scrape",
            &format!("{}metrics", canary.url()),
            "--baseline",
            &format!("{}metrics", stable.url()),
            "--metric",
            "p95=histogram_quantile(0.95, http_request_duration_seconds)",
            "--max",
            "p95=1",
            "--interval",
            "200ms",
            "--samples",
            "2",
            "--min-requests",
            "0",
            "--min-samples",
            "1",
            "--stage",
            "Canary",
            "--rollout-id",
            "r1",
        ])
        .run();
    journal.extend(analysis.stdout.lines().map(str::to_owned));
    journal.push(stamp(
        "approval.required",
        r#""stage":"Full","actionId":"Full-approval","reason":"r","instructions":"i""#,
    ));
    journal.push(stamp(
        "approval.granted",
        r#""stage":"Full","actionId":"Full-approval""#,
    ));
    journal.push(stamp(
        "stage.started",
        r#""stage":"Full","index":1,"regions":["f"],"trafficPercent":100"#,
    ));
    journal.push(stamp("stage.completed", r#""stage":"Full","index":1,"regions":["f"],"endpoints":[],"durationMs":30,"trafficPercent":100"#));
    journal.extend(load_test(&canary.url()));
    journal.push(stamp(
        "rollout.completed",
        r#""overallStatus":"Completed","durationMs":500,"deployedRegions":["c","f"],"errors":[]"#,
    ));
    journal.extend(load_test(&stable.url()));
    apply_journal(dir, &journal);
}

#[test]
fn the_html_report_is_valid_html5_and_draws_its_charts_in_chromium() {
    let dir = tempdir().unwrap();
    a_real_rollout_in(dir.path());
    let html = dir.path().join("report.html");
    write_report(dir.path(), &["--format", "html"], &html);
    write_report(
        dir.path(),
        &["--format", "json"],
        &dir.path().join("report.json"),
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(!page.contains("<script"), "no script at all");

    // The W3C's Nu Html Checker: no error.
    match sentinel_test_support::vnu_jar() {
        Err(why) => {
            missing_consumer::<()>(&why);
        }
        Ok(jar) => {
            let output = std::process::Command::new("java")
                .arg("-jar")
                .arg(&jar)
                .args(["--errors-only", "--format", "json"])
                .arg(&html)
                .output();
            match output {
                Err(e) => {
                    missing_consumer::<()>(&format!("java does not run: {e}"));
                }
                Ok(output) => {
                    let messages: Value =
                        serde_json::from_slice(&output.stderr).unwrap_or_else(|_| {
                            panic!("vnu said: {}", String::from_utf8_lossy(&output.stderr))
                        });
                    assert_eq!(messages["messages"], serde_json::json!([]), "{messages}");
                }
            }
        }
    }

    // Headless Chromium, offline, from disk.
    let package = match sentinel_test_support::playwright_package() {
        Ok(package) => package,
        Err(why) => {
            missing_consumer::<()>(&why);
            return;
        }
    };
    let screenshot = sentinel_test_support::test_artifacts_dir().join("html-report.png");
    let Some(seen) = read_by_consumer(
        "node",
        "html-report.cjs",
        &[html.as_os_str(), screenshot.as_os_str()],
        &[("SENTINEL_PLAYWRIGHT", package.as_os_str())],
    ) else {
        return;
    };
    assert_eq!(seen["consoleErrors"], serde_json::json!([]), "{seen}");
    assert_eq!(
        seen["requests"],
        serde_json::json!([]),
        "nothing fetched: {seen}"
    );
    assert_eq!(seen["status"], "SUCCESS");
    assert_eq!(seen["darkBackground"], "rgb(13, 17, 23)", "dark mode");
    assert_eq!(
        seen["printedTimelineVisible"], true,
        "printed, collapsed sections open"
    );
    assert!(
        seen["pdfBytes"].as_u64().unwrap() > 10_000,
        "it prints to PDF: {seen}"
    );
    let phases = report["comparison"]["phases"].as_array().unwrap();
    assert_eq!(
        phases,
        &["Baseline", "Canary (10%)", "Full (100%)", "Post-deployment"]
            .map(Value::from)
            .to_vec()
    );
    let chart = |id: &str| {
        seen["charts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no {id} in {seen}"))
            .clone()
    };
    for id in [
        "latency-chart",
        "error-chart",
        "distribution-chart",
        "gantt-chart",
    ] {
        let c = chart(id);
        assert!(c["width"].as_f64().unwrap() > 100.0, "{id} is drawn: {c}");
        for series in c["series"].as_array().unwrap() {
            assert_eq!(series["points"], series["declared"], "{id}: {series}");
        }
    }
    let latency = chart("latency-chart");
    let names: Vec<&str> = latency["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["p50", "p95", "p99"]);
    // The p95 points are the comparison's p95 cells, phase by phase.
    let p95_row = report["comparison"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == "p95")
        .unwrap();
    let expected: Vec<f64> = p95_row["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["number"].as_f64().unwrap())
        .collect();
    let drawn: Vec<f64> = latency["series"][1]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(drawn, expected);
    let errors = chart("error-chart");
    assert_eq!(errors["series"][0]["points"], 4, "{errors}");
    assert!(
        errors["series"][1]["points"].as_u64().unwrap() >= 3,
        "limits: {errors}"
    );
    let distribution = chart("distribution-chart");
    assert_eq!(
        distribution["series"].as_array().unwrap().len(),
        report["distributions"].as_array().unwrap().len()
    );
    assert_eq!(distribution["series"][0]["points"], 8);
    let gantt = chart("gantt-chart");
    let spans = report["spans"].as_array().unwrap();
    assert_eq!(
        gantt["series"][0]["points"].as_u64().unwrap() as usize,
        spans.len()
    );
    let kinds: Vec<&str> = spans.iter().map(|s| s["kind"].as_str().unwrap()).collect();
    for kind in ["stage", "approval", "analysis"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    // The comparison table as the browser laid it out.
    let rows = seen["comparison"].as_array().unwrap();
    assert_eq!(rows[0][1], "Baseline");
    assert!(
        std::fs::metadata(&screenshot).unwrap().len() > 10_000,
        "a screenshot was saved"
    );
}
