//! Reading and writing newline-delimited JSON events.
//!
//! The reader keeps each line's original text, so a tool passes it on byte for byte, and its
//! line number, so a bad line is reported where it is. The writer flushes after every line:
//! a downstream tool must see an event the moment it is written, never at exit.

use crate::error::{Error, Result};
use crate::events::Event;
use crate::output::excerpt;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::io::{BufRead, Write};

/// The longest line accepted; a larger one is reported as invalid instead of filling memory.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// How many characters of a bad line an error message shows.
const EXCERPT_CHARS: usize = 60;

/// One valid input line: a JSON object.
#[derive(Debug, Clone)]
pub struct Line {
    /// 1-based line number in the input.
    pub number: u64,
    /// The line exactly as read, without its line terminator.
    pub text: String,
    /// The parsed object.
    pub object: Map<String, Value>,
}

impl Line {
    /// The event kind, when the object has one.
    pub fn kind(&self) -> Option<&str> {
        self.object.get("kind").and_then(Value::as_str)
    }

    /// The `rolloutId`, when the event belongs to a rollout.
    pub fn rollout_id(&self) -> Option<&str> {
        self.object.get("rolloutId").and_then(Value::as_str)
    }

    /// The strings of an array field (`regions`, `endpoints`); none when it is absent or not
    /// an array, and its other items left out.
    pub fn strings(&self, field: &str) -> Vec<String> {
        self.object
            .get(field)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The typed event, for kinds this version knows.
    pub fn event(&self) -> Option<Event> {
        Event::from_json(&self.object)
    }
}

/// A line that is not a JSON object.
#[derive(Debug, Clone, PartialEq)]
pub struct InvalidLine {
    pub number: u64,
    pub excerpt: String,
    pub reason: String,
}

impl InvalidLine {
    /// As an error naming where the input came from (`standard input`, a file path).
    pub fn into_error(self, origin: &str) -> Error {
        Error::InvalidInput {
            origin: origin.to_owned(),
            line: self.number,
            excerpt: self.excerpt,
            reason: self.reason,
        }
    }
}

/// What the reader yields for each non-blank line.
#[derive(Debug)]
pub enum Item {
    Valid(Line),
    Invalid(InvalidLine),
}

/// An iterator over the lines of an NDJSON input. Blank lines are skipped but counted.
#[derive(Debug)]
pub struct Reader<R> {
    input: R,
    number: u64,
    buffer: Vec<u8>,
}

impl<R: BufRead> Reader<R> {
    pub fn new(input: R) -> Self {
        Reader {
            input,
            number: 0,
            buffer: Vec::with_capacity(1024),
        }
    }

    /// The next non-blank line, `Ok(None)` at end of input.
    pub fn next_item(&mut self) -> std::io::Result<Option<Item>> {
        loop {
            self.buffer.clear();
            let read = std::io::Read::take(&mut self.input, MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut self.buffer)?;
            if read == 0 {
                return Ok(None);
            }
            self.number += 1;
            if self.buffer.len() > MAX_LINE_BYTES {
                // Skip the rest of the oversized line so the next item starts on a line
                // boundary, discarding it as it streams: memory stays at one cap however
                // long the line (or a stream without newlines) is.
                skip_line(&mut self.input)?;
                let excerpt_bytes = self.buffer[..EXCERPT_CHARS * 4].to_vec();
                self.buffer = Vec::with_capacity(1024);
                return Ok(Some(Item::Invalid(InvalidLine {
                    number: self.number,
                    excerpt: excerpt(&String::from_utf8_lossy(&excerpt_bytes), EXCERPT_CHARS),
                    reason: format!("line is longer than {} MiB", MAX_LINE_BYTES / (1024 * 1024)),
                })));
            }
            let mut bytes: &[u8] = &self.buffer;
            if let Some(stripped) = bytes.strip_suffix(b"\n") {
                bytes = stripped;
            }
            if let Some(stripped) = bytes.strip_suffix(b"\r") {
                bytes = stripped;
            }
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(Some(parse_line(self.number, bytes)));
        }
    }
}

impl<R: std::io::Read> Reader<std::io::BufReader<R>> {
    /// The next line (waiting for it), then every further complete line that is already
    /// buffered, up to `max` in all. Lets a writer commit a burst in one group without ever
    /// waiting for input that has not arrived. Empty at end of input.
    pub fn next_batch(&mut self, max: usize) -> std::io::Result<Vec<Item>> {
        let mut batch = Vec::new();
        if let Some(first) = self.next_item()? {
            batch.push(first);
        }
        while !batch.is_empty() && batch.len() < max && self.input.buffer().contains(&b'\n') {
            match self.next_item()? {
                Some(item) => batch.push(item),
                None => break,
            }
        }
        Ok(batch)
    }
}

/// Consume input up to and including the next `\n` (or the end), keeping none of it.
fn skip_line(input: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(());
        }
        match chunk.iter().position(|&b| b == b'\n') {
            Some(end) => {
                input.consume(end + 1);
                return Ok(());
            }
            None => {
                let len = chunk.len();
                input.consume(len);
            }
        }
    }
}

