#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Standard output carries results only: for every command that has --json, a run on
loopback (with -v, so there are log lines to misplace) prints exactly ONE JSON document on
standard output, valid against docs/schema/stampkit.schema.json, and the log lines are on
standard error. Daemons' logs are line-buffered: a responder's -v line reaches a redirected
standard error while it still runs.

usage: test_json_stdout.py STAMPKIT SOURCE_DIR"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

SK, SRC = sys.argv[1], sys.argv[2]
VALIDATE = os.path.join(SRC, "tests", "schema", "validate.py")
failures = []
LOG_LINE = " INFO     "  # twampy's "yy/mm/dd HH:MM:SS,ms INFO     message"


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    return cond


def free_port(kind=socket.SOCK_DGRAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_document(name, out, err, rc, want_rc=0, want_log=True):
    """stdout is exactly one JSON document of the command, valid against the schema."""
    check(rc == want_rc, f"{name}: exit {rc}, expected {want_rc}; stderr: {err[-400:]}")
    try:
        doc = json.loads(out)
    except ValueError as e:
        check(False, f"{name}: stdout is not one JSON document ({e}): {out[:300]!r}")
        return None
    check(isinstance(doc, dict) and doc.get("command") == name.split()[0],
          f"{name}: the document names its command")
    v = subprocess.run([sys.executable, VALIDATE, "-"], input=out, capture_output=True,
                       text=True)
    check(v.returncode == 0, f"{name}: schema validation: {v.stdout}{v.stderr}")
    check(LOG_LINE not in out, f"{name}: no log line on stdout")
    if want_log:
        check(LOG_LINE in err, f"{name}: -v log lines are on stderr")
    return doc


def run(*args, timeout=60):
    p = subprocess.run([SK, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def daemon(*args):
    return subprocess.Popen([SK, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def stop(p, timeout=10):
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err


tmp = tempfile.mkdtemp(prefix="sk-json-")
try:
    # --- responder + sender (+ analyze, decode, replay on the sender's capture) ---
    port = free_port()
    resp = daemon("responder", f"127.0.0.1:{port}", "--json", "-v")
    time.sleep(0.3)
    pcap = os.path.join(tmp, "run.pcap")
    rc, out, err = run("sender", f"127.0.0.1:{port}", "-c", "5", "-i", "10", "--json", "-v",
                       "--pcap-out", pcap)
    doc = one_document("sender", out, err, rc)
    if doc:
        s = doc["sessions"]
        check(len(s) == 1 and s[0]["sent"] == 5 and s[0]["received"] == 5,
              f"sender: one session, 5 sent and received: {s}")
    rc, out, err = run("analyze", pcap, "--json")
    one_document("analyze", out, err, rc, want_log=False)
    rc, out, err = run("decode", pcap, "--json")
    doc = one_document("decode", out, err, rc, want_log=False)
    if doc:
        check(len(doc.get("packets", [])) == 10, "decode: 10 packets in the document")
    rc, out, err = run("replay", pcap, "--to", f"127.0.0.1:{port}", "--json", "-v",
                       "--timeout", "1")
    one_document("replay", out, err, rc)
    rc, out, err = stop(resp)
    one_document("responder", out, err, rc)

    # --- a daemon's log reaches a redirected stderr while it runs (line-buffered) ---
    port = free_port()
    logf = os.path.join(tmp, "responder.log")
    with open(logf, "w") as lf:
        resp = subprocess.Popen([SK, "responder", f"127.0.0.1:{port}", "-v"],
                                stdout=subprocess.DEVNULL, stderr=lf)
        time.sleep(0.3)
        run("sender", f"127.0.0.1:{port}", "-c", "1", "-q")
        time.sleep(0.5)
        with open(logf) as f:
            check(LOG_LINE in f.read(), "responder -v 2>file: the line is there before exit")
        resp.send_signal(signal.SIGINT)
        resp.wait(timeout=10)

    # --- server + controller + controlclient ---
    cport = free_port(socket.SOCK_STREAM)
    srv = daemon("server", f"127.0.0.1:{cport}", "--json", "-v")
    time.sleep(0.3)
    for attempt in (1, 2):  # twice in a row: the second run must not mix in a warning
        tport = free_port()
        lport = free_port()
        rc, out, err = run("controller", f"127.0.0.1:{cport}", f"127.0.0.1:{lport}", "-c", "5",
                           "-i", "10", "--test-port", str(tport), "--json", "-v")
        doc = one_document("controller", out, err, rc)
        if doc:
            s = doc["sessions"]
            check(len(s) == 1 and s[0]["sent"] == 5 and s[0]["received"] == 5,
                  f"controller run {attempt}: one session, 5 sent and received")
    tport = free_port()
    rc, out, err = run("controlclient", f"127.0.0.1:{cport}", f"127.0.0.1:{free_port()}",
                       "--test-port", str(tport), "--duration", "0.5", "--json", "-v")
    one_document("controlclient", out, err, rc)
    rc, out, err = stop(srv)
    one_document("server", out, err, rc)
finally:
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)

print(f"{len(failures)} failed" if failures else "every --json run printed one valid document")
sys.exit(1 if failures else 0)
