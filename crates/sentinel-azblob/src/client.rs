//! The Blob service REST API, spoken directly with the suite's HTTP client: requests signed
//! with Shared Key (HMAC-SHA256 of the canonical request, as Azure documents it) or carried
//! by a SAS token, retried when the service is unreachable or busy, and answers turned into
//! the suite's errors — with every credential scrubbed from what the service sends back.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sentinel_core::backend::AzBlobLocation;
use sentinel_core::clock::SystemClock;
use sentinel_core::http::{HttpTimeouts, agent_bounded, is_transient_status};
use sentinel_core::redact::{Secret, percent_decode, percent_encode_all as percent_encode};
use sentinel_core::retry::{Backoff, Failure, retry};
use sentinel_core::{Error, Result};
use std::time::{Duration, SystemTime};

/// The REST API version sent with every request (Azurite 3.37 and Azure both speak it).
pub const API_VERSION: &str = "2021-12-02";

/// The variables Azure's own tools read the credentials from.
pub const ACCOUNT_ENV: &str = "AZURE_STORAGE_ACCOUNT";
pub const KEY_ENV: &str = "AZURE_STORAGE_KEY";
pub const SAS_ENV: &str = "AZURE_STORAGE_SAS_TOKEN";
/// The blob service URL, for Azurite, sovereign clouds and private endpoints.
pub const ENDPOINT_ENV: &str = "SENTINEL_AZBLOB_ENDPOINT";

/// The largest body read back: a journal of a long rollout with its histograms.
const MAX_BODY: u64 = 512 * 1024 * 1024;

/// How requests prove who they are.
#[derive(Clone)]
enum Credential {
    /// The account key, decoded from base64.
    SharedKey(Vec<u8>),
    /// A SAS token's query string (without `?`).
    Sas(Secret),
}

/// A container of one storage account, and how to reach it.
#[derive(Clone)]
pub struct BlobClient {
    /// The blob service URL without a trailing `/`.
    endpoint: String,
    /// Its path (`/devstoreaccount1` for Azurite's path-style URLs, else empty): signed as
    /// part of the resource.
    endpoint_path: String,
    location: AzBlobLocation,
    credential: Credential,
    agent: ureq::Agent,
    backoff: Backoff,
    /// Everything that must never be shown: the key as given, the SAS token and its parts.
    secrets: Vec<String>,
}

impl std::fmt::Debug for BlobClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobClient")
            .field("endpoint", &self.endpoint)
            .field("location", &self.location.to_string())
            .field("credential", &"***")
            .finish()
    }
}

/// An answer of the service: statuses are data; the caller decides what each means.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// `x-ms-error-code`: what went wrong, in the service's words (BlobNotFound, …).
    pub code: Option<String>,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// A header's value (names are compared without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `x-ms-meta-*` headers, names lowercased and without the prefix.
    pub fn metadata(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .filter_map(|(n, v)| {
                let name = n.to_ascii_lowercase();
                name.strip_prefix("x-ms-meta-")
                    .map(|m| (m.to_owned(), v.clone()))
            })
            .collect()
    }

    pub fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