fn parse_line(number: u64, bytes: &[u8]) -> Item {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            return Item::Invalid(InvalidLine {
                number,
                excerpt: excerpt(&String::from_utf8_lossy(bytes), EXCERPT_CHARS),
                reason: format!("not UTF-8 (invalid byte at offset {})", e.valid_up_to()),
            });
        }
    };
    let invalid = |reason: String| {
        Item::Invalid(InvalidLine {
            number,
            excerpt: excerpt(text, EXCERPT_CHARS),
            reason,
        })
    };
    // A repeated key is fine for kinds we do not know (passed on untouched), an error for
    // ours (which value would we believe?).
    let KeyedObject {
        object,
        repeated,
        kind_repeated,
    } = match serde_json::from_str::<KeyedObject>(text) {
        Ok(keyed) => keyed,
        Err(_) => match serde_json::from_str::<Value>(text) {
            Ok(other) => {
                return invalid(format!(
                    "expected a JSON object, found {}",
                    json_type(&other)
                ));
            }
            Err(e) => return invalid(format!("not JSON ({e})")),
        },
    };
    // A repeated "kind" is an error whatever its values: readers differ on which one wins
    // (this one keeps the last), so one could take the line for one of ours and another
    // for something else.
    if kind_repeated {
        return invalid(
            "a repeated key \"kind\": an event has one kind (readers differ on which of the two wins)"
                .into(),
        );
    }
    let known = object
        .get("kind")
        .and_then(Value::as_str)
        .filter(|kind| crate::events::KINDS.iter().any(|spec| spec.kind == *kind))
        .map(str::to_owned);
    if let Some(kind) = known {
        if let Some(repeated) = repeated {
            return invalid(format!("{kind} event with a repeated key {repeated:?}"));
        }
        let value = Value::Object(object);
        if let Err(e) = crate::events::Payload::deserialize(&value) {
            return invalid(format!("{kind} event with an invalid field: {e}"));
        }
        let Value::Object(object) = value else {
            unreachable!("built from an object just above")
        };
        return Item::Valid(Line {
            number,
            text: text.to_owned(),
            object,
        });
    }
    Item::Valid(Line {
        number,
        text: text.to_owned(),
        object,
    })
}

/// A JSON object, read as serde_json reads one (the last of a repeated key wins), with the
/// first key that was repeated, which serde_json would keep without a word.
struct KeyedObject {
    object: Map<String, Value>,
    repeated: Option<String>,
    /// Whether "kind" was among the repeated keys (whichever came first).
    kind_repeated: bool,
}

impl<'de> Deserialize<'de> for KeyedObject {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = KeyedObject;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut access: A,
            ) -> std::result::Result<KeyedObject, A::Error> {
                let mut object = Map::new();
                let mut repeated = None;
                let mut kind_repeated = false;
                while let Some(key) = access.next_key::<String>()? {
                    let value: Value = access.next_value()?;
                    if let Some(old) = object.get_mut(&key) {
                        kind_repeated |= key == "kind";
                        repeated.get_or_insert_with(|| key.clone());
                        *old = value;
                    } else {
                        object.insert(key, value);
                    }
                }
                Ok(KeyedObject {
                    object,
                    repeated,
                    kind_repeated,
                })
            }
        }
        deserializer.deserialize_map(Keys)
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Writes NDJSON lines and flushes after each one. A closed reader becomes [`Error::BrokenPipe`].
#[derive(Debug)]
pub struct Writer<W: Write> {
    output: W,
    lines_written: u64,
}

impl<W: Write> Writer<W> {
    pub fn new(output: W) -> Self {
        Writer {
            output,
            lines_written: 0,
        }
    }

    /// Write one line of text (an input line being passed through) and flush.
    pub fn write_line(&mut self, text: &str) -> Result<()> {
        // One write per line: another thread writing events to the same stdout (a logger with
        // --events-log) can then never land in the middle of it.
        let mut line = Vec::with_capacity(text.len() + 1);
        line.extend_from_slice(text.as_bytes());
        line.push(b'\n');
        self.output.write_all(&line)?;
        self.output.flush()?;
        self.lines_written += 1;
        Ok(())
    }

    /// Write one event and flush.
    pub fn emit(&mut self, event: &Event) -> Result<()> {
        self.write_line(&event.to_line())
    }

    /// Lines written so far.
    pub fn lines_written(&self) -> u64 {
        self.lines_written
    }

