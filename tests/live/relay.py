#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# relay.py - a user-space impairment relay for the live tests (this kernel has no netem):
# loopback only, it forwards test packets from a sender to a responder and the replies back,
# delaying, dropping, duplicating and reordering chosen packets by their sender sequence
# number (octets 0-3 of a request, 24-27 of a reply).
#   usage: relay.py LISTEN_PORT TARGET_PORT CONFIG_JSON
# CONFIG_JSON: {"out": {...}, "in": {...}, "lifetime": seconds}, each direction with
#   "delay_ms": constant delay, "drop": [seqs], "dup": [seqs], "hold": [seqs] (a held packet
#   is released right after the next packet of that direction: a swap of two neighbours).
import heapq, json, select, socket, sys, time

listen_port, target_port, cfg = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
outside = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
outside.bind(("127.0.0.1", listen_port))
inside = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
inside.bind(("127.0.0.1", 0))
target = ("127.0.0.1", target_port)
client = None
queue = []  # (due, n, socket, data, address)
n = 0
held = {"out": None, "in": None}
print("relay ready", flush=True)
end = time.time() + float(cfg.get("lifetime", 60))


def emit(direction, data):
    global n
    d = cfg.get(direction, {})
    due = time.time() + d.get("delay_ms", 0) / 1000.0
    sock, addr = (inside, target) if direction == "out" else (outside, client)
    n += 1
    heapq.heappush(queue, (due, n, sock, data, addr))


def forward(direction, data):
    d = cfg.get(direction, {})
    off = 0 if direction == "out" else 24
    if len(data) < off + 4:
        return
    seq = int.from_bytes(data[off:off + 4], "big")
    if seq in d.get("drop", []):
        return
    if seq in d.get("hold", []) and held[direction] is None:
        held[direction] = data
        return
    emit(direction, data)
    if seq in d.get("dup", []):
        emit(direction, data)
    if held[direction] is not None and data is not held[direction]:
        h, held[direction] = held[direction], None
        emit(direction, h)


while time.time() < end:
    timeout = max(0.0, min(0.2, queue[0][0] - time.time())) if queue else 0.2
    r, _, _ = select.select([outside, inside], [], [], timeout)
    for s in r:
        data, addr = s.recvfrom(65535)
        if s is outside:
            client = addr
            forward("out", data)
        elif client:
            forward("in", data)
    now = time.time()
    while queue and queue[0][0] <= now:
        _, _, sock, data, addr = heapq.heappop(queue)
        sock.sendto(data, addr)
