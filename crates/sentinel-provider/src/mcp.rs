//! A Model Context Protocol client over stdio: how the EV2 provider talks to the EV2 MCP server.
//!
//! The server is a child process; JSON-RPC 2.0 messages go to its stdin and come from its
//! stdout, one per line. Its stderr is forwarded to our log with a `[mcp NAME]` prefix, and
//! the last lines are kept so that a server that dies or hangs can be reported with what it
//! said last (exit 4). The session is `initialize` → `notifications/initialized` → any number
//! of `tools/list` and `tools/call`, one request at a time.
//!
//! Where the server command comes from — `--mcp-command`, the config, or `.vscode/mcp.json` —
//! is [`crate::ev2::find_server`]'s business; [`crate::vscode_mcp`] reads the file.

use sentinel_core::error::{Error, Result};
use sentinel_core::output::{Logger, excerpt};
use serde_json::{Map, Value, json};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The protocol version this client asks for.
pub const PROTOCOL_VERSION: &str = "2025-11-25";

/// Versions a server may answer with: every published one from 2024-11-05 on. Their
/// differences (batching, structured content, titles) do not touch the calls made here.
pub const SUPPORTED_VERSIONS: &[&str] = &["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

/// Stderr lines kept for the report of a server that died or hung.
const STDERR_TAIL_LINES: usize = 20;

/// How long a server gets to exit on its own after its stdin is closed.
const EXIT_GRACE: Duration = Duration::from_millis(500);

/// The program that runs an MCP server, and where that was configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerCommand {
    /// A short name for logs: the `.vscode/mcp.json` entry, or the program's file name.
    pub name: String,
    pub program: String,
    pub args: Vec<String>,
    /// Extra environment variables (values may be secrets: never logged).
    pub env: Vec<(String, String)>,
    /// Where it was configured, for messages: `--mcp-command`, a file path...
    pub origin: String,
}

impl ServerCommand {
    /// A server from one command line (`--mcp-command "dnx Ev2.Mcp.Server --yes"`).
    pub fn from_command_line(line: &str, origin: &str) -> Result<ServerCommand> {
        let words = split_command_line(line).map_err(|why| {
            Error::usage_with_hint(
                format!("{origin}: {why} in {line:?}"),
                "write the command as in a shell: program and arguments, quoted where they contain spaces",
            )
        })?;
        let Some((program, args)) = words.split_first() else {
            return Err(Error::usage(format!(
                "{origin} is empty: give the command that starts the MCP server"
            )));
        };
        Ok(ServerCommand {
            name: Path::new(program)
                .file_name()
                .map_or_else(|| program.clone(), |n| n.to_string_lossy().into_owned()),
            program: program.clone(),
            args: args.to_vec(),
            env: Vec::new(),
            origin: origin.to_owned(),
        })
    }