    /// The underlying output (tests read what was written).
    pub fn into_inner(self) -> W {
        self.output
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(input: &str) -> Vec<Item> {
        let mut reader = Reader::new(input.as_bytes());
        let mut out = Vec::new();
        while let Some(item) = reader.next_item().unwrap() {
            out.push(item);
        }
        out
    }

    #[test]
    fn a_number_in_a_line_reads_as_exactly_the_value_its_text_names() {
        // Values taken from the failures seen without serde_json's float_roundtrip.
        for text in [
            "2.2718000000000002e-05",
            "0.30000000000000004",
            "1.7976931348623157e308",
        ] {
            let line = format!(r#"{{"kind":"my.own","x":{text}}}"#);
            let found = items(&line);
            let Item::Valid(line) = &found[0] else {
                panic!("{text}: not valid")
            };
            assert_eq!(
                line.object["x"].as_f64(),
                Some(text.parse::<f64>().unwrap()),
                "{text}"
            );
        }
    }

    #[test]
    fn a_known_kind_with_a_repeated_key_or_a_bad_field_is_invalid_with_its_line() {
        let found = items(concat!(
            r#"{"v":1,"kind":"stage.started","ts":"t","source":"s","stage":"A","stage":"B","index":0,"regions":[]}"#,
            "\n",
            r#"{"v":1,"kind":"stage.started","ts":"t","source":"s","stage":"A","index":-1,"regions":[]}"#,
            "\n",
            r#"{"kind":"my.own","x":1,"x":2}"#,
            "\n",
            r#"{"v":1,"kind":"rollout.completed","kind":"my.own","ts":"t","source":"s"}"#,
            "\n",
            r#"{"kind":"my.own","kind":"my.other"}"#,
            "\n",
            r#"{"v":1,"source":"a","source":"b","kind":"rollout.completed","kind":"my.own"}"#,
            "\n",
        ));
        let reasons: Vec<String> = found
            .iter()
            .map(|item| match item {
                Item::Invalid(bad) => format!("{}: {}", bad.number, bad.reason),
                Item::Valid(line) => format!("{}: valid {}", line.number, line.text),
            })
            .collect();
        assert!(
            reasons[0].starts_with("1: stage.started event with a repeated key \"stage\""),
            "{reasons:?}"
        );
        assert!(
            reasons[1].starts_with("2: stage.started event with an invalid field"),
            "{reasons:?}"
        );
        assert!(reasons[1].contains("-1"), "{reasons:?}");
        assert!(
            reasons[2].starts_with("3: valid"),
            "unknown kinds pass untouched: {reasons:?}"
        );
        for line in [3, 4, 5] {
            assert!(
                reasons[line].starts_with(&format!("{}: a repeated key \"kind\"", line + 1)),
                "{reasons:?}"
            );
        }
        // What serde_json would have read: the last value.
        let Item::Valid(line) = &found[2] else {
            panic!("{reasons:?}")
        };
        assert_eq!(line.object["x"], 2);
    }

    #[test]
    fn reports_a_malformed_line_with_its_number_and_an_excerpt() {
        let found = items("{\"kind\":\"log\"}\n\nnot json at all\n[1,2]\n");
        assert_eq!(found.len(), 3, "the blank line is skipped");
        let Item::Invalid(bad) = &found[1] else {
            panic!("line 3 is invalid")
        };
        assert_eq!(bad.number, 3, "blank lines still count");
        assert_eq!(bad.excerpt, "not json at all");
        assert!(bad.reason.starts_with("not JSON"), "{}", bad.reason);
        let Item::Invalid(array) = &found[2] else {
            panic!("line 4 is invalid")
        };
        assert_eq!(array.reason, "expected a JSON object, found an array");
    }

    #[test]
    fn keeps_the_original_text_for_pass_through() {
        let original = r#"{ "kind" : "x.y",   "b":1 }"#;
        let found = items(&format!("{original}\r\n"));
        let Item::Valid(line) = &found[0] else {
            panic!("valid")
        };
        assert_eq!(line.text, original, "spacing is kept and CR is dropped");
        assert_eq!(line.kind(), Some("x.y"));
    }

    #[test]
    fn long_excerpts_are_cut_on_a_character_boundary() {
        let long = "é".repeat(200);
        let found = items(&long);
        let Item::Invalid(bad) = &found[0] else {
            panic!("invalid")
        };
        assert_eq!(bad.excerpt.chars().count(), EXCERPT_CHARS + 1);
        assert!(bad.excerpt.ends_with('…'));
    }

    #[test]
    fn invalid_utf8_is_reported_not_fatal() {
        let mut reader = Reader::new(&b"\xff\xfe\n{}\n"[..]);
        assert!(matches!(
            reader.next_item().unwrap(),
            Some(Item::Invalid(_))
        ));
        assert!(matches!(reader.next_item().unwrap(), Some(Item::Valid(_))));
    }

    #[test]
    fn batches_take_only_what_is_already_buffered() {
        let input = "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n";
        let mut reader = Reader::new(std::io::BufReader::new(input.as_bytes()));
        assert_eq!(reader.next_batch(2).unwrap().len(), 2, "bounded by max");
        assert_eq!(reader.next_batch(10).unwrap().len(), 1);
        assert!(reader.next_batch(10).unwrap().is_empty(), "end of input");
    }

    #[test]
    fn writer_turns_a_closed_pipe_into_broken_pipe() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut writer = Writer::new(Closed);
        assert!(matches!(writer.write_line("{}"), Err(Error::BrokenPipe)));
    }
}
