//! Reading one HTTP/1.x response as it arrives. The head is kept until it is complete (parsed
//! by httparse); the body is only counted, never stored. A connection therefore holds the
//! head's few hundred bytes whatever the body's size, and each body byte is looked at once:
//! buffering whole bodies cost 3 MB per connection for a 3 MB file (152 MB at 50 connections)
//! and re-scanned chunked bodies from their start on every read.

/// Where a response stands after the bytes fed so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    More,
    Complete { status: u16, close: bool },
    Invalid,
}

/// One connection's response in progress; [`ResponseReader::reset`] before the next request.
#[derive(Debug, Default)]
pub struct ResponseReader {
    head: Vec<u8>,
    body: Option<Body>,
    status: u16,
    close: bool,
    received: bool,
    /// The request was HEAD: the response has no body, whatever its headers say.
    head_request: bool,
}

/// The largest response head (status line and headers) read; past it the response is
/// invalid. Real servers send a few hundred bytes; an endless header line is an attack.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// How a head parse ended.
enum Start {
    Partial,
    /// A 1xx interim response of this many bytes: skipped, the final one follows.
    Interim(usize),
    Done(Progress),
}

#[derive(Debug)]
enum Body {
    /// Content-Length: this many bytes still to come.
    Length(usize),
    Chunked(Chunked),
    /// No length and not chunked: the body ends when the server closes.
    UntilEof,
}

/// The framing of a chunked body, one state per place a byte can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunked {
    /// The hex size line; `extension` once a `;` started chunk extensions.
    Size {
        value: usize,
        digits: bool,
        extension: bool,
    },
    SizeLf(usize),
    Data(usize),
    DataCr,
    DataLf,
    /// After the last chunk: trailer lines until an empty one.
    LineStart,
    InLine,
    LineLf {
        empty: bool,
    },
}

impl ResponseReader {
    pub fn new() -> Self {
        ResponseReader {
            head: Vec::with_capacity(1024),
            ..ResponseReader::default()
        }
    }

    /// Ready for the next response (keeps the head buffer's capacity).
    pub fn reset(&mut self) {
        self.head.clear();
        self.body = None;
        self.received = false;
    }

    /// Ready for the response to a request with `method` (a HEAD response has no body).
    pub fn reset_for(&mut self, method: &str) {
        self.reset();
        self.head_request = method.eq_ignore_ascii_case("HEAD");
    }

    /// Whether any byte of the response has arrived (a keep-alive connection closed before a
    /// single byte was probably closed idle by the server, and is worth one retry).
    pub fn received(&self) -> bool {
        self.received
    }

    /// The server closed the connection: complete if the body runs until then.
    pub fn at_eof(&self) -> Progress {
        match self.body {
            Some(Body::UntilEof) => Progress::Complete {
                status: self.status,
                close: true,
            },
            _ => Progress::More,
        }
    }

    /// Take in the next bytes of the response.
    pub fn feed(&mut self, data: &[u8]) -> Progress {
        self.received |= !data.is_empty();
        if self.body.is_some() {
            return self.feed_body(data);
        }
        if self.head.is_empty() {
            // Usually the whole head comes in one read: parse it where it lies, uncopied.
            let mut rest = data;
            loop {
                match self.start(rest) {
                    Start::Done(progress) => return progress,
                    Start::Interim(used) => rest = &rest[used..],
                    Start::Partial => {
                        self.head.extend_from_slice(rest);
                        return self.too_long_or_more();
                    }
                }
                if rest.is_empty() {
                    return Progress::More;
                }
            }
        }
        self.head.extend_from_slice(data);
        // Lent out and given back, so that no allocation is made per response.
        let mut head = std::mem::take(&mut self.head);
        let mut offset = 0;
        let progress = loop {
            match self.start(&head[offset..]) {
                Start::Done(progress) => break Some(progress),
                Start::Interim(used) => offset += used,
                Start::Partial => break None,
            }
            if offset == head.len() {
                break None;
            }
        };
        head.drain(..offset);
        self.head = head;
        progress.unwrap_or_else(|| self.too_long_or_more())
    }

