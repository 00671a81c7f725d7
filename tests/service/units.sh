#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Checks the installed systemd units: `cmake --install` into a scratch root, then
#   verify:   `systemd-analyze verify` of each unit (any message at all is a failure: an
#             unknown or misspelt option is only a warning there), and its man page installed;
#   security: `systemd-analyze security --offline` exposure of each unit at most THRESHOLD.
# usage: tests/service/units.sh verify|security BUILD_DIR [THRESHOLD]
# Exit 77 (skipped) without systemd-analyze.
set -euo pipefail
mode=${1:?usage: units.sh verify|security BUILD_DIR [THRESHOLD]}
build=${2:?usage: units.sh verify|security BUILD_DIR [THRESHOLD]}
threshold=${3:-2.0}
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: systemd-analyze not found (Debian package systemd)"
	exit 77
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
DESTDIR=$root cmake --install "$build" >/dev/null
mapfile -t units < <(find "$root" -path '*/systemd/system/stampkit-*.service' | sort)
if [ "${#units[@]}" -ne 3 ]; then
	echo "FAIL: expected 3 installed units, found ${#units[@]}: ${units[*]}"
	exit 1
fi
# --root makes verify look for everything a unit names inside the scratch root: give it the
# host's own units (sysinit.target, ...) and the programs the units run besides stampkit.
mkdir -p "$root/usr/lib/systemd/system" "$root/usr/bin"
cp -an /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/"
[ -e "$root/bin" ] || ln -s usr/bin "$root/bin"
cp -n /usr/bin/kill "$root/usr/bin/kill"
fail=0
bin=$(find "$root" -path '*/bin/stampkit' -type f | head -n1)
case $mode in
verify)
	for u in "${units[@]}"; do
		name=$(basename "$u")
		out=$(systemd-analyze verify --man=no --root="$root" "$u" 2>&1) || true
		if [ -n "$out" ]; then
			echo "FAIL: $name: $out"
			fail=1
		else
			echo "ok: $name: systemd-analyze verify says nothing"
		fi
		# Documentation=man:stampkit-X(1) must be a page `cmake --install` put there. A
		# command this build does not have yet (the unit is ready for it) is reported only.
		cmd=${name#stampkit-}
		cmd=${cmd%.service}
		# Installed compressed (Debian policy), and it must decompress.
		page=$(find "$root" -path "*/man1/stampkit-$cmd.1.gz" | head -n1)
		if [ -n "$page" ] && gzip -t "$page"; then
			echo "ok: $name: man page $(basename "$page") installed"
		elif ! "$bin" "$cmd" --help >/dev/null 2>&1; then
			echo "note: $name: this build has no '$cmd' command; its man page is not checked"
		else
			echo "FAIL: $name: no valid man1/stampkit-$cmd.1.gz installed"
			fail=1
		fi
	done
	;;
security)
	for u in "${units[@]}"; do
		name=$(basename "$u")
		out=$(systemd-analyze security --offline=yes --root="$root" --no-pager "$u" 2>&1) || true
		score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
		if [ -z "$score" ]; then
			echo "FAIL: $name: no exposure level in: $out"
			fail=1
		elif awk -v s="$score" -v t="$threshold" 'BEGIN { exit !(s > t) }'; then
			printf '%s\n' "$out" | grep '✗' || true
			echo "FAIL: $name: exposure $score above $threshold"
			fail=1
		else
			echo "ok: $name: exposure $score (at most $threshold)"
		fi
	done
	;;
*)
	echo "usage: units.sh verify|security BUILD_DIR [THRESHOLD]" >&2
	exit 2
	;;
esac
exit $fail
