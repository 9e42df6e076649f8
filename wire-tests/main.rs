//! The wire tests: one test binary, one module per layer or peer.
#![forbid(unsafe_code)]

mod support;

mod call;
mod cli;
mod compression;
mod conformance;
mod dynamic;
mod end_to_end;
mod golden;
mod grpcurl;
mod health;
mod inspect;
mod interop;
mod misbehaving_peer;
mod protobuf_codec;
mod python_interop;
mod reflection;
mod same_wire;
mod services;
mod tls;
mod tonic_interop;
mod web;
