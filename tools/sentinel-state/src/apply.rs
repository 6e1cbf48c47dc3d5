//! `sentinel-state apply`: pass events through, journal them, fold them into the state.
//!
//! Each burst of input that is already buffered is committed as one group — journal append,
//! one fsync, one atomic state write — and only then passed on. So what a downstream tool
//! has seen is always on disk, and 100 000 events cost a few hundred fsyncs, not 100 000.

use crate::recorder::Recorder;
use crate::store::Store;
use sentinel_core::ndjson::{Item, Reader, Writer};
use sentinel_core::output::Logger;
use sentinel_core::stream::StreamArgs;
use sentinel_core::{Error, Exit, Result};
use std::io::{BufReader, Read, Write};

/// Largest group committed with one fsync.
const MAX_GROUP: usize = 4096;

/// Run `apply` over `input`, writing to `output`.
pub fn apply<R: Read, W: Write>(
    store: &Store,
    args: &StreamArgs,
    input: R,
    output: &mut Writer<W>,
    logger: &Logger,
) -> Result<Exit> {
    let mut recorder = Recorder::open(store, logger)?;
    let mut reader = Reader::new(BufReader::with_capacity(256 * 1024, input));
    loop {
        let batch = reader.next_batch(MAX_GROUP).map_err(|e| Error::Io {
            context: "reading standard input".into(),
            source: e,
        })?;
        if batch.is_empty() {
            return Ok(Exit::Success);
        }
        let mut lines = Vec::with_capacity(batch.len());
        let mut stop = None;
        for item in batch {
            match item {
                Item::Valid(line) => lines.push(line),
                Item::Invalid(bad) if args.skip_invalid => logger.warn(&format!(
                    "standard input line {}: skipped: {} (line starts with {:?})",
                    bad.number, bad.reason, bad.excerpt
                )),
                Item::Invalid(bad) => {
                    stop = Some(bad.into_error("standard input"));
                    break;
                }
            }
        }
        // A signal waits until this group is journalled, saved and passed on.
        let committed = sentinel_core::signals::working(|| -> Result<_> {
            let committed = recorder.commit(&lines)?;
            if !args.no_pass_through {
                for line in &lines[..committed.accepted] {
                    output.write_line(&line.text)?;
                }
            }
            Ok(committed)
        })?;
        if let Some(error) = committed.refusal.or(stop) {
            return Err(error);
        }
    }
}
