# finance_client.py of the grpcio tutorial (src/services/mod.rs names the tutorials), unchanged
# apart from the target: argv[1] (default the tutorial's).
import sys

import grpc
import finance_pb2
import finance_pb2_grpc

TARGET = sys.argv[1] if len(sys.argv) > 1 else 'localhost:50051'

def run():
    with grpc.insecure_channel(TARGET) as channel:
        stub = finance_pb2_grpc.CurrencyConverterStub(channel)

        # 1. Unary call
        reply = stub.Convert(finance_pb2.ConvertRequest(
            from_currency='USD', to_currency='EUR', amount=100.0
        ))
        print(f"Unary: $100 USD = €{reply.converted_amount:.2f} EUR (rate: {reply.rate:.4f})")

        # 2. Server streaming: receive 5 rate updates then cancel
        watch_req = finance_pb2.WatchRequest(
            base_currency='USD',
            target_currencies=['EUR', 'GBP', 'JPY']
        )
        update_count = 0
        for update in stub.WatchRates(watch_req):
            print(f"Rate update: USD/{update.currency} = {update.rate:.4f}")
            update_count += 1
            if update_count >= 6:
                break

        # 3. Client streaming: send a batch of conversions
        def batch_requests():
            pairs = [('USD','EUR',100), ('USD','GBP',250), ('EUR','USD',80)]
            for frm, to, amt in pairs:
                yield finance_pb2.ConvertRequest(
                    from_currency=frm, to_currency=to, amount=amt
                )
        batch_reply = stub.BatchConvert(batch_requests())
        print(f"Batch: {batch_reply.count} conversions, total = {batch_reply.total_converted:.2f}")

        # 4. Bidirectional streaming
        def live_requests():
            for amount in [50, 100, 200]:
                yield finance_pb2.ConvertRequest(
                    from_currency='USD', to_currency='JPY', amount=amount
                )
        for reply in stub.LiveConvert(live_requests()):
            print(f"Live: ${reply.converted_amount:.2f} JPY at rate {reply.rate:.2f}")

if __name__ == '__main__':
    run()
