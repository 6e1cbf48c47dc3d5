//! A stand-in for the EV2 MCP server, built from the tool contract of the original Deploy
//! Sentinel specification (sentinel-trigger(1), PROVIDERS). It is a real MCP server over stdio —
//! JSON-RPC 2.0, one message per line, `initialize`, `tools/list`, `tools/call` — so the
//! tools under test start it as a child process exactly as they start the real one.
//!
//! Its rollouts live in a JSON file (`EV2_STANDIN_STATE`), shared by every server process a
//! test starts (sentinel-trigger's, then sentinel-watch's) and locked while it is changed.
//! The file's `scenario` says what happens:
//!
//! - `stages`: `[{name, regions}]`; each `get_rollout_details` call moves the rollout one
//!   step: a stage starts, then completes;
//! - `waitBefore`: a stage that waits for `stop_wait_action` before it starts;
//! - `failAt`: a stage that fails (error `HealthCheckFailed`) instead of completing;
//! - `internalErrorOnFirst`: tools whose first call answers `InternalError`;
//! - `errorOn`: `{tool: code}`, tools that always answer that EV2 error code;
//! - `exitOn`: a tool on whose call the server writes to stderr and exits 1;
//! - `oddStageStatus`: a status string for running stages that is not in the contract.
//!
//! Every call is appended to `calls` (tool and arguments), every session to `sessions`.

#![allow(clippy::print_stderr)] // the stand-in's last words go to stderr, as a real server's do

use serde_json::{Value, json};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

const PREFIX: &str = "mcp_ev2_mcp_serve_";

fn main() {
    let state_path = PathBuf::from(
        std::env::var_os("EV2_STANDIN_STATE").expect("EV2_STANDIN_STATE names the state file"),
    );
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    let mut session = None;
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let Ok(message) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        let method = message["method"].as_str().unwrap_or_default().to_owned();
        let id = message.get("id").cloned();
        let reply = match method.as_str() {
            "initialize" => {
                let params = &message["params"];
                session = Some(json!({
                    "protocolVersion": params["protocolVersion"],
                    "clientInfo": params["clientInfo"],
                    "tools": [],
                }));
                Some(json!({
                    "protocolVersion": "2025-06-18",
                    "capabilities": {"tools": {"listChanged": true}},
                    "serverInfo": {"name": "ev2-mcp-standin", "version": "1.0.0"},
                }))
            }
            "tools/list" => Some(json!({"tools": tool_list()})),
            "tools/call" => {
                let name = message["params"]["name"].as_str().unwrap_or_default();
                let arguments = message["params"]["arguments"].clone();
                let tool = name.strip_prefix(PREFIX).unwrap_or(name).to_owned();
                if let Some(session) = session.as_mut() {
                    session["tools"]
                        .as_array_mut()
                        .expect("a list")
                        .push(json!(tool));
                }
                Some(with_state(&state_path, |state| {
                    record_session(state, session.as_ref());
                    call(state, &tool, &arguments)
                }))
            }
            "ping" => Some(json!({})),
            _ if id.is_none() => None,
            _ => {
                let error = json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": format!("method {method} not found")}});
                writeln!(stdout, "{error}")
                    .and_then(|()| stdout.flush())
                    .ok();
                continue;
            }
        };
        let (Some(id), Some(result)) = (id, reply) else {
            continue;
        };
        if result.get("exit").is_some() {
            eprintln!("fatal: lost the connection to EV2 (stand-in told to exit)");
            std::process::exit(1);
        }
        let answer = json!({"jsonrpc": "2.0", "id": id, "result": result});
        writeln!(stdout, "{answer}")
            .and_then(|()| stdout.flush())
            .ok();
        if method == "initialize" {
            // Real servers announce their tools unasked right after initializing.
            writeln!(
                stdout,
                "{}",
                json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
            )
            .and_then(|()| stdout.flush())
            .ok();
        }
    }
}

fn tool_list() -> Vec<Value> {
    [
        "get_ev2_best_practices",
        "get_artifact_versions",
        "get_stage_map_versions",
        "start_rollout",
        "get_rollout_details",
        "stop_wait_action",
        "cancel_rollout",
    ]
    .iter()
    .map(|t| json!({"name": format!("{PREFIX}{t}"), "inputSchema": {"type": "object"}}))
    .collect()
}

