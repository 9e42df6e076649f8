//! `users.UserService` (`proto/user_service.proto`, package `users`): seed 001's service.
//!
//! | RPC | kind | request → response |
//! |---|---|---|
//! | `GetUser` | unary | [`GetUserRequest`] → [`User`] |
//! | `CreateUser` | unary | [`CreateUserRequest`] → [`User`] |
//! | `ListUsers` | server streaming | [`ListUsersRequest`] → stream [`User`] |
//! | `BulkCreateUsers` | client streaming | stream [`CreateUserRequest`] → [`BulkCreateResponse`] |
//!
//! - the messages, encoded by hand: `messages.rs`, re-exported here;
//! - the storage: the [`UserStore`] trait and its in-memory [`MemoryUserStore`] (`store.rs`);
//! - the server: [`UserService`] (`server.rs`), whose module docs list each method's rules;
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

mod client;
mod messages;
mod server;
mod store;

pub use client::UserServiceClient;
pub use messages::*;
pub use server::{
    DEFAULT_PAGE_SIZE, UserService, invocation_metadata, new_user, register, validate_email,
};
pub use store::{MemoryUserStore, UserStore};
