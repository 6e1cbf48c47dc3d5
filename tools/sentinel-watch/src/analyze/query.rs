//! A metric's query (sentinel-watch(1), ANALYSIS): PromQL for `--prometheus`, a small
//! selector language for `--scrape`, and for both `ratio(A, B)`, which reads two counts so a
//! proportion can be tested with its sample size.
//!
//! The scrape language:
//!
//! ```text
//! SELECTOR                         name{label="v",label!="v",label=~"re",label!~"re"}
//! sum(SELECTOR)                    the same: every matching series added up
//! rate(SELECTOR)                   increase per second
//! ratio(SELECTOR, SELECTOR)        increase of the first over increase of the second
//! histogram_quantile(Q, NAME{..})  the Q-quantile of histogram NAME (its _bucket series)
//! mean(NAME{..})                   a histogram's or summary's _sum over its _count
//! ```
//!
//! A series that counts up (a counter, a histogram's buckets, sums and counts) is read as its
//! increase over the interval, as Prometheus's `increase()` would (a counter that went down
//! was reset: its new value is the increase); a gauge as its current value.

use super::exposition::{Exposition, parse_value};
use regex::Regex;
use std::collections::{BTreeMap, HashMap};

/// A query with its placeholders filled in for one cohort.
#[derive(Debug, Clone)]
pub enum Query {
    /// One PromQL query, as sent.
    PromQl(String),
    /// `ratio(A, B)` of two PromQL queries, each of which should count (`increase(...)`).
    PromRatio {
        numerator: String,
        denominator: String,
    },
    Scrape(ScrapeQuery),
}

#[derive(Debug, Clone)]
pub enum ScrapeQuery {
    Sum(Selector),
    Rate(Selector),
    Ratio(Selector, Selector),
    Quantile(f64, Selector),
    Mean(Selector),
}

#[derive(Debug, Clone)]
pub struct Selector {
    pub name: String,
    pub matchers: Vec<Matcher>,
}

#[derive(Debug, Clone)]
pub struct Matcher {
    pub label: String,
    pub test: MatchTest,
}

#[derive(Debug, Clone)]
pub enum MatchTest {
    Equal(String),
    NotEqual(String),
    Matches(Regex),
    DoesNotMatch(Regex),
}

impl Matcher {
    fn accepts(&self, value: &str) -> bool {
        match &self.test {
            MatchTest::Equal(v) => value == v,
            MatchTest::NotEqual(v) => value != v,
            MatchTest::Matches(re) => re.is_match(value),
            MatchTest::DoesNotMatch(re) => !re.is_match(value),
        }
    }
}

impl Query {
    /// Read a query for `--prometheus` (`scrape` false) or `--scrape`. A scrape query that
    /// does not parse is an error here, before any window starts; PromQL is checked by
    /// Prometheus itself, on the first query.
    pub fn parse(text: &str, scrape: bool) -> Result<Query, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the query is empty".into());
        }
        if scrape {
            return Ok(Query::Scrape(ScrapeQuery::parse(text)?));
        }
        if let Some(arguments) = call(text, "ratio") {
            let [numerator, denominator] = two_arguments(arguments, "ratio")?;
            return Ok(Query::PromRatio {
                numerator: numerator.to_owned(),
                denominator: denominator.to_owned(),
            });
        }
        Ok(Query::PromQl(text.to_owned()))
    }

    /// Whether readings carry counts, so that a proportion test applies.
    pub fn is_ratio(&self) -> bool {
        matches!(
            self,
            Query::PromRatio { .. } | Query::Scrape(ScrapeQuery::Ratio(..))
        )
    }
}

/// `name(ARGUMENTS)` → `ARGUMENTS`, when the whole text is that one call.
fn call<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let inner = text.strip_prefix(name)?.trim_start().strip_prefix('(')?;
    let inner = inner.strip_suffix(')')?;
    // `ratio(a) / ratio(b)` is not one call: the parentheses must pair up at the end.
    let mut depth = 0i32;
    for (c, _) in outside_strings(inner) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return None;
                }
            }
            _ => {}
        }
    }
    (depth == 0).then_some(inner)
}

