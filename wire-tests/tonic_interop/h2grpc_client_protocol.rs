//! h2grpc client → tonic server: the protocol around the services (UNIMPLEMENTED, metadata,
//! `grpc-timeout` and deadlines, large messages).

use std::time::Duration;

use h2grpc::rpc::{Request, Response};
use h2grpc::services::finance::{self, RateUpdate, WatchRequest};
use h2grpc::services::hello::{self, HelloReply, HelloRequest};
use h2grpc::services::helloworld;
use h2grpc::services::users::{self, BulkCreateResponse, CreateUserRequest};
use h2grpc::status::Code;

use super::h2grpc_client::{code_and_message, collect, connect, hello_request, user_request};
use super::{BIN_VALUE, ONE_MIB, big_name};

/// tonic answers an unknown method or service with UNIMPLEMENTED and no `grpc-message`
/// (sent Trailers-Only), which h2grpc reads as an empty message.
#[tokio::test]
async fn unknown_service_and_method_are_unimplemented() {
    let (_server, channel) = connect().await;
    for path in ["/users.UserService/DeleteUser", "/nope.Nope/Call"] {
        let status = channel
            .unary::<_, HelloReply>(path, hello_request("x"))
            .await
            .unwrap_err();
        assert_eq!(
            code_and_message(&status),
            (Code::Unimplemented, ""),
            "{path}"
        );
        // A streaming call gets the same Trailers-Only answer, when it starts or at its first
        // message.
        let status = match channel
            .server_streaming::<_, HelloReply>(path, hello_request("x"))
            .await
        {
            Err(status) => status,
            Ok(mut stream) => stream.message().await.unwrap_err(),
        };
        assert_eq!(status.code(), Code::Unimplemented, "{path}");
    }
}

/// A request with the ASCII and binary metadata of the tests.
fn with_metadata<T>(message: T) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("x-custom", "h2grpc ascii value")
        .unwrap();
    request
        .metadata_mut()
        .insert_bin("x-bin-bin", BIN_VALUE)
        .unwrap();
    request
}

#[tokio::test]
async fn metadata_both_ways_with_trailers() {
    let (_server, channel) = connect().await;

    let response: Response<HelloReply> = channel
        .unary(
            hello::SAY_HELLO,
            with_metadata(HelloRequest { name: "m".into() }),
        )
        .await
        .unwrap();
    assert_eq!(
        response.metadata().get("x-custom-echo"),
        Some("h2grpc ascii value")
    );
    let bin = response
        .metadata()
        .get_bin("x-bin-echo-bin")
        .unwrap()
        .unwrap();
    assert_eq!(&bin[..], BIN_VALUE);
    // tonic sends -bin values unpadded too.
    assert_eq!(
        response.metadata().as_headers()["x-bin-echo-bin"],
        "AAECA/8"
    );
    // tonic cannot send trailing metadata on a successful unary response.
    assert!(response.trailers().get("x-trailer").is_none());

    // Server streaming: headers first, trailers after the last message.
    let mut stream = channel
        .server_streaming::<_, HelloReply>(
            hello::SAY_HELLO_STREAM_REPLY,
            with_metadata(HelloRequest { name: "m".into() }),
        )
        .await
        .unwrap();
    let headers = stream.headers().await.unwrap();
    assert_eq!(headers.get("x-custom-echo"), Some("h2grpc ascii value"));
    assert_eq!(collect(&mut stream).await.len(), 3);
    assert_eq!(stream.trailers().unwrap().get("x-trailer"), Some("done"));

    // Bidi.
    let (mut tx, mut rx) = channel
        .bidi_streaming::<HelloRequest, HelloReply>(
            helloworld::SAY_HELLO_BIDI_STREAM,
            with_metadata(()),
        )
        .await
        .unwrap();
    tx.send(&HelloRequest { name: "a".into() }).await.unwrap();
    tx.finish().await.unwrap();
    let bin = rx
        .headers()
        .await
        .unwrap()
        .get_bin("x-bin-echo-bin")
        .unwrap()
        .unwrap();
    assert_eq!(&bin[..], BIN_VALUE);
    assert_eq!(collect(&mut rx).await.len(), 1);
    assert_eq!(rx.trailers().unwrap().get("x-trailer"), Some("done"));

    // Client streaming.
    let mut bulk = channel
        .client_streaming::<CreateUserRequest, BulkCreateResponse>(
            users::BULK_CREATE_USERS,
            with_metadata(()),
        )
        .await
        .unwrap();
    bulk.send(&user_request("M", "m@example.com", 1))
        .await
        .unwrap();
    let response = bulk.finish().await.unwrap();
    assert_eq!(
        response.metadata().get("x-custom-echo"),
        Some("h2grpc ascii value")
    );
}

