//! `--http2` against an HTTP/2 server written by others: node's own http2 module
//! (tests/servers/h2_server.js), h2c with prior knowledge and h2 over TLS with ALPN.

use sentinel_test_support::{SampleService, TempDir, TestCa, tempdir, tool};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_sentinel-stress");

/// The node HTTP/2 server on a loopback port, killed on drop.
struct H2Server {
    child: std::process::Child,
    port: u16,
    dir: TempDir,
}

impl H2Server {
    /// `None`, saying why, where node is not installed.
    #[allow(clippy::print_stderr)] // a skipped test says why, in the test output
    fn start(args: &[&str]) -> Option<H2Server> {
        use std::io::BufRead;
        let dir = tempdir().unwrap();
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/h2_server.js");
        let Ok(mut child) = std::process::Command::new("node")
            .arg(script)
            .args(args)
            .arg("--stats")
            .arg(dir.path().join("stats.json"))
            .stdout(std::process::Stdio::piped())
            .spawn()
        else {
            eprintln!("skipped: node is not installed; its http2 module is the server here");
            return None;
        };
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Some(H2Server {
            child,
            port: line.trim().parse().expect("the server prints its port"),
            dir,
        })
    }

    fn url(&self, scheme: &str, path: &str) -> String {
        format!("{scheme}://127.0.0.1:{}{path}", self.port)
    }

    /// What the server served: sessions (connections), streams, the most at once, ALPN.
    fn stats(&self) -> Value {
        let text = std::fs::read_to_string(self.dir.path().join("stats.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }
}

impl Drop for H2Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn json(run: &sentinel_test_support::Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not a JSON result ({e}): {}\n{}", run.stdout, run.stderr))
}

#[test]
fn h2c_multiplexes_p_streams_over_each_of_c_connections() {
    let Some(server) = H2Server::start(&[]) else {
        return;
    };
    let run = tool(BIN)
        .args([
            "--http2", "-c", "2", "-p", "8", "-n", "400", "--output", "json",
        ])
        .arg(server.url("http", "/slow"))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let result = json(&run);
    assert_eq!(
        result["statusCodes"],
        serde_json::json!({"200": 400}),
        "{result}"
    );
    let stats = server.stats();
    assert_eq!(stats["sessions"], 2, "two connections: {stats}");
    assert_eq!(stats["streams"], 400, "{stats}");
    assert_eq!(stats["maxConcurrent"], 16, "8 streams on each: {stats}");
    assert_eq!(stats["alpn"], serde_json::json!(["h2c"]), "{stats}");
    // 400 answers of 200 ms each, 16 at a time: about 5 s, not 400 × 200 ms.
    let took = result["testDuration"].as_u64().unwrap();
    assert!((4_900..9_000).contains(&took), "{result}");
}

#[test]
fn h2_over_tls_is_negotiated_by_alpn_with_the_run_s_trust_and_rates() {
    let dir = tempdir().unwrap();
    let ca = TestCa::new(dir.path(), "h2");
    let certificate = ca.issue("server");
    let (cert, key) = (
        certificate.cert.to_string_lossy().into_owned(),
        certificate.key.to_string_lossy().into_owned(),
    );
    let Some(server) = H2Server::start(&["--cert", &cert, "--key", &key]) else {
        return;
    };
    let cacert = ca.pem.to_string_lossy().into_owned();
    let run = tool(BIN)
        .args(["--http2", "-c", "2", "-p", "4", "-q", "100", "-n", "200"])
        .args(["--cacert", &cacert, "--output", "json"])
        .arg(server.url("https", "/"))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let result = json(&run);
    assert_eq!(
        result["statusCodes"],
        serde_json::json!({"200": 200}),
        "{result}"
    );
    let achieved = result["achievedRate"].as_f64().unwrap();
    // Loose: a debug build on a loaded 2-core machine, and TLS handshakes before the first send.
    assert!((80.0..120.0).contains(&achieved), "{result}");
    assert_eq!(server.stats()["alpn"], serde_json::json!(["h2"]));

    // A trusted self-signed server certificate that is its own CA works over h2 too.
    let own =
        sentinel_test_support::ServerCertificate::self_signed_ca(dir.path(), "own", &["127.0.0.1"]);
    let (own_cert, own_key) = (
        own.cert.to_string_lossy().into_owned(),
        own.key.to_string_lossy().into_owned(),
    );
    let self_signed = H2Server::start(&["--cert", &own_cert, "--key", &own_key]).unwrap();
    let run = tool(BIN)
        .args([
            "--http2", "-n", "20", "--cacert", &own_cert, "--output", "json",
        ])
        .arg(self_signed.url("https", "/"))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);

    // Untrusted: every request fails as TLS, none hangs.
    let untrusted = tool(BIN)
        .args(["--http2", "-n", "3", "--output", "json"])
        .arg(server.url("https", "/"))
        .run();
    assert_eq!(untrusted.code, Some(1));
    sentinel_test_support::assert_contains!(untrusted.stdout, "tls: invalid peer certificate");
}

#[test]
fn http2_to_a_server_that_only_speaks_http_1_1_fails_quickly_with_a_class() {
    let service = SampleService::start(&[]);
    let started = std::time::Instant::now();
    let run = tool(BIN)
        .args(["--http2", "-n", "5", "--timeout", "3s", "--output", "json"])
        .arg(service.url())
        .run();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let result = json(&run);
    assert_eq!(result["successfulRequests"], 0, "{result}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(
        tool(BIN).args(["-p", "4", &service.url()]).run().code == Some(2),
        "-p needs --http2"
    );
}

#[test]
fn over_http2_too_in_flight_requests_at_the_deadline_are_answered_and_n_ends_with_the_last() {
    let Some(server) = H2Server::start(&[]) else {
        return;
    };
    // Answers take 200 ms; at the 2 s deadline a couple are still out: they are waited for.
    let run = tool(BIN)
        .args([
            "--http2",
            "-q",
            "20",
            "-z",
            "2s",
            "--timeout",
            "3s",
            "--output",
            "json",
        ])
        .arg(server.url("http", "/slow"))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let result = json(&run);
    assert_eq!(result["failedRequests"], 0, "{result}");
    assert_eq!(
        result["totalRequests"].as_u64().unwrap(),
        server.stats()["streams"].as_u64().unwrap(),
        "every request the server got is counted: {result}"
    );

    let started = std::time::Instant::now();
    let run = tool(BIN)
        .args([
            "--http2", "-q", "10", "-n", "10", "-c", "10", "-p", "10", "--output", "json",
        ])
        .arg(server.url("http", "/"))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "no idle tail"
    );
    let rate = json(&run)["requestsPerSecond"].as_f64().unwrap();
    assert!((9.0..13.5).contains(&rate), "{rate}");
}

#[test]
fn a_ramp_over_http2_follows_its_stages_and_ends_with_them() {
    let Some(server) = H2Server::start(&[]) else {
        return;
    };
    let started = std::time::Instant::now();
    let run = tool(BIN)
        .args([
            "--http2",
            "-c",
            "2",
            "-p",
            "5",
            "--ramp",
            "20/s:1s,60/s:1s",
            "--output",
            "json",
        ])
        .arg(server.url("http", "/"))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(6),
        "bounded by the ramp"
    );
    let result = json(&run);
    let stages = result["ramp"].as_array().unwrap();
    let sent = |i: usize| stages[i]["sent"].as_u64().unwrap();
    assert!((17..=23).contains(&sent(0)), "{result}");
    assert!((35..=45).contains(&sent(1)), "{result}");
}
