//! The command line of `sentinel-trigger`.

use clap::{Args, Parser, Subcommand};
use sentinel_core::config::ConfigArgs;
use sentinel_core::files::StateDirArgs;
use sentinel_core::output::OutputArgs;
use sentinel_core::stream::StreamArgs;
use sentinel_provider::ProviderArgs;

const EXAMPLES: &str = "\
Examples:
  # Start a rollout of the newest tagged version, as configured in .deploy-sentinel-config.json
  sentinel-trigger --environment Staging

  # Production needs break-glass confirmation; in CI say it on the command line
  sentinel-trigger --environment Prod --artifact-version 1.4.2 --confirm DEPLOY-NOW

  # Validate config and version discovery without starting anything
  sentinel-trigger --dry-run

  # Act on a running rollout
  sentinel-trigger approve --rollout-id 3f2a9c1e --action-id Prod-approval
  sentinel-trigger rollback --rollout-id 3f2a9c1e --reason 'p99 above 500 ms'";

/// Start a rollout (or approve, reject, cancel, roll back, resume one) and print its event.
#[derive(Debug, Parser)]
#[command(name = "sentinel-trigger", version, after_help = EXAMPLES, after_long_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub action: Option<Action>,

    #[command(flatten)]
    pub start: StartArgs,

    #[command(flatten)]
    pub config: ConfigArgs,

    #[command(flatten)]
    pub remote: ProviderArgs,

    #[command(flatten)]
    pub state: StateDirArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Flags for starting a rollout.
#[derive(Debug, Clone, Default, Args)]
pub struct StartArgs {
    /// Version of the artifact to deploy [default: discovered: newest semver git tag, config, provider].
    #[arg(long, value_name = "V")]
    pub artifact_version: Option<String>,

    /// Version of the stage map [default: the provider's newest].
    #[arg(long, value_name = "V")]
    pub stage_map_version: Option<String>,

    /// Scope to deploy, e.g. 'regions(*).steps(*).stamps(*).actions(*)' (repeatable).
    #[arg(long, value_name = "S")]
    pub selection_scope: Vec<String>,

    /// Scope to leave out (repeatable).
    #[arg(long, value_name = "S")]
    pub exclusion_scope: Vec<String>,

    /// Validate config and discovery; print the event with dryRun: true and start nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Break-glass confirmation for a protected environment when there is no terminal.
    #[arg(long, value_name = "DEPLOY-NOW")]
    pub confirm: Option<String>,

    /// Deploy only the config's stages for this strategy (local provider), e.g. canary; stages
    /// that list no strategies belong to every one.
    #[arg(long, value_name = "NAME")]
    pub strategy: Option<String>,

    /// Start a fresh rollout even though an unfinished one exists (the old one is cancelled first).
    #[arg(long)]
    pub new: bool,
}

/// Acting on a running rollout.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// Approve a wait action.
    Approve {
        #[command(flatten)]
        target: Target,
        /// The wait action [default: the only pending one].
        #[arg(long, value_name = "A")]
        action_id: Option<String>,
    },
    /// Reject a wait action; the rollout is cancelled.
    Reject {
        #[command(flatten)]
        target: Target,
        #[arg(long, value_name = "A")]
        action_id: Option<String>,
        #[arg(long, value_name = "R")]
        reason: Option<String>,
    },
    /// Cancel the rollout before its next step.
    Cancel {
        #[command(flatten)]
        target: Target,
        #[arg(long, value_name = "R")]
        reason: Option<String>,
    },
    /// Roll back the deployed stages in reverse order.
    Rollback {
        #[command(flatten)]
        target: Target,
        #[arg(long, value_name = "R")]
        reason: Option<String>,
    },
    /// Restart a local engine that died, at its first unfinished step. A deploy or rollback
    /// command the dead engine left running is waited for first.
    Resume {
        #[command(flatten)]
        target: Target,
        /// End a deploy or rollback command the dead engine left running (SIGTERM to its
        /// process group, SIGKILL after 10 s) instead of waiting for it.
        #[arg(long)]
        kill_orphans: bool,
    },
    /// Exit 0 when --environment is protected (needs break-glass confirmation), 1 when not.
    Protected,
    /// The local rollout engine itself (started detached by sentinel-trigger).
    #[command(name = "__engine", hide = true)]
    Engine {
        /// The rollout's directory.
        dir: std::path::PathBuf,
    },
}

/// Which rollout a subcommand acts on.
#[derive(Debug, Clone, Args)]
pub struct Target {
    /// The rollout [default: the rolloutId of the events on stdin].
    #[arg(long, value_name = "ID")]
    pub rollout_id: Option<String>,

    #[command(flatten)]
    pub stream: StreamArgs,
}
