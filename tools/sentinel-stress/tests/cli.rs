//! The real binary's command line: version, help with examples, usage errors, and an honest
//! "not implemented yet" (exit 5) until its issue lands.

const BIN: &str = env!("CARGO_BIN_EXE_sentinel-stress");

#[test]
fn version_help_and_usage_errors() {
    sentinel_test_support::assert_cli_basics(BIN, "sentinel-stress", env!("CARGO_PKG_VERSION"));
}

#[test]
fn warmup_says_honestly_that_it_is_not_built_yet() {
    sentinel_test_support::assert_not_implemented_yet(
        BIN,
        "sentinel-stress",
        &["--warmup", "1s", "http://127.0.0.1:9/"],
    );
}
