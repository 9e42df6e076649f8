# Interop probes beyond the tutorials' own clients, in the tutorials' style (generated stubs, a
# grpc.insecure_channel, grpc.RpcError): the status paths the services' module docs (src/services/)
# fix, metadata, deadlines, large messages, the auth interceptor, the streaming greetings.
#
#     python3 probe_client.py <target> <probe> [args...]
#
# Each probe prints one stable line per observation; the Rust tests (wire-tests/python_interop.rs)
# read them. A call that fails unexpectedly raises, so the script exits non-zero with the trace.
import sys

import grpc
import finance_pb2
import finance_pb2_grpc
import hello_pb2
import hello_pb2_grpc
import helloworld_pb2
import helloworld_pb2_grpc
import user_service_pb2 as users_pb2
import user_service_pb2_grpc as users_pb2_grpc


def outcome(call):
    """`OK <reply>` or `<CODE> <details>`, for one unary call."""
    try:
        return f"OK {call()}".strip()
    except grpc.RpcError as e:
        return f"{e.code().name} {e.details()}"


def md(pairs):
    """Metadata as a stable text: `key=value` pairs, sorted, bytes shown as hex."""
    shown = []
    for key, value in pairs or ():
        if isinstance(value, bytes):
            value = "0x" + value.hex()
        shown.append(f"{key}={value}")
    return "[" + ", ".join(sorted(shown)) + "]"


def statuses(channel):
    """Every status the services' module docs (src/services/) fix, and the generic ones
    (unknown method, size limit)."""
    finance = finance_pb2_grpc.CurrencyConverterStub(channel)
    users = users_pb2_grpc.UserServiceStub(channel)
    greeter = hello_pb2_grpc.GreeterStub(channel)

    def convert(frm, amount):
        request = finance_pb2.ConvertRequest(from_currency=frm, to_currency="EUR", amount=amount)
        return lambda: round(finance.Convert(request).rate, 2)

    print("convert BTC:", outcome(convert("BTC", 1.0)))
    print("convert -5:", outcome(convert("USD", -5.0)))
    print("convert 0:", outcome(convert("USD", 0.0)))
    print("convert 10:", outcome(convert("USD", 10.0)))

    def create(email):
        request = users_pb2.CreateUserRequest(name="Eve", email=email, age=40)
        return lambda: users.CreateUser(request).name

    print("create no-at:", outcome(create("eve.example.com")))
    print("create empty:", outcome(create("")))
    print("create ok:", outcome(create("eve@example.com")))

    def get(user_id):
        return lambda: users.GetUser(users_pb2.GetUserRequest(user_id=user_id)).name

    print("get nonexistent:", outcome(get("nonexistent")))
    print("get quote:", outcome(get("it's")))

    def bulk():
        requests = [users_pb2.CreateUserRequest(name="Bob", email="bob@example.com", age=25),
                    users_pb2.CreateUserRequest(name="Mallory", email="nope", age=25)]
        return users.BulkCreateUsers(iter(requests)).created_count

    print("bulk with a bad email:", outcome(bulk))
    listed = [u.name for u in users.ListUsers(users_pb2.ListUsersRequest(page_size=100))]
    print("listed after:", listed)

    print("batch empty:", outcome(lambda: finance.BatchConvert(iter(())).count))

    unknown_method = channel.unary_unary(
        "/hello.Greeter/SayGoodbye",
        request_serializer=hello_pb2.HelloRequest.SerializeToString,
        response_deserializer=hello_pb2.HelloReply.FromString)
    print("unknown method:", outcome(lambda: unknown_method(hello_pb2.HelloRequest(name="x"))))
    unknown_service = channel.unary_unary(
        "/nosuch.Service/Call",
        request_serializer=hello_pb2.HelloRequest.SerializeToString,
        response_deserializer=hello_pb2.HelloReply.FromString)
    print("unknown service:", outcome(lambda: unknown_service(hello_pb2.HelloRequest(name="x"))))

    big = hello_pb2.HelloRequest(name="x" * (5 * 1024 * 1024))
    print("5 MiB request:", outcome(lambda: len(greeter.SayHello(big).message)))
    # The connection is still good after the refused message.
    print("after:", outcome(lambda: greeter.SayHello(hello_pb2.HelloRequest(name="again")).message))


