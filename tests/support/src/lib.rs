//! What every Deploy Sentinel test wants, written once: run a real tool binary with stdin fed
//! from a thread, and read its stdout back as events.

use serde_json::{Map, Value};
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub use tempfile::{TempDir, tempdir};

/// What a finished tool run produced.
#[derive(Debug)]
pub struct Run {
    /// Exit code; `None` when a signal ended the process.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout parsed as NDJSON; panics (failing the test) on a line that is not a JSON object,
    /// since stdout must be data only.
    pub fn events(&self) -> Vec<Map<String, Value>> {
        parse_events(&self.stdout)
    }

    /// The `kind` of every event on stdout, in order.
    pub fn kinds(&self) -> Vec<String> {
        self.events()
            .iter()
            .map(|e| {
                e.get("kind")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            })
            .collect()
    }
}

/// Parse NDJSON text into objects, panicking with the offending line.
pub fn parse_events(text: &str) -> Vec<Map<String, Value>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(object)) => object,
            _ => panic!("stdout line is not a JSON object: {line:?}"),
        })
        .collect()
}

/// `assert_contains!(text, part)`: fail unless `text` contains `part`, showing all of `text`
/// (a tool's stderr, say), which is what the reader of a failure needs.
#[macro_export]
macro_rules! assert_contains {
    ($text:expr, $part:expr $(,)?) => {{
        // Bound first, so a temporary (`value.to_string()`) lives through the check.
        let (text, part) = (&$text, &$part);
        let text: &str = ::std::convert::AsRef::<str>::as_ref(text);
        let part: &str = ::std::convert::AsRef::<str>::as_ref(part);
        assert!(text.contains(part), "{part:?} is not in:\n{text}");
    }};
}

/// A command for one tool binary, run with [`Invocation::run`].
#[derive(Debug)]
pub struct Invocation {
    command: Command,
    stdin: Option<Vec<u8>>,
    /// The working directory a run gets unless the test names one: a fresh empty directory,
    /// so a tool's default state directory (`.`) never lands in the source tree, where it
    /// would outlive the test and leak into the next one (a sent-notice log once silently
    /// deduplicated a later test's message).
    scratch: Option<TempDir>,
}

/// The load engine this test binary runs sentinel-stress on, or `None` for the default one
/// (io_uring where usable). The binary's name says it: `integration_on_mio` holds the
/// end-to-end tests that load-test, compiled a second time, so each of them runs on both
/// engines. Every run made by [`tool`] or [`on_engine_under_test`] gets it as
/// `SENTINEL_STRESS_ENGINE`.
pub fn stress_engine_under_test() -> Option<&'static str> {
    static ENGINE: std::sync::OnceLock<Option<&'static str>> = std::sync::OnceLock::new();
    *ENGINE.get_or_init(|| {
        let exe = std::env::current_exe().ok()?;
        let name = exe.file_name()?.to_string_lossy().into_owned();
        name.contains("_on_mio-").then_some("mio")
    })
}

/// Give a command built without [`tool`] (a script, a background load) the engine under
/// test; the default engine where this binary tests that.
pub fn on_engine_under_test(command: &mut Command) -> &mut Command {
    command.env_remove("SENTINEL_STRESS_ENGINE");
    if let Some(engine) = stress_engine_under_test() {
        command.env("SENTINEL_STRESS_ENGINE", engine);
    }
    command
}

/// Send the signal `name` ("INT", "TERM", "KILL") to the process `pid` with kill(1), and
/// fail the test if it could not be sent.
pub fn send_signal(pid: u32, name: &str) {
    let sent = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .expect("kill(1) runs");
    assert!(sent.success(), "kill -{name} {pid} failed");
}

