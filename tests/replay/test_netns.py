#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# `stampkit replay` over a veth pair between two network namespaces the test creates and
# removes: the UDP backend and the raw --raw backend (IP/UDP headers built with the
# new source, AF_PACKET frames to --raw-mac), IPv4 and IPv6, every sender packet arriving
# at the responder with the new addresses and a fresh timestamp, replies paired; and 300
# sessions through the raw backend's one packet socket, every packet and reply counted.
#   usage: test_netns.py STAMPKIT PCAPS_DIR   (needs root and iproute2; exit 77 otherwise)
import json, os, shutil, struct, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "live"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from livelib import Fail, Responder, check, read_pcap, run, SKIP  # noqa: E402
import mkcap  # noqa: E402

if os.geteuid() != 0 or not shutil.which("ip"):
    sys.exit(SKIP)
PCAPS = sys.argv[2]
tag = "skr%d" % os.getpid()
NS_S, NS_R = tag + "s", tag + "r"
A4, B4, A6, B6 = "10.254.78.1", "10.254.78.2", "fd00:5354:414e::1", "fd00:5354:414e::2"
TMP = tempfile.mkdtemp(prefix="sk-replay-ns-")


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def setup():
    ip("netns", "add", NS_S)
    ip("netns", "add", NS_R)
    ip("link", "add", tag + "a", "netns", NS_S, "type", "veth", "peer", "name", tag + "b",
       "netns", NS_R)
    for ns, dev, a4, a6 in ((NS_S, tag + "a", A4, A6), (NS_R, tag + "b", B4, B6)):
        ip("-n", ns, "link", "set", "lo", "up")
        ip("-n", ns, "link", "set", dev, "mtu", "1500", "up")
        ip("-n", ns, "addr", "add", a4 + "/24", "dev", dev)
        ip("-n", ns, "addr", "add", a6 + "/64", "dev", dev, "nodad")


def teardown():
    for ns in (NS_S, NS_R):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)


class NsResponder(Responder):
    def __init__(self, prefix, local, *args):
        self.dir = tempfile.mkdtemp(prefix="sk-live-")
        self.log = os.path.join(self.dir, "responder.log")
        self.out = open(os.path.join(self.dir, "responder.out"), "w+")
        self.p = subprocess.Popen(prefix + ["responder", "-v", "-l", self.log, "--json", *args,
                                            local], stdout=self.out, stderr=subprocess.STDOUT)
        deadline = time.time() + 5
        while time.time() < deadline:
            if os.path.exists(self.log) and "Wait to receive" in open(self.log).read():
                return
            time.sleep(0.02)
        raise Fail("responder did not start in the namespace")


def src_of(path, port):
    """(source address octets, payload) of every IP packet to port in a raw-IP pcap."""
    data = open(path, "rb").read()
    off, out = 24, []
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        p = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if p[0] >> 4 == 4:
            ihl = (p[0] & 15) * 4
            if struct.unpack("!H", p[ihl + 2:ihl + 4])[0] == port:
                out.append((p[12:16], p[ihl + 8:]))
        elif struct.unpack("!H", p[42:44])[0] == port:
            out.append((p[8:24], p[48:]))
    return out


def ts_ns(b):
    sec, frac = struct.unpack("!II", b[4:12])
    if b[12] & 0x40:
        return (sec - 37) * 1000000000 + frac
    return (sec - 2208988800) * 1000000000 + (frac * 1000000000 >> 32)


def many_raw(inr, ins, mac):
    """300 sessions through --raw: one packet socket sends for all, each session's socket
    receives its replies; every packet, reply and source port counted."""
    n, rounds = 300, 2
    cap = os.path.join(TMP, "many.pcap")
    mkcap.write(cap, n, rounds)
    pc = os.path.join(TMP, "many-resp.pcap")
    r = NsResponder(inr, B4 + ":8621", "--rate-limit", "0", "--pcap-out", pc)
    try:
        res = subprocess.run(ins + ["replay", "--json", cap, "--to", B4 + ":8621", "--pps", "5000",
                                    "--timeout", "5", "--raw", tag + "a", "--src", A4,
                                    "--raw-mac", mac], capture_output=True, text=True, timeout=60)
    finally:
        c = r.stop()
    check(res.returncode == 0, "raw, %d sessions: %s" % (n, res.stderr))
    j = json.loads(res.stdout)
    check(j["sent"] == n * rounds and j["replies"] == n * rounds and j["send_errors"] == 0 and
          len(j["sessions"]) == n, "raw, %d sessions: %r" %
          (n, {k: v for k, v in j.items() if k != "sessions"}))
    bad = [s for s in j["sessions"] if s["sent"] != rounds or s["received"] != rounds]
    check(not bad, "raw: incomplete sessions %r" % bad[:2])
    check(c["reflected"] == n * rounds, "responder %r" % c)
    ports = {p[3] for p in read_pcap(pc) if p[4] == 8621}
    check(len(ports) == n, "raw: %d source ports for %d sessions" % (len(ports), n))


