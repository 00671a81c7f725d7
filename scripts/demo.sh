#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The main job on a bundled default: build stampkit, run a live STAMP session on loopback
# (responder + sender, 50 packets, 10 ms apart), capture it with the sender's kernel
# timestamps, then analyze and decode that capture. Last, decode the bundled capture of an
# authenticated TWAMP session made with perfSONAR owamp 5.2.3, decrypted with its secret.
# Traffic goes to 127.0.0.1 only.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/build.sh"
stampkit="$here/build/tools/stampkit"
port=${STAMPKIT_DEMO_PORT:-8620}
work=$(mktemp -d)
responder=
cleanup() {
  [ -n "$responder" ] && kill "$responder" 2>/dev/null && wait "$responder" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "== stampkit responder 127.0.0.1:$port --stateful   (in the background)"
"$stampkit" responder "127.0.0.1:$port" --stateful >"$work/responder.txt" 2>&1 &
responder=$!
sleep 0.3
echo "== stampkit sender 127.0.0.1:$port -c 50 -i 10 --reflector stateful --pcap-out session.pcap"
"$stampkit" sender "127.0.0.1:$port" -c 50 -i 10 --reflector stateful --pcap-out "$work/session.pcap"
kill -INT "$responder"
wait "$responder" || true
responder=
echo "== responder counters"
cat "$work/responder.txt"
echo
echo "== stampkit analyze --port $port --reflector stateful session.pcap"
"$stampkit" analyze --port "$port" --reflector stateful "$work/session.pcap"
echo
echo "== stampkit decode --port $port session.pcap   (first two packets)"
"$stampkit" decode --port "$port" "$work/session.pcap" | awk '/^Frame 3:/{done=1} !done{print}'
echo "== stampkit decode --json --port $port session.pcap   (the document's first two lines: its head and the first packet)"
"$stampkit" decode --json --port "$port" "$work/session.pcap" | sed -n '1,2p'
echo
capture="$here/pcaps/owamp/twamp-owamp523-modeA.pcap"
echo "== stampkit decode --port 18620 --secret alice=twamp-test-secret pcaps/owamp/twamp-owamp523-modeA.pcap"
echo "   (authenticated TWAMP made by owamp 5.2.3: control and test packets decrypted, HMACs checked)"
"$stampkit" decode --port 18620 --secret alice=twamp-test-secret "$capture"