/// Start building a run of the binary at `path` (use `env!("CARGO_BIN_EXE_<name>")`).
pub fn tool(path: impl AsRef<OsStr>) -> Invocation {
    let mut command = Command::new(path);
    // Tests must not inherit a developer's or CI's settings.
    for name in [
        "SENTINEL_CONFIG",
        "SENTINEL_STATE_DIR",
        "GITHUB_ACTIONS",
        "TF_BUILD",
        "GITHUB_STEP_SUMMARY",
        "NO_COLOR",
        "SSL_CERT_FILE",
        "SENTINEL_STATE_URL",
        "SENTINEL_STRESS_ENGINE",
        "SENTINEL_AZBLOB_ENDPOINT",
        "SENTINEL_AZBLOB_LEASE_SECONDS",
        "AZURE_STORAGE_ACCOUNT",
        "AZURE_STORAGE_KEY",
        "AZURE_STORAGE_SAS_TOKEN",
    ] {
        command.env_remove(name);
    }
    on_engine_under_test(&mut command);
    let scratch = tempdir().expect("a scratch working directory");
    command.current_dir(scratch.path());
    Invocation {
        command,
        stdin: None,
        scratch: Some(scratch),
    }
}

impl Invocation {
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.command.arg(arg);
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(mut self, args: I) -> Self {
        self.command.args(args);
        self
    }

    pub fn env(mut self, name: &str, value: impl AsRef<OsStr>) -> Self {
        self.command.env(name, value);
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.command.current_dir(dir);
        self.scratch = None;
        self
    }

    /// Feed this to stdin (from a thread, so a tool that writes as it reads cannot deadlock).
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// Run to completion.
    pub fn run(mut self) -> Run {
        self.command
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.command.spawn().expect("the tool binary starts");
        let feeder = feed(&mut child, self.stdin.take());
        let output = child.wait_with_output().expect("the tool runs to the end");
        if let Some(feeder) = feeder {
            // A tool may exit before reading all input (a bad line); that is not a test failure.
            let _ = feeder.join();
        }
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Start without waiting, stdio piped (for kill and signal tests). The scratch working
    /// directory, if any, is kept: the child outlives this call.
    pub fn spawn(mut self) -> Child {
        self.command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(scratch) = self.scratch.take() {
            let _kept = scratch.keep();
        }
        self.command.spawn().expect("the tool binary starts")
    }
}

fn feed(child: &mut Child, input: Option<Vec<u8>>) -> Option<std::thread::JoinHandle<()>> {
    let input = input?;
    let mut stdin = child.stdin.take()?;
    Some(std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    }))
}

/// The directory holding the workspace's built binaries (for end-to-end tests that run tools
/// of other packages): the parent of this test executable's `deps` directory.
pub fn target_bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    let deps = exe
        .parent()
        .expect("test executables live in target/<profile>/deps");
    deps.parent().unwrap_or(deps).to_path_buf()
}

/// The path of a workspace binary, rebuilt first if any source changed.
///
/// `cargo test --workspace` builds every tool before running tests, but `cargo test -p X`
/// builds only X's binaries; the first call here therefore runs `cargo build --bins` once
/// (a no-op when everything is fresh), so an end-to-end test never runs a stale tool.
pub fn workspace_bin(name: &str) -> PathBuf {
    static BUILD: std::sync::Once = std::sync::Once::new();
    BUILD.call_once(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--workspace", "--bins", "--quiet"])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the workspace binaries failed");
    });
    let path = target_bin_dir().join(name);
    assert!(path.exists(), "{} was not built", path.display());
    path
}

/// What every tool's command line must do: `--version` names the tool and version, `--help`
/// shows examples, an unknown flag is a usage error (exit 2) with nothing on stdout.
pub fn assert_cli_basics(bin: &str, name: &str, version: &str) {
    let run = tool(bin).arg("--version").run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout.trim(), format!("{name} {version}"));
    let help = tool(bin).arg("--help").run();
    assert_eq!(help.code, Some(0));
    assert!(help.stdout.contains("Examples:"), "{}", help.stdout);
    let wrong = tool(bin).arg("--no-such-flag").run();
    assert_eq!(wrong.code, Some(2));
    assert!(wrong.stderr.contains("--no-such-flag"), "{}", wrong.stderr);
    assert!(wrong.stdout.is_empty(), "stdout is data only");
}

