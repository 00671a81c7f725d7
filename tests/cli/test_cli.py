#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The command line of every stampkit command, as a user meets it: `--help` and
`stampkit help CMD` agree and state the exit status; an unknown option or a mistyped
command is one line plus a "Try" line, exit 2, nothing on standard output; every option
in --help is in the man page, and the man page renders without warnings (groff).

usage: test_cli.py STAMPKIT [MANDIR]"""
import os
import re
import shutil
import subprocess
import sys

SK = sys.argv[1]
MANDIR = sys.argv[2] if len(sys.argv) > 2 else None
failures = []


def run(*args):
    p = subprocess.run([SK, *args], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def commands():
    rc, out, _ = run("--help")
    check(rc == 0, "stampkit --help exits 0")
    block = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in block.splitlines()]


def usage_error(cmd, args, must):
    rc, out, err = run(cmd, *args)
    lines = err.splitlines()
    ok = (rc == 2 and out == "" and len(lines) == 2
          and lines[0].startswith(f"stampkit {cmd}: ")
          and lines[1] == f"Try 'stampkit {cmd} --help' for more information."
          and must in lines[0])
    check(ok, f"{cmd} {' '.join(args)}: exit 2 and two lines containing {must!r}; "
              f"got {rc}, stdout {out[:80]!r}, stderr {err!r}")


def options_in_help(text):
    return re.findall(r"^  (?:-\w, |    )(--[a-z0-9-]+)", text, re.M)


cmds = commands()
check(set(cmds) >= {"sender", "responder", "controller", "controlclient", "server", "analyze",
                    "replay", "decode", "dscptable"}, f"every command listed: {cmds}")
for cmd in cmds:
    rc, h1, e1 = run(cmd, "--help")
    check(rc == 0 and e1 == "", f"{cmd} --help exits 0 with nothing on stderr")
    rc, h2, _ = run("help", cmd)
    check(rc == 0 and h1 == h2, f"'stampkit help {cmd}' is '{cmd} --help'")
    check(h1.startswith(f"usage: stampkit {cmd} "), f"{cmd} --help starts with its usage line")
    check("Exit status:\n  0  " in h1 and "\n  2  " in h1,
          f"{cmd} --help states exit statuses 0 and 2")
    opts = options_in_help(h1)
    dup = sorted({o for o in opts if opts.count(o) > 1})
    check(not dup, f"{cmd} --help documents each option once (twice: {dup})")
    check(all(len(line) <= 79 for line in h1.splitlines()), f"{cmd} --help fits 79 columns")
    usage_error(cmd, ["--no-such-option"], "unknown option '--no-such-option'")
    rc, man, _ = run("man", cmd)
    check(rc == 0 and ".SH EXIT STATUS" in man, f"stampkit man {cmd}")
    for o in opts:
        check(o.replace("-", "\\-") in man, f"{cmd}: {o} of --help is in the man page")
    if shutil.which("groff"):
        g = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z"], input=man,
                           capture_output=True, text=True)
        check(g.returncode == 0 and g.stderr == "", f"{cmd}: groff renders the page cleanly "
                                                   f"({g.stderr.strip()[:200]})")
    if MANDIR:
        check(os.path.exists(os.path.join(MANDIR, f"stampkit-{cmd}.1")),
              f"the build generated stampkit-{cmd}.1")

# A mistyped command or a misplaced top-level option.
rc, out, err = run("sendr")
check(rc == 2 and out == "" and "did you mean 'sender'?" in err, "stampkit sendr suggests sender")
rc, out, err = run("help", "anlyze")
check(rc == 2 and "did you mean 'analyze'?" in err, "stampkit help anlyze suggests analyze")
rc, out, err = run("--bogus")
check(rc == 2 and out == "", "stampkit --bogus: exit 2")
rc, out, err = run()
check(rc == 2 and out == "" and "usage: stampkit" in err, "stampkit alone: usage on stderr, 2")
# A mistyped option gets a suggestion; an option of another command names that command.
usage_error("sender" if "sender" in cmds else cmds[0], ["--cuont", "3"], "did you mean '--count'?")
usage_error("dscptable", ["--json"], "not an option of this command")
rc, out, err = run("dscptable", "--bogus")
check(rc == 2, "dscptable --bogus exits 2")

print(f"{len(failures)} failed" if failures else "all command-line checks passed")
sys.exit(1 if failures else 0)
