//! sentinel-branch against real repositories built with git2, and a bare repository as the
//! remote (file transport).

use sentinel_test_support::{GitRepo, Run, tempdir, tool};

const BIN: &str = env!("CARGO_BIN_EXE_sentinel-branch");

/// The shared repository fixture, plus running sentinel-branch in it.
struct Repo(GitRepo);

impl std::ops::Deref for Repo {
    type Target = GitRepo;
    fn deref(&self) -> &GitRepo {
        &self.0
    }
}

impl Repo {
    fn new() -> Repo {
        Repo(GitRepo::new())
    }

    fn run(&self, args: &[&str]) -> Run {
        tool(BIN).current_dir(self.path()).args(args).run()
    }

    fn run_with_stdin(&self, args: &[&str], input: &str) -> Run {
        tool(BIN)
            .current_dir(self.path())
            .args(args)
            .stdin(input.to_owned())
            .run()
    }
}

fn triggered(rollout: &str, ts: &str) -> String {
    format!(
        r#"{{"v":1,"kind":"rollout.triggered","ts":"{ts}","source":"test","rolloutId":"{rollout}","serviceGroupName":"Contoso.Orders","serviceId":"x","environment":"Staging","stageMapName":"m","stageMapVersion":"1","artifactVersion":"1.4.2","provider":"local","stages":[],"resumed":false}}"#
    )
}

#[test]
fn create_makes_the_rollouts_branch_once_and_passes_events_through() {
    let repo = Repo::new();
    let event = triggered("3f2a9c1e-1111", "2026-11-23T18:04:05.123Z");
    let run = repo.run_with_stdin(&["create"], &format!("{event}\n"));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let events = run.events();
    assert_eq!(
        run.stdout.lines().next(),
        Some(event.as_str()),
        "the input line first, unchanged"
    );
    assert_eq!(events[1]["kind"], "branch.created");
    assert_eq!(
        events[1]["branchName"],
        "deploy/Staging/Contoso.Orders/20261123-180405"
    );
    assert_eq!(events[1]["commit"], repo.head().to_string());
    assert_eq!(
        (events[1]["reused"].as_bool(), events[1]["pushed"].as_bool()),
        (Some(false), Some(false))
    );
    assert_eq!(events[1]["rolloutId"], "3f2a9c1e-1111");
    assert!(repo.branch_exists("deploy/Staging/Contoso.Orders/20261123-180405"));

    // The same rollout, later and after a new commit: the same branch.
    repo.commit("a.txt", "a\n", "feat: a");
    let again = repo.run_with_stdin(
        &["create"],
        &format!(
            "{}\n",
            triggered("3f2a9c1e-1111", "2026-11-23T19:00:00.000Z")
        ),
    );
    assert_eq!(
        again.events()[1]["branchName"],
        "deploy/Staging/Contoso.Orders/20261123-180405"
    );
    assert_eq!(again.events()[1]["reused"], true);

    // Another rollout whose name is taken by another commit gets a suffix.
    let other = repo.run_with_stdin(
        &["create"],
        &format!("{}\n", triggered("other-2222", "2026-11-23T18:04:05.999Z")),
    );
    assert_eq!(other.code, Some(0), "{}", other.stderr);
    assert_eq!(
        other.events()[1]["branchName"],
        "deploy/Staging/Contoso.Orders/20261123-180405-2"
    );
    assert_eq!(other.events()[1]["commit"], repo.head().to_string());
}

