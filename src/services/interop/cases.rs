//! The interop client's test cases
//! ([interop-test-descriptions.md, "Client"](https://github.com/grpc/grpc/blob/master/doc/interop-test-descriptions.md#client)):
//! each makes its calls and checks every assertion the document lists, failing with a sentence
//! that says which one broke.
//!
//! `h2grpc interop-client --test_case NAME` runs one; [`run`] is the same from Rust. The sizes
//! are the document's (314159 and 271828, 27182, 8, 1828, 45904, ...), so that any
//! implementation's interop server can be the other side.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;

use super::client::TestServiceClient;
use super::messages::{
    BoolValue, COMPRESSABLE, EchoStatus, Empty, Payload, ResponseParameters, STREAMING_INPUT_CALL,
    SimpleRequest, SimpleResponse, StreamingInputCallRequest, StreamingInputCallResponse,
    StreamingOutputCallRequest, StreamingOutputCallResponse,
};
use super::server::{ECHO_INITIAL, ECHO_TRAILING_BIN};
use crate::compression::Encoding;
use crate::metadata::Metadata;
use crate::rpc::{Request, Streaming};
use crate::status::{Code, Status};

/// Every case h2grpc's interop client runs, in the document's order.
pub const CASES: [&str; 18] = [
    "empty_unary",
    "large_unary",
    "client_compressed_unary",
    "server_compressed_unary",
    "client_streaming",
    "client_compressed_streaming",
    "server_streaming",
    "server_compressed_streaming",
    "ping_pong",
    "empty_stream",
    "custom_metadata",
    "status_code_and_message",
    "special_status_message",
    "unimplemented_method",
    "unimplemented_service",
    "cancel_after_begin",
    "cancel_after_first_response",
    "timeout_on_sleeping_server",
];

/// The compression the compressed cases send with: gzip, which every implementation supports.
pub const CASE_ENCODING: Encoding = Encoding::Gzip;

/// Why a case failed: a sentence naming what was expected and what came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

type Outcome = Result<(), Failure>;

/// Fails with `what` unless `condition`.
fn ensure(condition: bool, what: impl FnOnce() -> String) -> Outcome {
    if condition {
        Ok(())
    } else {
        Err(Failure(what()))
    }
}

/// A call that should have succeeded: its status as the failure.
fn call<T>(what: &str, result: Result<T, Status>) -> Result<T, Failure> {
    result.map_err(|status| Failure(format!("{what} failed: {status}")))
}

/// A call that should have failed with `code` (and `message`, if given).
fn expect_status<T>(
    what: &str,
    result: Result<T, Status>,
    code: Code,
    message: Option<&str>,
) -> Outcome {
    match result {
        Ok(_) => Err(Failure(format!(
            "{what} succeeded but should have failed with {}",
            code.as_str()
        ))),
        Err(status) if status.code() != code => Err(Failure(format!(
            "{what} failed with {status}, not with {}",
            code.as_str()
        ))),
        Err(status) => match message {
            Some(message) if status.message() != message => Err(Failure(format!(
                "{what}: the status message is {:?}, not {message:?}",
                status.message()
            ))),
            _ => Ok(()),
        },
    }
}

/// Runs the case `name` against the server behind `client`.
///
/// # Errors
/// The first assertion that failed, or an unknown case name.
pub async fn run(name: &str, client: &TestServiceClient) -> Outcome {
    match name {
        "empty_unary" => empty_unary(client).await,
        "large_unary" => large_unary(client).await,
        "client_compressed_unary" => client_compressed_unary(client).await,
        "server_compressed_unary" => server_compressed_unary(client).await,
        "client_streaming" => client_streaming(client).await,
        "client_compressed_streaming" => client_compressed_streaming(client).await,
        "server_streaming" => server_streaming(client).await,
        "server_compressed_streaming" => server_compressed_streaming(client).await,
        "ping_pong" => ping_pong(client).await,
        "empty_stream" => empty_stream(client).await,
        "custom_metadata" => custom_metadata(client).await,
        "status_code_and_message" => status_code_and_message(client).await,
        "special_status_message" => special_status_message(client).await,
        "unimplemented_method" => unimplemented_method(client).await,
        "unimplemented_service" => unimplemented_service(client).await,
        "cancel_after_begin" => cancel_after_begin(client).await,
        "cancel_after_first_response" => cancel_after_first_response(client).await,
        "timeout_on_sleeping_server" => timeout_on_sleeping_server(client).await,
        other => Err(Failure(format!(
            "unknown test case {other:?} (known: {})",
            CASES.join(", ")
        ))),
    }
}

// ===== Checks on payloads =====

