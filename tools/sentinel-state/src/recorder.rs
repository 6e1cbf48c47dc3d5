//! The one writer of a state directory: folds events into the state and records them in the
//! journal, a group at a time. `apply`, the gates and `archive` all write through it.

use crate::state::Fold;
use crate::state::RolloutState;
use crate::store::{Journal, save_state};
use sentinel_core::events::Event;
use sentinel_core::files::StatePaths;
use sentinel_core::ndjson::{Item, Line, Reader};
use sentinel_core::output::Logger;
use sentinel_core::state_file;
use sentinel_core::{Error, Result};

/// Holds the journal's writer lock for as long as it lives.
#[derive(Debug)]
pub struct Recorder {
    paths: StatePaths,
    journal: Journal,
    state: RolloutState,
}

/// How a group of lines was recorded.
#[derive(Debug)]
pub struct Committed {
    /// How many lines from the front of the group were recorded (or were already) and may be
    /// passed on.
    pub accepted: usize,
    /// Why the rest was refused, if it was.
    pub refusal: Option<Error>,
}

impl Recorder {
    /// Open the state directory for writing. A journal that is ahead of the state (a crash
    /// between the two writes) is folded in now, so state and journal agree again.
    pub fn open(paths: &StatePaths, logger: &Logger) -> Result<Recorder> {
        // Read the state before touching anything, so a corrupt state stops us unchanged.
        let state = state_file::load(paths)?.unwrap_or_default();
        let (journal, lines) = Journal::open(paths, logger)?;
        let mut recorder = Recorder {
            paths: paths.clone(),
            journal,
            state,
        };
        let applied = recorder.state.events_applied as usize;
        if applied < lines.len() {
            for line in &lines[applied..] {
                recorder.state.fold_line(line)?;
            }
            save_state(paths, &recorder.state)?;
            logger.info(&format!(
                "folded {} journal event(s) that a crash had left out of the state",
                lines.len() - applied
            ));
        } else if applied > lines.len() {
            logger.warn(&format!(
                "the state says it holds {applied} events but the journal has {}: the journal was edited or truncated; keeping the state as it is",
                lines.len()
            ));
        }
        Ok(recorder)
    }

    pub fn state(&self) -> &RolloutState {
        &self.state
    }

    pub fn paths(&self) -> &StatePaths {
        &self.paths
    }

    /// Fold, journal (one fsync) and save a group of lines. Lines already in the journal are
    /// accepted without being recorded again, which makes applying a journal twice a no-op.
    /// An I/O error means nothing of this group may be passed on; the state on disk is intact.
    pub fn commit(&mut self, lines: &[Line]) -> Result<Committed> {
        let mut accepted = 0;
        let mut refusal = None;
        let mut to_journal: Vec<&str> = Vec::with_capacity(lines.len());
        for line in lines {
            if self.journal.contains(&line.text) {
                accepted += 1;
                continue;
            }
            if let Err(e) = self.state.fold_line(line) {
                refusal = Some(e);
                break;
            }
            to_journal.push(&line.text);
            accepted += 1;
        }
        if !to_journal.is_empty() {
            self.journal.append(&to_journal)?;
            save_state(&self.paths, &self.state)?;
        }
        Ok(Committed { accepted, refusal })
    }

    /// Record one event this tool wrote itself (a gate's outcome).
    pub fn record(&mut self, event: &Event) -> Result<()> {
        let text = event.to_line();
        let mut reader = Reader::new(text.as_bytes());
        let line = match reader.next_item() {
            Ok(Some(Item::Valid(mut line))) => {
                line.number = self.state.events_applied + 1;
                line
            }
            _ => {
                return Err(Error::Internal(format!(
                    "an event of our own did not parse: {text}"
                )));
            }
        };
        let committed = self.commit(std::slice::from_ref(&line))?;
        committed.refusal.map_or(Ok(()), Err)
    }

    /// Replace the state (archive marks the phase) and save it.
    pub fn replace_state(&mut self, state: RolloutState) -> Result<()> {
        save_state(&self.paths, &state)?;
        self.state = state;
        Ok(())
    }
}
