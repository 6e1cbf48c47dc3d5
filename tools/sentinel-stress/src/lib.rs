//! `sentinel-stress`: load-test HTTP endpoints and judge them against thresholds; standalone
//! or as the judge of each deployed stage in a pipeline.

pub mod cli;
pub mod descriptors;
pub mod engine;
pub mod judge;
pub mod report;
pub mod response;
pub mod target;
pub mod tls;

pub use cli::{Action, Cli, OutputFormat};
use engine::{Plan, Shared};
use judge::Limits;
use rayon::prelude::*;
use sentinel_core::config::{self, StressTestConfig};
use sentinel_core::events::{Event, Payload, StressTestResult, Thresholds};
use sentinel_core::ndjson::Writer;
use sentinel_core::output::{Logger, OutputArgs, progress_bar, stderr_is_terminal};
use sentinel_core::stream::pump;
use sentinel_core::{Error, Exit, Result, ToolCli};
use std::io::{IsTerminal, Write};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use target::{RequestSpec, Target};

/// What works in this build (the man page's STATUS section).
pub const STATUS: &str = "Works for http:// and https:// targets: the mio event-loop engine (closed model, or open \
model with -q/--rate and latency measured from the intended send time), keep-alive, TLS through rustls in the same \
loop (Mozilla roots bundled, plus --cacert and $SSL_CERT_FILE; -k/--insecure), --warmup, a result per endpoint \
(up to 10; more are reported combined), thresholds and baseline comparison (each endpoint against its own \
baseline result), --abort-on-breach (each --window judged on the error rate and the p50/p95/p99/average limits), \
text/json/ndjson/junit/markdown output, merge, pipeline mode with --on and --ready-timeout. Performance: see \
scripts/bench-stress.sh and the table in README.md. Not supported: HTTP/2 and HTTP/3 (ALPN offers http/1.1), \
HTTP proxies, redirects (a 3xx is counted as answered), client certificates. Responses are read as RFC 9112 \
says: a response to HEAD, and every 204 and 304, has no body whatever its headers say; 1xx interim responses \
(100 Continue, 103 Early Hints) are skipped and the final response counts once; up to 1024 headers are read; a \
head over 64 KiB, a Content-Length that is not a number, or two that differ, is an invalid response at once.";

