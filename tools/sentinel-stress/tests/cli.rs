//! The real binary's command line: version, help with examples, usage errors, and an honest
//! "not implemented yet" (exit 5) until its issue lands.

use sentinel_test_support::tool;

const BIN: &str = env!("CARGO_BIN_EXE_sentinel-stress");

#[test]
fn version_help_and_usage_errors() {
    sentinel_test_support::assert_cli_basics(BIN, "sentinel-stress", env!("CARGO_PKG_VERSION"));
}

#[test]
fn says_honestly_that_it_is_not_built_yet() {
    let args: &[&str] = match "stress" {
        "stress" => &["http://127.0.0.1:9/"],
        "branch" => &["check", "clean"],
        _ => &["send", "--title", "T", "--status", "info"],
    };
    let run = tool(BIN).args(args).run();
    assert_eq!(run.code, Some(5), "{}", run.stderr);
    assert!(
        run.stderr.starts_with("sentinel-stress: error: "),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("not implemented yet"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}
