//! `sentinel-watch analyze`: observe metrics of real traffic over a window and judge the
//! canary, against absolute limits and against the baseline cohort (sentinel-watch(1),
//! ANALYSIS). It watches; it sends no load.
//!
//! The order of work: the plan (flags over config) and every query are checked first (exit
//! 2), then one reading proves the source answers (exit 4), then the window runs: a sample
//! every interval, stopping early once a check has failed beyond `--failure-limit`. The
//! verdict is one `analysis.result` with every sample it rests on.

pub mod exposition;
pub mod judge;
pub mod query;
pub mod settings;
pub mod source;
pub mod stats;

use crate::cli::AnalyzeArgs;
use judge::{Limits, MetricRecord, Observed};
use query::{Query, Reading, ScrapeQuery};
use sentinel_core::clock::{now_rfc3339, rfc3339_millis};
use sentinel_core::config::{self, ConfigArgs};
use sentinel_core::events::{AnalysisResult, Event, Payload, Verdict};
use sentinel_core::ndjson::{Line, Writer};
use sentinel_core::output::Logger;
use sentinel_core::redact::redact_url;
use sentinel_core::stream::pump;
use sentinel_core::versions::{VersionSource, check_version};
use sentinel_core::{Error, Exit, Result, signals};
use settings::{Cohort, Plan, SourceKind};
use source::{Prometheus, ReadError, Scrape, Scraper};
use std::io::Write;
use std::time::{Duration, Instant, SystemTime};

/// What one analysis is about: the values its placeholders take.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub version: Option<String>,
    pub stage: Option<String>,
    /// Regions joined by `|`, for a regular-expression matcher.
    pub region: Option<String>,
    pub rollout_id: Option<String>,
    /// The endpoints of the stage the event names, scraped when no URLs are given.
    pub endpoints: Vec<String>,
    /// The event's trafficPercent: at 100 no baseline cohort is left.
    pub traffic_percent: Option<u32>,
}

/// Retries of a reading before the window (then: exit 4).
const START_RETRIES: u32 = 3;
/// Retries of one sample's reading; the next sample's time bounds them too.
const SAMPLE_RETRIES: u32 = 2;

pub fn run<W: Write>(
    args: &AnalyzeArgs,
    config_args: &ConfigArgs,
    out: &mut Writer<W>,
    logger: &Logger,
) -> Result<Exit> {
    let loaded = config::load_here(config_args)?;
    if args.if_configured && loaded.config.analysis.is_none() && args.metrics.is_empty() {
        logger.info(
            "no analysis is configured (no analysis section, no --metric): nothing to analyse",
        );
        if !args.on.is_empty() {
            pump(
                std::io::stdin().lock(),
                "standard input",
                out,
                &args.stream,
                logger,
                |_, _| Ok(()),
            )?;
        }
        return Ok(Exit::Success);
    }
    let plan = Plan::new(args, loaded.config.analysis.as_ref(), &|name| {
        std::env::var(name).ok()
    })?;
    let flags = Context {
        version: args
            .artifact_version
            .clone()
            .map(|v| check_version(&v, VersionSource::Flag).map(|()| v))
            .transpose()?,
        stage: args.stage.clone(),
        region: args.region.clone(),
        rollout_id: args.rollout_id.clone(),
        endpoints: Vec::new(),
        traffic_percent: None,
    };
    if args.on.is_empty() {
        // One unit of work: a signal waits for the (early-ended) analysis to be written.
        return signals::working(|| {
            let result = analyze(&plan, &flags, logger)?;
            let verdict = result.verdict;
            out.emit(&Event::new(
                "sentinel-watch",
                flags.rollout_id.as_deref(),
                Payload::AnalysisResult(Box::new(result)),
            ))?;
            Ok(exit_for(verdict))
        });
    }
    // Pipeline mode: the version comes from the stream's rollout.triggered, unless a flag
    // or the config names it.
    let mut version = flags
        .version
        .clone()
        .or_else(|| loaded.config.artifact_version().map(|(v, _)| v));
    let mut worst: Option<Verdict> = None;
    pump(
        std::io::stdin().lock(),
        "standard input",
        out,
        &args.stream,
        logger,
        |line, out| {
            if line.kind() == Some("rollout.triggered") && flags.version.is_none() {
                if let Some(v) = line.object.get("artifactVersion").and_then(|v| v.as_str()) {
                    check_version(v, VersionSource::Provider)?;
                    version = Some(v.to_owned());
                }
            }
            if !line
                .kind()
                .is_some_and(|k| args.on.iter().any(|on| on == k))
            {
                return Ok(());
            }
            let context = event_context(line, &flags, version.clone());
            let result = analyze(&plan, &context, logger)?;
            worst = Some(worse(worst, result.verdict));
            out.emit(&Event::new(
                "sentinel-watch",
                context.rollout_id.as_deref(),
                Payload::AnalysisResult(Box::new(result)),
            ))?;
            Ok(())
        },
    )?;
    Ok(worst.map_or(Exit::Success, exit_for))
}

