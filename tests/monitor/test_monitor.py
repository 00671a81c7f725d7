#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# stampkit monitor: a bad CONFIG is refused with file:line and the reason (exit 2); SIGHUP
# reloads it keeping an unchanged target's session (its counts go on), starting an added
# one, stopping a removed one, and refusing a broken file while the running configuration
# stays; a target that does not answer is said on standard error and tried on, never ending
# the process, and said again when it answers; mode twamp: a TWAMP-Control session with
# `stampkit server`, the server stopped (said, retried) and started again (a new session, the
# counts going on); SIGTERM ends with the summary (JSON Lines with --json, valid).
#   usage: test_monitor.py STAMPKIT   (exit 77 without python3-jsonschema)
import os, signal, subprocess, sys, tempfile, time
from mlib import SKIP, Server, check, free_port, jsonl, run
from livelib import Responder

try:
    import jsonschema  # noqa: F401
except ImportError:
    print("SKIP: python3-jsonschema is not installed")
    sys.exit(SKIP)

BAD = [
    ("[monitor]\nrate = 10\nbogus = 1\n[target a]\naddress = 127.0.0.1\n", 3,
     "unknown setting 'bogus'"),
    ("[target a]\naddress = 127.0.0.1\nrate = fast\n", 3, "rate 'fast'"),
    ("[target a]\naddress = 127.0.0.1:0\n", 2, "address '127.0.0.1:0'"),
    ("# comment\n[target a]\nrate = 5\n[target b]\naddress = ::1\n", 2,
     "target a has no address"),
    ("[target a]\naddress = ::1\n[target empty]\n", 3, "target empty has no address"),
    ("rate = 5\n[target a]\naddress = ::1\n", 1, "'rate' before the first section"),
    ("[targets]\naddress = 127.0.0.1\n", 1, "unknown section [targets]"),
    ("[target a]\naddress = 127.0.0.1\nthis is not ini\n", 3, "not an INI line"),
    ("[target a]\naddress = 127.0.0.1\n[target a]\nrate = 2\n", 3,
     "[target a] is there twice"),
    ("[target a b]\naddress = 127.0.0.1\n", 1, "target name 'a b'"),
    ("[target a]\naddress = 127.0.0.1\nmode = twamp-light\ntlv = location\n", 1,
     "TLVs: they need mode = stamp"),
    ("[target a]\naddress = 127.0.0.1\ndscp = af99\n", 3, "dscp 'af99'"),
    ("[target a]\naddress = 127.0.0.1\nkey = /nonexistent/key\n", 3, "cannot open key file"),
    ("[target a]\naddress = 127.0.0.1\n[monitor]\ntimeout = 1\n", 3,
     "[monitor] must come before"),
]


