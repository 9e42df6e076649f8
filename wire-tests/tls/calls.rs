//! Calls over TLS: every kind of RPC, by host name and by address, with and without a client
//! certificate.

use h2grpc::rpc::Request;
use h2grpc::services::hello::{GreeterClient, HelloRequest};
use h2grpc::services::helloworld;
use rcgen::ExtendedKeyUsagePurpose;

use super::{Ca, Pki, channel, tls_server};
use crate::support::net::within;

fn hello(name: &str) -> HelloRequest {
    HelloRequest { name: name.into() }
}

/// Unary, server streaming and bidirectional streaming on one TLS connection.
async fn every_kind(channel: h2grpc::client::Channel) {
    let greeter = GreeterClient::new(channel.clone());
    let reply = within("unary", greeter.say_hello(Request::new(hello("TLS"))))
        .await
        .unwrap();
    assert_eq!(reply.get_ref().message, "Hello, TLS!");

    let mut replies = within(
        "server streaming",
        greeter.say_hello_stream_reply(Request::new(hello("TLS"))),
    )
    .await
    .unwrap();
    let mut got = Vec::new();
    while let Some(reply) = within("a streamed reply", replies.message()).await.unwrap() {
        got.push(reply.message.to_string());
    }
    assert_eq!(got, ["Hello, TLS! #1", "Hello, TLS! #2", "Hello, TLS! #3"]);

    let (mut requests, mut replies) = within(
        "bidi",
        helloworld::GreeterClient::new(channel).say_hello_bidi_stream(Request::new(())),
    )
    .await
    .unwrap();
    for name in ["a", "b"] {
        requests.send(&hello(name)).await.unwrap();
        let reply = within("a bidi reply", replies.message()).await.unwrap();
        assert!(
            reply.unwrap().message.contains(name),
            "a reply for each request"
        );
    }
    requests.finish().await.unwrap();
    assert!(
        within("the end", replies.message())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn unary_and_streaming_calls_over_tls() {
    let pki = Pki::new();
    let server = tls_server(pki.server_tls(false)).await;
    every_kind(channel(&server, "localhost", pki.client_tls(None))).await;
}

#[tokio::test]
async fn an_address_target_verifies_the_address_in_the_certificate() {
    let pki = Pki::new();
    let server = tls_server(pki.server_tls(false)).await;
    every_kind(channel(&server, "127.0.0.1", pki.client_tls(None))).await;
}

#[tokio::test]
async fn mutual_tls_accepts_a_client_certificate_from_its_ca() {
    let pki = Pki::new();
    let server = tls_server(pki.server_tls(true)).await;
    every_kind(channel(
        &server,
        "localhost",
        pki.client_tls(Some(&pki.client)),
    ))
    .await;
}

#[tokio::test]
async fn the_server_name_can_be_overridden() {
    // A certificate for a name that does not resolve, as the interop tests' test CA issues
    // ("foo.test.google.fr"): reached by address, verified against the overriding name.
    let ca = Ca::new("override CA");
    let named = ca.leaf(&["server.test"], ExtendedKeyUsagePurpose::ServerAuth);
    let server_tls = h2grpc::tls::ServerTlsConfig::new(named.identity(), None).unwrap();
    let server = tls_server(server_tls).await;
    let client = h2grpc::tls::ClientTlsConfig::new(ca.cas(), None).unwrap();

    let wrong = channel(&server, "127.0.0.1", client.clone());
    let status = GreeterClient::new(wrong)
        .say_hello(Request::new(hello("x")))
        .await
        .unwrap_err();
    super::assert_unavailable(&status, &["TLS handshake", "server.test"]);

    let right = channel(&server, "127.0.0.1", client.server_name("server.test"));
    every_kind(right).await;
}
