//! The wire tests: one test binary, one module per layer or peer.
#![forbid(unsafe_code)]

mod support;

mod cli;
mod compression;
mod end_to_end;
mod golden;
mod interop;
mod misbehaving_peer;
mod protobuf_codec;
mod same_wire;
mod services;
mod tonic_interop;
