#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The schema rejects what it must: deliberately broken documents fail validate.py with
status 1 and name the failing member; well-formed ones of every command pass.
Skipped (77) without python3-jsonschema.

usage: broken.py SRCDIR"""
import copy
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VALIDATE = os.path.join(HERE, "validate.py")


def run(doc):
    r = subprocess.run([sys.executable, VALIDATE, "-"], input=json.dumps(doc).encode(),
                       capture_output=True, timeout=60)
    return r.returncode, r.stderr.decode()


def main():
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        print("python3-jsonschema not installed: skipped")
        return 77
    src = sys.argv[1]
    with open(os.path.join(src, "tests", "analyze", "stateful-merged.json")) as f:
        good = json.load(f)
    fails = 0

    def expect(name, doc, status, path=None):
        nonlocal fails
        st, err = run(doc)
        ok = st == status and (path is None or ("%s:" % path) in err)
        print("%s %s (exit %d)%s" % ("ok  " if ok else "FAIL", name, st, "" if ok else "\n" + err))
        fails += not ok

    def broken(name, path, change):
        d = copy.deepcopy(good)
        change(d)
        expect(name, d, 1, path)

    expect("analyze as written", good, 0)
    broken("no version", "$", lambda d: d.pop("version"))
    broken("unknown command", "$.command", lambda d: d.update(command="frobnicate"))
    broken("negative loss", "$.sessions[0].outbound.lost",
           lambda d: d["sessions"][0]["outbound"].update(lost=-1))
    broken("loss_pct without lost", "$.sessions[0].outbound.loss_pct",
           lambda d: d["sessions"][0]["outbound"].update(lost=None))
    broken("sent as a string", "$.sessions[0].sent",
           lambda d: d["sessions"][0].update(sent="60"))
    broken("missing member of a session", "$.sessions[0]",
           lambda d: d["sessions"][0].pop("reflector_state"))
    broken("unknown member in an analyze session", "$.sessions[0]",
           lambda d: d["sessions"][0].update(frobs=1))
    broken("unknown document member", "$", lambda d: d.update(frobs=1))
    broken("bad mode", "$.sessions[0].mode", lambda d: d["sessions"][0].update(mode="owamp"))
    broken("STAMP session without SSID", "$.sessions[0].ssid",
           lambda d: d["sessions"][0].update(ssid=None))
    broken("bad endpoint", "$.sessions[0].sender",
           lambda d: d["sessions"][0].update(sender="192.0.2.1"))
    broken("wire without inbound", "$.sessions[0].wire",
           lambda d: d["sessions"][0]["wire"].pop("inbound"))
    broken("no summary", "$", lambda d: d.pop("summary"))
    broken("bad capture point", "$.capture_points[1]",
           lambda d: d["capture_points"].__setitem__(1, "middle"))

    # The other commands: the shared envelope and their result member.
    sess = copy.deepcopy(good["sessions"][0])
    sess.update(index=1, wire=None, auth=False, interrupted=False, send_errors=0,
                bad_replies=0, foreign=0, never_sent=0, bad_timestamps=0,
                jitter_algorithm="RFC 3550", t4="kernel",
                tlv={"replies": 0, "u": 0, "m": 0, "i": 0, "c": 0, "hmac_bad": 0},
                send={"interval_ns": 1e6, "achieved_pps": 999.9, "late_p50_ns": 12000,
                      "late_p99_ns": 40000})
    env = {"version": good["version"]}
    summ = dict(good["summary"], sessions=1)
    expect("sender", dict(env, command="sender", sessions=[sess], summary=summ), 0)
    s2 = copy.deepcopy(sess)
    s2.pop("tlv")
    expect("sender session without its own members", dict(env, command="sender", sessions=[s2],
                                                           summary=summ), 1, "$.sessions[0]")
    s2 = dict(copy.deepcopy(sess), frobs=1)
    expect("unknown member in a sender session", dict(env, command="sender", sessions=[s2],
                                                      summary=summ), 1, "$.sessions[0]")
    s2 = copy.deepcopy(sess)
    s2["send"]["late"] = 1
    expect("unknown member of the sender's send", dict(env, command="sender", sessions=[s2],
                                                       summary=summ), 1, "$.sessions[0].send")
    expect("sender without summary", dict(env, command="sender", sessions=[sess]), 1, "$")
    expect("sender without sessions", dict(env, command="sender"), 1, "$")
    expect("sender with a bad session", dict(env, command="sender", sessions=[{"index": 1}]), 1,
           "$.sessions[0]")
    # decode: a golden document (one packet per line).
    with open(os.path.join(src, "tests", "golden", "malformed.json")) as f:
        dec = json.load(f)

    def dbroken(name, path, change):
        d = copy.deepcopy(dec)
        change(d)
        expect(name, d, 1, path)

    expect("decode", dec, 0)
    dbroken("decode without packets", "$", lambda d: d.pop("packets"))
    dbroken("decode with a bad problem kind", "$.packets[0].problems[0].kind",
            lambda d: d["packets"][0]["problems"][0].update(kind="frob"))
    dbroken("decode problem without kind", "$.packets[0].problems[0]",
            lambda d: d["packets"][0]["problems"][0].pop("kind"))
    dbroken("decode packet without time", "$.packets[1]", lambda d: d["packets"][1].pop("time"))
    dbroken("decode test packet with a bad role", "$.packets[2].role",
            lambda d: d["packets"][2].update(role="middle"))
    dbroken("decode summary without a count", "$.summary",
            lambda d: d["summary"].pop("control_messages"))
    dbroken("decode unknown document member", "$", lambda d: d.update(sessions=[]))
    counters = {"received": 3, "reflected": 2, "malformed": 1, "oversized": 0,
                "refused": {"short": 0, "auth": 0, "self": 0, "allow": 0, "rate": 0,
                            "reflected": 0},
                "send_errors": 0, "tlv": {"unknown": 0, "malformed": 0, "hmac_bad": 0},
                "sessions_full": 0}
    expect("responder", dict(env, command="responder", counters=counters, sessions=[]), 0)
    expect("responder with a counter missing", dict(env, command="responder", counters=dict(
        (k, v) for k, v in counters.items() if k != "oversized"), sessions=[]), 1, "$.counters")
    expect("responder with an unknown counter", dict(env, command="responder", counters=dict(
        counters, frobs=1), sessions=[]), 1, "$.counters")
    expect("responder with sessions", dict(env, command="responder", counters=counters,
                                           sessions=[{"index": 1}]), 1, "$.sessions")
    expect("server without counters", dict(env, command="server", sessions=[]), 1, "$")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
