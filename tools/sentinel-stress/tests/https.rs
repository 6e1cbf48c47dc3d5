//! sentinel-stress against https endpoints: the sample service serving TLS (rustls) with a
//! certificate from a CA each test makes, so trust, keep-alive and failures are all real.

use sentinel_test_support::{Run, SampleService, ServerCertificate, TestCa, tempdir, tool};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_sentinel-stress");

fn json_result(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not a JSON result ({e}): {}\n{}", run.stdout, run.stderr))
}

/// Connections the service accepted between two `/stats` answers, less the second one's own.
fn connections_between(before: &Value, after: &Value) -> u64 {
    after["connections"].as_u64().unwrap() - before["connections"].as_u64().unwrap() - 1
}

#[test]
fn https_counts_are_exact_and_keepalive_reuses_each_tls_connection() {
    let dir = tempdir().unwrap();
    let ca = TestCa::new(dir.path(), "stress");
    let service = SampleService::start_https(&ca.issue("server"), &["--error-rate", "5"]);
    let cacert = ca.pem.to_string_lossy().into_owned();
    let before = service.https_stats(&ca);
    let run = tool(BIN)
        .args(["-n", "1000", "-c", "10", "--cacert", &cacert])
        .args(["--output", "json", &service.https_url()])
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let result = json_result(&run);
    assert_eq!(result["endpointUrl"], service.https_url());
    assert_eq!(result["totalRequests"], 1000);
    assert_eq!(result["statusCodes"]["200"], 950);
    assert_eq!(result["statusCodes"]["500"], 50);
    assert_eq!(result["errors"]["http 5xx"], 50, "no TLS errors: {result}");
    let stats = service.https_stats(&ca);
    assert_eq!(stats["requests"], 1000);
    assert_eq!(
        connections_between(&before, &stats),
        10,
        "one TLS connection per concurrent connection"
    );
}

#[test]
fn https_without_keepalive_makes_a_tls_connection_per_request() {
    let dir = tempdir().unwrap();
    let ca = TestCa::new(dir.path(), "stress");
    let service = SampleService::start_https(&ca.issue("server"), &[]);
    let cacert = ca.pem.to_string_lossy().into_owned();
    let before = service.https_stats(&ca);
    let run = tool(BIN)
        .args([
            "-n",
            "200",
            "-c",
            "4",
            "--disable-keepalive",
            "--cacert",
            &cacert,
        ])
        .args(["--output", "json", &service.https_url()])
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let result = json_result(&run);
    assert_eq!(result["successfulRequests"], 200, "{result}");
    let stats = service.https_stats(&ca);
    assert_eq!(stats["requests"], 200);
    assert_eq!(connections_between(&before, &stats), 200);
}

#[test]
fn an_untrusted_certificate_fails_every_request_as_tls_unless_trusted_or_insecure() {
    let dir = tempdir().unwrap();
    let ca = TestCa::new(dir.path(), "stress");
    let service = SampleService::start_https(&ca.issue("server"), &[]);
    let url = service.https_url();

    let untrusted = tool(BIN)
        .args(["-n", "20", "-c", "2", "--output", "json", &url])
        .run();
    assert_eq!(untrusted.code, Some(1), "{}", untrusted.stderr);
    let result = json_result(&untrusted);
    assert_eq!(result["failedRequests"], 20);
    let errors = result["errors"].as_object().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (class, count) = errors.iter().next().unwrap();
    assert!(
        class.starts_with("tls: invalid peer certificate") && class.contains("UnknownIssuer"),
        "{class}"
    );
    assert_eq!(count, 20);
    assert_eq!(
        service.https_stats(&ca)["requests"],
        0,
        "no request went to a server that was not trusted"
    );

    let insecure = tool(BIN)
        .args(["-n", "20", "-c", "2", "-k", "--output", "json", &url])
        .run();
    assert_eq!(insecure.code, Some(0), "{}", insecure.stderr);
    assert_eq!(json_result(&insecure)["successfulRequests"], 20);

    let from_env = tool(BIN)
        .args(["-n", "20", "-c", "2", "--output", "json", &url])
        .env("SSL_CERT_FILE", &ca.pem)
        .run();
    assert_eq!(
        from_env.code,
        Some(0),
        "SSL_CERT_FILE is trusted: {}",
        from_env.stderr
    );

    let missing = tool(BIN)
        .args(["-n", "1", "--cacert", "/nonexistent/ca.pem", &url])
        .run();
    assert_eq!(missing.code, Some(2));
    sentinel_test_support::assert_contains!(missing.stderr, "--cacert /nonexistent/ca.pem");
}

