//! The HTTP response reader never panics, and a response fed whole or in pieces (split where
//! the first byte says) ends the same way.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_stress::response::{Progress, ResponseReader};

fn run(pieces: &[&[u8]]) -> Progress {
    let mut reader = ResponseReader::new();
    for piece in pieces {
        match reader.feed(piece) {
            Progress::More => {}
            done => return done,
        }
    }
    reader.at_eof()
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, response)) = data.split_first() else {
        return;
    };
    let whole = run(&[response]);
    let at = (split as usize).min(response.len());
    let (a, b) = response.split_at(at);
    let halves = run(&[a, b]);
    let bytes: Vec<&[u8]> = response.chunks(1).collect();
    let one_by_one = run(&bytes);
    assert_eq!(whole, halves, "split at {at}");
    assert_eq!(whole, one_by_one);
});
