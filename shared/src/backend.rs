//! Where the durable state lives: the state backend interface that sentinel-state writes
//! through, and the parts every backend shares (reading the journal, knowing which lines it
//! holds, naming the backend from `--state-url`).
//!
//! Two backends implement [`StateBackend`]: `local` (the state directory's files, guarded by
//! `flock`; sentinel-state's `store` module) and `azblob` (Azure Blob Storage, guarded by a
//! blob lease; the `sentinel-azblob` crate), so CI runners that share nothing but a storage
//! account share one state and one lock.

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::lock::{LockInfo, LockRequest};
use crate::ndjson::{Item, Line, Reader};
use crate::output::Logger;
use crate::rollout_id::RolloutId;
use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};

/// The environment variable that names the state backend, as `--state-url` does.
pub const STATE_URL_ENV: &str = "SENTINEL_STATE_URL";

/// Which version of the stored state a write expects to replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revision {
    /// The backend has one writer at a time (the local journal's `flock`): no check.
    Unchecked,
    /// No state is stored yet: the write creates it, and loses to anyone who created it first.
    Absent,
    /// The stored state must still be this one (an HTTP ETag).
    Tag(String),
}

/// How a conditional state write ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// Stored; later writes expect this revision.
    Stored(Revision),
    /// Another writer replaced the state since it was read: read it again, fold what the
    /// journal holds beyond it, and write again.
    Conflict,
}

/// The two copies of the state a backend keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateCopy {
    Current,
    /// The last good state before the current one (`.bak`).
    Backup,
}

/// A place that keeps a rollout's state, its `.bak`, its journal and its run lock.
pub trait StateBackend: std::fmt::Debug {
    /// Where, for messages: a directory, or `azblob://account/container/prefix`.
    fn location(&self) -> String;

    /// How to name the state (or its `.bak`) in messages.
    fn state_name(&self, copy: StateCopy) -> String;

    /// How to name the journal in messages.
    fn journal_name(&self) -> String;

    /// The stored text of a copy of the state and the revision it has; `None` when there is
    /// none yet.
    fn read_state(&self, copy: StateCopy) -> Result<Option<(String, Revision)>>;

    /// Store `text` as the state, keeping the one it replaces as the `.bak`, only if the
    /// stored state is still `expected`.
    fn write_state(&self, text: &[u8], expected: &Revision) -> Result<Written>;

    /// The journal's complete lines, without becoming a writer (reports, gates that look back).
    fn read_journal(&self) -> Result<Vec<Line>>;

    /// Become a writer of the journal: the lines it holds, and the writer that appends.
    fn open_journal(&self, logger: &Logger) -> Result<(Box<dyn JournalWriter>, Vec<Line>)>;

    /// Take the run lock, or say who holds it ([`Error::Locked`], exit 3).
    fn acquire_lock(&self, request: &LockRequest, clock: &dyn Clock) -> Result<Box<dyn HeldLock>>;

    /// Remove a lock whose holder is gone, or whose id the caller names.
    fn unlock(&self, id: Option<&str>, logger: &Logger, clock: &dyn Clock) -> Result<()>;

    /// Move the journal, the `.bak` and the state (last) into the history under `name`, or
    /// `name-2`, `name-3`… when that is taken; returns where they went.
    fn archive(&self, name: &RolloutId) -> Result<String>;

    /// The archived states' texts (for the report's previous version); unreadable ones are
    /// left out.
    fn archived_states(&self) -> Result<Vec<String>>;
}

/// The one writer of a journal.
pub trait JournalWriter: std::fmt::Debug {
    /// Whether this exact line is already in the journal (applying it again changes nothing).
    fn contains(&self, text: &str) -> bool;

    /// Append `lines` after every line already there. Returns the lines that other writers
    /// appended since this writer last looked, in journal order (always none where the
    /// backend has one writer at a time); lines of `lines` found already there (an append
    /// whose answer was lost, then retried) are not appended again.
    fn append(&mut self, lines: &[&str]) -> Result<Vec<Line>>;

    /// Every line of the journal as it is now, this writer then knowing each of them and
    /// appending after the last (a writer that folds again after losing a race must not
    /// take another writer's line for a new one).
    fn read_all(&mut self) -> Result<Vec<Line>>;
}

/// A held run lock. Dropping it releases it.
pub trait HeldLock: std::fmt::Debug {
    /// Who holds it: this process.
    fn info(&self) -> &LockInfo;

