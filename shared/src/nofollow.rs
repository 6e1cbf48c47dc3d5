//! Opening and creating the suite's own files without following symbolic links.
//!
//! The state directory is often a repository checkout, where anyone who can commit can plant
//! a symlink named like one of our files (`.deploy-sentinel-state.tmp -> ~/.ssh/authorized_keys`).
//! Every file the suite writes there is therefore opened with `O_NOFOLLOW`, every temporary
//! file is a new one (`O_EXCL`), every directory the suite creates below the state directory
//! is checked to be a real directory, and a symlink in any of those places is refused with
//! an error (exit 5) that names it.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

/// Why a symlink is refused: the cause under [`symlink_refused`]'s error, so callers can
/// tell this refusal (never worth retrying, never only a warning) from other I/O errors.
#[derive(Debug)]
struct SymlinkRefusal;

impl std::fmt::Display for SymlinkRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Deploy Sentinel never writes through one (a link there could make it overwrite another file); remove it")
    }
}

impl std::error::Error for SymlinkRefusal {}

/// The error for a symlink found where the suite keeps a file or directory.
pub fn symlink_refused(path: &Path) -> Error {
    Error::Io {
        context: format!("refusing to use the symbolic link {}", path.display()),
        source: std::io::Error::other(SymlinkRefusal),
    }
}

/// Whether `error` is a symlink refused by this module.
pub fn is_symlink_refusal(error: &Error) -> bool {
    matches!(error, Error::Io { source, .. }
        if source.get_ref().is_some_and(|cause| cause.is::<SymlinkRefusal>()))
}

/// Fail when `path` itself is a symbolic link (a missing path is fine).
pub fn refuse_symlink(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(symlink_refused(path)),
        _ => Ok(()),
    }
}

/// Map an open error, naming a symlink found at `path` as such.
pub fn error(action: &str, path: &Path, error: std::io::Error) -> Error {
    let is_link =
        || std::fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_symlink());
    // ELOOP from O_NOFOLLOW, EEXIST from O_EXCL: either way, a link was there.
    if matches!(error.raw_os_error(), Some(libc::ELOOP | libc::EEXIST)) && is_link() {
        symlink_refused(path)
    } else {
        Error::io(action, path, error)
    }
}

/// Options that never follow a symlink in the last path component. O_NONBLOCK too: it means
/// nothing for a regular file, and a FIFO planted where one of ours belongs then opens at
/// once (to be refused) instead of blocking the tool until a writer comes.
pub fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK);
    options
}

/// Open `path` with `options` (from [`options`]); a symlink there is refused, and so is
/// anything that is not a regular file (a FIFO, a device).
pub fn open(options: &OpenOptions, path: &Path, action: &str) -> Result<File> {
    let file = options.open(path).map_err(|e| error(action, path, e))?;
    regular(file).map_err(|e| Error::io(action, path, e))
}

/// `file` if it is a regular file, else an error that says what it is.
fn regular(file: File) -> std::io::Result<File> {
    if file.metadata()?.is_file() {
        Ok(file)
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is not a regular file (a FIFO, socket or device was put where Deploy Sentinel keeps a file of its own); remove it",
        ))
    }
}

/// Open `path` for appending, creating it; a symlink there is refused.
pub fn open_append(path: &Path, action: &str) -> Result<File> {
    open(options().append(true).create(true), path, action)
}

/// Open `path` for appending like [`open_append`], first creating its directory (one level,
/// below a directory that exists: `.sentinel/` in the state directory) as a real directory.
pub fn open_append_in_new_dir(path: &Path, action: &str) -> Result<File> {
    if let (Some(dir), Some(base)) = (path.parent(), path.parent().and_then(Path::parent)) {
        if let Some(name) = dir.file_name() {
            create_dirs(base, Path::new(name))?;
        }
    }
    open_append(path, action)
}

/// Create `path` anew, replacing a regular file that is there (`O_TRUNC`); a symlink there
/// is refused.
pub fn create(path: &Path, action: &str) -> Result<File> {
    open(
        options().write(true).create(true).truncate(true),
        path,
        action,
    )
}

