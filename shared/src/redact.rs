//! Keeping secrets out of output (sentinel-events(7), RULES 7): a [`Secret`] type that never prints
//! its value, and URL masking for webhook URLs whose path and query are the credential.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A value that must never reach stdout, stderr, events or files: webhook URLs and tokens.
/// `Debug` and `Display` print `***`; [`Secret::expose`] is the one way to the value.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A webhook URL as it may be shown: scheme and host (with port) kept, everything after
/// masked, because Teams, Slack and Discord put the credential in the path and the query.
/// `https://prod-12.westus.logic.azure.com:443/workflows/…?sig=…` → `https://prod-12.westus.logic.azure.com:443/***`
pub fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".to_owned();
    };
    let (host, masked) = host_of(rest);
    let scheme_ok = !scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_alphanumeric());
    if !scheme_ok {
        return "***".to_owned();
    }
    if masked {
        format!("{scheme}://{host}/***")
    } else {
        format!("{scheme}://{host}")
    }
}

/// The host (with port) that starts `rest` (a URL after `scheme://`), and whether anything
/// follows it. The host ends at the first character a host or port cannot hold, so a
/// malformed URL (`h:1\services\T\B\SECRET`, `host%2Fworkflows%2F…sig%3D…`) shows no more
/// than a well-formed one; user info (`user:password@`) is dropped.
fn host_of(rest: &str) -> (&str, bool) {
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let (host, had_user) = match authority.rsplit_once('@') {
        Some((_, host)) => (host, true),
        None => (authority, false),
    };
    let host_chars =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    let end = host.find(|c: char| !host_chars(c)).unwrap_or(host.len());
    let clean = &host[..end];
    let masked = had_user || end < host.len() || authority_end < rest.len();
    (clean, masked)
}

/// `text` (an answer a server sent back, an error message) with every secret part of `url`
/// replaced by `***`: the whole URL, its path and its path segments and query values that
/// look like tokens, each also in its percent-encoded form. Servers echo what they were
/// sent ("Cannot POST /services/T000/B000/XXXX"), so nothing that came back is shown until
/// it went through here.
pub fn scrub(text: &str, url: &str) -> String {
    let mut secrets: Vec<String> = Vec::new();
    // Each part as written, fully percent-encoded (a server echoing a path), decoded (a
    // server echoing a query value it decoded: `sig=Ab%2Bc` shown as `Ab+c`), and decoded as
    // a form is (`+` read as a space).
    let mut add = |part: &str| {
        if part.len() >= 4 {
            let decoded = percent_decode(part);
            let form_decoded = percent_decode(&part.replace('+', " "));
            for form in [
                part.to_owned(),
                percent_encode_all(part),
                decoded,
                form_decoded,
            ] {
                if form.len() >= 4 && !secrets.contains(&form) {
                    secrets.push(form);
                }
            }
        }
    };
    add(url);
    if let Some((_, rest)) = url.split_once("://") {
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        if let Some((user, _)) = authority.rsplit_once('@') {
            add(user);
            for piece in user.split(':') {
                add(piece);
            }
        }
        add(tail);
        let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
        add(path);
        for segment in path.split(['/', '\\']) {
            // Words such as "services" or "webhooks" are no secret; tokens are long or mixed.
            if segment.len() >= 8 || segment.bytes().any(|b| b.is_ascii_digit()) {
                add(segment);
            }
        }
        for pair in query.split('&') {
            if let Some((_, value)) = pair.split_once('=') {
                add(value);
            }
        }
    }
    // Longest first, so a whole URL is masked before its parts.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut scrubbed = text.to_owned();
    for secret in &secrets {
        if scrubbed.contains(secret.as_str()) {
            scrubbed = scrubbed.replace(secret.as_str(), "***");
        }
    }
    scrubbed
}

