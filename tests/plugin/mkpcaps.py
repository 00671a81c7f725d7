#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# mkpcaps.py - captures for the Wireshark plugin tests, written with scapy (RFC 5357 §3-4,
# RFC 6038 §4.2, RFC 8762 §4, RFC 8972 §4): every STAMP TLV type, authenticated STAMP, PTP
# timestamps, a 41-octet TWAMP-light sender, an unauthenticated TWAMP-Control connection
# with two test sessions (one on a port the server chose), the same connection captured
# from its middle, ordinary UDP that the STAMP heuristic must reject, and one packet or
# message per kind of problem the plugin reports.
#
#   /usr/bin/python3 tests/plugin/mkpcaps.py OUTDIR
import hashlib
import hmac
import os
import struct
import sys

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, TCP, UDP, Ether, Raw, wrpcap  # noqa: E402

STAMP_KEY = b"stamp-key"
NTP_UNIX = 2208988800
T0 = 1795000000  # 2026-11-18, Unix seconds: every test timestamp is near it

# The STAMP Session-Sender of tests/unit/test_tlv.c: 44-octet base + one TLV of each type
# 1..12, an unassigned type 200 with U and C flags, and the HMAC TLV (key "stamp-key").
TLV_SENDER = bytes.fromhex(
    "01020304e93c7f00800000008001beef00000000000000000000000000000000"
    "0000000000000000000000008001000600000000000000020024035ec3500001"
    "000802005e1020300000000500100a0000010000000000000000000000000003"
    "000a0102020100f00002abcd00040004b8a950000005000c0000000100000002"
    "0000000300060004100100000007001000000005e93c7f008000000001000000"
    "00090004c00002010009001020010db8000000000000000000000001000a0010"
    "000100040000000100020004c6336401000a000c0003000803e810ff03e82b40"
    "000a00380004002020010db800000000000000000000000120010db800000000"
    "00000000000000020002001020010db8000000000000000000000002000b0004"
    "00070009000c001005dc0003000f4240000100040102030490c8000301020300"
    "080010428447ca3264f8c09be9b94d70392690")
TLV_TYPES = [1, 2, 3, 4, 5, 6, 7, 9, 9, 10, 10, 10, 11, 12, 200, 8]

# STAMP Session-Reflector of tests/unit/test_testpkt.c (44 octets, no TLVs).
REFLECTOR = bytes.fromhex(
    "01020304e93c7f00800000008001beefe93c7f01000000000a0b0c0de93c7f00"
    "4000000080020000fe000000")


def ntp(unix_s, frac=0):
    return struct.pack("!II", unix_s + NTP_UNIX, frac)


def ptp(unix_s, ns=0, tai_utc=37):
    return struct.pack("!II", unix_s + tai_utc, ns)


def udp(sport, dport, payload, src="192.0.2.1", dst="192.0.2.2"):
    return Ether() / IP(src=src, dst=dst, ttl=64) / UDP(sport=sport, dport=dport) / Raw(payload)


def stamp_sender(seq, ts, ee, ssid=0, tlvs=b""):
    return struct.pack("!I", seq) + ts + struct.pack("!HH", ee, ssid) + bytes(28) + tlvs


def stamp_sender_auth(seq, ts, ee, ssid, key):
    body = struct.pack("!I", seq) + bytes(12) + ts + struct.pack("!HH", ee, ssid) + bytes(68)
    return body + hmac.new(key, body, hashlib.sha256).digest()[:16]


def twamp_sender(seq, ts, ee, pad):
    return struct.pack("!I", seq) + ts + struct.pack("!H", ee) + bytes(pad)


def twamp_reflector(seq, ts, ee, rx, sseq, sts, see, ttl, pad):
    return (struct.pack("!I", seq) + ts + struct.pack("!H", ee) + bytes(2) + rx +
            struct.pack("!I", sseq) + sts + struct.pack("!H", see) + bytes(2) + bytes([ttl]) +
            bytes(pad))