/// The body of a response payload, checked to be `size` zeros of type COMPRESSABLE.
fn check_payload(what: &str, payload: Option<&Payload>, size: usize) -> Outcome {
    let Some(payload) = payload else {
        return ensure(size == 0, || {
            format!("{what}: no payload, expected {size} bytes")
        });
    };
    ensure(payload.r#type == COMPRESSABLE, || {
        format!("{what}: payload type {}, not COMPRESSABLE", payload.r#type)
    })?;
    ensure(payload.body.len() == size, || {
        format!(
            "{what}: payload of {} bytes, expected {size}",
            payload.body.len()
        )
    })?;
    ensure(payload.body.iter().all(|&b| b == 0), || {
        format!("{what}: the payload is not all zeros")
    })
}

/// `{response_size: 314159, payload: 271828 zeros}`: large_unary's request.
fn large_request() -> SimpleRequest {
    SimpleRequest {
        response_type: COMPRESSABLE,
        response_size: 314_159,
        payload: Some(Payload::zeros(271_828)),
        ..SimpleRequest::default()
    }
}

fn check_large(what: &str, response: &SimpleResponse) -> Outcome {
    check_payload(what, response.payload.as_ref(), 314_159)
}

/// A StreamingOutputCallRequest asking for one response per size in `sizes`, with a payload of
/// `payload` zeros (none if 0).
fn output_request(sizes: &[i32], payload: i32) -> StreamingOutputCallRequest {
    StreamingOutputCallRequest {
        response_type: COMPRESSABLE,
        response_parameters: sizes
            .iter()
            .map(|&size| ResponseParameters::size(size))
            .collect(),
        payload: (payload > 0).then(|| Payload::zeros(payload)),
        ..StreamingOutputCallRequest::default()
    }
}

/// Reads a response stream to its end; the responses, or the failure.
async fn read_all(
    what: &str,
    responses: &mut Streaming<StreamingOutputCallResponse>,
) -> Result<Vec<StreamingOutputCallResponse>, Failure> {
    let mut all = Vec::new();
    while let Some(response) = call(what, responses.message().await)? {
        all.push(response);
    }
    Ok(all)
}

fn size(response: &StreamingOutputCallResponse) -> usize {
    response.payload.as_ref().map_or(0, |p| p.body.len())
}

fn usize_of(size: i32) -> usize {
    usize::try_from(size).unwrap_or(0)
}

// ===== The cases =====

async fn empty_unary(client: &TestServiceClient) -> Outcome {
    let response = call("EmptyCall", client.empty_call(Request::new(Empty {})).await)?;
    ensure(response.get_ref() == &Empty {}, || {
        "EmptyCall: the response is not Empty".into()
    })
}

async fn large_unary(client: &TestServiceClient) -> Outcome {
    let response = call(
        "UnaryCall",
        client.unary_call(Request::new(large_request())).await,
    )?;
    check_large("UnaryCall", response.get_ref())
}

async fn client_compressed_unary(client: &TestServiceClient) -> Outcome {
    // ① The probe: expect_compressed, sent uncompressed: the server must notice.
    let probe = SimpleRequest {
        expect_compressed: BoolValue::some(true),
        ..large_request()
    };
    let uncompressed = Request::new(probe.clone()).with_compression(Encoding::Identity);
    expect_status(
        "UnaryCall with expect_compressed, sent uncompressed",
        client.unary_call(uncompressed).await,
        Code::InvalidArgument,
        None,
    )?;
    // ② The same, compressed.
    let compressed = Request::new(probe).with_compression(CASE_ENCODING);
    let response = call(
        "UnaryCall with expect_compressed, compressed",
        client.unary_call(compressed).await,
    )?;
    check_large("UnaryCall (compressed)", response.get_ref())?;
    // ③ expect_compressed false, uncompressed.
    let plain = SimpleRequest {
        expect_compressed: BoolValue::some(false),
        ..large_request()
    };
    let uncompressed = Request::new(plain).with_compression(Encoding::Identity);
    let response = call(
        "UnaryCall with expect_compressed false",
        client.unary_call(uncompressed).await,
    )?;
    check_large("UnaryCall (uncompressed)", response.get_ref())
}

async fn server_compressed_unary(client: &TestServiceClient) -> Outcome {
    for compress in [true, false] {
        let request = SimpleRequest {
            response_compressed: BoolValue::some(compress),
            ..large_request()
        };
        let what = format!("UnaryCall with response_compressed {compress}");
        let response = call(&what, client.unary_call(Request::new(request)).await)?;
        check_large(&what, response.get_ref())?;
        ensure(response.compressed() == Some(compress), || {
            format!(
                "{what}: the response's Compressed-Flag is {}",
                u8::from(response.compressed() == Some(true))
            )
        })?;
    }
    Ok(())
}