fn exit_for(verdict: Verdict) -> Exit {
    match verdict {
        Verdict::Passed => Exit::Success,
        Verdict::Failed => Exit::CheckFailed,
        Verdict::Inconclusive => Exit::Inconclusive,
    }
}

/// Failed over inconclusive over passed.
fn worse(so_far: Option<Verdict>, next: Verdict) -> Verdict {
    let rank = |v: Verdict| match v {
        Verdict::Passed => 0,
        Verdict::Inconclusive => 1,
        Verdict::Failed => 2,
    };
    match so_far {
        Some(v) if rank(v) >= rank(next) => v,
        _ => next,
    }
}

/// An event's values for the placeholders; flags win over the event.
fn event_context(line: &Line, flags: &Context, version: Option<String>) -> Context {
    let text = |field: &str| {
        line.object
            .get(field)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let regions = line.strings("regions");
    let endpoints = line.strings("endpoints");
    Context {
        version: flags.version.clone().or(version),
        stage: flags.stage.clone().or_else(|| text("stage")),
        region: flags
            .region
            .clone()
            .or_else(|| (!regions.is_empty()).then(|| regions.join("|"))),
        rollout_id: flags
            .rollout_id
            .clone()
            .or_else(|| line.rollout_id().map(str::to_owned)),
        endpoints,
        traffic_percent: line
            .object
            .get("trafficPercent")
            .and_then(|v| v.as_u64())
            .map(|p| p.min(100) as u32),
    }
}

/// A placeholder's value must not be able to change the query it goes into, nor what a
/// matcher selects: each part (a region of `{region}`'s `|`-joined list) is a name that
/// starts with a letter or digit, whose `.` `_` `+` `-` `:` each stand between letters or
/// digits. So no quote or brace leaves a string, and no `.+` or `.*` widens a `=~` matcher
/// to the whole fleet (a canary's errors would be diluted into a pass).
fn check_value(name: &str, value: &str) -> Result<()> {
    let part_is_a_name = |part: &str| {
        let bytes = part.as_bytes();
        !bytes.is_empty()
            && bytes[0].is_ascii_alphanumeric()
            && bytes.iter().enumerate().all(|(at, &b)| {
                b.is_ascii_alphanumeric()
                    || (b".-_+:".contains(&b)
                        && bytes.get(at + 1).is_some_and(u8::is_ascii_alphanumeric))
            })
    };
    let fine = value.len() <= 256 && value.split('|').all(part_is_a_name);
    if fine {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "the {name} {:?} cannot go into a query: each name must start with a letter or digit, and . _ + - : may only stand between letters or digits",
            sentinel_core::output::excerpt(value, 60)
        )))
    }
}

/// A duration as PromQL writes it: `30s`, `1500ms`.
fn promql_duration(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

/// The placeholders of one analysis. `{canary}` is the cohort slot: the canary's matchers in
/// the canary's reading, the baseline's in the baseline's, so one query serves both;
/// `{baseline}` is always the baseline's (for a query that compares inside PromQL).
struct Fill<'a> {
    context: &'a Context,
    interval: String,
    window: String,
}

