//! The Prometheus text exposition format (version 0.0.4), as `/metrics` endpoints serve it:
//! `# TYPE` lines and samples `name{label="value",...} value [timestamp]`.
//!
//! Only what a judgement needs is kept: each sample's name, labels and value, and whether it
//! counts up (a counter, or a histogram's or summary's `_bucket`/`_sum`/`_count`), so that
//! readings over a window are its increase rather than its level.

use std::collections::HashMap;

/// A sample's labels, in the order written.
pub type Labels = Vec<(String, String)>;

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    /// In the order written.
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

impl Sample {
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One scrape: every sample, and which names count up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exposition {
    pub samples: Vec<Sample>,
    types: HashMap<String, String>,
}

/// The longest line looked at: a label value longer than this is not a metric anyone judges.
const MAX_LINE: usize = 64 * 1024;

impl Exposition {
    /// Parse a scrape. A malformed line is an error naming its number: a half-understood
    /// scrape must not be judged.
    pub fn parse(text: &str) -> Result<Exposition, String> {
        let mut exposition = Exposition::default();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.len() > MAX_LINE {
                return Err(format!(
                    "line {} is longer than {MAX_LINE} bytes",
                    number + 1
                ));
            }
            let trimmed = line.trim_start();
            if trimmed.is_empty() {
                continue;
            }
            if let Some(comment) = trimmed.strip_prefix('#') {
                let mut words = comment.split_whitespace();
                if words.next() == Some("TYPE") {
                    if let (Some(name), Some(kind)) = (words.next(), words.next()) {
                        exposition.types.insert(name.to_owned(), kind.to_owned());
                    }
                }
                continue;
            }
            let sample =
                parse_sample(trimmed).map_err(|why| format!("line {}: {why}", number + 1))?;
            exposition.samples.push(sample);
        }
        Ok(exposition)
    }

    /// Whether a sample of this name only ever counts up, so that its reading over a window
    /// is the increase. Without a `# TYPE`, the naming conventions decide.
    pub fn counts_up(&self, name: &str) -> bool {
        if let Some(kind) = self.types.get(name) {
            return kind == "counter";
        }
        for suffix in ["_bucket", "_sum", "_count", "_total"] {
            if let Some(family) = name.strip_suffix(suffix) {
                if let Some(kind) = self.types.get(family) {
                    return matches!(kind.as_str(), "counter" | "histogram" | "summary");
                }
            }
        }
        name.ends_with("_total")
            || name.ends_with("_count")
            || name.ends_with("_sum")
            || name.ends_with("_bucket")
    }
}

fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    let name = &line[..name_end];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!(
            "{:?} does not start with a metric name",
            excerpt(line)
        ));
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(inner) = rest.strip_prefix('{') {
        let (parsed, after) = parse_labels(inner)?;
        labels = parsed;
        rest = after;
    }
    let mut fields = rest.split_whitespace();
    let value = fields
        .next()
        .ok_or_else(|| format!("{name} has no value"))?;
    let value =
        parse_value(value).ok_or_else(|| format!("{name}'s value {value:?} is not a number"))?;
    if let Some(timestamp) = fields.next() {
        timestamp
            .parse::<i64>()
            .map_err(|_| format!("{name}'s timestamp {timestamp:?} is not milliseconds"))?;
    }
    if fields.next().is_some() {
        return Err(format!("{name} has more than a value and a timestamp"));
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// `label="value",...}` (the opening brace already read): the labels and what follows.
fn parse_labels(mut text: &str) -> Result<(Labels, &str), String> {
    let mut labels = Vec::new();
    loop {
        text = text.trim_start();
        if let Some(after) = text.strip_prefix('}') {
            return Ok((labels, after));
        }
        let name_end = text
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .ok_or("a label set is not closed")?;
        let name = &text[..name_end];
        if name.is_empty() {
            return Err(format!("expected a label name at {:?}", excerpt(text)));
        }
        text = text[name_end..].trim_start();
        text = text
            .strip_prefix('=')
            .ok_or_else(|| format!("label {name} has no ="))?
            .trim_start();
        text = text
            .strip_prefix('"')
            .ok_or_else(|| format!("label {name}'s value is not quoted"))?;
        let mut value = String::new();
        let mut chars = text.char_indices();
        let end = loop {
            match chars.next() {
                None => return Err(format!("label {name}'s value is not closed")),
                Some((at, '"')) => break at,
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, other)) => {
                        value.push('\\');
                        value.push(other);
                    }
                    None => return Err(format!("label {name}'s value is not closed")),
                },
                Some((_, c)) => value.push(c),
            }
        };
        labels.push((name.to_owned(), value));
        text = text[end + 1..].trim_start();
        if let Some(after) = text.strip_prefix(',') {
            text = after;
        } else if !text.starts_with('}') {
            return Err(format!("expected , or }} after label {name}"));
        }
    }
}

/// A sample value: a float, `NaN`, `+Inf`, `-Inf`.
pub fn parse_value(text: &str) -> Option<f64> {
    match text {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => text.parse::<f64>().ok(),
    }
}

fn excerpt(text: &str) -> &str {
    let end = text.char_indices().nth(40).map_or(text.len(), |(at, _)| at);
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRAPE: &str = r#"# HELP http_requests_total Requests served.
# TYPE http_requests_total counter
http_requests_total{code="200",version="1.2.0"} 1027
http_requests_total{code="500",version="1.2.0"} 3 1700000000000
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{version="1.2.0",le="0.005"} 900
http_request_duration_seconds_bucket{version="1.2.0",le="+Inf"} 1030
http_request_duration_seconds_sum{version="1.2.0"} 2.5
http_request_duration_seconds_count{version="1.2.0"} 1030
# TYPE queue_depth gauge
queue_depth 7
odd_label{path="a \"quoted\" \\ back\nslash"} NaN
"#;

    #[test]
    fn parses_counters_histograms_and_escapes() {
        let scrape = Exposition::parse(SCRAPE).unwrap();
        assert_eq!(scrape.samples.len(), 8);
        assert_eq!(scrape.samples[1].label("code"), Some("500"));
        assert_eq!(scrape.samples[1].value, 3.0);
        assert_eq!(scrape.samples[3].value, 1030.0);
        assert_eq!(
            scrape.samples[7].label("path"),
            Some("a \"quoted\" \\ back\nslash")
        );
        assert!(scrape.samples[7].value.is_nan());
        assert!(scrape.counts_up("http_requests_total"));
        assert!(scrape.counts_up("http_request_duration_seconds_bucket"));
        assert!(scrape.counts_up("http_request_duration_seconds_count"));
        assert!(!scrape.counts_up("queue_depth"));
        assert!(scrape.counts_up("untyped_things_total"));
    }

    #[test]
    fn malformed_lines_are_refused_with_their_number() {
        for (text, expected) in [
            ("ok 1\n{code=\"1\"} 2", "line 2"),
            ("m{code=\"1\" 2", "line 1"),
            ("m{code=1} 2", "not quoted"),
            ("m{code=\"1\"}", "no value"),
            ("m one", "not a number"),
            ("m 1 2 3", "more than"),
        ] {
            let error = Exposition::parse(text).unwrap_err();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }
}
