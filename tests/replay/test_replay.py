#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# `stampkit replay` over loopback against `stampkit responder`: captures of pcaps/ replayed,
# every sender packet seen by the responder (its --pcap-out) with its recorded sequence
# number, SSID and TLVs and a fresh timestamp, the replies paired into complete results,
# the JSON document, --loop with --renumber, --loop 0 ended by SIGINT, --limit, --auth,
# --pcap-out, the progress line on a pseudo-terminal, and bad input with its exit status.
#   usage: test_replay.py STAMPKIT PCAPS_DIR
import json, os, pty, select, shutil, signal, socket, struct, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "live"))
from livelib import Fail, Responder, check, free_port, pcap_times, read_pcap, run  # noqa: E402

NTP_UNIX = 2208988800
PCAPS = sys.argv[2]
TMP = tempfile.mkdtemp(prefix="sk-replay-")


def replay(bin, *args, want_rc=0, timeout=60):
    r = subprocess.run([bin, "replay", *args], capture_output=True, text=True, timeout=timeout)
    check(r.returncode == want_rc, "replay %s: exit %d (want %d): %s%s" % (
        " ".join(args), r.returncode, want_rc, r.stdout[-2000:], r.stderr))
    return r


def replay_json(bin, *args, want_rc=0):
    r = replay(bin, "--json", *args, want_rc=want_rc)
    return json.loads(r.stdout), r.stderr


VALIDATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "schema", "validate.py")


def check_schema(doc, what):
    """The document against docs/schema/stampkit.schema.json (when python3-jsonschema is there)."""
    r = subprocess.run([sys.executable, VALIDATE, "-"], input=json.dumps(doc), text=True,
                       capture_output=True, timeout=60)
    if r.returncode == 2 and "not installed" in r.stderr:
        print("%s: schema not checked (no python3-jsonschema)" % what)
        return
    check(r.returncode == 0, "%s: not valid against the schema: %s" % (what, r.stderr))


def requests(path, port):
    """Payloads the responder received (destination port = its port)."""
    return [p[5] for p in read_pcap(path) if p[4] == port]


def originals(name, port):
    return [p[5] for p in read_pcap(os.path.join(PCAPS, name)) if p[4] == port]


def ntp_ns(b):
    """T1 of a Session-Sender packet in Unix ns, NTP or PTP (Z bit of the Error Estimate)."""
    sec, frac = struct.unpack("!II", b[4:12])
    if b[12] & 0x40:
        return (sec - 37) * 1000000000 + frac
    return (sec - NTP_UNIX) * 1000000000 + (frac * 1000000000 >> 32)


