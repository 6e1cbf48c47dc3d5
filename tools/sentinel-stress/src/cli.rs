//! The command line of `sentinel-stress`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use sentinel_core::clock::parse_duration;
use sentinel_core::config::ConfigArgs;
use sentinel_core::output::OutputArgs;
use sentinel_core::stream::StreamArgs;
use std::path::PathBuf;
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  # 10 000 requests, 50 connections, judged against limits (exit 1 on a breach)
  sentinel-stress -n 10000 -c 50 --max-error-rate 1 --max-p99 500ms http://127.0.0.1:8080/

  # Constant 200 requests/s for 30 s, latency corrected for coordinated omission
  sentinel-stress -z 30s -q 200 http://127.0.0.1:8080/api

  # Ramp 10 → 100 requests/s over a minute, hold 5 min; fail if the generator falls behind
  sentinel-stress --ramp 10/s:30s,100/s:60s,100/s:5m --min-achieved-rate-ratio 0.95 http://127.0.0.1:8080/

  # Compare with an earlier run: p95 within 10%
  sentinel-stress --baseline before.json --max-latency-ratio 1.1 http://127.0.0.1:8080/

  # Merge results from several machines into exact combined percentiles
  sentinel-stress merge runner-*.json

  # https with an internal CA; a result per endpoint; stop once a 5 s window breaches
  sentinel-stress -z 5m -q 100 --cacert corp-ca.pem --abort-on-breach --max-p99 500ms \\
    https://api.internal/orders https://api.internal/health

  # In a pipeline: test every endpoint of each completed stage
  sentinel-watch | sentinel-stress --on stage.completed | sentinel-state apply";

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Ndjson,
    Junit,
    Markdown,
}

/// Load-test HTTP endpoints and judge them against thresholds.
#[derive(Debug, Parser)]
#[command(name = "sentinel-stress", version, after_help = EXAMPLES, after_long_help = EXAMPLES)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub action: Option<Action>,

    /// Endpoints to test: connections spread round-robin, a result for each.
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,

    #[command(flatten)]
    pub load: LoadArgs,

    #[command(flatten)]
    pub request: RequestArgs,

    #[command(flatten)]
    pub thresholds: ThresholdArgs,

    /// Report format [default: text on a terminal, ndjson otherwise].
    #[arg(long, value_enum, global = true)]
    pub output: Option<OutputFormat>,

    /// Pipeline mode: test the endpoints of each event of these kinds (comma-separated).
    #[arg(long, value_name = "KIND,...", value_delimiter = ',')]
    pub on: Vec<String>,

    /// In pipeline mode, retry endpoints that refuse or answer 503 for this long first.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "60s")]
    pub ready_timeout: Duration,

    #[command(flatten)]
    pub stream: StreamArgs,

    #[command(flatten)]
    pub config: ConfigArgs,

    #[command(flatten)]
    pub output_args: OutputArgs,
}

/// How much load, and how it is shaped.
#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    /// Number of requests [default: 100 unless --duration is given].
    #[arg(short = 'n', long, value_name = "N")]
    pub requests: Option<u64>,
    /// Run for this long instead of a number of requests.
    #[arg(short = 'z', long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Concurrent connections.
    #[arg(short = 'c', long, value_name = "N", default_value_t = 10)]
    pub concurrency: u32,
    /// Speak HTTP/2: h2 over TLS (ALPN) for https://, h2c with prior knowledge for http://.
    #[arg(long)]
    pub http2: bool,
    /// With --http2: concurrent streams per connection.
    #[arg(
        short = 'p',
        long,
        value_name = "N",
        default_value_t = 1,
        requires = "http2"
    )]
    pub streams: u32,
    /// Load engine for HTTP/1.1: io-uring (batched system calls; plain http, https stays on
    /// mio), mio (epoll), or auto: io-uring where this machine allows it.
    #[arg(
        long,
        value_enum,
        value_name = "ENGINE",
        env = "SENTINEL_STRESS_ENGINE",
        default_value = "auto"
    )]
    pub engine: crate::engine::EngineChoice,
    /// Constant arrival rate in requests/s (open model, coordinated omission corrected).
    #[arg(short = 'q', long, value_name = "RPS")]
    pub rate: Option<f64>,
    /// Open model with a changing rate: stages RATE/s:DURATION, comma-separated, e.g.
    /// 10/s:30s,100/s:60s,100/s:5m. The first holds its rate; each next one goes linearly
    /// from the rate before to its own. The run lasts their sum.
    #[arg(long, value_name = "STAGES", value_parser = crate::engine::parse_ramp, conflicts_with_all = ["rate", "duration"])]
    pub ramp: Option<crate::engine::Ramp>,
    /// Send load for this long first without counting it.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub warmup: Option<Duration>,
    /// Per-request timeout.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "10s")]
    pub timeout: Duration,
    /// Connect timeout.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub connect_timeout: Option<Duration>,
    /// Open a new connection for every request.
    #[arg(long)]
    pub disable_keepalive: bool,
}

