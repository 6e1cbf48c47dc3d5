//! The command line of `sentinel-branch`.

use clap::{Parser, Subcommand, ValueEnum};
use sentinel_core::output::OutputArgs;
use sentinel_core::stream::StreamArgs;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  # A tracking branch for each rollout that passes by
  sentinel-trigger | sentinel-branch create | sentinel-watch

  # The next version from the CHANGELOG's [Unreleased] section, then tag it
  sentinel-branch version --bump auto --changelog CHANGELOG.md
  sentinel-branch tag --bump auto --message 'Release' --push origin

  # Release checks before production
  sentinel-branch check clean && sentinel-branch check at-tag v1.4.2

  # Delete feature branches merged into main more than 30 days ago
  sentinel-branch cleanup --merged-into main --pattern 'feature/*' --older-than 30d --dry-run";

/// How to choose the next version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Bump {
    Major,
    Minor,
    Patch,
    /// From the CHANGELOG's [Unreleased] section or conventional commits.
    Auto,
}

/// The git side of a deployment: tracking branches, release tags, release checks, clean-up.
#[derive(Debug, Parser)]
#[command(name = "sentinel-branch", version, after_help = EXAMPLES, after_long_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub action: Action,

    /// The repository [default: the one containing the current directory].
    #[arg(long, value_name = "DIR", global = true)]
    pub repo: Option<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Create the rollout's tracking branch (for each rollout.triggered on stdin, or from flags).
    Create {
        /// Branch name pattern; placeholders {environment} {serviceGroupName} {timestamp} {version} {rolloutId} {rolloutId8}.
        #[arg(
            long,
            value_name = "P",
            default_value = "deploy/{environment}/{serviceGroupName}/{timestamp}"
        )]
        pattern: String,
        /// Where the branch starts.
        #[arg(long, value_name = "REV", default_value = "HEAD")]
        from: String,
        /// Check the branch out.
        #[arg(long)]
        checkout: bool,
        /// Push the branch to this remote.
        #[arg(long, value_name = "REMOTE")]
        push: Option<String>,
        /// Standalone: the environment.
        #[arg(long)]
        environment: Option<String>,
        /// Standalone: the service group.
        #[arg(long)]
        service_group: Option<String>,
        /// Standalone: the version.
        #[arg(long)]
        version: Option<String>,
        /// Standalone: the rollout id.
        #[arg(long)]
        rollout_id: Option<String>,
        #[command(flatten)]
        stream: StreamArgs,
    },
    /// Print the next semantic version.
    Version {
        #[arg(long, value_enum, default_value_t = Bump::Auto)]
        bump: Bump,
        #[arg(long, value_name = "FILE")]
        changelog: Option<PathBuf>,
    },
    /// Create an annotated release tag on HEAD.
    Tag {
        /// The version to tag [default: computed with --bump].
        #[arg(long, value_name = "V", conflicts_with = "bump")]
        version: Option<String>,
        #[arg(long, value_enum)]
        bump: Option<Bump>,
        #[arg(long, value_name = "M")]
        message: Option<String>,
        /// Sign with the configured gpg or ssh signing program.
        #[arg(long)]
        sign: bool,
        #[arg(long, value_name = "REMOTE")]
        push: Option<String>,
        #[arg(long, value_name = "FILE")]
        changelog: Option<PathBuf>,
    },
    /// Release checks; each writes gate.passed or gate.failed.
    Check {
        #[command(subcommand)]
        check: Check,
    },
    /// Delete merged branches that match a pattern.
    Cleanup {
        #[arg(long, value_name = "BRANCH", default_value = "main")]
        merged_into: String,
        #[arg(long, value_name = "GLOB", default_value = "feature/*")]
        pattern: String,
        #[arg(long, value_name = "DURATION", value_parser = sentinel_core::clock::parse_duration)]
        older_than: Option<std::time::Duration>,
        #[arg(long)]
        dry_run: bool,
        #[arg(long, value_name = "REMOTE")]
        remote: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum Check {
    /// No uncommitted or untracked changes.
    Clean,
    /// HEAD is the tag's commit.
    AtTag { tag: String },
    /// The artifact was built from the tag's commit ("deployment artifact must be built from this exact tag").
    Artifact {
        /// The artifact; its commit is read from F.sha, else from KEY in F.json or in F itself.
        #[arg(long, value_name = "F")]
        file: PathBuf,
        /// The key (dotted for nested JSON) that records the commit [default: commit].
        #[arg(long, value_name = "KEY")]
        commit_from: Option<String>,
        /// The commit the artifact must record [default: the commit of --tag, else of the newest release tag].
        #[arg(long, value_name = "SHA", conflicts_with = "tag")]
        expect_commit: Option<String>,
        /// The release tag whose commit is expected.
        #[arg(long)]
        tag: Option<String>,
    },
}
