//! `sentinel-stress`: load-test HTTP endpoints and judge them against thresholds; standalone
//! or as the judge of each deployed stage in a pipeline.

mod books;
pub mod cli;
pub mod descriptors;
pub mod engine;
mod http2;
pub mod judge;
mod monitor;
mod pipeline;
pub mod report;
pub mod response;
mod settings;
pub mod target;
pub mod tls;
#[cfg(target_os = "linux")]
mod uring;

pub use cli::{Action, Cli, OutputFormat};
use sentinel_core::config::StressTestConfig;
use sentinel_core::ndjson::Writer;
use sentinel_core::output::{Logger, OutputArgs};
use sentinel_core::{Error, Exit, Result, ToolCli};
use settings::Standalone;
use std::io::IsTerminal;

/// What works in this build: the man page's STATUS section, kept in `man/status.txt` beside
/// this crate.
pub const STATUS: &str = include_str!("../man/status.txt");

/// Sections of the man page beyond the generated ones.
/// Kept in `man/sections.txt` beside this crate: `## TITLE` lines, each followed by its text.
pub const MAN_SECTIONS: &str = include_str!("../man/sections.txt");

/// At most this many endpoints of one event are tested.
pub const MAX_ENDPOINTS: usize = 10;

impl ToolCli for Cli {
    fn output_args(&self) -> &OutputArgs {
        &self.output_args
    }
}

/// Say (at debug level) which engine will drive HTTP/1.1 connections; `--engine io-uring`
/// where io_uring is not usable is a usage error with the reason.
fn choose_engine(choice: engine::EngineChoice, logger: &Logger) -> Result<()> {
    use engine::EngineChoice;
    match (choice, engine::io_uring_usable()) {
        (EngineChoice::IoUring, Err(why)) => Err(Error::usage_with_hint(
            format!("--engine io-uring: io_uring is not usable on this machine: {why}"),
            "use --engine auto (it falls back to mio) or --engine mio",
        )),
        (EngineChoice::Mio, _) => {
            logger.debug("load engine: mio (--engine mio)");
            Ok(())
        }
        (EngineChoice::Auto, Err(why)) => {
            logger.debug(&format!(
                "load engine: mio (io_uring is not usable on this machine: {why})"
            ));
            Ok(())
        }
        (_, Ok(())) => {
            logger.debug("load engine: io_uring for http:// targets, mio for https://");
            Ok(())
        }
    }
}

/// Run the tool.
pub fn run(cli: Cli) -> Result<Exit> {
    let logger = Logger::for_tool("sentinel-stress", &cli.output_args);
    sentinel_core::signals::install(&logger)?;
    let mut out = Writer::new(std::io::stdout());
    cli.check()?;
    choose_engine(cli.load.engine, &logger)?;
    let t = &cli.thresholds;
    if t.abort_on_breach
        && t.max_error_rate.is_none()
        && [t.max_p50, t.max_p95, t.max_p99, t.max_avg]
            .iter()
            .all(Option::is_none)
    {
        return Err(Error::usage_with_hint(
            "--abort-on-breach needs a limit to judge each window by: --max-error-rate, --max-p50, --max-p95, --max-p99 or --max-avg",
            "for example: --abort-on-breach --window 5s --max-error-rate 1 --max-p99 500ms",
        ));
    }
    let format = cli.output.unwrap_or(if std::io::stdout().is_terminal() {
        OutputFormat::Text
    } else {
        OutputFormat::Ndjson
    });
    if let Some(Action::Merge { files, thresholds }) = &cli.action {
        thresholds.check()?;
        let mut results = Vec::new();
        for file in files {
            results.extend(settings::read_results(file)?);
        }
        let judging = settings::judging(thresholds, &StressTestConfig::default())?;
        let first = &results[0];
        let merged = judge::merge(
            &results,
            &judging.limits_for(&first.endpoint_url, &first.method),
        )?;
        return report::emit(&[merged], format, &mut out, &logger);
    }
    if !cli.on.is_empty() {
        return pipeline::pipeline(&cli, &mut out, &logger);
    }
    let run = Standalone::resolve(&cli, &logger)?;
    // A signal stops the load; the partial results are still written, then exit 130.
    let (results, exit) = sentinel_core::signals::working(|| -> Result<_> {
        let results =
            monitor::load_test(&run.plan, &run.endpoints, &run.judging, run.watch, &logger);
        let exit = report::emit(&results, format, &mut out, &logger)?;
        Ok((results, exit))
    })?;
    sentinel_core::signals::check()?;
    judge::refuse_client_failures(&results)?;
    Ok(exit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use std::time::Duration;

    #[test]
    fn parses_load_request_and_threshold_flags() {
        let cli = Cli::try_parse_from([
            "sentinel-stress",
            "-n",
            "500",
            "-c",
            "50",
            "-H",
            "X-A: 1",
            "--max-p99",
            "500ms",
            "--on",
            "stage.completed,rollout.completed",
            "http://127.0.0.1:1/",
        ])
        .unwrap();
        assert_eq!(cli.load.requests, Some(500));
        assert_eq!(cli.thresholds.max_p99, Some(Duration::from_millis(500)));
        assert_eq!(cli.on, vec!["stage.completed", "rollout.completed"]);
        assert!(
            Cli::try_parse_from(["sentinel-stress", "--max-latency-ratio", "1.1", "http://x/"])
                .is_err(),
            "a ratio needs a baseline"
        );
    }
}
