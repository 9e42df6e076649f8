//! Certificates and keys from PEM: who a side is ([`Identity`]) and whom it trusts
//! ([`CaCertificates`]), with every failure one line that names the file ([`TlsError`]).
//!
//! PEM (RFC 7468) is base64 DER between `-----BEGIN <LABEL>-----` and `-----END <LABEL>-----`
//! lines; one file may hold several sections. The labels read here are `CERTIFICATE` (a
//! certificate chain: the leaf first, then the intermediates that lead to the CA) and, for a
//! private key, `PRIVATE KEY` (PKCS #8), `RSA PRIVATE KEY` (PKCS #1) or `EC PRIVATE KEY`
//! (SEC 1). Any other section (a comment, `CERTIFICATE REQUEST`, ...) is skipped. The parsing
//! itself is rustls' own (`rustls::pki_types::pem`); this module adds the error messages.

use std::fmt;
use std::path::{Path, PathBuf};

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A TLS configuration that cannot be used: a file, its PEM, or the certificates in it.
///
/// Its `Display` is one line that names the file (or "the PEM data" when the PEM came as
/// bytes), e.g. `cannot read server.key: No such file or directory (os error 2)` or
/// `the private key in server.key does not belong to the certificate in server.pem`.
#[derive(Debug)]
#[non_exhaustive]
pub enum TlsError {
    /// A file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The PEM text is damaged (an unterminated section, bad base64, ...).
    BadPem {
        /// The file, or "the PEM data".
        source: String,
        /// What is wrong, in words.
        reason: String,
    },
    /// No `CERTIFICATE` section.
    NoCertificate {
        /// The file, or "the PEM data".
        source: String,
    },
    /// No private key section.
    NoPrivateKey {
        /// The file, or "the PEM data".
        source: String,
    },
    /// A certificate that cannot be a trust anchor (not a valid X.509 certificate).
    BadCaCertificate {
        /// The file, or "the PEM data".
        source: String,
        /// rustls' reason.
        reason: String,
    },
    /// The private key is not the one of the leaf certificate.
    KeyMismatch {
        /// Where the certificate chain came from.
        certificate: String,
        /// Where the key came from.
        key: String,
    },
    /// rustls refused the configuration (e.g. a key type it does not support).
    Config {
        /// What was being configured.
        what: String,
        /// rustls' reason.
        reason: String,
    },
    /// The system's certificate store has no usable CA certificate.
    NoSystemCas {
        /// What went wrong reading it, if anything.
        reason: String,
    },
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, error } => write!(f, "cannot read {}: {error}", path.display()),
            Self::BadPem { source, reason } => write!(f, "{source} is not valid PEM: {reason}"),
            Self::NoCertificate { source } => write!(
                f,
                "{source} holds no certificate (no -----BEGIN CERTIFICATE----- section)"
            ),
            Self::NoPrivateKey { source } => write!(
                f,
                "{source} holds no private key (no -----BEGIN PRIVATE KEY-----, \
                 RSA PRIVATE KEY or EC PRIVATE KEY section)"
            ),
            Self::BadCaCertificate { source, reason } => {
                write!(f, "{source}: not a usable CA certificate: {reason}")
            }
            Self::KeyMismatch { certificate, key } => write!(
                f,
                "the private key in {key} does not belong to the certificate in {certificate}"
            ),
            Self::Config { what, reason } => write!(f, "{what}: {reason}"),
            Self::NoSystemCas { reason } => {
                write!(f, "no CA certificate found in the system's store{reason}")
            }
        }
    }
}

impl std::error::Error for TlsError {}

/// Where PEM comes from: a file (read here, so that the error names it) or bytes.
#[derive(Debug, Clone, Copy)]
enum Source<'a> {
    File(&'a Path),
    Bytes(&'a [u8]),
}

impl Source<'_> {
    fn name(&self) -> String {
        match self {
            Self::File(path) => path.display().to_string(),
            Self::Bytes(_) => "the PEM data".to_owned(),
        }
    }

    fn read(&self) -> Result<Vec<u8>, TlsError> {
        match self {
            Self::File(path) => std::fs::read(path).map_err(|error| TlsError::Read {
                path: path.to_path_buf(),
                error,
            }),
            Self::Bytes(bytes) => Ok(bytes.to_vec()),
        }
    }
}

/// The sections of one kind (`T`) in `source`; an empty list if there are none.
fn sections<T: PemObject>(source: Source<'_>) -> Result<Vec<T>, TlsError> {
    let text = source.read()?;
    T::pem_slice_iter(&text)
        .collect::<Result<Vec<T>, _>>()
        .map_err(|error| TlsError::BadPem {
            source: source.name(),
            reason: pem_reason(&error),
        })
}

/// rustls' PEM errors show the offending line as a byte array; say it as text instead.
fn pem_reason(error: &pem::Error) -> String {
    match error {
        pem::Error::MissingSectionEnd { end_marker } => {
            format!(
                "no \"-----END {}-----\" line (cut short?)",
                String::from_utf8_lossy(end_marker)
            )
        }
        pem::Error::IllegalSectionStart { line } => {
            format!(
                "malformed section start {:?}",
                String::from_utf8_lossy(line).trim_end()
            )
        }
        other => other.to_string(),
    }
}

fn certificates(source: Source<'_>) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let chain: Vec<CertificateDer<'static>> = sections(source)?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            source: source.name(),
        });
    }
    Ok(chain)
}

