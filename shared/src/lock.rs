//! The run lock: one holder at a time per state directory, with who holds it written in the
//! lock file so a refused run can say who, where and since when.
//!
//! Mutual exclusion comes from an `flock` on the file (fs2), which the kernel drops when the
//! holder dies, so a crash never wedges the lock. The LockInfo left behind by a holder that
//! died is what makes it "stale": it is reported, and taken over only with `--force`.

use crate::clock::{Clock, format_duration, parse_rfc3339, rfc3339_millis};
use crate::error::{Error, Result};
use fs2::FileExt;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The lock file's name in the state directory.
pub const LOCK_FILE: &str = ".deploy-sentinel.lock";

/// A lock older than this is stale even if its holder's pid is alive.
pub const STALE_AFTER: Duration = Duration::from_secs(3600);

/// The exact warning for a stale lock (issue 3).
pub const STALE_LOCK_WARNING: &str = "Lock file is stale";

/// The stale-lock sentence with the real age and reason: "Lock file is stale (created 2h 5m
/// ago). Another process may have crashed. Verify rollout status before continuing."
pub fn stale_lock_warning(info: &LockInfo, reason: &Staleness, clock: &dyn Clock) -> String {
    let created = info.age(clock).map_or_else(
        || "creation time unreadable".to_owned(),
        |age| format!("created {} ago", format_duration(age)),
    );
    let why = match reason {
        Staleness::DeadPid(pid) => format!(", its holder pid {pid} is not running"),
        Staleness::Old(_) => String::new(),
    };
    format!(
        "{STALE_LOCK_WARNING} ({created}{why}). Another process may have crashed. Verify rollout status before continuing."
    )
}

/// Who holds the lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockInfo {
    pub id: String,
    pub pid: u32,
    pub host: String,
    pub user: String,
    pub operation: String,
    /// RFC 3339.
    pub created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout_id: Option<String>,
}

impl LockInfo {
    /// A description for messages: `id 1f2e… (pid 4242 on build-7, user alice, operation deploy, held 3m 05s)`.
    pub fn describe(&self, clock: &dyn Clock) -> String {
        let age = self.age(clock).map_or_else(
            || "age unknown".to_owned(),
            |a| format!("held {}", format_duration(a)),
        );
        format!(
            "id {} (pid {} on {}, user {}, operation {}, {age})",
            self.id, self.pid, self.host, self.user, self.operation
        )
    }

    /// How long ago the lock was taken.
    pub fn age(&self, clock: &dyn Clock) -> Option<Duration> {
        let created = parse_rfc3339(&self.created).ok()?;
        Some(
            clock
                .now()
                .duration_since(created)
                .unwrap_or(Duration::ZERO),
        )
    }
}

/// Why a lock whose holder is gone is stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staleness {
    /// Taken more than an hour ago.
    Old(Duration),
    /// Its pid is not running on this host.
    DeadPid(u32),
}

/// Decide whether a lock left in the file is stale.
pub fn staleness(info: &LockInfo, clock: &dyn Clock, this_host: &str) -> Option<Staleness> {
    if info.host == this_host && !pid_is_alive(info.pid) {
        return Some(Staleness::DeadPid(info.pid));
    }
    match info.age(clock) {
        Some(age) if age > STALE_AFTER => Some(Staleness::Old(age)),
        // An unreadable timestamp cannot prove the lock is fresh.
        None => Some(Staleness::Old(Duration::MAX)),
        _ => None,
    }
}

/// What the caller wants from [`acquire`].
#[derive(Debug, Clone)]
pub struct LockRequest {
    pub operation: String,
    pub rollout_id: Option<String>,
    /// Keep trying this long while a live holder has it.
    pub wait: Option<Duration>,
    /// Take over a stale lock.
    pub force: bool,
    /// Take over a lock whose holder died on this host (its pid is gone, its flock free), but
    /// not an hour-old one from another host: for callers that check the rollout before
    /// going on, as a resuming workflow does.
    pub take_over_dead: bool,
}

