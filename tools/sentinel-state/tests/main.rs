//! sentinel-state's integration tests, one binary with a module per area: the real binary
//! through real pipes, files, locks and signals.

mod apply;
mod azblob;
mod common;
mod crash;
mod hostile;
mod lock;
mod verbs;
