//! What each side refuses, and how the client says so: a server or client certificate from
//! the wrong CA, a server certificate for other names or out of date, a missing client
//! certificate, a peer that does not agree to HTTP/2 with ALPN,
//! a client that never completes its handshake.

use std::sync::Arc;
use std::time::{Duration, Instant};

use h2grpc::rpc::Request;
use h2grpc::services::hello::{GreeterClient, HelloRequest};
use h2grpc::services::{self, Options};
use h2grpc::status::Status;
use h2grpc::tls::ClientTlsConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{Pki, assert_unavailable, channel, tls_server};
use crate::support::net::within;
use crate::support::services::{Running, spawn};

/// One unary call on a new channel to `server` with `tls`: its error.
async fn refused(server: &Running, tls: ClientTlsConfig) -> Status {
    let greeter = GreeterClient::new(channel(server, "localhost", tls));
    let request = Request::new(HelloRequest { name: "x".into() });
    within("the refused call", greeter.say_hello(request))
        .await
        .expect_err("the call should fail")
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_servers_ca_refuses_it() {
    let pki = Pki::new();
    let server = tls_server(pki.server_tls(false)).await;
    let status = refused(
        &server,
        ClientTlsConfig::new(pki.other_ca.cas(), None).unwrap(),
    )
    .await;
    assert_unavailable(
        &status,
        &[
            "TLS handshake with localhost:",
            "failed: the server's certificate is not signed by a CA in the PEM data \
             (nor does it lead to one through the intermediates it sent)",
        ],
    );
    assert!(!status.message().contains("UnknownIssuer"), "{status:?}");
}

#[tokio::test]
async fn a_client_refuses_an_expired_server_certificate() {
    let pki = Pki::new();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params.not_before = rcgen::date_time_ymd(2000, 1, 1);
    params.not_after = rcgen::date_time_ymd(2001, 1, 1);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &pki.ca.issuer).unwrap().pem();
    let identity =
        h2grpc::tls::Identity::from_pem(cert.as_bytes(), key.serialize_pem().as_bytes()).unwrap();
    // Loading does not look at the dates: the server starts, the client refuses.
    let tls = h2grpc::tls::ServerTlsConfig::new(identity, None).unwrap();
    let server = tls_server(tls).await;
    let status = refused(&server, pki.client_tls(None)).await;
    assert_unavailable(&status, &["failed: the server's certificate has expired"]);
}

#[tokio::test]
async fn a_client_refuses_a_server_certificate_for_another_name() {
    let pki = Pki::new();
    let server = tls_server(pki.server_tls(false)).await;
    let status = refused(&server, pki.client_tls(None).server_name("other.test")).await;
    assert_unavailable(
        &status,
        &[
            "TLS handshake with localhost:",
            "failed: the server's certificate is not valid for the name \"other.test\": \
             it names localhost, 127.0.0.1; connect by one of those, or set the TLS server \
             name to one",
        ],
    );
}

#[tokio::test]
async fn mutual_tls_refuses_a_client_without_a_certificate() {
    let pki = Pki::new();
    let server = tls_server(pki.server_tls(true)).await;
    let status = refused(&server, pki.client_tls(None)).await;
    assert_unavailable(
        &status,
        &[
            "closed the connection after the TLS handshake: the server requires a client certificate",
        ],
    );
    assert!(
        !status.message().contains("CertificateRequired"),
        "{status:?}"
    );
}

#[tokio::test]
async fn mutual_tls_refuses_a_client_certificate_from_another_ca() {
    let pki = Pki::new();
    let server = tls_server(pki.server_tls(true)).await;
    let status = refused(&server, pki.client_tls(Some(&pki.stranger))).await;
    assert_unavailable(
        &status,
        &[
            "closed the connection after the TLS handshake: the server does not trust the CA of the client's certificate",
        ],
    );
    assert!(!status.message().contains("UnknownCA"), "{status:?}");
}

#[tokio::test]
async fn a_tls_client_of_a_cleartext_server_fails_its_handshake() {
    let pki = Pki::new();
    let server = spawn(services::register_all(
        h2grpc::server::Server::new(),
        &Options::default(),
    ))
    .await;
    let status = refused(&server, pki.client_tls(None)).await;
    assert_unavailable(
        &status,
        &[
            "TLS handshake with localhost:",
            "does not seem to speak TLS",
        ],
    );
}

