//! Interop with Python grpcio, the tutorials' own runtime (`h2grpc::services` names the
//! tutorials), in both directions.
//!
//! - **Python clients → `h2grpc serve`**: the tutorials' client programs (`wire-tests/python/`,
//!   unchanged apart from the target) print what the tutorials say they print; probes in the same
//!   style cover every status the services document, metadata, a deadline, large messages, `grpc.aio`
//!   and the auth interceptor.
//! - **h2grpc's client → the tutorials' Python servers**: `h2grpc demo` prints the same lines as
//!   against `h2grpc serve`, and the typed clients make every kind of call, see the error codes
//!   the Python handlers set, exchange metadata and give up at their deadline.
//!
//! The peers come from `wire-tests/setup.sh`; without them these tests fail (never skip).

use std::time::{Duration, Instant};

use h2grpc::client::Channel;
use h2grpc::metadata::Metadata;
use h2grpc::rpc::Request;
use h2grpc::services::finance::{ConvertRequest, CurrencyConverterClient, WatchRequest};
use h2grpc::services::hello::{self, HelloRequest};
use h2grpc::services::helloworld;
use h2grpc::services::users::{
    CreateUserRequest, GetUserRequest, ListUsersRequest, UserServiceClient,
};
use h2grpc::status::Code;
use regex::Regex;

use crate::support::peers::{Listening, run_python};
use crate::support::process::{Finished, run};

#[track_caller]
fn assert_success(finished: &Finished) {
    assert!(
        finished.status.success(),
        "{:?}\nstdout:\n{}\nstderr:\n{}",
        finished.status,
        finished.stdout,
        finished.stderr
    );
}

/// `value` is `expected` up to the ±0.2 % jitter of the rates and the rounding of the printout.
#[track_caller]
fn assert_near(value: f64, expected: f64) {
    assert!(
        (value - expected).abs() <= expected.abs() * 0.0021 + 0.01,
        "{value} not near {expected}"
    );
}

/// The captures of `pattern` (anchored) in `line`, as numbers where they parse.
#[track_caller]
fn numbers(pattern: &str, line: &str) -> Vec<f64> {
    let re = Regex::new(&format!("^{pattern}$")).unwrap();
    let caps = re
        .captures(line)
        .unwrap_or_else(|| panic!("{line:?} does not match {pattern:?}"));
    caps.iter()
        .skip(1)
        .map(|m| m.unwrap().as_str().parse().unwrap())
        .collect()
}

/// The grpcio tutorial's finance_client.py output, whoever printed it (the Python client or `h2grpc demo`):
/// the unary line, six rate updates, the batch line, three live lines; numbers as the format
/// strings print them (`:.2f`, `:.4f`), values as the rate table gives them.
#[track_caller]
fn assert_finance_client_output(stdout: &str) {
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 11, "{stdout}");
    let unary = numbers(
        r"Unary: \$100 USD = €(\d+\.\d{2}) EUR \(rate: (\d+\.\d{4})\)",
        lines[0],
    );
    assert_near(unary[0], 92.0);
    assert_near(unary[1], 0.92);
    let bases = [("EUR", 0.92), ("GBP", 0.79), ("JPY", 149.5)];
    for (line, (currency, base)) in lines[1..7].iter().zip(bases.iter().cycle()) {
        let rate = numbers(
            &format!(r"Rate update: USD/{currency} = (\d+\.\d{{4}})"),
            line,
        );
        assert_near(rate[0], *base);
    }
    let batch = numbers(r"Batch: 3 conversions, total = (\d+\.\d{2})", lines[7]);
    assert_near(batch[0], 100.0 * 0.92 + 250.0 * 0.79 + 80.0 * 1.09);
    for (line, amount) in lines[8..].iter().zip([50.0, 100.0, 200.0]) {
        let live = numbers(r"Live: \$(\d+\.\d{2}) JPY at rate (\d+\.\d{2})", line);
        assert_near(live[0], amount * 149.5);
        assert_near(live[1], 149.5);
    }
}

