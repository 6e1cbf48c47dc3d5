//! Delivering a payload to one channel: POST, decide success by the channel's own rules,
//! retry what is transient (429, 5xx, timeouts — honouring Retry-After and Discord's
//! `retry_after`), give up at once on what is permanent (400/401/403/404, Slack's error
//! bodies), and sign generic webhooks (Standard Webhooks and X-Hub-Signature-256).

use base64::Engine;
use hmac::{Hmac, Mac};
use sentinel_core::clock::Clock;
use sentinel_core::http::{HttpTimeouts, agent_bounded, is_transient_status};
use sentinel_core::redact::{Secret, mask_url, scrub};
use sentinel_core::retry::{Backoff, Failure, RetryError, parse_retry_after, retry};
use sha2::Sha256;
use std::time::Duration;

/// The kinds of channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    Teams,
    Slack,
    Discord,
    Webhook,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Teams => "teams",
            ChannelKind::Slack => "slack",
            ChannelKind::Discord => "discord",
            ChannelKind::Webhook => "webhook",
        }
    }
}

/// One destination.
#[derive(Debug, Clone)]
pub struct Channel {
    pub kind: ChannelKind,
    pub url: Secret,
}

impl Channel {
    /// How the channel is named in messages: its kind and masked URL.
    pub fn shown(&self) -> String {
        format!("{} {}", self.kind.as_str(), mask_url(self.url.expose()))
    }
}

/// How a delivery ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub status: Option<u16>,
    /// `None` when delivered.
    pub error: Option<String>,
    pub attempts: u32,
}

/// Headers that sign a webhook body, when a secret is configured.
pub fn signature_headers(
    secret: &str,
    message_id: &str,
    timestamp: u64,
    body: &[u8],
) -> Vec<(String, String)> {
    // Standard Webhooks: the key is the base64 after "whsec_"; other secrets are used as bytes.
    let key = secret
        .strip_prefix("whsec_")
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec());
    let mut standard = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes keys of any length");
    standard.update(format!("{message_id}.{timestamp}.").as_bytes());
    standard.update(body);
    let standard =
        base64::engine::general_purpose::STANDARD.encode(standard.finalize().into_bytes());
    let mut github =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    github.update(body);
    let github: String = github
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    vec![
        ("webhook-id".into(), message_id.to_owned()),
        ("webhook-timestamp".into(), timestamp.to_string()),
        ("webhook-signature".into(), format!("v1,{standard}")),
        ("X-Hub-Signature-256".into(), format!("sha256={github}")),
    ]
}

/// Why one attempt failed.
#[derive(Debug)]
struct AttemptError {
    status: Option<u16>,
    message: String,
}