/// How the [`Receiver`] answers one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Status code, extra header lines (`name: value\r\n` each), body.
    Answer(u16, String, String),
    /// Read the request and never answer (until the test ends).
    Hang,
    /// A slow loris: the answer (this status, a 60-byte body) sent one byte a second.
    Trickle(u16),
}

/// A request the [`Receiver`] got.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }
}

/// How a [`Receiver`] chooses replies when they depend on the request (a REST API stand-in).
type Route = std::sync::Arc<dyn Fn(&Received) -> Reply + Send + Sync>;

/// A loopback HTTP server that records every request and answers from a script (then with
/// the default reply), or from a route function: the stand-in for Teams, Slack, Discord, any
/// webhook receiver, or a REST API serving documented fixtures.
#[derive(Clone)]
pub struct Receiver {
    address: std::net::SocketAddr,
    received: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
    script: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<Reply>>>,
    route: Option<Route>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl Receiver {
    /// Start on 127.0.0.1; every request not scripted with [`Receiver::then`] gets `default`.
    pub fn start(default: Reply) -> Receiver {
        Self::listen(default, None)
    }

    /// Start on 127.0.0.1, answering every request with what `route` says.
    pub fn route(route: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> Receiver {
        Self::listen(
            Reply::Answer(500, String::new(), String::new()),
            Some(std::sync::Arc::new(route)),
        )
    }

    fn listen(default: Reply, route: Option<Route>) -> Receiver {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let receiver = Receiver {
            address: listener.local_addr().expect("bound"),
            received: Default::default(),
            script: Default::default(),
            route,
        };
        let shared = receiver.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = shared.clone();
                let default = default.clone();
                std::thread::spawn(move || shared.serve(stream, &default));
            }
        });
        receiver
    }

    /// Answer the next request with `reply` (scripted replies are used in order).
    pub fn then(&self, reply: Reply) -> &Self {
        self.script
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(reply);
        self
    }

    /// A URL on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn serve(&self, stream: std::net::TcpStream, default: &Reply) {
        use std::io::Read;
        let Ok(mut writer) = stream.try_clone() else {
            return;
        };
        let mut reader = BufReader::new(stream);
        loop {
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                return;
            }
            let mut parts = request_line.split_whitespace();
            let method = parts.next().unwrap_or_default().to_owned();
            let path = parts.next().unwrap_or_default().to_owned();
            let mut headers = Vec::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                if line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    let name = name.trim().to_ascii_lowercase();
                    let value = value.trim().to_owned();
                    if name == "content-length" {
                        length = value.parse().unwrap_or(0);
                    }
                    headers.push((name, value));
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            let request = Received {
                method,
                path,
                headers,
                body,
            };
            let reply = match &self.route {
                Some(route) => route(&request),
                None => self
                    .script
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .pop_front()
                    .unwrap_or_else(|| default.clone()),
            };
            self.received
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(request);
            match reply {
                Reply::Hang => {
                    std::thread::sleep(std::time::Duration::from_secs(30));
                    return;
                }
                Reply::Trickle(status) => {
                    let answer = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: 60\r\n\r\n{}",
                        "x".repeat(60)
                    );
                    for byte in answer.as_bytes() {
                        if writer.write_all(std::slice::from_ref(byte)).is_err() {
                            return;
                        }
                        std::thread::sleep(std::time::Duration::from_secs(1));
                    }
                    return;
                }
                Reply::Answer(status, extra, text) => {
                    let response = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\n{extra}\r\n{text}",
                        text.len()
                    );
                    if writer.write_all(response.as_bytes()).is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// A loopback port that was free a moment ago (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A running `sample-service` on a free loopback port, stopped when dropped.
#[derive(Debug)]
pub struct SampleService {
    child: Child,
    pub port: u16,
}

impl SampleService {
    /// Start it with extra flags (`--error-rate 5`, ...) and wait until it listens.
    pub fn start(args: &[&str]) -> SampleService {
        let port = free_port();
        let child = Command::new(workspace_bin("sample-service"))
            .args(["--port", &port.to_string(), "--version", "1.0.0"])
            .args(args)
            .spawn()
            .expect("sample-service starts");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "the sample service did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        SampleService { child, port }
    }

