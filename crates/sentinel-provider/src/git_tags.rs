//! Version discovery from git: the newest tag of the repository that is a clean semantic
//! version.

use sentinel_core::versions::SemVer;
use std::path::Path;

/// The newest semver tag of the repository containing `dir`, without its `v`; `None` when
/// `dir` is not in a repository or no tag is a version. Tags that look like versions but
/// are not clean SemVer (`v9.9.9-$(touch x)`) are skipped and reported through `skipped`:
/// whoever can push a tag must not be able to put text into a deploy command.
pub fn newest_tag_version(dir: &Path, skipped: &mut dyn FnMut(&str)) -> Option<SemVer> {
    let repo = git2::Repository::discover(dir).ok()?;
    let names = repo.tag_names(None).ok()?;
    let mut newest: Option<SemVer> = None;
    for name in names.iter().flatten().flatten() {
        match SemVer::parse(name) {
            Some(version) if newest.as_ref().is_none_or(|n| version > *n) => {
                newest = Some(version);
            }
            Some(_) => {}
            None if looks_like_a_version(name) => skipped(name),
            None => {}
        }
    }
    newest
}

/// `1.2…` or `v1.2…`: a tag meant as a version, worth a warning when it does not parse.
fn looks_like_a_version(name: &str) -> bool {
    name.strip_prefix('v')
        .unwrap_or(name)
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_tag_comes_from_a_real_repository() {
        let repo = sentinel_test_support::GitRepo::new();
        repo.tag(&[
            "v1.2.0",
            "v1.10.0",
            "v1.10.1-rc.1",
            "not-a-version",
            "v9.9.9-$(touch${IFS}PWNED)",
        ]);
        let mut skipped = Vec::new();
        assert_eq!(
            newest_tag_version(repo.path(), &mut |t| skipped.push(t.to_owned()))
                .map(|v| v.to_string())
                .as_deref(),
            Some("1.10.1-rc.1")
        );
        assert_eq!(skipped, ["v9.9.9-$(touch${IFS}PWNED)"]);
        let plain = tempfile::tempdir().unwrap();
        assert_eq!(newest_tag_version(plain.path(), &mut |_| {}), None);
    }
}
