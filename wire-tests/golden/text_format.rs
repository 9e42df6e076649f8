//! Values of the messages as protobuf text format, the input `protoc --encode` reads: so that
//! the whole case tables, not only the hand-written cases, go through protoc.
//!
//! <https://protobuf.dev/reference/protobuf/textformat-spec/>

use h2grpc::services::{finance, hello, users};

use super::mirrors::Mirror;

/// A string literal of protobuf text format: quotes, backslashes and control bytes escaped,
/// other UTF-8 as it is (protoc reads UTF-8 text).
pub(crate) fn quote(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\{:03o}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(crate) fn string_field(name: &str, value: &h2grpc::protobuf::Text) -> String {
    format!("{name}: {} ", quote(value))
}

/// A `double` in text format; `None` for a NaN whose bits text format cannot spell (protoc's
/// `nan` and `-nan` are the two quiet NaNs Rust calls `NAN` and `-NAN`).
pub(crate) fn double_field(name: &str, value: f64) -> Option<String> {
    let text = if value.is_nan() {
        if value.to_bits() == f64::NAN.to_bits() {
            "nan".to_owned()
        } else if value.to_bits() == (-f64::NAN).to_bits() {
            "-nan".to_owned()
        } else {
            return None;
        }
    } else if value.is_infinite() {
        if value > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        // Rust's `{:e}` is the shortest text that parses back to the same double.
        format!("{value:e}")
    };
    Some(format!("{name}: {text} "))
}

/// A message as protobuf text format, for the whole case tables.
pub(crate) trait Text: Mirror {
    /// The full name protoc knows it by.
    const TYPE: &'static str;
    /// Its file in `proto/`.
    const FILE: &'static str;
    /// Every field, defaults included (protoc leaves them out of the bytes as proto3 says).
    fn text(&self) -> Option<String>;
}

impl Text for hello::HelloRequest {
    const TYPE: &'static str = "hello.HelloRequest";
    const FILE: &'static str = "hello.proto";
    fn text(&self) -> Option<String> {
        Some(string_field("name", &self.name))
    }
}

impl Text for hello::HelloReply {
    const TYPE: &'static str = "hello.HelloReply";
    const FILE: &'static str = "hello.proto";
    fn text(&self) -> Option<String> {
        Some(string_field("message", &self.message))
    }
}

impl Text for finance::ConvertRequest {
    const TYPE: &'static str = "finance.ConvertRequest";
    const FILE: &'static str = "finance.proto";
    fn text(&self) -> Option<String> {
        Some(
            string_field("from_currency", &self.from_currency)
                + &string_field("to_currency", &self.to_currency)
                + &double_field("amount", self.amount)?,
        )
    }
}

impl Text for finance::ConvertReply {
    const TYPE: &'static str = "finance.ConvertReply";
    const FILE: &'static str = "finance.proto";
    fn text(&self) -> Option<String> {
        Some(
            double_field("converted_amount", self.converted_amount)?
                + &double_field("rate", self.rate)?
                + &string_field("timestamp", &self.timestamp),
        )
    }
}

impl Text for finance::WatchRequest {
    const TYPE: &'static str = "finance.WatchRequest";
    const FILE: &'static str = "finance.proto";
    fn text(&self) -> Option<String> {
        let mut text = string_field("base_currency", &self.base_currency);
        for currency in &self.target_currencies {
            text += &string_field("target_currencies", currency);
        }
        Some(text)
    }
}

impl Text for finance::RateUpdate {
    const TYPE: &'static str = "finance.RateUpdate";
    const FILE: &'static str = "finance.proto";
    fn text(&self) -> Option<String> {
        Some(string_field("currency", &self.currency) + &double_field("rate", self.rate)?)
    }
}

impl Text for finance::BatchReply {
    const TYPE: &'static str = "finance.BatchReply";
    const FILE: &'static str = "finance.proto";
    fn text(&self) -> Option<String> {
        Some(
            double_field("total_converted", self.total_converted)?
                + &format!("count: {} ", self.count),
        )
    }
}

impl Text for users::GetUserRequest {
    const TYPE: &'static str = "users.GetUserRequest";
    const FILE: &'static str = "user_service.proto";
    fn text(&self) -> Option<String> {
        Some(string_field("user_id", &self.user_id))
    }
}

impl Text for users::CreateUserRequest {
    const TYPE: &'static str = "users.CreateUserRequest";
    const FILE: &'static str = "user_service.proto";
    fn text(&self) -> Option<String> {
        Some(
            string_field("name", &self.name)
                + &string_field("email", &self.email)
                + &format!("age: {} ", self.age),
        )
    }
}

impl Text for users::User {
    const TYPE: &'static str = "users.User";
    const FILE: &'static str = "user_service.proto";
    fn text(&self) -> Option<String> {
        Some(
            string_field("id", &self.id)
                + &string_field("name", &self.name)
                + &string_field("email", &self.email)
                + &format!("age: {} created_at: {} ", self.age, self.created_at),
        )
    }
}

impl Text for users::ListUsersRequest {
    const TYPE: &'static str = "users.ListUsersRequest";
    const FILE: &'static str = "user_service.proto";
    fn text(&self) -> Option<String> {
        Some(
            format!("page_size: {} ", self.page_size)
                + &string_field("page_token", &self.page_token),
        )
    }
}

impl Text for users::BulkCreateResponse {
    const TYPE: &'static str = "users.BulkCreateResponse";
    const FILE: &'static str = "user_service.proto";
    fn text(&self) -> Option<String> {
        let mut text = format!("created_count: {} ", self.created_count);
        for id in &self.user_ids {
            text += &string_field("user_ids", id);
        }
        Some(text)
    }
}
