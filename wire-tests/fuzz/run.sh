#!/usr/bin/env bash
# Runs each fuzz target of h2grpc for a bounded time (cargo-fuzz, libFuzzer):
#
#   wire-tests/fuzz/run.sh [SECONDS]      # SECONDS per target, 30 by default
#
# Not part of wire-tests/run.sh (CI time is limited). Needs the nightly toolchain (the fuzz
# crate alone; h2grpc itself builds on stable) and installs cargo-fuzz if it is missing.
#
# The targets (wire-tests/fuzz/fuzz_targets/, each file's doc says what it asserts):
#   deframer            framing::Deframer on a stream cut into arbitrary chunks
#   protobuf_typed      the hand-written messages: decode, re-encode, decode again
#   protobuf_dynamic    dynamic::DynamicMessage, its JSON, and inspect::explain's annotations
#   request_headers     Request-Headers (server), response headers and trailers (client),
#                       grpc-timeout, grpc-message, -bin metadata
#   server_connection   Server::serve_connection with every service, arbitrary bytes in
#   inspect_connection  the inspector's Connection, both directions, rendered as text and JSON
#
# The seeds are wire-tests/fuzz/corpus/<target>/ (a few small files, committed). libFuzzer reads
# them but writes the inputs it finds to a temporary directory, dropped afterwards, so the
# repository keeps only the seeds. No sanitizer (`-s none`): h2grpc forbids unsafe code, and
# the fuzzer then runs about twice as fast; overflow checks and debug assertions stay on.
#
# A target that panics, aborts or hangs (10 s on one input) leaves its input under
# wire-tests/fuzz/artifacts/<target>/; the script then exits non-zero and prints the paths.
# Reproduce with `cargo +nightly fuzz run --fuzz-dir wire-tests/fuzz -s none TARGET PATH`,
# shrink with `cargo +nightly fuzz tmin ...`, and add the bytes as a regression test in the
# normal test suite.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-30}
targets=(deframer protobuf_typed protobuf_dynamic request_headers server_connection inspect_connection)
fuzz=(cargo +nightly fuzz)

if ! "${fuzz[@]}" --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz
fi

echo "== building the fuzz targets"
"${fuzz[@]}" build --fuzz-dir wire-tests/fuzz -s none

# Artifacts newer than this file are this run's.
started=$(mktemp)
trap 'rm -f "$started"' EXIT
failed=()
for target in "${targets[@]}"; do
    echo "== $target: ${seconds} s"
    scratch=$(mktemp -d)
    if ! "${fuzz[@]}" run --fuzz-dir wire-tests/fuzz -s none "$target" \
        "$scratch" "wire-tests/fuzz/corpus/$target" \
        -- -max_total_time="$seconds" -timeout=10 -print_final_stats=1; then
        failed+=("$target")
    fi
    rm -rf "$scratch"
done

if ((${#failed[@]})); then
    echo "== crashes in: ${failed[*]}"
    for target in "${failed[@]}"; do
        find "wire-tests/fuzz/artifacts/$target" -type f -newer "$started" -print 2>/dev/null || true
    done
    exit 1
fi
echo "== no crash in ${#targets[@]} targets, ${seconds} s each"