    /// Program and arguments as one line, for logs (environment values are left out).
    pub fn display(&self) -> String {
        std::iter::once(self.program.as_str())
            .chain(self.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Split a command line into words the way a POSIX shell does for the simple cases: blanks
/// separate, `'...'` is literal, `"..."` allows `\"` and `\\`, a backslash outside quotes
/// escapes the next character. No expansion of any kind.
pub fn split_command_line(line: &str) -> std::result::Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err("an unclosed single quote".into()),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => w.push(c),
                            Some(c) => {
                                w.push('\\');
                                w.push(c);
                            }
                            None => return Err("an unclosed double quote".into()),
                        },
                        Some(c) => w.push(c),
                        None => return Err("an unclosed double quote".into()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some(c) => word.get_or_insert_with(String::new).push(c),
                None => return Err("a backslash at the end".into()),
            },
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// A tool the server offers.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolInfo {
    pub name: String,
    pub description: Option<String>,
}

/// What a `tools/call` returned (including a tool's own failure, `isError: true`).
#[derive(Debug, Clone, PartialEq)]
pub struct ToolResult {
    /// The tool reports that it failed.
    pub is_error: bool,
    /// `structuredContent`, else the JSON in the first text block when it is JSON.
    pub value: Option<Value>,
    /// The text blocks, joined by newlines.
    pub text: String,
}

impl ToolResult {
    fn from_result(result: &Value) -> ToolResult {
        let text = result
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|block| block.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|block| block.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>();
        let json_in = |text: &str| {
            serde_json::from_str::<Value>(text.trim())
                .ok()
                .filter(|v| v.is_object() || v.is_array())
        };
        // The contract's JSON, from the first of: structuredContent itself; the
        // {"result": "<JSON as a string>"} that the Python SDK's FastMCP makes of a tool
        // returning json.dumps(...); the first text block.
        let value = result
            .get("structuredContent")
            .filter(|v| !v.is_null())
            .map(|structured| {
                let wrapped = structured
                    .as_object()
                    .filter(|o| o.len() == 1)
                    .and_then(|o| o.get("result"))
                    .and_then(Value::as_str)
                    .and_then(json_in);
                wrapped.unwrap_or_else(|| structured.clone())
            })
            .or_else(|| text.first().and_then(|first| json_in(first)));
        ToolResult {
            is_error: result.get("isError").and_then(Value::as_bool) == Some(true),
            value,
            text: text.join("\n"),
        }
    }
}

/// Why a `tools/call` gave no result.
#[derive(Debug)]
pub enum CallError {
    /// The server answered with a JSON-RPC error (unknown tool, bad arguments, its own failure).
    Rpc {
        code: i64,
        message: String,
        data: Option<Value>,
    },
    /// The server died, hung, or stopped speaking the protocol; the session is over (exit 4).
    Transport(Error),
}

impl From<CallError> for Error {
    fn from(error: CallError) -> Error {
        match error {
            CallError::Rpc { code, message, .. } => Error::CheckFailed(format!(
                "the MCP server answered with error {code}: {message}"
            )),
            CallError::Transport(e) => e,
        }
    }
}

/// One message from the server's stdout, or a line that was not JSON.
enum Incoming {
    Message(Map<String, Value>),
    NotJson(String),
}

/// A running MCP server and the session with it. Dropping it closes the server's stdin and
/// ends the process (its whole process group) if it does not exit on its own.
#[derive(Debug)]
pub struct McpClient {
    command: ServerCommand,
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Incoming>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    stderr_reader: Option<std::thread::JoinHandle<()>>,
    next_id: u64,
    timeout: Duration,
    protocol_version: String,
    server_info: String,
    logger: Logger,
    /// Set once the transport failed; every later call fails the same way.
    broken: Option<String>,
}

impl std::fmt::Debug for Incoming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Incoming::Message(m) => write!(f, "Message({})", Value::Object(m.clone())),
            Incoming::NotJson(line) => write!(f, "NotJson({line:?})"),
        }
    }
}

impl McpClient {
    /// Start the server and complete the handshake; every request then gets `timeout`.
    pub fn start(command: &ServerCommand, timeout: Duration, logger: &Logger) -> Result<McpClient> {
        let mut child = Command::new(&command.program)
            .args(&command.args)
            .envs(command.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so that a server started through a wrapper (npx, dnx)
            // is ended with everything it started.
            .process_group(0)
            .spawn()
            .map_err(|e| {
                Error::usage_with_hint(
                    format!(
                        "cannot start the MCP server `{}` ({}): {e}",
                        command.display(),
                        command.origin
                    ),
                    "check that the program is installed and on PATH, or fix the command",
                )
            })?;
        let stdout = child.stdout.take().expect("stdout was piped");
        let stderr = child.stderr.take().expect("stderr was piped");
        let (sender, incoming) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.trim().is_empty() {
                    continue;
                }
                let message = match serde_json::from_str::<Value>(&line) {
                    Ok(Value::Object(map)) => Incoming::Message(map),
                    _ => Incoming::NotJson(line),
                };
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        let tail = Arc::clone(&stderr_tail);
        let forward = logger.clone();
        let prefix = format!("[mcp {}]", command.name);
        let stderr_reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                forward.info(&format!("{prefix} {line}"));
                let mut tail = tail.lock().unwrap_or_else(|p| p.into_inner());
                if tail.len() == STDERR_TAIL_LINES {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        });
        let mut client = McpClient {
            command: command.clone(),
            stdin: child.stdin.take(),
            child,
            incoming,
            stderr_tail,
            stderr_reader: Some(stderr_reader),
            next_id: 1,
            timeout,
            protocol_version: String::new(),
            server_info: String::new(),
            logger: logger.clone(),
            broken: None,
        };
        client.initialize()?;
        Ok(client)
    }

