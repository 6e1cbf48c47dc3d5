//! Atomic file replacement: write a temporary file in the same directory, fsync it, rename
//! it over the target, fsync the directory. A crash at any instant leaves the old content or
//! the new, never a mix.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Replace `target` with `bytes` atomically, through the temporary file `temp` (which must be
/// in the same directory, so the rename cannot cross file systems).
pub fn write_atomic_via(target: &Path, temp: &Path, bytes: &[u8]) -> Result<()> {
    let result = write_and_rename(target, temp, bytes);
    if result.is_err() {
        // The temp file is never read as data; removing it only tidies up after a full disk.
        let _ = std::fs::remove_file(temp);
    }
    result
}

/// Replace `target` atomically through a temporary `.<name>.<pid>.tmp` beside it.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_via(target, &temp_path_for(target), bytes)
}

/// The temporary path [`write_atomic`] uses for `target`.
pub fn temp_path_for(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

fn write_and_rename(target: &Path, temp: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(temp)
        .map_err(|e| Error::io("creating temporary file", temp, e))?;
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
        // A directory where the temp file should go makes the create fail like a full disk.
        let temp = dir.path().join("blocked.tmp");
        std::fs::create_dir(&temp).unwrap();
        let error = write_atomic_via(&target, &temp, b"new").unwrap_err();
        assert!(error.to_string().contains("blocked.tmp"), "{error}");
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
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
