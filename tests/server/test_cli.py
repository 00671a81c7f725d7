#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# The command lines and standard output of `stampkit server`, `controller` and `controlclient`:
# with --json exactly one document on stdout, valid against docs/schema/stampkit.schema.json
# (tests/schema/validate.py), run after run and with -v / -d (log lines on stderr only); the
# options from the table (renamed ones, refused ones, ranges) and exit status 2 for every
# key-file error. Loopback only, a few packets.
#   usage: test_cli.py STAMPKIT
import os, shutil, socket, struct, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "live"))
from livelib import Daemon, Fail, check, run, SKIP  # noqa: E402

VALIDATE = os.path.join(HERE, "..", "schema", "validate.py")
TMP = tempfile.mkdtemp(prefix="sk-server-cli-")


def write(name, text):
    p = os.path.join(TMP, name)
    with open(p, "w") as f:
        f.write(text)
    return p


KEYS = write("keys", "# KeyID passphrase\nalice correct horse battery\nbob s3cret\n")
BAD = write("bad", "bob\n")                # no passphrase
EMPTY = write("empty", "# nothing\n")
MISSING = os.path.join(TMP, "missing")


def free_tcp():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def validate(doc, what):
    r = subprocess.run([sys.executable, VALIDATE, "-"], input=doc, capture_output=True, text=True,
                       timeout=60)
    check(r.returncode == 0, "%s: not valid against the schema: %s\n%s" % (what, r.stderr, doc))


def one_document(out, command, what):
    check(out.endswith("\n") and out.count("\n") == 1,
          "%s: stdout is not exactly one JSON document: %r" % (what, out))
    validate(out, what)
    check(('"command":"%s"' % command) in out, "%s: command %r" % (what, out[:80]))


class Server(Daemon):
    def __init__(self, bin, *args):
        self.port = free_tcp()
        self.addr = "127.0.0.1:%d" % self.port
        super().__init__([bin, "server", "--ports", "30000-40000", *args, self.addr],
                         open(os.path.join(TMP, "server-%d.err" % self.port), "w+"))

    def stop(self):
        return self.interrupt()


def usage_error(bin, args, want_in_err=None):
    """Exit 2, nothing on stdout, one reason on stderr."""
    r = subprocess.run([bin, *args], capture_output=True, text=True, timeout=30)
    check(r.returncode == 2, "%r: exit %d (want 2): %s" % (args, r.returncode, r.stderr))
    check(r.stdout == "", "%r: wrote on stdout: %r" % (args, r.stdout))
    check(r.stderr.startswith("stampkit %s: " % args[0]), "%r: stderr %r" % (args, r.stderr))
    if want_in_err:
        check(want_in_err in r.stderr, "%r: %r not in %r" % (args, want_in_err, r.stderr))


def documents(bin):
    srv = Server(bin, "--json", "--modes", "all", "--key-file", KEYS, "-v")
    try:
        # Twice in a row (the second finds the first's reflector port still held for the
        # session timeout: a warning on stderr, nothing more on stdout), then with -v and -d.
        for extra in ([], [], ["-v"], ["-d"], ["-v", "--mode-auth", "encrypted", "--key-file",
                                               KEYS, "--key-id", "bob", "--sessions", "2"]):
            r = subprocess.run([bin, "controller", "--json", "-c", "5", "-i", "1", *extra, srv.addr],
                               capture_output=True, text=True, timeout=60)
            what = "controller --json %s" % " ".join(extra)
            check(r.returncode == 0, "%s: exit %d: %s" % (what, r.returncode, r.stderr))
            one_document(r.stdout, "controller", what)
            if "-v" in extra or "-d" in extra:
                check("Accept-Session" in r.stderr, "%s: log lines not on stderr: %r" % (what, r.stderr))
        # --duration as in the sender: S / --interval packets per session.
        r = subprocess.run([bin, "controller", "--json", "--duration", "0.05", "-i", "10", srv.addr],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0 and '"sent":5,' in r.stdout, "controller --duration: %r %s" %
              (r.stdout, r.stderr))
        # The table without --json: the sessions and the summary line, no JSON.
        r = subprocess.run([bin, "controller", "-c", "3", "-i", "1", srv.addr], capture_output=True,
                           text=True, timeout=60)
        check(r.returncode == 0 and "Session 1: " in r.stdout and "Summary: 1 session, sent 3, "
              "received 3" in r.stdout and "{" not in r.stdout, "controller table: %r" % r.stdout)
        for extra in ([], ["-v"]):
            r = subprocess.run([bin, "controlclient", "--json", "--duration", "0.3", "--sessions", "2",
                                *extra, srv.addr], capture_output=True, text=True, timeout=60)
            what = "controlclient --json %s" % " ".join(extra)
            check(r.returncode == 0, "%s: exit %d: %s" % (what, r.returncode, r.stderr))
            one_document(r.stdout, "controlclient", what)
        out = srv.stop()
        one_document(out, "server", "server --json")
        check('"refused_sessions":0' in out and '"sessions":[]' in out, out)
        # Without --json: a table of the counters.
        srv = Server(bin)
        out = srv.stop()
        check("test sessions refused (Accept 5)" in out and "{" not in out, "server table %r" % out)
    finally:
        if srv.p.poll() is None:
            srv.p.kill()


