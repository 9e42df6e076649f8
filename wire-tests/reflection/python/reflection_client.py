"""grpcio's reflection client against an h2grpc server: an independent reader of the descriptors.

    python3 reflection_client.py 127.0.0.1:PORT

grpcio-reflection's ProtoReflectionDescriptorDatabase (grpc.reflection.v1alpha) feeds a
protobuf DescriptorPool, which builds and cross-checks every file it is given (types resolved,
json names, map entries). The script lists the services, loads each one with every message it
uses, then calls hello.Greeter/SayHello and helloworld.Greeter/SayHelloStreamReply with
messages made from the reflected descriptors alone. It prints one line per check and exits
non-zero on the first failure.
"""

import sys

import grpc
from google.protobuf import descriptor_pool
from google.protobuf.message_factory import GetMessageClass
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)


def main(address: str) -> None:
    channel = grpc.insecure_channel(address)
    database = ProtoReflectionDescriptorDatabase(channel)
    pool = descriptor_pool.DescriptorPool(database)

    services = sorted(database.get_services())
    print("services:", " ".join(services))
    for name in services:
        service = pool.FindServiceByName(name)
        for method in service.methods:
            kind = ("stream " if method.client_streaming else "") + method.input_type.full_name
            out = ("stream " if method.server_streaming else "") + method.output_type.full_name
            print(f"method: {method.full_name} ({kind}) returns ({out})")
            for message in (method.input_type, method.output_type):
                for field in message.fields:
                    print(f"field: {message.full_name}.{field.name} = {field.number} json={field.json_name}")

    request_class = GetMessageClass(pool.FindMessageTypeByName("hello.HelloRequest"))
    reply_class = GetMessageClass(pool.FindMessageTypeByName("hello.HelloReply"))
    say_hello = channel.unary_unary(
        "/hello.Greeter/SayHello",
        request_serializer=request_class.SerializeToString,
        response_deserializer=reply_class.FromString,
    )
    print("SayHello:", say_hello(request_class(name="reflection"), timeout=5).message)

    request_class = GetMessageClass(pool.FindMessageTypeByName("helloworld.HelloRequest"))
    reply_class = GetMessageClass(pool.FindMessageTypeByName("helloworld.HelloReply"))
    stream = channel.unary_stream(
        "/helloworld.Greeter/SayHelloStreamReply",
        request_serializer=request_class.SerializeToString,
        response_deserializer=reply_class.FromString,
    )
    for reply in stream(request_class(name="stream"), timeout=5):
        print("SayHelloStreamReply:", reply.message)

    status = pool.FindEnumTypeByName("grpc.health.v1.HealthCheckResponse.ServingStatus")
    print("enum:", status.full_name, " ".join(v.name for v in status.values))
    entry = pool.FindMessageTypeByName("grpc.health.v1.HealthListResponse.StatusesEntry")
    print("map entry:", entry.full_name, entry.GetOptions().map_entry)


if __name__ == "__main__":
    main(sys.argv[1])
