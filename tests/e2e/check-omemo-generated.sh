#!/bin/sh
# The protobuf code shipped in subprojects/libomemo-c/generated/ (used when
# protoc-c is missing, as in the Flatpak) is exactly what protoc-c makes of
# the .proto files beside it. Skipped (77) without protoc-c.
#
#   check-omemo-generated.sh SRCDIR
set -eu

src=$1/subprojects/libomemo-c
command -v protoc-c >/dev/null 2>&1 || { echo "protoc-c is not installed"; exit 77; }
out=$(mktemp -d "${TMPDIR:-/tmp}/mimp-omemo-gen.XXXXXX")
trap 'rm -rf "$out"' EXIT
protoc-c --proto_path="$src/protobuf" --c_out="$out" "$src"/protobuf/*.proto
if diff -r "$out" "$src/generated"; then
  echo "subprojects/libomemo-c/generated/ is what $(protoc-c --version | head -n 1) makes"
else
  echo "subprojects/libomemo-c/generated/ differs: regenerate it with protoc-c" >&2
  exit 1
fi
