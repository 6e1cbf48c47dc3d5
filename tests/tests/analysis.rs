//! `sentinel-watch analyze` on real traffic: sample-service instances serving load from
//! sentinel-stress, read by scraping their /metrics and through a real Prometheus server
//! (Debian's `prometheus`, scraping every second). Fail-closed: no data, no traffic, a dead
//! server or a query error is never a pass.

use sentinel_test_support::{
    PrometheusServer, Run, SampleService, assert_contains, tool, workspace_bin,
};
use serde_json::{Map, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Constant-rate user traffic to one instance, stopped when dropped (and bounded anyway).
struct Traffic(Child);

impl Traffic {
    fn to(service: &SampleService, rate: u32) -> Traffic {
        let child = Command::new(workspace_bin("sentinel-stress"))
            .args([
                &service.url(),
                "-q",
                &rate.to_string(),
                "-z",
                "120s",
                "-c",
                "4",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sentinel-stress starts");
        Traffic(child)
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn analyze(args: &[&str]) -> Run {
    tool(workspace_bin("sentinel-watch"))
        .arg("analyze")
        .args(args)
        .run()
}

fn result(run: &Run) -> Map<String, Value> {
    let events = run.events();
    let found: Vec<_> = events
        .iter()
        .filter(|e| e["kind"] == "analysis.result")
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one analysis.result: {}\n{}",
        run.stdout,
        run.stderr
    );
    found[0].clone()
}

fn metric<'a>(result: &'a Map<String, Value>, name: &str, comparison: &str) -> &'a Value {
    result["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name && m["comparison"] == comparison)
        .unwrap_or_else(|| panic!("no {name} {comparison} check in {result:?}"))
}

fn metrics_url(service: &SampleService) -> String {
    format!("http://127.0.0.1:{}/metrics", service.port)
}

const SCRAPE_ERRORS: &str =
    r#"errors=ratio(http_requests_total{code=~"5..",{canary}}, http_requests_total{{canary}})"#;
const SCRAPE_P95: &str = "p95=histogram_quantile(0.95, http_request_duration_seconds{{canary}})";

#[test]
fn scraped_metrics_pass_a_good_canary_and_fail_a_bad_one_against_the_stable_version() {
    let stable = SampleService::start(&["--version", "1.0.0"]);
    let good = SampleService::start(&["--version", "2.0.0"]);
    let bad = SampleService::start(&["--version", "3.0.0", "--error-rate", "5"]);
    let _traffic = [&stable, &good, &bad].map(|s| Traffic::to(s, 150));
    std::thread::sleep(Duration::from_millis(300));
    let fleet = [&stable, &good, &bad].map(metrics_url).join(",");
    let judge = |version: &str| {
        let canary = format!("version=\"{version}\"");
        let args = [
            "--scrape",
            &fleet,
            "--canary",
            &canary,
            "--baseline",
            "version=\"1.0.0\"",
            "--metric",
            SCRAPE_ERRORS,
            "--metric",
            SCRAPE_P95,
            "--max-ratio",
            "errors=1.5",
            "--max-ratio",
            "p95=1.5",
            "--max",
            "errors=0.2",
            "--interval",
            "1s",
            "--samples",
            "4",
            "--min-requests",
            "100",
        ];
        analyze(&args)
    };
    let (passed, failed) = std::thread::scope(|s| {
        let passed = s.spawn(|| judge("2.0.0"));
        let failed = s.spawn(|| judge("3.0.0"));
        (passed.join().unwrap(), failed.join().unwrap())
    });

    assert_eq!(passed.code, Some(0), "{}", passed.stderr);
    let good_result = result(&passed);
    assert_eq!(good_result["verdict"], "passed");
    assert_eq!(good_result["provider"], "scrape");
    assert!(good_result["canaryRequests"].as_f64().unwrap() >= 100.0);
    let errors = metric(&good_result, "errors", "max-ratio");
    assert_eq!(errors["value"], 0.0);
    assert_eq!(errors["samples"].as_array().unwrap().len(), 4);
    assert_eq!(
        errors["query"],
        r#"ratio(http_requests_total{code=~"5..",version="2.0.0"}, http_requests_total{version="2.0.0"})"#
    );

    assert_eq!(failed.code, Some(1), "{}", failed.stderr);
    let bad_result = result(&failed);
    assert_eq!(bad_result["verdict"], "failed");
    let errors = metric(&bad_result, "errors", "max-ratio");
    assert_eq!(errors["verdict"], "failed");
    let value = errors["value"].as_f64().unwrap();
    assert!(
        (value - 0.05).abs() < 0.01,
        "the canary's error ratio is 5%: {value}"
    );
    assert_eq!(errors["baselineValue"], 0.0);
    let test = &errors["test"];
    assert!(test["pValue"].as_f64().unwrap() < 0.05, "{test}");
    assert_eq!(test["alpha"], 0.05);
    let reason = bad_result["reason"].as_str().unwrap();
    assert!(
        // About 5%: the window's edges can cut an error cycle.
        reason.contains("errors: canary 0.0")
            && reason.contains("against baseline 0 ")
            && reason.contains("significantly"),
        "{reason}"
    );
    // The absolute limit (20%) held; only the comparison failed.
    assert_eq!(metric(&bad_result, "errors", "max")["verdict"], "passed");
    assert_eq!(metric(&bad_result, "p95", "max-ratio")["verdict"], "passed");
}

#[test]
fn a_canary_with_no_traffic_is_inconclusive_exit_6_never_passed() {
    let idle = SampleService::start(&["--version", "2.0.0"]);
    let stable = SampleService::start(&["--version", "1.0.0"]);
    let _traffic = Traffic::to(&stable, 100);
    let run = analyze(&[
        "--scrape",
        &metrics_url(&idle),
        "--baseline",
        &metrics_url(&stable),
        "--metric",
        SCRAPE_ERRORS,
        "--max-ratio",
        "errors=1.5",
        "--interval",
        "200ms",
        "--samples",
        "3",
    ]);
    assert_eq!(run.code, Some(6), "{}", run.stderr);
    let result = result(&run);
    assert_eq!(result["verdict"], "inconclusive");
    assert_contains!(run.stderr, "this is not a pass");
    // Every reading says why it has no value.
    let samples = metric(&result, "errors", "max-ratio")["samples"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!samples.is_empty());
    for sample in samples {
        assert!(sample.get("value").is_none(), "{sample}");
        assert_contains!(sample["error"].as_str().unwrap(), "no series matches");
    }
}

#[test]
fn pipeline_mode_scrapes_each_stages_endpoints_and_passes_events_through() {
    let canary = SampleService::start(&["--version", "2.0.0", "--error-rate", "10"]);
    let _traffic = Traffic::to(&canary, 100);
    std::thread::sleep(Duration::from_millis(200));
    let input = format!(
        "{}\n{}\n",
        r#"{"v":1,"kind":"rollout.triggered","ts":"2026-01-01T00:00:00.000Z","source":"sentinel-trigger","rolloutId":"r-1","artifactVersion":"2.0.0","serviceGroupName":"S","environment":"Prod"}"#,
        serde_json::json!({
            "v": 1, "kind": "stage.completed", "ts": "2026-01-01T00:00:01.000Z",
            "source": "sentinel-watch", "rolloutId": "r-1", "stage": "Canary",
            "regions": ["eastus"], "endpoints": [canary.url() + "orders"],
        })
    );
    let run = tool(workspace_bin("sentinel-watch"))
        .args([
            "analyze", "--on", "stage.completed",
            "--metric", r#"errors=ratio(http_requests_total{code="500",version="{version}"}, http_requests_total)"#,
            "--max", "errors=0.01", "--interval", "200ms", "--samples", "5",
        ])
        .stdin(input)
        .run();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.kinds(),
        ["rollout.triggered", "stage.completed", "analysis.result"]
    );
    let result = result(&run);
    assert_eq!(result["stage"], "Canary");
    assert_eq!(result["rolloutId"], "r-1");
    assert_eq!(result["version"], "2.0.0");
    assert_eq!(result["targets"][0], metrics_url(&canary));
    // The first failed sample ends it (--failure-limit 0).
    assert_eq!(result["stoppedEarly"], true);
    let errors = metric(&result, "errors", "max");
    assert_eq!(errors["samples"].as_array().unwrap().len(), 1, "{errors}");
    assert_eq!(
        errors["query"],
        r#"ratio(http_requests_total{code="500",version="2.0.0"}, http_requests_total)"#
    );
}

#[test]
fn hostile_event_values_and_bad_queries_exit_2_before_the_window() {
    let service = SampleService::start(&[]);
    let stage = serde_json::json!({
        "v": 1, "kind": "stage.completed", "ts": "t", "source": "x",
        "stage": "Canary\"} or vector(1) #", "endpoints": [service.url()],
    });
    let started = Instant::now();
    let run = tool(workspace_bin("sentinel-watch"))
        .args([
            "analyze",
            "--on",
            "stage.completed",
            "--metric",
            r#"errors=ratio(http_requests_total{code="500",stage="{stage}"}, http_requests_total)"#,
            "--max",
            "errors=0.01",
            "--interval",
            "10s",
        ])
        .stdin(format!("{stage}\n"))
        .run();
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_contains!(run.stderr, "cannot go into a query");
    for (query, expected) in [
        ("errors=avg(http_requests_total)", "not a scrape query"),
        (
            "errors=ratio(http_requests_total{code=500}, http_requests_total)",
            "quoted",
        ),
    ] {
        let run = analyze(&[
            "--scrape",
            &format!("{}metrics", service.url()),
            "--metric",
            query,
            "--max",
            "errors=1",
            "--interval",
            "10s",
        ]);
        assert_eq!(run.code, Some(2), "{query}: {}", run.stderr);
        assert_contains!(run.stderr, expected);
    }
    let unlimited = analyze(&[
        "--scrape",
        &format!("{}metrics", service.url()),
        "--metric",
        "errors=http_requests_total",
    ]);
    assert_eq!(unlimited.code, Some(2));
    assert_contains!(unlimited.stderr, "has no limit");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "no window was waited for"
    );
    // A dead endpoint: exit 4 once its retries are spent.
    let dead = analyze(&[
        "--scrape",
        &format!(
            "http://127.0.0.1:{}/metrics",
            sentinel_test_support::free_port()
        ),
        "--metric",
        "errors=http_requests_total",
        "--max",
        "errors=1",
    ]);
    assert_eq!(dead.code, Some(4), "{}", dead.stderr);
}

// --- A real Prometheus server ------------------------------------------------------------

const PROM_ERRORS: &str = r#"errors=ratio(sum(increase(http_requests_total{code=~"5..",{canary}}[{interval}])) or vector(0), sum(increase(http_requests_total{{canary}}[{interval}])))"#;
const PROM_P95: &str = r#"p95=histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{{canary}}[{interval}])))"#;

fn prometheus_args<'a>(prometheus: &'a str, canary: &'a str, samples: &'a str) -> Vec<&'a str> {
    vec![
        "--prometheus",
        prometheus,
        "--canary",
        canary,
        "--baseline",
        r#"version="1.0.0""#,
        "--interval",
        "3s",
        "--samples",
        samples,
    ]
}

