#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# bench_replay.sh - `stampkit replay --topspeed` against `tcpreplay --topspeed` on the same
# many-session capture, measured in one run (a benchmark, not a test: numbers, no verdict).
# Two network namespaces the script creates and removes, joined by a veth pair: the sending
# side (10.1.0.2) and `stampkit responder --rate-limit 0` on 10.1.0.1:862 (its veth has the
# capture's destination MAC, so tcpreplay's recorded frames reach it as well and are answered
# as stampkit replay's are; tcpreplay's replies go to the recorded 10.0.x.x senders and are
# dropped on arrival). The capture: bench/gen_capture's SESSIONS STAMP sessions of ROUNDS
# packets, cut to the Session-Sender packets (what replay sends), so all send the same
# packets. stampkit replay runs with the UDP backend (a socket per session, one epoll loop)
# and the raw backend (--raw: one AF_PACKET socket for all sessions), re-stamping every
# packet and pairing every reply; its peak resident memory per session is printed with the
# marginal cost of a session (against the same packets in one session). Then the sending
# alone: all three to a second veth pair in the sending namespace whose other end drops every
# frame on arrival (addressed to another MAC), so that only what each tool itself costs per
# packet is compared, not the responder's side both pay for.
#   usage: bench/bench_replay.sh BUILD_DIR [SESSIONS] [ROUNDS] [RUNS]   (root: exit 77 if not)
set -eu
B=${1:?usage: bench_replay.sh BUILD_DIR [SESSIONS] [ROUNDS] [RUNS]}
NS=${2:-1000}
ROUNDS=${3:-200}
RUNS=${4:-3}
SK=$(readlink -f "$B/tools/stampkit")
PY=/usr/bin/python3
[ "$(id -u)" = 0 ] || { echo "bench_replay.sh: needs root (network namespaces)"; exit 77; }
for t in tcpreplay tcpdump ip; do
	command -v $t >/dev/null || { echo "bench_replay.sh: $t not installed"; exit 77; }
