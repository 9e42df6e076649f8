# The client of the users-service tutorial ("Implement the Client"), with the users demo's metadata
# on CreateUser (`metadata=[('ip', ...)]`) and its per-call timeout on the streaming call
# (`timeout=30`). Unchanged otherwise apart from the target, argv[1], and two repairs of the page's
# text: the emails are real addresses (the page shows its CDN's "[email protected]"), and "\\n" is
# "\n" (the page doubled the backslash; the program meant a newline).
import sys

import grpc
import user_service_pb2 as pb2
import user_service_pb2_grpc as pb2_grpc

def get_channel(host: str = "localhost", port: int = 50051):
    # Use grpc.secure_channel() in production with TLS
    return grpc.insecure_channel(
        f"{host}:{port}",
        options=[("grpc.enable_retries", 1)],
    )

def demo(host: str = "localhost", port: int = 50051):
    with get_channel(host, port) as channel:
        stub = pb2_grpc.UserServiceStub(channel)

        # Unary RPC (with the users demo's metadata)
        metadata = [('ip', '127.0.0.1')]
        user = stub.CreateUser(pb2.CreateUserRequest(
            name="Alice",
            email="alice@example.com",
            age=30,
        ), metadata=metadata)
        print(f"Created: {user.id} — {user.name}")

        # Unary RPC with error handling
        try:
            stub.GetUser(pb2.GetUserRequest(user_id="nonexistent"))
        except grpc.RpcError as e:
            print(f"Error [{e.code()}]: {e.details()}")

        # Server-side streaming (with the users demo's client-side timeout)
        print("\nAll users:")
        for u in stub.ListUsers(pb2.ListUsersRequest(page_size=100), timeout=30):
            print(f" - {u.name} ({u.email})")

        # Client-side streaming
        def user_generator():
            for name, email in [("Bob", "bob@example.com"), ("Carol", "carol@example.com")]:
                yield pb2.CreateUserRequest(name=name, email=email, age=25)

        result = stub.BulkCreateUsers(user_generator())
        print(f"\nBulk created {result.created_count} users")

if __name__ == "__main__":
    host, port = (sys.argv[1] if len(sys.argv) > 1 else "localhost:50051").rsplit(":", 1)
    demo(host, int(port))
