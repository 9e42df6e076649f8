//! TLS under HTTP/2: rustls, ALPN `h2`, and optionally client certificates (mutual TLS).
//!
//! ## What TLS gives gRPC
//!
//! Without TLS every byte of a call crosses the network as the [crate docs](crate) show it:
//! the method path, the metadata (an `authorization: Bearer …` token included) and the
//! messages. TLS puts a record layer between TCP and HTTP/2 that gives three things:
//!
//! - **confidentiality and integrity**: the HTTP/2 frames are encrypted and authenticated, so
//!   they can be neither read nor altered on the way;
//! - **server authentication**: the server proves it holds the private key of a certificate that
//!   chains to a certificate authority the client trusts ([`CaCertificates`]) and that names the
//!   host the client meant to reach;
//! - **client authentication**, when the server asks for it (*mutual TLS*): the client proves
//!   the same with a certificate of its own ([`Identity`]), signed by a CA the server trusts.
//!
//! gRPC itself changes in one header only: `:scheme` is `https` instead of `http`
//! (PROTOCOL-HTTP2.md: `Scheme → ":scheme" ("http" / "https")`). Everything above the
//! [`transport`](crate::transport) runs unchanged, because `h2` reads and writes any
//! `AsyncRead + AsyncWrite`: a TLS stream is just another byte stream to it.
//!
//! ```text
//!   gRPC calls         (call, rpc, server, client)
//!   HTTP/2 frames      (transport: h2)
//!   TLS records        (this module: rustls)     <- absent for http:// targets
//!   TCP
//! ```
//!
//! ## The handshake, and why ALPN matters
//!
//! Before any HTTP/2 byte, client and server run the TLS handshake (TLS 1.3 shown; rustls also
//! speaks TLS 1.2, the minimum RFC 9113 §9.2 allows for HTTP/2):
//!
//! ```text
//! client                                              server
//!   ClientHello  SNI "localhost", ALPN ["h2"]   ->
//!                                               <-  ServerHello
//!                                                   {EncryptedExtensions  ALPN "h2"}
//!                                                   {CertificateRequest}       (mutual TLS only)
//!                                                   {Certificate, CertificateVerify, Finished}
//!   {Certificate, CertificateVerify}            ->  (mutual TLS only)
//!   {Finished}                                  ->
//!   {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", SETTINGS}  ->  the HTTP/2 connection preface, encrypted
//! ```
//!
//! **ALPN** (Application-Layer Protocol Negotiation, RFC 7301) is how the two agree, inside the
//! handshake, on the protocol that will run over it: the client lists what it speaks, the server
//! picks one. RFC 9113 §3.1 names HTTP/2 over TLS `h2`, and §3.2 has a client start HTTP/2 for
//! an `https` URI with TLS and the ALPN extension. Without that agreement a client that sends
//! the HTTP/2 preface could be talking to an HTTP/1.1 server (or a proxy that routes by ALPN),
//! which would read it as a malformed request. So both sides insist on `h2`:
//!
//! - the client offers only `h2` and refuses a server that did not select it: the call fails
//!   with UNAVAILABLE, before any HTTP/2 byte is sent;
//! - the server offers only `h2`. A client that offers other protocols and not `h2` gets the
//!   fatal `no_application_protocol` alert from rustls, as RFC 7301 §3.2 says ("the server
//!   SHALL respond with a fatal 'no_application_protocol' alert"); a client that offers no ALPN
//!   at all completes the handshake (TLS allows that) and is then disconnected by h2grpc.
//!
//! grpc-go does the same since 1.67 (it refuses TLS connections without ALPN `h2`), and tonic
//! sets ALPN `h2` on both sides.
//!
//! **SNI** (Server Name Indication, RFC 6066 §3) puts the host name the client wants in the
//! ClientHello, so that a server with many names can present the right certificate. The client
//! checks the certificate against the same name. It is the target's host
//! (`https://localhost:50051` → `localhost`) unless [`ClientTlsConfig::server_name`] overrides
//! it; for an IP address no SNI is sent (RFC 6066 allows only DNS names there) and the
//! certificate must list the address among its subject alternative names.
//!
//! One TLS 1.3 subtlety for mutual TLS: the client's handshake is over once it has sent its
//! Finished, *before* the server has checked the client's certificate. A server that refuses the
//! certificate answers with an alert (`certificate_required`, `unknown_ca`, ...) that the
//! client reads after the handshake. h2grpc's client therefore waits for the server to answer an
//! HTTP/2 PING before it counts a TLS connection as made (one more round trip per connection),
//! so that a refusal is a connection error naming the alert, not a failure of whichever call
//! came first.
//!
//! ## Configuring it
//!
//! ```no_run
//! use h2grpc::client::{Channel, ChannelConfig};
//! use h2grpc::server::Server;
//! use h2grpc::tls::{CaCertificates, ClientTlsConfig, Identity, ServerTlsConfig};
//!
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // The server: its certificate and key; with `Some(client CAs)`, mutual TLS.
//! let identity = Identity::from_pem_files("server.pem", "server.key")?;
//! let server = Server::new().tls(ServerTlsConfig::new(identity, None)?);
//!
//! // The client: the CA that signed the server's certificate (the system's CAs when
//! // `tls` is `None` and the target is `https://`).
//! let tls = ClientTlsConfig::new(CaCertificates::from_pem_file("ca.pem")?, None)?;
//! let config = ChannelConfig { tls: Some(tls), ..ChannelConfig::default() };
//! let channel = Channel::new("https://localhost:50051", config)?;
//! # Ok(()) }
//! ```
//!
//! ## When it fails
//!
//! Each refusal is one line that names what is at fault and why, in words rather than rustls'
//! type names. Loading: the file (a certificate file holding a key, an X.509 v1 certificate,
//! a key type rustls cannot sign with, a key that is not the certificate's: see [`TlsError`]).
//! Handshake, on the client: the server's certificate against the CA file that does not
//! trust it, or against the name it does not carry (listing the names it does); the server's
//! alert when it refuses the client's certificate. rustls does not look at a certificate's
//! validity dates when loading it; an expired server certificate is reported at the handshake.
//!
//! The cryptography is rustls' `ring` provider; protocol versions and cipher suites are
//! rustls' safe defaults (TLS 1.3 and 1.2, AEAD suites with forward secrecy only, which is also
//! what RFC 9113 §9.2.2 requires of HTTP/2 over TLS 1.2).

