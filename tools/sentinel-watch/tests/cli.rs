//! The real binary's command line: version, help with examples, usage errors, and an honest
//! "not implemented yet" until its issue lands.

use sentinel_test_support::tool;

const BIN: &str = env!("CARGO_BIN_EXE_sentinel-watch");

#[test]
fn version_and_help_with_examples() {
    let version = tool(BIN).arg("--version").run();
    assert_eq!(version.code, Some(0));
    assert_eq!(
        version.stdout.trim(),
        format!("sentinel-watch {}", env!("CARGO_PKG_VERSION"))
    );
    let help = tool(BIN).arg("--help").run();
    assert_eq!(help.code, Some(0));
    assert!(help.stdout.contains("Examples:"), "{}", help.stdout);
}

#[test]
fn an_unknown_flag_is_a_usage_error() {
    let run = tool(BIN).arg("--no-such-flag").run();
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("--no-such-flag"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "stdout is data only");
}
