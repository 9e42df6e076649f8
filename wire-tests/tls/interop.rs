//! TLS between h2grpc and tonic (rustls on both sides, but tonic's own configuration: its ALPN,
//! its verifier, its handshake), in both directions.

use h2grpc::rpc::Request;
use h2grpc::services::hello::{GreeterClient, HelloRequest};
use tonic_peer::TonicServer;
use tonic_peer::clients::HelloClient;
use tonic_peer::pb::hello;
use tonic_peer::tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};

use super::{Leaf, Pki, tls_server};
use crate::support::net::within;

/// A tonic client trusting `pki`'s CA, presenting `identity`, connected to `https://localhost`.
async fn tonic_client(
    pki: &Pki,
    port: u16,
    identity: Option<&Leaf>,
) -> Result<HelloClient<tonic_peer::tonic::transport::Channel>, String> {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(&pki.ca.pem))
        .domain_name("localhost");
    if let Some(leaf) = identity {
        tls = tls.identity(Identity::from_pem(&leaf.cert, &leaf.key));
    }
    let endpoint = Endpoint::from_shared(format!("https://localhost:{port}"))
        .unwrap()
        .tls_config(tls)
        .unwrap();
    let channel = within("tonic connect", endpoint.connect())
        .await
        .map_err(|error| format!("{error:?}"))?;
    Ok(HelloClient::new(channel))
}

#[tokio::test]
async fn a_tonic_client_calls_an_h2grpc_tls_server() {
    let pki = Pki::new();
    let server = tls_server(pki.server_tls(false)).await;
    let mut client = tonic_client(&pki, server.addr.port(), None).await.unwrap();
    let request = hello::HelloRequest {
        name: "tonic".into(),
    };
    let reply = within("unary", client.say_hello(request.clone()))
        .await
        .unwrap();
    assert_eq!(reply.get_ref().message, "Hello, tonic!");
    let mut replies = within("server streaming", client.say_hello_stream_reply(request))
        .await
        .unwrap()
        .into_inner();
    let mut count = 0;
    while within("a reply", replies.message())
        .await
        .unwrap()
        .is_some()
    {
        count += 1;
    }
    assert_eq!(count, 3);
}

#[tokio::test]
async fn a_tonic_client_with_a_certificate_passes_mutual_tls() {
    let pki = Pki::new();
    let server = tls_server(pki.server_tls(true)).await;
    let port = server.addr.port();
    let request = || hello::HelloRequest { name: "m".into() };

    let mut client = tonic_client(&pki, port, Some(&pki.client)).await.unwrap();
    let reply = within("unary", client.say_hello(request())).await.unwrap();
    assert_eq!(reply.get_ref().message, "Hello, m!");

    // Without a certificate: refused, at connect or at the first call (TLS 1.3).
    let refused = match tonic_client(&pki, port, None).await {
        Err(error) => error,
        Ok(mut client) => format!(
            "{:?}",
            within("refused", client.say_hello(request()))
                .await
                .unwrap_err()
        ),
    };
    assert!(refused.contains("CertificateRequired"), "{refused}");
}

#[tokio::test]
async fn an_h2grpc_client_calls_a_tonic_tls_server() {
    let pki = Pki::new();
    let server = TonicServer::start_tls(&pki.server.cert, &pki.server.key).await;
    let config = h2grpc::client::ChannelConfig {
        tls: Some(pki.client_tls(None)),
        ..h2grpc::client::ChannelConfig::default()
    };
    let channel = h2grpc::client::Channel::new(
        &format!("https://localhost:{}", server.addr().port()),
        config,
    )
    .unwrap();
    let greeter = GreeterClient::new(channel);
    let request = Request::new(HelloRequest {
        name: "h2grpc".into(),
    });
    let reply = within("unary", greeter.say_hello(request)).await.unwrap();
    assert_eq!(reply.get_ref().message, "Hello, h2grpc!");
    let request = Request::new(HelloRequest {
        name: "h2grpc".into(),
    });
    let mut replies = within("server streaming", greeter.say_hello_stream_reply(request))
        .await
        .unwrap();
    let mut count = 0;
    while within("a reply", replies.message())
        .await
        .unwrap()
        .is_some()
    {
        count += 1;
    }
    assert_eq!(count, 3);
}
