//! The typed client of `grpc.health.v1.Health`.

use super::messages::{
    CHECK, HealthCheckRequest, HealthCheckResponse, HealthListRequest, HealthListResponse, LIST,
    WATCH,
};
use crate::client::Channel;
use crate::rpc::{Request, Response, Streaming};
use crate::status::Status;

/// A typed client of `grpc.health.v1.Health`, over a [`Channel`].
///
/// ```no_run
/// use std::time::Duration;
/// use h2grpc::client::Channel;
/// use h2grpc::rpc::Request;
/// use h2grpc::services::health::{HealthCheckRequest, HealthClient, ServingStatus};
///
/// # async fn run() -> Result<(), h2grpc::status::Status> {
/// let health = HealthClient::new(Channel::connect("http://127.0.0.1:50051").await?);
/// // health.proto: "Clients should set a deadline when calling Check".
/// let request = Request::new(HealthCheckRequest { service: "".into() })
///     .with_timeout(Duration::from_secs(1));
/// let status = health.check(request).await?.into_inner().serving_status();
/// assert_eq!(status, Some(ServingStatus::Serving));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct HealthClient {
    channel: Channel,
}

impl HealthClient {
    /// A client calling over `channel`.
    pub fn new(channel: Channel) -> Self {
        Self { channel }
    }

    /// Unary `Check`.
    ///
    /// # Errors
    /// NOT_FOUND for a service the server does not know; UNIMPLEMENTED if the server has no
    /// health service; see [`Channel::unary`] for the rest.
    pub async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        self.channel.unary(CHECK, request).await
    }

    /// Unary `List`.
    ///
    /// # Errors
    /// RESOURCE_EXHAUSTED when the server knows too many services; as [`Channel::unary`].
    pub async fn list(
        &self,
        request: Request<HealthListRequest>,
    ) -> Result<Response<HealthListResponse>, Status> {
        self.channel.unary(LIST, request).await
    }

    /// Server-streaming `Watch`: the current status, then one message per change.
    ///
    /// # Errors
    /// As [`Channel::server_streaming`].
    pub async fn watch(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Streaming<HealthCheckResponse>, Status> {
        self.channel.server_streaming(WATCH, request).await
    }
}
