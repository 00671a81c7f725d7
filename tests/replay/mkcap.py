# SPDX-License-Identifier: BSD-3-Clause
# mkcap.py - a pcap of many STAMP test sessions for the replay tests: SESSIONS
# Session-Senders (10.0.x.y, UDP port 20000 + n, SSID n) to 10.1.0.1:862, ROUNDS
# unauthenticated packets each (RFC 8762 §4.2.1), interleaved as a probe mesh records them.
import struct


def stamp_sender(seq, ssid, t_ns):
    sec, ns = divmod(t_ns, 1000000000)
    frac = (ns << 32) // 1000000000
    # Error Estimate: S=1, Scale 0, Multiplier 1 (a Multiplier of 0 is invalid, RFC 4656 §4.1.2)
    return struct.pack("!IIIHH", seq, sec + 2208988800, frac, 0x8001, ssid) + bytes(28)


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(src, sport, payload):
    udp = struct.pack("!HHHH", sport, 862, 8 + len(payload), 0) + payload
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                               src, bytes([10, 1, 0, 1])))
    ip[10:12] = struct.pack("!H", csum(bytes(ip)))
    return bytes([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0]) + bytes(ip) + udp


def write(path, sessions, rounds):
    """Writes the capture; returns the number of packets (sessions x rounds)."""
    t0 = 1735689600 * 1000000000
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for k in range(rounds):
            for s in range(sessions):
                t = t0 + k * 10000000 + s * 1000
                fr = frame(bytes([10, 0, (s + 1) >> 8, (s + 1) & 255]), 20000 + s,
                           stamp_sender(k, s, t))
                sec, ns = divmod(t, 1000000000)
                f.write(struct.pack("<IIII", sec, ns // 1000, len(fr), len(fr)) + fr)
    return sessions * rounds
