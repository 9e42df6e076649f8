//! `h2grpc call` against grpcurl: the same arguments to both, against the same `h2grpc serve`,
//! must print the same output and exit with the same code. Every RPC kind of the tutorials'
//! services, a failing call, `list` and `describe` through reflection, and a proto2 schema
//! given as a file (`wire-tests/call/hello2.proto`) instead of reflection.

use regex::Regex;

use crate::support::peers::{Listening, run_grpcurl, run_h2grpc};
use crate::support::process::Finished;

/// Runs `grpcurl -plaintext <flags> <addr> <rest>` and `h2grpc call <flags> <addr> <rest>`
/// (with `stdin`), and returns both.
fn both(flags: &[&str], addr: &str, rest: &[&str], stdin: Option<&str>) -> (Finished, Finished) {
    let mut grpcurl = vec!["-plaintext"];
    grpcurl.extend(flags.iter().map(|flag| grpcurl_flag(flag)));
    grpcurl.push(addr);
    grpcurl.extend(rest);
    let mut ours = vec!["call"];
    ours.extend(flags);
    ours.push(addr);
    ours.extend(rest);
    (run_grpcurl(&grpcurl, stdin), run_h2grpc(&ours, stdin))
}

/// grpcurl spells its long flags with one dash, and names `-I` `-import-path`.
fn grpcurl_flag(flag: &str) -> &str {
    match flag {
        "-I" => "-import-path",
        "--proto" => "-proto",
        "--max-time" => "-max-time",
        other => other,
    }
}

#[track_caller]
fn assert_same(what: &str, (grpcurl, ours): &(Finished, Finished)) {
    assert_eq!(
        ours.status.code(),
        grpcurl.status.code(),
        "{what}: exit codes differ\ngrpcurl: {grpcurl:?}\nh2grpc:  {ours:?}"
    );
    assert_eq!(
        ours.stdout, grpcurl.stdout,
        "{what}: stdout differs\n{ours:?}"
    );
    assert_eq!(
        ours.stderr, grpcurl.stderr,
        "{what}: stderr differs\n{ours:?}"
    );
}

/// Both succeeded and printed something (a comparison of two empty outputs proves little).
#[track_caller]
fn assert_same_success(what: &str, outputs: &(Finished, Finished)) {
    assert!(
        outputs.0.status.success(),
        "{what}: grpcurl failed: {:?}",
        outputs.0
    );
    assert!(
        !outputs.0.stdout.is_empty(),
        "{what}: grpcurl printed nothing"
    );
    assert_same(what, outputs);
}

/// As [`assert_same_success`], numbers aside: the finance service's rates move between calls
/// (and its timestamps with them), so each number is replaced by `N` before comparing.
#[track_caller]
fn assert_same_numbers_aside(what: &str, (grpcurl, ours): &(Finished, Finished)) {
    let numbers = Regex::new(r"-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?").unwrap();
    let normal = |f: &Finished| Finished {
        status: f.status,
        stdout: numbers.replace_all(&f.stdout, "N").into_owned(),
        stderr: f.stderr.clone(),
    };
    assert!(
        grpcurl.status.success(),
        "{what}: grpcurl failed: {grpcurl:?}"
    );
    assert!(numbers.is_match(&ours.stdout), "{what}: {ours:?}");
    assert_same(what, &(normal(grpcurl), normal(ours)));
}

#[test]
fn list_and_describe_through_reflection() {
    let server = Listening::h2grpc(&[], &[]);
    let addr = server.host_port();
    assert_same_success("list", &both(&[], &addr, &["list"], None));
    for service in [
        "hello.Greeter",
        "finance.CurrencyConverter",
        "users.UserService",
    ] {
        assert_same_success(service, &both(&[], &addr, &["list", service], None));
    }
    for symbol in [
        "hello.Greeter",
        "hello.HelloRequest",
        "finance.ConvertRequest",
        "users.User",
        "hello.Greeter.SayHello",
    ] {
        assert_same_success(symbol, &both(&[], &addr, &["describe", symbol], None));
    }
}

