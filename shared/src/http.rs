//! The one HTTP client configuration of the suite (ureq 3).
//!
//! Settings chosen from measurements on this project (issue 4): `timeout_global` and
//! `timeout_per_call` start a resolver thread per request, so only per-read/per-write and
//! connect timeouts are used; statuses are data, not errors; no proxy and no redirects, since
//! the suite talks to endpoints it was told about; small buffers because bodies are small.

use std::time::Duration;

/// `deploy-sentinel/<version>`, sent on every request.
pub const USER_AGENT: &str = concat!("deploy-sentinel/", env!("CARGO_PKG_VERSION"));

/// Timeouts of an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpTimeouts {
    pub connect: Duration,
    /// Longest wait for any single read (response head or body chunk).
    pub read: Duration,
    pub write: Duration,
}

impl Default for HttpTimeouts {
    fn default() -> Self {
        HttpTimeouts {
            connect: Duration::from_secs(5),
            read: Duration::from_secs(10),
            write: Duration::from_secs(10),
        }
    }
}

/// An agent configured for the suite. Read every response body to its end so the connection
/// goes back to the pool.
pub fn agent(timeouts: HttpTimeouts) -> ureq::Agent {
    ureq::Agent::config_builder()
        .user_agent(USER_AGENT)
        .http_status_as_error(false)
        .proxy(None)
        .max_redirects(0)
        .timeout_connect(Some(timeouts.connect))
        .timeout_per_read(Some(timeouts.read))
        .timeout_per_write(Some(timeouts.write))
        .input_buffer_size(16 * 1024)
        .output_buffer_size(16 * 1024)
        .build()
        .new_agent()
}

/// An agent whose every call, from connect to the body's last byte, ends within `total`:
/// per-read timeouts let a server that sends one byte a second hold a call for ever. This
/// costs a resolver thread per call, which is fine for a few notifications, not for load.
pub fn agent_bounded(timeouts: HttpTimeouts, total: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .user_agent(USER_AGENT)
        .http_status_as_error(false)
        .proxy(None)
        .max_redirects(0)
        .timeout_connect(Some(timeouts.connect.min(total)))
        .timeout_per_read(Some(timeouts.read.min(total)))
        .timeout_per_write(Some(timeouts.write.min(total)))
        .timeout_global(Some(total))
        .input_buffer_size(16 * 1024)
        .output_buffer_size(16 * 1024)
        .build()
        .new_agent()
}

/// How a [`probe`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub attempts: u32,
    /// The last status answered, if any answer came.
    pub status: Option<u16>,
    /// Why the last attempt was not accepted; `None` when it was.
    pub failure: Option<String>,
}

/// GET `url` until `accept` takes an answer (status, body) or `limit` has passed, waiting
/// 100 ms, 200 ms, ... up to `max_delay` between attempts through `wait` — which may end
/// the probe early with its own error (a cancel request, say). Health checks, readiness
/// waits and the local engine all probe this way.
pub fn probe<E>(
    url: &str,
    limit: Duration,
    max_delay: Duration,
    accept: impl Fn(u16, &str) -> Result<(), String>,
    wait: impl FnMut(Duration) -> Result<(), E>,
) -> Result<Probe, E> {
    let agent = agent(HttpTimeouts {
        connect: Duration::from_secs(2),
        read: Duration::from_secs(5),
        write: Duration::from_secs(5),
    });
    let attempt = || match agent.get(url).call() {
        Ok(mut response) => {
            let status = response.status().as_u16();
            // Read to the end, so the connection can be reused.
            let body = response.body_mut().read_to_vec().unwrap_or_default();
            (
                Some(status),
                accept(status, &String::from_utf8_lossy(&body)).err(),
            )
        }
        Err(e) => (None, Some(e.to_string())),
    };
    probe_with(limit, max_delay, attempt, wait)
}

/// The loop of [`probe`] around any `attempt`, which answers (status if one came, why it is
/// not accepted yet): for callers that must make the request their own way (sentinel-stress
/// asks through its load engine, so https targets get its TLS settings).
pub fn probe_with<E>(
    limit: Duration,
    max_delay: Duration,
    mut attempt: impl FnMut() -> (Option<u16>, Option<String>),
    mut wait: impl FnMut(Duration) -> Result<(), E>,
) -> Result<Probe, E> {
    let deadline = std::time::Instant::now() + limit;
    let mut delay = Duration::from_millis(100);
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (status, failure) = attempt();
        if failure.is_none() || std::time::Instant::now() + delay > deadline {
            return Ok(Probe {
                attempts,
                status,
                failure,
            });
        }
        wait(delay)?;
        delay = (delay * 2).min(max_delay);
    }
}

/// Whether an HTTP status is worth retrying: throttling and server-side trouble.
pub fn is_transient_status(status: u16) -> bool {
    matches!(status, 408 | 425 | 429 | 500 | 502 | 503 | 504)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    /// Serve one request on loopback with `status`, return the request head it received.
    fn serve_once(status: u16) -> (String, std::thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/probe", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                head.push_str(&line);
            }
            let mut stream = stream;
            write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
            )
            .unwrap();
            head
        });
        (url, handle)
    }

    #[test]
    fn sends_the_suite_user_agent_to_a_real_loopback_server() {
        let (url, server) = serve_once(200);
        let mut response = agent(HttpTimeouts::default()).get(&url).call().unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.body_mut().read_to_string().unwrap(), "ok");
        let head = server.join().unwrap().to_ascii_lowercase();
        assert!(
            head.contains(&format!("user-agent: {}", USER_AGENT.to_ascii_lowercase())),
            "{head}"
        );
    }

    #[test]
    fn error_statuses_are_data_not_errors() {
        let (url, server) = serve_once(503);
        let response = agent(HttpTimeouts::default()).get(&url).call().unwrap();
        assert_eq!(response.status().as_u16(), 503);
        server.join().unwrap();
        assert!(is_transient_status(503) && is_transient_status(429));
        assert!(!is_transient_status(404) && !is_transient_status(401));
    }

    #[test]
    fn probe_retries_until_accepted_with_a_doubling_capped_wait() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/healthz", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            for status in [503, 503, 200] {
                let (stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap() > 2 {
                    line.clear();
                }
                let mut stream = stream;
                write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
                )
                .unwrap();
            }
        });
        let mut waits = Vec::new();
        let accept = |status: u16, body: &str| {
            if status == 200 && body == "ok" {
                Ok(())
            } else {
                Err(format!("HTTP {status}"))
            }
        };
        let probe = probe(
            &url,
            Duration::from_secs(10),
            Duration::from_millis(150),
            accept,
            |d| {
                waits.push(d);
                Ok::<(), ()>(())
            },
        )
        .unwrap();
        server.join().unwrap();
        assert_eq!(
            probe,
            Probe {
                attempts: 3,
                status: Some(200),
                failure: None
            }
        );
        assert_eq!(
            waits,
            vec![Duration::from_millis(100), Duration::from_millis(150)]
        );
    }

    #[test]
    fn a_dead_endpoint_fails_fast_within_the_connect_timeout() {
        // Bind then drop: nothing listens on the port any more.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let result = agent(HttpTimeouts::default())
            .get(&format!("http://127.0.0.1:{port}/"))
            .call();
        assert!(result.is_err());
    }
}
