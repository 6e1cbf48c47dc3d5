//! The command line of `sentinel-watch`.

use clap::{Parser, Subcommand};
use sentinel_core::clock::parse_duration;
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
  sentinel-watch health http://127.0.0.1:8080/healthz --timeout 2m";

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
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
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
    /// Wait for endpoints to become healthy, with backoff; writes health.passed / health.failed.
    Health {
        /// Endpoints to check.
        #[arg(required = true, value_name = "URL")]
        urls: Vec<String>,
        /// Give up on an endpoint after this long.
        #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "60s")]
        timeout: Duration,
        /// Statuses that count as healthy.
        #[arg(long, value_name = "RANGE", default_value = "200-299")]
        expect_status: String,
        /// A regular expression the body must match.
        #[arg(long, value_name = "REGEX")]
        expect_body: Option<String>,
    },
}
