//! The pass-through pump every event-reading tool runs (sentinel-events(7), RULES 1–3): each input
//! line goes to stdout unchanged and in order, the tool's own events follow the line that
//! caused them, a bad line stops the tool with exit 2 after everything before it was passed on
//! (or is reported and skipped with `--skip-invalid`).

use crate::error::Result;
use crate::ndjson::{Item, Line, Reader, Writer};
use crate::output::Logger;
use std::io::{BufRead, Write};

/// Flags shared by every tool that reads events.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct StreamArgs {
    /// Write only this tool's own events, not the input events.
    #[arg(long)]
    pub no_pass_through: bool,

    /// Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2.
    #[arg(long)]
    pub skip_invalid: bool,
}

/// What a pump saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PumpSummary {
    /// Valid event lines read.
    pub events: u64,
    /// Invalid lines reported and skipped (only with `--skip-invalid`).
    pub skipped: u64,
}

/// Run the pass-through loop. `on_event` sees each valid line after it was written on, and
/// may emit its own events through the writer. The first invalid line ends the pump with
/// [`crate::Error::InvalidInput`] unless `args.skip_invalid`.
pub fn pump<R: BufRead, W: Write>(
    input: R,
    origin: &str,
    output: &mut Writer<W>,
    args: &StreamArgs,
    logger: &Logger,
    mut on_event: impl FnMut(&Line, &mut Writer<W>) -> Result<()>,
) -> Result<PumpSummary> {
    let mut reader = Reader::new(input);
    let mut summary = PumpSummary::default();
    while let Some(item) = reader.next_item().map_err(|e| crate::Error::Io {
        context: format!("reading {origin}"),
        source: e,
    })? {
        match item {
            Item::Valid(line) => {
                summary.events += 1;
                // A signal waits for this line to be passed on and handled.
                crate::signals::working(|| {
                    if !args.no_pass_through {
                        output.write_line(&line.text)?;
                    }
                    on_event(&line, output)
                })?;
            }
            Item::Invalid(bad) if args.skip_invalid => {
                summary.skipped += 1;
                logger.warn(&format!(
                    "{origin} line {}: skipped: {} (line starts with {:?})",
                    bad.number, bad.reason, bad.excerpt
                ));
            }
            Item::Invalid(bad) => return Err(bad.into_error(origin)),
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::events::{Event, LogMessage, Payload};
    use crate::output::Logger;

    fn run(input: &str, args: &StreamArgs) -> (String, Result<PumpSummary>) {
        let mut writer = Writer::new(Vec::new());
        let result = pump(
            input.as_bytes(),
            "standard input",
            &mut writer,
            args,
            &Logger::silent(),
            |line, out| {
                if line.kind() == Some("stage.completed") {
                    let reply = Event::new(
                        "sentinel-test",
                        line.rollout_id(),
                        Payload::Log(LogMessage {
                            level: "info".into(),
                            message: "saw it".into(),
                        }),
                    );
                    out.emit(&reply)?;
                }
                Ok(())
            },
        );
        (String::from_utf8(writer.into_inner()).unwrap(), result)
    }

    #[test]
    fn passes_every_line_through_and_emits_right_after_its_cause() {
        let input = "{\"kind\":\"a.b\",\"x\":1}\n{\"kind\":\"stage.completed\",\"rolloutId\":\"r1\"}\n{\"kind\":\"c.d\"}\n";
        let (out, result) = run(input, &StreamArgs::default());
        assert_eq!(
            result.unwrap(),
            PumpSummary {
                events: 3,
                skipped: 0
            }
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], "{\"kind\":\"a.b\",\"x\":1}");
        assert_eq!(
            lines[1],
            "{\"kind\":\"stage.completed\",\"rolloutId\":\"r1\"}"
        );
        assert!(lines[2].contains("\"kind\":\"log\"") && lines[2].contains("\"rolloutId\":\"r1\""));
        assert_eq!(lines[3], "{\"kind\":\"c.d\"}");
    }

    #[test]
    fn stops_at_a_bad_line_after_passing_on_everything_before_it() {
        let (out, result) = run(
            "{\"kind\":\"a.b\"}\nnot json\n{\"kind\":\"c.d\"}\n",
            &StreamArgs::default(),
        );
        assert_eq!(out, "{\"kind\":\"a.b\"}\n");
        match result {
            Err(Error::InvalidInput { line, excerpt, .. }) => {
                assert_eq!(line, 2);
                assert_eq!(excerpt, "not json");
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn skip_invalid_reports_and_goes_on() {
        let args = StreamArgs {
            skip_invalid: true,
            ..Default::default()
        };
        let (out, result) = run("{\"kind\":\"a.b\"}\nnot json\n{\"kind\":\"c.d\"}\n", &args);
        assert_eq!(
            result.unwrap(),
            PumpSummary {
                events: 2,
                skipped: 1
            }
        );
        assert_eq!(out, "{\"kind\":\"a.b\"}\n{\"kind\":\"c.d\"}\n");
    }

    #[test]
    fn no_pass_through_writes_only_own_events() {
        let args = StreamArgs {
            no_pass_through: true,
            ..Default::default()
        };
        let (out, _) = run("{\"kind\":\"stage.completed\"}\n", &args);
        assert_eq!(out.lines().count(), 1);
        assert!(out.contains("\"kind\":\"log\""));
    }
}