mod pem;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

pub use pem::{CaCertificates, Identity, TlsError};

use crate::status::{Code, Status};

/// The ALPN protocol ID of HTTP/2 over TLS (RFC 9113 §3.1): the only one either side offers.
pub const ALPN_H2: &[u8] = b"h2";

/// How long a server waits for a client to complete the TLS handshake: 10 s.
///
/// A handshake takes one or two round trips; a client that opens a connection and then sends
/// nothing would otherwise hold a socket and a task for as long as it likes.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// rustls' cryptography: the `ring` provider, named explicitly rather than taken from a
/// process-wide default, so that another crate choosing a different default changes nothing.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn config_error(what: &str) -> impl Fn(rustls::Error) -> TlsError + '_ {
    move |error| TlsError::Config {
        what: what.to_owned(),
        reason: error.to_string(),
    }
}

/// rustls' refusal of an identity that [`Identity::check`] passed (none is known), naming
/// both files since it cannot tell which is at fault.
fn identity_error(identity: &Identity, error: rustls::Error) -> TlsError {
    match error {
        rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
            identity.mismatch()
        }
        error => TlsError::Config {
            what: format!(
                "the certificate in {} with the key in {}",
                identity.chain_source, identity.key_source
            ),
            reason: error.to_string(),
        },
    }
}

// ===== server =====

/// The TLS side of a [`Server`](crate::server::Server): its identity, and the CAs whose
/// client certificates it accepts when it requires one (mutual TLS).
#[derive(Clone)]
pub struct ServerTlsConfig {
    config: Arc<rustls::ServerConfig>,
    handshake_timeout: Duration,
    client_auth: bool,
}

