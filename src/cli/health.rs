//! `h2grpc health`: ask a server's `grpc.health.v1.Health` how a service is, as a probe would.
//!
//! ```text
//! $ h2grpc health                          # Check "" (the whole server)
//! SERVING
//! $ h2grpc health --service users.UserService --watch
//! SERVING
//! NOT_SERVING                              # the server got SIGTERM
//! ```
//!
//! Each status received is printed on a line of its own. The exit code says whether the last
//! one was SERVING:
//!
//! | exit code | meaning |
//! |---|---|
//! | 0 | SERVING |
//! | 1 | the server could not be reached |
//! | 3 | the server answered with another status (NOT_SERVING, UNKNOWN, SERVICE_UNKNOWN) |
//! | 64 + code | the call failed: 69 (NOT_FOUND) for a service the server does not know, 76 (UNIMPLEMENTED) for a server without health service |
//!
//! With `--watch` the command keeps printing until the server ends the watch (at its shutdown,
//! after NOT_SERVING) or Ctrl-C; the exit code is that of the last status printed.

use std::time::Duration;

use clap::Args;
use h2grpc::client::{Channel, ChannelConfig};
use h2grpc::rpc::Request;
use h2grpc::services::auth;
use h2grpc::services::health::{HealthCheckRequest, HealthCheckResponse, HealthClient};
use h2grpc::status::Status;

use super::{Failure, parse_seconds, say};

/// The exit code when the server answered with a status other than SERVING.
const NOT_SERVING_EXIT: u8 = 3;

/// The flags of `h2grpc health`.
#[derive(Debug, Args)]
pub(crate) struct HealthArgs {
    /// The server.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:50051")]
    target: String,

    /// The service to ask about (e.g. users.UserService); empty, the default, is the whole server.
    #[arg(long, value_name = "NAME", default_value = "")]
    service: String,

    /// Keep printing the status as it changes, until the server ends the watch or Ctrl-C.
    #[arg(long)]
    watch: bool,

    /// Seconds to wait for the connection, and for the answer of a check.
    #[arg(long, value_name = "SECS", allow_negative_numbers = true, value_parser = parse_seconds, default_value = "5")]
    timeout: Duration,

    /// Send `authorization: Bearer <TOKEN>` (for `serve --auth-token`).
    #[arg(long, value_name = "TOKEN")]
    auth_token: Option<String>,
}

/// Runs `h2grpc health`.
pub(crate) async fn run(args: HealthArgs) -> Result<(), Failure> {
    let config = ChannelConfig {
        connect_timeout: args.timeout,
        ..ChannelConfig::default()
    };
    let channel = Channel::new(&args.target, config).map_err(|status| {
        Failure::usage(format!("--target {}: {}", args.target, status.message()))
    })?;
    channel.ready(args.timeout).await.map_err(|status| {
        Failure::runtime(format!(
            "error connecting to server at {}: {}",
            args.target,
            status.message()
        ))
    })?;
    let client = HealthClient::new(channel);
    let mut request = Request::new(HealthCheckRequest {
        service: args.service.as_str().into(),
    });
    if let Some(token) = &args.auth_token {
        auth::authorize(request.metadata_mut(), token)
            .map_err(|error| Failure::usage(format!("--auth-token: {error}")))?;
    }
    if args.watch {
        return watch(&client, request, &args.service).await;
    }
    let response = client
        .check(request.with_timeout(args.timeout))
        .await
        .map_err(|status| Failure::rpc("Check", &status))?;
    report(&response.into_inner(), &args.service)
}

/// Prints each status as it comes; the outcome is the last one's.
async fn watch(
    client: &HealthClient,
    request: Request<HealthCheckRequest>,
    service: &str,
) -> Result<(), Failure> {
    let failed = |status: Status| Failure::rpc("Watch", &status);
    let mut statuses = client.watch(request).await.map_err(failed)?;
    let mut outcome = Err(Failure::runtime("the watch ended before any status"));
    loop {
        let next = tokio::select! {
            next = statuses.message() => next.map_err(failed)?,
            _ = tokio::signal::ctrl_c() => return outcome,
        };
        let Some(response) = next else {
            return outcome;
        };
        outcome = report(&response, service);
    }
}

/// Prints the status; `Ok` only for SERVING.
fn report(response: &HealthCheckResponse, service: &str) -> Result<(), Failure> {
    let status = response.serving_status();
    let name = status.map_or_else(|| format!("status {}", response.status), |s| s.to_string());
    say(&name)?;
    if status == Some(h2grpc::services::health::ServingStatus::Serving) {
        return Ok(());
    }
    let what = if service.is_empty() {
        "the server".to_owned()
    } else {
        service.to_owned()
    };
    Err(Failure::new(format!("{what} is {name}"), NOT_SERVING_EXIT))
}