/// Sections of the man page beyond the generated ones.
pub const MAN_SECTIONS: &[(&str, &str)] = &[
    (
        "RESULTS",
        "One result per endpoint (a distinct METHOD and URL): several URLs, or a --targets file, share the load \
(connections are spread round-robin over the target lines, at least one each for up to 100 lines, whatever -c \
says; the request budget is common) and each endpoint gets its own counts, \
percentiles and verdict. Up to 10 endpoints are reported apart; with more, one combined result is reported and \
stderr says so. --output ndjson writes one stress.result event per endpoint; json writes one object for one \
endpoint and an array for several; junit one testsuite per endpoint with a testcase per threshold; markdown and \
text a section each. The exit status is 1 when any endpoint failed. A run in which no request of an endpoint \
succeeded never passes, even without thresholds. Without URLs or --targets, the config's stressTestConfig.endpoints \
are tested, each with the configured load (requests and concurrency per endpoint, as in pipeline mode; -n, -z \
and -q, when given, are for the whole run).",
    ),
    (
        "ERROR CLASSES",
        "connect refused, connect timeout (--connect-timeout), timeout (--timeout, from the request's start), \
reset (closed or reset before a full response), invalid response (not HTTP/1.x), tls: ... (the TLS failure: \
'tls: invalid peer certificate: UnknownIssuer', 'tls: closed during the handshake' from a plain-HTTP port), \
http 4xx and http 5xx (answered; every status of 400 and above counts as failed). client: ... (too many open files, no local port free, out of socket buffers) are this machine's failures, not the service's: the results are still written, and the run exits 5 (invalid) instead of judging the service. At start the soft open-files limit is raised to the hard limit, and a -c that the hard limit cannot carry (one descriptor per connection, 64 kept for other uses) is refused with exit 2. -c 0, a zero, negative or NaN -q, -n 0, a zero --timeout/--connect-timeout/--duration/--window and limits that are not finite numbers in range are refused with exit 2 before anything is sent.",
    ),
    (
        "HTTPS",
        "https:// targets are spoken over rustls inside the same event loop as plain HTTP. Trusted: Mozilla's root \
certificates (bundled, so a bare container behaves as a laptop), the CA certificates of --cacert FILE and of \
$SSL_CERT_FILE (PEM). -k/--insecure skips the certificate check (the connection is encrypted but anyone could be \
answering). One TLS configuration serves every connection, so reconnects (--disable-keepalive) resume the session \
instead of a full handshake. Only HTTP/1.1 is offered by ALPN. In pipeline mode the readiness wait asks through \
the same engine, so it trusts what the run trusts.",
    ),
    (
        "BASELINES",
        "--baseline FILE takes a JSON result, a JSON array of results, or NDJSON with stress.result events (what \
this tool writes). Each endpoint is compared with the baseline result of the same URL and method (the newest, \
when the file holds several runs); when the file has none for it, with the file's only result, or else with all \
of its results merged (the service as a whole). --max-latency-ratio compares p95s; --max-error-rate-increase \
compares error rates in percentage points.",
    ),
    (
        "ABORTING EARLY",
        "--abort-on-breach judges every --window (default 5s) of the run by the error rate and the latency limits \
given (--max-error-rate, --max-p50, --max-p95, --max-p99, --max-avg), over the requests that finished in that \
window across all endpoints, and stops the load at the first window that breaches. Not judged per window: \
--min-rps and the baseline (they describe whole runs), and windows in which no request finished. The results \
then carry 'aborted after 2.1s: in the last 5s window, p99 812.0 ms is above the limit of 500 ms' as their first \
violation, and fail.",
    ),
    (
        "SEVERAL MACHINES",
        "Every result carries its latency histogram (HdrHistogram V2, compressed, base64), so results from many \
machines merge into exact combined percentiles, not an average of percentiles. Run the same test on each \
machine (CI matrix jobs, Kubernetes Jobs, ssh) with --output json or ndjson, collect the files, and run \
'sentinel-stress merge result-*.json --max-p99 300ms'. merge reads every result in every file, adds counts and \
histograms, sums requests/s (the runs overlap in time), and judges the sum by the thresholds given.",
    ),
];

/// At most this many endpoints of one event are tested.
pub const MAX_ENDPOINTS: usize = 10;

impl ToolCli for Cli {
    fn output_args(&self) -> &OutputArgs {
        &self.output_args
    }
}

/// Run the tool.
pub fn run(cli: Cli) -> Result<Exit> {
    let logger = Logger::for_tool("sentinel-stress", &cli.output_args);
    sentinel_core::signals::install(&logger)?;
    let mut out = Writer::new(std::io::stdout());
    cli.check()?;
    let t = &cli.thresholds;
    if t.abort_on_breach
        && t.max_error_rate.is_none()
        && [t.max_p50, t.max_p95, t.max_p99, t.max_avg]
            .iter()
            .all(Option::is_none)
    {
        return Err(Error::usage_with_hint(
            "--abort-on-breach needs a limit to judge each window by: --max-error-rate, --max-p50, --max-p95, --max-p99 or --max-avg",
            "for example: --abort-on-breach --window 5s --max-error-rate 1 --max-p99 500ms",
        ));
    }
    let format = cli.output.unwrap_or(if std::io::stdout().is_terminal() {
        OutputFormat::Text
    } else {
        OutputFormat::Ndjson
    });
    if let Some(Action::Merge { files, thresholds }) = &cli.action {
        thresholds.check()?;
        let mut results = Vec::new();
        for file in files {
            results.extend(read_results(file)?);
        }
        let judging = judging_by(thresholds, &StressTestConfig::default())?;
        let first = &results[0];
        let merged = judge::merge(
            &results,
            &judging.limits_for(&first.endpoint_url, &first.method),
        )?;
        return emit(&[merged], format, &mut out, &logger);
    }
    if !cli.on.is_empty() {
        return pipeline(&cli, &mut out, &logger);
    }
    let spec = request_spec(&cli)?;
    let configured = if cli.request.targets.is_none() && cli.urls.is_empty() {
        Some(configured_service(&cli)?)
    } else {
        None
    };
    let mut targets = match &cli.request.targets {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::io("reading targets file", path, e))?;
            target::parse_targets_file(&text, &spec)?
        }
        None => configured
            .as_ref()
            .map_or(&cli.urls, |stress| &stress.endpoints)
            .iter()
            .map(|u| target::parse(&cli.request.method, u, &spec))
            .collect::<Result<_>>()?,
    };
    let endpoints = assign_slots(&mut targets, &logger);
    let (requests, duration, concurrency) = match &configured {
        // The service from the config gets the configured load per endpoint, as pipeline
        // mode gives each stage endpoint: a workflow's baseline is then measured the way its
        // phases are, endpoint by endpoint.
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
    let concurrency = cover_every_endpoint(&targets, &endpoints, concurrency, &logger);
    descriptors::ensure(concurrency)?;
    let plan = plan(&cli, targets, requests, duration, concurrency);
    let judging = judging(&cli, &StressTestConfig::default())?;
    // A signal stops the load; the partial results are still written, then exit 130.
    let (results, exit) = sentinel_core::signals::working(|| -> Result<_> {
        let results = load_test(&plan, &endpoints, &judging, watch(&cli), &logger);
        let exit = emit(&results, format, &mut out, &logger)?;
        Ok((results, exit))
    })?;
    sentinel_core::signals::check()?;
    refuse_client_failures(&results)?;
    Ok(exit)
}