/// The characters of `text` that are not inside a quoted string, with their byte offsets.
fn outside_strings(text: &str) -> impl Iterator<Item = (char, usize)> + '_ {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    text.char_indices().filter_map(move |(at, c)| {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            return None;
        }
        if matches!(c, '"' | '\'' | '`') {
            quote = Some(c);
            return None;
        }
        Some((c, at))
    })
}

/// Split `A, B` at the comma outside brackets and strings.
fn two_arguments<'a>(text: &'a str, function: &str) -> Result<[&'a str; 2], String> {
    let mut depth = 0i32;
    let mut commas = Vec::new();
    for (c, at) in outside_strings(text) {
        match c {
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' => depth -= 1,
            ',' if depth == 0 => commas.push(at),
            _ => {}
        }
    }
    match commas.as_slice() {
        [at] => {
            let (a, b) = (text[..*at].trim(), text[at + 1..].trim());
            if a.is_empty() || b.is_empty() {
                Err(format!("{function}(...) needs two non-empty arguments"))
            } else {
                Ok([a, b])
            }
        }
        _ => Err(format!(
            "{function}(...) takes two arguments separated by a comma, not {}",
            commas.len() + 1
        )),
    }
}

impl ScrapeQuery {
    pub fn parse(text: &str) -> Result<ScrapeQuery, String> {
        if let Some(arguments) = call(text, "ratio") {
            let [a, b] = two_arguments(arguments, "ratio")?;
            return Ok(ScrapeQuery::Ratio(Selector::parse(a)?, Selector::parse(b)?));
        }
        if let Some(arguments) = call(text, "histogram_quantile") {
            let [q, selector] = two_arguments(arguments, "histogram_quantile")?;
            let quantile = q
                .parse::<f64>()
                .ok()
                .filter(|q| (0.0..=1.0).contains(q))
                .ok_or_else(|| {
                    format!("histogram_quantile's {q:?} is not a quantile between 0 and 1")
                })?;
            let mut selector = Selector::parse(selector)?;
            if let Some(base) = selector.name.strip_suffix("_bucket") {
                selector.name = base.to_owned();
            }
            return Ok(ScrapeQuery::Quantile(quantile, selector));
        }
        for (name, make) in [
            ("sum", ScrapeQuery::Sum as fn(Selector) -> ScrapeQuery),
            ("rate", ScrapeQuery::Rate),
            ("mean", ScrapeQuery::Mean),
        ] {
            if let Some(argument) = call(text, name) {
                return Ok(make(Selector::parse(argument)?));
            }
        }
        if outside_strings(text).any(|(c, _)| c == '(') {
            return Err(format!(
                "{:?} is not a scrape query: use a selector, sum(), rate(), ratio(), histogram_quantile() or mean() (sentinel-watch(1), ANALYSIS)",
                text
            ));
        }
        Ok(ScrapeQuery::Sum(Selector::parse(text)?))
    }
}

