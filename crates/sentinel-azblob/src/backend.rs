//! The state in Azure Blob Storage. Under the URL's prefix:
//!
//! - `state.json`, replaced only `If-Match` its ETag (created `If-None-Match: *`): a writer
//!   that lost a race to another is told so and folds again;
//! - `state.json.bak`, the state it replaced;
//! - `journal.ndjson`, an append blob, each group appended as one block at the position the
//!   writer last saw (`x-ms-blob-condition-appendpos`), so two writers never interleave and
//!   none overwrites another: the loser reads what was added and appends after it;
//! - `lock`, the run lock, a blob lease ([`crate::lease`]);
//! - `history/<rolloutId>/`, where `archive` copies the three.

use crate::client::{BlobClient, Call, Reply, xml_fields};
use crate::lease::{self, LeaseSettings};
use sentinel_core::backend::{
    JournalWriter, LineIndex, Revision, StateBackend, StateCopy, Written, complete_len,
    parse_journal,
};
use sentinel_core::clock::Clock;
use sentinel_core::lock::LockRequest;
use sentinel_core::ndjson::Line;
use sentinel_core::output::Logger;
use sentinel_core::rollout_id::RolloutId;
use sentinel_core::{Error, Result};
use std::cell::RefCell;

pub const STATE_BLOB: &str = "state.json";
pub const STATE_BACKUP_BLOB: &str = "state.json.bak";
pub const JOURNAL_BLOB: &str = "journal.ndjson";
pub const LOCK_BLOB: &str = "lock";
pub const HISTORY: &str = "history";

/// The largest block Append Block takes (4 MiB in every API version Azurite speaks).
const MAX_BLOCK: usize = 4 * 1024 * 1024;

/// How many times a writer reads what others appended and tries again before giving up.
const MAX_RACES: usize = 64;

/// A state backend on one container and prefix.
#[derive(Debug)]
pub struct AzBlobBackend {
    client: BlobClient,
    lease: LeaseSettings,
    /// The state as last read or written, with its ETag: what becomes the `.bak` when it is
    /// replaced, without reading it again.
    last: RefCell<Option<(String, Vec<u8>)>>,
}

impl AzBlobBackend {
    /// Open the backend, checking at once that the container is there and the credentials
    /// are accepted, so every problem is told before anything is written. The check lists
    /// (at most one blob under the prefix): a container SAS may list but not read the
    /// container's properties.
    pub fn open(client: BlobClient, lease: LeaseSettings) -> Result<Self> {
        let reply = client.send(&Call {
            method: "GET",
            query: vec![
                ("restype", "container".into()),
                ("comp", "list".into()),
                ("prefix", client.location().blob("")),
                ("maxresults", "1".into()),
            ],
            ..Call::default()
        })?;
        if reply.status != 200 {
            return Err(client.unexpected(&reply, "opening the container"));
        }
        Ok(AzBlobBackend {
            client,
            lease,
            last: RefCell::new(None),
        })
    }

    fn blob(&self, name: &str) -> String {
        self.client.location().blob(name)
    }

    /// A blob's bytes and ETag; `None` when it does not exist.
    fn get(&self, blob: &str, doing: &str) -> Result<Option<(Vec<u8>, String)>> {
        let reply = self.client.send(&Call {
            method: "GET",
            blob: Some(blob),
            ..Call::default()
        })?;
        match reply.status {
            200 => {
                let etag = reply.header("etag").unwrap_or_default().to_owned();
                Ok(Some((reply.body, etag)))
            }
            404 if reply.is("BlobNotFound") => Ok(None),
            _ => Err(self.client.unexpected(&reply, doing)),
        }
    }

