#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# sandbox.py - runs a daemon the way its systemd unit does and checks that the unit's sandbox
# allows everything the daemon does, on a real test session:
#
#   /usr/bin/python3 tests/service/sandbox.py STAMPKIT UNITFILE responder|server|monitor
#
# The unit's ExecStart is run (its Environment= defaults, %d a credentials folder holding a
# test key, OPTIONS as below) in a network namespace of its own, as user nobody with only the
# unit's capabilities (setpriv: AmbientCapabilities=, CapabilityBoundingSet=,
# NoNewPrivileges=), under strace. responder, server: a sender or controller runs a session
# against port 862 and every packet must come back. monitor: it measures a responder on
# 127.0.0.1:862 (a config written here) and its metrics endpoint must answer, also after a
# reload (SIGHUP, the unit's ExecReload). A command that has --metrics serves it during the
# run and GET /metrics must answer. A build without the command skips (77). From the trace: each system call must be in the unit's SystemCallFilter=
# (the sets expanded by `systemd-analyze syscall-filter`), each socket family in
# RestrictAddressFamilies=, no mapping writable and executable (MemoryDenyWriteExecute=), no
# file opened for writing outside /dev (ProtectSystem=strict). Without root, unshare, setpriv,
# strace or systemd-analyze it is skipped (77). The namespace goes away with the process.
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

COUNT = 20
METRICS_PORT = 9863
FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg)


def ok(msg):
    print("ok: " + msg)


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(77)


def read_unit(path):
    """[Service] settings in order, as (key, value) pairs."""
    out, section = [], None
    with open(path) as f:
        for ln in f:
            ln = ln.strip()
            if not ln or ln.startswith("#"):
                continue
            if ln.startswith("["):
                section = ln
                continue
            if section == "[Service]" and "=" in ln:
                k, v = ln.split("=", 1)
                out.append((k, v))
    return out


def values(unit, key):
    return [v for k, v in unit if k == key]


def syscall_groups():
    """{'@name': [members, '@subgroup', ...]} from systemd-analyze."""
    txt = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"], check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    groups, cur = {}, None
    for ln in txt.splitlines():
        s = ln.strip()
        if not s or s.startswith("#"):
            continue
        if not ln.startswith(" ") and s.startswith("@"):
            cur = groups.setdefault(s, [])
        elif cur is not None:
            cur.append(s)
    return groups


def expand(names, groups, seen=None):
    seen = set() if seen is None else seen
    out = set()
    for n in names:
        if n.startswith("@"):
            if n in seen:
                continue
            seen.add(n)
            out |= expand(groups.get(n, []), groups, seen)
        else:
            out.add(n)
    return out


def allowed_syscalls(unit):
    """The set SystemCallFilter= lines leave allowed (the first line is an allow list)."""
    groups = syscall_groups()
    allowed = None
    for v in values(unit, "SystemCallFilter"):
        deny = v.startswith("~")
        names = v.lstrip("~").split()
        s = expand(names, groups)
        if allowed is None:
            if deny:
                return None  # a deny list first: nothing this test can compare with
            allowed = s
        elif deny:
            allowed -= s
        else:
            allowed |= s
    # Options that install a seccomp filter of their own, which no SystemCallFilter= line
    # can open again (systemd.exec(5)).
    own = {"ProtectClock": ["@clock"], "ProtectKernelModules": ["@module"],
           "ProtectKernelLogs": ["syslog"], "ProtectHostname": ["sethostname", "setdomainname"]}
    for key, names in own.items():
        if allowed is not None and values(unit, key) == ["yes"]:
            allowed -= expand(names, groups)
    return allowed


def caps(unit, key):
    v = " ".join(values(unit, key)).split()
    return [c.lower().replace("cap_", "") for c in v]


def listening(port):
    hexport = ":%04X" % port
    for f in ("udp", "udp6", "tcp", "tcp6"):
        try:
            with open("/proc/net/" + f) as fh:
                for ln in fh.readlines()[1:]:
                    if ln.split()[1].endswith(hexport):
                        return True
        except OSError:
            pass
    return False