#[test]
fn every_rpc_kind_prints_what_grpcurl_prints() {
    let server = Listening::h2grpc(&[], &[]);
    let addr = server.host_port();
    let unary = both(
        &["-d", r#"{"name": "World"}"#],
        &addr,
        &["hello.Greeter/SayHello"],
        None,
    );
    assert_same_success("unary", &unary);
    assert_eq!(unary.1.stdout, "{\n  \"message\": \"Hello, World!\"\n}\n");
    // The method named with a dot, as grpcurl also accepts.
    assert_same_success(
        "unary, Service.Method",
        &both(
            &["-d", r#"{"name": "dot"}"#],
            &addr,
            &["hello.Greeter.SayHello"],
            None,
        ),
    );
    // Proto names accepted in, JSON names out; a double.
    assert_same_numbers_aside(
        "unary, finance",
        &both(
            &[
                "-d",
                r#"{"from_currency": "USD", "toCurrency": "EUR", "amount": 100}"#,
            ],
            &addr,
            &["finance.CurrencyConverter/Convert"],
            None,
        ),
    );
    assert_same_success(
        "server streaming",
        &both(
            &["-d", r#"{"name": "Stream"}"#],
            &addr,
            &["hello.Greeter/SayHelloStreamReply"],
            None,
        ),
    );
    let requests = r#"{"fromCurrency": "USD", "toCurrency": "EUR", "amount": 10}
        {"fromCurrency": "USD", "toCurrency": "JPY", "amount": 2.5}"#;
    assert_same_numbers_aside(
        "client streaming",
        &both(
            &["-d", "@"],
            &addr,
            &["finance.CurrencyConverter/BatchConvert"],
            Some(requests),
        ),
    );
    assert_same_numbers_aside(
        "bidi streaming",
        &both(
            &["-d", "@"],
            &addr,
            &["finance.CurrencyConverter/LiveConvert"],
            Some(requests),
        ),
    );
    let names = r#"{"name": "a"} {"name": "b"} {"name": "c"}"#;
    assert_same_success(
        "bidi streaming, helloworld",
        &both(
            &["-d", "@"],
            &addr,
            &["helloworld.Greeter/SayHelloBidiStream"],
            Some(names),
        ),
    );
}

#[test]
fn created_users_print_like_grpcurls_but_for_their_ids() {
    let server = Listening::h2grpc(&[], &[]);
    let addr = server.host_port();
    let user = r#"{"name": "Ada", "email": "ada@example.com", "age": 36}"#;
    let (grpcurl, ours) = both(
        &["-d", user],
        &addr,
        &["users.UserService/CreateUser"],
        None,
    );
    assert!(
        grpcurl.status.success() && ours.status.success(),
        "{grpcurl:?}\n{ours:?}"
    );
    // Each call makes a user of its own: a new id and creation time (an int64: a string).
    let unique = Regex::new(r#""(id|createdAt)": "[^"]+""#).unwrap();
    let normal = |text: &str| unique.replace_all(text, r#""$1": "…""#).into_owned();
    assert_eq!(normal(&ours.stdout), normal(&grpcurl.stdout));
    assert!(ours.stdout.contains("\"createdAt\": \""), "{}", ours.stdout);
}

#[test]
fn failures_are_reported_as_grpcurl_reports_them() {
    let server = Listening::h2grpc(&[], &[]);
    let addr = server.host_port();
    let not_found = both(
        &["-d", r#"{"userId": "nobody"}"#],
        &addr,
        &["users.UserService/GetUser"],
        None,
    );
    assert_eq!(not_found.1.status.code(), Some(64 + 5), "{:?}", not_found.1);
    assert!(
        not_found
            .1
            .stderr
            .starts_with("ERROR:\n  Code: NotFound\n  Message: ")
    );
    assert_same("NOT_FOUND", &not_found);
    assert_same(
        "INVALID_ARGUMENT",
        &both(
            &[
                "-d",
                r#"{"fromCurrency": "XXX", "toCurrency": "USD", "amount": 1}"#,
            ],
            &addr,
            &["finance.CurrencyConverter/Convert"],
            None,
        ),
    );
}

#[test]
fn a_proto2_schema_from_a_file() {
    let server = Listening::h2grpc(&[], &[]);
    let addr = server.host_port();
    let flags = ["-I", "wire-tests/call", "--proto", "hello2.proto"];
    assert_same_success("proto2 list", &both(&flags, &addr, &["list"], None));
    let mut with_data = flags.to_vec();
    with_data.extend(["-d", r#"{"name": "proto2"}"#]);
    let unary = both(&with_data, &addr, &["hello.Greeter/SayHello"], None);
    assert_same_success("proto2 unary", &unary);
    assert_eq!(unary.1.stdout, "{\n  \"message\": \"Hello, proto2!\"\n}\n");
    assert_same_success(
        "proto2 server streaming",
        &both(
            &with_data,
            &addr,
            &["hello.Greeter/SayHelloStreamReply"],
            None,
        ),
    );
}

#[test]
fn usage_errors_are_one_line() {
    let finished = run_h2grpc(
        &["call", "127.0.0.1:1", "hello.Greeter/SayHello", "extra"],
        None,
    );
    assert_eq!(finished.status.code(), Some(2), "{finished:?}");
    assert_eq!(finished.stderr.lines().count(), 1, "{finished:?}");
    let finished = run_h2grpc(&["call", "-d", "{", "127.0.0.1:1", "list"], None);
    assert_ne!(finished.status.code(), Some(0), "{finished:?}");
}

/// `--protoset`: a `FileDescriptorSet` written by protoc, read instead of reflection.
#[test]
fn a_descriptor_set_from_protoc() {
    let dir = std::env::temp_dir().join(format!("h2grpc-call-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let set = dir.join("users.protoset");
    let protoc = std::process::Command::new("protoc")
        .current_dir(crate::support::peers::repo())
        .args(["-I", "proto", "--include_imports", "--descriptor_set_out"])
        .arg(&set)
        .arg("user_service.proto")
        .status()
        .expect("protoc (installed by wire-tests/setup.sh)");
    assert!(protoc.success());
    let server = Listening::h2grpc(&[], &[]);
    let addr = server.host_port();
    let set = set.to_str().unwrap();
    let flags = ["--protoset", set];
    let grpcurl = run_grpcurl(&["-plaintext", "-protoset", set, &addr, "list"], None);
    let ours = run_h2grpc(&["call", flags[0], flags[1], &addr, "list"], None);
    assert_same_success("protoset list", &(grpcurl, ours));
    let ours = run_h2grpc(
        &[
            "call",
            flags[0],
            flags[1],
            "-d",
            r#"{"userId": "x"}"#,
            &addr,
            "users.UserService/GetUser",
        ],
        None,
    );
    assert_eq!(ours.status.code(), Some(64 + 5), "{ours:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `-v`: the method, the request metadata, then the response's headers, contents and trailers.
#[test]
fn verbose_prints_headers_and_trailers() {
    let server = Listening::h2grpc(&[], &[]);
    let addr = server.host_port();
    let ours = run_h2grpc(
        &[
            "call",
            "-v",
            "-H",
            "x-trace: 7",
            "-d",
            r#"{"name": "V"}"#,
            &addr,
            "hello.Greeter/SayHello",
        ],
        None,
    );
    assert!(ours.status.success(), "{ours:?}");
    for part in [
        "Resolved method descriptor:\nrpc SayHello ( .hello.HelloRequest ) returns ( .hello.HelloReply );\n",
        "Request metadata to send:\nx-trace: 7\n",
        "Response headers received:\n",
        "Response contents:\n{\n  \"message\": \"Hello, V!\"\n}\n",
        "Response trailers received:\n",
        "Sent 1 request and received 1 response\n",
    ] {
        assert!(
            ours.stdout.contains(part),
            "no {part:?} in\n{}",
            ours.stdout
        );
    }
}