impl ServerTlsConfig {
    /// A server presenting `identity`. With `client_cas`, every client must present a
    /// certificate signed by one of them, or the handshake fails.
    ///
    /// # Errors
    /// The private key does not belong to the certificate, or rustls cannot use it; a CA
    /// certificate that is not valid.
    pub fn new(identity: Identity, client_cas: Option<CaCertificates>) -> Result<Self, TlsError> {
        let provider = provider();
        identity.check(&provider)?;
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(config_error("TLS protocol versions"))?;
        let builder = match &client_cas {
            None => builder.with_no_client_auth(),
            Some(cas) => {
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                    Arc::new(cas.root_store()?),
                    provider,
                )
                .build()
                .map_err(|error| TlsError::Config {
                    what: format!("client CA certificates in {}", cas.source),
                    reason: error.to_string(),
                })?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let mut config = builder
            .with_single_cert(identity.chain.clone(), identity.key.clone_key())
            .map_err(|error| identity_error(&identity, error))?;
        config.alpn_protocols = vec![ALPN_H2.to_vec()];
        Ok(Self {
            config: Arc::new(config),
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            client_auth: client_cas.is_some(),
        })
    }

    /// Sets how long a client has to complete the TLS handshake (default
    /// [`DEFAULT_HANDSHAKE_TIMEOUT`]).
    #[must_use]
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// Whether clients must present a certificate (mutual TLS).
    pub fn requires_client_certificate(&self) -> bool {
        self.client_auth
    }

    /// Runs the server side of the handshake on a new connection, within the handshake timeout.
    /// `None` when it failed, timed out, or the client did not agree to HTTP/2 (ALPN `h2`);
    /// why is logged at debug, and the connection is closed.
    pub(crate) async fn accept<IO>(&self, io: IO) -> Option<tokio_rustls::server::TlsStream<IO>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let acceptor = tokio_rustls::TlsAcceptor::from(self.config.clone());
        let handshake = async {
            let mut stream = match acceptor.accept(io).await {
                Ok(stream) => stream,
                Err(error) => {
                    tracing::debug!(%error, "TLS handshake failed");
                    return None;
                }
            };
            if stream.get_ref().1.alpn_protocol() == Some(ALPN_H2) {
                return Some(stream);
            }
            // RFC 7301 would have the server send no_application_protocol, but rustls only
            // sends it when the client offered some protocols; with none offered, TLS lets
            // the handshake succeed. Close with close_notify.
            tracing::debug!(
                "connection refused: the client did not offer HTTP/2 with ALPN (\"h2\")"
            );
            let _ = stream.shutdown().await;
            None
        };
        tokio::time::timeout(self.handshake_timeout, handshake)
            .await
            .unwrap_or_else(|_| {
                tracing::debug!(
                    timeout = ?self.handshake_timeout,
                    "TLS handshake not completed in time; connection closed"
                );
                None
            })
    }
}

impl fmt::Debug for ServerTlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTlsConfig")
            .field("handshake_timeout", &self.handshake_timeout)
            .field("client_auth", &self.client_auth)
            .finish_non_exhaustive()
    }
}

// ===== client =====

/// The TLS side of a [`Channel`](crate::client::Channel): the CAs it trusts to sign the
/// server's certificate, its own identity for mutual TLS, and optionally the name the server's
/// certificate must carry.
#[derive(Clone)]
pub struct ClientTlsConfig {
    config: Arc<rustls::ClientConfig>,
    server_name: Option<String>,
    /// Where the trusted CAs came from, for error messages.
    cas_source: Arc<str>,
}

impl ClientTlsConfig {
    /// A client trusting `cas`; with `identity`, it presents that certificate when the server
    /// asks for one (mutual TLS).
    ///
    /// # Errors
    /// A CA certificate that is not valid; the identity's key does not belong to its
    /// certificate, or rustls cannot use it.
    pub fn new(cas: CaCertificates, identity: Option<Identity>) -> Result<Self, TlsError> {
        let cas_source = Arc::from(cas.source.as_str());
        let provider = provider();
        if let Some(identity) = &identity {
            identity.check(&provider)?;
        }
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(config_error("TLS protocol versions"))?
            .with_root_certificates(cas.root_store()?);
        let mut config = match identity {
            None => builder.with_no_client_auth(),
            Some(identity) => builder
                .with_client_auth_cert(identity.chain.clone(), identity.key.clone_key())
                .map_err(|error| identity_error(&identity, error))?,
        };
        config.alpn_protocols = vec![ALPN_H2.to_vec()];
        Ok(Self {
            config: Arc::new(config),
            server_name: None,
            cas_source,
        })
    }

    /// A client trusting the system's CAs ([`CaCertificates::system`]), without a certificate
    /// of its own: what an `https://` target gets when no TLS configuration is given.
    ///
    /// # Errors
    /// As [`CaCertificates::system`].
    pub fn with_system_cas() -> Result<Self, TlsError> {
        Self::new(CaCertificates::system()?, None)
    }

