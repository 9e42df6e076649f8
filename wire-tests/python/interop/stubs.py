"""Imports the grpc.testing stubs generated from h2grpc's proto/grpc/testing/*.proto.

The tests generate them at run time (python -m grpc_tools.protoc -I proto ...) into a temporary
directory and pass it as INTEROP_STUBS. The generated modules import each other as
`grpc.testing.*_pb2`, a name inside the installed `grpc` package, so the directory's `grpc/` is
added to that package's search path instead of shadowing grpcio itself.
"""

import os
import sys

import grpc

_STUBS = os.environ.get("INTEROP_STUBS")
if not _STUBS:
    sys.exit("INTEROP_STUBS is not set: the directory of the generated grpc.testing stubs")
grpc.__path__.append(os.path.join(_STUBS, "grpc"))

from grpc.testing import empty_pb2, messages_pb2, test_pb2_grpc  # noqa: E402

__all__ = ["empty_pb2", "messages_pb2", "test_pb2_grpc"]
