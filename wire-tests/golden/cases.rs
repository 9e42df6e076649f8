//! The case tables: for each message, the default message, typical values, and each field run
//! through the values where encoders go wrong (length-prefix boundaries, ten-byte varints,
//! special doubles, empty strings inside repeated fields).

use h2grpc::protobuf::Text;
use h2grpc::services::{finance, hello, users};

/// A `Text` from a `&str`.
pub(crate) fn bs(value: &str) -> Text {
    Text::from(value.to_owned())
}

/// Multi-byte UTF-8: 2-, 3- and 4-byte sequences.
pub(crate) const UNICODE: &str = "héllo wörld ☺ 😈";

/// Strings around the length-prefix boundaries: 127 bytes (1-byte length), 128 bytes (2-byte
/// length), 16 383 and 16 384 bytes (2- and 3-byte lengths).
pub(crate) fn strings() -> Vec<Text> {
    vec![
        bs(""),
        bs("a"),
        bs("world"),
        bs(UNICODE),
        bs(&"x".repeat(127)),
        bs(&"y".repeat(128)),
        bs(&UNICODE.repeat(20)),
        bs(&"z".repeat(16_383)),
        bs(&"w".repeat(16_384)),
        bs("with\0nul and \"quotes\" and \\ and \n"),
    ]
}

/// Doubles with every interesting bit pattern except `-0.0`, which h2grpc writes and prost drops
/// (checked on its own against protoc).
pub(crate) fn doubles() -> Vec<f64> {
    vec![
        0.0,
        0.5,
        -1.25,
        1.0,
        0.92,
        149.5,
        1e308,
        -1e308,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        5e-324, // the smallest subnormal
        f64::EPSILON,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        -f64::NAN,
        f64::from_bits(0x7ff0_0000_0000_0001), // a signalling NaN
    ]
}

/// `int32` values: one-byte, two-byte, the five-byte maximum, and negatives (ten bytes).
pub(crate) fn int32s() -> Vec<i32> {
    vec![0, 1, 127, 128, 300, 16_384, i32::MAX, -1, -128, i32::MIN]
}

/// `int64` values: up to the nine-byte maximum and ten-byte negatives.
pub(crate) fn int64s() -> Vec<i64> {
    vec![
        0,
        1,
        1_700_000_000,
        i64::from(u32::MAX) + 1,
        i64::MAX,
        -1,
        i64::from(i32::MIN) - 1,
        i64::MIN,
    ]
}

/// `repeated string` values: none, one, many, and empty strings inside the list (each is still
/// a record: `12 00`).
pub(crate) fn repeated_strings() -> Vec<Vec<Text>> {
    vec![
        vec![],
        vec![bs("")],
        vec![bs("EUR")],
        vec![bs("EUR"), bs("GBP"), bs("JPY")],
        vec![bs(""), bs("x"), bs("")],
        vec![bs(UNICODE), bs(&"y".repeat(300)), bs("")],
        (0..100).map(|i| bs(&format!("id-{i}"))).collect(),
    ]
}

// ===== hello =====

pub(crate) fn hello_requests() -> Vec<hello::HelloRequest> {
    strings()
        .into_iter()
        .map(|name| hello::HelloRequest { name })
        .collect()
}

pub(crate) fn hello_replies() -> Vec<hello::HelloReply> {
    strings()
        .into_iter()
        .map(|message| hello::HelloReply { message })
        .collect()
}

// ===== finance =====

pub(crate) fn convert_requests() -> Vec<finance::ConvertRequest> {
    let typical = finance::ConvertRequest {
        from_currency: bs("USD"),
        to_currency: bs("EUR"),
        amount: 100.0,
    };
    let mut cases = vec![finance::ConvertRequest::default(), typical.clone()];
    for s in strings() {
        cases.push(finance::ConvertRequest {
            from_currency: s.clone(),
            ..typical.clone()
        });
        cases.push(finance::ConvertRequest {
            to_currency: s,
            ..typical.clone()
        });
    }
    for x in doubles() {
        cases.push(finance::ConvertRequest {
            amount: x,
            ..typical.clone()
        });
        cases.push(finance::ConvertRequest {
            amount: x,
            ..Default::default()
        });
    }
    cases
}

pub(crate) fn convert_replies() -> Vec<finance::ConvertReply> {
    let typical = finance::ConvertReply {
        converted_amount: 92.0,
        rate: 0.92,
        timestamp: bs("1700000000"),
    };
    let mut cases = vec![finance::ConvertReply::default(), typical.clone()];
    for x in doubles() {
        cases.push(finance::ConvertReply {
            converted_amount: x,
            ..typical.clone()
        });
        cases.push(finance::ConvertReply {
            rate: x,
            ..typical.clone()
        });
        cases.push(finance::ConvertReply {
            converted_amount: x,
            rate: x,
            timestamp: bs(""),
        });
    }
    for timestamp in strings() {
        cases.push(finance::ConvertReply {
            timestamp,
            ..typical.clone()
        });
    }
    cases
}

