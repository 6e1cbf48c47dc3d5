//! `sentinel-core`: what every Deploy Sentinel tool shares, and nothing only some use:
//!
//! - the event stream: [`events`] (the kinds and their payloads), [`status`] (the status
//!   vocabulary they share), [`ndjson`] (reader and writer), [`stream`] (the pass-through pump);
//! - outcomes: [`error`], [`exit`], [`run`] (the top of every tool), [`signals`];
//! - configuration: [`config`], [`versions`] (SemVer, where a version came from);
//! - files: [`files`] (the state directory's names), [`state_file`] (the state's model and
//!   reader), [`backend`] (where state, journal and lock live: the interface the local and
//!   the Azure Blob backends implement), [`atomic`], [`nofollow`], [`lock`], [`rollout_id`];
//! - the outside: [`http`], [`retry`], [`redact`], [`shell`] (quoting stage commands);
//! - people: [`output`] (stderr, colour, progress, CI annotations), [`clock`].
//!
//! Rollout providers, the MCP client and git tag discovery are `sentinel-provider`'s
//! (`crates/sentinel-provider`), used by sentinel-trigger and sentinel-watch only. The
//! contract these implement is documented in `sentinel-events(7)`.

pub mod atomic;
pub mod backend;
pub mod clock;
pub mod config;
pub mod error;
pub mod events;
pub mod exit;
pub mod files;
pub mod http;
pub mod input_file;
pub mod lock;
pub mod ndjson;
pub mod nofollow;
pub mod output;
pub mod redact;
pub mod retry;
pub mod rollout_id;
pub mod run;
pub mod shell;
pub mod signals;
pub mod state_file;
pub mod status;
pub mod stream;
pub mod versions;

pub use error::{Error, Result};
pub use exit::Exit;
pub use run::{ToolCli, run_main};

/// The suite's version, shown by every tool's `--version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Text for the end of every tool's `--help`: where the contract is documented.
pub const HELP_FOOTER: &str = "Events: man sentinel-events · Exit codes: 0 ok, 1 check failed, 2 usage/config/input, 3 locked, 4 unreachable, 5 internal, 130 interrupted";
