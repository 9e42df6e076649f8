# The client side of the grpcio tutorial's "Error Handling and Status Codes", unchanged apart
# from the target: argv[1] (default the tutorial's).
import sys

import grpc
import finance_pb2
import finance_pb2_grpc

TARGET = sys.argv[1] if len(sys.argv) > 1 else 'localhost:50051'

# Client side: catch RpcError
with grpc.insecure_channel(TARGET) as channel:
    stub = finance_pb2_grpc.CurrencyConverterStub(channel)
    try:
        reply = stub.Convert(finance_pb2.ConvertRequest(
            from_currency='BTC', to_currency='EUR', amount=1.0
        ))
    except grpc.RpcError as e:
        print(f"gRPC error: {e.code()} — {e.details()}")
        # Output: gRPC error: StatusCode.INVALID_ARGUMENT — Unsupported currency: BTC
