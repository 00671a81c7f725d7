#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# `stampkit replay` of a capture with hundreds of sessions (far more than the 64 it once
# stopped at) against `stampkit responder` on loopback: every session sent from a socket of
# its own, every packet sent and every reply paired (exact counts from the JSON document),
# --session beyond 64, and the open-files limit: raised to the hard limit when the sessions
# need it, refused with a message (nothing sent, exit status 1) when even that is too low.
#   usage: test_many.py STAMPKIT PCAPS_DIR
import json, os, resource, shutil, struct, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "live"))
sys.path.insert(0, HERE)
from livelib import Responder, check, free_port, read_pcap, run  # noqa: E402
import mkcap  # noqa: E402

SESS, ROUNDS = 400, 3
TMP = tempfile.mkdtemp(prefix="sk-replay-many-")
VALIDATE = os.path.join(HERE, "..", "schema", "validate.py")


def replay(bin, *args, nofile=None, timeout=120):
    def limit():
        if nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, nofile)
    return subprocess.run([bin, "replay", *args], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit)


def check_doc(j, sessions, per_session, what):
    n = sessions * per_session
    check(j["command"] == "replay" and j["selected"] == n and j["sent"] == n and
          j["restamped"] == n and j["replies"] == n and j["send_errors"] == 0 and
          j["foreign"] == 0 and j["interrupted"] is False,
          "%s: document %r" % (what, {k: v for k, v in j.items() if k != "sessions"}))
    s = j["sessions"]
    check(len(s) == sessions, "%s: %d sessions in the results, %d wanted" % (what, len(s), sessions))
    bad = [x for x in s if x["sent"] != per_session or x["received"] != per_session or
           x["roundtrip"]["lost"] != 0 or x["roundtrip"]["duplicates"] != 0]
    check(not bad, "%s: %d sessions not complete, first %r" % (what, len(bad), bad[:1]))
    check(sorted(x["ssid"] for x in s) == sorted(set(x["ssid"] for x in s)),
          "%s: an SSID twice" % what)


def main(bin):
    cap = os.path.join(TMP, "many.pcap")
    mkcap.write(cap, SESS, ROUNDS)
    # 1. Every session, every packet, every reply. Paced (--pps) so that a busy machine
    #    cannot overflow the responder's socket: the counts, not the speed, are tested.
    port = free_port()
    pc = os.path.join(TMP, "resp.pcap")
    r = Responder(bin, "127.0.0.1:%d" % port, "--rate-limit", "0", "--pcap-out", pc)
    try:
        res = replay(bin, "--json", cap, "--to", "127.0.0.1:%d" % port, "--pps", "5000",
                     "--timeout", "5")
    finally:
        c = r.stop()
    check(res.returncode == 0, "replay: exit %d: %s" % (res.returncode, res.stderr))
    check("more than" not in res.stderr, "sessions left out: %s" % res.stderr)
    j = json.loads(res.stdout)
    check_doc(j, SESS, ROUNDS, "%d sessions" % SESS)
    v = subprocess.run([sys.executable, VALIDATE, "-"], input=res.stdout, text=True,
                       capture_output=True, timeout=60)
    check(v.returncode == 0 or "not installed" in v.stderr, "schema: %s" % v.stderr)
    check(c["received"] == SESS * ROUNDS and c["reflected"] == SESS * ROUNDS,
          "responder counters %r" % c)
    # A socket of its own per session: as many source ports as sessions, each carrying its
    # session's SSID (RFC 8762 §4.2.1) and the recorded sequence numbers 0..ROUNDS-1.
    by_port = {}
    for p in read_pcap(pc):
        if p[4] == port:
            by_port.setdefault(p[3], []).append(p[5])
    check(len(by_port) == SESS, "%d source ports for %d sessions" % (len(by_port), SESS))
    for sp, reqs in by_port.items():
        check(len({struct.unpack("!H", q[14:16])[0] for q in reqs}) == 1 and
              [struct.unpack("!I", q[:4])[0] for q in reqs] == list(range(ROUNDS)),
              "source port %d: %r" % (sp, [q[:16].hex() for q in reqs]))

    # 2. --session beyond 64 (the former cap), twice; beyond the capture: usage error.
    port = free_port()
    r = Responder(bin, "127.0.0.1:%d" % port)
    try:
        res = replay(bin, "--json", cap, "--to", "127.0.0.1:%d" % port, "--topspeed",
                     "--session", "65", "--session", str(SESS), "--timeout", "5")
    finally:
        r.stop()
    check(res.returncode == 0, "--session: %s" % res.stderr)
    j = json.loads(res.stdout)
    check_doc(j, 2, ROUNDS, "--session 65 --session %d" % SESS)
    check(sorted(x["ssid"] for x in j["sessions"]) == [64, SESS - 1], "SSIDs %r" %
          [x["ssid"] for x in j["sessions"]])
    res = replay(bin, cap, "--to", "127.0.0.1:%d" % port, "--session", str(SESS + 1))
    check(res.returncode == 2 and "has %d test sessions: no session %d" % (SESS, SESS + 1)
          in res.stderr, "--session %d: %d %s" % (SESS + 1, res.returncode, res.stderr))

    # 3. Open files: a soft limit below what 400 sockets need is raised to the hard one
    #    (everything then as in 1)...
    port = free_port()
    r = Responder(bin, "127.0.0.1:%d" % port, "--rate-limit", "0")
    try:
        res = replay(bin, "--json", cap, "--to", "127.0.0.1:%d" % port, "--pps", "5000",
                     "--timeout", "5", "-v", nofile=(64, 4096))
    finally:
        r.stop()
    check(res.returncode == 0, "soft limit 64: %s" % res.stderr[-2000:])
    check("open files limit raised from 64 to 4096" in res.stderr, res.stderr[:2000])
    check_doc(json.loads(res.stdout), SESS, ROUNDS, "soft limit 64, hard 4096")
    # ... and a hard limit below it is refused before anything is sent: exit status 1, the
    # numbers and the ways out named, the responder never sees a packet.
    port = free_port()
    r = Responder(bin, "127.0.0.1:%d" % port)
    try:
        res = replay(bin, "--json", cap, "--to", "127.0.0.1:%d" % port, "--topspeed",
                     "--timeout", "0.2", nofile=(64, 64))
    finally:
        c = r.stop()
    check(res.returncode == 1, "hard limit 64: exit %d: %s" % (res.returncode, res.stderr))
    check("%d sessions need" % SESS in res.stderr and "may open 64" in res.stderr and
          "nothing sent" in res.stderr and "--session" in res.stderr, res.stderr)
    check(res.stdout == "", "results printed although nothing was sent: %r" % res.stdout[:200])
    check(c["received"] == 0, "the responder received %r" % c)
    shutil.rmtree(TMP, ignore_errors=True)


run(main)
