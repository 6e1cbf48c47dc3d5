//! git through git2: opening the repository, release tags, signatures, and pushing with the
//! credentials the user already has (ssh-agent, git credential helpers, GIT_TOKEN/GITHUB_TOKEN).

use git2::{Cred, CredentialType, Oid, PushOptions, RemoteCallbacks, Repository};
use sentinel_core::redact::mask_url;
use sentinel_core::versions::SemVer;
use sentinel_core::{Error, Result};
use std::cell::RefCell;
use std::path::Path;

/// Open the repository containing `dir` (or the current directory).
pub fn open(dir: Option<&Path>) -> Result<Repository> {
    let start = dir.map_or_else(|| Path::new(".").to_path_buf(), Path::to_path_buf);
    Repository::discover(&start).map_err(|_| {
        Error::usage(format!(
            "{}: not a git repository (or any parent): run inside the service's repository or pass --repo",
            start.display()
        ))
    })
}

/// A git error with what was being done.
pub fn git_error(action: &str, error: git2::Error) -> Error {
    Error::Internal(format!("{action}: {}", error.message()))
}

/// The commit HEAD points at.
pub fn head_commit(repo: &Repository) -> Result<git2::Commit<'_>> {
    repo.head().and_then(|h| h.peel_to_commit()).map_err(|e| {
        Error::usage(format!(
            "the repository has no commit at HEAD yet ({})",
            e.message()
        ))
    })
}

/// A release tag: its name, version and commit.
#[derive(Debug, Clone)]
pub struct ReleaseTag {
    pub name: String,
    pub version: SemVer,
    pub commit: Oid,
}

/// Every `vX.Y.Z` (or `X.Y.Z`) tag, newest first.
pub fn release_tags(repo: &Repository) -> Result<Vec<ReleaseTag>> {
    let names = repo
        .tag_names(None)
        .map_err(|e| git_error("listing tags", e))?;
    let mut tags: Vec<ReleaseTag> = names
        .iter()
        .flatten()
        .flatten()
        .filter_map(|name| {
            let version = SemVer::parse(name)?;
            let commit = tag_commit(repo, name).ok()?;
            Some(ReleaseTag {
                name: name.to_owned(),
                version,
                commit,
            })
        })
        .collect();
    tags.sort_by(|a, b| b.version.cmp(&a.version));
    Ok(tags)
}

/// The commit a tag (lightweight or annotated) points at.
pub fn tag_commit(repo: &Repository, name: &str) -> Result<Oid> {
    repo.find_reference(&format!("refs/tags/{name}"))
        .and_then(|r| r.peel_to_commit())
        .map(|c| c.id())
        .map_err(|_| Error::CheckFailed(format!("tag {name} does not exist")))
}

/// The tagger: the repository's user.name/user.email, else a recognisable default.
pub fn signature(repo: &Repository) -> Result<git2::Signature<'static>> {
    repo.signature()
        .map(|s| s.to_owned())
        .or_else(|_| git2::Signature::now("Deploy Sentinel", "deploy-sentinel@localhost"))
        .map_err(|e| git_error("making a signature", e))
}

/// Short form of a commit id for messages.
pub fn short(oid: Oid) -> String {
    oid.to_string()[..7].to_owned()
}

/// Push `refspecs` to `remote_name`. Failures (unreachable, rejected, no credentials) are
/// [`Error::Unreachable`], exit 4; nothing local is undone.
pub fn push(repo: &Repository, remote_name: &str, refspecs: &[String]) -> Result<()> {
    let mut remote = repo.find_remote(remote_name).map_err(|_| {
        let names = repo
            .remotes()
            .map(|r| {
                r.iter()
                    .flatten()
                    .flatten()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        Error::usage(format!(
            "no remote named {remote_name:?}; this repository has: {names}"
        ))
    })?;
    let shown = mask_url(remote.url().unwrap_or(remote_name));
    let config = repo
        .config()
        .map_err(|e| git_error("reading git config", e))?;
    let attempts = RefCell::new(0);
    let rejected: RefCell<Vec<String>> = RefCell::new(Vec::new());
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(|url, username, allowed| {
        *attempts.borrow_mut() += 1;
        if *attempts.borrow() > 3 {
            return Err(git2::Error::from_str("no credential was accepted"));
        }
        if allowed.contains(CredentialType::SSH_KEY) {
            return Cred::ssh_key_from_agent(username.unwrap_or("git"));
        }
        if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) {
            if let Some(token) = ["GIT_TOKEN", "GITHUB_TOKEN"]
                .iter()
                .find_map(|n| std::env::var(n).ok().filter(|t| !t.is_empty()))
            {
                return Cred::userpass_plaintext("x-access-token", &token);
            }
            return Cred::credential_helper(&config, url, username);
        }
        Cred::default()
    });
    callbacks.push_update_reference(|refname, status| {
        if let Some(message) = status {
            rejected.borrow_mut().push(format!("{refname}: {message}"));
        }
        Ok(())
    });
    let mut options = PushOptions::new();
    options.remote_callbacks(callbacks);
    let unreachable = |detail: String| Error::Unreachable {
        service: format!("git remote {remote_name} ({shown})"),
        attempts: 1,
        source: Box::new(std::io::Error::other(detail)),
    };
    remote
        .push(refspecs, Some(&mut options))
        .map_err(|e| unreachable(e.message().to_owned()))?;
    drop(options);
    let rejected = rejected.take();
    if !rejected.is_empty() {
        return Err(unreachable(format!(
            "the remote rejected {}",
            rejected.join("; ")
        )));
    }
    Ok(())
}
