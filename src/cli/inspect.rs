//! `h2grpc inspect`: a proxy that prints every byte of the calls that pass through it,
//! explained ([`h2grpc::inspect`]).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use clap::Args;
use h2grpc::client::{Channel, ChannelConfig};
use h2grpc::dynamic::{DynamicMessage, MessageType};
use h2grpc::inspect::connection::{MethodTypes, Methods, Options};
use h2grpc::inspect::explain::{annotate_grpc, annotate_message, parse_input, render_text};
use h2grpc::inspect::proxy::{self, Display, Output};
use h2grpc::inspect::render::Style;
use tokio::net::TcpListener;

use super::Failure;
use super::call::Descriptors;

/// The flags of `h2grpc inspect`.
///
/// The first line of output is `listening on HOST:PORT` (with `--json`, the object
/// `{"event":"listening","addr":...,"target":...}`); the calls follow as they pass.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
h2grpc inspect --listen 127.0.0.1:50052 --target 127.0.0.1:50051\n  \
h2grpc call -d '{\"name\": \"world\"}' 127.0.0.1:50052 hello.Greeter/SayHello   (in another terminal)\n  \
h2grpc inspect --listen 127.0.0.1:50052 --target 127.0.0.1:50051 --calls\n  \
h2grpc inspect --listen 127.0.0.1:50052 --target 127.0.0.1:50051 --json --method SayHello\n  \
h2grpc inspect --explain '08 96 01'\n  \
h2grpc inspect --explain '00 00 00 00 07 0a 05 77 6f 72 6c 64' --grpc --type hello.HelloRequest")]
pub(crate) struct InspectArgs {
    /// Where clients connect (cleartext HTTP/2).
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50052")]
    listen: String,

    /// The server every connection is forwarded to: HOST:PORT or http://HOST:PORT.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50051")]
    target: String,

    /// Print one JSON object per event (one per line) instead of text.
    #[arg(long, conflicts_with = "calls")]
    json: bool,

    /// Print one line per call instead of every frame.
    #[arg(long)]
    calls: bool,

    /// Show only the calls of this method (repeatable): /pkg.Service/Method,
    /// pkg.Service/Method, pkg.Service or Method.
    #[arg(long, value_name = "METHOD")]
    method: Vec<String>,

    /// No colours, even on a terminal.
    #[arg(long)]
    no_color: bool,

    /// Octets of each message kept for display; a larger message is shown truncated.
    #[arg(long, value_name = "OCTETS", default_value_t = 64 * 1024)]
    max_display: usize,

    /// A directory to look for --proto files and their imports in (repeatable).
    #[arg(short = 'I', long = "import-path", value_name = "DIR")]
    import_paths: Vec<PathBuf>,

    /// A .proto file to decode messages with (repeatable), instead of the target's reflection.
    #[arg(long, value_name = "FILE")]
    proto: Vec<PathBuf>,

    /// A FileDescriptorSet to decode messages with, instead of the target's reflection.
    #[arg(long, value_name = "FILE", conflicts_with = "proto")]
    protoset: Option<PathBuf>,

    /// Explain these bytes instead of proxying: hex (spaces, `0x`, `:` and `,` allowed) or
    /// @FILE for a file's raw bytes.
    #[arg(long, value_name = "HEX|@FILE")]
    explain: Option<String>,

    /// With --explain: the message type (e.g. hello.HelloRequest), from --proto/--protoset or
    /// the project's own proto/ files; without it, a raw decode as `protoc --decode_raw`.
    #[arg(long = "type", value_name = "pkg.Msg", requires = "explain")]
    message_type: Option<String>,

    /// With --explain: the bytes are gRPC Length-Prefixed-Messages (a 5-octet prefix each).
    #[arg(long, requires = "explain")]
    grpc: bool,
}

