//! `h2grpc interop-client`: the official interop client's test cases against any interop
//! server, with its flags (`--server_host`, `--server_port`, `--test_case`, `--use_tls`,
//! `--use_test_ca`, `--server_host_override`), underscores and all, so that it can stand in for
//! grpc-go's `interop/client` or grpc-core's `interop_client` in a runner's command line.
//!
//! `--test_case all` runs every case h2grpc implements, in order. A case that fails prints one
//! line, `h2grpc: <case>: <what was expected and what came>`, and the command exits 1; each
//! case that passes prints `<case>: ok` on stdout.
//!
//! ## TLS: the test CA comes from an h2grpc-specific flag
//!
//! `--use_tls` connects to `https://HOST:PORT` (ALPN `h2`). The official clients' `--use_test_ca`
//! trusts grpc's built-in test CA (`src/core/tsi/test_creds/ca.pem`) instead of the system's;
//! h2grpc bundles no test credentials (it ships only code of its own), so with `--use_test_ca`
//! the CA certificate(s) come from a flag the official clients do not have:
//!
//! - `--test_ca_file FILE`: the CA certificates to trust (PEM); required with `--use_tls
//!   --use_test_ca` (one line and exit 2 without it). Pass grpc's `ca.pem` to talk to an
//!   official server with its bundled certificate.
//!
//! Without `--use_test_ca` the system's CAs are trusted. `--server_host_override NAME` is the
//! name sent as SNI and checked against the server's certificate instead of `--server_host`
//! (the official runners use `foo.test.google.fr`, a name of grpc's test certificate).
//!
//! As in the official clients, `--use_test_ca`, `--server_host_override` and `--test_ca_file`
//! are ignored with `--use_tls=false`: the runners pass them whether TLS is on or not.

use std::path::PathBuf;

use clap::Args;
use h2grpc::client::{Channel, ChannelConfig};
use h2grpc::services::interop::{TestServiceClient, cases};
use h2grpc::tls::{CaCertificates, ClientTlsConfig};

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

    /// Connect over TLS (https://), with ALPN h2.
    #[arg(long = "use_tls", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true",
          default_value_t = false, action = clap::ArgAction::Set)]
    use_tls: bool,

    /// With --use_tls: trust the test CA of --test_ca_file (required with it: h2grpc has no
    /// built-in test CA) instead of the system's.
    #[arg(long = "use_test_ca", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true",
          default_value_t = false, action = clap::ArgAction::Set)]
    use_test_ca: bool,

    /// With --use_tls: the name to expect in the server's certificate (and to send as SNI).
    #[arg(long = "server_host_override", value_name = "NAME")]
    server_host_override: Option<String>,

    /// With --use_tls --use_test_ca: the test CA certificates to trust, PEM (not an official
    /// flag: the official clients use grpc's bundled ca.pem).
    #[arg(long = "test_ca_file", value_name = "FILE")]
    test_ca_file: Option<PathBuf>,
}

impl InteropClientArgs {
    /// The TLS configuration of `--use_tls`, `--use_test_ca`, `--test_ca_file` and
    /// `--server_host_override`; `None` without `--use_tls` (the others are then ignored).
    fn tls(&self) -> Result<Option<ClientTlsConfig>, Failure> {
        if !self.use_tls {
            return Ok(None);
        }
        let usage = |error| Failure::usage(format!("TLS: {error}"));
        let cas = if self.use_test_ca {
            let Some(path) = &self.test_ca_file else {
                return Err(Failure::usage(
                    "--use_test_ca needs --test_ca_file FILE (h2grpc has no built-in test CA)",
                ));
            };
            CaCertificates::from_pem_file(path).map_err(usage)?
        } else {
            CaCertificates::system().map_err(usage)?
        };
        let mut tls = ClientTlsConfig::new(cas, None).map_err(usage)?;
        if let Some(name) = &self.server_host_override {
            tls = tls.server_name(name);
        }
        Ok(Some(tls))
    }
}

/// Runs `h2grpc interop-client`.
pub(crate) async fn run(args: InteropClientArgs) -> Result<(), Failure> {
    let tls = args.tls()?;
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
    let scheme = if tls.is_some() { "https" } else { "http" };
    let target = format!("{scheme}://{host}:{}", args.server_port);
    // One connection attempt, with the default settings (every encoding accepted): a server
    // that is not there, or a TLS handshake that fails, fails the run at once, as the official
    // clients' first call does.
    let config = ChannelConfig {
        tls,
        ..ChannelConfig::default()
    };
    let channel = Channel::connect_with(&target, config)
        .await
        .map_err(|status| {
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