#[test]
fn https_to_a_plain_http_port_is_reported_as_a_tls_failure() {
    let service = SampleService::start(&[]);
    let url = format!("https://127.0.0.1:{}/", service.port);
    let run = tool(BIN)
        .args(["-n", "5", "-c", "1", "-k", "--output", "json", &url])
        .run();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let result = json_result(&run);
    let errors = result["errors"].as_object().unwrap();
    assert!(
        errors.keys().all(|class| class.starts_with("tls: ")),
        "{errors:?}"
    );
    assert_eq!(result["failedRequests"], 5);
}

#[test]
fn pipeline_mode_judges_https_endpoints_with_the_runs_trust_settings() {
    let dir = tempdir().unwrap();
    let ca = TestCa::new(dir.path(), "stress");
    let service = SampleService::start_https(&ca.issue("server"), &[]);
    let cacert = ca.pem.to_string_lossy().into_owned();
    let stage = format!(
        r#"{{"v":1,"kind":"stage.completed","ts":"2026-11-24T10:00:00.000Z","source":"test","rolloutId":"r1","stage":"Canary","index":0,"regions":[],"endpoints":["{}"],"durationMs":1}}"#,
        service.https_url()
    );
    let run = tool(BIN)
        .current_dir(dir.path())
        .args(["--on", "stage.completed", "-n", "40", "--cacert", &cacert])
        .stdin(format!("{stage}\n"))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let events = run.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["kind"], "stress.result");
    assert_eq!(events[1]["successfulRequests"], 40, "{:?}", events[1]);
    assert!(
        !run.stderr.contains("not ready"),
        "the readiness check speaks TLS too: {}",
        run.stderr
    );
}

#[test]
fn a_self_signed_server_certificate_that_is_its_own_ca_is_accepted_when_trusted_by_name() {
    // What `openssl req -x509` makes: CA:TRUE on the server's own certificate. curl accepts
    // it with --cacert; so must we, and still check the name and refuse it untrusted.
    let dir = tempdir().unwrap();
    let own = ServerCertificate::self_signed_ca(dir.path(), "own", &["127.0.0.1", "localhost"]);
    let service = SampleService::start_https(&own, &[]);
    let url = service.url().replace("http://", "https://");
    let cacert = own.cert.to_string_lossy().into_owned();
    let trusted = tool(BIN)
        .args(["-n", "20", "--output", "json", "--cacert", &cacert, &url])
        .run();
    assert_eq!(trusted.code, Some(0), "{}", trusted.stderr);
    assert_eq!(
        json_result(&trusted)["statusCodes"],
        serde_json::json!({"200": 20})
    );

    let untrusted = tool(BIN).args(["-n", "2", "--output", "json", &url]).run();
    assert_eq!(untrusted.code, Some(1));
    sentinel_test_support::assert_contains!(untrusted.stdout, "tls: invalid peer certificate");

    let other = ServerCertificate::self_signed_ca(dir.path(), "other", &["other.example"]);
    let misnamed = SampleService::start_https(&other, &[]);
    let cacert = other.cert.to_string_lossy().into_owned();
    let wrong_name = tool(BIN)
        .args(["-n", "2", "--output", "json", "--cacert", &cacert])
        .arg(misnamed.url().replace("http://", "https://"))
        .run();
    assert_eq!(wrong_name.code, Some(1), "{}", wrong_name.stdout);
    sentinel_test_support::assert_contains!(wrong_name.stdout, "certificate not valid for name");
}
