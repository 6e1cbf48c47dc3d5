//! Signed release tags: the tag object is built here and signed by the program the user
//! configured for git — gpg by default, `ssh-keygen -Y sign` when `gpg.format` is `ssh`
//! (the one place where running an external program is right: the keys live with it).

use git2::{ObjectType, Oid, Repository, Signature};
use sentinel_core::{Error, Result};
use std::io::Write;
use std::process::{Command, Stdio};

/// The raw text of an annotated tag object, as git writes it.
pub fn tag_payload(target: Oid, name: &str, tagger: &Signature<'_>, message: &str) -> String {
    let when = tagger.when();
    let offset = when.offset_minutes();
    let sign = if offset < 0 { '-' } else { '+' };
    format!(
        "object {target}\ntype commit\ntag {name}\ntagger {} <{}> {} {sign}{:02}{:02}\n\n{}\n",
        String::from_utf8_lossy(tagger.name_bytes()),
        String::from_utf8_lossy(tagger.email_bytes()),
        when.seconds(),
        offset.abs() / 60,
        offset.abs() % 60,
        message.trim_end()
    )
}

/// Sign `payload` with the user's configured signing program; returns the armored signature.
pub fn sign(repo: &Repository, payload: &str) -> Result<String> {
    let config = repo
        .config()
        .map_err(|e| Error::Internal(format!("reading git config: {}", e.message())))?;
    let format = config
        .get_string("gpg.format")
        .unwrap_or_else(|_| "openpgp".into());
    let key = config.get_string("user.signingkey").ok();
    let failed = |program: &str, detail: String| {
        Error::usage_with_hint(
            format!("signing the tag with {program} failed: {detail}"),
            "check user.signingkey and gpg.format in your git config (git config --get user.signingkey)",
        )
    };
    match format.as_str() {
        "ssh" => {
            let key = key.ok_or_else(|| {
                Error::usage(
                    "gpg.format is ssh but user.signingkey is not set: point it at your SSH key",
                )
            })?;
            let program = config
                .get_string("gpg.ssh.program")
                .unwrap_or_else(|_| "ssh-keygen".into());
            let dir = tempfile::tempdir().map_err(|e| Error::Io {
                context: "creating a temporary directory".into(),
                source: e,
            })?;
            let file = dir.path().join("tag");
            std::fs::write(&file, payload).map_err(|e| Error::io("writing", &file, e))?;
            let output = Command::new(&program)
                .args(["-Y", "sign", "-n", "git", "-f", &key])
                .arg(&file)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| failed(&program, e.to_string()))?;
            if !output.status.success() {
                return Err(failed(
                    &program,
                    String::from_utf8_lossy(&output.stderr).trim().to_owned(),
                ));
            }
            let signature = dir.path().join("tag.sig");
            std::fs::read_to_string(&signature).map_err(|e| Error::io("reading", &signature, e))
        }
        "openpgp" | "x509" => {
            let program = config
                .get_string(if format == "x509" {
                    "gpg.x509.program"
                } else {
                    "gpg.program"
                })
                .unwrap_or_else(|_| {
                    if format == "x509" {
                        "gpgsm".into()
                    } else {
                        "gpg".into()
                    }
                });
            let mut command = Command::new(&program);
            command.args(["--status-fd=2", "-bsa"]);
            if let Some(key) = &key {
                command.args(["-u", key]);
            }
            let mut child = command
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| failed(&program, e.to_string()))?;
            if let Some(mut stdin) = child.stdin.take() {
                stdin
                    .write_all(payload.as_bytes())
                    .map_err(|e| failed(&program, e.to_string()))?;
            }
            let output = child
                .wait_with_output()
                .map_err(|e| failed(&program, e.to_string()))?;
            if !output.status.success() {
                return Err(failed(
                    &program,
                    String::from_utf8_lossy(&output.stderr).trim().to_owned(),
                ));
            }
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        }
        other => Err(Error::usage(format!(
            "gpg.format {other:?} is not one git knows: use openpgp, x509 or ssh"
        ))),
    }
}

/// Create the signed annotated tag `name` on `target`.
pub fn create_signed_tag(
    repo: &Repository,
    name: &str,
    target: Oid,
    tagger: &Signature<'_>,
    message: &str,
) -> Result<Oid> {
    let payload = tag_payload(target, name, tagger, message);
    let signature = sign(repo, &payload)?;
    let object = format!("{payload}{signature}");
    let oid = repo
        .odb()
        .and_then(|odb| odb.write(ObjectType::Tag, object.as_bytes()))
        .map_err(|e| Error::Internal(format!("writing the signed tag: {}", e.message())))?;
    repo.reference(
        &format!("refs/tags/{name}"),
        oid,
        false,
        &format!("sentinel-branch: signed tag {name}"),
    )
    .map_err(|e| Error::Internal(format!("creating refs/tags/{name}: {}", e.message())))?;
    Ok(oid)
}
