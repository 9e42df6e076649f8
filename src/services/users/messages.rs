//! `users.UserService` (`proto/user_service.proto`, package `users`): the
//! users-service tutorial's service (see [`crate::services`]).
//!
//! | RPC | kind | request → response |
//! |---|---|---|
//! | `GetUser` | unary | [`GetUserRequest`] → [`User`] |
//! | `CreateUser` | unary | [`CreateUserRequest`] → [`User`] |
//! | `ListUsers` | server streaming | [`ListUsersRequest`] → stream [`User`] |
//! | `BulkCreateUsers` | client streaming | stream [`CreateUserRequest`] → [`BulkCreateResponse`] |
//!
//! The Rust module is `users`, after the package; the file keeps the tutorial's name,
//! `user_service.proto`.
//!
//! `int32` and `int64` fields are plain varints: a negative `age` takes ten bytes on the wire
//! (it is sign-extended to 64 bits), which is why `sint32` exists, and why it is not used here:
//! the tutorial declares `int32`.

use crate::protobuf::{DecodeError, Decoder, FieldSink, Message, Str, Text};

/// The fully qualified service name: `package.Service`.
pub const SERVICE: &str = "users.UserService";
/// Unary `rpc GetUser (GetUserRequest) returns (User);`
pub const GET_USER: &str = "/users.UserService/GetUser";
/// Unary `rpc CreateUser (CreateUserRequest) returns (User);`
pub const CREATE_USER: &str = "/users.UserService/CreateUser";
/// Server streaming `rpc ListUsers (ListUsersRequest) returns (stream User);`
pub const LIST_USERS: &str = "/users.UserService/ListUsers";
/// Client streaming
/// `rpc BulkCreateUsers (stream CreateUserRequest) returns (BulkCreateResponse);`
pub const BULK_CREATE_USERS: &str = "/users.UserService/BulkCreateUsers";

/// `message GetUserRequest { string user_id = 1; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GetUserRequest {
    /// `string user_id = 1;` the id [`User::id`] carries.
    pub user_id: Text,
}

impl Message for GetUserRequest {
    #[inline]
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.string(1, &self.user_id);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.string(&mut self.user_id),
            _ => d.skip(),
        }
    }
}

/// ```proto
/// message CreateUserRequest {
///   string name = 1;
///   string email = 2;
///   int32 age = 3;
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreateUserRequest {
    /// `string name = 1;`
    pub name: Text,
    /// `string email = 2;` must contain `@`.
    pub email: Text,
    /// `int32 age = 3;`
    pub age: i32,
}

impl Message for CreateUserRequest {
    #[inline]
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.string(1, &self.name);
        s.string(2, &self.email);
        s.int32(3, self.age);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.string(&mut self.name),
            2 => d.string(&mut self.email),
            3 => d.int32(&mut self.age),
            _ => d.skip(),
        }
    }
}

/// ```proto
/// message User {
///   string id = 1;
///   string name = 2;
///   string email = 3;
///   int32 age = 4;
///   int64 created_at = 5; // Unix timestamp
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct User {
    /// `string id = 1;` a UUID string, given by the server.
    pub id: Text,
    /// `string name = 2;`
    pub name: Text,
    /// `string email = 3;`
    pub email: Text,
    /// `int32 age = 4;`
    pub age: i32,
    /// `int64 created_at = 5;` Unix timestamp, in seconds.
    pub created_at: i64,
}

impl Message for User {
    #[inline]
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.string(1, &self.id);
        s.string(2, &self.name);
        s.string(3, &self.email);
        s.int32(4, self.age);
        s.int64(5, self.created_at);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.string(&mut self.id),
            2 => d.string(&mut self.name),
            3 => d.string(&mut self.email),
            4 => d.int32(&mut self.age),
            5 => d.int64(&mut self.created_at),
            _ => d.skip(),
        }
    }
}

/// ```proto
/// message ListUsersRequest {
///   int32 page_size = 1;
///   string page_token = 2;
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListUsersRequest {
    /// `int32 page_size = 1;` how many users to send (0: the server's default, 10).
    pub page_size: i32,
    /// `string page_token = 2;`
    pub page_token: Text,
}

impl Message for ListUsersRequest {
    #[inline]
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.int32(1, self.page_size);
        s.string(2, &self.page_token);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.int32(&mut self.page_size),
            2 => d.string(&mut self.page_token),
            _ => d.skip(),
        }
    }
}

/// ```proto
/// message BulkCreateResponse {
///   int32 created_count = 1;
///   repeated string user_ids = 2;
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BulkCreateResponse {
    /// `int32 created_count = 1;`
    pub created_count: i32,
    /// `repeated string user_ids = 2;` the new ids, in request order.
    pub user_ids: Vec<Text>,
}

impl Message for BulkCreateResponse {
    #[inline]
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.int32(1, self.created_count);
        s.repeated::<Str>(2, &self.user_ids);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.int32(&mut self.created_count),
            2 => d.repeated::<Str>(&mut self.user_ids),
            _ => d.skip(),
        }
    }
}