    /// Put a block blob; `condition` is an If-Match or If-None-Match header.
    fn put(
        &self,
        blob: &str,
        bytes: &[u8],
        condition: Option<(&'static str, String)>,
    ) -> Result<Reply> {
        let mut headers = vec![
            ("x-ms-blob-type", "BlockBlob".into()),
            ("x-ms-blob-content-type", "application/json".into()),
        ];
        headers.extend(condition);
        self.client.send(&Call {
            method: "PUT",
            blob: Some(blob),
            headers,
            body: bytes.to_vec(),
            ..Call::default()
        })
    }

    /// Delete `blob` if it is still `etag`: `false` when it changed meanwhile.
    fn delete_if(&self, blob: &str, etag: &str) -> Result<bool> {
        let reply = self.client.send(&Call {
            method: "DELETE",
            blob: Some(blob),
            headers: vec![("if-match", etag.to_owned())],
            ..Call::default()
        })?;
        match reply.status {
            202 => Ok(true),
            404 if reply.is("BlobNotFound") => Ok(true),
            412 => Ok(false),
            _ => Err(self.client.unexpected(&reply, &format!("deleting {blob}"))),
        }
    }

    fn exists(&self, blob: &str) -> Result<bool> {
        let reply = self.client.send(&Call {
            method: "HEAD",
            blob: Some(blob),
            ..Call::default()
        })?;
        match reply.status {
            200 => Ok(true),
            404 if reply.code.as_deref() != Some("ContainerNotFound") => Ok(false),
            _ => Err(self
                .client
                .unexpected(&reply, &format!("looking for {blob}"))),
        }
    }

    /// The names of the blobs under `prefix`, page after page.
    fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let mut names = Vec::new();
        let mut marker = String::new();
        // A bound on pages (5000 names each): a listing that never ends is not followed.
        for _ in 0..1000 {
            let mut query = vec![
                ("restype", "container".to_owned()),
                ("comp", "list".to_owned()),
                ("prefix", prefix.to_owned()),
            ];
            if !marker.is_empty() {
                query.push(("marker", marker.clone()));
            }
            let reply = self.client.send(&Call {
                method: "GET",
                query,
                ..Call::default()
            })?;
            if reply.status != 200 {
                return Err(self.client.unexpected(&reply, "listing the history"));
            }
            names.extend(xml_fields(&reply.body, "Name"));
            marker = xml_fields(&reply.body, "NextMarker")
                .into_iter()
                .next()
                .unwrap_or_default();
            if marker.is_empty() {
                break;
            }
        }
        Ok(names)
    }
}

impl StateBackend for AzBlobBackend {
    fn location(&self) -> String {
        self.client.location().to_string()
    }

    fn state_name(&self, copy: StateCopy) -> String {
        let name = match copy {
            StateCopy::Current => STATE_BLOB,
            StateCopy::Backup => STATE_BACKUP_BLOB,
        };
        format!("{}/{name}", self.location())
    }

    fn journal_name(&self) -> String {
        format!("{}/{JOURNAL_BLOB}", self.location())
    }

    fn read_state(&self, copy: StateCopy) -> Result<Option<(String, Revision)>> {
        let name = match copy {
            StateCopy::Current => STATE_BLOB,
            StateCopy::Backup => STATE_BACKUP_BLOB,
        };
        let Some((bytes, etag)) = self.get(&self.blob(name), "reading the state")? else {
            return Ok(None);
        };
        let text = String::from_utf8(bytes.clone()).map_err(|_| {
            Error::usage_with_hint(
                format!("state {} is not UTF-8 text", self.state_name(copy)),
                "run `sentinel-state repair` on a copy, or restore the blob's previous version",
            )
        })?;
        if copy == StateCopy::Current {
            *self.last.borrow_mut() = Some((etag.clone(), bytes));
        }
        Ok(Some((text, Revision::Tag(etag))))
    }

    fn write_state(&self, text: &[u8], expected: &Revision) -> Result<Written> {
        let previous = match expected {
            Revision::Tag(etag) => {
                let cached = self
                    .last
                    .borrow()
                    .as_ref()
                    .filter(|(tag, _)| tag == etag)
                    .map(|(_, bytes)| bytes.clone());
                match cached {
                    Some(bytes) => Some(bytes),
                    None => self
                        .get(&self.blob(STATE_BLOB), "reading the state")?
                        .map(|(b, _)| b),
                }
            }
            Revision::Absent | Revision::Unchecked => None,
        };
        if let Some(previous) = previous {
            let reply = self.put(&self.blob(STATE_BACKUP_BLOB), &previous, None)?;
            if reply.status != 201 {
                return Err(self
                    .client
                    .unexpected(&reply, "keeping the last good state"));
            }
        }
        let condition = match expected {
            Revision::Tag(etag) => Some(("if-match", etag.clone())),
            Revision::Absent => Some(("if-none-match", "*".to_owned())),
            Revision::Unchecked => None,
        };
        let reply = self.put(&self.blob(STATE_BLOB), text, condition)?;
        match reply.status {
            201 => {
                let etag = reply.header("etag").unwrap_or_default().to_owned();
                *self.last.borrow_mut() = Some((etag.clone(), text.to_vec()));
                Ok(Written::Stored(Revision::Tag(etag)))
            }
            412 | 409 if !reply.is("ContainerNotFound") => Ok(Written::Conflict),
            _ => Err(self.client.unexpected(&reply, "writing the state")),
        }
    }

    fn read_journal(&self) -> Result<Vec<Line>> {
        match self.get(&self.blob(JOURNAL_BLOB), "reading the journal")? {
            Some((bytes, _)) => {
                parse_journal(&bytes[..complete_len(&bytes)], &self.journal_name(), 1)
            }
            None => Ok(Vec::new()),
        }
    }

