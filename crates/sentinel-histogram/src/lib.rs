//! The latency histogram of a stress result (sentinel-stress(1), RESULTS): microseconds from
//! 1 µs to 1 h at 3 significant digits, carried as HdrHistogram V2 compressed and base64, so
//! that results from many machines and endpoints merge exactly (never an average of
//! percentiles). sentinel-stress writes and merges them; sentinel-state's report merges a
//! phase's instances.

use base64::Engine;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use sentinel_core::{Error, Result};

pub use hdrhistogram;

/// Longest latency the histogram holds: one hour, in microseconds.
pub const MAX_LATENCY_US: u64 = 3_600_000_000;

/// An empty histogram with the bounds every result uses.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("constant bounds are valid")
}

/// Serialize a histogram as HdrHistogram V2 compressed, base64.
pub fn encode(histogram: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    match V2DeflateSerializer::new().serialize(histogram, &mut bytes) {
        Ok(_) => base64::engine::general_purpose::STANDARD.encode(bytes),
        Err(_) => String::new(),
    }
}

/// The most a decoded histogram may take before the counts are read: the engine's own (1 µs
/// to 1 h, 3 digits) take a few kB; this leaves room for any other implementation's.
const MAX_HISTOGRAM_BYTES: usize = 4 << 20;
/// HdrHistogram V2 cookies (the `| 0x10` is the word size the format records).
const V2_COOKIE: u32 = 0x1c84_9303 | 0x10;
const V2_COMPRESSED_COOKIE: u32 = 0x1c84_9304 | 0x10;
/// cookie, payload length, normalizing offset, digits, lowest, highest, int/double ratio.
const V2_HEADER_BYTES: usize = 40;

