#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# bench_live.sh - live tools on loopback (a benchmark, not a test: numbers, no verdict).
#  1. Responder throughput: `stampkit sender` at full rate against `stampkit responder`, then
#     against the bare recvmmsg/sendmmsg echo (bench/udp_echo) in the same run; each server's
#     packets handled per second of sending, its loss, and the ratio responder/echo; then the
#     same with two senders at once (overload).
#  2. Sender rate accuracy at 10,000 and 100,000 packets/s (achieved vs asked) and the send
#     time error against the schedule (p50/p99).
#  3. Timestamp quality: responder T2 against tcpdump's capture time, idle and loaded
#     (bench/ts_quality.py).
#   usage: bench/bench_live.sh BUILD_DIR [PACKETS]
set -eu
B=${1:?usage: bench_live.sh BUILD_DIR [PACKETS]}
N=${2:-400000}
SK=$B/tools/stampkit
ECHO=$B/bench/udp_echo
PY=/usr/bin/python3
PORT_R=47862
PORT_E=47863
TMP=$(mktemp -d)
trap 'kill $RP $EP 2>/dev/null || true; rm -rf "$TMP"' EXIT INT TERM
# d: the sender's session object (its --json document holds one session).
field() { $PY -c "import json,sys; d=json.load(open(sys.argv[1]))['sessions'][0]; print(eval(sys.argv[2]))" "$@"; }

"$SK" responder -q --rate-limit 0 --json 127.0.0.1:$PORT_R > "$TMP/resp.json" & RP=$!
"$ECHO" $PORT_E > "$TMP/echo.json" & EP=$!
sleep 0.5

# Full rate: ask for far more than can be sent, so every wake-up sends a full batch.
"$SK" sender --json --rate 10000000 -c "$N" --timeout 1 127.0.0.1:$PORT_R > "$TMP/s_resp.json"
"$SK" sender --json --rate 10000000 -c "$N" --timeout 1 127.0.0.1:$PORT_E > "$TMP/s_echo.json" 2>/dev/null
kill -INT $RP $EP; wait $RP $EP 2>/dev/null || true
R=$(tail -1 "$TMP/resp.json" | $PY -c "import json,sys; print(json.load(sys.stdin)['counters']['reflected'])")
E=$(tail -1 "$TMP/echo.json" | $PY -c "import json,sys; print(json.load(sys.stdin)['echoed'])")
SR=$(field "$TMP/s_resp.json" "d['send']['achieved_pps']")
SE=$(field "$TMP/s_echo.json" "d['send']['achieved_pps']")
$PY - "$N" "$R" "$E" "$SR" "$SE" <<'PYEOF'
import sys
n, r, e, sr, se = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
# Packets handled per second of sending (the sender's send span is the window).
rp, ep = r * sr / n, e * se / n
print("responder throughput, %d packets offered at full rate by stampkit sender:" % n)
print("  stampkit responder  offered %9.0f pps  reflected %9.0f pps  loss %6.3f %%" % (sr, rp, 100.0 * (n - r) / n))
print("  udp_echo (anchor)   offered %9.0f pps  echoed    %9.0f pps  loss %6.3f %%" % (se, ep, 100.0 * (n - e) / n))
print("  ratio responder / echo: %.2f" % (rp / ep if ep else 0))
PYEOF

# Overload: two senders at full rate at once (on a 2-core machine the servers then compete
# for CPU with their drivers); packets handled per second of the run, server against server.
overload() { # $1 port, $2 output of the server
	T0=$($PY -c 'import time; print(time.time())')
	"$SK" sender -q --json --rate 10000000 -c "$N" --timeout 0.5 127.0.0.1:$1 > "$TMP/o1.json" 2>/dev/null &
	A=$!
	"$SK" sender -q --json --rate 10000000 -c "$N" --timeout 0.5 127.0.0.1:$1 > "$TMP/o2.json" 2>/dev/null
	wait $A
	$PY -c 'import time,sys; print(time.time() - float(sys.argv[1]) - 0.5)' "$T0"
}
"$SK" responder -q --rate-limit 0 --json 127.0.0.1:$PORT_R > "$TMP/resp.json" & RP=$!
"$ECHO" $PORT_E > "$TMP/echo.json" & EP=$!
sleep 0.5
DR=$(overload $PORT_R)
DE=$(overload $PORT_E)
kill -INT $RP $EP; wait $RP $EP 2>/dev/null || true
R=$(tail -1 "$TMP/resp.json" | $PY -c "import json,sys; print(json.load(sys.stdin)['counters']['reflected'])")
E=$(tail -1 "$TMP/echo.json" | $PY -c "import json,sys; print(json.load(sys.stdin)['echoed'])")
$PY - "$N" "$R" "$E" "$DR" "$DE" <<'PYEOF'
import sys
n, r, e, dr, de = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
print("overload, two senders at full rate (%d packets offered to each server):" % (2 * n))
print("  stampkit responder  reflected %5.1f %% of offered in %.2f s" % (100.0 * r / (2 * n), dr))
print("  udp_echo (anchor)   echoed    %5.1f %% of offered in %.2f s" % (100.0 * e / (2 * n), de))
print("  ratio responder / echo: %.2f (packets handled)" % (r / e if e else 0))
PYEOF

"$SK" responder -q --rate-limit 0 --json 127.0.0.1:$PORT_R > "$TMP/resp2.json" & RP=$!
sleep 0.3
echo "sender rate accuracy (against stampkit responder):"
for RATE in 10000 100000; do
	C=$((RATE * 3))
	"$SK" sender --json --rate $RATE -c $C --timeout 1 127.0.0.1:$PORT_R > "$TMP/rate.json"
	field "$TMP/rate.json" "'  asked %6d pps  achieved %9.1f pps (%.4f)  send late p50 %6.1f us  p99 %7.1f us  received %d/%d' % ($RATE, d['send']['achieved_pps'], d['send']['achieved_pps']/$RATE, d['send']['late_p50_ns']/1e3, d['send']['late_p99_ns']/1e3, d['received'], d['sent'])"
done
kill -INT $RP; wait $RP 2>/dev/null || true

# 3. Timestamp quality: the responder's T2 against tcpdump's capture time on lo.
/usr/bin/python3 "$(dirname "$0")/ts_quality.py" "$SK" 2000
