#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# On the wire (tcpdump on lo): DSCP shifted into the TOS octet, TTL, replies exactly as long
# as their requests (padding, IMIX sizes), and TLVs answered per RFC 8972 (Class of Service
# with the received DSCP/ECN and the reply sent with DSCP1, Location, U flag, Sender TTL).
#   usage: test_wire.py STAMPKIT
import socket, struct, time
import os, tempfile
from livelib import Capture, Responder, check, free_port, pcap_times, read_pcap, run, sender


def raw_ip(path, index):
    """The IP header octets of record `index` of an Ethernet capture."""
    data, off = open(path, "rb").read(), 24
    for i in range(index + 1):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
    return frame[14:]


def main(bin):
    port = free_port()
    rpcap = os.path.join(tempfile.mkdtemp(prefix="sk-live-"), "responder.pcap")
    r = Responder(bin, "127.0.0.1:%d" % port, "--pcap-out", rpcap)
    try:
        # --dscp ef: TOS octet 0xb8 (46 << 2), not twampy's 0x2e; --ttl 17.
        cap = Capture("udp port %d" % port, 8)
        s = sender(bin, "127.0.0.1:%d" % port, "-c", "4", "-i", "2", "--dscp", "ef",
                   "--ttl", "17", "--padding", "100")
        pk = cap.wait()
        check(s["received"] == 4 and len(pk) == 8, "captured %d packets" % len(pk))
        req = [p for p in pk if p[4] == port]
        rep = [p for p in pk if p[3] == port]
        check(len(req) == 4 and len(rep) == 4, "4 requests, 4 replies")
        for p in req:
            check(p[1] == 0xb8, "request TOS 0x%02x, want 0xb8" % p[1])
            check(p[2] == 17, "request TTL %d" % p[2])
            check(len(p[5]) == 144, "request length %d" % len(p[5]))
        for q in rep:
            check(len(q[5]) == 144, "reply length %d != request 144" % len(q[5]))
            check(q[5][40] == 17, "Sender TTL %d, want 17" % q[5][40])
        # IMIX: each reply as long as its request, request sizes from twampy's list.
        cap = Capture("udp port %d" % port, 80)
        s = sender(bin, "127.0.0.1:%d" % port, "-c", "40", "-i", "0.5", "--padding", "-1")
        pk = cap.wait()
        reqlen = {struct.unpack("!I", p[5][:4])[0]: len(p[5]) for p in pk if p[4] == port}
        replen = {struct.unpack("!I", p[5][24:28])[0]: len(p[5]) for p in pk if p[3] == port}
        check(len(reqlen) == 40 and reqlen == replen, "IMIX reply sizes differ from requests")
        check(set(reqlen.values()) <= {44, 548, 1472}, "IMIX sizes %r" % set(reqlen.values()))

        # --pcap-out: every request and reply, the request stamped with its T1, the reply
        # with its kernel receive time (after its T3), DSCP of the reply from the CoS TLV.
        out = os.path.join(tempfile.mkdtemp(prefix="sk-live-"), "run.pcap")
        s = sender(bin, "127.0.0.1:%d" % port, "-c", "5", "-i", "1", "--pcap-out", out,
                   "--tlv", "class-of-service:dscp1=cs5")
        pk, ts = read_pcap(out), pcap_times(out)
        check(s["received"] == 5 and len(pk) == 10, "pcap-out: %d packets" % len(pk))
        ntp_ns = lambda b: ((struct.unpack("!I", b[0:4])[0] - 2208988800) * 10**9 +
                            (struct.unpack("!I", b[4:8])[0] * 10**9 >> 32))
        for p, t in zip(pk, ts):
            if p[4] == port:
                check(abs(ntp_ns(p[5][4:12]) - t) <= 1, "request time is not its T1")
            else:
                check(t >= ntp_ns(p[5][4:12]) and p[1] == 40 << 2, "reply time/TOS in pcap-out")

        # Raw backend on lo (IPv6: the kernel takes injected ::1 packets): our own header
        # with hop limit 7, DSCP AF31 and Flow Label 0x12345 on the wire, replies received.
        port6 = free_port(socket.AF_INET6)
        r6 = Responder(bin, "[::1]:%d" % port6)
        try:
            cap = Capture("udp port %d" % port6, 6)
            s = sender(bin, "[::1]:%d" % port6, "[::1]", "--raw", "lo", "-c", "3", "-i", "2",
                       "--ttl", "7", "--dscp", "af31", "--flow-label", "74565",
                       "--pcap-out", out)
            pk = cap.wait()
        finally:
            r6.stop()
        check(s["received"] == 3, "raw lo IPv6: %r" % s)
        req = [p for p in pk if p[4] == port6]
        check(len(req) == 3 and all(p[1] == 26 << 2 and p[2] == 7 for p in req),
              "raw IPv6 header: %r" % [(p[1], p[2]) for p in req])
        flow = [struct.unpack("!I", raw_ip(cap.file, i)[0:4])[0] & 0xfffff
                for i, p in enumerate(pk) if p[4] == port6]
        check(flow == [0x12345] * 3, "flow labels %r" % flow)

        # TLVs: a hand-built STAMP request, sent with TOS 0x29 (AF11, ECT(1)) and TTL 33.
        tlvs = bytes([0, 4, 0, 4, 46 << 2, 0, 0, 0])                       # CoS, DSCP1 = EF
        tlvs += bytes([0, 2, 0, 24, 0, 0, 0, 0, 0, 4, 0, 16]) + bytes(16)  # Location + Dst IP
        tlvs += bytes([0, 3, 0, 4, 0, 0, 0, 0])                            # Timestamp Info
        tlvs += bytes([0, 5, 0, 12, 0, 0, 0, 7]) + bytes(8)                # Direct Measurement
        tlvs += bytes([0, 200, 0, 4, 9, 9, 9, 9])                          # unknown type
        req = struct.pack("!IQHH", 5, 0xE93C7F0080000000, 0x8001, 0xABCD) + bytes(28) + tlvs
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.bind(("127.0.0.1", 0))
        c.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0x29)
        c.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 33)
        c.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
        c.settimeout(3)
        c.sendto(req, ("127.0.0.1", port))
        data, anc, _, _ = c.recvmsg(2048, 256)
        tos = [x[2][0] for x in anc if x[0] == socket.IPPROTO_IP and x[1] == socket.IP_TOS]
        check(len(data) == len(req), "TLV reply %d octets, request %d" % (len(data), len(req)))
        check(tos == [46 << 2], "reply TOS %r, want DSCP1 EF (0xb8)" % tos)
        check(struct.unpack("!I", data[24:28])[0] == 5 and data[40] == 33, "sender seq / TTL")
        check(struct.unpack("!H", data[14:16])[0] == 0xABCD, "SSID echoed")
        t = data[44:]
        cos = struct.unpack("!I", t[4:8])[0]
        check(cos >> 26 == 46, "DSCP1 kept")
        check((cos >> 20) & 63 == 10 and (cos >> 18) & 3 == 1, "CoS DSCP2/ECN received: 0x%08x" % cos)
        loc = t[8:36]
        check(struct.unpack("!HH", loc[4:8]) == (port, c.getsockname()[1]), "Location ports")
        check(loc[12:16] == bytes([127, 0, 0, 1]), "Location destination address")
        check(t[40:44] in (bytes([5, 2, 5, 2]), bytes([1, 2, 1, 2])),
              "Timestamp Information %r" % t[40:44])
        dm = struct.unpack("!III", t[48:60])
        check(dm[0] == 7 and dm[1] >= 1 and dm[2] >= 1, "Direct Measurement %r" % (dm,))
        check(t[60] == 0x80 and t[61] == 200 and t[64:68] == bytes([9, 9, 9, 9]),
              "unknown TLV flags 0x%02x" % t[60])
        # Follow-Up Telemetry (RFC 8972 §4.7): the second reply names the first reply and
        # its true transmit time (kernel TX timestamp): after its T3, before we got it.
        fu = struct.pack("!IQHH", 1, 0xE93C7F0080000000, 0x8001, 0xABCD) + bytes(28) + \
            bytes([0, 7, 0, 16]) + bytes(16)
        ntp = lambda v: (v >> 32) - 2208988800 + (v & 0xffffffff) / 2 ** 32
        # RFC 8972 §4.7: a stateless reflector (this one) zeroes the TLV's fields.
        c.sendto(fu, ("127.0.0.1", port))
        d = c.recv(2048)
        check(d[44:48] == bytes([0, 7, 0, 16]) and d[48:64] == bytes(16),
              "stateless Follow-Up Telemetry not zeroed: %r" % d[44:64])
        sport = free_port()
        rs = Responder(bin, "127.0.0.1:%d" % sport, "--stateful")
        seen = []
        try:
            for i in range(3):
                c.sendto(fu, ("127.0.0.1", sport))
                d = c.recv(2048)
                seen.append((struct.unpack("!I", d[0:4])[0],
                             ntp(struct.unpack("!Q", d[4:12])[0]), time.time(),
                             struct.unpack("!I", d[48:52])[0],
                             ntp(struct.unpack("!Q", d[52:60])[0]), d[60]))
                time.sleep(0.05)
        finally:
            rs.stop()
        for prev, cur in zip(seen, seen[1:]):
            check(cur[3] == prev[0], "Follow-Up seq %d, previous reply %d" % (cur[3], prev[0]))
            check(prev[1] <= cur[4] <= prev[2] + 0.001 and cur[5] == 2,
                  "Follow-Up time %.6f not between T3 %.6f and arrival %.6f" % (cur[4], prev[1], prev[2]))
        # A TLV whose length runs past the packet: answered, same size, M flag.
        bad = req[:44] + bytes([0, 1, 0, 40, 0, 0, 0, 0])
        c.sendto(bad, ("127.0.0.1", port))
        data = c.recv(2048)
        check(len(data) == len(bad) and data[44] == 0x40, "malformed TLV answered with M")
    finally:
        cnt = r.stop()
    # The responder's --pcap-out holds every datagram it received and every reply.
    rp = read_pcap(rpcap)
    check(len([p for p in rp if p[4] == port]) == cnt["received"] and
          len([p for p in rp if p[3] == port]) == cnt["reflected"],
          "responder pcap-out: %d packets, counters %r" % (len(rp), cnt))
    check(cnt["tlv"]["unknown"] == 1 and cnt["tlv"]["malformed"] == 1, "TLV counters %r" % cnt)


run(main)