    /// An incomplete head past [`MAX_HEAD_BYTES`] is invalid; else more is awaited.
    fn too_long_or_more(&self) -> Progress {
        if self.head.len() > MAX_HEAD_BYTES {
            Progress::Invalid
        } else {
            Progress::More
        }
    }

    /// Parse the head at the start of `bytes` and take in the body bytes after it.
    fn start(&mut self, bytes: &[u8]) -> Start {
        let (length, framing) = match parse_head(bytes) {
            Head::Partial => return Start::Partial,
            Head::Invalid => return Start::Done(Progress::Invalid),
            // 100 Continue, 103 Early Hints…: interim, the final response follows (RFC 9110
            // §15.2). 101 Switching Protocols ends HTTP on this connection: final.
            Head::Complete { length, status, .. }
                if (100..200).contains(&status) && status != 101 =>
            {
                return Start::Interim(length);
            }
            Head::Complete {
                length,
                status,
                close,
                framing,
            } => {
                self.status = status;
                self.close = close;
                (length, framing)
            }
        };
        // A response to HEAD has no body, whatever Content-Length says (RFC 9112 §6.3).
        let framing = if self.head_request {
            Framing::None
        } else {
            framing
        };
        self.body = Some(match framing {
            Framing::None => return Start::Done(self.complete()),
            Framing::Length(n) => Body::Length(n),
            Framing::Chunked => Body::Chunked(Chunked::Size {
                value: 0,
                digits: false,
                extension: false,
            }),
            Framing::UntilEof => Body::UntilEof,
        });
        Start::Done(self.feed_body(&bytes[length..]))
    }

    fn complete(&self) -> Progress {
        Progress::Complete {
            status: self.status,
            close: self.close,
        }
    }

    fn feed_body(&mut self, data: &[u8]) -> Progress {
        match &mut self.body {
            Some(Body::Length(remaining)) => {
                *remaining = remaining.saturating_sub(data.len());
                if *remaining == 0 {
                    self.complete()
                } else {
                    Progress::More
                }
            }
            Some(Body::Chunked(state)) => match feed_chunked(state, data) {
                Some(true) => self.complete(),
                Some(false) => Progress::More,
                None => Progress::Invalid,
            },
            Some(Body::UntilEof) | None => Progress::More,
        }
    }
}

/// Advance a chunked body by `data`: `Some(true)` at its end, `None` when it is malformed.
fn feed_chunked(state: &mut Chunked, data: &[u8]) -> Option<bool> {
    let mut i = 0;
    while i < data.len() {
        let byte = data[i];
        i += 1;
        *state = match *state {
            Chunked::Size {
                value,
                digits,
                extension,
            } => match byte {
                b'\r' if digits => Chunked::SizeLf(value),
                b';' if digits => Chunked::Size {
                    value,
                    digits,
                    extension: true,
                },
                _ if extension => *state,
                b' ' | b'\t' => *state,
                _ => {
                    let digit = (byte as char).to_digit(16)? as usize;
                    Chunked::Size {
                        value: value.checked_mul(16)?.checked_add(digit)?,
                        digits: true,
                        extension,
                    }
                }
            },
            Chunked::SizeLf(0) if byte == b'\n' => Chunked::LineStart,
            Chunked::SizeLf(size) if byte == b'\n' => Chunked::Data(size),
            Chunked::Data(remaining) => {
                // Skip the chunk's data in one step; `byte` was its first.
                let skip = (remaining - 1).min(data.len() - i);
                i += skip;
                match remaining - 1 - skip {
                    0 => Chunked::DataCr,
                    left => Chunked::Data(left),
                }
            }
            Chunked::DataCr if byte == b'\r' => Chunked::DataLf,
            Chunked::DataLf if byte == b'\n' => Chunked::Size {
                value: 0,
                digits: false,
                extension: false,
            },
            Chunked::LineStart if byte == b'\r' => Chunked::LineLf { empty: true },
            Chunked::LineStart | Chunked::InLine if byte != b'\r' => Chunked::InLine,
            Chunked::InLine => Chunked::LineLf { empty: false },
            Chunked::LineLf { empty: true } if byte == b'\n' => return Some(true),
            Chunked::LineLf { empty: false } if byte == b'\n' => Chunked::LineStart,
            _ => return None,
        };
    }
    Some(false)
}

