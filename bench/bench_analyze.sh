#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench_analyze.sh - how close `stampkit analyze --json` comes to the speed of reading the
# capture, and what a session costs: generated captures of about 2,000,000 STAMP test
# packets (with loss, duplicates and reordering) in 1,000 sessions and in 100,000 sessions
# (and 1,000,000 with MILLION=1), each timed REPEAT times against a plain pcap_next_ex loop
# over the same file in the same run; peak memory from /usr/bin/time -v, memory per session
# = (peak RSS - peak RSS on a one-packet capture) / sessions; the number of sessions
# reported. Then tshark's field export for comparison, and the 1,000 sessions 10 times
# longer, to show that memory does not grow with packets. analyze runs as it does by default
# (its session stage in a second thread on two processors) and with STAMPKIT_ANALYZE_THREADS=1.
# Prints figures only (ranges over the runs): timing never passes or fails anything.
#   bench/bench_analyze.sh [BUILD_DIR]   (default build; needs the tools and bench targets)
#   REPEAT=3 MILLION=0 PACKETS=2000000 SCALE=10 TSHARK=1 KEEP=0 WORK=/tmp/...
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
stampkit=$build/tools/stampkit gen=$build/bench/bench_gen_capture loop=$build/bench/bench_pcap_loop
for b in "$stampkit" "$gen" "$loop"; do
	[ -x "$b" ] || { echo "bench_analyze: $b not built (cmake --build $build)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "bench_analyze: /usr/bin/time (Debian package time) is needed" >&2; exit 2; }
repeat=${REPEAT:-3} packets=${PACKETS:-2000000} scale=${SCALE:-10}
work=${WORK:-$(mktemp -d)}
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT

# run LABEL CMD...: wall seconds and peak RSS (KiB) of CMD into $secs / $rss.
run() {
	local label=$1; shift
	/usr/bin/time -v -o "$work/time.txt" "$@" >"$work/$label.out" 2>"$work/$label.err" || {
		echo "bench_analyze: $label failed:" >&2; cat "$work/$label.err" >&2; exit 1; }
	secs=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
		for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$work/time.txt")
	rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")
}
pps() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.2f M/s", n / s / 1e6; else print "(too fast to time)" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.3f", b / a; else print "n/a" }'; }
# range "1 2 3": "min-max" of the words
range() { echo "$1" | tr ' ' '\n' | grep . | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 }
	END { if (lo == hi) print lo; else print lo "-" hi }'; }

# Baseline: what analyze costs with nothing to analyze (the program, libraries, buffers).
"$gen" "$work/one.pcap" 1 1 >/dev/null
run base "$stampkit" analyze --json "$work/one.pcap"; base_rss=$rss
echo "analyze on a one-packet capture: peak RSS $base_rss KiB (subtracted below)"

