//! The server of `grpc.testing.TestService`: every feature the interop cases ask of a server
//! ([interop-test-descriptions.md, "Server"](https://github.com/grpc/grpc/blob/master/doc/interop-test-descriptions.md#server)).
//!
//! | feature | what the server does |
//! |---|---|
//! | payloads | a response's `payload.body` is `size` zero bytes; a `response_type` other than COMPRESSABLE is INVALID_ARGUMENT |
//! | CompressedResponse | `response_compressed` (unary) and `ResponseParameters.compressed` (streams, per message): compressed when the value is true, with an encoding the client accepts; uncompressed otherwise |
//! | CompressedRequest | `expect_compressed` true on a message that arrived uncompressed: INVALID_ARGUMENT |
//! | Echo Status | `response_status` ends the call with that code and message (a stream stops reading there) |
//! | Echo Metadata | `x-grpc-test-echo-initial` back in the Response-Headers, `x-grpc-test-echo-trailing-bin` in the Trailers |
//! | `interval_us` | a wait before each streamed response |
//!
//! UnimplementedCall is declared in `test.proto` and deliberately not registered: calling it is
//! UNIMPLEMENTED, which is what the `unimplemented_method` case checks.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use super::messages::{
    CACHEABLE_UNARY_CALL, COMPRESSABLE, EMPTY_CALL, EchoStatus, Empty, FULL_DUPLEX_CALL,
    HALF_DUPLEX_CALL, Payload, ResponseParameters, STREAMING_INPUT_CALL, STREAMING_OUTPUT_CALL,
    SimpleRequest, SimpleResponse, StreamingInputCallRequest, StreamingInputCallResponse,
    StreamingOutputCallRequest, StreamingOutputCallResponse, UNARY_CALL,
};
use crate::metadata::Metadata;
use crate::rpc::{Request, Response, Sender, Streaming};
use crate::server::Server;
use crate::status::{Code, Status};

/// The ASCII metadata echoed in the Response-Headers.
pub const ECHO_INITIAL: &str = "x-grpc-test-echo-initial";
/// The binary metadata echoed in the Trailers.
pub const ECHO_TRAILING_BIN: &str = "x-grpc-test-echo-trailing-bin";

/// The largest payload the server builds: the default 4 MiB message limit. Larger sizes are
/// refused (RESOURCE_EXHAUSTED) before anything is allocated.
pub const MAX_PAYLOAD: i32 = 4 * 1024 * 1024;

/// The longest `interval_us` honoured: 10 s. A client asking more waits 10 s.
pub const MAX_INTERVAL: Duration = Duration::from_secs(10);

/// Adds `grpc.testing.TestService` to `server`: every method but UnimplementedCall.
#[must_use]
pub fn register(server: Server) -> Server {
    server
        .unary(EMPTY_CALL, empty_call)
        .unary(UNARY_CALL, unary_call)
        .unary(CACHEABLE_UNARY_CALL, cacheable_unary_call)
        .server_streaming(STREAMING_OUTPUT_CALL, streaming_output_call)
        .client_streaming(STREAMING_INPUT_CALL, streaming_input_call)
        .bidi_streaming(FULL_DUPLEX_CALL, full_duplex_call)
        .bidi_streaming(HALF_DUPLEX_CALL, half_duplex_call)
}

/// EmptyCall: an `Empty` back.
///
/// # Errors
/// Never.
pub async fn empty_call(request: Request<Empty>) -> Result<Response<Empty>, Status> {
    let (initial, trailing) = echo_metadata(request.metadata());
    let mut response = Response::new(Empty {});
    *response.metadata_mut() = initial;
    *response.trailers_mut() = trailing;
    Ok(response)
}

/// UnaryCall: a payload of `response_size` zeros, compressed if `response_compressed` says so,
/// or the status `response_status` asks for.
///
/// # Errors
/// INVALID_ARGUMENT for an `expect_compressed` request that arrived uncompressed, a payload type
/// other than COMPRESSABLE or a negative size; RESOURCE_EXHAUSTED for a size over
/// [`MAX_PAYLOAD`]; the echoed status.
pub async fn unary_call(
    request: Request<SimpleRequest>,
) -> Result<Response<SimpleResponse>, Status> {
    let (initial, trailing) = echo_metadata(request.metadata());
    let compressed = request.is_compressed();
    let message = request.into_inner();
    let with_trailers = |status: Status| status.with_metadata(trailing.clone());
    check_compressed(
        message.expect_compressed.as_ref().map(|b| b.value),
        compressed,
    )
    .map_err(with_trailers)?;
    echo_status(message.response_status.as_ref()).map_err(with_trailers)?;
    let payload = payload(message.response_type, message.response_size).map_err(with_trailers)?;
    let mut response = Response::new(SimpleResponse {
        payload: Some(payload),
        ..SimpleResponse::default()
    });
    response.set_compressed(message.response_compressed.is_some_and(|c| c.value));
    *response.metadata_mut() = initial;
    *response.trailers_mut() = trailing;
    Ok(response)
}

