# SPDX-License-Identifier: BSD-3-Clause
# mlib.py - what the monitoring tests share: JSON Lines split and validated, GET /metrics,
# the Prometheus text parsed into samples, promtool's check.
import json, os, shutil, socket, subprocess, sys, time, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "live"))
from livelib import SKIP, Daemon, Fail, check, free_port, run  # noqa: E402,F401

VALIDATE = os.path.join(HERE, "..", "schema", "validate.py")


_GIVEN = set()


def free_tcp_port():
    """A free TCP port on loopback, never one this process was already given (two servers of
    one test must not be handed the same port)."""
    while True:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        p = s.getsockname()[1]
        s.close()
        if p not in _GIVEN:
            _GIVEN.add(p)
            return p


def need(*tools):
    """Skip (77) with a message when a tool is missing."""
    for t in tools:
        if not shutil.which(t):
            print("SKIP: %s is not installed (scripts/setup.sh)" % t)
            sys.exit(SKIP)


def validate(line, what):
    r = subprocess.run([sys.executable, VALIDATE, "-"], input=line, capture_output=True,
                       text=True, timeout=30)
    check(r.returncode == 0, "%s: schema: %s %s" % (what, r.stderr, line[:200]))


def jsonl(out, command):
    """Standard output of --report-interval --json: interval objects, then the final
    document as the last line; every line valid against the schema."""
    lines = [l for l in out.splitlines() if l.strip()]
    check(lines, "no output")
    docs = []
    for i, l in enumerate(lines):
        validate(l, "line %d" % (i + 1))
        docs.append(json.loads(l))
    final = docs[-1]
    check("type" not in final and final["command"] == command, "last line %r" % lines[-1][:200])
    ivs = docs[:-1]
    for n, d in enumerate(ivs):
        check(d["type"] == "interval" and d["command"] == command and d["interval"] == n + 1,
              "interval line %d: %r" % (n + 1, lines[n][:200]))
    return ivs, final


def scrape(port, timeout=5):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=timeout) as r:
        check(r.status == 200, "GET /metrics: %d" % r.status)
        check(r.headers["Content-Type"].startswith("text/plain; version=0.0.4"),
              "content type %r" % r.headers["Content-Type"])
        return r.read().decode()


def promtool(text, what):
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=30)
    check(r.returncode == 0, "%s: promtool check metrics: %s%s" % (what, r.stdout, r.stderr))


def samples(text):
    """{(name, frozenset(labels.items())): value} of the exposition text."""
    out = {}
    for l in text.splitlines():
        if not l or l.startswith("#"):
            continue
        head, val = l.rsplit(" ", 1)
        if "{" in head:
            name, rest = head.split("{", 1)
            labels = {}
            for part in rest.rstrip("}").split('",'):
                if not part:
                    continue
                k, v = part.split("=", 1)
                labels[k] = v.strip('"')
        else:
            name, labels = head, {}
        out[(name, frozenset(labels.items()))] = float(val)
    return out


def value(s, name, **labels):
    """The one sample of name whose labels include these."""
    hits = [v for (n, ls), v in s.items() if n == name and set(labels.items()) <= set(ls)]
    check(len(hits) == 1, "%s%r: %d samples" % (name, labels, len(hits)))
    return hits[0]


def wait_port(port, proc, deadline=5):
    end = time.time() + deadline
    while time.time() < end:
        check(proc.poll() is None, "exited early: %s" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise Fail("nothing listens on %d" % port)


class Server(Daemon):
    """`stampkit server` on a free TCP port (reflector ports 30000-40000)."""

    def __init__(self, bin, *args, port=None):
        import tempfile
        self.port = port or free_tcp_port()
        self.addr = "127.0.0.1:%d" % self.port
        super().__init__([bin, "server", "--json", "--ports", "30000-40000", *args, self.addr],
                         tempfile.TemporaryFile("w+"))

    def stop(self):
        return json.loads(self.interrupt())
