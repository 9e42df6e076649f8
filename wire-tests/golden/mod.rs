//! Golden vectors: the messages of `src/services/` against two independent encoders.
//!
//! - [`vs_prost`]: prost mirrors (`#[derive(prost::Message)]`, [`mirrors`]) of every message,
//!   run through the case tables of [`cases`]: the bytes must be identical, and each side must
//!   decode the other's.
//! - [`unknown_fields`]: prost-made bytes with fields h2grpc does not know, of every wire type:
//!   skipped, with the known fields intact.
//! - [`vs_protoc`]: `protoc --encode` of protobuf text format, and `protoc --decode` of h2grpc's
//!   bytes. protoc is required: without it these tests fail and say to run
//!   `wire-tests/setup.sh`. [`text_format`] writes the case tables as protoc's input.
//! - [`descriptors`]: the service and method constants of `src/services/` against the services
//!   `protoc` compiles from `proto/`, and every field of every message against its declaration.
//! - [`properties`]: proptest, arbitrary values and arbitrary bytes.

mod cases;
mod descriptors;
mod mirrors;
mod properties;
mod protoc;
mod text_format;
mod unknown_fields;
mod vs_prost;
mod vs_protoc;