/// CacheableUnaryCall: UnaryCall's answer with the current time (nanoseconds since the epoch, in
/// decimal ASCII) as the payload, and `cache-control: max-age=60, public`. Only a caching proxy
/// in between makes two calls return the same time.
///
/// # Errors
/// As [`unary_call`].
pub async fn cacheable_unary_call(
    request: Request<SimpleRequest>,
) -> Result<Response<SimpleResponse>, Status> {
    let mut response = unary_call(request).await?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    if let Some(payload) = &mut response.get_mut().payload {
        payload.body = Bytes::from(now.to_string());
    }
    // A constant, valid key and value: insert cannot fail.
    let _ = response
        .metadata_mut()
        .insert("cache-control", "max-age=60, public");
    Ok(response)
}

/// StreamingOutputCall: one response per `ResponseParameters`, in order, each after its
/// `interval_us`, compressed or not as its `compressed` says; then the status `response_status`
/// asks for, or OK.
///
/// # Errors
/// As [`unary_call`]; CANCELLED if the client went away.
pub async fn streaming_output_call(
    request: Request<StreamingOutputCallRequest>,
    mut responses: Sender<StreamingOutputCallResponse>,
) -> Result<(), Status> {
    start_echo(request.metadata(), &mut responses).await?;
    let message = request.into_inner();
    respond(&message, &mut responses).await?;
    echo_status(message.response_status.as_ref())
}

/// StreamingInputCall: the sum of the payload sizes received, at the half-close.
///
/// # Errors
/// INVALID_ARGUMENT for a message marked `expect_compressed` that arrived uncompressed; the
/// request stream's failure.
pub async fn streaming_input_call(
    request: Request<Streaming<StreamingInputCallRequest>>,
) -> Result<Response<StreamingInputCallResponse>, Status> {
    let (initial, trailing) = echo_metadata(request.metadata());
    let mut requests = request.into_inner();
    let mut total: i32 = 0;
    while let Some(message) = requests.message().await? {
        let expected = message.expect_compressed.as_ref().map(|b| b.value);
        check_compressed(expected, requests.last_compressed())
            .map_err(|status| status.with_metadata(trailing.clone()))?;
        let size = message.payload.map_or(0, |p| p.body.len());
        total = i32::try_from(size)
            .ok()
            .and_then(|size| total.checked_add(size))
            .ok_or_else(|| {
                Status::invalid_argument("the aggregated payload size overflows int32")
            })?;
    }
    let mut response = Response::new(StreamingInputCallResponse {
        aggregated_payload_size: total,
    });
    *response.metadata_mut() = initial;
    *response.trailers_mut() = trailing;
    Ok(response)
}

/// FullDuplexCall: each request answered as it arrives (its responses as in
/// [`streaming_output_call`]); a request with `response_status` ends the call with it.
///
/// # Errors
/// As [`streaming_output_call`].
pub async fn full_duplex_call(
    request: Request<Streaming<StreamingOutputCallRequest>>,
    mut responses: Sender<StreamingOutputCallResponse>,
) -> Result<(), Status> {
    start_echo(request.metadata(), &mut responses).await?;
    let mut requests = request.into_inner();
    while let Some(message) = requests.message().await? {
        echo_status(message.response_status.as_ref())?;
        respond(&message, &mut responses).await?;
    }
    Ok(())
}

/// How many requests HalfDuplexCall holds before answering: 1,000.
pub const MAX_HALF_DUPLEX_REQUESTS: usize = 1000;
/// How many bytes of requests (encoded) HalfDuplexCall holds before answering: 16 MiB.
pub const MAX_HALF_DUPLEX_BYTES: usize = 16 * 1024 * 1024;