    fn open_journal(&self, _logger: &Logger) -> Result<(Box<dyn JournalWriter>, Vec<Line>)> {
        let blob = self.blob(JOURNAL_BLOB);
        let bytes = loop {
            if let Some((bytes, _)) = self.get(&blob, "reading the journal")? {
                break bytes;
            }
            let reply = self.client.send(&Call {
                method: "PUT",
                blob: Some(&blob),
                headers: vec![
                    ("x-ms-blob-type", "AppendBlob".into()),
                    ("x-ms-blob-content-type", "application/x-ndjson".into()),
                    ("if-none-match", "*".into()),
                ],
                ..Call::default()
            })?;
            match reply.status {
                201 => break Vec::new(),
                // Another writer created it first: read theirs.
                409 | 412 if !reply.is("ContainerNotFound") => continue,
                _ => return Err(self.client.unexpected(&reply, "creating the journal")),
            }
        };
        let lines = parse_journal(&bytes, &self.journal_name(), 1)?;
        let writer = BlobJournal {
            client: self.client.clone(),
            blob,
            name: self.journal_name(),
            len: bytes.len() as u64,
            count: lines.len() as u64,
            index: LineIndex::new(lines.iter().map(|l| l.text.as_str())),
        };
        Ok((Box::new(writer), lines))
    }

    fn acquire_lock(
        &self,
        request: &LockRequest,
        clock: &dyn Clock,
    ) -> Result<Box<dyn sentinel_core::backend::HeldLock>> {
        lease::acquire(
            &self.client,
            &self.blob(LOCK_BLOB),
            self.lease,
            request,
            clock,
        )
    }

    fn unlock(&self, id: Option<&str>, logger: &Logger, clock: &dyn Clock) -> Result<()> {
        lease::unlock(&self.client, &self.blob(LOCK_BLOB), id, logger, clock)
    }

    fn archive(&self, name: &RolloutId) -> Result<String> {
        let mut free = name.clone();
        let mut n = 1;
        while self.exists(&self.blob(&format!("{HISTORY}/{free}/{STATE_BLOB}")))? {
            n += 1;
            if n > 10_000 {
                return Err(Error::Internal(format!(
                    "the history holds 10000 archives of {name}"
                )));
            }
            free = RolloutId::parse(&format!("{name}-{n}"), "the archive name")?;
        }
        let folder = format!("{HISTORY}/{free}");
        // Each blob is copied, then removed only if it is still what was copied (If-Match):
        // a writer that appended meanwhile makes the copy be taken again, so nothing it
        // recorded is lost; one that comes after finds the journal gone and stops. The state
        // goes last: until it is gone from where it was, archive can be run again.
        for name in [JOURNAL_BLOB, STATE_BACKUP_BLOB, STATE_BLOB] {
            let from = self.blob(name);
            let mut moved = false;
            for _ in 0..MAX_RACES {
                let Some((bytes, etag)) = self.get(&from, "reading for the archive")? else {
                    moved = true;
                    break;
                };
                let reply = self.put(&self.blob(&format!("{folder}/{name}")), &bytes, None)?;
                if reply.status != 201 {
                    return Err(self.client.unexpected(&reply, "copying into the history"));
                }
                if self.delete_if(&from, &etag)? {
                    moved = true;
                    break;
                }
            }
            if !moved {
                return Err(Error::Locked {
                    message: format!(
                        "{} kept changing while it was being archived",
                        self.client.display_name(Some(&from))
                    ),
                    hint: Some(
                        "archive under the run lock, once the rollout's writers have finished"
                            .into(),
                    ),
                });
            }
        }
        *self.last.borrow_mut() = None;
        Ok(format!("{}/{folder}", self.location()))
    }

    fn archived_states(&self) -> Result<Vec<String>> {
        let under = self.blob(&format!("{HISTORY}/"));
        let mut texts = Vec::new();
        for name in self.list(&under)? {
            let Some(rest) = name.strip_prefix(&under) else {
                continue;
            };
            let one_folder = rest
                .strip_suffix(&format!("/{STATE_BLOB}"))
                .is_some_and(|folder| !folder.contains('/'));
            if !one_folder {
                continue;
            }
            if let Some((bytes, _)) = self.get(&name, "reading an archived state")? {
                if let Ok(text) = String::from_utf8(bytes) {
                    texts.push(text);
                }
            }
        }
        Ok(texts)
    }
}

