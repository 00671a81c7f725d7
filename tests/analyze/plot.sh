#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# plot.sh - `stampkit analyze --plot` draws an SVG and a PNG through gnuplot (skipped, status
# 77, when gnuplot is not installed); a bad file name is a usage error.
# usage: plot.sh STAMPKIT SRCDIR WORKDIR
bin=$1 src=$2 work=$3/plot
command -v gnuplot >/dev/null 2>&1 || { echo "gnuplot not installed: skipped"; exit 77; }
rm -rf "$work" && mkdir -p "$work" || exit 1
cap=$src/pcaps/synthetic/analyze-stateful-sender.pcap
fail=0
"$bin" analyze --plot "$work/p.svg" "$cap" >/dev/null || { echo "FAIL: --plot p.svg exit $?"; fail=1; }
grep -q '<svg' "$work/p.svg" 2>/dev/null && grep -q 'Session 1: 192.0.2.1:40001 -> 198.51.100.1:862: delay histogram' "$work/p.svg" ||
	{ echo "FAIL: p.svg is not the expected SVG"; fail=1; }
"$bin" analyze --plot "$work/p.png" "$cap" "$src/pcaps/synthetic/analyze-stateful-reflector.pcap" >/dev/null ||
	{ echo "FAIL: --plot p.png exit $?"; fail=1; }
[ "$(head -c 4 "$work/p.png" | od -An -c | tr -d ' ')" = "211PNG" ] || { echo "FAIL: p.png is not a PNG"; fail=1; }
"$bin" analyze --plot "$work/p.pdf" "$cap" >/dev/null 2>&1
[ $? = 2 ] || { echo "FAIL: --plot p.pdf is not a usage error"; fail=1; }
[ $fail = 0 ] && echo "plot: ok"
exit $fail