impl Fill<'_> {
    fn fill(&self, template: &str, cohort: &str, baseline: &str) -> Result<String> {
        let mut text = template.to_owned();
        for (placeholder, value, name) in [
            ("{version}", self.context.version.as_deref(), "version"),
            ("{stage}", self.context.stage.as_deref(), "stage"),
            ("{region}", self.context.region.as_deref(), "region"),
        ] {
            if !text.contains(placeholder) {
                continue;
            }
            let value = value.ok_or_else(|| {
                Error::usage_with_hint(
                    format!(
                        "the query {template:?} uses {placeholder}, which nothing gives a value"
                    ),
                    format!(
                        "pass --{}, or run with --on after an event that carries it",
                        if name == "version" {
                            "artifact-version"
                        } else {
                            name
                        }
                    ),
                )
            })?;
            check_value(name, value)?;
            text = text.replace(placeholder, value);
        }
        Ok(text
            .replace("{interval}", &self.interval)
            .replace("{window}", &self.window)
            .replace("{canary}", cohort)
            .replace("{baseline}", baseline))
    }

    fn cohort_matchers(&self, cohort: Option<&Cohort>) -> Result<String> {
        match cohort {
            Some(Cohort::Selector(matchers)) => {
                // Matchers may use {version}, {stage} and {region} themselves.
                self.fill(matchers, "", "")
            }
            _ => Ok(String::new()),
        }
    }
}

/// A metric ready to read: its queries for each cohort.
struct Prepared {
    record: MetricRecord,
    canary: Query,
    baseline: Option<Query>,
}

fn parse(text: &str, scrape: bool, metric: &str) -> Result<Query> {
    Query::parse(text, scrape).map_err(|why| {
        Error::usage_with_hint(
            format!("metric {metric}: the query {text:?} does not parse: {why}"),
            "see sentinel-watch(1), ANALYSIS, for the query forms",
        )
    })
}

/// Where the readings come from in this analysis.
enum Reader {
    Prometheus(Prometheus),
    Scrape {
        scraper: Scraper,
        /// Each URL once; the cohorts index into it.
        urls: Vec<String>,
        canary: Vec<usize>,
        baseline: Vec<usize>,
        first: Option<Scrape>,
        last: Option<Scrape>,
    },
}

fn indices(urls: &mut Vec<String>, wanted: &[String]) -> Vec<usize> {
    wanted
        .iter()
        .map(|url| match urls.iter().position(|u| u == url) {
            Some(at) => at,
            None => {
                urls.push(url.clone());
                urls.len() - 1
            }
        })
        .collect()
}

fn scrape_urls(plan: &Plan, context: &Context) -> Result<Vec<String>> {
    let SourceKind::Scrape { urls } = &plan.source else {
        return Ok(Vec::new());
    };
    if !urls.is_empty() {
        return Ok(urls.clone());
    }
    // The event's endpoints, at their metrics path.
    context
        .endpoints
        .iter()
        .map(|endpoint| {
            let base = endpoint
                .find("://")
                .and_then(|scheme| {
                    endpoint[scheme + 3..]
                        .find('/')
                        .map(|path| scheme + 3 + path)
                })
                .map_or(endpoint.as_str(), |path| &endpoint[..path]);
            if base.starts_with("http://") || base.starts_with("https://") {
                Ok(format!("{base}{}", plan.metrics_path))
            } else {
                Err(Error::usage(format!(
                    "the event's endpoint {:?} is not an http(s) URL",
                    redact_url(endpoint)
                )))
            }
        })
        .collect()
}

impl Reader {
    fn targets(&self) -> Vec<String> {
        match self {
            Reader::Prometheus(p) => vec![p.shown()],
            Reader::Scrape { urls, .. } => urls.iter().map(|u| redact_url(u)).collect(),
        }
    }
}

fn cohort_view(scrape: &Scrape, indices: &[usize]) -> Vec<exposition::Exposition> {
    indices
        .iter()
        .map(|&i| scrape.endpoints[i].clone())
        .collect()
}