/// A request to send: method, blob (or the container itself), query, headers, body.
#[derive(Debug, Default)]
pub struct Call<'a> {
    pub method: &'a str,
    /// The blob's name in the container; `None` addresses the container.
    pub blob: Option<&'a str>,
    pub query: Vec<(&'a str, String)>,
    pub headers: Vec<(&'a str, String)>,
    pub body: Vec<u8>,
}

impl BlobClient {
    /// The client for `location`, from the environment (`env`): the endpoint
    /// (`SENTINEL_AZBLOB_ENDPOINT`, default `https://ACCOUNT.blob.core.windows.net`) and the
    /// credentials (`AZURE_STORAGE_KEY` or `AZURE_STORAGE_SAS_TOKEN`, for the account that
    /// `AZURE_STORAGE_ACCOUNT` names if it is set). Never from the command line, never shown.
    pub fn from_env(
        location: &AzBlobLocation,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let set = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        if let Some(account) = set(ACCOUNT_ENV) {
            if account.trim() != location.account {
                return Err(Error::usage_with_hint(
                    format!(
                        "{ACCOUNT_ENV} names the storage account {:?}, but the state URL {location} names {:?}",
                        sentinel_core::output::excerpt(account.trim(), 40),
                        location.account
                    ),
                    format!(
                        "unset {ACCOUNT_ENV} or make it and the state URL name the same account"
                    ),
                ));
            }
        }
        let endpoint = match set(ENDPOINT_ENV) {
            Some(url) => parse_endpoint(url.trim())?,
            None => format!("https://{}.blob.core.windows.net", location.account),
        };
        let mut secrets = Vec::new();
        let credential = match (set(KEY_ENV), set(SAS_ENV)) {
            (Some(key), _) => {
                let key = key.trim().to_owned();
                let decoded = BASE64.decode(key.as_bytes()).map_err(|_| {
                    Error::usage_with_hint(
                        format!("{KEY_ENV} is not a storage account key: it is not base64"),
                        format!(
                            "set {KEY_ENV} to one of the account's access keys as Azure shows it (az storage account keys list --account-name {}), or use {SAS_ENV}",
                            location.account
                        ),
                    )
                })?;
                secrets.push(key);
                Credential::SharedKey(decoded)
            }
            (None, Some(sas)) => {
                let sas = sas.trim().trim_start_matches('?').to_owned();
                let plausible = sas.contains("sig=")
                    && sas
                        .bytes()
                        .all(|b| b.is_ascii_graphic() && !b"#\"'<>\\".contains(&b));
                if !plausible {
                    return Err(Error::usage_with_hint(
                        format!(
                            "{SAS_ENV} is not a SAS token: it has no sig= or holds characters a query cannot"
                        ),
                        "set it to the token's query string, e.g. what `az storage container generate-sas` prints",
                    ));
                }
                secrets.push(sas.clone());
                secrets.push(percent_decode(&sas));
                for pair in sas.split('&') {
                    if let Some((_, value)) = pair.split_once('=') {
                        if value.len() >= 8 {
                            // As sent, and as a server that decoded the query echoes it.
                            secrets.push(value.to_owned());
                            secrets.push(percent_decode(value));
                        }
                    }
                }
                Credential::Sas(Secret::new(sas))
            }
            (None, None) => {
                return Err(Error::usage_with_hint(
                    format!("no credentials for the state in {location}"),
                    format!(
                        "set {KEY_ENV} (an access key of the account) or {SAS_ENV} (a SAS token with read, add, create, write, delete and list permissions) in the environment; never on the command line"
                    ),
                ));
            }
        };
        let endpoint_path = endpoint
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()))
            .unwrap_or_default();
        Ok(BlobClient {
            endpoint,
            endpoint_path,
            location: location.clone(),
            credential,
            agent: agent_bounded(
                HttpTimeouts {
                    connect: Duration::from_secs(5),
                    read: Duration::from_secs(30),
                    write: Duration::from_secs(30),
                },
                // Every call ends within 30 s, a slow-dripping answer included.
                Duration::from_secs(30),
            ),
            backoff: Backoff {
                initial: Duration::from_millis(500),
                max_retries: 4,
                max_delay: Duration::from_secs(10),
                ..Backoff::default()
            },
            secrets,
        })
    }

    pub fn location(&self) -> &AzBlobLocation {
        &self.location
    }

    /// `text` with every credential replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        let mut secrets: Vec<&String> = self.secrets.iter().collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for secret in secrets {
            if !secret.is_empty() {
                out = out.replace(secret.as_str(), "***");
            }
        }
        out
    }

    /// Send `call`, retrying while the service is unreachable, answers 408, 429 or 5xx;
    /// past the retries, [`Error::Unreachable`] (exit 4).
    pub fn send(&self, call: &Call<'_>) -> Result<Reply> {
        let what = format!(
            "Azure Blob Storage ({} {})",
            call.method,
            self.display_name(call.blob)
        );
        let outcome = retry(&self.backoff, &SystemClock, |_| {
            match self.send_once(call) {
                Ok(reply) if is_transient_status(reply.status) => {
                    Err(Failure::transient(Error::CheckFailed(format!(
                        "HTTP {}{}",
                        reply.status,
                        self.service_message(&reply)
                    ))))
                }
                Ok(reply) => Ok(reply),
                Err(e) => Err(Failure::transient(e)),
            }
        });
        outcome.map_err(|e| e.into_unreachable(what))
    }

    /// How to name a blob in messages: `azblob://account/container/name`.
    pub fn display_name(&self, blob: Option<&str>) -> String {
        let l = &self.location;
        match blob {
            Some(blob) => format!("azblob://{}/{}/{blob}", l.account, l.container),
            None => format!("azblob://{}/{}", l.account, l.container),
        }
    }

    fn send_once(&self, call: &Call<'_>) -> Result<Reply> {
        let mut path = format!("/{}", self.location.container);
        if let Some(blob) = call.blob {
            path.push('/');
            path.push_str(blob);
        }
        let mut query: Vec<String> = call
            .query
            .iter()
            .map(|(name, value)| format!("{name}={}", percent_encode(value)))
            .collect();
        if let Credential::Sas(sas) = &self.credential {
            query.push(sas.expose().to_owned());
        }
        let mut url = format!("{}{path}", self.endpoint);
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query.join("&"));
        }
        let mut headers: Vec<(String, String)> = vec![
            (
                "x-ms-date".into(),
                httpdate::fmt_http_date(SystemTime::now()),
            ),
            ("x-ms-version".into(), API_VERSION.into()),
        ];
        headers.extend(
            call.headers
                .iter()
                .map(|(n, v)| ((*n).to_ascii_lowercase(), v.clone())),
        );
        if let Credential::SharedKey(key) = &self.credential {
            let to_sign =
                self.string_to_sign(call, &format!("{}{path}", self.endpoint_path), &headers);
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key)
                .map_err(|e| Error::Internal(format!("HMAC key: {e}")))?;
            mac.update(to_sign.as_bytes());
            let signature = BASE64.encode(mac.finalize().into_bytes());
            headers.push((
                "authorization".into(),
                format!("SharedKey {}:{signature}", self.location.account),
            ));
        }
        let mut request = ureq::http::Request::builder().method(call.method).uri(&url);
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let built = |e: ureq::http::Error| Error::Internal(format!("building a request: {e}"));
        let answer = if call.method == "PUT" {
            self.agent
                .run(request.body(call.body.clone()).map_err(built)?)
        } else {
            self.agent.run(request.body(()).map_err(built)?)
        };
        let mut response = answer.map_err(|e| {
            Error::CheckFailed(self.scrub(&format!("no answer from {}: {e}", self.endpoint)))
        })?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .filter_map(|(n, v)| {
                v.to_str()
                    .ok()
                    .map(|v| (n.as_str().to_owned(), v.to_owned()))
            })
            .collect();
        let body = if call.method == "HEAD" {
            Vec::new()
        } else if status >= 300 {
            // An error's body is read for its Code and Message: its first 64 KiB will do.
            let mut head = Vec::new();
            let _ = std::io::Read::read_to_end(
                &mut std::io::Read::take(response.body_mut().as_reader(), 64 * 1024),
                &mut head,
            );
            head
        } else {
            response
                .body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_vec()
                .map_err(|e| {
                    Error::CheckFailed(
                        self.scrub(&format!("reading the answer from {}: {e}", self.endpoint)),
                    )
                })?
        };
        let code = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("x-ms-error-code"))
            .map(|(_, v)| v.clone())
            .or_else(|| xml_field(&body, "Code"));
        Ok(Reply {
            status,
            code,
            headers,
            body,
        })
    }

    /// The Shared Key string to sign (Authorize with Shared Key, version 2015-02-21 and
    /// later): the verb, the standard headers in their order, the `x-ms-` headers sorted,
    /// then the account and the resource path with the query parameters sorted.
    fn string_to_sign(&self, call: &Call<'_>, path: &str, headers: &[(String, String)]) -> String {
        let standard = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map_or("", |(_, v)| v.as_str())
        };
        let length = if call.body.is_empty() {
            String::new()
        } else {
            call.body.len().to_string()
        };
        let mut text = format!(
            "{}\n{}\n{}\n{length}\n{}\n{}\n\n{}\n{}\n{}\n{}\n{}\n",
            call.method,
            standard("content-encoding"),
            standard("content-language"),
            standard("content-md5"),
            standard("content-type"),
            standard("if-modified-since"),
            standard("if-match"),
            standard("if-none-match"),
            standard("if-unmodified-since"),
            standard("range"),
        );
        let mut ms: Vec<(&str, String)> = headers
            .iter()
            .filter(|(n, _)| n.starts_with("x-ms-"))
            .map(|(n, v)| {
                (
                    n.as_str(),
                    v.split_whitespace().collect::<Vec<_>>().join(" "),
                )
            })
            .collect();
        ms.sort();
        for (name, value) in ms {
            text.push_str(&format!("{name}:{value}\n"));
        }
        text.push_str(&format!("/{}{path}", self.location.account));
        let mut query: Vec<(String, &str)> = call
            .query
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.as_str()))
            .collect();
        query.sort();
        for (name, value) in query {
            text.push_str(&format!("\n{name}:{value}"));
        }
        text
    }

    /// The service's `Code: first line of Message`, scrubbed, for messages (`""` if none).
    pub fn service_message(&self, reply: &Reply) -> String {
        // Scrubbed whole first (a secret cut in two by the excerpt would slip through), then
        // cut short and rid of control characters (a terminal would obey them).
        let shown = |text: &str, max: usize| {
            let clean: String = self
                .scrub(text)
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            sentinel_core::output::excerpt(clean.trim(), max)
        };
        let message = xml_field(&reply.body, "Message")
            .and_then(|m| m.lines().next().map(|line| shown(line, 300)))
            .unwrap_or_default();
        let code = reply.code.as_deref().map(|c| shown(c, 80));
        match (code, message.is_empty()) {
            (Some(code), false) => format!(": {code}: {message}"),
            (Some(code), true) => format!(": {code}"),
            (None, false) => format!(": {message}"),
            (None, true) => String::new(),
        }
    }

    /// The error for an answer the caller did not expect: credentials refused (exit 2, what
    /// to fix), no such container (exit 2, how to create it), anything else (exit 4).
    pub fn unexpected(&self, reply: &Reply, doing: &str) -> Error {
        let said = self.service_message(reply);
        let account = &self.location.account;
        if reply.status == 403 || reply.is("AuthenticationFailed") {
            let fix = match self.credential {
                Credential::SharedKey(_) => format!(
                    "check that {KEY_ENV} holds a current access key of the account {account} (keys are rotated: az storage account keys list --account-name {account})"
                ),
                Credential::Sas(_) => format!(
                    "check that {SAS_ENV} is a SAS token for {account} that has not expired and grants read, add, create, write, delete and list on the container {}",
                    self.location.container
                ),
            };
            return Error::usage_with_hint(
                format!(
                    "Azure Blob Storage refused the credentials while {doing} (HTTP {}{said})",
                    reply.status
                ),
                fix,
            );
        }
        if reply.is("ContainerNotFound") {
            return Error::usage_with_hint(
                format!(
                    "the container {} does not exist in the storage account {account}",
                    self.location.container
                ),
                format!(
                    "create it once: az storage container create --account-name {account} --name {}",
                    self.location.container
                ),
            );
        }
        Error::Denied {
            service: format!("Azure Blob Storage ({})", self.display_name(None)),
            message: format!("HTTP {} while {doing}{said}", reply.status),
            hint: "check the state URL, SENTINEL_AZBLOB_ENDPOINT and the account's settings".into(),
        }
    }
}

