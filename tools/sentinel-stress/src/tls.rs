//! TLS for https targets. One rustls client configuration per run, shared by every connection
//! of every worker: its session cache lets a reconnect (`--disable-keepalive`, or a server
//! that closes) resume the session instead of paying for a full handshake, as browsers and
//! wrk do. The engine drives each `ClientConnection` inside its own event loop.

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use sentinel_core::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Whom to trust.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// `-k/--insecure`: accept any certificate (still encrypted, no longer authenticated).
    pub insecure: bool,
    /// `--cacert FILE`: also trust the CA certificates in this PEM file.
    pub ca_file: Option<PathBuf>,
    /// `$SSL_CERT_FILE`, as OpenSSL and curl read it: also trust the certificates in it.
    pub ssl_cert_file: Option<PathBuf>,
}

/// How an https target's connections are made.
#[derive(Debug, Clone)]
pub struct TlsTarget {
    pub config: Arc<ClientConfig>,
    /// The name the certificate must carry (SNI is sent for DNS names, not for IPs).
    pub server_name: ServerName<'static>,
}

/// The client configuration for `options`: Mozilla's roots (bundled, so a minimal container
/// works the same as a laptop), plus `--cacert` and `$SSL_CERT_FILE`; HTTP/1.1 by ALPN.
pub fn client_config(options: &TlsOptions) -> Result<Arc<ClientConfig>> {
    // ring, as ureq uses: one crypto library in the binary.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Internal(format!("TLS protocol versions: {e}")))?;
    let algorithms = provider.signature_verification_algorithms;
    let trust = if options.insecure {
        Trust::AnyCertificate
    } else {
        let mut roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let mut trusted = Vec::new();
        if let Some(path) = &options.ca_file {
            trusted.extend(add_pem_roots(&mut roots, path, "--cacert")?);
        }
        if let Some(path) = &options.ssl_cert_file {
            trusted.extend(add_pem_roots(&mut roots, path, "SSL_CERT_FILE")?);
        }
        let webpki =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
                .build()
                .map_err(|e| Error::Internal(format!("TLS certificate verifier: {e}")))?;
        Trust::WebPki { webpki, trusted }
    };
    let mut config = builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Verifier { trust, algorithms }))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Add the PEM certificates of `path` to `roots`; returns them, for [`TrustedSelfSigned`].
fn add_pem_roots(
    roots: &mut RootCertStore,
    path: &Path,
    source: &str,
) -> Result<Vec<CertificateDer<'static>>> {
    let certificates = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| {
            Error::usage_with_hint(
                format!(
                    "{source} {}: cannot read PEM certificates: {e}",
                    path.display()
                ),
                "give a PEM file of CA certificates (-----BEGIN CERTIFICATE-----)",
            )
        })?;
    if certificates.is_empty() {
        return Err(Error::usage_with_hint(
            format!("{source} {}: holds no certificate", path.display()),
            "give a PEM file of CA certificates (-----BEGIN CERTIFICATE-----)",
        ));
    }
    let (added, rejected) = roots.add_parsable_certificates(certificates.clone());
    if added == 0 {
        return Err(Error::usage(format!(
            "{source} {}: none of its {rejected} certificates is a usable CA certificate",
            path.display()
        )));
    }
    Ok(certificates)
}

/// The name to verify for `host` (brackets of an IPv6 literal removed).
pub fn server_name(host: &str) -> Result<ServerName<'static>> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(bare.to_owned())
        .map_err(|_| Error::usage(format!("{host:?} is not a host name TLS can verify")))
}

/// The error class of a TLS failure, for the report ("tls: invalid peer certificate:
/// UnknownIssuer").
pub fn error_class(error: &rustls::Error) -> String {
    format!("tls: {error}")
}

/// Whom the run trusts.
#[derive(Debug)]
enum Trust {
    /// `--insecure`: any certificate. The handshake's signatures are still checked, so the
    /// session is encrypted to whoever holds the presented certificate's key.
    AnyCertificate,
    /// The WebPKI verdict over the roots, with one exception curl (OpenSSL) makes too: a
    /// server certificate that is its own CA (what `openssl req -x509` makes by default:
    /// CA:TRUE), byte for byte one the user trusted with `--cacert` or `$SSL_CERT_FILE`.
    /// webpki refuses any CA certificate as an end entity (`CaUsedAsEndEntity`); it checks
    /// the validity period before that, so the certificate is current, and its name is
    /// checked here.
    WebPki {
        webpki: Arc<WebPkiServerVerifier>,
        trusted: Vec<CertificateDer<'static>>,
    },
}

#[derive(Debug)]
struct Verifier {
    trust: Trust,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let Trust::WebPki { webpki, trusted } = &self.trust else {
            return Ok(ServerCertVerified::assertion());
        };
        match webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other)))
                if other.0.downcast_ref::<webpki::Error>()
                    == Some(&webpki::Error::CaUsedAsEndEntity)
                    && trusted.iter().any(|t| t.as_ref() == end_entity.as_ref()) =>
            {
                let parsed = ParsedCertificate::try_from(end_entity)?;
                rustls::client::verify_server_name(&parsed, server_name)?;
                Ok(ServerCertVerified::assertion())
            }
            verdict => verdict,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_bad_ca_files_are_reported() {
        assert!(matches!(
            server_name("127.0.0.1").unwrap(),
            ServerName::IpAddress(_)
        ));
        assert!(matches!(
            server_name("[::1]").unwrap(),
            ServerName::IpAddress(_)
        ));
        assert!(matches!(
            server_name("api.example.com").unwrap(),
            ServerName::DnsName(_)
        ));
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let error = client_config(&TlsOptions {
            ca_file: Some(empty.clone()),
            ..TlsOptions::default()
        })
        .unwrap_err();
        assert_eq!(error.exit().code(), 2);
        assert!(error.to_string().contains("--cacert"), "{error}");
        let missing = client_config(&TlsOptions {
            ca_file: Some(dir.path().join("missing.pem")),
            ..TlsOptions::default()
        })
        .unwrap_err();
        assert!(missing.to_string().contains("missing.pem"), "{missing}");
        assert!(client_config(&TlsOptions::default()).is_ok());
    }
}