def rx_schedule(path, port, gap_ns, what):
    """A figure, not a verdict: the receiving side's kernel times of the requests against the
    schedule (first request + i x gap)."""
    t = [ts for ts, p in zip(pcap_times(path), read_pcap(path)) if p[4] == port]
    dev = sorted(abs(x - (t[0] + i * gap_ns)) / 1000.0 for i, x in enumerate(t))
    print("%s: %d requests received, deviation from the schedule at the responder: p50 %.1f us,"
          " max %.1f us" % (what, len(t), dev[len(dev) // 2], dev[-1]))


def check_fresh(reqs, t0, t1, what):
    for q in reqs:
        ts = ntp_ns(q)
        check(t0 - 10**6 <= ts <= t1 + 10**6, "%s: T1 %d not between %d and %d (not re-stamped)"
              % (what, ts, t0, t1))


def responder(bin, local, *args):
    pc = os.path.join(TMP, "resp%d.pcap" % time.monotonic_ns())
    return Responder(bin, local, "--pcap-out", pc, *args), pc


def main(bin):
    stateful = os.path.join(PCAPS, "synthetic", "analyze-stateful-sender.pcap")
    # 1. The 60-packet STAMP session (SSID 7, seq 0..59, 10 ms apart) at ten times the speed.
    port = free_port()
    r, pc = responder(bin, "127.0.0.1:%d" % port)
    try:
        t0 = time.time_ns()
        j, err = replay_json(bin, stateful, "--to", "127.0.0.1:%d" % port, "--multiplier", "10")
        t1 = time.time_ns()
    finally:
        c = r.stop()
    check(len(j["sessions"]) == 1, "one session: %r" % j)
    # One document of the report model, naming the capture replayed (measured in memory:
    # no temporary capture file) and what was sent.
    check(j["command"] == "replay" and j["files"] == [stateful] and
          j["capture_points"] == ["sender"] and j["to"] == "127.0.0.1:%d" % port and
          j["selected"] == 60 and j["sent"] == 60 and j["restamped"] == 60 and
          j["replies"] == 60 and j["send_errors"] == 0 and j["interrupted"] is False and
          j["packets"] == 120 and j["summary"]["sessions"] == 1 and
          j["summary"]["sent"] == 60 and j["summary"]["received"] == 60, "document %r" %
          {k: v for k, v in j.items() if k != "sessions"})
    check_schema(j, "replay --json")
    check(not [f for f in os.listdir(tempfile.gettempdir()) if f.startswith("stampkit-replay")],
          "a temporary file is left in %s" % tempfile.gettempdir())
    s = j["sessions"][0]
    check(s["mode"] == "stamp" and s["ssid"] == 7 and s["sent"] == 60 and s["received"] == 60
          and s["roundtrip"]["lost"] == 0 and s["roundtrip"]["duplicates"] == 0,
          "complete results: %r" % s)
    check(s["reflector"] == "127.0.0.1:%d" % port, "reflector %r" % s["reflector"])
    check(c["received"] == 60 and c["reflected"] == 60, "responder counters %r" % c)
    reqs = requests(pc, port)
    check(len(reqs) == 60, "responder saw %d requests" % len(reqs))
    orig = originals("synthetic/analyze-stateful-sender.pcap", 862)
    check([struct.unpack("!I", q[:4])[0] for q in reqs] == list(range(60)),
          "recorded sequence numbers kept")
    check(all(struct.unpack("!H", q[14:16])[0] == 7 for q in reqs), "SSID 7 kept")
    check([len(q) for q in reqs] == [len(o) for o in orig], "lengths as recorded")
    check_fresh(reqs, t0, t1, "stateful-sender")
    check("sent 60 packets (60 re-stamped)" in err and "60 replies" in err, err)
    # Recorded gaps / 10: 59 gaps of 1 ms, so about 59 ms from the first to the last send.
    times = [ntp_ns(q) for q in reqs]
    span = (times[-1] - times[0]) / 1e6
    check(55 <= span <= 200, "recorded gaps / 10 give %.1f ms, expected about 59" % span)
    print("schedule: --multiplier 10, 59 recorded gaps of 10 ms: first to last T1 %.3f ms" % span)
    rx_schedule(pc, port, 1000000, "schedule: --multiplier 10")

    # 2. --loop 3 --renumber: the sequence numbers continue across loops (0..179).
    port = free_port()
    r, pc = responder(bin, "127.0.0.1:%d" % port)
    try:
        j, err = replay_json(bin, stateful, "--to", "127.0.0.1:%d" % port, "--topspeed",
                             "--loop", "3", "--renumber")
    finally:
        r.stop()
    s = j["sessions"][0]
    check(s["sent"] == 180 and s["received"] == 180 and s["roundtrip"]["lost"] == 0 and
          s["roundtrip"]["duplicates"] == 0, "loop 3: %r" % s)
    seqs = [struct.unpack("!I", q[:4])[0] for q in requests(pc, port)]
    check(seqs == list(range(180)), "renumbered: %r" % seqs[:70])

    # 3. --limit and --pps.
    port = free_port()
    r, pc = responder(bin, "127.0.0.1:%d" % port)
    try:
        j, err = replay_json(bin, stateful, "--to", "127.0.0.1:%d" % port, "--pps", "1000",
                             "--limit", "25")
    finally:
        r.stop()
    check(j["sessions"][0]["sent"] == 25 and j["sessions"][0]["received"] == 25, repr(j))
    times = [ntp_ns(q) for q in requests(pc, port)]
    check(len(times) == 25, "25 requests")
    print("schedule: --pps 1000, 24 gaps: first to last T1 %.3f ms (24 expected)" %
          ((times[-1] - times[0]) / 1e6))
    rx_schedule(pc, port, 1000000, "schedule: --pps 1000")

    # 4. STAMP with TLVs (two sessions, one with SSID 0x1234), TLVs kept octet for octet.
    port = free_port()
    r, pc = responder(bin, "127.0.0.1:%d" % port)
    try:
        t0 = time.time_ns()
        j, err = replay_json(bin, os.path.join(PCAPS, "synthetic", "stamp-tlv.pcap"), "--to",
                             "127.0.0.1:%d" % port, "--topspeed")
        t1 = time.time_ns()
    finally:
        r.stop()
    check(sum(s["sent"] for s in j["sessions"]) == 3 and
          sum(s["received"] for s in j["sessions"]) == 3, "stamp-tlv: %r" % j)
    check(sorted(s["ssid"] for s in j["sessions"]) == [0, 4660], "SSIDs %r" % j)
    reqs = requests(pc, port)
    orig = [o for o in originals("synthetic/stamp-tlv.pcap", 862) if len(o) >= 44 and
            o[28:36] == bytes(8)]  # sender packets: no reflected timestamp
    check(len(reqs) == 3 and len(orig) == 3, "3 requests: %d %d" % (len(reqs), len(orig)))
    for q, o in zip(reqs, orig):
        check(q[:4] == o[:4] and q[14:] == o[14:] and q[4:12] != o[4:12],
              "same packet but T1 and the error estimate: %s vs %s" % (q.hex(), o.hex()))
    check_fresh(reqs, t0, t1, "stamp-tlv")
    tos = [p[1] for p in read_pcap(pc) if p[4] == port]
    check(tos == [0xb8, 0xb8, 0], "recorded TOS sent again (EF, EF, 0): %r" % tos)

    # 5. IPv6 (a Linux cooked v2 capture, port 8620).
    port = free_port(socket.AF_INET6)
    r, pc = responder(bin, "[::1]:%d" % port)
    try:
        j, err = replay_json(bin, os.path.join(PCAPS, "synthetic", "stamp-sll2-ipv6.pcap"),
                             "--port", "8620", "--to", "[::1]:%d" % port, "--topspeed")
    finally:
        r.stop()
    n = sum(s["sent"] for s in j["sessions"])
    check(n >= 1 and sum(s["received"] for s in j["sessions"]) == n and
          j["sessions"][0]["reflector"] == "[::1]:%d" % port, "IPv6: %r" % j)

    # 6. TWAMP: the session negotiated by TWAMP-Control (3 packets on the negotiated ports),
    #    and the public Nokia capture on port 40000 (TWAMP-light), against a TWAMP-light
    #    responder.
    cases = [("synthetic/twamp-control-unauth.pcap", [], 3)]
    if os.path.exists(os.path.join(PCAPS, "public", "nokia-pcaptoparquet-99.twamp.pcap")):
        cases.append(("public/nokia-pcaptoparquet-99.twamp.pcap", ["--port", "40000"], 1))
    for name, extra, want in cases:
        port = free_port()
        r, pc = responder(bin, "127.0.0.1:%d" % port, "--mode", "twamp-light")
        try:
            t0 = time.time_ns()
            j, err = replay_json(bin, os.path.join(PCAPS, name), *extra, "--to",
                                 "127.0.0.1:%d" % port, "--topspeed")
            t1 = time.time_ns()
        finally:
            r.stop()
        check(len(j["sessions"]) == 1 and j["sessions"][0]["sent"] == want and
              j["sessions"][0]["received"] == want and
              j["sessions"][0]["roundtrip"]["lost"] == 0, "%s: %r" % (name, j))
        reqs = requests(pc, port)
        check(len(reqs) == want, "%s: %d requests" % (name, len(reqs)))
        check_fresh(reqs, t0, t1, name)

    # 7. Authenticated STAMP with an HMAC TLV: recorded by our sender, replayed with the key
    #    (both HMACs computed again: every request answered) and without (stale HMACs: the
    #    responder drops every request).
    key = os.path.join(TMP, "key")
    open(key, "w").write("replay-test-key\n")
    port = free_port()
    rec = os.path.join(TMP, "auth.pcap")
    r = Responder(bin, "127.0.0.1:%d" % port, "--auth", key)
    try:
        s = subprocess.run([bin, "sender", "--json", "127.0.0.1:%d" % port, "-c", "10", "-i", "1",
                            "--auth", key, "--tlv", "hmac", "--pcap-out", rec],
                           capture_output=True, text=True, timeout=30)
        check(s.returncode == 0 and json.loads(s.stdout)["sessions"][0]["received"] == 10,
              s.stdout + s.stderr)
        j, err = replay_json(bin, rec, "--port", str(port), "--to", "127.0.0.1:%d" % port, "--topspeed",
                             "--auth", key, "--renumber")
        check(j["sessions"][0]["sent"] == 10 and j["sessions"][0]["received"] == 10,
              "with --auth: %r" % j)
        # Nothing answered: exit 1 after the results, the reason on standard error.
        j, err = replay_json(bin, rec, "--port", str(port), "--to", "127.0.0.1:%d" % port, "--topspeed",
                             "--timeout", "0.5", want_rc=1)
        check(j["sessions"][0]["sent"] == 10 and j["sessions"][0]["received"] == 0 and
              "no reply from" in err, "without --auth the stale HMACs are refused: %r" % j)
    finally:
        r.stop()

    # 8. --pcap-out: everything sent and received, readable by analyze.
    port = free_port()
    r = Responder(bin, "127.0.0.1:%d" % port)
    w = os.path.join(TMP, "w.pcap")
    try:
        replay(bin, stateful, "--to", "127.0.0.1:%d" % port, "--topspeed", "--limit", "10",
               "--pcap-out", w)
    finally:
        r.stop()
    pk = read_pcap(w)
    check(len([p for p in pk if p[4] == port]) == 10 and
          len([p for p in pk if p[3] == port]) == 10, "--pcap-out: %d records" % len(pk))
    a = subprocess.run([bin, "analyze", "--json", "--port", str(port), w], capture_output=True,
                       text=True)
    check(a.returncode == 0 and json.loads(a.stdout)["sessions"][0]["received"] == 10, a.stdout)

    # 9. --loop 0: until SIGINT (here after about 1 s), then the results of what was sent
    # and answered, exit 0.
    port = free_port()
    r = Responder(bin, "127.0.0.1:%d" % port)
    try:
        p = subprocess.Popen([bin, "replay", "--json", stateful, "--to", "127.0.0.1:%d" % port,
                              "--pps", "200", "--loop", "0", "--renumber"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        p.send_signal(signal.SIGINT)
        try:
            out, err = p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            raise Fail("replay --loop 0 did not stop on SIGINT")
    finally:
        c = r.stop()
    check(p.returncode == 0, "--loop 0 + SIGINT: exit %d: %s" % (p.returncode, err))
    j = json.loads(out)
    s = j["sessions"][0]
    # 200 packets/s for about 1 s: more than one loop of 60, each one answered.
    check(j["interrupted"] is True and 120 <= j["sent"] <= 400 and s["sent"] == j["sent"] and
          s["received"] == j["sent"] and s["roundtrip"]["lost"] == 0 and
          c["received"] == j["sent"], "--loop 0 + SIGINT: %r, responder %r" % (j, c))
    check("; interrupted" in err and "sent %d packets" % j["sent"] in err, err)
    check_schema(j, "replay --json --loop 0 after SIGINT")
    print("--loop 0: %d packets sent and answered before SIGINT" % j["sent"])
    # Nobody answers: the first SIGINT ends the sending, the second the wait for replies
    # (--timeout 30 would otherwise hold it).
    p = subprocess.Popen([bin, "replay", "--json", stateful, "--to", "127.0.0.1:%d" % free_port(),
                          "--pps", "100", "--loop", "0", "--timeout", "30"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    time.sleep(0.5)
    t0 = time.time()
    p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        raise Fail("replay did not stop waiting on a second SIGINT")
    j = json.loads(out)
    # No reply at all: exit 1 after the results, the reason on standard error (as ping).
    check(p.returncode == 1 and time.time() - t0 < 5 and j["interrupted"] is True and
          j["sent"] > 0 and j["replies"] == 0 and j["sessions"][0]["received"] == 0 and
          "stampkit replay: no reply from" in err,
          "second SIGINT: exit %d after %.1f s: %r %s" % (p.returncode, time.time() - t0, j, err))

    # 10. A progress line on a terminal (standard error a pseudo-terminal): after the first
    # second, erased before the results.
    port = free_port()
    r = Responder(bin, "127.0.0.1:%d" % port)
    try:
        master, slave = pty.openpty()
        p = subprocess.Popen([bin, "replay", stateful, "--to", "127.0.0.1:%d" % port,
                              "--pps", "100", "--loop", "0", "--limit", "160", "--renumber"],
                             stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        tty = bytearray()
        while True:
            rd, _, _ = select.select([master], [], [], 20)
            if not rd:
                break
            try:
                b = os.read(master, 4096)
            except OSError:  # EIO: the other side is closed
                break
            if not b:
                break
            tty.extend(b)
        os.close(master)
        out = p.communicate(timeout=10)[0]
    finally:
        r.stop()
    lines = [x for x in bytes(tty).replace(b"\n", b"\r").split(b"\r")
             if x.startswith(b"stampkit replay: sent ") and x.endswith(b"\x1b[K")]
    check(p.returncode == 0 and b"Summary: 1 session, sent 160, received 160" in out,
          "progress run: exit %d: %r" % (p.returncode, out[-300:]))
    check(1 <= len(lines) <= 3 and all(b" replies, loop " in x for x in lines),
          "progress lines %r in %r" % (lines, bytes(tty)[:400]))
    summary = bytes(tty).find(b"stampkit replay: sent 160 packets")
    check(summary > 0 and bytes(tty)[:summary].endswith(b"\r\x1b[K"),
          "the progress line is not erased before the summary: %r" % bytes(tty)[-300:])
    print("progress: %d lines on the terminal, last %r" % (len(lines), lines[-1] if lines else None))

    # 11. Bad input: exit status and a message naming the problem.
    port = free_port()
    to = ["--to", "127.0.0.1:%d" % port]
    r = replay(bin, os.path.join(TMP, "missing.pcap"), *to, want_rc=1)
    check("missing.pcap" in r.stderr, r.stderr)
    rnd = os.path.join(TMP, "random.pcap")
    open(rnd, "wb").write(os.urandom(3000))
    r = replay(bin, rnd, *to, want_rc=1)
    check("random.pcap" in r.stderr, r.stderr)
    # Damaged captures, replayed to a responder (nothing answered would be exit 1, which
    # ranks before damage).
    resp, _ = responder(bin, "127.0.0.1:%d" % port)
    try:
        cut = os.path.join(TMP, "cut.pcap")
        data = open(stateful, "rb").read()
        open(cut, "wb").write(data[:len(data) // 2 + 7])
        r = replay(bin, cut, *to, "--topspeed", "--timeout", "0.2", want_rc=3)
        check("damaged" in r.stderr, r.stderr)
        # malformed.pcap: two malformed test packets (named, not sent), one good one sent,
        # and the file ends inside a record.
        r = replay(bin, os.path.join(PCAPS, "synthetic", "malformed.pcap"), *to, "--topspeed",
                   "--timeout", "0.2", want_rc=3)
        check("2 malformed test packets (first: frame 1) not sent" in r.stderr and "damaged" in
              r.stderr and "sent 1 packets" in r.stderr, r.stderr)
    finally:
        resp.stop()
    # The same damaged capture with nobody answering: exit 1 (no reply) and the damage named.
    r = replay(bin, cut, *to, "--topspeed", "--timeout", "0.2", want_rc=1)
    check("damaged" in r.stderr and "no reply from" in r.stderr, r.stderr)
    # No test traffic: one DNS datagram in a raw-IP pcap.
    notest = os.path.join(TMP, "notest.pcap")
    udp = struct.pack("!HHHH", 5353, 53, 8 + 4, 0) + b"abcd"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])) + udp
    open(notest, "wb").write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101) +
                             struct.pack("<IIII", 1, 0, len(ip), len(ip)) + ip)
    r = replay(bin, notest, *to, want_rc=1)
    check("no test packets" in r.stderr, r.stderr)
    r = replay(bin, stateful, *to, "--session", "2", want_rc=2)
    check("no session 2" in r.stderr, r.stderr)
    replay(bin, stateful, want_rc=2)
    replay(bin, stateful, *to, "--pps", "10", "--topspeed", want_rc=2)
    r = replay(bin, stateful, *to, "--raw", "nosuch0", "--src", "127.0.0.1", want_rc=1)
    check("nosuch0" in r.stderr, r.stderr)
    # Unreachable target: a namespace of our own with only lo up has no route to it.
    if os.geteuid() == 0 and shutil.which("ip"):
        ns = "skreplay%d" % os.getpid()
        if subprocess.run(["ip", "netns", "add", ns]).returncode == 0:
            try:
                subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
                r = subprocess.run(["ip", "netns", "exec", ns, bin, "replay", stateful, "--to",
                                    "192.0.2.1", "--topspeed", "--timeout", "0.2"],
                                   capture_output=True, text=True, timeout=30)
                check(r.returncode == 1 and "unreachable" in r.stderr.lower(),
                      "unreachable: %d %s" % (r.returncode, r.stderr))
            finally:
                subprocess.run(["ip", "netns", "del", ns])
    shutil.rmtree(TMP, ignore_errors=True)


run(main)
