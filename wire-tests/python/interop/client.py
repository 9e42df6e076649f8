"""grpc.testing interop cases on grpcio: the independent peer of h2grpc's interop server.

    INTEROP_STUBS=<dir> python3 client.py --server_host 127.0.0.1 --server_port N \
        --test_case large_unary,ping_pong

`--test_case` takes one case, a comma-separated list, or `all`. Each case prints
`<case>: ok` or `<case>: FAILED: <why>`; the exit code is 1 if any failed. The cases and their
sizes are interop-test-descriptions.md's. Where grpcio's Python API cannot do what a case asks,
the case does what it can and says so: a Python client cannot see a response's Compressed-Flag
(the server_compressed_* cases check sizes only), nor turn compression off for one message of a
call (client_compressed_streaming sends both messages compressed).
"""

import argparse
import queue
import sys

import grpc

from stubs import empty_pb2, messages_pb2, test_pb2_grpc

ECHO_INITIAL = "x-grpc-test-echo-initial"
ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"
INITIAL_VALUE = "test_initial_metadata_value"
TRAILING_VALUE = b"\xab\xab\xab"


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)


def payload(size):
    return messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=b"\0" * size)


def check_payload(what, response, size):
    body = response.payload.body
    check(len(body) == size, f"{what}: payload of {len(body)} bytes, expected {size}")
    check(body == b"\0" * size, f"{what}: the payload is not all zeros")


def large_request(**fields):
    return messages_pb2.SimpleRequest(
        response_type=messages_pb2.COMPRESSABLE,
        response_size=314159,
        payload=payload(271828),
        **fields,
    )


def expect_error(what, code, call, details=None):
    try:
        result = call()
        if hasattr(result, "__iter__") and not isinstance(result, (bytes, str)):
            list(result)
    except grpc.RpcError as error:
        check(error.code() == code, f"{what}: failed with {error.code()}, not {code}")
        if details is not None:
            check(
                error.details() == details,
                f"{what}: details {error.details()!r}, not {details!r}",
            )
        return
    raise Failure(f"{what}: succeeded, but should have failed with {code}")


class Requests:
    """A request stream the case feeds one message at a time (for ping-pong calls)."""

    def __init__(self):
        self._queue = queue.Queue()

    def send(self, request):
        self._queue.put(request)

    def close(self):
        self._queue.put(None)

    def __iter__(self):
        while True:
            request = self._queue.get()
            if request is None:
                return
            yield request


def output_request(sizes, payload_size=0, **fields):
    return messages_pb2.StreamingOutputCallRequest(
        response_type=messages_pb2.COMPRESSABLE,
        response_parameters=[messages_pb2.ResponseParameters(size=s) for s in sizes],
        payload=payload(payload_size) if payload_size else None,
        **fields,
    )


def empty_unary(stub, _):
    response = stub.EmptyCall(empty_pb2.Empty())
    check(isinstance(response, empty_pb2.Empty), "EmptyCall: not an Empty")


def large_unary(stub, _):
    check_payload("UnaryCall", stub.UnaryCall(large_request()), 314159)


def client_compressed_unary(stub, _):
    probe = large_request(expect_compressed=messages_pb2.BoolValue(value=True))
    expect_error(
        "UnaryCall expecting compression, sent uncompressed",
        grpc.StatusCode.INVALID_ARGUMENT,
        lambda: stub.UnaryCall(probe),
    )
    response = stub.UnaryCall(probe, compression=grpc.Compression.Gzip)
    check_payload("UnaryCall (gzip)", response, 314159)
    plain = large_request(expect_compressed=messages_pb2.BoolValue(value=False))
    check_payload("UnaryCall (uncompressed)", stub.UnaryCall(plain), 314159)


def server_compressed_unary(stub, _):
    for compressed in (True, False):
        request = large_request(response_compressed=messages_pb2.BoolValue(value=compressed))
        check_payload(f"UnaryCall compressed={compressed}", stub.UnaryCall(request), 314159)