/// How the body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    None,
    Length(usize),
    Chunked,
    UntilEof,
}

enum Head {
    Partial,
    Invalid,
    Complete {
        length: usize,
        status: u16,
        close: bool,
        framing: Framing,
    },
}

/// Headers parsed on the stack; a response with more is parsed again with [`MAX_HEADERS`].
const USUAL_HEADERS: usize = 64;
/// The most headers a response may have (curl reads hundreds; 64 was too few).
pub const MAX_HEADERS: usize = 1024;

fn parse_head(buffer: &[u8]) -> Head {
    let mut headers = [httparse::EMPTY_HEADER; USUAL_HEADERS];
    match parse_head_with(buffer, &mut headers) {
        Err(httparse::Error::TooManyHeaders) => {
            let mut many = vec![httparse::EMPTY_HEADER; MAX_HEADERS];
            parse_head_with(buffer, &mut many).unwrap_or(Head::Invalid)
        }
        Err(_) => Head::Invalid,
        Ok(head) => head,
    }
}

fn parse_head_with<'b>(
    buffer: &'b [u8],
    headers: &mut [httparse::Header<'b>],
) -> Result<Head, httparse::Error> {
    let mut response = httparse::Response::new(headers);
    let length = match response.parse(buffer)? {
        httparse::Status::Complete(length) => length,
        httparse::Status::Partial => return Ok(Head::Partial),
    };
    let status = response.code.unwrap_or(0);
    let mut content_length = None;
    let mut chunked = false;
    let mut close = response.version == Some(0);
    for header in response.headers.iter() {
        let name = header.name;
        let has = |word: &[u8]| {
            header
                .value
                .windows(word.len())
                .any(|w| w.eq_ignore_ascii_case(word))
        };
        if name.eq_ignore_ascii_case("content-length") {
            // Not a number, or two that differ: no framing can be trusted (RFC 9112 §6.3).
            let Some(value) = std::str::from_utf8(header.value)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
            else {
                return Ok(Head::Invalid);
            };
            if content_length.is_some_and(|earlier| earlier != value) {
                return Ok(Head::Invalid);
            }
            content_length = Some(value);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = has(b"chunked");
        } else if name.eq_ignore_ascii_case("connection") {
            close = has(b"close") || (close && !has(b"keep-alive"));
        }
    }
    let framing = if status == 204 || status == 304 || (100..200).contains(&status) {
        Framing::None
    } else if chunked {
        Framing::Chunked
    } else {
        match content_length {
            Some(0) => Framing::None,
            Some(n) => Framing::Length(n),
            None => Framing::UntilEof,
        }
    };
    Ok(Head::Complete {
        length,
        status,
        close,
        framing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(status: u16) -> Progress {
        Progress::Complete {
            status,
            close: false,
        }
    }

    #[test]
    fn a_response_to_head_has_no_body_whatever_its_headers_say() {
        for response in [
            &b"HTTP/1.1 200 OK\r\nContent-Length: 20000\r\n\r\n"[..],
            &b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"[..],
        ] {
            let mut reader = ResponseReader::new();
            reader.reset_for("HEAD");
            assert_eq!(reader.feed(response), complete(200));
            let mut get = ResponseReader::new();
            get.reset_for("GET");
            assert_eq!(
                get.feed(response),
                Progress::More,
                "a GET waits for the body"
            );
        }
    }

    #[test]
    fn interim_1xx_responses_are_skipped_and_the_final_one_counts_once() {
        assert_eq!(
            read(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
            complete(200)
        );
        assert_eq!(
            read(b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"),
            complete(204)
        );
        // Only the interim response so far: still waiting.
        assert_eq!(read(b"HTTP/1.1 100 Continue\r\n\r\n"), Progress::More);
    }

    #[test]
    fn hundreds_of_headers_are_fine_an_endless_head_is_not() {
        let mut many = String::from("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n");
        for n in 0..300 {
            many.push_str(&format!("X-Header-{n}: value {n}\r\n"));
        }
        many.push_str("\r\n");
        assert_eq!(read(many.as_bytes()), complete(200));
        let mut endless = ResponseReader::new();
        let mut progress = endless.feed(b"HTTP/1.1 200 OK\r\nX-Endless: ");
        let chunk = vec![b'a'; 4096];
        for _ in 0..20 {
            progress = endless.feed(&chunk);
            if progress != Progress::More {
                break;
            }
        }
        assert_eq!(progress, Progress::Invalid, "past {MAX_HEAD_BYTES} bytes");
    }

    #[test]
    fn a_content_length_that_is_not_one_number_is_invalid_at_once() {
        for bad in [
            &b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n"[..],
            &b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello"[..],
            &b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"[..],
        ] {
            assert_eq!(
                read(bad),
                Progress::Invalid,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(
            read(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"),
            complete(200),
            "the same length twice is one length"
        );
    }

    /// Feed `response` whole, and again one byte at a time: both must end the same way, and
    /// byte-wise no response may complete early (garbage may be refused early).
    fn read(response: &[u8]) -> Progress {
        let mut whole = ResponseReader::new();
        let at_once = whole.feed(response);
        let mut bytewise = ResponseReader::new();
        let mut last = Progress::More;
        for (i, byte) in response.iter().enumerate() {
            last = bytewise.feed(std::slice::from_ref(byte));
            if last == Progress::Invalid {
                break;
            }
            if last != Progress::More {
                assert_eq!(i, response.len() - 1, "ended early at byte {i}: {last:?}");
            }
        }
        assert_eq!(at_once, last, "whole and byte-wise differ");
        at_once
    }

    #[test]
    fn lengths_chunks_and_close_delimited_bodies() {
        let ok = Progress::Complete {
            status: 200,
            close: false,
        };
        assert_eq!(read(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), ok);
        assert_eq!(
            read(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok"),
            Progress::More
        );
        assert_eq!(
            read(b"HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
            Progress::Complete {
                status: 500,
                close: false
            }
        );
        assert_eq!(
            read(b"HTTP/1.1 200 X\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n"),
            Progress::More
        );
        assert_eq!(
            read(b"HTTP/1.1 200 X\r\ntransfer-encoding: chunked\r\n\r\nA;name=v\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n"),
            ok,
            "extensions and trailers"
        );
        assert_eq!(
            read(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"),
            Progress::Complete {
                status: 204,
                close: true
            }
        );
        let mut eof = ResponseReader::new();
        assert_eq!(eof.feed(b"HTTP/1.0 200 OK\r\n\r\nbody"), Progress::More);
        assert_eq!(
            eof.at_eof(),
            Progress::Complete {
                status: 200,
                close: true
            }
        );
        assert_eq!(read(b"HTTP/1.1 2"), Progress::More);
        assert_eq!(read(b"garbage\r\n\r\n"), Progress::Invalid);
        assert_eq!(
            read(b"HTTP/1.1 200 X\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
            Progress::Invalid
        );
    }

    #[test]
    fn a_large_body_is_counted_not_kept() {
        let body = vec![b'x'; 3_000_000];
        let mut reader = ResponseReader::new();
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
        assert_eq!(reader.feed(head.as_bytes()), Progress::More);
        for piece in body.chunks(16 * 1024) {
            let progress = reader.feed(piece);
            assert!(reader.head.capacity() < 64 * 1024, "the body is not stored");
            if progress != Progress::More {
                assert_eq!(
                    progress,
                    Progress::Complete {
                        status: 200,
                        close: false
                    }
                );
            }
        }
        let mut chunked = ResponseReader::new();
        let mut text = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for _ in 0..100 {
            text.extend_from_slice(b"7530\r\n");
            text.extend_from_slice(&[b'y'; 0x7530]);
            text.extend_from_slice(b"\r\n");
        }
        text.extend_from_slice(b"0\r\n\r\n");
        let mut last = Progress::More;
        for piece in text.chunks(1000) {
            last = chunked.feed(piece);
        }
        assert_eq!(
            last,
            Progress::Complete {
                status: 200,
                close: false
            }
        );
        chunked.reset();
        assert!(!chunked.received());
    }
}
