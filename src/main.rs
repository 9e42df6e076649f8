//! `h2grpc`, the command: `h2grpc serve` runs every service of [`h2grpc::services`] on one
//! port; `h2grpc demo hello|helloworld|finance|users` runs the tutorials' client programs against
//! it, printing what they print; `h2grpc interop-server` and `h2grpc interop-client` are
//! gRPC's official interop server and client (`grpc.testing.TestService`), with their flags.
//! `h2grpc --help` lists the flags; `src/cli/` holds the code.
#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
