//! Where readings come from: a Prometheus server's HTTP API (`/api/v1/query`), or the
//! `/metrics` endpoints themselves. Both answer "this reading, or why there is none"; only
//! the check before the window turns a refused query into exit 2 and a dead server into 4.

use super::exposition::{Exposition, parse_value};
use super::query::{Query, Reading};
use sentinel_core::clock::SystemClock;
use sentinel_core::http::{HttpTimeouts, agent_bounded, is_transient_status};
use sentinel_core::redact::{Secret, redact_url, scrub};
use sentinel_core::retry::{Backoff, Failure, RetryError, retry};
use serde_json::Value;
use std::time::{Duration, Instant, SystemTime};

/// The largest answer read: a scrape or query result beyond this is not a metric.
const MAX_BODY: u64 = 32 * 1024 * 1024;

/// Why a reading failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadError {
    /// No answer after retries (connection refused, timeouts, 5xx).
    Unreachable(String),
    /// The server refused the query itself (Prometheus's `bad_data`: a syntax error).
    Refused(String),
    /// An answer with no usable value: empty, NaN, several series, a ratio over nothing.
    NoValue(String),
}

impl ReadError {
    pub fn message(&self) -> &str {
        match self {
            ReadError::Unreachable(m) | ReadError::Refused(m) | ReadError::NoValue(m) => m,
        }
    }
}

/// A Prometheus server.
#[derive(Debug)]
pub struct Prometheus {
    agent: ureq::Agent,
    address: String,
    auth: Option<Secret>,
}

/// The longest one call may take, from connect to the last byte: a server that trickles its
/// answer a byte at a time cannot hold the analysis (or a signal) for ever.
pub fn call_limit(interval: Duration) -> Duration {
    interval
        .mul_f64(0.8)
        .clamp(Duration::from_secs(1), Duration::from_secs(10))
}

/// An agent whose every call ends within [`call_limit`].
fn bounded_agent(interval: Duration) -> ureq::Agent {
    let total = call_limit(interval);
    agent_bounded(
        HttpTimeouts {
            connect: Duration::from_secs(2).min(total),
            read: total,
            write: total,
        },
        total,
    )
}

/// Run `attempt` with the readings' retry policy (250 ms doubling, at most 5 s apart) until
/// `deadline`; the error is the last attempt's.
fn with_retries<T>(
    retries: u32,
    deadline: SystemTime,
    attempt: impl FnMut(u32) -> Result<T, Failure<ReadError>>,
) -> Result<T, ReadError> {
    let policy = Backoff {
        initial: Duration::from_millis(250),
        max_retries: retries,
        max_delay: Duration::from_secs(5),
        deadline: Some(deadline),
        ..Backoff::default()
    };
    retry(&policy, &SystemClock, attempt).map_err(|e| match e {
        RetryError::Exhausted { last, .. } | RetryError::OutOfTime { last, .. } => last,
        RetryError::Permanent { error, .. } => error,
    })
}

/// Reading an answer failed: too big is the answer's fault (not metrics), anything else the
/// connection's.
fn body_error(shown: &str, error: ureq::Error) -> Failure<ReadError> {
    match error {
        ureq::Error::BodyExceedsLimit(_) => Failure::Permanent(ReadError::Refused(format!(
            "{shown} answered more than {} MiB, which is not a metrics answer",
            MAX_BODY >> 20
        ))),
        other => Failure::transient(ReadError::Unreachable(format!(
            "{shown}: reading the answer: {other}"
        ))),
    }
}

impl Prometheus {
    pub fn new(address: &str, auth: Option<Secret>, interval: Duration) -> Prometheus {
        Prometheus {
            agent: bounded_agent(interval),
            address: address.to_owned(),
            auth,
        }
    }

    /// The address as events show it (credentials masked).
    pub fn shown(&self) -> String {
        redact_url(&self.address)
    }

    /// Text from the server with every secret taken out: the token, and URL credentials.
    fn clean(&self, text: &str) -> String {
        let mut text = scrub(text, &self.address);
        if let Some(secret) = &self.auth {
            for part in std::iter::once(secret.expose()).chain(secret.expose().split_whitespace()) {
                if part.len() >= 4 {
                    text = text.replace(part, "***");
                }
            }
        }
        text
    }