/// A run in which requests failed on this machine (out of descriptors or local ports)
/// measured the load generator, not the service: exit 5 instead of a verdict on it.
fn refuse_client_failures(results: &[StressTestResult]) -> Result<()> {
    let client: Vec<String> = results
        .iter()
        .flat_map(|r| &r.errors)
        .filter(|(class, _)| class.starts_with(engine::CLIENT_ERROR_PREFIX))
        .map(|(class, n)| format!("{n} × {class}"))
        .collect();
    if client.is_empty() {
        return Ok(());
    }
    Err(Error::Internal(format!(
        "the run is invalid: requests failed on this machine, not at the service ({}); lower -c or raise ulimit -n and run again",
        client.join(", ")
    )))
}

/// What one result reports on: an endpoint, or several counted together.
#[derive(Debug, Clone)]
struct Endpoint {
    label: String,
    method: String,
}

/// Give each distinct endpoint (method and URL) its own result slot, so several URLs give a
/// result each, judged each. Past [`MAX_ENDPOINTS`] (a vegeta-style targets file listing
/// many URLs, say) one combined result is kept instead: every slot holds its own histograms.
fn assign_slots(targets: &mut [Target], logger: &Logger) -> Vec<Endpoint> {
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
fn cover_every_endpoint(
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
fn configured_service(cli: &Cli) -> Result<StressTestConfig> {
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

fn watch(cli: &Cli) -> Watch {
    Watch {
        warmup: cli.load.warmup,
        abort_window: cli
            .thresholds
            .abort_on_breach
            .then_some(cli.thresholds.window),
    }
}

fn request_spec(cli: &Cli) -> Result<RequestSpec> {
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
        (None, Some(path)) => {
            Some(std::fs::read(path).map_err(|e| Error::io("reading body file", path, e))?)
        }
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

fn plan(
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
        // The deployment default: 100 requests unless a count or a duration is given.
        requests: if duration.is_some() {
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
        keepalive: !cli.load.disable_keepalive,
        threads,
    }
}

/// The thresholds, and the baseline results to compare with.
#[derive(Debug, Clone)]
struct Judging {
    thresholds: Thresholds,
    baselines: Vec<StressTestResult>,
    /// For an endpoint the baseline file has no result of: its only result, or all of them
    /// merged (the service as a whole). Merged once, not per endpoint and stage.
    whole_service: Option<StressTestResult>,
}

impl Judging {
    /// The limits for one endpoint: the thresholds, and its own baseline result (the newest,
    /// when the file holds several runs), else the whole service's.
    fn limits_for(&self, endpoint: &str, method: &str) -> Limits {
        Limits {
            thresholds: self.thresholds.clone(),
            baseline: judge::own_baseline(&self.baselines, endpoint, method)
                .or(self.whole_service.as_ref())
                .cloned(),
        }
    }
}

/// Limits from flags, falling back to the config's stressTestConfig.
fn judging(cli: &Cli, config: &StressTestConfig) -> Result<Judging> {
    judging_by(&cli.thresholds, config)
}

/// The limits of `t` over the config's, and the baseline they name.
fn judging_by(t: &cli::ThresholdArgs, config: &StressTestConfig) -> Result<Judging> {
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
pub fn read_results(path: &std::path::Path) -> Result<Vec<StressTestResult>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("reading result", path, e))?;
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

/// How a run is watched: a warm-up to discard first, and a window to abort on.
#[derive(Debug, Clone, Copy, Default)]
pub struct Watch {
    pub warmup: Option<Duration>,
    /// With `--abort-on-breach`: stop once a window breaches the error-rate or latency limits.
    pub abort_window: Option<Duration>,
}

/// The limits a single window is judged by: the error rate and the latency limits. Not the
/// request rate (a window's rate says little: the first one includes connecting) nor the
/// baseline (it compares whole runs).
fn window_limits(t: &Thresholds) -> Limits {
    Limits {
        thresholds: Thresholds {
            max_error_rate: t.max_error_rate,
            max_p50_ms: t.max_p50_ms,
            max_p95_ms: t.max_p95_ms,
            max_p99_ms: t.max_p99_ms,
            max_avg_ms: t.max_avg_ms,
            ..Thresholds::default()
        },
        baseline: None,
    }
}

/// Run one plan with a progress bar on a terminal, and judge each endpoint's result.
fn load_test(
    plan: &Plan,
    endpoints: &[Endpoint],
    judging: &Judging,
    watch: Watch,
    logger: &Logger,
) -> Vec<StressTestResult> {
    if let Some(warmup) = watch.warmup {
        // Same load for the warm-up's length; its measurements are thrown away.
        let warm = Plan {
            requests: None,
            duration: Some(warmup),
            ..plan.clone()
        };
        let measured = engine::run_combined(&warm, &Shared::default());
        logger.info(&format!(
            "warm-up: {} requests in {:?}, not counted",
            measured.total, warmup
        ));
    }
    let per_window = window_limits(&judging.thresholds);
    let w = &per_window.thresholds;
    let judges_latency = [w.max_p50_ms, w.max_p95_ms, w.max_p99_ms, w.max_avg_ms]
        .iter()
        .any(Option::is_some);
    let shared = if watch.abort_window.is_some() && judges_latency {
        Shared::with_latency_windows(plan.workers())
    } else {
        Shared::default()
    };
    let done = std::sync::atomic::AtomicBool::new(false);
    let method = plan.targets.first().map_or("GET", |t| t.method.as_str());
    let (measured, aborted) = std::thread::scope(|scope| {
        let (shared_ref, done_ref) = (&shared, &done);
        let total = plan.requests.filter(|_| plan.duration.is_none());
        let monitor = scope.spawn(move || {
            let bar = progress_bar(total, stderr_is_terminal());
            let started = Instant::now();
            let mut window_start = (Instant::now(), 0u64, 0u64);
            let mut aborted = None;
            while !done_ref.load(Ordering::Relaxed) {
                // SIGINT/SIGTERM: stop sending; what was measured is reported.
                if sentinel_core::signals::interrupted() && aborted.is_none() {
                    shared_ref.stop.store(true, Ordering::Relaxed);
                    aborted = Some(format!(
                        "interrupted by a signal after {:.1}s",
                        started.elapsed().as_secs_f64()
                    ));
                }
                let finished = shared_ref.done.load(Ordering::Relaxed);
                let failed = shared_ref.failed.load(Ordering::Relaxed);
                bar.set_position(finished);
                bar.set_message(format!(
                    "{:.0} req/s · {failed} errors",
                    finished as f64 / started.elapsed().as_secs_f64().max(0.001)
                ));
                if let Some(window) = watch.abort_window {
                    if window_start.0.elapsed() >= window {
                        let measured = engine::Measurements {
                            histogram: shared_ref.take_window_latency(),
                            total: finished - window_start.1,
                            successful: (finished - window_start.1)
                                .saturating_sub(failed - window_start.2),
                            elapsed: window_start.0.elapsed(),
                            ..engine::Measurements::new()
                        };
                        // A window in which nothing finished is not judged: at a low rate
                        // that is normal, and requests still out are judged when they end.
                        if measured.total > 0 && aborted.is_none() {
                            let verdict = judge::result("", method, &measured, &per_window);
                            if !verdict.passed {
                                shared_ref.stop.store(true, Ordering::Relaxed);
                                aborted = Some(format!(
                                    "aborted after {:.1}s: in the last {:?} window, {}",
                                    started.elapsed().as_secs_f64(),
                                    window,
                                    verdict.violations.join("; ")
                                ));
                            }
                        }
                        window_start = (Instant::now(), finished, failed);
                    }
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            bar.finish_and_clear();
            aborted
        });
        let measured = engine::run(plan, &shared);
        done.store(true, Ordering::Relaxed);
        (measured, monitor.join().ok().flatten())
    });
    endpoints
        .iter()
        .zip(&measured)
        .map(|(endpoint, measured)| {
            let limits = judging.limits_for(&endpoint.label, &endpoint.method);
            let mut judged = judge::result(&endpoint.label, &endpoint.method, measured, &limits);
            // The whole run stopped, so no endpoint got its planned load: none passed.
            if let Some(reason) = &aborted {
                judged.violations.insert(0, reason.clone());
                judged.passed = false;
            }
            logger.info(&format!(
                "{}: {} requests, {:.2}% errors, p95 {:.1} ms, {:.0} req/s — {}",
                judged.endpoint_url,
                judged.total_requests,
                judged.error_rate,
                judged.p95_response_time,
                judged.requests_per_second,
                if judged.passed {
                    "passed".to_owned()
                } else {
                    format!("FAILED: {}", judged.violations.join("; "))
                }
            ));
            judged
        })
        .collect()
}

/// Write the results in `format`; exit 1 when any failed. JSON is one object for one result
/// and an array for several.
fn emit<W: Write>(
    results: &[StressTestResult],
    format: OutputFormat,
    out: &mut Writer<W>,
    logger: &Logger,
) -> Result<Exit> {
    fn pretty<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
        serde_json::to_string_pretty(value).map_err(|e| Error::Internal(e.to_string()))
    }
    match format {
        OutputFormat::Text => {
            for result in results {
                logger.write_raw(&report::text(result, logger.color()));
            }
        }
        OutputFormat::Json => out.write_line(&match results {
            [one] => pretty(one)?,
            several => pretty(several)?,
        })?,
        OutputFormat::Ndjson => {
            for result in results {
                out.emit(&Event::new(
                    "sentinel-stress",
                    None,
                    Payload::StressResult(Box::new(result.clone())),
                ))?;
            }
        }
        OutputFormat::Junit => out.write_line(report::junit(results).trim_end())?,
        OutputFormat::Markdown => out.write_line(report::markdown(results).trim_end())?,
    }
    Ok(if results.iter().all(|r| r.passed) {
        Exit::Success
    } else {
        Exit::CheckFailed
    })
}

/// `--on KIND,...`: pass every event through; after each matching one, test its endpoints in
/// parallel and write one `stress.result` per endpoint.
fn pipeline<W: Write>(cli: &Cli, out: &mut Writer<W>, logger: &Logger) -> Result<Exit> {
    let loaded = config::load_here(&cli.config)?;
    loaded.require(&[])?;
    let stress = loaded.config.stress_test_config.clone().unwrap_or_default();
    let mut judging = judging(cli, &stress)?;
    // The deployment defaults: error rate ≤ 5%, p95 ≤ 500 ms.
    let t = &mut judging.thresholds;
    t.max_error_rate = t.max_error_rate.or(Some(5.0));
    t.max_p95_ms = t.max_p95_ms.or(Some(500.0));
    let spec = request_spec(cli)?;
    let requests = cli.load.requests.or(stress.requests);
    let duration = cli.load.duration.or(stress.duration.map(|d| d.0));
    let concurrency = stress
        .concurrency
        .map_or(cli.load.concurrency as usize, |c| c as usize);
    descriptors::ensure(concurrency * MAX_ENDPOINTS.min(stress.endpoints.len().max(1)))?;
    let mut failed = false;
    pump(
        std::io::stdin().lock(),
        "standard input",
        out,
        &cli.stream,
        logger,
        |line, out| {
            if !line.kind().is_some_and(|k| cli.on.iter().any(|on| on == k)) {
                return Ok(());
            }
            let mut endpoints: Vec<String> = line
                .object
                .get("endpoints")
                .and_then(|e| e.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            if endpoints.is_empty() {
                endpoints = stress.endpoints.clone();
            }
            if endpoints.len() > MAX_ENDPOINTS {
                logger.warn(&format!(
                    "{} endpoints; testing the first {MAX_ENDPOINTS}",
                    endpoints.len()
                ));
                endpoints.truncate(MAX_ENDPOINTS);
            }
            let results: Vec<Result<Vec<StressTestResult>>> = endpoints
                .par_iter()
                .map(|url| {
                    let target = target::parse(&cli.request.method, url, &spec)?;
                    let plan = plan(cli, vec![target], requests, duration, concurrency);
                    wait_until_ready(&plan, cli.ready_timeout, logger);
                    let endpoint = Endpoint {
                        label: plan.targets[0].shown_url.clone(),
                        method: plan.targets[0].method.clone(),
                    };
                    Ok(load_test(&plan, &[endpoint], &judging, watch(cli), logger))
                })
                .collect();
            let results: Vec<StressTestResult> = results
                .into_iter()
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .flatten()
                .collect();
            for result in &results {
                failed |= !result.passed;
                out.emit(&Event::new(
                    "sentinel-stress",
                    line.rollout_id(),
                    Payload::StressResult(Box::new(result.clone())),
                ))?;
            }
            refuse_client_failures(&results)
        },
    )?;
    Ok(if failed {
        Exit::CheckFailed
    } else {
        Exit::Success
    })
}

/// A freshly deployed endpoint may not listen yet: retry refusals, resets and 503s with
/// backoff, up to `limit`, before the test counts. Each attempt is one request through the
/// load engine itself, so an https endpoint is asked with the run's TLS settings; any other
/// answer (a TLS error included) means the endpoint is there to be judged.
fn wait_until_ready(plan: &Plan, limit: Duration, logger: &Logger) {
    let attempt_plan = Plan {
        connections: 1,
        threads: 1,
        requests: Some(1),
        duration: None,
        rate: None,
        timeout: plan.timeout.min(Duration::from_secs(5)),
        connect_timeout: plan.connect_timeout.min(Duration::from_secs(2)),
        ..plan.clone()
    };
    let attempt = || {
        let measured = engine::run_combined(&attempt_plan, &Shared::default());
        let status = measured.status_codes.keys().next().copied();
        let failure = if status == Some(503) {
            Some("HTTP 503".to_owned())
        } else {
            measured
                .errors
                .keys()
                .find(|class| class.starts_with("connect") || *class == "reset")
                .cloned()
        };
        (status, failure)
    };
    let sleep = |delay| {
        std::thread::sleep(delay);
        Ok::<(), std::convert::Infallible>(())
    };
    let Ok(probe) = sentinel_core::http::probe_with(limit, Duration::from_secs(2), attempt, sleep);
    if let Some(failure) = probe.failure {
        let shown: Vec<&str> = plan.targets.iter().map(|t| t.shown_url.as_str()).collect();
        logger.warn(&format!(
            "{} is still not ready after {:?} ({failure}); testing it anyway",
            shown.join(", "),
            limit
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[test]
    fn a_run_with_client_side_failures_is_invalid_not_failed() {
        let mut result = StressTestResult::default();
        result.errors.insert("connect refused".into(), 3);
        assert!(refuse_client_failures(std::slice::from_ref(&result)).is_ok());
        result.errors.insert(
            format!(
                "{}too many open files (EMFILE)",
                engine::CLIENT_ERROR_PREFIX
            ),
            7,
        );
        let error = refuse_client_failures(&[result]).unwrap_err();
        assert_eq!(error.exit(), Exit::Internal);
        assert!(
            error
                .to_string()
                .contains("7 × client: too many open files"),
            "{error}"
        );
    }

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_load_request_and_threshold_flags() {
        let cli = Cli::try_parse_from([
            "sentinel-stress",
            "-n",
            "500",
            "-c",
            "50",
            "-H",
            "X-A: 1",
            "--max-p99",
            "500ms",
            "--on",
            "stage.completed,rollout.completed",
            "http://127.0.0.1:1/",
        ])
        .unwrap();
        assert_eq!(cli.load.requests, Some(500));
        assert_eq!(cli.thresholds.max_p99, Some(Duration::from_millis(500)));
        assert_eq!(cli.on, vec!["stage.completed", "rollout.completed"]);
        assert!(
            Cli::try_parse_from(["sentinel-stress", "--max-latency-ratio", "1.1", "http://x/"])
                .is_err(),
            "a ratio needs a baseline"
        );
    }
}
