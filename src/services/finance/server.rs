//! The server of `finance.CurrencyConverter`: what it answers, fixed here where the grpcio
//! tutorial leaves it open (`wire-tests/services.rs` checks each rule).
//!
//! # Rates
//!
//! The grpcio tutorial's `RATES` table, units of `to` per unit of `from`:
//!
//! | from → to | rate |
//! |---|---|
//! | USD → EUR | 0.92 |
//! | USD → GBP | 0.79 |
//! | USD → JPY | 149.5 |
//! | EUR → USD | 1.09 |
//! | GBP → USD | 1.27 |
//! | JPY → USD | 0.0067 |
//!
//! Any other pair is 1.0. Each rate is multiplied by a jitter drawn uniformly from
//! `[1 − 0.002, 1 + 0.002]` ([`JITTER`]): the rates move a little between calls, as a live feed
//! would. The same currency on both sides is exactly 1.0, without jitter.
//!
//! # The four methods
//!
//! - `Convert`: `converted_amount` = `amount` × rate, the `rate` used, and `timestamp`, the
//!   seconds since the Unix epoch as a decimal string (Python's `str(time.time())`).
//! - `WatchRates`: rounds of updates, one [`RateUpdate`] per target currency in request order
//!   (see below).
//! - `BatchConvert`: `total_converted`, the sum of `amount` × rate over the stream, and `count`;
//!   an empty stream answers `count` 0.
//! - `LiveConvert`: one [`ConvertReply`] per request, in order, each sent as its request
//!   arrives.
//!
//! # What is validated
//!
//! `Convert` checks, in this order:
//!
//! - `from_currency` must be one of [`SUPPORTED_CURRENCIES`]; otherwise INVALID_ARGUMENT
//!   `Unsupported currency: {from_currency}` (`to_currency` is not checked);
//! - `amount` must be positive; otherwise OUT_OF_RANGE `Amount must be positive, got: {amount}`,
//!   the amount printed as Python prints a float (`-5.0`, `0.0`: [`python::repr_float`]).
//!
//! These are the tutorial's "Error Handling" server's checks. The streaming methods do *not*
//! validate: the tutorial's `WatchRates`, `BatchConvert` and `LiveConvert` convert whatever they
//! are given (an unknown pair at rate 1.0), and h2grpc keeps them so. A client that wants the
//! checks calls [`validate`] itself.
//!
//! One departure from the tutorial: a NaN amount. Python's `nan <= 0` is false, so the tutorial
//! would convert it and answer `nan`; NaN is not a positive amount, so h2grpc refuses it with the
//! same OUT_OF_RANGE, "Amount must be positive, got: nan".
//!
//! # WatchRates and its end
//!
//! One round of updates (one [`RateUpdate`] per target currency, in request order) at once, then
//! one per interval, for as long as the call lives. The handler never ends the stream by itself:
//!
//! - when the client cancels (RST_STREAM(CANCEL), e.g. it dropped the stream), the server drops
//!   the handler: nothing more is sent;
//! - when the call's deadline (`grpc-timeout`) passes, the server ends the call with
//!   DEADLINE_EXCEEDED, then RST_STREAM(CANCEL), as PROTOCOL-HTTP2.md has servers do: the
//!   updates did not stop because the watch was complete but because time ran out, and a status
//!   of OK would say the former. Every gRPC client reports DEADLINE_EXCEEDED in this case anyway
//!   (its own timer fires at the same moment).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::MissedTickBehavior;

use super::messages::{
    BATCH_CONVERT, BatchReply, CONVERT, ConvertReply, ConvertRequest, LIVE_CONVERT, RateUpdate,
    WATCH_RATES, WatchRequest,
};
use crate::metadata::Metadata;
use crate::rpc::{Request, Response, Sender, Streaming};
use crate::server::Server;
use crate::services::python;
use crate::status::Status;