#[test]
fn prometheus_judges_real_traffic_and_never_passes_what_it_cannot_see() {
    let stable = SampleService::start(&["--version", "1.0.0", "--latency-ms", "10"]);
    let good = SampleService::start(&["--version", "2.0.0", "--latency-ms", "10"]);
    let erroring = SampleService::start(&[
        "--version",
        "3.0.0",
        "--latency-ms",
        "10",
        "--error-rate",
        "5",
    ]);
    let slower = SampleService::start(&["--version", "2.1.0", "--latency-ms", "12"]);
    let idle = SampleService::start(&["--version", "4.0.0"]);
    let Some(prometheus) = PrometheusServer::start(&[
        stable.port,
        good.port,
        erroring.port,
        slower.port,
        idle.port,
    ]) else {
        return;
    };
    let _traffic = [&stable, &good, &erroring, &slower].map(|s| Traffic::to(s, 100));
    // Three scrapes of traffic before the first sample.
    std::thread::sleep(Duration::from_secs(4));
    let url = prometheus.url();

    let run = |canary: &str, extra: &[&str]| {
        let samples = if extra.contains(&"--failure-limit") {
            "10"
        } else {
            "3"
        };
        let mut args = prometheus_args(&url, canary, samples);
        args.extend_from_slice(extra);
        analyze(&args)
    };
    let errors_and_p95 = [
        "--metric",
        PROM_ERRORS,
        "--metric",
        PROM_P95,
        "--max-ratio",
        "errors=1.5",
        "--max-ratio",
        "p95=1.5",
        "--min-requests",
        "100",
    ];
    let (good_run, erroring_run, slower_run, idle_run, empty_run, early_run) =
        std::thread::scope(|s| {
            let good_run = s.spawn(|| run(r#"version="2.0.0""#, &errors_and_p95));
            let erroring_run = s.spawn(|| run(r#"version="3.0.0""#, &errors_and_p95));
            let slower_run = s.spawn(|| {
                run(
                    r#"version="2.1.0""#,
                    &["--metric", PROM_P95, "--max-ratio", "p95=1.5"],
                )
            });
            let idle_run = s.spawn(|| run(r#"version="4.0.0""#, &errors_and_p95));
            let empty_run = s.spawn(|| {
                run(
                    r#"version="2.0.0""#,
                    &[
                        "--metric",
                        "queue=sum(no_such_metric{{canary}})",
                        "--max",
                        "queue=10",
                    ],
                )
            });
            let early_run = s.spawn(|| {
                run(
                    r#"version="3.0.0""#,
                    &[
                        "--metric",
                        PROM_ERRORS,
                        "--max",
                        "errors=0.01",
                        "--failure-limit",
                        "1",
                    ],
                )
            });
            (
                good_run.join().unwrap(),
                erroring_run.join().unwrap(),
                slower_run.join().unwrap(),
                idle_run.join().unwrap(),
                empty_run.join().unwrap(),
                early_run.join().unwrap(),
            )
        });

    assert_eq!(
        good_run.code,
        Some(0),
        "a good release passes: {}",
        good_run.stderr
    );
    let good = result(&good_run);
    assert_eq!(good["provider"], "prometheus");
    assert_eq!(good["targets"][0], url);
    assert_eq!(metric(&good, "errors", "max-ratio")["value"], 0.0);

    assert_eq!(
        erroring_run.code,
        Some(1),
        "a 5% canary fails: {}",
        erroring_run.stderr
    );
    let erroring = result(&erroring_run);
    let errors = metric(&erroring, "errors", "max-ratio");
    assert_eq!(errors["verdict"], "failed");
    let value = errors["value"].as_f64().unwrap();
    assert!((0.03..0.07).contains(&value), "about 5%: {value}");
    assert_eq!(errors["baselineValue"], 0.0);
    assert!(errors["test"]["pValue"].as_f64().unwrap() < 0.05);
    assert_contains!(
        errors["baselineQuery"].as_str().unwrap(),
        r#"version="1.0.0""#
    );

    assert_eq!(
        slower_run.code,
        Some(0),
        "2 ms slower is within 1.5×: {}",
        slower_run.stderr
    );
    let p95 = metric(&result(&slower_run), "p95", "max-ratio").clone();
    assert_eq!(p95["test"]["name"], "Mann-Whitney U test");
    assert!(p95["value"].as_f64().unwrap() > 0.01, "{p95}");

    assert_eq!(
        idle_run.code,
        Some(6),
        "no traffic is inconclusive: {}",
        idle_run.stderr
    );
    assert_eq!(result(&idle_run)["verdict"], "inconclusive");

    assert_eq!(
        empty_run.code,
        Some(6),
        "an empty answer is inconclusive: {}",
        empty_run.stderr
    );
    let queue = metric(&result(&empty_run), "queue", "max").clone();
    assert_contains!(queue["samples"][0]["error"].as_str().unwrap(), "no data");

    assert_eq!(early_run.code, Some(1), "{}", early_run.stderr);
    let early = result(&early_run);
    assert_eq!(early["stoppedEarly"], true);
    let samples = metric(&early, "errors", "max")["samples"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        samples, 2,
        "--failure-limit 1: the second failed sample ends it"
    );
    assert!(early["durationMs"].as_u64().unwrap() < 10 * 3000);
}

#[test]
fn prometheus_refusing_a_query_is_exit_2_and_a_server_gone_mid_window_never_passes() {
    let stable = SampleService::start(&["--version", "1.0.0"]);
    let canary = SampleService::start(&["--version", "2.0.0"]);
    let Some(mut prometheus) = PrometheusServer::start(&[stable.port, canary.port]) else {
        return;
    };
    let _traffic = [&stable, &canary].map(|s| Traffic::to(s, 100));
    std::thread::sleep(Duration::from_secs(3));
    let url = prometheus.url();

    let started = Instant::now();
    let syntax = analyze(&[
        "--prometheus",
        &url,
        "--metric",
        "bad=sum(rate(http_requests_total[1m]) by",
        "--max",
        "bad=1",
        "--interval",
        "30s",
        "--min-requests",
        "0",
    ]);
    assert_eq!(syntax.code, Some(2), "{}", syntax.stderr);
    assert_contains!(syntax.stderr, "metric bad");
    assert_contains!(syntax.stderr, "parse error");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "checked before the window"
    );

    let analysis = tool(workspace_bin("sentinel-watch"))
        .arg("analyze")
        .args(prometheus_args(&url, r#"version="2.0.0""#, "4"))
        .args(["--metric", PROM_ERRORS, "--max-ratio", "errors=1.5"])
        .spawn();
    // Kill the server after the first sample.
    std::thread::sleep(Duration::from_secs(4));
    prometheus.kill();
    let output = analysis.wait_with_output().unwrap();
    let code = output.status.code();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        code == Some(6) || code == Some(4),
        "never passed: {code:?} {stdout}"
    );
    if code == Some(6) {
        let event: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
        assert_eq!(event["verdict"], "inconclusive");
        let samples = event["metrics"][0]["samples"].as_array().unwrap().clone();
        assert!(
            samples.iter().any(|s| s.get("error").is_some()),
            "{samples:?}"
        );
    }
}

// --- Independent implementations ----------------------------------------------------------

/// A small deterministic generator, so the cases are the same in every run.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[test]
fn the_statistical_tests_agree_with_scipy() {
    use sentinel_watch::analyze::stats::{mann_whitney_greater, proportion_greater};
    let mut random = Lcg(17);
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    for _ in 0..40 {
        let (n1, n2) = (20 + random.below(5000), 20 + random.below(5000));
        let (x1, x2) = (random.below(n1 / 10 + 1), random.below(n2 / 10 + 1));
        let outcome = proportion_greater(x1, n1, x2, n2);
        if x1 + x2 == 0 {
            continue;
        }
        let test = if outcome.name == "Fisher's exact test" {
            "fisher"
        } else {
            "z"
        };
        cases.push(serde_json::json!({"test": test, "x1": x1, "n1": n1, "x2": x2, "n2": n2}));
        ours.push(outcome.p_value);
    }
    for round in 0..30 {
        let (n1, n2) = (1 + random.below(20) as usize, 1 + random.below(20) as usize);
        // Half the rounds untied (distinct values, exact test), half with ties.
        let value = |random: &mut Lcg| {
            if round % 2 == 0 {
                random.below(1_000_000) as f64 / 1000.0
            } else {
                random.below(6) as f64
            }
        };
        let canary: Vec<f64> = (0..n1).map(|_| value(&mut random) + 1.0).collect();
        let baseline: Vec<f64> = (0..n2).map(|_| value(&mut random)).collect();
        let mut all: Vec<f64> = canary.iter().chain(&baseline).copied().collect();
        all.sort_by(f64::total_cmp);
        all.dedup();
        let exact = all.len() == n1 + n2;
        cases.push(serde_json::json!({"test": "mannwhitney", "exact": exact, "canary": canary, "baseline": baseline}));
        ours.push(mann_whitney_greater(&canary, &baseline).p_value);
    }
    let dir = sentinel_test_support::tempdir().unwrap();
    let file = dir.path().join("cases.json");
    std::fs::write(&file, serde_json::to_string(&cases).unwrap()).unwrap();
    let Some(theirs) = sentinel_test_support::read_by_consumer(
        "python3",
        "consumers.py",
        &["statistics".as_ref(), file.as_os_str()],
        &[],
    ) else {
        return;
    };
    let theirs = theirs["pValues"].as_array().unwrap();
    assert_eq!(theirs.len(), ours.len());
    for ((case, ours), theirs) in cases.iter().zip(&ours).zip(theirs) {
        let theirs = theirs.as_f64().unwrap();
        let tolerance = 1e-6 + 1e-4 * theirs;
        assert!(
            (ours - theirs).abs() <= tolerance,
            "{case}: ours {ours}, SciPy {theirs}"
        );
    }
}

#[test]
fn the_sample_services_metrics_read_the_same_by_prometheus_client() {
    use sentinel_watch::analyze::exposition::Exposition;
    let service = SampleService::start(&["--version", "2.0.0\"x", "--error-rate", "20"]);
    for _ in 0..3 {
        let _ = sentinel_test_support::http_get(service.port, "/orders");
        let _ = sentinel_test_support::http_get(service.port, "/");
    }
    let (status, text) = sentinel_test_support::http_get(service.port, "/metrics").unwrap();
    assert_eq!(status, 200);
    let ours = Exposition::parse(&text).unwrap();
    let dir = sentinel_test_support::tempdir().unwrap();
    let file = dir.path().join("metrics.txt");
    std::fs::write(&file, &text).unwrap();
    let Some(theirs) = sentinel_test_support::read_by_consumer(
        "python3",
        "consumers.py",
        &["exposition".as_ref(), file.as_os_str()],
        &[],
    ) else {
        return;
    };
    let mut their_samples = Vec::new();
    for family in theirs["families"].as_array().unwrap() {
        for sample in family["samples"].as_array().unwrap() {
            their_samples.push(sample.clone());
        }
    }
    assert_eq!(their_samples.len(), ours.samples.len(), "{text}");
    for (sample, theirs) in ours.samples.iter().zip(&their_samples) {
        assert_eq!(theirs["name"], sample.name.as_str());
        assert_eq!(
            theirs["value"].as_f64().unwrap(),
            sample.value,
            "{}",
            sample.name
        );
        for (label, value) in &sample.labels {
            assert_eq!(theirs["labels"][label], value.as_str(), "{}", sample.name);
        }
    }
    // 6 requests, every 5th failed; the version's quote survived the escaping.
    let requests: f64 = ours
        .samples
        .iter()
        .filter(|s| s.name == "http_requests_total")
        .inspect(|s| assert_eq!(s.label("version"), Some("2.0.0\"x")))
        .map(|s| s.value)
        .sum();
    assert_eq!(requests, 6.0);
    assert!(ours.counts_up("http_request_duration_seconds_bucket"));
}

#[test]
fn the_prometheus_token_is_sent_and_never_shown_even_when_the_server_echoes_it() {
    use sentinel_test_support::{Receiver, Reply};
    const TOKEN: &str = "Bearer pr0m-s3cret-t0ken";
    // A stand-in speaking the Prometheus HTTP API's error format (errorType bad_data, HTTP
    // 400), echoing the Authorization header it got, as a misconfigured proxy might.
    let server = Receiver::route(|request| {
        let echoed = request.header("authorization").unwrap_or("none").to_owned();
        Reply::Answer(
            400,
            "content-type: application/json\r\n".into(),
            serde_json::json!({
                "status": "error", "errorType": "bad_data",
                "error": format!("parse error: unexpected token, auth was {echoed}"),
            })
            .to_string(),
        )
    });
    let address = server.url("");
    let run = tool(workspace_bin("sentinel-watch"))
        .args([
            "analyze",
            "--prometheus",
            address.trim_end_matches('/'),
            "--auth-header-env",
            "PROM_TOKEN",
            "--metric",
            "errors=sum(up)",
            "--max",
            "errors=1",
            "--interval",
            "1s",
            "--min-requests",
            "0",
        ])
        .env("PROM_TOKEN", TOKEN)
        .run();
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_contains!(run.stderr, "parse error");
    assert!(
        !run.stderr.contains("s3cret") && !run.stdout.contains("s3cret"),
        "{}",
        run.stderr
    );
    let received = server.received();
    assert_eq!(
        received[0].header("authorization"),
        Some(TOKEN),
        "the token was sent"
    );
    assert!(
        received[0].path == "/api/v1/query?query=sum(up)",
        "{}",
        received[0].path
    );
    // Not set: exit 2 naming the variable, before anything is sent.
    let unset = analyze(&[
        "--prometheus",
        "http://127.0.0.1:9",
        "--auth-header-env",
        "NO_SUCH_TOKEN_VAR",
        "--metric",
        "e=up",
        "--max",
        "e=1",
    ]);
    assert_eq!(unset.code, Some(2));
    assert_contains!(unset.stderr, "$NO_SUCH_TOKEN_VAR");
}

#[test]
fn a_metrics_endpoint_that_trickles_its_answer_cannot_hold_the_analysis() {
    use sentinel_test_support::{Receiver, Reply};
    // A slow loris: headers, then one byte a second.
    let slow = Receiver::start(Reply::Trickle(200));
    let started = Instant::now();
    let run = analyze(&[
        "--scrape",
        &slow.url("metrics"),
        "--metric",
        "errors=http_requests_total",
        "--max",
        "errors=1",
        "--interval",
        "1s",
        "--samples",
        "3",
    ]);
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "every call is bounded: {:?}",
        started.elapsed()
    );
}
