#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# twampy_pairing.py - the plugin pairs twampy's default TWAMP-light traffic (14-octet requests,
# 38-octet replies) as `stampkit analyze` does: a capture made here of twampy's sender against
# twampy's responder on loopback, then through the impairment relay (tests/live/relay.py),
# read by tshark with the plugin and by analyze, and the two compared.
#
#   /usr/bin/python3 tests/plugin/twampy_pairing.py PLUGIN.so PCAPDIR STAMPKIT TWAMPY_DIR
#
# Exit 77 (skip) without twampy, Python 3.11 or tcpdump. Traffic: loopback only, 20 requests
# per run, every process bounded by `timeout`.
import json, os, shutil, socket, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_tshark  # noqa: E402
from run_tshark import Env, expect, fail, FAILS  # noqa: E402

SKIP = 77
COUNT = 20
RELAY = os.path.join(HERE, "..", "live", "relay.py")
RUN_TWAMPY = None  # set in main


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def capture(path, port, count, traffic):
    """tcpdump on lo of UDP port `port`, stopped by `count` packets or 30 s."""
    td = subprocess.Popen(["timeout", "30", "tcpdump", "-i", "lo", "-n", "-U", "--immediate-mode",
                           "-Z", "root", "-c", str(count), "-w", path, "udp port %d" % port],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = td.stderr.readline()
    if "listening" not in line:
        fail("tcpdump: " + line.strip())
        td.kill()
        return
    try:
        traffic()
    finally:
        try:
            td.wait(15)
        except subprocess.TimeoutExpired:
            td.kill()
            td.wait()
    os.chmod(path, 0o644)


def twampy(mode, *args, **kw):
    env = dict(os.environ, TWAMPY_TIMEOUT="25")
    return subprocess.Popen([RUN_TWAMPY, os.environ["TWAMPY_DIR"], mode] + list(args), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


def run_traffic(rport, sport, dport, extra=(), responder=None):
    """twampy responder (or the command `responder`) on rport, twampy sender sport -> dport
    (the responder or the relay)."""
    resp = subprocess.Popen(["timeout", "25"] + responder, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL) if responder else \
        twampy("responder", "127.0.0.1:%d" % rport)
    try:
        time.sleep(1.0)  # twampy's start-up (Python import) before the first request
        snd = twampy("sender", "127.0.0.1:%d" % dport, "127.0.0.1:%d" % sport,
                     "-c", str(COUNT), "-i", "20", *extra)
        snd.wait(30)
    finally:
        resp.send_signal(2)
        try:
            resp.wait(5)
        except subprocess.TimeoutExpired:
            resp.kill()
            resp.wait()


def analyze(stampkit, path, port):
    p = subprocess.run([stampkit, "analyze", "--json", "--port", str(port), path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        fail("analyze %s: exit %d: %s" % (path, p.returncode, p.stderr.strip()))
        return None
    return json.loads(p.stdout)


def plugin_view(e, name, port):
    """Per frame: role, seq, sender seq, response_to, response_in, rtt, expert names."""
    opts = ["-2", "-d", "udp.port==%d,stamp" % port]
    rows = e.fields(name, ["udp.length", "stamp.role", "stamp.sender_seq", "stamp.response_to",
                           "stamp.response_in", "stamp.rtt"], opts)
    experts = {}
    for ex in ("stamp.no_reply", "stamp.lost", "stamp.duplicate", "stamp.reordered",
               "stamp.no_request"):
        experts[ex] = sorted(e.col(name, "stamp.seq", opts, ex).keys())
    return rows, experts


def check_plain(e, stampkit):
    rport, sport = free_port(), free_port()
    path = os.path.join(e.dir, "twampy-plain.pcap")
    capture(path, rport, 2 * COUNT, lambda: run_traffic(rport, sport, rport))
    e.pcaps["plain"] = path
    rows, experts = plugin_view(e, "plain", rport)
    req = {f: r for f, r in rows.items() if r[1] == "1"}
    rep = {f: r for f, r in rows.items() if r[1] == "2"}
    expect("twampy: requests are 14 octets (UDP length 22)", {r[0] for r in req.values()}, {"22"})
    expect("twampy: replies are 38 octets (UDP length 46)", {r[0] for r in rep.values()}, {"46"})
    expect("twampy: %d requests and %d replies decoded with their roles" % (COUNT, COUNT),
           (len(req), len(rep)), (COUNT, COUNT))
    expect("every reply has stamp.response_to pointing at a request",
           [f for f, r in rep.items() if not r[3] or int(r[3]) not in req], [])
    expect("every reply has stamp.rtt", [f for f, r in rep.items() if not r[5]], [])
    expect("every request has stamp.response_in pointing at a reply",
           [f for f, r in req.items() if not r[4] or int(r[4]) not in rep], [])
    expect("no expert info of loss, duplicates, reordering or missing replies",
           {k: v for k, v in experts.items() if v}, {})
    a = analyze(stampkit, path, rport)
    if a:
        s = a["sessions"]
        expect("analyze: one session, all answered", (len(s), s[0]["sent"], s[0]["received"]),
               (1, COUNT, COUNT))
        rtts = sorted(float(r[5]) * 1e6 for r in rep.values())
        rt = s[0]["roundtrip"]
        # Same pairs, same timestamps: the extremes agree to the microsecond.
        expect("plugin's rtt extremes = analyze's round-trip min/max (us)",
               (round(rtts[0]), round(rtts[-1])), (round(rt["min_us"]), round(rt["max_us"])))


# Impairments by sender sequence number: a request dropped, duplicated and swapped after the
# capture point (between relay and responder), a reply dropped, duplicated and swapped before it.
IMPAIR = {"out": {"drop": [3], "dup": [10], "hold": [14]},
          "in": {"drop": [7], "dup": [12], "hold": [16]}, "lifetime": 25}


def check_relay(e, stampkit):
    rport, lport, sport = free_port(), free_port(), free_port()
    path = os.path.join(e.dir, "twampy-relay.pcap")
    relay = subprocess.Popen(["timeout", "30", "/usr/bin/python3", RELAY, str(lport), str(rport),
                              json.dumps(IMPAIR)], stdout=subprocess.PIPE, text=True)
    try:
        if relay.stdout.readline().strip() != "relay ready":
            fail("relay did not start")
            return
        # At the sender: 20 requests, 20 replies (two lost, two duplicated).
        capture(path, lport, 2 * COUNT, lambda: run_traffic(rport, sport, lport))
    finally:
        relay.kill()
        relay.wait()
    e.pcaps["relay"] = path
    rows, experts = plugin_view(e, "relay", lport)
    req = {f: r for f, r in rows.items() if r[1] == "1"}
    rep = {f: r for f, r in rows.items() if r[1] == "2"}
    seq_of = {f: int(r[2]) for f, r in rep.items() if r[2]}
    expect("relay: every reply has stamp.response_to and stamp.rtt",
           [f for f, r in rep.items() if not r[3] or not r[5]], [])
    noreply = sorted(int(e.col("relay", "stamp.seq", ["-2", "-d", "udp.port==%d,stamp" % lport],
                               "frame.number==%d" % f)[f]) for f in experts["stamp.no_reply"])
    expect("stamp.no_reply on the requests dropped either way (3 out, 7 in)", noreply, [3, 7])
    expect("stamp.duplicate on the second answer to 10 (request doubled) and 12 (reply doubled)",
           sorted(seq_of.get(f) for f in experts["stamp.duplicate"]), [10, 12])
    expect("stamp.reordered on the replies swapped (14 out, 16 in)",
           sorted(seq_of.get(f) for f in experts["stamp.reordered"]), [14, 16])
    # twampy numbers its replies itself: the reply lost on the way back leaves a gap there.
    expect("stamp.lost on the reply after the one dropped on the way back",
           len(experts["stamp.lost"]) >= 1, True)
    expect("no stamp.no_request", experts["stamp.no_request"], [])
    a = analyze(stampkit, path, lport)
    if a:
        sm = a["summary"]
        expect("plugin = analyze: requests without reply = lost",
               len(experts["stamp.no_reply"]), sm["lost"])
        expect("plugin = analyze: duplicates", len(experts["stamp.duplicate"]), sm["duplicates"])
        expect("plugin = analyze: reordered", len(experts["stamp.reordered"]), sm["reordered"])
        expect("plugin = analyze: sent and received", (len(req), len(set(seq_of.values()))),
               (sm["sent"], sm["received"]))
    # -z stamp,stat prints analyze's table through the same writer: same pairs, same table.
    z = e.tshark(["-q", "-2", "-n", "-r", path, "-d", "udp.port==%d,stamp" % lport,
                  "-z", "stamp,stat"]).stdout
    t = subprocess.run([stampkit, "analyze", "--port", str(lport), path], stdout=subprocess.PIPE,
                       text=True).stdout
    block = lambda text: [ln for ln in text[text.find("Session 1:"):].splitlines()
                          if ln.strip() and not ln.startswith(("Summary", "====="))]
    want = block(t)  # -z adds a table in ms after analyze's lines
    expect("relay: analyze's session block has its table and counts", len(want) >= 10, True)
    expect("relay: -z stamp,stat session block = analyze's", block(z)[:len(want)], want)


def check_padded(e):
    """--padding 24: requests of 38 octets, the size of twampy's reply, so only the flow
    direction tells the roles apart: by the Decode As port, and with both ports decoded as
    stamp by the first packet of the flow."""
    rport, sport = free_port(), free_port()
    path = os.path.join(e.dir, "twampy-pad24.pcap")
    capture(path, rport, 2 * COUNT, lambda: run_traffic(rport, sport, rport, ("--padding", "24")))
    e.pcaps["pad24"] = path
    for what, opts in (("by port", ["-d", "udp.port==%d,stamp" % rport]),
                       ("by first packet", ["-d", "udp.port==%d,stamp" % rport,
                                            "-d", "udp.port==%d,stamp" % sport])):
        rows = e.fields("pad24", ["udp.srcport", "udp.length", "stamp.role", "stamp.response_to",
                                  "stamp.rtt"], ["-2"] + opts)
        expect("padding 24: all packets 38 octets", {r[1] for r in rows.values()}, {"46"})
        expect("padding 24, role %s: requests from the sender's port, replies from the reflector's"
               % what, sorted({(r[0], r[2]) for r in rows.values()}),
               sorted({(str(sport), "1"), (str(rport), "2")}))
        expect("padding 24, role %s: every reply paired, with rtt" % what,
               [f for f, r in rows.items() if r[2] == "2" and (not r[3] or not r[4])], [])


def check_stampkit_responder(e, stampkit):
    """twampy's 14-octet requests answered by stampkit's responder with RFC 5357's 41-octet
    TWAMP-light reply."""
    rport, sport = free_port(), free_port()
    path = os.path.join(e.dir, "twampy-sk41.pcap")
    # Short requests are answered with --allow-short where the option exists; without it,
    # answering them is the default.
    helptext = subprocess.run([stampkit, "responder", "--help"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True).stdout
    resp = [stampkit, "responder", "--mode", "twamp-light", "127.0.0.1:%d" % rport]
    if "--allow-short" in helptext:
        resp.insert(4, "--allow-short")
    capture(path, rport, 2 * COUNT, lambda: run_traffic(rport, sport, rport, responder=resp))
    e.pcaps["sk41"] = path
    rows, experts = plugin_view(e, "sk41", rport)
    rep = {f: r for f, r in rows.items() if r[1] == "2"}
    expect("stampkit responder: %d replies of 41 octets (UDP length 49)" % COUNT,
           (len(rep), {r[0] for r in rep.values()}), (COUNT, {"49"}))
    expect("stampkit responder: every 41-octet reply has stamp.response_to and stamp.rtt",
           [f for f, r in rep.items() if not r[3] or not r[5]], [])
    expect("stampkit responder: no expert info of loss or missing replies",
           {k: v for k, v in experts.items() if v}, {})
    a = analyze(stampkit, path, rport)
    if a:
        expect("stampkit responder: analyze agrees (sent, received)",
               (a["summary"]["sent"], a["summary"]["received"]), (COUNT, COUNT))


def main(argv):
    global RUN_TWAMPY
    if len(argv) != 5:
        print("usage: twampy_pairing.py PLUGIN.so PCAPDIR STAMPKIT TWAMPY_DIR", file=sys.stderr)
        return 2
    tw = argv[4]
    RUN_TWAMPY = os.path.join(tw, "..", "run-twampy.sh")
    if not os.path.isdir(os.path.join(tw, "src", "twampy")) or not os.path.exists(RUN_TWAMPY) \
            or not shutil.which("tcpdump") or sys.version_info < (3, 11):
        print("skip: needs twampy (%s), its run-twampy.sh, tcpdump and Python 3.11" % tw)
        return SKIP
    os.environ["TWAMPY_DIR"] = tw
    e = Env(argv[1], argv[2])
    try:
        check_plain(e, argv[3])
        check_padded(e)
        check_stampkit_responder(e, argv[3])
        check_relay(e, argv[3])
    finally:
        if not os.environ.get("STAMPKIT_KEEP_TMP"):
            shutil.rmtree(e.dir, ignore_errors=True)
        else:
            print("kept " + e.dir)
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