#[test]
fn standalone_create_checks_out_and_refuses_invalid_names_with_the_rule() {
    let repo = Repo::new();
    let run = repo.run(&[
        "create",
        "--environment",
        "Prod",
        "--service-group",
        "Orders",
        "--version",
        "2.0.0",
        "--pattern",
        "release/{version}",
        "--checkout",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.events()[0]["branchName"], "release/2.0.0");
    assert_eq!(
        repo.repo.head().unwrap().shorthand().unwrap(),
        "release/2.0.0"
    );

    let bad = repo.run(&[
        "create",
        "--environment",
        "Prod",
        "--service-group",
        "My Orders",
    ]);
    assert_eq!(bad.code, Some(2));
    assert!(
        bad.stderr
            .contains("is not valid: it cannot contain spaces"),
        "{}",
        bad.stderr
    );
    let unknown = repo.run(&[
        "create",
        "--environment",
        "Prod",
        "--service-group",
        "x",
        "--pattern",
        "d/{branch}",
    ]);
    assert_eq!(unknown.code, Some(2));
    sentinel_test_support::assert_contains!(unknown.stderr, "{branch}");
}

#[test]
fn outside_a_repository_says_how_to_fix_it() {
    let dir = tempdir().unwrap();
    let run = tool(BIN)
        .current_dir(dir.path())
        .args(["check", "clean"])
        .run();
    assert_eq!(run.code, Some(2));
    sentinel_test_support::assert_contains!(
        run.stderr,
        "not a git repository (or any parent): run inside the service's repository or pass --repo"
    );
}

#[test]
fn version_comes_from_the_changelog_or_conventional_commits() {
    let repo = Repo::new();
    repo.tag(&["v1.2.0"]);
    repo.commit("b.txt", "b\n", "fix: null check");
    assert_eq!(repo.run(&["version"]).stdout, "1.2.1\n");
    repo.commit("c.txt", "c\n", "feat(api): export");
    assert_eq!(repo.run(&["version"]).stdout, "1.3.0\n");
    assert_eq!(repo.run(&["version", "--bump", "major"]).stdout, "2.0.0\n");
    std::fs::write(
        repo.path().join("CHANGELOG.md"),
        "# Changes\n\n## [Unreleased]\n### Removed\n- the v1 API\n\n## [1.2.0]\n- old\n",
    )
    .unwrap();
    assert_eq!(
        repo.run(&["version", "--changelog", "CHANGELOG.md"]).stdout,
        "2.0.0\n"
    );
    std::fs::write(
        repo.path().join("CHANGELOG.md"),
        "## [Unreleased]\n\n## [1.2.0]\n",
    )
    .unwrap();
    let empty = repo.run(&["version", "--changelog", "CHANGELOG.md"]);
    assert_eq!(empty.code, Some(1));
    sentinel_test_support::assert_contains!(empty.stderr, "nothing under ## [Unreleased]");
}

#[test]
fn tag_creates_an_annotated_release_tag_with_its_stats_and_never_moves_it() {
    let repo = Repo::new();
    repo.tag(&["v1.2.0"]);
    repo.commit("src.txt", "one\ntwo\nthree\n", "feat: three lines");
    repo.commit("README.md", "hello again\n", "docs: readme");
    let run = repo.run(&["tag", "--bump", "auto", "--message", "Release 1.3.0"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let event = &run.events()[0];
    assert_eq!(event["kind"], "tag.created");
    assert_eq!(
        (event["tag"].as_str(), event["version"].as_str()),
        (Some("v1.3.0"), Some("1.3.0"))
    );
    assert_eq!(event["previousVersion"], "1.2.0");
    assert_eq!(
        (
            event["filesChanged"].as_u64(),
            event["insertions"].as_u64(),
            event["deletions"].as_u64()
        ),
        (Some(2), Some(4), Some(1))
    );
    let tag = repo
        .repo
        .find_reference("refs/tags/v1.3.0")
        .unwrap()
        .peel_to_tag()
        .expect("annotated");
    assert_eq!(tag.message().unwrap(), Some("Release 1.3.0"));
    assert_eq!(tag.tagger().unwrap().name().unwrap(), "Release Bot");

    assert_eq!(
        repo.run(&["tag", "--version", "1.3.0"]).code,
        Some(0),
        "same commit: nothing to do"
    );
    repo.commit("d.txt", "d\n", "fix: d");
    let moved = repo.run(&["tag", "--version", "1.3.0"]);
    assert_eq!(moved.code, Some(1));
    sentinel_test_support::assert_contains!(moved.stderr, "a release tag is never moved");
}

#[test]
#[allow(clippy::print_stderr)]
fn signed_tags_carry_a_signature_that_verifies() {
    if std::process::Command::new("ssh-keygen")
        .arg("-?")
        .output()
        .is_err()
    {
        eprintln!("skipped: ssh-keygen is not installed, so there is no key to sign with");
        return;
    }
    let repo = Repo::new();
    let key = repo.path().join("signing-key");
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "release-bot", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(made.success());
    {
        let mut config = repo.repo.config().unwrap();
        config.set_str("gpg.format", "ssh").unwrap();
        config
            .set_str("user.signingkey", key.to_str().unwrap())
            .unwrap();
    }
    let run = repo.run(&[
        "tag",
        "--version",
        "2.0.0",
        "--sign",
        "--message",
        "Signed release",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let tag = repo
        .repo
        .find_reference("refs/tags/v2.0.0")
        .unwrap()
        .peel_to_tag()
        .unwrap();
    assert_eq!(tag.target_id(), repo.head());
    let odb = repo.repo.odb().unwrap();
    let raw = odb.read(tag.id()).unwrap();
    let text = String::from_utf8(raw.data().to_vec()).unwrap();
    let at = text
        .find("-----BEGIN SSH SIGNATURE-----")
        .expect("the tag object carries an SSH signature");
    let (payload, signature) = text.split_at(at);
    assert!(
        payload.contains("tag v2.0.0\ntagger Release Bot <bot@example.invalid>"),
        "{payload}"
    );
    let signature_file = repo.path().join("tag.sig");
    std::fs::write(&signature_file, signature).unwrap();
    let mut verify = std::process::Command::new("ssh-keygen")
        .args(["-Y", "check-novalidate", "-n", "git", "-s"])
        .arg(&signature_file)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    verify
        .stdin
        .take()
        .unwrap()
        .write_all(payload.as_bytes())
        .unwrap();
    let verified = verify.wait_with_output().unwrap();
    assert!(
        verified.status.success(),
        "ssh-keygen rejects the signature: {}",
        String::from_utf8_lossy(&verified.stderr)
    );

    repo.repo
        .config()
        .unwrap()
        .set_str("user.signingkey", "/nonexistent/key")
        .unwrap();
    repo.commit("f.txt", "f\n", "fix: f");
    let broken = repo.run(&["tag", "--version", "2.0.1", "--sign"]);
    assert_eq!(broken.code, Some(2), "{}", broken.stderr);
    assert!(
        broken
            .stderr
            .contains("signing the tag with ssh-keygen failed"),
        "{}",
        broken.stderr
    );
    assert!(
        repo.repo.find_reference("refs/tags/v2.0.1").is_err(),
        "no unsigned tag is left behind"
    );
}

#[test]
fn checks_pass_and_fail_with_what_they_measured() {
    let repo = Repo::new();
    repo.tag(&["v1.0.0"]);
    let clean = repo.run(&["check", "clean"]);
    assert_eq!(clean.code, Some(0), "{}", clean.stderr);
    assert_eq!(clean.events()[0]["kind"], "gate.passed");
    std::fs::write(repo.path().join("README.md"), "edited\n").unwrap();
    std::fs::write(repo.path().join("new.txt"), "x\n").unwrap();
    let dirty = repo.run(&["check", "clean"]);
    assert_eq!(dirty.code, Some(1));
    let reason = dirty.events()[0]["reason"].as_str().unwrap().to_owned();
    assert!(
        reason.contains("2 uncommitted or untracked change(s)")
            && reason.contains("M README.md")
            && reason.contains("?? new.txt"),
        "{reason}"
    );

    assert_eq!(repo.run(&["check", "at-tag", "v1.0.0"]).code, Some(0));
    let tagged = repo.head().to_string();
    repo.commit("e.txt", "e\n", "fix: e");
    let moved = repo.run(&["check", "at-tag", "v1.0.0"]);
    assert_eq!(moved.code, Some(1));
    assert!(
        moved.events()[0]["reason"]
            .as_str()
            .unwrap()
            .contains("check out the release tag")
    );
    assert_eq!(repo.run(&["check", "at-tag", "v9.9.9"]).code, Some(1));

    let artifact = repo.path().join("app.tar");
    std::fs::write(&artifact, "bytes").unwrap();
    std::fs::write(
        repo.path().join("app.tar.sha"),
        format!("{tagged}  app.tar\n"),
    )
    .unwrap();
    let built = repo.run(&["check", "artifact", "--file", "app.tar", "--tag", "v1.0.0"]);
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    std::fs::remove_file(repo.path().join("app.tar.sha")).unwrap();
    std::fs::write(
        repo.path().join("app.tar.json"),
        r#"{"build":{"sourceCommit":"0123456789abcdef"}}"#,
    )
    .unwrap();
    let wrong = repo.run(&[
        "check",
        "artifact",
        "--file",
        "app.tar",
        "--commit-from",
        "build.sourceCommit",
    ]);
    assert_eq!(wrong.code, Some(1));
    assert!(
        wrong.events()[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("deployment artifact must be built from this exact tag"),
        "{}",
        wrong.stdout
    );
    let expected = repo.run(&[
        "check",
        "artifact",
        "--file",
        "app.tar",
        "--commit-from",
        "build.sourceCommit",
        "--expect-commit",
        "0123456789abcdef",
    ]);
    assert_eq!(expected.code, Some(0), "{}", expected.stderr);
}

#[test]
fn cleanup_deletes_only_merged_matching_branches_that_are_not_current() {
    let repo = Repo::new();
    let base = repo.repo.head().unwrap().peel_to_commit().unwrap();
    repo.repo.branch("feature/merged", &base, false).unwrap();
    repo.repo.branch("hotfix/merged", &base, false).unwrap();
    repo.repo.branch("feature/wip", &base, false).unwrap();
    repo.repo.set_head("refs/heads/feature/wip").unwrap();
    repo.commit("wip.txt", "unmerged work\n", "feat: wip");
    repo.repo.branch("feature/current", &base, false).unwrap();
    repo.repo.set_head("refs/heads/feature/current").unwrap();

    let dry = repo.run(&[
        "cleanup",
        "--merged-into",
        "main",
        "--pattern",
        "feature/*",
        "--dry-run",
    ]);
    assert_eq!(dry.code, Some(0), "{}", dry.stderr);
    assert_eq!(dry.events().len(), 1);
    assert_eq!(
        (
            dry.events()[0]["branchName"].as_str(),
            dry.events()[0]["dryRun"].as_bool()
        ),
        (Some("feature/merged"), Some(true))
    );
    assert!(
        repo.branch_exists("feature/merged"),
        "a dry run deletes nothing"
    );

    let recent = repo.run(&[
        "cleanup",
        "--merged-into",
        "main",
        "--pattern",
        "feature/*",
        "--older-than",
        "30d",
    ]);
    assert_eq!(recent.code, Some(0), "{}", recent.stderr);
    assert!(
        recent.stdout.is_empty(),
        "a branch whose last commit is minutes old is kept: {}",
        recent.stdout
    );
    assert!(
        recent
            .stderr
            .contains("keeping feature/merged: its last commit is newer than"),
        "{}",
        recent.stderr
    );
    assert!(repo.branch_exists("feature/merged"));

    let (_bare_dir, bare) = repo.with_remote();
    let push = repo.run(&[
        "create",
        "--environment",
        "x",
        "--service-group",
        "y",
        "--pattern",
        "feature/merged",
        "--push",
        "origin",
    ]);
    assert_eq!(push.code, Some(0), "{}", push.stderr);
    assert!(
        bare.find_branch("feature/merged", git2::BranchType::Local)
            .is_ok()
    );

    let run = repo.run(&[
        "cleanup",
        "--merged-into",
        "main",
        "--pattern",
        "feature/*",
        "--remote",
        "origin",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.kinds(), vec!["branch.deleted"]);
    assert_eq!(run.events()[0]["pushed"], true);
    assert!(!repo.branch_exists("feature/merged"));
    assert!(
        bare.find_branch("feature/merged", git2::BranchType::Local)
            .is_err(),
        "deleted on the remote too"
    );
    for kept in ["feature/wip", "feature/current", "hotfix/merged", "main"] {
        assert!(repo.branch_exists(kept), "{kept} must stay");
    }
}

#[test]
fn push_reaches_a_bare_remote_and_a_dead_remote_is_exit_4_with_the_branch_kept() {
    let repo = Repo::new();
    let (_bare_dir, bare) = repo.with_remote();
    let created = repo.run(&[
        "create",
        "--environment",
        "Prod",
        "--service-group",
        "Orders",
        "--pattern",
        "deploy/{environment}",
        "--push",
        "origin",
    ]);
    assert_eq!(created.code, Some(0), "{}", created.stderr);
    assert_eq!(created.events()[0]["pushed"], true);
    assert_eq!(
        bare.find_branch("deploy/Prod", git2::BranchType::Local)
            .unwrap()
            .get()
            .target(),
        Some(repo.head())
    );
    let tagged = repo.run(&["tag", "--version", "1.0.0", "--push", "origin"]);
    assert_eq!(tagged.code, Some(0), "{}", tagged.stderr);
    assert!(bare.find_reference("refs/tags/v1.0.0").is_ok());

    repo.repo
        .remote("gone", "file:///nonexistent/deploy-sentinel-remote")
        .unwrap();
    let dead = repo.run(&[
        "create",
        "--environment",
        "Prod",
        "--service-group",
        "Orders",
        "--pattern",
        "deploy/kept",
        "--push",
        "gone",
    ]);
    assert_eq!(dead.code, Some(4), "{}", dead.stderr);
    sentinel_test_support::assert_contains!(dead.stderr, "git remote gone");
    assert!(
        repo.branch_exists("deploy/kept"),
        "a failed push keeps the local branch"
    );

    // https and ssh transports are compiled in: a dead loopback endpoint is a connection
    // failure, not an unsupported protocol.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    repo.repo
        .remote(
            "https-dead",
            &format!("https://127.0.0.1:{port}/team/service.git"),
        )
        .unwrap();
    let https = repo.run(&[
        "create",
        "--environment",
        "Prod",
        "--service-group",
        "Orders",
        "--pattern",
        "deploy/https",
        "--push",
        "https-dead",
    ]);
    assert_eq!(https.code, Some(4), "{}", https.stderr);
    assert!(
        !https.stderr.contains("unsupported URL protocol"),
        "{}",
        https.stderr
    );
    assert!(
        https.stderr.contains("https://127.0.0.1"),
        "the remote is named, masked: {}",
        https.stderr
    );
}