impl Selector {
    pub fn parse(text: &str) -> Result<Selector, String> {
        let text = text.trim();
        let name_end = text
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(text.len());
        let name = &text[..name_end];
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!("{text:?} does not start with a metric name"));
        }
        let rest = text[name_end..].trim();
        let mut matchers = Vec::new();
        if !rest.is_empty() {
            let inner = rest
                .strip_prefix('{')
                .and_then(|r| r.strip_suffix('}'))
                .ok_or_else(|| format!("{text:?}: label matchers go in {{...}} after the name"))?;
            let mut text = inner.trim();
            while !text.is_empty() {
                if let Some(after) = text.strip_prefix(',') {
                    text = after.trim_start();
                    continue;
                }
                let (matcher, after) = parse_matcher(text)?;
                matchers.push(matcher);
                text = after.trim_start();
            }
        }
        Ok(Selector {
            name: name.to_owned(),
            matchers,
        })
    }

    fn accepts(&self, name: &str, labels: &[(String, String)]) -> bool {
        name == self.name
            && self.matchers.iter().all(|m| {
                let value = labels
                    .iter()
                    .find(|(k, _)| *k == m.label)
                    .map_or("", |(_, v)| v.as_str());
                m.accepts(value)
            })
    }

    /// This selector, for the series `suffix` (`_bucket`, `_sum`, `_count`) of its family.
    fn with_suffix(&self, suffix: &str) -> Selector {
        Selector {
            name: format!("{}{suffix}", self.name),
            matchers: self.matchers.clone(),
        }
    }
}

fn parse_matcher(text: &str) -> Result<(Matcher, &str), String> {
    let label_end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    let label = &text[..label_end];
    if label.is_empty() {
        return Err(format!("expected a label name at {:?}", text));
    }
    let rest = text[label_end..].trim_start();
    let (op, rest) = ["=~", "!~", "!=", "="]
        .into_iter()
        .find_map(|op| rest.strip_prefix(op).map(|r| (op, r.trim_start())))
        .ok_or_else(|| format!("label {label} needs =, !=, =~ or !~"))?;
    let quote = rest
        .chars()
        .next()
        .filter(|c| *c == '"' || *c == '\'')
        .ok_or_else(|| format!("label {label}'s value must be quoted"))?;
    let mut value = String::new();
    let mut chars = rest[1..].char_indices();
    let end = loop {
        match chars.next() {
            None => return Err(format!("label {label}'s value is not closed")),
            Some((at, c)) if c == quote => break at + 1,
            Some((_, '\\')) => match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, c)) => value.push(c),
                None => return Err(format!("label {label}'s value is not closed")),
            },
            Some((_, c)) => value.push(c),
        }
    };
    let regex = |pattern: &str| {
        Regex::new(&format!("^(?:{pattern})$"))
            .map_err(|e| format!("label {label}'s regular expression {pattern:?}: {e}"))
    };
    let test = match op {
        "=" => MatchTest::Equal(value),
        "!=" => MatchTest::NotEqual(value),
        "=~" => MatchTest::Matches(regex(&value)?),
        _ => MatchTest::DoesNotMatch(regex(&value)?),
    };
    Ok((
        Matcher {
            label: label.to_owned(),
            test,
        },
        &rest[1 + end..],
    ))
}

/// What one reading of a query gave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    pub value: f64,
    /// For a `ratio()`: numerator and denominator, the counts a proportion test weighs.
    pub counts: Option<(f64, f64)>,
}

/// The scrapes of a cohort's endpoints at one moment, in the order of its URLs.
pub type CohortScrape = [Exposition];

