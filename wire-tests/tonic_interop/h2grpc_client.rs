//! h2grpc client → tonic server: every RPC kind of every service, and the services' errors.

use h2grpc::client::Channel;
use h2grpc::rpc::{Request, Response, Streaming};
use h2grpc::services::finance::{
    self, BatchReply, ConvertReply, ConvertRequest, RateUpdate, WatchRequest,
};
use h2grpc::services::hello::{self, HelloReply, HelloRequest};
use h2grpc::services::helloworld;
use h2grpc::services::users::{
    self, BulkCreateResponse, CreateUserRequest, GetUserRequest, ListUsersRequest, User,
};
use h2grpc::status::{Code, Status};
use tonic_peer::TonicServer;

pub(super) async fn connect() -> (TonicServer, Channel) {
    let server = TonicServer::start().await;
    let channel = Channel::connect(&server.url()).await.unwrap();
    (server, channel)
}

pub(super) fn hello_request(name: &str) -> Request<HelloRequest> {
    Request::new(HelloRequest { name: name.into() })
}

fn convert_request(from: &str, to: &str, amount: f64) -> ConvertRequest {
    ConvertRequest {
        from_currency: from.into(),
        to_currency: to.into(),
        amount,
    }
}

pub(super) fn user_request(name: &str, email: &str, age: i32) -> CreateUserRequest {
    CreateUserRequest {
        name: name.into(),
        email: email.into(),
        age,
    }
}

/// Every message of a response stream, until its OK end.
pub(super) async fn collect<T: h2grpc::protobuf::Message>(stream: &mut Streaming<T>) -> Vec<T> {
    let mut messages = Vec::new();
    while let Some(message) = stream.message().await.unwrap() {
        messages.push(message);
    }
    messages
}

pub(super) fn code_and_message(status: &Status) -> (Code, &str) {
    (status.code(), status.message())
}

#[tokio::test]
async fn hello_greeters_every_method_with_bidi() {
    let (_server, channel) = connect().await;
    for (say_hello, again, stream_reply) in [
        (
            hello::SAY_HELLO,
            hello::SAY_HELLO_AGAIN,
            hello::SAY_HELLO_STREAM_REPLY,
        ),
        (
            helloworld::SAY_HELLO,
            helloworld::SAY_HELLO_AGAIN,
            helloworld::SAY_HELLO_STREAM_REPLY,
        ),
    ] {
        let reply: Response<HelloReply> = channel
            .unary(say_hello, hello_request("h2grpc"))
            .await
            .unwrap();
        assert_eq!(reply.get_ref().message, "Hello, h2grpc!");
        let reply: Response<HelloReply> =
            channel.unary(again, hello_request("h2grpc")).await.unwrap();
        assert_eq!(reply.get_ref().message, "Hello again, h2grpc!");
        let mut stream = channel
            .server_streaming::<_, HelloReply>(stream_reply, hello_request("h2grpc"))
            .await
            .unwrap();
        let messages: Vec<_> = collect(&mut stream)
            .await
            .into_iter()
            .map(|reply| reply.message.to_string())
            .collect();
        assert_eq!(
            messages,
            [
                "Hello, h2grpc! #1",
                "Hello, h2grpc! #2",
                "Hello, h2grpc! #3"
            ]
        );
    }

    // Bidi, interleaved: each reply is read before the next request is sent.
    let (mut tx, mut rx) = channel
        .bidi_streaming::<HelloRequest, HelloReply>(
            helloworld::SAY_HELLO_BIDI_STREAM,
            Request::new(()),
        )
        .await
        .unwrap();
    for name in ["one", "two", "three"] {
        tx.send(&HelloRequest { name: name.into() }).await.unwrap();
        let reply = rx.message().await.unwrap().unwrap();
        assert_eq!(reply.message, format!("Hello, {name}!"));
    }
    tx.finish().await.unwrap();
    assert!(rx.message().await.unwrap().is_none());
}

#[tokio::test]
async fn finance_every_kind() {
    let (_server, channel) = connect().await;

    let reply: Response<ConvertReply> = channel
        .unary(
            finance::CONVERT,
            Request::new(convert_request("USD", "JPY", 3.0)),
        )
        .await
        .unwrap();
    let reply = reply.into_inner();
    assert_eq!((reply.converted_amount, reply.rate), (3.0 * 149.5, 149.5));
    assert!(
        reply.timestamp.parse::<u64>().is_ok(),
        "{}",
        reply.timestamp
    );

    // Two rounds, then the stream is dropped: RST_STREAM(CANCEL) ends tonic's stream.
    let watch = WatchRequest {
        base_currency: "USD".into(),
        target_currencies: vec!["EUR".into(), "JPY".into()],
    };
    let mut updates = channel
        .server_streaming::<_, RateUpdate>(finance::WATCH_RATES, Request::new(watch))
        .await
        .unwrap();
    for _round in 0..2 {
        let eur = updates.message().await.unwrap().unwrap();
        let jpy = updates.message().await.unwrap().unwrap();
        assert_eq!((&*eur.currency, eur.rate), ("EUR", 0.92));
        assert_eq!((&*jpy.currency, jpy.rate), ("JPY", 149.5));
    }
    drop(updates);

    let mut batch = channel
        .client_streaming::<ConvertRequest, BatchReply>(finance::BATCH_CONVERT, Request::new(()))
        .await
        .unwrap();
    for request in [
        convert_request("USD", "EUR", 10.0),
        convert_request("USD", "GBP", 2.0),
        convert_request("EUR", "EUR", 4.0),
    ] {
        batch.send(&request).await.unwrap();
    }
    let reply = batch.finish().await.unwrap().into_inner();
    assert_eq!(reply.count, 3);
    assert_eq!(reply.total_converted, 10.0 * 0.92 + 2.0 * 0.79 + 4.0);
    let empty = channel
        .client_streaming::<ConvertRequest, BatchReply>(finance::BATCH_CONVERT, Request::new(()))
        .await
        .unwrap();
    let reply = empty.finish().await.unwrap().into_inner();
    assert_eq!((reply.count, reply.total_converted), (0, 0.0));

    let (mut tx, mut rx) = channel
        .bidi_streaming::<ConvertRequest, ConvertReply>(finance::LIVE_CONVERT, Request::new(()))
        .await
        .unwrap();
    tx.send(&convert_request("GBP", "USD", 2.0)).await.unwrap();
    assert_eq!(
        rx.message().await.unwrap().unwrap().converted_amount,
        2.0 * 1.27
    );
    tx.send(&convert_request("USD", "CHF", 7.0)).await.unwrap();
    assert_eq!(rx.message().await.unwrap().unwrap().rate, 1.0);
    tx.finish().await.unwrap();
    assert!(rx.message().await.unwrap().is_none());
}

