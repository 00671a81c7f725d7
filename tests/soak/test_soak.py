#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Soak test on loopback: ten minutes' worth of a hostile day compressed into SOAK_SECONDS
(default 60). Two responders (STAMP stateful, TWAMP-light) and a TWAMP server run throughout;
in rounds, good sessions (sender STAMP and TWAMP-light, controller) run while garbage
datagrams, spoofed loop attempts (as root) and hostile control clients (non-reading,
slowloris from another address, garbage on TCP) hit them. Checked:
  - every good session completes: all its packets answered, exit 0;
  - a spoofed datagram starts no loop: the responders' received counters stand still a
    second after the last one;
  - after the hostile clients are gone, each daemon's open file descriptors are back to their
    starting number and its RSS within 4 MiB of where it started;
  - the daemons' logs stay bounded (rate-limited lines), and each exits 0 on SIGINT.
Bounded in time and packets; traffic only to 127.0.0.1-3 (all on lo).

usage: test_soak.py STAMPKIT [SERVER_TESTS_DIR]"""
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

SK = sys.argv[1]
sys.path.insert(0, sys.argv[2] if len(sys.argv) > 2 else
                os.path.join(os.path.dirname(__file__), "..", "server"))
import twampctl  # noqa: E402  (an independent TWAMP-Control client)

SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
ROUND = 10.0
failures = []
rng = random.Random(8762)


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return cond


def free_port(kind=socket.SOCK_DGRAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    def __init__(self, name, *args):
        self.name = name
        self.log = tempfile.NamedTemporaryFile(prefix="sk-soak-%s-" % name, suffix=".log",
                                               delete=False)
        self.p = subprocess.Popen([SK, *args], stdout=subprocess.PIPE, stderr=self.log,
                                  text=True)
        time.sleep(0.3)
        check(self.p.poll() is None, "%s started" % name)

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.p.pid))

    def rss_kib(self):
        with open("/proc/%d/status" % self.p.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def log_lines(self):
        with open(self.log.name, errors="replace") as f:
            return sum(1 for _ in f)

    def stop(self):
        self.p.send_signal(signal.SIGINT)
        try:
            out, _ = self.p.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.p.kill()
            out, _ = self.p.communicate()
            check(False, "%s stopped on SIGINT" % self.name)
        check(self.p.returncode == 0, "%s exit %s" % (self.name, self.p.returncode))
        os.unlink(self.log.name)
        return out


def counters(d):
    """The responder's received counter, from its SIGUSR1 dump (--json: one doc per dump)."""
    before = d.p.stdout
    d.p.send_signal(signal.SIGUSR1)
    line = before.readline()
    return json.loads(line)["counters"]["received"]


def good_sender(port, mode):
    r = subprocess.run([SK, "sender", "127.0.0.1:%d" % port, "-c", "50", "-i", "2",
                        "--mode", mode, "--json", "-q"], capture_output=True, text=True,
                       timeout=60)
    ok = r.returncode == 0
    if ok:
        s = json.loads(r.stdout)["sessions"][0]
        ok = s["sent"] == 50 and s["received"] == 50
    check(ok, "good %s session: %s %s" % (mode, r.stdout[-300:], r.stderr[-300:]))


def good_controller(cport):
    r = subprocess.run([SK, "controller", "127.0.0.1:%d" % cport, "127.0.0.1:%d" % free_port(),
                        "-c", "20", "-i", "5", "--test-port", str(free_port()), "--json", "-q"],
                       capture_output=True, text=True, timeout=60)
    ok = r.returncode == 0
    if ok:
        s = json.loads(r.stdout)["sessions"][0]
        ok = s["sent"] == 20 and s["received"] == 20
    check(ok, "good controller session: %s %s" % (r.stdout[-300:], r.stderr[-300:]))


def garbage(port, n):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _ in range(n):
            s.sendto(os.urandom(rng.choice((1, 7, 13, 40, 44, 100, 1400))), ("127.0.0.1", port))


def tcp_garbage(cport, n):
    for _ in range(n):
        try:
            with socket.create_connection(("127.0.0.1", cport), timeout=2) as s:
                s.recv(64)
                s.sendall(os.urandom(200))
        except OSError:
            pass


