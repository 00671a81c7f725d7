#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# ts_quality.py - timestamp quality of `stampkit responder` (a benchmark, not a test): its T2
# (kernel software receive timestamp) against tcpdump's capture time of the same request on
# lo, p50/p99 of T2 - capture, idle and with a CPU hog on every core.
#   usage: ts_quality.py STAMPKIT [PACKETS]
import os, signal, struct, subprocess, sys, tempfile, time

sk = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
port = 47864


def ntp_ns(b):
    s, f = struct.unpack("!II", b)
    return (s - 2208988800) * 10**9 + (f * 10**9 >> 32)


def run(load):
    d = tempfile.mkdtemp(prefix="sk-bench-")
    cap = os.path.join(d, "lo.pcap")
    hogs = [subprocess.Popen(["sh", "-c", "while :; do :; done"]) for _ in range(os.cpu_count() or 2)] if load else []
    resp = subprocess.Popen([sk, "responder", "-q", "127.0.0.1:%d" % port], stdout=subprocess.DEVNULL)
    td = subprocess.Popen(["tcpdump", "-i", "lo", "-n", "-U", "--time-stamp-precision", "nano",
                           "-w", cap, "udp port %d" % port], stderr=subprocess.PIPE)
    td.stderr.readline()
    time.sleep(0.3)
    subprocess.run([sk, "sender", "-q", "--json", "127.0.0.1:%d" % port, "-c", str(n), "-i", "0.5"],
                   stdout=subprocess.DEVNULL, timeout=120)
    time.sleep(0.3)
    td.send_signal(signal.SIGINT)
    td.wait(10)
    resp.send_signal(signal.SIGINT)
    resp.wait(10)
    for h in hogs:
        h.kill()
        h.wait()
    data = open(cap, "rb").read()
    off, req_t, t2 = 24, {}, {}
    while off + 16 <= len(data):
        sec, nsec, incl, _ = struct.unpack("<IIII", data[off:off + 16])
        fr = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ip = fr[14:]
        udp = ip[(ip[0] & 15) * 4:]
        sp, dp = struct.unpack("!HH", udp[:4])
        pl = udp[8:]
        if dp == port:
            req_t[struct.unpack("!I", pl[:4])[0]] = sec * 10**9 + nsec
        elif sp == port and len(pl) >= 44:
            t2[struct.unpack("!I", pl[24:28])[0]] = (ntp_ns(pl[16:24]), ntp_ns(pl[4:12]))
    for name, k in (("T2 (kernel)", 0), ("T3 (user clock)", 1)):
        diffs = sorted(t2[s][k] - req_t[s] for s in t2 if s in req_t)
        q = lambda p: diffs[min(len(diffs) - 1, int(p / 100.0 * len(diffs)))]
        print("  %-15s %-16s %5d pairs  - capture: p50 %8.1f us  p99 %8.1f us  max %9.1f us" %
              ("with CPU hogs" if load else "idle", name, len(diffs), q(50) / 1e3, q(99) / 1e3,
               diffs[-1] / 1e3))


print("responder T2 (and, for comparison, the user-space T3) against tcpdump's capture time of the same request (lo):")
run(False)
run(True)