/// The users-service tutorial's demo() output: a fresh server, so Alice is the only user listed.
#[track_caller]
fn assert_users_client_output(stdout: &str) {
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 7, "{stdout}");
    let uuid = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";
    let created = Regex::new(&format!("^Created: {uuid} — Alice$")).unwrap();
    assert!(created.is_match(lines[0]), "{:?}", lines[0]);
    assert_eq!(
        lines[1..],
        [
            "Error [StatusCode.NOT_FOUND]: User 'nonexistent' not found",
            "",
            "All users:",
            " - Alice (alice@example.com)",
            "",
            "Bulk created 2 users",
        ]
    );
}

/// Runs an async test body for at most a minute: a peer that never answers fails the test
/// instead of hanging it.
async fn bounded(body: impl Future<Output = ()>) {
    tokio::time::timeout(Duration::from_secs(60), body)
        .await
        .expect("the test did not finish within a minute: a peer stopped answering");
}

const HELLOWORLD_CLIENT_OUTPUT: &str = "Will try to greet world ...\n\
                                        Greeter client received: Hello, you!\n\
                                        Greeter client received: Hello again, you!\n";

// ===== Python clients → h2grpc serve =====

#[test]
fn tutorial_hello_client_against_h2grpc() {
    let server = Listening::h2grpc(&[], &[]);
    let client = run_python("hello_client.py", &[&server.host_port()]);
    assert_success(&client);
    assert_eq!(client.stdout, "Server replied: Hello, World!\n");
}

#[test]
fn tutorial_helloworld_client_against_h2grpc() {
    let server = Listening::h2grpc(&[], &[]);
    let client = run_python("greeter_client.py", &[&server.host_port()]);
    assert_success(&client);
    assert_eq!(client.stdout, HELLOWORLD_CLIENT_OUTPUT);

    // The streaming greetings, from Python, under both packages.
    let streams = run_python("probe_client.py", &[&server.host_port(), "streams"]);
    assert_success(&streams);
    let mut expected = String::new();
    for package in ["hello", "helloworld"] {
        expected += &format!("{package} SayHello: Hello, Ann!\n");
        expected += &format!("{package} SayHelloAgain: Hello again, Ann!\n");
        for n in 1..=3 {
            expected += &format!("{package} SayHelloStreamReply: Hello, Ann! #{n}\n");
        }
    }
    for name in ["Ann", "Ben", "Cy"] {
        expected += &format!("helloworld SayHelloBidiStream: Hello, {name}!\n");
    }
    expected += "helloworld SayHelloBidiStream empty: []\n";
    assert_eq!(streams.stdout, expected);
}

/// The tutorial's client breaks out of WatchRates after six updates (the call is cancelled when its
/// channel closes) and goes on with the next calls on the same channel.
#[test]
fn tutorial_finance_client_against_h2grpc() {
    let server = Listening::h2grpc(&["--watch-interval-ms", "50"], &[]);
    let client = run_python("finance_client.py", &[&server.host_port()]);
    assert_success(&client);
    assert_finance_client_output(&client.stdout);
}

#[test]
fn tutorial_finance_error_handling_against_h2grpc() {
    let server = Listening::h2grpc(&[], &[]);
    let client = run_python("finance_error_client.py", &[&server.host_port()]);
    assert_success(&client);
    assert_eq!(
        client.stdout,
        "gRPC error: StatusCode.INVALID_ARGUMENT — Unsupported currency: BTC\n"
    );
}

#[test]
fn tutorial_users_client_against_h2grpc() {
    let server = Listening::h2grpc(&[], &[]);
    let client = run_python("users_client.py", &[&server.host_port()]);
    assert_success(&client);
    assert_users_client_output(&client.stdout);
}

