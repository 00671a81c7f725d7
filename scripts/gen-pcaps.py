#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# gen-pcaps.py - writes the small synthetic captures of pcaps/synthetic/ used by the golden
# tests of `stampkit decode`. Deterministic: fixed times, addresses, ports and payloads, so
# running it again gives byte-identical files (checked by `--check`).
#
# usage: /usr/bin/python3 scripts/gen-pcaps.py [--check] [OUTDIR]   (default pcaps/synthetic)
#
# Packets are built octet by octet here (struct), independently of the C codec, from the
# figures of RFC 5357 §3-4 and RFC 8762/8972; scapy only wraps them in Ethernet/IP/UDP/TCP
# and writes the files.
import os
import struct
import sys
import tempfile
import filecmp
from decimal import Decimal

from scapy.all import Ether, Dot1Q, Dot1AD, IP, IPv6, IPv6ExtHdrHopByHop, UDP, TCP, Raw
from scapy.layers.l2 import CookedLinuxV2
from scapy.utils import PcapWriter, PcapNgWriter

BASE = 1735689600  # 2025-01-01T00:00:00Z
NTP_OFF = 2208988800


def exact(t):
    """Times are written as floats for brevity; their decimal spelling (to the ns) is meant."""
    return Decimal(repr(round(t, 9)))


def ntp(t):
    t = exact(t)
    sec = int(t)
    frac = int(round((t - sec) * (1 << 32))) & 0xFFFFFFFF
    return struct.pack("!II", sec + NTP_OFF, frac)


def ptp(t, tai=37):
    t = exact(t)
    sec = int(t)
    ns = int((t - sec) * 1000000000)
    return struct.pack("!II", sec + tai, ns)


def tlv(typ, value, flags=0x80):
    return struct.pack("!BBH", flags, typ, len(value)) + value


# ---- STAMP (RFC 8762 §4.2/4.3, RFC 8972 TLVs) ----

def stamp_sender(seq, t, ssid, tlvs=b"", ee=0x8001, ts=None):
    ts = ts or ntp(t)
    return struct.pack("!I", seq) + ts + struct.pack("!HH", ee, ssid) + bytes(28) + tlvs


def stamp_reflector(seq, t3, t2, sseq, t1, ssid, ttl, tlvs=b"", ee=0x8001, see=0x8001, tsf=ntp):
    return (struct.pack("!I", seq) + tsf(t3) + struct.pack("!HH", ee, ssid) + tsf(t2) +
            struct.pack("!I", sseq) + tsf(t1) + struct.pack("!HH", see, 0) +
            struct.pack("!B", ttl) + bytes(3) + tlvs)


# ---- TWAMP-Test unauthenticated (RFC 5357 §4.1.2, §4.2.1) ----

def twamp_sender(seq, t, pad):
    return struct.pack("!I", seq) + ntp(t) + struct.pack("!H", 0x0001) + bytes(pad)


def twamp_reflector(seq, t3, t2, sseq, t1, ttl, pad):
    return (struct.pack("!I", seq) + ntp(t3) + struct.pack("!HH", 0x0001, 0) + ntp(t2) +
            struct.pack("!I", sseq) + ntp(t1) + struct.pack("!HH", 0x0001, 0) +
            struct.pack("!B", ttl) + bytes(pad))


def write(path, pkts, linktype=None, ng=False):
    w = (PcapNgWriter(path) if ng else
         PcapWriter(path, linktype=linktype, sync=True, nano=True))
    for t, p in pkts:
        p.time = exact(t)
        w.write(p)
    w.close()


