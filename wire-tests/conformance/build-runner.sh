#!/usr/bin/env bash
# Builds protobuf's conformance test runner, the program that drives `h2grpc conformance-testee`
# in wire-tests/conformance.rs. Called by wire-tests/setup.sh; runs alone as well:
#
#   bash wire-tests/conformance/build-runner.sh
#
# The runner is C++ and lives in protobuf's source tree (conformance/), next to the testees of
# protobuf's own languages. It is built here from Debian's source package of protobuf, the same
# version (3.21.12) as the libprotobuf-dev it links against, so the generated code and the library
# agree. Everything lands in target/conformance/ (git-ignored):
#
#   target/conformance/src/protobuf-<version>/     the unpacked source package
#   target/conformance/build/                      protoc's generated code and the object files
#   target/conformance/conformance_test_runner     the runner
#   target/conformance/protos/google/protobuf/test_messages_proto{2,3}.proto
#                                                  the messages under test, read by the testee
#
# Idempotent: each step is skipped when its result is already there, so a second run does nothing.
# The protos are protobuf's files: they are copied from the source at build time, never committed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# as_root and apt_install (sourcing setup.sh defines its functions without running its main).
# shellcheck source=../setup.sh
source "$HERE/../setup.sh"

ROOT=$(cd "$HERE/../.." && pwd)
OUT="$ROOT/target/conformance"
RUNNER="$OUT/conformance_test_runner"
PROTOS="$OUT/protos/google/protobuf"
DEB_SRC_LIST=/etc/apt/sources.list.d/h2grpc-deb-src.sources
# The runner's own sources, as conformance/Makefile.am lists them for conformance-test-runner:
# the suites, the pipe to the testee (conformance_test_runner.cc), main (conformance_test_main.cc)
# and the JSON parser the JSON tests compare with. Not the testees (conformance_cpp.cc,
# conformance_python.py, ...), which are programs of their own.
RUNNER_SOURCES=(
  conformance/conformance_test.cc
  conformance/conformance_test_runner.cc
  conformance/conformance_test_main.cc
  conformance/binary_json_conformance_suite.cc
  conformance/text_format_conformance_suite.cc
  conformance/third_party/jsoncpp/jsoncpp.cpp
)
# The messages: the protocol between runner and testee, and the two messages under test.
RUNNER_PROTOS=(
  conformance/conformance.proto
  src/google/protobuf/test_messages_proto2.proto
  src/google/protobuf/test_messages_proto3.proto
)