/// tonic's server echoes the raw `grpc-timeout` it received: h2grpc's format is tonic's.
#[tokio::test]
async fn grpc_timeout_reaches_the_tonic_server() {
    let (_server, channel) = connect().await;
    for (timeout, wire) in [
        (Duration::from_secs(5), "5000000u"),
        (Duration::from_millis(1500), "1500000u"),
        (Duration::from_secs(100), "100000m"),
        (Duration::from_secs(3600), "3600000m"),
    ] {
        let request = hello_request("t").with_timeout(timeout);
        let response: Response<HelloReply> =
            channel.unary(hello::SAY_HELLO, request).await.unwrap();
        assert_eq!(
            response.metadata().get("x-timeout-echo"),
            Some(wire),
            "{timeout:?}"
        );
    }
}

/// h2grpc's client reports its deadline as DEADLINE_EXCEEDED (statuscodes.md), whether the
/// call is unary (tonic's server would answer CANCELLED at its own, later, deadline) or
/// streaming (tonic's server does not bound a response stream).
#[tokio::test]
async fn deadlines_are_deadline_exceeded() {
    let (_server, channel) = connect().await;
    let mut request = hello_request("slow").with_timeout(Duration::from_millis(100));
    request
        .metadata_mut()
        .insert("x-sleep-ms", "10000")
        .unwrap();
    let status = channel
        .unary::<_, HelloReply>(hello::SAY_HELLO, request)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");

    let watch = WatchRequest {
        base_currency: "USD".into(),
        target_currencies: vec!["GBP".into()],
    };
    let request = Request::new(watch).with_timeout(Duration::from_millis(200));
    let mut updates = channel
        .server_streaming::<_, RateUpdate>(finance::WATCH_RATES, request)
        .await
        .unwrap();
    let status = loop {
        match updates.message().await {
            Ok(Some(update)) => assert_eq!(&*update.currency, "GBP"),
            Ok(None) => panic!("the stream ended OK before its deadline"),
            Err(status) => break status,
        }
    };
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
}

#[tokio::test]
async fn one_mib_messages_both_ways() {
    let (_server, channel) = connect().await;
    let name = big_name(ONE_MIB);

    let reply: Response<HelloReply> = channel
        .unary(hello::SAY_HELLO, hello_request(&name))
        .await
        .unwrap();
    assert_eq!(reply.get_ref().message.len(), ONE_MIB + "Hello, !".len());
    assert_eq!(reply.get_ref().message, format!("Hello, {name}!"));

    let mut stream = channel
        .server_streaming::<_, HelloReply>(hello::SAY_HELLO_STREAM_REPLY, hello_request(&name))
        .await
        .unwrap();
    let replies = collect(&mut stream).await;
    assert_eq!(replies.len(), 3);
    for (i, reply) in replies.iter().enumerate() {
        assert_eq!(reply.message, format!("Hello, {name}! #{}", i + 1));
    }

    let (mut tx, mut rx) = channel
        .bidi_streaming::<HelloRequest, HelloReply>(
            helloworld::SAY_HELLO_BIDI_STREAM,
            Request::new(()),
        )
        .await
        .unwrap();
    for _ in 0..2 {
        tx.send(&HelloRequest {
            name: name.clone().into(),
        })
        .await
        .unwrap();
        let reply = rx.message().await.unwrap().unwrap();
        assert_eq!(reply.message.len(), ONE_MIB + "Hello, !".len());
    }
    tx.finish().await.unwrap();
    assert!(rx.message().await.unwrap().is_none());
}
