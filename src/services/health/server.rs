//! The server of `grpc.health.v1.Health`: Check, List and Watch over a [`HealthReporter`].

use std::collections::BTreeMap;

use super::messages::{
    CHECK, HealthCheckRequest, HealthCheckResponse, HealthListRequest, HealthListResponse, LIST,
    ServingStatus, WATCH,
};
use super::reporter::HealthReporter;
use crate::rpc::{Request, Response, Sender};
use crate::server::Server;
use crate::status::Status;

/// The most services `List` returns; above it the call fails with RESOURCE_EXHAUSTED, as
/// health.proto says ("The maximum number of services to return is 100").
pub const MAX_LIST: usize = 100;

/// Adds `grpc.health.v1.Health` to `server`, answering from `reporter`. It marks nothing
/// itself: set the statuses on the reporter ([`services::register_all`](crate::services::register_all)
/// marks every service it registers SERVING).
#[must_use]
pub fn register(server: Server, reporter: &HealthReporter) -> Server {
    let (check_reporter, list_reporter, watch_reporter) =
        (reporter.clone(), reporter.clone(), reporter.clone());
    server
        .unary(CHECK, move |request| {
            let reporter = check_reporter.clone();
            async move { check(&reporter, request) }
        })
        .unary(LIST, move |request| {
            let reporter = list_reporter.clone();
            async move { list(&reporter, request) }
        })
        .server_streaming(WATCH, move |request, replies| {
            watch(watch_reporter.clone(), request, replies)
        })
}

/// `Check`: the status of the service named, or NOT_FOUND for a name the server does not know.
///
/// # Errors
/// NOT_FOUND `unknown service: {name}`.
pub fn check(
    reporter: &HealthReporter,
    request: Request<HealthCheckRequest>,
) -> Result<Response<HealthCheckResponse>, Status> {
    let service = &request.get_ref().service;
    match reporter.status(service) {
        Some(status) => Ok(Response::new(HealthCheckResponse::new(status))),
        None => Err(Status::not_found(format!("unknown service: {service}"))),
    }
}

/// `List`: every known service and its status (`""` included).
///
/// # Errors
/// RESOURCE_EXHAUSTED when more than [`MAX_LIST`] services are known.
pub fn list(
    reporter: &HealthReporter,
    _request: Request<HealthListRequest>,
) -> Result<Response<HealthListResponse>, Status> {
    let statuses = reporter.statuses();
    if statuses.len() > MAX_LIST {
        return Err(Status::resource_exhausted(format!(
            "{} services, more than the {MAX_LIST} List may return",
            statuses.len()
        )));
    }
    let statuses: BTreeMap<_, _> = statuses
        .into_iter()
        .map(|(name, status)| (name.into(), HealthCheckResponse::new(status)))
        .collect();
    Ok(Response::new(HealthListResponse { statuses }))
}

/// `Watch`: the current status at once (SERVICE_UNKNOWN for a name the server does not know,
/// without ending the call), then a new message each time it changes. The call lasts until the
/// client cancels it, or until shutdown ([`HealthReporter::set_all_not_serving`]): then, after
/// NOT_SERVING, it ends with OK.
///
/// # Errors
/// CANCELLED when the client is gone (the call is over anyway).
pub async fn watch(
    reporter: HealthReporter,
    request: Request<HealthCheckRequest>,
    mut replies: Sender<HealthCheckResponse>,
) -> Result<(), Status> {
    let service = request.into_inner().service;
    let mut changes = reporter.subscribe();
    let mut last_sent = None;
    loop {
        let (status, shut_down) = {
            let state = changes.borrow_and_update();
            let status = state
                .status(&service)
                .unwrap_or(ServingStatus::ServiceUnknown);
            (status, state.is_shut_down())
        };
        // Several changes may come between two wake-ups; the client sees the latest, once.
        if last_sent != Some(status) {
            replies.send(&HealthCheckResponse::new(status)).await?;
            last_sent = Some(status);
        }
        if shut_down || changes.changed().await.is_err() {
            return Ok(());
        }
    }
}
