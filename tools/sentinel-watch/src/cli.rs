//! The command line of `sentinel-watch`.

use clap::{Parser, Subcommand};
use sentinel_core::clock::{parse_duration, parse_positive_duration};
use sentinel_core::config::ConfigArgs;
use sentinel_core::files::StateDirArgs;
use sentinel_core::output::OutputArgs;
use sentinel_core::stream::StreamArgs;
use sentinel_provider::ProviderArgs;
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  # Follow what sentinel-trigger started, passing its event on
  sentinel-trigger --environment Staging | sentinel-watch | sentinel-state apply

  # Follow a known rollout, polling every 10 s, for at most an hour
  sentinel-watch --rollout-id 3f2a9c1e --interval 10s --timeout 1h

  # Gate each phase: stop when the rollout waits, verify, approve, follow again
  sentinel-watch --rollout-id 3f2a9c1e --stop-at-approval

  # Wait until endpoints answer 2xx
  sentinel-watch health http://127.0.0.1:8080/healthz --timeout 2m

  # Judge a canary on real traffic: 5xx ratio and p95 against the stable version
  sentinel-watch analyze --prometheus http://127.0.0.1:9090 \\
    --canary 'version=\"2.0.0\"' --baseline 'version!=\"2.0.0\"' \\
    --metric 'errors=ratio(sum(increase(http_requests_total{code=~\"5..\",{canary}}[{interval}])), sum(increase(http_requests_total{{canary}}[{interval}])))' \\
    --max-ratio errors=1.5 --max errors=0.05 --interval 30s --samples 10";

/// Follow a rollout until it ends, writing one event per change.
#[derive(Debug, Parser)]
#[command(name = "sentinel-watch", version, after_help = EXAMPLES, after_long_help = EXAMPLES)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub action: Option<Action>,

    /// The rollout to follow [default: each rollout.triggered on stdin].
    #[arg(long, value_name = "ID")]
    pub rollout_id: Option<String>,

    /// Polling interval [default: pollingInterval from config, else 30s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub interval: Option<Duration>,

    /// Give up (exit 4) after this long.
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub timeout: Option<Duration>,

    /// Stop (exit 0) once the rollout waits for an approval, after writing approval.required;
    /// a script then verifies, approves, and follows again with --rollout-id.
    #[arg(long)]
    pub stop_at_approval: bool,

    /// A rollout whose engine skipped a stage (its regions not deployed) may still end as
    /// completed; without this it ends as failed (stage.skipped, then rollout.failed).
    #[arg(long)]
    pub allow_skipped_stages: bool,

    /// Report the rollout from its start again (completed stages marked replayed: true),
    /// ignoring what the state file says was reported, e.g. to verify them again.
    #[arg(long)]
    pub replay: bool,

    #[command(flatten)]
    pub stream: StreamArgs,

    #[command(flatten)]
    pub config: ConfigArgs,

    #[command(flatten)]
    pub remote: ProviderArgs,

    #[command(flatten)]
    pub state: StateDirArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Observe metrics of real traffic over a window and judge the canary (against absolute
    /// limits and the baseline); writes analysis.result. Exit 0 passed, 1 failed, 6
    /// inconclusive (never a pass).
    Analyze(Box<AnalyzeArgs>),
    /// Wait for endpoints to become healthy, with backoff; writes health.passed / health.failed.
    Health {
        /// Endpoints to check.
        #[arg(required = true, value_name = "URL")]
        urls: Vec<String>,
        /// Give up on an endpoint after this long.
        #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration, default_value = "60s")]
        timeout: Duration,
        /// Statuses that count as healthy.
        #[arg(long, value_name = "RANGE", default_value = "200-299")]
        expect_status: String,
        /// A regular expression the body must match.
        #[arg(long, value_name = "REGEX")]
        expect_body: Option<String>,
    },
}