def client_streaming(stub, _):
    requests = [messages_pb2.StreamingInputCallRequest(payload=payload(s)) for s in (27182, 8, 1828, 45904)]
    response = stub.StreamingInputCall(iter(requests))
    check(
        response.aggregated_payload_size == 74922,
        f"StreamingInputCall: aggregated {response.aggregated_payload_size}, expected 74922",
    )


def client_compressed_streaming(stub, _):
    def request(size, expect):
        return messages_pb2.StreamingInputCallRequest(
            payload=payload(size), expect_compressed=messages_pb2.BoolValue(value=expect)
        )

    expect_error(
        "StreamingInputCall expecting compression, sent uncompressed",
        grpc.StatusCode.INVALID_ARGUMENT,
        lambda: stub.StreamingInputCall(iter([request(27182, True)])),
    )
    response = stub.StreamingInputCall(
        iter([request(27182, True), request(45904, False)]), compression=grpc.Compression.Gzip
    )
    check(
        response.aggregated_payload_size == 73086,
        f"StreamingInputCall: aggregated {response.aggregated_payload_size}, expected 73086",
    )


def server_streaming(stub, _):
    sizes = [31415, 9, 2653, 58979]
    responses = list(stub.StreamingOutputCall(output_request(sizes)))
    got = [len(r.payload.body) for r in responses]
    check(got == sizes, f"StreamingOutputCall: sizes {got}, expected {sizes}")


def server_compressed_streaming(stub, _):
    request = messages_pb2.StreamingOutputCallRequest(
        response_type=messages_pb2.COMPRESSABLE,
        response_parameters=[
            messages_pb2.ResponseParameters(size=31415, compressed=messages_pb2.BoolValue(value=True)),
            messages_pb2.ResponseParameters(size=92653, compressed=messages_pb2.BoolValue(value=False)),
        ],
    )
    got = [len(r.payload.body) for r in stub.StreamingOutputCall(request)]
    check(got == [31415, 92653], f"StreamingOutputCall: sizes {got}, expected [31415, 92653]")


def ping_pong(stub, _):
    requests = Requests()
    responses = stub.FullDuplexCall(iter(requests))
    for response_size, payload_size in ((31415, 27182), (9, 8), (2653, 1828), (58979, 45904)):
        requests.send(output_request([response_size], payload_size))
        check_payload("FullDuplexCall", next(responses), response_size)
    requests.close()
    rest = list(responses)
    check(not rest, f"FullDuplexCall: {len(rest)} responses more than asked")


def empty_stream(stub, _):
    responses = list(stub.FullDuplexCall(iter([])))
    check(not responses, f"FullDuplexCall: {len(responses)} responses to no request")


def check_echo(what, initial, trailing):
    initial = [v for k, v in initial if k == ECHO_INITIAL]
    trailing = [v for k, v in trailing if k == ECHO_TRAILING]
    check(initial == [INITIAL_VALUE], f"{what}: initial metadata {initial}")
    check(trailing == [TRAILING_VALUE], f"{what}: trailing metadata {trailing}")


def custom_metadata(stub, _):
    metadata = ((ECHO_INITIAL, INITIAL_VALUE), (ECHO_TRAILING, TRAILING_VALUE))
    response, call = stub.UnaryCall.with_call(large_request(), metadata=metadata)
    check_payload("UnaryCall", response, 314159)
    check_echo("UnaryCall", call.initial_metadata(), call.trailing_metadata())
    call = stub.FullDuplexCall(iter([output_request([314159], 271828)]), metadata=metadata)
    responses = list(call)
    check(len(responses) == 1, f"FullDuplexCall: {len(responses)} responses, expected 1")
    check_payload("FullDuplexCall", responses[0], 314159)
    check_echo("FullDuplexCall", call.initial_metadata(), call.trailing_metadata())


