//! `sentinel-branch create`: the rollout's tracking branch.

use crate::git::{git_error, push, short};
use crate::naming::{Values, expand, invalid_reason, timestamp};
use git2::{BranchType, Oid, Repository};
use sentinel_core::events::{BranchCreated, Event, Payload, RolloutTriggered};
use sentinel_core::ndjson::Writer;
use sentinel_core::output::Logger;
use sentinel_core::{Error, Result};
use std::io::Write;

/// What `create` was asked for.
#[derive(Debug, Clone)]
pub struct CreateRequest<'a> {
    pub pattern: &'a str,
    pub from: &'a str,
    pub checkout: bool,
    pub push: Option<&'a str>,
}

/// The config key that remembers which branch a rollout got.
fn rollout_key(rollout_id: &str) -> String {
    format!("sentinel.{rollout_id}.branch")
}

/// Values for a `rollout.triggered` line.
pub fn values_from_event(event: &Event, triggered: &RolloutTriggered) -> Values {
    Values {
        environment: triggered.environment.clone(),
        service_group_name: triggered.service_group_name.clone(),
        timestamp: timestamp(Some(&event.ts)),
        version: triggered.artifact_version.clone(),
        rollout_id: event.rollout_id.clone().unwrap_or_default(),
    }
}

/// Create (or find again) the branch for one rollout and write `branch.created`.
pub fn create<W: Write>(
    repo: &Repository,
    request: &CreateRequest<'_>,
    values: &Values,
    out: &mut Writer<W>,
    logger: &Logger,
) -> Result<()> {
    let commit = repo
        .revparse_single(request.from)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| Error::usage(format!("--from {}: {}", request.from, e.message())))?
        .id();
    let rollout_id = (!values.rollout_id.is_empty()).then_some(values.rollout_id.as_str());
    let remembered =
        rollout_id.and_then(|id| repo.config().ok()?.get_string(&rollout_key(id)).ok());
    let (name, branch_commit, reused) =
        match remembered.and_then(|name| existing(repo, &name).map(|c| (name, c))) {
            Some((name, at)) => (name, at, true),
            None => {
                let base = expand(request.pattern, values)?;
                if let Some(rule) = invalid_reason(&base) {
                    return Err(Error::usage(format!(
                        "branch name {base:?} is not valid: {rule}"
                    )));
                }
                let (name, reused) = free_name(repo, &base, commit)?;
                if !reused {
                    let target = repo
                        .find_commit(commit)
                        .map_err(|e| git_error("finding the commit", e))?;
                    repo.branch(&name, &target, false)
                        .map_err(|e| git_error(&format!("creating branch {name}"), e))?;
                }
                if let Some(id) = rollout_id {
                    repo.config()
                        .and_then(|mut c| c.set_str(&rollout_key(id), &name))
                        .map_err(|e| git_error("remembering the rollout's branch", e))?;
                }
                (name, commit, reused)
            }
        };
    if request.checkout {
        let object = repo
            .find_object(branch_commit, None)
            .map_err(|e| git_error("finding the commit", e))?;
        repo.checkout_tree(&object, Some(git2::build::CheckoutBuilder::new().safe()))
            .and_then(|()| repo.set_head(&format!("refs/heads/{name}")))
            .map_err(|e| {
                Error::usage(format!(
                    "cannot check out {name}: {} (commit or stash your changes first)",
                    e.message()
                ))
            })?;
    }
    let pushed = match request.push {
        Some(remote) => {
            push(
                repo,
                remote,
                &[format!("refs/heads/{name}:refs/heads/{name}")],
            )?;
            true
        }
        None => false,
    };
    logger.info(&format!(
        "{} branch {name} at {}{}",
        if reused { "reusing" } else { "created" },
        short(branch_commit),
        if pushed { " (pushed)" } else { "" }
    ));
    let event = BranchCreated {
        branch_name: name,
        commit: branch_commit.to_string(),
        reused,
        pushed,
    };
    out.emit(&Event::new(
        "sentinel-branch",
        rollout_id,
        Payload::BranchCreated(event),
    ))
}

fn existing(repo: &Repository, name: &str) -> Option<Oid> {
    repo.find_branch(name, BranchType::Local)
        .ok()?
        .get()
        .target()
}

/// `base`, or `base-2`, `base-3`… : the first name that is free or already at `commit`.
fn free_name(repo: &Repository, base: &str, commit: Oid) -> Result<(String, bool)> {
    for n in 1..1000 {
        let name = if n == 1 {
            base.to_owned()
        } else {
            format!("{base}-{n}")
        };
        match existing(repo, &name) {
            None => return Ok((name, false)),
            Some(at) if at == commit => return Ok((name, true)),
            Some(_) => continue,
        }
    }
    Err(Error::usage(format!(
        "branches {base} to {base}-999 are all taken by other commits"
    )))
}