def stamp_pcap(path):
    """Frame: 1 TLV sender, 2 reflector, 3 authenticated sender, 4 PTP sender, 5 41-octet
    TWAMP-light sender, 6 a 20-octet packet (a TWAMP sender by its size), 7 reflector with
    PTP timestamps, 8..14 sequence anomalies (below)."""
    pk = [
        udp(50000, 862, TLV_SENDER),
        udp(862, 50000, REFLECTOR, src="192.0.2.2", dst="192.0.2.1"),
        udp(50000, 862, stamp_sender_auth(7, ntp(T0, 0x80000000), 0x8001, 0x1234, STAMP_KEY)),
        udp(50000, 862, stamp_sender(8, ptp(T0), 0xC001, 0x1234)),
        udp(50001, 862, twamp_sender(9, ntp(T0, 0x40000000), 0x8001, 27)),
        udp(50000, 862, TLV_SENDER[:20]),
        udp(862, 50000, struct.pack("!I", 3) + ptp(T0, 500) + struct.pack("!HH", 0xC001, 0x1234) +
            ptp(T0, 250) + struct.pack("!I", 3) + ptp(T0, 100) + struct.pack("!H", 0xC001) +
            bytes(2) + bytes([63]) + bytes(3), src="192.0.2.2", dst="192.0.2.1"),
    ]
    # 8..13: a session on port 50010 with sender numbers 0 1 2 4 3 3 (one gap, then the
    # late packet reordered, then a duplicate); 14: reply to 0 with 8 octets of Extra Padding
    # (size asymmetry) whose Receive Timestamp is before the Sender Timestamp (negative delay).
    for n in (0, 1, 2, 4, 3, 3):
        pk.append(udp(50010, 862, stamp_sender(n, ntp(T0 + n), 0x8001, 0x0042)))
    pk.append(udp(862, 50010, struct.pack("!I", 0) + ntp(T0, 0x40000000) + struct.pack("!HH", 0x8001, 0x0042) +
                  ntp(T0 - 1) + struct.pack("!I", 0) + ntp(T0) + struct.pack("!H", 0x8001) + bytes(2) +
                  bytes([64]) + bytes(3) + struct.pack("!BBH", 0, 1, 4) + bytes(4),
                  src="192.0.2.2", dst="192.0.2.1"))
    wrpcap(path, pk)


def heuristic_pcap(path):
    """Frame 1: STAMP sender on UDP 40001 (no port of ours); 2: its reflection; 3: a DNS
    query; 4: 60 zero octets; 5: 48 random-looking octets; 6: NTP-like 48 octets."""
    dns = bytes.fromhex("12340100000100000000000007657861" "6d706c6503636f6d0000010001")
    pk = [
        udp(40001, 40001, stamp_sender(1, ntp(T0), 0x8001, 7)),
        udp(40001, 40001, REFLECTOR[:4] + ntp(T0, 5) + REFLECTOR[12:16] + ntp(T0, 3) +
            REFLECTOR[24:28] + ntp(T0, 1) + REFLECTOR[36:], src="192.0.2.2", dst="192.0.2.1"),
        udp(40002, 53, dns),
        udp(40003, 40004, bytes(60)),
        udp(40005, 40006, bytes(range(17, 17 + 48))),
        udp(40007, 123, bytes([0x23]) + bytes(47)),
    ]
    wrpcap(path, pk)


class Tcp:
    """One TCP connection, client 198.51.100.1:41000 -> server 198.51.100.2:862."""

    def __init__(self, cport=41000, sport=862):
        self.c, self.s = "198.51.100.1", "198.51.100.2"
        self.cport, self.sport = cport, sport
        self.cseq, self.sseq = 1000, 5000
        self.frames = []

    def pkt(self, to_server, flags, payload=b""):
        if to_server:
            p = IP(src=self.c, dst=self.s) / TCP(sport=self.cport, dport=self.sport, flags=flags,
                                                 seq=self.cseq, ack=self.sseq)
            self.cseq += len(payload) + (1 if "S" in flags or "F" in flags else 0)
        else:
            p = IP(src=self.s, dst=self.c) / TCP(sport=self.sport, dport=self.cport, flags=flags,
                                                 seq=self.sseq, ack=self.cseq)
            self.sseq += len(payload) + (1 if "S" in flags or "F" in flags else 0)
        self.frames.append(Ether() / p / Raw(payload) if payload else Ether() / p)

    def handshake(self):
        self.pkt(True, "S")
        self.pkt(False, "SA")
        self.pkt(True, "A")

    def send(self, to_server, payload):
        self.pkt(to_server, "PA", payload)


def request(sport, rport, pad, sid=bytes(16)):
    body = (bytes([5, 4, 0, 0]) + struct.pack("!IIHH", 0, 0, sport, rport) + bytes(16) + bytes(16) +
            sid + struct.pack("!I", pad) + ntp(T0) + struct.pack("!Q", 5 << 32) +
            struct.pack("!IHH", 0, 0, 0) + bytes(4))
    return body + bytes(16)


