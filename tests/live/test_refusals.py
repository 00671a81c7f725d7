#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# What the responder does not answer is said on its log, rate-limited: 100,000 refused
# datagrams write a few hundred lines at most while a sender's requests keep being
# answered; a full --stateful session table answers statelessly (a copy of the sender's
# number, RFC 8762 §4.3.1) and says so in the text counters and once on the log;
# --pcap-out stamps each reply no later than it left, so analyze over the sender's and the
# responder's captures shows no negative inbound wire delay.
#   usage: test_refusals.py STAMPKIT
import json, os, signal, socket, struct, subprocess, tempfile, time
from livelib import Fail, Responder, check, free_port, run, sender

FLOOD = 100000


def stamp_request(seq, ssid=0):
    """RFC 8762 §4.2.1 Session-Sender packet, 44 octets."""
    now = time.time()
    return struct.pack("!IIIHH", seq, int(now) + 2208988800,
                       int((now - int(now)) * (1 << 32)), 0x0001, ssid) + bytes(28)


def flood(bin):
    port = free_port()
    r = Responder(bin, "127.0.0.1:%d" % port)
    try:
        # 13-octet datagrams (one short of a TWAMP-light sender's 14, the least a STAMP
        # responder answers, RFC 8762 §4.6) from another loopback address, so the sender's
        # own source is not rate-limited by the flood.
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.2", 0))
        s.setblocking(False)
        p = subprocess.Popen([bin, "sender", "--json", "127.0.0.1:%d" % port, "-c", "100",
                              "-i", "20"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        sent = 0
        deadline = time.time() + 30
        while sent < FLOOD and time.time() < deadline:
            try:
                s.sendto(b"\0" * 13, ("127.0.0.1", port))
                sent += 1
            except BlockingIOError:
                time.sleep(0.0005)
            if sent % 200 == 0:
                # at most ~50,000 a second: the kernel's socket buffer, not the responder,
                # would drop a faster flood (a sanitizer build reads more slowly)
                time.sleep(0.004)
        out, err = p.communicate(timeout=60)
        check(p.returncode == 0, "sender: %s" % err)
        snd = json.loads(out)["sessions"][0]
        c = r.stop()
    finally:
        if r.p.poll() is None:
            r.stop()
    check(sent == FLOOD, "flood sent %d" % sent)
    refused = c["malformed"] + c["refused"]["rate"]
    print("flood: %d sent, responder received %d, malformed %d, rate %d; sender %d/%d" %
          (sent, c["received"], c["malformed"], c["refused"]["rate"], snd["received"],
           snd["sent"]))
    check(refused >= FLOOD * 0.9, "refused %d of %d" % (refused, FLOOD))
    check(c["reflected"] == snd["received"] and snd["received"] >= 95,
          "good requests answered: %d of %d" % (snd["received"], snd["sent"]))
    lines = [l for l in open(r.log).read().splitlines() if "Request from" not in l]
    warn = [l for l in lines if "not answered" in l]
    print("log: %d lines besides the per-request ones, e.g. %s" % (len(lines), warn[:1]))
    check(len(lines) <= 300, "%d log lines for %d refusals" % (len(lines), FLOOD))
    check(any("127.0.0.2:" in l and "13-octet request shorter than the smallest STAMP "
              "Session-Sender packet (14 octets): not answered" in l for l in warn), "malformed line")
    if c["refused"]["rate"]:
        check(any("--rate-limit PPS, 0 = off" in l for l in warn), "rate line")
    check(any("suppressed" in l for l in lines), "no account of suppressed lines")


def sessions_full(bin):
    """--max-sessions 2 and 3 senders: the third is answered with copies of its numbers."""
    port = free_port()
    d = tempfile.mkdtemp(prefix="sk-live-")
    log = os.path.join(d, "log")
    p = subprocess.Popen([bin, "responder", "--stateful", "--max-sessions", "2", "-l", log,
                          "127.0.0.1:%d" % port], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.3)
        socks = []
        for i in range(3):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            s.settimeout(2)
            socks.append(s)
        got = {}
        for seq in (5, 6, 7):
            for i, s in enumerate(socks):
                s.sendto(stamp_request(seq), ("127.0.0.1", port))
                rep = s.recv(2048)
                check(len(rep) == 44, "reply length %d" % len(rep))
                rseq, sseq = struct.unpack("!I", rep[:4])[0], struct.unpack("!I", rep[24:28])[0]
                check(sseq == seq, "Session-Sender Sequence Number %d" % sseq)
                got.setdefault(i, []).append(rseq)
    finally:
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=5)
    print("sessions: reflector numbers %r" % got)
    # Stateful sessions number their own replies 0, 1, 2 (RFC 8762 §4.3.2); the third,
    # without a slot, is answered statelessly: the sender's number copied (§4.3.1).
    check(got[0] == [0, 1, 2] and got[1] == [0, 1, 2], "stateful numbers %r" % got)
    check(got[2] == [5, 6, 7], "stateless fallback numbers %r, want [5, 6, 7]" % got[2])
    check(p.returncode == 0, "responder exit %d" % p.returncode)
    rows = dict(l.rsplit(None, 1) for l in out.splitlines()[1:])
    check(rows.get("  sessions table full") == "3", "text counters: %s" % out)
    lines = [l for l in open(log).read().splitlines() if "session table full" in l]
    check(len(lines) == 1 and "--max-sessions" in lines[0], "log: %r" % lines)


def wire_delays(bin):
    """Sender and responder captures merged by analyze: inbound wire delay = the reply's
    capture time at the sender - at the responder. On one host's clock it cannot be
    below zero but for stamping error; -20 us is the bound (a batch-end clock read showed
    -6.9 ms)."""
    port = free_port()
    d = tempfile.mkdtemp(prefix="sk-live-")
    rp, sp = os.path.join(d, "r.pcap"), os.path.join(d, "s.pcap")
    r = Responder(bin, "127.0.0.1:%d" % port, "--pcap-out", rp)
    try:
        s = sender(bin, "127.0.0.1:%d" % port, "-c", "2000", "--rate", "20000",
                   "--pcap-out", sp)
    finally:
        r.stop()
    check(s["received"] >= 1900, "sender received %d" % s["received"])
    a = subprocess.run([bin, "analyze", "--json", "--port", str(port), sp, rp], capture_output=True, text=True,
                       timeout=60)
    check(a.returncode == 0, "analyze: %s" % a.stderr)
    doc = json.loads(a.stdout)
    w = doc["sessions"][0]["wire"]
    check(w is not None, "no wire delays: %r" % doc.get("capture_points"))
    print("wire: inbound min %.3f us, outbound min %.3f us" %
          (w["inbound"]["min_us"], w["outbound"]["min_us"]))
    check(w["inbound"]["min_us"] >= -20, "inbound wire delay %.3f us" % w["inbound"]["min_us"])
    check(w["outbound"]["min_us"] >= -20, "outbound wire delay %.3f us" % w["outbound"]["min_us"])


def main(bin):
    sessions_full(bin)
    flood(bin)
    wire_delays(bin)


if __name__ == "__main__":
    run(main)
