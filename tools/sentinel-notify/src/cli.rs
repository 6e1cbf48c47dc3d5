//! The command line of `sentinel-notify`.

use clap::{Parser, Subcommand, ValueEnum};
use sentinel_core::clock::parse_positive_duration;
use sentinel_core::config::ConfigArgs;
use sentinel_core::files::StateDirArgs;
use sentinel_core::output::OutputArgs;
use sentinel_core::stream::StreamArgs;
use std::path::PathBuf;
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  # Post the default events to a Teams Workflows webhook kept in the environment
  export SENTINEL_TEAMS_WEBHOOK='https://prod-00.westus.logic.azure.com/workflows/...'
  sentinel-watch | sentinel-notify | sentinel-state apply

  # One message without an event stream
  sentinel-notify send --title 'Release 1.4.2 is live' --status Succeeded --fact Region=westus

  # See the payloads without sending them
  sentinel-notify --dry-run --slack https://hooks.slack.com/services/T/B/X < events.ndjson";

/// Teams payload shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TeamsFormat {
    /// Adaptive Card 1.4 in the Workflows message envelope.
    Card,
    /// The flat JSON that Power Automate flows parse.
    Flow,
}

/// How a message looks: colour, icon, wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
pub enum Status {
    Succeeded,
    Failed,
    Warning,
    Info,
}

/// Turn events into Teams, Slack, Discord and webhook messages; never blocks the deployment.
#[derive(Debug, Parser)]
#[command(name = "sentinel-notify", version, after_help = EXAMPLES, after_long_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub action: Option<Action>,

    /// Teams Workflows webhook URL (repeatable) [env: SENTINEL_TEAMS_WEBHOOK].
    #[arg(long, value_name = "URL", global = true)]
    pub teams: Vec<String>,

    /// Teams payload shape.
    #[arg(long, value_enum, default_value_t = TeamsFormat::Card, global = true)]
    pub teams_format: TeamsFormat,

    /// Slack incoming webhook URL (repeatable) [env: SENTINEL_SLACK_WEBHOOK].
    #[arg(long, value_name = "URL", global = true)]
    pub slack: Vec<String>,

    /// Discord webhook URL (repeatable).
    #[arg(long, value_name = "URL", global = true)]
    pub discord: Vec<String>,

    /// Generic webhook URL that receives the event itself (repeatable) [env: SENTINEL_WEBHOOK_URL].
    #[arg(long, value_name = "URL", global = true)]
    pub webhook: Vec<String>,

    /// Environment variable holding the webhook signing secret.
    #[arg(long, value_name = "VAR", global = true)]
    pub webhook_secret_env: Option<String>,

    /// Event kinds to send (comma-separated), any kind at all: one without a message of its
    /// own gets a generic one (its kind and plain fields) [default: start, stages, approvals,
    /// failed stress results, end, rollbacks].
    #[arg(long, value_name = "KIND,...", value_delimiter = ',')]
    pub on: Vec<String>,

    /// Title and body per kind with {field} placeholders.
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,

    /// Exit 1 when a message could not be delivered.
    #[arg(long, global = true)]
    pub strict: bool,

    /// Send messages the sent log says were delivered before (a re-run, a resumed rollout).
    #[arg(long, global = true)]
    pub resend: bool,

    /// Print each payload to stderr instead of sending it.
    #[arg(long, global = true)]
    pub dry_run: bool,

    /// Longest time one attempt may take, from connect to the answer's last byte.
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration, default_value = "10s", global = true)]
    pub timeout: Duration,

    /// Total time one message may take to reach a channel, all attempts and waits included;
    /// past it the message goes to the fallback log. At end of input, deliveries still under
    /// way get at most this long.
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration, default_value = "10s", global = true)]
    pub deadline: Duration,

    /// Retries after a transient failure (429, 5xx, timeout) [default: maxRetries from config, else 3].
    #[arg(long, value_name = "N", global = true)]
    pub max_retries: Option<u32>,

    #[command(flatten)]
    pub stream: StreamArgs,

    #[command(flatten)]
    pub config: ConfigArgs,

    #[command(flatten)]
    pub state: StateDirArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Send one message built from flags, without an event stream.
    Send {
        #[arg(long)]
        title: String,
        #[arg(long, value_enum, ignore_case = true)]
        status: Status,
        /// A fact 'Key=Value' (repeatable).
        #[arg(long, value_name = "K=V")]
        fact: Vec<String>,
        /// A link button.
        #[arg(long, value_name = "URL")]
        link: Option<String>,
    },
}