/// `--explain`: the bytes, annotated, on stdout.
fn explain(args: &InspectArgs, input: &str) -> Result<(), Failure> {
    let bytes =
        parse_input(input).map_err(|error| Failure::usage(format!("--explain: {error}")))?;
    let message_type = match &args.message_type {
        None => None,
        Some(name) => {
            let descriptors = if let Some(protoset) = &args.protoset {
                Descriptors::from_protoset(protoset)?
            } else if !args.proto.is_empty() {
                Descriptors::from_protos(&args.import_paths, &args.proto)?
            } else {
                Descriptors::embedded()?
            };
            let name = name.trim_start_matches('.');
            Some(MessageType::new(&descriptors.types, name).ok_or_else(|| {
                Failure::usage(format!("--type {name}: no such message type in the schema"))
            })?)
        }
    };
    let annotations = if args.grpc {
        annotate_grpc(&bytes, message_type.as_ref())
    } else {
        annotate_message(&bytes, message_type.as_ref())
    };
    let mut text = render_text(&bytes, &annotations);
    if let (Some(ty), false) = (&message_type, args.grpc)
        && let Ok(message) = DynamicMessage::decode(ty, Bytes::from(bytes))
        && let Ok(json) = h2grpc::json::to_string(&message, &h2grpc::json::PrintOptions::default())
    {
        text.push_str(&format!("= {json}\n"));
    }
    let mut stdout = std::io::stdout();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|error| Failure::runtime(format!("cannot write to stdout: {error}")))
}

/// `HOST:PORT` from `HOST:PORT` or `http://HOST:PORT`.
fn host_port(target: &str) -> Result<String, Failure> {
    if target.starts_with("https://") {
        return Err(Failure::usage(format!(
            "--target {target}: only a cleartext (http://) target can be inspected"
        )));
    }
    let bare = target
        .strip_prefix("http://")
        .unwrap_or(target)
        .trim_end_matches('/');
    if bare.is_empty() || bare.contains('/') || !bare.contains(':') {
        return Err(Failure::usage(format!(
            "--target {target}: write HOST:PORT or http://HOST:PORT"
        )));
    }
    Ok(bare.to_owned())
}

/// The schema's methods: from the flags, or the target's reflection (a warning and raw
/// decoding if it has none).
async fn methods(args: &InspectArgs, target: &str) -> Result<Methods, Failure> {
    let descriptors = if let Some(protoset) = &args.protoset {
        Descriptors::from_protoset(protoset)?
    } else if !args.proto.is_empty() {
        Descriptors::from_protos(&args.import_paths, &args.proto)?
    } else {
        let url = format!("http://{target}");
        let channel = Channel::new(&url, ChannelConfig::default())
            .map_err(|status| Failure::usage(format!("--target {target}: {}", status.message())))?;
        match Descriptors::from_reflection(&channel, target).await {
            Ok(descriptors) => descriptors,
            Err(failure) => {
                tracing::warn!(
                    "no schema from the target's reflection ({}): messages are shown without field names",
                    failure.message
                );
                return Ok(Methods::new());
            }
        }
    };
    let mut methods = Methods::new();
    for service in descriptors.services() {
        for name in descriptors.methods(&service)? {
            let method = descriptors.method(&name)?;
            methods.insert(
                method.path.clone(),
                MethodTypes {
                    input: method.input,
                    output: method.output,
                    client_streaming: method.descriptor.client_streaming.unwrap_or(false),
                    server_streaming: method.descriptor.server_streaming.unwrap_or(false),
                },
            );
        }
    }
    Ok(methods)
}

/// Runs `h2grpc inspect` until the process is stopped.
pub(crate) async fn run(args: InspectArgs) -> Result<(), Failure> {
    if let Some(input) = &args.explain {
        return explain(&args, input);
    }
    let target = host_port(&args.target)?;
    let listener = TcpListener::bind(&args.listen)
        .await
        .map_err(|error| Failure::runtime(format!("cannot listen on {}: {error}", args.listen)))?;
    let methods = methods(&args, &target).await?;
    let style = Style {
        color: !args.no_color && std::io::stdout().is_terminal(),
    };
    let output = match (args.json, args.calls) {
        (true, _) => Output::Json,
        (false, true) => Output::Calls(style),
        (false, false) => Output::Text(style),
    };
    let display = Display {
        output,
        methods_shown: args.method.clone(),
        methods: Arc::new(methods),
        options: Options {
            max_display: args.max_display,
            ..Options::default()
        },
    };
    // The first line says where to connect (as `serve` says it): a JSON object under --json.
    let address = listener
        .local_addr()
        .map_or_else(|_| args.listen.clone(), |a| a.to_string());
    let first = match output {
        Output::Json => {
            serde_json::json!({ "event": "listening", "addr": address, "target": target })
                .to_string()
        }
        _ => format!("listening on {address}"),
    };
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{first}")
        .and_then(|()| stdout.flush())
        .map_err(|error| Failure::runtime(format!("cannot write to stdout: {error}")))?;
    proxy::run(listener, target, display, Box::new(std::io::stdout()))
        .await
        .map_err(|error| Failure::runtime(format!("the proxy stopped: {error}")))
}
