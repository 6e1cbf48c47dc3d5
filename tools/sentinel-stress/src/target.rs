//! What to send: targets parsed once into a socket address and a request serialized once, so
//! the engine's hot loop only copies bytes.

use sentinel_core::redact::redact_url;
use sentinel_core::{Error, Result};
use std::net::{SocketAddr, ToSocketAddrs};

/// One endpoint and its ready-to-send request.
#[derive(Debug, Clone)]
pub struct Target {
    pub method: String,
    /// The URL as shown to people (query values and credentials removed).
    pub shown_url: String,
    /// The URL as given (used in results; the caller decides whether to redact).
    pub url: String,
    pub addr: SocketAddr,
    pub request: Vec<u8>,
}

/// How every request is built.
#[derive(Debug, Clone, Default)]
pub struct RequestSpec {
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub keepalive: bool,
}

/// Parse `http://host:port/path?query` into a target. HTTPS is refused with a clear message:
/// this engine speaks plain HTTP only for now.
pub fn parse(method: &str, url: &str, spec: &RequestSpec) -> Result<Target> {
    let rest = if let Some(rest) = url.strip_prefix("http://") {
        rest
    } else if url.starts_with("https://") {
        return Err(Error::usage_with_hint(
            format!(
                "{}: https targets are not supported by this build's load engine yet",
                redact_url(url)
            ),
            "test the plain-HTTP port behind the TLS terminator, or wait for TLS in the engine (issue 4)",
        ));
    } else {
        // Without "://" there can be no credentials in it: show it as typed.
        let shown = if url.contains("://") {
            redact_url(url)
        } else {
            url.to_owned()
        };
        return Err(Error::usage_with_hint(
            format!("{shown:?} is not an http:// URL"),
            "to merge result files, put merge first: sentinel-stress merge a.json b.json --output json",
        ));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let path = path.split('#').next().unwrap_or("/");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.is_empty() {
        return Err(Error::usage(format!("{:?} has no host", redact_url(url))));
    }
    let with_port = if host_port
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty())
        && !host_port.ends_with(']')
    {
        host_port.to_owned()
    } else {
        format!("{host_port}:80")
    };
    let addr = with_port
        .to_socket_addrs()
        .map_err(|e| {
            Error::usage(format!(
                "{}: cannot resolve {host_port}: {e}",
                redact_url(url)
            ))
        })?
        .next()
        .ok_or_else(|| {
            Error::usage(format!(
                "{}: {host_port} resolves to no address",
                redact_url(url)
            ))
        })?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host_port}\r\nUser-Agent: {}\r\n",
        sentinel_core::http::USER_AGENT
    );
    for (name, value) in &spec.headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !spec.keepalive {
        request.push_str("Connection: close\r\n");
    }
    let mut bytes = match &spec.body {
        Some(body) => {
            request.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
            let mut bytes = request.into_bytes();
            bytes.extend_from_slice(body);
            bytes
        }
        None => {
            request.push_str("\r\n");
            request.into_bytes()
        }
    };
    bytes.shrink_to_fit();
    Ok(Target {
        method: method.to_owned(),
        shown_url: redact_url(url),
        url: url.to_owned(),
        addr,
        request: bytes,
    })
}

/// Parse a header flag `Name: value`.
pub fn parse_header(text: &str) -> Result<(String, String)> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| Error::usage(format!("--header {text:?} must look like 'Name: value'")))?;
    let name = name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(Error::usage(format!(
            "--header {text:?}: {name:?} is not a header name"
        )));
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

/// Parse a targets file: one `METHOD URL` per line (vegeta style); `#` comments and blank
/// lines are skipped.
pub fn parse_targets_file(text: &str, spec: &RequestSpec) -> Result<Vec<Target>> {
    let mut targets = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (method, url) = line.split_once(char::is_whitespace).ok_or_else(|| {
            Error::usage(format!(
                "targets line {}: {line:?} must be 'METHOD URL'",
                number + 1
            ))
        })?;
        targets.push(parse(&method.to_ascii_uppercase(), url.trim(), spec)?);
    }
    if targets.is_empty() {
        return Err(Error::usage("the targets file has no 'METHOD URL' line"));
    }
    Ok(targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_the_request_once_with_headers_and_body() {
        let spec = RequestSpec {
            headers: vec![("Authorization".into(), "Bearer t".into())],
            body: Some(b"{}".to_vec()),
            keepalive: true,
        };
        let target = parse("POST", "http://127.0.0.1:8080/api/orders?key=secret", &spec).unwrap();
        let text = String::from_utf8(target.request.clone()).unwrap();
        assert!(
            text.starts_with("POST /api/orders?key=secret HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"),
            "{text}"
        );
        assert!(
            text.contains("Authorization: Bearer t\r\n")
                && text.ends_with("Content-Length: 2\r\n\r\n{}"),
            "{text}"
        );
        assert_eq!(target.shown_url, "http://127.0.0.1:8080/api/orders?key=***");
        assert_eq!(target.addr.port(), 8080);
        let plain = parse("GET", "http://127.0.0.1", &RequestSpec::default()).unwrap();
        assert_eq!(plain.addr.port(), 80);
        assert!(
            String::from_utf8(plain.request)
                .unwrap()
                .contains("Connection: close")
        );
    }

    #[test]
    fn refuses_what_it_cannot_send() {
        assert_eq!(
            parse("GET", "https://x/", &RequestSpec::default())
                .unwrap_err()
                .exit()
                .code(),
            2
        );
        assert!(parse("GET", "ftp://x/", &RequestSpec::default()).is_err());
        assert!(parse_header("NoColon").is_err());
        let targets = parse_targets_file(
            "# list\nGET http://127.0.0.1:1/a\n\npost http://127.0.0.1:1/b\n",
            &RequestSpec::default(),
        )
        .unwrap();
        assert_eq!(
            targets
                .iter()
                .map(|t| t.method.as_str())
                .collect::<Vec<_>>(),
            vec!["GET", "POST"]
        );
    }
}
