//! `sentinel-branch check`: release checks that write `gate.passed` / `gate.failed`.

use crate::cli::Check;
use crate::git::{head_commit, release_tags, short, tag_commit};
use git2::{Repository, StatusOptions};
use sentinel_core::events::{Event, GateOutcome, Payload};
use sentinel_core::files::is_sentinel_file;
use sentinel_core::ndjson::Writer;
use sentinel_core::output::Logger;
use sentinel_core::{Error, Exit, Result};
use std::io::Write;
use std::path::Path;

/// Run a check, write its gate event, and give the exit code.
pub fn run<W: Write>(
    repo: &Repository,
    check: &Check,
    out: &mut Writer<W>,
    logger: &Logger,
) -> Result<Exit> {
    let (gate, verdict) = match check {
        Check::Clean => ("clean", clean(repo)?),
        Check::AtTag { tag } => ("at-tag", at_tag(repo, tag)?),
        Check::Artifact {
            file,
            commit_from,
            expect_commit,
            tag,
        } => (
            "artifact",
            artifact(
                repo,
                file,
                commit_from.as_deref(),
                expect_commit.as_deref(),
                tag.as_deref(),
            )?,
        ),
    };
    let (passed, reason) = verdict;
    if passed {
        logger.info(&format!("check {gate} passed: {reason}"));
    } else {
        logger.error(&format!("check {gate} failed: {reason}"));
    }
    let outcome = GateOutcome {
        gate: gate.to_owned(),
        reason,
    };
    let payload = if passed {
        Payload::GatePassed(outcome)
    } else {
        Payload::GateFailed(outcome)
    };
    out.emit(&Event::new("sentinel-branch", None, payload))?;
    Ok(if passed {
        Exit::Success
    } else {
        Exit::CheckFailed
    })
}

/// No uncommitted or untracked changes.
pub fn clean(repo: &Repository) -> Result<(bool, String)> {
    let mut options = StatusOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false);
    let statuses = repo
        .statuses(Some(&mut options))
        .map_err(|e| Error::Internal(format!("reading the working tree: {}", e.message())))?;
    let changes: Vec<String> = statuses
        .iter()
        .filter(|entry| !entry.path().is_ok_and(is_sentinel_file))
        .map(|entry| {
            let s = entry.status();
            let mark = if s.is_wt_new() {
                "??"
            } else if s.is_index_new() {
                "A"
            } else if s.is_wt_deleted() || s.is_index_deleted() {
                "D"
            } else {
                "M"
            };
            format!("{mark} {}", entry.path().unwrap_or("?"))
        })
        .collect();
    Ok(if changes.is_empty() {
        (
            true,
            "the working tree is clean (0 uncommitted or untracked changes; the limit is 0; Deploy Sentinel's own state files are not counted)."
                .into(),
        )
    } else {
        (
            false,
            format!(
                "{} uncommitted or untracked change(s) (the limit is 0): {}. Commit or stash them.",
                changes.len(),
                changes.join(", ")
            ),
        )
    })
}

/// HEAD is the tag's commit.
pub fn at_tag(repo: &Repository, tag: &str) -> Result<(bool, String)> {
    let head = head_commit(repo)?.id();
    Ok(match tag_commit(repo, tag) {
        Ok(at) if at == head => (
            true,
            format!("HEAD is {}, the commit of {tag}.", short(head)),
        ),
        Ok(at) => (
            false,
            format!(
                "HEAD is {} but {tag} is {}: check out the release tag before deploying it.",
                short(head),
                short(at)
            ),
        ),
        Err(_) => (
            false,
            format!("tag {tag} does not exist; HEAD is {}.", short(head)),
        ),
    })
}

/// The commit an artifact records: `F.sha` (its first word), else `KEY` in `F.json` or in `F`
/// itself when it is JSON.
pub fn recorded_commit(file: &Path, key: &str) -> Result<Option<String>> {
    let sidecar = file.with_file_name(format!(
        "{}.sha",
        file.file_name().unwrap_or_default().to_string_lossy()
    ));
    if let Ok(text) = std::fs::read_to_string(&sidecar) {
        return Ok(text.split_whitespace().next().map(str::to_owned));
    }
    let json_sidecar = file.with_file_name(format!(
        "{}.json",
        file.file_name().unwrap_or_default().to_string_lossy()
    ));
    for candidate in [json_sidecar.as_path(), file] {
        let Ok(text) = std::fs::read_to_string(candidate) else {
            continue;
        };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let found = key.split('.').try_fold(&value, |v, part| v.get(part));
        if let Some(commit) = found.and_then(|v| v.as_str()) {
            return Ok(Some(commit.to_owned()));
        }
    }
    Ok(None)
}

/// The artifact was built from the release tag's commit (or `--expect-commit`).
pub fn artifact(
    repo: &Repository,
    file: &Path,
    commit_from: Option<&str>,
    expect_commit: Option<&str>,
    tag: Option<&str>,
) -> Result<(bool, String)> {
    if !file.exists() {
        return Ok((
            false,
            format!("artifact {} does not exist.", file.display()),
        ));
    }
    let key = commit_from.unwrap_or("commit");
    let Some(recorded) = recorded_commit(file, key)? else {
        return Ok((
            false,
            format!(
                "artifact {} records no commit (no {0}.sha sidecar and no {key:?} key in {0}.json or the file itself).",
                file.display()
            ),
        ));
    };
    let (expected, what) = match (expect_commit, tag) {
        (Some(sha), _) => (sha.to_owned(), "the expected commit".to_owned()),
        (None, Some(tag)) => (
            tag_commit(repo, tag)?.to_string(),
            format!("the commit of {tag}"),
        ),
        (None, None) => {
            let newest = release_tags(repo)?
                .into_iter()
                .next()
                .ok_or_else(|| Error::CheckFailed("no release tag (vX.Y.Z) to compare the artifact with; pass --tag or --expect-commit".into()))?;
            (
                newest.commit.to_string(),
                format!("the commit of {}", newest.name),
            )
        }
    };
    let same =
        recorded.len() >= 7 && (expected.starts_with(&recorded) || recorded.starts_with(&expected));
    Ok(if same {
        (
            true,
            format!(
                "artifact {} was built from {}, {what}.",
                file.display(),
                &expected[..7.min(expected.len())]
            ),
        )
    } else {
        (
            false,
            format!(
                "deployment artifact must be built from this exact tag: {} records {recorded}, but {what} is {expected}.",
                file.display()
            ),
        )
    })
}
