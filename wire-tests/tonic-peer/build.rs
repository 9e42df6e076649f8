//! Generates tonic's servers and clients for h2grpc's services from `../../proto`, the same
//! `.proto` files h2grpc's hand-written messages mirror (hello, helloworld, finance, users and
//! grpc.testing, the last for the benchmarks).
//!
//! This needs `protoc`. h2grpc's `[dev-dependencies]` name this crate, so every test build of
//! h2grpc runs this script: `wire-tests/setup.sh` installs `protoc` (CI runs it first).

use std::io;

fn main() -> io::Result<()> {
    const PROTO_DIR: &str = "../../proto";
    let protos = [
        "hello.proto",
        "helloworld.proto",
        "finance.proto",
        "user_service.proto",
        // grpc.testing.TestService, for the benchmarks' lean tonic implementation (src/bench.rs).
        "grpc/testing/test.proto",
    ]
    .map(|file| format!("{PROTO_DIR}/{file}"));
    tonic_prost_build::configure()
        // `bytes` fields of grpc.testing as `bytes::Bytes`, not `Vec<u8>`: tonic's best
        // configuration for payloads (a 1 MiB request is cloned by reference count, as h2grpc's
        // `Bytes` fields are), so that the benchmarks compare like with like.
        .bytes(".grpc.testing")
        .compile_protos(&protos, &[PROTO_DIR.to_owned()])
        .map_err(|error| {
            let hint = "h2grpc's tests build tonic from proto/ with protoc: \
                        install it with `bash wire-tests/setup.sh`";
            io::Error::new(error.kind(), format!("{error} ({hint})"))
        })
}
