#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# plugin_bench.py - tshark reading a large TWAMP-Test capture with the stampkit plugin
# (`stamp`: decode, pairing, sequence tracking) against the same capture decoded by
# Wireshark's built-in `twamp.test` via Decode As, in one run; prints both times and the
# ratio. A benchmark, not a test: nothing is asserted.
#
#   /usr/bin/python3 bench/plugin_bench.py PLUGIN.so [PACKETS] [SESSIONS]
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

NTP_UNIX = 2208988800
T0 = 1795000000


def write_pcap(path, packets, sessions):
    """Unauthenticated TWAMP-Test: each session a Session-Sender on UDP 40000+s talking to
    the reflector on UDP 862, 41-octet packets both ways, alternating sender/reflector."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))  # ns pcap, Ethernet
        for i in range(packets):
            s = i % sessions
            n = i // (2 * sessions)
            refl = (i // sessions) % 2 == 1
            t = T0 * 1000000000 + i * 100000
            ntp = lambda ns: struct.pack("!II", ns // 1000000000 + NTP_UNIX,
                                         ((ns % 1000000000) << 32) // 1000000000)
            if not refl:
                pl = struct.pack("!I", n) + ntp(t) + struct.pack("!H", 0x8001) + bytes(27)
                sport, dport, src, dst = 40000 + s, 862, 0x0A000001, 0x0A000002
            else:
                pl = (struct.pack("!I", n) + ntp(t) + struct.pack("!H", 0x8001) + bytes(2) +
                      ntp(t - 20000) + struct.pack("!I", n) + ntp(t - 100000) +
                      struct.pack("!H", 0x8001) + bytes(2) + bytes([255]))
                sport, dport, src, dst = 862, 40000 + s, 0x0A000002, 0x0A000001
            udp = struct.pack("!HHHH", sport, dport, 8 + len(pl), 0) + pl
            ip = struct.pack("!BBHHHBBHII", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, dst) + udp
            frame = bytes(12) + b"\x08\x00" + ip
            f.write(struct.pack("<IIII", t // 1000000000, t % 1000000000, len(frame), len(frame)))
            f.write(frame)


def main(argv):
    if len(argv) < 2:
        print("usage: plugin_bench.py PLUGIN.so [PACKETS] [SESSIONS]", file=sys.stderr)
        return 2
    packets = int(argv[2]) if len(argv) > 2 else 200000
    sessions = int(argv[3]) if len(argv) > 3 else 4
    d = tempfile.mkdtemp(prefix="stampkit-bench-")
    try:
        os.makedirs(os.path.join(d, "4.0", "epan"))
        shutil.copy(argv[1], os.path.join(d, "4.0", "epan", "stampkit.so"))
        pcap = os.path.join(d, "bench.pcap")
        write_pcap(pcap, packets, sessions)
        for root, dirs, files in os.walk(d):
            for x in dirs + files + ["."]:
                os.chmod(os.path.join(root, x), 0o755)
        pre = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
        env = ["env", "HOME=" + d, "WIRESHARK_PLUGIN_DIR=" + d]
        runs = {
            "stampkit plugin (stamp)": ["tshark", "-n", "-r", pcap],
            "built-in (twamp.test)": ["tshark", "-n", "-r", pcap, "--disable-protocol", "stamp",
                                      "-d", "udp.port==862,twamp.test"],
        }
        best = {}
        for rep in range(3):
            for name, cmd in runs.items():
                t = time.perf_counter()
                p = subprocess.run(pre + env + cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                dt = time.perf_counter() - t
                if p.returncode:
                    print("%s failed: %s" % (name, p.stderr.decode()[-300:]), file=sys.stderr)
                    return 1
                lines = p.stdout.count(b"\n")
                best[name] = min(best.get(name, dt), dt)
                if rep == 0:
                    proto = b"TWAMP-Test" in p.stdout
                    print("%s: %d lines, TWAMP-Test in output: %s" % (name, lines, proto))
        a, b = best["stampkit plugin (stamp)"], best["built-in (twamp.test)"]
        print("packets %d, sessions %d (best of 3)" % (packets, sessions))
        for name, v in best.items():
            print("  %-26s %8.3f s  %10.0f packets/s" % (name, v, packets / v))
        print("ratio plugin / built-in: %.2f" % (a / b))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
