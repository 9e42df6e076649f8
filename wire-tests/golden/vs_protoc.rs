//! h2grpc's bytes against `protoc --encode` (protoc 3.21, Debian's protobuf-compiler), and
//! h2grpc's bytes read back by `protoc --decode`.
//!
//! protoc is the C++ runtime: its text-format parser and serializer are the reference the other
//! implementations are measured against. Where prost and protoc disagree (`-0.0`), h2grpc follows
//! protoc.

use h2grpc::services::{finance, hello, helloworld, users};

use super::cases::{self, UNICODE, bs};
use super::mirrors::{Mirror, decode, hex};
use super::protoc;
use super::text_format::Text;

/// For each `(text, value)`: `protoc --encode` of the text equals h2grpc's encoding of the
/// value, and h2grpc decodes protoc's bytes back to the value.
fn assert_matches_protoc<T: Mirror>(message_type: &str, file: &str, cases: &[(String, T)]) {
    assert!(!cases.is_empty(), "a table with no case proves nothing");
    for (text, value) in cases {
        let theirs = protoc::encode(message_type, file, text);
        let ours = value.encode_to_bytes();
        assert!(
            ours[..] == theirs[..],
            "{message_type} {{ {text} }} / {value:?}\n  h2grpc: {}\n  protoc: {}",
            hex(&ours),
            hex(&theirs)
        );
        let back = decode::<T>(&theirs, value);
        assert!(
            back.same(value),
            "h2grpc decoded protoc's {text} as {back:?}"
        );
    }
}

/// Every case of a table that text format can spell, through `protoc --encode`.
fn assert_table_matches_protoc<T: Text>(table: &[T]) {
    let cases: Vec<(String, T)> = table
        .iter()
        .filter_map(|value| Some((value.text()?, value.clone())))
        .collect();
    assert_matches_protoc(T::TYPE, T::FILE, &cases);
}

// ===== Hand-written text: the reference written by a person =====

#[test]
fn hello_request_matches_protoc() {
    assert_matches_protoc(
        "hello.HelloRequest",
        "hello.proto",
        &[
            (String::new(), hello::HelloRequest::default()),
            (
                r#"name: "world""#.to_owned(),
                hello::HelloRequest { name: bs("world") },
            ),
            (
                r#"name: "h\303\251llo w\303\266rld \342\230\272 \360\237\230\210""#.to_owned(),
                hello::HelloRequest { name: bs(UNICODE) },
            ),
        ],
    );
    assert_table_matches_protoc(&cases::hello_requests());
}

#[test]
fn hello_reply_matches_protoc() {
    assert_matches_protoc(
        "hello.HelloReply",
        "hello.proto",
        &[(
            r#"message: "Hello, World!""#.to_owned(),
            hello::HelloReply {
                message: bs("Hello, World!"),
            },
        )],
    );
    assert_table_matches_protoc(&cases::hello_replies());
}

/// The helloworld package reuses hello's types: the bytes must be the same under its names.
#[test]
fn helloworld_messages_match_protoc() {
    assert_matches_protoc(
        "helloworld.HelloRequest",
        "helloworld.proto",
        &[(
            r#"name: "you""#.to_owned(),
            helloworld::HelloRequest { name: bs("you") },
        )],
    );
    assert_matches_protoc(
        "helloworld.HelloReply",
        "helloworld.proto",
        &[(
            r#"message: "Hello again, you!""#.to_owned(),
            helloworld::HelloReply {
                message: bs("Hello again, you!"),
            },
        )],
    );
}

#[test]
fn convert_request_matches_protoc() {
    assert_matches_protoc(
        "finance.ConvertRequest",
        "finance.proto",
        &[
            (
                r#"from_currency: "USD" to_currency: "EUR" amount: 100"#.to_owned(),
                finance::ConvertRequest {
                    from_currency: bs("USD"),
                    to_currency: bs("EUR"),
                    amount: 100.0,
                },
            ),
            (
                "amount: 1e308".to_owned(),
                finance::ConvertRequest {
                    amount: 1e308,
                    ..Default::default()
                },
            ),
            (
                "amount: -inf".to_owned(),
                finance::ConvertRequest {
                    amount: f64::NEG_INFINITY,
                    ..Default::default()
                },
            ),
            (
                "amount: nan".to_owned(),
                finance::ConvertRequest {
                    amount: f64::NAN,
                    ..Default::default()
                },
            ),
        ],
    );
    assert_table_matches_protoc(&cases::convert_requests());
}

#[test]
fn convert_reply_matches_protoc() {
    assert_matches_protoc(
        "finance.ConvertReply",
        "finance.proto",
        &[(
            r#"converted_amount: 92.13 rate: 0.9213 timestamp: "1700000000.123""#.to_owned(),
            finance::ConvertReply {
                converted_amount: 92.13,
                rate: 0.9213,
                timestamp: bs("1700000000.123"),
            },
        )],
    );
    assert_table_matches_protoc(&cases::convert_replies());
}

