#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# check-json.py - checks `stampkit decode --json` output against docs/json-schema.md: one JSON
# document {"command":"decode","version","files","packets":[...],"summary":{...}} whose
# packets are one object per line (so the output stays grep-able), every packet with the
# required members and types, the summary counting what the packets show.
# usage: check-json.py FILE...
import json
import sys

COMMON = {"frame": int, "kind": str, "time": str, "time_ns": int, "ip_version": int,
          "src": str, "dst": str, "sport": int, "dport": int, "transport": str,
          "ttl": int, "tos": int, "problems": list}
TEST = {"protocol": str, "role": str, "security": str, "found_by": str, "length": int,
        "tlvs": list}
CONTROL = {"message": str, "direction": str}


def check(obj, where):
    errs = []

    def need(spec):
        for k, t in spec.items():
            if k not in obj:
                errs.append(f"{where}: missing {k}")
            elif not isinstance(obj[k], t) or (t is int and isinstance(obj[k], bool)):
                errs.append(f"{where}: {k} is {type(obj[k]).__name__}, not {t.__name__}")

    need(COMMON)
    if "error" not in obj or not (obj["error"] is None or isinstance(obj["error"], str)):
        errs.append(f"{where}: error must be null or a string")
    if obj.get("frame", 0) < 1:
        errs.append(f"{where}: frame is 1-based")
    if obj.get("kind") == "test":
        need(TEST)
        if obj.get("protocol") not in ("stamp", "twamp"):
            errs.append(f"{where}: protocol {obj.get('protocol')}")
        if obj.get("role") not in ("sender", "reflector"):
            errs.append(f"{where}: role {obj.get('role')}")
        if "ssid" not in obj or not (obj["ssid"] is None or isinstance(obj["ssid"], int)):
            errs.append(f"{where}: ssid must be null or an integer")
        if obj.get("error") is None and "seq" not in obj and not obj.get("decrypted", True) is False:
            errs.append(f"{where}: seq missing")
        for i, t in enumerate(obj.get("tlvs", [])):
            for k in ("name", "type", "flags", "offset", "size"):
                if k not in t:
                    errs.append(f"{where}: tlvs[{i}] lacks {k}")
    elif obj.get("kind") == "control":
        need(CONTROL)
    else:
        errs.append(f"{where}: kind {obj.get('kind')}")
    for p in obj.get("problems", []):
        if not {"code", "kind", "offset", "message"} <= set(p):
            errs.append(f"{where}: problem {p}")
        elif p["kind"] not in PROBLEM_KINDS:
            errs.append(f"{where}: problem kind {p['kind']}")
    return errs


# sk_problem_name() of every enum sk_problem value a decoder reports (codec/src/result.c).
PROBLEM_KINDS = {"truncated", "invalid", "mbz_nonzero", "unassigned_bits", "error_estimate_zero",
                 "hmac_bad", "tlv_malformed", "unsupported", "state", "no_key", "wrong_key",
                 "decrypt_failed", "limit"}


SUMMARY = ("frames", "packets", "test_packets", "control_messages", "malformed",
           "truncated_frames", "tcp_segments_ignored")


def check_doc(text, f):
    """The envelope, the one-packet-per-line layout and the summary; returns (errors, packets)."""
    errs = []
    try:
        doc = json.loads(text)
    except ValueError as e:
        return [f"{f}: not one JSON document: {e}"], []
    if not isinstance(doc, dict):
        return [f"{f}: not a JSON object"], []
    if doc.get("command") != "decode":
        errs.append(f"{f}: command {doc.get('command')!r}")
    if not isinstance(doc.get("version"), str):
        errs.append(f"{f}: version missing")
    files = doc.get("files")
    if not isinstance(files, list) or len(files) != 1 or not isinstance(files[0], str):
        errs.append(f"{f}: files must be a list of one string")
    pkts = doc.get("packets")
    if not isinstance(pkts, list):
        return errs + [f"{f}: packets must be an array"], []
    lines = text.split("\n")
    if lines[-1] != "" or not lines[0].endswith('"packets":[') or \
            not lines[-2].startswith("],\"summary\":"):
        errs.append(f"{f}: the document must open the packets array on its first line and "
                    "close it on its last")
    body = lines[1:-2]
    if len(body) != len(pkts):
        errs.append(f"{f}: {len(pkts)} packets on {len(body)} lines (want one per line)")
    for i, line in enumerate(body):
        last = i == len(body) - 1
        if line.endswith(",") == last:
            errs.append(f"{f}:{i + 2}: a comma must end every packet line but the last")
        try:
            if json.loads(line.rstrip(",")) != pkts[i]:
                errs.append(f"{f}:{i + 2}: the line is not packet {i}")
        except (ValueError, IndexError) as e:
            errs.append(f"{f}:{i + 2}: not one packet per line: {e}")
    summ = doc.get("summary")
    if not isinstance(summ, dict):
        return errs + [f"{f}: summary missing"], pkts
    for k in SUMMARY:
        if not isinstance(summ.get(k), int) or isinstance(summ.get(k), bool) or summ[k] < 0:
            errs.append(f"{f}: summary.{k} must be a count")
    if not isinstance(summ.get("damaged"), bool):
        errs.append(f"{f}: summary.damaged must be a boolean")
    objs = [p for p in pkts if isinstance(p, dict)]
    want = {"packets": len(pkts),
            "test_packets": sum(p.get("kind") == "test" for p in objs),
            "control_messages": sum(p.get("kind") == "control" for p in objs),
            "malformed": sum(p.get("error") is not None for p in objs)}
    for k, v in want.items():
        if summ.get(k) != v:
            errs.append(f"{f}: summary.{k} is {summ.get(k)}, the packets say {v}")
    if isinstance(summ.get("frames"), int) and summ["frames"] < max([0] + [p.get("frame", 0) for p in objs]):
        errs.append(f"{f}: summary.frames is below the last frame shown")
    return errs, pkts


def main(files):
    errs = []
    n = 0
    for f in files:
        with open(f, encoding="utf-8") as fp:
            text = fp.read()
        derrs, pkts = check_doc(text, f)
        errs += derrs
        for i, obj in enumerate(pkts):
            n += 1
            if not isinstance(obj, dict):
                errs.append(f"{f}: packets[{i}] is not an object")
                continue
            errs += check(obj, f"{f}: packets[{i}] (line {i + 2})")
    for e in errs:
        print(e)
    print(f"{len(files)} documents, {n} packets checked, {len(errs)} problems")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
