//! The sample service deployed by the demo and the tests: a small HTTP/1.1 server on
//! 127.0.0.1 whose version, error rate and latency are set per instance.
//!
//! `GET /healthz` answers 200 `ok`; every other path answers 200 with
//! `{"service":"sample","version":V}`, except that every Nth request answers 500 so that
//! `--error-rate` is exact and repeatable (5% = every 20th request); with `--error-path P`
//! only requests whose path starts with P count and fail (a bug in one endpoint). `--stall-request N
//! --stall-ms MS` makes the Nth request wait, to show coordinated omission. `GET /stats`
//! answers `{"connections":N,"requests":M}`: connections accepted (its own included) and
//! requests served (/stats and /healthz excluded). `GET /metrics` answers in the Prometheus
//! text format: `http_requests_total{code,version}` and the histogram
//! `http_request_duration_seconds{version}` of the requests served (/metrics, /stats and
//! /healthz excluded), so canary analysis has real traffic metrics to read.
//! With `--tls-cert FILE --tls-key FILE` (PEM) it serves https instead, through rustls.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

struct Settings {
    version: String,
    /// Every `error_every`-th request fails; 0 never.
    error_every: u64,
    /// Only requests whose path starts with this can fail (a bug in one endpoint that a
    /// smoke test of `/` never sees); all, when empty.
    error_path: String,
    errors_counter: AtomicU64,
    latency: Duration,
    /// Request number `stall_request` (1-based) waits `stall` before answering.
    stall_request: u64,
    stall: Duration,
    counter: AtomicU64,
    connections: AtomicU64,
    metrics: Mutex<Metrics>,
}

/// The upper bounds of the latency histogram, in seconds: Prometheus's client defaults with
/// finer buckets below 5 ms, where a local service answers.
const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Metrics {
    by_code: BTreeMap<u16, u64>,
    /// Observations at or below each bound of BUCKETS (not yet cumulative).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

impl Metrics {
    fn observe(&mut self, code: u16, seconds: f64) {
        *self.by_code.entry(code).or_default() += 1;
        if let Some(bucket) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.buckets[bucket] += 1;
        }
        self.count += 1;
        self.sum_seconds += seconds;
    }

    /// The Prometheus text exposition format, version 0.0.4.
    fn exposition(&self, version: &str) -> String {
        let version = version
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n");
        let mut text = String::from(
            "# HELP http_requests_total Requests served, by status code and version.\n\
             # TYPE http_requests_total counter\n",
        );
        for (code, count) in &self.by_code {
            text.push_str(&format!(
                "http_requests_total{{code=\"{code}\",version=\"{version}\"}} {count}\n"
            ));
        }
        text.push_str(
            "# HELP http_request_duration_seconds Time from a request read to its answer.\n\
             # TYPE http_request_duration_seconds histogram\n",
        );
        let mut cumulative = 0;
        for (bound, count) in BUCKETS.iter().zip(self.buckets) {
            cumulative += count;
            text.push_str(&format!(
                "http_request_duration_seconds_bucket{{version=\"{version}\",le=\"{bound}\"}} {cumulative}\n"
            ));
        }
        text.push_str(&format!(
            "http_request_duration_seconds_bucket{{version=\"{version}\",le=\"+Inf\"}} {}\n\
             http_request_duration_seconds_sum{{version=\"{version}\"}} {}\n\
             http_request_duration_seconds_count{{version=\"{version}\"}} {}\n",
            self.count, self.sum_seconds, self.count
        ));
        text
    }
}

fn main() {
    let mut port = 0u16;
    let mut version = "0.0.0".to_owned();
    let mut error_rate = 0.0f64;
    let mut latency_ms = 0u64;
    let mut pid_file = None;
    let mut stall_request = 0u64;
    let mut stall_ms = 0u64;
    let mut tls_cert = None;
    let mut tls_key = None;
    let mut error_path = String::new();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_default();
        match flag.as_str() {
            "--port" => {
                port = value
                    .parse()
                    .unwrap_or_else(|_| fail(&format!("--port {value:?} is not a port")))
            }
            "--version" => version = value,
            "--error-rate" => {
                error_rate = value.parse().unwrap_or_else(|_| {
                    fail(&format!("--error-rate {value:?} is not a percentage"))
                })
            }
            "--latency-ms" => {
                latency_ms = value
                    .parse()
                    .unwrap_or_else(|_| fail(&format!("--latency-ms {value:?} is not a number")))
            }
            "--pid-file" => pid_file = Some(value),
            "--error-path" => error_path = value,
            "--tls-cert" => tls_cert = Some(value),
            "--tls-key" => tls_key = Some(value),
            "--stall-request" => {
                stall_request = value
                    .parse()
                    .unwrap_or_else(|_| fail(&format!("--stall-request {value:?} is not a number")))
            }
            "--stall-ms" => {
                stall_ms = value
                    .parse()
                    .unwrap_or_else(|_| fail(&format!("--stall-ms {value:?} is not a number")))
            }
            other => fail(&format!(
                "unknown flag {other}; flags: --port --version --error-rate --error-path \
                 --latency-ms --pid-file --stall-request --stall-ms --tls-cert --tls-key"
            )),
        }
    }
    let tls = match (tls_cert, tls_key) {
        (Some(cert), Some(key)) => Some(tls_config(&cert, &key)),
        (None, None) => None,
        _ => fail("--tls-cert and --tls-key go together"),
    };
    let listener = bind(port);
    if let Some(path) = pid_file {
        if let Err(e) = std::fs::write(&path, format!("{}\n", std::process::id())) {
            fail(&format!("cannot write {path}: {e}"));
        }
    }
    let settings = Arc::new(Settings {
        version,
        error_every: if error_rate > 0.0 {
            (100.0 / error_rate).round().max(1.0) as u64
        } else {
            0
        },
        error_path,
        errors_counter: AtomicU64::new(0),
        latency: Duration::from_millis(latency_ms),
        stall_request,
        stall: Duration::from_millis(stall_ms),
        counter: AtomicU64::new(0),
        connections: AtomicU64::new(0),
        metrics: Mutex::new(Metrics::default()),
    });
    for stream in listener.incoming().flatten() {
        let settings = Arc::clone(&settings);
        let tls = tls.clone();
        std::thread::spawn(move || {
            settings.connections.fetch_add(1, Ordering::Relaxed);
            match tls {
                None => serve(stream, &settings),
                Some(config) => {
                    let Ok(connection) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    serve(rustls::StreamOwned::new(connection, stream), &settings);
                }
            }
        });
    }
}