def accept(port, sid, acc=0):
    return bytes([acc, 0]) + struct.pack("!H", port) + sid + bytes(4) + bytes(8) + bytes(16)


SID1 = bytes.fromhex("c6336401eeb4819a0000000100000001")
SID2 = bytes.fromhex("c6336401eeb4819a0000000200000002")


def twamp_pcaps(path_full, path_mid):
    """Unauthenticated TWAMP-Control on TCP 862 and two test sessions:
    1: UDP 20000 -> 20001 (41-octet packets), 2: UDP 20002 -> 20099 (server moved the port
    from 20003), 60-octet packets. The first Request-TW-Session is split over two segments.
    path_mid starts at the second Request-TW-Session (no greeting, no Set-Up-Response)."""
    t = Tcp()
    t.handshake()
    t.send(False, bytes(12) + struct.pack("!I", 0x1 | 0x20 | 0x40) + bytes(range(16)) +
           bytes(range(16, 32)) + struct.pack("!I", 1024) + bytes(12))          # Server-Greeting
    t.send(True, struct.pack("!I", 1) + bytes(80) + bytes(64) + bytes(16))     # Set-Up-Response
    t.send(False, bytes(15) + b"\x00" + bytes(16) + ntp(T0) + bytes(8))        # Server-Start
    r1 = request(20000, 20001, 27, )
    t.send(True, r1[:50])
    t.send(True, r1[50:])                                                      # Request 1 (split)
    t.send(False, accept(20001, SID1))                                         # Accept 1
    mid = len(t.frames)
    t.send(True, request(20002, 20003, 46))                                    # Request 2
    t.send(False, accept(20099, SID2))                                         # Accept 2 (port moved)
    t.send(True, bytes([2]) + bytes(15) + bytes(16))                           # Start-Sessions
    t.send(False, bytes(32))                                                   # Start-Ack
    frames = list(t.frames)
    for i in range(3):
        a = ntp(T0 + 10 + i, 0x10000000)
        b = ntp(T0 + 10 + i, 0x20000000)
        c = ntp(T0 + 10 + i, 0x30000000)
        frames.append(udp(20000, 20001, twamp_sender(i, a, 0x8001, 27), src=t.c, dst=t.s))
        frames.append(udp(20001, 20000, twamp_reflector(100 + i, c, 0x8001, b, i, a, 0x8001, 255, 0),
                          src=t.s, dst=t.c))
        frames.append(udp(20002, 20099, twamp_sender(i, a, 0x8001, 46), src=t.c, dst=t.s))
        frames.append(udp(20099, 20002, twamp_reflector(i, c, 0x8001, b, i, a, 0x8001, 254, 19),
                          src=t.s, dst=t.c))
    t.frames = []
    t.send(True, bytes([3, 0, 0, 0]) + struct.pack("!I", 2) + bytes(8) + bytes(16))  # Stop-Sessions
    frames += t.frames
    wrpcap(path_full, frames)
    wrpcap(path_mid, frames[mid:])


def twamp_5938_pcap(path):
    """RFC 5938 Individual Session Control, unauthenticated: Modes and Mode 0x11, two
    sessions, Start-N-Sessions / Start-N-Ack for both, Stop-N-Sessions / Stop-N-Ack for the
    second, then Stop-Sessions. Control frames: 4 greeting, 5 set-up, 6 start, 7..10 two
    request/accept pairs, 11 Start-N-Sessions, 12 Start-N-Ack, 13 Stop-N-Sessions,
    14 Stop-N-Ack, 15 Stop-Sessions."""
    t = Tcp(cport=41500)
    t.handshake()
    t.send(False, bytes(12) + struct.pack("!I", 0x11) + bytes(32) + struct.pack("!I", 1024) + bytes(12))
    t.send(True, struct.pack("!I", 0x11) + bytes(80) + bytes(64) + bytes(16))
    t.send(False, bytes(16) + bytes(16) + ntp(T0) + bytes(8))
    t.send(True, request(21000, 21001, 0))
    t.send(False, accept(21001, SID1))
    t.send(True, request(21002, 21003, 0))
    t.send(False, accept(21003, SID2))
    t.send(True, bytes([7]) + bytes(11) + struct.pack("!I", 2) + SID1 + SID2 + bytes(16))
    t.send(False, bytes([8, 0]) + bytes(10) + struct.pack("!I", 2) + SID1 + SID2 + bytes(16))
    t.send(True, bytes([9, 0]) + bytes(10) + struct.pack("!I", 1) + SID2 + bytes(16))
    t.send(False, bytes([10, 0]) + bytes(10) + struct.pack("!I", 1) + SID2 + bytes(16))
    t.send(True, bytes([3, 0, 0, 0]) + struct.pack("!I", 1) + bytes(8) + bytes(16))
    wrpcap(path, t.frames)


