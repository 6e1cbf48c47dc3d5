//! Human output on stderr: colour policy, timestamped log lines, progress bars only on a
//! terminal, and CI annotations. This is the one module allowed to print; stdout belongs to
//! the event stream and is written only through [`crate::ndjson::Writer`].

#![allow(clippy::print_stderr)]

use crate::clock::now_rfc3339;
use crate::events::{Event, LogMessage, Payload};
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `--color auto|always|never`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`.
    #[default]
    Auto,
    Always,
    Never,
}

/// Flags every tool takes for its human output.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct OutputArgs {
    /// When to colour stderr.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// Also write log lines as `log` events on stdout (humans read stderr).
    #[arg(long, global = true)]
    pub events_log: bool,

    /// Also log debug lines: what remote services said in full (e.g. the EV2 best practices)
    /// [env: SENTINEL_DEBUG=1].
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

/// Whether to colour, from the flag, the environment and whether stderr is a terminal.
/// An explicit `--color always` wins over `NO_COLOR`, as in fd and ripgrep.
pub fn use_color(
    choice: ColorChoice,
    env: impl Fn(&str) -> Option<String>,
    stderr_is_terminal: bool,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = env("NO_COLOR").is_some_and(|v| !v.is_empty());
            let dumb = env("TERM").is_some_and(|t| t == "dumb");
            stderr_is_terminal && !no_color && !dumb
        }
    }
}

/// The CI system whose annotation syntax errors and warnings are echoed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CiAnnotations {
    None,
    /// `GITHUB_ACTIONS=true`: `::error::message`.
    GitHub,
    /// `TF_BUILD=True` (Azure Pipelines): `##vso[task.logissue type=error]message`.
    Azure,
}

impl CiAnnotations {
    /// Detect from the environment.
    pub fn detect(env: impl Fn(&str) -> Option<String>) -> Self {
        if env("GITHUB_ACTIONS").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            CiAnnotations::GitHub
        } else if env("TF_BUILD").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            CiAnnotations::Azure
        } else {
            CiAnnotations::None
        }
    }

    /// The annotation line for a message, or `None` outside CI.
    pub fn format(self, level: Level, message: &str) -> Option<String> {
        match self {
            CiAnnotations::None => None,
            // Workflow command data escapes %, CR and LF.
            CiAnnotations::GitHub => {
                let command = match level {
                    Level::Error => "error",
                    Level::Warn => "warning",
                    Level::Debug | Level::Info => return None,
                };
                let data = message
                    .replace('%', "%25")
                    .replace('\r', "%0D")
                    .replace('\n', "%0A");
                Some(format!("::{command}::{data}"))
            }
            CiAnnotations::Azure => {
                let kind = match level {
                    Level::Error => "error",
                    Level::Warn => "warning",
                    Level::Debug | Level::Info => return None,
                };
                let data = message.replace('\r', "%0D").replace('\n', "%0A");
                Some(format!("##vso[task.logissue type={kind}]{data}"))
            }
        }
    }
}

/// Severity of a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Shown only with `--verbose` or `SENTINEL_DEBUG=1`.
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }

    fn paint(self) -> &'static str {
        match self {
            Level::Debug => "\x1b[2m",
            Level::Info => "\x1b[36m",
            Level::Warn => "\x1b[33m",
            Level::Error => "\x1b[31;1m",
        }
    }
}

#[derive(Debug, Clone)]
enum Sink {
    Stderr,
    Silent,
    Buffer(Arc<Mutex<Vec<u8>>>),
}

/// Writes `2026-11-23T18:04:05.123Z sentinel-state warn: message` lines to stderr.
/// Cheap to clone and safe to share between threads.
#[derive(Debug, Clone)]
pub struct Logger {
    tool: &'static str,
    color: bool,
    annotations: CiAnnotations,
    sink: Sink,
    /// `--events-log`: also write each log line as a `log` event on stdout.
    events_log: bool,
    /// `--verbose`: debug lines are written too.
    debug: bool,
}

impl Logger {
    /// The logger a tool uses, configured from its flags and the process environment.
    pub fn for_tool(tool: &'static str, args: &OutputArgs) -> Self {
        let env = |name: &str| std::env::var(name).ok();
        Logger {
            tool,
            color: use_color(args.color, env, std::io::stderr().is_terminal()),
            annotations: CiAnnotations::detect(env),
            sink: Sink::Stderr,
            events_log: args.events_log,
            debug: args.verbose || env("SENTINEL_DEBUG").is_some_and(|v| !v.is_empty() && v != "0"),
        }
    }

    /// A logger that writes nothing (tests of code that logs).
    pub fn silent() -> Self {
        Logger {
            tool: "sentinel",
            color: false,
            annotations: CiAnnotations::None,
            sink: Sink::Silent,
            events_log: false,
            debug: false,
        }
    }

