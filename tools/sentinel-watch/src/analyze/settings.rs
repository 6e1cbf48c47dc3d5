//! What an analysis reads and how it judges: flags over the config's `analysis` section,
//! validated before any window starts (a mistake here is exit 2, not an inconclusive verdict
//! ten minutes later).

use crate::cli::AnalyzeArgs;
use sentinel_core::clock::format_duration;
use sentinel_core::config::{AnalysisConfig, AnalysisMetricConfig, AnalysisProviderKind};
use sentinel_core::redact::Secret;
use sentinel_core::{Error, Result};
use std::time::Duration;

/// The traffic query when none is given: the canary's requests, as the sample service and
/// most HTTP instrumentation count them.
pub const DEFAULT_SCRAPE_TRAFFIC: &str = "http_requests_total{{canary}}";
pub const DEFAULT_PROMETHEUS_TRAFFIC: &str =
    "sum(increase(http_requests_total{{canary}}[{window}]))";

/// The shortest interval between samples: shorter is a busy loop against the server.
const MIN_INTERVAL: Duration = Duration::from_millis(100);
/// The most samples one analysis takes (a day at 30 s): every loop is bounded.
const MAX_SAMPLES: u32 = 2880;

#[derive(Debug, Clone)]
pub enum SourceKind {
    Prometheus {
        address: String,
        auth: Option<Secret>,
    },
    /// The URLs to scrape when a cohort is a label selector (the fleet); empty in pipeline
    /// mode means the event's endpoints.
    Scrape { urls: Vec<String> },
}

