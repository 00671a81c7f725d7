#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# bench_server.sh - `stampkit server` on loopback (a benchmark, not a test: numbers, no verdict).
#  1. TWAMP-Control connections set up and torn down per second (greeting, Set-Up-Response,
#     Server-Start, close), unauthenticated and authenticated (PBKDF2 Count 1024 on both
#     sides), against a plain TCP accept/write-64-octets/close loop measured in the same run.
#  2. Concurrent sessions with their reflectors active: 16 controllers of 32 sessions each
#     started together (512 sessions, 20 packets each at 5 ms); how many completed.
#   usage: bench/bench_server.sh BUILD_DIR [CONNECTIONS]
set -eu
B=${1:?usage: bench_server.sh BUILD_DIR [CONNECTIONS]}
N=${2:-5000}
SK=$B/tools/stampkit
BC=$B/bench/bench_twamp_connect
PY=/usr/bin/python3
PORT_S=47870
PORT_A=47871
TMP=$(mktemp -d)
trap 'kill $SP $AP 2>/dev/null || true; rm -rf "$TMP"' EXIT INT TERM
printf 'bench benchmark-secret\n' > "$TMP/keys"
# Every client is 127.0.0.1 here: the per-source limits are raised with the global ones.
"$SK" server -q --modes unauth,auth --key-file "$TMP/keys" --max-sessions 4096 \
    --max-connections 4096 --max-sessions-per-source 4096 --max-connections-per-source 4096 \
    127.0.0.1:$PORT_S > /dev/null 2>&1 & SP=$!
"$BC" --anchor $PORT_A & AP=$!
sleep 0.5
A=$("$BC" --plain $PORT_A "$N")
U=$("$BC" $PORT_S "$N")
NA=$((N / 10))
S=$("$BC" $PORT_S "$NA" bench benchmark-secret)
$PY - "$A" "$U" "$S" <<'PYEOF'
import json, sys
a, u, s = (json.loads(x)["per_second"] for x in sys.argv[1:4])
print("plain TCP accept/write/close  %10.0f connections/s (anchor)" % a)
print("TWAMP unauthenticated setup   %10.0f connections/s  ratio %.2f" % (u, u / a))
print("TWAMP authenticated setup     %10.0f connections/s  ratio %.3f (PBKDF2 Count 1024 twice)" % (s, s / a))
PYEOF
pids=""
i=0
while [ $i -lt 16 ]; do
    "$SK" controller --json --sessions 32 -c 20 -i 5 --test-port $((30000 + 40 * i)) \
        127.0.0.1:$PORT_S > "$TMP/c$i.json" 2>/dev/null & pids="$pids $!"
    i=$((i + 1))
done
for p in $pids; do wait "$p" || true; done
$PY - "$TMP" <<'PYEOF'
import glob, json, sys
n = r = 0
for f in glob.glob(sys.argv[1] + "/c*.json"):
    try:
        doc = json.load(open(f))
    except ValueError:
        continue  # a controller that failed printed nothing on stdout
    for d in doc["sessions"]:
        n += 1
        r += d["received"] == d["sent"]
print("concurrent sessions           %10d set up by 16 controllers started together, %d complete" % (n, r))
PYEOF
