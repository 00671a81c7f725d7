#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# --metrics: GET /metrics of sender, responder, controller, server and monitor passes
# `promtool check metrics`;
# the sender's exported counts equal its final JSON (sent, received, duplicates, reordered,
# the round-trip histogram's count, and lost once the loss timeout passed), the responder's
# equal its counters document (requests, replies, refusals by reason), the server's its
# counters document; the controller's stay within its final JSON; the histograms are
# cumulative and end in +Inf == _count; anything but GET /metrics is refused.
#   usage: test_metrics.py STAMPKIT   (exit 77 without promtool)
import json, os, signal, subprocess, tempfile, time, urllib.error, urllib.request
from mlib import (Fail, Server, check, free_port, free_tcp_port, need, promtool, run, samples, scrape,
                  value, wait_port)
from livelib import Responder


def histogram_ok(s, what, **labels):
    """Buckets cumulative, +Inf == _count."""
    b = sorted(((float(dict(ls)["le"]), v) for (n, ls), v in s.items()
                if n == "stampkit_delay_seconds_bucket" and set(labels.items()) <= set(ls)))
    check(len(b) == 17, "%s: %d buckets" % (what, len(b)))
    check(all(b[i][1] <= b[i + 1][1] for i in range(len(b) - 1)), "%s: not cumulative" % what)
    check(b[-1][0] == float("inf") and
          b[-1][1] == value(s, "stampkit_delay_seconds_count", **labels), "%s: +Inf" % what)


