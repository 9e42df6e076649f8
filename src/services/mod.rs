//! ⑦ The services: their messages, encoded and decoded by hand with [`crate::protobuf`].
//!
//! Each file mirrors one `.proto` file of `proto/`, with the same package, message names and
//! field numbers, and names its service and the `:path` of each method as constants (what the
//! router will match on). The wire tests (`wire-tests/golden/`) prove every message byte for byte
//! equal to prost and to `protoc --encode`.
//!
//! | module | `.proto` | service |
//! |---|---|---|
//! | [`hello`] | `proto/hello.proto` | `hello.Greeter` |
//! | [`helloworld`] | `proto/helloworld.proto` | `helloworld.Greeter` |
//! | [`finance`] | `proto/finance.proto` | `finance.CurrencyConverter` |
//! | [`users`] | `proto/user_service.proto` | `users.UserService` |

pub mod finance;
pub mod hello;
pub mod helloworld;
pub mod users;
