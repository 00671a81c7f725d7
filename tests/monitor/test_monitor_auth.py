#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# stampkit monitor, mode twamp in each security mode against `stampkit server` on loopback:
# unauthenticated, authenticated, encrypted and mixed (RFC 5618) targets in one process get
# their sessions and answered, verified test packets (the final JSON's received and
# bad_replies; the server's test_refused counts requests whose HMAC fails); a target with a
# wrong passphrase is refused (Server-Start Accept 1, RFC 4656 §3.1) with a message naming
# it while the others run on; a key file readable by others is warned about; no secret is
# ever written; configuration mistakes of the secure modes are refused with file:line.
#   usage: test_monitor_auth.py STAMPKIT   (exit 77 without python3-jsonschema)
import os, signal, subprocess, sys, tempfile, time
from mlib import SKIP, Server, check, jsonl, run

try:
    import jsonschema  # noqa: F401
except ImportError:
    print("SKIP: python3-jsonschema is not installed")
    sys.exit(SKIP)

SECRET = "s3cret-horse-7"
WRONG = "not-the-passphrase-9"


def keyfile(d, name, text, mode):
    p = os.path.join(d, name)
    with open(p, "w") as f:
        f.write(text)
    os.chmod(p, mode)
    return p


BAD = [
    ("[target a]\naddress = 127.0.0.1\nmode = twamp\nsecurity = authenticated\n", 1,
     "target a has a secure mode: it needs key-file"),
    ("[target a]\naddress = 127.0.0.1\nmode = twamp\nsecurity = strong\n", 4,
     "security 'strong'"),
    ("[target a]\naddress = 127.0.0.1\nmode = stamp\nsecurity = encrypted\nkey-file = K\n", 1,
     "target a has security: it needs mode = twamp"),
    ("[target a]\naddress = 127.0.0.1\nmode = twamp\nsecurity = mixed\nkey-file = K\n"
     "key-id = carol\n", 1, "target a: KeyID 'carol' is not in"),
    ("[target a]\naddress = 127.0.0.1\nmode = twamp\nsecurity = mixed\n"
     "key-file = /nonexistent/keys\n", 1, "target a: key-file /nonexistent/keys"),
]


def bad_configs(bin, d, keys):
    conf = os.path.join(d, "bad.conf")
    for text, line, msg in BAD:
        with open(conf, "w") as f:
            f.write(text.replace("= K\n", "= %s\n" % keys))
        p = subprocess.run([bin, "monitor", conf], capture_output=True, text=True, timeout=10)
        check(p.returncode == 2 and ("%s:%d: %s" % (conf, line, msg)) in p.stderr,
              "config %r: exit %d %r" % (text, p.returncode, p.stderr))
        check(SECRET not in p.stderr + p.stdout, "a secret in %r" % p.stderr)


def main(bin):
    d = tempfile.mkdtemp()
    srvkeys = keyfile(d, "server.keys", "alice other words\nbob %s\n" % SECRET, 0o600)
    mine = keyfile(d, "mine.keys", "alice x\nbob %s\n" % SECRET, 0o600)
    # Readable by everybody: warned about, once, as in the controller.
    wrong = keyfile(d, "wrong.keys", "bob %s\n" % WRONG, 0o644)
    bad_configs(bin, d, mine)
    srv = Server(bin, "--modes", "all", "--key-file", srvkeys)
    conf = os.path.join(d, "m.conf")
    with open(conf, "w") as f:
        f.write("[monitor]\ntimeout = 0.3\nmode = twamp\nrate = 20\nkey-file = %s\n"
                "key-id = bob\n" % mine)
        f.write("[target u]\naddress = %s\ntest-port = 0\n" % srv.addr)
        f.write("[target a]\naddress = %s\nsecurity = authenticated\ntest-port = 0\n" % srv.addr)
        f.write("[target e]\naddress = %s\nsecurity = encrypted\npadding = imix\n"
                "test-port = 0\n" % srv.addr)
        f.write("[target m]\naddress = %s\nsecurity = mixed\ntest-port = 0\n" % srv.addr)
        f.write("[target w]\naddress = %s\nsecurity = authenticated\nkey-file = %s\n"
                "test-port = 0\n" % (srv.addr, wrong))
    p = subprocess.Popen([bin, "monitor", "-d", conf, "--json"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2.5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
        counters = srv.stop()["counters"]
    check(p.returncode == 0, "exit %d %s" % (p.returncode, err))
    check(SECRET not in out + err and WRONG not in out + err, "a secret was written: %r" % err)
    check(err.count("%s holds secrets and is readable by its group and others" % wrong) == 1 and
          "mine.keys holds secrets" not in err, "key file warning: %r" % err)
    check("target w: TWAMP-Control to %s: the server refused the connection: Server-Start "
          "Accept 1 (" % srv.addr in err and "wrong KeyID or passphrase" in err,
          "wrong key: %r" % err)
    _, final = jsonl(out, "monitor")
    s = {x["name"]: x for x in final["sessions"]}
    check(sorted(s) == ["a", "e", "m", "u", "w"], "targets %r" % sorted(s))
    want = {"u": "unauthenticated", "a": "authenticated", "e": "encrypted", "m": "mixed",
            "w": "authenticated"}
    for n in "uaem":
        x = s[n]
        check(x["mode"] == "twamp" and x["security"] == want[n], "%s: %r" % (n, x))
        # Answered and verified: every reply taken passed its HMAC (bad_replies counts the
        # others), and about 2 s at 20/s went.
        check(x["sent"] > 20 and x["received"] > 20 and x.get("bad_replies", 0) == 0 and
              x["received"] == x["sent"] - x["roundtrip"]["lost"], "%s: %r" % (n, x))
    check(s["w"]["sent"] == 0 and s["w"]["received"] == 0 and s["w"]["security"] == want["w"],
          "wrong key: %r" % s["w"])
    # The server: four sessions (the wrong key never got one), every request verified.
    check(counters["sessions"] == 4 and counters["test_refused"] == 0 and
          counters["test_reflected"] >= sum(s[n]["received"] for n in "uaem"),
          "server counters %r" % counters)


run(main)
