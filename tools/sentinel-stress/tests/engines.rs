//! The two HTTP/1.1 engines side by side: the same counts from the same server, and the
//! fallback to mio where a seccomp profile refuses io_uring (a real seccomp filter, installed
//! by the deny-io-uring helper, as container runtimes install theirs).

use sentinel_test_support::{SampleService, tool, workspace_bin};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_sentinel-stress");

fn result(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not a JSON result ({e}): {stdout}"))
}

#[test]
fn both_engines_count_the_same_answers_from_the_same_server() {
    let service = SampleService::start(&["--error-rate", "5"]);
    let counts = |engine: &str| {
        let run = tool(BIN)
            .env("SENTINEL_STRESS_ENGINE", engine)
            .args(["-n", "3000", "-c", "24", "--output", "json", &service.url()])
            .run();
        assert_eq!(run.code, Some(0), "{engine}: {}", run.stderr);
        let r = result(&run.stdout);
        [
            "totalRequests",
            "successfulRequests",
            "failedRequests",
            "statusCodes",
            "errors",
            "errorRate",
        ]
        .map(|key| (key, r[key].clone()))
    };
    let uring = counts("io-uring");
    assert_eq!(uring[0].1, 3000);
    // Every 20th request fails, counted across both runs: 3000 is a multiple of 20.
    assert_eq!(uring[3].1["500"], 150, "5% of 3000: {uring:?}");
    assert_eq!(uring, counts("mio"));
}

/// Under `deny-io-uring FILTER...`: `auto` runs on mio, `-v` says so and why (`reason`),
/// and every request is answered; `--engine io-uring` exits 2 with the reason and what to
/// use instead. The result of the `auto` run.
fn falls_back_to_mio_under(filter: &[&str], reason: &str, service: &SampleService) -> Value {
    let deny = workspace_bin("deny-io-uring");
    let auto = tool(&deny)
        .args(filter)
        .args([BIN, "-v", "-n", "400", "-c", "6", "--output", "json"])
        .arg(service.url())
        .run();
    assert_eq!(auto.code, Some(0), "{}", auto.stderr);
    let said = format!("load engine: mio (io_uring is not usable on this machine: {reason}");
    assert!(auto.stderr.contains(&said), "{}", auto.stderr);
    let demanded = tool(&deny)
        .args(filter)
        .args([BIN, "--engine", "io-uring", "-n", "10", &service.url()])
        .run();
    assert_eq!(demanded.code, Some(2), "{}", demanded.stderr);
    for needed in [reason, "--engine auto"] {
        assert!(demanded.stderr.contains(needed), "{}", demanded.stderr);
    }
    result(&auto.stdout)
}

#[test]
fn io_uring_refused_by_a_seccomp_profile_falls_back_to_mio_and_says_so() {
    let service = SampleService::start(&[]);
    let refused = falls_back_to_mio_under(&[], "io_uring_setup: Operation not permitted", &service);
    assert_eq!(refused["successfulRequests"], 400);
    let allowed = tool(BIN)
        .args(["-v", "-n", "10", "--output", "json", &service.url()])
        .run();
    // Where this machine itself forbids io_uring, the io-uring copy of the engine tests fails
    // with the reason; here it says which engine ran.
    assert!(
        allowed
            .stderr
            .contains("load engine: io_uring for http:// targets"),
        "{}",
        allowed.stderr
    );
}

#[test]
fn a_ring_refused_registered_files_runs_its_connections_on_their_descriptors() {
    let service = SampleService::start(&["--error-rate", "5"]);
    let deny = workspace_bin("deny-io-uring");
    // Keep-alive connections, and one connection per request (a slot filled and cleared
    // each time where files can be registered).
    for extra in [&[][..], &["--disable-keepalive"][..]] {
        let counts = |prefix: &[&str]| {
            let run = tool(prefix[0])
                .args(&prefix[1..])
                .args(["--engine", "io-uring", "-n", "400", "-c", "6"])
                .args(extra)
                .args(["--output", "json", &service.url()])
                .run();
            assert_eq!(run.code, Some(0), "{prefix:?} {extra:?}: {}", run.stderr);
            let r = result(&run.stdout);
            (r["successfulRequests"].clone(), r["statusCodes"].clone())
        };
        let deny = deny.to_str().unwrap();
        let refused = counts(&[deny, "--file-registration", BIN]);
        assert_eq!(refused.0, 380, "{extra:?}: {refused:?}");
        assert_eq!(refused, counts(&[BIN]), "{extra:?}");
    }
}

#[test]
fn a_ring_without_provided_buffer_rings_leaves_the_load_to_mio_and_says_why() {
    // As on kernels before 5.19: rings work, but a ring of provided buffers, which the
    // engine's multishot receives read into, cannot be registered.
    let service = SampleService::start(&["--error-rate", "5"]);
    let auto = falls_back_to_mio_under(
        &["--buffer-rings"],
        "io_uring provided-buffer ring (5.19): Operation not permitted",
        &service,
    );
    assert_eq!(auto["successfulRequests"], 380, "{auto}");
}