fn private_key(source: Source<'_>) -> Result<PrivateKeyDer<'static>, TlsError> {
    let mut keys: Vec<PrivateKeyDer<'static>> = sections(source)?;
    if keys.is_empty() {
        return Err(TlsError::NoPrivateKey {
            source: source.name(),
        });
    }
    // The first key section is the key, as OpenSSL and rustls-pemfile read it.
    Ok(keys.swap_remove(0))
}

/// Who a side of a connection is: a certificate chain (leaf first) and the leaf's private key.
///
/// A server always has one; a client has one only for mutual TLS. Whether the key belongs to
/// the certificate is checked when the identity is put into a [`ServerTlsConfig`] or a
/// [`ClientTlsConfig`].
///
/// [`ServerTlsConfig`]: super::ServerTlsConfig
/// [`ClientTlsConfig`]: super::ClientTlsConfig
pub struct Identity {
    pub(super) chain: Vec<CertificateDer<'static>>,
    pub(super) key: PrivateKeyDer<'static>,
    /// Where the chain came from, for error messages.
    pub(super) chain_source: String,
    /// Where the key came from, for error messages.
    pub(super) key_source: String,
}

impl Identity {
    /// From PEM text: the certificate chain and the private key.
    ///
    /// # Errors
    /// Damaged PEM, no `CERTIFICATE` section, no private key section.
    pub fn from_pem(chain: &[u8], key: &[u8]) -> Result<Self, TlsError> {
        Self::load(Source::Bytes(chain), Source::Bytes(key))
    }

    /// From PEM files: the certificate chain (leaf first) and the private key.
    ///
    /// # Errors
    /// As [`Identity::from_pem`], and a file that cannot be read.
    pub fn from_pem_files(
        chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Self, TlsError> {
        Self::load(Source::File(chain.as_ref()), Source::File(key.as_ref()))
    }

    fn load(chain: Source<'_>, key: Source<'_>) -> Result<Self, TlsError> {
        Ok(Self {
            chain: certificates(chain)?,
            key: private_key(key)?,
            chain_source: chain.name(),
            key_source: key.name(),
        })
    }

    /// The error saying that the key is not the leaf certificate's.
    pub(super) fn mismatch(&self) -> TlsError {
        TlsError::KeyMismatch {
            certificate: self.chain_source.clone(),
            key: self.key_source.clone(),
        }
    }
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Self {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
            chain_source: self.chain_source.clone(),
            key_source: self.key_source.clone(),
        }
    }
}

impl fmt::Debug for Identity {
    /// Never the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("certificates", &self.chain.len())
            .field("chain_source", &self.chain_source)
            .field("key_source", &self.key_source)
            .finish_non_exhaustive()
    }
}

/// The certificate authorities one side trusts to have signed the other side's certificate:
/// the client's roots for the server's certificate, and with mutual TLS the server's roots
/// for the clients' certificates.
#[derive(Debug, Clone)]
pub struct CaCertificates {
    pub(super) certificates: Vec<CertificateDer<'static>>,
    /// Where they came from, for error messages.
    pub(super) source: String,
    /// From the system's store: taken as OpenSSL takes it, skipping what cannot be parsed.
    system: bool,
}

impl CaCertificates {
    /// From PEM text holding one or more `CERTIFICATE` sections.
    ///
    /// # Errors
    /// Damaged PEM, or no `CERTIFICATE` section.
    pub fn from_pem(pem: &[u8]) -> Result<Self, TlsError> {
        Self::load(Source::Bytes(pem))
    }

    /// From a PEM file holding one or more `CERTIFICATE` sections.
    ///
    /// # Errors
    /// As [`CaCertificates::from_pem`], and a file that cannot be read.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, TlsError> {
        Self::load(Source::File(path.as_ref()))
    }

    /// The system's trusted CAs (on Linux, the OpenSSL bundle, e.g.
    /// `/etc/ssl/certs/ca-certificates.crt`; `SSL_CERT_FILE` and `SSL_CERT_DIR` override it).
    ///
    /// # Errors
    /// [`TlsError::NoSystemCas`] when no certificate could be read from the store.
    pub fn system() -> Result<Self, TlsError> {
        let found = rustls_native_certs::load_native_certs();
        if found.certs.is_empty() {
            let reason = found
                .errors
                .first()
                .map(|error| format!(": {error}"))
                .unwrap_or_default();
            return Err(TlsError::NoSystemCas { reason });
        }
        // Some errors (one unreadable file in a directory of many) do not matter when other
        // certificates were found, as with OpenSSL.
        for error in &found.errors {
            tracing::debug!(%error, "skipped part of the system's certificate store");
        }
        Ok(Self {
            certificates: found.certs,
            source: "the system's certificate store".to_owned(),
            system: true,
        })
    }

    fn load(source: Source<'_>) -> Result<Self, TlsError> {
        Ok(Self {
            certificates: certificates(source)?,
            source: source.name(),
            system: false,
        })
    }

    /// The trust anchors, for rustls. CAs given on purpose must be usable in full; the system
    /// store is taken as OpenSSL takes it, skipping what it cannot parse.
    pub(super) fn root_store(&self) -> Result<rustls::RootCertStore, TlsError> {
        let mut store = rustls::RootCertStore::empty();
        if self.system {
            let (added, skipped) = store.add_parsable_certificates(self.certificates.clone());
            tracing::debug!(added, skipped, source = %self.source, "CA certificates");
            return Ok(store);
        }
        for certificate in &self.certificates {
            store
                .add(certificate.clone())
                .map_err(|error| TlsError::BadCaCertificate {
                    source: self.source.clone(),
                    reason: error.to_string(),
                })?;
        }
        Ok(store)
    }
}
