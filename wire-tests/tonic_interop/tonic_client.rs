//! tonic client → h2grpc server: every RPC kind of every service, and the services' errors.

use tonic_peer::clients::{
    CurrencyConverterClient, HelloClient, HelloWorldClient, UserServiceClient,
};
use tonic_peer::pb::{finance, hello, helloworld, users};
use tonic_peer::tokio_stream;
use tonic_peer::tokio_stream::wrappers::ReceiverStream;
use tonic_peer::tonic::Code;

use crate::support::services::spawn_all;

pub(super) fn hello_request(name: &str) -> hello::HelloRequest {
    hello::HelloRequest { name: name.into() }
}

pub(super) fn world_request(name: &str) -> helloworld::HelloRequest {
    helloworld::HelloRequest { name: name.into() }
}

fn convert_request(from: &str, to: &str, amount: f64) -> finance::ConvertRequest {
    finance::ConvertRequest {
        from_currency: from.into(),
        to_currency: to.into(),
        amount,
    }
}

pub(super) fn user_request(name: &str, email: &str, age: i32) -> users::CreateUserRequest {
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
