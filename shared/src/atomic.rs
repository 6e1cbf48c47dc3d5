//! Atomic file replacement: write a temporary file in the same directory, fsync it, rename
//! it over the target, fsync the directory. A crash at any instant leaves the old content or
//! the new, never a mix.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Replace `target` with `bytes` atomically, through a new temporary file beside it (named by
/// [`temp_path_for`] and created with `O_EXCL`, so nothing planted there is written through).
/// A symlink at `target` is refused (exit 5): the rename would replace the link, but a link
/// there means someone expects us to write somewhere else.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> Result<()> {
    crate::nofollow::refuse_symlink(target)?;
    write_atomic_via(target, &temp_path_for(target), bytes)
}

/// [`write_atomic`] through the temporary file `temp`, which must not exist yet and must be
/// in the same directory (so the rename cannot cross file systems).
fn write_atomic_via(target: &Path, temp: &Path, bytes: &[u8]) -> Result<()> {
    let file = crate::nofollow::create_new(temp, "creating temporary file")?;
    let result = write_and_rename(file, target, temp, bytes);
    if result.is_err() {
        // Ours (created just now); removing it only tidies up after a full disk.
        let _ = std::fs::remove_file(temp);
    }
    result
}

/// A temporary path beside `target` that no other write uses: `.<name>.<pid>.<n>.tmp`.
pub fn temp_path_for(target: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    target.with_file_name(format!(
        ".{name}.{}.{}{nanos:09}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

fn write_and_rename(mut file: File, target: &Path, temp: &Path, bytes: &[u8]) -> Result<()> {
    file.write_all(bytes)
        .map_err(|e| Error::io("writing", temp, e))?;
    file.sync_all().map_err(|e| Error::io("syncing", temp, e))?;
    drop(file);
    std::fs::rename(temp, target).map_err(|e| Error::io("replacing", target, e))?;
    sync_parent_dir(target)
}

/// fsync the directory holding `path`, so a rename or a new file in it survives a crash.
pub fn sync_parent_dir(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("syncing directory", dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};
    use std::time::Duration;

    const CHILD_ENV: &str = "SENTINEL_ATOMIC_WRITER_TARGET";
    const BODY_BYTES: usize = 512 * 1024;

    /// Content number `generation`: a header line, then filler that depends on the number, so
    /// any mix of two generations is detectable.
    fn content(generation: u64) -> Vec<u8> {
        let mut bytes = format!("generation {generation}\n").into_bytes();
        let filler = b'a' + (generation % 26) as u8;
        bytes.resize(BODY_BYTES, filler);
        bytes
    }

    fn is_whole_generation(bytes: &[u8]) -> Option<u64> {
        let text = std::str::from_utf8(bytes).ok()?;
        let (header, _) = text.split_once('\n')?;
        let generation: u64 = header.strip_prefix("generation ")?.parse().ok()?;
        (bytes == content(generation).as_slice()).then_some(generation)
    }

    /// Not a test on its own: the writer process the kill test starts and SIGKILLs.
    #[test]
    fn atomic_writer_child_process() {
        let Ok(target) = std::env::var(CHILD_ENV) else {
            return;
        };
        let target = PathBuf::from(target);
        for generation in 1.. {
            write_atomic(&target, &content(generation)).unwrap();
        }
    }

    #[test]
    fn a_writer_killed_mid_write_leaves_old_or_new_content() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("state.json");
        write_atomic(&target, &content(0)).unwrap();
        let exe = std::env::current_exe().unwrap();
        let mut generations_seen = std::collections::BTreeSet::new();
        for round in 0..40u64 {
            let mut child = Command::new(&exe)
                .args([
                    "--exact",
                    "atomic::tests::atomic_writer_child_process",
                    "--test-threads=1",
                ])
                .env(CHILD_ENV, &target)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(5 + (round * 7) % 40));
            // SIGKILL: no destructor, no cleanup, exactly like a crash.
            child.kill().unwrap();
            child.wait().unwrap();
            let bytes = std::fs::read(&target).unwrap();
            let generation = is_whole_generation(&bytes)
                .unwrap_or_else(|| panic!("round {round}: torn content of {} bytes", bytes.len()));
            generations_seen.insert(generation);
        }
        assert!(
            generations_seen.len() > 1,
            "the writer must have replaced the file at least once: {generations_seen:?}"
        );
    }

    #[test]
    fn a_failed_write_keeps_the_old_content_and_removes_the_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("state.json");
        write_atomic(&target, b"old").unwrap();
        // A directory where the target is makes the rename fail after the temp file was
        // written, like a full disk at the last step.
        let blocked = dir.path().join("blocked");
        std::fs::create_dir(&blocked).unwrap();
        std::fs::write(blocked.join("inside"), b"x").unwrap();
        let error = write_atomic(&blocked, b"new").unwrap_err();
        assert!(error.to_string().contains("blocked"), "{error}");
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 2, "no temp file is left: {left:?}");
    }

    #[test]
    fn a_planted_symlink_is_never_written_through() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let target = dir.path().join("state.json");
        symlink(&victim, &target).unwrap();
        let error = write_atomic(&target, b"new").unwrap_err();
        assert!(error.to_string().contains("symbolic link"), "{error}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert_ne!(
            temp_path_for(&target),
            temp_path_for(&target),
            "each temp is new"
        );
    }

    #[test]
    fn temp_file_sits_beside_the_target() {
        let temp = temp_path_for(Path::new("/x/y/state.json"));
        assert_eq!(temp.parent(), Some(Path::new("/x/y")));
        assert!(
            temp.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".state.json.")
        );
    }
}
