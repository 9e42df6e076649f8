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
//! - the messages, encoded by hand: `messages.rs`, re-exported here;
//! - the storage: the [`UserStore`] trait and its in-memory [`MemoryUserStore`] (`store.rs`),
//!   which holds at most [`DEFAULT_MAX_USERS`] users unless built with
//!   [`MemoryUserStore::with_max_users`];
//! - the server: [`UserService`] (`server.rs`), whose module docs list each method's rules,
//!   bounds included: `ListUsers` sends at most [`MAX_PAGE_SIZE`] users a call;
//! - the typed client: [`UserServiceClient`] (`client.rs`).
//!
//! ```
//! use std::sync::Arc;
//! use h2grpc::server::Server;
//! use h2grpc::services::users::{MemoryUserStore, UserService};
//!
//! let store = Arc::new(MemoryUserStore::new());
//! let server = UserService::new(store.clone()).register(Server::new());
//! assert!(store.is_empty());
//! # drop(server);
//! ```
//!
//! # Paging
//!
//! `ListUsers` streams `User`s, and a `User` has no field for a next-page token, so the token
//! is something the client already holds: **the id of the last user it received**. An empty
//! `page_token` starts at the first user; a user's id as `page_token` starts at the user
//! created just after it. A page shorter than the page size in force (`page_size`, with 0 read as
//! [`DEFAULT_PAGE_SIZE`] and more than [`MAX_PAGE_SIZE`] as that maximum) is the last one; a
//! full last page is followed by an empty one. A token that is the id of no user is refused with
//! INVALID_ARGUMENT. Users are never removed, so a cursor stays valid, and users created
//! meanwhile show up on a later page, after those already sent.
//!
//! ```no_run
//! use h2grpc::client::Channel;
//! use h2grpc::protobuf::Text;
//! use h2grpc::rpc::Request;
//! use h2grpc::services::users::{ListUsersRequest, UserServiceClient};
//!
//! # async fn run() -> Result<(), h2grpc::status::Status> {
//! let users = UserServiceClient::new(Channel::connect("http://127.0.0.1:50051").await?);
//! let mut page_token = Text::default();
//! loop {
//!     let request = ListUsersRequest { page_size: 100, page_token: page_token.clone() };
//!     let mut page = users.list_users(Request::new(request)).await?;
//!     let mut received = 0;
//!     while let Some(user) = page.message().await? {
//!         received += 1;
//!         page_token = user.id;
//!     }
//!     if received < 100 {
//!         break;
//!     }
//! }
//! # Ok(()) }
//! ```

mod client;
mod messages;
mod server;
mod store;

pub use client::UserServiceClient;
pub use messages::*;
pub use server::{
    DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, UserService, invocation_metadata, new_user, register,
    validate_email,
};
pub use store::{DEFAULT_MAX_USERS, MemoryUserStore, UserStore};
