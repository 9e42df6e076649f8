# server.py of the grpcio tutorial ("gRPC Quick Example: Hello Service in 30 Lines"), unchanged
# apart from the address: argv[1] (default the tutorial's '[::]:50051'), and the bound port printed
# as `listening on <host>:<port>` (port 0 picks a free one) so a test knows where to connect.
import sys

import grpc
from concurrent import futures
import hello_pb2
import hello_pb2_grpc

class GreeterServicer(hello_pb2_grpc.GreeterServicer):
    def SayHello(self, request, context):
        return hello_pb2.HelloReply(message=f"Hello, {request.name}!")

addr = sys.argv[1] if len(sys.argv) > 1 else '[::]:50051'
server = grpc.server(futures.ThreadPoolExecutor(max_workers=10))
hello_pb2_grpc.add_GreeterServicer_to_server(GreeterServicer(), server)
port = server.add_insecure_port(addr)
server.start()
print(f"listening on {addr.rsplit(':', 1)[0]}:{port}", flush=True)
server.wait_for_termination()
