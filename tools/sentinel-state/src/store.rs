//! Where sentinel-state keeps a rollout: the [`Store`] it was pointed at — the state
//! directory (the default), or Azure Blob Storage (`--state-url azblob://…`) for CI runners
//! that share nothing else — and the local backend: the state directory's files, the state
//! atomic with a `.bak`, the journal append-only (fsynced per group, a torn tail from a
//! crash repaired on open), the run lock an `flock`.

use crate::state::RolloutState;
use fs2::FileExt;
use sentinel_core::atomic::{sync_parent_dir, write_atomic};
use sentinel_core::backend::{
    HeldLock, JournalWriter, LineIndex, Revision, StateBackend, StateCopy, StateUrl, Written,
    complete_len, parse_journal,
};
use sentinel_core::clock::Clock;
use sentinel_core::files::StatePaths;
use sentinel_core::lock::LockRequest;
use sentinel_core::ndjson::Line;
use sentinel_core::nofollow;
use sentinel_core::output::Logger;
use sentinel_core::rollout_id::RolloutId;
use sentinel_core::state_file;
use sentinel_core::{Error, Result};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

/// The state backend a run works on, and the state directory, which keeps what stays on
/// this machine whatever the backend (the baseline, the local provider's rollouts).
#[derive(Debug)]
pub struct Store {
    backend: Box<dyn StateBackend>,
    pub paths: StatePaths,
    local: bool,
}

impl Store {
    /// The state directory's own files.
    pub fn local(paths: &StatePaths) -> Store {
        Store {
            backend: Box::new(LocalBackend {
                paths: paths.clone(),
            }),
            paths: paths.clone(),
            local: true,
        }
    }

    /// The backend `url` names (credentials and endpoint from `env`).
    pub fn open(
        paths: &StatePaths,
        url: &StateUrl,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Store> {
        Ok(match url {
            StateUrl::Local => Store::local(paths),
            StateUrl::AzBlob(location) => Store {
                backend: Box::new(sentinel_azblob::open(location, env)?),
                paths: paths.clone(),
                local: false,
            },
        })
    }

    /// Whether the state is the state directory's files.
    pub fn is_local(&self) -> bool {
        self.local
    }

    pub fn backend(&self) -> &dyn StateBackend {
        self.backend.as_ref()
    }

    /// The state; `None` when there is none yet.
    pub fn load(&self) -> Result<Option<RolloutState>> {
        Ok(self.load_versioned()?.0)
    }

    /// The state and the revision a write must expect to replace it.
    pub fn load_versioned(&self) -> Result<(Option<RolloutState>, Revision)> {
        self.load_copy(StateCopy::Current)
    }

    /// The `.bak`, the last good state before the current one.
    pub fn load_backup(&self) -> Result<Option<RolloutState>> {
        Ok(self.load_copy(StateCopy::Backup)?.0)
    }

    fn load_copy(&self, copy: StateCopy) -> Result<(Option<RolloutState>, Revision)> {
        match self.backend.read_state(copy)? {
            None => Ok((None, Revision::Absent)),
            Some((text, revision)) => {
                let state = state_file::parse(
                    &text,
                    &self.backend.state_name(copy),
                    &self.backend.state_name(StateCopy::Backup),
                )?;
                Ok((Some(state), revision))
            }
        }
    }

    /// Write the state if the stored one is still `expected`.
    pub fn save(&self, state: &RolloutState, expected: &Revision) -> Result<Written> {
        let mut bytes = serde_json::to_vec_pretty(state)
            .map_err(|e| Error::Internal(format!("serializing state: {e}")))?;
        bytes.push(b'\n');
        self.backend.write_state(&bytes, expected)
    }

    /// The journal's lines, without becoming its writer.
    pub fn read_journal(&self) -> Result<Vec<Line>> {
        self.backend.read_journal()
    }

    /// Where the state is, for messages.
    pub fn location(&self) -> String {
        self.backend.location()
    }
}

/// The state directory as a backend: one writer at a time (the journal's `flock`), so no
/// write needs a revision check.
#[derive(Debug)]
pub struct LocalBackend {
    paths: StatePaths,
}

impl StateBackend for LocalBackend {
    fn location(&self) -> String {
        self.paths.dir.display().to_string()
    }

