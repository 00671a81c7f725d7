#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# scapy_stamp.py - cross-check: scapy's STAMP layer (RFC 8762/8972) must decode octets that
# stampkit's encoder produced with the values stampkit put in.
#
#   /usr/bin/python3 tests/crosscheck/scapy_stamp.py                 built-in vectors, exit 1 on mismatch
#   /usr/bin/python3 tests/crosscheck/scapy_stamp.py sender|reflector HEX   show scapy's decode
#
# The built-in vectors are byte arrays of tests/unit/test_testpkt.c (st_s_u_bytes,
# st_r_u_bytes) and tests/unit/test_tlv.c (44-octet base + tlv_area), which the C tests
# prove are what sk_test_encode and the sk_tlv_put_* encoders write.
# scapy 2.5.0 knows only the unauthenticated formats and a generic TLV (flags/type/len/value);
# its flags field names bits LSB-first ("UMIRRRRR"), so its "U" is 0x01, not RFC 8972's 0x80:
# flags are compared here as integers.
import struct
import sys
from decimal import Decimal

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.contrib.stamp import (STAMPSessionReflectorTestUnauthenticated,  # noqa: E402
                                 STAMPSessionSenderTestUnauthenticated)
from scapy.layers.inet import UDP  # noqa: E402

STAMP_PORT = 862

# scapy 2.5.0 sizes the TLV list with `pkt.parent.len - 8 - 44`, but `parent` is only set
# for packets nested in a PacketField: dissecting any STAMP packet with TLVs from octets
# fails ("'NoneType' object has no attribute 'len'") and scapy falls back to Raw. Use the
# UDP underlayer that dissection does set; the TLV parsing itself stays scapy's.
for _cls in (STAMPSessionSenderTestUnauthenticated, STAMPSessionReflectorTestUnauthenticated):
    for _f in _cls.fields_desc:
        if _f.name == "tlv_objects":
            _f.length_from = lambda pkt: pkt.underlayer.len - 8 - 44


def dissect(role, payload):
    """scapy binds STAMP to UDP port 862: dport for the sender, sport for the reflector."""
    sport, dport = (50000, STAMP_PORT) if role == "sender" else (STAMP_PORT, 50000)
    udp = UDP(struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)
    want = (STAMPSessionSenderTestUnauthenticated if role == "sender"
            else STAMPSessionReflectorTestUnauthenticated)
    pkt = udp.payload
    if not isinstance(pkt, want):
        raise SystemExit("scapy did not dissect a %s packet: %r" % (role, pkt))
    return pkt


def ntp(v):
    return int(Decimal(str(v)) * (1 << 32))


def ee(e):
    return e.S << 15 | e.Z << 14 | e.scale << 8 | e.multiplier


VECTORS = [
    ("sender", "st_s_u_bytes", (
        "01020304e93c7f00800000008001beef00000000000000000000000000000000"
        "000000000000000000000000"),
     dict(seq=0x01020304, ts=0xE93C7F0080000000, ee=0x8001, ssid=0xBEEF, tlvs=[])),
    ("reflector", "st_r_u_bytes", (
        "01020304e93c7f00800000008001beefe93c7f01000000000a0b0c0de93c7f00"
        "4000000080020000fe000000"),
     dict(seq=0x01020304, ts=0xE93C7F0080000000, ee=0x8001, ssid=0xBEEF,
          ts_rx=0xE93C7F0100000000, seq_sender=0x0A0B0C0D, ts_sender=0xE93C7F0040000000,
          ee_sender=0x8002, ttl_sender=254, tlvs=[])),
    ("sender", "base + tlv_area", (
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
        "080010428447ca3264f8c09be9b94d70392690"),
     dict(seq=0x01020304, ts=0xE93C7F0080000000, ee=0x8001, ssid=0xBEEF,
          tlvs=[(0x80, 1, 6), (0, 2, 36), (0, 3, 10), (0, 4, 4), (0, 5, 12), (0, 6, 4),
                (0, 7, 16), (0, 9, 4), (0, 9, 16), (0, 10, 16), (0, 10, 12), (0, 10, 56),
                (0, 11, 4), (0, 12, 16), (0x90, 200, 3), (0, 8, 16)])),
]


def check(role, name, hexstr, exp):
    payload = bytes.fromhex(hexstr)
    p = dissect(role, payload)
    got = dict(seq=p.seq, ts=ntp(p.ts), ee=ee(p.err_estimate), ssid=p.ssid,
               tlvs=[(int(t.flags), t.type, t.len) for t in p.tlv_objects])
    if role == "reflector":
        got.update(ts_rx=ntp(p.ts_rx), seq_sender=p.seq_sender, ts_sender=ntp(p.ts_sender),
                   ee_sender=ee(p.err_estimate_sender), ttl_sender=p.ttl_sender)
    bad = [k for k in exp if got.get(k) != exp[k]]
    # The TLV values scapy kept must be the octets that follow each header.
    off = 44
    for t in p.tlv_objects:
        if bytes(t.value) != payload[off + 4:off + 4 + t.len]:
            bad.append("tlv value at %d" % off)
        off += 4 + t.len
    if off != len(payload):
        bad.append("TLVs end at %d, payload %d" % (off, len(payload)))
    for k in bad:
        print("%s: %s: scapy %r, expected %r" % (name, k, got.get(k), exp.get(k)))
    print("%s: %s" % (name, "ok" if not bad else "MISMATCH"))
    return not bad


def main(argv):
    if len(argv) == 3 and argv[1] in ("sender", "reflector"):
        dissect(argv[1], bytes.fromhex(argv[2])).show()
        return 0
    if len(argv) != 1:
        print(__doc__ or "usage: scapy_stamp.py [sender|reflector HEX]", file=sys.stderr)
        return 2
    ok = all([check(role, name, "".join(h), exp) for role, name, h, exp in VECTORS])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
