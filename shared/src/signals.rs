//! SIGINT and SIGTERM for the long-running tools (apply, notify, watch, stress, branch
//! create): finish the line in hand, flush, release what is held, exit 130.
//!
//! A tool blocked reading its input cannot notice a flag, so the work on each line runs
//! under [`working`], and a signal thread, once a signal arrives, waits for the work in hand
//! to end and then ends the process with 130. Everything a tool holds is safe at that
//! moment: events are flushed line by line, state and journal are written per group, and
//! the kernel releases `flock`s at exit. Work that takes long (a load test, following a
//! rollout) asks [`interrupted`] and stops early by itself.
//!
//! Registering a handler also replaces an inherited "ignore": a tool started in the
//! background of a non-interactive shell (where SIGINT is ignored) still stops on SIGINT.
//! A second signal ends the process at once, without waiting for the work in hand (only
//! the [`before_exit`] hooks still finish).

use crate::error::{Error, Result};
use crate::output::Logger;
use signal_hook::consts::{SIGINT, SIGTERM};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// A second signal came.
static INSISTED: AtomicBool = AtomicBool::new(false);
/// The [`before_exit`] hooks are running (they put work somewhere safe: not cut short).
static IN_HOOKS: AtomicBool = AtomicBool::new(false);
/// Held while a line is being worked on; the signal thread takes it before exiting.
static WORK: Mutex<()> = Mutex::new(());
/// What a tool asked to run before an interrupted exit (see [`before_exit`]).
type Hook = Box<dyn FnOnce() + Send>;
static BEFORE_EXIT: Mutex<Vec<Hook>> = Mutex::new(Vec::new());

/// The exit code of an interrupted tool.
pub const EXIT_INTERRUPTED: i32 = 130;

/// Handle SIGINT and SIGTERM as the module says. Call once, early in `run`.
pub fn install(logger: &Logger) -> Result<()> {
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .map_err(|e| Error::Internal(format!("installing signal handlers: {e}")))?;
    let logger = logger.clone();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                INTERRUPTED.store(true, Ordering::SeqCst);
                let name = if signal == SIGINT { "SIGINT" } else { "SIGTERM" };
                // A second signal is someone who will not wait for the work in hand (a load
                // test's requests in flight get up to their timeout): exit at once. Nothing
                // written is lost: files are replaced atomically and the journal is
                // line-whole, as after a SIGKILL. Only the before-exit hooks, which keep what
                // would otherwise be lost, still run to their end, told by `insisted` to wait
                // for nothing more.
                let second = logger.clone();
                std::thread::spawn(move || {
                    if signals.forever().next().is_some() {
                        INSISTED.store(true, Ordering::SeqCst);
                        if !IN_HOOKS.load(Ordering::SeqCst) {
                            second.warn(&format!(
                                "a second signal: exiting with {EXIT_INTERRUPTED} at once, without finishing the work in hand"
                            ));
                            std::process::exit(EXIT_INTERRUPTED);
                        }
                    }
                });
                // Wait for the line in hand; no new one starts while we hold this.
                let _held = WORK.lock().unwrap_or_else(PoisonError::into_inner);
                let hooks = std::mem::take(
                    &mut *BEFORE_EXIT.lock().unwrap_or_else(PoisonError::into_inner),
                );
                IN_HOOKS.store(true, Ordering::SeqCst);
                for hook in hooks {
                    hook();
                }
                let _ = std::io::Write::flush(&mut std::io::stdout());
                logger.warn(&format!(
                    "interrupted by {name}: the work in hand was finished and written; exiting with {EXIT_INTERRUPTED}"
                ));
                // The one exit below main: the main thread may be blocked in a read that no
                // flag can reach, and everything it holds is safe now (see the module doc).
                std::process::exit(EXIT_INTERRUPTED);
            }
        })
        .map_err(|e| Error::Internal(format!("starting the signal thread: {e}")))?;
    Ok(())
}

/// Run `hook` on an interrupted exit, once the work in hand has ended and before the exit,
/// while no new unit of work can start: for work a tool keeps outside [`working`] units (a
/// queue of messages not sent yet) to be put somewhere safe rather than lost.
pub fn before_exit(hook: impl FnOnce() + Send + 'static) {
    BEFORE_EXIT
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Box::new(hook));
}

std::thread_local! {
    /// How deep this thread is in [`working`]: units nest (a watch poll inside the pump's
    /// line), and only the outermost takes the lock.
    static DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Run `work` as one unit that a signal waits for. Units may nest.
pub fn working<T>(work: impl FnOnce() -> T) -> T {
    let outermost = DEPTH.with(|depth| {
        depth.set(depth.get() + 1);
        depth.get() == 1
    });
    let held = outermost.then(|| WORK.lock().unwrap_or_else(PoisonError::into_inner));
    let result = work();
    drop(held);
    DEPTH.with(|depth| depth.set(depth.get() - 1));
    result
}

/// Called when a tool's run has returned: if a signal came, its thread is finishing the
/// tool's [`before_exit`] hooks and will end the process with 130; returning from `main`
/// first would cut them short and exit with another code. So wait for it (bounded, in case a
/// hook never ends: then `true`, and the caller exits with 130 itself). `false` when no
/// signal came.
pub fn wait_for_interrupted_exit() -> bool {
    if !interrupted() {
        return false;
    }
    // The signal thread's exit ends this sleep with the process.
    std::thread::sleep(Duration::from_secs(600));
    true
}

/// Whether a second signal has arrived: a [`before_exit`] hook waits for nothing more.
pub fn insisted() -> bool {
    INSISTED.load(Ordering::SeqCst)
}

/// Whether SIGINT or SIGTERM has arrived.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// `Err(Error::Interrupted)` once a signal has arrived.
pub fn check() -> Result<()> {
    if interrupted() {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

/// Sleep for `duration`, waking early (with `Err(Error::Interrupted)`) on a signal.
pub fn sleep(duration: Duration) -> Result<()> {
    let until = Instant::now() + duration;
    loop {
        check()?;
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_nest_without_deadlock() {
        let value = working(|| working(|| working(|| 7)));
        assert_eq!(value, 7);
        // The lock is free again afterwards.
        assert!(WORK.try_lock().is_ok());
    }
}