def main(bin):
    d = tempfile.mkdtemp(prefix="sk-mon-")
    conf = os.path.join(d, "monitor.conf")
    for text, line, why in BAD:
        open(conf, "w").write(text)
        r = subprocess.run([bin, "monitor", conf], capture_output=True, text=True, timeout=10)
        check(r.returncode == 2, "%r: exit %d %s" % (text, r.returncode, r.stderr))
        check(r.stderr.startswith("stampkit monitor: %s:%d: " % (conf, line)) and
              (why is None or why in r.stderr), "%r: %r" % (text, r.stderr))
        check(not r.stdout, "%r: stdout %r" % (text, r.stdout))
    open(conf, "w").write("")
    r = subprocess.run([bin, "monitor", conf], capture_output=True, text=True, timeout=10)
    check(r.returncode == 2 and "no [target NAME] section" in r.stderr, "empty: %r" % r.stderr)
    r = subprocess.run([bin, "monitor", os.path.join(d, "missing.conf")], capture_output=True,
                       text=True, timeout=10)
    check(r.returncode == 2, "missing file: %d" % r.returncode)

    port = free_port()
    resp = Responder(bin, "127.0.0.1:%d" % port)
    dead, wport = free_port(), free_port()
    keep = ("[target keep]\naddress = 127.0.0.1:%d\nrate = 40\n"
            "[target wake]\naddress = 127.0.0.1:%d\nrate = 20\n" % (port, wport))
    open(conf, "w").write("[monitor]\ntimeout = 0.2\n" + keep +
                          "[target gone]\naddress = 127.0.0.1:%d\nmode = twamp-light\nrate = 20\n"
                          "[target dead]\naddress = 127.0.0.1:%d\nrate = 20\n" % (port, dead))
    p = subprocess.Popen([bin, "monitor", conf, "--json", "--report-interval", "0.4"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wresp = None
    try:
        time.sleep(0.9)
        wresp = Responder(bin, "127.0.0.1:%d" % wport)  # wake's reflector comes up late
        time.sleep(0.4)
        # Broken: refused, the running configuration stays.
        open(conf, "w").write("[monitor]\ntimeout = x\n")
        p.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        # timeout is read at start only: the reload says so (and keeps 0.2).
        open(conf, "w").write("[monitor]\ntimeout = 0.3\n" + keep +
                              "[target new]\naddress = 127.0.0.1:%d\nrate = 20\n"
                              "[target dead]\naddress = 127.0.0.1:%d\nrate = 20\n" %
                              (port, dead))
        p.send_signal(signal.SIGHUP)
        time.sleep(1.3)
        check(p.poll() is None, "the monitor ended: %s" % p.poll())
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
        resp.stop()
        if wresp:
            wresp.stop()
    check(p.returncode == 0, "exit %d: %s" % (p.returncode, err))
    check("reload refused, the running configuration stays: %s:2: timeout 'x'" % conf in err,
          "broken reload: %r" % err)
    check("configuration reloaded: 4 targets" in err, "reload: %r" % err)
    check("reload: timeout changed from 0.2 to 0.3 s in %s, which is read at start only: "
          "restart the monitor to apply it" % conf in err, "start-only setting: %r" % err)
    i = err.find("target wake (127.0.0.1:%d): no reply in the last interval" % wport)
    check(0 <= i < err.find("target wake (127.0.0.1:%d): answers again" % wport),
          "wake: %r" % err)
    check("target dead (127.0.0.1:%d): no reply in the last interval" % dead in err,
          "dead target: %r" % err)
    ivs, final = jsonl(out, "monitor")
    s = {x["name"]: x for x in final["sessions"]}
    check(sorted(s) == ["dead", "keep", "new", "wake"], "targets %r" % sorted(s))
    check(0 < s["wake"]["received"] < s["wake"]["sent"], "wake: %r" % s["wake"])
    # keep ran from the start (about 2.9 s at 40/s), new from the reload (1.3 s at 20/s).
    check(s["keep"]["sent"] > 90 and s["keep"]["received"] == s["keep"]["sent"] -
          s["keep"]["roundtrip"]["lost"] and s["keep"]["received"] > 90,
          "keep: %r" % s["keep"]["sent"])
    check(10 < s["new"]["sent"] < 40 and s["new"]["received"] > 10, "new: %r" % s["new"]["sent"])
    check(s["dead"]["received"] == 0 and s["dead"]["sent"] > 40, "dead: %r" % s["dead"])
    names = [sorted(x["name"] for x in iv["sessions"]) for iv in ivs]
    check(names[0] == ["dead", "gone", "keep", "wake"] and
          names[-1] == ["dead", "keep", "new", "wake"],
          "intervals' targets %r" % names)
    # Every interval of keep adds up to its total: its counts went on over the reload.
    tot = sum(x["sent"] for iv in ivs for x in iv["sessions"] if x["name"] == "keep")
    check(tot == s["keep"]["sent"], "keep: intervals %d, total %d" % (tot, s["keep"]["sent"]))
    twamp(bin, conf)


def twamp(bin, conf):
    srv = Server(bin)
    open(conf, "w").write("[monitor]\ntimeout = 0.2\n[target tw]\naddress = %s\nmode = twamp\n"
                          "rate = 20\n" % srv.addr)
    p = subprocess.Popen([bin, "monitor", conf, "--json", "--report-interval", "0.5"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.2)
        port = srv.port
        first = srv.stop()["counters"]
        srv = None
        time.sleep(0.5)
        # The same port again; the monitor retries every 10 s.
        srv = Server(bin, port=port)
        time.sleep(11.5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
        second = srv.stop()["counters"] if srv else None
    check(p.returncode == 0, "twamp: exit %d %s" % (p.returncode, err))
    check("TWAMP-Control to " in err and "the server closed the control connection" in err and
          "TWAMP test session started again" in err, "twamp: %r" % err)
    ivs, final = jsonl(out, "monitor")
    s = final["sessions"][0]
    # The sender as the reflector sees it: the kernel's source towards the target, not the
    # wildcard the socket is bound to.
    check(s["sender"].startswith("127.0.0.1:") and not s["sender"].endswith(":0"),
          "twamp: sender %r" % s["sender"])
    check(s["mode"] == "twamp" and s["ssid"] is None and s["received"] > 20 and
          s["received"] == s["sent"] - s["roundtrip"]["lost"], "twamp: %r" % s)
    # The new test session numbers its replies from 0 again (RFC 5357 §4.2.1): they are a
    # new numbering, not duplicates of the first session's, and the split by direction adds
    # up to the round-trip loss.
    check(s["reflected"] == s["received"] and s["inbound"]["duplicates"] == 0 and
          s["outbound"]["duplicates"] == 0 and
          s["outbound"]["lost"] + s["inbound"]["lost"] + s["unknown_lost"] == s["roundtrip"]["lost"],
          "twamp: numbering after the restart %r" % s)
    check(first["sessions"] == 1 and second and second["sessions"] == 1 and
          first["test_reflected"] + second["test_reflected"] >= s["received"] > first["test_reflected"],
          "twamp: server counters %r %r" % (first, second))
    # While the server was away nothing was sent: some intervals are empty.
    check(any(iv["sessions"][0]["sent"] == 0 for iv in ivs), "twamp: no empty interval")


run(main)
