//! The end-to-end tests, one binary with a module per area: the tools together through real
//! pipes, real git repositories, real servers and the independent consumers of their outputs.

mod ado;
mod analysis;
mod cli;
mod consumers;
mod docs;
mod ev2;
mod fuzz_regressions;
mod mcp;
mod pipeline;
mod rollout;
mod workflow;
