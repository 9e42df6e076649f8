//! prost mirrors of every message of `src/services/`, written with `#[derive(prost::Message)]`
//! from the `.proto` declarations (no protoc, no build script), and the [`Mirror`] pairing of each
//! h2grpc type with its mirror.

use bytes::Bytes;
use h2grpc::protobuf::{Message, Text};
use h2grpc::services::{finance, hello, users};

/// An h2grpc message with an independent prost encoder of the same `.proto` message.
pub(crate) trait Mirror: Message + Clone + std::fmt::Debug {
    /// The prost struct derived from the same `.proto` declaration.
    type Prost: prost::Message + Default + Clone + PartialEq;
    /// The same values, as the prost struct.
    fn to_prost(&self) -> Self::Prost;
    /// The same values, back from the prost struct.
    fn from_prost(p: &Self::Prost) -> Self;
    /// Equality with `double` fields compared bit for bit: NaN equals the same NaN, and `-0.0`
    /// differs from `0.0`.
    fn same(&self, other: &Self) -> bool;
}

/// A `double` compared as protobuf sees it: its eight bytes.
pub(crate) fn same_f64(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits()
}

fn s(value: &Text) -> String {
    value.to_string()
}

fn bs(value: &str) -> Text {
    Text::from(value.to_owned())
}

fn strings(values: &[Text]) -> Vec<String> {
    values.iter().map(s).collect()
}

fn byte_strings(values: &[String]) -> Vec<Text> {
    values.iter().map(|v| bs(v)).collect()
}

/// Decodes `bytes` with h2grpc, panicking with the case and the bytes on failure.
pub(crate) fn decode<T: Mirror>(bytes: &[u8], case: &T) -> T {
    T::decode(Bytes::copy_from_slice(bytes))
        .unwrap_or_else(|e| panic!("h2grpc failed to decode {} for {case:?}: {e:?}", hex(bytes)))
}

/// Bytes as spaced hex, for assertion messages that show where two encodings part.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

// ===== hello (and helloworld, which re-exports these types) =====

/// `message HelloRequest { string name = 1; }`
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct HelloRequest {
    #[prost(string, tag = "1")]
    pub(crate) name: String,
}