/// Keep the session list current: the tools each server process was asked, in order.
fn record_session(state: &mut Value, session: Option<&Value>) {
    let Some(session) = session else { return };
    let pid = std::process::id();
    let sessions = state["sessions"].as_array_mut().expect("a list");
    match sessions.iter_mut().find(|s| s["pid"] == json!(pid)) {
        Some(existing) => {
            existing["tools"] = session["tools"].clone();
        }
        None => {
            let mut entry = session.clone();
            entry["pid"] = json!(pid);
            sessions.push(entry);
        }
    }
}

/// Run `change` on the state file under an exclusive lock, writing it back.
fn with_state(path: &Path, change: impl FnOnce(&mut Value) -> Value) -> Value {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .expect("the state file exists");
    fs2::FileExt::lock_exclusive(&file).expect("the state file can be locked");
    let mut state: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("readable")).expect("JSON");
    for key in ["calls", "sessions"] {
        if !state[key].is_array() {
            state[key] = json!([]);
        }
    }
    for key in ["rollouts", "failedOnce"] {
        if !state[key].is_object() {
            state[key] = json!({});
        }
    }
    let result = change(&mut state);
    std::fs::write(path, serde_json::to_vec_pretty(&state).expect("JSON")).expect("writable");
    let _ = fs2::FileExt::unlock(&file);
    result
}

/// A tool result whose only content is `value` as JSON text.
fn text_result(value: &Value) -> Value {
    json!({"content": [{"type": "text", "text": value.to_string()}]})
}

fn ev2_error(code: &str, message: &str) -> Value {
    let body = json!({"error": {"code": code, "message": message}});
    json!({"content": [{"type": "text", "text": body.to_string()}], "isError": true})
}