/// The users-service tutorial's `grpc.aio` client: an awaited unary call and an `async for` over ListUsers.
#[test]
fn tutorial_async_users_client_against_h2grpc() {
    let server = Listening::h2grpc(&[], &[]);
    let first = run_python("users_async_client.py", &[&server.host_port()]);
    assert_success(&first);
    assert_eq!(first.stdout, "Async created: Dave\n Dave\n");
    let second = run_python("users_async_client.py", &[&server.host_port()]);
    assert_success(&second);
    assert_eq!(second.stdout, "Async created: Dave\n Dave\n Dave\n");
}

/// Every status the services document (`h2grpc::services`) as grpcio reports it (`e.code()`,
/// `e.details()`), and the generic ones: an unknown method or service, a request over the 4 MiB limit.
#[test]
fn python_sees_every_status_of_h2grpc() {
    let server = Listening::h2grpc(&[], &[]);
    let probe = run_python("probe_client.py", &[&server.host_port(), "statuses"]);
    assert_success(&probe);
    assert_eq!(
        probe.stdout,
        "convert BTC: INVALID_ARGUMENT Unsupported currency: BTC\n\
         convert -5: OUT_OF_RANGE Amount must be positive, got: -5.0\n\
         convert 0: OUT_OF_RANGE Amount must be positive, got: 0.0\n\
         convert 10: OK 0.92\n\
         create no-at: INVALID_ARGUMENT Invalid email address\n\
         create empty: INVALID_ARGUMENT Invalid email address\n\
         create ok: OK Eve\n\
         get nonexistent: NOT_FOUND User 'nonexistent' not found\n\
         get quote: NOT_FOUND User \"it's\" not found\n\
         bulk with a bad email: INVALID_ARGUMENT Invalid email address\n\
         listed after: ['Eve']\n\
         batch empty: OK 0\n\
         unknown method: UNIMPLEMENTED unknown method SayGoodbye for service hello.Greeter\n\
         unknown service: UNIMPLEMENTED unknown service nosuch.Service\n\
         5 MiB request: RESOURCE_EXHAUSTED message of 5242885 bytes is larger than the limit of 4194304 bytes\n\
         after: OK Hello, again!\n"
    );
}

/// Custom metadata from grpcio, ASCII (a key sent twice) and `-bin`, reaches the handler
/// intact: the users service logs what CreateUser received, as Python prints
/// `dict(context.invocation_metadata())` (the last value of a repeated key; `-bin` re-encoded
/// as base64). What comes back is well formed: no stray entries in the initial or trailing
/// metadata grpcio hands the caller, on a unary and a streaming call.
#[test]
fn python_metadata_reaches_h2grpc() {
    let server = Listening::h2grpc(&[], &[("RUST_LOG", "h2grpc::services::users=debug")]);
    let probe = run_python("probe_client.py", &[&server.host_port(), "metadata"]);
    assert_success(&probe);
    assert_eq!(
        probe.stdout,
        "unary reply: Meta\n\
         unary initial: []\n\
         unary trailing: []\n\
         unary code: OK\n\
         streaming initial: []\n\
         streaming replies: ['Meta']\n\
         streaming trailing: []\n\
         streaming code: OK\n"
    );
    let (_, logs) = server.stop();
    let logged = Regex::new(
        r"CreateUser invocation metadata metadata=\{'user-agent': 'grpc-python/1\.85\.1 grpc-c/[^']+', 'ip': '127\.0\.0\.1', 'x-custom': 'again', 'x-trace-bin': 'AAH\+/w'\}",
    )
    .unwrap();
    assert!(logged.is_match(&logs), "{logs}");
}

