//! Every tool's command line at once: clap's own consistency check of each definition, and
//! the real binary's --version, --help (with examples) and a usage error.

use sentinel_test_support::{assert_cli_basics, workspace_bin};

#[test]
fn every_tool_s_command_line_is_consistent_and_answers_version_help_and_bad_flags() {
    let tools = sentinel_e2e::docs::tools();
    assert_eq!(tools.len(), 6, "the suite's six tools");
    for tool in tools {
        (tool.command)().debug_assert();
        let bin = workspace_bin(tool.name);
        assert_cli_basics(
            bin.to_str().expect("a UTF-8 target path"),
            tool.name,
            sentinel_core::VERSION,
        );
    }
}

#[test]
fn a_time_limit_or_period_of_zero_is_a_usage_error_in_every_tool() {
    for (name, args) in [
        (
            "sentinel-notify",
            &["--webhook", "http://127.0.0.1:9/h", "--timeout", "0s"][..],
        ),
        (
            "sentinel-notify",
            &["--webhook", "http://127.0.0.1:9/h", "--deadline", "0"],
        ),
        ("sentinel-watch", &["--rollout-id", "r1", "--timeout", "0s"]),
        (
            "sentinel-watch",
            &["health", "--timeout", "0ms", "http://127.0.0.1:9/"],
        ),
        (
            "sentinel-watch",
            &[
                "analyze",
                "--interval",
                "0s",
                "--scrape",
                "http://127.0.0.1:9/metrics",
            ],
        ),
        (
            "sentinel-stress",
            &["--timeout", "0s", "http://127.0.0.1:9/"],
        ),
    ] {
        assert_usage_error(name, args, &["zero", "more than 0"]);
    }
}

/// `name args` (with empty input) exits 2, and its error says one of `why`.
fn assert_usage_error(name: &str, args: &[&str], why: &[&str]) {
    let run = sentinel_test_support::tool(workspace_bin(name))
        .args(args)
        .stdin(String::new())
        .run();
    assert_eq!(run.code, Some(2), "{name} {args:?}: {}", run.stderr);
    assert!(
        why.iter().any(|w| run.stderr.contains(w)),
        "{name} {args:?} says why: {}",
        run.stderr
    );
}

#[test]
fn a_file_a_flag_names_is_read_only_up_to_its_bound_and_never_as_a_directory() {
    let dir = sentinel_test_support::tempdir().unwrap();
    let folder = dir.path().display().to_string();
    for (name, args) in [
        (
            "sentinel-stress",
            &["--body-file", "/dev/zero", "-n", "1", "http://127.0.0.1:9/"][..],
        ),
        (
            "sentinel-stress",
            &["--targets", folder.as_str(), "-n", "1"],
        ),
        ("sentinel-stress", &["merge", "/dev/zero"]),
        ("sentinel-notify", &["--template", "/dev/zero"]),
    ] {
        assert_usage_error(name, args, &["is larger than", "is a directory"]);
    }
}
