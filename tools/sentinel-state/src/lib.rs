//! `sentinel-state`: fold events into a durable, locked state file; release gates; the
//! deployment report.

pub mod apply;
pub mod archive;
pub mod cli;
pub mod gates;
pub mod html;
pub mod lock_command;
pub mod phases;
pub mod query;
pub mod recorder;
pub mod repair;
pub mod report;
pub mod state;
pub mod store;

pub use cli::Cli;
use cli::Verb;
use sentinel_core::backend::StateUrl;
use sentinel_core::clock::SystemClock;
use sentinel_core::files::StatePaths;
use sentinel_core::ndjson::Writer;
use sentinel_core::output::Logger;
use sentinel_core::{Exit, Result, ToolCli};

/// What works in this build: the man page's STATUS section, kept in `man/status.txt` beside
/// this crate.
pub const STATUS: &str = include_str!("../man/status.txt");

/// The man page's sections beyond the generated ones (STATE BACKENDS), in `man/sections.txt`.
pub const MAN_SECTIONS: &str = include_str!("../man/sections.txt");

impl ToolCli for Cli {
    fn output_args(&self) -> &sentinel_core::output::OutputArgs {
        &self.output
    }
}

/// Run the tool.
pub fn run(cli: Cli) -> Result<Exit> {
    let paths = StatePaths::new(cli.state.dir());
    let logger = Logger::for_tool("sentinel-state", &cli.output);
    let clock = SystemClock;
    let store = open_store(&paths, cli.state_url.as_deref())?;
    // Unlocked stdout: the logger writes `log` events to it too under --events-log.
    let mut out = Writer::new(std::io::stdout());
    match &cli.verb {
        Verb::Apply { stream } => {
            sentinel_core::signals::install(&logger)?;
            apply::apply(&store, stream, std::io::stdin().lock(), &mut out, &logger)
        }
        Verb::Show { json } => query::show(&store, *json, &mut out, &logger, &clock),
        Verb::Get { field } => query::get(&store, field, &mut out),
        Verb::Lock(args) => lock_command::lock(&store, args, &logger, &clock),
        Verb::Unlock { id, .. } => lock_command::unlock(&store, id.as_deref(), &logger, &clock),
        Verb::Resume => query::resume(&store, &mut out, &logger, &clock),
        Verb::Gate { gate } => gates::run_gate(&store, gate, &mut out, &logger, &clock),
        Verb::Report {
            format,
            output,
            baseline,
            front_matter,
        } => {
            let summary = std::env::var_os("GITHUB_STEP_SUMMARY")
                .filter(|v| !v.is_empty())
                .map(std::path::PathBuf::from);
            report::run_report(
                &store,
                report::ReportRequest {
                    format: *format,
                    output: output.as_deref(),
                    step_summary: summary.as_deref(),
                    baseline: baseline.as_deref(),
                    front_matter: *front_matter,
                },
                &mut out,
            )
        }
        Verb::Archive => archive::archive(&store, &logger),
        Verb::Repair if !store.is_local() => Err(sentinel_core::Error::usage_with_hint(
            format!(
                "repair works on a state directory, not on {}",
                store.location()
            ),
            "copy the blobs into a directory (az storage blob download-batch), run `sentinel-state --state-dir DIR repair` there, and put the repaired state.json back while holding the lock",
        )),
        Verb::Repair => repair::repair(&paths, &logger),
    }
}

/// The backend: `--state-url` / `SENTINEL_STATE_URL`, else the config's `stateBackend`,
/// else the state directory.
fn open_store(paths: &StatePaths, flag: Option<&str>) -> Result<store::Store> {
    let env = |name: &str| std::env::var(name).ok();
    let url = match flag.filter(|u| !u.trim().is_empty()) {
        Some(url) => StateUrl::parse(url.trim(), "--state-url / SENTINEL_STATE_URL")?,
        None => {
            let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
            sentinel_core::config::configured_state_backend(&env, &cwd)?.unwrap_or(StateUrl::Local)
        }
    };
    store::Store::open(paths, &url, &env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

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
