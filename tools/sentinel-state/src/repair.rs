//! `sentinel-state repair`: rebuild a state file that does not parse (or a journal with a
//! torn or bad line in the middle) from what is still good — the journal's valid lines,
//! else the `.bak` — keeping the damaged files aside, and saying what was done.

use crate::state::fold_all;
use crate::store::Store;
use fs2::FileExt;
use sentinel_core::atomic::write_atomic;
use sentinel_core::backend::Revision;
use sentinel_core::clock::now_rfc3339;
use sentinel_core::files::StatePaths;
use sentinel_core::ndjson::{Item, Line, Reader};
use sentinel_core::nofollow;
use sentinel_core::output::Logger;
use sentinel_core::state_file;
use sentinel_core::{Error, Exit, Result};
use std::path::{Path, PathBuf};

/// What the journal holds: its good lines, and the numbers of the bad ones.
struct Salvaged {
    lines: Vec<Line>,
    bad: Vec<u64>,
    torn_tail: bool,
}

pub fn repair(paths: &StatePaths, logger: &Logger) -> Result<Exit> {
    let journal_path = paths.journal();
    // The journal's writer lock keeps apply out while we work.
    let journal = match nofollow::open(
        nofollow::options().read(true).write(true),
        &journal_path,
        "opening journal",
    ) {
        Ok(file) => Some(file),
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    if let Some(file) = &journal {
        if file.try_lock_exclusive().is_err() {
            return Err(Error::Locked {
                message: format!(
                    "another sentinel-state is writing {}{}",
                    journal_path.display(),
                    sentinel_core::lock::flock_holder(file)
                        .map(|who| format!(": {who}"))
                        .unwrap_or_default()
                ),
                hint: Some("repair once that run has ended".into()),
            });
        }
    }
    let salvaged = match &journal {
        Some(_) => Some(salvage(&journal_path)?),
        None => None,
    };
    let state_error = state_file::load(paths).err();
    let journal_damaged = salvaged
        .as_ref()
        .is_some_and(|s| !s.bad.is_empty() || s.torn_tail);
    if state_error.is_none() && !journal_damaged {
        logger.info("state and journal are readable: nothing to repair");
        return Ok(Exit::Success);
    }
    // Every file the repair will write or move, checked before the first is touched, so a
    // planted symlink stops it whole rather than half done.
    for path in [paths.state(), paths.state_backup(), journal_path.clone()] {
        nofollow::refuse_symlink(&path)?;
    }
    let stamp = now_rfc3339().replace([':', '.'], "");
    let (state, from) = match &salvaged {
        Some(s) if !s.lines.is_empty() => (
            fold_all(&s.lines)?,
            format!(
                "the journal's {} good event(s){}",
                s.lines.len(),
                if s.bad.is_empty() {
                    String::new()
                } else {
                    format!(" (bad lines set aside: {:?})", s.bad)
                }
            ),
        ),
        _ => match state_file::load_from(paths, &paths.state_backup()) {
            Ok(Some(state)) => (state, format!("{}", paths.state_backup().display())),
            _ => {
                return Err(Error::usage_with_hint(
                    format!(
                        "nothing to rebuild the state in {} from: the journal has no good line and {} is missing or damaged",
                        paths.dir.display(),
                        paths.state_backup().display()
                    ),
                    "move the damaged files aside to start clean",
                ));
            }
        },
    };
    if state_error.is_some() {
        let aside = keep_aside(&paths.state(), &stamp)?;
        logger.warn(&format!("the damaged state is kept as {}", aside.display()));
    }
    if let (Some(s), true) = (&salvaged, journal_damaged) {
        let aside = aside_name(&journal_path, &stamp);
        // A new file (O_EXCL): a symlink planted at the predictable name is refused, never
        // written through.
        let mut kept = nofollow::create_new(&aside, "keeping the damaged journal as")?;
        let mut damaged = nofollow::open(
            nofollow::options().read(true),
            &journal_path,
            "reading the damaged journal",
        )?;
        std::io::copy(&mut damaged, &mut kept)
            .and_then(|_| kept.sync_all())
            .map_err(|e| Error::io("keeping the damaged journal as", &aside, e))?;
        let mut text = String::new();
        for line in &s.lines {
            text.push_str(&line.text);
            text.push('\n');
        }
        write_atomic(&journal_path, text.as_bytes())?;
        logger.warn(&format!(
            "the journal held {} bad line(s){}; rewrote it with its {} good line(s) and kept the damaged one as {}",
            s.bad.len(),
            if s.torn_tail { " and a torn tail" } else { "" },
            s.lines.len(),
            aside.display()
        ));
    }
    Store::local(paths).save(&state, &Revision::Unchecked)?;
    logger.info(&format!(
        "rebuilt {} from {from}: rollout {}, {}",
        paths.state().display(),
        state.rollout_id.as_deref().unwrap_or("(none)"),
        state.overall_status.as_str()
    ));
    drop(journal);
    Ok(Exit::Success)
}

/// Every good line of the journal, skipping (and numbering) the bad ones.
fn salvage(path: &Path) -> Result<Salvaged> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("reading journal", path, e))?;
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut reader = Reader::new(&bytes[..complete]);
    let (mut lines, mut bad) = (Vec::new(), Vec::new());
    while let Some(item) = reader
        .next_item()
        .map_err(|e| Error::io("reading journal", path, e))?
    {
        match item {
            Item::Valid(line) => lines.push(line),
            Item::Invalid(invalid) => bad.push(invalid.number),
        }
    }
    Ok(Salvaged {
        lines,
        bad,
        torn_tail: complete < bytes.len(),
    })
}

fn aside_name(path: &Path, stamp: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!("{name}.damaged-{stamp}"))
}

/// Rename `path` to `<name>.damaged-<time>` beside it.
fn keep_aside(path: &Path, stamp: &str) -> Result<PathBuf> {
    let aside = aside_name(path, stamp);
    nofollow::refuse_symlink(path)?;
    std::fs::rename(path, &aside).map_err(|e| Error::io("keeping aside", path, e))?;
    Ok(aside)
}
