#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# bench_server_hostile.sh - what hostile TWAMP-Control clients cost a legitimate controller
# of `stampkit server` on loopback (a benchmark, not a test: numbers, no verdict).
# The same controller (one session, COUNT packets every 5 ms, from 127.0.0.1) runs twice
# against one server: alone (the anchor), then while tests/server/hostile.py keeps 300
# slowloris clients from 127.0.0.2 (one octet a second each, connecting again when closed)
# and 4 clients from 127.0.0.3 that pipeline Request-TW-Sessions and never read (connecting
# again when closed) connected. The server's limits are raised so that all 300 slow clients
# are held (the default --max-connections-per-source 8 would refuse 292 of them at once):
# the loop serves 300+ connections. Prints the round-trip max and p99 of both runs, their
# ratios, and the server's counters.
#   usage: bench/bench_server_hostile.sh BUILD_DIR [COUNT]
set -eu
B=${1:?usage: bench_server_hostile.sh BUILD_DIR [COUNT]}
N=${2:-2000}
SK=$B/tools/stampkit
HERE=$(cd "$(dirname "$0")" && pwd)
HOSTILE=$HERE/../tests/server/hostile.py
PY=/usr/bin/python3
# A free port now (a fixed one can be held by a TIME-WAIT client socket of another bench).
PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TMP=$(mktemp -d)
SP=""
HP=""
trap 'kill $SP $HP 2>/dev/null || true; rm -rf "$TMP"' EXIT INT TERM
"$SK" server -q --json --max-connections 512 --max-connections-per-source 400 \
    --setup-timeout 5 127.0.0.1:$PORT > "$TMP/server.json" 2> "$TMP/server.err" & SP=$!
sleep 0.5
"$SK" controller --json -c "$N" -i 5 --test-port 30500 127.0.0.1:$PORT > "$TMP/alone.json"
"$PY" "$HOSTILE" load 127.0.0.1 $PORT 127.0.0.2 300 127.0.0.3 4 > "$TMP/hostile.json" & HP=$!
sleep 3 # let the 300 slow clients connect and the readers cycle
"$SK" controller --json -c "$N" -i 5 --test-port 30600 127.0.0.1:$PORT > "$TMP/hostile_ctl.json"
kill -TERM $HP
wait $HP || true
HP=""
kill -INT $SP
wait $SP || true
SP=""
$PY - "$TMP" "$N" <<'PYEOF'
import json, sys
d, n = sys.argv[1], int(sys.argv[2])
def rt(name):
    s = json.load(open(d + "/" + name))["sessions"][0]
    return s["received"], s["roundtrip"]
ra, a = rt("alone.json")
rh, h = rt("hostile_ctl.json")
print("controller alone (anchor)      received %5d/%d  rtt max %9.1f us  p99 %8.1f us" %
      (ra, n, a["max_us"], a["p99_us"]))
print("controller with hostile load   received %5d/%d  rtt max %9.1f us  p99 %8.1f us" %
      (rh, n, h["max_us"], h["p99_us"]))
print("ratio hostile/alone            max %.2f  p99 %.2f" %
      (h["max_us"] / a["max_us"], h["p99_us"] / a["p99_us"]))
print("hostile clients                %s" % open(d + "/hostile.json").read().strip())
c = json.load(open(d + "/server.json"))["counters"]
print("server counters                " + ", ".join("%s %d" % (k, v) for k, v in c.items() if v))
PYEOF