def child_of(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            kids = f.read().split()
        return int(kids[0]) if kids else None
    except OSError:
        return None


def has_option(stampkit, role, opt):
    p = subprocess.run([stampkit, role, "--help"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    return p.returncode == 0 and opt in p.stdout


def get_metrics(port, what):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", "/metrics")
        r = c.getresponse()
        body = r.read().decode("utf-8", "replace")
        c.close()
    except OSError as e:
        fail("%s: GET /metrics on port %d: %s" % (what, port, e))
        return
    # Packets went through, so some counter of received packets or requests is above 0.
    got = [float(m.group(1)) for m in
           re.finditer(r"^stampkit_\w*(?:received|requests|replies|reflected|packets)\w*(?:\{[^}]*\})?\s+(\S+)$",
                       body, re.M)]
    if r.status == 200 and any(v > 0 for v in got):
        ok("%s: GET /metrics answered 200, %d stampkit_ lines, packet counters %s"
           % (what, sum(1 for ln in body.splitlines() if ln.startswith("stampkit_")),
              " ".join("%g" % v for v in got)))
    else:
        fail("%s: GET /metrics: status %d, %d octets, no packet counter above 0"
             % (what, r.status, len(body)))


def command_line(unit, stampkit, creds, role, tmp):
    env = {"OPTIONS": [], "LOCAL": []}
    for v in values(unit, "Environment"):
        k, _, val = v.partition("=")
        env[k] = val.split()
    if role == "server":
        # The secure modes too, so the key travels the unit's credential path and the
        # crypto runs under the filter.
        env["OPTIONS"] = ["--modes", "all"]
    if role == "monitor":
        conf = os.path.join(tmp, "monitor.conf")
        with open(conf, "w") as f:
            f.write("[target lo]\naddress = 127.0.0.1:862\nrate = 50\n")
        os.chmod(conf, 0o644)
        env["CONFIG"] = [conf]
    elif has_option(stampkit, role, "--metrics"):
        env["OPTIONS"] += ["--metrics", "127.0.0.1:%d" % METRICS_PORT]
    argv = []
    for w in values(unit, "ExecStart")[0].split():
        if w.startswith("$"):
            argv += env.get(w[1:], [])
        else:
            argv.append(w.replace("%d", creds))
    argv[0] = stampkit
    return argv


def check_trace(trace, unit):
    allowed = allowed_syscalls(unit)
    families = set(" ".join(values(unit, "RestrictAddressFamilies")).split())
    used, socks, wx, writes = set(), set(), [], []
    pat = re.compile(r"^\d+\s+([a-z0-9_]+)\((.*)")
    with open(trace) as f:
        for ln in f:
            m = pat.match(ln)
            if not m:
                continue
            name, args = m.group(1), m.group(2)
            used.add(name)
            if name in ("socket", "socketpair"):
                socks.add(args.split(",")[0])
            if name in ("mmap", "mprotect", "pkey_mprotect") and "PROT_WRITE" in args \
                    and "PROT_EXEC" in args:
                wx.append(ln.strip())
            if name in ("open", "openat", "creat") and re.search(r"O_WRONLY|O_RDWR|O_CREAT", args):
                path = re.search(r'"([^"]*)"', args)
                if not path or not path.group(1).startswith("/dev/"):
                    writes.append(ln.strip())
    if allowed is None:
        fail("the unit has no SystemCallFilter= allow list")
    else:
        outside = sorted(used - allowed)
        if outside:
            fail("system calls outside SystemCallFilter=: %s" % " ".join(outside))
        else:
            ok("all %d system calls used are in SystemCallFilter= (%s)"
               % (len(used), " ".join(sorted(used))))
    bad = sorted(s for s in socks if s not in families)
    if bad:
        fail("socket families outside RestrictAddressFamilies=: %s" % " ".join(bad))
    else:
        ok("socket families %s within RestrictAddressFamilies=" % " ".join(sorted(socks)))
    if wx:
        fail("writable and executable mappings (MemoryDenyWriteExecute=): %s" % wx[0])
    else:
        ok("no mapping both writable and executable")
    if writes:
        fail("files opened for writing (ProtectSystem=strict): %s" % writes[0])
    else:
        ok("no file opened for writing")


def client(stampkit, role, tmp):
    if role == "monitor":
        return
    if role == "responder":
        argv = [stampkit, "sender", "127.0.0.1:862", "-c", str(COUNT), "-i", "5", "--json"]
    else:
        argv = [stampkit, "controller", "127.0.0.1", "-c", str(COUNT), "-i", "5", "--json",
                "--mode-auth", "encrypted", "--key-file", os.path.join(tmp, "client.keys")]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=60)
    try:
        doc = json.loads(p.stdout)
        got = doc["summary"]["received"]
    except (ValueError, KeyError):
        fail("%s: exit %d, no JSON summary: %s" % (argv[1], p.returncode, p.stderr.strip()))
        return
    if got == COUNT:
        ok("%s: %d of %d test packets came back through the sandboxed %s"
           % (argv[1], got, COUNT, role))
    else:
        fail("%s: %d of %d test packets came back: %s" % (argv[1], got, COUNT, p.stderr.strip()))


def inner(stampkit, unitfile, role):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    unit = read_unit(unitfile)
    tmp = tempfile.mkdtemp(prefix="stampkit-sandbox-")
    os.chmod(tmp, 0o755)
    try:
        # The binary where user nobody can read it (the tree may be under /root).
        exe = os.path.join(tmp, "stampkit")
        shutil.copy(stampkit, exe)
        os.chmod(exe, 0o755)
        # What LoadCredential= gives the service: a private folder, the copy readable by it.
        creds = os.path.join(tmp, "credentials")
        os.mkdir(creds, 0o500)
        for v in values(unit, "LoadCredential"):
            name = v.split(":", 1)[0]
            with open(os.path.join(creds, name), "w") as f:
                f.write("alice sandbox-test-secret\n")
            os.chmod(os.path.join(creds, name), 0o400)
            os.chown(os.path.join(creds, name), 65534, 65534)
        os.chown(creds, 65534, 65534)
        with open(os.path.join(tmp, "client.keys"), "w") as f:
            f.write("alice sandbox-test-secret\n")
        trace = os.path.join(tmp, "trace")
        tracedir = os.path.join(tmp, "t")
        os.mkdir(tracedir)
        os.chown(tracedir, 65534, 65534)
        trace = os.path.join(tracedir, "trace")
        amb = caps(unit, "AmbientCapabilities")
        bnd = caps(unit, "CapabilityBoundingSet")
        priv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=" + ",".join(["-all"] + ["+" + c for c in amb]),
                "--ambient-caps=" + ",".join(["-all"] + ["+" + c for c in amb]),
                "--bounding-set=" + ",".join(["-all"] + ["+" + c for c in bnd])]
        if values(unit, "NoNewPrivileges") == ["yes"]:
            priv.append("--no-new-privs")
        argv = command_line(unit, exe, creds, role, tmp)
        port = 862
        target = None
        if role == "monitor":
            # The monitor's target, outside the sandbox; the monitor's port is its endpoint.
            target = subprocess.Popen([stampkit, "responder", "-q", ":862"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            port = int(dict(v.partition("=")[::2] for v in values(unit, "Environment"))
                       ["METRICS"].rsplit(":", 1)[1])
        print("running: %s" % " ".join(argv))
        out = open(os.path.join(tmp, "daemon.out"), "w+")
        err = open(os.path.join(tmp, "daemon.err"), "w+")
        st = subprocess.Popen(priv + ["strace", "-f", "-qq", "-o", trace] + argv,
                              stdout=out, stderr=err, cwd=tracedir)
        deadline = time.monotonic() + 10
        while not listening(port) and st.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if not listening(port):
            st.kill()
            st.wait()
            err.seek(0)
            fail("%s did not listen on port %d as nobody with %s: %s"
                 % (role, port, ",".join(amb) or "no capability", err.read().strip()))
            if target:
                target.kill()
                target.wait()
            return
        ok("%s listens on port %d as nobody with %s"
           % (role, port, "only " + ",".join(amb) if amb else "no capability"))
        client(stampkit, role, tmp)
        daemon = child_of(st.pid)
        if role == "monitor":
            time.sleep(1.0)
            get_metrics(port, "monitor")
            # ExecReload: SIGHUP rereads the config; the process must stay and keep serving.
            if daemon:
                os.kill(daemon, signal.SIGHUP)
            time.sleep(0.5)
            if st.poll() is not None:
                fail("monitor ended on SIGHUP (the unit's reload)")
            else:
                get_metrics(port, "monitor after SIGHUP")
        elif "--metrics" in argv:
            get_metrics(METRICS_PORT, role)
        if daemon:
            os.kill(daemon, signal.SIGTERM)
        try:
            st.wait(timeout=10)
        except subprocess.TimeoutExpired:
            st.kill()
            st.wait()
            fail("%s did not stop on SIGTERM" % role)
        err.seek(0)
        out.seek(0)
        if st.returncode != 0:
            fail("%s exit %d after SIGTERM: %s" % (role, st.returncode, err.read().strip()))
        else:
            ok("%s stopped on SIGTERM with exit 0 and printed its counters (%d lines)"
               % (role, len(out.read().splitlines())))
        if target:
            target.terminate()
            target.wait()
        check_trace(trace, unit)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--inner":
        inner(sys.argv[2], sys.argv[3], sys.argv[4])
        sys.exit(1 if FAILS else 0)
    if len(sys.argv) != 4 or sys.argv[3] not in ("responder", "server", "monitor"):
        print("usage: sandbox.py STAMPKIT UNITFILE responder|server|monitor", file=sys.stderr)
        sys.exit(2)
    if not has_option(sys.argv[1], sys.argv[3], "--help"):
        skip("this build has no '%s' command" % sys.argv[3])
    if os.geteuid() != 0:
        skip("not root: a network namespace and another user need it")
    for tool in ("unshare", "setpriv", "strace", "systemd-analyze", "ip"):
        if not shutil.which(tool):
            skip("%s not found" % tool)
    for probe, what in ((["unshare", "--net", "true"], "cannot create a network namespace"),
                        (["strace", "-f", "-qq", "-o", "/dev/null", "true"], "strace cannot trace")):
        if subprocess.run(probe, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
            skip(what + " here")
    # A network namespace of our own: port 862 there is free, the traffic stays in it.
    p = subprocess.run(["unshare", "--net", "--", sys.executable, os.path.abspath(__file__),
                        "--inner"] + sys.argv[1:4])
    sys.exit(p.returncode)


if __name__ == "__main__":
    main()
