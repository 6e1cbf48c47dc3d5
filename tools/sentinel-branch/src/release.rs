//! `sentinel-branch version` and `sentinel-branch tag`: the next semantic version and the
//! annotated release tag.

use crate::cli::Bump;
use crate::git::{ReleaseTag, git_error, head_commit, push, release_tags, short, signature};
use git2::Repository;
use sentinel_core::events::{Event, Payload, TagCreated};
use sentinel_core::ndjson::Writer;
use sentinel_core::output::Logger;
use sentinel_core::versions::SemVer;
use sentinel_core::{Error, Result};
use std::io::Write;
use std::path::Path;

/// The size of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    Patch,
    Minor,
    Major,
}

/// What the CHANGELOG's `## [Unreleased]` section asks for; `None` when it is empty.
pub fn change_from_changelog(text: &str) -> Option<Change> {
    let start = text
        .lines()
        .position(|l| l.trim_start().starts_with("## [Unreleased]"))?;
    let mut change = None;
    let mut heading = String::new();
    for line in text.lines().skip(start + 1) {
        let trimmed = line.trim();
        if trimmed.starts_with("## ") {
            break;
        }
        if let Some(h) = trimmed.strip_prefix("### ") {
            heading = h.trim().to_ascii_lowercase();
            continue;
        }
        if !(trimmed.starts_with('-') || trimmed.starts_with('*')) {
            continue;
        }
        let this = if trimmed.contains("BREAKING") || heading == "removed" {
            Change::Major
        } else if heading == "added" || heading == "changed" {
            Change::Minor
        } else {
            Change::Patch
        };
        change = change.max(Some(this));
    }
    change
}

/// What a conventional commit message asks for.
pub fn change_from_commit(message: &str) -> Option<Change> {
    let subject = message.lines().next().unwrap_or_default();
    let (kind, _) = subject.split_once(':')?;
    let breaking = kind.ends_with('!')
        || message.contains("BREAKING CHANGE:")
        || message.contains("BREAKING-CHANGE:");
    let kind = kind.trim_end_matches('!');
    let kind = kind.split('(').next().unwrap_or(kind);
    if breaking {
        return Some(Change::Major);
    }
    match kind {
        "feat" => Some(Change::Minor),
        "fix" | "perf" | "refactor" | "revert" => Some(Change::Patch),
        _ => None,
    }
}

/// `base` bumped by `change`.
pub fn bump(base: &SemVer, change: Change) -> SemVer {
    let (major, minor, patch) = match change {
        Change::Major => (base.major + 1, 0, 0),
        Change::Minor => (base.major, base.minor + 1, 0),
        Change::Patch => (base.major, base.minor, base.patch + 1),
    };
    SemVer {
        major,
        minor,
        patch,
        pre: None,
    }
}

/// The next version and the release it follows.
pub fn next_version(
    repo: &Repository,
    how: Bump,
    changelog: Option<&Path>,
) -> Result<(SemVer, Option<ReleaseTag>)> {
    let previous = release_tags(repo)?.into_iter().next();
    let base = previous.as_ref().map_or(
        SemVer {
            major: 0,
            minor: 0,
            patch: 0,
            pre: None,
        },
        |t| t.version.clone(),
    );
    let change = match how {
        Bump::Major => Change::Major,
        Bump::Minor => Change::Minor,
        Bump::Patch => Change::Patch,
        Bump::Auto => match changelog {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Error::io("reading changelog", path, e))?;
                change_from_changelog(&text).ok_or_else(|| {
                    Error::CheckFailed(format!(
                        "{} has nothing under ## [Unreleased]: nothing to release",
                        path.display()
                    ))
                })?
            }
            None => change_since(repo, previous.as_ref())?,
        },
    };
    Ok((bump(&base, change), previous))
}

fn change_since(repo: &Repository, previous: Option<&ReleaseTag>) -> Result<Change> {
    let head = head_commit(repo)?.id();
    let mut walk = repo
        .revwalk()
        .map_err(|e| git_error("walking history", e))?;
    walk.push(head)
        .map_err(|e| git_error("walking history", e))?;
    if let Some(tag) = previous {
        walk.hide(tag.commit)
            .map_err(|e| git_error("walking history", e))?;
    }
    let mut commits = 0;
    let mut change = None;
    for oid in walk.flatten() {
        commits += 1;
        let commit = repo
            .find_commit(oid)
            .map_err(|e| git_error("reading a commit", e))?;
        change = change.max(change_from_commit(commit.message().unwrap_or_default()));
    }
    if commits == 0 {
        return Err(Error::CheckFailed(format!(
            "no commits since {}: nothing to release",
            previous.map_or("the start", |t| t.name.as_str())
        )));
    }
    // Commits that are neither feat nor fix (docs, chore) still make a release: a patch.
    Ok(change.unwrap_or(Change::Patch))
}

/// What `tag` was asked for.
#[derive(Debug, Clone, Default)]
pub struct TagOptions<'a> {
    /// The version to tag; else computed with `how`.
    pub version: Option<&'a str>,
    pub how: Option<Bump>,
    pub changelog: Option<&'a Path>,
    pub message: Option<&'a str>,
    pub sign: bool,
    /// Push the tag here.
    pub remote: Option<&'a str>,
}

