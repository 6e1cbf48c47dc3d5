//! `sentinel-watch health URL...`: wait until endpoints answer as expected, with backoff.

use regex::Regex;
use sentinel_core::events::{Event, HealthCheck, Payload};
use sentinel_core::http::probe;
use sentinel_core::ndjson::Writer;
use sentinel_core::output::Logger;
use sentinel_core::redact::redact_url;
use sentinel_core::{Error, Exit, Result};
use std::io::Write;
use std::ops::RangeInclusive;
use std::time::Duration;

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
    let accept = |status: u16, text: &str| {
        if !statuses.iter().any(|r| r.contains(&status)) {
            Err(format!("status {status} is not the expected one"))
        } else if !body.is_none_or(|re| re.is_match(text)) {
            Err("the body does not match --expect-body".to_owned())
        } else {
            Ok(())
        }
    };
    let sleep = |delay| {
        std::thread::sleep(delay);
        Ok::<(), std::convert::Infallible>(())
    };
    let Ok(probe) = probe(url, timeout, Duration::from_secs(2), accept, sleep);
    HealthCheck {
        url: redact_url(url),
        attempts: probe.attempts,
        status: probe.status,
        error: probe.failure,
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
