//! `h2grpc call`: any method of any server, with JSON in and out, as grpcurl users expect.
//!
//! ```text
//! h2grpc call [-I DIR]... [--proto FILE]... [--protoset FILE] TARGET list [SERVICE]
//! h2grpc call ... TARGET describe SYMBOL
//! h2grpc call ... TARGET METHOD [-d JSON | -d @] [-H 'key: value']... [--max-time SECS] [-v]
//! ```
//!
//! The schema comes from the server's reflection (`grpc.reflection.v1`, then `v1alpha`) unless
//! `--proto` or `--protoset` gives it. Requests are JSON (the proto3 JSON mapping,
//! [`h2grpc::json`]) turned into [`DynamicMessage`](h2grpc::dynamic::DynamicMessage)s; each
//! response is printed as indented JSON, as grpcurl prints it. A failed call prints grpcurl's
//! report on stderr and exits with 64 + the gRPC code:
//!
//! ```text
//! ERROR:
//!   Code: NotFound
//!   Message: User 42 not found
//! ```

mod describe;
mod invoke;
mod schema;

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use h2grpc::client::ChannelConfig;

use super::channel::TlsArgs;
use super::{Failure, parse_seconds, say};

pub(crate) use schema::Descriptors;

/// The flags of `h2grpc call`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
h2grpc call 127.0.0.1:50051 list\n  \
h2grpc call 127.0.0.1:50051 describe hello.Greeter\n  \
h2grpc call -d '{\"name\": \"world\"}' 127.0.0.1:50051 hello.Greeter/SayHello\n  \
h2grpc call -I proto --proto user_service.proto -d @ 127.0.0.1:50051 users.UserService/BulkCreateUsers < users.json")]
pub(crate) struct CallArgs {
    /// The server: HOST:PORT or http://HOST:PORT (cleartext HTTP/2), https://HOST:PORT (TLS).
    target: String,

    /// `list` (the services, or a service's methods), `describe` (a symbol), or the method to
    /// call: `package.Service/Method` (or `package.Service.Method`).
    command: String,

    /// For `list`: a service; for `describe`: a service, method, message or enum.
    symbol: Option<String>,

    /// The request as JSON; `@` reads it from stdin. Client- and bidi-streaming methods take
    /// one JSON object per request, one after the other. Default: one empty request.
    #[arg(short = 'd', long = "data", value_name = "JSON")]
    data: Option<String>,

    /// Request metadata, `key: value` (repeatable); a `-bin` key's value is base64.
    #[arg(short = 'H', long = "header", value_name = "'KEY: VALUE'")]
    headers: Vec<String>,

    /// A directory to look for --proto files and their imports in (repeatable).
    #[arg(short = 'I', long = "import-path", value_name = "DIR")]
    import_paths: Vec<PathBuf>,

    /// A .proto file that declares the method (repeatable), instead of the server's reflection.
    #[arg(long, value_name = "FILE")]
    proto: Vec<PathBuf>,

    /// A FileDescriptorSet (`protoc --descriptor_set_out --include_imports`), instead of the
    /// server's reflection.
    #[arg(long, value_name = "FILE", conflicts_with = "proto")]
    protoset: Option<PathBuf>,

    /// Seconds the whole call may take (sent as grpc-timeout).
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    max_time: Option<Duration>,

    /// Seconds to wait for the connection.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds, default_value = "10")]
    connect_timeout: Duration,

    /// Print fields that hold their default value too.
    #[arg(long)]
    emit_defaults: bool,

    /// Print the method, the request metadata, the response headers and trailers.
    #[arg(short, long)]
    verbose: bool,

    /// TLS, for an https:// target.
    #[command(flatten)]
    tls: TlsArgs,
}

/// `host:port` is cleartext, as grpcurl's `-plaintext`; a URL says for itself.
fn target_url(target: &str) -> String {
    if target.starts_with("http://") || target.starts_with("https://") {
        target.to_owned()
    } else {
        format!("http://{target}")
    }
}

/// What `call` was asked to do, checked before anything is sent.
enum Action<'a> {
    ListServices,
    ListMethods(&'a str),
    Describe(Option<&'a str>),
    Call(&'a str),
}

impl CallArgs {
    fn action(&self) -> Result<Action<'_>, Failure> {
        Ok(match (self.command.as_str(), self.symbol.as_deref()) {
            ("list", None) => Action::ListServices,
            ("list", Some(service)) => Action::ListMethods(service),
            ("describe", symbol) => Action::Describe(symbol),
            (method, None) => Action::Call(method),
            (method, Some(extra)) => {
                return Err(Failure::usage(format!(
                    "unexpected argument {extra:?} after the method {method}"
                )));
            }
        })
    }
}

/// Runs `h2grpc call`.
pub(crate) async fn run(args: CallArgs) -> Result<(), Failure> {
    let action = args.action()?;
    let target = target_url(&args.target);
    let channel = args.tls.channel(
        &target,
        ChannelConfig {
            connect_timeout: args.connect_timeout,
            ..ChannelConfig::default()
        },
    )?;
    let descriptors = if let Some(protoset) = &args.protoset {
        Descriptors::from_protoset(protoset)?
    } else if !args.proto.is_empty() {
        Descriptors::from_protos(&args.import_paths, &args.proto)?
    } else {
        Descriptors::from_reflection(&channel, &target).await?
    };
    match action {
        Action::ListServices => {
            for service in descriptors.services() {
                say(service)?;
            }
            Ok(())
        }
        Action::ListMethods(service) => {
            for method in descriptors.methods(service)? {
                say(method)?;
            }
            Ok(())
        }
        Action::Describe(Some(symbol)) => say(describe::describe(&descriptors, symbol)?.trim_end()),
        Action::Describe(None) => {
            for service in descriptors.services() {
                say(describe::describe(&descriptors, &service)?.trim_end())?;
            }
            Ok(())
        }
        Action::Call(method) => invoke::call(&channel, &descriptors, method, &args).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_host_and_port_is_cleartext() {
        assert_eq!(target_url("127.0.0.1:50051"), "http://127.0.0.1:50051");
        assert_eq!(
            target_url("https://example.com:443"),
            "https://example.com:443"
        );
        assert_eq!(target_url("http://localhost:1"), "http://localhost:1");
    }
}
