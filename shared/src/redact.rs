//! Keeping secrets out of output (DESIGN.md §2 rule 6): a [`Secret`] type that never prints
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
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    // user:password@host keeps only the host.
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if authority_end == rest.len() && host.len() == authority.len() {
        format!("{scheme}://{host}")
    } else {
        format!("{scheme}://{host}/***")
    }
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