def gen_stamp_tlv(out):
    """STAMP over Ethernet/IPv4 to UDP 862: TLVs of several types, both roles, PTP format."""
    cli, srv = "192.0.2.10", "192.0.2.20"
    e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    er = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01")
    pkts = []
    t = BASE + 10.0
    tlvs = (tlv(1, bytes(8)) +                                   # Extra Padding
            tlv(3, struct.pack("!BBBB", 1, 1, 0, 0)) +           # Timestamp Information
            tlv(4, struct.pack("!I", 0xB8000000)) +              # Class of Service: DSCP1 46
            tlv(2, struct.pack("!HH", 0, 0) +                    # Location, one sub-TLV
                tlv(5, bytes([192, 0, 2, 20]) + bytes(12), 0x80)))
    for seq in range(2):
        t1 = t + seq * 0.1
        s = stamp_sender(seq, t1, 0x1234, tlvs)
        pkts.append((t1, e / IP(src=cli, dst=srv, ttl=255, tos=0xB8) / UDP(sport=50000, dport=862) / Raw(s)))
        t2, t3 = t1 + 0.0012, t1 + 0.00125
        rt = (tlv(1, bytes(8), 0) + tlv(3, struct.pack("!BBBB", 1, 1, 1, 1), 0) +
              tlv(4, struct.pack("!I", 0xB8B80000), 0) +
              tlv(2, struct.pack("!HH", 862, 50000) + tlv(5, bytes([192, 0, 2, 20]) + bytes(12), 0), 0))
        r = stamp_reflector(seq, t3, t2, seq, t1, 0x1234, 254, rt)
        pkts.append((t3 + 0.0002, er / IP(src=srv, dst=cli, ttl=64) / UDP(sport=862, dport=50000) / Raw(r)))
    # A PTP-format pair (Z bit set) without TLVs.
    t1 = t + 1.0
    s = stamp_sender(7, t1, 0, b"", ee=0xC001, ts=ptp(t1))
    pkts.append((t1, e / IP(src=cli, dst=srv, ttl=255) / UDP(sport=50001, dport=862) / Raw(s)))
    r = stamp_reflector(7, t1 + 0.002, t1 + 0.001, 7, t1, 0, 255, ee=0xC001, see=0xC001, tsf=ptp)
    pkts.append((t1 + 0.0021, er / IP(src=srv, dst=cli, ttl=64) / UDP(sport=862, dport=50001) / Raw(r)))
    write(os.path.join(out, "stamp-tlv.pcap"), pkts, linktype=1)


def gen_twamp_light_vlan(out):
    """TWAMP-light over QinQ (802.1ad outer 100, 802.1Q inner 200) and one 802.1Q frame, pcapng."""
    a, b = "198.51.100.1", "198.51.100.2"
    pkts = []
    t = BASE + 20.0
    for seq in range(2):
        t1 = t + seq * 0.05
        s = twamp_sender(seq, t1, 27)  # 41 octets: the symmetrical size
        fr = Ether(src="02:00:00:00:01:01", dst="02:00:00:00:01:02", type=0x88A8)
        fr = fr / Dot1AD(vlan=100, type=0x8100) / Dot1Q(vlan=200) if seq == 0 else \
            Ether(src="02:00:00:00:01:01", dst="02:00:00:00:01:02") / Dot1Q(vlan=300)
        pkts.append((t1, fr / IP(src=a, dst=b, ttl=255) / UDP(sport=40862, dport=862) / Raw(s)))
        r = twamp_reflector(seq, t1 + 0.0004, t1 + 0.0003, seq, t1, 255, 0)
        rf = Ether(src="02:00:00:00:01:02", dst="02:00:00:00:01:01", type=0x88A8)
        rf = rf / Dot1AD(vlan=100, type=0x8100) / Dot1Q(vlan=200) if seq == 0 else \
            Ether(src="02:00:00:00:01:02", dst="02:00:00:00:01:01") / Dot1Q(vlan=300)
        pkts.append((t1 + 0.0005, rf / IP(src=b, dst=a, ttl=63) / UDP(sport=862, dport=40862) / Raw(r)))
    write(os.path.join(out, "twamp-light-vlan.pcapng"), pkts, ng=True)


