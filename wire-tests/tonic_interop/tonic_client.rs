//! tonic client → h2grpc server.

use std::time::Duration;

use tonic_peer::clients::{
    CurrencyConverterClient, HelloClient, HelloWorldClient, UserServiceClient,
};
use tonic_peer::pb::{finance, hello, helloworld, users};
use tonic_peer::tokio_stream;
use tonic_peer::tokio_stream::wrappers::ReceiverStream;
use tonic_peer::tonic::metadata::MetadataValue;
use tonic_peer::tonic::{Code, Request};

use super::{BIN_VALUE, ONE_MIB, big_name};
use crate::support::services::{self, spawn, spawn_all};

fn hello_request(name: &str) -> hello::HelloRequest {
    hello::HelloRequest { name: name.into() }
}

fn world_request(name: &str) -> helloworld::HelloRequest {
    helloworld::HelloRequest { name: name.into() }
}

fn convert_request(from: &str, to: &str, amount: f64) -> finance::ConvertRequest {
    finance::ConvertRequest {
        from_currency: from.into(),
        to_currency: to.into(),
        amount,
    }
}

fn user_request(name: &str, email: &str, age: i32) -> users::CreateUserRequest {
    users::CreateUserRequest {
        name: name.into(),
        email: email.into(),
        age,
    }
}

#[tokio::test]
async fn hello_greeter_every_method() {
    let server = spawn_all().await;
    let mut client = HelloClient::connect(server.url()).await.unwrap();

    let reply = client.say_hello(hello_request("tonic")).await.unwrap();
    assert_eq!(reply.get_ref().message, "Hello, tonic!");
    let reply = client
        .say_hello_again(hello_request("tonic"))
        .await
        .unwrap();
    assert_eq!(reply.get_ref().message, "Hello again, tonic!");

    let mut stream = client
        .say_hello_stream_reply(hello_request("tonic"))
        .await
        .unwrap()
        .into_inner();
    let mut got = Vec::new();
    while let Some(reply) = stream.message().await.unwrap() {
        got.push(reply.message);
    }
    assert_eq!(
        got,
        ["Hello, tonic! #1", "Hello, tonic! #2", "Hello, tonic! #3"]
    );
}

#[tokio::test]
async fn helloworld_greeter_every_method_with_bidi() {
    let server = spawn_all().await;
    let mut client = HelloWorldClient::connect(server.url()).await.unwrap();

    let reply = client.say_hello(world_request("w")).await.unwrap();
    assert_eq!(reply.get_ref().message, "Hello, w!");
    let reply = client.say_hello_again(world_request("w")).await.unwrap();
    assert_eq!(reply.get_ref().message, "Hello again, w!");
    let mut stream = client
        .say_hello_stream_reply(world_request("w"))
        .await
        .unwrap()
        .into_inner();
    let mut count = 0;
    while let Some(reply) = stream.message().await.unwrap() {
        count += 1;
        assert_eq!(reply.message, format!("Hello, w! #{count}"));
    }
    assert_eq!(count, 3);

    // Bidi, interleaved: each reply is read before the next request is sent, so the server
    // must answer each message as it arrives.
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tx.send(world_request("one")).await.unwrap();
    let mut replies = client
        .say_hello_bidi_stream(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        replies.message().await.unwrap().unwrap().message,
        "Hello, one!"
    );
    tx.send(world_request("two")).await.unwrap();
    assert_eq!(
        replies.message().await.unwrap().unwrap().message,
        "Hello, two!"
    );
    drop(tx);
    assert!(replies.message().await.unwrap().is_none());
}

