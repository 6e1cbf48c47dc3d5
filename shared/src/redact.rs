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
/// replaced by `***`: the whole URL, its path, its path segments and query values that look
/// like tokens, and its fragment; each as written, percent-encoded, percent-decoded and
/// form-decoded, matched without regard to ASCII case in `text` whose JSON and HTML escapes
/// of `/`, `+` and `=` are read back first (and shown so). Servers echo what they were sent ("Cannot POST
/// /services/T000/B000/XXXX"), in whatever form their framework prints, so nothing that came
/// back is shown until it went through here. (Not covered: a secret echoed cut into pieces
/// shorter than a path segment, reversed, or re-encoded some other way.)
pub fn scrub(text: &str, url: &str) -> String {
    let mut parts: Vec<String> = vec![url.to_owned()];
    if let Some((_, rest)) = url.split_once("://") {
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        if let Some((user, _)) = authority.rsplit_once('@') {
            parts.push(user.to_owned());
            parts.extend(user.split(':').map(str::to_owned));
        }
        parts.push(tail.to_owned());
        // The raw tail and the decoded one: a segment `abc%2FTOKEN` decodes to two.
        for tail in [tail.to_owned(), percent_decode(tail)] {
            let (before_fragment, fragment) = tail.split_once('#').unwrap_or((&tail, ""));
            parts.push(fragment.to_owned());
            let (path, query) = before_fragment
                .split_once('?')
                .unwrap_or((before_fragment, ""));
            parts.push(path.to_owned());
            for segment in path.split(['/', '\\', ';', '=', ',']) {
                let segment = segment.trim();
                // Words such as "services" or "webhooks" are no secret; tokens are long or mixed.
                if segment.len() >= 8 || segment.bytes().any(|b| b.is_ascii_digit()) {
                    parts.push(segment.to_owned());
                }
            }
            for pair in query.split(['&', ';']) {
                // `?token` alone is a secret too.
                let value = pair.split_once('=').map_or(pair, |(_, value)| value);
                parts.push(value.trim().to_owned());
            }
        }
    }
    let mut secrets: Vec<String> = Vec::new();
    for part in parts.iter().filter(|p| p.len() >= 4) {
        for form in secret_forms(part) {
            if form.len() >= 4 && !secrets.contains(&form) {
                secrets.push(form);
            }
        }
    }
    // Longest first, so a whole URL is masked before its parts.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut scrubbed = unescape_url_characters(text);
    for secret in &secrets {
        scrubbed = replace_ignoring_ascii_case(&scrubbed, secret, "***");
    }
    scrubbed
}

/// The forms a server may echo `part` in: as written, fully percent-encoded (a path it
/// echoes), decoded (`sig=Ab%2Bc` shown as `Ab+c`), and decoded as a form (`+` as a space).
fn secret_forms(part: &str) -> Vec<String> {
    vec![
        part.to_owned(),
        percent_encode_all(part),
        percent_decode(part),
        percent_decode(&part.replace('+', " ")),
    ]
}

/// The escapes of `/`, `+` and `=` that JSON and HTML writers use (`\/`, `\u002F`,
/// `&#x2F;`, `&#47;` ...), turned back into the characters, so a secret holding them is
/// found however the server wrote it.
fn unescape_url_characters(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'outer: while let Some(at) = rest.find(['\\', '&']) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        for (character, escapes) in [
            ('/', &["\\/", "\\u002f", "&#x2f;", "&#47;", "&sol;"][..]),
            ('+', &["\\u002b", "&#x2b;", "&#43;", "&plus;"]),
            ('=', &["\\u003d", "&#x3d;", "&#61;", "&equals;"]),
        ] {
            for escape in escapes {
                if rest
                    .get(..escape.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(escape))
                {
                    out.push(character);
                    rest = &rest[escape.len()..];
                    continue 'outer;
                }
            }
        }
        out.push_str(&rest[..1]);
        rest = &rest[1..];
    }
    out.push_str(rest);
    out
}

/// `text` with every occurrence of `needle` (ASCII case ignored) replaced by `with`.
fn replace_ignoring_ascii_case(text: &str, needle: &str, with: &str) -> String {
    if needle.is_empty() {
        return text.to_owned();
    }
    // Lower-casing ASCII keeps every byte where it was, so offsets found in the lowered
    // text are offsets in `text`, and always on character boundaries.
    let lowered = text.to_ascii_lowercase();
    let needle = needle.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    while let Some(found) = lowered[from..].find(&needle) {
        let at = from + found;
        out.push_str(&text[from..at]);
        out.push_str(with);
        from = at + needle.len();
    }
    out.push_str(&text[from..]);
    out
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
        // Echoed in other cases, escaped as JSON or HTML, cut differently, or in URL parts
        // that are no path segment nor query value.
        let slack = "https://hooks.slack.com/services/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";
        for echoed in [
            "Cannot POST /services/t0a1b2c3d/b0e4f5g6h/xoxq7vr2mk9pl4wn8st3yb6c",
            "CANNOT POST /SERVICES/T0A1B2C3D/B0E4F5G6H/XOXQ7VR2MK9PL4WN8ST3YB6C",
            "{\"path\":\"\\/services\\/T0A1B2C3D\\/B0E4F5G6H\\/xoxQ7vR2mK9pL4wN8sT3yB6c\"}",
        ] {
            let scrubbed = scrub(echoed, slack);
            assert!(
                !scrubbed
                    .to_ascii_lowercase()
                    .contains("xoxq7vr2mk9pl4wn8st3yb6c"),
                "{echoed} → {scrubbed}"
            );
        }
        let signed = "http://127.0.0.1:9/w?a=1&sig=Ab%2Bcd%2FEFghIJ%3D";
        for echoed in [
            "sig Ab+cd\\/EFghIJ= bad",
            "sig Ab&#43;cd&#x2F;EFghIJ&#x3D; bad",
        ] {
            let scrubbed = scrub(echoed, signed);
            assert!(!scrubbed.contains("EFghIJ"), "{echoed} → {scrubbed}");
        }
        for (url, token) in [
            (
                "http://127.0.0.1:9/w?sig=Xq3Zr8kLmN0pQ2sT4uV6#x",
                "Xq3Zr8kLmN0pQ2sT4uV6",
            ),
            (
                "http://127.0.0.1:9/w?sv=1.0;sig=Xq3Zr8kLmN0pQ2sT4uV6",
                "Xq3Zr8kLmN0pQ2sT4uV6",
            ),
            ("http://127.0.0.1:9/h?hooktokenvalue", "hooktokenvalue"),
            ("http://127.0.0.1:9/h;key=T0KENVALUE", "T0KENVALUE"),
            ("http://127.0.0.1:9/h/abc%2FT0KENVALUE", "T0KENVALUE"),
            ("http://127.0.0.1:9/h/T0KENVALUE%20", "T0KENVALUE"),
        ] {
            let scrubbed = scrub(&format!("the token {token} is invalid"), url);
            assert!(
                scrubbed.starts_with("the token ***") && !scrubbed.contains(token),
                "{url}: {scrubbed}"
            );
        }
        // Non-ASCII text around a secret stays whole.
        assert_eq!(
            scrub("ü T0KENVALUE ü", "http://127.0.0.1:9/h/T0KENVALUE"),
            "ü *** ü"
        );
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
