//! From flags and the config to what a run needs: the request (headers, body, TLS), the load
//! plan, the endpoints that each get a result, and the limits those are judged by.

use crate::cli::{Cli, ThresholdArgs};
use crate::engine::Plan;
use crate::judge::{self, Limits};
use crate::monitor::Watch;
use crate::target::{self, RequestSpec, Target};
use crate::{MAX_ENDPOINTS, descriptors, tls};
use sentinel_core::config::{self, StressTestConfig};
use sentinel_core::events::{Event, Payload, StressTestResult, Thresholds};
use sentinel_core::input_file::{read_named, read_named_text};
use sentinel_core::output::Logger;
use sentinel_core::{Error, Result};
use std::time::Duration;

/// The largest files read whole: a targets file, a request body, a result to merge.
const MAX_TARGETS_BYTES: u64 = 16 << 20;
const MAX_BODY_BYTES: u64 = 64 << 20;
const MAX_RESULT_BYTES: u64 = 256 << 20;

/// A standalone run (URLs, `--targets`, or the config's endpoints), resolved.
pub(crate) struct Standalone {
    pub(crate) plan: Plan,
    pub(crate) endpoints: Vec<Endpoint>,
    pub(crate) judging: Judging,
    pub(crate) watch: Watch,
}

impl Standalone {
    /// Resolve the flags, falling back to the config's stressTestConfig where the run tests
    /// the config's endpoints: then its load and its limits apply, as in pipeline mode.
    pub(crate) fn resolve(cli: &Cli, logger: &Logger) -> Result<Standalone> {
        let spec = request_spec(cli)?;
        let configured = if cli.request.targets.is_none() && cli.urls.is_empty() {
            Some(configured_service(cli)?)
        } else {
            None
        };
        let mut targets = match &cli.request.targets {
            Some(path) => {
                let text = read_named_text(
                    path,
                    MAX_TARGETS_BYTES,
                    "a targets file is a line per request kind",
                    "--targets",
                )?;
                target::parse_targets_file(&text, &spec)?
            }
            None => configured
                .as_ref()
                .map_or(&cli.urls, |stress| &stress.endpoints)
                .iter()
                .map(|u| target::parse(&cli.request.method, u, &spec))
                .collect::<Result<_>>()?,
        };
        let endpoints = assign_slots(&mut targets, logger);
        let (requests, duration, concurrency) = match &configured {
            // The service from the config gets the configured load per endpoint, as pipeline
            // mode gives each stage endpoint: a workflow's baseline is then measured the way
            // its phases are, endpoint by endpoint.
            Some(stress) => {
                let each = targets.len() as u64;
                (
                    cli.load.requests.or(stress.requests.map(|n| n * each)),
                    cli.load.duration.or(stress.duration.map(|d| d.0)),
                    stress
                        .concurrency
                        .map_or(cli.load.concurrency as usize, |c| {
                            c as usize * targets.len()
                        }),
                )
            }
            None => (
                cli.load.requests,
                cli.load.duration,
                cli.load.concurrency as usize,
            ),
        };
        let concurrency = cover_every_endpoint(&targets, &endpoints, concurrency, logger);
        descriptors::ensure(concurrency)?;
        let judging = judging(
            &cli.thresholds,
            configured.as_ref().unwrap_or(&StressTestConfig::default()),
        )?;
        Ok(Standalone {
            plan: plan(cli, targets, requests, duration, concurrency),
            endpoints,
            judging,
            watch: watch(cli),
        })
    }
}

/// What one result reports on: an endpoint, or several counted together.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub(crate) label: String,
    pub(crate) method: String,
}

/// Give each distinct endpoint (method and URL) its own result slot, so several URLs give a
/// result each, judged each. Past [`MAX_ENDPOINTS`] (a vegeta-style targets file listing
/// many URLs, say) one combined result is kept instead: every slot holds its own histograms.
pub(crate) fn assign_slots(targets: &mut [Target], logger: &Logger) -> Vec<Endpoint> {
    let mut endpoints: Vec<Endpoint> = Vec::new();
    for target in targets.iter_mut() {
        target.slot = match endpoints
            .iter()
            .position(|e| e.label == target.shown_url && e.method == target.method)
        {
            Some(slot) => slot,
            None => {
                endpoints.push(Endpoint {
                    label: target.shown_url.clone(),
                    method: target.method.clone(),
                });
                endpoints.len() - 1
            }
        };
    }
    if endpoints.len() > MAX_ENDPOINTS {
        logger.info(&format!(
            "{} endpoints: reporting one combined result (a result per endpoint is kept for up to {MAX_ENDPOINTS})",
            endpoints.len()
        ));
        let labels: Vec<&str> = endpoints.iter().map(|e| e.label.as_str()).collect();
        let method = if endpoints.iter().all(|e| e.method == endpoints[0].method) {
            endpoints[0].method.clone()
        } else {
            "MIXED".to_owned()
        };
        for target in targets.iter_mut() {
            target.slot = 0;
        }
        return vec![Endpoint {
            label: judge::combined_label(&labels),
            method,
        }];
    }
    endpoints
}

