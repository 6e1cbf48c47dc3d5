//! `sentinel-watch`: follow a rollout until it ends, one event per change; wait for health
//! endpoints.

pub mod cli;
pub mod follow;
pub mod health;

pub use cli::{Action, Cli};
use sentinel_core::ndjson::Writer;
use sentinel_core::output::{Logger, OutputArgs};
use sentinel_core::{Exit, Result, ToolCli};

/// What works in this build (the man page's STATUS section).
pub const STATUS: &str = "Works with the local, ev2 and ado providers (see PROVIDERS): follows rollouts \
named by --rollout-id or by the rollout.triggered events on stdin (each event's provider is used), emits one event \
per change, detects a dead local engine within one polling interval (rollout.status with overallStatus \
Interrupted and resumeCommand, then exit 4: the rollout has not ended, sentinel-trigger resume carries it on). \
DELIVERY: at least once. Each watcher keeps a cursor of what it wrote and flushed in \
.sentinel/rollouts/<rolloutId>/watch-cursor.json; a watcher started later (after one was killed, say) reports \
everything after that cursor as new, not replayed, so a stage that completed while no watcher ran still reaches \
sentinel-stress --on stage.completed. Without a cursor it starts from what sentinel-state recorded, else from the \
beginning. A watcher killed between writing events and keeping its cursor makes the next one write those events \
again. --replay writes the whole history again, completed stages marked replayed: true. --stop-at-approval returns at a wait action so that a script can verify and approve. health \
waits for endpoints with backoff. A remote provider that stays unreachable after its retries, or refuses the \
credentials, exits 4.";

impl ToolCli for Cli {
    fn output_args(&self) -> &OutputArgs {
        &self.output
    }
}

/// Run the tool.
pub fn run(cli: Cli) -> Result<Exit> {
    let logger = Logger::for_tool("sentinel-watch", &cli.output);
    sentinel_core::signals::install(&logger)?;
    let mut out = Writer::new(std::io::stdout());
    match &cli.action {
        Some(Action::Health {
            urls,
            timeout,
            expect_status,
            expect_body,
        }) => health::run(
            urls,
            *timeout,
            expect_status,
            expect_body.as_deref(),
            &mut out,
            &logger,
        ),
        None => follow::run(&cli, &mut out, &logger),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use clap::Parser;
    use std::time::Duration;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_durations_and_the_health_subcommand() {
        let cli =
            Cli::try_parse_from(["sentinel-watch", "--interval", "100ms", "--rollout-id", "r"])
                .unwrap();
        assert_eq!(cli.interval, Some(Duration::from_millis(100)));
        let health =
            Cli::try_parse_from(["sentinel-watch", "health", "http://127.0.0.1:1/"]).unwrap();
        assert!(matches!(health.action, Some(Action::Health { .. })));
        assert!(Cli::try_parse_from(["sentinel-watch", "--interval", "often"]).is_err());
    }
}
