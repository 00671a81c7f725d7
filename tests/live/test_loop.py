#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Loop protection by default: ONE spoofed datagram (source = responder B, destination =
# responder A, sent through a raw socket with IP_HDRINCL) must not start a ping-pong that
# never stops, for A STAMP / B STAMP --stateful and A STAMP / B TWAMP-light (the reply is
# recognised as a reflector packet), and, with --answer-reflected on both, a per-source
# --rate-limit below the loop's speed still ends it (a single datagram circulating is gone
# at its first refusal). Needs root (raw socket): exit 77 otherwise.
#   usage: test_loop.py STAMPKIT
import os, signal, socket, struct, sys, time
from livelib import SKIP, Fail, Responder, check, free_port


def counters(r):
    """The counters now: SIGUSR1, then the next JSON document on standard output."""
    n = len(r.documents())
    r.p.send_signal(signal.SIGUSR1)
    deadline = time.time() + 5
    while time.time() < deadline:
        d = r.documents()
        if len(d) > n:
            return d[-1]["counters"]
        time.sleep(0.02)
    raise Fail("no counters after SIGUSR1")


def stamp_request(seq):
    """A STAMP Session-Sender packet (RFC 8762 §4.2.1): seq, NTP timestamp, error estimate,
    SSID, 28 octets MBZ."""
    now = time.time()
    sec = int(now) + 2208988800
    frac = int((now - int(now)) * (1 << 32))
    return struct.pack("!IIIHH", seq, sec, frac, 0x0001, 0) + bytes(28)


def inject(sport, dport, payload):
    """One UDP datagram 127.0.0.1:sport -> 127.0.0.1:dport with our own IP header (the
    kernel fills the IP checksum and length; UDP checksum 0 = none, RFC 768)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    lo = socket.inet_aton("127.0.0.1")
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0x4242, 0, 64, 17, 0, lo, lo)
    s.sendto(ip + udp, ("127.0.0.1", 0))
    s.close()


def settle(a, b, limit):
    """Counters of A and B once neither received anything for a second (a loop has
    stopped); Fail when they still grow after `limit` seconds."""
    prev = None
    deadline = time.time() + limit
    while True:
        time.sleep(1)
        cur = (counters(a), counters(b))
        if prev and all(cur[i]["received"] == prev[i]["received"] for i in (0, 1)):
            return cur
        check(time.time() < deadline, "still looping after %d s: A received %d, B %d" %
              (limit, cur[0]["received"], cur[1]["received"]))
        prev = cur


def loop_case(bin, name, a_args, b_args, limit):
    pa, pb = free_port(), free_port()
    a = Responder(bin, "127.0.0.1:%d" % pa, *a_args)
    try:
        b = Responder(bin, "127.0.0.1:%d" % pb, *b_args)
        try:
            inject(pb, pa, stamp_request(0))
            ca, cb = settle(a, b, limit)
            print("%s: A received %d reflected %d, B received %d reflected %d refused %r" %
                  (name, ca["received"], ca["reflected"], cb["received"], cb["reflected"],
                   cb["refused"]))
            return ca, cb, b
        finally:
            b.stop()
    finally:
        a.stop()


def main(bin):
    if os.geteuid() != 0:
        print("not root: no raw socket to spoof a source")
        return SKIP
    # A STAMP answers the spoofed request once; B sees a reflector packet and drops it.
    for name, bargs in (("stamp/stamp-stateful", ("--stateful",)),
                        ("stamp/twamp-light", ("--mode", "twamp-light"))):
        ca, cb, b = loop_case(bin, name, (), bargs, 5)
        check(ca["received"] == 1 and ca["reflected"] == 1, "%s: A %r" % (name, ca))
        check(cb["received"] == 1 and cb["reflected"] == 0 and
              cb["refused"]["reflected"] == 1, "%s: B %r" % (name, cb))
        log = open(b.log).read()
        check("reflection loop (--answer-reflected)" in log, "%s: B's log: %s" % (name, log))
    # Loop protection by layout switched off on both: a rate limit below the loop's speed
    # (1000 requests/s per source; two reflectors on loopback go much faster, also in a
    # sanitizer build) ends the loop once the burst is spent.
    ca, cb, _ = loop_case(bin, "answer-reflected", ("--answer-reflected", "--rate-limit", "1000"),
                          ("--answer-reflected", "--rate-limit", "1000", "--mode",
                           "twamp-light"), 30)
    check(ca["refused"]["rate"] + cb["refused"]["rate"] >= 1, "no rate refusal %r %r" % (ca, cb))
    check(ca["refused"]["reflected"] == 0 and cb["refused"]["reflected"] == 0,
          "--answer-reflected still refused")
    check(ca["received"] > 1000, "the loop did run: %r" % ca)
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1]))
    except Fail as e:
        print("FAIL:", e)
        sys.exit(1)
