#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# bench_replay.sh - `stampkit replay --topspeed` against `tcpreplay --topspeed` on the same
# capture over loopback, measured in one run (a benchmark, not a test: numbers, no verdict).
# The capture: bench/gen_capture's STAMP session, cut to its Session-Sender packets (what
# replay sends by default), so both tools send the same N packets. stampkit replay re-stamps
# every packet; it runs twice: the UDP backend (sendmmsg batches through the whole IP stack
# into a socket that never reads, the kernel dropping what overflows it) and the raw backend
# (--raw lo: frames through AF_PACKET, dropped by IP on lo like tcpreplay's). tcpreplay
# writes the recorded frames to lo as they are.
#   usage: bench/bench_replay.sh BUILD_DIR [PACKETS] [LOOPS]
set -eu
B=${1:?usage: bench_replay.sh BUILD_DIR [PACKETS] [LOOPS]}
N=${2:-200000}
LOOPS=${3:-3}
SK=$B/tools/stampkit
PY=/usr/bin/python3
PORT=47870
TMP=$(mktemp -d)
SINK=
trap '[ -n "$SINK" ] && kill $SINK 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
command -v tcpreplay >/dev/null || { echo "tcpreplay not installed"; exit 77; }

"$B/bench/bench_gen_capture" "$TMP/all.pcap" 1 "$N" >/dev/null
tcpdump -r "$TMP/all.pcap" -w "$TMP/sender.pcap" 'udp dst port 862' 2>/dev/null
PK=$(tcpdump -r "$TMP/sender.pcap" 2>/dev/null | wc -l)
$PY -c "
import socket, time
s = socket.socket(); s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', $PORT)); time.sleep(3600)" & SINK=$!
sleep 0.3

best_sk=0
best_raw=0
best_tr=0
i=0
while [ $i -lt "$LOOPS" ]; do
	sk=$("$SK" replay "$TMP/sender.pcap" --to 127.0.0.1:$PORT --topspeed --timeout 0 2>&1 \
		>/dev/null | sed -n 's/.*(\([0-9]*\) packets\/s).*/\1/p')
	raw=$("$SK" replay "$TMP/sender.pcap" --to 127.0.0.1:$PORT --topspeed --timeout 0 \
		--raw lo --src 127.0.0.1 2>&1 >/dev/null | sed -n 's/.*(\([0-9]*\) packets\/s).*/\1/p')
	tr=$(tcpreplay --topspeed -i lo "$TMP/sender.pcap" 2>&1 | sed -n 's/.*Rated: .* Bps, .* Mbps, \([0-9.]*\) pps.*/\1/p')
	echo "run $((i + 1)): stampkit replay UDP $sk, raw $raw, tcpreplay $tr packets/s"
	best_raw=$($PY -c "print(max($best_raw, ${raw:-0}))")
	best_sk=$($PY -c "print(max($best_sk, ${sk:-0}))")
	best_tr=$($PY -c "print(max($best_tr, ${tr:-0}))")
	i=$((i + 1))
done
$PY - "$PK" "$best_sk" "$best_raw" "$best_tr" <<'PYEOF'
import sys
pk, sk, raw, tr = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
print("capture: %d STAMP Session-Sender packets (44 octets of payload, Ethernet frames of 86)" % pk)
print("best of the runs (packets/s): stampkit replay --topspeed UDP backend %.0f, raw backend "
      "(--raw lo) %.0f, both re-stamping; tcpreplay --topspeed %.0f" % (sk, raw, tr))
nan = float("nan")
print("ratio stampkit replay / tcpreplay: UDP %.2f, raw %.2f" % (sk / tr if tr else nan,
                                                              raw / tr if tr else nan))
PYEOF