/// Every byte outside `[A-Za-z0-9-._~]` as `%XX` (what a server may echo of a path; what a
/// header or a query can carry of any value).
pub fn percent_encode_all(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `%XX` sequences decoded, anything else kept (what a server that decoded a query shows of
/// it; a value [`percent_encode_all`] encoded); bytes that are not UTF-8 become U+FFFD.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A URL for an endpoint under test: path kept (it says what is tested), user info and the
/// values of query parameters removed (they may carry keys or signatures).
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return mask_url(url);
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let (path, query) = match tail.split_once('?') {
        Some((path, query)) => (path, Some(query.split('#').next().unwrap_or_default())),
        None => (tail.split('#').next().unwrap_or_default(), None),
    };
    let mut shown = format!("{scheme}://{host}{path}");
    if let Some(query) = query {
        let masked: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) => format!("{name}=***"),
                None => pair.to_owned(),
            })
            .collect();
        shown.push('?');
        shown.push_str(&masked.join("&"));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_webhook_urls_show_no_more_than_their_host() {
        for (url, shown) in [
            ("http://h:1\\services\\T\\B\\SECRET", "http://h:1/***"),
            (
                "https://prod.logic.azure.com%2Fworkflows%2Fx%3Fsig%3DSECRET",
                "https://prod.logic.azure.com/***",
            ),
            ("https://user:SECRET@host/x", "https://host/***"),
            ("ht tp://SECRET", "***"),
        ] {
            assert_eq!(mask_url(url), shown, "{url}");
        }
    }

    #[test]
    fn what_a_server_echoes_of_the_url_is_scrubbed() {
        let url = "https://hooks.slack.com/services/T000/B000/XXXXSECRET";
        for echoed in [
            "Cannot POST /services/T000/B000/XXXXSECRET",
            "<a href=\"https://hooks.slack.com/services/T000/B000/XXXXSECRET\">",
            "no_service: XXXXSECRET",
            "GET %2Fservices%2FT000%2FB000%2FXXXXSECRET",
        ] {
            let scrubbed = scrub(echoed, url);
            assert!(!scrubbed.contains("SECRET"), "{echoed} → {scrubbed}");
        }
        let teams = "https://prod-12.westus.logic.azure.com:443/workflows/a1b2/triggers/manual/paths/invoke?api-version=2016-06-01&sig=S3CR3TS1G";
        let scrubbed = scrub("403: The sig S3CR3TS1G is invalid", teams);
        assert_eq!(scrubbed, "403: The sig *** is invalid");
        // A signature the server shows decoded, or decoded as a form would be.
        let encoded = "http://127.0.0.1:9/w/abc123?sig=Ab%2BcdEFgh%2FijkLMN%3D";
        for echoed in [
            "Cannot POST /w/abc123?sig=Ab+cdEFgh/ijkLMN=",
            "bad signature Ab+cdEFgh/ijkLMN=",
        ] {
            let scrubbed = scrub(echoed, encoded);
            assert!(!scrubbed.contains("cdEFgh"), "{echoed} → {scrubbed}");
        }
        let with_plus = "http://127.0.0.1:9/w/abc123?sig=Ab+cdEFgh";
        assert_eq!(
            scrub("bad signature Ab cdEFgh", with_plus),
            "bad signature ***"
        );
        assert_eq!(
            scrub("HTTP 503: Service Unavailable", teams),
            "HTTP 503: Service Unavailable"
        );
    }

    #[test]
    fn webhook_urls_keep_only_scheme_and_host() {
        assert_eq!(
            mask_url(
                "https://prod-12.westus.logic.azure.com:443/workflows/a1b2/triggers/manual/paths/invoke?api-version=2016-06-01&sig=S3CR3T"
            ),
            "https://prod-12.westus.logic.azure.com:443/***"
        );
        assert_eq!(
            mask_url("https://hooks.slack.com/services/T000/B000/XXXXXXXX"),
            "https://hooks.slack.com/***"
        );
        assert_eq!(
            mask_url("https://user:pw@example.com"),
            "https://example.com/***"
        );
        assert_eq!(mask_url("http://127.0.0.1:9000"), "http://127.0.0.1:9000");
        assert_eq!(mask_url("not a url"), "***");
    }

    #[test]
    fn endpoint_urls_keep_the_path_and_lose_query_values_and_credentials() {
        assert_eq!(
            redact_url("https://bob:pw@api.example.com/v1/orders?code=abc&x=1#frag"),
            "https://api.example.com/v1/orders?code=***&x=***"
        );
        assert_eq!(
            redact_url("http://127.0.0.1:8080/healthz"),
            "http://127.0.0.1:8080/healthz"
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let secret = Secret::new("xoxb-123");
        assert_eq!(format!("{secret} {secret:?}"), "*** Secret(***)");
        assert_eq!(secret.expose(), "xoxb-123");
        assert_eq!(
            serde_json::to_string(&secret).unwrap(),
            "\"xoxb-123\"",
            "serializes for the sender only"
        );
    }
}
