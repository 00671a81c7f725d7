#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks the shape of the C sources (docs/architecture.md): no source file over 1000 lines,
no function over 150 lines, no include cycle between our headers and sources (a .c and its .h
count as one unit), and tools/ layers used only downwards (core <- report <- capture/live <-
cmd). Prints every violation; exit 1 if there is one.

usage: scripts/check-layers.py [ROOT]"""
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(__file__), ".."))
MAX_FILE, MAX_FUNC = 1000, 150
DIRS = ("codec", "tools", "plugin")
# Which tools/ layer may include which (a layer may always include itself and the codec).
LAYER_OK = {
    "core": set(),
    "report": {"core"},
    "capture": {"core", "report"},
    "live": {"core", "report", "capture"},
    "cmd": {"core", "report", "capture", "live"},
}
problems = []


def sources():
    try:
        out = subprocess.run(["git", "-C", ROOT, "ls-files", "--cached", "--others",
                              "--exclude-standard", *DIRS], capture_output=True, text=True,
                             check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        out = [os.path.relpath(os.path.join(d, f), ROOT)
               for top in DIRS for d, _, fs in os.walk(os.path.join(ROOT, top)) for f in fs]
    return sorted(f for f in out if f.endswith((".c", ".h")) and os.path.exists(os.path.join(ROOT, f)))


def functions(text):
    """(name, first line, length) of every function definition at file level."""
    lines = text.split("\n")
    depth, start, name = 0, None, None
    for i, line in enumerate(lines):
        stripped = re.sub(r'"([^"\\]|\\.)*"|\'([^\'\\]|\\.)*\'|//.*$', "", line)
        if depth == 0 and stripped.startswith("{") and i > 0:
            # the signature ends on a previous line: find the name
            j = i - 1
            while j >= 0 and not re.search(r"\w+\s*\(", lines[j]):
                j -= 1
            m = re.search(r"(\w+)\s*\(", lines[j]) if j >= 0 else None
            if m and not lines[j].lstrip().startswith(("struct", "enum", "union", "static const", "const")):
                start, name = i, m.group(1)
        depth += stripped.count("{") - stripped.count("}")
        if depth == 0 and start is not None:
            yield name, start + 1, i - start + 1
            start = None


files = sources()
base = {f: os.path.basename(f) for f in files}
by_name = {}
for f in files:
    by_name.setdefault(os.path.basename(f), []).append(f)

graph = {}
for f in files:
    text = open(os.path.join(ROOT, f), encoding="utf-8", errors="replace").read()
    n = text.count("\n")
    if n > MAX_FILE:
        problems.append(f"{f}: {n} lines (at most {MAX_FILE})")
    if f.endswith(".c"):
        for name, line, length in functions(text):
            if length > MAX_FUNC:
                problems.append(f"{f}:{line}: {name}() is {length} lines (at most {MAX_FUNC})")
    unit = f[:-2]
    for inc in re.findall(r'^#include "([^"]+)"', text, re.M):
        for g in by_name.get(os.path.basename(inc), []):
            if g[:-2] != unit:
                graph.setdefault(unit, set()).add(g[:-2])
    parts = f.split("/")
    if parts[0] == "tools" and len(parts) > 2 and parts[1] in LAYER_OK:
        for inc in re.findall(r'^#include "([^"]+)"', text, re.M):
            for g in by_name.get(os.path.basename(inc), []):
                gp = g.split("/")
                if gp[0] == "tools" and len(gp) > 2 and gp[1] != parts[1] \
                        and gp[1] not in LAYER_OK[parts[1]]:
                    problems.append(f"{f}: includes {g} (tools/{parts[1]} may use only "
                                    f"{', '.join(sorted(LAYER_OK[parts[1]])) or 'itself'})")

# cycles between units (Tarjan's strongly connected components)
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]


def strong(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in graph.get(v, ()):
        if w not in index:
            strong(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))


sys.setrecursionlimit(10000)
for v in list(graph):
    if v not in index:
        strong(v)
for comp in sccs:
    problems.append("include cycle: " + " <-> ".join(comp))

for p in problems:
    print(p)
print(f"{len(files)} files: " + ("shape ok" if not problems else f"{len(problems)} problems"))
sys.exit(1 if problems else 0)
