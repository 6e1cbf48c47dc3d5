//! Semantic versions and the newest release tag of a git repository.

use std::cmp::Ordering;

/// A parsed `MAJOR.MINOR.PATCH[-PRE][+BUILD]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemVer {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Option<String>,
}

impl SemVer {
    /// Parse a version by the SemVer 2.0.0 grammar, with an optional leading `v`:
    /// `1.2.3`, `v1.2.3`, `1.2.3-rc.1`, `1.2.3+build.7` (build metadata is checked, then
    /// ignored). Anything else — leading zeros, empty identifiers, characters outside
    /// `[0-9A-Za-z-]` in pre-release or build identifiers — is `None`: a version reaches
    /// deploy commands, branch names and tags, so only the grammar's characters may pass.
    pub fn parse(text: &str) -> Option<SemVer> {
        let text = text.strip_prefix('v').unwrap_or(text);
        let (text, build) = match text.split_once('+') {
            Some((text, build)) => (text, Some(build)),
            None => (text, None),
        };
        if let Some(build) = build {
            if !build.split('.').all(is_identifier) {
                return None;
            }
        }
        let (core, pre) = match text.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (text, None),
        };
        if let Some(pre) = pre {
            let valid = pre.split('.').all(|part| {
                is_identifier(part)
                    && (!part.bytes().all(|b| b.is_ascii_digit()) || is_numeric(part))
            });
            if !valid {
                return None;
            }
        }
        let mut parts = core.split('.');
        let number = |p: Option<&str>| p.filter(|s| is_numeric(s))?.parse().ok();
        let version = SemVer {
            major: number(parts.next())?,
            minor: number(parts.next())?,
            patch: number(parts.next())?,
            pre: pre.map(str::to_owned),
        };
        parts.next().is_none().then_some(version)
    }
}

/// A SemVer numeric identifier: `0`, or digits without a leading zero.
fn is_numeric(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'))
}

/// A SemVer alphanumeric identifier: one or more of `[0-9A-Za-z-]`.
fn is_identifier(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Where the version to deploy came from, as `rollout.triggered`'s `artifactVersionSource`
/// and error messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionSource {
    /// `--artifact-version`.
    Flag,
    /// `artifactVersion` in the config file.
    Config,
    /// `SENTINEL_ARTIFACT_VERSION`.
    Environment,
    /// The newest semver git tag.
    GitTag,
    /// The remote provider's newest artifact.
    Provider,
}

impl VersionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionSource::Flag => "flag",
            VersionSource::Config => "config",
            VersionSource::Environment => "environment",
            VersionSource::GitTag => "git-tag",
            VersionSource::Provider => "provider",
        }
    }

    /// How a user names this source when fixing it.
    fn described(self) -> &'static str {
        match self {
            VersionSource::Flag => "--artifact-version",
            VersionSource::Config => "artifactVersion in the config file",
            VersionSource::Environment => "the environment variable SENTINEL_ARTIFACT_VERSION",
            VersionSource::GitTag => "the git tag",
            VersionSource::Provider => "the provider's artifact version",
        }
    }
}

/// Check that a version to deploy is a SemVer 2.0.0 version (optionally with a leading `v`);
/// anything else is a usage error (exit 2) that names where it came from. Every version
/// that can reach a deploy command passes through here.
pub fn check_version(text: &str, source: VersionSource) -> crate::Result<()> {
    if SemVer::parse(text).is_some() {
        return Ok(());
    }
    Err(crate::Error::usage_with_hint(
        format!(
            "{} {:?} is not a semantic version",
            source.described(),
            crate::output::excerpt(text, 80)
        ),
        "use MAJOR.MINOR.PATCH with an optional -PRERELEASE and +BUILD of letters, digits, '-' and '.', e.g. 1.5.0 or v1.5.0-rc.1 (semver.org)",
    ))
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

/// Check a version that a remote provider discovered (an Azure DevOps build number such as
/// `20261123.4`, an EV2 artifact version): those need not be SemVer, but they become event
/// fields, branch names and pipeline variables, so only `[0-9A-Za-z._+-]` (at most 128)
/// pass. Anything else is exit 2, naming the provider as the source.
pub fn check_discovered_version(text: &str) -> crate::Result<()> {
    let clean = !text.is_empty()
        && text.len() <= 128
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b));
    if clean {
        return Ok(());
    }
    Err(crate::Error::usage_with_hint(
        format!(
            "{} {:?} has characters a version may not have",
            VersionSource::Provider.described(),
            crate::output::excerpt(text, 80)
        ),
        "pass the version to deploy with --artifact-version",
    ))
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
    fn only_the_semver_grammar_passes() {
        for good in [
            "0.0.0",
            "1.2.3",
            "v1.2.3",
            "1.2.3-rc.1",
            "1.2.3-alpha-beta.0.x-7",
            "1.0.0+20130313144700",
            "1.0.0-beta+exp.sha.5114f85",
        ] {
            assert!(SemVer::parse(good).is_some(), "{good}");
        }
        for bad in [
            "9.9.9-$(touch${IFS}PWNED)",
            "v9.9.9-$(touch${IFS}PWNED)",
            "1.0.0;touch x",
            "1.0.0 ",
            "1.0.0-",
            "1.0.0+",
            "1.0.0-rc..1",
            "1.0.0-01",
            "01.0.0",
            "1.00.0",
            "1.0.0-a b",
            "1.0.0+a`b`",
            "1.0.0-'x'",
            "1.0.0\n",
            "vv1.0.0",
            "",
        ] {
            assert_eq!(SemVer::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_bad_version_names_its_source() {
        let error = check_version("1.0.0;touch x", VersionSource::Environment).unwrap_err();
        assert_eq!(error.exit(), crate::Exit::Usage);
        assert!(
            error.to_string().contains("SENTINEL_ARTIFACT_VERSION"),
            "{error}"
        );
        assert!(check_version("v1.5.0", VersionSource::Flag).is_ok());
    }
}