    /// One instant query, retried while the server does not answer, until `deadline`.
    pub fn instant(
        &self,
        query: &str,
        retries: u32,
        deadline: SystemTime,
    ) -> Result<f64, ReadError> {
        let url = format!("{}/api/v1/query", self.address);
        let outcome = with_retries(retries, deadline, |_| {
            let mut request = self
                .agent
                .get(&url)
                .query("query", query)
                .header("Accept", "application/json");
            if let Some(auth) = &self.auth {
                request = request.header("Authorization", auth.expose());
            }
            let mut response = request.call().map_err(|e| {
                Failure::transient(ReadError::Unreachable(self.clean(&e.to_string())))
            })?;
            let status = response.status().as_u16();
            let text = response
                .body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_string()
                .map_err(|e| body_error(&self.shown(), e))?;
            if is_transient_status(status) {
                return Err(Failure::transient(ReadError::Unreachable(format!(
                    "{} answered HTTP {status}{}",
                    self.shown(),
                    api_error(&text)
                        .map(|e| format!(": {}", self.clean(&e)))
                        .unwrap_or_default()
                ))));
            }
            Ok((status, text))
        });
        let (status, text) = outcome?;
        self.answer(status, &text)
    }

    fn answer(&self, status: u16, text: &str) -> Result<f64, ReadError> {
        let body: Value = serde_json::from_str(text).map_err(|_| {
            ReadError::NoValue(format!(
                "{} answered HTTP {status} with something other than the Prometheus API's JSON",
                self.shown()
            ))
        })?;
        // Everything the server says is cleaned of secrets (it may echo the token in any
        // field) and cut short (it may say a lot).
        let said = |value: &Value, default: &str| {
            sentinel_core::output::excerpt(&self.clean(value.as_str().unwrap_or(default)), 300)
        };
        if body["status"] != "success" {
            let kind = said(&body["errorType"], "unknown");
            let message = said(&body["error"], "no error message");
            return Err(if kind == "bad_data" {
                ReadError::Refused(format!("Prometheus refused the query ({kind}): {message}"))
            } else {
                ReadError::NoValue(format!("the query failed ({kind}): {message}"))
            });
        }
        let data = &body["data"];
        let value = match data["resultType"].as_str() {
            Some("scalar") => data["result"][1].as_str(),
            Some("vector") => {
                let series = data["result"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                match series {
                    [] => {
                        return Err(ReadError::NoValue(
                            "the query returned no data (an empty vector)".into(),
                        ));
                    }
                    [one] => one["value"][1].as_str(),
                    many => {
                        return Err(ReadError::NoValue(format!(
                            "the query returned {} series; aggregate it to one, e.g. with sum(...)",
                            many.len()
                        )));
                    }
                }
            }
            _ => {
                return Err(ReadError::NoValue(format!(
                    "the query returned a {}, not one number",
                    said(&data["resultType"], "result of no type")
                )));
            }
        };
        let value = value
            .and_then(parse_value)
            .ok_or_else(|| ReadError::NoValue("the answer's value is not a number".into()))?;
        if value.is_finite() {
            Ok(value)
        } else {
            Err(ReadError::NoValue(format!("the query returned {value}")))
        }
    }

    /// A reading of a query: one instant query, or two for a `ratio()`.
    pub fn read(
        &self,
        query: &Query,
        retries: u32,
        deadline: SystemTime,
    ) -> Result<Reading, ReadError> {
        match query {
            Query::PromQl(text) => self.instant(text, retries, deadline).map(|value| Reading {
                value,
                counts: None,
            }),
            Query::PromRatio {
                numerator,
                denominator,
            } => {
                let bottom = self.instant(denominator, retries, deadline)?;
                let top = self.instant(numerator, retries, deadline)?;
                if bottom <= 0.0 {
                    return Err(ReadError::NoValue(
                        "the ratio's denominator was 0 (no traffic in the interval)".into(),
                    ));
                }
                // Counts of a proportion: a negative count, or more hits than requests, is a
                // broken query or counter, not a measurement.
                if top < 0.0 || top > bottom {
                    return Err(ReadError::NoValue(format!(
                        "the ratio's counts are not a proportion ({top} of {bottom})"
                    )));
                }
                Ok(Reading {
                    value: top / bottom,
                    counts: Some((top, bottom)),
                })
            }
            Query::Scrape(_) => unreachable!("scrape queries are read from scrapes"),
        }
    }
}

/// The `error` of a Prometheus API answer, if it is one.
fn api_error(text: &str) -> Option<String> {
    let body: Value = serde_json::from_str(text).ok()?;
    body["error"].as_str().map(str::to_owned)
}

/// Reads `/metrics` endpoints.
#[derive(Debug)]
pub struct Scraper {
    agent: ureq::Agent,
}

/// One scrape of every endpoint, in the order asked, and when it was taken.
#[derive(Debug, Clone)]
pub struct Scrape {
    pub at: Instant,
    pub endpoints: Vec<Exposition>,
}

impl Scraper {
    pub fn new(interval: Duration) -> Scraper {
        Scraper {
            agent: bounded_agent(interval),
        }
    }