/// Create a file that did not exist (`O_EXCL`, which never follows a symlink either).
pub fn create_new(path: &Path, action: &str) -> Result<File> {
    open(options().write(true).create_new(true), path, action)
}

/// Read a file as text; a symlink there is refused. `NotFound` stays an
/// [`std::io::ErrorKind::NotFound`] I/O error so callers can tell "none yet".
pub fn read_to_string(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    let mut file = regular(options().read(true).open(path)?)?;
    file.read_to_string(&mut text)?;
    Ok(text)
}

/// Create the directories of `relative` below `base` (which itself may be anything the user
/// chose, a symlink included), refusing any component that exists as a symlink or as
/// something other than a directory. `relative` must not climb out (`..`) or be absolute.
pub fn create_dirs(base: &Path, relative: &Path) -> Result<PathBuf> {
    walk_dirs(base, relative, true).map(|found| found.unwrap_or_default())
}

/// The directory `relative` below `base` when it exists and every component is a real
/// directory; `Ok(None)` when a component is missing; a symlink is refused.
pub fn existing_dirs(base: &Path, relative: &Path) -> Result<Option<PathBuf>> {
    walk_dirs(base, relative, false)
}

fn walk_dirs(base: &Path, relative: &Path, create: bool) -> Result<Option<PathBuf>> {
    let mut path = base.to_path_buf();
    for component in relative.components() {
        match component {
            Component::Normal(part) => path.push(part),
            Component::CurDir => continue,
            _ => {
                return Err(Error::Internal(format!(
                    "{} is not a path below {}",
                    relative.display(),
                    base.display()
                )));
            }
        }
        if create {
            match std::fs::create_dir(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(Error::io("creating directory", &path, e)),
            }
        }
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if !create && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("inspecting", &path, e)),
        };
        if meta.file_type().is_symlink() {
            return Err(symlink_refused(&path));
        }
        if !meta.is_dir() {
            return Err(Error::Io {
                context: format!("{} should be a directory, but is a file", path.display()),
                source: std::io::Error::from(std::io::ErrorKind::AlreadyExists),
            });
        }
    }
    Ok(Some(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn every_open_refuses_a_planted_symlink_and_leaves_its_target_alone() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let link = dir.path().join("link");
        symlink(&victim, &link).unwrap();
        let dangling = dir.path().join("dangling");
        symlink(dir.path().join("nowhere"), &dangling).unwrap();
        for (what, result) in [
            ("append", open_append(&link, "appending").map(drop)),
            ("create", create(&link, "creating").map(drop)),
            ("create_new", create_new(&link, "creating").map(drop)),
            (
                "create_new dangling",
                create_new(&dangling, "creating").map(drop),
            ),
            ("refuse", refuse_symlink(&link)),
        ] {
            let error = result.expect_err(what);
            assert_eq!(error.exit(), crate::Exit::Internal, "{what}");
            assert!(
                error.to_string().contains("symbolic link"),
                "{what}: {error}"
            );
        }
        assert!(read_to_string(&link).is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!dir.path().join("nowhere").exists());
    }

    #[test]
    fn directories_below_the_base_must_be_real_directories() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let made = create_dirs(dir.path(), Path::new(".sentinel/rollouts/r1")).unwrap();
        assert!(made.is_dir());
        symlink(elsewhere.path(), dir.path().join(".sentinel/history")).unwrap();
        let error = create_dirs(dir.path(), Path::new(".sentinel/history/r1")).unwrap_err();
        assert!(error.to_string().contains("symbolic link"), "{error}");
        assert!(
            std::fs::read_dir(elsewhere.path())
                .unwrap()
                .next()
                .is_none()
        );
        assert!(create_dirs(dir.path(), Path::new("../x")).is_err());
        assert!(existing_dirs(dir.path(), Path::new(".sentinel/history/r1")).is_err());
        assert_eq!(
            existing_dirs(dir.path(), Path::new(".sentinel/rollouts/r2")).unwrap(),
            None
        );
    }
}
