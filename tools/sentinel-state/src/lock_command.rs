//! `sentinel-state lock -- COMMAND` and `sentinel-state unlock`.

use crate::store::Store;
use sentinel_core::clock::Clock;
use sentinel_core::files::StatePaths;
use sentinel_core::lock::{LockRequest, hostname, is_held, read_lock_info, staleness};
use sentinel_core::output::Logger;
use sentinel_core::{Error, Exit, Result};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The environment variable that tells COMMAND the id of the lock it runs under.
pub const LOCK_ID_ENV: &str = "SENTINEL_LOCK_ID";

/// Hold the run lock while `command` runs; pass its exit status through. SIGINT, SIGTERM and
/// SIGHUP are forwarded to the command; once it has ended the lock is released and the exit
/// status is 130.
pub fn lock(
    store: &Store,
    args: &crate::cli::LockArgs,
    logger: &Logger,
    clock: &dyn Clock,
) -> Result<Exit> {
    // Signals are caught from before the lock exists, so none can end us while holding it.
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP]).map_err(|e| Error::Io {
        context: "installing signal handlers".into(),
        source: e,
    })?;
    let rollout_id = store.load().ok().flatten().and_then(|s| s.rollout_id);
    let request = LockRequest {
        operation: args.operation.clone(),
        rollout_id,
        wait: args.wait,
        force: args.force,
        take_over_dead: args.take_over_dead,
    };
    let held = store.backend().acquire_lock(&request, clock)?;
    if let Some(warning) = held.took_over() {
        logger.warn(&warning);
    }
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Error::usage("lock needs a command after --"))?;
    let mut child = match Command::new(program)
        .args(rest)
        .env(LOCK_ID_ENV, &held.info().id)
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            held.release()?;
            return Err(Error::usage(format!(
                "cannot run {}: {e}",
                program.to_string_lossy()
            )));
        }
    };
    let interrupted = Arc::new(AtomicBool::new(false));
    let handle = signals.handle();
    let forwarder = {
        let interrupted = Arc::clone(&interrupted);
        let pid = child.id() as libc::pid_t;
        std::thread::spawn(move || {
            for signal in signals.forever() {
                interrupted.store(true, Ordering::SeqCst);
                // SAFETY: sending a signal to our own child; a pid that already exited is harmless.
                unsafe { libc::kill(pid, signal) };
            }
        })
    };
    let status = child.wait();
    handle.close();
    let _ = forwarder.join();
    let released = held.release();
    let status = status.map_err(|e| Error::Io {
        context: "waiting for the locked command".into(),
        source: e,
    })?;
    if let Err(error) = released {
        // The command's own outcome still matters to whoever reads this.
        let ended = match (status.code(), status.signal()) {
            (Some(code), _) => format!("exit status {code}"),
            (None, Some(signal)) => format!("signal {signal}"),
            (None, None) => "an unknown status".to_owned(),
        };
        return Err(match error {
            Error::Locked { message, hint } => Error::Locked {
                message: format!("{message}; the command ended with {ended}"),
                hint,
            },
            other => other,
        });
    }
    if interrupted.load(Ordering::SeqCst) {
        logger.warn("interrupted: the command was stopped and the lock released");
        return Ok(Exit::Interrupted);
    }
    Ok(Exit::Child(match (status.code(), status.signal()) {
        (Some(code), _) => code.clamp(0, 255) as u8,
        // Like a shell: 128 + the signal that ended it.
        (None, Some(signal)) => (128 + signal).clamp(0, 255) as u8,
        (None, None) => 1,
    }))
}

/// Remove a lock whose holder is gone, or whose id the caller names.
pub fn unlock(store: &Store, id: Option<&str>, logger: &Logger, clock: &dyn Clock) -> Result<Exit> {
    store.backend().unlock(id, logger, clock)?;
    Ok(Exit::Success)
}

/// The local backend's unlock: remove a lock file that is stale, or whose id the caller names.
pub fn unlock_local(
    paths: &StatePaths,
    id: Option<&str>,
    logger: &Logger,
    clock: &dyn Clock,
) -> Result<()> {
    let path = paths.lock();
    if !path.exists() {
        logger.info(&format!("no lock in {}", paths.dir.display()));
        return Ok(());
    }
    let info = read_lock_info(&path)?;
    let live_here = is_held(&path)?;
    let id_matches = matches!((&info, id), (Some(info), Some(id)) if info.id == id);
    let stale = info
        .as_ref()
        .is_none_or(|i| staleness(i, clock, &hostname()).is_some());
    let describe = |info: &Option<sentinel_core::lock::LockInfo>| {
        info.as_ref()
            .map_or_else(|| "an unreadable holder".to_owned(), |i| i.describe(clock))
    };
    if !id_matches && (live_here || !stale) {
        return Err(Error::Locked {
            message: format!(
                "refusing to remove {}: it is held by {}, which is alive",
                path.display(),
                describe(&info)
            ),
            hint: Some(
                "wait for it to finish; to remove it anyway pass --id with the holder's id".into(),
            ),
        });
    }
    std::fs::remove_file(&path).map_err(|e| Error::io("removing lock file", &path, e))?;
    logger.warn(&format!(
        "removed the lock {} of {}",
        path.display(),
        describe(&info)
    ));
    Ok(())
}
