//! Break-glass confirmation for protected environments: the exact string `DEPLOY-NOW`, typed
//! on the terminal or given as `--confirm DEPLOY-NOW` where there is none.

use sentinel_core::{Error, Result};
use std::io::{BufRead, BufReader, IsTerminal, Write};

/// The only answer that proceeds.
pub const CONFIRMATION: &str = "DEPLOY-NOW";

/// What the summary block shows.
#[derive(Debug, Clone)]
pub struct Summary {
    pub service: String,
    pub environment: String,
    pub provider: sentinel_core::config::ProviderKind,
    pub version: String,
    pub version_source: String,
    pub stages: Vec<String>,
}

impl Summary {
    /// The `[SENTINEL DEFCON 1]` block printed before asking.
    pub fn block(&self) -> String {
        format!(
            "\n[SENTINEL DEFCON 1] {} is a protected environment\n  Target:   {} → {} ({})\n  Version:  {} (from {})\n  Stages:   {}\n\nType {CONFIRMATION} to deploy, anything else to abort: ",
            self.environment,
            self.service,
            self.environment,
            self.provider.as_str(),
            self.version,
            self.version_source,
            self.stages.join(" → ")
        )
    }
}

/// Decide from the flag, or from a line typed on the terminal when `answer` is given.
pub fn decide(environment: &str, flag: Option<&str>, answer: Option<&str>) -> Result<()> {
    match (flag, answer) {
        (Some(CONFIRMATION), _) => Ok(()),
        (Some(other), _) => Err(Error::usage(format!(
            "--confirm {other:?} is not the confirmation: it must be exactly {CONFIRMATION}; nothing was started"
        ))),
        (None, Some(typed)) if typed.trim_end_matches(['\r', '\n']) == CONFIRMATION => Ok(()),
        (None, Some(_)) => Err(Error::usage(format!(
            "break-glass confirmation for {environment} was not given (the answer must be exactly {CONFIRMATION}); nothing was started"
        ))),
        (None, None) => Err(Error::usage_with_hint(
            format!(
                "{environment} is a protected environment and there is no terminal to confirm on; nothing was started"
            ),
            format!(
                "in CI pass --confirm {CONFIRMATION}; on a terminal, type {CONFIRMATION} when asked"
            ),
        )),
    }
}

/// Confirm a deployment to a protected environment: the flag if given, else ask on the
/// terminal (`/dev/tty`, so it works inside a pipeline), else refuse.
pub fn confirm(summary: &Summary, flag: Option<&str>) -> Result<()> {
    if flag.is_some() || !std::io::stderr().is_terminal() {
        return decide(&summary.environment, flag, None);
    }
    let Ok(tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    else {
        return decide(&summary.environment, None, None);
    };
    let mut writer = &tty;
    writer
        .write_all(summary.block().as_bytes())
        .and_then(|()| writer.flush())
        .map_err(|e| Error::Io {
            context: "writing to the terminal".into(),
            source: e,
        })?;
    let mut answer = String::new();
    BufReader::new(&tty)
        .read_line(&mut answer)
        .map_err(|e| Error::Io {
            context: "reading from the terminal".into(),
            source: e,
        })?;
    decide(&summary.environment, None, Some(&answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_string_proceeds() {
        assert!(decide("Prod", Some("DEPLOY-NOW"), None).is_ok());
        assert!(decide("Prod", None, Some("DEPLOY-NOW\n")).is_ok());
        for wrong in ["deploy-now\n", "DEPLOY-NOW please\n", "\n", "yes\n"] {
            let error = decide("Prod", None, Some(wrong)).unwrap_err();
            assert_eq!(error.exit().code(), 2, "{wrong:?}");
            assert!(error.to_string().contains("nothing was started"));
        }
        assert_eq!(
            decide("Prod", Some("yes"), None).unwrap_err().exit().code(),
            2
        );
        let no_terminal = decide("Prod", None, None).unwrap_err();
        assert!(
            no_terminal
                .hint()
                .is_some_and(|h| h.contains("--confirm DEPLOY-NOW"))
        );
    }

    #[test]
    fn the_summary_block_names_target_version_and_stages() {
        let block = Summary {
            service: "Contoso.Orders".into(),
            environment: "Prod".into(),
            provider: sentinel_core::config::ProviderKind::Local,
            version: "1.4.2".into(),
            version_source: "git-tag".into(),
            stages: vec!["Canary".into(), "Production".into()],
        }
        .block();
        assert!(block.contains("[SENTINEL DEFCON 1]"));
        assert!(
            block.contains("Contoso.Orders → Prod (local)")
                && block.contains("1.4.2 (from git-tag)")
        );
        assert!(block.contains("Canary → Production"));
    }
}
