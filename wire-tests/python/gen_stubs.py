"""Generates the Python stubs of proto/*.proto, as the tutorials do, into a cache directory.

    python3 gen_stubs.py <proto dir> <cache root>

prints the directory holding `<name>_pb2.py` and `<name>_pb2_grpc.py` for every file of the proto
dir: `<cache root>/stubs-<key>`, where the key hashes the .proto files, this script and the
versions of grpcio-tools and grpcio, so a changed proto or an upgraded generator gets fresh stubs
and an unchanged one reuses them. The stubs are written to a private directory first and renamed
into place, so concurrent test processes never see half a directory. Nothing generated is ever
committed: the tests run this (wire-tests/support/peers.rs).

It is also the tests' check that the Python peer is installed: it fails with ImportError when
grpcio or grpcio-tools is missing.
"""

import hashlib
import os
import shutil
import sys
import tempfile

from importlib.metadata import version

import grpc
from grpc_tools import protoc


def main():
    proto_dir, cache_root = sys.argv[1], sys.argv[2]
    protos = sorted(f for f in os.listdir(proto_dir) if f.endswith(".proto"))
    key = hashlib.sha256()
    key.update(grpc.__version__.encode())
    key.update(version("grpcio-tools").encode())
    with open(__file__, "rb") as me:
        key.update(me.read())
    for name in protos:
        key.update(name.encode())
        with open(os.path.join(proto_dir, name), "rb") as f:
            key.update(f.read())
    target = os.path.join(cache_root, "stubs-" + key.hexdigest()[:16])
    if not os.path.isdir(target):
        os.makedirs(cache_root, exist_ok=True)
        scratch = tempfile.mkdtemp(prefix="stubs-tmp-", dir=cache_root)
        # The tutorials' command: python -m grpc_tools.protoc -I. --python_out=. --grpc_python_out=.
        # (plus protoc's own include dir, for the well-known types).
        well_known = os.path.join(os.path.dirname(protoc.__file__), "_proto")
        args = ["grpc_tools.protoc", "-I" + proto_dir, "-I" + well_known,
                "--python_out=" + scratch, "--grpc_python_out=" + scratch]
        if protoc.main(args + [os.path.join(proto_dir, p) for p in protos]) != 0:
            shutil.rmtree(scratch, ignore_errors=True)
            sys.exit("grpc_tools.protoc failed")
        try:
            os.rename(scratch, target)
        except OSError:
            # Another process renamed its copy first: the same content, keep that one.
            shutil.rmtree(scratch, ignore_errors=True)
    print(target)


if __name__ == "__main__":
    main()