    fn state_name(&self, copy: StateCopy) -> String {
        match copy {
            StateCopy::Current => self.paths.state(),
            StateCopy::Backup => self.paths.state_backup(),
        }
        .display()
        .to_string()
    }

    fn journal_name(&self) -> String {
        self.paths.journal().display().to_string()
    }

    fn read_state(&self, copy: StateCopy) -> Result<Option<(String, Revision)>> {
        let path = match copy {
            StateCopy::Current => self.paths.state(),
            StateCopy::Backup => self.paths.state_backup(),
        };
        match nofollow::read_to_string(&path) {
            Ok(text) => Ok(Some((text, Revision::Unchecked))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(nofollow::error("reading state file", &path, e)),
        }
    }

    fn write_state(&self, text: &[u8], _expected: &Revision) -> Result<Written> {
        save_state(&self.paths, text)?;
        Ok(Written::Stored(Revision::Unchecked))
    }

    fn read_journal(&self) -> Result<Vec<Line>> {
        read_journal(&self.paths)
    }

    fn open_journal(&self, logger: &Logger) -> Result<(Box<dyn JournalWriter>, Vec<Line>)> {
        let (journal, lines) = Journal::open(&self.paths, logger)?;
        Ok((Box::new(journal), lines))
    }

    fn acquire_lock(&self, request: &LockRequest, clock: &dyn Clock) -> Result<Box<dyn HeldLock>> {
        std::fs::create_dir_all(&self.paths.dir)
            .map_err(|e| Error::io("creating state directory", &self.paths.dir, e))?;
        Ok(Box::new(sentinel_core::lock::acquire(
            &self.paths.lock(),
            request,
            clock,
        )?))
    }

    fn unlock(&self, id: Option<&str>, logger: &Logger, clock: &dyn Clock) -> Result<()> {
        crate::lock_command::unlock_local(&self.paths, id, logger, clock)
    }

    fn archive(&self, name: &RolloutId) -> Result<String> {
        crate::archive::archive_local(&self.paths, name)
    }

    fn archived_states(&self) -> Result<Vec<String>> {
        let history = self.paths.dir.join(sentinel_core::files::HISTORY_DIR);
        let Ok(entries) = std::fs::read_dir(&history) else {
            return Ok(Vec::new());
        };
        let mut texts = Vec::new();
        for entry in entries.flatten() {
            // A symlink in the history is not followed (nor is anything below it read).
            if !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let path = StatePaths::new(entry.path()).state();
            if let Ok(text) = nofollow::read_to_string(&path) {
                texts.push(text);
            }
        }
        Ok(texts)
    }
}

/// Write the state atomically, keeping the current file as `.bak` first. Both steps are
/// renames of complete files, so a crash leaves a parseable state and a parseable `.bak`.
pub fn save_state(paths: &StatePaths, bytes: &[u8]) -> Result<()> {
    let target = paths.state();
    let backup = paths.state_backup();
    nofollow::refuse_symlink(&target)?;
    nofollow::refuse_symlink(&backup)?;
    if target.exists() {
        let staging = backup.with_extension("bak.tmp");
        let _ = std::fs::remove_file(&staging);
        std::fs::hard_link(&target, &staging)
            .and_then(|()| std::fs::rename(&staging, &backup))
            .map_err(|e| Error::io("keeping the last good state as", &backup, e))?;
    }
    write_atomic(&target, bytes)
}

/// The journal, opened for appending by one writer at a time.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: std::path::PathBuf,
    len: u64,
    index: LineIndex,
}

impl Journal {
    /// Open (creating) the journal, take the writer lock, repair a torn tail, and return the
    /// lines it holds.
    pub fn open(paths: &StatePaths, logger: &Logger) -> Result<(Journal, Vec<Line>)> {
        std::fs::create_dir_all(&paths.dir)
            .map_err(|e| Error::io("creating state directory", &paths.dir, e))?;
        let path = paths.journal();
        let mut file = nofollow::open(
            nofollow::options().read(true).append(true).create(true),
            &path,
            "opening journal",
        )?;
        if file.try_lock_exclusive().is_err() {
            let holder = sentinel_core::lock::flock_holder(&file)
                .map(|who| format!(": {who}"))
                .unwrap_or_default();
            return Err(Error::Locked {
                message: format!(
                    "another sentinel-state is writing {}{holder}",
                    path.display()
                ),
                hint: Some(
                    "run one sentinel-state apply per state directory, under `sentinel-state lock`"
                        .into(),
                ),
            });
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| Error::io("reading journal", &path, e))?;
        let complete = complete_len(&bytes);
        if complete < bytes.len() {
            let torn = bytes.len() - complete;
            file.set_len(complete as u64)
                .map_err(|e| Error::io("truncating torn journal tail of", &path, e))?;
            file.sync_all()
                .map_err(|e| Error::io("syncing", &path, e))?;
            logger.warn(&format!(
                "journal {} ended in a torn line ({torn} bytes, left by a crash mid-append); truncated it",
                path.display()
            ));
            bytes.truncate(complete);
        }
        let lines = parse_journal(&bytes, &path.display().to_string(), 1)?;
        let index = LineIndex::new(lines.iter().map(|l| l.text.as_str()));
        file.seek(SeekFrom::End(0))
            .map_err(|e| Error::io("seeking", &path, e))?;
        Ok((
            Journal {
                file,
                path,
                len: complete as u64,
                index,
            },
            lines,
        ))
    }
}

impl JournalWriter for Journal {
    /// Whether this exact line is already journaled (applying it again changes nothing).
    fn contains(&self, text: &str) -> bool {
        self.index.contains(text)
    }