#[tokio::test]
async fn finance_every_kind() {
    let server = spawn_all().await;
    let mut client = CurrencyConverterClient::connect(server.url())
        .await
        .unwrap();

    let reply = client
        .convert(convert_request("USD", "EUR", 100.0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((reply.converted_amount, reply.rate), (100.0 * 0.92, 0.92));
    assert!(
        reply.timestamp.parse::<u64>().is_ok(),
        "{}",
        reply.timestamp
    );

    // Server streaming that never ends by itself: two rounds, then the client drops the stream
    // (RST_STREAM(CANCEL)), which ends the handler.
    let watch = finance::WatchRequest {
        base_currency: "USD".into(),
        target_currencies: vec!["EUR".into(), "GBP".into()],
    };
    let mut updates = client.watch_rates(watch).await.unwrap().into_inner();
    for _round in 0..2 {
        let eur = updates.message().await.unwrap().unwrap();
        let gbp = updates.message().await.unwrap().unwrap();
        assert_eq!((eur.currency.as_str(), eur.rate), ("EUR", 0.92));
        assert_eq!((gbp.currency.as_str(), gbp.rate), ("GBP", 0.79));
    }
    drop(updates);

    let batch = [
        convert_request("USD", "EUR", 10.0),
        convert_request("USD", "JPY", 2.0),
        convert_request("EUR", "USD", 4.0),
    ];
    let reply = client
        .batch_convert(tokio_stream::iter(batch))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reply.count, 3);
    assert_eq!(
        reply.total_converted,
        10.0 * 0.92 + 2.0 * 149.5 + 4.0 * 1.09
    );
    let empty = client
        .batch_convert(tokio_stream::iter(Vec::new()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((empty.count, empty.total_converted), (0, 0.0));

    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tx.send(convert_request("GBP", "USD", 2.0)).await.unwrap();
    let mut live = client
        .live_convert(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        live.message().await.unwrap().unwrap().converted_amount,
        2.0 * 1.27
    );
    tx.send(convert_request("JPY", "USD", 1000.0))
        .await
        .unwrap();
    assert_eq!(live.message().await.unwrap().unwrap().rate, 0.0067);
    drop(tx);
    assert!(live.message().await.unwrap().is_none());
}

#[tokio::test]
async fn finance_errors_reach_tonic_with_their_messages() {
    let server = spawn_all().await;
    let mut client = CurrencyConverterClient::connect(server.url())
        .await
        .unwrap();

    // Spaces, a percent sign and non-ASCII in grpc-message: h2grpc percent-encodes with the
    // spec's set, tonic decodes it.
    for (from, code, message) in [
        ("XXX", Code::InvalidArgument, "Unsupported currency: XXX"),
        (
            "€UR ☺ 100%",
            Code::InvalidArgument,
            "Unsupported currency: €UR ☺ 100%",
        ),
    ] {
        let status = client
            .convert(convert_request(from, "USD", 1.0))
            .await
            .unwrap_err();
        assert_eq!((status.code(), status.message()), (code, message));
    }
    let status = client
        .convert(convert_request("USD", "EUR", -5.0))
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (Code::OutOfRange, "Amount must be positive, got: -5.0")
    );

    // An error in the middle of a bidi stream: the reply before it arrives, then the status.
    let requests = [
        convert_request("USD", "EUR", 1.0),
        convert_request("ZZZ", "EUR", 1.0),
    ];
    let mut live = client
        .live_convert(tokio_stream::iter(requests))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(live.message().await.unwrap().unwrap().rate, 0.92);
    let status = live.message().await.unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (Code::InvalidArgument, "Unsupported currency: ZZZ")
    );
}

#[tokio::test]
async fn users_every_kind_and_errors() {
    let server = spawn_all().await;
    let mut client = UserServiceClient::connect(server.url()).await.unwrap();

    let ada = client
        .create_user(user_request("Ada", "ada@example.com", 36))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ada.id, tonic_peer::user_id(1));
    assert_eq!(
        (ada.name.as_str(), ada.email.as_str(), ada.age),
        ("Ada", "ada@example.com", 36)
    );
    let got = client
        .get_user(users::GetUserRequest {
            user_id: ada.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got, ada);

    let status = client
        .get_user(users::GetUserRequest {
            user_id: "nobody".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (Code::NotFound, "User 'nobody' not found")
    );
    let status = client
        .create_user(user_request("Bad", "no-at-sign", 1))
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (Code::InvalidArgument, "Invalid email address")
    );

    let bulk = [
        user_request("Bob", "bob@example.com", 40),
        user_request("Cy", "cy@example.com", 50),
    ];
    let reply = client
        .bulk_create_users(tokio_stream::iter(bulk))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reply.created_count, 2);
    assert_eq!(
        reply.user_ids,
        [tonic_peer::user_id(2), tonic_peer::user_id(3)]
    );
    // One invalid request fails the whole batch, and creates none of it.
    let bad_batch = [
        user_request("Dee", "dee@example.com", 1),
        user_request("Eve", "", 1),
    ];
    let status = client
        .bulk_create_users(tokio_stream::iter(bad_batch))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);

    let mut list = client
        .list_users(users::ListUsersRequest {
            page_size: 2,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let mut names = Vec::new();
    while let Some(user) = list.message().await.unwrap() {
        names.push(user.name);
    }
    assert_eq!(names, ["Ada", "Bob"]);
}

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
/// expired", tonic's deviation: PROTOCOL.md §3.7), h2grpc's server ends the call with
/// DEADLINE_EXCEEDED (statuscodes.md) and RST_STREAM(CANCEL). Which of the two the tonic caller
/// sees depends on which timer fires first; tonic's started earlier, so it is nearly always
/// CANCELLED.
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
/// for the Response-Headers (PROTOCOL.md §3.7), which the handler sends at once. The stream then
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
