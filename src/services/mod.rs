//! ⑦ The services: their messages, encoded and decoded by hand with [`crate::protobuf`].
//!
//! Each file mirrors one `.proto` file of `proto/`, with the same package, message names and
//! field numbers.

pub mod hello;