# bench SESSIONS: about $packets packets in SESSIONS sessions, REPEAT runs of each reader.
bench() {
	local sessions=$1 rounds=$(( (packets + 2 * $1 - 1) / (2 * $1) ))
	local cap=$work/bench-$sessions.pcap
	n=$("$gen" "$cap" "$sessions" "$rounds")
	echo
	echo "== $sessions sessions x $rounds rounds: $n test packets, $(du -h "$cap" | cut -f1)"
	cat "$cap" >/dev/null # page cache: every reader below starts from memory
	local lt="" at="" rt="" rs="" ot="" ort="" i
	for i in $(seq "$repeat"); do
		run loop "$loop" "$cap"; local l=$secs
		run analyze "$stampkit" analyze --json "$cap"; local s=$secs
		lt="$lt $l" at="$at $s" rs="$rs $rss" rt="$rt $(ratio "$s" "$l")"
		run analyze1 env STAMPKIT_ANALYZE_THREADS=1 "$stampkit" analyze --json "$cap"
		ot="$ot $secs" ort="$ort $(ratio "$secs" "$l")"
	done
	local nsess lmin amin
	nsess=$(grep -o '"sender":' "$work/analyze.out" | wc -l)
	lmin=$(range "$lt" | cut -d- -f1) amin=$(range "$at" | cut -d- -f1)
	printf '%-26s %12s s  best %14s\n' "pcap_next_ex loop" "$(range "$lt")" "$(pps "$n" "$lmin")"
	printf '%-26s %12s s  best %14s  peak RSS %s KiB\n' "stampkit analyze --json" "$(range "$at")" \
		"$(pps "$n" "$amin")" "$(range "$rs")"
	echo "ratio analyze / pcap_next_ex loop (packets per second, per run): $(range "$rt")   (aim: >= 0.5)"
	printf '%-26s %12s s  ratio %s\n' "same, one thread" "$(range "$ot")" "$(range "$ort")"
	cmp -s "$work/analyze.out" "$work/analyze1.out" || echo "bench_analyze: one thread and two differ!" >&2
	echo "sessions reported: $nsess of $sessions"
	local hi
	hi=$(range "$rs" | awk -F- '{ print $NF }')
	echo "memory per session: $(awk -v r="$hi" -v b="$base_rss" -v s="$sessions" \
		'BEGIN { printf "%.2f KiB", (r - b) / s }')   (peak RSS $hi KiB; aim: <= $( \
		[ "$sessions" -le 1000 ] && echo "64 MiB in all" || echo "1 GiB in all"))"
	[ "${KEEP:-0}" = 1 ] || rm -f "$cap"
}

bench 1000
bench 100000
[ "${MILLION:-0}" = 1 ] && bench 1000000

if [ "${TSHARK:-1}" = 1 ] && command -v tshark >/dev/null 2>&1; then
	cap=$work/bench-tshark.pcap
	n=$("$gen" "$cap" 1000 1010)
	cat "$cap" >/dev/null
	run analyze "$stampkit" analyze --json "$cap"; an_s=$secs
	run tshark tshark -n -r "$cap" -d udp.port==862,twamp.test -T fields -E separator=, \
		-e frame.time_epoch -e ip.src -e udp.srcport -e ip.dst -e udp.dstport \
		-e twamp.test.seq_number -e twamp.test.timestamp -e twamp.test.receive_timestamp \
		-e twamp.test.sender_seq_number -e twamp.test.sender_timestamp
	echo
	printf '%-34s %8s s  %14s  peak RSS %8s KiB\n' "tshark -T fields export" "$secs" "$(pps "$n" "$secs")" "$rss"
	echo "ratio analyze / tshark field export (packets per second): $(ratio "$an_s" "$secs")"
	rm -f "$cap"
else
	echo "tshark field export: skipped"
fi

if [ "$scale" -gt 1 ]; then
	small=$work/bench-x1.pcap big=$work/bench-x$scale.pcap
	"$gen" "$small" 1000 1010 >/dev/null
	run analyze_small "$stampkit" analyze --json "$small"; as_rss=$rss
	rm -f "$small"
	nb=$("$gen" "$big" 1000 $((1010 * scale)))
	cat "$big" >/dev/null
	run loop_big "$loop" "$big"; lb_s=$secs
	run analyze_big "$stampkit" analyze --json "$big"; ab_s=$secs ab_rss=$rss
	echo
	echo "x$scale: $nb test packets in 1000 sessions, $(du -h "$big" | cut -f1)"
	printf '%-34s %8s s  %14s\n' "pcap_next_ex loop" "$lb_s" "$(pps "$nb" "$lb_s")"
	printf '%-34s %8s s  %14s  peak RSS %8s KiB\n' "stampkit analyze --json" "$ab_s" "$(pps "$nb" "$ab_s")" "$ab_rss"
	echo "memory x$scale / x1: $(ratio "$as_rss" "$ab_rss")   (aim: <= 1.2)"
fi
