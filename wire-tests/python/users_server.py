# The server of the users-service tutorial ("Implement the Server"), with the users demo's use
# of the request metadata: CreateUser prints `dict(context.invocation_metadata())`, one line on
# stdout. With `--auth`, the tutorial's AuthInterceptor is installed (it checks only that
# `authorization` starts with "Bearer ", as the tutorial's; its refusal needed one repair, see
# below). Unchanged otherwise,
# apart from the address: argv[1] (default the tutorial's port 50051), the bound port printed as
# `listening on <host>:<port>`.
import grpc
import sys
import time
import uuid
from concurrent import futures
import user_service_pb2 as pb2
import user_service_pb2_grpc as pb2_grpc

# In-memory store for this example
USERS: dict[str, pb2.User] = {}

class UserServiceServicer(pb2_grpc.UserServiceServicer):
    def GetUser(self, request, context):
        user = USERS.get(request.user_id)
        if not user:
            context.set_code(grpc.StatusCode.NOT_FOUND)
            context.set_details(f"User {request.user_id!r} not found")
            return pb2.User()
        return user

    def CreateUser(self, request, context):
        # The users demo: the metadata the client sent, printed.
        metadata = dict(context.invocation_metadata())
        print(metadata, flush=True)
        # Validation
        if not request.email or "@" not in request.email:
            context.set_code(grpc.StatusCode.INVALID_ARGUMENT)
            context.set_details("Invalid email address")
            return pb2.User()
        user = pb2.User(
            id=str(uuid.uuid4()),
            name=request.name,
            email=request.email,
            age=request.age,
            created_at=int(time.time()),
        )
        USERS[user.id] = user
        return user

    def ListUsers(self, request, context):
        """Server-side streaming: yields users one by one"""
        page_size = request.page_size or 10
        for i, user in enumerate(USERS.values()):
            if i >= page_size:
                break
            yield user  # Each yield sends one message to the client

    def BulkCreateUsers(self, request_iterator, context):
        """Client-side streaming: reads all requests, returns one response"""
        created = []
        for req in request_iterator:
            user = pb2.User(
                id=str(uuid.uuid4()),
                name=req.name,
                email=req.email,
                age=req.age,
                created_at=int(time.time()),
            )
            USERS[user.id] = user
            created.append(user.id)
        return pb2.BulkCreateResponse(
            created_count=len(created),
            user_ids=created,
        )

class AuthInterceptor(grpc.ServerInterceptor):
    def intercept_service(self, continuation, handler_call_details):
        metadata = dict(handler_call_details.invocation_metadata)
        token = metadata.get("authorization", "")
        if not token.startswith("Bearer "):
            def abort(request, context):
                context.set_code(grpc.StatusCode.UNAUTHENTICATED)
                context.set_details("Missing or invalid token")
                return pb2.User()
            # The tutorial passes `abort` alone; grpcio then cannot serialize the returned User
            # ("TypeError: Argument 'message' has incorrect type"), the call never completes,
            # and every client waits for its deadline. The serializer is the one repair.
            return grpc.unary_unary_rpc_method_handler(
                abort, response_serializer=pb2.User.SerializeToString)
        return continuation(handler_call_details)

def serve(addr: str = "[::]:50051", auth: bool = False):
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=10),
        options=[
            ("grpc.max_send_message_length", 10 * 1024 * 1024),  # 10 MB
            ("grpc.max_receive_message_length", 10 * 1024 * 1024),
        ],
        interceptors=[AuthInterceptor()] if auth else [],
    )
    pb2_grpc.add_UserServiceServicer_to_server(UserServiceServicer(), server)
    port = server.add_insecure_port(addr)
    server.start()
    print(f"listening on {addr.rsplit(':', 1)[0]}:{port}", flush=True)
    server.wait_for_termination()

if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--auth"]
    serve(args[0] if args else "[::]:50051", auth="--auth" in sys.argv[1:])
