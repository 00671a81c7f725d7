#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# check-json.py - checks `stampkit decode --json` output against docs/json-schema.md: every
# line one JSON object with the required members and types. usage: check-json.py FILE...
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


def main(files):
    errs = []
    n = 0
    for f in files:
        with open(f, encoding="utf-8") as fp:
            for i, line in enumerate(fp, 1):
                n += 1
                try:
                    obj = json.loads(line)
                except ValueError as e:
                    errs.append(f"{f}:{i}: not JSON: {e}")
                    continue
                errs += check(obj, f"{f}:{i}")
    for e in errs:
        print(e)
    print(f"{n} objects checked, {len(errs)} problems")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