/// A cohort: label matchers that pick its series, or (with `--scrape`) its own URLs.
#[derive(Debug, Clone, PartialEq)]
pub enum Cohort {
    Selector(String),
    Urls(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Check {
    Max(f64),
    Min(f64),
    MaxRatio(f64),
    MinRatio(f64),
}

impl Check {
    pub fn limit(self) -> f64 {
        match self {
            Check::Max(v) | Check::Min(v) | Check::MaxRatio(v) | Check::MinRatio(v) => v,
        }
    }

    /// The name events and the man page use.
    pub fn comparison(self) -> &'static str {
        match self {
            Check::Max(_) => "max",
            Check::Min(_) => "min",
            Check::MaxRatio(_) => "max-ratio",
            Check::MinRatio(_) => "min-ratio",
        }
    }

    pub fn against_baseline(self) -> bool {
        matches!(self, Check::MaxRatio(_) | Check::MinRatio(_))
    }
}

#[derive(Debug, Clone)]
pub struct MetricSpec {
    pub name: String,
    /// The query with its placeholders.
    pub template: String,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub source: SourceKind,
    pub canary: Option<Cohort>,
    pub baseline: Option<Cohort>,
    pub metrics: Vec<MetricSpec>,
    /// `None` when `min_requests` is 0.
    pub traffic: Option<String>,
    pub interval: Duration,
    pub samples: u32,
    pub min_samples: u32,
    pub min_requests: u64,
    pub failure_limit: u32,
    /// The path scraped on an event's endpoints when no URLs are given.
    pub metrics_path: String,
}

impl Plan {
    pub fn new(
        args: &AnalyzeArgs,
        config: Option<&AnalysisConfig>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Plan> {
        let empty = AnalysisConfig::default();
        let config = config.unwrap_or(&empty);
        let kind = if args.prometheus.is_some() {
            AnalysisProviderKind::Prometheus
        } else if !args.scrape.is_empty() {
            AnalysisProviderKind::Scrape
        } else {
            config.provider.unwrap_or_else(|| {
                if config.address.is_some() {
                    AnalysisProviderKind::Prometheus
                } else {
                    AnalysisProviderKind::Scrape
                }
            })
        };
        let source = match kind {
            AnalysisProviderKind::Prometheus => {
                let address = args
                    .prometheus
                    .clone()
                    .or_else(|| config.address.clone())
                    .ok_or_else(|| {
                        Error::usage_with_hint(
                            "the analysis reads Prometheus, but no server is given",
                            "pass --prometheus http://HOST:9090, or set analysis.address in the config",
                        )
                    })?;
                check_url(&address, "--prometheus / analysis.address")?;
                let variable = args
                    .auth_header_env
                    .clone()
                    .or_else(|| config.auth_header_env.clone());
                let auth = match variable {
                    None => None,
                    Some(name) => Some(Secret::new(env(&name).filter(|v| !v.is_empty()).ok_or_else(
                        || {
                            Error::usage_with_hint(
                                format!("the Authorization header comes from ${name}, which is not set"),
                                format!("export {name}='Bearer <token>', or leave out --auth-header-env / analysis.authHeaderEnv"),
                            )
                        },
                    )?)),
                };
                SourceKind::Prometheus {
                    address: address.trim_end_matches('/').to_owned(),
                    auth,
                }
            }
            AnalysisProviderKind::Scrape => {
                let urls = if args.scrape.is_empty() {
                    config.scrape.clone()
                } else {
                    args.scrape.clone()
                };
                for url in &urls {
                    check_url(url, "--scrape / analysis.scrape")?;
                }
                SourceKind::Scrape { urls }
            }
        };
        let scrape = matches!(source, SourceKind::Scrape { .. });
        let cohort = |flag: &Option<String>, field: &Option<String>, name: &str| {
            flag.clone()
                .or_else(|| field.clone())
                .filter(|text| !text.trim().is_empty())
                .map(|text| parse_cohort(&text, scrape, name))
                .transpose()
        };
        let canary = cohort(&args.canary, &config.canary, "--canary")?;
        let baseline = cohort(&args.baseline, &config.baseline, "--baseline")?;

        let mut metrics = metrics(args, &config.metrics)?;
        if args.no_baseline {
            metrics = without_comparisons(metrics)?;
        }
        for metric in &metrics {
            let compares = metric.checks.iter().any(|c| c.against_baseline());
            if compares && baseline.is_none() {
                return Err(Error::usage_with_hint(
                    format!(
                        "metric {} is compared with the baseline (--max-ratio/--min-ratio), but no baseline cohort is given",
                        metric.name
                    ),
                    "pass --baseline (label matchers such as 'version!=\"{version}\"', or with --scrape the stable instances' URLs)",
                ));
            }
            let split_by_labels = !matches!(baseline, Some(Cohort::Urls(_)));
            if compares && split_by_labels && !metric.template.contains("{canary}") {
                return Err(Error::usage_with_hint(
                    format!(
                        "metric {}'s query has no {{canary}} placeholder, so the canary and the baseline would read the same series",
                        metric.name
                    ),
                    "put {canary} where the cohort's label matchers go, e.g. http_requests_total{{canary}}",
                ));
            }
        }

        let interval = args
            .interval
            .or(config.interval.map(|d| d.0))
            .unwrap_or(Duration::from_secs(30));
        if interval < MIN_INTERVAL {
            return Err(Error::usage(format!(
                "--interval {} is shorter than {}",
                format_duration(interval),
                format_duration(MIN_INTERVAL)
            )));
        }
        let samples = match (args.samples, args.duration) {
            (Some(n), _) => n,
            (None, Some(duration)) => (duration.as_secs_f64() / interval.as_secs_f64())
                .ceil()
                .max(1.0) as u32,
            (None, None) => config.samples.unwrap_or(10),
        };
        if samples == 0 || samples > MAX_SAMPLES {
            return Err(Error::usage(format!(
                "{samples} samples: take between 1 and {MAX_SAMPLES}"
            )));
        }
        let min_samples = args.min_samples.or(config.min_samples).unwrap_or(samples);
        if min_samples == 0 || min_samples > samples {
            return Err(Error::usage(format!(
                "--min-samples {min_samples} must be between 1 and the {samples} samples taken"
            )));
        }
        let min_requests = args.min_requests.or(config.min_requests).unwrap_or(1);
        let traffic = (min_requests > 0).then(|| {
            args.traffic
                .clone()
                .or_else(|| config.traffic.clone())
                .unwrap_or_else(|| {
                    if scrape {
                        DEFAULT_SCRAPE_TRAFFIC.to_owned()
                    } else {
                        DEFAULT_PROMETHEUS_TRAFFIC.to_owned()
                    }
                })
        });
        Ok(Plan {
            source,
            canary,
            baseline,
            metrics,
            traffic,
            interval,
            samples,
            min_samples,
            min_requests,
            failure_limit: args.failure_limit.or(config.failure_limit).unwrap_or(0),
            metrics_path: args.metrics_path.clone(),
        })
    }
}

fn check_url(url: &str, field: &str) -> Result<()> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "{field}: {:?} is not an http(s) URL",
            sentinel_core::redact::mask_url(url)
        )))
    }
}

fn parse_cohort(text: &str, scrape: bool, flag: &str) -> Result<Cohort> {
    let text = text.trim();
    if text.starts_with("http://") || text.starts_with("https://") {
        if !scrape {
            return Err(Error::usage_with_hint(
                format!("{flag} lists URLs, which only --scrape reads"),
                "with --prometheus a cohort is label matchers, e.g. --canary 'version=\"{version}\"'",
            ));
        }
        let urls: Vec<String> = text.split(',').map(|u| u.trim().to_owned()).collect();
        for url in &urls {
            check_url(url, flag)?;
        }
        return Ok(Cohort::Urls(urls));
    }
    let unfilled = ["{version}", "{stage}", "{region}"]
        .into_iter()
        .fold(text.to_owned(), |text, placeholder| {
            text.replace(placeholder, "")
        });
    if unfilled.contains(['{', '}']) {
        return Err(Error::usage_with_hint(
            format!("{flag} {text:?}: a cohort is label matchers without braces"),
            "e.g. --canary 'version=\"{version}\"' — the query's {canary} placeholder is where they go",
        ));
    }
    Ok(Cohort::Selector(text.to_owned()))
}

