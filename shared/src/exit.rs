//! The exit codes every tool shares (sentinel-events(7), EXIT STATUS). Scripts branch on these numbers, so they
//! are defined here once and never per tool.

use std::process::ExitCode;

/// How a tool ended. The numeric values are part of the public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exit {
    /// 0: success.
    Success,
    /// 1: the checked thing failed (rollout failed or cancelled, thresholds breached, gate closed).
    CheckFailed,
    /// 2: usage, configuration or input error.
    Usage,
    /// 3: another run holds the lock.
    Locked,
    /// 4: an external service stayed unreachable after retries.
    Unreachable,
    /// 5: internal or I/O error.
    Internal,
    /// 6: an analysis could not judge (no data, too little traffic, a query that failed):
    /// neither passed nor failed, and never to be taken as passed.
    Inconclusive,
    /// 130: interrupted by SIGINT/SIGTERM after state was saved and the lock released.
    Interrupted,
    /// The exit status of a command a tool ran on the user's behalf, passed through as it is
    /// (`sentinel-state lock -- COMMAND`, like flock(1)).
    Child(u8),
}

impl Exit {
    /// Every exit code, in numeric order (used by the man pages).
    pub const ALL: [Exit; 8] = [
        Exit::Success,
        Exit::CheckFailed,
        Exit::Usage,
        Exit::Locked,
        Exit::Unreachable,
        Exit::Internal,
        Exit::Inconclusive,
        Exit::Interrupted,
    ];

    /// The process exit status.
    pub const fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::CheckFailed => 1,
            Exit::Usage => 2,
            Exit::Locked => 3,
            Exit::Unreachable => 4,
            Exit::Internal => 5,
            Exit::Inconclusive => 6,
            Exit::Interrupted => 130,
            Exit::Child(code) => code,
        }
    }

    /// One line saying what the code means, as the man pages print it.
    pub const fn meaning(self) -> &'static str {
        match self {
            Exit::Success => "success",
            Exit::CheckFailed => {
                "the checked thing failed: rollout failed or cancelled, thresholds breached, gate closed"
            }
            Exit::Usage => {
                "usage, configuration or input error (the message says which field and how to fix it)"
            }
            Exit::Locked => {
                "locked: another run holds the lock (the message names holder, pid, host, age)"
            }
            Exit::Unreachable => "an external service stayed unreachable after retries",
            Exit::Internal => "internal or I/O error",
            Exit::Inconclusive => {
                "inconclusive: an analysis had too little data or traffic, or its queries failed; never a pass (sentinel-watch analyze)"
            }
            Exit::Interrupted => {
                "interrupted (SIGINT/SIGTERM) after state was saved and the lock released"
            }
            Exit::Child(_) => "the exit status of the command run under the lock",
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_design_contract() {
        let codes: Vec<u8> = Exit::ALL.iter().map(|e| e.code()).collect();
        assert_eq!(codes, vec![0, 1, 2, 3, 4, 5, 6, 130]);
    }
}