/// Connections go to targets round-robin (connection i to target i mod N), so with fewer
/// connections than targets some endpoint could get no request at all, and fail for it. Raise
/// the connections to one per target line when that is reasonable (up to 100); beyond that,
/// say which endpoints will not be reached.
pub(crate) fn cover_every_endpoint(
    targets: &[Target],
    endpoints: &[Endpoint],
    concurrency: usize,
    logger: &Logger,
) -> usize {
    let reached = |connections: usize| -> Vec<bool> {
        let mut reached = vec![false; endpoints.len()];
        for target in targets.iter().take(connections.max(1)) {
            reached[target.slot] = true;
        }
        reached
    };
    if reached(concurrency).iter().all(|r| *r) {
        return concurrency;
    }
    if targets.len() <= 100 {
        logger.info(&format!(
            "-c {concurrency} is fewer connections than the {} targets: using {}, one for each",
            targets.len(),
            targets.len()
        ));
        return targets.len();
    }
    let missed: Vec<&str> = endpoints
        .iter()
        .zip(reached(concurrency))
        .filter(|(_, reached)| !reached)
        .map(|(e, _)| e.label.as_str())
        .collect();
    logger.warn(&format!(
        "with -c {concurrency}, no connection goes to {}: raise -c to {} to reach every target line",
        judge::combined_label(&missed),
        targets.len()
    ));
    concurrency
}

/// Without URLs: the config's stressTestConfig, whose endpoints are the whole service (what a
/// workflow's baseline and post-deployment verification load).
pub(crate) fn configured_service(cli: &Cli) -> Result<StressTestConfig> {
    let stress = config::load_here(&cli.config)?
        .config
        .stress_test_config
        .unwrap_or_default();
    if stress.endpoints.is_empty() {
        return Err(Error::usage_with_hint(
            "no URL to test",
            "pass one or more URLs, --targets FILE, --on KIND to test the endpoints of events on stdin, or list them in the config's stressTestConfig.endpoints",
        ));
    }
    Ok(stress)
}

pub(crate) fn watch(cli: &Cli) -> Watch {
    Watch {
        warmup: cli.load.warmup,
        abort_window: cli
            .thresholds
            .abort_on_breach
            .then_some(cli.thresholds.window),
    }
}

pub(crate) fn request_spec(cli: &Cli) -> Result<RequestSpec> {
    let mut headers = cli
        .request
        .headers
        .iter()
        .map(|h| target::parse_header(h))
        .collect::<Result<Vec<_>>>()?;
    if let Some(var) = &cli.request.bearer_token_env {
        let token = std::env::var(var).map_err(|_| {
            Error::usage(format!(
                "--bearer-token-env {var}: that environment variable is not set"
            ))
        })?;
        headers.push(("Authorization".into(), format!("Bearer {token}")));
    }
    let body = match (&cli.request.body, &cli.request.body_file) {
        (Some(text), _) => Some(text.clone().into_bytes()),
        (None, Some(path)) => Some(read_named(
            path,
            MAX_BODY_BYTES,
            "a request body is sent with every request",
            "--body-file",
        )?),
        (None, None) => None,
    };
    let tls = tls::TlsOptions {
        insecure: cli.request.insecure,
        ca_file: cli.request.cacert.clone(),
        ssl_cert_file: std::env::var_os("SSL_CERT_FILE").map(Into::into),
    };
    Ok(RequestSpec::new(
        headers,
        body,
        !cli.load.disable_keepalive,
        tls,
    ))
}

