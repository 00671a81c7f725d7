#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs the built library into a temporary prefix, compiles docs/examples/stamp_example.c
# against it with pkg-config alone (as an embedder would), runs it and checks what it prints.
# usage: scripts/check-example.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: check-example.sh BUILD_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
pc=$(find "$tmp/prefix" -name stampkit.pc | head -n1)
[ -n "$pc" ] || { echo "stampkit.pc was not installed" >&2; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags stampkit) \
  "$here/docs/examples/stamp_example.c" -o "$tmp/stamp_example" $(pkg-config --libs stampkit)
libdir=$(pkg-config --variable=libdir stampkit)
out=$(LD_LIBRARY_PATH=$libdir "$tmp/stamp_example")
printf '%s\n' "$out"
# The example builds seq 7, SSID 0x1234, a Class of Service TLV (DSCP1 46) and 16 octets of
# Extra Padding; each must come back from the decoder.
for want in "seq 7" "ssid 0x1234" "tlv 4 Class of Service" "dscp1 46" "tlv 1 Extra Padding" "padding 16 octets"; do
  grep -qF -- "$want" <<<"$out" || { echo "example output lacks '$want'" >&2; exit 1; }
done
echo "example: built against the installed library and ran correctly"
