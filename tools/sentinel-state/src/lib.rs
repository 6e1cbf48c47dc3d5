//! `sentinel-state`: fold events into a durable, locked state file; release gates; the
//! deployment report.

pub mod cli;

use clap::CommandFactory;
pub use cli::Cli;
use sentinel_core::{Error, Exit, Result, ToolCli};

/// What works in this build (the man page's STATUS section).
pub const STATUS: &str = "Flags are parsed and documented; the verbs are being built (issue 3). \
A verb that is not built yet exits 5 and says so.";

impl ToolCli for Cli {
    fn output_args(&self) -> &sentinel_core::output::OutputArgs {
        &self.output
    }
}

/// The command definition (for man pages and completions).
pub fn command() -> clap::Command {
    Cli::command()
}

/// Run the tool.
pub fn run(_cli: Cli) -> Result<Exit> {
    Err(Error::NotImplemented(
        "this sentinel-state verb (issue 3)".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn lock_takes_the_command_after_double_dash() {
        let cli = Cli::try_parse_from([
            "sentinel-state",
            "lock",
            "--wait",
            "5s",
            "--",
            "sh",
            "-c",
            "exit 3",
        ])
        .unwrap();
        let cli::Verb::Lock(args) = cli.verb else {
            panic!("lock")
        };
        assert_eq!(args.command, vec!["sh", "-c", "exit 3"]);
        assert!(
            Cli::try_parse_from(["sentinel-state", "unlock"]).is_err(),
            "unlock needs --force"
        );
    }
}