fn input(size: i32, expect_compressed: Option<bool>) -> StreamingInputCallRequest {
    StreamingInputCallRequest {
        payload: Some(Payload::zeros(size)),
        expect_compressed: expect_compressed.and_then(BoolValue::some),
    }
}

async fn client_streaming(client: &TestServiceClient) -> Outcome {
    let mut stream = call(
        "StreamingInputCall",
        client.streaming_input_call(Request::new(())).await,
    )?;
    for size in [27_182, 8, 1_828, 45_904] {
        call(
            "sending to StreamingInputCall",
            stream.send(&input(size, None)).await,
        )?;
    }
    let response = call("StreamingInputCall", stream.finish().await)?;
    check_aggregate(response.get_ref(), 74_922)
}

fn check_aggregate(response: &StreamingInputCallResponse, expected: i32) -> Outcome {
    ensure(response.aggregated_payload_size == expected, || {
        format!(
            "StreamingInputCall: aggregated_payload_size {}, expected {expected}",
            response.aggregated_payload_size
        )
    })
}

async fn client_compressed_streaming(client: &TestServiceClient) -> Outcome {
    // ① The probe: expect_compressed on an uncompressed message.
    let mut probe = call(
        "StreamingInputCall (probe)",
        client
            .streaming_input_call(Request::new(()).with_compression(Encoding::Identity))
            .await,
    )?;
    // The server may end the call as soon as it sees the message: a failed send is the same
    // outcome, which finish() reports.
    let _ = probe.send(&input(27_182, Some(true))).await;
    expect_status(
        "StreamingInputCall with expect_compressed, sent uncompressed",
        probe.finish().await,
        Code::InvalidArgument,
        None,
    )?;
    // ② A compressed message, then an uncompressed one.
    let mut stream = call(
        "StreamingInputCall (compressed)",
        client
            .streaming_input_call(Request::new(()).with_compression(CASE_ENCODING))
            .await,
    )?;
    call(
        "sending compressed",
        stream.send(&input(27_182, Some(true))).await,
    )?;
    call(
        "sending uncompressed",
        stream.send_uncompressed(&input(45_904, Some(false))).await,
    )?;
    let response = call("StreamingInputCall (compressed)", stream.finish().await)?;
    check_aggregate(response.get_ref(), 73_086)
}

async fn server_streaming(client: &TestServiceClient) -> Outcome {
    let sizes = [31_415, 9, 2_653, 58_979];
    let mut responses = call(
        "StreamingOutputCall",
        client
            .streaming_output_call(Request::new(output_request(&sizes, 0)))
            .await,
    )?;
    let all = read_all("StreamingOutputCall", &mut responses).await?;
    let got: Vec<usize> = all.iter().map(size).collect();
    let expected: Vec<usize> = sizes.iter().copied().map(usize_of).collect();
    ensure(got == expected, || {
        format!("StreamingOutputCall: response sizes {got:?}, expected {expected:?}")
    })?;
    for (i, response) in all.iter().enumerate() {
        check_payload(
            "StreamingOutputCall",
            response.payload.as_ref(),
            expected[i],
        )?;
    }
    Ok(())
}

async fn server_compressed_streaming(client: &TestServiceClient) -> Outcome {
    let request = StreamingOutputCallRequest {
        response_type: COMPRESSABLE,
        response_parameters: vec![
            ResponseParameters {
                size: 31_415,
                compressed: BoolValue::some(true),
                ..ResponseParameters::default()
            },
            ResponseParameters {
                size: 92_653,
                compressed: BoolValue::some(false),
                ..ResponseParameters::default()
            },
        ],
        ..StreamingOutputCallRequest::default()
    };
    let mut responses = call(
        "StreamingOutputCall",
        client.streaming_output_call(Request::new(request)).await,
    )?;
    for (expected_size, compressed) in [(31_415, true), (92_653, false)] {
        let response = call("StreamingOutputCall", responses.message().await)?;
        let Some(response) = response else {
            return Err(Failure(
                "StreamingOutputCall: 2 responses expected, the stream ended early".into(),
            ));
        };
        check_payload(
            "StreamingOutputCall",
            response.payload.as_ref(),
            expected_size,
        )?;
        ensure(responses.last_compressed() == compressed, || {
            format!(
                "StreamingOutputCall: the {expected_size}-byte response has Compressed-Flag {}, \
                 expected {}",
                u8::from(responses.last_compressed()),
                u8::from(compressed)
            )
        })?;
    }
    let rest = read_all("StreamingOutputCall", &mut responses).await?;
    ensure(rest.is_empty(), || {
        format!(
            "StreamingOutputCall: {} responses more than the 2 asked",
            rest.len()
        )
    })
}