/// Create the annotated tag `v<version>` on HEAD and write `tag.created`.
pub fn tag<W: Write>(
    repo: &Repository,
    options: &TagOptions<'_>,
    out: &mut Writer<W>,
    logger: &Logger,
) -> Result<()> {
    let TagOptions {
        version,
        how,
        changelog,
        message,
        sign,
        remote,
    } = options.clone();
    let head = head_commit(repo)?;
    let (version, previous) = match version {
        Some(text) => {
            let parsed = SemVer::parse(text).ok_or_else(|| {
                Error::usage(format!(
                    "--version {text:?} is not a semantic version like 1.4.2"
                ))
            })?;
            (
                parsed,
                release_tags(repo)?
                    .into_iter()
                    .find(|t| t.commit != head.id()),
            )
        }
        None => next_version(repo, how.unwrap_or(Bump::Auto), changelog)?,
    };
    let name = format!("v{version}");
    let reused = match crate::git::tag_commit(repo, &name) {
        Ok(at) if at == head.id() => true,
        Ok(at) => {
            return Err(Error::CheckFailed(format!(
                "tag {name} already points at {}, not HEAD {}: a release tag is never moved; choose another version",
                short(at),
                short(head.id())
            )));
        }
        Err(_) => false,
    };
    let previous = previous.filter(|t| t.name != name);
    let old_tree = match &previous {
        Some(tag) => Some(
            repo.find_commit(tag.commit)
                .and_then(|c| c.tree())
                .map_err(|e| git_error("reading the previous release", e))?,
        ),
        None => None,
    };
    let new_tree = head.tree().map_err(|e| git_error("reading HEAD", e))?;
    let stats = repo
        .diff_tree_to_tree(old_tree.as_ref(), Some(&new_tree), None)
        .and_then(|d| d.stats())
        .map_err(|e| git_error("comparing with the previous release", e))?;
    if !reused {
        let text = message.map_or_else(|| format!("Release {name}"), str::to_owned);
        if sign {
            crate::signing::create_signed_tag(repo, &name, head.id(), &signature(repo)?, &text)?;
        } else {
            repo.tag(&name, head.as_object(), &signature(repo)?, &text, false)
                .map_err(|e| git_error(&format!("creating tag {name}"), e))?;
        }
    }
    if let Some(remote) = remote {
        push(
            repo,
            remote,
            &[format!("refs/tags/{name}:refs/tags/{name}")],
        )?;
    }
    logger.info(&format!(
        "{} {name} at {}: {} files changed, +{} −{} since {}",
        if reused {
            "tag already there:"
        } else {
            "tagged"
        },
        short(head.id()),
        stats.files_changed(),
        stats.insertions(),
        stats.deletions(),
        previous
            .as_ref()
            .map_or("the first commit", |t| t.name.as_str())
    ));
    let event = TagCreated {
        tag: name,
        commit: head.id().to_string(),
        version: version.to_string(),
        previous_version: previous.map(|t| t.version.to_string()),
        files_changed: stats.files_changed() as u64,
        insertions: stats.insertions() as u64,
        deletions: stats.deletions() as u64,
    };
    out.emit(&Event::new(
        "sentinel-branch",
        None,
        Payload::TagCreated(event),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changelog_sections_decide_the_bump() {
        let text = "# Changelog\n\n## [Unreleased]\n### Fixed\n- crash on empty input\n\n## [1.2.0] - 2026-10-01\n### Added\n- old\n";
        assert_eq!(change_from_changelog(text), Some(Change::Patch));
        let minor = "## [Unreleased]\n### Added\n- export\n### Fixed\n- typo\n";
        assert_eq!(change_from_changelog(minor), Some(Change::Minor));
        let major = "## [Unreleased]\n### Changed\n- BREAKING: config renamed\n";
        assert_eq!(change_from_changelog(major), Some(Change::Major));
        assert_eq!(
            change_from_changelog("## [Unreleased]\n### Removed\n- v1 API\n"),
            Some(Change::Major)
        );
        assert_eq!(
            change_from_changelog("## [Unreleased]\n\n## [1.0.0]\n- x\n"),
            None
        );
    }

    #[test]
    fn conventional_commits_decide_the_bump() {
        assert_eq!(
            change_from_commit("feat(api): add export"),
            Some(Change::Minor)
        );
        assert_eq!(change_from_commit("fix: null check"), Some(Change::Patch));
        assert_eq!(change_from_commit("feat!: drop v1"), Some(Change::Major));
        assert_eq!(
            change_from_commit("refactor: x\n\nBREAKING CHANGE: config renamed"),
            Some(Change::Major)
        );
        assert_eq!(change_from_commit("docs: readme"), None);
        assert_eq!(change_from_commit("Update readme"), None);
    }

    #[test]
    fn bumps_reset_the_lower_parts() {
        let base = SemVer::parse("1.4.2").unwrap();
        assert_eq!(bump(&base, Change::Major).to_string(), "2.0.0");
        assert_eq!(bump(&base, Change::Minor).to_string(), "1.5.0");
        assert_eq!(bump(&base, Change::Patch).to_string(), "1.4.3");
    }
}