fn call(state: &mut Value, tool: &str, arguments: &Value) -> Value {
    state["calls"]
        .as_array_mut()
        .expect("a list")
        .push(json!({"tool": tool, "arguments": arguments}));
    let scenario = state["scenario"].clone();
    if scenario["exitOn"].as_str() == Some(tool) {
        return json!({"exit": true});
    }
    if let Some(code) = scenario["errorOn"][tool].as_str() {
        return ev2_error(code, &format!("{tool} refused by the stand-in ({code})"));
    }
    let flaky = scenario["internalErrorOnFirst"]
        .as_array()
        .is_some_and(|tools| tools.iter().any(|t| t == tool));
    if flaky && state["failedOnce"][tool].is_null() {
        state["failedOnce"][tool] = json!(true);
        return ev2_error("InternalError", "transient failure in the EV2 front end");
    }
    match tool {
        "get_ev2_best_practices" => json!({"content": [{"type": "text", "text":
            "EV2 best practices\n1. Deploy to a canary region first.\n2. Bake between stages.\n3. Never skip health checks."}]}),
        "get_artifact_versions" => text_result(&json!({"artifacts": [
            {"versionNumber": "2.0.0-rc.1", "registrationDate": "2026-11-23T08:00:00Z", "status": "Failed"},
            {"versionNumber": "1.4.2", "registrationDate": "2026-11-22T08:00:00Z", "status": "Registered"},
            {"versionNumber": "1.4.1", "registrationDate": "2026-11-20T08:00:00Z", "status": "Registered"},
        ]})),
        "get_stage_map_versions" => text_result(&json!({"stageMaps": [
            {"version": "3", "registrationDate": "2026-11-01T08:00:00Z", "status": "Registered"},
            {"version": "2", "registrationDate": "2026-10-01T08:00:00Z", "status": "Registered"},
        ]})),
        "start_rollout" => {
            let number = state["rollouts"].as_object().map_or(0, |r| r.len()) + 1;
            let id = format!("7f3e2a10-0000-4000-8000-{number:012}");
            state["rollouts"][&id] = json!({"progress": 0, "approved": false, "cancelled": false, "arguments": arguments});
            text_result(
                &json!({"rolloutId": id, "status": "InProgress", "createdTimestamp": "2026-11-23T10:00:00.000Z"}),
            )
        }
        "get_rollout_details" => {
            let id = arguments["rolloutId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if state["rollouts"][&id].is_null() {
                return ev2_error("RolloutNotFound", &format!("rollout {id} does not exist"));
            }
            let details = advance(&scenario, &mut state["rollouts"][&id], &id);
            json!({"content": [{"type": "text", "text": details.to_string()}], "structuredContent": details})
        }
        "stop_wait_action" => {
            let id = arguments["rolloutId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            state["rollouts"][&id]["approved"] = json!(true);
            text_result(
                &json!({"rolloutId": id, "actionId": arguments["actionId"], "status": "Completed"}),
            )
        }
        "cancel_rollout" => {
            let id = arguments["rolloutId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            state["rollouts"][&id]["cancelled"] = json!(true);
            text_result(&json!({"rolloutId": id, "status": "Cancelling"}))
        }
        other => ev2_error("InvalidParameter", &format!("no tool {other}")),
    }
}

/// Move a rollout one step and describe it as `get_rollout_details` does.
fn advance(scenario: &Value, rollout: &mut Value, id: &str) -> Value {
    let stages = scenario["stages"].as_array().cloned().unwrap_or_default();
    let count = stages.len() as i64;
    let index_of = |key: &str| {
        stages
            .iter()
            .position(|s| Some(s["name"].as_str().unwrap_or_default()) == scenario[key].as_str())
            .map(|i| i as i64)
    };
    let wait_before = index_of("waitBefore");
    let fail_at = index_of("failAt");
    let mut progress = rollout["progress"].as_i64().unwrap_or(0);
    let cancelled = rollout["cancelled"].as_bool() == Some(true);
    let approved = rollout["approved"].as_bool() == Some(true);
    // Stage f runs at step 2f+1 and, instead of completing at 2f+2, fails there for good.
    let failed_by = |step: i64| fail_at.is_some_and(|f| step >= 2 * f + 2);
    let waiting = wait_before.is_some_and(|w| progress == 2 * w) && !approved;
    if !cancelled && !failed_by(progress) && !waiting && progress < 2 * count {
        progress += 1;
        rollout["progress"] = json!(progress);
    }
    let failed = failed_by(progress);
    let waiting = wait_before.is_some_and(|w| progress == 2 * w) && !approved;
    let odd = scenario["oddStageStatus"].as_str();
    let mut current = Value::Null;
    let stage_list: Vec<Value> = stages
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let i = i as i64;
            let status = if fail_at == Some(i) && failed {
                "Failed"
            } else if progress >= 2 * i + 2 {
                "Succeeded"
            } else if progress == 2 * i + 1 {
                odd.unwrap_or("Running")
            } else {
                "Pending"
            };
            if status != "Pending" {
                current = stage["name"].clone();
            }
            json!({
                "name": stage["name"], "status": status, "regions": stage["regions"],
                "startTime": if progress > 2 * i { json!(format!("2026-11-23T10:{:02}:00.000Z", 2 * i + 1)) } else { Value::Null },
                "endTime": if progress >= 2 * i + 2 { json!(format!("2026-11-23T10:{:02}:00.000Z", 2 * i + 2)) } else { Value::Null },
            })
        })
        .collect();
    let overall = if cancelled {
        "Cancelled"
    } else if failed {
        "Failed"
    } else if progress >= 2 * count {
        "Completed"
    } else if waiting {
        "Waiting"
    } else {
        "InProgress"
    };
    let errors = match fail_at.filter(|_| failed) {
        Some(f) => {
            json!([{"stage": stages[f as usize]["name"], "timestamp": "2026-11-23T10:30:00.000Z", "errorCode": "HealthCheckFailed", "message": "Health probe /healthz returned 503 for 5 minutes"}])
        }
        None => json!([]),
    };
    let wait_actions = match wait_before {
        Some(w) if progress >= 2 * w => json!([{
            "actionId": format!("wait-{}", stages[w as usize]["name"].as_str().unwrap_or_default()),
            "stage": stages[w as usize]["name"],
            "reason": "Manual approval before production regions",
            "waitingSince": "2026-11-23T10:20:00.000Z",
            "status": if approved { "Completed" } else if cancelled { "Cancelled" } else { "Waiting" },
        }]),
        _ => json!([]),
    };
    json!({
        "rolloutId": id,
        "overallStatus": overall,
        "currentStage": current,
        "stages": stage_list,
        "errors": errors,
        "waitActions": wait_actions,
        "lastUpdateTime": format!("2026-11-23T10:{:02}:30.000Z", progress),
    })
}