def main(bin):
    try:
        setup()
    except (subprocess.CalledProcessError, FileNotFoundError):
        teardown()
        sys.exit(SKIP)
    try:
        inr = ["ip", "netns", "exec", NS_R, bin]
        ins = ["ip", "netns", "exec", NS_S, bin]
        mac = json.loads(subprocess.run(["ip", "-j", "-n", NS_R, "link", "show", tag + "b"],
                                        capture_output=True, text=True).stdout)[0]["address"]
        cap = os.path.join(PCAPS, "synthetic", "analyze-stateful-sender.pcap")
        pc = os.path.join(TMP, "resp.pcap")
        r = NsResponder(inr, ":8620", "--pcap-out", pc)
        runs = []
        try:
            for to, src in ((B4, A4), ("[%s]" % B6, "[%s]" % A6)):
                for raw in (False, True):
                    extra = ["--raw", tag + "a", "--src", src, "--raw-mac", mac] if raw else []
                    t0 = time.time_ns()
                    res = subprocess.run(ins + ["replay", "--json", cap, "--to", "%s:8620" % to,
                                                "--multiplier", "20", *extra],
                                         capture_output=True, text=True, timeout=60)
                    t1 = time.time_ns()
                    check(res.returncode == 0, "replay %s raw=%s: %s" % (to, raw, res.stderr))
                    s = json.loads(res.stdout)["sessions"]
                    check(len(s) == 1 and s[0]["sent"] == 60 and s[0]["received"] == 60 and
                          s[0]["roundtrip"]["lost"] == 0, "%s raw=%s: %r" % (to, raw, s))
                    runs.append((src.strip("[]"), t0, t1))
            # Over the 1500-octet MTU: 4 STAMP packets with 3000 octets of padding, recorded
            # as IPv4 fragments and reassembled. The UDP backend lets the kernel fragment
            # them (all answered); with DF, and on the raw backend (one frame per packet),
            # they cannot leave: counted and named, exit status 1, never cut short.
            frag = os.path.join(PCAPS, "synthetic", "analyze-fragments.pcap")
            res = subprocess.run(ins + ["replay", "--json", frag, "--to", "%s:8620" % B4,
                                        "--topspeed"], capture_output=True, text=True, timeout=60)
            check(res.returncode == 0, "fragmented: %s" % res.stderr)
            s = json.loads(res.stdout)["sessions"]
            check(s[0]["sent"] == 4 and s[0]["received"] == 4, "fragmented: %r" % s)
            for extra in (["--do-not-fragment"],
                          ["--raw", tag + "a", "--src", A4, "--raw-mac", mac]):
                res = subprocess.run(ins + ["replay", frag, "--to", "%s:8620" % B4, "--topspeed",
                                            "--timeout", "0.2", *extra],
                                     capture_output=True, text=True, timeout=60)
                check(res.returncode == 1 and "4 packets could not be sent" in res.stderr and
                      "Message too long" in res.stderr,
                      "%s: %d %s" % (extra[0], res.returncode, res.stderr))
        finally:
            c = r.stop()
        check(c["reflected"] == 244, "responder %r" % c)
        reqs = src_of(pc, 8620)
        check(len(reqs) == 244, "%d requests" % len(reqs))
        import ipaddress
        for i, (src, t0, t1) in enumerate(runs):
            want = ipaddress.ip_address(src).packed
            part = reqs[i * 60:(i + 1) * 60]
            check(all(a == want for a, _ in part), "run %d: source %s on every request" % (i, src))
            check([struct.unpack("!I", p[:4])[0] for _, p in part] == list(range(60)),
                  "run %d: recorded sequence numbers" % i)
            check(all(t0 <= ts_ns(p) <= t1 for _, p in part), "run %d: fresh T1" % i)
        many_raw(inr, ins, mac)
    finally:
        teardown()
        shutil.rmtree(TMP, ignore_errors=True)


run(main)