impl Mirror for hello::HelloRequest {
    type Prost = HelloRequest;
    fn to_prost(&self) -> HelloRequest {
        HelloRequest {
            name: s(&self.name),
        }
    }
    fn from_prost(p: &HelloRequest) -> Self {
        Self { name: bs(&p.name) }
    }
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

/// `message HelloReply { string message = 1; }`
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct HelloReply {
    #[prost(string, tag = "1")]
    pub(crate) message: String,
}

impl Mirror for hello::HelloReply {
    type Prost = HelloReply;
    fn to_prost(&self) -> HelloReply {
        HelloReply {
            message: s(&self.message),
        }
    }
    fn from_prost(p: &HelloReply) -> Self {
        Self {
            message: bs(&p.message),
        }
    }
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

// ===== finance =====

/// `message ConvertRequest { string from_currency = 1; string to_currency = 2; double amount = 3; }`
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ConvertRequest {
    #[prost(string, tag = "1")]
    pub(crate) from_currency: String,
    #[prost(string, tag = "2")]
    pub(crate) to_currency: String,
    #[prost(double, tag = "3")]
    pub(crate) amount: f64,
}

impl Mirror for finance::ConvertRequest {
    type Prost = ConvertRequest;
    fn to_prost(&self) -> ConvertRequest {
        ConvertRequest {
            from_currency: s(&self.from_currency),
            to_currency: s(&self.to_currency),
            amount: self.amount,
        }
    }
    fn from_prost(p: &ConvertRequest) -> Self {
        Self {
            from_currency: bs(&p.from_currency),
            to_currency: bs(&p.to_currency),
            amount: p.amount,
        }
    }
    fn same(&self, other: &Self) -> bool {
        self.from_currency == other.from_currency
            && self.to_currency == other.to_currency
            && same_f64(self.amount, other.amount)
    }
}

/// `message ConvertReply { double converted_amount = 1; double rate = 2; string timestamp = 3; }`
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ConvertReply {
    #[prost(double, tag = "1")]
    pub(crate) converted_amount: f64,
    #[prost(double, tag = "2")]
    pub(crate) rate: f64,
    #[prost(string, tag = "3")]
    pub(crate) timestamp: String,
}

impl Mirror for finance::ConvertReply {
    type Prost = ConvertReply;
    fn to_prost(&self) -> ConvertReply {
        ConvertReply {
            converted_amount: self.converted_amount,
            rate: self.rate,
            timestamp: s(&self.timestamp),
        }
    }
    fn from_prost(p: &ConvertReply) -> Self {
        Self {
            converted_amount: p.converted_amount,
            rate: p.rate,
            timestamp: bs(&p.timestamp),
        }
    }
    fn same(&self, other: &Self) -> bool {
        same_f64(self.converted_amount, other.converted_amount)
            && same_f64(self.rate, other.rate)
            && self.timestamp == other.timestamp
    }
}

/// `message WatchRequest { string base_currency = 1; repeated string target_currencies = 2; }`
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct WatchRequest {
    #[prost(string, tag = "1")]
    pub(crate) base_currency: String,
    #[prost(string, repeated, tag = "2")]
    pub(crate) target_currencies: Vec<String>,
}

impl Mirror for finance::WatchRequest {
    type Prost = WatchRequest;
    fn to_prost(&self) -> WatchRequest {
        WatchRequest {
            base_currency: s(&self.base_currency),
            target_currencies: strings(&self.target_currencies),
        }
    }
    fn from_prost(p: &WatchRequest) -> Self {
        Self {
            base_currency: bs(&p.base_currency),
            target_currencies: byte_strings(&p.target_currencies),
        }
    }
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

/// `message RateUpdate { string currency = 1; double rate = 2; }`
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct RateUpdate {
    #[prost(string, tag = "1")]
    pub(crate) currency: String,
    #[prost(double, tag = "2")]
    pub(crate) rate: f64,
}

impl Mirror for finance::RateUpdate {
    type Prost = RateUpdate;
    fn to_prost(&self) -> RateUpdate {
        RateUpdate {
            currency: s(&self.currency),
            rate: self.rate,
        }
    }
    fn from_prost(p: &RateUpdate) -> Self {
        Self {
            currency: bs(&p.currency),
            rate: p.rate,
        }
    }
    fn same(&self, other: &Self) -> bool {
        self.currency == other.currency && same_f64(self.rate, other.rate)
    }
}

/// `message BatchReply { double total_converted = 1; int32 count = 2; }`
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct BatchReply {
    #[prost(double, tag = "1")]
    pub(crate) total_converted: f64,
    #[prost(int32, tag = "2")]
    pub(crate) count: i32,
}

impl Mirror for finance::BatchReply {
    type Prost = BatchReply;
    fn to_prost(&self) -> BatchReply {
        BatchReply {
            total_converted: self.total_converted,
            count: self.count,
        }
    }
    fn from_prost(p: &BatchReply) -> Self {
        Self {
            total_converted: p.total_converted,
            count: p.count,
        }
    }
    fn same(&self, other: &Self) -> bool {
        same_f64(self.total_converted, other.total_converted) && self.count == other.count
    }
}

// ===== users =====

/// `message GetUserRequest { string user_id = 1; }`
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct GetUserRequest {
    #[prost(string, tag = "1")]
    pub(crate) user_id: String,
}

impl Mirror for users::GetUserRequest {
    type Prost = GetUserRequest;
    fn to_prost(&self) -> GetUserRequest {
        GetUserRequest {
            user_id: s(&self.user_id),
        }
    }
    fn from_prost(p: &GetUserRequest) -> Self {
        Self {
            user_id: bs(&p.user_id),
        }
    }
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

/// `message CreateUserRequest { string name = 1; string email = 2; int32 age = 3; }`
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct CreateUserRequest {
    #[prost(string, tag = "1")]
    pub(crate) name: String,
    #[prost(string, tag = "2")]
    pub(crate) email: String,
    #[prost(int32, tag = "3")]
    pub(crate) age: i32,
}

impl Mirror for users::CreateUserRequest {
    type Prost = CreateUserRequest;
    fn to_prost(&self) -> CreateUserRequest {
        CreateUserRequest {
            name: s(&self.name),
            email: s(&self.email),
            age: self.age,
        }
    }
    fn from_prost(p: &CreateUserRequest) -> Self {
        Self {
            name: bs(&p.name),
            email: bs(&p.email),
            age: p.age,
        }
    }
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

/// `message User { string id = 1; string name = 2; string email = 3; int32 age = 4;
/// int64 created_at = 5; }`
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct User {
    #[prost(string, tag = "1")]
    pub(crate) id: String,
    #[prost(string, tag = "2")]
    pub(crate) name: String,
    #[prost(string, tag = "3")]
    pub(crate) email: String,
    #[prost(int32, tag = "4")]
    pub(crate) age: i32,
    #[prost(int64, tag = "5")]
    pub(crate) created_at: i64,
}

impl Mirror for users::User {
    type Prost = User;
    fn to_prost(&self) -> User {
        User {
            id: s(&self.id),
            name: s(&self.name),
            email: s(&self.email),
            age: self.age,
            created_at: self.created_at,
        }
    }
    fn from_prost(p: &User) -> Self {
        Self {
            id: bs(&p.id),
            name: bs(&p.name),
            email: bs(&p.email),
            age: p.age,
            created_at: p.created_at,
        }
    }
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

/// `message ListUsersRequest { int32 page_size = 1; string page_token = 2; }`
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ListUsersRequest {
    #[prost(int32, tag = "1")]
    pub(crate) page_size: i32,
    #[prost(string, tag = "2")]
    pub(crate) page_token: String,
}

impl Mirror for users::ListUsersRequest {
    type Prost = ListUsersRequest;
    fn to_prost(&self) -> ListUsersRequest {
        ListUsersRequest {
            page_size: self.page_size,
            page_token: s(&self.page_token),
        }
    }
    fn from_prost(p: &ListUsersRequest) -> Self {
        Self {
            page_size: p.page_size,
            page_token: bs(&p.page_token),
        }
    }
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

/// `message BulkCreateResponse { int32 created_count = 1; repeated string user_ids = 2; }`
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct BulkCreateResponse {
    #[prost(int32, tag = "1")]
    pub(crate) created_count: i32,
    #[prost(string, repeated, tag = "2")]
    pub(crate) user_ids: Vec<String>,
}

impl Mirror for users::BulkCreateResponse {
    type Prost = BulkCreateResponse;
    fn to_prost(&self) -> BulkCreateResponse {
        BulkCreateResponse {
            created_count: self.created_count,
            user_ids: strings(&self.user_ids),
        }
    }
    fn from_prost(p: &BulkCreateResponse) -> Self {
        Self {
            created_count: p.created_count,
            user_ids: byte_strings(&p.user_ids),
        }
    }
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}
