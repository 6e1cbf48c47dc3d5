//! Semantic versions and the newest release tag of a git repository.

use std::cmp::Ordering;
use std::path::Path;

/// A parsed `MAJOR.MINOR.PATCH[-PRE][+BUILD]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemVer {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Option<String>,
}

impl SemVer {
    /// Parse `1.2.3`, `v1.2.3`, `1.2.3-rc.1`; build metadata is ignored.
    pub fn parse(text: &str) -> Option<SemVer> {
        let text = text.strip_prefix('v').unwrap_or(text);
        let text = text.split('+').next()?;
        let (core, pre) = match text.split_once('-') {
            Some((core, pre)) if !pre.is_empty() => (core, Some(pre.to_owned())),
            Some(_) => return None,
            None => (text, None),
        };
        let mut parts = core.split('.');
        let number = |p: Option<&str>| {
            p.filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))?
                .parse()
                .ok()
        };
        let version = SemVer {
            major: number(parts.next())?,
            minor: number(parts.next())?,
            patch: number(parts.next())?,
            pre,
        };
        parts.next().is_none().then_some(version)
    }
}

impl std::fmt::Display for SemVer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some(pre) = &self.pre {
            write!(f, "-{pre}")?;
        }
        Ok(())
    }
}

impl PartialOrd for SemVer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SemVer {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            // A release is newer than its pre-releases.
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => a.cmp(b),
            })
    }
}

/// The newest semver tag of the repository containing `dir`, without its `v`; `None` when
/// `dir` is not in a repository or no tag is a version.
pub fn newest_tag_version(dir: &Path) -> Option<SemVer> {
    let repo = git2::Repository::discover(dir).ok()?;
    let names = repo.tag_names(None).ok()?;
    names
        .iter()
        .flatten()
        .flatten()
        .filter_map(SemVer::parse)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders_versions() {
        let v = |s| SemVer::parse(s).unwrap();
        assert!(v("v1.10.0") > v("1.9.9"));
        assert!(v("2.0.0") > v("2.0.0-rc.1"));
        assert_eq!(v("v1.2.3+build.7").to_string(), "1.2.3");
        assert_eq!(SemVer::parse("1.2"), None);
        assert_eq!(SemVer::parse("release-7"), None);
    }

    #[test]
    fn newest_tag_comes_from_a_real_repository() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let signature = git2::Signature::now("t", "t@example.invalid").unwrap();
        let tree = repo
            .find_tree(repo.index().unwrap().write_tree().unwrap())
            .unwrap();
        let commit = repo
            .commit(Some("HEAD"), &signature, &signature, "init", &tree, &[])
            .unwrap();
        let object = repo.find_object(commit, None).unwrap();
        for tag in ["v1.2.0", "v1.10.0", "v1.10.1-rc.1", "not-a-version"] {
            repo.tag_lightweight(tag, &object, false).unwrap();
        }
        assert_eq!(
            newest_tag_version(dir.path())
                .map(|v| v.to_string())
                .as_deref(),
            Some("1.10.1-rc.1")
        );
        let plain = tempfile::tempdir().unwrap();
        assert_eq!(newest_tag_version(plain.path()), None);
    }
}
