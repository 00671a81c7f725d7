#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# plot.sh - `stampkit analyze --plot` draws an SVG and a PNG through gnuplot (skipped, status
# 77, when gnuplot is not installed): sessions without any reply are drawn with their losses
# marked, the delay axis is in µs or ms as the data needs, standard error says how many
# sessions were drawn, a failing gnuplot leaves an existing output file untouched, and a bad
# file name is a usage error.
# usage: plot.sh STAMPKIT SRCDIR WORKDIR
bin=$1 src=$2 work=$3/plot
command -v gnuplot >/dev/null 2>&1 || { echo "gnuplot not installed: skipped"; exit 77; }
rm -rf "$work" && mkdir -p "$work" || exit 1
cap=$src/pcaps/synthetic/analyze-stateful-sender.pcap
fail=0
"$bin" analyze --plot "$work/p.svg" "$cap" >/dev/null 2>"$work/p.err" || { echo "FAIL: --plot p.svg exit $?"; fail=1; }
grep -q '<svg' "$work/p.svg" 2>/dev/null && grep -q 'Session 1: 192.0.2.1:40001 -> 198.51.100.1:862: delay histogram' "$work/p.svg" ||
	{ echo "FAIL: p.svg is not the expected SVG"; fail=1; }
grep -q 'drew 1 of 1 session into' "$work/p.err" || { echo "FAIL: p.svg: no 'drew 1 of 1 session'"; cat "$work/p.err"; fail=1; }
grep -q 'delay (ms' "$work/p.svg" && grep -q 'lost (4)' "$work/p.svg" ||
	{ echo "FAIL: p.svg: delays of 1.5 ms and more not in ms, or the 4 losses not marked"; fail=1; }
"$bin" analyze --plot "$work/p.png" "$cap" "$src/pcaps/synthetic/analyze-stateful-reflector.pcap" >/dev/null 2>&1 ||
	{ echo "FAIL: --plot p.png exit $?"; fail=1; }
[ "$(head -c 4 "$work/p.png" | od -An -c | tr -d ' ')" = "211PNG" ] || { echo "FAIL: p.png is not a PNG"; fail=1; }

# Sub-millisecond delays are drawn in µs.
"$bin" analyze --plot "$work/us.svg" "$src/pcaps/synthetic/twamp-light-vlan.pcapng" >/dev/null 2>&1 ||
	{ echo "FAIL: --plot us.svg exit $?"; fail=1; }
grep -q 'delay (µs' "$work/us.svg" || { echo "FAIL: us.svg: delays below 1 ms not in µs"; fail=1; }

# Two sessions of which no reply was captured (the sender packets of stamp-tlv.pcap) next
# to the exact-count session: all three drawn, the silent ones with their losses.
/usr/bin/python3 - "$cap" "$src/pcaps/synthetic/stamp-tlv.pcap" "$work/silent.pcap" <<'PY' || { echo "FAIL: building silent.pcap"; exit 1; }
import struct, sys
def read(p):
    b = open(p, "rb").read()
    recs, o = [], 24
    while o + 16 <= len(b):
        ts, tf, cl, _ = struct.unpack("<IIII", b[o:o + 16])
        recs.append((ts, tf, b[o:o + 16 + cl]))
        o += 16 + cl
    return b[:24], recs
def to_862(rec):  # Ethernet, IPv4, UDP to port 862: a Session-Sender packet
    f = rec[2][16:]
    ihl = (f[14] & 15) * 4
    return f[12:14] == b"\x08\x00" and f[23] == 17 and f[14 + ihl + 2:14 + ihl + 4] == b"\x03\x5e"
h1, r1 = read(sys.argv[1])
h2, r2 = read(sys.argv[2])
assert h1 == h2, "different pcap headers"
recs = sorted(r1 + [r for r in r2 if to_862(r)], key=lambda r: (r[0], r[1]))
open(sys.argv[3], "wb").write(h1 + b"".join(r[2] for r in recs))
PY
"$bin" analyze --plot "$work/silent.svg" "$work/silent.pcap" >"$work/silent.out" 2>"$work/silent.err" ||
	{ echo "FAIL: --plot silent.svg exit $?"; cat "$work/silent.err"; fail=1; }
grep -q 'no replies' "$work/silent.out" || { echo "FAIL: silent.pcap has no silent session"; fail=1; }
grep -q 'drew 3 of 3 sessions into' "$work/silent.err" || { echo "FAIL: silent.svg: no 'drew 3 of 3 sessions'"; cat "$work/silent.err"; fail=1; }
grep -q 'no replies (2 lost)' "$work/silent.svg" && grep -q 'lost (2)' "$work/silent.svg" ||
	{ echo "FAIL: silent.svg does not show the session without replies"; fail=1; }
grep -q 'undefined\|invalid' "$work/silent.err" && { echo "FAIL: gnuplot complained"; cat "$work/silent.err"; fail=1; }

# A gnuplot that fails: the existing file stays as it was, no temporary file is left.
mkdir -p "$work/badbin" "$work/out"
printf '#!/bin/sh\necho "gnuplot: failing on purpose" >&2\nexit 1\n' >"$work/badbin/gnuplot"
chmod +x "$work/badbin/gnuplot"
echo "previous drawing" >"$work/out/keep.svg"
PATH="$work/badbin:$PATH" "$bin" analyze --plot "$work/out/keep.svg" "$cap" >/dev/null 2>"$work/keep.err"
rc=$?
[ $rc = 1 ] || { echo "FAIL: failing gnuplot: exit $rc, want 1"; fail=1; }
[ "$(cat "$work/out/keep.svg")" = "previous drawing" ] || { echo "FAIL: keep.svg overwritten by a failed drawing"; fail=1; }
[ "$(ls -A "$work/out")" = "keep.svg" ] || { echo "FAIL: files left next to keep.svg: $(ls -A "$work/out")"; fail=1; }
grep -q 'not written' "$work/keep.err" || { echo "FAIL: failing gnuplot not reported"; cat "$work/keep.err"; fail=1; }

"$bin" analyze --plot "$work/p.pdf" "$cap" >/dev/null 2>&1
[ $? = 2 ] || { echo "FAIL: --plot p.pdf is not a usage error"; fail=1; }
[ $fail = 0 ] && echo "plot: ok"
exit $fail