def status_code_and_message(stub, _):
    message = "test status message"
    status = messages_pb2.EchoStatus(code=2, message=message)
    expect_error(
        "UnaryCall with response_status",
        grpc.StatusCode.UNKNOWN,
        lambda: stub.UnaryCall(messages_pb2.SimpleRequest(response_status=status)),
        message,
    )
    expect_error(
        "FullDuplexCall with response_status",
        grpc.StatusCode.UNKNOWN,
        lambda: stub.FullDuplexCall(
            iter([messages_pb2.StreamingOutputCallRequest(response_status=status)])
        ),
        message,
    )


def special_status_message(stub, _):
    message = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
    status = messages_pb2.EchoStatus(code=2, message=message)
    expect_error(
        "UnaryCall with a special status message",
        grpc.StatusCode.UNKNOWN,
        lambda: stub.UnaryCall(messages_pb2.SimpleRequest(response_status=status)),
        message,
    )


def unimplemented_method(stub, _):
    expect_error(
        "TestService/UnimplementedCall",
        grpc.StatusCode.UNIMPLEMENTED,
        lambda: stub.UnimplementedCall(empty_pb2.Empty()),
    )


def unimplemented_service(_, channel):
    stub = test_pb2_grpc.UnimplementedServiceStub(channel)
    expect_error(
        "UnimplementedService/UnimplementedCall",
        grpc.StatusCode.UNIMPLEMENTED,
        lambda: stub.UnimplementedCall(empty_pb2.Empty()),
    )


def cancel_after_begin(stub, _):
    requests = Requests()
    future = stub.StreamingInputCall.future(iter(requests))
    future.cancel()
    check(future.cancelled(), "StreamingInputCall: not cancelled")
    check(future.code() == grpc.StatusCode.CANCELLED, f"StreamingInputCall: {future.code()}")


def cancel_after_first_response(stub, _):
    requests = Requests()
    responses = stub.FullDuplexCall(iter(requests))
    requests.send(output_request([31415], 27182))
    check_payload("FullDuplexCall", next(responses), 31415)
    responses.cancel()
    expect_error(
        "FullDuplexCall after cancel", grpc.StatusCode.CANCELLED, lambda: next(responses)
    )


def timeout_on_sleeping_server(stub, _):
    requests = Requests()
    responses = stub.FullDuplexCall(iter(requests), timeout=0.001)
    requests.send(messages_pb2.StreamingOutputCallRequest(payload=payload(27182)))
    expect_error(
        "FullDuplexCall with a 1 ms deadline",
        grpc.StatusCode.DEADLINE_EXCEEDED,
        lambda: next(responses),
    )
    requests.close()


CASES = {
    case.__name__: case
    for case in (
        empty_unary,
        large_unary,
        client_compressed_unary,
        server_compressed_unary,
        client_streaming,
        client_compressed_streaming,
        server_streaming,
        server_compressed_streaming,
        ping_pong,
        empty_stream,
        custom_metadata,
        status_code_and_message,
        special_status_message,
        unimplemented_method,
        unimplemented_service,
        cancel_after_begin,
        cancel_after_first_response,
        timeout_on_sleeping_server,
    )
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server_host", default="localhost")
    parser.add_argument("--server_port", type=int, default=10000)
    parser.add_argument("--test_case", default="large_unary")
    args = parser.parse_args()
    names = list(CASES) if args.test_case == "all" else args.test_case.split(",")
    unknown = [name for name in names if name not in CASES]
    if unknown:
        sys.exit(f"unknown test cases: {unknown}")
    failed = 0
    with grpc.insecure_channel(f"{args.server_host}:{args.server_port}") as channel:
        stub = test_pb2_grpc.TestServiceStub(channel)
        for name in names:
            try:
                CASES[name](stub, channel)
                print(f"{name}: ok", flush=True)
            except (Failure, grpc.RpcError, StopIteration) as error:
                failed += 1
                print(f"{name}: FAILED: {error!r}", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
