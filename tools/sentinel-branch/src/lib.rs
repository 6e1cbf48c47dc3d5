//! `sentinel-branch`: the git side of a deployment — tracking branches, release versions and
//! tags, release checks, branch clean-up.

pub mod check;
pub mod cleanup;
pub mod cli;
pub mod create;
pub mod git;
pub mod naming;
pub mod release;
pub mod signing;

pub use cli::{Action, Bump, Check, Cli};
use sentinel_core::events::Payload;
use sentinel_core::ndjson::Writer;
use sentinel_core::output::{Logger, OutputArgs};
use sentinel_core::stream::pump;
use sentinel_core::{Exit, Result, ToolCli};
use std::io::IsTerminal;

/// What works in this build: the man page's STATUS section, kept in `man/status.txt` beside
/// this crate.
pub const STATUS: &str = include_str!("../man/status.txt");

impl ToolCli for Cli {
    fn output_args(&self) -> &OutputArgs {
        &self.output
    }
}

/// Run the tool.
pub fn run(cli: Cli) -> Result<Exit> {
    let logger = Logger::for_tool("sentinel-branch", &cli.output);
    let mut out = Writer::new(std::io::stdout());
    let repo = git::open(cli.repo.as_deref())?;
    match &cli.action {
        Action::Create {
            pattern,
            from,
            checkout,
            push,
            environment,
            service_group,
            version,
            rollout_id,
            stream,
        } => {
            sentinel_core::signals::install(&logger)?;
            let request = create::CreateRequest {
                pattern,
                from,
                checkout: *checkout,
                push: push.as_deref(),
            };
            let standalone =
                environment.is_some() || service_group.is_some() || std::io::stdin().is_terminal();
            if standalone {
                let values = naming::Values {
                    environment: environment.clone().unwrap_or_default(),
                    service_group_name: service_group.clone().unwrap_or_default(),
                    timestamp: naming::timestamp(None),
                    version: version.clone().unwrap_or_default(),
                    rollout_id: rollout_id.clone().unwrap_or_default(),
                };
                create::create(&repo, &request, &values, &mut out, &logger)?;
            } else {
                let mut rollouts = 0;
                pump(
                    std::io::stdin().lock(),
                    "standard input",
                    &mut out,
                    stream,
                    &logger,
                    |line, out| {
                        let Some(event) = line.event() else {
                            return Ok(());
                        };
                        if let Payload::RolloutTriggered(triggered) = &event.payload
                            && !triggered.dry_run
                        {
                            rollouts += 1;
                            create::create(
                                &repo,
                                &request,
                                &create::values_from_event(&event, triggered),
                                out,
                                &logger,
                            )?;
                        }
                        Ok(())
                    },
                )?;
                if rollouts == 0 {
                    logger.warn("no rollout.triggered event on stdin: no branch created (standalone: pass --environment and --service-group)");
                }
            }
            Ok(Exit::Success)
        }
        Action::Version { bump, changelog } => {
            let (next, _) = release::next_version(&repo, *bump, changelog.as_deref())?;
            out.write_line(&next.to_string())?;
            Ok(Exit::Success)
        }
        Action::Tag {
            version,
            bump,
            message,
            sign,
            push,
            changelog,
        } => {
            let options = release::TagOptions {
                version: version.as_deref(),
                how: *bump,
                changelog: changelog.as_deref(),
                message: message.as_deref(),
                sign: *sign,
                remote: push.as_deref(),
            };
            release::tag(&repo, &options, &mut out, &logger)?;
            Ok(Exit::Success)
        }
        Action::Check { check } => check::run(&repo, check, &mut out, &logger),
        Action::Cleanup {
            merged_into,
            pattern,
            older_than,
            dry_run,
            remote,
        } => {
            let request = cleanup::CleanupRequest {
                merged_into,
                pattern,
                older_than: *older_than,
                dry_run: *dry_run,
                remote: remote.as_deref(),
            };
            cleanup::cleanup(&repo, &request, &mut out, &logger)?;
            Ok(Exit::Success)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn parses_each_verb() {
        for args in [
            vec!["sentinel-branch", "create", "--push", "origin"],
            vec!["sentinel-branch", "version", "--bump", "minor"],
            vec!["sentinel-branch", "tag", "--version", "1.2.3"],
            vec!["sentinel-branch", "check", "at-tag", "v1.2.3"],
            vec![
                "sentinel-branch",
                "cleanup",
                "--older-than",
                "30d",
                "--dry-run",
            ],
        ] {
            assert!(Cli::try_parse_from(&args).is_ok(), "{args:?}");
        }
        assert!(
            Cli::try_parse_from([
                "sentinel-branch",
                "tag",
                "--version",
                "1.0.0",
                "--bump",
                "major"
            ])
            .is_err()
        );
    }
}
