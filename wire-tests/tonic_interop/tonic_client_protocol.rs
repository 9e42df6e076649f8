//! tonic client → h2grpc server: the protocol around the services (UNIMPLEMENTED, metadata,
//! `grpc-timeout` and deadlines, large messages).

use std::time::Duration;

use tonic_peer::clients::{
    CurrencyConverterClient, HelloClient, HelloWorldClient, UserServiceClient,
};
use tonic_peer::pb::{finance, users};
use tonic_peer::tokio_stream;
use tonic_peer::tonic::metadata::MetadataValue;
use tonic_peer::tonic::{Code, Request};

use super::tonic_client::{hello_request, user_request, world_request};
use super::{BIN_VALUE, ONE_MIB, big_name};
use crate::support::services::{self, spawn, spawn_all};

#[tokio::test]
async fn unknown_service_and_method_are_unimplemented() {
    // Only helloworld.Greeter/SayHello is served.
    let server = spawn(h2grpc::server::Server::new().unary(
        h2grpc::services::helloworld::SAY_HELLO,
        |_request: h2grpc::rpc::Request<h2grpc::services::hello::HelloRequest>| async {
            Ok(h2grpc::rpc::Response::new(
                h2grpc::services::hello::HelloReply::default(),
            ))
        },
    ))
    .await;

    let mut users = UserServiceClient::connect(server.url()).await.unwrap();
    let status = users
        .get_user(users::GetUserRequest {
            user_id: "x".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (Code::Unimplemented, "unknown service users.UserService")
    );
    let mut greeter = HelloWorldClient::connect(server.url()).await.unwrap();
    let status = greeter
        .say_hello_again(world_request("x"))
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (
            Code::Unimplemented,
            "unknown method SayHelloAgain for service helloworld.Greeter"
        )
    );
    // The same stream kinds fail the same way: server streaming and bidi.
    let status = greeter
        .say_hello_stream_reply(world_request("x"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    let status = greeter
        .say_hello_bidi_stream(tokio_stream::iter([world_request("x")]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
}

/// A request with the ASCII and binary metadata of the tests.
fn with_metadata<T>(message: T) -> Request<T> {
    let mut request = Request::new(message);
    let metadata = request.metadata_mut();
    metadata.insert("x-custom", "tonic ascii value".parse().unwrap());
    metadata.insert_bin("x-bin-bin", MetadataValue::from_bytes(BIN_VALUE));
    request
}

#[tokio::test]
async fn metadata_both_ways_with_trailers() {
    let server = spawn_all().await;
    let mut client = HelloClient::connect(server.url()).await.unwrap();

    // Unary: the echo comes in the Response-Headers, the trailer in the Trailers; tonic merges
    // both into the response's metadata.
    let mut request = with_metadata(hello_request("m"));
    request
        .metadata_mut()
        .insert("x-unary-trailer", "from h2grpc".parse().unwrap());
    let response = client.say_hello(request).await.unwrap();
    let metadata = response.metadata();
    assert_eq!(metadata.get("x-custom-echo").unwrap(), "tonic ascii value");
    let bin = metadata.get_bin("x-bin-echo-bin").unwrap();
    assert_eq!(bin.to_bytes().unwrap().as_ref(), BIN_VALUE);
    assert_eq!(metadata.get("x-trailer").unwrap(), "from h2grpc");
    // h2grpc sends -bin values unpadded, as tonic does.
    assert_eq!(bin.as_encoded_bytes(), b"AAECA/8");

    // Server streaming: headers before the first message, trailers after the last.
    let response = client
        .say_hello_stream_reply(with_metadata(hello_request("m")))
        .await
        .unwrap();
    assert_eq!(
        response.metadata().get("x-custom-echo").unwrap(),
        "tonic ascii value"
    );
    let mut stream = response.into_inner();
    while stream.message().await.unwrap().is_some() {}
    let trailers = stream.trailers().await.unwrap().unwrap();
    assert_eq!(trailers.get("x-trailer").unwrap(), "done");

    // Bidi: the same.
    let mut world = HelloWorldClient::connect(server.url()).await.unwrap();
    let requests = tokio_stream::iter([world_request("a"), world_request("b")]);
    let response = world
        .say_hello_bidi_stream(with_metadata(requests))
        .await
        .unwrap();
    let bin = response.metadata().get_bin("x-bin-echo-bin").unwrap();
    assert_eq!(bin.to_bytes().unwrap().as_ref(), BIN_VALUE);
    let mut stream = response.into_inner();
    while stream.message().await.unwrap().is_some() {}
    let trailers = stream.trailers().await.unwrap().unwrap();
    assert_eq!(trailers.get("x-trailer").unwrap(), "done");

    // Client streaming.
    let mut users = UserServiceClient::connect(server.url()).await.unwrap();
    let batch = tokio_stream::iter([user_request("M", "m@example.com", 1)]);
    let response = users.bulk_create_users(with_metadata(batch)).await.unwrap();
    assert_eq!(
        response.metadata().get("x-custom-echo").unwrap(),
        "tonic ascii value"
    );
}

#[tokio::test]
async fn grpc_timeout_reaches_the_h2grpc_server() {
    let server = spawn_all().await;
    let mut client = HelloClient::connect(server.url()).await.unwrap();
    // tonic sends e.g. `5000000u`; h2grpc parses it to 5 s and, formatting it again, gets the
    // same text: the two formats agree (finest unit that fits in 8 digits, truncated).
    for (timeout, wire) in [
        (Duration::from_secs(5), "5000000u"),
        (Duration::from_millis(1500), "1500000u"),
        (Duration::from_secs(100), "100000m"),
        (Duration::from_secs(3600), "3600000m"),
    ] {
        let mut request = Request::new(hello_request("t"));
        request.set_timeout(timeout);
        let response = client.say_hello(request).await.unwrap();
        assert_eq!(
            response.metadata().get("x-timeout-echo").unwrap(),
            wire,
            "{timeout:?}"
        );
    }
}

/// tonic's deadline against a slow h2grpc method.
///
/// Both sides enforce it: tonic's client-side `GrpcTimeout` gives up with CANCELLED ("Timeout
/// expired", tonic's deviation from statuscodes.md), h2grpc's server answers DEADLINE_EXCEEDED
/// (statuscodes.md), Trailers-Only. Which of the two the tonic caller sees depends on which
/// timer fires first; tonic's starts before the request leaves, so it is CANCELLED in practice.
#[tokio::test]
async fn unary_deadline_is_cancelled_or_deadline_exceeded() {
    let server = spawn_all().await;
    let mut client = HelloClient::connect(server.url()).await.unwrap();
    let mut request = Request::new(hello_request("slow"));
    request
        .metadata_mut()
        .insert("x-sleep-ms", "10000".parse().unwrap());
    request.set_timeout(Duration::from_millis(100));
    let status = client.say_hello(request).await.unwrap_err();
    assert!(
        matches!(status.code(), Code::Cancelled | Code::DeadlineExceeded),
        "{status:?}"
    );
}

/// A streaming deadline is the h2grpc server's alone: tonic's client timer only covers the wait
/// for the Response-Headers, which the handler sends at once. The stream then
/// ends with the server's DEADLINE_EXCEEDED, exactly.
#[tokio::test]
async fn streaming_deadline_is_enforced_by_the_h2grpc_server() {
    let server = spawn_all().await;
    let mut client = CurrencyConverterClient::connect(server.url())
        .await
        .unwrap();
    let mut request = Request::new(finance::WatchRequest {
        base_currency: "USD".into(),
        target_currencies: vec!["EUR".into()],
    });
    request.set_timeout(Duration::from_millis(200));
    let mut updates = client.watch_rates(request).await.unwrap().into_inner();
    let status = loop {
        match updates.message().await {
            Ok(Some(update)) => assert_eq!(update.currency, "EUR"),
            Ok(None) => panic!("the stream ended OK before its deadline"),
            Err(status) => break status,
        }
    };
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
}

#[tokio::test]
async fn one_mib_messages_both_ways() {
    let server = spawn_all().await;
    let mut client = HelloClient::connect(server.url()).await.unwrap();
    let name = big_name(ONE_MIB);

    let reply = client
        .say_hello(hello_request(&name))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reply.message.len(), ONE_MIB + "Hello, !".len());
    assert_eq!(reply.message, format!("Hello, {name}!"));

    // Three 1 MiB replies in a row: 3 MiB through one stream's window.
    let mut stream = client
        .say_hello_stream_reply(hello_request(&name))
        .await
        .unwrap()
        .into_inner();
    let mut count = 0;
    while let Some(reply) = stream.message().await.unwrap() {
        count += 1;
        assert_eq!(reply.message, format!("Hello, {name}! #{count}"));
    }
    assert_eq!(count, 3);

    // And 1 MiB requests on a stream: bidi, two of them.
    let mut world = HelloWorldClient::connect(server.url()).await.unwrap();
    let requests = tokio_stream::iter([world_request(&name), world_request(&name)]);
    let mut replies = world
        .say_hello_bidi_stream(requests)
        .await
        .unwrap()
        .into_inner();
    let mut count = 0;
    while let Some(reply) = replies.message().await.unwrap() {
        count += 1;
        assert_eq!(reply.message.len(), ONE_MIB + "Hello, !".len());
    }
    assert_eq!(count, 2);
}

/// The services' tests above all pass through [`services::all`]; this one checks that the
/// helper registers exactly the tonic peer's methods, so no method is left untested by omission.
#[test]
fn the_h2grpc_test_server_serves_every_method_of_proto() {
    let server = services::all(h2grpc::server::Server::new());
    assert_eq!(
        server.methods(),
        [
            "/finance.CurrencyConverter/BatchConvert",
            "/finance.CurrencyConverter/Convert",
            "/finance.CurrencyConverter/LiveConvert",
            "/finance.CurrencyConverter/WatchRates",
            "/hello.Greeter/SayHello",
            "/hello.Greeter/SayHelloAgain",
            "/hello.Greeter/SayHelloStreamReply",
            "/helloworld.Greeter/SayHello",
            "/helloworld.Greeter/SayHelloAgain",
            "/helloworld.Greeter/SayHelloBidiStream",
            "/helloworld.Greeter/SayHelloStreamReply",
            "/users.UserService/BulkCreateUsers",
            "/users.UserService/CreateUser",
            "/users.UserService/GetUser",
            "/users.UserService/ListUsers",
        ]
    );
}