def greeting_count(bin, *args):
    srv = Server(bin, *args)
    try:
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        g = b""
        while len(g) < 64:
            d = s.recv(64 - len(g))
            if not d:
                break
            g += d
        s.close()
        check(len(g) == 64, "greeting of %d octets" % len(g))
        return struct.unpack("!I", g[48:52])[0]  # RFC 4656 §3.1: Unused, Modes, Challenge, Salt, Count
    finally:
        srv.stop()


def options(bin):
    # Options a command does not honour are unknown to it, whatever they mean elsewhere, even
    # where getopt_long would take them for the start of one of ours (--port of --ports).
    foreign = "is not an option of this command"
    usage_error(bin, ["server", "--port", "5"], foreign)
    usage_error(bin, ["server", "--port=5"], foreign)
    # --mode is the sender's: said so once the sender is on the option table (its generated
    # help states the exit statuses), refused with exit 2 in any case.
    r = subprocess.run([bin, "sender", "--help"], capture_output=True, text=True, timeout=10)
    mode_foreign = foreign if "Exit status:" in r.stdout else None
    usage_error(bin, ["controller", "--mode", "stamp", "127.0.0.1"], mode_foreign)
    usage_error(bin, ["controlclient", "--mode", "twamp-light", "127.0.0.1"], mode_foreign)
    usage_error(bin, ["server", "--mode", "twamp-light"], mode_foreign)
    for cmd in ("controller", "controlclient"):
        for opt in (["--auth", KEYS], ["--timestamp", "ptp"], ["--hw-timestamps", "lo"],
                    ["--timeout", "2"] if cmd == "controlclient" else ["--rate", "10"]):
            usage_error(bin, [cmd, *opt, "127.0.0.1"])
        r = subprocess.run([bin, cmd, "--help"], capture_output=True, text=True, timeout=10)
        check(r.returncode == 0, "%s --help" % cmd)
        for gone in ("--mode ", "--mode=", "--auth", "--timestamp", "--hw-timestamps", "stamp|"):
            check(gone not in r.stdout, "%s --help lists %s" % (cmd, gone))
        check("--session-timeout" in r.stdout and "--mode-auth" in r.stdout, "%s --help" % cmd)
    # The server's PBKDF2 count is --pbkdf2-count (not --count), at most 2^20.
    usage_error(bin, ["server", "--count", "2048"])
    usage_error(bin, ["server", "--pbkdf2-count", "1048577"], "--pbkdf2-count")
    usage_error(bin, ["server", "--pbkdf2-count", "1023"], "--pbkdf2-count")
    check(greeting_count(bin, "--pbkdf2-count", "1048576") == 1 << 20, "Count 2^20 in the greeting")
    check(greeting_count(bin) == 1024, "default Count 1024")
    r = subprocess.run([bin, "server", "--help"], capture_output=True, text=True, timeout=10)
    check("--pbkdf2-count" in r.stdout and "--count" not in r.stdout and "--padding" not in r.stdout,
          "server --help: %r" % r.stdout)
    usage_error(bin, ["server", "--modes", "stamp"], "--modes")
    usage_error(bin, ["server", "--ports", "5-4"], "--ports")
    usage_error(bin, ["controller", "--features", "reflect-octets,nonsense", "127.0.0.1"])
    usage_error(bin, ["controller", "--padding", "-1", "127.0.0.1"], "IMIX")
    usage_error(bin, ["controller", "--sessions", "33", "127.0.0.1"])
    usage_error(bin, ["controller", "--test-port", "65535", "--sessions", "2", "127.0.0.1"])
    usage_error(bin, ["controller"])
    # Key files: every error is a configuration error (exit 2), before any connection.
    usage_error(bin, ["server", "--modes", "auth"], "--key-file")
    for kf, why in ((MISSING, "No such file"), (BAD, "expected 'KeyID passphrase'"),
                    (EMPTY, "no key")):
        usage_error(bin, ["server", "--modes", "auth", "--key-file", kf, "127.0.0.1:%d" % free_tcp()],
                    why)
        for cmd in ("controller", "controlclient"):
            # 127.0.0.1:9 (discard): nothing listens; exit 2 proves the key file came first.
            usage_error(bin, [cmd, "--mode-auth", "auth", "--key-file", kf, "127.0.0.1:9"], why)
    for cmd in ("controller", "controlclient"):
        usage_error(bin, [cmd, "--mode-auth", "encrypted", "127.0.0.1:9"], "--key-file")
        usage_error(bin, [cmd, "--mode-auth", "auth", "--key-file", KEYS, "--key-id", "carol",
                          "127.0.0.1:9"], "KeyID 'carol'")


def main(bin):
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        print("skip: python3-jsonschema is missing")
        sys.exit(SKIP)
    try:
        options(bin)
        documents(bin)
    finally:
        shutil.rmtree(TMP, True)


if __name__ == "__main__":
    if not os.path.exists(sys.argv[1]):
        sys.exit(SKIP)
    run(main)
