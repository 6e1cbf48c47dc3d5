//! `sentinel-state archive`: mark the release Archived and move the finished state and
//! journal to `.sentinel/history/<rolloutId>/`, so the next run starts clean.

use crate::recorder::Recorder;
use crate::state::Phase;
use crate::store::sync_dir;
use sentinel_core::atomic::sync_parent_dir;
use sentinel_core::files::StatePaths;
use sentinel_core::output::Logger;
use sentinel_core::{Error, Exit, Result};
use std::path::PathBuf;

pub fn archive(paths: &StatePaths, logger: &Logger) -> Result<Exit> {
    if !paths.state().exists() {
        return Err(Error::CheckFailed(format!(
            "no state in {}: nothing to archive",
            paths.dir.display()
        )));
    }
    let mut recorder = Recorder::open(paths, logger)?;
    let state = recorder.state().clone();
    if state.is_unfinished() {
        return Err(Error::CheckFailed(format!(
            "rollout {} is still {}; archive it once it has finished",
            state.rollout_id.as_deref().unwrap_or("?"),
            state.overall_status.as_str()
        )));
    }
    let name = state.rollout_id.clone().unwrap_or_else(|| {
        format!(
            "unnamed-{}",
            state
                .last_update_time
                .clone()
                .unwrap_or_default()
                .replace(':', "")
        )
    });
    let destination = free_dir(paths.history_dir(&name));
    std::fs::create_dir_all(&destination).map_err(|e| Error::io("creating", &destination, e))?;
    let mut archived = state;
    if archived.phase != Phase::RolledBack {
        archived.phase = Phase::Archived;
    }
    recorder.replace_state(archived)?;
    for (from, name) in [
        (paths.journal(), sentinel_core::files::JOURNAL_FILE),
        (
            paths.state_backup(),
            sentinel_core::files::STATE_BACKUP_FILE,
        ),
        // The state goes last: until it moves, a crash leaves a state that archive can redo.
        (paths.state(), sentinel_core::files::STATE_FILE),
    ] {
        if from.exists() {
            let to = destination.join(name);
            std::fs::rename(&from, &to)
                .map_err(|e| Error::io("moving into the history", &from, e))?;
        }
    }
    sync_parent_dir(&destination.join("x"))?;
    sync_dir(paths)?;
    drop(recorder);
    logger.info(&format!("archived to {}", destination.display()));
    Ok(Exit::Success)
}

fn free_dir(base: PathBuf) -> PathBuf {
    if !base.exists() {
        return base;
    }
    (2..)
        .map(|n| PathBuf::from(format!("{}-{n}", base.display())))
        .find(|p| !p.exists())
        .unwrap_or(base)
}
