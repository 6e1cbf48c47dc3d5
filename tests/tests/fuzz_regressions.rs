//! The fuzz targets' properties (tests/fuzz/fuzz_targets/checks.rs) over their committed
//! seeds and every input a fuzzing run found a failure with (tests/fuzz/regressions/), so a
//! fixed crash stays fixed without a fuzzer on the machine.

#[allow(dead_code, unreachable_pub)]
#[path = "../fuzz/fuzz_targets/checks.rs"]
mod checks;

use std::path::Path;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut found = Vec::new();
    for kind in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(kind).join(target)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_file() {
                found.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    found.sort();
    found
}

fn replay(target: &str, check: fn(&[u8])) {
    let inputs = inputs(target);
    assert!(!inputs.is_empty(), "{target} has no committed seed");
    for (name, data) in inputs {
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{target} fails on {name}");
    }
}

#[test]
fn ndjson_reader_seeds_and_regressions() {
    replay("ndjson_reader", checks::ndjson_reader);
}

#[test]
fn config_loader_seeds_and_regressions() {
    replay("config_loader", checks::config_loader);
}

#[test]
fn http_response_seeds_and_regressions() {
    replay("http_response", checks::http_response);
}

#[test]
fn histogram_decoder_seeds_and_regressions() {
    replay("histogram_decoder", checks::histogram_decoder);
}
