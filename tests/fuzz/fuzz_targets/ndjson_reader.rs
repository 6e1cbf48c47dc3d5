//! The NDJSON reader never panics, numbers lines in order, and every valid line is a JSON
//! object whose text is exactly what was read.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_core::ndjson::{Item, Reader};

fuzz_target!(|data: &[u8]| {
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
});