def streams(channel):
    """The greetings of both Greeter packages, every kind."""
    for package, pb2, pb2_grpc in (("hello", hello_pb2, hello_pb2_grpc),
                                   ("helloworld", helloworld_pb2, helloworld_pb2_grpc)):
        stub = pb2_grpc.GreeterStub(channel)
        request = pb2.HelloRequest(name="Ann")
        print(f"{package} SayHello: {stub.SayHello(request).message}")
        print(f"{package} SayHelloAgain: {stub.SayHelloAgain(request).message}")
        for reply in stub.SayHelloStreamReply(request):
            print(f"{package} SayHelloStreamReply: {reply.message}")
    stub = helloworld_pb2_grpc.GreeterStub(channel)
    names = (helloworld_pb2.HelloRequest(name=n) for n in ("Ann", "Ben", "Cy"))
    for reply in stub.SayHelloBidiStream(names):
        print(f"helloworld SayHelloBidiStream: {reply.message}")
    print("helloworld SayHelloBidiStream empty:",
          list(stub.SayHelloBidiStream(iter(()))))


def metadata(channel):
    """Custom ASCII and -bin metadata on a unary and a streaming call; what comes back."""
    users = users_pb2_grpc.UserServiceStub(channel)
    sent = [("ip", "127.0.0.1"), ("x-custom", "hello"), ("x-custom", "again"),
            ("x-trace-bin", b"\x00\x01\xfe\xff")]
    request = users_pb2.CreateUserRequest(name="Meta", email="meta@example.com", age=1)
    user, call = users.CreateUser.with_call(request, metadata=sent)
    print("unary reply:", user.name)
    print("unary initial:", md(call.initial_metadata()))
    print("unary trailing:", md(call.trailing_metadata()))
    print("unary code:", call.code().name)
    replies = users.ListUsers(users_pb2.ListUsersRequest(page_size=1), metadata=sent)
    print("streaming initial:", md(replies.initial_metadata()))
    print("streaming replies:", [u.name for u in replies])
    print("streaming trailing:", md(replies.trailing_metadata()))
    print("streaming code:", replies.code().name)


def timeout(channel, seconds):
    """WatchRates with `timeout=<seconds>`: the updates, then DEADLINE_EXCEEDED."""
    # Connected first (the users demo's channel_ready_future), so the deadline bounds the call only.
    grpc.channel_ready_future(channel).result(timeout=10)
    finance = finance_pb2_grpc.CurrencyConverterStub(channel)
    request = finance_pb2.WatchRequest(base_currency="USD", target_currencies=["EUR", "GBP"])
    count = 0
    try:
        for update in finance.WatchRates(request, timeout=float(seconds)):
            count += 1
        print("ended without error after", count)
    except grpc.RpcError as e:
        print("updates:", count)
        print("status:", e.code().name)


def large(channel):
    """A 1 MiB name, both ways."""
    greeter = hello_pb2_grpc.GreeterStub(channel)
    name = "x" * (1024 * 1024)
    reply = greeter.SayHello(hello_pb2.HelloRequest(name=name))
    print("reply length:", len(reply.message))
    print("reply is the greeting:", reply.message == f"Hello, {name}!")


def auth(channel, token):
    """The auth interceptor: no token, a wrong one, the right one."""
    greeter = hello_pb2_grpc.GreeterStub(channel)
    request = hello_pb2.HelloRequest(name="World")
    print("no token:", outcome(lambda: greeter.SayHello(request).message))
    wrong = [("authorization", "Bearer wrong")]
    print("wrong token:", outcome(lambda: greeter.SayHello(request, metadata=wrong).message))
    right = [("authorization", f"Bearer {token}")]
    print("right token:", outcome(lambda: greeter.SayHello(request, metadata=right).message))
    users = users_pb2_grpc.UserServiceStub(channel)
    listing = users.ListUsers(users_pb2.ListUsersRequest(), metadata=right)
    print("right token, streaming:", [u.name for u in listing])
    try:
        list(users.ListUsers(users_pb2.ListUsersRequest()))
        print("no token, streaming: OK")
    except grpc.RpcError as e:
        print(f"no token, streaming: {e.code().name} {e.details()}")


PROBES = {"statuses": statuses, "streams": streams, "metadata": metadata,
          "timeout": timeout, "large": large, "auth": auth}

if __name__ == "__main__":
    target, probe, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    with grpc.insecure_channel(target) as channel:
        PROBES[probe](channel, *args)
