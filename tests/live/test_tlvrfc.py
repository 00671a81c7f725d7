#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# STAMP TLV rules checked on the reply octets of `stampkit responder`, with request packets
# built by scapy's STAMP layers (fixed part and generic TLV): RFC 8972 §4 (U flag, processing
# stops at a malformed TLV), §4.2 (Location sub-TLVs), §4.6 (Access ID), §4.8 (HMAC TLV
# failure, --hmac-key), RFC 9534 §3 (Reflector micro-session ID); and `stampkit sender`
# against a reflector that only knows RFC 8762 (SSID 0, RFC 8972 §3).
#   usage: test_tlvrfc.py STAMPKIT
import hashlib, hmac, logging, os, socket, struct, tempfile, threading
from livelib import Responder, check, free_port, run, sender, SKIP

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
U, M, I = 0x80, 0x40, 0x20

try:
    from scapy.contrib.stamp import (STAMPSessionSenderTestUnauthenticated as S,
                                     STAMPSessionReflectorTestUnauthenticated as R,
                                     STAMPTestTLV as TLV)
except ImportError:
    raise SystemExit(SKIP)


def tlv(flags, typ, value):
    # scapy's flags field is an 8-bit integer here (its bit names are LSB-first).
    return bytes(TLV(flags=flags, type=typ, len=len(value), value=value))


def request(seq, tlvs, ssid=0x5150):
    return bytes(S(seq=seq, ssid=ssid)) + b"".join(tlvs)


def ask(c, port, pkt, want_reply=True):
    c.sendto(pkt, ("127.0.0.1", port))
    try:
        data = c.recv(4096)
    except socket.timeout:
        data = None
    check((data is not None) == want_reply, "reply %r (wanted one: %s)" % (data, want_reply))
    if data is not None:
        check(len(data) == len(pkt), "reply %d octets, request %d" % (len(data), len(pkt)))
        # scapy 2.5 dissects TLVs only under a UDP layer: its fixed part here, TLV octets by hand
        check(R(data[:44]).seq_sender == struct.unpack("!I", pkt[:4])[0], "sender seq")
    return data


