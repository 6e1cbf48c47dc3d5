//! The real binary's command line: version, help with examples, usage errors.

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
    assert!(run.stderr.contains("stages is missing"), "{}", run.stderr);
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
    assert!(
        run.stderr.contains("no EV2 MCP server configured"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(".vscode/mcp.json"), "{}", run.stderr);
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
    assert!(run.stderr.contains("AZURE_DEVOPS_PAT"), "{}", run.stderr);
    assert!(
        run.stderr.contains("Build (Read & execute)"),
        "{}",
        run.stderr
    );
}

#[test]
fn version_help_and_usage_errors() {
    sentinel_test_support::assert_cli_basics(BIN, "sentinel-trigger", env!("CARGO_PKG_VERSION"));
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
    assert!(
        missing.stderr.contains("missing.json does not exist"),
        "{}",
        missing.stderr
    );
}