/// The currencies `Convert` accepts as `from_currency`.
pub const SUPPORTED_CURRENCIES: [&str; 4] = ["USD", "EUR", "GBP", "JPY"];

/// How often `WatchRates` sends a round of updates by default: every second, as the tutorial's.
pub const DEFAULT_WATCH_INTERVAL: Duration = Duration::from_secs(1);

/// The largest relative move of a rate: ±0.2 %, the tutorial's `random.uniform(-0.002, 0.002)`.
pub const JITTER: f64 = 0.002;

/// The grpcio tutorial's `RATES`: units of `to` per unit of `from`.
const RATES: [(&str, &str, f64); 6] = [
    ("USD", "EUR", 0.92),
    ("USD", "GBP", 0.79),
    ("USD", "JPY", 149.5),
    ("EUR", "USD", 1.09),
    ("GBP", "USD", 1.27),
    ("JPY", "USD", 0.0067),
];

/// The rate from `from` to `to` before jitter: the table's, 1.0 for a pair it does not list.
///
/// ```
/// use h2grpc::services::finance::base_rate;
///
/// assert_eq!(base_rate("USD", "JPY"), 149.5);
/// assert_eq!(base_rate("EUR", "GBP"), 1.0);
/// ```
pub fn base_rate(from: &str, to: &str) -> f64 {
    RATES
        .iter()
        .find(|(f, t, _)| *f == from && *t == to)
        .map_or(1.0, |&(_, _, rate)| rate)
}

/// `Convert`'s checks, in the tutorial's order.
///
/// # Errors
/// - INVALID_ARGUMENT `Unsupported currency: {from_currency}` when `from_currency` is not one
///   of [`SUPPORTED_CURRENCIES`] (`to_currency` is not checked, as in the tutorial);
/// - OUT_OF_RANGE `Amount must be positive, got: {amount}` when the amount is zero, negative or
///   NaN, the amount printed as Python prints a float (`-5.0`, `0.0`, `-1e-05`, `nan`).
pub fn validate(request: &ConvertRequest) -> Result<(), Status> {
    let from = &*request.from_currency;
    if !SUPPORTED_CURRENCIES.contains(&from) {
        return Err(Status::invalid_argument(format!(
            "Unsupported currency: {from}"
        )));
    }
    if request.amount.is_nan() || request.amount <= 0.0 {
        return Err(Status::out_of_range(format!(
            "Amount must be positive, got: {}",
            python::repr_float(request.amount)
        )));
    }
    Ok(())
}

/// The `finance.CurrencyConverter` service: register it on a [`Server`] with
/// [`CurrencyConverter::register`].
#[derive(Debug, Clone)]
pub struct CurrencyConverter {
    watch_interval: Duration,
    jitter: Arc<Jitter>,
}

impl Default for CurrencyConverter {
    fn default() -> Self {
        Self::new()
    }
}

impl CurrencyConverter {
    /// The service with the default `WatchRates` interval, one second.
    pub fn new() -> Self {
        Self {
            watch_interval: DEFAULT_WATCH_INTERVAL,
            jitter: Arc::new(Jitter::seeded_from_clock()),
        }
    }

