#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Robustness: a responder under garbage, short, oversized and random UDP keeps reflecting
# good packets, counts the rest, never answers with more octets than it got, never dies;
# a sender facing a peer that answers with junk finishes and counts the junk.
#   usage: test_robust.py STAMPKIT
import json, os, random, signal, socket, struct, subprocess, threading, time
from livelib import Responder, check, free_port, run, sender


def good(seq):
    return struct.pack("!IQHH", seq, 0xE93C7F0080000000, 0x8001, 7) + bytes(28)


def drain(sock, sizes):
    """Replies to the junk socket: each exactly as long as some request (never larger)."""
    got = 0
    while True:
        try:
            d = sock.recv(65535, 0 if sock.gettimeout() else socket.MSG_DONTWAIT)
        except (socket.timeout, BlockingIOError):
            return got
        got += 1
        check(len(d) in sizes and len(d) >= 44, "reply of %d octets to junk" % len(d))


def main(bin):
    rnd = random.Random(8762)
    port = free_port()
    # --answer-reflected: random octets where a sender packet has MBZ look like another
    # reflector's reply, refused by default (loop protection, test_loop.py); here every
    # well-sized random datagram must be answered, as long as it was, never longer:
    # --no-larger-reply, since by default 14 to 43 octets get the 44-octet base packet
    # (RFC 8762 §4.6).
    r = Responder(bin, "127.0.0.1:%d" % port, "--max-size", "9216", "--answer-reflected",
                  "--no-larger-reply")
    junk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    junk.bind(("127.0.0.1", 0))
    junk.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    ok = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ok.bind(("127.0.0.1", 0))
    ok.settimeout(2)
    short = small = oversized = long_random = got = 0
    sizes = {}
    try:
        for i in range(400):
            kind = i % 4
            if kind == 0:
                n = rnd.randrange(0, 44)
                if n < 14:
                    short += 1  # not even a TWAMP-light sender packet: malformed
                else:
                    small += 1  # answerable, but only with more octets than came
            elif kind == 1:
                n = rnd.randrange(9217, 20000)
                oversized += 1
            else:
                n = rnd.randrange(44, 3000)
                long_random += 1
            payload = os.urandom(n)
            sizes.setdefault(n, 0)
            sizes[n] += 1
            junk.sendto(payload, ("127.0.0.1", port))
            if i % 5 == 4:
                # The good reply comes after everything sent before it was handled, so
                # both socket buffers stay small (they are capped by net.core.rmem_max).
                ok.sendto(good(i), ("127.0.0.1", port))
                data = ok.recv(4096)
                check(len(data) == 44 and struct.unpack("!I", data[24:28])[0] == i,
                      "good packet %d not reflected among garbage" % i)
                got += drain(junk, sizes)
        junk.settimeout(0.5)
        got += drain(junk, sizes)
        check(got == long_random, "junk replies %d, want %d (random >= 44 octets)" % (got, long_random))
        check(r.p.poll() is None, "responder died")
        # SIGUSR1: the counters so far, and the responder keeps running.
        r.p.send_signal(signal.SIGUSR1)
        time.sleep(0.3)
        first = r.documents()
        check(len(first) == 1 and first[0]["counters"]["malformed"] == short and
              r.p.poll() is None, "SIGUSR1 counters: %r" % first)
    finally:
        c = r.stop()
    check(c["malformed"] == short and c["oversized"] == oversized and
          c["refused"]["short"] == small,
          "counters %r, want malformed %d oversized %d short %d" % (c, short, oversized, small))
    check(any("request shorter than its 44-octet STAMP reply: not answered "
              "(--no-larger-reply)" in l for l in open(r.log)), "--no-larger-reply log line")
    check(c["reflected"] == long_random + 80, "reflected %d" % c["reflected"])

    # A request that claims to come from the responder's own address and port (built on a
    # raw socket) is refused, never answered: a reflector must not talk to itself.
    port = free_port()
    r = Responder(bin, "127.0.0.1:%d" % port)
    try:
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
        body = good(3)
        raw.sendto(struct.pack("!HHHH", port, port, 8 + len(body), 0) + body, ("127.0.0.1", 0))
        raw.sendto(struct.pack("!HHHH", 0, port, 8 + len(body), 0) + body, ("127.0.0.1", 0))
        ok.sendto(good(4), ("127.0.0.1", port))
        check(struct.unpack("!I", ok.recv(4096)[24:28])[0] == 4, "good packet after spoofed ones")
    finally:
        c = r.stop()
    check(c["refused"]["self"] == 2 and c["reflected"] == 1 and c["received"] == 3,
          "self-reflection counters %r" % c)

    # --allow: only listed prefixes are answered; --rate-limit: a token bucket per source
    # (burst of one second's worth, then the rate).
    port = free_port(socket.AF_INET6)
    r = Responder(bin, ":%d" % port, "--allow", "10.0.0.0/8", "--allow", "::1")
    try:
        s = sender(bin, "127.0.0.1:%d" % port, "-c", "5", "-i", "1", "--timeout", "0.3",
                   want_rc=1)  # no reply at all: exit 1
        check(s["received"] == 0, "--allow let 127.0.0.1 through")
        s = sender(bin, "[::1]:%d" % port, "-c", "5", "-i", "1")
        check(s["received"] == 5, "--allow ::1 refused: %r" % s)
    finally:
        c = r.stop()
    check(c["refused"]["allow"] == 5 and c["reflected"] == 5, "allow counters %r" % c)
    port = free_port()
    r = Responder(bin, "127.0.0.1:%d" % port, "--rate-limit", "20")
    try:
        s = sender(bin, "127.0.0.1:%d" % port, "-c", "300", "--rate", "1000", "--timeout", "0.5")
    finally:
        c = r.stop()
    # 20 of burst + 20/s over the 0.3 s of sending; generous bounds for a loaded machine.
    check(20 <= s["received"] <= 40, "rate limit let %d of 300 through" % s["received"])
    check(c["refused"]["rate"] == 300 - s["received"], "rate counters %r" % c)

    # twampy's reflector: 38-octet replies (no MBZ, no Sender TTL), its own sequence numbers
    # counting the requests it received, T3 == T2; our TWAMP-light sender takes them.
    port = free_port()
    tw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tw.bind(("127.0.0.1", port))
    tw.settimeout(0.2)

    def twampy():
        idx, end = 0, time.time() + 20
        while time.time() < end:
            try:
                data, addr = tw.recvfrom(9216)
            except socket.timeout:
                continue
            now = time.time() + 2208988800
            sec, frac = int(now), int((now - int(now)) * 0xFFFFFFFF)
            seq = struct.unpack("!I", data[:4])[0]
            if seq == 0:
                idx = 0  # twampy: a new session starts at sender seq 0
            if seq == 7:
                continue  # one request lost on the way out
            tw.sendto(struct.pack("!L2I2H2I", idx, sec, frac, 1, 0, sec, frac) + data[:14], addr)
            idx += 1
    t = threading.Thread(target=twampy, daemon=True)
    t.start()
    s = sender(bin, "127.0.0.1:%d" % port, "-c", "10", "-i", "2", "--mode", "twamp-light",
               "--timeout", "0.5")
    check(s["received"] == 9 and s["bad_replies"] == 0 and s["outbound"]["lost"] == 1 and
          s["inbound"]["lost"] == 0, "twampy reflector: %r" % s)
    # A twampy command line unchanged (STAMP is our default; twampy answers it the same way).
    s = sender(bin, "127.0.0.1:%d" % port, "-c", "10", "-i", "2", "--reflector", "stateful",
               "--timeout", "0.5")
    check(s["received"] == 9 and s["bad_replies"] == 0 and s["outbound"]["lost"] == 1,
          "twampy reflector, STAMP requests: %r" % s)

    # A peer that answers with junk: short packets, random octets, replies to numbers never
    # sent, and a few true replies; the sender ends normally and counts them apart.
    port = free_port()
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", port))
    peer.settimeout(0.2)

    def answer():
        end = time.time() + 10
        while time.time() < end:
            try:
                data, addr = peer.recvfrom(4096)
            except socket.timeout:
                continue
            seq = struct.unpack("!I", data[:4])[0]
            peer.sendto(os.urandom(rnd.randrange(0, 44)), addr)
            bogus = bytearray(os.urandom(44))
            bogus[14:16] = b"\0\0"
            bogus[24:28] = struct.pack("!I", 1000000 + seq)
            peer.sendto(bytes(bogus), addr)
            if seq % 2 == 0:
                rep = bytearray(44)
                rep[0:4] = data[0:4]
                rep[4:14] = data[4:14]
                rep[16:24] = data[4:12]
                rep[24:38] = data[0:14]
                peer.sendto(bytes(rep), addr)
    t = threading.Thread(target=answer, daemon=True)
    t.start()
    s = sender(bin, "127.0.0.1:%d" % port, "-c", "10", "-i", "2", "--timeout", "0.5")
    check(s["sent"] == 10 and s["received"] == 5, "junk peer: %r" % s)
    check(s["bad_replies"] == 10 and s["never_sent"] == 10, "junk counted: %r" % s)


run(main)
