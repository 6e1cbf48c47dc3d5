//! `sentinel-watch health URL...`: wait until endpoints answer as expected, with backoff.

use regex::Regex;
use sentinel_core::events::{Event, HealthCheck, Payload};
use sentinel_core::http::{HttpTimeouts, agent};
use sentinel_core::ndjson::Writer;
use sentinel_core::output::Logger;
use sentinel_core::redact::redact_url;
use sentinel_core::{Error, Exit, Result};
use std::io::Write;
use std::ops::RangeInclusive;
use std::time::{Duration, Instant};

/// Parse `200-299`, `200` or `200,204` into status ranges.
pub fn parse_statuses(text: &str) -> Result<Vec<RangeInclusive<u16>>> {
    text.split(',')
        .map(|part| {
            let part = part.trim();
            let range = match part.split_once('-') {
                Some((a, b)) => a
                    .trim()
                    .parse::<u16>()
                    .ok()
                    .zip(b.trim().parse::<u16>().ok())
                    .map(|(a, b)| a..=b),
                None => part.parse::<u16>().ok().map(|s| s..=s),
            };
            range.filter(|r| r.start() <= r.end()).ok_or_else(|| {
                Error::usage(format!(
                    "--expect-status {text:?}: {part:?} is not a status or a range like 200-299"
                ))
            })
        })
        .collect()
}

/// Poll one URL until it answers as expected or `timeout` passes.
pub fn check(
    url: &str,
    timeout: Duration,
    statuses: &[RangeInclusive<u16>],
    body: Option<&Regex>,
) -> HealthCheck {
    let agent = agent(HttpTimeouts {
        connect: Duration::from_secs(2),
        read: Duration::from_secs(5),
        write: Duration::from_secs(5),
    });
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_millis(100);
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (status, error) = match agent.get(url).call() {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let text = response.body_mut().read_to_string().unwrap_or_default();
                let status_ok = statuses.iter().any(|r| r.contains(&status));
                let body_ok = body.is_none_or(|re| re.is_match(&text));
                match (status_ok, body_ok) {
                    (true, true) => {
                        return HealthCheck {
                            url: redact_url(url),
                            attempts,
                            status: Some(status),
                            error: None,
                        };
                    }
                    (false, _) => (
                        Some(status),
                        format!("status {status} is not the expected one"),
                    ),
                    (true, false) => (
                        Some(status),
                        "the body does not match --expect-body".to_owned(),
                    ),
                }
            }
            Err(e) => (None, e.to_string()),
        };
        if Instant::now() + delay > deadline {
            return HealthCheck {
                url: redact_url(url),
                attempts,
                status,
                error: Some(error),
            };
        }
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}

/// Check every URL in parallel; exit 1 if any stayed unhealthy.
pub fn run<W: Write>(
    urls: &[String],
    timeout: Duration,
    expect_status: &str,
    expect_body: Option<&str>,
    out: &mut Writer<W>,
    logger: &Logger,
) -> Result<Exit> {
    let statuses = parse_statuses(expect_status)?;
    let body = expect_body
        .map(|pattern| {
            Regex::new(pattern).map_err(|e| Error::usage(format!("--expect-body {pattern:?}: {e}")))
        })
        .transpose()?;
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        for url in urls {
            let sender = sender.clone();
            let (statuses, body) = (&statuses, body.as_ref());
            scope.spawn(move || {
                let _ = sender.send(check(url, timeout, statuses, body));
            });
        }
    });
    drop(sender);
    let mut healthy = true;
    for result in receiver {
        let payload = if result.error.is_none() {
            logger.info(&format!(
                "{} is healthy after {} attempt(s)",
                result.url, result.attempts
            ));
            Payload::HealthPassed(result)
        } else {
            healthy = false;
            logger.error(&format!(
                "{} stayed unhealthy for {:?} ({} attempts): {}",
                result.url,
                timeout,
                result.attempts,
                result.error.as_deref().unwrap_or_default()
            ));
            Payload::HealthFailed(result)
        };
        out.emit(&Event::new("sentinel-watch", None, payload))?;
    }
    Ok(if healthy {
        Exit::Success
    } else {
        Exit::CheckFailed
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_ranges_parse() {
        assert_eq!(parse_statuses("200-299").unwrap(), vec![200..=299]);
        assert_eq!(
            parse_statuses("200,204").unwrap(),
            vec![200..=200, 204..=204]
        );
        assert_eq!(parse_statuses("2xx").unwrap_err().exit().code(), 2);
        assert!(parse_statuses("300-200").is_err());
    }
}