async fn ping_pong(client: &TestServiceClient) -> Outcome {
    let (mut requests, mut responses) = call(
        "FullDuplexCall",
        client.full_duplex_call(Request::new(())).await,
    )?;
    for (response_size, payload) in [(31_415, 27_182), (9, 8), (2_653, 1_828), (58_979, 45_904)] {
        call(
            "sending to FullDuplexCall",
            requests
                .send(&output_request(&[response_size], payload))
                .await,
        )?;
        let response = call("FullDuplexCall", responses.message().await)?;
        let Some(response) = response else {
            return Err(Failure(format!(
                "FullDuplexCall: the stream ended before the {response_size}-byte response"
            )));
        };
        check_payload(
            "FullDuplexCall",
            response.payload.as_ref(),
            usize_of(response_size),
        )?;
    }
    call("half-closing FullDuplexCall", requests.finish().await)?;
    let rest = read_all("FullDuplexCall", &mut responses).await?;
    ensure(rest.is_empty(), || {
        format!(
            "FullDuplexCall: {} responses more than the 4 asked",
            rest.len()
        )
    })
}

async fn empty_stream(client: &TestServiceClient) -> Outcome {
    let (mut requests, mut responses) = call(
        "FullDuplexCall",
        client.full_duplex_call(Request::new(())).await,
    )?;
    call("half-closing FullDuplexCall", requests.finish().await)?;
    let all = read_all("FullDuplexCall", &mut responses).await?;
    ensure(all.is_empty(), || {
        format!("FullDuplexCall: {} responses to no request", all.len())
    })
}

/// The value custom_metadata sends as `x-grpc-test-echo-initial`.
pub const INITIAL_VALUE: &str = "test_initial_metadata_value";
/// The value custom_metadata sends as `x-grpc-test-echo-trailing-bin`.
pub const TRAILING_VALUE: [u8; 3] = [0xab, 0xab, 0xab];

fn echo_request_metadata() -> Metadata {
    let mut metadata = Metadata::new();
    // Constant, valid keys and values.
    let _ = metadata.insert(ECHO_INITIAL, INITIAL_VALUE);
    let _ = metadata.insert_bin(ECHO_TRAILING_BIN, &TRAILING_VALUE);
    metadata
}

/// Exactly one echoed value in each place, equal to what was sent.
fn check_echo(what: &str, initial: &Metadata, trailing: Option<&Metadata>) -> Outcome {
    let values: Vec<&str> = initial.get_all(ECHO_INITIAL).collect();
    ensure(values == [INITIAL_VALUE], || {
        format!(
            "{what}: initial metadata {ECHO_INITIAL} is {values:?}, expected [{INITIAL_VALUE:?}]"
        )
    })?;
    let trailing: Vec<Bytes> = trailing
        .map(|t| t.get_all_bin(ECHO_TRAILING_BIN).flatten().collect())
        .unwrap_or_default();
    ensure(trailing == [Bytes::from_static(&TRAILING_VALUE)], || {
        format!(
            "{what}: trailing metadata {ECHO_TRAILING_BIN} is {trailing:02x?}, expected [ababab]"
        )
    })
}

async fn custom_metadata(client: &TestServiceClient) -> Outcome {
    // ① Unary.
    let mut request = Request::new(large_request());
    *request.metadata_mut() = echo_request_metadata();
    let response = call("UnaryCall with metadata", client.unary_call(request).await)?;
    check_large("UnaryCall with metadata", response.get_ref())?;
    check_echo("UnaryCall", response.metadata(), Some(response.trailers()))?;

    // ② Full duplex.
    let mut request = Request::new(());
    *request.metadata_mut() = echo_request_metadata();
    let (mut requests, mut responses) = call(
        "FullDuplexCall with metadata",
        client.full_duplex_call(request).await,
    )?;
    call(
        "sending to FullDuplexCall",
        requests.send(&output_request(&[314_159], 271_828)).await,
    )?;
    call("half-closing FullDuplexCall", requests.finish().await)?;
    let initial = call("FullDuplexCall headers", responses.headers().await)?.clone();
    let all = read_all("FullDuplexCall with metadata", &mut responses).await?;
    ensure(all.len() == 1, || {
        format!("FullDuplexCall: {} responses, expected 1", all.len())
    })?;
    check_payload("FullDuplexCall", all[0].payload.as_ref(), 314_159)?;
    check_echo("FullDuplexCall", &initial, responses.trailers())
}

