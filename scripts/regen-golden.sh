#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Regenerates the expected output of golden entries (tests/golden/manifest.txt):
#   scripts/regen-golden.sh NAME...   or   scripts/regen-golden.sh --all
# Uses $STAMPKIT, else build/tools/stampkit. Review the diff (git diff tests/golden) before
# committing: a golden file is a claim that this output is right.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${STAMPKIT:-$here/build/tools/stampkit}
manifest=$here/tests/golden/manifest.txt
[ -x "$bin" ] || { echo "regen-golden: $bin not found (build with -DSTAMPKIT_BUILD_TOOLS=ON or set STAMPKIT)" >&2; exit 2; }
[ $# -ge 1 ] || { echo "usage: $0 NAME... | --all" >&2; exit 2; }

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }

regen() { # name capture options exit
	local name=$1 cap=$2 opts=$3 want=$4 input=/dev/null arg
	# The capture relative to the source tree, as the JSON "files" member names it.
	if [[ $cap == stdin:* ]]; then input=$here/${cap#stdin:}; arg=-; else arg=$cap; fi
	local rc=0
	# shellcheck disable=SC2086
	(cd "$here" && "$bin" decode $opts "$arg" <"$input" >"$here/tests/golden/$name.txt" 2>/dev/null) || rc=$?
	[ "$rc" = "$want" ] || echo "regen-golden: $name: exit status $rc, manifest says $want" >&2
	rc=0
	# shellcheck disable=SC2086
	(cd "$here" && "$bin" decode --json $opts "$arg" <"$input" >"$here/tests/golden/$name.json" 2>/dev/null) || rc=$?
	[ "$rc" = "$want" ] || echo "regen-golden: $name (json): exit status $rc, manifest says $want" >&2
	echo "regenerated $name"
}

found=0
while IFS='|' read -r name cap opts want; do
	name=$(trim "$name")
	[ -z "$name" ] || [[ $name == \#* ]] && continue
	cap=$(trim "$cap"); opts=$(trim "$opts"); want=$(trim "$want")
	if [ "$1" = --all ] || printf '%s\n' "$@" | grep -qx -- "$name"; then
		regen "$name" "$cap" "$opts" "$want"
		found=$((found + 1))
	fi
done <"$manifest"
[ "$found" -gt 0 ] || { echo "regen-golden: no such entry: $*" >&2; exit 2; }
