//! `sentinel-state archive`: mark the release Archived and move the finished state and
//! journal to the history (`.sentinel/history/<rolloutId>/`, or `history/<rolloutId>/` under
//! the state URL), so the next run starts clean.

use crate::recorder::Recorder;
use crate::state::Phase;
use crate::store::{Store, sync_dir};
use sentinel_core::atomic::sync_parent_dir;
use sentinel_core::files::StatePaths;
use sentinel_core::output::Logger;
use sentinel_core::rollout_id::RolloutId;
use sentinel_core::{Error, Exit, Result};

pub fn archive(store: &Store, logger: &Logger) -> Result<Exit> {
    if store.load()?.is_none() {
        return Err(Error::CheckFailed(format!(
            "no state in {}: nothing to archive",
            store.location()
        )));
    }
    let mut recorder = Recorder::open(store, logger)?;
    let state = recorder.state().clone();
    if state.is_unfinished() {
        return Err(Error::CheckFailed(format!(
            "rollout {} is still {}; archive it once it has finished",
            state.rollout_id.as_deref().unwrap_or("?"),
            state.overall_status.as_str()
        )));
    }
    // The id came from an event: it names a directory only once checked.
    let name = match &state.rollout_id {
        Some(id) => RolloutId::parse(id, "the state's rolloutId")?,
        None => RolloutId::parse(
            &format!(
                "unnamed-{}",
                state
                    .last_update_time
                    .clone()
                    .unwrap_or_default()
                    .replace(':', "")
            ),
            "the state's lastUpdateTime",
        )?,
    };
    recorder.change_state(|state| {
        if state.phase != Phase::RolledBack {
            state.phase = Phase::Archived;
        }
    })?;
    let destination = store.backend().archive(&name)?;
    drop(recorder);
    logger.info(&format!("archived to {destination}"));
    Ok(Exit::Success)
}

/// The local backend's archive: rename the journal, the `.bak` and the state (last) into
/// `.sentinel/history/<free name>/`.
pub fn archive_local(paths: &StatePaths, name: &RolloutId) -> Result<String> {
    let destination = paths.create_history_dir(&free_name(paths, name)?)?;
    for (from, name) in [
        (paths.journal(), sentinel_core::files::JOURNAL_FILE),
        (
            paths.state_backup(),
            sentinel_core::files::STATE_BACKUP_FILE,
        ),
        // The state goes last: until it moves, a crash leaves a state that archive can redo.
        (paths.state(), sentinel_core::files::STATE_FILE),
    ] {
        sentinel_core::nofollow::refuse_symlink(&from)?;
        if from.exists() {
            let to = destination.join(name);
            std::fs::rename(&from, &to)
                .map_err(|e| Error::io("moving into the history", &from, e))?;
        }
    }
    sync_parent_dir(&destination.join("x"))?;
    sync_dir(paths)?;
    Ok(destination.display().to_string())
}

/// `name`, or `name-2`, `name-3`… when an earlier release of the same id was archived.
fn free_name(paths: &StatePaths, name: &RolloutId) -> Result<RolloutId> {
    if !paths.history_dir(name).exists() {
        return Ok(name.clone());
    }
    for n in 2..10_000 {
        let candidate = RolloutId::parse(&format!("{name}-{n}"), "the archive name")?;
        if !paths.history_dir(&candidate).exists() {
            return Ok(candidate);
        }
    }
    Err(Error::Internal(format!(
        "{} holds 10000 archives of {name}",
        paths.dir.join(sentinel_core::files::HISTORY_DIR).display()
    )))
}
