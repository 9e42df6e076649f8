# greeter_client.py of the Python quickstart (grpc/examples/python/helloworld with
# SayHelloAgain), unchanged apart from the target: argv[1] (default the example's localhost:50051).
from __future__ import print_function

import logging
import sys

import grpc
import helloworld_pb2
import helloworld_pb2_grpc


def run():
    target = sys.argv[1] if len(sys.argv) > 1 else 'localhost:50051'
    print("Will try to greet world ...")
    with grpc.insecure_channel(target) as channel:
        stub = helloworld_pb2_grpc.GreeterStub(channel)
        response = stub.SayHello(helloworld_pb2.HelloRequest(name='you'))
        print("Greeter client received: " + response.message)
        response = stub.SayHelloAgain(helloworld_pb2.HelloRequest(name='you'))
        print("Greeter client received: " + response.message)


if __name__ == '__main__':
    logging.basicConfig()
    run()
