#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Interop with decoders nobody here wrote: our TWAMP-light packets captured on lo decode in
# tshark's built-in twamp.test dissector with the values the sender logged; a STAMP sender
# packet built with scapy's STAMP layer gets a reply from our responder that scapy decodes
# with the right fields.
#   usage: test_interop.py STAMPKIT
import logging, os, shutil, socket, struct, subprocess, sys, tempfile, time
from livelib import Capture, Responder, check, free_port, read_pcap, run, sender, SKIP

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)


def tshark_check(bin):
    if not shutil.which("tshark"):
        return
    port = free_port()
    r = Responder(bin, "127.0.0.1:%d" % port, "--mode", "twamp-light")
    try:
        cap = Capture("udp port %d" % port, 10)
        s = sender(bin, "127.0.0.1:%d" % port, "-c", "5", "-i", "2", "--mode", "twamp-light",
                   "--ttl", "21")
        cap.wait()
    finally:
        r.stop()
    check(s["received"] == 5, "twamp-light run %r" % s)
    res = subprocess.run(["tshark", "-n", "-r", cap.file, "-d", "udp.port==%d,twamp.test" % port,
                          "-T", "fields", "-E", "separator=,", "-e", "udp.srcport",
                          "-e", "twamp.test.seq_number", "-e", "twamp.test.sender_seq_number",
                          "-e", "twamp.test.sender_ttl"], capture_output=True, text=True,
                         timeout=60)
    check(res.returncode == 0, "tshark: " + res.stderr)
    rows = [l.split(",") for l in res.stdout.splitlines()]
    check(len(rows) == 10, "tshark rows %d" % len(rows))
    reqs = [int(x[1]) for x in rows if int(x[0]) != port]
    reps = [(int(x[1]), int(x[2]), int(x[3])) for x in rows if int(x[0]) == port]
    check(sorted(reqs) == [0, 1, 2, 3, 4], "tshark request seqs %r" % reqs)
    check(sorted(reps) == [(i, i, 21) for i in range(5)], "tshark replies %r" % reps)


def scapy_check(bin):
    try:
        from scapy.contrib.stamp import (STAMPSessionSenderTestUnauthenticated as S,
                                         STAMPSessionReflectorTestUnauthenticated as R)
        from scapy.layers.inet import UDP
    except ImportError:
        raise SystemExit(SKIP)
    port = free_port()
    r = Responder(bin, "127.0.0.1:%d" % port)
    try:
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.bind(("127.0.0.1", 0))
        c.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 42)
        c.settimeout(3)
        for seq in (0, 1, 77):
            pkt = S(seq=seq, ssid=0x5150)
            raw = bytes(pkt)
            check(len(raw) == 44, "scapy sender packet %d octets" % len(raw))
            c.sendto(raw, ("127.0.0.1", port))
            data = c.recv(2048)
            rep = R(data)
            check(len(data) == 44, "reply length %d" % len(data))
            check(rep.seq_sender == seq and rep.seq == seq, "seqs %d/%d" % (rep.seq, rep.seq_sender))
            check(rep.ssid == 0x5150 and rep.ttl_sender == 42, "ssid/ttl %r" % rep.ssid)
            check(bytes(rep)[28:36] == raw[4:12], "Sender Timestamp copied")
            check(rep.err_estimate_sender.multiplier == pkt.err_estimate.multiplier, "errest")
        # Our sender's packets and our responder's replies, as written by --pcap-out,
        # decode in scapy's layers with the values on the wire.
        out = os.path.join(tempfile.mkdtemp(prefix="sk-live-"), "run.pcap")
        s = sender(bin, "127.0.0.1:%d" % port, "-c", "4", "-i", "1", "--ssid", "777",
                   "--ttl", "50", "--pcap-out", out)
        check(s["received"] == 4, "sender run %r" % s)
        pk = read_pcap(out)
        # scapy 2.5's TLV list needs the UDP underlayer (see tests/crosscheck/scapy_stamp.py)
        for cls in (S, R):
            for f in cls.fields_desc:
                if f.name == "tlv_objects":
                    f.length_from = lambda pkt: pkt.underlayer.len - 8 - 44
        # Requests and replies are checked in their own order: on a busy machine the next
        # request may leave before the previous reply is back.
        n = sent = 0
        for p in pk:
            udp = UDP(struct.pack("!HHHH", p[3], p[4], 8 + len(p[5]), 0) + p[5])
            if p[4] == port:
                x = S(bytes(udp.payload))
                check(x.ssid == 777 and x.seq == sent and x.err_estimate.multiplier > 0,
                      "scapy sender %r" % x.summary())
                sent += 1
            else:
                x = R(bytes(udp.payload))
                check(x.ssid == 777 and x.seq_sender == n and x.ttl_sender == 50,
                      "scapy reflector seq_sender %d ttl %d" % (x.seq_sender, x.ttl_sender))
                n += 1
        check(n == 4 and sent == 4, "scapy saw %d requests, %d replies" % (sent, n))
    finally:
        r.stop()


def main(bin):
    tshark_check(bin)
    scapy_check(bin)


run(main)