/// A held lock. Dropping it releases the lock and removes the file.
#[derive(Debug)]
pub struct RunLock {
    file: Option<File>,
    path: PathBuf,
    info: LockInfo,
    /// The stale lock that was taken over with `--force`, if any.
    pub took_over: Option<LockInfo>,
}

impl RunLock {
    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Release now, reporting a failure to remove the file.
    pub fn release(mut self) -> Result<()> {
        self.release_inner()
    }

    fn release_inner(&mut self) -> Result<()> {
        let Some(file) = self.file.take() else {
            return Ok(());
        };
        // Remove while still holding the flock: a waiter that then gets the old inode sees it
        // is no longer the file at `path` and starts over (see `acquire`).
        let removed = std::fs::remove_file(&self.path);
        drop(file);
        match removed {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io("removing lock file", &self.path, e)),
        }
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = self.release_inner();
    }
}

/// Take the lock at `path` or say who holds it.
///
/// - held by a live process: wait up to `request.wait`, then [`Error::Locked`] (exit 3);
/// - left behind by a dead or hour-old holder: [`Error::Locked`] with [`STALE_LOCK_WARNING`],
///   unless `request.force`, which takes it over.
pub fn acquire(path: &Path, request: &LockRequest, clock: &dyn Clock) -> Result<RunLock> {
    let started = clock.now();
    let host = hostname();
    loop {
        let mut file = open_lock_file(path)?;
        if file.try_lock_exclusive().is_err() {
            let holder = read_info(&mut file);
            let waited = clock.now().duration_since(started).unwrap_or_default();
            if request.wait.is_some_and(|limit| waited < limit) {
                drop(file);
                clock.sleep(Duration::from_millis(50));
                continue;
            }
            return Err(locked_error(path, holder.as_ref(), request.wait, clock));
        }
        if !is_same_file(&file, path) {
            // The previous holder removed the file between our open and our lock.
            continue;
        }
        let previous = read_info(&mut file);
        let mut took_over = None;
        if let Some(previous) = previous {
            match staleness(&previous, clock, &host) {
                Some(_) if request.force => took_over = Some(previous),
                Some(Staleness::DeadPid(_)) if request.take_over_dead => {
                    took_over = Some(previous);
                }
                Some(reason) => return Err(stale_error(path, &previous, &reason, clock)),
                // A fresh lock from another host: flock does not reach across machines.
                None if previous.host != host => {
                    return Err(locked_error(path, Some(&previous), request.wait, clock));
                }
                // Same host, live pid, yet the flock was free: the pid was reused. Stale.
                None if request.force || request.take_over_dead => took_over = Some(previous),
                None => {
                    return Err(stale_error(
                        path,
                        &previous,
                        &Staleness::DeadPid(previous.pid),
                        clock,
                    ));
                }
            }
        }
        let info = LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            pid: std::process::id(),
            host: host.clone(),
            user: user_name(),
            operation: request.operation.clone(),
            created: rfc3339_millis(clock.now()),
            rollout_id: request.rollout_id.clone(),
        };
        write_info(&mut file, &info).map_err(|e| Error::io("writing lock file", path, e))?;
        return Ok(RunLock {
            file: Some(file),
            path: path.to_owned(),
            info,
            took_over,
        });
    }
}

/// The lock's current content, if the file exists and holds LockInfo.
pub fn read_lock_info(path: &Path) -> Result<Option<LockInfo>> {
    match File::open(path) {
        Ok(mut file) => Ok(read_info(&mut file)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("reading lock file", path, e)),
    }
}