    fn initialize(&mut self) -> Result<()> {
        let result = self
            .request(
                "initialize",
                json!({
                    "protocolVersion": PROTOCOL_VERSION,
                    "capabilities": {},
                    "clientInfo": {"name": "deploy-sentinel", "version": sentinel_core::VERSION},
                }),
            )
            .map_err(|e| match e {
                CallError::Rpc { code, message, .. } => Error::Unreachable {
                    service: self.describe_server(),
                    attempts: 1,
                    source: format!("it refused to initialize: error {code}: {message}").into(),
                },
                CallError::Transport(e) => e,
            })?;
        let version = result
            .get("protocolVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if !SUPPORTED_VERSIONS.contains(&version.as_str()) {
            let error = Error::Unreachable {
                service: self.describe_server(),
                attempts: 1,
                source: format!(
                    "it speaks MCP protocol version {version:?}; this client speaks {}",
                    SUPPORTED_VERSIONS.join(", ")
                )
                .into(),
            };
            self.broken = Some(error.to_string());
            return Err(error);
        }
        let info = result.get("serverInfo");
        self.server_info = format!(
            "{} {}",
            info.and_then(|i| i.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("unnamed server"),
            info.and_then(|i| i.get("version"))
                .and_then(Value::as_str)
                .unwrap_or("")
        )
        .trim()
        .to_owned();
        self.protocol_version = version;
        self.notify("notifications/initialized", None)
            .map_err(Error::from)?;
        self.logger.debug(&format!(
            "MCP session with {} ({}), protocol {}",
            self.server_info,
            self.command.display(),
            self.protocol_version
        ));
        Ok(())
    }

    /// The protocol version the server chose.
    pub fn protocol_version(&self) -> &str {
        &self.protocol_version
    }

    /// `name version` from the server's `serverInfo`.
    pub fn server_info(&self) -> &str {
        &self.server_info
    }

    /// Every tool the server offers (following `nextCursor` pages).
    pub fn list_tools(&mut self) -> Result<Vec<ToolInfo>> {
        let mut tools = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let params = match &cursor {
                Some(c) => json!({"cursor": c}),
                None => json!({}),
            };
            let page = self.request("tools/list", params)?;
            for tool in page
                .get("tools")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(name) = tool.get("name").and_then(Value::as_str) {
                    tools.push(ToolInfo {
                        name: name.to_owned(),
                        description: tool
                            .get("description")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                    });
                }
            }
            match page.get("nextCursor").and_then(Value::as_str) {
                Some(next) if !next.is_empty() && cursor.as_deref() != Some(next) => {
                    cursor = Some(next.to_owned());
                }
                _ => return Ok(tools),
            }
        }
    }

    /// Call a tool. A tool's own failure is a result with `is_error`; a protocol error is
    /// [`CallError::Rpc`]; a dead or silent server is [`CallError::Transport`].
    pub fn call_tool(
        &mut self,
        name: &str,
        arguments: Value,
    ) -> std::result::Result<ToolResult, CallError> {
        let result = self.request("tools/call", json!({"name": name, "arguments": arguments}))?;
        Ok(ToolResult::from_result(&result))
    }

    /// The time each later request gets to be answered.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Whether the session can still be used.
    pub fn is_alive(&self) -> bool {
        self.broken.is_none()
    }

    fn describe_server(&self) -> String {
        format!(
            "the MCP server `{}` ({})",
            self.command.display(),
            self.command.origin
        )
    }

    fn send(&mut self, message: &Value) -> std::result::Result<(), CallError> {
        let mut line = message.to_string();
        line.push('\n');
        let written = match self.stdin.as_mut() {
            Some(stdin) => stdin
                .write_all(line.as_bytes())
                .and_then(|()| stdin.flush()),
            None => Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe)),
        };
        written.map_err(|e| CallError::Transport(self.fail(&format!("writing to it failed: {e}"))))
    }

    fn notify(
        &mut self,
        method: &str,
        params: Option<Value>,
    ) -> std::result::Result<(), CallError> {
        let mut message = json!({"jsonrpc": "2.0", "method": method});
        if let Some(params) = params {
            message["params"] = params;
        }
        self.send(&message)
    }

    /// Send one request and wait for its response, answering or skipping whatever else the
    /// server sends meanwhile.
    fn request(&mut self, method: &str, params: Value) -> std::result::Result<Value, CallError> {
        if let Some(why) = &self.broken {
            return Err(CallError::Transport(Error::Unreachable {
                service: self.describe_server(),
                attempts: 1,
                source: why.clone().into(),
            }));
        }
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))?;
        let deadline = Instant::now() + self.timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = match self.incoming.recv_timeout(left) {
                Ok(Incoming::Message(message)) => message,
                Ok(Incoming::NotJson(line)) => {
                    self.logger.warn(&format!(
                        "[mcp {}] wrote a line that is not JSON-RPC on stdout (ignored): {}",
                        self.command.name,
                        excerpt(&line, 120)
                    ));
                    continue;
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(CallError::Transport(self.fail(&format!(
                        "no answer to {method} within {}",
                        sentinel_core::clock::format_duration(self.timeout)
                    ))));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let how = self.wait_for_exit();
                    return Err(CallError::Transport(
                        self.fail(&format!("it {how} while we waited for {method}")),
                    ));
                }
            };
            let has_method = message.get("method").and_then(Value::as_str).is_some();
            match (message.get("id"), has_method) {
                // A request from the server (ping, roots/list, sampling...).
                (Some(server_id), true) => {
                    self.answer_server_request(server_id.clone(), &message)?
                }
                // A notification: logged when it is a log message, otherwise not ours to act on.
                (None, true) => self.note_notification(&message),
                (Some(answer_id), false) if answer_id.as_u64() == Some(id) => {
                    if let Some(error) = message.get("error") {
                        return Err(CallError::Rpc {
                            code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
                            message: error
                                .get("message")
                                .and_then(Value::as_str)
                                .unwrap_or("no message")
                                .to_owned(),
                            data: error.get("data").cloned(),
                        });
                    }
                    return Ok(message.get("result").cloned().unwrap_or(Value::Null));
                }
                // The late answer to an earlier request, or noise: not what we wait for.
                _ => {}
            }
        }
    }

    fn answer_server_request(
        &mut self,
        id: Value,
        message: &Map<String, Value>,
    ) -> std::result::Result<(), CallError> {
        let method = message.get("method").and_then(Value::as_str).unwrap_or("");
        let reply = if method == "ping" {
            json!({"jsonrpc": "2.0", "id": id, "result": {}})
        } else {
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": format!("deploy-sentinel does not offer {method}")}})
        };
        self.send(&reply)
    }

    fn note_notification(&self, message: &Map<String, Value>) {
        if message.get("method").and_then(Value::as_str) == Some("notifications/message") {
            if let Some(params) = message.get("params") {
                let data = params.get("data").map_or_else(String::new, |d| match d {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
                self.logger
                    .debug(&format!("[mcp {}] {}", self.command.name, data));
            }
        }
    }

    /// How the server ended, after its stdout closed.
    fn wait_for_exit(&mut self) -> String {
        let deadline = Instant::now() + EXIT_GRACE;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return format!("exited ({status})"),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                _ => return "closed its stdout".to_owned(),
            }
        }
    }

    /// Mark the session broken, stop the server, and build the exit-4 error with the server's
    /// last stderr lines.
    fn fail(&mut self, why: &str) -> Error {
        self.stop();
        let tail = self
            .stderr_tail
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect::<Vec<_>>();
        let said = if tail.is_empty() {
            "it wrote nothing on stderr".to_owned()
        } else {
            format!("its last stderr lines:\n    {}", tail.join("\n    "))
        };
        let message = format!("{why}; {said}");
        self.broken = Some(message.clone());
        Error::Unreachable {
            service: self.describe_server(),
            attempts: 1,
            source: message.into(),
        }
    }

    /// Close stdin, give the server a moment to exit, then end its process group; wait for the
    /// stderr reader so its last lines are kept.
    fn stop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + EXIT_GRACE;
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill_group();
            let _ = self.child.wait();
        }
        if let Some(reader) = self.stderr_reader.take() {
            // The reader ends when every holder of the server's stderr has exited; something
            // the server started may still hold it.
            let deadline = Instant::now() + EXIT_GRACE;
            while !reader.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if reader.is_finished() {
                let _ = reader.join();
            } else {
                self.kill_group();
            }
        }
    }

    fn kill_group(&self) {
        let group = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) with a negative pid signals the process group created for the
        // server at spawn; it has no memory-safety preconditions.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
    }
}

