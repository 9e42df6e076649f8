#!/usr/bin/env bash
# The one test command (README): installs the peers the tests need, then runs every check.
#
#   wire-tests/run.sh
#
# On a fresh machine with only the Rust toolchain, Python 3.11 + pip and apt, this installs
# protoc (and, as they are added, the interop peers) through wire-tests/setup.sh. A peer that is
# missing makes its tests fail, never skip.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== setup: install test peers"
wire-tests/setup.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy -D warnings"
cargo clippy --all-targets -- -D warnings

echo "== cargo test (unit, wire-tests, alloc, benches as smoke tests)"
cargo test --all-targets

echo "== cargo test --doc"
cargo test --doc

echo "== cargo doc -D warnings"
RUSTDOCFLAGS=-Dwarnings cargo doc --no-deps

echo "== all checks passed"