/// Whether some live process holds the flock right now.
pub fn is_held(path: &Path) -> Result<bool> {
    match File::open(path) {
        Ok(file) => Ok(match file.try_lock_exclusive() {
            Ok(()) => {
                let _ = FileExt::unlock(&file);
                false
            }
            Err(_) => true,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io("reading lock file", path, e)),
    }
}

fn read_info(file: &mut File) -> Option<LockInfo> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_info(file: &mut File, info: &LockInfo) -> std::io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    let text = serde_json::to_string_pretty(info).map_err(std::io::Error::other)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

fn is_same_file(file: &File, path: &Path) -> bool {
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

fn locked_error(
    path: &Path,
    holder: Option<&LockInfo>,
    wait: Option<Duration>,
    clock: &dyn Clock,
) -> Error {
    let who = holder.map_or_else(
        || "another process (it has not written its details yet)".to_owned(),
        |h| h.describe(clock),
    );
    let waited = wait
        .map(|w| format!(" after waiting {}", format_duration(w)))
        .unwrap_or_default();
    Error::Locked {
        message: format!("locked{waited}: {} is held by {who}", path.display()),
        hint: Some("wait for that run to finish, or pass --wait 10m to queue behind it".into()),
    }
}

fn stale_error(path: &Path, info: &LockInfo, reason: &Staleness, clock: &dyn Clock) -> Error {
    let why = match reason {
        Staleness::Old(age) if *age == Duration::MAX => {
            "its creation time is unreadable".to_owned()
        }
        Staleness::Old(age) => format!("it was taken {} ago", format_duration(*age)),
        Staleness::DeadPid(pid) => format!("pid {pid} is not running on this host"),
    };
    Error::Locked {
        message: format!(
            "{} {} was left by {} and {why}",
            stale_lock_warning(info, reason, clock),
            path.display(),
            info.describe(clock)
        ),
        hint: Some("after checking the rollout, take the lock over with --force".into()),
    }
}

/// Open (creating, never through a symlink, keeping what it holds) a file to `flock`.
fn open_lock_file(path: &Path) -> Result<File> {
    crate::nofollow::open(
        crate::nofollow::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false),
        path,
        "opening lock file",
    )
}

/// Take an exclusive `flock` on `path` (created if missing, never through a symlink),
/// waiting up to `wait` for a holder to let go; `waiting` is told once who holds it. The
/// lock lasts as long as the returned file. Past `wait`: [`Error::Locked`] naming the holder.
pub fn hold_flock(path: &Path, wait: Duration, waiting: &dyn Fn(&str)) -> Result<File> {
    let file = open_lock_file(path)?;
    let deadline = std::time::Instant::now() + wait;
    let mut told = false;
    while file.try_lock_exclusive().is_err() {
        let holder = flock_holder(&file).unwrap_or_else(|| "another process".into());
        if std::time::Instant::now() > deadline {
            return Err(Error::Locked {
                message: format!(
                    "{} is held by {holder} after waiting {}",
                    path.display(),
                    format_duration(wait)
                ),
                hint: None,
            });
        }
        if !told {
            waiting(&holder);
            told = true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(file)
}

/// Who holds a `flock` on the open `file` (a lock without a LockInfo, such as the journal's
/// writer lock): "pid 4242 on HOST, `sentinel-state apply`, running for 2m 5s", read from
/// /proc/locks and the holder's /proc entry; `None` where /proc does not say.
pub fn flock_holder(file: &File) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let inode = file.metadata().ok()?.ino();
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    // "1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234 0 EOF"
    let pid: u32 = locks.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (kind, pid, device) = (fields.get(1)?, fields.get(4)?, fields.get(5)?);
        let same_inode = device.rsplit(':').next()?.parse::<u64>().ok()? == inode;
        (*kind == "FLOCK" && same_inode)
            .then(|| pid.parse().ok())
            .flatten()
    })?;
    let command = std::fs::read(format!("/proc/{pid}/cmdline"))
        .ok()
        .map(|raw| {
            raw.split(|&b| b == 0)
                .filter(|part| !part.is_empty())
                .map(|part| String::from_utf8_lossy(part).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let running = process_age(pid)
        .map(|age| format!(", running for {}", format_duration(age)))
        .unwrap_or_default();
    Some(format!(
        "pid {pid} on {}, `{}`{running}",
        hostname(),
        crate::output::excerpt(&command, 80)
    ))
}

/// How long process `pid` has run: its start time (in clock ticks after boot) against the
/// system's uptime.
fn process_age(pid: u32) -> Option<Duration> {
    let start_ticks: f64 = proc_stat(pid)?.get(19)?.parse().ok()?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (ticks > 0.0).then(|| Duration::from_secs_f64((uptime - start_ticks / ticks).max(0.0)))
}

/// Whether a process with this pid exists on this host.
pub fn pid_is_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: kill with signal 0 sends nothing; it only checks that the pid exists.
    let result = unsafe { libc::kill(pid, 0) };
    let exists = result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    // A zombie (exited, not yet reaped by its parent) still answers kill 0, but runs nothing.
    exists && !is_zombie(pid)
}

/// Whether `pid` has exited and waits to be reaped (state Z or X in /proc/<pid>/stat).
fn is_zombie(pid: libc::pid_t) -> bool {
    proc_stat(pid).is_some_and(|fields| exited(&fields))
}

/// The fields of `/proc/<pid>/stat` after the command name: state, ppid, pgrp, … (the
/// name is in parentheses and may hold spaces, so they are counted from the last ')').
fn proc_stat(pid: impl std::fmt::Display) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    Some(after.split_whitespace().map(str::to_owned).collect())
}

/// Whether `proc_stat` fields say the process has exited (Z zombie, X dead).
fn exited(fields: &[String]) -> bool {
    fields
        .first()
        .is_some_and(|state| state == "Z" || state == "X")
}

/// Whether any process of process group `pgid` is still running (zombies aside).
pub fn process_group_is_alive(pgid: u32) -> bool {
    let Ok(pgid) = libc::pid_t::try_from(pgid) else {
        return false;
    };
    if pgid <= 1 {
        return false;
    }
    // SAFETY: kill with signal 0 to a process group sends nothing.
    let result = unsafe { libc::kill(-pgid, 0) };
    let exists = result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    exists && (!is_zombie(pgid) || group_has_live_member(pgid))
}

/// Whether a process other than a zombie leader belongs to group `pgid` (from /proc).
fn group_has_live_member(pgid: libc::pid_t) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return true;
    };
    entries.flatten().any(|entry| {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<libc::pid_t>().ok())
        else {
            return false;
        };
        proc_stat(pid).is_some_and(|fields| {
            fields.get(2).and_then(|g| g.parse::<libc::pid_t>().ok()) == Some(pgid)
                && !exited(&fields)
        })
    })
}

