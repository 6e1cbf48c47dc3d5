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