def problems_pcap(path):
    """One problem of each kind the plugin files under its own expert info. Frame 1: STAMP
    reflector with a non-zero MBZ octet (38); 2: STAMP sender whose Extra Padding TLV has
    unassigned Flags bits; 3: STAMP sender with Error Estimate Multiplier 0; 4: STAMP sender
    with a 3-octet Location TLV; 5..11: unauthenticated TWAMP-Control where the server sends
    an Accept-Session nobody asked for (frame 11)."""
    refl = bytearray(REFLECTOR)
    refl[38] = 0x55
    pk = [
        udp(862, 50020, bytes(refl), src="192.0.2.2", dst="192.0.2.1"),
        udp(50020, 862, stamp_sender(1, ntp(T0), 0x8001, 0x0042, bytes([0x0f, 1, 0, 4]) + bytes(4))),
        udp(50020, 862, stamp_sender(2, ntp(T0), 0x8000, 0x0042)),
        udp(50020, 862, stamp_sender(3, ntp(T0), 0x8001, 0x0042, bytes([0, 2, 0, 3]) + bytes(3))),
    ]
    t = Tcp(cport=41700)
    t.handshake()
    t.send(False, bytes(12) + struct.pack("!I", 1) + bytes(32) + struct.pack("!I", 1024) + bytes(12))
    t.send(True, struct.pack("!I", 1) + bytes(80) + bytes(64) + bytes(16))
    t.send(False, bytes(16) + bytes(16) + ntp(T0) + bytes(8))
    t.send(False, accept(21001, SID1))
    wrpcap(path, pk + t.frames)


def random_pcap(path, seed=862, count=3000):
    """Random octets: UDP to port 862 (decoded as test packets whatever they hold) and to
    random ports (for the heuristic), half of them behind a plausible STAMP header so the
    TLV walker sees random lists; and TCP 862 segments after a real greeting and without
    one (control state machine and guessing fed garbage)."""
    import random
    rnd = random.Random(seed)
    pk = []
    for i in range(count):
        n = rnd.choice((rnd.randrange(0, 48), rnd.randrange(44, 400)))
        body = bytes(rnd.getrandbits(8) for _ in range(n))
        if i % 2 and n >= 44:
            head = stamp_sender(i, ntp(T0 + i), 0x8001, i & 0xffff)[:44]
            body = head + body[44:]
        dport = 862 if i % 3 == 0 else rnd.randrange(1024, 65535)
        pk.append(udp(rnd.randrange(1024, 65535), dport, body))
    for greet in (True, False):
        t = Tcp(cport=42000 + greet)
        t.handshake()
        if greet:
            t.send(False, bytes(12) + struct.pack("!I", 0xf) + bytes(32) + struct.pack("!I", 1024) +
                   bytes(12))
        for i in range(200):
            n = rnd.choice((16, 32, 48, 64, 112, 164, rnd.randrange(1, 600)))
            body = bytes(rnd.getrandbits(8) for _ in range(n))
            if rnd.random() < 0.5:
                body = bytes([rnd.choice((2, 3, 5, 7, 8, 9, 10))]) + bytes(15) + body[16:]
            t.send(rnd.random() < 0.5, body)
        pk += t.frames
    wrpcap(path, pk)


def main(argv):
    if len(argv) != 2:
        print("usage: mkpcaps.py OUTDIR", file=sys.stderr)
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    stamp_pcap(os.path.join(out, "stamp.pcap"))
    heuristic_pcap(os.path.join(out, "heuristic.pcap"))
    twamp_pcaps(os.path.join(out, "twamp-unauth.pcap"), os.path.join(out, "twamp-midconn.pcap"))
    twamp_5938_pcap(os.path.join(out, "twamp-5938.pcap"))
    random_pcap(os.path.join(out, "random.pcap"))
    problems_pcap(os.path.join(out, "problems.pcap"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
