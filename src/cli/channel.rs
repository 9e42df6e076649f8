//! The flags every client command shares: where the server is (`--target`) and how to reach it
//! over TLS (`--ca-file`, `--client-cert`/`--client-key`, `--tls-server-name`), turned into a
//! [`ChannelConfig`].
//!
//! An `https://` target without `--ca-file` trusts the system's CAs, as a browser or grpcurl
//! would; the TLS flags with an `http://` target are a usage error rather than ignored.

use std::path::PathBuf;

use clap::Args;
use h2grpc::client::{Channel, ChannelConfig};
use h2grpc::tls::{CaCertificates, ClientTlsConfig, Identity};

use super::Failure;

/// `--target` and the TLS flags of a client command (`#[command(flatten)]` them).
#[derive(Debug, Args)]
pub(crate) struct ChannelArgs {
    /// The server: http://HOST:PORT (cleartext HTTP/2) or https://HOST:PORT (TLS).
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:50051")]
    pub(crate) target: String,

    /// How to reach it over TLS.
    #[command(flatten)]
    pub(crate) tls: TlsArgs,
}

/// The TLS flags of a client command.
#[derive(Debug, Args)]
pub(crate) struct TlsArgs {
    /// For an https:// target: trust the CA certificates in this PEM file (default: the
    /// system's CAs).
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,

    /// For an https:// target: present this certificate chain (PEM) when the server asks for
    /// one (mutual TLS).
    #[arg(long, value_name = "FILE", requires = "client_key")]
    client_cert: Option<PathBuf>,

    /// The private key of --client-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    client_key: Option<PathBuf>,

    /// For an https:// target: the name the server's certificate must carry (and the SNI
    /// sent), instead of the target's host.
    #[arg(long, value_name = "NAME")]
    tls_server_name: Option<String>,
}

impl ChannelArgs {
    /// A channel (not yet connected) to `--target`, with `base` and the TLS flags.
    ///
    /// # Errors
    /// As [`TlsArgs::config`], and a target that is not a URL.
    pub(crate) fn channel(&self, base: ChannelConfig) -> Result<Channel, Failure> {
        let config = self.tls.config(&self.target, base)?;
        Channel::new(&self.target, config).map_err(|status| {
            Failure::usage(format!("--target {}: {}", self.target, status.message()))
        })
    }
}

impl TlsArgs {
    /// `base` with the TLS configuration of these flags, for a channel to `target`.
    ///
    /// # Errors
    /// A usage failure (exit 2) for TLS flags with a cleartext target, or a file that cannot be
    /// used (unreadable, not PEM, a key that is not the certificate's).
    pub(crate) fn config(
        &self,
        target: &str,
        base: ChannelConfig,
    ) -> Result<ChannelConfig, Failure> {
        let tls_flags =
            self.ca_file.is_some() || self.client_cert.is_some() || self.tls_server_name.is_some();
        if !tls_flags {
            return Ok(base);
        }
        if !target.starts_with("https://") {
            return Err(Failure::usage(format!(
                "--ca-file, --client-cert and --tls-server-name need an https:// target, not {target}"
            )));
        }
        let usage = |error| Failure::usage(format!("TLS: {error}"));
        let cas = match &self.ca_file {
            Some(path) => CaCertificates::from_pem_file(path),
            None => CaCertificates::system(),
        }
        .map_err(usage)?;
        let identity = match (&self.client_cert, &self.client_key) {
            (Some(cert), Some(key)) => Some(Identity::from_pem_files(cert, key).map_err(usage)?),
            _ => None,
        };
        let mut tls = ClientTlsConfig::new(cas, identity).map_err(usage)?;
        if let Some(name) = &self.tls_server_name {
            tls = tls.server_name(name);
        }
        Ok(ChannelConfig {
            tls: Some(tls),
            ..base
        })
    }

    /// A channel (not yet connected) to `target`, with `base` and these flags.
    ///
    /// # Errors
    /// As [`TlsArgs::config`], and a target that is not a URL.
    pub(crate) fn channel(&self, target: &str, base: ChannelConfig) -> Result<Channel, Failure> {
        let config = self.config(target, base)?;
        Channel::new(target, config)
            .map_err(|status| Failure::usage(format!("target {target}: {}", status.message())))
    }
}