impl Drop for McpClient {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_split_like_a_shell() {
        assert_eq!(
            split_command_line(r#"dnx Ev2.Mcp --yes  'two words' "a \"b\"" c\ d"#).unwrap(),
            vec!["dnx", "Ev2.Mcp", "--yes", "two words", "a \"b\"", "c d"]
        );
        assert_eq!(split_command_line("  ").unwrap(), Vec::<String>::new());
        assert_eq!(split_command_line("''").unwrap(), vec![""]);
        assert!(split_command_line("node 'x").is_err());
        assert!(split_command_line("node \"x").is_err());
        let error = ServerCommand::from_command_line("", "--mcp-command").unwrap_err();
        assert_eq!(error.exit(), sentinel_core::Exit::Usage);
    }

    /// A server written in sh: answers `initialize` with `version`, first sending what
    /// servers send unasked (a notification, a ping request, a line that is not JSON).
    fn sh_server(version: &str) -> ServerCommand {
        let script = format!(
            r#"read -r init
echo 'starting up' >&2
echo '{{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}}'
echo '{{"jsonrpc":"2.0","id":"s1","method":"ping"}}'
echo 'not json at all'
echo '{{"jsonrpc":"2.0","id":1,"result":{{"protocolVersion":"{version}","capabilities":{{}},"serverInfo":{{"name":"sh-server","version":"0.1"}}}}}}'
read -r pong
echo "client answered: $pong" >&2
read -r initialized
read -r call
echo '{{"jsonrpc":"2.0","id":2,"error":{{"code":-32602,"message":"Unknown tool: nope"}}}}'
read -r call
echo 'about to crash' >&2
exit 3"#
        );
        ServerCommand {
            name: "sh-server".into(),
            program: "sh".into(),
            args: vec!["-c".into(), script],
            env: Vec::new(),
            origin: "the test".into(),
        }
    }