/// A blob service URL from `SENTINEL_AZBLOB_ENDPOINT`: http or https, a host, an optional
/// port and path; no user info, query or fragment (nothing a credential could hide in).
fn parse_endpoint(url: &str) -> Result<String> {
    let bad = || {
        Error::usage_with_hint(
            format!(
                "{ENDPOINT_ENV}: {:?} is not a blob service URL",
                sentinel_core::output::excerpt(url, 120)
            ),
            "write it as Azure shows it, e.g. https://ACCOUNT.blob.core.windows.net, or http://127.0.0.1:10000/devstoreaccount1 for Azurite",
        )
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(bad());
    };
    let clean = rest
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~:/[]".contains(&b));
    if !matches!(scheme, "http" | "https") || rest.is_empty() || !clean || rest.starts_with('/') {
        return Err(bad());
    }
    Ok(format!("{scheme}://{}", rest.trim_end_matches('/')))
}

/// The text of the first `<name>…</name>` in an XML body, entities decoded.
pub fn xml_field(body: &[u8], name: &str) -> Option<String> {
    xml_fields(body, name).into_iter().next()
}

/// The texts of every `<name>…</name>` in an XML body (List Blobs' `<Name>`s), in order.
pub fn xml_fields(body: &[u8], name: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    let mut found = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        found.push(
            after[..end]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        );
        rest = &after[end + close.len()..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(env: &[(&str, &str)]) -> Result<BlobClient> {
        let location = AzBlobLocation {
            account: "devstoreaccount1".into(),
            container: "deploys".into(),
            prefix: "svc".into(),
        };
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        BlobClient::from_env(&location, &move |name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    /// The worked example of Azure's documentation ("Authorize with Shared Key",
    /// Constructing the signature string) is not published with a key, so this checks the
    /// layout against the documented field order with a request of every kind of part.
    #[test]
    fn the_string_to_sign_has_the_documented_fields_in_order() {
        let c = client(&[
            (KEY_ENV, "a2V5"),
            (ENDPOINT_ENV, "http://127.0.0.1:10000/devstoreaccount1"),
        ])
        .unwrap();
        let call = Call {
            method: "PUT",
            blob: Some("svc/state.json"),
            query: vec![("comp", "lease".into())],
            headers: vec![],
            body: b"{}".to_vec(),
        };
        let headers = vec![
            ("x-ms-version".to_owned(), API_VERSION.to_owned()),
            ("if-match".to_owned(), "\"0x1\"".to_owned()),
            (
                "x-ms-date".to_owned(),
                "Tue, 01 Dec 2026 17:00:00 GMT".to_owned(),
            ),
            ("content-type".to_owned(), "application/json".to_owned()),
        ];
        let text = c.string_to_sign(&call, "/devstoreaccount1/deploys/svc/state.json", &headers);
        assert_eq!(
            text,
            "PUT\n\n\n2\n\napplication/json\n\n\n\"0x1\"\n\n\n\nx-ms-date:Tue, 01 Dec 2026 17:00:00 GMT\nx-ms-version:2021-12-02\n/devstoreaccount1/devstoreaccount1/deploys/svc/state.json\ncomp:lease"
        );
    }

    #[test]
    fn credentials_come_only_from_the_environment_and_are_checked_without_being_shown() {
        let none = client(&[]).unwrap_err();
        assert_eq!(none.exit(), sentinel_core::Exit::Usage);
        assert!(none.hint().unwrap().contains(KEY_ENV), "{none}");
        let not_base64 = client(&[(KEY_ENV, "not base64 !!secret")]).unwrap_err();
        assert!(!not_base64.to_string().contains("secret"), "{not_base64}");
        let other = client(&[(KEY_ENV, "a2V5"), (ACCOUNT_ENV, "someoneelse")]).unwrap_err();
        assert!(other.to_string().contains("someoneelse"), "{other}");
        let sas = client(&[(SAS_ENV, "?sv=2021-12-02&sig=c2VjcmV0c2lnbmF0dXJl")]).unwrap();
        assert_eq!(
            sas.scrub("failed: sig=c2VjcmV0c2lnbmF0dXJl in sv=2021-12-02&sig=c2VjcmV0c2lnbmF0dXJl"),
            "failed: sig=*** in ***"
        );
        assert!(!format!("{sas:?}").contains("c2VjcmV0"));
        assert!(client(&[(SAS_ENV, "sv=1&x=y")]).is_err(), "no sig=");
        for bad in [
            "ftp://h",
            "http://u:p@h",
            "http://h/?q",
            "http://h#f",
            "https://",
        ] {
            assert!(
                client(&[(KEY_ENV, "a2V5"), (ENDPOINT_ENV, bad)]).is_err(),
                "{bad}"
            );
        }
        let default = client(&[(KEY_ENV, "a2V5")]).unwrap();
        assert_eq!(
            default.endpoint,
            "https://devstoreaccount1.blob.core.windows.net"
        );
        assert_eq!(default.endpoint_path, "");
    }

    #[test]
    fn what_a_hostile_service_sends_back_is_scrubbed_cut_short_and_rid_of_control_characters() {
        let sas = client(&[(
            SAS_ENV,
            "sv=2021-12-02&sr=c&sig=2RAkV0p2mmVItPlb%2BJVfGC1%2FTJo%3D",
        )])
        .unwrap();
        // A server that decoded the query echoes the signature decoded.
        let echoed = Reply {
            status: 403,
            code: Some("\x1b]0;pwned\x07AuthenticationFailed".into()),
            headers: Vec::new(),
            body: format!(
                "<Error><Message>bad sig=2RAkV0p2mmVItPlb+JVfGC1/TJo= \x1b[2J{}</Message></Error>",
                "y".repeat(100_000)
            )
            .into_bytes(),
        };
        let shown = sas.service_message(&echoed);
        assert!(!shown.contains("2RAkV0p2mmVItPlb"), "{shown}");
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert!(shown.len() < 500, "{} bytes", shown.len());
    }

    #[test]
    fn xml_fields_are_read_in_order_with_entities_decoded() {
        let body = b"<?xml version=\"1.0\"?><EnumerationResults><Blobs><Blob><Name>a/b&amp;c</Name></Blob><Blob><Name>d</Name></Blob></Blobs></EnumerationResults>";
        assert_eq!(xml_fields(body, "Name"), ["a/b&c", "d"]);
        assert_eq!(
            xml_field(b"<Error><Code>X</Code></Error>", "Code").as_deref(),
            Some("X")
        );
        assert_eq!(xml_field(b"<Code>unclosed", "Code"), None);
    }
}