def sender_case(bin, dst):
    mport = free_tcp_port()
    # 100/s against --rate-limit 20: some are lost, so the sender waits out --timeout.
    p = subprocess.Popen([bin, "sender", "--json", dst, "-c", "60", "-i", "10", "--timeout",
                          "3", "--metrics", "127.0.0.1:%d" % mport], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        wait_port(mport, p)
        time.sleep(1.5)  # everything sent and answered; the loss timeout still runs
        text = scrape(mport)
    finally:
        out, err = p.communicate(timeout=30)
    check(p.returncode == 0, "sender exit %d: %s" % (p.returncode, err))
    promtool(text, "sender")
    sess = json.loads(out)["sessions"][0]
    s = samples(text)
    L = dict(session="1", target=dst, mode="stamp")
    check(value(s, "stampkit_sent_packets_total", **L) == sess["sent"] == 60, "sent")
    check(value(s, "stampkit_received_packets_total", **L) == sess["received"], "received")
    check(value(s, "stampkit_duplicate_packets_total", **L) == sess["roundtrip"]["duplicates"],
          "duplicates")
    check(value(s, "stampkit_reordered_packets_total", **L) == sess["roundtrip"]["reordered"],
          "reordered")
    check(value(s, "stampkit_delay_seconds_count", direction="round_trip", **L) ==
          sess["received"], "histogram count")
    # Lost only once the interval's loss timeout passed: at most the final loss by then.
    lost = value(s, "stampkit_lost_packets_total", direction="round_trip", **L)
    check(0 <= lost <= sess["roundtrip"]["lost"] and sess["roundtrip"]["lost"] > 0,
          "lost %s vs %s" % (lost, sess["roundtrip"]["lost"]))
    histogram_ok(s, "sender", direction="round_trip", **L)
    # Only GET /metrics
    for path, code in (("/", 404), ("/metricsx", 404)):
        try:
            urllib.request.urlopen("http://127.0.0.1:%d%s" % (mport, path), timeout=2)
            raise Fail("GET %s answered" % path)
        except urllib.error.HTTPError as e:
            check(e.code == code, "GET %s: %d" % (path, e.code))
        except urllib.error.URLError:
            pass  # the sender has ended: nothing listens any more


def main(bin):
    need("promtool")
    port, rport = free_port(), free_tcp_port()
    resp = Responder(bin, "127.0.0.1:%d" % port, "--rate-limit", "20", "--metrics",
                     "127.0.0.1:%d" % rport)
    stopped = False
    try:
        dst = "127.0.0.1:%d" % port
        sender_case(bin, dst)
        time.sleep(0.3)
        text = scrape(rport)
        promtool(text, "responder")
        s = samples(text)
        c = resp.stop()
        stopped = True
        check(value(s, "stampkit_requests_total") == c["received"] == 60, "requests")
        check(value(s, "stampkit_replies_total") == c["reflected"], "replies")
        check(value(s, "stampkit_refused_requests_total", reason="rate") == c["refused"]["rate"]
              > 0, "refused rate")
        for reason in ("short", "auth", "self", "allow", "reflected"):
            check(value(s, "stampkit_refused_requests_total", reason=reason) ==
                  c["refused"][reason], "refused " + reason)
        check(value(s, "stampkit_active_sessions") >= 0, "active sessions")
    finally:
        if not stopped:
            resp.stop()

    # The controller against the server, both exporting.
    mport, sport = free_tcp_port(), free_tcp_port()
    srv = Server(bin, "--metrics", "127.0.0.1:%d" % sport)
    stopped = False
    try:
        p = subprocess.Popen([bin, "controller", "--json", "--sessions", "2", "-c", "50", "-i",
                              "20", "--metrics", "127.0.0.1:%d" % mport, srv.addr],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_port(mport, p)
            time.sleep(0.6)
            text = scrape(mport)
        finally:
            out, err = p.communicate(timeout=30)
        check(p.returncode == 0, "controller exit %d: %s" % (p.returncode, err))
        promtool(text, "controller")
        s = samples(text)
        doc = json.loads(out)
        for k, sess in enumerate(doc["sessions"]):
            L = dict(session=str(k + 1), mode="twamp")
            check(0 < value(s, "stampkit_sent_packets_total", **L) <= sess["sent"], "ctl sent")
            check(value(s, "stampkit_received_packets_total", **L) <= sess["received"],
                  "ctl received")
            histogram_ok(s, "controller", direction="round_trip", **L)
        time.sleep(0.5)
        text = scrape(sport)
        promtool(text, "server")
        s = samples(text)
        c = srv.stop()["counters"]
        stopped = True
        for name, key in (("stampkit_requests_total", "test_received"),
                          ("stampkit_replies_total", "test_reflected"),
                          ("stampkit_refused_requests_total", "test_refused"),
                          ("stampkit_control_connections_total", "connections"),
                          ("stampkit_test_sessions_total", "sessions")):
            check(value(s, name) == c[key], "server %s: %s vs %s" % (name, value(s, name), c[key]))
        check(c["test_reflected"] == 100 and c["sessions"] == 2, "server counters %r" % c)
        check(value(s, "stampkit_active_control_connections") == 0, "connections open")
    finally:
        if not stopped:
            srv.stop()

    # The monitor: two targets, one of them silent.
    port, mport = free_port(), free_tcp_port()
    resp = Responder(bin, "127.0.0.1:%d" % port)
    d = tempfile.mkdtemp(prefix="sk-mx-")
    conf = os.path.join(d, "m.conf")
    open(conf, "w").write("[monitor]\ntimeout = 0.3\nrate = 50\n[target up]\naddress = "
                          "127.0.0.1:%d\n[target silent]\naddress = 127.0.0.1:%d\n" %
                          (port, free_port()))
    p = subprocess.Popen([bin, "monitor", conf, "--json", "--report-interval", "0.5",
                          "--metrics", "127.0.0.1:%d" % mport], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        wait_port(mport, p)
        time.sleep(1.6)
        text = scrape(mport)
    finally:
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=20)
        resp.stop()
    check(p.returncode == 0, "monitor exit %d: %s" % (p.returncode, err))
    promtool(text, "monitor")
    s = samples(text)
    final = {x["name"]: x for x in json.loads(out.splitlines()[-1])["sessions"]}
    for name in ("up", "silent"):
        sent = value(s, "stampkit_sent_packets_total", session=name)
        check(0 < sent <= final[name]["sent"], "%s sent %s" % (name, sent))
        histogram_ok(s, "monitor " + name, session=name, direction="round_trip")
    check(value(s, "stampkit_target_up", session="up") == 1 and
          value(s, "stampkit_target_up", session="silent") == 0, "target_up")
    check(value(s, "stampkit_received_packets_total", session="silent") == 0 and
          value(s, "stampkit_lost_packets_total", session="silent", direction="round_trip") > 0,
          "silent target's loss")
    check(0 < value(s, "stampkit_received_packets_total", session="up") <= final["up"]["received"],
          "up received")


run(main)
