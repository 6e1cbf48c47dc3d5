//! The files of the state directory: the state (atomic, with `.bak`) and the journal
//! (append-only, fsynced per group, a torn tail from a crash repaired on open).

use crate::state::RolloutState;
use fs2::FileExt;
use sentinel_core::atomic::{sync_parent_dir, write_atomic};
use sentinel_core::files::StatePaths;
use sentinel_core::ndjson::{Item, Line, Reader};
use sentinel_core::nofollow;
use sentinel_core::output::Logger;
use sentinel_core::{Error, Result};
use std::collections::HashSet;
use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Write the state atomically, keeping the current file as `.bak` first. Both steps are
/// renames of complete files, so a crash leaves a parseable state and a parseable `.bak`.
pub fn save_state(paths: &StatePaths, state: &RolloutState) -> Result<()> {
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
    let mut bytes = serde_json::to_vec_pretty(state)
        .map_err(|e| Error::Internal(format!("serializing state: {e}")))?;
    bytes.push(b'\n');
    write_atomic(&target, &bytes)
}

/// The journal, opened for appending by one writer at a time.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: std::path::PathBuf,
    len: u64,
    seen: HashSet<u64>,
    hasher: std::collections::hash_map::RandomState,
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
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
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
        let lines = parse_journal(&bytes, &path)?;
        let hasher = std::collections::hash_map::RandomState::new();
        let seen = lines.iter().map(|l| hash_text(&hasher, &l.text)).collect();
        file.seek(SeekFrom::End(0))
            .map_err(|e| Error::io("seeking", &path, e))?;
        Ok((
            Journal {
                file,
                path,
                len: complete as u64,
                seen,
                hasher,
            },
            lines,
        ))
    }

    /// Whether this exact line is already journaled (applying it again changes nothing).
    pub fn contains(&self, text: &str) -> bool {
        self.seen.contains(&hash_text(&self.hasher, text))
    }

    /// Append lines and fsync once for the group. On failure the journal is cut back to where
    /// it was, so a full disk never leaves half a line.
    pub fn append(&mut self, lines: &[&str]) -> Result<()> {
        if lines.is_empty() {
            return Ok(());
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
            self.seen.insert(hash_text(&self.hasher, line));
        }
        Ok(())
    }
}

fn hash_text(hasher: &std::collections::hash_map::RandomState, text: &str) -> u64 {
    let mut h = hasher.build_hasher();
    h.write(text.as_bytes());
    h.finish()
}

fn parse_journal(bytes: &[u8], path: &Path) -> Result<Vec<Line>> {
    let mut reader = Reader::new(BufReader::new(bytes));
    let mut lines = Vec::new();
    while let Some(item) = reader
        .next_item()
        .map_err(|e| Error::io("reading journal", path, e))?
    {
        match item {
            Item::Valid(line) => lines.push(line),
            Item::Invalid(bad) => {
                return Err(Error::usage_with_hint(
                    format!(
                        "journal {} line {}: {} (line starts with {:?})",
                        path.display(),
                        bad.number,
                        bad.reason,
                        bad.excerpt
                    ),
                    "run `sentinel-state repair`: it keeps every good line, sets the journal with the bad ones aside, and rebuilds the state",
                ));
            }
        }
    }
    Ok(lines)
}

/// Read the journal's lines without taking the writer lock (reports, gates that look back).
pub fn read_journal(paths: &StatePaths) -> Result<Vec<Line>> {
    let path = paths.journal();
    match std::fs::read(&path) {
        Ok(mut bytes) => {
            // A torn tail (a writer killed mid-append) is not part of the record.
            let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            bytes.truncate(complete);
            parse_journal(&bytes, &path)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(Error::io("reading journal", &path, e)),
    }
}

/// fsync the state directory (after renames that must survive a crash).
pub fn sync_dir(paths: &StatePaths) -> Result<()> {
    sync_parent_dir(&paths.state())
}
