"""A grpc.testing.TestService server on grpcio: the independent peer of h2grpc's interop client.

    INTEROP_STUBS=<dir> python3 server.py --port 0 [--host 127.0.0.1]

Prints `listening on <host>:<port>` once it serves, then serves until killed. It implements the
server features of interop-test-descriptions.md that grpcio's Python API can express: payload
sizes, echoed status and metadata, compressed responses (per call with set_compression, per
message with disable_next_message_compression) and interval_us. grpcio gives a handler no way
to see whether a request arrived compressed, so `expect_compressed` is not checked (grpc's own
Python interop server does not check it either).
"""

import argparse
import time
from concurrent import futures

import grpc

from stubs import empty_pb2, messages_pb2, test_pb2_grpc

ECHO_INITIAL = "x-grpc-test-echo-initial"
ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"


def status_code(number):
    for code in grpc.StatusCode:
        if code.value[0] == number:
            return code
    return grpc.StatusCode.UNKNOWN


def echo_metadata(context):
    initial, trailing = [], []
    for key, value in context.invocation_metadata():
        if key == ECHO_INITIAL:
            initial.append((key, value))
        elif key == ECHO_TRAILING:
            trailing.append((key, value))
    if initial:
        context.send_initial_metadata(initial)
    if trailing:
        context.set_trailing_metadata(trailing)


def payload(size):
    return messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=b"\0" * size)


def echo_status(request, context):
    """Ends the call with the requested status, if there is one; whether it did."""
    if request.HasField("response_status") and request.response_status.code != 0:
        context.set_code(status_code(request.response_status.code))
        context.set_details(request.response_status.message)
        return True
    return False


class TestService(test_pb2_grpc.TestServiceServicer):
    def EmptyCall(self, request, context):
        echo_metadata(context)
        return empty_pb2.Empty()

    def UnaryCall(self, request, context):
        echo_metadata(context)
        if echo_status(request, context):
            return messages_pb2.SimpleResponse()
        if request.response_compressed.value:
            context.set_compression(grpc.Compression.Gzip)
        else:
            context.set_compression(grpc.Compression.NoCompression)
        return messages_pb2.SimpleResponse(payload=payload(request.response_size))

    def _respond(self, request, context):
        for parameters in request.response_parameters:
            if parameters.interval_us > 0:
                time.sleep(parameters.interval_us / 1e6)
            if not parameters.compressed.value:
                context.disable_next_message_compression()
            yield messages_pb2.StreamingOutputCallResponse(payload=payload(parameters.size))

    def StreamingOutputCall(self, request, context):
        echo_metadata(context)
        context.set_compression(grpc.Compression.Gzip)
        yield from self._respond(request, context)
        echo_status(request, context)

    def StreamingInputCall(self, request_iterator, context):
        echo_metadata(context)
        total = sum(len(request.payload.body) for request in request_iterator)
        return messages_pb2.StreamingInputCallResponse(aggregated_payload_size=total)

    def FullDuplexCall(self, request_iterator, context):
        echo_metadata(context)
        context.set_compression(grpc.Compression.Gzip)
        for request in request_iterator:
            if echo_status(request, context):
                return
            yield from self._respond(request, context)

    def HalfDuplexCall(self, request_iterator, context):
        echo_metadata(context)
        context.set_compression(grpc.Compression.Gzip)
        for request in list(request_iterator):
            if echo_status(request, context):
                return
            yield from self._respond(request, context)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=10000)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    test_pb2_grpc.add_TestServiceServicer_to_server(TestService(), server)
    port = server.add_insecure_port(f"{args.host}:{args.port}")
    server.start()
    print(f"listening on {args.host}:{port}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
