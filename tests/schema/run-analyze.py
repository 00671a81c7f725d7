#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Runs `stampkit analyze --json` on one entry of tests/analyze/manifest.txt and validates
its standard output against the schema (validate.py). Skipped (77) without python3-jsonschema.

usage: run-analyze.py STAMPKIT SRCDIR "CAPTURES" "OPTIONS" """
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
    bin, src, caps, opts = sys.argv[1:5]
    args, stdin = [], subprocess.DEVNULL
    for c in shlex.split(caps):
        if c.startswith("stdin:"):
            stdin = open(os.path.join(src, c[6:]), "rb")
            args.append("-")
        else:
            args.append(c)
    r = subprocess.run([bin, "analyze", "--json", *shlex.split(opts), *args], cwd=src,
                       stdin=stdin, capture_output=True, timeout=120)
    out = os.path.join(os.environ.get("TMPDIR", "/tmp"), "stampkit-schema-%d.json" % os.getpid())
    with open(out, "wb") as f:
        f.write(r.stdout)
    try:
        st = validate.main(["validate.py", out])
    finally:
        os.unlink(out)
    if st != 0:
        print("analyze --json %s %s (exit %d): not valid" % (opts, caps, r.returncode))
    return st


if __name__ == "__main__":
    sys.exit(main())
