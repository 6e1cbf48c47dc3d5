//! The one status vocabulary: where a rollout, a stage and a wait action stand. Providers
//! report in it, the events carry it (`overallStatus` of `rollout.status` and
//! `rollout.completed`/`failed`/`cancelled`), and the state file keeps it; the names are the
//! ones `sentinel-events(7)` documents.

use serde::{Deserialize, Serialize};

/// A status enum whose variant names are its serialized spelling, with `as_str` and
/// `Display` giving the same name.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$variant_meta:meta])* $variant:ident,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)*
        }

        impl $name {
            /// Every status, in declaration order.
            pub const ALL: &[$name] = &[$($name::$variant,)*];

            /// The name as events and the state file spell it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => stringify!($variant),)*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                // pad, not write_str: `{:<11}` in a table lines up.
                f.pad(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// Overall status of a rollout.
    OverallStatus {
        #[default]
        NotStarted,
        InProgress,
        WaitingForApproval,
        Completed,
        Failed,
        Cancelled,
        /// `sentinel-trigger cancel` asked the provider to stop; the watcher reports the end.
        CancelRequested,
        RollingBack,
        RolledBack,
        /// The local engine stopped (killed, machine restarted) before the rollout ended: not
        /// an end, `sentinel-trigger resume` carries it on.
        Interrupted,
    }
}

impl OverallStatus {
    /// Whether the rollout has ended; a watcher stops here.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OverallStatus::Completed
                | OverallStatus::Failed
                | OverallStatus::Cancelled
                | OverallStatus::RolledBack
        )
    }
}

vocabulary! {
    /// Status of one stage.
    StageStatus {
        #[default]
        NotStarted,
        InProgress,
        Completed,
        Failed,
        Cancelled,
        RolledBack,
        /// The engine skipped it (a condition, a manual skip): its regions were not deployed.
        Skipped,
    }
}

vocabulary! {
    /// Status of a wait action (an approval).
    WaitActionStatus {
        #[default]
        Pending,
        Approved,
        Rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serialized_spelling() {
        let names = |all: Vec<(serde_json::Value, &str)>| {
            for (serialized, name) in all {
                assert_eq!(serialized, serde_json::json!(name));
            }
        };
        names(
            OverallStatus::ALL
                .iter()
                .map(|s| (serde_json::to_value(s).unwrap(), s.as_str()))
                .collect(),
        );
        names(
            StageStatus::ALL
                .iter()
                .map(|s| (serde_json::to_value(s).unwrap(), s.as_str()))
                .collect(),
        );
        names(
            WaitActionStatus::ALL
                .iter()
                .map(|s| (serde_json::to_value(s).unwrap(), s.as_str()))
                .collect(),
        );
        assert_eq!(OverallStatus::ALL.len(), 10);
        assert!(serde_json::from_str::<OverallStatus>("\"Running\"").is_err());
    }
}