#[test]
fn watch_request_matches_protoc() {
    assert_matches_protoc(
        "finance.WatchRequest",
        "finance.proto",
        &[
            (
                r#"base_currency: "USD" target_currencies: ["EUR", "GBP", "JPY"]"#.to_owned(),
                finance::WatchRequest {
                    base_currency: bs("USD"),
                    target_currencies: vec![bs("EUR"), bs("GBP"), bs("JPY")],
                },
            ),
            (
                r#"target_currencies: "" target_currencies: """#.to_owned(),
                finance::WatchRequest {
                    base_currency: bs(""),
                    target_currencies: vec![bs(""), bs("")],
                },
            ),
        ],
    );
    assert_table_matches_protoc(&cases::watch_requests());
}

#[test]
fn rate_update_matches_protoc() {
    assert_matches_protoc(
        "finance.RateUpdate",
        "finance.proto",
        &[(
            r#"currency: "JPY" rate: 149.5"#.to_owned(),
            finance::RateUpdate {
                currency: bs("JPY"),
                rate: 149.5,
            },
        )],
    );
    assert_table_matches_protoc(&cases::rate_updates());
}

#[test]
fn batch_reply_matches_protoc() {
    assert_matches_protoc(
        "finance.BatchReply",
        "finance.proto",
        &[(
            "total_converted: 276.5 count: 3".to_owned(),
            finance::BatchReply {
                total_converted: 276.5,
                count: 3,
            },
        )],
    );
    assert_table_matches_protoc(&cases::batch_replies());
}

#[test]
fn get_user_request_matches_protoc() {
    assert_matches_protoc(
        "users.GetUserRequest",
        "user_service.proto",
        &[(
            r#"user_id: "nonexistent-id""#.to_owned(),
            users::GetUserRequest {
                user_id: bs("nonexistent-id"),
            },
        )],
    );
    assert_table_matches_protoc(&cases::get_user_requests());
}

#[test]
fn create_user_request_matches_protoc() {
    assert_matches_protoc(
        "users.CreateUserRequest",
        "user_service.proto",
        &[
            (
                r#"name: "Alice" email: "alice@example.com" age: 30"#.to_owned(),
                users::CreateUserRequest {
                    name: bs("Alice"),
                    email: bs("alice@example.com"),
                    age: 30,
                },
            ),
            (
                "age: -1".to_owned(),
                users::CreateUserRequest {
                    age: -1,
                    ..Default::default()
                },
            ),
            (
                "age: -2147483648".to_owned(),
                users::CreateUserRequest {
                    age: i32::MIN,
                    ..Default::default()
                },
            ),
        ],
    );
    assert_table_matches_protoc(&cases::create_user_requests());
}

#[test]
fn user_matches_protoc() {
    assert_matches_protoc(
        "users.User",
        "user_service.proto",
        &[(
            r#"id: "u-1" name: "Bob" email: "bob@example.com" age: 2147483647
               created_at: 9223372036854775807"#
                .to_owned(),
            users::User {
                id: bs("u-1"),
                name: bs("Bob"),
                email: bs("bob@example.com"),
                age: i32::MAX,
                created_at: i64::MAX,
            },
        )],
    );
    assert_table_matches_protoc(&cases::users());
}

#[test]
fn list_users_request_matches_protoc() {
    assert_matches_protoc(
        "users.ListUsersRequest",
        "user_service.proto",
        &[(
            r#"page_size: 10 page_token: "t""#.to_owned(),
            users::ListUsersRequest {
                page_size: 10,
                page_token: bs("t"),
            },
        )],
    );
    assert_table_matches_protoc(&cases::list_users_requests());
}

#[test]
fn bulk_create_response_matches_protoc() {
    assert_matches_protoc(
        "users.BulkCreateResponse",
        "user_service.proto",
        &[(
            r#"created_count: 2 user_ids: "a" user_ids: "b""#.to_owned(),
            users::BulkCreateResponse {
                created_count: 2,
                user_ids: vec![bs("a"), bs("b")],
            },
        )],
    );
    assert_table_matches_protoc(&cases::bulk_create_responses());
}

// ===== -0.0 =====

/// protoc 3.21 writes `-0.0`: the C++ runtime leaves a `double` out only when its bits are all
/// zero. h2grpc does the same (prost does not: see `vs_prost.rs`).
#[test]
fn protoc_writes_negative_zero() {
    let bytes = protoc::encode("finance.ConvertRequest", "finance.proto", "amount: -0.0");
    assert_eq!(bytes, [0x19, 0, 0, 0, 0, 0, 0, 0, 0x80]);
}