    /// The same service with another `WatchRates` interval (tests use a few milliseconds).
    /// A zero interval is taken as one millisecond, so that a watch cannot spin.
    #[must_use]
    pub fn with_watch_interval(mut self, interval: Duration) -> Self {
        self.watch_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// The interval between two rounds of `WatchRates`.
    pub fn watch_interval(&self) -> Duration {
        self.watch_interval
    }

    /// The current rate from `from` to `to`: [`base_rate`] times a fresh jitter in
    /// `[1 − JITTER, 1 + JITTER]`; exactly 1.0 when `from == to`.
    pub fn rate(&self, from: &str, to: &str) -> f64 {
        if from == to {
            return 1.0;
        }
        base_rate(from, to) * self.jitter.factor()
    }

    /// Converts one request, without validation (the streaming methods' rule).
    fn convert_unchecked(&self, request: &ConvertRequest) -> ConvertReply {
        let rate = self.rate(&request.from_currency, &request.to_currency);
        ConvertReply {
            converted_amount: request.amount * rate,
            rate,
            timestamp: timestamp().into(),
        }
    }

    /// `Convert`: [`validate`], then convert at the current rate.
    ///
    /// # Errors
    /// As [`validate`].
    pub fn convert(&self, request: &ConvertRequest) -> Result<ConvertReply, Status> {
        validate(request)?;
        Ok(self.convert_unchecked(request))
    }

    /// Adds the four methods to `server`.
    #[must_use]
    pub fn register(self, server: Server) -> Server {
        let service = Arc::new(self);
        let (convert, watch, batch, live) =
            (service.clone(), service.clone(), service.clone(), service);
        server
            .unary(CONVERT, move |request: Request<ConvertRequest>| {
                let reply = convert.convert(request.get_ref());
                async move { reply.map(Response::new) }
            })
            .server_streaming(WATCH_RATES, move |request, updates| {
                watch_rates(watch.clone(), request, updates)
            })
            .client_streaming(BATCH_CONVERT, move |requests| {
                batch_convert(batch.clone(), requests)
            })
            .bidi_streaming(LIVE_CONVERT, move |requests, replies| {
                live_convert(live.clone(), requests, replies)
            })
    }
}

/// Adds `finance.CurrencyConverter` with the default settings to `server`.
#[must_use]
pub fn register(server: Server) -> Server {
    CurrencyConverter::new().register(server)
}

/// `WatchRates`: a round of updates per interval, until the call is cancelled or times out (see
/// the module docs). With no target currency, it sends the Response-Headers, no update, and
/// waits for the end all the same.
async fn watch_rates(
    service: Arc<CurrencyConverter>,
    request: Request<WatchRequest>,
    mut updates: Sender<RateUpdate>,
) -> Result<(), Status> {
    let request = request.into_inner();
    // The Response-Headers at once: the client learns the watch started even before the first
    // update (there is none without target currencies).
    updates.send_headers(Metadata::new()).await?;
    let mut rounds = tokio::time::interval(service.watch_interval);
    // A round late (a slow client) pushes the next ones back instead of sending a burst.
    rounds.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        rounds.tick().await;
        for currency in &request.target_currencies {
            let rate = service.rate(&request.base_currency, currency);
            let update = RateUpdate {
                currency: currency.clone(),
                rate,
            };
            updates.send(&update).await?;
        }
    }
}

/// `BatchConvert`: the sum of `amount × rate` over the stream, and how many requests it held.
async fn batch_convert(
    service: Arc<CurrencyConverter>,
    request: Request<Streaming<ConvertRequest>>,
) -> Result<Response<BatchReply>, Status> {
    let mut requests = request.into_inner();
    let mut reply = BatchReply::default();
    while let Some(request) = requests.message().await? {
        reply.total_converted += service.convert_unchecked(&request).converted_amount;
        reply.count = reply
            .count
            .checked_add(1)
            .ok_or_else(|| Status::out_of_range("a batch holds at most 2147483647 requests"))?;
    }
    Ok(Response::new(reply))
}

/// `LiveConvert`: one reply per request, sent as soon as the request arrives.
async fn live_convert(
    service: Arc<CurrencyConverter>,
    request: Request<Streaming<ConvertRequest>>,
    mut replies: Sender<ConvertReply>,
) -> Result<(), Status> {
    let mut requests = request.into_inner();
    while let Some(request) = requests.message().await? {
        replies.send(&service.convert_unchecked(&request)).await?;
    }
    Ok(())
}

/// Seconds since the Unix epoch as Python's `str(time.time())` prints them:
/// `1700000000.123456`.
fn timestamp() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    python::repr_float(now.as_secs_f64())
}