/// Run one analysis to its verdict.
pub fn analyze(plan: &Plan, context: &Context, logger: &Logger) -> Result<AnalysisResult> {
    let mut without_baseline = None;
    let compares = plan
        .metrics
        .iter()
        .any(|m| m.checks.iter().any(|c| c.against_baseline()));
    if compares && context.traffic_percent == Some(100) {
        let why = "the stage took 100% of traffic, so no baseline cohort is left: the checks against it were left out";
        logger.info(why);
        without_baseline = Some(why.to_owned());
        let plan = Plan {
            metrics: settings::without_comparisons(plan.metrics.clone())?,
            baseline: None,
            ..plan.clone()
        };
        let mut result = analyze(&plan, context, logger)?;
        result.without_baseline = without_baseline;
        return Ok(result);
    }
    let started = SystemTime::now();
    let clock_start = Instant::now();
    let fill = Fill {
        context,
        interval: promql_duration(plan.interval),
        window: promql_duration(plan.interval * plan.samples),
    };
    let scrape = matches!(plan.source, SourceKind::Scrape { .. });
    let canary_matchers = fill.cohort_matchers(plan.canary.as_ref())?;
    let baseline_matchers = fill.cohort_matchers(plan.baseline.as_ref())?;

    let mut prepared = Vec::new();
    for spec in &plan.metrics {
        let canary_text = fill.fill(&spec.template, &canary_matchers, &baseline_matchers)?;
        let compares = spec.checks.iter().any(|c| c.against_baseline());
        let baseline_text = compares
            .then(|| fill.fill(&spec.template, &baseline_matchers, &baseline_matchers))
            .transpose()?;
        let canary = parse(&canary_text, scrape, &spec.name)?;
        let baseline = baseline_text
            .as_deref()
            .map(|text| parse(text, scrape, &spec.name))
            .transpose()?;
        prepared.push(Prepared {
            record: MetricRecord {
                name: spec.name.clone(),
                query: canary_text.clone(),
                baseline_query: baseline_text,
                checks: spec.checks.clone(),
                ..Default::default()
            },
            canary,
            baseline,
        });
    }
    let traffic = plan
        .traffic
        .as_deref()
        .map(|template| {
            let text = fill.fill(template, &canary_matchers, &baseline_matchers)?;
            let query = parse(&text, scrape, "traffic (--traffic)")?;
            if scrape && !matches!(query, Query::Scrape(ScrapeQuery::Sum(_))) {
                return Err(Error::usage(format!(
                    "--traffic {text:?} must be a selector of a request counter, e.g. http_requests_total"
                )));
            }
            Ok((text, query))
        })
        .transpose()?;

    let mut reader = match &plan.source {
        SourceKind::Prometheus { address, auth } => {
            Reader::Prometheus(Prometheus::new(address, auth.clone(), plan.interval))
        }
        SourceKind::Scrape { .. } => {
            let fleet = scrape_urls(plan, context)?;
            let cohort_urls = |cohort: Option<&Cohort>| match cohort {
                Some(Cohort::Urls(urls)) => urls.clone(),
                _ => fleet.clone(),
            };
            let canary_urls = cohort_urls(plan.canary.as_ref());
            if canary_urls.is_empty() {
                return Err(Error::usage_with_hint(
                    "no /metrics URLs to scrape",
                    "pass --scrape URL,... (or --canary URL,...), or run with --on after events that carry endpoints",
                ));
            }
            let mut urls = Vec::new();
            let canary = indices(&mut urls, &canary_urls);
            let baseline = match plan.baseline.as_ref() {
                None => Vec::new(),
                Some(cohort) => indices(&mut urls, &cohort_urls(Some(cohort))),
            };
            Reader::Scrape {
                scraper: Scraper::new(plan.interval),
                urls,
                canary,
                baseline,
                first: None,
                last: None,
            }
        }
    };
    let targets = reader.targets();
    logger.info(&format!(
        "analysing{} over {} samples {} apart from {}",
        context
            .stage
            .as_deref()
            .map(|s| format!(" {s}"))
            .unwrap_or_default(),
        plan.samples,
        sentinel_core::clock::format_duration(plan.interval),
        targets.join(", ")
    ));

    // Before the window: every query must be accepted and the source must answer.
    let start_deadline = SystemTime::now() + Duration::from_secs(60);
    match &mut reader {
        Reader::Prometheus(prometheus) => {
            let mut queries: Vec<(&str, &str)> = Vec::new();
            let texts: Vec<(String, Vec<String>)> = prepared
                .iter()
                .map(|p| {
                    let mut all = query_texts(&p.canary);
                    if let Some(b) = &p.baseline {
                        all.extend(query_texts(b));
                    }
                    (p.record.name.clone(), all)
                })
                .chain(
                    traffic
                        .iter()
                        .map(|(_, q)| ("traffic".to_owned(), query_texts(q))),
                )
                .collect();
            for (name, all) in &texts {
                for text in all {
                    queries.push((name, text));
                }
            }
            for (name, text) in queries {
                match prometheus.instant(text, START_RETRIES, start_deadline) {
                    Ok(_) | Err(ReadError::NoValue(_)) => {}
                    Err(ReadError::Refused(why)) => {
                        return Err(Error::usage(format!(
                            "metric {name}: {why}; the query was {text:?}"
                        )));
                    }
                    Err(ReadError::Unreachable(why)) => {
                        return Err(Error::Unreachable {
                            service: format!("Prometheus at {}", prometheus.shown()),
                            attempts: START_RETRIES + 1,
                            source: why.into(),
                        });
                    }
                }
            }
        }
        Reader::Scrape {
            scraper,
            urls,
            first,
            last,
            ..
        } => {
            let taken = scraper
                .scrape(urls, START_RETRIES, start_deadline)
                .map_err(|e| match e {
                    ReadError::Unreachable(why) => Error::Unreachable {
                        service: "the metrics endpoint".into(),
                        attempts: START_RETRIES + 1,
                        source: why.into(),
                    },
                    other => Error::usage(other.message().to_owned()),
                })?;
            *first = Some(taken.clone());
            *last = Some(taken);
        }
    }

    let limits = Limits {
        samples: plan.samples,
        min_samples: plan.min_samples,
        failure_limit: plan.failure_limit,
    };
    let window_start = Instant::now();
    let mut stopped_early = false;
    let mut interrupted = false;
    for number in 1..=plan.samples {
        let due = window_start + plan.interval * number;
        if !sleep_until(due) {
            interrupted = true;
            stopped_early = true;
            break;
        }
        let deadline = SystemTime::now() + plan.interval.mul_f64(0.8);
        let timestamp = now_rfc3339();
        take_sample(&mut reader, &mut prepared, &timestamp, deadline);
        let summary: Vec<String> = prepared
            .iter()
            .map(|p| {
                let show = |o: Option<&Observed>| match o.map(|o| &o.reading) {
                    Some(Ok(r)) => sentinel_core::events::format_measurement(r.value),
                    Some(Err(_)) => "no value".into(),
                    None => "-".into(),
                };
                match p.baseline {
                    Some(_) => format!(
                        "{} {} (baseline {})",
                        p.record.name,
                        show(p.record.canary.last()),
                        show(p.record.baseline.last())
                    ),
                    None => format!("{} {}", p.record.name, show(p.record.canary.last())),
                }
            })
            .collect();
        logger.info(&format!(
            "sample {number}/{}: {}",
            plan.samples,
            summary.join(", ")
        ));
        for p in &prepared {
            if let Some(Observed {
                reading: Err(why), ..
            }) = p.record.canary.last()
            {
                logger.warn(&format!("sample {number}: {}: {why}", p.record.name));
            }
        }
        if number < plan.samples {
            if prepared
                .iter()
                .any(|p| p.record.failed_beyond_limit(limits))
            {
                logger.warn("a check failed beyond --failure-limit: stopping the analysis early");
                stopped_early = true;
                break;
            }
            if prepared
                .iter()
                .any(|p| p.record.cannot_reach_min_samples(limits, number))
            {
                logger.warn("too few usable samples are left to reach --min-samples: stopping the analysis early");
                stopped_early = true;
                break;
            }
        }
    }

    let traffic_seen = match (&traffic, plan.min_requests) {
        (None, _) | (_, 0) => None,
        (Some((_, query)), least) => Some(read_traffic(&reader, query).map(|n| (n, least))),
    };
    let metrics: Vec<_> = prepared
        .iter()
        .flat_map(|p| p.record.judge(limits))
        .collect();
    let (verdict, reason) = if interrupted {
        (
            Verdict::Inconclusive,
            "interrupted before the window ended, so nothing was judged".to_owned(),
        )
    } else {
        judge::overall(&metrics, traffic_seen.clone())
    };
    match verdict {
        Verdict::Passed => logger.info(&format!("analysis passed: {reason}")),
        Verdict::Failed => logger.error(&format!("analysis failed: {reason}")),
        Verdict::Inconclusive => logger.warn(&format!(
            "analysis inconclusive: {reason}; this is not a pass — decide, or analyse again"
        )),
    }
    Ok(AnalysisResult {
        stage: context.stage.clone().unwrap_or_default(),
        verdict,
        reason,
        started_at: rfc3339_millis(started),
        duration_ms: clock_start.elapsed().as_millis() as u64,
        provider: if scrape { "scrape" } else { "prometheus" }.into(),
        targets,
        version: context.version.clone(),
        interval_ms: plan.interval.as_millis() as u64,
        samples_requested: plan.samples,
        min_samples: plan.min_samples,
        canary_requests: traffic_seen.and_then(|t| t.ok()).map(|(n, _)| n),
        min_requests: plan.min_requests,
        failure_limit: plan.failure_limit,
        stopped_early,
        without_baseline,
        metrics,
    })
}

