# client.py of the grpcio tutorial (src/services/mod.rs names the tutorials), unchanged apart
# from the target: argv[1] (default the tutorial's).
import sys

import grpc
import hello_pb2
import hello_pb2_grpc

target = sys.argv[1] if len(sys.argv) > 1 else 'localhost:50051'

with grpc.insecure_channel(target) as channel:
    stub = hello_pb2_grpc.GreeterStub(channel)
    response = stub.SayHello(hello_pb2.HelloRequest(name="World"))
    print(f"Server replied: {response.message}")