// ===== ALPN =====

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A TLS server that is not h2grpc: rustls with the test server's certificate and no ALPN.
/// It completes handshakes and then waits for the client to leave.
async fn server_without_alpn(pki: &Pki) -> std::net::SocketAddr {
    let chain = CertificateDer::pem_slice_iter(pki.server.cert.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(pki.server.key.as_bytes()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    assert!(config.alpn_protocols.is_empty());
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut stream) = acceptor.accept(tcp).await {
                    let mut sink = Vec::new();
                    let _ = stream.read_to_end(&mut sink).await;
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn the_client_refuses_a_server_that_does_not_select_h2() {
    let pki = Pki::new();
    let addr = server_without_alpn(&pki).await;
    let config = h2grpc::client::ChannelConfig {
        tls: Some(pki.client_tls(None)),
        ..h2grpc::client::ChannelConfig::default()
    };
    let channel =
        h2grpc::client::Channel::new(&format!("https://localhost:{}", addr.port()), config)
            .unwrap();
    let status = within(
        "the refused call",
        GreeterClient::new(channel).say_hello(Request::new(HelloRequest::default())),
    )
    .await
    .unwrap_err();
    // The message comes after the handshake: the TLS part succeeded, HTTP/2 was not agreed.
    assert_unavailable(
        &status,
        &["did not select HTTP/2", "ALPN none", "gRPC needs \"h2\""],
    );
}

/// A TLS client that is not h2grpc: rustls trusting the test CA, offering `alpn`.
fn raw_client(pki: &Pki, alpn: &[&[u8]]) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(pki.ca.pem.as_bytes()).unwrap())
        .unwrap();
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// The HTTP/2 client connection preface and an empty SETTINGS frame (RFC 9113 §3.4).
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";

/// Connects with `alpn`, sends the HTTP/2 preface, and returns what the server sent back
/// before closing (or the first 9 bytes, a frame header, if it keeps the connection open).
async fn first_bytes_with_alpn(pki: &Pki, server: &Running, alpn: &[&[u8]]) -> Vec<u8> {
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let mut tls = raw_client(pki, alpn)
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .expect("TLS allows a handshake without ALPN");
    // The server may already have closed: a failed write shows in what is read.
    let _ = tls.write_all(PREFACE).await;
    let mut got = Vec::new();
    let mut chunk = [0u8; 9];
    while got.len() < 9 {
        match within("the server's answer", tls.read(&mut chunk)).await {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
        }
    }
    got
}

#[tokio::test]
async fn the_server_closes_a_client_that_did_not_offer_h2() {
    let pki = Pki::new();
    let server = tls_server(pki.server_tls(false)).await;

    // With ALPN h2 the server answers the preface with its SETTINGS (frame type 4).
    let answer = first_bytes_with_alpn(&pki, &server, &[b"h2"]).await;
    assert_eq!(answer.get(3), Some(&4), "a SETTINGS frame: {answer:?}");

    // Without ALPN, the handshake completes and the server closes at once: not one HTTP/2 byte.
    let answer = first_bytes_with_alpn(&pki, &server, &[]).await;
    assert!(answer.is_empty(), "{answer:?}");
}

#[tokio::test]
async fn the_server_alerts_a_client_that_offers_only_other_protocols() {
    let pki = Pki::new();
    let server = tls_server(pki.server_tls(false)).await;
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let error = raw_client(&pki, &[b"http/1.1"])
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .expect_err("RFC 7301: no common protocol is a fatal alert");
    assert!(
        error.to_string().contains("NoApplicationProtocol"),
        "{error}"
    );
}

#[tokio::test]
async fn the_server_drops_a_client_that_never_completes_its_handshake() {
    let pki = Pki::new();
    let timeout = Duration::from_millis(300);
    let server = tls_server(pki.server_tls(false).handshake_timeout(timeout)).await;
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    let started = Instant::now();
    let mut sink = Vec::new();
    // Nothing sent: the server closes the connection when the timeout passes.
    // (A reset or an orderly close: either way, closed.)
    let _ = within("the server to close", tcp.read_to_end(&mut sink)).await;
    assert!(sink.is_empty(), "{sink:?}");
    assert!(started.elapsed() >= timeout - Duration::from_millis(50));
}
