# A hello.Greeter for the probes of the h2grpc client (wire-tests/python_interop.rs) that the
# tutorials' servers cannot answer: it echoes request metadata and honours a requested delay.
#
#   SayHello             "Hello, {name}!"; every request metadata entry whose key starts with
#                        `x-` is sent back in the initial metadata and again in the trailing
#                        metadata, and `x-time-remaining` (trailing) tells whether the call had a
#                        deadline (`none`) or how many whole seconds were left of it
#   SayHelloAgain        sleeps `x-sleep-seconds` (metadata) first, waking early if the call ends;
#                        prints `SayHelloAgain: active=<bool> remaining=<s>` when done
#   SayHelloStreamReply  as SayHello's metadata, and three replies "#1".."#3"; a name of `fail`
#                        ends it after the first with ABORTED "as asked", with the trailers set
#
# The address is argv[1], the bound port printed as `listening on <host>:<port>`.
import sys
import time
from concurrent import futures

import grpc
import hello_pb2
import hello_pb2_grpc


def echoed(context):
    return tuple((k, v) for k, v in context.invocation_metadata() if k.startswith("x-"))


def remaining(context):
    # Without a deadline grpcio reports the seconds to its infinite future (about 9.2e18).
    left = context.time_remaining()
    return "none" if left is None or left > 1e9 else str(int(left))


class Greeter(hello_pb2_grpc.GreeterServicer):
    def SayHello(self, request, context):
        context.send_initial_metadata(echoed(context))
        context.set_trailing_metadata(echoed(context) + (("x-time-remaining", remaining(context)),))
        return hello_pb2.HelloReply(message=f"Hello, {request.name}!")

    def SayHelloAgain(self, request, context):
        delay = float(dict(context.invocation_metadata()).get("x-sleep-seconds", "0"))
        end = time.monotonic() + delay
        while time.monotonic() < end and context.is_active():
            time.sleep(0.02)
        left = context.time_remaining()
        print(f"SayHelloAgain: active={context.is_active()} remaining={left}", flush=True)
        return hello_pb2.HelloReply(message=f"Hello again, {request.name}!")

    def SayHelloStreamReply(self, request, context):
        context.send_initial_metadata(echoed(context))
        context.set_trailing_metadata(echoed(context))
        for n in range(1, 4):
            yield hello_pb2.HelloReply(message=f"Hello, {request.name}! #{n}")
            if request.name == "fail":
                context.abort(grpc.StatusCode.ABORTED, "as asked")


server = grpc.server(futures.ThreadPoolExecutor(max_workers=10))
hello_pb2_grpc.add_GreeterServicer_to_server(Greeter(), server)
addr = sys.argv[1] if len(sys.argv) > 1 else "[::]:50051"
port = server.add_insecure_port(addr)
server.start()
print(f"listening on {addr.rsplit(':', 1)[0]}:{port}", flush=True)
server.wait_for_termination()
