#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# End to end over loopback: sender and responder in both modes, IPv4 and IPv6, padding,
# IMIX, stateful numbering, authenticated mode (good and wrong key), twampy's table.
#   usage: test_e2e.py STAMPKIT
import json, os, signal, socket, subprocess, tempfile, time
from livelib import Responder, check, free_port, per_dir, run, sender, sender_doc


def main(bin):
    for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "[::1]")):
        for mode in ("stamp", "twamp-light"):
            port = free_port(fam)
            r = Responder(bin, "%s:%d" % (host, port), "--mode", mode)
            try:
                s = sender(bin, "%s:%d" % (host, port), "-c", "20", "-i", "1.5", "--mode", mode)
                check(s["sent"] == 20 and s["received"] == 20 and
                      s["roundtrip"]["lost"] == 0,
                      "%s %s: %r" % (host, mode, s))
                check(s["mode"] == mode and s["reflector"].endswith(":%d" % port) and
                      s["sender"].startswith(host + ":"), "session object %r" % s)
                check(s["t4"] == "kernel", "T4 from the kernel receive timestamp")
                check(0 < s["roundtrip"]["min_us"] <= s["roundtrip"]["p50_us"] <=
                      s["roundtrip"]["max_us"] < 100000, "round trip %r" % s["roundtrip"])
                # TWAMP-light replies carry the reflector's own numbers: direction known.
                check(s["reflector_state"] == ("stateful" if mode == "twamp-light"
                                               else "stateless-or-unknown"), "state %r" % s)
                check((s["outbound"]["lost"] is None) == (mode == "stamp"), "outbound %r" % s)
                # Padding: a bigger request still gets its reply.
                s = sender(bin, "%s:%d" % (host, port), "-c", "5", "-i", "1", "--mode", mode,
                           "--padding", "1000")
                check(s["received"] == 5, "padding 1000: %r" % s)
                s = sender(bin, "%s:%d" % (host, port), "-c", "30", "-i", "0.5", "--mode", mode,
                           "--padding", "-1")
                check(s["received"] == 30, "IMIX: %r" % s)
            finally:
                c = r.stop()
            check(c["reflected"] == 55 and c["received"] == 55 and c["malformed"] == 0,
                  "responder counters %r" % c)

    # Stateful STAMP: the reflector numbers its replies, so the sender knows directions.
    port = free_port()
    r = Responder(bin, "127.0.0.1:%d" % port, "--stateful")
    try:
        s = sender(bin, "127.0.0.1:%d" % port, "-c", "10", "-i", "1", "--ssid", "4660",
                   "--reflector", "stateful")
        check(s["received"] == 10 and s["reflector_state"] == "stateful" and s["ssid"] == 4660,
              repr(s))
        check(per_dir(s, "lost") == {"outbound": 0, "inbound": 0, "roundtrip": 0} and
              s["unknown_lost"] == 0, repr(s))
    finally:
        r.stop()

    # SIGINT stops the sender cleanly with the results of what it sent so far.
    port = free_port()
    r = Responder(bin, "127.0.0.1:%d" % port)
    try:
        p = subprocess.Popen([bin, "sender", "--json", "127.0.0.1:%d" % port, "-c", "10000",
                              "-i", "10"], stdout=subprocess.PIPE, text=True)
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        out, _ = p.communicate(timeout=10)
        s = sender_doc(out)
        check(p.returncode == 0 and s["interrupted"] and 20 <= s["sent"] <= 80,
              "SIGINT: status %d %r" % (p.returncode, s))
        check(s["received"] >= s["sent"] - 1, "SIGINT results: %r" % s)
    finally:
        r.stop()

    # Authenticated STAMP: the right key is answered, a wrong key is refused and counted.
    d = tempfile.mkdtemp(prefix="sk-live-")
    good, bad = os.path.join(d, "good.key"), os.path.join(d, "bad.key")
    open(good, "w").write("correct horse battery staple\n")
    open(bad, "w").write("wrong key\n")
    port = free_port()
    r = Responder(bin, "127.0.0.1:%d" % port, "--auth", good)
    try:
        s = sender(bin, "127.0.0.1:%d" % port, "-c", "10", "-i", "1", "--auth", good)
        check(s["received"] == 10 and s["auth"], "auth good key: %r" % s)
        s = sender(bin, "127.0.0.1:%d" % port, "-c", "10", "-i", "1", "--auth", bad,
                   "--timeout", "0.5", want_rc=1)  # no reply at all: exit 1
        check(s["received"] == 0, "auth wrong key answered: %r" % s)
        s = sender(bin, "127.0.0.1:%d" % port, "-c", "4", "-i", "1", "--timeout", "0.5",
                   want_rc=1)  # no reply at all: exit 1
        check(s["received"] == 0, "unauthenticated packets answered by an auth responder")
        # Every --tlv the sender knows, HMAC TLV last: answered, two with U (Return Path,
        # type 200), the HMAC TLV of each reply verifies.
        tl = ["location", "class-of-service:dscp1=af41", "timestamp-info", "direct-measurement",
              "access-report:id=2,code=1", "follow-up-telemetry",
              "destination-address:addr=127.0.0.1", "return-path:code=1",
              "micro-session:sender=5", "raw:type=200,len=8", "padding:len=10", "hmac"]
        args = sum((["--tlv", t] for t in tl), [])
        s = sender(bin, "127.0.0.1:%d" % port, "-c", "5", "-i", "1", "--auth", good, *args)
        check(s["received"] == 5, "TLVs: %r" % s)
        each = s["tlv"].pop("each")
        check(s["tlv"] == {"replies": 5, "u": 10, "m": 0, "i": 0, "c": 0, "hmac_bad": 0},
              "TLV answers %r" % s["tlv"])
        # RFC 8972 §4: sent with U; the reflector cleared it on the TLVs it understood.
        und = {(e["type"], e["understood"], e["u"]) for e in each}
        check(len(each) == 12 and (10, 0, 5) in und and (200, 0, 5) in und and
              all(e["understood"] == 5 for e in each if e["type"] not in (10, 200)),
              "per-TLV answers %r" % each)
    finally:
        c = r.stop()
    check(c["reflected"] == 15 and c["refused"]["auth"] == 10 and c["malformed"] == 4,
          "auth counters %r" % c)
    check(c["tlv"]["unknown"] == 10 and c["tlv"]["hmac_bad"] == 0, "TLV counters %r" % c)

    # Dual stack: ':port' takes IPv4 and IPv6 on one socket; host names resolve.
    port = free_port(socket.AF_INET6)
    r = Responder(bin, ":%d" % port)
    try:
        for remote in ("127.0.0.1", "[::1]", "localhost"):
            s = sender(bin, "%s:%d" % (remote, port), "-c", "3", "-i", "1", "--timeout", "2")
            check(s["received"] == 3, "dual stack %s: %r" % (remote, s))
    finally:
        c = r.stop()
    check(c["reflected"] == 9, "dual stack counters %r" % c)

    # PTP timestamps (Z bit) on either side: every timestamp read in its own format, so
    # one-way delays stay small and positive (a TAI-UTC slip would show as 37 s).
    port = free_port()
    r = Responder(bin, "127.0.0.1:%d" % port, "--timestamp", "ptp")
    try:
        for ts in ("ptp", "ntp"):
            s = sender(bin, "127.0.0.1:%d" % port, "-c", "3", "-i", "1", "--timestamp", ts)
            for d in ("outbound", "inbound"):
                v = s[d]
                check(s["received"] == 3 and v["negative"] == 0 and 0 <= v["max_us"] < 100e3,
                      "PTP/%s %s delay %r" % (ts, d, v))
    finally:
        r.stop()

    # dscptable: twampy's table (64 rows, names, TOS binary and hex), exit status 0.
    t = subprocess.run([bin, "dscptable"], capture_output=True, text=True, timeout=10)
    rows = t.stdout.splitlines()
    check(t.returncode == 0 and len(rows) == 71, "dscptable: %d lines, status %d" %
          (len(rows), t.returncode))
    check(rows[4] == "DSCP Name      DSCP Value     TOS (bin)      TOS (hex)", rows[4])
    check(rows[6] == "be             0              0000 0000      00", rows[6])
    check(rows[6 + 46] == "ef             46             1011 1000      B8", rows[6 + 46])
    check(rows[6 + 56] == "nc2            56             1110 0000      E0", rows[6 + 56])
    check(rows[6 + 63] == "cp63           63             1111 1100      FC", rows[6 + 63])

    # twampy's table inside the session block (a "Session 1:" line first, the summary
    # last): exact rules, header and footer; 100% loss line when nothing answers.
    port = free_port()
    t = subprocess.run([bin, "sender", "127.0.0.1:%d" % port, "-c", "3", "-i", "1",
                        "--timeout", "0.3"], capture_output=True, text=True, timeout=30)
    lines = t.stdout.splitlines()
    # Nothing answered: the table all the same, then exit 1 with the reason (as ping).
    check(t.returncode == 1 and "stampkit sender: no reply from" in t.stderr and
          lines[0].startswith("Session 1: 127.0.0.1:") and
          lines[0].endswith(" -> 127.0.0.1:%d, stamp SSID 0, silent reflector, no replies" % port),
          "session line: %r" % lines[:1])
    lines = lines[1:]
    check(lines[0] == "=" * 79 and lines[2] == "-" * 79, "table rules: %r" % lines[:3])
    check(lines[1] == "Direction         Min         Max         Avg          Jitter     Loss",
          "table header %r" % lines[1])
    check(lines[3] == "  NO STATS AVAILABLE (100% loss)", "100%% loss line: %r" % lines[3])
    check(lines[5] == " " * 52 + "Jitter Algorithm [RFC3550]", "footer %r" % lines[5])
    check(lines[6] == "=" * 79 and lines[7] == "  Sent 3, received 0, lost 3",
          "counts after the table: %r" % lines[6:8])
    check(lines[-1] == "Summary: 1 session, sent 3, received 0, lost 3 (100.0%), "
          "0 duplicates, 0 reordered", "summary line %r" % lines[-1])
    # Log lines (-v) go to standard error, never into the table.
    check(not any(" INFO " in l for l in lines), "log lines on standard output")
    v = subprocess.run([bin, "sender", "127.0.0.1:%d" % port, "-c", "2", "-i", "1",
                        "--timeout", "0.2", "-v"], capture_output=True, text=True, timeout=30)
    check("INFO     Sent to 127.0.0.1 [sseq=1]" in v.stderr and " INFO " not in v.stdout and
          v.stdout.startswith("Session 1: "), "-v lines: %r / %r" % (v.stdout, v.stderr))

    # Hardware timestamps on an interface without them: a clear error, no silent fallback.
    for cmd in (["responder", "127.0.0.1:%d" % free_port()], ["sender", "127.0.0.1:9"]):
        h = subprocess.run([bin, *cmd, "--hw-timestamps", "lo"], capture_output=True, text=True,
                           timeout=10)
        check(h.returncode == 1 and "no hardware receive timestamps" in h.stderr,
              "--hw-timestamps lo: %r" % h.stderr)

    # Privileged port without the right: an error that says what to do.
    r2 = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin,
                         "responder", "127.0.0.1:862"], capture_output=True, text=True, timeout=10)
    check(r2.returncode == 1 and "cap_net_bind_service" in r2.stderr and "privileged" in r2.stderr,
          "privileged port error: %r" % r2.stderr)


run(main)