/// `sentinel-watch analyze`: see sentinel-watch(1), ANALYSIS.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AnalyzeArgs {
    /// Pipeline mode: pass events through, and analyse after each event of these kinds
    /// (e.g. stage.completed), with its stage, regions, endpoints and version.
    #[arg(long, value_delimiter = ',', value_name = "KIND")]
    pub on: Vec<String>,

    /// Read PromQL over this Prometheus server's HTTP API (/api/v1/query).
    #[arg(long, value_name = "URL", conflicts_with = "scrape")]
    pub prometheus: Option<String>,

    /// Or read these Prometheus text-format /metrics endpoints directly (no server needed;
    /// the default) [default: analysis.scrape, else the event's endpoints at --metrics-path].
    #[arg(long, value_delimiter = ',', value_name = "URL")]
    pub scrape: Vec<String>,

    /// A metric to read (repeatable): PromQL, or for --scrape a selector with sum(), rate(),
    /// ratio(), histogram_quantile() or mean(). Placeholders: {version} {stage} {region}
    /// {canary} {baseline} {interval} {window}.
    #[arg(long = "metric", value_name = "NAME=QUERY")]
    pub metrics: Vec<String>,

    /// Each canary sample of NAME must be at most LIMIT (repeatable).
    #[arg(long, value_name = "NAME=LIMIT")]
    pub max: Vec<String>,

    /// Each canary sample of NAME must be at least LIMIT (repeatable).
    #[arg(long, value_name = "NAME=LIMIT")]
    pub min: Vec<String>,

    /// The canary's NAME must not be significantly above R × the baseline's (repeatable).
    #[arg(long, value_name = "NAME=R")]
    pub max_ratio: Vec<String>,

    /// The canary's NAME must not be significantly below R × the baseline's (repeatable).
    #[arg(long, value_name = "NAME=R")]
    pub min_ratio: Vec<String>,

    /// The canary cohort: label matchers put where a query says {canary}
    /// (e.g. 'version="{version}"'), or with --scrape a list of /metrics URLs.
    #[arg(long, value_name = "MATCHERS|URL,...")]
    pub canary: Option<String>,

    /// The baseline (stable) cohort, as --canary; put where a query says {canary} when the
    /// baseline is read.
    #[arg(long, value_name = "MATCHERS|URL,...")]
    pub baseline: Option<String>,

    /// Time between samples [default: analysis.interval, else 30s].
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub interval: Option<Duration>,

    /// Samples to take [default: analysis.samples, else 10].
    #[arg(long, value_name = "N")]
    pub samples: Option<u32>,

    /// Or: how long to observe (samples = DURATION / interval).
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration, conflicts_with = "samples")]
    pub duration: Option<Duration>,

    /// Fewer usable samples than this makes a check inconclusive [default: every sample].
    #[arg(long, value_name = "N")]
    pub min_samples: Option<u32>,

    /// Requests the canary must have served in the window, else inconclusive; 0 to not ask
    /// [default: 1: never judge on zero traffic].
    #[arg(long, value_name = "N")]
    pub min_requests: Option<u64>,

    /// The query counting the canary's requests in the window [default for --scrape:
    /// http_requests_total{{canary}}; for --prometheus:
    /// sum(increase(http_requests_total{{canary}}[{window}]))].
    #[arg(long, value_name = "QUERY")]
    pub traffic: Option<String>,

    /// Samples beyond an absolute limit tolerated; one more fails the analysis at once
    /// [default: 0].
    #[arg(long, value_name = "N")]
    pub failure_limit: Option<u32>,

    /// The environment variable whose value is sent as Prometheus's Authorization header.
    #[arg(long, value_name = "VARIABLE")]
    pub auth_header_env: Option<String>,

    /// Leave out the checks against the baseline (--max-ratio, --min-ratio): after a full
    /// rollout no stable cohort is left. An event whose trafficPercent is 100 does the same.
    #[arg(long)]
    pub no_baseline: bool,

    /// Do nothing (pass events through, exit 0) when neither the config's analysis section
    /// nor --metric asks for an analysis: for scripts that analyse where it is configured.
    #[arg(long)]
    pub if_configured: bool,

    /// The path scraped on an event's endpoints when no URLs are given.
    #[arg(long, value_name = "PATH", default_value = "/metrics")]
    pub metrics_path: String,

    /// {version} [default: the stream's rollout.triggered artifactVersion, else the config's].
    #[arg(long, value_name = "VERSION")]
    pub artifact_version: Option<String>,

    /// {stage} [default: the event's stage].
    #[arg(long, value_name = "NAME")]
    pub stage: Option<String>,

    /// {region} [default: the event's regions, joined by |].
    #[arg(long, value_name = "NAME")]
    pub region: Option<String>,

    /// The rollout the analysis.result belongs to [default: the event's].
    #[arg(long, value_name = "ID")]
    pub rollout_id: Option<String>,

    #[command(flatten)]
    pub stream: StreamArgs,
}
