//! Generates tonic's servers and clients for h2grpc's services from `../../proto`, the same
//! `.proto` files h2grpc's hand-written messages mirror.

fn main() -> std::io::Result<()> {
    const PROTO_DIR: &str = "../../proto";
    let protos = [
        "hello.proto",
        "helloworld.proto",
        "finance.proto",
        "user_service.proto",
    ]
    .map(|file| format!("{PROTO_DIR}/{file}"));
    tonic_prost_build::configure().compile_protos(&protos, &[PROTO_DIR.to_owned()])
}