    /// Verifies the server's certificate against `name`, and sends it as SNI, instead of the
    /// target's host: for a server reached by an address its certificate does not name (the
    /// official interop tests' `--server_host_override`).
    #[must_use]
    pub fn server_name(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    /// What a channel to `host` needs to connect: the connector and the server name.
    pub(crate) fn connector(&self, host: &str) -> Result<TlsConnect, Status> {
        let name = self
            .server_name
            .as_deref()
            // An IPv6 host comes from the URI in brackets: `[::1]`.
            .unwrap_or_else(|| host.trim_start_matches('[').trim_end_matches(']'));
        let server_name = ServerName::try_from(name.to_owned()).map_err(|error| {
            Status::new(
                Code::Unavailable,
                format!("{name:?} cannot be a TLS server name: {error}"),
            )
        })?;
        Ok(TlsConnect {
            connector: tokio_rustls::TlsConnector::from(self.config.clone()),
            server_name,
            cas_source: self.cas_source.clone(),
        })
    }
}

impl fmt::Debug for ClientTlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientTlsConfig")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

/// A channel's way to open TLS connections: rustls' connector and the name to verify.
#[derive(Clone)]
pub(crate) struct TlsConnect {
    connector: tokio_rustls::TlsConnector,
    server_name: ServerName<'static>,
    /// Where the trusted CAs came from, for error messages.
    cas_source: Arc<str>,
}

impl fmt::Debug for TlsConnect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConnect")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

impl TlsConnect {
    /// Runs the client side of the handshake over `io` (connected to `address`) and checks
    /// that the server selected HTTP/2.
    ///
    /// # Errors
    /// UNAVAILABLE naming the TLS failure (statuscodes.md: the connection could not be made,
    /// nothing was sent), or naming the protocol the server chose instead of `h2`.
    pub(crate) async fn connect<IO>(
        &self,
        io: IO,
        address: &str,
    ) -> Result<tokio_rustls::client::TlsStream<IO>, Status>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let stream = self
            .connector
            .connect(self.server_name.clone(), io)
            .await
            .map_err(|error| {
                let rustls_error = error
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<rustls::Error>());
                let why = match rustls_error.and_then(|known| self.describe(known)) {
                    Some(words) => words,
                    None => {
                        let error = error.to_string();
                        format!("{error}{}", hint(&error))
                    }
                };
                Status::new(
                    Code::Unavailable,
                    format!("TLS handshake with {address} failed: {why}"),
                )
            })?;
        match stream.get_ref().1.alpn_protocol() {
            Some(ALPN_H2) => Ok(stream),
            chosen => Err(Status::new(
                Code::Unavailable,
                format!(
                    "the server at {address} did not select HTTP/2 in the TLS handshake \
                     (ALPN {}; gRPC needs \"h2\")",
                    match chosen {
                        None => "none".to_owned(),
                        Some(other) => format!("{:?}", String::from_utf8_lossy(other)),
                    }
                ),
            )),
        }
    }
}

