//! Reading a file a user names on the command line or in a config (a config, a targets file,
//! a request body, a result to merge, a template) whole, never more than a bound: a device
//! such as /dev/zero never ends, and a huge file would fill memory before anything could say
//! it is wrong. The config must also be a regular file (a FIFO there would block every
//! tool); a flag's file may be a pipe (`--body-file <(make-body)`), read to its end.

use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// The bytes of `path`, a regular file of at most `max_bytes`; `what_fits` says what such a
/// file usually holds, for the error about one too large. Errors are
/// [`std::io::ErrorKind::InvalidInput`] with what is wrong, or the open/read error itself.
pub fn read_bounded(path: &Path, max_bytes: u64, what_fits: &str) -> std::io::Result<Vec<u8>> {
    read_up_to(path, max_bytes, what_fits, true)
}

fn read_up_to(
    path: &Path,
    max_bytes: u64,
    what_fits: &str,
    regular_only: bool,
) -> std::io::Result<Vec<u8>> {
    let invalid = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, what);
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(invalid("is a directory, not a file".into()));
    }
    if regular_only && !meta.is_file() {
        return Err(invalid(
            "is not a regular file (a FIFO, socket or device); copy what it holds into a file"
                .into(),
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max_bytes + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(invalid(format!(
            "is larger than {}; {what_fits}",
            size_for_people(max_bytes)
        )));
    }
    Ok(bytes)
}

/// [`read_bounded`] for text: the bytes must be UTF-8.
pub fn read_bounded_text(path: &Path, max_bytes: u64, what_fits: &str) -> std::io::Result<String> {
    String::from_utf8(read_bounded(path, max_bytes, what_fits)?).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// A file a flag names (`what`: "--body-file"), up to `max_bytes`: a regular file or a
/// pipe. One that is missing, a directory or too large is a usage error (exit 2) that names
/// it; other read errors are I/O errors.
pub fn read_named(path: &Path, max_bytes: u64, what_fits: &str, what: &str) -> Result<Vec<u8>> {
    read_up_to(path, max_bytes, what_fits, false).map_err(|e| named_error(path, what, e))
}

/// [`read_named`] for text: the bytes must be UTF-8.
pub fn read_named_text(path: &Path, max_bytes: u64, what_fits: &str, what: &str) -> Result<String> {
    let bytes = read_named(path, max_bytes, what_fits, what)?;
    String::from_utf8(bytes).map_err(|e| {
        Error::usage(format!(
            "{what} {}: is not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

fn named_error(path: &Path, what: &str, error: std::io::Error) -> Error {
    match error.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::InvalidInput => {
            Error::usage(format!("{what} {}: {error}", path.display()))
        }
        _ => Error::io(&format!("reading {what}"), path, error),
    }
}

fn size_for_people(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes % (1 << 20) == 0 {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes % (1 << 10) == 0 {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_small_enough_regular_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "hello").unwrap();
        assert_eq!(read_bounded_text(&file, 5, "x").unwrap(), "hello");
        let error = read_bounded(&file, 4, "a thing is a few bytes").unwrap_err();
        assert_eq!(
            error.to_string(),
            "is larger than 4 bytes; a thing is a few bytes"
        );
        assert!(
            read_bounded(dir.path(), 10, "x")
                .unwrap_err()
                .to_string()
                .contains("directory")
        );
        let error = read_bounded(Path::new("/dev/zero"), 10, "x").unwrap_err();
        assert!(error.to_string().contains("not a regular file"), "{error}");
        std::fs::write(&file, [0xff, 0xfe]).unwrap();
        assert!(
            read_bounded_text(&file, 10, "x")
                .unwrap_err()
                .to_string()
                .contains("UTF-8")
        );
        assert_eq!(size_for_people(1 << 20), "1 MiB");
        assert_eq!(size_for_people(64 << 10), "64 KiB");
        // A flag's file may be a device or a pipe, read only up to its bound.
        let error = read_named(Path::new("/dev/zero"), 10, "x", "--body-file").unwrap_err();
        assert!(
            error.to_string().contains("larger than 10 bytes"),
            "{error}"
        );
        let error = read_named(&dir.path().join("missing"), 10, "x", "--body-file").unwrap_err();
        assert_eq!(error.exit(), crate::Exit::Usage, "{error}");
        assert!(error.to_string().starts_with("--body-file "), "{error}");
    }
}
