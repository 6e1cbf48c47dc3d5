//! `sentinel-watch`: follow a rollout until it ends, one event per change; wait for health
//! endpoints.

pub mod analyze;
pub mod cli;
pub mod follow;
pub mod health;

pub use cli::{Action, Cli};
use sentinel_core::ndjson::Writer;
use sentinel_core::output::{Logger, OutputArgs};
use sentinel_core::{Exit, Result, ToolCli};

/// What works in this build: the man page's STATUS section, kept in `man/status.txt` beside
/// this crate.
pub const STATUS: &str = include_str!("../man/status.txt");

/// The man page's ANALYSIS section, kept in `man/sections.txt` beside this crate.
pub const MAN_SECTIONS: &str = include_str!("../man/sections.txt");

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
        Some(Action::Analyze(args)) => analyze::run(args, &cli.config, &mut out, &logger),
        None => follow::run(&cli, &mut out, &logger),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use std::time::Duration;

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