    /// Start it serving https with `certificate` (see [`TestCa::issue`]).
    pub fn start_https(certificate: &ServerCertificate, args: &[&str]) -> SampleService {
        let cert = certificate.cert.to_string_lossy().into_owned();
        let key = certificate.key.to_string_lossy().into_owned();
        let mut all = vec!["--tls-cert", cert.as_str(), "--tls-key", key.as_str()];
        all.extend_from_slice(args);
        SampleService::start(&all)
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// `https://127.0.0.1:PORT/`.
    pub fn https_url(&self) -> String {
        format!("https://127.0.0.1:{}/", self.port)
    }

    /// What it has served so far, from its `/stats` (asked over plain http).
    pub fn stats(&self) -> Value {
        ask_stats(self.connect())
    }

    /// What it has served so far, from its `/stats` asked over https trusting `ca`.
    pub fn https_stats(&self, ca: &TestCa) -> Value {
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("an IP is a name");
        let connection = rustls::ClientConnection::new(ca.client_config(), name).expect("tls");
        ask_stats(rustls::StreamOwned::new(connection, self.connect()))
    }

    fn connect(&self) -> std::net::TcpStream {
        std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("sample service answers")
    }
}

/// GET /stats on `stream` and parse the JSON body.
fn ask_stats(mut stream: impl std::io::Read + Write) -> Value {
    stream
        .write_all(b"GET /stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("request sent");
    let mut bytes = Vec::new();
    // The service closes after answering; over TLS it does so without close_notify, which
    // is not what these tests are about.
    let _ = stream.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|e| panic!("/stats is not JSON ({e}): {text}"))
}

/// A certificate authority made for one test run, so no certificate in the repository can
/// expire. It issues server certificates for 127.0.0.1 and localhost.
pub struct TestCa {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    /// The CA certificate, PEM: what a client is told to trust (`--cacert`).
    pub pem: PathBuf,
    der: Vec<u8>,
    dir: PathBuf,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").field("pem", &self.pem).finish()
    }
}

/// A server certificate and its key, as PEM files.
#[derive(Debug, Clone)]
pub struct ServerCertificate {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl ServerCertificate {
    /// A server certificate that is its own CA, for `names`, as `openssl req -x509` makes
    /// one by default (basicConstraints CA:TRUE): `dir/NAME.pem` and `dir/NAME.key`.
    pub fn self_signed_ca(dir: &Path, name: &str, names: &[&str]) -> ServerCertificate {
        let key = rcgen::KeyPair::generate().expect("a server key");
        let mut params = rcgen::CertificateParams::new(
            names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>(),
        )
        .expect("server params");
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            names.first().copied().unwrap_or(name),
        );
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let certificate = params.self_signed(&key).expect("a self-signed certificate");
        let issued = ServerCertificate {
            cert: dir.join(format!("{name}.pem")),
            key: dir.join(format!("{name}.key")),
        };
        std::fs::write(&issued.cert, certificate.pem()).expect("certificate written");
        std::fs::write(&issued.key, key.serialize_pem()).expect("key written");
        issued
    }
}

