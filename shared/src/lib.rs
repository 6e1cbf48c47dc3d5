//! `sentinel-core`: what every Deploy Sentinel tool shares — the event stream contract,
//! NDJSON input and output with pass-through, exit codes and errors, configuration, retry,
//! atomic files and the run lock, the HTTP client, and human output on stderr.
//!
//! The contract these implement is DESIGN.md; `sentinel-events(7)` documents the stream.

pub mod atomic;
pub mod clock;
pub mod config;
pub mod error;
pub mod events;
pub mod exit;
pub mod files;
pub mod http;
pub mod lock;
pub mod mcp;
pub mod ndjson;
pub mod nofollow;
pub mod output;
pub mod provider;
pub mod redact;
pub mod retry;
pub mod rollout_id;
pub mod run;
pub mod shell;
pub mod signals;
pub mod stream;
pub mod versions;

pub use error::{Error, Result};
pub use exit::Exit;
pub use run::{ToolCli, run_main};

/// The suite's version, shown by every tool's `--version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Text for the end of every tool's `--help`: where the contract is documented.
pub const HELP_FOOTER: &str = "Events: man sentinel-events · Exit codes: 0 ok, 1 check failed, 2 usage/config/input, 3 locked, 4 unreachable, 5 internal, 130 interrupted";