/// POST `body` to the channel with retries; never panics, never returns the URL unmasked.
/// Each attempt ends within `timeout` (connect to last byte), and with `policy.deadline` no
/// attempt runs past it: the whole delivery has a budget, whatever the receiver does.
pub fn deliver(
    channel: &Channel,
    body: &[u8],
    headers: &[(String, String)],
    timeout: Duration,
    policy: &Backoff,
    clock: &dyn Clock,
) -> Delivery {
    let url = channel.url.expose();
    let mut attempts = 0;
    let outcome = retry(policy, clock, |n| {
        attempts = n;
        let left = policy.deadline.map_or(timeout, |deadline| {
            deadline
                .duration_since(clock.now())
                .unwrap_or_default()
                .min(timeout)
        });
        if left.is_zero() {
            return Err(Failure::Permanent(AttemptError {
                status: None,
                message: "the delivery budget was spent before this attempt".into(),
            }));
        }
        let agent = agent_bounded(
            HttpTimeouts {
                connect: left.min(Duration::from_secs(5)),
                read: left,
                write: left,
            },
            left,
        );
        let mut request = agent.post(url).header("Content-Type", "application/json");
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let mut response = match request.send(body) {
            Ok(response) => response,
            // Connection refused, reset, timeouts: the channel may come back.
            Err(e) => {
                return Err(Failure::transient(AttemptError {
                    status: None,
                    message: e.to_string().replace(url, &mask_url(url)),
                }));
            }
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, clock.now()));
        // Scrubbed whole, before any excerpt of it is cut: a cut could split a secret so
        // that the part left no longer matches.
        let text = scrub(
            &response.body_mut().read_to_string().unwrap_or_default(),
            url,
        );
        classify(channel.kind, status, &text, retry_after, clock)
    });
    // What the receiver answered may echo the URL (its path is the credential).
    let scrubbed = |message: String| scrub(&message, url).replace(url, &mask_url(url));
    match outcome {
        Ok(status) => Delivery {
            status: Some(status),
            error: None,
            attempts,
        },
        Err(RetryError::Exhausted { attempts, last }) => Delivery {
            status: last.status,
            error: Some(format!(
                "{} (gave up after {attempts} attempts)",
                scrubbed(last.message)
            )),
            attempts,
        },
        Err(RetryError::OutOfTime {
            attempts,
            last,
            wait,
        }) => Delivery {
            status: last.status,
            error: Some(format!(
                "{} (gave up after {attempts} attempt(s): the next one, in {}, would pass the delivery budget)",
                scrubbed(last.message),
                sentinel_core::clock::format_duration(wait)
            )),
            attempts,
        },
        Err(RetryError::Permanent { attempts, error }) => Delivery {
            status: error.status,
            error: Some(format!(
                "{} (not retried: the request itself was refused)",
                scrubbed(error.message)
            )),
            attempts,
        },
    }
}

