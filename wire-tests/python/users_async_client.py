# "Async gRPC with asyncio" of the users-service tutorial, unchanged apart from the target,
# argv[1], and the email (the page shows its CDN's "[email protected]").
import sys

import grpc.aio
import asyncio
import user_service_pb2 as pb2
import user_service_pb2_grpc as pb2_grpc

TARGET = sys.argv[1] if len(sys.argv) > 1 else "localhost:50051"

async def async_demo():
    async with grpc.aio.insecure_channel(TARGET) as channel:
        stub = pb2_grpc.UserServiceStub(channel)
        user = await stub.CreateUser(pb2.CreateUserRequest(
            name="Dave",
            email="dave@example.com",
            age=28,
        ))
        print(f"Async created: {user.name}")
        # Async server streaming
        async for u in stub.ListUsers(pb2.ListUsersRequest(page_size=50)):
            print(f" {u.name}")

asyncio.run(async_demo())
