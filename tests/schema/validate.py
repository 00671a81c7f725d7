#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Validates one stampkit --json document against docs/schema/stampkit.schema.json.

usage: validate.py [--schema SCHEMA] FILE|-

Exit status: 0 valid; 1 not valid (each failing member's path and the reason on standard
error, the deepest first); 2 the file is not one JSON document, cannot be read, or
python3-jsonschema is missing."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMA = os.path.join(HERE, "..", "..", "docs", "schema", "stampkit.schema.json")


def path_of(err):
    """The failing member as a JSONPath ($.sessions[0].outbound.lost)."""
    p = "$"
    for k in err.absolute_path:
        p += "[%d]" % k if isinstance(k, int) else "." + str(k)
    return p


def leaves(err):
    """The most specific errors under err (an allOf/if-then/$ref wraps the real one)."""
    if not err.context:
        return [err]
    out = []
    for e in err.context:
        out.extend(leaves(e))
    return out


def main(argv):
    schema_path = DEFAULT_SCHEMA
    args = argv[1:]
    if len(args) >= 2 and args[0] == "--schema":
        schema_path, args = args[1], args[2:]
    if len(args) != 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        import jsonschema
    except ImportError:
        print("validate.py: python3-jsonschema is not installed (scripts/setup.sh)",
              file=sys.stderr)
        return 2
    name = args[0]
    try:
        text = sys.stdin.read() if name == "-" else open(name, encoding="utf-8").read()
        doc = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        print("validate.py: %s: not one JSON document: %s" % (name, e), file=sys.stderr)
        return 2
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    errors = sorted(cls(schema).iter_errors(doc), key=lambda e: -len(e.absolute_path))
    if not errors:
        return 0
    seen = set()
    for top in errors:
        for e in sorted(leaves(top), key=lambda e: -len(e.absolute_path)):
            msg = e.message if len(e.message) <= 200 else e.message[:200] + "..."
            line = "%s: %s" % (path_of(e), msg)
            if line not in seen:
                seen.add(line)
                print("validate.py: %s: %s" % (name, line), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