/// Read a histogram written by [`encode`] (or any HdrHistogram V2 implementation).
///
/// The lengths its header declares are checked against the data that is really there before
/// anything is allocated for them: a 56-character text that claims a 4 GB payload is an
/// error, not a 4 GB allocation.
pub fn decode(text: &str) -> Result<Histogram<u64>> {
    let bad = |why: String| Error::usage(format!("histogram is not HdrHistogram V2: {why}"));
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| Error::usage(format!("histogram is not base64: {e}")))?;
    let word = |b: &[u8], at: usize| -> Option<usize> {
        let four: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(u32::from_be_bytes(four) as usize)
    };
    let plain = match word(&bytes, 0).map(|w| w as u32) {
        Some(V2_COMPRESSED_COOKIE) => {
            let declared = word(&bytes, 4).ok_or_else(|| bad("it ends in its header".into()))?;
            let deflated = &bytes[8..];
            if declared != deflated.len() {
                return Err(bad(format!(
                    "its header declares {declared} compressed bytes, but {} follow",
                    deflated.len()
                )));
            }
            let mut plain = Vec::new();
            std::io::Read::read_to_end(
                &mut std::io::Read::take(
                    flate2::read::ZlibDecoder::new(deflated),
                    MAX_HISTOGRAM_BYTES as u64 + 1,
                ),
                &mut plain,
            )
            .map_err(|e| bad(format!("it does not inflate: {e}")))?;
            if plain.len() > MAX_HISTOGRAM_BYTES {
                return Err(bad(format!(
                    "it inflates to more than {} MiB",
                    MAX_HISTOGRAM_BYTES >> 20
                )));
            }
            plain
        }
        Some(V2_COOKIE) => bytes,
        _ => return Err(bad("it does not start with a V2 cookie".into())),
    };
    if word(&plain, 0).map(|w| w as u32) != Some(V2_COOKIE) {
        return Err(bad(
            "the inflated data does not start with a V2 cookie".into()
        ));
    }
    let payload = word(&plain, 4).ok_or_else(|| bad("it ends in its header".into()))?;
    let present = plain.len().saturating_sub(V2_HEADER_BYTES);
    if payload > present {
        return Err(bad(format!(
            "its header declares a {payload}-byte payload, but {present} bytes follow"
        )));
    }
    // More digits than 5 is no HdrHistogram; the bound keeps the counts array below 50 MB.
    if word(&plain, 12).is_none_or(|digits| digits > 5) {
        return Err(bad("it asks for more than 5 significant digits".into()));
    }
    let decoded: Histogram<u64> = Deserializer::new()
        .deserialize(&mut plain.as_slice())
        .map_err(|e| bad(format!("{e:?}")))?;
    // Re-home into the engine's bounds so results from anywhere add up.
    let mut histogram = new_histogram();
    histogram
        .add(&decoded)
        .map_err(|e| Error::usage(format!("histogram does not fit 1 µs .. 1 h: {e:?}")))?;
    Ok(histogram)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A V2 header (uncompressed) that declares `payload` bytes, followed by `data`.
    fn v2_header(payload: u32, data: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::new();
        bytes.extend(V2_COOKIE.to_be_bytes());
        bytes.extend(payload.to_be_bytes());
        bytes.extend(0u32.to_be_bytes());
        bytes.extend(3u32.to_be_bytes());
        bytes.extend(1u64.to_be_bytes());
        bytes.extend(3_600_000_000u64.to_be_bytes());
        bytes.extend(1.0f64.to_be_bytes());
        bytes.extend(data);
        bytes
    }

    fn base64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn a_histogram_that_claims_more_than_it_holds_is_refused_without_allocating_it() {
        // Uncompressed: 4 GB claimed, 2 bytes present (the 56-character bomb).
        let bomb = base64(&v2_header(u32::MAX, &[0, 0]));
        assert_eq!(bomb.len(), 56);
        let error = decode(&bomb).unwrap_err();
        assert!(
            error.to_string().contains("4294967295-byte payload"),
            "{error}"
        );

        // Compressed, with an honest outer length and a lying inner header.
        let mut deflated = Vec::new();
        std::io::Write::write_all(
            &mut flate2::write::ZlibEncoder::new(&mut deflated, flate2::Compression::best()),
            &v2_header(u32::MAX, &[0; 16]),
        )
        .unwrap();
        let mut outer = Vec::new();
        outer.extend(V2_COMPRESSED_COOKIE.to_be_bytes());
        outer.extend((deflated.len() as u32).to_be_bytes());
        outer.extend(&deflated);
        let error = decode(&base64(&outer)).unwrap_err();
        assert!(error.to_string().contains("payload"), "{error}");

        // Compressed, with an outer length larger than the data.
        outer[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        let error = decode(&base64(&outer)).unwrap_err();
        assert!(error.to_string().contains("compressed bytes"), "{error}");

        // A zip bomb: 64 MiB of zeros behind a valid header inflates past the bound.
        let mut deflated = Vec::new();
        {
            let mut encoder =
                flate2::write::ZlibEncoder::new(&mut deflated, flate2::Compression::best());
            std::io::Write::write_all(&mut encoder, &v2_header(64 << 20, &[])).unwrap();
            for _ in 0..64 {
                std::io::Write::write_all(&mut encoder, &[0u8; 1 << 20]).unwrap();
            }
        }
        let mut outer = Vec::new();
        outer.extend(V2_COMPRESSED_COOKIE.to_be_bytes());
        outer.extend((deflated.len() as u32).to_be_bytes());
        outer.extend(&deflated);
        let error = decode(&base64(&outer)).unwrap_err();
        assert!(
            error.to_string().contains("inflates to more than"),
            "{error}"
        );

        // What the encoder writes still decodes, compressed and not.
        let mut histogram = new_histogram();
        histogram.record(1234).unwrap();
        let decoded = decode(&encode(&histogram)).unwrap();
        assert_eq!(decoded.len(), 1);
        let mut plain = Vec::new();
        hdrhistogram::serialization::V2Serializer::new()
            .serialize(&histogram, &mut plain)
            .unwrap();
        assert_eq!(decode(&base64(&plain)).unwrap().max(), histogram.max());
    }
}
