#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# `stampkit server` against hostile TWAMP-Control clients on loopback (hostile.py), each time
# with a legitimate `stampkit controller` that must complete with every packet answered:
# clients that never read their answers (closed, counted), slowloris clients beyond
# --max-connections-per-source (refused with Modes 0) and within it (closed by
# --setup-timeout however they trickle), a client that trickles a message after its set-up,
# --max-sessions-per-source (Accept 5), and 100,000 refused Request-TW-Sessions that leave a
# few hundred log lines. Hostile clients come from 127.0.0.2, the controller from 127.0.0.1.
# Bounded: about 60 s, a few hundred thousand control octets; no pass/fail on timing.
#   usage: test_hostile.py STAMPKIT
import json, os, re, shutil, socket, subprocess, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "live"))
sys.path.insert(0, HERE)
from livelib import Daemon, Fail, check, run, SKIP  # noqa: E402
import hostile  # noqa: E402

TMP = tempfile.mkdtemp(prefix="sk-hostile-")
HOST, EVIL = "127.0.0.1", "127.0.0.2"


def free_tcp():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((HOST, 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Server(Daemon):
    """`stampkit server --json` with its standard error in a file (the log lines)."""

    def __init__(self, bin, *args):
        self.port = free_tcp()
        self.addr = "%s:%d" % (HOST, self.port)
        self.errpath = os.path.join(TMP, "server-%d.err" % self.port)
        super().__init__([bin, "server", "--json", "--ports", "30000-40000", *args, self.addr],
                         open(self.errpath, "w+"))

    def stop(self):
        """SIGINT; the counters of its one JSON document."""
        out = self.interrupt()
        lines = out.splitlines()
        check(len(lines) == 1, "server --json: %r" % out)
        doc = json.loads(lines[0])
        r = subprocess.run([sys.executable, os.path.join(HERE, "..", "schema", "validate.py"), "-"],
                           input=lines[0], capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, "server document not valid: %s" % r.stderr)
        return doc["counters"]

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def controller_start(bin, srv, *args):
    return subprocess.Popen([bin, "controller", "--json", *args, srv.addr],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def controller_done(p, count, sessions=1, what=""):
    """Every session complete: count sent, count received, nothing lost."""
    out, err = p.communicate(timeout=90)
    check(p.returncode == 0, "%s: controller exit %d: %s" % (what, p.returncode, err))
    ss = json.loads(out)["sessions"]
    check(len(ss) == sessions and all(x["sent"] == count and x["received"] == count and
                                      x["roundtrip"]["lost"] == 0 for x in ss),
          "%s: controller sessions %r" % (what, ss))


def threads(fn, n):
    """Runs fn() in n threads; returns their results."""
    res = [None] * n

    def one(i):
        try:
            res[i] = fn()
        except Exception as e:  # noqa: BLE001 - reported as the result
            res[i] = ("error", repr(e))
    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    return ts, res


def join(ts, secs):
    end = time.time() + secs
    for t in ts:
        t.join(max(0.1, end - time.time()))
    check(not any(t.is_alive() for t in ts), "hostile clients still running after %d s" % secs)


def not_reading(bin):
    """Four clients that pipeline requests and never read the answers: each is closed (the
    server keeps at most 8192 octets of answers for a client), counted and logged, and a
    controller running meanwhile gets every reply."""
    srv = Server(bin)
    try:
        ctl = controller_start(bin, srv, "-c", "400", "-i", "5")
        ts, res = threads(lambda: hostile.non_reader(HOST, srv.port, EVIL), 4)
        join(ts, 60)
        check(all(r[0] == "closed" for r in res), "clients that do not read: %r" % (res,))
        controller_done(ctl, 400, what="while 4 clients do not read")
        ctl = controller_start(bin, srv, "-c", "20", "-i", "2")
        controller_done(ctl, 20, what="after")
        cnt = srv.stop()
        check(cnt["closed_not_reading"] == 4, "counters %r" % cnt)
        err = srv.errtext()
        check(err.count("answers left unread") >= 1 and "127.0.0.2" in err, err[-2000:])
    finally:
        srv.kill()


def slow_clients(bin):
    """Ten slowloris clients from one address: beyond --max-connections-per-source 4 they get
    a Server-Greeting with Modes 0 (RFC 4656 §3.1: the server will not serve this client);
    the four held are closed by --setup-timeout although they keep sending an octet every
    0.5 s; a controller from another address completes meanwhile. Then a client that
    trickles its second request and one that stays silent after Server-Start: closed too
    (SERVWAIT is 900 s here, so only the deadline can have closed them)."""
    srv = Server(bin, "--max-connections-per-source", "4", "--setup-timeout", "3", "-v")
    try:
        done = []
        ts, res = threads(lambda: hostile.slowloris(HOST, srv.port, EVIL, lambda: bool(done)), 10)
        ctl = controller_start(bin, srv, "-c", "100", "-i", "5")
        controller_done(ctl, 100, what="while slow clients hold 4 connections")
        join(ts, 30)
        done.append(1)
        refused = [r for r in res if r[0] == "refused"]
        closed = [r for r in res if r[0] == "closed"]
        check(len(refused) == 6 and len(closed) == 4, "slow clients: %r" % (res,))
        # Closed in the middle of the Set-Up-Response (164 octets): trickling did not help.
        check(all(0 < r[1] < hostile.SETUP for r in closed), "slow clients: %r" % (res,))
        ts, res = threads(lambda: hostile.slowloris(HOST, srv.port, EVIL, lambda: False,
                                                    after_setup=True), 1)
        idle = hostile.idle_after_setup(HOST, srv.port, EVIL)
        check(idle is not None, "idle client not set up")
        join(ts, 30)
        check(res[0][0] == "closed" and 0 < res[0][1] < hostile.REQUEST,
              "client trickling its second request: %r" % (res,))
        check(hostile.wait_closed(idle, 20), "client silent after Server-Start left open")
        idle.close()
        cnt = srv.stop()
        check(cnt["refused_connections_per_source"] == 6 and cnt["refused_connections"] == 0 and
              cnt["closed_setup_timeout"] == 6 and cnt["closed_servwait"] == 0, "counters %r" % cnt)
        err = srv.errtext()
        check("set-up not completed within --setup-timeout" in err and
              "control message not completed within --setup-timeout" in err and
              "--max-connections-per-source 4 reached" in err, err[-3000:])
    finally:
        srv.kill()


def session_limit(bin):
    """--max-sessions-per-source 2: a third session for the same address, on the same or
    another connection, gets Accept-Session Accept 5, "Cannot perform request due to
    temporary resource limitations" (RFC 4656 §3.3 Accept values, used by Accept-Session in
    RFC 5357 §3.5); the connection stays usable; another address is not affected."""
    srv = Server(bin, "--max-sessions-per-source", "2")
    try:
        a, modes = hostile.connect(HOST, srv.port, EVIL)
        check(modes & 1 and hostile.set_up(a) == 0, "set-up")
        got = []
        for _ in range(3):
            a.sendall(hostile.request(timeout_s=0))
            got.append(hostile.recv_exact(a, hostile.ACCEPT)[0])
        check(got == [0, 0, 5], "Accept values %r (want 0, 0, 5)" % got)
        b, _ = hostile.connect(HOST, srv.port, EVIL)
        check(hostile.set_up(b) == 0, "set-up")
        b.sendall(hostile.request(timeout_s=0))
        check(hostile.recv_exact(b, hostile.ACCEPT)[0] == 5, "second connection: Accept")
        # Timeout 0: the reflectors close at Stop-Sessions, so the next run starts clean.
        ctl = controller_start(bin, srv, "--sessions", "2", "-c", "20", "-i", "2",
                               "--session-timeout", "0", "--timeout", "2")
        controller_done(ctl, 20, sessions=2, what="other address while 127.0.0.2 is at its limit")
        r = subprocess.run([bin, "controller", "--sessions", "3", "-c", "2", "--session-timeout",
                            "0", srv.addr], capture_output=True, text=True, timeout=60)
        check(r.returncode == 1 and "refused session 3: Accept 5" in r.stderr, r.stderr)
        a.close()
        b.close()
        cnt = srv.stop()
        check(cnt["refused_sessions_per_source"] == 3 and cnt["refused_sessions"] == 0,
              "counters %r" % cnt)
    finally:
        srv.kill()


def log_flood(bin):
    """--max-sessions-per-source 1 and a client that asks 100,000 times more: every refusal
    answered (Accept 5), a controller from another address served meanwhile, and the log
    (-v) holds a few hundred lines whose 'N more suppressed' accounts add up to every
    refusal."""
    total = 100000
    srv = Server(bin, "--max-sessions-per-source", "1", "-v")
    try:
        ts, res = threads(lambda: hostile.refused_stream(HOST, srv.port, EVIL, total), 1)
        ctl = controller_start(bin, srv, "-c", "100", "-i", "10")
        controller_done(ctl, 100, what="during the flood of refused requests")
        join(ts, 120)
        acc = res[0]
        check(isinstance(acc, list) and len(acc) == total + 1 and acc[0] == 0 and
              all(a == 5 for a in acc[1:]), "flood: %r" % (acc[:5] if isinstance(acc, list) else acc,))
        cnt = srv.stop()
        refused = cnt["refused_sessions_per_source"] + cnt["refused_sessions_other"]
        check(refused == total, "counters %r" % cnt)
        lines = srv.errtext().splitlines()
        check(len(lines) < 400, "%d lines on standard error for %d refusals" % (len(lines), total))
        said = sum(1 for l in lines if "session refused: Accept 5" in l)
        held = sum(int(m.group(1)) for l in lines
                   for m in [re.search(r"session refused: (\d+) more suppressed", l)] if m)
        check(said + held == total and said <= 20,
              "refusals said %d + suppressed %d != %d" % (said, held, total))
        check(cnt["log_suppressed"] >= held, "counters %r" % cnt)
    finally:
        srv.kill()


def main(bin):
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((EVIL, 0))
        s.close()
    except OSError:
        print("skip: %s is not a local address" % EVIL)
        sys.exit(SKIP)
    not_reading(bin)
    slow_clients(bin)
    session_limit(bin)
    log_flood(bin)


if __name__ == "__main__":
    if not os.path.exists(sys.argv[1]):
        sys.exit(SKIP)
    try:
        run(main)
    finally:
        shutil.rmtree(TMP, True)
