#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# The sender's and the responder's --json over loopback: standard output is exactly one JSON
# document (the responder: one per counters dump) valid against
# docs/schema/stampkit.schema.json (tests/schema/validate.py), also with -v and -d, whose
# log lines go to standard error only. Covers a normal run, TWAMP-light, IPv6, no reply,
# TLVs with authentication, an interrupted run and the responder's SIGUSR1 dump.
#   usage: test_json.py STAMPKIT   (exit 77 without python3-jsonschema)
import json, os, signal, socket, subprocess, sys, tempfile, time
from livelib import SKIP, Fail, check, free_port, run, sender_doc

HERE = os.path.dirname(os.path.abspath(__file__))
VALIDATE = os.path.join(HERE, "..", "schema", "validate.py")

try:
    import jsonschema  # noqa: F401  (validate.py needs it)
except ImportError:
    sys.exit(SKIP)


def valid(text, what):
    """text is exactly one JSON document and the schema accepts it."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise Fail("%s: not one JSON document (%s): %r" % (what, e, text[:300]))
    r = subprocess.run([sys.executable, VALIDATE, "-"], input=text, capture_output=True,
                       text=True, timeout=30)
    check(r.returncode == 0, "%s: schema: %s" % (what, r.stderr))
    return doc


def send(bin, what, *args, log="-v", want_log=True, rc=0):
    r = subprocess.run([bin, "sender", "--json", log, *args], capture_output=True, text=True,
                       timeout=60)
    check(r.returncode == rc, "%s: exit %d: %s" % (what, r.returncode, r.stderr))
    if rc == 1:
        # No reply at all: a failure, said on standard error after the document (as ping).
        check("stampkit sender: no reply from" in r.stderr, "%s: stderr %r" % (what, r.stderr))
    doc = valid(r.stdout, what)
    check(doc["command"] == "sender", "%s: command %r" % (what, doc["command"]))
    if want_log:
        check("INFO     Sent to" in r.stderr, "%s: no log lines on stderr: %r" % (what, r.stderr))
    return sender_doc(r.stdout)


class Resp:
    """A responder with --json and -v: log lines on stderr, documents on stdout."""

    def __init__(self, bin, local, *args):
        d = tempfile.mkdtemp(prefix="sk-json-")
        self.out = open(os.path.join(d, "out"), "w+")
        self.err = open(os.path.join(d, "err"), "w+")
        self.p = subprocess.Popen([bin, "responder", "--json", "-v", *args, local],
                                  stdout=self.out, stderr=self.err)
        deadline = time.time() + 5
        while time.time() < deadline:
            self.err.seek(0)
            if "Wait to receive" in self.err.read():
                return
            check(self.p.poll() is None, "responder exited")
            time.sleep(0.02)
        raise Fail("responder did not start")

    def docs(self):
        self.out.seek(0)
        lines = self.out.read().splitlines()
        return [valid(l, "responder document %d" % i) for i, l in enumerate(lines)]

    def stop(self):
        self.p.send_signal(signal.SIGINT)
        self.p.wait(5)
        check(self.p.returncode == 0, "responder exit %s" % self.p.returncode)
        self.err.seek(0)
        err = self.err.read()
        check("INFO     Request from" in err, "responder -v lines not on stderr: %r" % err[-300:])
        return self.docs()


def main(bin):
    d = tempfile.mkdtemp(prefix="sk-json-")
    key = os.path.join(d, "k")
    open(key, "w").write("json test key\n")
    port, port6 = free_port(), free_port(socket.AF_INET6)
    r = Resp(bin, "127.0.0.1:%d" % port, "--stateful")
    r6 = Resp(bin, "[::1]:%d" % port6, "--mode", "twamp-light")
    try:
        s = send(bin, "stamp", "127.0.0.1:%d" % port, "-c", "10", "-i", "1", "--reflector",
                 "stateful")
        check(s["received"] == 10 and s["mode"] == "stamp" and not s["interrupted"], repr(s))
        s = send(bin, "stamp -d", "127.0.0.1:%d" % port, "-c", "3", "-i", "1", log="-d")
        check(s["received"] == 3, repr(s))
        s = send(bin, "twamp-light IPv6", "[::1]:%d" % port6, "-c", "5", "-i", "1", "--mode",
                 "twamp-light")
        check(s["received"] == 5 and s["ssid"] is None and s["reflector"].startswith("[::1]:"),
              repr(s))
        s = send(bin, "no reply", "127.0.0.1:%d" % free_port(), "-c", "2", "-i", "1",
                 "--timeout", "0.2", rc=1)
        check(s["received"] == 0 and s["reflector_state"] == "unknown", repr(s))
        # SIGUSR1: one more valid document, the responder keeps running.
        r.p.send_signal(signal.SIGUSR1)
        time.sleep(0.3)
        docs = r.docs()
        check(len(docs) == 1 and docs[0]["counters"]["reflected"] == 13, "SIGUSR1: %r" % docs)
        # Interrupted: the document of what was sent so far.
        p = subprocess.Popen([bin, "sender", "--json", "-v", "127.0.0.1:%d" % port, "-c",
                              "10000", "-i", "5"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=10)
        doc = valid(out, "interrupted")
        check(p.returncode == 0 and doc["sessions"][0]["interrupted"], "interrupted: %r" % doc)
    finally:
        docs, docs6 = r.stop(), r6.stop()
    check(len(docs) == 2 and docs[1]["counters"]["received"] >= 13, "counters %r" % docs)
    check(len(docs6) == 1 and docs6[0]["counters"]["reflected"] == 5, "counters %r" % docs6)

    # Authenticated STAMP with TLVs; then the responder's document at exit.
    port = free_port()
    r = Resp(bin, "127.0.0.1:%d" % port, "--auth", key)
    try:
        s = send(bin, "auth TLVs", "127.0.0.1:%d" % port, "-c", "3", "-i", "1", "--auth", key,
                 "--tlv", "location", "--tlv", "raw:type=200,len=4", "--tlv", "hmac")
        check(s["auth"] and s["tlv"]["replies"] == 3 and s["tlv"]["u"] == 3 and
              s["tlv"]["hmac_bad"] == 0, repr(s))
    finally:
        docs = r.stop()
    check(len(docs) == 1 and docs[0]["counters"]["reflected"] == 3, "auth counters %r" % docs)


run(main)
