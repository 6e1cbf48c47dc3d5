//! The property each fuzz target checks, as plain functions: the fuzz targets call them on
//! libFuzzer's inputs, and `tests/tests/fuzz_regressions.rs` calls them on the committed
//! seeds and crash inputs in every `cargo test`, on the stable toolchain.

use sentinel_core::ndjson::{Item, Reader};
use sentinel_stress::response::{Progress, ResponseReader};

/// The NDJSON reader never panics, numbers lines in order, and every valid line is a JSON
/// object whose text is exactly what was read.
pub fn ndjson_reader(data: &[u8]) {
    let mut reader = Reader::new(data);
    let mut last = 0;
    while let Ok(Some(item)) = reader.next_item() {
        let number = match &item {
            Item::Valid(line) => {
                let reparsed: serde_json::Value = serde_json::from_str(&line.text).unwrap();
                assert!(reparsed.is_object());
                line.number
            }
            Item::Invalid(bad) => bad.number,
        };
        assert!(number > last, "line numbers only grow");
        last = number;
    }
}

/// The config loader never panics on any text, and validating whatever parses never does.
pub fn config_loader(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = sentinel_core::config::parse(text, std::path::Path::new("fuzz.json")) {
        let _ = config.problems(&[
            sentinel_core::config::Field::ServiceGroupName,
            sentinel_core::config::Field::Stages,
        ]);
    }
}

fn feed_all(pieces: &[&[u8]]) -> Progress {
    let mut reader = ResponseReader::new();
    for piece in pieces {
        match reader.feed(piece) {
            Progress::More => {}
            done => return done,
        }
    }
    reader.at_eof()
}

/// The HTTP response reader never panics, and a response fed whole, in two pieces (split
/// where the first byte says) or byte by byte ends the same way.
pub fn http_response(data: &[u8]) {
    let Some((&split, response)) = data.split_first() else {
        return;
    };
    let whole = feed_all(&[response]);
    let at = (split as usize).min(response.len());
    let (a, b) = response.split_at(at);
    let halves = feed_all(&[a, b]);
    let bytes: Vec<&[u8]> = response.chunks(1).collect();
    let one_by_one = feed_all(&bytes);
    assert_eq!(whole, halves, "split at {at}");
    assert_eq!(whole, one_by_one);
}

/// The histogram decoder never panics and never allocates what a header merely claims
/// (libFuzzer's -rss_limit_mb catches that).
pub fn histogram_decoder(data: &[u8]) {
    use base64::Engine;
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = sentinel_stress::judge::decode_histogram(text);
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    let _ = sentinel_stress::judge::decode_histogram(&encoded);
}
