//! The real binary's command line: what a missing or incomplete configuration says, and
//! config flags after a subcommand. (--version, --help and usage errors of every tool:
//! tests/tests/cli.rs.)

use sentinel_test_support::tool;

const BIN: &str = env!("CARGO_BIN_EXE_sentinel-trigger");

#[test]
fn missing_config_names_each_field_and_where_it_is_found() {
    let dir = sentinel_test_support::tempdir().unwrap();
    let run = tool(BIN)
        .current_dir(dir.path())
        .args(["--environment", "Staging"])
        .run();
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("sentinel-trigger: error: configuration"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("serviceGroupName is missing — it is the ServiceGroup in ServiceModel.json"),
        "{}",
        run.stderr
    );
    sentinel_test_support::assert_contains!(run.stderr, "stages is missing");
    assert!(run.stdout.is_empty());
}

#[test]
fn the_ev2_provider_without_a_configured_mcp_server_says_how_to_configure_one() {
    let dir = sentinel_test_support::tempdir().unwrap();
    let run = tool(BIN)
        .current_dir(dir.path())
        .args([
            "--provider",
            "ev2",
            "--environment",
            "PPE",
            "--service-group",
            "G",
            "--stage-map",
            "M",
        ])
        .args(["--service-id", "8f3c2a1b-4d5e-4f60-9a7b-1c2d3e4f5a6b"])
        .run();
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    sentinel_test_support::assert_contains!(run.stderr, "no EV2 MCP server configured");
    sentinel_test_support::assert_contains!(run.stderr, ".vscode/mcp.json");
    assert!(run.stdout.is_empty());
}

#[test]
fn the_ado_provider_without_a_token_names_the_variables_and_scopes() {
    let dir = sentinel_test_support::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".deploy-sentinel-config.json"),
        r#"{"provider": "ado", "serviceGroupName": "G", "environment": "PPE",
            "pipelineConfig": {"organization": "http://127.0.0.1:9/org", "project": "P", "pipelineId": 3}}"#,
    )
    .unwrap();
    let run = tool(BIN)
        .current_dir(dir.path())
        .env("AZURE_DEVOPS_PAT", "")
        .env("SYSTEM_ACCESSTOKEN", "")
        .run();
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    sentinel_test_support::assert_contains!(run.stderr, "AZURE_DEVOPS_PAT");
    sentinel_test_support::assert_contains!(run.stderr, "Build (Read & execute)");
}

#[test]
fn config_flags_work_after_the_subcommand_too() {
    let dir = sentinel_test_support::tempdir().unwrap();
    for args in [
        ["approve", "--config", "missing.json", "--rollout-id", "r1"],
        ["cancel", "--environment", "Prod", "--rollout-id", "r1"],
    ] {
        let run = tool(BIN).current_dir(dir.path()).args(args).run();
        assert!(
            !run.stderr.contains("unexpected argument"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let missing = tool(BIN)
        .current_dir(dir.path())
        .args(["approve", "--config", "missing.json", "--rollout-id", "r1"])
        .run();
    assert_eq!(missing.code, Some(2));
    sentinel_test_support::assert_contains!(missing.stderr, "missing.json does not exist");
}