done
TAG=skb$$
S=${TAG}s
R=${TAG}r
TMP=$(mktemp -d)
RP=
cleanup() {
	[ -n "$RP" ] && kill "$RP" 2>/dev/null && wait "$RP" 2>/dev/null
	ip netns del "$S" 2>/dev/null || true
	ip netns del "$R" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$S"
ip netns add "$R"
ip link add ${TAG}a netns "$S" type veth peer name ${TAG}b netns "$R"
ip -n "$R" link set ${TAG}b address 02:00:00:00:00:01
for n in "$S" "$R"; do
	ip -n "$n" link set lo up
	ip netns exec "$n" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
done
ip -n "$S" addr add 10.1.0.2/16 dev ${TAG}a
ip -n "$R" addr add 10.1.0.1/16 dev ${TAG}b
ip -n "$S" link set ${TAG}a up
ip -n "$R" link set ${TAG}b up
ip netns exec "$R" sysctl -qw net.ipv4.conf.${TAG}b.rp_filter=0
ip -n "$R" route add 10.0.0.0/16 via 10.1.0.2
# The drain: ${TAG}x's frames arrive at ${TAG}y (up, no address) and are dropped there.
ip -n "$S" link add ${TAG}x type veth peer name ${TAG}y
ip -n "$S" addr add 10.9.0.2/24 dev ${TAG}x
ip -n "$S" link set ${TAG}x up
ip -n "$S" link set ${TAG}y up
ip -n "$S" neigh add 10.9.0.1 lladdr 02:00:00:00:00:09 dev ${TAG}x

"$B/bench/bench_gen_capture" "$TMP/all.pcap" "$NS" "$ROUNDS" >/dev/null
tcpdump -r "$TMP/all.pcap" -w "$TMP/sender.pcap" 'udp dst port 862' 2>/dev/null
PK=$(tcpdump -nqr "$TMP/sender.pcap" 2>/dev/null | wc -l)
# The same packets in one session: the anchor of the memory a session costs.
"$B/bench/bench_gen_capture" "$TMP/one_all.pcap" 1 $((NS * ROUNDS)) >/dev/null
tcpdump -r "$TMP/one_all.pcap" -w "$TMP/one.pcap" 'udp dst port 862' 2>/dev/null

ip netns exec "$R" "$SK" responder -q --rate-limit 0 --max-sessions 65536 10.1.0.1:862 \
	>/dev/null 2>&1 & RP=$!
sleep 0.5

# One replay in the sending namespace: "rate replies sent peak_kib" on standard output.
sk() {
	ip netns exec "$S" $PY - "$@" <<'PYEOF'
import json, re, resource, subprocess, sys
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
m = re.search(r"\((\d+) packets/s\)", r.stderr)
d = json.loads(r.stdout) if r.stdout.strip() else {"replies": 0, "sent": 0}
print(m.group(1) if m else 0, d["replies"], d["sent"],
      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PYEOF
}
TO="--to 10.1.0.1 --topspeed --timeout 1 --json"
RAW="--raw ${TAG}a --raw-mac 02:00:00:00:00:01"
i=1
while [ $i -le "$RUNS" ]; do
	set -- $(sk "$SK" replay "$TMP/sender.pcap" $TO)
	u=$1 ur=$2 us=$3 um=$4
	set -- $(sk "$SK" replay "$TMP/sender.pcap" $TO $RAW)
	r=$1 rr=$2 rs=$3
	t=$(ip netns exec "$S" tcpreplay --topspeed -i ${TAG}a "$TMP/sender.pcap" 2>&1 |
		sed -n 's/.*Rated: .* Bps, .* Mbps, \([0-9.]*\) pps.*/\1/p')
	echo "run $i: stampkit replay UDP $u ($ur of $us replies), raw $r ($rr of $rs replies)," \
		"tcpreplay $t packets/s; peak RSS $um KiB"
	set -- $(sk "$SK" replay "$TMP/sender.pcap" --to 10.9.0.1 --topspeed --timeout 0 --json)
	du=$1
	set -- $(sk "$SK" replay "$TMP/sender.pcap" --to 10.9.0.1 --topspeed --timeout 0 --json \
		--raw ${TAG}x --raw-mac 02:00:00:00:00:09)
	dr=$1
	dt=$(ip netns exec "$S" tcpreplay --topspeed -i ${TAG}x "$TMP/sender.pcap" 2>&1 |
		sed -n 's/.*Rated: .* Bps, .* Mbps, \([0-9.]*\) pps.*/\1/p')
	echo "       sending only: UDP $du, raw $dr, tcpreplay $dt packets/s"
	echo "$u $r ${t:-0} $um $du $dr ${dt:-0}" >> "$TMP/runs"
	i=$((i + 1))
done
set -- $(sk "$SK" replay "$TMP/one.pcap" $TO)
one_m=$4
$PY - "$PK" "$NS" "$one_m" "$TMP/runs" <<'PYEOF'
import sys
pk, ns, one = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
runs = [[float(x) for x in l.split()] for l in open(sys.argv[4])]
rng = lambda v: "%.0f-%.0f" % (min(v), max(v))
u, r, t, m, du, dr, dt = ([x[i] for x in runs] for i in range(7))
print("capture: %d STAMP Session-Sender packets in %d sessions (44 octets of payload, "
      "Ethernet frames of 86), over a veth pair between two namespaces" % (pk, ns))
print("packets/s over %d runs: stampkit replay --topspeed UDP backend %s, raw backend %s; "
      "tcpreplay --topspeed %s" % (len(runs), rng(u), rng(r), rng(t)))
ru = [a / b for a, b in zip(u, t) if b]
rr = [a / b for a, b in zip(r, t) if b]
print("ratio to tcpreplay --topspeed (per run, same run): UDP %.2f-%.2f, raw %.2f-%.2f" %
      (min(ru), max(ru), min(rr), max(rr)))
print("sending only (frames dropped on arrival), packets/s: UDP %s, raw %s; tcpreplay %s; "
      "ratio per run: UDP %.2f-%.2f, raw %.2f-%.2f" % (
          rng(du), rng(dr), rng(dt), min(a / b for a, b in zip(du, dt) if b),
          max(a / b for a, b in zip(du, dt) if b), min(a / b for a, b in zip(dr, dt) if b),
          max(a / b for a, b in zip(dr, dt) if b)))
print("memory (UDP backend): peak RSS %.0f MiB for %d sessions, %.1f KiB per session; "
      "marginal %.1f KiB per session (the same packets in 1 session: %.0f MiB)" %
      (max(m) / 1024, ns, max(m) / ns, (max(m) - one) / max(ns - 1, 1), one / 1024))
PYEOF
