//! The histogram decoder never panics and never allocates what a header merely claims
//! (run with -rss_limit_mb to catch that).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    use base64::Engine;
    // Both the text as given (base64 or not) and the bytes as a binary histogram.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = sentinel_stress::judge::decode_histogram(text);
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    let _ = sentinel_stress::judge::decode_histogram(&encoded);
});