/// What each request looks like.
#[derive(Debug, Clone, Args)]
pub struct RequestArgs {
    /// HTTP method.
    #[arg(short = 'm', long, default_value = "GET")]
    pub method: String,
    /// Header 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// Request body.
    #[arg(short = 'd', long, value_name = "BODY")]
    pub body: Option<String>,
    /// Request body from a file.
    #[arg(long, value_name = "FILE", conflicts_with = "body")]
    pub body_file: Option<PathBuf>,
    /// Send 'Authorization: Bearer' with the token in this environment variable (never echoed).
    #[arg(long, value_name = "VAR")]
    pub bearer_token_env: Option<String>,
    /// Accept any TLS certificate (the connection is encrypted but not authenticated).
    #[arg(short = 'k', long)]
    pub insecure: bool,
    /// Also trust the CA certificates in this PEM file (besides the bundled Mozilla roots
    /// and $SSL_CERT_FILE).
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Targets file: one 'METHOD URL' per line (vegeta style).
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,
}

/// Limits; any breach makes the exit status 1.
#[derive(Debug, Clone, Args)]
pub struct ThresholdArgs {
    /// Highest error rate, in percent.
    #[arg(long, value_name = "PCT")]
    pub max_error_rate: Option<f64>,
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_p50: Option<Duration>,
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_p95: Option<Duration>,
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_p99: Option<Duration>,
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_avg: Option<Duration>,
    /// Lowest acceptable requests/s.
    #[arg(long, value_name = "N")]
    pub min_rps: Option<f64>,
    /// An earlier result to compare with.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Highest p95 relative to the baseline's p95, e.g. 1.1.
    #[arg(long, value_name = "RATIO", requires = "baseline")]
    pub max_latency_ratio: Option<f64>,
    /// Highest error-rate increase over the baseline, in percentage points.
    #[arg(long, value_name = "POINTS", requires = "baseline")]
    pub max_error_rate_increase: Option<f64>,
    /// With -q: fail when requests went out at less than this share of the asked rate (e.g.
    /// 0.95), because the generator could not keep up.
    #[arg(long, value_name = "RATIO")]
    pub min_achieved_rate_ratio: Option<f64>,
    /// Stop early once a window breaches the error-rate or latency limits (p50/p95/p99/avg).
    #[arg(long)]
    pub abort_on_breach: bool,
    /// Window for --abort-on-breach.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "5s")]
    pub window: Duration,
}

impl Cli {
    /// Refuse values that would make a run meaningless or endless before anything is sent:
    /// no connections, a zero, negative or NaN rate, a zero timeout, limits that are not
    /// finite numbers in their range.
    pub fn check(&self) -> sentinel_core::Result<()> {
        let usage = |message: String| Err(sentinel_core::Error::usage(message));
        let load = &self.load;
        if load.concurrency == 0 {
            return usage("-c/--concurrency 0: at least one connection is needed".into());
        }
        if let Some(rate) = load.rate {
            if !(rate.is_finite() && rate > 0.0) {
                return usage(format!(
                    "-q/--rate {rate} must be a positive number of requests per second"
                ));
            }
        }
        if load.http2 && load.disable_keepalive {
            return usage(
                "--disable-keepalive with --http2: HTTP/2 multiplexes requests over long-lived connections; drop one of them".into(),
            );
        }
        if load.requests == Some(0) {
            return usage("-n/--requests 0: at least one request is needed".into());
        }
        for (flag, value) in [
            ("--timeout", Some(load.timeout)),
            ("--connect-timeout", load.connect_timeout),
            ("--duration", load.duration),
            ("--window", Some(self.thresholds.window)),
        ] {
            if value == Some(Duration::ZERO) {
                return usage(format!("{flag} 0s: give a duration longer than zero"));
            }
        }
        self.thresholds.check()
    }
}

impl ThresholdArgs {
    /// Refuse limits that are not finite numbers in their range.
    pub fn check(&self) -> sentinel_core::Result<()> {
        let usage = |message: String| Err(sentinel_core::Error::usage(message));
        let t = self;
        /// A flag, its value, whether a finite value is in range, and what the range is.
        type RangeCheck<'a> = (&'a str, Option<f64>, fn(f64) -> bool, &'a str);
        let checks: [RangeCheck; 5] = [
            (
                "--min-achieved-rate-ratio",
                t.min_achieved_rate_ratio,
                |v| v > 0.0 && v <= 1.0,
                "a ratio above 0 and at most 1",
            ),
            (
                "--max-error-rate",
                t.max_error_rate,
                |v| (0.0..=100.0).contains(&v),
                "a percentage from 0 to 100",
            ),
            ("--min-rps", t.min_rps, |v| v > 0.0, "a positive number"),
            (
                "--max-latency-ratio",
                t.max_latency_ratio,
                |v| v >= 1.0,
                "a ratio of 1.0 or more",
            ),
            (
                "--max-error-rate-increase",
                t.max_error_rate_increase,
                |v| v >= 0.0,
                "zero or more percentage points",
            ),
        ];
        for (flag, value, in_range, what) in checks {
            if let Some(v) = value {
                if !(v.is_finite() && in_range(v)) {
                    return usage(format!("{flag} {v} must be {what}"));
                }
            }
        }
        Ok(())
    }
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Merge results (their HdrHistograms) into one exact result.
    Merge {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// The merged result is judged against these, as a run's would be.
        #[command(flatten)]
        thresholds: ThresholdArgs,
    },
}
