//! `h2grpc`, the command: `h2grpc serve` runs every service of [`h2grpc::services`] on one
//! port; `h2grpc demo hello|helloworld|finance|users` runs the seeds' client programs against
//! it, printing what they print. `h2grpc --help` lists the flags; `src/cli/` holds the code.
#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
