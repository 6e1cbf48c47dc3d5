//! What to send: targets parsed once into a socket address and a request serialized once, so
//! the engine's hot loop only copies bytes.

use crate::tls::{self, TlsOptions, TlsTarget};
use sentinel_core::redact::redact_url;
use sentinel_core::{Error, Result};
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::{Arc, OnceLock};

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
    /// For https targets: how to make the TLS session.
    pub tls: Option<TlsTarget>,
    /// Which result this target's requests count toward (one per endpoint reported).
    pub slot: usize,
}

/// How every request is built.
#[derive(Debug, Clone, Default)]
pub struct RequestSpec {
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub keepalive: bool,
    pub tls: TlsOptions,
    /// Built on the first https target and shared by all (one session cache).
    tls_config: OnceLock<Arc<rustls::ClientConfig>>,
}

impl RequestSpec {
    pub fn new(
        headers: Vec<(String, String)>,
        body: Option<Vec<u8>>,
        keepalive: bool,
        tls: TlsOptions,
    ) -> RequestSpec {
        RequestSpec {
            headers,
            body,
            keepalive,
            tls,
            tls_config: OnceLock::new(),
        }
    }

    fn tls_config(&self) -> Result<Arc<rustls::ClientConfig>> {
        if let Some(config) = self.tls_config.get() {
            return Ok(Arc::clone(config));
        }
        let config = tls::client_config(&self.tls)?;
        Ok(Arc::clone(self.tls_config.get_or_init(|| config)))
    }
}

/// Parse `http[s]://host:port/path?query` into a target.
pub fn parse(method: &str, url: &str, spec: &RequestSpec) -> Result<Target> {
    let (rest, https) = if let Some(rest) = url.strip_prefix("http://") {
        (rest, false)
    } else if let Some(rest) = url.strip_prefix("https://") {
        (rest, true)
    } else {
        // Without "://" there can be no credentials in it: show it as typed.
        let shown = if url.contains("://") {
            redact_url(url)
        } else {
            url.to_owned()
        };
        return Err(Error::usage_with_hint(
            format!("{shown:?} is not an http:// or https:// URL"),
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
        format!("{host_port}:{}", if https { 443 } else { 80 })
    };
    let tls = if https {
        let host = with_port
            .rsplit_once(':')
            .map_or(with_port.as_str(), |(host, _)| host);
        Some(TlsTarget {
            config: spec.tls_config()?,
            server_name: tls::server_name(host)?,
        })
    } else {
        None
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
        tls,
        slot: 0,
    })
}

/// Parse a header flag `Name: value`. Errors never repeat the value (it is often a token):
/// they show the name, or only the first characters when there is no colon.
pub fn parse_header(text: &str) -> Result<(String, String)> {
    let Some((name, value)) = text.split_once(':') else {
        let start: String = text
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        return Err(Error::usage_with_hint(
            format!(
                "--header starting {start:?} has no ':' (its value is not shown, it may be a secret)"
            ),
            "write headers as 'Name: value', e.g. -H 'Authorization: Bearer …'",
        ));
    };
    let name = name.trim();
    let is_token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(is_token) {
        return Err(Error::usage(format!(
            "--header name {:?} is not a header name (letters, digits and !#$%&'*+-.^_`|~)",
            sentinel_core::output::excerpt(name, 40)
        )));
    }
    // A CR or LF in the value would end the header and start another (request injection).
    if value.contains(['\r', '\n', '\0']) {
        return Err(Error::usage(format!(
            "--header {name}: the value holds a line break or NUL, which would inject another header"
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
    fn headers_never_echo_their_value_and_never_inject_another() {
        let error = parse_header("Authorization Bearer S3CR3T").unwrap_err();
        assert!(!error.to_string().contains("S3CR3T"), "{error}");
        assert!(error.to_string().contains("Authorization"), "{error}");
        for bad in [
            "X-A: 1\r\nX-Injected: 2",
            "X-A: 1\nX-Injected: 2",
            "X A: 1",
            ": 1",
        ] {
            assert!(parse_header(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_header("X-Api-Key:  k1 ").unwrap(),
            ("X-Api-Key".to_owned(), "k1".to_owned())
        );
    }

    #[test]
    fn serializes_the_request_once_with_headers_and_body() {
        let spec = RequestSpec::new(
            vec![("Authorization".into(), "Bearer t".into())],
            Some(b"{}".to_vec()),
            true,
            TlsOptions::default(),
        );
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
    fn https_targets_default_to_443_and_verify_the_host_name() {
        let spec = RequestSpec::default();
        let secure = parse("GET", "https://localhost/health", &spec).unwrap();
        assert_eq!(secure.addr.port(), 443);
        let tls = secure.tls.expect("an https target has TLS");
        assert_eq!(tls.server_name.to_str(), "localhost");
        let other = parse("GET", "https://127.0.0.1:8443/", &spec).unwrap();
        assert_eq!(other.addr.port(), 8443);
        assert!(
            Arc::ptr_eq(&tls.config, &other.tls.unwrap().config),
            "one configuration (and session cache) for every https target"
        );
        assert!(
            parse("GET", "http://127.0.0.1:1/", &spec)
                .unwrap()
                .tls
                .is_none()
        );
    }

    #[test]
    fn refuses_what_it_cannot_send() {
        assert_eq!(
            parse("GET", "ftp://x/", &RequestSpec::default())
                .unwrap_err()
                .exit()
                .code(),
            2
        );
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
