//! The real binary's command line: version, help with examples, usage errors.

const BIN: &str = env!("CARGO_BIN_EXE_sentinel-stress");

#[test]
fn version_help_and_usage_errors() {
    sentinel_test_support::assert_cli_basics(BIN, "sentinel-stress", env!("CARGO_PKG_VERSION"));
}