    /// The warning to give when taking it meant taking it over from another holder.
    fn took_over(&self) -> Option<String>;

    /// Release now, reporting a failure.
    fn release(self: Box<Self>) -> Result<()>;
}

impl HeldLock for crate::lock::RunLock {
    fn info(&self) -> &LockInfo {
        crate::lock::RunLock::info(self)
    }

    fn took_over(&self) -> Option<String> {
        let clock = crate::clock::SystemClock;
        let previous = self.took_over.as_ref()?;
        let reason = crate::lock::staleness(previous, &clock, &crate::lock::hostname())
            .unwrap_or(crate::lock::Staleness::Old(std::time::Duration::ZERO));
        Some(format!(
            "{} Took it over from {}",
            crate::lock::stale_lock_warning(previous, &reason, &clock),
            previous.describe(&clock)
        ))
    }

    fn release(self: Box<Self>) -> Result<()> {
        crate::lock::RunLock::release(*self)
    }
}

/// The exact lines of a journal: hashes of their text, so a line already recorded is known
/// without keeping the text twice.
#[derive(Debug)]
pub struct LineIndex {
    seen: HashSet<u64>,
    hasher: std::collections::hash_map::RandomState,
}

impl LineIndex {
    pub fn new<'a>(lines: impl IntoIterator<Item = &'a str>) -> Self {
        let mut index = LineIndex {
            seen: HashSet::new(),
            hasher: std::collections::hash_map::RandomState::new(),
        };
        for line in lines {
            index.insert(line);
        }
        index
    }

    pub fn contains(&self, text: &str) -> bool {
        self.seen.contains(&self.hash(text))
    }

    pub fn insert(&mut self, text: &str) {
        let hash = self.hash(text);
        self.seen.insert(hash);
    }

    fn hash(&self, text: &str) -> u64 {
        let mut h = self.hasher.build_hasher();
        h.write(text.as_bytes());
        h.finish()
    }
}

/// How long the complete lines of `bytes` are: up to and including the last newline (a
/// writer killed mid-append leaves a torn tail after it).
pub fn complete_len(bytes: &[u8]) -> usize {
    bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
}

/// Parse a journal's complete lines; a line that is not a JSON event is an error naming
/// `name` and the line, with the way out (`sentinel-state repair`). `first_number` is the
/// number of the first line (a tail read from the middle starts later).
pub fn parse_journal(bytes: &[u8], name: &str, first_number: u64) -> Result<Vec<Line>> {
    let mut reader = Reader::new(bytes);
    let mut lines = Vec::new();
    while let Some(item) = reader.next_item().map_err(|e| Error::Io {
        context: format!("reading journal {name}"),
        source: e,
    })? {
        match item {
            Item::Valid(mut line) => {
                line.number += first_number - 1;
                lines.push(line);
            }
            Item::Invalid(bad) => {
                return Err(Error::usage_with_hint(
                    format!(
                        "journal {name} line {}: {} (line starts with {:?})",
                        bad.number + first_number - 1,
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

/// The backend named by `--state-url` / `SENTINEL_STATE_URL` / the config's `stateBackend`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateUrl {
    /// The state directory (the default).
    Local,
    /// `azblob://ACCOUNT/CONTAINER/PREFIX`.
    AzBlob(AzBlobLocation),
}

/// Where in Azure Blob Storage: an account, a container in it, and a folder-like prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzBlobLocation {
    pub account: String,
    pub container: String,
    /// `/`-separated, without a leading or trailing `/`; empty for the container's root.
    pub prefix: String,
}

impl AzBlobLocation {
    /// The blob name of `name` under the prefix.
    pub fn blob(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}/{name}", self.prefix)
        }
    }
}

impl std::fmt::Display for AzBlobLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "azblob://{}/{}", self.account, self.container)?;
        if !self.prefix.is_empty() {
            write!(f, "/{}", self.prefix)?;
        }
        Ok(())
    }
}

