//! The config loader never panics on any text, and validation of whatever parses never does.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = sentinel_core::config::parse(text, std::path::Path::new("fuzz.json")) {
        let _ = config.problems(&[
            sentinel_core::config::Field::ServiceGroupName,
            sentinel_core::config::Field::Stages,
        ]);
    }
});
