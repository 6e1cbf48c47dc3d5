//! `sentinel-branch cleanup`: delete merged branches that match a pattern. Never the current
//! branch, never the target, never unmerged work.

use crate::git::{git_error, push, short};
use crate::naming::glob_matches;
use git2::{BranchType, Repository};
use sentinel_core::events::{BranchDeleted, Event, Payload};
use sentinel_core::ndjson::Writer;
use sentinel_core::output::Logger;
use sentinel_core::{Error, Result};
use std::io::Write;
use std::time::{Duration, SystemTime};

/// What `cleanup` was asked for.
#[derive(Debug, Clone)]
pub struct CleanupRequest<'a> {
    pub merged_into: &'a str,
    pub pattern: &'a str,
    pub older_than: Option<Duration>,
    pub dry_run: bool,
    pub remote: Option<&'a str>,
}

pub fn cleanup<W: Write>(
    repo: &Repository,
    request: &CleanupRequest<'_>,
    out: &mut Writer<W>,
    logger: &Logger,
) -> Result<()> {
    let target = repo
        .find_branch(request.merged_into, BranchType::Local)
        .map_err(|_| {
            Error::usage(format!(
                "--merged-into {}: there is no such local branch",
                request.merged_into
            ))
        })?
        .get()
        .target()
        .ok_or_else(|| Error::usage(format!("{} points at no commit", request.merged_into)))?;
    let current = repo
        .head()
        .ok()
        .and_then(|h| h.shorthand().ok().map(str::to_owned));
    let now = SystemTime::now();
    let branches = repo
        .branches(Some(BranchType::Local))
        .map_err(|e| git_error("listing branches", e))?;
    let mut chosen = Vec::new();
    for (branch, _) in branches.flatten() {
        let Some(name) = branch.name().ok().flatten().map(str::to_owned) else {
            continue;
        };
        let Some(commit) = branch.get().target() else {
            continue;
        };
        if name == request.merged_into
            || Some(&name) == current.as_ref()
            || !glob_matches(request.pattern, &name)
        {
            continue;
        }
        let merged = commit == target || repo.graph_descendant_of(target, commit).unwrap_or(false);
        if !merged {
            logger.info(&format!(
                "keeping {name}: not merged into {}",
                request.merged_into
            ));
            continue;
        }
        if let Some(limit) = request.older_than {
            let seconds = repo
                .find_commit(commit)
                .map(|c| c.time().seconds())
                .unwrap_or(i64::MAX);
            let at = SystemTime::UNIX_EPOCH + Duration::from_secs(seconds.max(0) as u64);
            if now.duration_since(at).unwrap_or_default() < limit {
                logger.info(&format!(
                    "keeping {name}: its last commit is newer than {}",
                    sentinel_core::clock::format_duration(limit)
                ));
                continue;
            }
        }
        chosen.push((name, commit));
    }
    for (name, commit) in chosen {
        let mut pushed = false;
        if !request.dry_run {
            if let Some(remote) = request.remote {
                // The remote first: if it refuses, the local branch stays as it was.
                push(repo, remote, &[format!(":refs/heads/{name}")])?;
                pushed = true;
            }
            repo.find_branch(&name, BranchType::Local)
                .and_then(|mut b| b.delete())
                .map_err(|e| git_error(&format!("deleting {name}"), e))?;
        }
        logger.info(&format!(
            "{} {name} ({})",
            if request.dry_run {
                "would delete"
            } else {
                "deleted"
            },
            short(commit)
        ));
        let event = BranchDeleted {
            branch_name: name,
            commit: commit.to_string(),
            dry_run: request.dry_run,
            pushed,
        };
        out.emit(&Event::new(
            "sentinel-branch",
            None,
            Payload::BranchDeleted(event),
        ))?;
    }
    Ok(())
}