impl TestCa {
    /// Make a CA named `name`, writing its certificate to `dir/NAME-ca.pem`.
    pub fn new(dir: &Path, name: &str) -> TestCa {
        let key = rcgen::KeyPair::generate().expect("a CA key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, format!("{name} test CA"));
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let certificate = params.self_signed(&key).expect("a CA certificate");
        let pem = dir.join(format!("{name}-ca.pem"));
        std::fs::write(&pem, certificate.pem()).expect("CA written");
        TestCa {
            issuer: rcgen::Issuer::new(params, key),
            pem,
            der: certificate.der().to_vec(),
            dir: dir.to_path_buf(),
        }
    }

    /// Issue a server certificate for 127.0.0.1 and localhost, written as `NAME.pem` and
    /// `NAME.key` beside the CA.
    pub fn issue(&self, name: &str) -> ServerCertificate {
        let key = rcgen::KeyPair::generate().expect("a server key");
        let params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .expect("server params");
        let certificate = params
            .signed_by(&key, &self.issuer)
            .expect("a server certificate");
        let issued = ServerCertificate {
            cert: self.dir.join(format!("{name}.pem")),
            key: self.dir.join(format!("{name}.key")),
        };
        std::fs::write(&issued.cert, certificate.pem()).expect("certificate written");
        std::fs::write(&issued.key, key.serialize_pem()).expect("key written");
        issued
    }

    /// A client configuration that trusts only this CA.
    pub fn client_config(&self) -> std::sync::Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(rustls::pki_types::CertificateDer::from(self.der.clone()))
            .expect("the CA is a valid trust anchor");
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        std::sync::Arc::new(
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("ring supports the default versions")
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    }
}

impl Drop for SampleService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The reference MCP server these tests talk to, pinned so a new release cannot change a
/// test's outcome overnight.
pub const MCP_EVERYTHING: &str = "@modelcontextprotocol/server-everything@2026.8.31";

/// The `mcp-server-everything` program: `$SENTINEL_MCP_EVERYTHING` when set (CI installs it
/// there and the test must then run), else installed with npm into `target/test-cache` on
/// first use. `Err` says why it is not available (no node or npm, or the install failed), so
/// the test can print why it skipped.
pub fn mcp_server_everything() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("SENTINEL_MCP_EVERYTHING") {
        let path = PathBuf::from(path);
        assert!(
            path.exists(),
            "SENTINEL_MCP_EVERYTHING={} does not exist",
            path.display()
        );
        return Ok(path);
    }
    npm_install(MCP_EVERYTHING, "node_modules/.bin/mcp-server-everything")
}

/// Microsoft's Adaptive Cards library, the object model its renderers share: the independent
/// reader of our Teams cards (tests/validators/adaptive-card.cjs).
pub const ADAPTIVECARDS: &str = "adaptivecards@3.0.6";

/// The folder of the [`ADAPTIVECARDS`] package: `$SENTINEL_ADAPTIVECARDS` when set (CI
/// installs it there), else installed with npm into `target/test-cache` on first use.
pub fn adaptivecards_package() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("SENTINEL_ADAPTIVECARDS") {
        return Ok(PathBuf::from(path));
    }
    npm_install(ADAPTIVECARDS, "node_modules/adaptivecards")
}

/// Install an npm package (`name@version`) into its own folder under `target/test-cache`
/// once, and return `wanted` inside that folder. `Err` says why it is not available (no node
/// or npm, or the install failed), so the test can print why it skipped.
/// Microsoft's Azure Storage emulator: the real Blob service for the azblob state backend.
pub const AZURITE: &str = "azurite@3.37.0";

/// Azurite's well-known development account and key (published in its README): not a secret.
pub const AZURITE_ACCOUNT: &str = "devstoreaccount1";
pub const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// A running `azurite-blob` on a loopback port with its data in a temp folder, stopped when
/// dropped; it can be stopped and started again on the same port and data.
#[derive(Debug)]
pub struct AzuriteServer {
    program: PathBuf,
    child: Option<Child>,
    pub port: u16,
    data: TempDir,
}

impl AzuriteServer {
    /// Start it. `None`, after saying why, where node or the package is missing (CI installs
    /// it and sets SENTINEL_AZURITE and SENTINEL_REQUIRE_VALIDATORS).
    pub fn start() -> Option<AzuriteServer> {
        let program = match std::env::var_os("SENTINEL_AZURITE") {
            Some(path) => PathBuf::from(path),
            None => match npm_install(AZURITE, "node_modules/.bin/azurite-blob") {
                Ok(path) => path,
                Err(why) => return missing_consumer(&why),
            },
        };
        let mut server = AzuriteServer {
            program,
            child: None,
            port: free_port(),
            data: TempDir::new().expect("a temp dir"),
        };
        server.resume();
        Some(server)
    }