    /// Scrape every URL; the first that fails (after retries, until `deadline`) is the error.
    pub fn scrape(
        &self,
        urls: &[String],
        retries: u32,
        deadline: SystemTime,
    ) -> Result<Scrape, ReadError> {
        let at = Instant::now();
        let mut endpoints = Vec::with_capacity(urls.len());
        for url in urls {
            endpoints.push(self.scrape_one(url, retries, deadline)?);
        }
        Ok(Scrape { at, endpoints })
    }

    fn scrape_one(
        &self,
        url: &str,
        retries: u32,
        deadline: SystemTime,
    ) -> Result<Exposition, ReadError> {
        let shown = redact_url(url);
        let text = with_retries(retries, deadline, |_| {
            let mut response = self
                .agent
                .get(url)
                .header("Accept", "text/plain;version=0.0.4")
                .call()
                .map_err(|e| {
                    Failure::transient(ReadError::Unreachable(format!(
                        "{shown}: {}",
                        scrub(&e.to_string(), url)
                    )))
                })?;
            let status = response.status().as_u16();
            let text = response
                .body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_string()
                .map_err(|e| body_error(&shown, e))?;
            match status {
                200 => Ok(text),
                s if is_transient_status(s) => Err(Failure::transient(ReadError::Unreachable(
                    format!("{shown} answered HTTP {s}"),
                ))),
                s => Err(Failure::Permanent(ReadError::NoValue(format!(
                    "{shown} answered HTTP {s}, not metrics"
                )))),
            }
        })?;
        Exposition::parse(&text).map_err(|why| {
            ReadError::Refused(format!(
                "{shown} does not serve the Prometheus text format ({why}); point it at the /metrics path"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(text: &str) -> Result<f64, ReadError> {
        Prometheus::new(
            "http://127.0.0.1:9",
            Some(Secret::new("Bearer s3cr3t-token")),
            Duration::from_secs(1),
        )
        .answer(200, text)
    }

    #[test]
    fn prometheus_answers_are_read_as_the_api_documents_them() {
        let vector = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1435781451.781,"0.05"]}]}}"#;
        assert_eq!(answer(vector), Ok(0.05));
        let scalar =
            r#"{"status":"success","data":{"resultType":"scalar","result":[1435781451.781,"2"]}}"#;
        assert_eq!(answer(scalar), Ok(2.0));
        let empty = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert!(matches!(answer(empty), Err(ReadError::NoValue(m)) if m.contains("no data")));
        let nan = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}}"#;
        assert!(matches!(answer(nan), Err(ReadError::NoValue(m)) if m.contains("NaN")));
        let two = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"2"]}]}}"#;
        assert!(matches!(answer(two), Err(ReadError::NoValue(m)) if m.contains("2 series")));
        let matrix = r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        assert!(answer(matrix).is_err());
    }

    #[test]
    fn a_syntax_error_is_refused_and_echoed_secrets_are_masked() {
        let bad = r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected <by> near s3cr3t-token"}"#;
        let Err(ReadError::Refused(message)) = answer(bad) else {
            panic!("not refused")
        };
        assert!(message.contains("parse error"), "{message}");
        assert!(!message.contains("s3cr3t"), "{message}");
        let timeout = r#"{"status":"error","errorType":"timeout","error":"query timed out"}"#;
        assert!(matches!(answer(timeout), Err(ReadError::NoValue(_))));
        assert!(matches!(answer("<html>"), Err(ReadError::NoValue(_))));
        // The token echoed in the other fields a server may fill is masked too.
        let echo_type =
            r#"{"status":"error","errorType":"execution Bearer s3cr3t-token","error":"x"}"#;
        let Err(ReadError::NoValue(message)) = answer(echo_type) else {
            panic!("not a failed query")
        };
        assert!(!message.contains("s3cr3t"), "{message}");
        let echo_result =
            r#"{"status":"success","data":{"resultType":"weird Bearer s3cr3t-token","result":[]}}"#;
        let Err(ReadError::NoValue(message)) = answer(echo_result) else {
            panic!("not unusable")
        };
        assert!(!message.contains("s3cr3t"), "{message}");
    }
}
