//! The wire tests: one test binary, one module per layer or peer.

mod support;

mod protobuf_codec;