/// This machine's host name.
pub fn hostname() -> String {
    let mut buffer = [0u8; 256];
    // SAFETY: the buffer is valid for its whole length; gethostname NUL-terminates within it.
    let result = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
    if result != 0 {
        return "unknown-host".to_owned();
    }
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    String::from_utf8_lossy(&buffer[..end]).into_owned()
}

/// The user running this process, as shown in locks and approvals.
pub fn user_name() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| {
            // SAFETY: getuid has no preconditions and cannot fail.
            format!("uid {}", unsafe { libc::getuid() })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{FakeClock, SystemClock};
    use std::time::SystemTime;

    fn request(operation: &str) -> LockRequest {
        LockRequest {
            operation: operation.into(),
            rollout_id: None,
            wait: None,
            force: false,
            take_over_dead: false,
        }
    }

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_details() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_FILE);
        let first = acquire(&path, &request("deploy"), &SystemClock).unwrap();
        assert!(is_held(&path).unwrap());
        let error = acquire(&path, &request("report"), &SystemClock).unwrap_err();
        assert_eq!(error.exit().code(), 3);
        let text = error.to_string();
        assert!(
            text.contains(&format!("pid {}", std::process::id())),
            "{text}"
        );
        assert!(
            text.contains("operation deploy") && text.contains(&first.info().id),
            "{text}"
        );
        first.release().unwrap();
        assert!(!path.exists(), "release removes the file");
        acquire(&path, &request("report"), &SystemClock).unwrap();
    }

    #[test]
    fn a_lock_left_by_a_dead_pid_is_stale_and_needs_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_FILE);
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead_pid = child.id();
        child.wait().unwrap();
        let left = LockInfo {
            id: "old".into(),
            pid: dead_pid,
            host: hostname(),
            user: "ci".into(),
            operation: "deploy".into(),
            created: rfc3339_millis(SystemTime::now()),
            rollout_id: None,
        };
        std::fs::write(&path, serde_json::to_string(&left).unwrap()).unwrap();
        let error = acquire(&path, &request("deploy"), &SystemClock).unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with(STALE_LOCK_WARNING), "{text}");
        assert!(
            text.contains(&format!("pid {dead_pid} is not running")),
            "{text}"
        );
        assert_eq!(error.exit().code(), 3);

        // A child that another test forks at this moment holds our open file (and so its
        // flock) until it execs and closes it: waiting a little makes that no failure.
        let forced = LockRequest {
            force: true,
            wait: Some(Duration::from_secs(5)),
            ..request("deploy")
        };
        let lock = acquire(&path, &forced, &SystemClock).unwrap();
        assert_eq!(lock.took_over.as_ref().map(|i| i.id.as_str()), Some("old"));
        drop(lock);

        std::fs::write(&path, serde_json::to_string(&left).unwrap()).unwrap();
        let resuming = LockRequest {
            take_over_dead: true,
            wait: Some(Duration::from_secs(5)),
            ..request("deploy")
        };
        let lock = acquire(&path, &resuming, &SystemClock).unwrap();
        assert_eq!(lock.took_over.as_ref().map(|i| i.id.as_str()), Some("old"));
    }

    #[test]
    fn taking_over_dead_holders_leaves_old_locks_from_other_hosts_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_FILE);
        let left = LockInfo {
            id: "remote".into(),
            pid: 1,
            host: "another-runner".into(),
            user: "ci".into(),
            operation: "deploy".into(),
            created: "2020-01-01T00:00:00.000Z".into(),
            rollout_id: None,
        };
        std::fs::write(&path, serde_json::to_string(&left).unwrap()).unwrap();
        let resuming = LockRequest {
            take_over_dead: true,
            wait: Some(Duration::from_secs(5)),
            ..request("deploy")
        };
        let error = acquire(&path, &resuming, &SystemClock).unwrap_err();
        assert_eq!(error.exit().code(), 3);
        assert!(error.to_string().starts_with(STALE_LOCK_WARNING));
    }

    #[test]
    fn an_hour_old_lock_from_another_host_is_stale() {
        let clock = FakeClock::at(SystemTime::now());
        let info = LockInfo {
            id: "x".into(),
            pid: 1,
            host: "elsewhere".into(),
            user: "u".into(),
            operation: "deploy".into(),
            created: rfc3339_millis(clock.now()),
            rollout_id: None,
        };
        assert_eq!(staleness(&info, &clock, "here"), None);
        clock.advance(STALE_AFTER + Duration::from_secs(1));
        assert!(matches!(
            staleness(&info, &clock, "here"),
            Some(Staleness::Old(_))
        ));
    }

    #[test]
    fn waiting_gets_the_lock_once_the_holder_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_FILE);
        let first = acquire(&path, &request("a"), &SystemClock).unwrap();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            first.release().unwrap();
        });
        let waiting = LockRequest {
            wait: Some(Duration::from_secs(10)),
            ..request("b")
        };
        let second = acquire(&path, &waiting, &SystemClock).unwrap();
        releaser.join().unwrap();
        assert_eq!(read_lock_info(&path).unwrap().unwrap().id, second.info().id);
    }
}
