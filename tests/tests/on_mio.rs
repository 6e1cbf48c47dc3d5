//! The end-to-end tests that run sentinel-stress and read what it measured, compiled a
//! second time: this binary's name makes every run of sentinel-stress use the mio engine
//! (`sentinel_test_support::stress_engine_under_test`), while `integration` runs them on the
//! default one, io_uring where usable. analysis.rs is not here: there sentinel-stress is only
//! background traffic, and no test reads its results.

mod consumers;
mod pipeline;
mod workflow;