# deb-src entries for the suites the machine already installs from: a sources file of our own
# (deb822) that repeats each `Types: deb` stanza of /etc/apt/sources.list.d/*.sources with
# `Types: deb-src`. The existing files are left as they are.
enable_deb_src() {
  if [ -f "$DEB_SRC_LIST" ]; then
    return
  fi
  local stanzas
  stanzas=$(awk '
    function flush() {
      if (deb && !disabled && uris != "") {
        printf "%sTypes: deb-src\nURIs: %s\nSuites: %s\nComponents: %s\n", (n++ ? "\n" : ""), uris, suites, components
        if (signed != "") printf "Signed-By: %s\n", signed
      }
      deb = disabled = 0; uris = suites = components = signed = ""
    }
    FNR == 1 { flush() }
    /^[[:space:]]*$/ { flush(); next }
    /^#/ { next }
    /^Types:/ { deb = ($0 ~ /[[:space:]]deb([[:space:]]|$)/) }
    /^Enabled:[[:space:]]*[Nn]o/ { disabled = 1 }
    /^URIs:/ { sub(/^URIs:[[:space:]]*/, ""); uris = $0 }
    /^Suites:/ { sub(/^Suites:[[:space:]]*/, ""); suites = $0 }
    /^Components:/ { sub(/^Components:[[:space:]]*/, ""); components = $0 }
    /^Signed-By:/ { sub(/^Signed-By:[[:space:]]*/, ""); signed = $0 }
    END { flush() }
  ' /etc/apt/sources.list.d/*.sources)
  if [ -z "$stanzas" ]; then
    echo "build-runner: no 'Types: deb' stanza in /etc/apt/sources.list.d/*.sources to add deb-src for" >&2
    exit 1
  fi
  printf '# deb-src for the suites of the other files of this directory, added by h2grpc'"'"'s wire-tests/conformance/build-runner.sh\n%s\n' \
    "$stanzas" | as_root tee "$DEB_SRC_LIST" >/dev/null
  echo "conformance runner: deb-src enabled in $DEB_SRC_LIST"
  # The new entries need their own index; apt_install's update may already have run without them.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  APT_UPDATED=1
}

# The build's tools and library: dpkg-dev unpacks the source package, protoc generates the
# messages' C++, g++ compiles, libprotobuf-dev is the library and headers they link against.
install_build_deps() {
  local missing=()
  local package
  for package in dpkg-dev libprotobuf-dev protobuf-compiler g++; do
    if [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]; then
      missing+=("$package")
    fi
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
  fi
}

# The source of the installed libprotobuf-dev's version, unpacked (with Debian's patches) under
# target/conformance/src/.
fetch_source() {
  local version
  version=$(dpkg-query -W -f='${Version}' libprotobuf-dev)
  SRC=
  if [ -d "$OUT/src" ]; then
    SRC=$(find "$OUT/src" -mindepth 1 -maxdepth 1 -type d -name 'protobuf-*' -print -quit)
  fi
  if [ -n "$SRC" ] && [ -f "$SRC/conformance/conformance_test_runner.cc" ]; then
    return
  fi
  enable_deb_src
  rm -rf "$OUT/src"
  mkdir -p "$OUT/src"
  # The installed version if the archive still has it, else the archive's current one (for
  # bookworm, another Debian revision of 3.21.12).
  (cd "$OUT/src" && { apt-get source -q "protobuf=$version" || apt-get source -q protobuf; })
  SRC=$(find "$OUT/src" -mindepth 1 -maxdepth 1 -type d -name 'protobuf-*' -print -quit)
  echo "conformance runner: source of protobuf $version in $SRC"
}

# protoc's C++ for the messages, then one object file per source (an object newer than its
# source is kept), then the link against Debian's libprotobuf. One compiler at a time, -O1: the
# runner's speed hardly matters, and the machine is shared.
build_runner() {
  local build="$OUT/build"
  mkdir -p "$build/obj"
  local proto
  for proto in "${RUNNER_PROTOS[@]}"; do
    local dir=${proto%%/*}
    local generated="$build/${proto#*/}"
    generated="${generated%.proto}.pb.cc"
    if [ ! -f "$generated" ]; then
      (cd "$SRC" && protoc -I"$dir" --cpp_out="$build" "$proto")
    fi
  done
  local objects=()
  local source
  for source in "${RUNNER_SOURCES[@]/#/$SRC/}" \
    "$build/conformance.pb.cc" \
    "$build/google/protobuf/test_messages_proto2.pb.cc" \
    "$build/google/protobuf/test_messages_proto3.pb.cc"; do
    local object
    object="$build/obj/$(basename "${source%.*}").o"
    if [ ! "$object" -nt "$source" ]; then
      echo "conformance runner: compiling ${source#"$OUT"/}"
      # -I src: the runner uses protobuf's internal headers (stubs/stringprintf.h), which the
      # source tree has and libprotobuf-dev does not install; the library exports the functions.
      g++ -std=c++14 -O1 -w -I"$SRC/src" -I"$SRC/conformance" -I"$build" \
        -c "$source" -o "$object.tmp"
      mv "$object.tmp" "$object"
    fi
    objects+=("$object")
  done
  g++ -o "$RUNNER.tmp" "${objects[@]}" -lprotobuf -lpthread
  mv "$RUNNER.tmp" "$RUNNER"
}

# The messages the testee converts, where it reads them at run time.
copy_protos() {
  mkdir -p "$PROTOS"
  cp "$SRC/src/google/protobuf/test_messages_proto2.proto" \
    "$SRC/src/google/protobuf/test_messages_proto3.proto" "$PROTOS/"
}

main() {
  if [ -x "$RUNNER" ] && [ -f "$PROTOS/test_messages_proto2.proto" ] \
    && [ -f "$PROTOS/test_messages_proto3.proto" ]; then
    echo "conformance runner: already built ($RUNNER)"
    return
  fi
  install_build_deps
  fetch_source
  build_runner
  copy_protos
  echo "conformance runner: built ($RUNNER)"
}

main "$@"
