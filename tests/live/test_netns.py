#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Over a veth pair between two network namespaces that the test creates and removes:
# IPv4 and IPv6 sessions, the Sender TTL seen across a real link, replies the size of
# requests that need fragmenting, and a clear error for a packet past the MTU with DF.
#   usage: test_netns.py STAMPKIT   (needs root and iproute2; exit 77 otherwise)
import json, os, shutil, subprocess, sys, tempfile, time
from livelib import Fail, Responder, check, run, sender, SKIP

if os.geteuid() != 0 or not shutil.which("ip"):
    sys.exit(SKIP)
tag = "sk%d" % os.getpid()
NS_S, NS_R = tag + "s", tag + "r"
A4, B4, A6, B6 = "10.254.77.1", "10.254.77.2", "fd00:5354:414d::1", "fd00:5354:414d::2"


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


def main(bin):
    try:
        setup()
    except (subprocess.CalledProcessError, FileNotFoundError):
        teardown()
        sys.exit(SKIP)
    try:
        inr = ["ip", "netns", "exec", NS_R, bin]
        ins = ["ip", "netns", "exec", NS_S, bin]
        r = NsResponder(inr, ":8620", "--stateful")
        try:
            for remote in (B4, "[%s]" % B6):
                s = nssender(ins, "%s:8620" % remote, "-c", "10", "-i", "2", "--ttl", "9",
                             "--reflector", "stateful")
                check(s["received"] == 10 and s["roundtrip"]["lost"] == 0, "%s: %r" % (remote, s))
            # 3000 octets of padding need fragments on a 1500 MTU link: still answered.
            s = nssender(ins, "%s:8620" % B4, "-c", "5", "-i", "2", "--padding", "3000")
            check(s["received"] == 5, "fragmented requests: %r" % s)
            # Raw backend: our own IP/UDP headers through AF_PACKET on the veth, TTL 5,
            # DSCP EF, the peer's MAC as destination; answered like any request.
            mac = json.loads(subprocess.run(["ip", "-j", "-n", NS_R, "link", "show", tag + "b"],
                                            capture_output=True, text=True).stdout)[0]["address"]
            for remote, local in ((B4, A4), ("[%s]" % B6, "[%s]" % A6)):
                s = nssender(ins, "%s:8620" % remote, local, "--raw", tag + "a", "--raw-mac", mac,
                             "-c", "5", "-i", "2", "--ttl", "5", "--dscp", "ef",
                             "--flow-label", "74565")
                check(s["received"] == 5, "raw %s: %r" % (remote, s))
            # With DF the same packet cannot leave: a clear error, not a silent loss.
            res = subprocess.run(ins + ["sender", "%s:8620" % B4, "-c", "2", "-i", "1",
                                        "--padding", "3000", "--do-not-fragment", "--timeout",
                                        "0.3"], capture_output=True, text=True, timeout=30)
            # Nothing could be sent, so nothing answered: exit 1, as ping.
            check(res.returncode == 1 and "does not fit the path MTU" in res.stderr and
                  "none of the 2 packets could be sent" in res.stderr,
                  "DF error: exit %d, %r" % (res.returncode, res.stderr))
        finally:
            c = r.stop()
        check(c["reflected"] == 35 and c["send_errors"] == 0, "responder %r" % c)
        log = open(r.log).read()
        check(log.count("ttl=9]") == 20, "Sender TTL 9 not seen on every request")
        check(log.count("ttl=5]") == 10, "raw packets' TTL 5 not seen")

        # Layer-2 responder: it answers for addresses the interface does not have (.3 and
        # ::3), picking the datagrams out of the frames; the sender's side knows the MAC
        # from a static neighbour entry (nothing answers ARP/ND for those addresses).
        macb = json.loads(subprocess.run(["ip", "-j", "-n", NS_R, "link", "show", tag + "b"],
                                         capture_output=True, text=True).stdout)[0]["address"]
        C4, C6 = "10.254.77.3", "fd00:5354:414d::3"
        for a in (C4, C6):
            ip("-n", NS_S, "neigh", "add", a, "lladdr", macb, "dev", tag + "a", "nud", "permanent")
        for local, remote in (("%s:8621" % C4, "%s:8621" % C4), ("[%s]:8621" % C6, "[%s]:8621" % C6)):
            r2 = NsResponder(inr, local, "--raw", tag + "b", "--stateful", "--ttl", "33")
            try:
                s = nssender(ins, remote, "-c", "6", "-i", "2", "--ttl", "11", "--dscp", "af21",
                             "--reflector", "stateful", "--tlv", "class-of-service:dscp1=ef",
                             "--tlv", "location")
            finally:
                c2 = r2.stop()
            check(s["received"] == 6 and s["roundtrip"]["lost"] == 0 and s["tlv"]["u"] == 0,
                  "layer-2 responder %s: %r" % (local, s))
            check(c2["reflected"] == 6 and c2["received"] == 6, "layer-2 counters %r" % c2)
            l2log = open(r2.log).read()
            check(l2log.count("ttl=11]") == 6, "layer-2 Sender TTL: %s" % l2log[-300:])
    finally:
        teardown()


def NsResponder(prefix, local, *args):
    """The responder run inside a namespace (prefix: the `ip netns exec` command + binary)."""
    return Responder(prefix[-1], local, *args, prefix=prefix[:-1])


def nssender(prefix, *args):
    return sender(prefix[-1], *args, prefix=prefix[:-1])


run(main)
