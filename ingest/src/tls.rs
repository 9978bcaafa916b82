//! TLS client configuration for talking to mail servers.
//!
//! Certificates are always verified: against the Mozilla roots (webpki-roots) and, when
//! configured, extra CA certificates from a PEM file (a company CA, or a test server's
//! self-signed certificate). There is deliberately no way to turn verification off.

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::path::Path;
use std::sync::Arc;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

#[derive(Debug, thiserror::Error)]
pub enum TlsConfigError {
    #[error("CA file {path}: {reason}")]
    CaFile { path: String, reason: String },
    #[error("CA file {path} holds no certificate")]
    NoCertificate { path: String },
    #[error("TLS setup: {0}")]
    Setup(String),
}

/// A client configuration trusting the web PKI roots plus every certificate in `extra_ca`.
/// The ring provider is chosen explicitly, so the process never depends on a global default.
pub fn client_config(extra_ca: Option<&Path>) -> Result<Arc<ClientConfig>, TlsConfigError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = extra_ca {
        for cert in read_certificates(path)? {
            roots.add(cert).map_err(|error| TlsConfigError::CaFile {
                path: path.display().to_string(),
                reason: error.to_string(),
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| TlsConfigError::Setup(error.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let shown = || path.display().to_string();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|error| TlsConfigError::CaFile {
            path: shown(),
            reason: error.to_string(),
        })?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| TlsConfigError::CaFile {
            path: shown(),
            reason: error.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsConfigError::NoCertificate { path: shown() });
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn web_roots_without_extra_ca() {
        assert!(client_config(None).is_ok());
    }

    #[test]
    fn missing_ca_file_is_an_error() {
        let error = client_config(Some(Path::new("/nonexistent/ca.pem"))).unwrap_err();
        assert!(matches!(error, TlsConfigError::CaFile { .. }), "{error}");
    }

    #[test]
    fn file_without_certificates_is_an_error() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(b"not a certificate\n").unwrap();
        let error = client_config(Some(file.path())).unwrap_err();
        assert!(
            matches!(error, TlsConfigError::NoCertificate { .. }),
            "{error}"
        );
    }

    #[test]
    fn garbage_inside_a_pem_block_is_an_error() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
            .unwrap();
        assert!(client_config(Some(file.path())).is_err());
    }
}