fn query_texts(query: &Query) -> Vec<String> {
    match query {
        Query::PromQl(text) => vec![text.clone()],
        Query::PromRatio {
            numerator,
            denominator,
        } => vec![numerator.clone(), denominator.clone()],
        Query::Scrape(_) => Vec::new(),
    }
}

/// Sleep until `due`, waking to notice a signal. False when interrupted.
fn sleep_until(due: Instant) -> bool {
    loop {
        if signals::interrupted() {
            return false;
        }
        let now = Instant::now();
        if now >= due {
            return true;
        }
        std::thread::sleep((due - now).min(Duration::from_millis(100)));
    }
}

fn take_sample(
    reader: &mut Reader,
    prepared: &mut [Prepared],
    timestamp: &str,
    deadline: SystemTime,
) {
    let observed = |reading: std::result::Result<Reading, String>| Observed {
        timestamp: timestamp.to_owned(),
        reading,
    };
    match reader {
        Reader::Prometheus(prometheus) => {
            for p in prepared.iter_mut() {
                let canary = prometheus
                    .read(&p.canary, SAMPLE_RETRIES, deadline)
                    .map_err(|e| e.message().to_owned());
                p.record.canary.push(observed(canary));
                if let Some(query) = &p.baseline {
                    let baseline = prometheus
                        .read(query, SAMPLE_RETRIES, deadline)
                        .map_err(|e| e.message().to_owned());
                    p.record.baseline.push(observed(baseline));
                }
            }
        }
        Reader::Scrape {
            scraper,
            urls,
            canary,
            baseline,
            last,
            ..
        } => {
            let now = scraper.scrape(urls, SAMPLE_RETRIES, deadline);
            let previous = last
                .clone()
                .expect("the first scrape is taken before the window");
            match now {
                Err(e) => {
                    // The interval's increase is unknown; the next sample reads from the
                    // last complete scrape, over the longer interval.
                    for p in prepared.iter_mut() {
                        p.record.canary.push(observed(Err(e.message().to_owned())));
                        if p.baseline.is_some() {
                            p.record
                                .baseline
                                .push(observed(Err(e.message().to_owned())));
                        }
                    }
                }
                Ok(now) => {
                    let seconds = now.at.duration_since(previous.at).as_secs_f64();
                    let (before_canary, after_canary) =
                        (cohort_view(&previous, canary), cohort_view(&now, canary));
                    let (before_baseline, after_baseline) = (
                        cohort_view(&previous, baseline),
                        cohort_view(&now, baseline),
                    );
                    for p in prepared.iter_mut() {
                        let Query::Scrape(q) = &p.canary else {
                            unreachable!()
                        };
                        p.record.canary.push(observed(q.evaluate(
                            &before_canary,
                            &after_canary,
                            seconds,
                        )));
                        if let Some(Query::Scrape(q)) = &p.baseline {
                            p.record.baseline.push(observed(q.evaluate(
                                &before_baseline,
                                &after_baseline,
                                seconds,
                            )));
                        }
                    }
                    *last = Some(now);
                }
            }
        }
    }
}