fn echo_status(code: i32, message: &str) -> Option<EchoStatus> {
    Some(EchoStatus {
        code,
        message: message.into(),
    })
}

async fn status_code_and_message(client: &TestServiceClient) -> Outcome {
    const MESSAGE: &str = "test status message";
    let request = SimpleRequest {
        response_status: echo_status(2, MESSAGE),
        ..SimpleRequest::default()
    };
    expect_status(
        "UnaryCall with response_status",
        client.unary_call(Request::new(request)).await,
        Code::Unknown,
        Some(MESSAGE),
    )?;

    let (mut requests, mut responses) = call(
        "FullDuplexCall",
        client.full_duplex_call(Request::new(())).await,
    )?;
    let request = StreamingOutputCallRequest {
        response_status: echo_status(2, MESSAGE),
        ..StreamingOutputCallRequest::default()
    };
    // The server may end the call as soon as it reads the request: a failed send or
    // half-close is not the outcome, the status is.
    let _ = requests.send(&request).await;
    let _ = requests.finish().await;
    expect_status(
        "FullDuplexCall with response_status",
        drain(&mut responses).await,
        Code::Unknown,
        Some(MESSAGE),
    )
}

/// Reads a response stream to its end: how many responses came, or the status it ended with.
async fn drain(responses: &mut Streaming<StreamingOutputCallResponse>) -> Result<usize, Status> {
    let mut count = 0;
    while responses.message().await?.is_some() {
        count += 1;
    }
    Ok(count)
}

async fn special_status_message(client: &TestServiceClient) -> Outcome {
    const MESSAGE: &str =
        "\t\ntest with whitespace\r\nand Unicode BMP \u{263A} and non-BMP \u{1F608}\t\n";
    let request = SimpleRequest {
        response_status: echo_status(2, MESSAGE),
        ..SimpleRequest::default()
    };
    expect_status(
        "UnaryCall with a special status message",
        client.unary_call(Request::new(request)).await,
        Code::Unknown,
        Some(MESSAGE),
    )
}

async fn unimplemented_method(client: &TestServiceClient) -> Outcome {
    expect_status(
        "TestService/UnimplementedCall",
        client.unimplemented_call(Request::new(Empty {})).await,
        Code::Unimplemented,
        None,
    )
}

async fn unimplemented_service(client: &TestServiceClient) -> Outcome {
    expect_status(
        "UnimplementedService/UnimplementedCall",
        client
            .unimplemented_service_call(Request::new(Empty {}))
            .await,
        Code::Unimplemented,
        None,
    )
}

async fn cancel_after_begin(client: &TestServiceClient) -> Outcome {
    // The two halves of StreamingInputCall: dropping the sender cancels the call
    // (RST_STREAM(CANCEL)); the response side then reports CANCELLED.
    let (requests, mut response) = call(
        "StreamingInputCall",
        client
            .channel()
            .bidi_streaming::<StreamingInputCallRequest, StreamingInputCallResponse>(
                STREAMING_INPUT_CALL,
                Request::new(()),
            )
            .await,
    )?;
    drop(requests);
    expect_status(
        "StreamingInputCall cancelled after it began",
        response.message().await,
        Code::Cancelled,
        None,
    )
}

async fn cancel_after_first_response(client: &TestServiceClient) -> Outcome {
    let (mut requests, mut responses) = call(
        "FullDuplexCall",
        client.full_duplex_call(Request::new(())).await,
    )?;
    call(
        "sending to FullDuplexCall",
        requests.send(&output_request(&[31_415], 27_182)).await,
    )?;
    let first = call("FullDuplexCall", responses.message().await)?;
    let Some(first) = first else {
        return Err(Failure("FullDuplexCall: no first response".into()));
    };
    check_payload("FullDuplexCall", first.payload.as_ref(), 31_415)?;
    drop(requests);
    expect_status(
        "FullDuplexCall cancelled after its first response",
        responses.message().await,
        Code::Cancelled,
        None,
    )
}

async fn timeout_on_sleeping_server(client: &TestServiceClient) -> Outcome {
    let request = Request::new(()).with_timeout(Duration::from_millis(1));
    // The deadline may pass while the call starts, while it sends or while it waits: each is
    // DEADLINE_EXCEEDED (grpc-go accepts it on send or receive).
    let outcome = async {
        let (mut requests, mut responses) = client.full_duplex_call(request).await?;
        requests.send(&output_request(&[], 27_182)).await?;
        responses.message().await
    }
    .await;
    expect_status(
        "FullDuplexCall with a 1 ms deadline",
        outcome,
        Code::DeadlineExceeded,
        None,
    )
}
