#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench_analyze.sh - how close `stampkit analyze --json` comes to the speed of reading the
# capture: a generated capture of >= 2,000,000 STAMP test packets in 1,000 sessions (with
# loss, duplicates and reordering), timed against a plain pcap_next_ex loop and against the
# tshark field export a user would write, in the same run; peak memory from /usr/bin/time -v;
# then the same sessions 10 times longer, to show that memory does not grow with packets.
# Prints figures only: timing never passes or fails anything.
#   bench/bench_analyze.sh [BUILD_DIR]   (default build; needs the tools and bench targets)
#   SESSIONS=1000 ROUNDS=1010 SCALE=10 TSHARK=1 KEEP=0 WORK=/tmp/...
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
stampkit=$build/tools/stampkit gen=$build/bench/bench_gen_capture loop=$build/bench/bench_pcap_loop
for b in "$stampkit" "$gen" "$loop"; do
	[ -x "$b" ] || { echo "bench_analyze: $b not built (cmake --build $build)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "bench_analyze: /usr/bin/time (Debian package time) is needed" >&2; exit 2; }
sessions=${SESSIONS:-1000} rounds=${ROUNDS:-1010} scale=${SCALE:-10}
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

cap=$work/bench.pcap
n=$("$gen" "$cap" "$sessions" "$rounds")
echo "capture: $n test packets, $sessions sessions x $rounds rounds, $(du -h "$cap" | cut -f1) ($cap)"
cat "$cap" >/dev/null # page cache: every reader below starts from memory

run loop "$loop" "$cap"; loop_s=$secs loop_rss=$rss
run analyze "$stampkit" analyze --json "$cap"; an_s=$secs an_rss=$rss
nsess=$(grep -o '"sender":' "$work/analyze.out" | wc -l)
printf '%-34s %8s s  %14s  peak RSS %8s KiB\n' "pcap_next_ex loop" "$loop_s" "$(pps "$n" "$loop_s")" "$loop_rss"
printf '%-34s %8s s  %14s  peak RSS %8s KiB  (%s sessions)\n' "stampkit analyze --json" "$an_s" "$(pps "$n" "$an_s")" "$an_rss" "$nsess"
echo "ratio analyze / pcap_next_ex loop (packets per second): $(ratio "$an_s" "$loop_s")   (aim: >= 0.5)"

if [ "${TSHARK:-1}" = 1 ] && command -v tshark >/dev/null 2>&1; then
	run tshark tshark -n -r "$cap" -d udp.port==862,twamp.test -T fields -E separator=, \
		-e frame.time_epoch -e ip.src -e udp.srcport -e ip.dst -e udp.dstport \
		-e twamp.test.seq_number -e twamp.test.timestamp -e twamp.test.receive_timestamp \
		-e twamp.test.sender_seq_number -e twamp.test.sender_timestamp
	ts_s=$secs ts_rss=$rss
	printf '%-34s %8s s  %14s  peak RSS %8s KiB\n' "tshark -T fields export" "$ts_s" "$(pps "$n" "$ts_s")" "$ts_rss"
	echo "ratio analyze / tshark field export (packets per second): $(ratio "$an_s" "$ts_s")"
else
	echo "tshark field export: skipped"
fi

if [ "$scale" -gt 1 ]; then
	rm -f "$cap"
	big=$work/bench-x$scale.pcap
	nb=$("$gen" "$big" "$sessions" $((rounds * scale)))
	cat "$big" >/dev/null
	run loop_big "$loop" "$big"; lb_s=$secs
	run analyze_big "$stampkit" analyze --json "$big"; ab_s=$secs ab_rss=$rss
	echo "x$scale: $nb test packets, $(du -h "$big" | cut -f1)"
	printf '%-34s %8s s  %14s\n' "pcap_next_ex loop" "$lb_s" "$(pps "$nb" "$lb_s")"
	printf '%-34s %8s s  %14s  peak RSS %8s KiB\n' "stampkit analyze --json" "$ab_s" "$(pps "$nb" "$ab_s")" "$ab_rss"
	echo "memory x$scale / x1: $(ratio "$an_rss" "$ab_rss")   (aim: <= 1.2)"
fi
