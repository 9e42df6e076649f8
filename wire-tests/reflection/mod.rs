//! Server reflection and the schema behind it: the descriptors against protoc, the hand-written
//! messages against the schema, the reflection service through h2grpc's client (v1 and
//! v1alpha), and grpcurl with no `.proto` file.

mod grpcurl;
mod messages;
mod service;
mod vs_protoc;
