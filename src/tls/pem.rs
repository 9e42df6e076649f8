//! Certificates and keys from PEM: who a side is ([`Identity`]) and whom it trusts
//! ([`CaCertificates`]), with every failure one line that names the file ([`TlsError`]).
//!
//! PEM (RFC 7468) is base64 DER between `-----BEGIN <LABEL>-----` and `-----END <LABEL>-----`
//! lines; one file may hold several sections. The labels read here are `CERTIFICATE` (a
//! certificate chain: the leaf first, then the intermediates that lead to the CA) and, for a
//! private key, `PRIVATE KEY` (PKCS #8), `RSA PRIVATE KEY` (PKCS #1) or `EC PRIVATE KEY`
//! (SEC 1). Any other section (a comment, `CERTIFICATE REQUEST`, ...) is skipped. The parsing
//! itself is rustls' own (`rustls::pki_types::pem`); this module adds the error messages.
//!
//! A file with none of the sections wanted is told apart from the usual mistakes: an empty
//! file, a file with no PEM at all (binary DER, which `openssl x509 -inform der` converts), and
//! a key given as the certificate or the reverse. An [`Identity`] is then checked in the order
//! that blames the right file: first the leaf certificate, which webpki (rustls' X.509 parser)
//! must accept as X.509 v3 (`openssl x509 -req` without `-extfile` makes v1, which it refuses);
//! then the key, which rustls' `ring` provider must be able to sign with; then the pair, the
//! key's public half against the certificate's. rustls alone would report a certificate it
//! cannot parse while matching it with the key, in its own type names.

use std::fmt;
use std::path::{Path, PathBuf};

use rustls::InconsistentKeys;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;

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
    /// The file is empty (or only white space).
    Empty {
        /// The file, or "the PEM data".
        source: String,
    },
    /// The file has no PEM section at all: binary DER, perhaps, or not a certificate or key.
    NotPem {
        /// The file, or "the PEM data".
        source: String,
        /// What it should hold: "certificate" or "private key".
        expected: &'static str,
    },
    /// A file given as a certificate holds a private key and no certificate.
    KeyInsteadOfCertificate {
        /// The file, or "the PEM data".
        source: String,
    },
    /// A file given as a private key holds a certificate and no private key.
    CertificateInsteadOfKey {
        /// The file, or "the PEM data".
        source: String,
    },
    /// A certificate that rustls cannot use (an X.509 v1 certificate, damaged DER, ...).
    BadCertificate {
        /// The file, or "the PEM data".
        source: String,
        /// What is wrong, as the rest of a sentence that begins with the file's name
        /// ("is an X.509 v1 certificate; ...").
        reason: String,
    },
    /// A private key that rustls cannot use (a type or size it does not support, damaged DER).
    BadPrivateKey {
        /// The file, or "the PEM data".
        source: String,
        /// What is wrong, as the rest of a sentence that begins with the file's name.
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
            Self::Empty { source } => write!(f, "{source} is empty"),
            Self::NotPem { source, expected } => write!(
                f,
                "{source} is not PEM (no -----BEGIN ...----- line); a {expected} in binary DER \
                 can be converted with openssl ({})",
                if *expected == "certificate" {
                    "openssl x509 -inform der -in FILE -out FILE.pem"
                } else {
                    "openssl pkey -inform der -in FILE -out FILE.pem"
                }
            ),
            Self::KeyInsteadOfCertificate { source } => write!(
                f,
                "{source} holds a private key where a certificate was expected \
                 (are the certificate and key files swapped?)"
            ),
            Self::CertificateInsteadOfKey { source } => write!(
                f,
                "{source} holds a certificate where a private key was expected \
                 (are the certificate and key files swapped?)"
            ),
            Self::BadCertificate { source, reason } | Self::BadPrivateKey { source, reason } => {
                write!(f, "{source} {reason}")
            }
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

/// The sections of one kind (`T`) in `text`, read from `source`; an empty list if there are
/// none.
fn sections<T: PemObject>(source: Source<'_>, text: &[u8]) -> Result<Vec<T>, TlsError> {
    T::pem_slice_iter(text)
        .collect::<Result<Vec<T>, _>>()
        .map_err(|error| TlsError::BadPem {
            source: source.name(),
            reason: pem_reason(&error),
        })
}

/// Why `text` holds no section of the kind wanted, when `other` is the kind a user might have
/// given by mistake (a key for a certificate, or the reverse): empty, not PEM, the other kind,
/// or none of either.
fn nothing_found<Other: PemObject>(
    source: Source<'_>,
    text: &[u8],
    expected: &'static str,
    other_kind: fn(String) -> TlsError,
    none: fn(String) -> TlsError,
) -> TlsError {
    let name = source.name();
    if text.iter().all(u8::is_ascii_whitespace) {
        return TlsError::Empty { source: name };
    }
    if Other::pem_slice_iter(text).any(|section| section.is_ok()) {
        return other_kind(name);
    }
    if !text.windows(11).any(|window| window == b"-----BEGIN ") {
        return TlsError::NotPem {
            source: name,
            expected,
        };
    }
    none(name)
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
    let text = source.read()?;
    let chain: Vec<CertificateDer<'static>> = sections(source, &text)?;
    if chain.is_empty() {
        return Err(nothing_found::<PrivateKeyDer<'static>>(
            source,
            &text,
            "certificate",
            |source| TlsError::KeyInsteadOfCertificate { source },
            |source| TlsError::NoCertificate { source },
        ));
    }
    Ok(chain)
}

