#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# `stampkit server` and `stampkit controller` in two network namespaces joined by a veth pair
# that the test creates and removes: IPv4 and IPv6, every security mode, several sessions,
# the DSCP asked for in Type-P applied by the server.
#   usage: test_server_netns.py STAMPKIT   (needs root and iproute2; exit 77 otherwise)
import atexit, json, os, shutil, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "live"))
from livelib import Fail, check, run, SKIP  # noqa: E402

if os.geteuid() != 0 or not shutil.which("ip"):
    sys.exit(SKIP)
tag = "skt%d" % os.getpid()
NS_C, NS_S = tag + "c", tag + "s"
A4, B4, A6, B6 = "10.254.78.1", "10.254.78.2", "fd00:5354:414e::1", "fd00:5354:414e::2"


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def setup():
    ip("netns", "add", NS_C)
    ip("netns", "add", NS_S)
    ip("link", "add", tag + "a", "netns", NS_C, "type", "veth", "peer", "name", tag + "b",
       "netns", NS_S)
    for ns, dev, a4, a6 in ((NS_C, tag + "a", A4, A6), (NS_S, tag + "b", B4, B6)):
        ip("-n", ns, "link", "set", "lo", "up")
        ip("-n", ns, "link", "set", dev, "up")
        ip("-n", ns, "addr", "add", a4 + "/24", "dev", dev)
        ip("-n", ns, "addr", "add", a6 + "/64", "dev", dev, "nodad")


def teardown():
    for ns in (NS_C, NS_S):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)


def main(bin):
    try:
        setup()
    except (subprocess.CalledProcessError, FileNotFoundError):
        teardown()
        sys.exit(SKIP)
    tmp = tempfile.mkdtemp(prefix="sk-server-ns-")
    atexit.register(shutil.rmtree, tmp, True)
    keys = os.path.join(tmp, "keys")
    with open(keys, "w") as f:
        f.write("ops twamp across namespaces\n")
    log = os.path.join(tmp, "server.log")
    err = open(os.path.join(tmp, "server.err"), "w+")
    srv = subprocess.Popen(["ip", "netns", "exec", NS_S, bin, "server", "-v", "-l", log,
                            "--modes", "all", "--key-file", keys],
                           stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        deadline = time.time() + 5
        while time.time() < deadline and not (os.path.exists(log) and "listening" in open(log).read()):
            check(srv.poll() is None, "server exited")
            time.sleep(0.05)
        for remote in (B4, "[%s]" % B6):
            for mode in ("unauth", "auth", "encrypted", "mixed"):
                r = subprocess.run(["ip", "netns", "exec", NS_C, bin, "controller", "--json",
                                    "--mode-auth", mode, "--key-file", keys, "--sessions", "2",
                                    "-c", "10", "-i", "2", "--ttl", "9", "--session-dscp", "af41",
                                    remote], capture_output=True, text=True, timeout=60)
                check(r.returncode == 0, "%s %s: exit %d %s" % (remote, mode, r.returncode, r.stderr))
                lines = r.stdout.splitlines()
                check(len(lines) == 1, "%s %s: one JSON document on stdout: %r" % (remote, mode, r.stdout))
                ss = json.loads(lines[0])["sessions"]
                check(len(ss) == 2 and all(s["received"] == 10 and s["roundtrip"]["lost"] == 0 and
                                           s["bad_replies"] == 0 for s in ss),
                      "%s %s: %r" % (remote, mode, ss))
        text = open(log).read()
        check(text.count("session accepted") == 16, "16 sessions accepted")
        check(text.count("DSCP 34") == 16, "DSCP AF41 from Type-P on every session")
    finally:
        if srv.poll() is None:
            srv.send_signal(signal.SIGINT)
            try:
                srv.wait(5)
            except subprocess.TimeoutExpired:
                srv.kill()
        teardown()
    check(srv.returncode == 0, "server exit %d" % srv.returncode)


if __name__ == "__main__":
    run(main)
