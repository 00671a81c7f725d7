#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# One live session, three readings that must agree: the sender's own --json, `stampkit
# analyze --json` over the capture the sender wrote (--pcap-out), and, when the Wireshark
# plugin is built, tshark's `-z stamp,stat` over the same capture. The session runs through
# the impairment relay (drops, duplicates and a swap in each direction), so the agreement
# covers loss, duplicates and reordering, not only delays. Loopback only, 100 packets.
#   usage: test_agree.py STAMPKIT [PLUGIN.so]
import json, os, shutil, subprocess, sys, tempfile
from livelib import Responder, check, free_port, sender

HERE = os.path.dirname(os.path.abspath(__file__))
DIRS = ("outbound", "inbound", "roundtrip")
MEMBERS = ("lost", "loss_pct", "duplicates", "reordered", "min_us", "avg_us", "max_us",
           "p50_us", "p90_us", "p99_us", "jitter_us", "negative")


def main(argv):
    bin = argv[1]
    plugin = argv[2] if len(argv) > 2 and argv[2] else None
    work = tempfile.mkdtemp(prefix="stampkit-agree-")
    os.chmod(work, 0o755)
    try:
        run_session(bin, plugin, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_session(bin, plugin, work):
    cfg = {"lifetime": 30,
           "out": {"drop": [10, 20], "dup": [60], "hold": [80]},
           "in": {"drop": [40, 50], "dup": [70], "hold": [90]}}
    rport, lport = free_port(), free_port()
    pcap = os.path.join(work, "session.pcap")
    r = Responder(bin, "127.0.0.1:%d" % rport, "--stateful")
    relay = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "relay.py"), str(lport),
                              str(rport), json.dumps(cfg)], stdout=subprocess.PIPE, text=True)
    try:
        check(relay.stdout.readline().strip() == "relay ready", "relay did not start")
        s = sender(bin, "127.0.0.1:%d" % lport, "-c", "100", "-i", "3", "--reflector", "stateful",
                   "--timeout", "1", "--pcap-out", pcap)
    finally:
        relay.kill()
        relay.wait()
        r.stop()
    check(s["sent"] == 100 and s["received"] == 96, "sender: %r" % s)

    a = subprocess.run([bin, "analyze", "--json", "--reflector", "stateful", "--port", str(lport),
                        pcap], capture_output=True, text=True, timeout=60)
    check(a.returncode == 0, "analyze exit %d: %s" % (a.returncode, a.stderr))
    sessions = json.loads(a.stdout)["sessions"]
    check(len(sessions) == 1, "analyze found %d sessions" % len(sessions))
    x = sessions[0]
    diffs = []
    for k in ("sent", "received", "reflected", "unknown_lost"):
        if s[k] != x[k]:
            diffs.append("%s: sender %r, analyze %r" % (k, s[k], x[k]))
    for d in DIRS:
        for k in MEMBERS:
            if s[d].get(k) != x[d].get(k):
                diffs.append("%s.%s: sender %r, analyze %r" % (d, k, s[d].get(k), x[d].get(k)))
    check(not diffs, "sender and analyze disagree:\n  " + "\n  ".join(diffs))
    check(x["outbound"]["lost"] == 2 and x["inbound"]["lost"] == 2 and
          x["roundtrip"]["duplicates"] == 2 and x["roundtrip"]["reordered"] == 2,
          "injected impairments not seen: %r" % x)
    print("sender and analyze agree on %d members" % (4 + len(DIRS) * len(MEMBERS)))

    if not plugin:
        print("plugin not built: tshark -z stamp,stat not compared")
        return
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "plugin"))
    import run_tshark  # noqa: E402  (the plugin tests' unprivileged tshark runner)
    empty = os.path.join(work, "none")
    os.makedirs(empty)
    env = run_tshark.Env(plugin, empty)
    mine = os.path.join(env.dir, "session.pcap")
    shutil.copy(pcap, mine)
    os.chmod(mine, 0o644)
    p = env.tshark(["-n", "-r", mine, "-d", "udp.port==%d,stamp" % lport, "-q", "-z", "stamp,stat"])
    st = run_tshark.stat_rows(p.stdout)
    check(sorted(st) == [1], "tshark -z stamp,stat sessions: %r\n%s" % (sorted(st), p.stdout))
    summary = st[1].get("summary", "")
    want = "Sent %d, received %d, lost %d" % (x["sent"], x["received"], x["roundtrip"]["lost"])
    check(summary.startswith(want), "stamp,stat summary %r, analyze says %r" % (summary, want))
    want = "(outbound %d, inbound %d," % (x["outbound"]["lost"], x["inbound"]["lost"])
    check(want in summary, "stamp,stat summary %r lacks %r" % (summary, want))
    for d in ("outbound", "inbound"):
        row = st[1][d]
        want = ("%.3f" % (x[d]["min_us"] / 1000.0), "%.3f" % (x[d]["max_us"] / 1000.0))
        check((row[1], row[3]) == want, "stamp,stat %s min/max %r vs analyze %r" % (d, row, want))
    # The same writer prints both: analyze's table rows are the plugin's.
    t = subprocess.run([bin, "analyze", "--reflector", "stateful", "--port", str(lport), pcap],
                       capture_output=True, text=True, timeout=60)
    mine = run_tshark.stat_rows(t.stdout)
    for d in ("Outbound:", "Inbound:", "Roundtrip:"):
        check(st[1].get(d) == mine[1].get(d),
              "stamp,stat %s %r vs analyze %r" % (d, st[1].get(d), mine[1].get(d)))
    print("tshark -z stamp,stat agrees: %s" % summary)


if __name__ == "__main__":
    try:
        main(sys.argv)
    except SystemExit:
        raise
    except Exception as e:  # livelib's Fail and run_tshark's failures
        print("FAIL:", e)
        sys.exit(1)
    print("ok")
