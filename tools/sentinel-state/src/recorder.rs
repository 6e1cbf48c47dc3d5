//! A writer of the state: folds events into the state and records them in the journal, a
//! group at a time. `apply`, the gates and `archive` all write through it.
//!
//! The state is always the fold of a prefix of the journal (`eventsApplied` lines). Where the
//! backend lets several writers in at once (Azure Blob Storage), a writer that finds lines of
//! another before its own, or whose state write lost the race, reads the stored state again
//! and folds what the journal holds beyond it, so no event is lost or folded twice.

use crate::state::Fold;
use crate::state::RolloutState;
use crate::store::Store;
use sentinel_core::backend::{JournalWriter, Revision, Written};
use sentinel_core::events::Event;
use sentinel_core::ndjson::{Item, Line, Reader};
use sentinel_core::output::Logger;
use sentinel_core::{Error, Result};

/// How many times in a row a writer folds again after losing a race before it gives up.
const MAX_REFOLDS: usize = 64;

/// On the local backend, holds the journal's writer lock for as long as it lives.
#[derive(Debug)]
pub struct Recorder<'a> {
    store: &'a Store,
    journal: Box<dyn JournalWriter>,
    state: RolloutState,
    revision: Revision,
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

impl<'a> Recorder<'a> {
    /// Open the state for writing. A journal that is ahead of the state (a crash between the
    /// two writes) is folded in now, so state and journal agree again.
    pub fn open(store: &'a Store, logger: &Logger) -> Result<Recorder<'a>> {
        // Read the state before touching anything, so a corrupt state stops us unchanged.
        let (state, revision) = store.load_versioned()?;
        let (journal, lines) = store.backend().open_journal(logger)?;
        let mut recorder = Recorder {
            store,
            journal,
            state: state.unwrap_or_default(),
            revision,
        };
        let applied = recorder.state.events_applied as usize;
        if applied < lines.len() {
            for line in &lines[applied..] {
                recorder.state.fold_line(line)?;
            }
            recorder.save()?;
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

    pub fn store(&self) -> &Store {
        self.store
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
            let others = self.journal.append(&to_journal)?;
            if others.is_empty() {
                self.save()?;
            } else {
                // Another writer's lines came before ours: our fold skipped them.
                self.refold()?;
            }
        }
        Ok(Committed { accepted, refusal })
    }

    /// Save the state, or fold again from the stored one if another writer saved first.
    fn save(&mut self) -> Result<()> {
        match self.store.save(&self.state, &self.revision)? {
            Written::Stored(revision) => {
                self.revision = revision;
                Ok(())
            }
            Written::Conflict => self.refold(),
        }
    }

    /// Read the stored state again, fold the journal's lines beyond it, and save that, as
    /// many times as another writer gets in between.
    fn refold(&mut self) -> Result<()> {
        for _ in 0..MAX_REFOLDS {
            let (stored, revision) = self.store.load_versioned()?;
            if stored.is_none() && matches!(self.revision, Revision::Tag(_)) {
                return Err(archived_under_us(self.store));
            }
            let mut state = stored.unwrap_or_default();
            let lines = self.journal.read_all()?;
            for line in lines.iter().skip(state.events_applied as usize) {
                state.fold_line(line)?;
            }
            if let Written::Stored(revision) = self.store.save(&state, &revision)? {
                self.state = state;
                self.revision = revision;
                return Ok(());
            }
        }
        Err(Error::Locked {
            message: format!(
                "the state in {} kept changing under this writer: {MAX_REFOLDS} writes in a row lost the race to other writers",
                self.store.location()
            ),
            hint: Some(
                "run one deployment per state at a time, under `sentinel-state lock`".into(),
            ),
        })
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

    /// Change the state (archive marks the phase) and save it; when another writer saved
    /// first, fold again from what it saved and make the change on that.
    pub fn change_state(&mut self, change: impl Fn(&mut RolloutState)) -> Result<()> {
        for _ in 0..MAX_REFOLDS {
            let mut state = self.state.clone();
            change(&mut state);
            match self.store.save(&state, &self.revision)? {
                Written::Stored(revision) => {
                    self.revision = revision;
                    self.state = state;
                    return Ok(());
                }
                Written::Conflict => self.refold()?,
            }
        }
        Err(Error::Locked {
            message: format!(
                "the state in {} kept changing while it was being changed",
                self.store.location()
            ),
            hint: Some("run it again once the other writers have finished".into()),
        })
    }
}

/// The state this writer had read is gone: `archive` (on another runner) moved it to the
/// history while this writer ran. Nothing more is written, so no empty state appears.
fn archived_under_us(store: &Store) -> Error {
    Error::Locked {
        message: format!(
            "the state in {} was archived (or removed) while this writer ran; what it passed on before is in the archive, nothing after was written",
            store.location()
        ),
        hint: Some(
            "archive only under the run lock (sentinel-state lock -- sentinel-state archive), then run this again for the next rollout".into(),
        ),
    }
}
