# greeter_server.py of the Python quickstart (grpc/examples/python/helloworld with
# SayHelloAgain), with the two streaming methods of our helloworld.proto written the same way:
# SayHelloStreamReply sends three greetings, "#1" to "#3", and SayHelloBidiStream one greeting
# per request, as src/services/hello.rs and helloworld.rs fix them. The address is argv[1]
# (default the example's port 50051), the bound port printed as `listening on <host>:<port>`.
import sys
from concurrent import futures
import logging

import grpc
import helloworld_pb2
import helloworld_pb2_grpc


class Greeter(helloworld_pb2_grpc.GreeterServicer):

    def SayHello(self, request, context):
        return helloworld_pb2.HelloReply(message=f"Hello, {request.name}!")

    def SayHelloAgain(self, request, context):
        return helloworld_pb2.HelloReply(message=f"Hello again, {request.name}!")

    def SayHelloStreamReply(self, request, context):
        for n in range(1, 4):
            yield helloworld_pb2.HelloReply(message=f"Hello, {request.name}! #{n}")

    def SayHelloBidiStream(self, request_iterator, context):
        for request in request_iterator:
            yield helloworld_pb2.HelloReply(message=f"Hello, {request.name}!")


def serve():
    addr = sys.argv[1] if len(sys.argv) > 1 else '[::]:50051'
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=10))
    helloworld_pb2_grpc.add_GreeterServicer_to_server(Greeter(), server)
    port = server.add_insecure_port(addr)
    server.start()
    print(f"listening on {addr.rsplit(':', 1)[0]}:{port}", flush=True)
    server.wait_for_termination()


if __name__ == '__main__':
    logging.basicConfig()
    serve()