impl ScrapeQuery {
    /// Read the query over the interval between two scrapes of the same endpoints,
    /// `seconds` apart. An error says why there is no reading.
    pub fn evaluate(
        &self,
        before: &CohortScrape,
        after: &CohortScrape,
        seconds: f64,
    ) -> Result<Reading, String> {
        let plain = |value| Reading {
            value,
            counts: None,
        };
        match self {
            ScrapeQuery::Sum(selector) => total(selector, before, after).map(plain),
            ScrapeQuery::Rate(selector) => {
                if seconds <= 0.0 {
                    return Err("no time passed between the two readings".into());
                }
                total(selector, before, after).map(|t| plain(t / seconds))
            }
            ScrapeQuery::Ratio(numerator, denominator) => {
                let bottom = total(denominator, before, after)?;
                // A numerator with no series at all is 0 of `bottom` (no 5xx yet): Prometheus
                // clients create a labelled series at its first increment. But only when
                // every label it matches on exists: a misspelt label would read 0 for ever,
                // and pass every canary.
                let top = match total(numerator, before, after) {
                    Ok(top) => top,
                    // Only "no series matches" is a zero: a broken series stays an error.
                    Err(_)
                        if numerator.name == denominator.name
                            && !after.iter().any(|scrape| {
                                scrape
                                    .samples
                                    .iter()
                                    .any(|s| numerator.accepts(&s.name, &s.labels))
                            }) =>
                    {
                        labels_exist(numerator, after)?;
                        0.0
                    }
                    Err(e) => return Err(e),
                };
                if bottom <= 0.0 {
                    return Err(format!(
                        "{} did not increase in the interval (no traffic), so the ratio has no value",
                        denominator.name
                    ));
                }
                if top < 0.0 || top > bottom {
                    return Err(format!(
                        "the ratio's counts are not a proportion ({top} of {bottom}): the numerator must count a part of the denominator"
                    ));
                }
                Ok(Reading {
                    value: top / bottom,
                    counts: Some((top, bottom)),
                })
            }
            ScrapeQuery::Mean(selector) => {
                let sum = total(&selector.with_suffix("_sum"), before, after)?;
                let count = total(&selector.with_suffix("_count"), before, after)?;
                if count <= 0.0 {
                    return Err(format!(
                        "{}_count did not increase: nothing observed",
                        selector.name
                    ));
                }
                Ok(plain(sum / count))
            }
            ScrapeQuery::Quantile(q, selector) => quantile(*q, selector, before, after).map(plain),
        }
    }
}

/// Every label `selector` matches on is carried by some series of its metric.
fn labels_exist(selector: &Selector, after: &CohortScrape) -> Result<(), String> {
    for matcher in &selector.matchers {
        let carried = after.iter().any(|scrape| {
            scrape
                .samples
                .iter()
                .filter(|s| s.name == selector.name)
                .any(|s| s.label(&matcher.label).is_some())
        });
        if !carried {
            return Err(format!(
                "no series of {} has the label {:?}, so {} can never match",
                selector.name,
                matcher.label,
                describe(selector)
            ));
        }
    }
    Ok(())
}

/// The series key that pairs a sample with the same series in an earlier scrape.
fn series_key(endpoint: usize, name: &str, labels: &[(String, String)]) -> (usize, String) {
    let mut sorted: Vec<_> = labels.iter().collect();
    sorted.sort();
    let mut key = name.to_owned();
    for (k, v) in sorted {
        key.push('\u{1f}');
        key.push_str(k);
        key.push('\u{1e}');
        key.push_str(v);
    }
    (endpoint, key)
}

/// A series' labels and its reading.
type SeriesReading<'a> = (&'a [(String, String)], f64);

/// Every matching series of `after`, with its reading: the increase since `before` for a
/// series that counts up, else its value.
fn readings<'a>(
    selector: &'a Selector,
    before: &'a CohortScrape,
    after: &'a CohortScrape,
) -> Result<Vec<SeriesReading<'a>>, String> {
    let mut earlier: HashMap<(usize, String), f64> = HashMap::new();
    for (endpoint, scrape) in before.iter().enumerate() {
        for sample in scrape.samples.iter().filter(|s| s.name == selector.name) {
            earlier.insert(
                series_key(endpoint, &sample.name, &sample.labels),
                sample.value,
            );
        }
    }
    let mut found = Vec::new();
    for (endpoint, scrape) in after.iter().enumerate() {
        let counts_up = scrape.counts_up(&selector.name);
        let mut seen = std::collections::HashSet::new();
        for sample in &scrape.samples {
            if !selector.accepts(&sample.name, &sample.labels) {
                continue;
            }
            // One endpoint writing a series twice, or a counter below zero, is a broken
            // exposition: adding it up would invent traffic or errors.
            if !seen.insert(series_key(endpoint, &sample.name, &sample.labels)) {
                return Err(format!(
                    "endpoint {} writes the series {} twice",
                    endpoint + 1,
                    describe(selector)
                ));
            }
            if counts_up && sample.value < 0.0 {
                return Err(format!(
                    "the counter {} is negative ({}), which no counter can be",
                    sample.name, sample.value
                ));
            }
            let reading = if counts_up {
                match earlier.get(&series_key(endpoint, &sample.name, &sample.labels)) {
                    Some(&was) if sample.value >= was => sample.value - was,
                    // Reset (the process restarted) or new since: all of it is new.
                    _ => sample.value,
                }
            } else {
                sample.value
            };
            found.push((sample.labels.as_slice(), reading));
        }
    }
    if found.is_empty() {
        return Err(format!("no series matches {}", describe(selector)));
    }
    Ok(found)
}