/// `timeout=0.2` on WatchRates: updates until the deadline, then DEADLINE_EXCEEDED.
#[test]
fn python_timeout_on_watch_rates() {
    let server = Listening::h2grpc(&["--watch-interval-ms", "50"], &[]);
    let started = Instant::now();
    let probe = run_python("probe_client.py", &[&server.host_port(), "timeout", "0.2"]);
    assert_success(&probe);
    let lines: Vec<&str> = probe.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", probe.stdout);
    // How many came before the deadline depends on the machine's load: any number will do
    // here (the grpcurl and typed-client tests see updates before a deadline, with more time).
    numbers(r"updates: (\d+)", lines[0]);
    assert_eq!(lines[1], "status: DEADLINE_EXCEEDED");
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// A 1 MiB name in the request, a 1 MiB greeting in the reply (past every 64 KiB window).
#[test]
fn python_large_messages() {
    let server = Listening::h2grpc(&[], &[]);
    let probe = run_python("probe_client.py", &[&server.host_port(), "large"]);
    assert_success(&probe);
    assert_eq!(
        probe.stdout,
        format!(
            "reply length: {}\nreply is the greeting: True\n",
            1024 * 1024 + "Hello, !".len()
        )
    );
}

/// `h2grpc serve --auth-token secret`: grpcio's calls without `authorization: Bearer secret`
/// are refused with UNAUTHENTICATED, unary and streaming alike; with it they go through.
#[test]
fn python_auth_token() {
    let server = Listening::h2grpc(&["--auth-token", "secret"], &[]);
    let probe = run_python("probe_client.py", &[&server.host_port(), "auth", "secret"]);
    assert_success(&probe);
    assert_eq!(
        probe.stdout,
        "no token: UNAUTHENTICATED Missing or invalid token\n\
         wrong token: UNAUTHENTICATED Missing or invalid token\n\
         right token: OK Hello, World!\n\
         right token, streaming: []\n\
         no token, streaming: UNAUTHENTICATED Missing or invalid token\n"
    );
}

// ===== h2grpc's client → the tutorials' Python servers =====

#[test]
fn demo_hello_against_python() {
    let server = Listening::python("hello_server.py", &[]);
    let demo = run(&["demo", "hello", "--target", &server.target()]);
    assert_success(&demo);
    assert_eq!(demo.stdout, "Server replied: Hello, World!\n");
}

#[test]
fn demo_helloworld_against_python() {
    let server = Listening::python("greeter_server.py", &[]);
    let demo = run(&["demo", "helloworld", "--target", &server.target()]);
    assert_success(&demo);
    assert_eq!(demo.stdout, HELLOWORLD_CLIENT_OUTPUT);
}

/// Against the grpcio tutorial's server, with its one-second sleep between rounds of WatchRates: the
/// demo cancels after six updates, two rounds.
#[test]
fn demo_finance_against_python() {
    let server = Listening::python("finance_server.py", &[]);
    let demo = run(&["demo", "finance", "--target", &server.target()]);
    assert_success(&demo);
    assert_finance_client_output(&demo.stdout);
}

/// The Python server prints `dict(context.invocation_metadata())` for CreateUser (the users
/// demo's servicer):
/// the `ip` entry the demo sends, and h2grpc's user-agent.
#[test]
fn demo_users_against_python() {
    let server = Listening::python("users_server.py", &[]);
    let demo = run(&["demo", "users", "--target", &server.target()]);
    assert_success(&demo);
    assert_users_client_output(&demo.stdout);
    let printed = server.wait_for_stdout("}\n");
    let agent = format!("h2grpc/{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(
        printed,
        format!("{{'user-agent': '{agent}', 'ip': '127.0.0.1'}}\n")
    );
}

/// Every kind of call on helloworld.Greeter, typed client against the Python quickstart's
/// server.
#[tokio::test]
async fn typed_greeter_client_against_python() {
    bounded(async {
        let server = Listening::python("greeter_server.py", &[]);
        let channel = Channel::connect(&server.target()).await.unwrap();
        let greeter = helloworld::GreeterClient::new(channel);
        let ann = || Request::new(HelloRequest { name: "Ann".into() });

        let reply = greeter.say_hello(ann()).await.unwrap().into_inner();
        assert_eq!(reply.message, "Hello, Ann!");
        let reply = greeter.say_hello_again(ann()).await.unwrap().into_inner();
        assert_eq!(reply.message, "Hello again, Ann!");

        let mut replies = greeter.say_hello_stream_reply(ann()).await.unwrap();
        let mut messages = Vec::new();
        while let Some(reply) = replies.message().await.unwrap() {
            messages.push(reply.message.to_string());
        }
        assert_eq!(
            messages,
            ["Hello, Ann! #1", "Hello, Ann! #2", "Hello, Ann! #3"]
        );

        // Bidi, in lock step: each greeting arrives before the next name is sent.
        let (mut names, mut greetings) = greeter
            .say_hello_bidi_stream(Request::new(()))
            .await
            .unwrap();
        for name in ["Ann", "Ben", "Cy"] {
            names
                .send(&HelloRequest { name: name.into() })
                .await
                .unwrap();
            let greeting = greetings.message().await.unwrap().unwrap();
            assert_eq!(greeting.message, format!("Hello, {name}!"));
        }
        names.finish().await.unwrap();
        assert!(greetings.message().await.unwrap().is_none());
    })
    .await;
}

/// Every kind of call on finance.CurrencyConverter against the grpcio tutorial's server with
/// its error handling: the codes and messages of `context.abort`, and a deadline that passes
/// while the server's WatchRates sleeps between rounds.
#[tokio::test]
async fn typed_finance_client_against_python() {
    bounded(async {
        let server = Listening::python("finance_server.py", &[]);
        let channel = Channel::connect(&server.target()).await.unwrap();
        let finance = CurrencyConverterClient::new(channel);
        let convert = |from: &str, amount: f64| ConvertRequest {
            from_currency: from.into(),
            to_currency: "EUR".into(),
            amount,
        };

        let reply = finance
            .convert(Request::new(convert("USD", 100.0)))
            .await
            .unwrap()
            .into_inner();
        assert_near(reply.converted_amount, 92.0);
        assert_near(reply.rate, 0.92);

        let refused = finance
            .convert(Request::new(convert("BTC", 1.0)))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
        assert_eq!(refused.message(), "Unsupported currency: BTC");
        let refused = finance
            .convert(Request::new(convert("USD", -5.0)))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::OutOfRange, "{refused:?}");
        assert_eq!(refused.message(), "Amount must be positive, got: -5.0");

        // WatchRates: the first round at once; the deadline passes during the server's one-second
        // sleep before the second round.
        let watch = WatchRequest {
            base_currency: "USD".into(),
            target_currencies: vec!["GBP".into(), "JPY".into()],
        };
        let started = Instant::now();
        let mut updates = finance
            .watch_rates(Request::new(watch).with_timeout(Duration::from_millis(800)))
            .await
            .unwrap();
        let first = updates.message().await.unwrap().unwrap();
        assert_eq!(first.currency, "GBP");
        assert_near(first.rate, 0.79);
        let second = updates.message().await.unwrap().unwrap();
        assert_eq!(second.currency, "JPY");
        let ended = updates.message().await.unwrap_err();
        assert_eq!(ended.code(), Code::DeadlineExceeded, "{ended:?}");
        assert!(started.elapsed() < Duration::from_secs(5));

        let mut batch = finance.batch_convert(Request::new(())).await.unwrap();
        for amount in [100.0, 200.0] {
            batch.send(&convert("USD", amount)).await.unwrap();
        }
        let reply = batch.finish().await.unwrap().into_inner();
        assert_eq!(reply.count, 2);
        assert_near(reply.total_converted, 300.0 * 0.92);
        let empty = finance.batch_convert(Request::new(())).await.unwrap();
        let reply = empty.finish().await.unwrap().into_inner();
        assert_eq!((reply.count, reply.total_converted), (0, 0.0));

        let (mut requests, mut replies) = finance.live_convert(Request::new(())).await.unwrap();
        for amount in [50.0, 100.0] {
            requests.send(&convert("USD", amount)).await.unwrap();
            let reply = replies.message().await.unwrap().unwrap();
            assert_near(reply.converted_amount, amount * 0.92);
            assert!(reply.timestamp.parse::<f64>().is_ok(), "{reply:?}");
        }
        requests.finish().await.unwrap();
        assert!(replies.message().await.unwrap().is_none());
    })
    .await;
}