    /// Append lines and fsync once for the group. On failure the journal is cut back to where
    /// it was, so a full disk never leaves half a line.
    fn append(&mut self, lines: &[&str]) -> Result<Vec<Line>> {
        if lines.is_empty() {
            return Ok(Vec::new());
        }
        let mut buffer = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
        for line in lines {
            buffer.extend_from_slice(line.as_bytes());
            buffer.push(b'\n');
        }
        let written = self
            .file
            .write_all(&buffer)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = written {
            let _ = self.file.set_len(self.len);
            return Err(Error::io("appending to journal", &self.path, e));
        }
        self.len += buffer.len() as u64;
        for line in lines {
            self.index.insert(line);
        }
        // The journal's flock keeps every other writer out.
        Ok(Vec::new())
    }

    fn read_all(&mut self) -> Result<Vec<Line>> {
        // No other writer: what is on disk is what this one knows.
        let mut bytes = Vec::new();
        self.file
            .seek(SeekFrom::Start(0))
            .and_then(|_| (&self.file).read_to_end(&mut bytes))
            .map_err(|e| Error::io("reading journal", &self.path, e))?;
        bytes.truncate(complete_len(&bytes));
        parse_journal(&bytes, &self.path.display().to_string(), 1)
    }
}

/// Read the journal's lines without taking the writer lock (reports, gates that look back).
pub fn read_journal(paths: &StatePaths) -> Result<Vec<Line>> {
    let path = paths.journal();
    match std::fs::read(&path) {
        Ok(mut bytes) => {
            // A torn tail (a writer killed mid-append) is not part of the record.
            bytes.truncate(complete_len(&bytes));
            parse_journal(&bytes, &path.display().to_string(), 1)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(Error::io("reading journal", &path, e)),
    }
}

/// fsync the state directory (after renames that must survive a crash).
pub fn sync_dir(paths: &StatePaths) -> Result<()> {
    sync_parent_dir(&paths.state())
}