/// The random source of the jitter: SplitMix64 (Steele, Lea and Flood, "Fast splittable
/// pseudorandom number generators", 2014), whose whole state is one counter, so one atomic
/// `fetch_add` makes it safe to share between all calls without a lock. Seeded from the clock:
/// rates need to wander, not to be unpredictable.
#[derive(Debug)]
struct Jitter {
    counter: AtomicU64,
}

impl Jitter {
    /// SplitMix64's increment: 2^64 divided by the golden ratio, odd.
    const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

    fn seeded_from_clock() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        // The low 64 bits of the nanoseconds are the ones that differ between two starts.
        let seed = u64::try_from(nanos & u128::from(u64::MAX)).unwrap_or_default();
        Self {
            counter: AtomicU64::new(seed),
        }
    }

    fn next_u64(&self) -> u64 {
        let mut z = self
            .counter
            .fetch_add(Self::GAMMA, Ordering::Relaxed)
            .wrapping_add(Self::GAMMA);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A factor uniform in `[1 − JITTER, 1 + JITTER)`.
    fn factor(&self) -> f64 {
        // The top 53 bits as a fraction in [0, 1): every value exactly representable.
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        1.0 - JITTER + 2.0 * JITTER * unit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(from: &str, to: &str, amount: f64) -> ConvertRequest {
        ConvertRequest {
            from_currency: from.into(),
            to_currency: to.into(),
            amount,
        }
    }

    #[test]
    fn rates_stay_within_the_jitter() {
        let service = CurrencyConverter::new();
        let (mut low, mut high) = (f64::MAX, f64::MIN);
        for _ in 0..10_000 {
            let factor = service.rate("USD", "JPY") / 149.5;
            assert!((1.0 - JITTER..=1.0 + JITTER).contains(&factor), "{factor}");
            low = low.min(factor);
            high = high.max(factor);
        }
        // Spread over the whole interval, not stuck at a point.
        assert!(low < 0.9985 && high > 1.0015, "{low} {high}");
        assert_eq!(service.rate("GBP", "GBP"), 1.0);
        assert_eq!(service.rate("XYZ", "XYZ"), 1.0);
        let other = service.rate("EUR", "JPY");
        assert!((1.0 - JITTER..=1.0 + JITTER).contains(&other));
    }

    #[test]
    fn validation_messages() {
        let cases = [
            (request("BTC", "EUR", 1.0), "Unsupported currency: BTC"),
            (request("", "EUR", 1.0), "Unsupported currency: "),
            (request("usd", "EUR", 1.0), "Unsupported currency: usd"),
            // The currency is checked first.
            (request("BTC", "EUR", -1.0), "Unsupported currency: BTC"),
            (
                request("USD", "EUR", -5.0),
                "Amount must be positive, got: -5.0",
            ),
            (
                request("USD", "EUR", 0.0),
                "Amount must be positive, got: 0.0",
            ),
            (
                request("USD", "EUR", -0.0),
                "Amount must be positive, got: -0.0",
            ),
            (
                request("USD", "EUR", -1e20),
                "Amount must be positive, got: -1e+20",
            ),
            (
                request("USD", "EUR", f64::NAN),
                "Amount must be positive, got: nan",
            ),
            (
                request("USD", "EUR", f64::NEG_INFINITY),
                "Amount must be positive, got: -inf",
            ),
        ];
        for (request, message) in cases {
            let status = validate(&request).unwrap_err();
            assert_eq!(status.message(), message);
        }
        assert!(validate(&request("JPY", "BTC", 1e-300)).is_ok());
    }

    #[test]
    fn timestamps_look_like_python_time() {
        let stamp = timestamp();
        let seconds: f64 = stamp.parse().unwrap();
        assert!(seconds > 1.6e9, "{stamp}");
        assert!(stamp.contains('.') && !stamp.contains('e'), "{stamp}");
    }
}