def gen_stamp_sll2_ipv6(out):
    """STAMP over IPv6 with a Hop-by-Hop header, Linux cooked v2 link type, on --port 8620."""
    a, b = "2001:db8::10", "2001:db8::20"
    pkts = []
    t = BASE + 30.0
    s = stamp_sender(42, t, 0xBEEF, tlv(1, bytes(4)))
    pkts.append((t, CookedLinuxV2(proto=0x86DD, ifindex=2, pkttype=4) /
                 IPv6(src=a, dst=b, hlim=255, tc=0x28, fl=0x12345) / IPv6ExtHdrHopByHop() /
                 UDP(sport=33000, dport=8620) / Raw(s)))
    r = stamp_reflector(42, t + 0.003, t + 0.002, 42, t, 0xBEEF, 255, tlv(1, bytes(4), 0))
    pkts.append((t + 0.0031, CookedLinuxV2(proto=0x86DD, ifindex=2, pkttype=0) /
                 IPv6(src=b, dst=a, hlim=64) / UDP(sport=8620, dport=33000) / Raw(r)))
    write(os.path.join(out, "stamp-sll2-ipv6.pcap"), pkts, linktype=276)


def gen_malformed(out):
    """Damaged input: a TLV that overruns the packet, a 10-octet packet, an unknown TLV type,
    snaplen-cut payload; and the file itself ends inside a record."""
    a, b = "203.0.113.1", "203.0.113.2"
    e = Ether(src="02:00:00:00:02:01", dst="02:00:00:00:02:02")
    pkts = []
    t = BASE + 40.0
    bad_tlv = stamp_sender(1, t, 1, struct.pack("!BBH", 0x80, 1, 100) + bytes(8))
    pkts.append((t, e / IP(src=a, dst=b) / UDP(sport=41000, dport=862) / Raw(bad_tlv)))
    pkts.append((t + 0.1, e / IP(src=a, dst=b) / UDP(sport=41000, dport=862) / Raw(bytes(range(10)))))
    unk = stamp_sender(3, t + 0.2, 1, tlv(200, b"\x01\x02\x03\x04"))
    pkts.append((t + 0.2, e / IP(src=a, dst=b) / UDP(sport=41000, dport=862) / Raw(unk)))
    good = stamp_sender(4, t + 0.3, 1)
    pkts.append((t + 0.3, e / IP(src=a, dst=b) / UDP(sport=41000, dport=862) / Raw(good)))
    path = os.path.join(out, "malformed.pcap")
    tmp = path + ".tmp"
    w = PcapWriter(tmp, linktype=1, sync=True, nano=True, snaplen=65535)
    for i, (tt, p) in enumerate(pkts):
        p.time = exact(tt)
        w.write(p)
    w.close()
    data = open(tmp, "rb").read()
    os.unlink(tmp)
    # Cut the last record short: the reader must show the first three and say the file is damaged.
    open(path, "wb").write(data[:-20])


