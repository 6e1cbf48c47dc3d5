//! The files of sentinel-state(1), FILES, and where they live: the state directory is `--state-dir`, else
//! `$SENTINEL_STATE_DIR`, else the current directory.

use crate::Result;
use crate::nofollow::{create_dirs, existing_dirs};
use crate::rollout_id::RolloutId;
use std::path::{Path, PathBuf};

/// RolloutState, written atomically.
pub const STATE_FILE: &str = ".deploy-sentinel-state.json";
/// The last good state before the current one.
pub const STATE_BACKUP_FILE: &str = ".deploy-sentinel-state.json.bak";
/// Append-only journal of every event applied.
pub const JOURNAL_FILE: &str = ".deploy-sentinel-events.ndjson";
/// The run lock.
pub use crate::lock::LOCK_FILE;
/// The local provider's rollouts: `.sentinel/rollouts/<rolloutId>/`.
pub const ROLLOUTS_DIR: &str = ".sentinel/rollouts";
/// Finished rollouts moved aside by `sentinel-state archive`.
pub const HISTORY_DIR: &str = ".sentinel/history";
/// Messages that could not be delivered by `sentinel-notify`.
pub const NOTIFY_FALLBACK_FILE: &str = ".sentinel/notifications.ndjson";
/// Messages `sentinel-notify` delivered, by stable id, so none is sent twice.
pub const NOTIFY_SENT_FILE: &str = ".sentinel/notifications-sent.ndjson";

/// The pre-rollout load-test result that the workflow scripts keep for comparison.
pub const BASELINE_FILE: &str = ".deploy-sentinel-baseline.json";

/// Whether a path (relative, `/`-separated, as git reports it) is one of Deploy Sentinel's own
/// files: a working-tree check must not fail because a deployment is running in that tree.
pub fn is_sentinel_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let own = [
        STATE_FILE,
        STATE_BACKUP_FILE,
        JOURNAL_FILE,
        LOCK_FILE,
        BASELINE_FILE,
    ];
    // An atomic write's temporary file: `.<own name>.<pid>.<n>.tmp`.
    let temp_of_own = name.ends_with(".tmp")
        && own
            .iter()
            .any(|file| name.strip_prefix('.').is_some_and(|n| n.starts_with(file)));
    own.contains(&name) || temp_of_own || path.split('/').any(|part| part == ".sentinel")
}

/// The `--state-dir` flag shared by the tools that keep files.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct StateDirArgs {
    /// Directory for state, journal, lock and rollouts [default: current directory].
    #[arg(long, value_name = "DIR", env = "SENTINEL_STATE_DIR", global = true)]
    pub state_dir: Option<PathBuf>,
}

impl StateDirArgs {
    /// The state directory.
    pub fn dir(&self) -> PathBuf {
        self.state_dir.clone().unwrap_or_else(|| PathBuf::from("."))
    }
}

/// Paths of the state directory's files.
#[derive(Debug, Clone)]
pub struct StatePaths {
    pub dir: PathBuf,
}

impl StatePaths {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        StatePaths { dir: dir.into() }
    }
    pub fn state(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }
    pub fn state_backup(&self) -> PathBuf {
        self.dir.join(STATE_BACKUP_FILE)
    }
    pub fn journal(&self) -> PathBuf {
        self.dir.join(JOURNAL_FILE)
    }
    pub fn lock(&self) -> PathBuf {
        self.dir.join(LOCK_FILE)
    }
    /// `.sentinel/rollouts/<id>/`; only a checked [`RolloutId`] can name it.
    pub fn rollout_dir(&self, rollout_id: &RolloutId) -> PathBuf {
        self.dir.join(ROLLOUTS_DIR).join(rollout_id)
    }
    /// `.sentinel/history/<name>/`.
    pub fn history_dir(&self, name: &RolloutId) -> PathBuf {
        self.dir.join(HISTORY_DIR).join(name)
    }
    /// Create `.sentinel/rollouts/<id>/<below>` (every component a real directory, never a
    /// symlink) and return it.
    pub fn create_rollout_dir(&self, rollout_id: &RolloutId, below: &str) -> Result<PathBuf> {
        create_dirs(
            &self.dir,
            &Path::new(ROLLOUTS_DIR).join(rollout_id).join(below),
        )
    }
    /// `.sentinel/rollouts/<id>/` when it exists as a real directory (no component a
    /// symlink, which is refused).
    pub fn existing_rollout_dir(&self, rollout_id: &RolloutId) -> Result<Option<PathBuf>> {
        existing_dirs(&self.dir, &Path::new(ROLLOUTS_DIR).join(rollout_id))
    }
    /// Create `.sentinel/history/<name>/` the same way.
    pub fn create_history_dir(&self, name: &RolloutId) -> Result<PathBuf> {
        create_dirs(&self.dir, &Path::new(HISTORY_DIR).join(name))
    }
    pub fn notify_fallback(&self) -> PathBuf {
        self.dir.join(NOTIFY_FALLBACK_FILE)
    }
    pub fn notify_sent(&self) -> PathBuf {
        self.dir.join(NOTIFY_SENT_FILE)
    }
}

impl AsRef<Path> for StatePaths {
    fn as_ref(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_files_are_recognised_wherever_the_state_directory_is() {
        for own in [
            ".deploy-sentinel.lock",
            ".deploy-sentinel-state.json",
            "deploy/.deploy-sentinel-events.ndjson",
            ".sentinel/rollouts/r1/status.json",
            "deploy/.sentinel/history/r1/state.json",
            ".deploy-sentinel-baseline.json",
            "..deploy-sentinel-state.json.41.7123.tmp",
        ] {
            assert!(is_sentinel_file(own), "{own}");
        }
        for theirs in [
            "src/main.rs",
            ".deploy-sentinel-config.json",
            "sentinel/notes.md",
            "my.deploy-sentinel.lock",
        ] {
            assert!(!is_sentinel_file(theirs), "{theirs}");
        }
    }
}
