//! Every method of every service, over loopback TCP: the behaviour each service's module docs fix
//! (`h2grpc::services`), with its exact messages and codes.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use h2grpc::client::{Channel, ChannelConfig};
use h2grpc::rpc::{Request, Streaming};
use h2grpc::server::Server;
use h2grpc::services::finance::{
    ConvertRequest, CurrencyConverter, CurrencyConverterClient, JITTER, RateUpdate, WatchRequest,
};
use h2grpc::services::hello::{self, HelloReply, HelloRequest};
use h2grpc::services::users::{
    CreateUserRequest, GetUserRequest, ListUsersRequest, MemoryUserStore, User, UserService,
    UserServiceClient,
};
use h2grpc::services::{self, Options, auth, helloworld};
use h2grpc::status::{Code, Status};
use h2grpc::transport::settings::Http2Settings;

use crate::support::net::{TestServer, serve};

/// Every service, WatchRates every 20 ms.
async fn all_services() -> TestServer {
    let options = Options {
        watch_interval: Duration::from_millis(20),
        ..Options::default()
    };
    serve(services::register_all(Server::new(), &options)).await
}

fn hello_request(name: &str) -> Request<HelloRequest> {
    Request::new(HelloRequest { name: name.into() })
}

async fn collect<T: h2grpc::protobuf::Message>(mut stream: Streaming<T>) -> Vec<T> {
    let mut all = Vec::new();
    while let Some(message) = stream.message().await.unwrap() {
        all.push(message);
    }
    all
}

/// Every message of `stream`, or the status that ended it.
async fn try_collect<T: h2grpc::protobuf::Message>(
    mut stream: Streaming<T>,
) -> Result<Vec<T>, Status> {
    let mut all = Vec::new();
    while let Some(message) = stream.message().await? {
        all.push(message);
    }
    Ok(all)
}

fn messages(replies: Vec<HelloReply>) -> Vec<String> {
    replies.into_iter().map(|r| r.message.to_string()).collect()
}

#[track_caller]
fn assert_status(result: Result<impl std::fmt::Debug, Status>, code: Code, message: &str) {
    let status = result.unwrap_err();
    assert_eq!((status.code(), status.message()), (code, message));
}

// ===== hello.Greeter and helloworld.Greeter =====

#[tokio::test]
async fn hello_greeter() {
    let server = all_services().await;
    let greeter = hello::GreeterClient::new(server.channel().await);
    let reply = greeter.say_hello(hello_request("World")).await.unwrap();
    assert_eq!(reply.get_ref().message, "Hello, World!");
    let reply = greeter.say_hello_again(hello_request("you")).await.unwrap();
    assert_eq!(reply.get_ref().message, "Hello again, you!");
    let reply = greeter.say_hello(hello_request("")).await.unwrap();
    assert_eq!(reply.get_ref().message, "Hello, !");
    let stream = greeter
        .say_hello_stream_reply(hello_request("x"))
        .await
        .unwrap();
    assert_eq!(
        messages(collect(stream).await),
        ["Hello, x! #1", "Hello, x! #2", "Hello, x! #3"]
    );
}

#[tokio::test]
async fn helloworld_greeter() {
    let server = all_services().await;
    let greeter = helloworld::GreeterClient::new(server.channel().await);
    let reply = greeter.say_hello(hello_request("you")).await.unwrap();
    assert_eq!(reply.get_ref().message, "Hello, you!");
    let reply = greeter.say_hello_again(hello_request("you")).await.unwrap();
    assert_eq!(reply.get_ref().message, "Hello again, you!");
    let stream = greeter
        .say_hello_stream_reply(hello_request("ü"))
        .await
        .unwrap();
    assert_eq!(
        messages(collect(stream).await),
        ["Hello, ü! #1", "Hello, ü! #2", "Hello, ü! #3"]
    );

    // Bidi: each reply comes before the next request is sent, then OK after the half-close.
    let (mut names, mut greetings) = greeter
        .say_hello_bidi_stream(Request::new(()))
        .await
        .unwrap();
    for name in ["a", "b", "c"] {
        names
            .send(&HelloRequest { name: name.into() })
            .await
            .unwrap();
        let reply = greetings.message().await.unwrap().unwrap();
        assert_eq!(reply.message, format!("Hello, {name}!"));
    }
    names.finish().await.unwrap();
    assert!(greetings.message().await.unwrap().is_none());

    // Requests sent all at once are answered in order.
    let (mut names, greetings) = greeter
        .say_hello_bidi_stream(Request::new(()))
        .await
        .unwrap();
    for i in 0..20 {
        let name = format!("n{i}");
        names
            .send(&HelloRequest { name: name.into() })
            .await
            .unwrap();
    }
    names.finish().await.unwrap();
    let expected: Vec<String> = (0..20).map(|i| format!("Hello, n{i}!")).collect();
    assert_eq!(messages(collect(greetings).await), expected);
}

