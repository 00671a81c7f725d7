#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Regenerates the expected output of `stampkit analyze` golden entries (tests/analyze/manifest.txt):
#   scripts/regen-analyze-golden.sh NAME...   or   scripts/regen-analyze-golden.sh --all
# Uses $STAMPKIT, else build/tools/stampkit. Review `git diff tests/analyze` before committing:
# a golden file is a claim that this output is right.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${STAMPKIT:-$here/build/tools/stampkit}
dir=$here/tests/analyze
[ -x "$bin" ] || { echo "regen-analyze-golden: $bin not found (set STAMPKIT)" >&2; exit 2; }
[ $# -ge 1 ] || { echo "usage: $0 NAME... | --all" >&2; exit 2; }

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }

regen() { # name captures options exit
	local name=$1 caps=$2 opts=$3 want=$4 input=/dev/null args=() c rc
	for c in $caps; do
		if [[ $c == stdin:* ]]; then input=$here/${c#stdin:}; args+=(-); else args+=("$c"); fi
	done
	rc=0
	# shellcheck disable=SC2086
	(cd "$here" && "$bin" analyze --csv "$dir/$name.csv" $opts "${args[@]}" <"$input" >"$dir/$name.txt" 2>/dev/null) || rc=$?
	[ "$rc" = "$want" ] || echo "regen-analyze-golden: $name: exit status $rc, manifest says $want" >&2
	rc=0
	# shellcheck disable=SC2086
	(cd "$here" && "$bin" analyze --json $opts "${args[@]}" <"$input" >"$dir/$name.json" 2>/dev/null) || rc=$?
	[ "$rc" = "$want" ] || echo "regen-analyze-golden: $name (json): exit status $rc, manifest says $want" >&2
	echo "regenerated $name"
}

found=0
while IFS='|' read -r name caps opts want; do
	name=$(trim "$name")
	[ -z "$name" ] || [[ $name == \#* ]] && continue
	caps=$(trim "$caps"); opts=$(trim "$opts"); want=$(trim "$want")
	if [ "$1" = --all ] || printf '%s\n' "$@" | grep -qx -- "$name"; then
		regen "$name" "$caps" "$opts" "$want"
		found=$((found + 1))
	fi
done <"$dir/manifest.txt"
[ "$found" -gt 0 ] || { echo "regen-analyze-golden: no such entry: $*" >&2; exit 2; }
