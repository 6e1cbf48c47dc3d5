//! libFuzzer target: see `checks::histogram_decoder`.
#![no_main]

#[path = "checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::histogram_decoder(data));