#[tokio::test]
async fn each_greeter_only_under_its_package() {
    let server = all_services().await;
    let channel = server.channel().await;
    let result = channel
        .bidi_streaming::<HelloRequest, HelloReply>(
            "/hello.Greeter/SayHelloBidiStream",
            Request::new(()),
        )
        .await;
    let status = match result {
        Ok((_tx, mut rx)) => rx.message().await.unwrap_err(),
        Err(status) => status,
    };
    assert_eq!(status.code(), Code::Unimplemented, "{status}");
}

// ===== finance.CurrencyConverter =====

fn convert(from: &str, to: &str, amount: f64) -> ConvertRequest {
    ConvertRequest {
        from_currency: from.into(),
        to_currency: to.into(),
        amount,
    }
}

#[track_caller]
fn assert_jittered(rate: f64, base: f64) {
    let (low, high) = (base * (1.0 - JITTER), base * (1.0 + JITTER));
    assert!(
        low <= rate && rate <= high,
        "{rate} outside [{low}, {high}]"
    );
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

#[tokio::test]
async fn convert_at_the_jittered_rate() {
    let server = all_services().await;
    let finance = CurrencyConverterClient::new(server.channel().await);
    let before = now();
    let reply = finance
        .convert(Request::new(convert("USD", "EUR", 100.0)))
        .await
        .unwrap()
        .into_inner();
    assert_jittered(reply.rate, 0.92);
    assert_eq!(reply.converted_amount, 100.0 * reply.rate);
    let stamp: f64 = reply.timestamp.parse().unwrap();
    assert!(
        before - 1.0 <= stamp && stamp <= now() + 1.0,
        "{}",
        reply.timestamp
    );

    let rates = [
        ("USD", "GBP", 0.79),
        ("USD", "JPY", 149.5),
        ("EUR", "USD", 1.09),
        ("GBP", "USD", 1.27),
        ("JPY", "USD", 0.0067),
        ("EUR", "GBP", 1.0),
        // to_currency is not checked: an unknown target is a pair at 1.0.
        ("USD", "XYZ", 1.0),
    ];
    for (from, to, base) in rates {
        let reply = finance
            .convert(Request::new(convert(from, to, 2.0)))
            .await
            .unwrap()
            .into_inner();
        assert_jittered(reply.rate, base);
    }
    // The same currency: exactly 1.0, no jitter.
    let reply = finance
        .convert(Request::new(convert("JPY", "JPY", 7.5)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((reply.rate, reply.converted_amount), (1.0, 7.5));
}

#[tokio::test]
async fn convert_errors() {
    let server = all_services().await;
    let finance = CurrencyConverterClient::new(server.channel().await);
    let cases = [
        (
            convert("BTC", "EUR", 1.0),
            Code::InvalidArgument,
            "Unsupported currency: BTC",
        ),
        (
            convert("", "EUR", 1.0),
            Code::InvalidArgument,
            "Unsupported currency: ",
        ),
        (
            convert("eur", "USD", 1.0),
            Code::InvalidArgument,
            "Unsupported currency: eur",
        ),
        (
            convert("BTC", "EUR", -3.0),
            Code::InvalidArgument,
            "Unsupported currency: BTC",
        ),
        (
            convert("USD", "EUR", -5.0),
            Code::OutOfRange,
            "Amount must be positive, got: -5.0",
        ),
        (
            convert("USD", "EUR", 0.0),
            Code::OutOfRange,
            "Amount must be positive, got: 0.0",
        ),
        (
            convert("USD", "EUR", -0.0),
            Code::OutOfRange,
            "Amount must be positive, got: -0.0",
        ),
        (
            convert("USD", "EUR", -1.5),
            Code::OutOfRange,
            "Amount must be positive, got: -1.5",
        ),
        (
            convert("USD", "EUR", -1e20),
            Code::OutOfRange,
            "Amount must be positive, got: -1e+20",
        ),
        (
            convert("USD", "EUR", -1e-5),
            Code::OutOfRange,
            "Amount must be positive, got: -1e-05",
        ),
        (
            convert("USD", "EUR", f64::NAN),
            Code::OutOfRange,
            "Amount must be positive, got: nan",
        ),
    ];
    for (request, code, message) in cases {
        assert_status(finance.convert(Request::new(request)).await, code, message);
    }
}

/// `n` updates of a watch with these targets.
async fn next_updates(updates: &mut Streaming<RateUpdate>, n: usize) -> Vec<RateUpdate> {
    let mut got = Vec::with_capacity(n);
    for _ in 0..n {
        got.push(updates.message().await.unwrap().expect("an update"));
    }
    got
}

#[tokio::test]
async fn watch_rates_in_rounds_until_cancelled() {
    // One stream per connection: a call after the watch proves the watch's stream was closed.
    let converter = CurrencyConverter::new().with_watch_interval(Duration::from_millis(30));
    let server = serve(
        converter
            .register(Server::new())
            .http2_settings(Http2Settings {
                max_concurrent_streams: 1,
                ..Http2Settings::default()
            }),
    )
    .await;
    let finance = CurrencyConverterClient::new(server.channel().await);
    let watch = WatchRequest {
        base_currency: "USD".into(),
        target_currencies: vec!["EUR".into(), "GBP".into(), "JPY".into(), "USD".into()],
    };
    let started = tokio::time::Instant::now();
    let mut updates = finance.watch_rates(Request::new(watch)).await.unwrap();
    let got = next_updates(&mut updates, 12).await;
    // Three rounds: the first at once, then one per interval.
    assert!(
        started.elapsed() >= Duration::from_millis(60),
        "{:?}",
        started.elapsed()
    );
    for round in got.chunks(4) {
        let currencies: Vec<&str> = round.iter().map(|u| &*u.currency).collect();
        assert_eq!(currencies, ["EUR", "GBP", "JPY", "USD"]);
        assert_jittered(round[0].rate, 0.92);
        assert_jittered(round[1].rate, 0.79);
        assert_jittered(round[2].rate, 149.5);
        assert_eq!(round[3].rate, 1.0);
    }

    // Cancel by dropping the stream (RST_STREAM(CANCEL)): the stream slot is free again.
    drop(updates);
    let reply = tokio::time::timeout(
        Duration::from_secs(5),
        finance.convert(Request::new(convert("USD", "EUR", 1.0))),
    )
    .await
    .expect("the cancelled watch still holds the connection's only stream")
    .unwrap();
    assert_jittered(reply.get_ref().rate, 0.92);
}

#[tokio::test]
async fn watch_rates_ends_at_the_deadline() {
    let server = all_services().await;
    let finance = CurrencyConverterClient::new(server.channel().await);
    let watch = WatchRequest {
        base_currency: "GBP".into(),
        target_currencies: vec!["USD".into()],
    };
    let request = Request::new(watch).with_timeout(Duration::from_millis(200));
    let mut updates = finance.watch_rates(request).await.unwrap();
    let mut received = 0;
    let status = loop {
        match updates.message().await {
            Ok(Some(update)) => {
                assert_jittered(update.rate, 1.27);
                received += 1;
            }
            Ok(None) => panic!("the watch ended OK before its deadline"),
            Err(status) => break status,
        }
    };
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status}");
    assert!(
        received >= 3,
        "{received} updates in 200 ms at one per 20 ms"
    );

    // No target currency: nothing to send, the call still ends at its deadline.
    let empty = WatchRequest {
        base_currency: "USD".into(),
        target_currencies: vec![],
    };
    let request = Request::new(empty).with_timeout(Duration::from_millis(100));
    let mut updates = finance.watch_rates(request).await.unwrap();
    let status = updates.message().await.unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status}");
}

#[tokio::test]
async fn batch_convert_sums_without_validating() {
    let server = all_services().await;
    let finance = CurrencyConverterClient::new(server.channel().await);

    let mut batch = finance.batch_convert(Request::new(())).await.unwrap();
    for request in [
        convert("USD", "EUR", 100.0),
        convert("USD", "GBP", 250.0),
        convert("EUR", "USD", 80.0),
    ] {
        batch.send(&request).await.unwrap();
    }
    let reply = batch.finish().await.unwrap().into_inner();
    assert_eq!(reply.count, 3);
    // 100 × 0.92 + 250 × 0.79 + 80 × 1.09 = 376.7, each term within the jitter.
    assert_jittered(reply.total_converted, 376.7);

    // The streaming methods convert what they get, as the grpcio tutorial's do.
    let mut batch = finance.batch_convert(Request::new(())).await.unwrap();
    batch.send(&convert("XYZ", "ABC", 10.0)).await.unwrap();
    batch.send(&convert("BTC", "BTC", -4.0)).await.unwrap();
    let reply = batch.finish().await.unwrap().into_inner();
    assert_eq!(reply.count, 2);
    assert_jittered(reply.total_converted + 4.0, 10.0);

    let batch = finance.batch_convert(Request::new(())).await.unwrap();
    let reply = batch.finish().await.unwrap().into_inner();
    assert_eq!((reply.count, reply.total_converted), (0, 0.0));
}

#[tokio::test]
async fn live_convert_answers_each_request_as_it_arrives() {
    let server = all_services().await;
    let finance = CurrencyConverterClient::new(server.channel().await);
    let (mut requests, mut replies) = finance.live_convert(Request::new(())).await.unwrap();
    for amount in [50.0, 100.0, 200.0] {
        requests.send(&convert("USD", "JPY", amount)).await.unwrap();
        // The reply comes while the request stream is still open.
        let reply = replies.message().await.unwrap().unwrap();
        assert_jittered(reply.rate, 149.5);
        assert_eq!(reply.converted_amount, amount * reply.rate);
        assert!(
            reply.timestamp.parse::<f64>().is_ok(),
            "{}",
            reply.timestamp
        );
    }
    // Not validated either.
    requests.send(&convert("???", "USD", -1.0)).await.unwrap();
    let reply = replies.message().await.unwrap().unwrap();
    assert_jittered(reply.rate, 1.0);
    requests.finish().await.unwrap();
    assert!(replies.message().await.unwrap().is_none());
}

// ===== users.UserService =====

fn create(name: &str, email: &str) -> CreateUserRequest {
    CreateUserRequest {
        name: name.into(),
        email: email.into(),
        age: 30,
    }
}

async fn list(users: &UserServiceClient, page_size: i32) -> Vec<User> {
    let request = ListUsersRequest {
        page_size,
        ..ListUsersRequest::default()
    };
    collect(users.list_users(Request::new(request)).await.unwrap()).await
}

#[tokio::test]
async fn create_and_get_users() {
    let server = all_services().await;
    let users = UserServiceClient::new(server.channel().await);
    let before = now();
    let alice = users
        .create_user(Request::new(create("Alice", "alice@example.com")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(alice.id.len(), 36, "a hyphenated UUID: {}", alice.id);
    assert_eq!(alice.id.as_bytes()[14], b'4', "version 4: {}", alice.id);
    assert_eq!(
        (&*alice.name, &*alice.email, alice.age),
        ("Alice", "alice@example.com", 30)
    );
    let created_at = alice.created_at as f64;
    assert!(
        before - 1.0 <= created_at && created_at <= now() + 1.0,
        "{created_at}"
    );

    let request = GetUserRequest {
        user_id: alice.id.clone(),
    };
    let found = users.get_user(Request::new(request)).await.unwrap();
    assert_eq!(found.into_inner(), alice);

    for email in ["", "alice.example.com", "alice"] {
        let result = users.create_user(Request::new(create("Eve", email))).await;
        assert_status(result, Code::InvalidArgument, "Invalid email address");
    }
    assert_eq!(list(&users, 0).await, [alice]);
}

#[tokio::test]
async fn get_unknown_user_quotes_the_id_as_python_repr() {
    let server = all_services().await;
    let users = UserServiceClient::new(server.channel().await);
    let cases = [
        ("nonexistent", "User 'nonexistent' not found"),
        ("", "User '' not found"),
        ("it's", r#"User "it's" not found"#),
        (r#"it's "x""#, r#"User 'it\'s "x"' not found"#),
        (r"a\b", r"User 'a\\b' not found"),
        ("tab\tnl\n", r"User 'tab\tnl\n' not found"),
        ("ünï ☺", "User 'ünï ☺' not found"),
    ];
    for (id, message) in cases {
        let request = GetUserRequest { user_id: id.into() };
        assert_status(
            users.get_user(Request::new(request)).await,
            Code::NotFound,
            message,
        );
    }
}

#[tokio::test]
async fn list_users_pages_in_creation_order() {
    let server = all_services().await;
    let users = UserServiceClient::new(server.channel().await);
    assert!(list(&users, 0).await.is_empty());
    let mut ids = Vec::new();
    for i in 0..12 {
        let request = create(&format!("user{i}"), &format!("user{i}@example.com"));
        ids.push(
            users
                .create_user(Request::new(request))
                .await
                .unwrap()
                .into_inner()
                .id,
        );
    }
    let listed = |all: Vec<User>| all.into_iter().map(|u| u.id).collect::<Vec<_>>();
    assert_eq!(
        listed(list(&users, 0).await),
        ids[..10],
        "page_size 0 is 10"
    );
    assert_eq!(listed(list(&users, 3).await), ids[..3]);
    assert_eq!(listed(list(&users, 100).await), ids);
    assert_eq!(
        listed(list(&users, i32::MAX).await),
        ids,
        "clamped, not refused"
    );
}

#[tokio::test]
async fn list_users_refuses_a_negative_page_size() {
    let server = all_services().await;
    let users = UserServiceClient::new(server.channel().await);
    for page_size in [-1, i32::MIN] {
        let request = ListUsersRequest {
            page_size,
            ..ListUsersRequest::default()
        };
        let result = match users.list_users(Request::new(request)).await {
            Ok(stream) => try_collect(stream).await,
            Err(status) => Err(status),
        };
        assert_status(
            result,
            Code::InvalidArgument,
            &format!(
                "Invalid page_size {page_size}: it must be 0 or more \
                 (0 means 10, at most 1000 are sent)"
            ),
        );
    }
}

/// Every page after the first starts after the last id of the one before; a page shorter than
/// `page_size` is the last.
#[tokio::test]
async fn list_users_pages_on_with_the_last_id_as_page_token() {
    let server = all_services().await;
    let users = UserServiceClient::new(server.channel().await);
    let mut ids = Vec::new();
    for i in 0..7 {
        let request = create(&format!("user{i}"), &format!("user{i}@example.com"));
        let user = users.create_user(Request::new(request)).await.unwrap();
        ids.push(user.into_inner().id);
    }
    let page = |page_token: String| {
        let users = users.clone();
        async move {
            let request = ListUsersRequest {
                page_size: 3,
                page_token: page_token.into(),
            };
            let stream = users.list_users(Request::new(request)).await?;
            let all: Vec<User> = try_collect(stream).await?;
            Ok::<_, Status>(all.into_iter().map(|u| u.id).collect::<Vec<_>>())
        }
    };
    let mut pages = Vec::new();
    let mut token = String::new();
    loop {
        let ids = page(token.clone()).await.unwrap();
        let last_page = ids.len() < 3;
        if let Some(last) = ids.last() {
            token = last.to_string();
        }
        pages.push(ids);
        if last_page {
            break;
        }
    }
    assert_eq!(
        pages,
        [&ids[0..3], &ids[3..6], &ids[6..7]],
        "three pages, in creation order"
    );
    assert!(page(ids[6].to_string()).await.unwrap().is_empty());
    assert_status(
        page("nonexistent".into()).await,
        Code::InvalidArgument,
        "Invalid page_token 'nonexistent': it must be the id of the last user of a page",
    );
}

#[tokio::test]
async fn a_full_store_refuses_creates_with_resource_exhausted() {
    let store = Arc::new(MemoryUserStore::with_max_users(3));
    let options = Options {
        users: Some(UserService::new(store.clone())),
        ..Options::default()
    };
    let server = serve(services::register_all(Server::new(), &options)).await;
    let users = UserServiceClient::new(server.channel().await);
    users
        .create_user(Request::new(create("Alice", "alice@example.com")))
        .await
        .unwrap();

    // A batch of three does not fit next to Alice: none of it is created.
    let mut bulk = users.bulk_create_users(Request::new(())).await.unwrap();
    for name in ["Bob", "Carol", "Dave"] {
        let _ = bulk.send(&create(name, "x@example.com")).await;
    }
    assert_status(
        bulk.finish().await,
        Code::ResourceExhausted,
        "The user store is full: it holds 1 of at most 3 users, no room for 3 more users",
    );
    assert_eq!(store.len(), 1);

    let mut bulk = users.bulk_create_users(Request::new(())).await.unwrap();
    for name in ["Bob", "Carol"] {
        bulk.send(&create(name, "x@example.com")).await.unwrap();
    }
    assert_eq!(bulk.finish().await.unwrap().into_inner().created_count, 2);

    assert_status(
        users
            .create_user(Request::new(create("Erin", "erin@example.com")))
            .await,
        Code::ResourceExhausted,
        "The user store is full: it holds 3 of at most 3 users, no room for 1 more user",
    );
    assert_status(
        users.create_user(Request::new(create("Eve", "eve"))).await,
        Code::InvalidArgument,
        "Invalid email address",
    );
    assert_eq!(list(&users, 0).await.len(), 3);
}

#[tokio::test]
async fn bulk_create_is_all_or_nothing() {
    let server = all_services().await;
    let users = UserServiceClient::new(server.channel().await);

    let mut bulk = users.bulk_create_users(Request::new(())).await.unwrap();
    for (name, email) in [("Bob", "bob@example.com"), ("Carol", "carol@example.com")] {
        bulk.send(&create(name, email)).await.unwrap();
    }
    let reply = bulk.finish().await.unwrap().into_inner();
    assert_eq!(reply.created_count, 2);
    let listed = list(&users, 0).await;
    let names: Vec<&str> = listed.iter().map(|u| &*u.name).collect();
    assert_eq!(names, ["Bob", "Carol"]);
    let listed_ids: Vec<_> = listed.iter().map(|u| u.id.clone()).collect();
    assert_eq!(reply.user_ids, listed_ids, "ids in request order");

    // One invalid email fails the call and creates none of the batch, even with valid ones
    // before and after it (sends after the refusal may fail: the call is already over).
    let mut bulk = users.bulk_create_users(Request::new(())).await.unwrap();
    let _ = bulk.send(&create("Dave", "dave@example.com")).await;
    let _ = bulk.send(&create("Mallory", "mallory")).await;
    let _ = bulk.send(&create("Erin", "erin@example.com")).await;
    assert_status(
        bulk.finish().await,
        Code::InvalidArgument,
        "Invalid email address",
    );
    assert_eq!(list(&users, 0).await.len(), 2);

    let bulk = users.bulk_create_users(Request::new(())).await.unwrap();
    let reply = bulk.finish().await.unwrap().into_inner();
    assert_eq!((reply.created_count, reply.user_ids.len()), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_lose_no_write() {
    let store = Arc::new(MemoryUserStore::new());
    let options = Options {
        users: Some(UserService::new(store.clone())),
        ..Options::default()
    };
    let server = serve(services::register_all(Server::new(), &options)).await;
    // Two connections, many tasks each.
    let channels = [server.channel().await, server.channel().await];
    let mut tasks = Vec::new();
    for task in 0..40 {
        let users = UserServiceClient::new(channels[task % 2].clone());
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..5 {
                let request = create(&format!("t{task}-{i}"), "x@example.com");
                ids.push(
                    users
                        .create_user(Request::new(request))
                        .await
                        .unwrap()
                        .into_inner()
                        .id,
                );
            }
            ids
        }));
    }
    let mut ids = HashSet::new();
    for task in tasks {
        ids.extend(task.await.unwrap());
    }
    assert_eq!(ids.len(), 200, "every id unique");
    assert_eq!(store.len(), 200);
    let users = UserServiceClient::new(channels[0].clone());
    let listed: HashSet<_> = list(&users, 1000).await.into_iter().map(|u| u.id).collect();
    assert_eq!(listed, ids);
}

// ===== auth =====

#[tokio::test]
async fn auth_interceptor_refuses_calls_without_the_token() {
    let options = Options {
        auth: Some(auth::BearerAuth::new("s3cret").unwrap()),
        watch_interval: Duration::from_millis(10),
        ..Options::default()
    };
    let server = serve(services::register_all(Server::new(), &options)).await;
    let channel = Channel::new(&server.target, ChannelConfig::default()).unwrap();
    let greeter = helloworld::GreeterClient::new(channel.clone());
    let with_token = |token: Option<&str>| {
        let mut request = hello_request("you");
        if let Some(token) = token {
            auth::authorize(request.metadata_mut(), token).unwrap();
        }
        request
    };
    const REFUSED: &str = "Missing or invalid token";
    for token in [None, Some("wrong"), Some("s3cre"), Some("s3cret ")] {
        assert_status(
            greeter.say_hello(with_token(token)).await,
            Code::Unauthenticated,
            REFUSED,
        );
    }
    let mut raw = hello_request("you");
    raw.metadata_mut()
        .insert("authorization", "s3cret")
        .unwrap();
    assert_status(greeter.say_hello(raw).await, Code::Unauthenticated, REFUSED);

    let reply = greeter.say_hello(with_token(Some("s3cret"))).await.unwrap();
    assert_eq!(reply.get_ref().message, "Hello, you!");

    // Every kind of call is checked, before its handler runs.
    let result = greeter.say_hello_stream_reply(with_token(None)).await;
    assert_status(result.map(drop), Code::Unauthenticated, REFUSED);
    let (_names, mut greetings) = greeter
        .say_hello_bidi_stream(Request::new(()))
        .await
        .unwrap();
    assert_status(greetings.message().await, Code::Unauthenticated, REFUSED);
    let users = UserServiceClient::new(channel.clone());
    let bulk = users.bulk_create_users(Request::new(())).await.unwrap();
    assert_status(bulk.finish().await, Code::Unauthenticated, REFUSED);

    let mut request = Request::new(());
    auth::authorize(request.metadata_mut(), "s3cret").unwrap();
    let (mut names, greetings) = greeter.say_hello_bidi_stream(request).await.unwrap();
    names
        .send(&HelloRequest { name: "ok".into() })
        .await
        .unwrap();
    names.finish().await.unwrap();
    assert_eq!(messages(collect(greetings).await), ["Hello, ok!"]);
}

/// A call refused on its headers gets the server's status even when its request cannot be sent
/// in full: the server answers Trailers-Only, then resets the stream with NO_ERROR (RFC 9113
/// §8.1), and a 3 MiB request does not fit in the 1 MiB stream window it had.
#[tokio::test]
async fn refused_before_the_request_was_sent() {
    let options = Options {
        auth: Some(auth::BearerAuth::new("s3cret").unwrap()),
        ..Options::default()
    };
    let server = serve(services::register_all(Server::new(), &options)).await;
    let greeter = hello::GreeterClient::new(server.channel().await);
    let big = "x".repeat(3 * 1024 * 1024);
    for _ in 0..3 {
        let result = greeter.say_hello(hello_request(&big)).await;
        assert_status(result, Code::Unauthenticated, "Missing or invalid token");
        let result = greeter.say_hello_stream_reply(hello_request(&big)).await;
        assert_status(
            result.map(drop),
            Code::Unauthenticated,
            "Missing or invalid token",
        );
    }
}