    /// The blob service URL, as SENTINEL_AZBLOB_ENDPOINT takes it.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/{AZURITE_ACCOUNT}", self.port)
    }

    /// Start (again) on the same port and data, and wait until it answers.
    pub fn resume(&mut self) {
        let child = Command::new(&self.program)
            .args(["--blobHost", "127.0.0.1", "--blobPort"])
            .arg(self.port.to_string())
            .arg("--location")
            .arg(self.data.path())
            // The Python SDK's newest API version may be later than this Azurite's.
            .args(["--silent", "--skipApiVersionCheck"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("azurite-blob starts");
        self.child = Some(child);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "azurite-blob did not listen on {} within 60 s",
                self.port
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// Stop it as a service manager would (SIGTERM), so it writes its data out, and wait.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            while child.try_wait().ok().flatten().is_none() {
                if std::time::Instant::now() > deadline {
                    let _ = child.kill();
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            let _ = child.wait();
        }
        // The port is closed once the process is gone.
    }

    /// What Microsoft's Python SDK makes of the service (tests/validators/azblob.py).
    pub fn sdk(&self, args: &[&str]) -> Option<Value> {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        let endpoint = self.endpoint();
        read_by_consumer(
            "python3",
            "azblob.py",
            &args,
            &[
                ("SENTINEL_AZBLOB_ENDPOINT", OsStr::new(&endpoint)),
                ("AZURE_STORAGE_KEY", OsStr::new(AZURITE_KEY)),
            ],
        )
    }
}

impl Drop for AzuriteServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Microsoft Playwright's driver without its bundled browsers: it drives Debian's Chromium.
pub const PLAYWRIGHT_CORE: &str = "playwright-core@1.65.1";
/// The Nu Html Checker (the W3C's HTML5 validator) as a jar.
pub const VNU_JAR: &str = "vnu-jar@26.9.27";

/// The [`PLAYWRIGHT_CORE`] package folder: `$SENTINEL_PLAYWRIGHT` when set (CI installs it),
/// else installed with npm into `target/test-cache` on first use.
pub fn playwright_package() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("SENTINEL_PLAYWRIGHT") {
        return Ok(PathBuf::from(path));
    }
    npm_install(PLAYWRIGHT_CORE, "node_modules/playwright-core")
}

/// The [`VNU_JAR`] jar: `$SENTINEL_VNU_JAR` when set, else installed with npm on first use.
pub fn vnu_jar() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("SENTINEL_VNU_JAR") {
        return Ok(PathBuf::from(path));
    }
    npm_install(VNU_JAR, "node_modules/vnu-jar/build/dist/vnu.jar")
}

/// Where tests keep what a person may want to look at after a run (screenshots).
pub fn test_artifacts_dir() -> PathBuf {
    let dir = target_bin_dir().join("test-artifacts");
    std::fs::create_dir_all(&dir).expect("the test artifacts folder");
    dir
}