/// The metrics: the config's, each replaced or joined by `--metric NAME=QUERY`; then the
/// limit flags, each naming a metric.
fn metrics(args: &AnalyzeArgs, configured: &[AnalysisMetricConfig]) -> Result<Vec<MetricSpec>> {
    let mut metrics: Vec<MetricSpec> = Vec::new();
    for (index, metric) in configured.iter().enumerate() {
        check_name(&metric.name, &format!("analysis.metrics[{index}].name"))?;
        let mut checks = Vec::new();
        for (value, make, field) in [
            (metric.max, Check::Max as fn(f64) -> Check, "max"),
            (metric.min, Check::Min, "min"),
            (metric.max_ratio, Check::MaxRatio, "maxRatio"),
            (metric.min_ratio, Check::MinRatio, "minRatio"),
        ] {
            if let Some(value) = value {
                checks.push(make(check_limit(
                    value,
                    make(value),
                    &format!("analysis.metrics[{index}].{field}"),
                )?));
            }
        }
        metrics.push(MetricSpec {
            name: metric.name.clone(),
            template: metric.query.clone(),
            checks,
        });
    }
    for text in &args.metrics {
        let (name, query) = split_pair(text, "--metric", "NAME=QUERY")?;
        check_name(name, "--metric")?;
        match metrics.iter_mut().find(|m| m.name == name) {
            Some(existing) => existing.template = query.to_owned(),
            None => metrics.push(MetricSpec {
                name: name.to_owned(),
                template: query.to_owned(),
                checks: Vec::new(),
            }),
        }
    }
    for (flags, make, flag) in [
        (&args.max, Check::Max as fn(f64) -> Check, "--max"),
        (&args.min, Check::Min, "--min"),
        (&args.max_ratio, Check::MaxRatio, "--max-ratio"),
        (&args.min_ratio, Check::MinRatio, "--min-ratio"),
    ] {
        for text in flags {
            let (name, value) = split_pair(text, flag, "NAME=NUMBER")?;
            let value: f64 = value
                .parse()
                .map_err(|_| Error::usage(format!("{flag} {text:?}: {value:?} is not a number")))?;
            let check = make(check_limit(value, make(value), flag)?);
            let Some(metric) = metrics.iter_mut().find(|m| m.name == name) else {
                return Err(Error::usage_with_hint(
                    format!(
                        "{flag} {text:?} names metric {name:?}, which no --metric or analysis.metrics defines"
                    ),
                    "define it first: --metric 'NAME=QUERY'",
                ));
            };
            // A flag replaces the config's limit of the same comparison.
            metric
                .checks
                .retain(|c| c.comparison() != check.comparison());
            metric.checks.push(check);
        }
    }
    if metrics.is_empty() {
        return Err(Error::usage_with_hint(
            "the analysis has no metrics to read",
            "pass --metric 'NAME=QUERY' with --max/--min/--max-ratio NAME=LIMIT, or set analysis.metrics in the config",
        ));
    }
    for metric in &metrics {
        if metric.template.trim().is_empty() {
            return Err(Error::usage(format!(
                "metric {}'s query is empty",
                metric.name
            )));
        }
        if metric.checks.is_empty() {
            return Err(Error::usage_with_hint(
                format!(
                    "metric {} has no limit, so nothing would judge it",
                    metric.name
                ),
                format!(
                    "add --max {0}=LIMIT, --min {0}=LIMIT or --max-ratio {0}=R",
                    metric.name
                ),
            ));
        }
    }
    Ok(metrics)
}

/// The metrics with their checks against the baseline left out (and metrics left with no
/// check dropped); an error when nothing is left to judge.
pub fn without_comparisons(metrics: Vec<MetricSpec>) -> Result<Vec<MetricSpec>> {
    let left: Vec<MetricSpec> = metrics
        .into_iter()
        .filter_map(|mut metric| {
            metric.checks.retain(|c| !c.against_baseline());
            (!metric.checks.is_empty()).then_some(metric)
        })
        .collect();
    if left.is_empty() {
        return Err(Error::usage_with_hint(
            "every check compares with the baseline, and without a baseline nothing is left to judge",
            "add absolute limits (--max/--min NAME=LIMIT) for the phases with no stable cohort",
        ));
    }
    Ok(left)
}

fn split_pair<'a>(text: &'a str, flag: &str, shape: &str) -> Result<(&'a str, &'a str)> {
    text.split_once('=')
        .map(|(name, value)| (name.trim(), value.trim()))
        .filter(|(name, value)| !name.is_empty() && !value.is_empty())
        .ok_or_else(|| Error::usage(format!("{flag} {text:?} is not {shape}")))
}

fn check_name(name: &str, field: &str) -> Result<()> {
    let fine = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if fine {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "{field}: {name:?} is not a metric name (letters, digits, _ - ., at most 64)"
        )))
    }
}

fn check_limit(value: f64, check: Check, field: &str) -> Result<f64> {
    if !value.is_finite() || (check.against_baseline() && value <= 0.0) {
        return Err(Error::usage(format!(
            "{field}: {value} is not a usable {} limit{}",
            check.comparison(),
            if check.against_baseline() {
                " (a ratio above 0)"
            } else {
                ""
            }
        )));
    }
    Ok(value)
}