def spoof(src_port, dst_port):
    """One UDP datagram from 127.0.0.1:src_port to 127.0.0.1:dst_port, built by hand (root)."""
    payload = struct.pack("!I", 7) + bytes(40)  # a STAMP Session-Sender packet, 44 octets
    udp = struct.pack("!HHHH", src_port, dst_port, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     socket.inet_aton("127.0.0.1"), socket.inet_aton("127.0.0.1"))
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW) as s:
        s.sendto(ip + udp, ("127.0.0.1", 0))


def non_reading(cport, n_requests=400):
    """A control client with a tiny receive buffer that pipelines requests and never reads
    (from 127.0.0.3: an attacker's address is not the legitimate controller's)."""
    c = twampctl.Client("127.0.0.1", cport, source="127.0.0.3")
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    c.send_setup()
    q = struct.pack("!BBBBIIHH", 5, 4, 0, 0, 0, 0, 20000, 20001) + bytes(48)
    q += struct.pack("!IQQI", 0, 0, 10 << 32, 0) + bytes(8) + bytes(16)
    c.s.setblocking(False)
    for _ in range(n_requests):
        try:
            c.s.send(q)
        except OSError:
            break
    return c.s


def slowloris(cport, n):
    socks = []
    for _ in range(n):
        try:
            s = socket.socket()
            s.bind(("127.0.0.2", 0))
            s.settimeout(2)
            s.connect(("127.0.0.1", cport))
            s.setblocking(False)
            socks.append(s)
        except OSError:
            break
    return socks


def trickle(socks):
    for s in socks:
        try:
            s.send(b"\0")
        except OSError:
            pass


def main():
    root = os.geteuid() == 0
    pa, pb, cport = free_port(), free_port(), free_port(socket.SOCK_STREAM)
    a = Daemon("responder-stamp", "responder", "127.0.0.1:%d" % pa, "--stateful", "--json")
    b = Daemon("responder-twl", "responder", "127.0.0.1:%d" % pb, "--mode", "twamp-light",
               "--json")
    srv = Daemon("server", "server", "127.0.0.1:%d" % cport)
    daemons = (a, b, srv)
    # warm up once so the baseline includes what a first session allocates
    good_sender(pa, "stamp")
    good_sender(pb, "twamp-light")
    good_controller(cport)
    time.sleep(3.0)  # the warm-up session's timeout after Stop-Sessions (2 s) has run out
    base = {d.name: (d.fds(), d.rss_kib()) for d in daemons}
    t_end = time.time() + SECONDS
    rounds = 0
    while time.time() < t_end:
        rounds += 1
        t_round = time.time()
        hostile = [non_reading(cport) for _ in range(4)]
        loris = slowloris(cport, 60)
        for _ in range(3):
            garbage(pa, 500)
            garbage(pb, 500)
            tcp_garbage(cport, 5)
            if root:
                spoof(pb, pa)  # B's address and port to A: A's reply goes to B
            trickle(loris)
            good_sender(pa, "stamp")
            good_sender(pb, "twamp-light")
            good_controller(cport)
        if root:
            time.sleep(1.0)
            r1 = (counters(a), counters(b))
            time.sleep(1.0)
            r2 = (counters(a), counters(b))
            check(r1 == r2, "round %d: no reflector loop (received %s then %s)" % (rounds, r1, r2))
        for s in hostile + loris:
            s.close()
        left = ROUND - (time.time() - t_round)
        if left > 0 and time.time() + left < t_end:
            time.sleep(left)
    time.sleep(3.0)  # closed connections noticed, the last sessions' timeouts run out
    for d in daemons:
        fds, rss = d.fds(), d.rss_kib()
        f0, r0 = base[d.name]
        check(fds <= f0, "%s: %d open fds after the soak, %d before" % (d.name, fds, f0))
        check(rss <= r0 + 4096, "%s: RSS %d KiB after, %d KiB before" % (d.name, rss, r0))
        lines = d.log_lines()
        check(lines <= 200 * rounds, "%s: %d log lines in %d rounds" % (d.name, lines, rounds))
        print("%s: fds %d -> %d, RSS %d -> %d KiB, %d log lines" % (d.name, f0, fds, r0, rss,
                                                                   lines), flush=True)
    for d in daemons:
        d.stop()
    print("%d rounds in %.0f s%s" % (rounds, SECONDS, "" if root else
                                     " (not root: no spoofed loop attempts)"))
    print("%d failed" % len(failures) if failures else "soak: all checks passed")
    return 1 if failures else 0


sys.exit(main())
