//! The one error type of the suite. Every variant knows its exit code and, where it helps,
//! a hint that tells the user what to do next.

use crate::exit::Exit;
use std::fmt::Write as _;
use std::path::Path;

/// Result with the suite's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error a tool reports to its user.
///
/// `Display` gives the error itself; causes are reached through `source()` and printed by
/// [`chain`] as `what: why: deeper why`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Wrong flags, a bad value, a missing or invalid configuration field (exit 2).
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },

    /// A line on standard input that is not a JSON object (exit 2).
    #[error("{origin} line {line}: {reason} (line starts with {excerpt:?})")]
    InvalidInput {
        origin: String,
        line: u64,
        excerpt: String,
        reason: String,
    },

    /// The checked thing failed: a rollout, a gate, a threshold (exit 1).
    #[error("{0}")]
    CheckFailed(String),

    /// Another run holds the lock (exit 3).
    #[error("{message}")]
    Locked {
        message: String,
        hint: Option<String>,
    },

    /// An external service stayed unreachable after retries (exit 4).
    #[error("{service} stayed unreachable after {attempts} attempt(s)")]
    Unreachable {
        service: String,
        attempts: u32,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// An external service answered but refused: bad credentials, no permission (exit 4).
    /// Unlike [`Error::Unreachable`] this is never retried: it fails the same way again.
    #[error("{service} refused: {message}")]
    Denied {
        service: String,
        message: String,
        /// What to check (token, its scopes, the sign-in).
        hint: String,
    },

    /// Reading or writing a file or stream failed (exit 5).
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    /// stdout was closed by the reader; the tool ends quietly with exit 0.
    #[error("broken pipe on standard output")]
    BrokenPipe,

    /// SIGINT or SIGTERM arrived; state was saved first (exit 130).
    #[error("interrupted")]
    Interrupted,

    /// A bug or an impossible state (exit 5).
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// A usage or configuration error without a hint.
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: None,
        }
    }

    /// A usage or configuration error with a hint that says how to fix it.
    pub fn usage_with_hint(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// An I/O error with what was being done and to which path.
    pub fn io(action: &str, path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            context: format!("{action} {}", path.display()),
            source,
        }
    }

    /// The exit code this error ends the tool with.
    pub fn exit(&self) -> Exit {
        match self {
            Error::Usage { .. } | Error::InvalidInput { .. } => Exit::Usage,
            Error::CheckFailed(_) => Exit::CheckFailed,
            Error::Locked { .. } => Exit::Locked,
            Error::Unreachable { .. } | Error::Denied { .. } => Exit::Unreachable,
            Error::Io { .. } | Error::Internal(_) => Exit::Internal,
            Error::BrokenPipe => Exit::Success,
            Error::Interrupted => Exit::Interrupted,
        }
    }

    /// What the user can do about it, when there is something useful to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Usage { hint, .. } | Error::Locked { hint, .. } => hint.clone(),
            Error::Denied { hint, .. } => Some(hint.clone()),
            Error::InvalidInput { .. } => Some(
                "every input line must be one JSON event object; pass --skip-invalid to report bad lines and go on"
                    .into(),
            ),
            Error::Io { source, .. } => io_hint(source),
            Error::Unreachable { .. } => {
                Some("check that the service is up and reachable from this machine, then run again".into())
            }
            _ => None,
        }
    }
}

fn io_hint(source: &std::io::Error) -> Option<String> {
    use std::io::ErrorKind;
    match source.kind() {
        ErrorKind::StorageFull | ErrorKind::FileTooLarge | ErrorKind::QuotaExceeded => Some(
            "the disk is full: free space and run again; files written before are intact".into(),
        ),
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => {
            Some("check that the directory is writable by this user (or pass --state-dir)".into())
        }
        ErrorKind::NotFound => Some("check the path".into()),
        _ => None,
    }
}

impl From<std::io::Error> for Error {
    /// Bare I/O errors only arise on the standard streams; everything else adds its path.
    fn from(source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::BrokenPipe {
            Error::BrokenPipe
        } else {
            Error::Io {
                context: "standard stream".into(),
                source,
            }
        }
    }
}

/// The error and its causes joined as `what: why: deeper why`, like anyhow's `{:#}`.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let inner_text = inner.to_string();
        // Some libraries repeat their cause in their own message; print it once.
        if !text.ends_with(&inner_text) {
            let _ = write!(text, ": {inner_text}");
        }
        cause = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn each_error_maps_to_its_documented_exit_code() {
        assert_eq!(Error::usage("x").exit().code(), 2);
        assert_eq!(Error::CheckFailed("x".into()).exit().code(), 1);
        let locked = Error::Locked {
            message: "x".into(),
            hint: None,
        };
        assert_eq!(locked.exit().code(), 3);
        let unreachable = Error::Unreachable {
            service: "EV2".into(),
            attempts: 4,
            source: "refused".into(),
        };
        assert_eq!(unreachable.exit().code(), 4);
        assert_eq!(Error::Internal("x".into()).exit().code(), 5);
        assert_eq!(Error::Interrupted.exit().code(), 130);
        assert_eq!(Error::BrokenPipe.exit().code(), 0);
    }

    #[test]
    fn chain_prints_every_cause_once() {
        let error = Error::io(
            "writing",
            Path::new("/tmp/state.json"),
            io::Error::new(io::ErrorKind::StorageFull, "No space left on device"),
        );
        assert_eq!(
            chain(&error),
            "writing /tmp/state.json: No space left on device"
        );
        assert!(error.hint().is_some_and(|h| h.contains("disk is full")));
    }

    #[test]
    fn broken_pipe_becomes_its_own_variant() {
        let error: Error = io::Error::from(io::ErrorKind::BrokenPipe).into();
        assert!(matches!(error, Error::BrokenPipe));
    }
}
