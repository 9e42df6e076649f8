# finance_server.py of the grpcio tutorial, with the Convert of its "Error Handling and Status
# Codes" section (context.abort with INVALID_ARGUMENT / OUT_OF_RANGE) in place of the first Convert.
# Unchanged otherwise, the one-second sleep of WatchRates included, apart from the address:
# argv[1] (default the tutorial's '[::]:50051'), the bound port printed as
# `listening on <host>:<port>`.
import grpc
import sys
import time
import random
from concurrent import futures
import finance_pb2
import finance_pb2_grpc

# Simulated exchange rates
RATES = {
    ('USD', 'EUR'): 0.92, ('USD', 'GBP'): 0.79, ('USD', 'JPY'): 149.5,
    ('EUR', 'USD'): 1.09, ('GBP', 'USD'): 1.27, ('JPY', 'USD'): 0.0067,
}

def get_rate(frm, to):
    if frm == to:
        return 1.0
    return RATES.get((frm, to), 1.0) * (1 + random.uniform(-0.002, 0.002))

class CurrencyConverterServicer(finance_pb2_grpc.CurrencyConverterServicer):

    # --- Unary RPC, with the tutorial's error handling ---
    # Server side: abort with a status code
    def Convert(self, request, context):
        supported = {'USD', 'EUR', 'GBP', 'JPY'}
        if request.from_currency not in supported:
            context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"Unsupported currency: {request.from_currency}"
            )
        if request.amount <= 0:
            context.abort(
                grpc.StatusCode.OUT_OF_RANGE,
                f"Amount must be positive, got: {request.amount}"
            )
        rate = get_rate(request.from_currency, request.to_currency)
        return finance_pb2.ConvertReply(converted_amount=request.amount * rate, rate=rate)

    # --- Server Streaming RPC ---
    def WatchRates(self, request, context):
        """Stream rate updates every second until client cancels."""
        while not context.is_active() is False:
            for target in request.target_currencies:
                rate = get_rate(request.base_currency, target)
                yield finance_pb2.RateUpdate(currency=target, rate=rate)
            time.sleep(1.0)
            if not context.is_active():
                break

    # --- Client Streaming RPC ---
    def BatchConvert(self, request_iterator, context):
        total = 0.0
        count = 0
        for req in request_iterator:
            rate = get_rate(req.from_currency, req.to_currency)
            total += req.amount * rate
            count += 1
        return finance_pb2.BatchReply(total_converted=total, count=count)

    # --- Bidirectional Streaming RPC ---
    def LiveConvert(self, request_iterator, context):
        for req in request_iterator:
            rate = get_rate(req.from_currency, req.to_currency)
            yield finance_pb2.ConvertReply(
                converted_amount=req.amount * rate,
                rate=rate,
                timestamp=str(time.time())
            )

def serve():
    addr = sys.argv[1] if len(sys.argv) > 1 else '[::]:50051'
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=10))
    finance_pb2_grpc.add_CurrencyConverterServicer_to_server(
        CurrencyConverterServicer(), server
    )
    port = server.add_insecure_port(addr)
    server.start()
    print(f"listening on {addr.rsplit(':', 1)[0]}:{port}", flush=True)
    server.wait_for_termination()

if __name__ == '__main__':
    serve()