    #[test]
    fn a_session_survives_unasked_messages_and_reports_rpc_errors_and_death() {
        let (logger, log) = Logger::buffer("sentinel-test");
        let mut client =
            McpClient::start(&sh_server("2024-11-05"), Duration::from_secs(10), &logger).unwrap();
        assert_eq!(client.protocol_version(), "2024-11-05");
        assert_eq!(client.server_info(), "sh-server 0.1");
        match client.call_tool("nope", json!({})) {
            Err(CallError::Rpc { code, message, .. }) => {
                assert_eq!((code, message.as_str()), (-32602, "Unknown tool: nope"));
            }
            other => panic!("expected a JSON-RPC error, got {other:?}"),
        }
        let died = match client.call_tool("echo", json!({})) {
            Err(CallError::Transport(e)) => e,
            other => panic!("expected the server's death, got {other:?}"),
        };
        assert_eq!(died.exit(), sentinel_core::Exit::Unreachable);
        let text = sentinel_core::error::chain(&died);
        assert!(text.contains("exited (exit status: 3)"), "{text}");
        assert!(text.contains("about to crash"), "{text}");
        assert!(!client.is_alive());
        let log = String::from_utf8(log.lock().unwrap().clone()).unwrap();
        assert!(log.contains("[mcp sh-server] starting up"), "{log}");
        assert!(
            log.contains(r#"client answered: {"id":"s1","jsonrpc":"2.0","result":{}}"#)
                || log.contains(r#"client answered: {"jsonrpc":"2.0","id":"s1","result":{}}"#),
            "the ping was answered: {log}"
        );
        assert!(
            log.contains("not JSON-RPC on stdout (ignored): not json at all"),
            "{log}"
        );
    }

    #[test]
    fn an_unknown_protocol_version_is_refused_with_exit_4() {
        let error = McpClient::start(
            &sh_server("1999-01-01"),
            Duration::from_secs(10),
            &Logger::silent(),
        )
        .unwrap_err();
        assert_eq!(error.exit(), sentinel_core::Exit::Unreachable);
        assert!(
            sentinel_core::error::chain(&error).contains("\"1999-01-01\""),
            "{error}"
        );
    }

    #[test]
    fn a_hung_server_is_stopped_after_the_timeout_with_its_last_words() {
        let hung = ServerCommand {
            name: "hung".into(),
            program: "sh".into(),
            args: vec![
                "-c".into(),
                "echo 'waiting for the token' >&2; sleep 30".into(),
            ],
            env: Vec::new(),
            origin: "the test".into(),
        };
        let started = Instant::now();
        let error =
            McpClient::start(&hung, Duration::from_millis(400), &Logger::silent()).unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(error.exit(), sentinel_core::Exit::Unreachable);
        let text = sentinel_core::error::chain(&error);
        assert!(text.contains("no answer to initialize within"), "{text}");
        assert!(text.contains("waiting for the token"), "{text}");
    }

    #[test]
    fn a_missing_program_is_a_configuration_error() {
        let missing =
            ServerCommand::from_command_line("no-such-mcp-server-here --x", "--mcp-command")
                .unwrap();
        let error =
            McpClient::start(&missing, Duration::from_secs(1), &Logger::silent()).unwrap_err();
        assert_eq!(error.exit(), sentinel_core::Exit::Usage);
        assert!(
            error.to_string().contains("no-such-mcp-server-here --x"),
            "{error}"
        );
    }

    #[test]
    fn a_fastmcp_result_wrapper_holding_json_text_is_unwrapped() {
        // What FastMCP sends for `def tool() -> str: return json.dumps({...})`.
        let listed = r#"{"artifacts": [{"versionNumber": "1.4.2", "status": "Succeeded"}]}"#;
        let result = ToolResult::from_result(&json!({
            "content": [{"type": "text", "text": listed}],
            "structuredContent": {"result": listed},
            "isError": false
        }));
        assert_eq!(
            result.value.unwrap()["artifacts"][0]["versionNumber"],
            "1.4.2"
        );
        // A result that is really {"result": "text"} stays as it is.
        let plain = ToolResult::from_result(&json!({"structuredContent": {"result": "ok"}}));
        assert_eq!(plain.value, Some(json!({"result": "ok"})));
    }

    #[test]
    fn tool_results_prefer_structured_content_then_json_text() {
        let structured = ToolResult::from_result(&json!({
            "content": [{"type": "text", "text": "{\"a\": 1}"}],
            "structuredContent": {"a": 2}
        }));
        assert_eq!(structured.value, Some(json!({"a": 2})));
        assert!(!structured.is_error);
        let text = ToolResult::from_result(&json!({
            "content": [{"type": "text", "text": " {\"rolloutId\": \"r1\"}\n"}]
        }));
        assert_eq!(text.value, Some(json!({"rolloutId": "r1"})));
        let prose = ToolResult::from_result(&json!({
            "content": [{"type": "text", "text": "Tool nope not found"}],
            "isError": true
        }));
        assert!(prose.is_error);
        assert_eq!(prose.value, None);
        assert_eq!(prose.text, "Tool nope not found");
    }
}
