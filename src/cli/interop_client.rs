//! `h2grpc interop-client`: the official interop client's test cases against any interop
//! server, with its flags (`--server_host`, `--server_port`, `--test_case`, `--use_tls`,
//! `--use_test_ca`, `--server_host_override`), underscores and all, so that it can stand in for
//! grpc-go's `interop/client` or grpc-core's `interop_client` in a runner's command line.
//!
//! `--test_case all` runs every case h2grpc implements, in order. A case that fails prints one
//! line, `h2grpc: <case>: <what was expected and what came>`, and the command exits 1; each
//! case that passes prints `<case>: ok` on stdout.

use clap::Args;
use h2grpc::client::Channel;
use h2grpc::services::interop::{TestServiceClient, cases};

use super::{Failure, say};

/// The flags of `h2grpc interop-client`: the official interop client's (`--flag=value` and
/// `--flag value` both work).
#[derive(Debug, Args)]
pub(crate) struct InteropClientArgs {
    /// The server's host name or address.
    #[arg(long = "server_host", value_name = "HOST", default_value = "localhost")]
    server_host: String,

    /// The server's port.
    #[arg(long = "server_port", value_name = "PORT", default_value_t = 10000)]
    server_port: u16,

    /// The case to run (one of the list below), or `all`.
    #[arg(long = "test_case", value_name = "NAME", default_value = "large_unary")]
    test_case: String,

    /// Connect over TLS, with ALPN h2 (not available yet: h2grpc connects over cleartext HTTP/2).
    #[arg(long = "use_tls", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true",
          default_value_t = false, action = clap::ArgAction::Set)]
    use_tls: bool,

    /// With --use_tls: trust the interop tests' CA instead of the system's.
    #[arg(long = "use_test_ca", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true",
          default_value_t = false, action = clap::ArgAction::Set)]
    use_test_ca: bool,

    /// With --use_tls: the name to expect in the server's certificate (and to send as SNI).
    #[arg(long = "server_host_override", value_name = "NAME")]
    server_host_override: Option<String>,
}

/// Runs `h2grpc interop-client`.
pub(crate) async fn run(args: InteropClientArgs) -> Result<(), Failure> {
    if args.use_tls || args.use_test_ca || args.server_host_override.is_some() {
        return Err(Failure::usage(
            "--use_tls, --use_test_ca and --server_host_override need TLS, which h2grpc does \
             not have yet; run without them (cleartext HTTP/2)",
        ));
    }
    let names: Vec<&str> = if args.test_case == "all" {
        cases::CASES.to_vec()
    } else if cases::CASES.contains(&args.test_case.as_str()) {
        vec![args.test_case.as_str()]
    } else {
        return Err(Failure::usage(format!(
            "--test_case {}: not a case h2grpc implements (all, {})",
            args.test_case,
            cases::CASES.join(", ")
        )));
    };
    let host = if args.server_host.contains(':') && !args.server_host.starts_with('[') {
        format!("[{}]", args.server_host) // an IPv6 address
    } else {
        args.server_host.clone()
    };
    let target = format!("http://{host}:{}", args.server_port);
    // One connection attempt, with the default settings (every encoding accepted): a server
    // that is not there fails the run at once, as the official clients' first call does.
    let channel = Channel::connect(&target).await.map_err(|status| {
        Failure::runtime(format!("cannot connect to {target}: {}", status.message()))
    })?;
    let client = TestServiceClient::new(channel);
    for name in names {
        cases::run(name, &client)
            .await
            .map_err(|failure| Failure::runtime(format!("{name}: {failure}")))?;
        say(format_args!("{name}: ok"))?;
    }
    Ok(())
}
