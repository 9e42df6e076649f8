//! The typed client of `finance.CurrencyConverter`.

use super::messages::{
    BATCH_CONVERT, BatchReply, CONVERT, ConvertReply, ConvertRequest, LIVE_CONVERT, RateUpdate,
    WATCH_RATES, WatchRequest,
};
use crate::client::{Channel, ClientStreamingCall};
use crate::rpc::{Request, Response, Sender, Streaming};
use crate::status::Status;

/// A typed client of `finance.CurrencyConverter`: one method per RPC, over a [`Channel`].
///
/// ```no_run
/// use h2grpc::client::Channel;
/// use h2grpc::rpc::Request;
/// use h2grpc::services::finance::{ConvertRequest, CurrencyConverterClient};
///
/// # async fn run() -> Result<(), h2grpc::status::Status> {
/// let finance = CurrencyConverterClient::new(Channel::connect("http://127.0.0.1:50051").await?);
///
/// // Client streaming: send the batch, then finish for the one reply.
/// let mut batch = finance.batch_convert(Request::new(())).await?;
/// for (from, to, amount) in [("USD", "EUR", 100.0), ("EUR", "USD", 80.0)] {
///     let request = ConvertRequest { from_currency: from.into(), to_currency: to.into(), amount };
///     batch.send(&request).await?;
/// }
/// let reply = batch.finish().await?.into_inner();
/// println!("Batch: {} conversions, total = {:.2}", reply.count, reply.total_converted);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct CurrencyConverterClient {
    channel: Channel,
}

impl CurrencyConverterClient {
    /// A client calling over `channel`.
    pub fn new(channel: Channel) -> Self {
        Self { channel }
    }

    /// Unary `Convert`.
    ///
    /// # Errors
    /// The call's status when it is not OK: INVALID_ARGUMENT for an unsupported currency,
    /// OUT_OF_RANGE for an amount that is not positive (see [`Channel::unary`] for the rest).
    pub async fn convert(
        &self,
        request: Request<ConvertRequest>,
    ) -> Result<Response<ConvertReply>, Status> {
        self.channel.unary(CONVERT, request).await
    }

    /// Server-streaming `WatchRates`: updates keep coming until the [`Streaming`] is dropped
    /// (which cancels the call) or the request's deadline passes (DEADLINE_EXCEEDED).
    ///
    /// # Errors
    /// As [`Channel::server_streaming`].
    pub async fn watch_rates(
        &self,
        request: Request<WatchRequest>,
    ) -> Result<Streaming<RateUpdate>, Status> {
        self.channel.server_streaming(WATCH_RATES, request).await
    }

    /// Client-streaming `BatchConvert`: [`ClientStreamingCall::send`] each request, then
    /// [`ClientStreamingCall::finish`] for the [`BatchReply`]. `request` carries the metadata
    /// and the deadline.
    ///
    /// # Errors
    /// As [`Channel::client_streaming`].
    pub async fn batch_convert(
        &self,
        request: Request<()>,
    ) -> Result<ClientStreamingCall<ConvertRequest, BatchReply>, Status> {
        self.channel.client_streaming(BATCH_CONVERT, request).await
    }

    /// Bidirectional `LiveConvert`: one [`ConvertReply`] comes back per request sent.
    ///
    /// # Errors
    /// As [`Channel::bidi_streaming`].
    pub async fn live_convert(
        &self,
        request: Request<()>,
    ) -> Result<(Sender<ConvertRequest>, Streaming<ConvertReply>), Status> {
        self.channel.bidi_streaming(LIVE_CONVERT, request).await
    }
}
