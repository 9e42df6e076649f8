//! Server reflection and the schema behind it:
//!
//! - [`vs_protoc`]: the schema's descriptors against `protoc --descriptor_set_out`, field by
//!   field and byte for byte, for every file of `proto/` and a corpus of every construct;
//! - [`proto2`]: proto2, the bundled well-known types, descriptor sets and errors, against
//!   protoc;
//! - [`messages`]: every hand-written message of `src/services/` against the schema;
//! - [`service`]: the reflection service through h2grpc's client, `v1` and `v1alpha`;
//! - [`grpcurl`]: grpcurl with no `.proto` file (list, describe, every method);
//! - [`grpcio`]: Python grpcio's reflection client building every file.

mod grpcio;
mod grpcurl;
mod messages;
mod proto2;
mod service;
mod vs_protoc;