/// The journal's append blob, as one writer sees it.
#[derive(Debug)]
struct BlobJournal {
    client: BlobClient,
    blob: String,
    name: String,
    /// Its length as this writer last saw it: where the next block must go.
    len: u64,
    /// How many lines that is.
    count: u64,
    index: LineIndex,
}

impl BlobJournal {
    /// The journal this writer appended to is gone: archived on another runner meanwhile.
    fn archived(&self) -> Error {
        Error::Locked {
            message: format!(
                "{} was archived (or removed) while this writer ran; what it passed on before is in the archive, the rest was not written",
                self.name
            ),
            hint: Some(
                "archive only under the run lock (sentinel-state lock -- sentinel-state archive), then run this again for the next rollout".into(),
            ),
        }
    }

    /// What others appended since `self.len`: read, indexed, counted.
    fn read_tail(&mut self) -> Result<Vec<Line>> {
        let reply = self.client.send(&Call {
            method: "GET",
            blob: Some(&self.blob),
            headers: vec![("x-ms-range", format!("bytes={}-", self.len))],
            ..Call::default()
        })?;
        let bytes = match reply.status {
            200 | 206 => reply.body,
            // Nothing after our position.
            416 => Vec::new(),
            404 if reply.is("BlobNotFound") => return Err(self.archived()),
            _ => {
                return Err(self
                    .client
                    .unexpected(&reply, "reading the journal's new lines"));
            }
        };
        // Blocks are appended whole, so the tail ends at a line's end.
        let complete = complete_len(&bytes);
        let lines = parse_journal(&bytes[..complete], &self.name, self.count + 1)?;
        self.len += complete as u64;
        self.count += lines.len() as u64;
        for line in &lines {
            self.index.insert(&line.text);
        }
        Ok(lines)
    }
}

impl JournalWriter for BlobJournal {
    fn contains(&self, text: &str) -> bool {
        self.index.contains(text)
    }

    fn read_all(&mut self) -> Result<Vec<Line>> {
        let reply = self.client.send(&Call {
            method: "GET",
            blob: Some(&self.blob),
            ..Call::default()
        })?;
        let bytes = match reply.status {
            200 => reply.body,
            404 if reply.is("BlobNotFound") => return Err(self.archived()),
            _ => return Err(self.client.unexpected(&reply, "reading the journal")),
        };
        let complete = complete_len(&bytes);
        let lines = parse_journal(&bytes[..complete], &self.name, 1)?;
        self.len = complete as u64;
        self.count = lines.len() as u64;
        self.index = LineIndex::new(lines.iter().map(|l| l.text.as_str()));
        Ok(lines)
    }

    fn append(&mut self, lines: &[&str]) -> Result<Vec<Line>> {
        let mut pending: Vec<&str> = lines.to_vec();
        let mut foreign = Vec::new();
        for _ in 0..MAX_RACES {
            if pending.is_empty() {
                return Ok(foreign);
            }
            // One block: as many whole lines as fit.
            let mut block = Vec::new();
            let mut taken = 0;
            for line in &pending {
                if !block.is_empty() && block.len() + line.len() + 1 > MAX_BLOCK {
                    break;
                }
                block.extend_from_slice(line.as_bytes());
                block.push(b'\n');
                taken += 1;
            }
            if block.len() > MAX_BLOCK {
                return Err(Error::usage(format!(
                    "an event of {} bytes is larger than the {MAX_BLOCK} bytes a journal block holds in {}",
                    block.len(),
                    self.name
                )));
            }
            let reply = self.client.send(&Call {
                method: "PUT",
                blob: Some(&self.blob),
                query: vec![("comp", "appendblock".into())],
                headers: vec![("x-ms-blob-condition-appendpos", self.len.to_string())],
                body: block.clone(),
            })?;
            match reply.status {
                201 => {
                    self.len += block.len() as u64;
                    self.count += taken as u64;
                    for line in pending.drain(..taken) {
                        self.index.insert(line);
                    }
                }
                404 if reply.is("BlobNotFound") => return Err(self.archived()),
                412 if reply.is("AppendPositionConditionNotMet") => {
                    for line in self.read_tail()? {
                        // Ours already (an append whose answer was lost), or another's.
                        if let Some(i) = pending.iter().position(|p| *p == line.text) {
                            pending.remove(i);
                        } else {
                            foreign.push(line);
                        }
                    }
                }
                _ => return Err(self.client.unexpected(&reply, "appending to the journal")),
            }
        }
        Err(Error::Locked {
            message: format!(
                "{} kept growing under this writer: {MAX_RACES} appends in a row lost the race to other writers",
                self.name
            ),
            hint: Some(
                "run one deployment per state URL at a time, under `sentinel-state lock`".into(),
            ),
        })
    }
}
