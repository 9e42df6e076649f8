//! Server reflection (`proto/grpc/reflection/v1/reflection.proto`, and the same under
//! `v1alpha`): a server describing its own services, so that tools such as `grpcurl` and
//! `grpc_cli` can call them without the `.proto` files. The protocol:
//! [server-reflection.md](https://github.com/grpc/grpc/blob/master/doc/server-reflection.md).
//!
//! One bidirectional method, `ServerReflectionInfo`, under two packages that are identical on
//! the wire: `grpc.reflection.v1` and the deprecated `grpc.reflection.v1alpha`, which grpcurl
//! 1.8.0 to 1.8.7 use (1.8.8 and later try `v1` first and fall back to `v1alpha` on
//! UNIMPLEMENTED). The client asks, the server answers, one response per request, in order, on
//! the same open stream:
//!
//! | request (`message_request`) | response (`message_response`) |
//! |---|---|
//! | `list_services` | `list_services_response`: every service served, these two included |
//! | `file_containing_symbol: "pkg.Svc"` (or a method, message, enum, nested name...) | `file_descriptor_response`: the file, then every file it imports |
//! | `file_by_filename: "grpc/health/v1/health.proto"` | `file_descriptor_response`: the same for a file name |
//! | `all_extension_numbers_of_type: "pkg.Msg"` | `all_extension_numbers_response` with no numbers (proto3 has no extensions) |
//! | `file_containing_extension` | `error_response` NOT_FOUND |
//! | an unknown file, symbol or type | `error_response` NOT_FOUND (5), the stream stays open |
//!
//! Each response echoes the request's `host` as `valid_host` and the request itself as
//! `original_request`. The files are serialized `google.protobuf.FileDescriptorProto`s that
//! [`crate::schema`] builds from `proto/` and encodes with h2grpc's own codec: a grpcurl session
//! is `list`, then `file_containing_symbol` for the service named, then the message types it
//! finds in the file.
//!
//! ```no_run
//! use h2grpc::server::Server;
//! use h2grpc::services::{hello, reflection};
//!
//! let server = hello::register(Server::new());
//! let server = reflection::register(server, [hello::SERVICE]);
//! // grpcurl -plaintext 127.0.0.1:50051 list
//! //   grpc.reflection.v1.ServerReflection
//! //   grpc.reflection.v1alpha.ServerReflection
//! //   hello.Greeter
//! ```

mod client;
mod messages;
mod server;

pub use client::{ReflectionClient, ServedSchema, Version, fetch_schema};
pub use messages::*;
pub use server::{Reflection, register};

/// `grpc.reflection.v1.ServerReflection`.
pub const V1_SERVICE: &str = "grpc.reflection.v1.ServerReflection";
/// `grpc.reflection.v1alpha.ServerReflection`.
pub const V1ALPHA_SERVICE: &str = "grpc.reflection.v1alpha.ServerReflection";
/// Bidi `rpc ServerReflectionInfo(stream ServerReflectionRequest) returns (stream
/// ServerReflectionResponse);` of `v1`.
pub const V1_INFO: &str = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";
/// The same method under `v1alpha`.
pub const V1ALPHA_INFO: &str = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
