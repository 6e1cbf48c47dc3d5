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