fn tls_config(cert: &str, key: &str) -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .unwrap_or_else(|e| fail(&format!("cannot read --tls-cert {cert}: {e}")));
    let key = PrivateKeyDer::from_pem_file(key)
        .unwrap_or_else(|e| fail(&format!("cannot read --tls-key {key}: {e}")));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_no_client_auth().with_single_cert(chain, key))
        .unwrap_or_else(|e| fail(&format!("cannot serve TLS with {cert}: {e}")));
    Arc::new(config)
}

/// Bind 127.0.0.1:port, retrying while an instance being replaced still holds it.
fn bind(port: u16) -> TcpListener {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match TcpListener::bind(("127.0.0.1", port)) {
            Ok(listener) => return listener,
            Err(e) if Instant::now() < deadline && e.kind() == std::io::ErrorKind::AddrInUse => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => fail(&format!("cannot listen on 127.0.0.1:{port}: {e}")),
        }
    }
}

#[allow(clippy::print_stderr)]
fn fail(message: &str) -> ! {
    eprintln!("sample-service: error: {message}");
    std::process::exit(2)
}

fn serve(stream: impl Read + Write, settings: &Settings) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("/")
            .to_owned();
        let mut content_length = 0usize;
        let mut close = request_line.ends_with("HTTP/1.0\r\n");
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header == "\r\n" || header == "\n" {
                break;
            }
            let lower = header.to_ascii_lowercase();
            if let Some(value) = lower.strip_prefix("content-length:") {
                content_length = value.trim().parse().unwrap_or(0);
            }
            if lower.starts_with("connection:") && lower.contains("close") {
                close = true;
            }
        }
        let mut body = vec![0u8; content_length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let read_at = Instant::now();
        let internal = matches!(path.as_str(), "/healthz" | "/stats" | "/metrics");
        if !settings.latency.is_zero() && !internal {
            std::thread::sleep(settings.latency);
        }
        let (status, text) = if path == "/healthz" {
            ("200 OK", "ok".to_owned())
        } else if path == "/metrics" {
            let metrics = settings
                .metrics
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            ("200 OK", metrics.exposition(&settings.version))
        } else if path == "/stats" {
            (
                "200 OK",
                format!(
                    "{{\"connections\":{},\"requests\":{}}}",
                    settings.connections.load(Ordering::Relaxed),
                    settings.counter.load(Ordering::Relaxed)
                ),
            )
        } else {
            let n = settings.counter.fetch_add(1, Ordering::Relaxed) + 1;
            if n == settings.stall_request {
                std::thread::sleep(settings.stall);
            }
            let may_fail = path.starts_with(&settings.error_path);
            let k = if may_fail {
                settings.errors_counter.fetch_add(1, Ordering::Relaxed) + 1
            } else {
                0
            };
            if settings.error_every > 0 && may_fail && k % settings.error_every == 0 {
                (
                    "500 Internal Server Error",
                    format!(
                        "{{\"error\":\"injected\",\"version\":\"{}\"}}",
                        settings.version
                    ),
                )
            } else {
                (
                    "200 OK",
                    format!(
                        "{{\"service\":\"sample\",\"version\":\"{}\"}}",
                        settings.version
                    ),
                )
            }
        };
        if !internal {
            let code = status[..3].parse().unwrap_or(0);
            settings
                .metrics
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .observe(code, read_at.elapsed().as_secs_f64());
        }
        let content_type = if path == "/metrics" {
            "text/plain; version=0.0.4; charset=utf-8"
        } else {
            "application/json"
        };
        let response = format!(
            "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n{}\r\n{text}",
            text.len(),
            if close { "connection: close\r\n" } else { "" }
        );
        let writer = reader.get_mut();
        if writer.write_all(response.as_bytes()).is_err() || writer.flush().is_err() || close {
            return;
        }
    }
}