impl StateUrl {
    /// Parse a state URL from `origin` (named in errors): `azblob://ACCOUNT/CONTAINER[/PREFIX]`
    /// with Azure's own naming rules for the account and the container, and a prefix of
    /// plain path segments (no `.`, `..`, empty segment, query or fragment), so nothing in
    /// it can reach another container, another account or a query of the request; or
    /// `local` for the state directory.
    pub fn parse(text: &str, origin: &str) -> Result<StateUrl> {
        let hint = "write azblob://ACCOUNT/CONTAINER/PREFIX, e.g. azblob://mystorage/deployments/payments-api (or local for the state directory)";
        if text == "local" {
            return Ok(StateUrl::Local);
        }
        let bad = |why: &str| {
            Error::usage_with_hint(
                format!(
                    "{origin}: {:?} is not a state URL: {why}",
                    crate::output::excerpt(text, 120)
                ),
                hint,
            )
        };
        let Some(rest) = text.strip_prefix("azblob://") else {
            return Err(bad("the only remote backend is azblob://"));
        };
        let mut parts = rest.splitn(3, '/');
        let account = parts.next().unwrap_or_default();
        let container = parts.next().unwrap_or_default();
        let prefix = parts.next().unwrap_or_default().trim_end_matches('/');
        let account_ok = (3..=24).contains(&account.len())
            && account
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !account_ok {
            return Err(bad(
                "the storage account name must be 3 to 24 lowercase letters and digits",
            ));
        }
        let container_ok = (3..=63).contains(&container.len())
            && container
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !container.starts_with('-')
            && !container.ends_with('-')
            && !container.contains("--");
        if !container_ok {
            return Err(bad(
                "the container name must be 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit",
            ));
        }
        let segment_ok = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        };
        if !prefix.is_empty() && (prefix.len() > 512 || !prefix.split('/').all(segment_ok)) {
            return Err(bad(
                "the prefix must be path segments of letters, digits, '.', '_' and '-' (no empty, '.' or '..' segment), at most 512 characters",
            ));
        }
        Ok(StateUrl::AzBlob(AzBlobLocation {
            account: account.to_owned(),
            container: container.to_owned(),
            prefix: prefix.to_owned(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azblob_urls_name_an_account_a_container_and_a_prefix() {
        let StateUrl::AzBlob(at) = StateUrl::parse(
            "azblob://devstoreaccount1/deploys/payments/prod/",
            "--state-url",
        )
        .unwrap() else {
            panic!("azblob")
        };
        assert_eq!(at.account, "devstoreaccount1");
        assert_eq!(at.container, "deploys");
        assert_eq!(at.prefix, "payments/prod");
        assert_eq!(at.blob("state.json"), "payments/prod/state.json");
        assert_eq!(
            at.to_string(),
            "azblob://devstoreaccount1/deploys/payments/prod"
        );
        let StateUrl::AzBlob(root) = StateUrl::parse("azblob://acct/c01", "x").unwrap() else {
            panic!("azblob")
        };
        assert_eq!(root.blob("lock"), "lock");
        assert_eq!(StateUrl::parse("local", "x").unwrap(), StateUrl::Local);
    }

    #[test]
    fn a_state_url_that_could_reach_elsewhere_is_refused_naming_its_origin() {
        for hostile in [
            "azblob://acct/deploys/../other",
            "azblob://acct/deploys/a//b",
            "azblob://acct/deploys/a?comp=list",
            "azblob://acct/deploys/a#x",
            "azblob://acct/deploys/./a",
            "azblob://Acct/deploys",
            "azblob://acct.evil.example/deploys",
            "azblob://acct/Deploys",
            "azblob://acct/de--ploys",
            "azblob://acct/-deploys",
            "azblob://acct",
            "azblob://acct/d%2e%2e",
            "s3://bucket/x",
            "https://acct.blob.core.windows.net/deploys",
        ] {
            let error = StateUrl::parse(hostile, "SENTINEL_STATE_URL").unwrap_err();
            assert_eq!(error.exit(), crate::Exit::Usage, "{hostile}");
            assert!(
                error.to_string().starts_with("SENTINEL_STATE_URL: "),
                "{error}"
            );
        }
    }

    #[test]
    fn journal_lines_are_numbered_from_where_the_read_began() {
        let lines = parse_journal(b"{\"a\":1}\n{\"b\":2}\n", "j", 7).unwrap();
        assert_eq!(lines.iter().map(|l| l.number).collect::<Vec<_>>(), [7, 8]);
        let error = parse_journal(b"{\"a\":1}\nnot json\n", "j", 10).unwrap_err();
        assert!(error.to_string().contains("journal j line 11"), "{error}");
        assert_eq!(complete_len(b"{}\n{\"torn"), 3);
        let index = LineIndex::new(["{}"]);
        assert!(index.contains("{}") && !index.contains("{ }"));
    }
}
