//! `sentinel-trigger`: start, approve, reject, cancel, roll back or resume a rollout through a
//! provider, and discover the versions to deploy.

pub mod actions;
pub mod cli;
pub mod confirm;
pub mod start;

pub use cli::{Action, Cli};
use sentinel_core::ndjson::Writer;
use sentinel_core::output::{Logger, OutputArgs};
use sentinel_core::{Exit, Result, ToolCli};

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
    let logger = Logger::for_tool("sentinel-trigger", &cli.output);
    let mut out = Writer::new(std::io::stdout());
    match &cli.action {
        None => start::start(&cli, &mut out, &logger),
        Some(Action::Engine { dir }) => {
            sentinel_provider::rollout_engine::run_engine(dir).map(|()| Exit::Success)
        }
        Some(Action::Protected) => start::protected(&cli, &logger),
        Some(action) => actions::act(&cli, action, &mut out, &logger),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn parses_the_documented_flags() {
        let cli = Cli::try_parse_from([
            "sentinel-trigger",
            "--environment",
            "Prod",
            "--artifact-version",
            "1.2.3",
            "--selection-scope",
            "regions(*)",
            "--confirm",
            "DEPLOY-NOW",
            "--provider",
            "ev2",
        ])
        .unwrap();
        assert_eq!(cli.config.environment.as_deref(), Some("Prod"));
        assert_eq!(cli.start.confirm.as_deref(), Some("DEPLOY-NOW"));
        let approve =
            Cli::try_parse_from(["sentinel-trigger", "approve", "--rollout-id", "r1"]).unwrap();
        assert!(matches!(approve.action, Some(Action::Approve { .. })));
    }
}
