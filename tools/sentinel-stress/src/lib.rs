//! `sentinel-stress`: load-test HTTP endpoints and judge them against thresholds; standalone
//! or as the judge of each deployed stage in a pipeline.

pub mod cli;
pub mod descriptors;
pub mod engine;
pub mod judge;
mod monitor;
mod pipeline;
pub mod report;
pub mod response;
mod settings;
pub mod target;
pub mod tls;

pub use cli::{Action, Cli, OutputFormat};
use sentinel_core::config::StressTestConfig;
use sentinel_core::ndjson::Writer;
use sentinel_core::output::{Logger, OutputArgs};
use sentinel_core::{Error, Exit, Result, ToolCli};
use settings::Standalone;
use std::io::IsTerminal;

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
and -q, when given, are for the whole run) and judged by the configured limits (maxErrorRate, maxP95Ms, maxP99Ms, \
and with a baseline maxLatencyRatio and maxErrorRateIncrease; a flag beats the config).",
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
            results.extend(settings::read_results(file)?);
        }
        let judging = settings::judging(thresholds, &StressTestConfig::default())?;
        let first = &results[0];
        let merged = judge::merge(
            &results,
            &judging.limits_for(&first.endpoint_url, &first.method),
        )?;
        return report::emit(&[merged], format, &mut out, &logger);
    }
    if !cli.on.is_empty() {
        return pipeline::pipeline(&cli, &mut out, &logger);
    }
    let run = Standalone::resolve(&cli, &logger)?;
    // A signal stops the load; the partial results are still written, then exit 130.
    let (results, exit) = sentinel_core::signals::working(|| -> Result<_> {
        let results =
            monitor::load_test(&run.plan, &run.endpoints, &run.judging, run.watch, &logger);
        let exit = report::emit(&results, format, &mut out, &logger)?;
        Ok((results, exit))
    })?;
    sentinel_core::signals::check()?;
    judge::refuse_client_failures(&results)?;
    Ok(exit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};
    use std::time::Duration;

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
