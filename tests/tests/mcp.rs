//! The MCP client against the reference server `@modelcontextprotocol/server-everything`
//! (a real MCP server, pinned to one version, run over stdio exactly as the EV2 MCP server is).
//! Skipped with the reason printed when node/npm are missing; `.ci/run` installs it.

use sentinel_core::Exit;
use sentinel_core::output::Logger;
use sentinel_provider::mcp::{CallError, McpClient, ServerCommand};
use sentinel_test_support::mcp_server_everything;
use serde_json::json;
use std::time::Duration;

#[allow(clippy::print_stderr)] // a skipped test says why, in the test output
fn everything(env: Vec<(String, String)>) -> Option<ServerCommand> {
    match mcp_server_everything() {
        Ok(program) => Some(ServerCommand {
            name: "everything".into(),
            program: program.to_string_lossy().into_owned(),
            args: vec!["stdio".into()],
            env,
            origin: "the test".into(),
        }),
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

#[test]
fn the_reference_server_lists_tools_echoes_and_reports_an_unknown_tool_as_is_error() {
    let Some(server) = everything(Vec::new()) else {
        return;
    };
    let mut client = McpClient::start(&server, Duration::from_secs(30), &Logger::silent())
        .expect("the handshake completes (the server sends tools/list_changed unasked first)");
    assert_eq!(client.protocol_version(), "2025-11-25");
    assert!(
        client.server_info().contains("everything"),
        "{}",
        client.server_info()
    );
    let tools = client.list_tools().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    assert!(
        names.contains(&"echo") && names.contains(&"get-sum"),
        "{names:?}"
    );

    let echo = client
        .call_tool("echo", json!({"message": "deploy 1.4.2"}))
        .unwrap();
    assert!(!echo.is_error);
    assert_eq!(echo.text, "Echo: deploy 1.4.2");

    let structured = client
        .call_tool("get-structured-content", json!({"location": "Chicago"}))
        .unwrap();
    let value = structured.value.expect("structuredContent is parsed");
    assert!(value.get("temperature").is_some(), "{value}");

    match client.call_tool("no-such-tool", json!({})) {
        Ok(result) => {
            assert!(result.is_error, "an unknown tool is a failed call");
            sentinel_test_support::assert_contains!(result.text, "no-such-tool");
        }
        // Older protocol versions answered with a JSON-RPC error instead; both are handled.
        Err(CallError::Rpc { message, .. }) => assert!(message.contains("no-such-tool")),
        Err(CallError::Transport(e)) => panic!("the session broke: {e}"),
    }
    assert!(client.is_alive(), "a failed tool does not end the session");
}

#[test]
fn the_servers_environment_comes_from_its_configuration() {
    let Some(server) = everything(vec![("SENTINEL_MCP_TEST".into(), "from-mcp-json".into())])
    else {
        return;
    };
    let mut client = McpClient::start(&server, Duration::from_secs(30), &Logger::silent()).unwrap();
    let env = client.call_tool("get-env", json!({})).unwrap();
    sentinel_test_support::assert_contains!(env.text, "from-mcp-json");
}

#[test]
fn a_call_that_outlives_its_timeout_ends_the_session_with_exit_4() {
    let Some(server) = everything(Vec::new()) else {
        return;
    };
    let mut client = McpClient::start(&server, Duration::from_secs(30), &Logger::silent()).unwrap();
    let mut short = McpClient::start(&server, Duration::from_secs(30), &Logger::silent()).unwrap();
    short.set_timeout(Duration::from_millis(800));
    let error = match short.call_tool(
        "trigger-long-running-operation",
        json!({"duration": 5, "steps": 5}),
    ) {
        Err(CallError::Transport(e)) => e,
        other => panic!("expected a timeout, got {other:?}"),
    };
    assert_eq!(error.exit(), Exit::Unreachable);
    assert!(
        sentinel_core::error::chain(&error).contains("no answer to tools/call within"),
        "{error}"
    );
    assert!(!short.is_alive());
    // Another session is not affected.
    assert!(client.call_tool("echo", json!({"message": "x"})).is_ok());
}