/// The canary's requests over the whole window.
fn read_traffic(reader: &Reader, query: &Query) -> std::result::Result<f64, String> {
    match (reader, query) {
        (Reader::Prometheus(prometheus), query) => {
            let deadline = SystemTime::now() + Duration::from_secs(10);
            prometheus
                .read(query, SAMPLE_RETRIES, deadline)
                .map(|r| r.value)
                .map_err(|e| e.message().to_owned())
        }
        (
            Reader::Scrape {
                first,
                last,
                canary,
                ..
            },
            Query::Scrape(q),
        ) => {
            let (Some(first), Some(last)) = (first, last) else {
                return Err("no scrape was taken".into());
            };
            if last.at == first.at {
                return Err(
                    "no scrape after the first one succeeded, so the window's traffic is unknown"
                        .into(),
                );
            }
            let seconds = last.at.duration_since(first.at).as_secs_f64();
            q.evaluate(
                &cohort_view(first, canary),
                &cohort_view(last, canary),
                seconds,
            )
            .map(|r| r.value)
        }
        (Reader::Scrape { .. }, _) => Err("the traffic query is not a scrape query".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_hostile_values_refused() {
        let context = Context {
            version: Some("1.2.0".into()),
            stage: Some("Canary".into()),
            region: Some("eastus|westus".into()),
            ..Default::default()
        };
        let fill = Fill {
            context: &context,
            interval: "30s".into(),
            window: "5m".into(),
        };
        assert_eq!(
            fill.fill(
                r#"rate(x{version="{version}",region=~"{region}",{canary}}[{interval}]) / rate(x{{baseline}}[{window}])"#,
                r#"track="canary""#,
                r#"track="stable""#
            )
            .unwrap(),
            r#"rate(x{version="1.2.0",region=~"eastus|westus",track="canary"}[30s]) / rate(x{track="stable"}[5m])"#
        );
        let hostile = Context {
            stage: Some(r#"x"} or vector(0) #"#.into()),
            ..Default::default()
        };
        let fill = Fill {
            context: &hostile,
            interval: "1s".into(),
            window: "1s".into(),
        };
        let error = fill.fill("x{stage=\"{stage}\"}", "", "").unwrap_err();
        assert_eq!(error.exit(), Exit::Usage);
        // Nothing that widens a regular-expression matcher gets through either.
        for region in [".+", "east|.*", "east|", "a..b", "-x", "a+"] {
            assert!(check_value("region", region).is_err(), "{region:?}");
        }
        for fine in [
            "eastus",
            "eastus|west-europe",
            "1.5.0+build.7",
            "prod-1",
            "20261123.4",
        ] {
            assert!(check_value("value", fine).is_ok(), "{fine:?}");
        }
        let missing = Fill {
            context: &Context::default(),
            interval: "1s".into(),
            window: "1s".into(),
        };
        assert!(
            missing
                .fill("x{version=\"{version}\"}", "", "")
                .unwrap_err()
                .to_string()
                .contains("{version}")
        );
    }

    #[test]
    fn durations_are_written_as_promql_reads_them() {
        assert_eq!(promql_duration(Duration::from_secs(30)), "30s");
        assert_eq!(promql_duration(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn verdicts_rank_failed_over_inconclusive_over_passed() {
        assert_eq!(worse(None, Verdict::Passed), Verdict::Passed);
        assert_eq!(
            worse(Some(Verdict::Failed), Verdict::Inconclusive),
            Verdict::Failed
        );
        assert_eq!(
            worse(Some(Verdict::Passed), Verdict::Inconclusive),
            Verdict::Inconclusive
        );
        assert_eq!(exit_for(Verdict::Inconclusive).code(), 6);
    }
}
