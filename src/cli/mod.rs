//! The command line: flags (clap's derive), logging, and how failures end the process.
//!
//! Every failure ends as one line on stderr, `h2grpc: <what went wrong>`, and an exit code:
//!
//! | exit code | meaning |
//! |---|---|
//! | 0 | done (for `serve`: stopped by SIGINT or SIGTERM) |
//! | 1 | could not run: the address is in use, the server cannot be reached, an interop case failed, ... |
//! | 2 | usage: an unknown flag, a bad value (clap's convention) |
//! | 3 | `health`: the server answered with a status other than SERVING |
//! | 64 + code | a call of `call`, `demo` or `health` failed with this gRPC status code (grpcurl's convention), e.g. 78 for UNAVAILABLE (14), 80 for UNAUTHENTICATED (16) |

mod call;
mod channel;
mod conformance;
mod demo;
mod health;
mod inspect;
mod interop_client;
mod interop_server;
mod serve;

use std::fmt::Display;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use h2grpc::status::Status;

/// gRPC by hand on h2: serve the tutorials' services, or run their client programs.
#[derive(Debug, Parser)]
#[command(name = "h2grpc", version, arg_required_else_help = true)]
#[command(
    after_help = "Logs go to stderr, filtered by RUST_LOG (e.g. RUST_LOG=h2grpc=debug).\n\
Exit codes: 0 done, 1 could not run, 2 usage, 3 health not SERVING, 64 + gRPC code when a call fails."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve hello.Greeter, helloworld.Greeter, finance.CurrencyConverter and users.UserService,
    /// with health checking and server reflection, on one port, until SIGINT or SIGTERM.
    Serve(serve::ServeArgs),
    /// Call any method of any server with JSON, list its services, describe its types (the
    /// schema from its reflection, --proto files or a --protoset), as grpcurl does.
    Call(call::CallArgs),
    /// Run one of the tutorials' client programs against a server, printing what it prints.
    Demo(demo::DemoArgs),
    /// Check a server's health (grpc.health.v1.Health): print the status, exit 0 only when
    /// SERVING.
    Health(health::HealthArgs),
    /// A proxy that shows every byte of the calls passing through it, explained: HTTP/2
    /// frames, HPACK, flow control, gRPC messages decoded with the schema, a summary per call.
    Inspect(inspect::InspectArgs),
    /// Serve grpc.testing.TestService for the official interop clients (their flags).
    InteropServer(interop_server::InteropServerArgs),
    /// Run the official interop test cases against an interop server (their flags).
    InteropClient(interop_client::InteropClientArgs),
    /// Answer protobuf's conformance test runner on stdin/stdout (wire-tests/conformance.rs).
    #[command(hide = true)]
    ConformanceTestee(conformance::ConformanceTesteeArgs),
}

/// Why the command stopped early: the line to print and the exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    /// Exit code 1: the command could not do its work.
    pub(crate) fn runtime(message: impl Display) -> Self {
        Self {
            message: message.to_string(),
            code: 1,
        }
    }

    /// Exit code `code`, for a command's own outcomes (`health`: 3, not SERVING).
    pub(crate) fn new(message: impl Display, code: u8) -> Self {
        Self {
            message: message.to_string(),
            code,
        }
    }

    /// Exit code 2: the command line is wrong.
    pub(crate) fn usage(message: impl Display) -> Self {
        Self {
            message: message.to_string(),
            code: 2,
        }
    }

    /// Exit code `code`, for a failure the command has already reported in its own words
    /// (`call` prints grpcurl's `ERROR:` block).
    pub(crate) fn reported(code: u8) -> Self {
        Self {
            message: String::new(),
            code,
        }
    }

    /// Exit code 64 + the status code: the call `what` failed.
    pub(crate) fn rpc(what: &str, status: &Status) -> Self {
        // Codes are 0 to 16, so 64 + code fits in a u8.
        let code = u8::try_from(status.code().as_i32()).unwrap_or(2);
        Self {
            message: format!("{what} failed: {status}"),
            code: 64 + code,
        }
    }
}

/// Parses the command line, runs the command, and turns its outcome into the exit code.
pub(crate) fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    let default_log_level = match cli.command {
        Command::Serve(_) | Command::InteropServer(_) => "info",
        Command::Call(_)
        | Command::Demo(_)
        | Command::Health(_)
        | Command::InteropClient(_)
        | Command::Inspect(_)
        | Command::ConformanceTestee(_) => "warn",
    };
    init_logging(default_log_level);
    let outcome = match cli.command {
        Command::Serve(args) => block_on(serve::run(args)),
        Command::Call(args) => block_on(call::run(args)),
        Command::Demo(args) => block_on(demo::run(args)),
        Command::Health(args) => block_on(health::run(args)),
        Command::Inspect(args) => block_on(inspect::run(args)),
        Command::InteropServer(args) => block_on(interop_server::run(args)),
        Command::InteropClient(args) => block_on(interop_client::run(args)),
        // One request at a time on stdin and stdout: no runtime.
        Command::ConformanceTestee(args) => conformance::run(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => fail(&failure),
    }
}

/// Runs an async command on a multi-threaded runtime.
fn block_on(command: impl Future<Output = Result<(), Failure>>) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| Failure::runtime(format!("cannot start the runtime: {error}")))?;
    let outcome = runtime.block_on(command);
    // Calls still running past the grace period are dropped here, not waited for.
    runtime.shutdown_background();
    outcome
}

fn fail(failure: &Failure) -> ExitCode {
    // If stderr is gone too, there is no one left to tell.
    if !failure.message.is_empty() {
        let _ = writeln!(std::io::stderr(), "h2grpc: {}", failure.message);
    }
    ExitCode::from(failure.code)
}

/// clap's own output for `--help`, `--version` and a missing subcommand; otherwise one line:
/// the error, and where to read the usage.
fn usage_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = error.print();
        return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
    }
    // The rendered text is "error: <what>" (sometimes over a few lines), an empty line, tips,
    // and sometimes "Usage: ...": keep the first paragraph, on one line.
    let rendered = error.render().to_string();
    let what: Vec<&str> = rendered
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(str::trim)
        .collect();
    let what = what.join(" ");
    let what = what.trim_start_matches("error: ");
    // The subcommand the user meant, for the pointer to its --help.
    let command = match std::env::args().nth(1).as_deref() {
        Some(
            sub @ ("serve" | "call" | "demo" | "health" | "inspect" | "interop-server"
            | "interop-client" | "conformance-testee"),
        ) => {
            format!("h2grpc {sub}")
        }
        _ => "h2grpc".to_owned(),
    };
    fail(&Failure::usage(format!("{what}; try '{command} --help'")))
}

/// Logs to stderr, filtered by `RUST_LOG` (`default` when it is unset or unreadable), in color
/// only on a terminal.
fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// A duration in seconds, as a flag's value: `10`, `0.5`.
pub(crate) fn parse_seconds(value: &str) -> Result<Duration, String> {
    let seconds: f64 = value
        .parse()
        .map_err(|_| format!("{value:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(seconds)
        .map_err(|_| format!("{value:?} is not a duration (0 or more seconds)"))
}

/// Writes whole lines to stdout, flushed at once (a test or a pipe reads them as they come).
pub(crate) fn say(line: impl Display) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(|error| Failure::runtime(format!("cannot write to stdout: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_are_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_seconds("0.25"), Ok(Duration::from_millis(250)));
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("NaN").is_err());
        assert!(parse_seconds("soon").is_err());
    }
}