/// Every kind of call on users.UserService against the users-service tutorial's server: the
/// status its handlers set with `context.set_code` (NOT_FOUND, INVALID_ARGUMENT), and the
/// metadata that the server prints (as the users demo's does). With `--auth`, the tutorial's
/// AuthInterceptor.
#[tokio::test]
async fn typed_users_client_against_python() {
    bounded(async {
        let server = Listening::python("users_server.py", &[]);
        let channel = Channel::connect(&server.target()).await.unwrap();
        let users = UserServiceClient::new(channel);
        let create = |name: &str, email: &str| CreateUserRequest {
            name: name.into(),
            email: email.into(),
            age: 30,
        };

        let mut request = Request::new(create("Alice", "alice@example.com"));
        request.metadata_mut().insert("ip", "127.0.0.1").unwrap();
        request.metadata_mut().insert("x-custom", "v").unwrap();
        request
            .metadata_mut()
            .insert_bin("x-trace-bin", &[0, 1, 0xfe, 0xff])
            .unwrap();
        let alice = users.create_user(request).await.unwrap().into_inner();
        assert_eq!(alice.id.len(), 36, "{alice:?}");
        assert_eq!(
            (&*alice.name, &*alice.email, alice.age),
            ("Alice", "alice@example.com", 30)
        );
        // grpcio hands the handler `-bin` values decoded, as bytes.
        let printed = server.wait_for_stdout("}\n");
        let agent = format!("h2grpc/{}", env!("CARGO_PKG_VERSION"));
        assert_eq!(
            printed,
            format!(
                "{{'user-agent': '{agent}', 'ip': '127.0.0.1', 'x-custom': 'v', \
             'x-trace-bin': b'\\x00\\x01\\xfe\\xff'}}\n"
            )
        );

        let got = users
            .get_user(Request::new(GetUserRequest {
                user_id: alice.id.clone(),
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(got, alice);
        let missing = users
            .get_user(Request::new(GetUserRequest {
                user_id: "nonexistent".into(),
            }))
            .await
            .unwrap_err();
        assert_eq!(missing.code(), Code::NotFound, "{missing:?}");
        assert_eq!(missing.message(), "User 'nonexistent' not found");
        let invalid = users
            .create_user(Request::new(create("Mallory", "nope")))
            .await
            .unwrap_err();
        assert_eq!(invalid.code(), Code::InvalidArgument, "{invalid:?}");
        assert_eq!(invalid.message(), "Invalid email address");

        let mut bulk = users.bulk_create_users(Request::new(())).await.unwrap();
        for (name, email) in [("Bob", "bob@example.com"), ("Carol", "carol@example.com")] {
            bulk.send(&create(name, email)).await.unwrap();
        }
        let created = bulk.finish().await.unwrap().into_inner();
        assert_eq!(created.created_count, 2);
        assert_eq!(created.user_ids.len(), 2);

        let list = ListUsersRequest {
            page_size: 2,
            ..ListUsersRequest::default()
        };
        let mut listed = users.list_users(Request::new(list)).await.unwrap();
        let mut names = Vec::new();
        while let Some(user) = listed.message().await.unwrap() {
            names.push(user.name.to_string());
        }
        assert_eq!(names, ["Alice", "Bob"]);
        drop(server);

        // The tutorial's AuthInterceptor: a call without `authorization: Bearer ...` is refused.
        let guarded = Listening::python("users_server.py", &["--auth"]);
        let users = UserServiceClient::new(Channel::connect(&guarded.target()).await.unwrap());
        let refused = users
            .get_user(Request::new(GetUserRequest::default()))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::Unauthenticated, "{refused:?}");
        assert_eq!(refused.message(), "Missing or invalid token");
        let mut request = Request::new(create("Alice", "alice@example.com"));
        h2grpc::services::auth::authorize(request.metadata_mut(), "anything").unwrap();
        let alice = users.create_user(request).await.unwrap().into_inner();
        assert_eq!(alice.name, "Alice");
    })
    .await;
}

/// Metadata both ways and deadlines, against `probe_server.py` (a grpcio hello.Greeter that
/// echoes `x-` metadata and sleeps when asked): ASCII (a key twice) and `-bin` entries come
/// back in the initial and the trailing metadata, unary and streaming; grpcio sees the
/// deadline h2grpc sends (`grpc-timeout`); a call whose handler sleeps past the deadline ends
/// with DEADLINE_EXCEEDED at the client, and the handler sees the call end.
#[tokio::test]
async fn typed_client_metadata_and_deadlines_against_python() {
    bounded(async {
        let server = Listening::python("probe_server.py", &[]);
        let channel = Channel::connect(&server.target()).await.unwrap();
        let greeter = hello::GreeterClient::new(channel);
        let with_metadata = |name: &str| {
            let mut request = Request::new(HelloRequest { name: name.into() });
            let metadata = request.metadata_mut();
            metadata.append("x-custom", "hello").unwrap();
            metadata.append("x-custom", "again").unwrap();
            metadata
                .insert_bin("x-trace-bin", &[0, 1, 0xfe, 0xff])
                .unwrap();
            request
        };
        #[track_caller]
        fn assert_echoed(metadata: &Metadata) {
            let custom: Vec<&str> = metadata.get_all("x-custom").collect();
            assert_eq!(custom, ["hello", "again"], "{metadata:?}");
            let bin = metadata.get_bin("x-trace-bin").unwrap().unwrap();
            assert_eq!(&bin[..], [0, 1, 0xfe, 0xff], "{metadata:?}");
        }

        let response = greeter.say_hello(with_metadata("Ann")).await.unwrap();
        assert_eq!(response.get_ref().message, "Hello, Ann!");
        assert_echoed(response.metadata());
        assert_echoed(response.trailers());
        assert_eq!(response.trailers().get("x-time-remaining"), Some("none"));

        let timed = with_metadata("Ann").with_timeout(Duration::from_secs(30));
        let response = greeter.say_hello(timed).await.unwrap();
        let remaining: u64 = response
            .trailers()
            .get("x-time-remaining")
            .unwrap()
            .parse()
            .unwrap();
        assert!((20..30).contains(&remaining), "{remaining}");

        let mut replies = greeter
            .say_hello_stream_reply(with_metadata("Ann"))
            .await
            .unwrap();
        assert_echoed(replies.headers().await.unwrap());
        let mut count = 0;
        while replies.message().await.unwrap().is_some() {
            count += 1;
        }
        assert_eq!(count, 3);
        assert_echoed(replies.trailers().unwrap());

        // An abort after the first reply: the status, with the trailing metadata set before it.
        let mut replies = greeter
            .say_hello_stream_reply(with_metadata("fail"))
            .await
            .unwrap();
        let first = replies.message().await.unwrap().unwrap();
        assert_eq!(first.message, "Hello, fail! #1");
        let aborted = replies.message().await.unwrap_err();
        assert_eq!(aborted.code(), Code::Aborted, "{aborted:?}");
        assert_eq!(aborted.message(), "as asked");
        assert_echoed(aborted.metadata());

        // The handler sleeps 5 s; the call's deadline is 300 ms.
        let mut slow = Request::new(HelloRequest { name: "Zed".into() });
        slow.metadata_mut().insert("x-sleep-seconds", "5").unwrap();
        let started = Instant::now();
        let late = greeter
            .say_hello_again(slow.with_timeout(Duration::from_millis(300)))
            .await
            .unwrap_err();
        assert_eq!(late.code(), Code::DeadlineExceeded, "{late:?}");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        // grpcio ended the call on its side too: the handler woke up early, inactive.
        server.wait_for_stdout("SayHelloAgain: active=False");
    })
    .await;
}