fn classify(
    kind: ChannelKind,
    status: u16,
    text: &str,
    retry_after: Option<Duration>,
    clock: &dyn Clock,
) -> Result<u16, Failure<AttemptError>> {
    let excerpt: String = text.chars().take(200).collect();
    let error = |message: String| AttemptError {
        status: Some(status),
        message,
    };
    match (kind, status) {
        // Slack answers 200 "ok"; anything else in a 200 is an error it will repeat.
        (ChannelKind::Slack, 200) if text.trim() == "ok" => Ok(status),
        (ChannelKind::Slack, 200) => Err(Failure::Permanent(error(format!(
            "Slack answered {excerpt:?} instead of ok"
        )))),
        (ChannelKind::Teams, 200 | 202) => Ok(status),
        (ChannelKind::Teams, s) if (200..300).contains(&s) => Ok(status),
        (ChannelKind::Discord | ChannelKind::Webhook, s) if (200..300).contains(&s) => Ok(status),
        (_, 429) => {
            // Discord says how long to wait in its JSON body.
            let discord_wait = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| v.get("retry_after").and_then(|r| r.as_f64()))
                .and_then(|s| parse_retry_after(&s.to_string(), clock.now()));
            Err(Failure::Transient {
                error: error(format!("HTTP 429 (rate limited): {excerpt}")),
                retry_after: retry_after.or(discord_wait),
            })
        }
        (_, s) if is_transient_status(s) => Err(Failure::Transient {
            error: error(format!("HTTP {s}: {excerpt}")),
            retry_after,
        }),
        (_, s) => Err(Failure::Permanent(error(format!("HTTP {s}: {excerpt}")))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sentinel_core::clock::FakeClock;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::time::SystemTime;

    /// A loopback server answering each connection with the next scripted response.
    fn scripted(responses: Vec<String>) -> (String, std::thread::JoinHandle<usize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/hook/secret-token",
            listener.local_addr().unwrap()
        );
        let handle = std::thread::spawn(move || {
            let mut served = 0;
            for response in responses {
                let (stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap();
                    }
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let mut stream = stream;
                stream.write_all(response.as_bytes()).unwrap();
                served += 1;
            }
            served
        });
        (url, handle)
    }

    fn response(status: &str, headers: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n{headers}\r\n{body}",
            body.len()
        )
    }

    fn channel(kind: ChannelKind, url: &str) -> Channel {
        Channel {
            kind,
            url: Secret::new(url),
        }
    }

    #[test]
    fn retries_429_and_5xx_on_the_backoff_schedule_honouring_retry_after() {
        let (url, server) = scripted(vec![
            response("429 Too Many Requests", "retry-after: 7\r\n", ""),
            response("503 Service Unavailable", "", "busy"),
            response("202 Accepted", "", ""),
        ]);
        let clock = FakeClock::at(SystemTime::now());
        let delivery = deliver(
            &channel(ChannelKind::Teams, &url),
            b"{}",
            &[],
            Duration::from_secs(5),
            &Backoff {
                jitter: 0.0,
                ..Backoff::default()
            },
            &clock,
        );
        assert_eq!(
            delivery,
            Delivery {
                status: Some(202),
                error: None,
                attempts: 3
            }
        );
        assert_eq!(
            clock.sleeps(),
            vec![Duration::from_secs(7), Duration::from_secs(2)]
        );
        assert_eq!(server.join().unwrap(), 3);
    }

    #[test]
    fn discord_retry_after_comes_from_the_body() {
        let (url, server) = scripted(vec![
            response(
                "429 Too Many Requests",
                "content-type: application/json\r\n",
                r#"{"retry_after": 3.5, "global": false}"#,
            ),
            response("204 No Content", "", ""),
        ]);
        let clock = FakeClock::at(SystemTime::now());
        let delivery = deliver(
            &channel(ChannelKind::Discord, &url),
            b"{}",
            &[],
            Duration::from_secs(5),
            &Backoff {
                jitter: 0.0,
                ..Backoff::default()
            },
            &clock,
        );
        assert_eq!(delivery.status, Some(204));
        assert_eq!(clock.sleeps(), vec![Duration::from_millis(3_500)]);
        server.join().unwrap();
    }

    #[test]
    fn permanent_errors_are_not_retried_and_slack_error_bodies_count() {
        let (url, server) = scripted(vec![response("404 Not Found", "", "no such workflow")]);
        let clock = FakeClock::at(SystemTime::now());
        let delivery = deliver(
            &channel(ChannelKind::Teams, &url),
            b"{}",
            &[],
            Duration::from_secs(5),
            &Backoff::default(),
            &clock,
        );
        assert_eq!((delivery.status, delivery.attempts), (Some(404), 1));
        assert!(delivery.error.unwrap().contains("not retried"));
        assert!(clock.sleeps().is_empty());
        assert_eq!(server.join().unwrap(), 1);

        let (url, server) = scripted(vec![response("200 OK", "", "invalid_blocks")]);
        let delivery = deliver(
            &channel(ChannelKind::Slack, &url),
            b"{}",
            &[],
            Duration::from_secs(5),
            &Backoff::default(),
            &clock,
        );
        assert!(delivery.error.unwrap().contains("invalid_blocks"));
        assert_eq!(server.join().unwrap(), 1);
    }

    #[test]
    fn a_dead_channel_gives_up_after_its_retries_without_showing_its_url() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/workflows/SECRET-PATH?sig=SECRET-SIG");
        let clock = FakeClock::at(SystemTime::now());
        let delivery = deliver(
            &channel(ChannelKind::Webhook, &url),
            b"{}",
            &[],
            Duration::from_secs(1),
            &Backoff {
                jitter: 0.0,
                ..Backoff::default()
            },
            &clock,
        );
        assert_eq!(delivery.attempts, 4);
        let error = delivery.error.unwrap();
        assert!(error.contains("gave up after 4 attempts"), "{error}");
        assert!(!error.contains("SECRET"), "{error}");
        assert_eq!(
            clock.sleeps(),
            vec![
                Duration::from_secs(1),
                Duration::from_secs(2),
                Duration::from_secs(4)
            ]
        );
    }
}
