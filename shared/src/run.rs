//! The top of every tool: parse the command line, run, print the error once, exit with its code.

use crate::error::{Error, Result, chain};
use crate::exit::Exit;
use crate::output::{Logger, OutputArgs};
use std::process::ExitCode;

/// A tool's parsed command line, which knows its output flags.
pub trait ToolCli: clap::Parser {
    fn output_args(&self) -> &OutputArgs;
}

/// Parse `C` from the process arguments, run `run`, and turn the outcome into the exit code.
///
/// Errors are printed once, as `sentinel-x: error: what: why` plus a hint line. A broken pipe
/// on stdout ends quietly with 0: the tool's own work was made safe before the error rose.
pub fn run_main<C: ToolCli>(tool: &'static str, run: impl FnOnce(C) -> Result<Exit>) -> ExitCode {
    let cli = match C::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    ignore_file_size_signal();
    let logger = Logger::for_tool(tool, cli.output_args());
    let outcome = run(cli);
    if crate::signals::wait_for_interrupted_exit() {
        return ExitCode::from(crate::signals::EXIT_INTERRUPTED as u8);
    }
    finish(&logger, outcome)
}

/// A write past `ulimit -f` raises SIGXFSZ, whose default action kills the process without a
/// word. Ignored, the write fails with EFBIG instead, which is reported like a full disk.
fn ignore_file_size_signal() {
    // SAFETY: setting a signal's disposition to SIG_IGN has no preconditions.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// Report the outcome of a run and give its exit code.
pub fn finish(logger: &Logger, outcome: Result<Exit>) -> ExitCode {
    match outcome {
        Ok(exit) => exit.into(),
        Err(Error::BrokenPipe) => ExitCode::SUCCESS,
        Err(error) => {
            logger.report_error(&chain(&error), error.hint().as_deref());
            error.exit().into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_reported_once_with_hint_and_mapped_to_their_code() {
        let (logger, buffer) = Logger::buffer("sentinel-test");
        let code = finish(
            &logger,
            Err(Error::usage_with_hint(
                "serviceId is missing",
                "it is the ServiceId in ServiceModel.json",
            )),
        );
        assert_eq!(code, ExitCode::from(2));
        let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            "sentinel-test: error: serviceId is missing\nsentinel-test: hint: it is the ServiceId in ServiceModel.json\n"
        );
    }

    #[test]
    fn broken_pipe_ends_quietly() {
        let (logger, buffer) = Logger::buffer("sentinel-test");
        assert_eq!(finish(&logger, Err(Error::BrokenPipe)), ExitCode::SUCCESS);
        assert!(buffer.lock().unwrap().is_empty());
    }
}
