//! The command line of `sentinel-state`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use sentinel_core::clock::parse_duration;
use sentinel_core::files::StateDirArgs;
use sentinel_core::output::OutputArgs;
use sentinel_core::stream::StreamArgs;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  # Record everything a deployment pipeline says, under the run lock
  sentinel-state lock --operation deploy -- bash -c 'sentinel-trigger | sentinel-watch | sentinel-state apply'

  # Scripts read fields without jq
  sentinel-state get overallStatus

  # Pick up an unfinished rollout after a crash
  sentinel-state resume | sentinel-watch | sentinel-state apply

  # Production stays closed until staging has soaked for 30 minutes
  sentinel-state gate soak --after Staging --min 30m

  # The deployment report, also appended to $GITHUB_STEP_SUMMARY when set
  sentinel-state report --output deployment-report.md";

/// Fold events into a durable, locked state file; gates; the deployment report.
#[derive(Debug, Parser)]
#[command(name = "sentinel-state", version, after_help = EXAMPLES, after_long_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub verb: Verb,

    #[command(flatten)]
    pub state: StateDirArgs,

    /// Keep state, journal and lock in Azure Blob Storage instead of the state directory:
    /// azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or
    /// AZURE_STORAGE_SAS_TOKEN [default: the config's stateBackend, else the state directory].
    #[arg(long, value_name = "URL", env = "SENTINEL_STATE_URL", global = true)]
    pub state_url: Option<String>,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum Verb {
    /// Pass events through, journal them, and fold them into the state file.
    Apply {
        #[command(flatten)]
        stream: StreamArgs,
    },
    /// A summary on stderr, or the RolloutState JSON on stdout with --json.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Print one field of the state, e.g. rolloutId, overallStatus, stages.0.status.
    Get {
        /// A field name or a dotted path; a negative index counts from the end (stages.-1.name).
        field: String,
    },
    /// Hold the run lock while COMMAND runs, and pass its exit code through.
    Lock(LockArgs),
    /// Remove a stale lock.
    Unlock {
        /// Required: removing a lock is a deliberate act.
        #[arg(long, required = true)]
        force: bool,
        /// Remove the lock even from a live holder on this host, if its id matches.
        #[arg(long, value_name = "ID")]
        id: Option<String>,
    },
    /// Print rollout.triggered with resumed: true for an unfinished rollout (exit 1 if none).
    Resume,
    /// Release gates; each writes gate.passed or gate.failed and exits 0 or 1.
    Gate {
        #[command(subcommand)]
        gate: Gate,
    },
    /// The deployment report built from the journal: summary, phase comparison (percentiles
    /// from merged histograms), issues, rollback, state before and after, checks, timeline;
    /// Markdown (appended to $GITHUB_STEP_SUMMARY within its 1 MiB), JSON, or one
    /// self-contained HTML file with SVG charts.
    Report {
        #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
        format: ReportFormat,
        /// Write the report to this file instead of stdout.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The baseline's load tests (what `sentinel-stress --output json` wrote before the
        /// rollout) for the comparison's Baseline column [default:
        /// .deploy-sentinel-baseline.json in the state directory, else baseline.json there
        /// (where archive leaves it), when there is one].
        #[arg(long, value_name = "FILE")]
        baseline: Option<PathBuf>,
        /// Start the Markdown with YAML front matter (status, deployed, unit_id, rolloutId,
        /// version, environment) for note-taking tools.
        #[arg(long)]
        front_matter: bool,
    },
    /// Mark the release Archived and move state and journal to .sentinel/history/<rolloutId>/.
    Archive,
    /// Rebuild a damaged state from the journal's good lines (else the .bak), keeping the
    /// damaged files aside as <name>.damaged-<time>, and say what was done.
    Repair,
}

#[derive(Debug, Clone, Args)]
pub struct LockArgs {
    /// Wait this long for a live holder to finish before giving up with exit 3.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub wait: Option<Duration>,
    /// Take over a stale lock.
    #[arg(long)]
    pub force: bool,
    /// Take over a lock only if its holder died on this host (pid gone, flock free): for
    /// scripts that check the rollout's state before going on, as resuming does.
    #[arg(long)]
    pub take_over_dead: bool,
    /// What the holder is doing, shown to anyone refused.
    #[arg(long, value_name = "NAME", default_value = "deploy")]
    pub operation: String,
    /// The command to run while holding the lock.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

#[derive(Debug, Subcommand)]
pub enum Gate {
    /// Pass when STAGE completed at least DURATION ago.
    Soak {
        #[arg(long, value_name = "STAGE")]
        after: String,
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        min: Duration,
        /// Wait until the soak is over instead of failing now (a stage that has not completed
        /// still fails at once).
        #[arg(long)]
        wait: bool,
    },
    /// Pass when a test-result file shows no failures and is newer than DURATION.
    Fresh {
        #[arg(long, value_name = "PATH")]
        file: PathBuf,
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        max_age: Duration,
    },
    /// Pass when a QA report says approved.
    Approved {
        #[arg(long, value_name = "PATH")]
        file: PathBuf,
    },
    /// Pass when the artifact's SHA-256 matches.
    Checksum {
        #[arg(long, value_name = "ARTIFACT")]
        file: PathBuf,
        #[arg(long, value_name = "HEX", required_unless_present = "sha256_file")]
        sha256: Option<String>,
        #[arg(long, value_name = "F", conflicts_with = "sha256")]
        sha256_file: Option<PathBuf>,
    },
    /// Pass when no rollout of this service and environment is unfinished.
    NoActiveRollout,
    /// Pass when no load test recorded for the current rollout failed and every analysis
    /// passed (an inconclusive one closes it too): how a script that cannot see a pipeline's
    /// exit codes learns whether a phase passed its verification.
    Verified {
        /// Judge the load tests alone, not the analyses.
        #[arg(long)]
        load_tests_only: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Json,
    /// One self-contained HTML file with SVG charts (no script, font or request).
    Html,
}