def gen_twamp_control(out):
    """Unauthenticated TWAMP-Control on TCP 862 (one segment delivered out of order) and the
    test session it negotiates: requested port 5000, server answers 5001."""
    cli, srv = "10.1.0.1", "10.1.0.2"
    cport, sport = 50123, 862
    e1 = Ether(src="02:00:00:00:03:01", dst="02:00:00:00:03:02")
    e2 = Ether(src="02:00:00:00:03:02", dst="02:00:00:00:03:01")
    t = BASE + 50.0
    greeting = bytes(12) + struct.pack("!I", 0x0000001F) + bytes(range(16)) + bytes(range(16, 32)) + \
        struct.pack("!I", 1024) + bytes(12)
    setup = struct.pack("!I", 1) + bytes(80) + bytes(64) + bytes(16)
    start = bytes(15) + b"\x00" + bytes(16) + ntp(t) + bytes(8)
    sid = bytes([10, 1, 0, 2]) + ntp(t) + bytes([0xAA, 0xBB, 0xCC, 0xDD])
    req = (struct.pack("!BBBBII", 5, 4, 0, 0, 0, 0) + struct.pack("!HH", 40001, 5000) +
           bytes([10, 1, 0, 1]) + bytes(12) + bytes([10, 1, 0, 2]) + bytes(12) + bytes(16) +
           struct.pack("!I", 27) + ntp(t + 1) + struct.pack("!Q", 5 << 32) +
           struct.pack("!I", 0) + bytes(4) + bytes(4) + bytes(16))
    assert len(req) == 112
    acc = struct.pack("!BBH", 0, 0, 5001) + sid + bytes(4) + bytes(8) + bytes(16)
    startc = b"\x02" + bytes(15) + bytes(16)
    sack = b"\x00" + bytes(15) + bytes(16)
    stop = struct.pack("!BBHI", 3, 0, 0, 1) + bytes(8) + bytes(16)
    pkts = []
    cs, ss = 1000, 5000  # initial sequence numbers

    def c2s(tt, data, seq, flags="PA"):
        return (tt, e1 / IP(src=cli, dst=srv) / TCP(sport=cport, dport=sport, seq=seq, ack=ss + 1,
                                                     flags=flags) / Raw(data))

    def s2c(tt, data, seq, flags="PA"):
        return (tt, e2 / IP(src=srv, dst=cli) / TCP(sport=sport, dport=cport, seq=seq, ack=cs + 1,
                                                     flags=flags) / Raw(data))

    pkts.append((t, e1 / IP(src=cli, dst=srv) / TCP(sport=cport, dport=sport, seq=cs, flags="S")))
    pkts.append((t + 0.001, e2 / IP(src=srv, dst=cli) / TCP(sport=sport, dport=cport, seq=ss, ack=cs + 1, flags="SA")))
    c, s = cs + 1, ss + 1
    pkts.append(s2c(t + 0.002, greeting, s)); s += len(greeting)
    pkts.append(c2s(t + 0.003, setup, c)); c += len(setup)
    pkts.append(s2c(t + 0.004, start, s)); s += len(start)
    # Request-TW-Session in two segments, the second captured first.
    pkts.append(c2s(t + 0.005, req[64:], c + 64))
    pkts.append(c2s(t + 0.006, req[:64], c)); c += len(req)
    pkts.append(s2c(t + 0.007, acc, s)); s += len(acc)
    pkts.append(c2s(t + 0.008, startc, c)); c += len(startc)
    pkts.append(s2c(t + 0.009, sack, s)); s += len(sack)
    # Test packets on the negotiated ports (41-octet sender: Padding Length 27).
    for seq in range(3):
        t1 = t + 1 + seq * 0.01
        pkts.append((t1, e1 / IP(src=cli, dst=srv, ttl=255) / UDP(sport=40001, dport=5001) /
                     Raw(twamp_sender(seq, t1, 27))))
        r = twamp_reflector(seq, t1 + 0.0002, t1 + 0.0001, seq, t1, 255, 0)
        pkts.append((t1 + 0.0003, e2 / IP(src=srv, dst=cli, ttl=64) / UDP(sport=5001, dport=40001) / Raw(r)))
    # Traffic to the requested-but-overridden port is not a test flow.
    pkts.append((t + 1.5, e1 / IP(src=cli, dst=srv) / UDP(sport=40001, dport=5000) / Raw(b"not a test packet")))
    pkts.append(c2s(t + 2, stop, c)); c += len(stop)
    pkts.append(c2s(t + 2.001, b"", c, "FA"))
    pkts.append(s2c(t + 2.002, b"", s, "FA"))
    write(os.path.join(out, "twamp-control-unauth.pcap"), pkts, linktype=1)


GENERATORS = [gen_stamp_tlv, gen_twamp_light_vlan, gen_stamp_sll2_ipv6, gen_malformed, gen_twamp_control]


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    here = os.path.dirname(os.path.abspath(__file__))
    out = args[0] if args else os.path.join(here, "..", "pcaps", "synthetic")
    if check:
        with tempfile.TemporaryDirectory() as tmp:
            for g in GENERATORS:
                g(tmp)
            bad = [f for f in sorted(os.listdir(tmp))
                   if not filecmp.cmp(os.path.join(tmp, f), os.path.join(out, f), shallow=False)]
            if bad:
                print("differ from the committed captures:", " ".join(bad))
                return 1
            print("captures are up to date")
            return 0
    os.makedirs(out, exist_ok=True)
    for g in GENERATORS:
        g(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
