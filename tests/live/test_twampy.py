#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Interop with nokia/twampy (unmodified, from the shared peers folder) on loopback, with no
# extra options on our side: its sender (defaults: 14-octet requests; --padding 27; IMIX;
# --dscp ef; IPv6) against our responder in both modes, 0 % loss read back from twampy's own
# table; our sender against its responder (38-octet replies) in both modes; its controller
# against our server (TCP 862: skipped with a message when it cannot be bound); dscptable.
#   usage: test_twampy.py STAMPKIT SHARED_DIR
import json, os, re, socket, subprocess, sys, tempfile, time
from livelib import Responder, check, free_port, run, sender, SKIP

ROWS = ("Outbound", "Inbound", "Roundtrip")
COUNT = 30


def peer_env(shared):
    """twampy and the interpreter it needs, or exit 77 saying what is missing."""
    tw = os.path.join(shared, "peers", "twampy")
    script = os.path.join(shared, "peers", "run-twampy.sh")
    if not os.path.isdir(tw) or not os.path.exists(script):
        print("skip: no twampy in %s (the shared folder beside the clone)" % shared)
        sys.exit(SKIP)
    py = os.environ.get("PYTHON", "python3")
    r = subprocess.run([py, "-c", "import sys; print(sys.version_info >= (3, 11))"],
                       capture_output=True, text=True)
    if r.returncode != 0 or r.stdout.strip() != "True":
        print("skip: twampy 1.3 needs python3 >= 3.11 (%s)" % py)
        sys.exit(SKIP)
    return script, tw


def twampy(peer, *args, timeout=60):
    script, tw = peer
    env = dict(os.environ, TWAMPY_TIMEOUT=str(timeout))
    return subprocess.run([script, tw, *args], capture_output=True, text=True,
                          timeout=timeout + 10, env=env)


def losses(out):
    """twampy's result table (its section 4.4 layout): loss per direction, in percent."""
    check("NO STATS AVAILABLE" not in out, "twampy: no reply at all:\n" + out)
    got = {}
    for l in out.splitlines():
        m = re.match(r"  (Outbound|Inbound|Roundtrip):\s.*\s(-?[0-9.]+)%$", l)
        if m:
            got[m.group(1)] = float(m.group(2))
    check(sorted(got) == sorted(ROWS), "twampy table not found:\n" + out)
    return got


def twampy_senders(bin, peer):
    cases = [("defaults", ()), ("padding 27", ("--padding", "27")),
             ("IMIX", ("--padding", "-1")), ("dscp ef", ("--dscp", "ef"))]
    for mode in ("stamp", "twamp-light"):
        args = () if mode == "stamp" else ("--mode", "twamp-light")
        for fam, host, v6 in (("IPv4", "127.0.0.1", False), ("IPv6", "::1", True)):
            port = free_port(socket.AF_INET6 if v6 else socket.AF_INET)
            fmt = "[%s]:%d" if v6 else "%s:%d"
            r = Responder(bin, fmt % (host, port), *args)
            runs = 0
            try:
                for name, extra in (cases if not v6 else cases[:1] + cases[2:3]):
                    lport = free_port(socket.AF_INET6 if v6 else socket.AF_INET)
                    t = twampy(peer, "sender", fmt % (host, port), fmt % (host, lport),
                               "-c", str(COUNT), "-i", "5", *extra)
                    what = "twampy sender (%s, %s) -> stampkit responder %s" % (name, fam, mode)
                    check(t.returncode == 0, "%s: exit %d\n%s" % (what, t.returncode, t.stderr))
                    loss = losses(t.stdout)
                    print("%s: loss %r" % (what, loss))
                    check(all(loss[d] == 0.0 for d in ROWS), "%s: loss %r" % (what, loss))
                    runs += 1
            finally:
                c = r.stop()
            refused = sum(c["refused"].values()) + c["malformed"] + c["oversized"]
            check(c["received"] == runs * COUNT and c["reflected"] == runs * COUNT and
                  refused == 0, "responder %s %s counters %r" % (mode, fam, c))


