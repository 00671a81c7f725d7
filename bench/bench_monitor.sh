#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# bench_monitor.sh - `stampkit monitor` with many targets on loopback (a benchmark, not a
# test: numbers, no verdict). TARGETS targets at RATE packets/s each (default 1000 x 10, so
# 10,000 packets/s in one process) against two `stampkit responder`s; over a window after a
# warm-up: the packets sent and answered (from --metrics), the monitor's CPU time per 1000
# packets (utime + stime of /proc/PID/stat), its resident memory; then the anchor, measured in
# the same run: `stampkit sender` sending the same number of packets at the same total rate to
# one responder, its CPU per 1000 packets. Ratio: monitor / sender.
#   usage: bench/bench_monitor.sh BUILD_DIR [TARGETS] [RATE] [SECONDS]
set -eu
B=${1:?usage: bench_monitor.sh BUILD_DIR [TARGETS] [RATE] [SECONDS]}
T=${2:-1000}
R=${3:-10}
S=${4:-20}
SK=$B/tools/stampkit
PY=/usr/bin/python3
TMP=$(mktemp -d)
RP1= RP2= MP=
trap 'kill $RP1 $RP2 $MP 2>/dev/null || true; rm -rf "$TMP"' EXIT INT TERM
free() { $PY -c "import socket;s=socket.socket(socket.AF_INET,socket.$1);s.bind(('127.0.0.1',0));print(s.getsockname()[1])"; }
P1=$(free SOCK_DGRAM) P2=$(free SOCK_DGRAM) MPORT=$(free SOCK_STREAM)
# cpu PID: utime + stime in seconds.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) / hz }' /proc/$1/stat; }
# sum NAME: the sum of a family's samples on the monitor's endpoint.
sum() { $PY - "$MPORT" "$1" <<'PYEOF'
import sys, urllib.request
t = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=10).read().decode()
print(int(sum(float(l.rsplit(" ", 1)[1]) for l in t.splitlines()
              if l.startswith(sys.argv[2] + "{") and 'direction="outbound"' not in l
              and 'direction="inbound"' not in l)))
PYEOF
}

"$SK" responder -q --rate-limit 0 127.0.0.1:$P1 >/dev/null & RP1=$!
"$SK" responder -q --rate-limit 0 127.0.0.1:$P2 >/dev/null & RP2=$!
{
	echo "[monitor]"
	echo "timeout = 2"
	echo "rate = $R"
	i=0
	while [ $i -lt "$T" ]; do
		printf '[target t%d]\naddress = 127.0.0.1:%d\n' $i $(( i % 2 ? P2 : P1 ))
		i=$((i + 1))
	done
} > "$TMP/monitor.conf"
sleep 0.3
"$SK" monitor -q "$TMP/monitor.conf" --metrics 127.0.0.1:$MPORT >/dev/null & MP=$!
sleep 3 # warm-up: every target has started
c0=$(cpu $MP) s0=$(sum stampkit_sent_packets_total) r0=$(sum stampkit_received_packets_total)
t0=$(date +%s.%N)
sleep "$S"
c1=$(cpu $MP) s1=$(sum stampkit_sent_packets_total) r1=$(sum stampkit_received_packets_total)
t1=$(date +%s.%N)
lost=$(sum stampkit_lost_packets_total)
rss=$(awk '/VmRSS/ { print $2 }' /proc/$MP/status)
kill -INT $MP; wait $MP 2>/dev/null || true; MP=

N=$((s1 - s0))
# The anchor: the sender, the same packets at the same total rate, against one responder.
/usr/bin/time -f '%U %S' -o "$TMP/time" "$SK" sender -q --json --rate $((T * R)) -c "$N" \
	--timeout 1 127.0.0.1:$P1 > "$TMP/sender.json"
kill -INT $RP1 $RP2; wait $RP1 $RP2 2>/dev/null || true; RP1= RP2=
$PY - "$T" "$R" "$N" "$((r1 - r0))" "$lost" "$c0" "$c1" "$t0" "$t1" "$rss" "$TMP/time" \
	"$TMP/sender.json" <<'PYEOF'
import json, sys
t, r, n, recv, lost = (int(x) for x in sys.argv[1:6])
c0, c1, t0, t1 = (float(x) for x in sys.argv[6:10])
rss = int(sys.argv[10])
u, s = (float(x) for x in open(sys.argv[11]).read().split())
snd = json.load(open(sys.argv[12]))["sessions"][0]
win = t1 - t0
mon = (c1 - c0) / n * 1000 * 1000
anc = (u + s) / snd["sent"] * 1000 * 1000
print("stampkit monitor, %d targets x %d packets/s on loopback, %.1f s window:" % (t, r, win))
print("  sent %d (%.0f pps of %d asked), answered %d, lost since start %d" %
      (n, n / win, t * r, recv, lost))
print("  CPU %.2f s = %.1f %% of one core; %.3f ms CPU per 1000 packets; RSS %d MiB" %
      (c1 - c0, 100 * (c1 - c0) / win, mon, rss // 1024))
print("anchor: stampkit sender, %d packets at %d pps: %.2f s CPU, %.3f ms per 1000 packets "
      "(received %d)" % (snd["sent"], t * r, u + s, anc, snd["received"]))
print("ratio monitor / sender (CPU per packet): %.2f" % (mon / anc if anc else 0))
PYEOF