fn private_key(source: Source<'_>) -> Result<PrivateKeyDer<'static>, TlsError> {
    let text = source.read()?;
    let mut keys: Vec<PrivateKeyDer<'static>> = sections(source, &text)?;
    if keys.is_empty() {
        return Err(nothing_found::<CertificateDer<'static>>(
            source,
            &text,
            "private key",
            |source| TlsError::CertificateInsteadOfKey { source },
            |source| TlsError::NoPrivateKey { source },
        ));
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

    /// Whether rustls can use this identity, checked in the order that puts the blame on the
    /// right file: the leaf certificate must parse as X.509 v3 (the certificate file's fault),
    /// the key must be of a type `provider` signs with (the key file's), and the key must be the
    /// leaf's (both).
    pub(super) fn check(&self, provider: &CryptoProvider) -> Result<(), TlsError> {
        let Some(leaf) = self.chain.first() else {
            return Err(TlsError::NoCertificate {
                source: self.chain_source.clone(),
            });
        };
        webpki::EndEntityCert::try_from(leaf).map_err(|error| TlsError::BadCertificate {
            source: self.chain_source.clone(),
            reason: certificate_problem(&error, "certificate"),
        })?;
        let key = provider
            .key_provider
            .load_private_key(self.key.clone_key())
            .map_err(|_| TlsError::BadPrivateKey {
                source: self.key_source.clone(),
                reason: UNSUPPORTED_KEY.to_owned(),
            })?;
        match CertifiedKey::new(self.chain.clone(), key).keys_match() {
            // A key that cannot tell its public half cannot be compared; rustls accepts it.
            Ok(()) | Err(rustls::Error::InconsistentKeys(InconsistentKeys::Unknown)) => Ok(()),
            Err(rustls::Error::InconsistentKeys(InconsistentKeys::KeyMismatch)) => {
                Err(self.mismatch())
            }
            // The leaf parsed above, so rustls has no other complaint to make here; were it to,
            // it concerns the pair.
            Err(error) => Err(TlsError::Config {
                what: format!(
                    "the certificate in {} with the key in {}",
                    self.chain_source, self.key_source
                ),
                reason: error.to_string(),
            }),
        }
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

/// Why a key failed to load, after the file's name. rustls' `ring` provider signs with these.
const UNSUPPORTED_KEY: &str = "holds a private key of a type or size rustls cannot sign with \
     (it takes RSA of 2048 to 8192 bits, ECDSA on P-256 or P-384, and Ed25519)";

/// Why webpki cannot use a certificate, in words, after the file's name; `what` is
/// "certificate" or "CA certificate".
fn certificate_problem(error: &webpki::Error, what: &str) -> String {
    use webpki::Error as E;
    match error {
        E::UnsupportedCertVersion => format!(
            "is an X.509 v1 {what}; only v3 is supported: issue it with extensions \
             (openssl x509 -req ... -extfile FILE, or openssl req -x509)"
        ),
        E::BadDer | E::BadDerTime | E::TrailingData(_) => {
            format!("holds a {what} that is not valid DER (damaged, or cut short?)")
        }
        E::InvalidSerialNumber => format!(
            "holds a {what} with an invalid serial number \
             (RFC 5280 §4.1.2.2: positive, at most 20 bytes)"
        ),
        E::MalformedExtensions | E::ExtensionValueInvalid => {
            format!("holds a {what} whose extensions are malformed")
        }
        E::UnsupportedCriticalExtension => {
            format!("holds a {what} with a critical extension that rustls does not support")
        }
        E::SignatureAlgorithmMismatch => format!(
            "holds a {what} whose two signature algorithm fields differ (RFC 5280 §4.1.1.2)"
        ),
        E::EmptyEkuExtension => format!("holds a {what} with an empty extended key usage"),
        other => format!("holds a {what} that rustls cannot use (webpki error {other})"),
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
            webpki::anchor_from_trusted_cert(certificate).map_err(|error| {
                TlsError::BadCertificate {
                    source: self.source.clone(),
                    reason: certificate_problem(&error, "CA certificate"),
                }
            })?;
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
