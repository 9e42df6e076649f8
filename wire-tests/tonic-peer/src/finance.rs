//! finance.CurrencyConverter, without the rate jitter (deterministic for tests).

use std::time::{SystemTime, UNIX_EPOCH};

use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use crate::echo;
use crate::greeter::BoxStream;
use crate::pb::finance::currency_converter_server::CurrencyConverter;
use crate::pb::finance::{BatchReply, ConvertReply, ConvertRequest, RateUpdate, WatchRequest};

/// `finance.CurrencyConverter`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Finance;

/// The currencies `Convert` accepts as `from_currency`.
const SUPPORTED: [&str; 4] = ["USD", "EUR", "GBP", "JPY"];

/// The rate from `from` to `to`: the table of `src/services/finance/server.rs`, 1.0 for other pairs and for `from == to`.
pub fn rate(from: &str, to: &str) -> f64 {
    match (from, to) {
        _ if from == to => 1.0,
        ("USD", "EUR") => 0.92,
        ("USD", "GBP") => 0.79,
        ("USD", "JPY") => 149.5,
        ("EUR", "USD") => 1.09,
        ("GBP", "USD") => 1.27,
        ("JPY", "USD") => 0.0067,
        _ => 1.0,
    }
}

fn now_seconds() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    seconds.to_string()
}

/// `Convert`'s rules, shared by `LiveConvert`.
fn convert(request: &ConvertRequest) -> Result<ConvertReply, Status> {
    if !SUPPORTED.contains(&request.from_currency.as_str()) {
        return Err(Status::invalid_argument(format!(
            "Unsupported currency: {}",
            request.from_currency
        )));
    }
    if request.amount <= 0.0 {
        return Err(Status::out_of_range(format!(
            "Amount must be positive, got: {:?}",
            request.amount
        )));
    }
    let rate = rate(&request.from_currency, &request.to_currency);
    Ok(ConvertReply {
        converted_amount: request.amount * rate,
        rate,
        timestamp: now_seconds(),
    })
}

#[tonic::async_trait]
impl CurrencyConverter for Finance {
    async fn convert(
        &self,
        request: Request<ConvertRequest>,
    ) -> Result<Response<ConvertReply>, Status> {
        let reply = convert(request.get_ref())?;
        Ok(echo::response(request.metadata(), reply))
    }

    type WatchRatesStream = BoxStream<RateUpdate>;

    async fn watch_rates(
        &self,
        request: Request<WatchRequest>,
    ) -> Result<Response<Self::WatchRatesStream>, Status> {
        let headers = echo::headers(request.metadata());
        let WatchRequest {
            base_currency,
            target_currencies,
        } = request.into_inner();
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        // Rounds until the client goes away (the send fails once the response is dropped).
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(crate::WATCH_INTERVAL);
            loop {
                interval.tick().await;
                for currency in &target_currencies {
                    let update = RateUpdate {
                        currency: currency.clone(),
                        rate: rate(&base_currency, currency),
                    };
                    if tx.send(Ok(update)).await.is_err() {
                        return;
                    }
                }
            }
        });
        let stream: BoxStream<_> = Box::pin(ReceiverStream::new(rx));
        let mut response = Response::new(stream);
        *response.metadata_mut() = headers;
        Ok(response)
    }

    async fn batch_convert(
        &self,
        request: Request<Streaming<ConvertRequest>>,
    ) -> Result<Response<BatchReply>, Status> {
        let headers = echo::headers(request.metadata());
        let mut requests = request.into_inner();
        let mut reply = BatchReply::default();
        while let Some(request) = requests.message().await? {
            reply.total_converted +=
                request.amount * rate(&request.from_currency, &request.to_currency);
            reply.count += 1;
        }
        let mut response = Response::new(reply);
        *response.metadata_mut() = headers;
        Ok(response)
    }

    type LiveConvertStream = BoxStream<ConvertReply>;

    async fn live_convert(
        &self,
        request: Request<Streaming<ConvertRequest>>,
    ) -> Result<Response<Self::LiveConvertStream>, Status> {
        let headers = echo::headers(request.metadata());
        let trailer = echo::trailer(request.metadata());
        let mut requests = request.into_inner();
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        tokio::spawn(async move {
            loop {
                let item = match requests.message().await {
                    Ok(Some(request)) => convert(&request),
                    Ok(None) => break,
                    Err(status) => Err(status),
                };
                let failed = item.is_err();
                if tx.send(item).await.is_err() || failed {
                    return;
                }
            }
            if let Some(trailer) = trailer {
                let _ = tx.send(Err(trailer)).await;
            }
        });
        let stream: BoxStream<_> = Box::pin(ReceiverStream::new(rx));
        let mut response = Response::new(stream);
        *response.metadata_mut() = headers;
        Ok(response)
    }
}