def twampy_responder(bin, peer):
    """Our sender against twampy's responder: its 38-octet replies (no Sender TTL) count."""
    port = free_port()
    script, tw = peer
    env = dict(os.environ, TWAMPY_TIMEOUT="60")
    p = subprocess.Popen([script, tw, "responder", "127.0.0.1:%d" % port],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        # Ready when its port is taken (it binds with SO_REUSEADDR, so probe without it).
        for _ in range(250):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                break
            finally:
                s.close()
            if p.poll() is not None:
                break
            time.sleep(0.02)
        check(p.poll() is None, "twampy responder exited")
        for mode in ("stamp", "twamp-light"):
            s = sender(bin, "127.0.0.1:%d" % port, "-c", "20", "-i", "5", "--mode", mode)
            print("stampkit sender %s -> twampy responder: sent %d received %d" %
                  (mode, s["sent"], s["received"]))
            check(s["sent"] == 20 and s["received"] == 20, "%s: %r" % (mode, s))
    finally:
        p.send_signal(2)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


def twampy_controller(bin, peer):
    """twampy's controller always uses TCP 862 on the far-end address."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.bind(("127.0.0.1", 862))
    except OSError as e:
        print("skip: twampy controller -> stampkit server: 127.0.0.1:862 (%s)" % e.strerror)
        return
    finally:
        probe.close()
    tmp = tempfile.mkdtemp(prefix="sk-live-")
    out = open(os.path.join(tmp, "server.out"), "w+")
    log = os.path.join(tmp, "server.log")
    srv = subprocess.Popen([bin, "server", "--json", "-v", "-l", log, "127.0.0.1"],
                           stdout=out, stderr=subprocess.STDOUT)
    try:
        for _ in range(250):
            if os.path.exists(log) and srv.poll() is None:
                c = socket.socket()
                try:
                    c.connect(("127.0.0.1", 862))
                    c.close()
                    break
                except OSError:
                    pass
                finally:
                    c.close()
            time.sleep(0.02)
        port, lport = free_port(), free_port()
        t = twampy(peer, "controller", "127.0.0.1:%d" % port, "127.0.0.1:%d" % lport,
                   "-c", "10", "-i", "10")
        check(t.returncode == 0, "twampy controller exit %d\n%s" % (t.returncode, t.stderr))
        loss = losses(t.stdout)
        print("twampy controller -> stampkit server: loss %r" % loss)
        check(all(loss[x] == 0.0 for x in ROWS), "controller loss %r" % loss)
        check("ERROR CODE" not in t.stdout + t.stderr, "twampy saw a refusal:\n" + t.stdout)
    finally:
        srv.send_signal(2)
        srv.wait(10)
    out.seek(0)
    doc = json.loads([l for l in out.read().splitlines() if l.startswith("{")][-1])
    c = doc["counters"]
    check(c["sessions"] == 1 and c["test_received"] == 10 and c["test_reflected"] == 10,
          "server counters %r" % c)


def dscptable(bin, peer):
    t = twampy(peer, "dscptable")
    check(t.returncode == 255, "twampy dscptable exit %d" % t.returncode)  # its bug B14
    ours = subprocess.run([bin, "dscptable"], capture_output=True, text=True, timeout=10)
    check(ours.returncode == 0, "stampkit dscptable exit %d" % ours.returncode)
    theirs = t.stdout.split("\n", 1)[1]  # after its argparse Namespace line
    check(theirs.startswith("\n===") or theirs.startswith("==="), "twampy dscptable:\n" + t.stdout)
    check(ours.stdout == theirs, "dscptable differs:\n%s\n---\n%s" % (ours.stdout, theirs))
    print("dscptable: %d lines equal" % len(theirs.splitlines()))


def main(bin):
    peer = peer_env(sys.argv[2])
    dscptable(bin, peer)
    twampy_senders(bin, peer)
    twampy_responder(bin, peer)
    twampy_controller(bin, peer)


if __name__ == "__main__":
    run(main)
