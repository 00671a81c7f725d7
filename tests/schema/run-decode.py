#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Runs `stampkit decode --json` on one entry of tests/golden/manifest.txt and validates its
standard output against the schema (validate.py). Skipped (77) without python3-jsonschema.

usage: run-decode.py STAMPKIT SRCDIR CAPTURE "OPTIONS" EXIT"""
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import validate  # noqa: E402


def main():
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        print("python3-jsonschema not installed: skipped")
        return 77
    bin, src, cap, opts, want = sys.argv[1:6]
    stdin, arg = subprocess.DEVNULL, cap
    if cap.startswith("stdin:"):
        stdin, arg = open(os.path.join(src, cap[6:]), "rb"), "-"
    r = subprocess.run([bin, "decode", "--json", *shlex.split(opts), arg], cwd=src,
                       stdin=stdin, capture_output=True, timeout=120)
    if r.returncode != int(want):
        print("decode --json %s %s: exit %d, expected %s" % (opts, cap, r.returncode, want))
        return 1
    out = os.path.join(os.environ.get("TMPDIR", "/tmp"), "stampkit-schema-%d.json" % os.getpid())
    with open(out, "wb") as f:
        f.write(r.stdout)
    try:
        st = validate.main(["validate.py", out])
    finally:
        os.unlink(out)
    if st != 0:
        print("decode --json %s %s: not valid" % (opts, cap))
    return st


if __name__ == "__main__":
    sys.exit(main())