pub(crate) fn plan(
    cli: &Cli,
    targets: Vec<Target>,
    requests: Option<u64>,
    duration: Option<Duration>,
    concurrency: usize,
) -> Plan {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    Plan {
        targets,
        connections: concurrency.max(1),
        // The deployment default: 100 requests unless a count or a duration (or a ramp,
        // which has one) is given.
        requests: if duration.is_some() || cli.load.ramp.is_some() {
            requests
        } else {
            Some(requests.unwrap_or(100))
        },
        duration,
        timeout: cli.load.timeout,
        connect_timeout: cli
            .load
            .connect_timeout
            .unwrap_or(cli.load.timeout.min(Duration::from_secs(5))),
        rate: cli.load.rate,
        ramp: cli.load.ramp.clone().map(|ramp| ramp.0),
        http2_streams: cli.load.http2.then_some(cli.load.streams as usize),
        keepalive: !cli.load.disable_keepalive,
        threads,
        engine: cli.load.engine,
    }
}

/// The thresholds, and the baseline results to compare with.
#[derive(Debug, Clone)]
pub(crate) struct Judging {
    pub(crate) thresholds: Thresholds,
    baselines: Vec<StressTestResult>,
    /// For an endpoint the baseline file has no result of: its only result, or all of them
    /// merged (the service as a whole). Merged once, not per endpoint and stage.
    whole_service: Option<StressTestResult>,
}

impl Judging {
    /// The limits for one endpoint: the thresholds, and its own baseline result (the newest,
    /// when the file holds several runs), else the whole service's.
    pub(crate) fn limits_for(&self, endpoint: &str, method: &str) -> Limits {
        Limits {
            thresholds: self.thresholds.clone(),
            baseline: judge::own_baseline(&self.baselines, endpoint, method)
                .or(self.whole_service.as_ref())
                .cloned(),
        }
    }
}

/// The limits of `t` (flags) over the config's stressTestConfig, and the baseline they name.
pub(crate) fn judging(t: &ThresholdArgs, config: &StressTestConfig) -> Result<Judging> {
    let ms = |d: Option<Duration>| d.map(|d| d.as_secs_f64() * 1000.0);
    let baselines = match t.baseline.as_ref().or(config.baseline_file.as_ref()) {
        Some(path) => read_results(path)?,
        None => Vec::new(),
    };
    let has_baseline = !baselines.is_empty();
    let whole_service = match baselines.as_slice() {
        [] => None,
        [only] => Some(only.clone()),
        several => judge::merge(several, &Limits::default()).ok(),
    };
    Ok(Judging {
        thresholds: Thresholds {
            max_error_rate: t.max_error_rate.or(config.max_error_rate),
            max_p50_ms: ms(t.max_p50),
            max_p95_ms: ms(t.max_p95).or(config.max_p95_ms),
            max_p99_ms: ms(t.max_p99).or(config.max_p99_ms),
            max_avg_ms: ms(t.max_avg),
            min_rps: t.min_rps,
            min_achieved_rate_ratio: t.min_achieved_rate_ratio,
            max_latency_ratio: t
                .max_latency_ratio
                .or(config.max_latency_ratio.filter(|_| has_baseline)),
            max_error_rate_increase: t
                .max_error_rate_increase
                .or(config.max_error_rate_increase.filter(|_| has_baseline)),
        },
        baselines,
        whole_service,
    })
}

/// Read a result file: a StressTestResult JSON object, a JSON array of them (what
/// `--output json` writes for several endpoints), or NDJSON holding `stress.result` events.
pub(crate) fn read_results(path: &std::path::Path) -> Result<Vec<StressTestResult>> {
    let text = read_named_text(
        path,
        MAX_RESULT_BYTES,
        "a result is a few kB per endpoint",
        "result file",
    )?;
    let is_result = |r: &StressTestResult| !r.histogram.is_empty() || r.total_requests > 0;
    if let Ok(result) = serde_json::from_str::<StressTestResult>(&text) {
        if is_result(&result) {
            return Ok(vec![result]);
        }
    }
    if let Ok(results) = serde_json::from_str::<Vec<StressTestResult>>(&text) {
        if !results.is_empty() && results.iter().all(is_result) {
            return Ok(results);
        }
    }
    let results: Vec<StressTestResult> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(l).ok())
        .filter_map(|o| Event::from_json(&o))
        .filter_map(|e| match e.payload {
            Payload::StressResult(r) => Some(*r),
            _ => None,
        })
        .collect();
    if results.is_empty() {
        return Err(Error::usage(format!(
            "{} holds no stress result (a JSON result, a JSON array of results, or stress.result events)",
            path.display()
        )));
    }
    Ok(results)
}
