#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# sender --report-interval: with --json, JSON Lines (one {"type":"interval"} object per
# interval, the final document last), each valid against the schema; the intervals add up
# exactly to the totals (sent, received, lost, duplicates, reordered) with --count (and loss
# made by the responder's --rate-limit), --duration and SIGINT; on a terminal, a table block
# per interval before the final table. The controller's --report-interval the same way, per
# TWAMP test session.
#   usage: test_interval.py STAMPKIT   (exit 77 without python3-jsonschema)
import signal, subprocess, sys, time
from mlib import SKIP, Server, check, free_port, jsonl, run
from livelib import Responder

try:
    import jsonschema  # noqa: F401
except ImportError:
    print("SKIP: python3-jsonschema is not installed")
    sys.exit(SKIP)


def adds_up(ivs, final, what, k=0):
    s = final["sessions"][k]
    check(ivs, "%s: no interval" % what)
    for key in ("sent", "received"):
        total = sum(iv["sessions"][k][key] for iv in ivs)
        check(total == s[key], "%s: %s: intervals %d, total %d" % (what, key, total, s[key]))
    for key in ("lost", "duplicates", "reordered"):
        total = sum(iv["sessions"][k]["roundtrip"][key] for iv in ivs)
        check(total == s["roundtrip"][key], "%s: %s: intervals %d, total %d" %
              (what, key, total, s["roundtrip"][key]))
    for key in ("sent", "received", "lost", "duplicates", "reordered"):
        check(sum(iv["summary"][key] for iv in ivs) == final["summary"][key],
              "%s: summary %s" % (what, key))
    for iv in ivs:
        x = iv["sessions"][k]
        check(x["sent"] == x["received"] + x["roundtrip"]["lost"], "%s: interval %r" % (what, x))
        check(iv["start"] < iv["end"] or x["sent"] == 0, "%s: times %r" % (what, iv))
    return s


def sender(bin, *args):
    r = subprocess.run([bin, "sender", "--json", *args], capture_output=True, text=True,
                       timeout=60)
    check(r.returncode == 0, "sender exit %d: %s" % (r.returncode, r.stderr))
    return r.stdout


def main(bin):
    port = free_port()
    # 100 packets/s against a limit of 20/s: about half are lost, all in known intervals.
    resp = Responder(bin, "127.0.0.1:%d" % port, "--rate-limit", "20")
    try:
        dst = "127.0.0.1:%d" % port
        ivs, final = jsonl(sender(bin, dst, "-c", "80", "-i", "10", "--timeout", "0.5",
                                  "--report-interval", "0.2"), "sender")
        s = adds_up(ivs, final, "--count")
        check(s["sent"] == 80 and 0 < s["roundtrip"]["lost"] < 80 and len(ivs) >= 4,
              "--count: %d intervals, %r" % (len(ivs), s["roundtrip"]))
        # --duration, every packet answered (the limit allows 20/s)
        ivs, final = jsonl(sender(bin, dst, "--duration", "1.2", "--rate", "15", "--timeout",
                                  "1", "--report-interval", "0.25"), "sender")
        s = adds_up(ivs, final, "--duration")
        check(s["sent"] == 18 and len(ivs) >= 4, "--duration: %d, %d" % (s["sent"], len(ivs)))
        # until SIGINT
        p = subprocess.Popen([bin, "sender", "--json", dst, "-c", "1000000", "-i", "5",
                              "--report-interval", "0.2"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        time.sleep(1.1)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=20)
        check(p.returncode == 0, "SIGINT: exit %d %s" % (p.returncode, err))
        ivs, final = jsonl(out, "sender")
        s = adds_up(ivs, final, "SIGINT")
        check(s["interrupted"] and s["sent"] > 50 and len(ivs) >= 4, "SIGINT: %r" % s["sent"])
        # the table: a block per interval, then the final one
        r = subprocess.run([bin, "sender", dst, "-c", "12", "-i", "50", "--report-interval",
                            "0.2"], capture_output=True, text=True, timeout=30)
        check(r.returncode == 0, "table: exit %d %s" % (r.returncode, r.stderr))
        blocks = [l for l in r.stdout.splitlines() if l.startswith("Interval ")]
        check(len(blocks) >= 3 and blocks[0].startswith("Interval 1: ") and
              r.stdout.rstrip().splitlines()[-1].startswith("Summary: 1 session, sent 12"),
              "table: %r" % r.stdout[-600:])
    finally:
        resp.stop()
    # The controller: two TWAMP test sessions, each adding up.
    srv = Server(bin)
    try:
        r = subprocess.run([bin, "controller", "--json", "--sessions", "2", "-c", "30", "-i",
                            "20", "--report-interval", "0.15", "--timeout", "0.5", srv.addr],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, "controller exit %d: %s" % (r.returncode, r.stderr))
        ivs, final = jsonl(r.stdout, "controller")
        check(len(ivs) >= 3 and all(len(iv["sessions"]) == 2 for iv in ivs),
              "controller: %d intervals" % len(ivs))
        for k in (0, 1):
            s = adds_up(ivs, final, "controller session %d" % (k + 1), k)
            check(s["sent"] == 30, "controller: sent %d" % s["sent"])
    finally:
        srv.stop()


run(main)
