//! The wire tests: one test binary, one module per layer or peer.

mod support;

mod cli;
mod e2e_smoke;
mod golden;
mod grpcurl;
mod protobuf_codec;
mod python_interop;
mod services;