impl TlsConnect {
    /// A handshake failure the client can explain in words, naming the server's certificate
    /// and what the client holds it against: its CAs, or the name it expected. `None` for
    /// others, which keep rustls' text and a [`hint`].
    fn describe(&self, error: &rustls::Error) -> Option<String> {
        use rustls::{CertificateError as Cert, Error};
        let cas = &self.cas_source;
        let words = match error {
            Error::InvalidCertificate(Cert::UnknownIssuer) => format!(
                "the server's certificate is not signed by a CA in {cas} \
                 (nor does it lead to one through the intermediates it sent)"
            ),
            Error::InvalidCertificate(Cert::NotValidForNameContext {
                expected,
                presented,
            }) => {
                format!(
                    "the server's certificate is not valid for the name {:?}: it names {}; \
                     connect by one of those, or set the TLS server name to one",
                    expected.to_str(),
                    if presented.is_empty() {
                        "nothing (no subject alternative name)".to_owned()
                    } else {
                        presented
                            .iter()
                            .map(|name| plain_name(name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                )
            }
            Error::InvalidCertificate(Cert::NotValidForName) => format!(
                "the server's certificate is not valid for the name {:?}",
                self.server_name.to_str()
            ),
            Error::InvalidCertificate(Cert::Expired | Cert::ExpiredContext { .. }) => {
                "the server's certificate has expired".to_owned()
            }
            Error::InvalidCertificate(Cert::NotValidYet | Cert::NotValidYetContext { .. }) => {
                "the server's certificate is not valid yet (its notBefore is in the future; \
                 is this machine's clock right?)"
                    .to_owned()
            }
            Error::InvalidCertificate(Cert::BadEncoding) => {
                "the server's certificate is not valid DER".to_owned()
            }
            Error::InvalidCertificate(
                Cert::InvalidPurpose | Cert::InvalidPurposeContext { .. },
            ) => "the server's certificate is not for TLS servers (its extended key usage \
                 lacks serverAuth)"
                .to_owned(),
            other => return server_refusal(other).map(str::to_owned),
        };
        Some(words)
    }
}

/// The server's refusal of this client, as its TLS alert says it, in words: during the
/// handshake, or (TLS 1.3, where the client finishes first) right after it.
fn server_refusal(error: &rustls::Error) -> Option<&'static str> {
    use rustls::{AlertDescription as Alert, Error};
    Some(match error {
        Error::AlertReceived(Alert::CertificateRequired) => {
            "the server requires a client certificate"
        }
        Error::AlertReceived(Alert::UnknownCA) => {
            "the server does not trust the CA of the client's certificate"
        }
        Error::AlertReceived(Alert::CertificateExpired) => {
            "the server refused the client's certificate as expired"
        }
        Error::AlertReceived(Alert::BadCertificate) => {
            "the server refused the client's certificate"
        }
        Error::AlertReceived(Alert::NoApplicationProtocol) => {
            "the server does not offer HTTP/2 (ALPN \"h2\")"
        }
        // A cleartext HTTP/2 server answers a ClientHello with a GOAWAY frame.
        Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => {
            "the server does not seem to speak TLS (an http:// target?)"
        }
        _ => return None,
    })
}

/// Why a TLS connection ended right after the handshake, before the server answered anything:
/// the server's alert in words, else `h2`'s text with [`hint_after_handshake`].
///
/// `h2` keeps only the text of the I/O error that ended the connection, not rustls' error, so
/// the alert is recognised by the text rustls gives it.
pub(crate) fn after_handshake(error: Option<&h2::Error>) -> String {
    use rustls::{AlertDescription as Alert, Error};
    let Some(error) = error else {
        return format!("connection closed{}", hint_after_handshake(""));
    };
    let text = error.to_string();
    let alerts = [
        Alert::CertificateRequired,
        Alert::UnknownCA,
        Alert::CertificateExpired,
        Alert::BadCertificate,
        Alert::NoApplicationProtocol,
    ];
    alerts
        .into_iter()
        .map(Error::AlertReceived)
        .find(|alert| text.ends_with(&alert.to_string()))
        .and_then(|alert| server_refusal(&alert))
        .map_or_else(
            || format!("{text}{}", hint_after_handshake(&text)),
            str::to_owned,
        )
}

/// A name a certificate presents, as webpki words it (`DnsName("example.com")`,
/// `IpAddress(10.0.0.1)`), reduced to the name itself.
fn plain_name(presented: &str) -> &str {
    let inner = |prefix: &str| {
        presented
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(')'))
    };
    inner("DnsName(")
        .map(|quoted| quoted.trim_matches('"'))
        .or_else(|| inner("IpAddress("))
        .unwrap_or(presented)
}

/// A few words on the likely cause of a TLS failure, from the text of rustls' error (which is
/// all that is left of it once it has come through `h2` as an I/O error); empty if none fits.
pub(crate) fn hint(error: &str) -> &'static str {
    use rustls::{AlertDescription as Alert, CertificateError, Error, InvalidMessage};
    let hints = [
        (
            Error::InvalidCertificate(CertificateError::UnknownIssuer),
            " (the server's certificate is not signed by a CA this client trusts)",
        ),
        (
            Error::AlertReceived(Alert::CertificateRequired),
            " (the server requires a client certificate)",
        ),
        (
            Error::AlertReceived(Alert::UnknownCA),
            " (the server does not trust the CA of the client's certificate)",
        ),
        (
            Error::AlertReceived(Alert::BadCertificate),
            " (the server refused the client's certificate)",
        ),
        (
            Error::AlertReceived(Alert::NoApplicationProtocol),
            " (the server does not offer HTTP/2, ALPN \"h2\")",
        ),
        (
            // A cleartext HTTP/2 server answers a ClientHello with a GOAWAY frame.
            Error::InvalidMessage(InvalidMessage::InvalidContentType),
            " (the server does not seem to speak TLS: an http:// target?)",
        ),
    ];
    hints
        .into_iter()
        .find(|(known, _)| error.ends_with(&known.to_string()))
        .map_or("", |(_, hint)| hint)
}

/// As [`hint`], for a connection the server closed right after the handshake, before answering
/// anything: without a better clue, the usual cause. (A BoringSSL server, grpcio's, refusing a
/// missing client certificate may close without sending the alert.)
pub(crate) fn hint_after_handshake(error: &str) -> &'static str {
    match hint(error) {
        "" => " (a server that requires a client certificate may close the connection like this)",
        known => known,
    }
}

#[cfg(test)]
mod tests {
    use super::plain_name;

    #[test]
    fn presented_names_lose_webpki_s_wrapping() {
        assert_eq!(plain_name("DnsName(\"localhost\")"), "localhost");
        assert_eq!(plain_name("IpAddress(127.0.0.1)"), "127.0.0.1");
        assert_eq!(plain_name("IpAddress(::1)"), "::1");
        assert_eq!(plain_name("something else"), "something else");
    }
}