#[test]
fn negative_zero_matches_protoc() {
    assert_matches_protoc(
        "finance.ConvertRequest",
        "finance.proto",
        &[(
            "amount: -0.0".to_owned(),
            finance::ConvertRequest {
                amount: -0.0,
                ..Default::default()
            },
        )],
    );
    assert_matches_protoc(
        "finance.ConvertReply",
        "finance.proto",
        &[(
            "converted_amount: -0 rate: -0.0".to_owned(),
            finance::ConvertReply {
                converted_amount: -0.0,
                rate: -0.0,
                timestamp: bs(""),
            },
        )],
    );
    assert_matches_protoc(
        "finance.RateUpdate",
        "finance.proto",
        &[(
            "rate: -0.0".to_owned(),
            finance::RateUpdate {
                currency: bs(""),
                rate: -0.0,
            },
        )],
    );
    assert_matches_protoc(
        "finance.BatchReply",
        "finance.proto",
        &[(
            "total_converted: -0.0".to_owned(),
            finance::BatchReply {
                total_converted: -0.0,
                count: 0,
            },
        )],
    );
}

// ===== h2grpc's bytes read by protoc =====

/// h2grpc's bytes, as `protoc --decode` prints them. Fields must come out under their names:
/// a field number that does not match the `.proto` would print as a bare number.
fn assert_protoc_reads<T: Text>(value: &T, expected: &str) {
    let text = protoc::decode(T::TYPE, T::FILE, &value.encode_to_bytes());
    assert_eq!(text, expected, "protoc --decode={} of {value:?}", T::TYPE);
}

#[test]
fn protoc_decodes_hello_messages() {
    assert_protoc_reads(
        &hello::HelloRequest { name: bs("world") },
        "name: \"world\"\n",
    );
    assert_protoc_reads(
        &hello::HelloReply {
            message: bs(UNICODE),
        },
        // protoc prints non-ASCII bytes of a string as octal escapes.
        "message: \"h\\303\\251llo w\\303\\266rld \\342\\230\\272 \\360\\237\\230\\210\"\n",
    );
}

#[test]
fn protoc_decodes_finance_messages() {
    assert_protoc_reads(
        &finance::ConvertRequest {
            from_currency: bs("USD"),
            to_currency: bs("EUR"),
            amount: -0.0,
        },
        "from_currency: \"USD\"\nto_currency: \"EUR\"\namount: -0\n",
    );
    assert_protoc_reads(
        &finance::ConvertReply {
            converted_amount: 92.0,
            rate: 0.92,
            timestamp: bs("1700000000"),
        },
        "converted_amount: 92\nrate: 0.92\ntimestamp: \"1700000000\"\n",
    );
    assert_protoc_reads(
        &finance::WatchRequest {
            base_currency: bs("USD"),
            target_currencies: vec![bs("EUR"), bs(""), bs("JPY")],
        },
        "base_currency: \"USD\"\ntarget_currencies: \"EUR\"\ntarget_currencies: \"\"\n\
         target_currencies: \"JPY\"\n",
    );
    assert_protoc_reads(
        &finance::RateUpdate {
            currency: bs("GBP"),
            rate: f64::INFINITY,
        },
        "currency: \"GBP\"\nrate: inf\n",
    );
    assert_protoc_reads(
        &finance::BatchReply {
            total_converted: 276.5,
            count: -1,
        },
        "total_converted: 276.5\ncount: -1\n",
    );
}

#[test]
fn protoc_decodes_users_messages() {
    assert_protoc_reads(
        &users::GetUserRequest { user_id: bs("u-1") },
        "user_id: \"u-1\"\n",
    );
    assert_protoc_reads(
        &users::CreateUserRequest {
            name: bs("Alice"),
            email: bs("alice@example.com"),
            age: i32::MIN,
        },
        "name: \"Alice\"\nemail: \"alice@example.com\"\nage: -2147483648\n",
    );
    assert_protoc_reads(
        &users::User {
            id: bs("u-1"),
            name: bs("Bob"),
            email: bs("bob@example.com"),
            age: 41,
            created_at: i64::MIN,
        },
        "id: \"u-1\"\nname: \"Bob\"\nemail: \"bob@example.com\"\nage: 41\n\
         created_at: -9223372036854775808\n",
    );
    assert_protoc_reads(
        &users::ListUsersRequest {
            page_size: 5,
            page_token: bs("p2"),
        },
        "page_size: 5\npage_token: \"p2\"\n",
    );
    assert_protoc_reads(
        &users::BulkCreateResponse {
            created_count: 2,
            user_ids: vec![bs("a"), bs("b")],
        },
        "created_count: 2\nuser_ids: \"a\"\nuser_ids: \"b\"\n",
    );
}