    /// A logger that writes into a shared buffer (tests that assert on log text).
    pub fn buffer(tool: &'static str) -> (Self, Arc<Mutex<Vec<u8>>>) {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let logger = Logger {
            tool,
            color: false,
            annotations: CiAnnotations::None,
            sink: Sink::Buffer(Arc::clone(&buffer)),
            events_log: false,
            debug: false,
        };
        (logger, buffer)
    }

    /// The tool name this logger prefixes.
    pub fn tool(&self) -> &'static str {
        self.tool
    }

    /// A line for `--verbose` runs only.
    pub fn debug(&self, message: &str) {
        if self.debug {
            self.log(Level::Debug, message);
        }
    }

    pub fn info(&self, message: &str) {
        self.log(Level::Info, message);
    }

    pub fn warn(&self, message: &str) {
        self.log(Level::Warn, message);
    }

    pub fn error(&self, message: &str) {
        self.log(Level::Error, message);
    }

    /// One timestamped line; warnings and errors are also annotated for the CI system.
    pub fn log(&self, level: Level, message: &str) {
        let level_text = if self.color {
            format!("{}{}\x1b[0m", level.paint(), level.as_str())
        } else {
            level.as_str().to_owned()
        };
        let mut text = format!("{} {} {level_text}: {message}\n", now_rfc3339(), self.tool);
        if let Some(annotation) = self
            .annotations
            .format(level, &format!("{}: {message}", self.tool))
        {
            text.push_str(&annotation);
            text.push('\n');
        }
        self.write_raw(&text);
        if self.events_log {
            self.write_log_event(level, message);
        }
    }

    fn write_log_event(&self, level: Level, message: &str) {
        let event = Event::new(
            self.tool,
            None,
            Payload::Log(LogMessage {
                level: level.as_str().to_owned(),
                message: message.to_owned(),
            }),
        );
        let mut line = event.to_line().into_bytes();
        line.push(b'\n');
        // A closed stdout is the main path's to report (as a quiet broken pipe).
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(&line).and_then(|()| stdout.flush());
    }

    /// Write text to the sink as it is (reports and summaries meant for people).
    pub fn write_raw(&self, text: &str) {
        match &self.sink {
            // A closed stderr must not stop a deployment; there is nowhere left to say so.
            Sink::Stderr => {
                let _ = std::io::stderr().lock().write_all(text.as_bytes());
            }
            Sink::Silent => {}
            Sink::Buffer(buffer) => buffer
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .extend_from_slice(text.as_bytes()),
        }
    }

    /// The final error report of a tool: `sentinel-x: error: what: why`, a hint line, and the
    /// CI annotation. Not timestamped: it is the last thing a person reads.
    pub fn report_error(&self, message: &str, hint: Option<&str>) {
        let prefix = if self.color {
            "\x1b[31;1merror\x1b[0m"
        } else {
            "error"
        };
        let mut text = format!("{}: {prefix}: {message}\n", self.tool);
        if let Some(hint) = hint {
            text.push_str(&format!("{}: hint: {hint}\n", self.tool));
        }
        if let Some(annotation) = self
            .annotations
            .format(Level::Error, &format!("{}: {message}", self.tool))
        {
            text.push_str(&annotation);
            text.push('\n');
        }
        self.write_raw(&text);
    }

    /// Whether colour is on (for tools that draw their own coloured reports).
    pub fn color(&self) -> bool {
        self.color
    }
}

/// A progress bar on stderr when it is a terminal; a hidden one (that costs nothing) otherwise.
/// `total` of `None` draws a spinner with elapsed time.
pub fn progress_bar(total: Option<u64>, stderr_is_terminal: bool) -> indicatif::ProgressBar {
    if !stderr_is_terminal {
        return indicatif::ProgressBar::hidden();
    }
    let bar = match total {
        Some(total) => indicatif::ProgressBar::new(total).with_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        ),
        None => indicatif::ProgressBar::new_spinner().with_style(
            indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        ),
    };
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// The first `max_chars` characters of a text for a message, marked with … when cut.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(max_chars).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// Whether stderr is a terminal (progress bars and prompts ask this).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn colour_policy_follows_flag_no_color_term_and_terminal() {
        assert!(use_color(ColorChoice::Auto, env_of(&[]), true));
        assert!(
            !use_color(ColorChoice::Auto, env_of(&[]), false),
            "not a terminal"
        );
        assert!(!use_color(
            ColorChoice::Auto,
            env_of(&[("NO_COLOR", "1")]),
            true
        ));
        assert!(
            use_color(ColorChoice::Auto, env_of(&[("NO_COLOR", "")]), true),
            "empty NO_COLOR is unset"
        );
        assert!(!use_color(
            ColorChoice::Auto,
            env_of(&[("TERM", "dumb")]),
            true
        ));
        assert!(use_color(
            ColorChoice::Always,
            env_of(&[("NO_COLOR", "1")]),
            false
        ));
        assert!(!use_color(ColorChoice::Never, env_of(&[]), true));
    }

    #[test]
    fn ci_annotations_use_each_systems_syntax() {
        let github = CiAnnotations::detect(env_of(&[("GITHUB_ACTIONS", "true")]));
        assert_eq!(
            github
                .format(Level::Error, "gate closed: 50%\nsee report")
                .as_deref(),
            Some("::error::gate closed: 50%25%0Asee report")
        );
        let azure = CiAnnotations::detect(env_of(&[("TF_BUILD", "True")]));
        assert_eq!(
            azure.format(Level::Warn, "lock is stale").as_deref(),
            Some("##vso[task.logissue type=warning]lock is stale")
        );
        assert_eq!(
            CiAnnotations::detect(env_of(&[])).format(Level::Error, "x"),
            None
        );
        assert_eq!(
            github.format(Level::Info, "x"),
            None,
            "info is not an annotation"
        );
    }

    #[test]
    fn log_lines_are_timestamped_and_name_the_tool() {
        let (logger, buffer) = Logger::buffer("sentinel-state");
        logger.warn("journal tail was torn; truncated 12 bytes");
        let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
        let (ts, rest) = text.split_once(' ').unwrap();
        assert!(crate::clock::parse_rfc3339(ts).is_ok(), "{ts}");
        assert_eq!(
            rest,
            "sentinel-state warn: journal tail was torn; truncated 12 bytes\n"
        );
    }

    #[test]
    fn progress_is_hidden_off_a_terminal() {
        assert!(progress_bar(Some(10), false).is_hidden());
    }
}
