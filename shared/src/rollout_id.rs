//! The rollout id: the one value from events, flags and remote services that becomes part of
//! paths (`.sentinel/rollouts/<id>/`, `.sentinel/history/<id>/`) and of the commands a person
//! is told to run. Only a [`RolloutId`] can name such a path, and only a checked string
//! becomes one.

use crate::error::{Error, Result};
use std::fmt;

/// A checked rollout id: 1 to 128 of ASCII letters, digits, `-`, `_` and `.`, not starting
/// with `.` — so never `..`, a path separator, an absolute path or shell syntax. Local
/// rollouts use UUIDs; EV2 and Azure DevOps ids fit too.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RolloutId(String);

/// The longest rollout id accepted.
pub const MAX_LEN: usize = 128;

impl RolloutId {
    /// Check `text`; `origin` says where it came from ("--rollout-id", "the state file's
    /// rolloutId", "EV2's answer") for the error, which is a usage error (exit 2).
    pub fn parse(text: &str, origin: &str) -> Result<RolloutId> {
        if is_valid(text) {
            return Ok(RolloutId(text.to_owned()));
        }
        Err(Error::usage_with_hint(
            format!(
                "{origin} {:?} is not a rollout id",
                crate::output::excerpt(text, 80)
            ),
            format!(
                "a rollout id is 1 to {MAX_LEN} letters, digits, '-', '_' and '.', not starting with '.'; copy it from the rollout.triggered event"
            ),
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `text` is a rollout id (see [`RolloutId`]).
pub fn is_valid(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_LEN
        && !text.starts_with('.')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl fmt::Display for RolloutId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for RolloutId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<std::path::Path> for RolloutId {
    fn as_ref(&self) -> &std::path::Path {
        std::path::Path::new(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_are_rollout_ids() {
        for good in ["8f3c2a1b-4d5e-4f60-9a7b-1c2d3e4f5a6b", "4711", "r1.retry_2"] {
            assert!(RolloutId::parse(good, "test").is_ok(), "{good}");
        }
        for bad in [
            "",
            ".",
            "..",
            "../../../../x",
            "/etc",
            "a/b",
            "a\\b",
            ".hidden",
            "r1;rm -rf /",
            "r1\n",
            &"x".repeat(MAX_LEN + 1),
        ] {
            let error = RolloutId::parse(bad, "the event's rolloutId").unwrap_err();
            assert_eq!(error.exit(), crate::Exit::Usage, "{bad:?}");
            assert!(error.to_string().contains("rolloutId"), "{error}");
        }
    }
}
