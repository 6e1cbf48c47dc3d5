//! The workspace's own tooling: the generator of man pages and shell completions (run by
//! `sentinel-docs`, checked by CI), and the home of the end-to-end tests in `tests/`.

pub mod docs;