fn total(selector: &Selector, before: &CohortScrape, after: &CohortScrape) -> Result<f64, String> {
    let sum: f64 = readings(selector, before, after)?
        .into_iter()
        .map(|(_, v)| v)
        .sum();
    if sum.is_finite() {
        Ok(sum)
    } else {
        Err(format!(
            "{} is not a finite number ({sum})",
            describe(selector)
        ))
    }
}

/// Prometheus's `histogram_quantile` over the buckets' increases, all matching series added
/// per bound: linear interpolation inside the bucket the rank falls in; the highest finite
/// bound when it falls in the +Inf bucket.
fn quantile(
    q: f64,
    selector: &Selector,
    before: &CohortScrape,
    after: &CohortScrape,
) -> Result<f64, String> {
    let buckets = selector.with_suffix("_bucket");
    let mut by_bound: BTreeMap<OrderedBound, f64> = BTreeMap::new();
    for (labels, increase) in readings(&buckets, before, after)? {
        let bound = labels
            .iter()
            .find(|(k, _)| k == "le")
            .and_then(|(_, v)| parse_value(v))
            .filter(|b| !b.is_nan())
            .ok_or_else(|| format!("a series of {} has no numeric le label", buckets.name))?;
        *by_bound.entry(OrderedBound(bound)).or_default() += increase;
    }
    let Some((last, _)) = by_bound.iter().next_back() else {
        return Err(format!("no series matches {}", describe(&buckets)));
    };
    if last.0 != f64::INFINITY {
        return Err(format!("{} has no le=\"+Inf\" bucket", buckets.name));
    }
    // As Prometheus: fewer than two buckets say nothing about where the values lie (NaN).
    if by_bound.len() < 2 {
        return Err(format!(
            "{} has only the +Inf bucket, which says nothing about the quantile",
            buckets.name
        ));
    }
    // Buckets are cumulative; a scrape taken mid-update can make them dip: keep them rising.
    let mut cumulative = Vec::with_capacity(by_bound.len());
    let mut highest = 0.0f64;
    for (bound, count) in &by_bound {
        highest = highest.max(*count);
        cumulative.push((bound.0, highest));
    }
    let observations = highest;
    if observations <= 0.0 {
        return Err(format!(
            "{} observed nothing in the interval",
            selector.name
        ));
    }
    let rank = q * observations;
    let index = cumulative
        .iter()
        .position(|(_, count)| *count >= rank)
        .unwrap_or(cumulative.len() - 1);
    let (upper, count) = cumulative[index];
    if upper == f64::INFINITY {
        return Ok(if index == 0 {
            0.0
        } else {
            cumulative[index - 1].0
        });
    }
    let (lower, below) = if index == 0 {
        (0.0f64.min(upper), 0.0)
    } else {
        cumulative[index - 1]
    };
    let in_bucket = count - below;
    if in_bucket <= 0.0 {
        return Ok(upper);
    }
    Ok(lower + (upper - lower) * (rank - below) / in_bucket)
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct OrderedBound(f64);
impl Eq for OrderedBound {}
impl PartialOrd for OrderedBound {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrderedBound {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

fn describe(selector: &Selector) -> String {
    if selector.matchers.is_empty() {
        return selector.name.clone();
    }
    let matchers: Vec<String> = selector
        .matchers
        .iter()
        .map(|m| match &m.test {
            MatchTest::Equal(v) => format!("{}={v:?}", m.label),
            MatchTest::NotEqual(v) => format!("{}!={v:?}", m.label),
            MatchTest::Matches(re) => format!("{}=~{:?}", m.label, strip_anchors(re)),
            MatchTest::DoesNotMatch(re) => format!("{}!~{:?}", m.label, strip_anchors(re)),
        })
        .collect();
    format!("{}{{{}}}", selector.name, matchers.join(","))
}

fn strip_anchors(re: &Regex) -> &str {
    let text = re.as_str();
    text.strip_prefix("^(?:")
        .and_then(|t| t.strip_suffix(")$"))
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrape(text: &str) -> Exposition {
        Exposition::parse(text).unwrap()
    }

    const BEFORE: &str = r#"# TYPE http_requests_total counter
http_requests_total{code="200",version="2.0.0"} 1000
http_requests_total{code="500",version="2.0.0"} 10
http_requests_total{code="200",version="1.0.0"} 500
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.01"} 100
latency_seconds_bucket{le="0.1"} 100
latency_seconds_bucket{le="+Inf"} 100
latency_seconds_sum 0.5
latency_seconds_count 100
"#;
    const AFTER: &str = r#"# TYPE http_requests_total counter
http_requests_total{code="200",version="2.0.0"} 1190
http_requests_total{code="500",version="2.0.0"} 20
http_requests_total{code="200",version="1.0.0"} 700
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.01"} 150
latency_seconds_bucket{le="0.1"} 200
latency_seconds_bucket{le="+Inf"} 200
latency_seconds_sum 3.0
latency_seconds_count 200
"#;

    fn read(query: &str) -> Result<Reading, String> {
        let Query::Scrape(q) = Query::parse(query, true).unwrap() else {
            unreachable!()
        };
        q.evaluate(&[scrape(BEFORE)], &[scrape(AFTER)], 10.0)
    }

    #[test]
    fn ratio_reads_increases_and_keeps_the_counts() {
        let errors = read(
            r#"ratio(http_requests_total{code=~"5..",version="2.0.0"}, http_requests_total{version="2.0.0",})"#,
        )
        .unwrap();
        assert_eq!(errors.counts, Some((10.0, 200.0)));
        assert_eq!(errors.value, 0.05);
        // No 5xx series for 1.0.0 at all: 0 errors of its 200 requests.
        let none = read(r#"ratio(http_requests_total{code=~"5..",version="1.0.0"}, http_requests_total{version="1.0.0"})"#)
            .unwrap();
        assert_eq!(none.counts, Some((0.0, 200.0)));
    }

    #[test]
    fn sum_rate_mean_and_quantiles() {
        assert_eq!(read("http_requests_total").unwrap().value, 400.0);
        assert_eq!(
            read("sum(http_requests_total{version!=\"2.0.0\"})")
                .unwrap()
                .value,
            200.0
        );
        assert_eq!(read("rate(http_requests_total)").unwrap().value, 40.0);
        assert_eq!(read("mean(latency_seconds)").unwrap().value, 0.025);
        // 100 new observations: 50 at ≤ 0.01, 50 in (0.01, 0.1].
        let p50 = read("histogram_quantile(0.5, latency_seconds)")
            .unwrap()
            .value;
        assert!((p50 - 0.01).abs() < 1e-12, "{p50}");
        let p95 = read("histogram_quantile(0.95, latency_seconds_bucket)")
            .unwrap()
            .value;
        assert!((p95 - (0.01 + 0.09 * 0.9)).abs() < 1e-12, "{p95}");
        let p0 = read("histogram_quantile(0, latency_seconds)")
            .unwrap()
            .value;
        assert_eq!(p0, 0.0);
    }

    #[test]
    fn a_reset_counter_counts_from_zero_and_missing_data_is_an_error() {
        let reset = scrape("# TYPE c counter\nc 5\n");
        let q = ScrapeQuery::parse("c").unwrap();
        let before = [scrape("# TYPE c counter\nc 100\n")];
        assert_eq!(q.evaluate(&before, &[reset], 1.0).unwrap().value, 5.0);
        let error = read("nothing_total").unwrap_err();
        assert!(error.contains("no series matches nothing_total"), "{error}");
        let idle =
            read(r#"ratio(http_requests_total{code="500"}, http_requests_total{version="9"})"#)
                .unwrap_err();
        assert!(
            idle.contains(r#"no series matches http_requests_total{version="9"}"#),
            "{idle}"
        );
        let misspelt =
            read(r#"ratio(http_requests_total{status=~"5.."}, http_requests_total)"#).unwrap_err();
        assert!(misspelt.contains("has the label \"status\""), "{misspelt}");
    }

    #[test]
    fn broken_expositions_are_refused_not_added_up() {
        let q = |text: &str| ScrapeQuery::parse(text).unwrap();
        let only_inf = [scrape(
            "# TYPE lat histogram\nlat_bucket{le=\"+Inf\"} 10\nlat_sum 50\nlat_count 10\n",
        )];
        let error = q("histogram_quantile(0.99, lat)")
            .evaluate(&[Exposition::default()], &only_inf, 1.0)
            .unwrap_err();
        assert!(error.contains("only the +Inf bucket"), "{error}");
        let negative = [scrape(
            "# TYPE c counter\nc{code=\"500\"} -5\nc{code=\"200\"} 10\n",
        )];
        let error = q("ratio(c{code=\"500\"}, c)")
            .evaluate(&[Exposition::default()], &negative, 1.0)
            .unwrap_err();
        assert!(error.contains("negative"), "{error}");
        let twice = [scrape("# TYPE c counter\nc 100\nc 0\n")];
        let error = q("rate(c)")
            .evaluate(&[Exposition::default()], &twice, 1.0)
            .unwrap_err();
        assert!(error.contains("twice"), "{error}");
        let more_errors_than_requests = [scrape("# TYPE a counter\na 10\n# TYPE b counter\nb 5\n")];
        let error = q("ratio(a, b)")
            .evaluate(&[Exposition::default()], &more_errors_than_requests, 1.0)
            .unwrap_err();
        assert!(error.contains("not a proportion"), "{error}");
    }

    #[test]
    fn prometheus_ratio_splits_at_the_top_level_comma() {
        let Query::PromRatio {
            numerator,
            denominator,
        } = Query::parse(
            r#"ratio(sum(increase(x{code=~"5..",a="b,c"}[1m])), sum(increase(x[1m])))"#,
            false,
        )
        .unwrap()
        else {
            panic!("not a ratio")
        };
        assert_eq!(numerator, r#"sum(increase(x{code=~"5..",a="b,c"}[1m]))"#);
        assert_eq!(denominator, "sum(increase(x[1m]))");
        assert!(matches!(
            Query::parse("ratio(a) / ratio(b)", false).unwrap(),
            Query::PromQl(_)
        ));
        assert!(Query::parse("ratio(a, b, c)", false).is_err());
    }

    #[test]
    fn scrape_queries_that_do_not_parse_say_why() {
        for (query, expected) in [
            ("", "empty"),
            ("avg(x)", "not a scrape query"),
            ("x{code=500}", "quoted"),
            ("x{code~\"5\"}", "needs ="),
            ("x{code=~\"(\"}", "regular expression"),
            ("histogram_quantile(1.5, x)", "quantile between 0 and 1"),
            ("ratio(x)", "two arguments"),
            ("9x", "metric name"),
        ] {
            let error = Query::parse(query, true).unwrap_err();
            assert!(error.contains(expected), "{query:?}: {error}");
        }
    }
}