/// HalfDuplexCall: every request is read first, then all are answered in order.
///
/// # Errors
/// As [`full_duplex_call`]; RESOURCE_EXHAUSTED past [`MAX_HALF_DUPLEX_REQUESTS`] requests or
/// [`MAX_HALF_DUPLEX_BYTES`] bytes of them.
pub async fn half_duplex_call(
    request: Request<Streaming<StreamingOutputCallRequest>>,
    mut responses: Sender<StreamingOutputCallResponse>,
) -> Result<(), Status> {
    start_echo(request.metadata(), &mut responses).await?;
    let mut requests = request.into_inner();
    let mut buffered = Vec::new();
    let mut bytes = 0usize;
    while let Some(message) = requests.message().await? {
        bytes = bytes.saturating_add(crate::protobuf::Message::encoded_len(&message));
        if buffered.len() == MAX_HALF_DUPLEX_REQUESTS || bytes > MAX_HALF_DUPLEX_BYTES {
            return Err(Status::resource_exhausted(format!(
                "HalfDuplexCall holds at most {MAX_HALF_DUPLEX_REQUESTS} requests and \
                 {MAX_HALF_DUPLEX_BYTES} bytes of them"
            )));
        }
        buffered.push(message);
    }
    for message in &buffered {
        echo_status(message.response_status.as_ref())?;
        respond(message, &mut responses).await?;
    }
    Ok(())
}

// ===== The features =====

/// The metadata to echo: `x-grpc-test-echo-initial` for the Response-Headers and
/// `x-grpc-test-echo-trailing-bin` for the Trailers, every value as received.
fn echo_metadata(request: &Metadata) -> (Metadata, Metadata) {
    let mut initial = Metadata::new();
    for value in request.get_all(ECHO_INITIAL) {
        // The key is valid and the value came in as a valid ASCII value: append cannot fail.
        let _ = initial.append(ECHO_INITIAL, value);
    }
    let mut trailing = Metadata::new();
    for value in request.get_all_bin(ECHO_TRAILING_BIN).flatten() {
        let _ = trailing.append_bin(ECHO_TRAILING_BIN, &value);
    }
    (initial, trailing)
}

/// The start of a streaming call: compression on for the call, so that each response can
/// choose (a message sent with `send_uncompressed` still goes with Compressed-Flag 0, whatever
/// the call's `grpc-encoding`); then the echo, the initial metadata at once (so that the client
/// sees it even if no response follows), the trailing metadata with the status.
async fn start_echo(
    request: &Metadata,
    responses: &mut Sender<StreamingOutputCallResponse>,
) -> Result<(), Status> {
    responses.set_compressed(true);
    let (initial, trailing) = echo_metadata(request);
    if !trailing.is_empty() {
        responses.set_trailers(trailing).await?;
    }
    if !initial.is_empty() {
        responses.send_headers(initial).await?;
    }
    Ok(())
}

/// CompressedRequest: a message marked `expect_compressed: true` must have arrived compressed.
fn check_compressed(expected: Option<bool>, compressed: bool) -> Result<(), Status> {
    if expected == Some(true) && !compressed {
        return Err(Status::invalid_argument(
            "expect_compressed is true but the request was not compressed",
        ));
    }
    Ok(())
}

/// Echo Status: `Err` with the requested status, unless there is none or it is OK.
fn echo_status(requested: Option<&EchoStatus>) -> Result<(), Status> {
    match requested {
        Some(echo) if echo.code != 0 => Err(Status::new(
            Code::from_i32(echo.code),
            echo.message.to_string(),
        )),
        _ => Ok(()),
    }
}

/// A payload of `size` zeros of type `response_type`.
fn payload(response_type: i32, size: i32) -> Result<Payload, Status> {
    if response_type != COMPRESSABLE {
        return Err(Status::invalid_argument(format!(
            "unsupported response_type {response_type}: only COMPRESSABLE (0)"
        )));
    }
    if size < 0 {
        return Err(Status::invalid_argument(format!(
            "negative response size {size}"
        )));
    }
    if size > MAX_PAYLOAD {
        return Err(Status::resource_exhausted(format!(
            "response size {size} is over the server's {MAX_PAYLOAD} bytes"
        )));
    }
    Ok(Payload::zeros(size))
}

fn wants_compression(parameters: &ResponseParameters) -> bool {
    parameters.compressed.as_ref().is_some_and(|c| c.value)
}

/// The responses one request asks for, each after its interval, compressed or not as it says.
async fn respond(
    request: &StreamingOutputCallRequest,
    responses: &mut Sender<StreamingOutputCallResponse>,
) -> Result<(), Status> {
    for parameters in &request.response_parameters {
        let interval = Duration::from_micros(u64::try_from(parameters.interval_us).unwrap_or(0));
        if !interval.is_zero() {
            tokio::time::sleep(interval.min(MAX_INTERVAL)).await;
        }
        let response = StreamingOutputCallResponse {
            payload: Some(payload(request.response_type, parameters.size)?),
        };
        if wants_compression(parameters) {
            responses.send(&response).await?;
        } else {
            responses.send_uncompressed(&response).await?;
        }
    }
    Ok(())
}