pub(crate) fn watch_requests() -> Vec<finance::WatchRequest> {
    let mut cases = vec![finance::WatchRequest::default()];
    for target_currencies in repeated_strings() {
        cases.push(finance::WatchRequest {
            base_currency: bs("USD"),
            target_currencies: target_currencies.clone(),
        });
        cases.push(finance::WatchRequest {
            base_currency: bs(""),
            target_currencies,
        });
    }
    for base_currency in strings() {
        cases.push(finance::WatchRequest {
            base_currency,
            target_currencies: vec![bs("EUR")],
        });
    }
    cases
}

pub(crate) fn rate_updates() -> Vec<finance::RateUpdate> {
    let mut cases = vec![finance::RateUpdate::default()];
    for rate in doubles() {
        cases.push(finance::RateUpdate {
            currency: bs("EUR"),
            rate,
        });
        cases.push(finance::RateUpdate {
            currency: bs(""),
            rate,
        });
    }
    for currency in strings() {
        cases.push(finance::RateUpdate {
            currency,
            rate: 0.92,
        });
    }
    cases
}

pub(crate) fn batch_replies() -> Vec<finance::BatchReply> {
    let mut cases = vec![finance::BatchReply::default()];
    for total_converted in doubles() {
        cases.push(finance::BatchReply {
            total_converted,
            count: 3,
        });
    }
    for count in int32s() {
        cases.push(finance::BatchReply {
            total_converted: 276.5,
            count,
        });
        cases.push(finance::BatchReply {
            total_converted: 0.0,
            count,
        });
    }
    cases
}

// ===== users =====

pub(crate) fn get_user_requests() -> Vec<users::GetUserRequest> {
    strings()
        .into_iter()
        .map(|user_id| users::GetUserRequest { user_id })
        .collect()
}

pub(crate) fn create_user_requests() -> Vec<users::CreateUserRequest> {
    let typical = users::CreateUserRequest {
        name: bs("Alice"),
        email: bs("alice@example.com"),
        age: 30,
    };
    let mut cases = vec![users::CreateUserRequest::default(), typical.clone()];
    for age in int32s() {
        cases.push(users::CreateUserRequest {
            age,
            ..typical.clone()
        });
        cases.push(users::CreateUserRequest {
            age,
            ..Default::default()
        });
    }
    for s in strings() {
        cases.push(users::CreateUserRequest {
            name: s.clone(),
            ..typical.clone()
        });
        cases.push(users::CreateUserRequest {
            email: s,
            ..typical.clone()
        });
    }
    cases
}

pub(crate) fn users() -> Vec<users::User> {
    let typical = users::User {
        id: bs("5f0c6c3e-8d2a-4b7e-9c41-2f8e7d9a1b63"),
        name: bs("Alice"),
        email: bs("alice@example.com"),
        age: 30,
        created_at: 1_700_000_000,
    };
    let mut cases = vec![users::User::default(), typical.clone()];
    for age in int32s() {
        cases.push(users::User {
            age,
            ..typical.clone()
        });
    }
    for created_at in int64s() {
        cases.push(users::User {
            created_at,
            ..typical.clone()
        });
        cases.push(users::User {
            created_at,
            ..Default::default()
        });
    }
    for s in strings() {
        cases.push(users::User {
            id: s.clone(),
            ..typical.clone()
        });
        cases.push(users::User {
            name: s.clone(),
            ..typical.clone()
        });
        cases.push(users::User {
            email: s,
            ..typical.clone()
        });
    }
    cases.push(users::User {
        id: bs(UNICODE),
        name: bs(&"n".repeat(200)),
        email: bs(""),
        age: i32::MIN,
        created_at: i64::MIN,
    });
    cases
}

pub(crate) fn list_users_requests() -> Vec<users::ListUsersRequest> {
    let mut cases = vec![users::ListUsersRequest::default()];
    for page_size in int32s() {
        cases.push(users::ListUsersRequest {
            page_size,
            page_token: bs("next"),
        });
        cases.push(users::ListUsersRequest {
            page_size,
            page_token: bs(""),
        });
    }
    for page_token in strings() {
        cases.push(users::ListUsersRequest {
            page_size: 10,
            page_token,
        });
    }
    cases
}

pub(crate) fn bulk_create_responses() -> Vec<users::BulkCreateResponse> {
    let mut cases = vec![users::BulkCreateResponse::default()];
    for user_ids in repeated_strings() {
        let created_count = i32::try_from(user_ids.len()).expect("the tables are small");
        cases.push(users::BulkCreateResponse {
            created_count,
            user_ids: user_ids.clone(),
        });
        cases.push(users::BulkCreateResponse {
            created_count: -1,
            user_ids,
        });
    }
    for created_count in int32s() {
        cases.push(users::BulkCreateResponse {
            created_count,
            user_ids: vec![bs("a")],
        });
    }
    cases
}