#[tokio::test]
async fn finance_errors_from_tonic_decode_to_their_messages() {
    let (_server, channel) = connect().await;
    // tonic percent-encodes more than the spec's minimal set (space as %20, where
    // PROTOCOL-HTTP2.md's Percent-Byte-Unencoded leaves it);
    // h2grpc decodes any percent-encoding back to the same text.
    for (from, message) in [
        ("XXX", "Unsupported currency: XXX"),
        ("€UR ☺ 100%", "Unsupported currency: €UR ☺ 100%"),
    ] {
        let status = channel
            .unary::<_, ConvertReply>(
                finance::CONVERT,
                Request::new(convert_request(from, "USD", 1.0)),
            )
            .await
            .unwrap_err();
        assert_eq!(code_and_message(&status), (Code::InvalidArgument, message));
    }
    let status = channel
        .unary::<_, ConvertReply>(
            finance::CONVERT,
            Request::new(convert_request("USD", "EUR", 0.0)),
        )
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&status),
        (Code::OutOfRange, "Amount must be positive, got: 0.0")
    );

    // An error in the middle of a bidi stream: the reply before it, then the status.
    let (mut tx, mut rx) = channel
        .bidi_streaming::<ConvertRequest, ConvertReply>(finance::LIVE_CONVERT, Request::new(()))
        .await
        .unwrap();
    tx.send(&convert_request("USD", "EUR", 1.0)).await.unwrap();
    assert_eq!(rx.message().await.unwrap().unwrap().rate, 0.92);
    tx.send(&convert_request("ZZZ", "EUR", 1.0)).await.unwrap();
    let status = rx.message().await.unwrap_err();
    assert_eq!(
        code_and_message(&status),
        (Code::InvalidArgument, "Unsupported currency: ZZZ")
    );
}

#[tokio::test]
async fn users_every_kind_and_errors() {
    let (_server, channel) = connect().await;

    let ada: User = channel
        .unary(
            users::CREATE_USER,
            Request::new(user_request("Ada", "ada@example.com", 36)),
        )
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ada.id, tonic_peer::user_id(1));
    assert_eq!(
        (&*ada.name, &*ada.email, ada.age),
        ("Ada", "ada@example.com", 36)
    );
    let got: User = channel
        .unary(
            users::GET_USER,
            Request::new(GetUserRequest {
                user_id: ada.id.clone(),
            }),
        )
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got, ada);

    let status = channel
        .unary::<_, User>(
            users::GET_USER,
            Request::new(GetUserRequest {
                user_id: "nobody".into(),
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&status),
        (Code::NotFound, "User 'nobody' not found")
    );
    let status = channel
        .unary::<_, User>(users::CREATE_USER, Request::new(user_request("Bad", "", 1)))
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&status),
        (Code::InvalidArgument, "Invalid email address")
    );

    let mut bulk = channel
        .client_streaming::<CreateUserRequest, BulkCreateResponse>(
            users::BULK_CREATE_USERS,
            Request::new(()),
        )
        .await
        .unwrap();
    bulk.send(&user_request("Bob", "bob@example.com", 40))
        .await
        .unwrap();
    bulk.send(&user_request("Cy", "cy@example.com", 50))
        .await
        .unwrap();
    let reply = bulk.finish().await.unwrap().into_inner();
    assert_eq!(reply.created_count, 2);
    assert_eq!(
        reply.user_ids,
        [tonic_peer::user_id(2), tonic_peer::user_id(3)]
    );
    let mut bad = channel
        .client_streaming::<CreateUserRequest, BulkCreateResponse>(
            users::BULK_CREATE_USERS,
            Request::new(()),
        )
        .await
        .unwrap();
    bad.send(&user_request("Dee", "dee@example.com", 1))
        .await
        .unwrap();
    bad.send(&user_request("Eve", "eve", 1)).await.unwrap();
    assert_eq!(
        bad.finish().await.unwrap_err().code(),
        Code::InvalidArgument
    );

    let mut list = channel
        .server_streaming::<_, User>(
            users::LIST_USERS,
            Request::new(ListUsersRequest {
                page_size: 0,
                page_token: "".into(),
            }),
        )
        .await
        .unwrap();
    let names: Vec<_> = collect(&mut list)
        .await
        .into_iter()
        .map(|u| u.name.to_string())
        .collect();
    assert_eq!(names, ["Ada", "Bob", "Cy"]);
}
