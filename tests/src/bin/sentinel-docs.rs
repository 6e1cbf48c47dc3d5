//! Write the man pages and completions into `man/`, or with `--check` fail when the committed
//! files differ from what the clap definitions generate.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let man_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../man");
    match run(&man_dir, check) {
        Ok(problems) if problems.is_empty() => ExitCode::SUCCESS,
        Ok(problems) => {
            for problem in problems {
                report(&problem);
            }
            report(
                "sentinel-docs: hint: run `cargo run -p sentinel-e2e --bin sentinel-docs` and commit man/",
            );
            ExitCode::from(1)
        }
        Err(e) => {
            report(&format!("sentinel-docs: error: {e}"));
            ExitCode::from(5)
        }
    }
}

#[allow(clippy::print_stderr)]
fn report(line: &str) {
    eprintln!("{line}");
}

/// Write (or check) every generated file; return the stale ones when checking.
fn run(man_dir: &Path, check: bool) -> std::io::Result<Vec<String>> {
    let files = sentinel_e2e::docs::render_all()?;
    let mut problems = Vec::new();
    for (relative, bytes) in &files {
        let path = man_dir.join(relative);
        let current = std::fs::read(&path).ok();
        if current.as_deref() == Some(bytes.as_slice()) {
            continue;
        }
        if check {
            problems.push(format!(
                "sentinel-docs: man/{} is stale",
                relative.display()
            ));
        } else {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, bytes)?;
        }
    }
    for existing in walk(man_dir)? {
        let relative = existing
            .strip_prefix(man_dir)
            .unwrap_or(&existing)
            .to_path_buf();
        if !files.contains_key(&relative) {
            if check {
                problems.push(format!(
                    "sentinel-docs: man/{} is no longer generated",
                    relative.display()
                ));
            } else {
                std::fs::remove_file(&existing)?;
            }
        }
    }
    Ok(problems)
}

fn walk(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    if !dir.exists() {
        return Ok(found);
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            found.extend(walk(&path)?);
        } else {
            found.push(path);
        }
    }
    Ok(found)
}