fn npm_install(package: &str, wanted: &str) -> Result<PathBuf, String> {
    let on_path = |program: &str| {
        Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !on_path("node") || !on_path("npm") {
        return Err(format!("node and npm are needed for {package}"));
    }
    let folder: String = package
        .trim_start_matches('@')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let prefix = target_bin_dir().join("test-cache").join(folder);
    let program = prefix.join(wanted);
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = INSTALL.lock().unwrap_or_else(|p| p.into_inner());
    if !program.exists() {
        let output = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(package)
            .output()
            .map_err(|e| format!("npm did not run: {e}"))?;
        if !output.status.success() || !program.exists() {
            return Err(format!(
                "npm install {package} failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
    }
    Ok(program)
}

/// What an independent consumer made of files the tools wrote: runs
/// `tests/validators/<script>` with `program` (`python3` or `node`) and returns the JSON it
/// prints. `None`, after saying why on stderr, when the consumer's library is not installed
/// (the script exits 77) — except with `SENTINEL_REQUIRE_VALIDATORS` set, as CI sets it after
/// installing them all, where a missing consumer fails the test.
pub fn read_by_consumer(
    program: &str,
    script: &str,
    args: &[&OsStr],
    env: &[(&str, &OsStr)],
) -> Option<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../validators")
        .join(script);
    let mut command = Command::new(program);
    command.arg(&path).args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = match command.output() {
        Ok(output) => output,
        Err(e) => return missing_consumer(&format!("{program} does not run: {e}")),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => Some(
            serde_json::from_slice(&output.stdout)
                .unwrap_or_else(|e| panic!("{script} printed no JSON ({e}): {stderr}")),
        ),
        Some(77) => missing_consumer(stderr.trim()),
        code => panic!("{script} refused the input (exit {code:?}): {stderr}"),
    }
}

/// Say why a consumer test skips, or fail it where CI asked for every consumer.
#[allow(clippy::print_stderr)] // a skipped test says why, in the test output
pub fn missing_consumer<T>(why: &str) -> Option<T> {
    assert!(
        std::env::var_os("SENTINEL_REQUIRE_VALIDATORS").is_none(),
        "SENTINEL_REQUIRE_VALIDATORS is set but a consumer is missing: {why}"
    );
    eprintln!("skipped: {why}");
    None
}

/// `sentinel-trigger | sentinel-watch | sentinel-state apply` in `dir`, as a shell with
/// `pipefail` runs it; add environment variables and `.run()` it.
pub fn trigger_watch_apply(dir: &Path) -> Invocation {
    trigger_watch_apply_with(dir, "")
}

/// [`trigger_watch_apply`] with `watch_flags` (shell words, written by the test) for
/// sentinel-watch.
pub fn trigger_watch_apply_with(dir: &Path, watch_flags: &str) -> Invocation {
    let script = format!(
        "set -o pipefail; '{}' | '{}' {watch_flags} | '{}' apply",
        workspace_bin("sentinel-trigger").display(),
        workspace_bin("sentinel-watch").display(),
        workspace_bin("sentinel-state").display()
    );
    tool("bash").current_dir(dir).args(["-c", &script])
}

/// A real git repository for tests (git2): a first commit on `main`, a committer configured,
/// and what tests do to it — commit files, tag, add a bare remote.
pub struct GitRepo {
    /// The temporary directory, when the repository made its own.
    _dir: Option<TempDir>,
    path: PathBuf,
    pub repo: git2::Repository,
}

impl std::fmt::Debug for GitRepo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitRepo").field("path", &self.path).finish()
    }
}

impl GitRepo {
    /// A repository in a new temporary directory, its first commit adding `README.md`.
    pub fn new() -> GitRepo {
        let dir = tempdir().unwrap();
        let path = dir.path().to_path_buf();
        Self::init(path, Some(dir), &[("README.md", "hello\n")])
    }

    /// A repository in `dir` (which the test owns), its first commit empty: the files
    /// already there stay untracked.
    pub fn init_in(dir: &Path) -> GitRepo {
        Self::init(dir.to_path_buf(), None, &[])
    }

    fn init(path: PathBuf, dir: Option<TempDir>, first: &[(&str, &str)]) -> GitRepo {
        let repo = git2::Repository::init(&path).unwrap();
        {
            let mut config = repo.config().unwrap();
            config.set_str("user.name", "Release Bot").unwrap();
            config.set_str("user.email", "bot@example.invalid").unwrap();
        }
        let this = GitRepo {
            _dir: dir,
            path,
            repo,
        };
        this.commit_files(first, "chore: init");
        // A stable name for the first branch, whatever init.defaultBranch says.
        {
            let head = this.repo.head().unwrap().peel_to_commit().unwrap();
            this.repo.branch("main", &head, true).unwrap();
        }
        this.repo.set_head("refs/heads/main").unwrap();
        this
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write `file` and commit it on HEAD.
    pub fn commit(&self, file: &str, content: &str, message: &str) -> git2::Oid {
        self.commit_files(&[(file, content)], message)
    }

    fn commit_files(&self, files: &[(&str, &str)], message: &str) -> git2::Oid {
        let mut index = self.repo.index().unwrap();
        for (file, content) in files {
            std::fs::write(self.path.join(file), content).unwrap();
            index.add_path(Path::new(file)).unwrap();
        }
        index.write().unwrap();
        let tree = self.repo.find_tree(index.write_tree().unwrap()).unwrap();
        let signature = git2::Signature::now("Dev", "dev@example.invalid").unwrap();
        let parents: Vec<git2::Commit> = self
            .repo
            .head()
            .ok()
            .and_then(|h| h.peel_to_commit().ok())
            .into_iter()
            .collect();
        let parents: Vec<&git2::Commit> = parents.iter().collect();
        self.repo
            .commit(
                Some("HEAD"),
                &signature,
                &signature,
                message,
                &tree,
                &parents,
            )
            .unwrap()
    }

    /// Tag HEAD with each of `tags` (lightweight tags, as a CI pushes them).
    pub fn tag(&self, tags: &[&str]) {
        let head = self
            .repo
            .head()
            .unwrap()
            .peel(git2::ObjectType::Commit)
            .unwrap();
        for tag in tags {
            self.repo.tag_lightweight(tag, &head, false).unwrap();
        }
    }

    pub fn head(&self) -> git2::Oid {
        self.repo.head().unwrap().target().unwrap()
    }

    pub fn branch_exists(&self, name: &str) -> bool {
        self.repo.find_branch(name, git2::BranchType::Local).is_ok()
    }

    /// A bare repository registered as `origin`.
    pub fn with_remote(&self) -> (TempDir, git2::Repository) {
        let bare_dir = tempdir().unwrap();
        let bare = git2::Repository::init_bare(bare_dir.path()).unwrap();
        self.repo
            .remote("origin", &format!("file://{}", bare_dir.path().display()))
            .unwrap();
        (bare_dir, bare)
    }
}

impl Default for GitRepo {
    fn default() -> Self {
        Self::new()
    }
}

/// `GET path` on a loopback port, answered with `Connection: close`: the status and body.
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Some((status, body))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// `text` percent-encoded for a URL's query string.
pub fn query_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A real Prometheus server (Debian's `prometheus`) on a loopback port, scraping the given
/// loopback ports every second; stopped when dropped.
#[derive(Debug)]
pub struct PrometheusServer {
    child: Child,
    pub port: u16,
    _data: TempDir,
}

impl PrometheusServer {
    /// Start it and wait until every target has been scraped. `None`, after saying why,
    /// where Prometheus is not installed (CI installs it and sets SENTINEL_REQUIRE_VALIDATORS).
    pub fn start(targets: &[u16]) -> Option<PrometheusServer> {
        let binary = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"]
            .into_iter()
            .map(PathBuf::from)
            .find(|path| path.exists())
            .or_else(|| {
                std::env::var_os("PATH").and_then(|paths| {
                    std::env::split_paths(&paths)
                        .map(|dir| dir.join("prometheus"))
                        .find(|path| path.exists())
                })
            });
        let Some(binary) = binary else {
            return missing_consumer("prometheus is not installed (apt-get install prometheus)");
        };
        let data = TempDir::new().expect("a temp dir");
        let config = data.path().join("prometheus.yml");
        let list: Vec<String> = targets.iter().map(|p| format!("'127.0.0.1:{p}'")).collect();
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: sample\n    static_configs:\n      - targets: [{}]\n",
                list.join(", ")
            ),
        )
        .expect("config written");
        let port = free_port();
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                data.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus starts");
        let server = PrometheusServer {
            child,
            port,
            _data: data,
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let up = server.query("sum(up)");
            let scraped = up["data"]["result"][0]["value"][1]
                .as_str()
                .and_then(|v| v.parse::<f64>().ok());
            if scraped == Some(targets.len() as f64) {
                return Some(server);
            }
            assert!(
                std::time::Instant::now() < deadline,
                "Prometheus did not scrape its {} targets within 60 s: {up}",
                targets.len()
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An instant query's JSON answer (`null` while the server does not answer).
    pub fn query(&self, promql: &str) -> Value {
        http_get(
            self.port,
            &format!("/api/v1/query?query={}", query_encode(promql)),
        )
        .and_then(|(_, body)| serde_json::from_str(&body).ok())
        .unwrap_or(Value::Null)
    }

    /// Stop it (SIGKILL), as a crashed server would go.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PrometheusServer {
    fn drop(&mut self) {
        self.kill();
    }
}