def responder_rules(bin):
    port = free_port()
    d = tempfile.mkdtemp(prefix="sk-live-")
    kf = os.path.join(d, "hmac.key")
    key = b"tlv integrity key"
    with open(kf, "wb") as f:
        f.write(key + b"\n")
    os.chmod(kf, 0o600)
    r = Responder(bin, "127.0.0.1:%d" % port, "--hmac-key", kf, "--micro-session-id", "2828")
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.bind(("127.0.0.1", 0))
    c.settimeout(1)
    try:
        # RFC 8972 §4: the sender sets U; the reflector clears it on what it understood.
        cos = tlv(U, 4, bytes([46 << 2, 0, 0, 0]))
        unk = tlv(U, 200, bytes([9, 9, 9, 9]))
        rep = ask(c, port, request(1, [cos, unk]))
        check(rep[44] == 0 and rep[52] == U, "U flags 0x%02x 0x%02x" % (rep[44], rep[52]))

        # §4: at a malformed TLV (CoS of length 2) processing stops: the TLV after it comes
        # back exactly as sent.
        dm = tlv(U, 5, struct.pack("!III", 7, 0, 0))
        req = request(2, [tlv(U, 4, bytes([46 << 2, 0])), dm])
        rep = ask(c, port, req)
        check(rep[44] == M and rep[50:] == req[50:], "after a malformed TLV: %r" % rep[44:])

        # §4.2: generic Destination/Source IP answered as the IPv4 types with the addresses;
        # the Source MAC a UDP socket cannot see as a zeroed Source EUI-64.
        sub = tlv(U, 4, bytes(16)) + tlv(U, 7, bytes(16)) + tlv(U, 1, bytes(8))
        rep = ask(c, port, request(3, [tlv(U, 2, bytes(4) + sub)]))
        v = rep[48:]
        check(rep[44] == 0 and struct.unpack("!H", v[0:2])[0] == port, "Location %r" % v[:4])
        check(v[4:6] == bytes([0, 5]) and v[8:12] == bytes([127, 0, 0, 1]), "Destination IPv4")
        check(v[24:26] == bytes([0, 8]) and v[28:32] == bytes([127, 0, 0, 1]), "Source IPv4")
        check(v[44:48] == bytes([0, 3, 0, 8]) and v[48:56] == bytes(8), "Source EUI-64 %r" % v[44:56])

        # §4.7: this reflector is stateless: Follow-Up Telemetry comes back zeroed; one of
        # the wrong length (12) is malformed: M, and zeroed too.
        rep = ask(c, port, request(12, [tlv(U, 7, bytes([0xee]) * 16)]))
        check(rep[44:64] == bytes([0, 7, 0, 16]) + bytes(16), "stateless Follow-Up %r" % rep[44:64])
        rep = ask(c, port, request(13, [tlv(U, 7, bytes([0xee]) * 12)]))
        check(rep[44:60] == bytes([M, 7, 0, 12]) + bytes(12), "Follow-Up length 12 %r" % rep[44:60])

        # §4.6: Access ID 3 is neither 3GPP (1) nor non-3GPP (2): the TLV is discarded
        # (zero-filled Extra Padding in its place); ID 2 comes back as sent.
        rep = ask(c, port, request(4, [tlv(U, 6, bytes([0x30, 1, 0, 0]))]))
        check(rep[44:52] == bytes([0, 1, 0, 4, 0, 0, 0, 0]), "Access ID 3 %r" % rep[44:52])
        rep = ask(c, port, request(5, [tlv(U, 6, bytes([0x20, 1, 0, 0]))]))
        check(rep[44:52] == bytes([0, 6, 0, 4, 0x20, 1, 0, 0]), "Access ID 2 %r" % rep[44:52])

        # §4.8 with --hmac-key (unauthenticated mode): HMAC-SHA-256/128 over the Sequence
        # Number and the TLVs before it. A good one: CoS answered, a fresh HMAC that
        # verifies over the reply.
        def with_hmac(seq, tlvs, good=True):
            body = b"".join(tlvs)
            # coverage: Sequence Number and every TLV before the HMAC TLV
            mac = hmac.new(key, struct.pack("!I", seq) + body, hashlib.sha256).digest()[:16]
            if not good:
                mac = bytes([mac[0] ^ 1]) + mac[1:]
            return request(seq, tlvs + [tlv(U, 8, mac)])
        req = with_hmac(6, [cos, dm])
        rep = ask(c, port, req)
        check(rep[44] == 0 and rep[52] == 0 and rep[68] == 0, "good HMAC flags %r" % rep[44:72])
        check((struct.unpack("!I", rep[48:52])[0] >> 20) & 63 == 0, "CoS DSCP2 filled")
        want = hmac.new(key, rep[0:4] + rep[44:68], hashlib.sha256).digest()[:16]
        check(rep[72:88] == want, "reply HMAC TLV does not verify")
        # A bad one: processing stops, I on every TLV, values (and HMAC) as received.
        req = with_hmac(7, [cos, dm], good=False)
        rep = ask(c, port, req)
        check(rep[44] == I and rep[52] == I and rep[68] == I, "bad HMAC flags")
        check(rep[45:52] == req[45:52] and rep[53:68] == req[53:68] and rep[69:] == req[69:],
              "bad HMAC: TLVs not returned as received")
        # An HMAC TLV that is not last is a verification failure: I on every TLV.
        good = with_hmac(8, [cos])
        rep = ask(c, port, good + tlv(U, 5, bytes(12)))
        check(rep[44] == I and rep[52] == I and rep[72] == I, "HMAC not last %r" % rep[44:76])

        # RFC 9534 §3: Reflector micro-session ID 0 is filled with ours (2828 = 0x0b0c);
        # ours is answered; another one is discarded.
        rep = ask(c, port, request(9, [tlv(U, 11, bytes([0, 5, 0, 0]))]))
        check(rep[44:52] == bytes([0, 11, 0, 4, 0, 5, 0x0b, 0x0c]), "micro-session %r" % rep[44:52])
        ask(c, port, request(10, [tlv(U, 11, bytes([0, 5, 0x0b, 0x0c]))]))
        ask(c, port, request(11, [tlv(U, 11, bytes([0, 5, 0x0b, 0x0d]))]), want_reply=False)

        # Our sender with --hmac-key (unauthenticated mode): the HMAC TLV goes with the
        # other TLVs by default and every TLV is understood; with another key, the
        # reflector's check fails and every TLV comes back with I (§4.8).
        other = os.path.join(d, "other.key")
        with open(other, "wb") as f:
            f.write(b"not the key\n")
        os.chmod(other, 0o600)
        for k, ok in ((kf, True), (other, False)):
            s = sender(bin, "127.0.0.1:%d" % port, "-c", "3", "-i", "1", "--hmac-key", k,
                       "--tlv", "class-of-service:dscp1=af41")
            each = s["tlv"]["each"]
            check([e["type"] for e in each] == [4, 8], "TLVs sent %r" % each)
            if ok:
                check(all(e["understood"] == 3 for e in each) and s["tlv"]["hmac_bad"] == 0,
                      "--hmac-key: %r" % s["tlv"])
            else:
                check(all(e["i"] == 3 and e["understood"] == 0 for e in each),
                      "--hmac-key, other key: %r" % s["tlv"])
    finally:
        cnt = r.stop()
    check(cnt["refused"]["micro_session"] == 1, "refused %r" % cnt["refused"])
    check(cnt["tlv"]["hmac_bad"] == 5, "hmac_bad %r" % cnt["tlv"])


def rfc8762_reflector(sock, n):
    """Answers n requests as an RFC 8762-only reflector: SSID octets are MBZ there (0)."""
    for _ in range(n):
        try:
            data, peer = sock.recvfrom(4096)
        except socket.timeout:
            return
        q = S(data[:44])
        rep = R(seq=q.seq, ssid=0, seq_sender=q.seq, ts_sender=q.ts, ttl_sender=64)
        out = bytes(rep)
        out = out[:28] + data[4:12] + out[36:]  # Sender Timestamp as sent
        sock.sendto(out + bytes(len(data) - len(out)), peer)


def ssid_zero(bin):
    for strict in (False, True):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.settimeout(5)
        t = threading.Thread(target=rfc8762_reflector, args=(s, 3))
        t.start()
        args = ["127.0.0.1:%d" % s.getsockname()[1], "-c", "3", "-i", "20", "--ssid", "5",
                "--timeout", "0.5"]
        try:
            if strict:
                x = sender(bin, *args, "--ssid-strict", want_rc=1)
                check(x["received"] == 0 and x["foreign"] == 3, "strict: %r" % x)
            else:
                x = sender(bin, *args)
                check(x["received"] == 3 and x["ssid_zero"] == 3 and x["foreign"] == 0,
                      "SSID 0 replies: %r" % x)
        finally:
            t.join()
            s.close()


def main(bin):
    responder_rules(bin)
    ssid_zero(bin)


run(main)
