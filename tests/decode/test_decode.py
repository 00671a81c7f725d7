#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# What `stampkit decode` says on standard error besides the packets:
#   hint      no test packet found and no --port: a note naming --port and --heuristic (exit
#             0, the JSON document still complete with no packets); none when packets are
#             found or --port was given;
#   progress  a capture read slowly from a pipe with standard error on a pseudo-terminal:
#             the progress line appears after the first second and is erased at the end;
#             nothing of it when standard error is not a terminal.
#   zerotime  an NTP timestamp 0 shows as "0 (unknown)" and a JSON null time, raw kept.
#   usage: test_decode.py STAMPKIT SOURCE_DIR hint|progress|zerotime
import json, os, pty, select, struct, subprocess, sys, tempfile, threading, time

BIN, SRC, WHAT = sys.argv[1], sys.argv[2], sys.argv[3]
NOKIA = "pcaps/public/nokia-pcaptoparquet-99.twamp.pcap"
failed = []


def check(cond, msg):
    if not cond:
        failed.append(msg)
        print("FAIL: " + msg)


def decode(*args):
    return subprocess.run([BIN, "decode", *args], cwd=SRC, capture_output=True, text=True,
                          timeout=60)


def hint():
    for form in ([], ["--json"]):
        r = decode(*form, NOKIA)
        what = "decode %s" % " ".join(form + [NOKIA])
        check(r.returncode == 0, "%s: exit %d" % (what, r.returncode))
        err = r.stderr.splitlines()
        check(len(err) == 1 and err[0].startswith("stampkit decode: " + NOKIA + ": no test packets")
              and "--port N" in err[0] and "--heuristic" in err[0], "%s: stderr %r" % (what, err))
        if form:
            doc = json.loads(r.stdout)
            check(doc["packets"] == [] and doc["summary"]["frames"] == 2 and
                  doc["summary"]["test_packets"] == 0, "%s: %r" % (what, doc))
        else:
            check(r.stdout == "", "%s: stdout %r" % (what, r.stdout))
    # Found, or the port given: no note.
    for args in (["--port", "40000"], ["--heuristic"], ["--port", "9"]):
        r = decode(*args, NOKIA)
        found = args[-1] != "9"
        check(r.returncode == 0 and r.stderr == "" and (r.stdout != "") == found,
              "decode %s: exit %d, stderr %r" % (args, r.returncode, r.stderr))
    # Found on 862 without any option: no note.
    r = decode("pcaps/synthetic/stamp-tlv.pcap")
    check(r.returncode == 0 and r.stderr == "", "stamp-tlv: stderr %r" % r.stderr)


def pcap_frames(n):
    """A pcap (LINKTYPE_RAW) of n STAMP Session-Sender packets to UDP 862."""
    head = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101)
    frames = []
    for i in range(n):
        payload = struct.pack("!I", i) + bytes(40)
        udp = struct.pack("!HHHH", 40000, 862, 8 + len(payload), 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                         bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])) + udp
        frames.append(struct.pack("<IIII", 1735689600 + i // 1000, (i % 1000) * 1000,
                                  len(ip), len(ip)) + ip)
    return head, frames


def slow_decode(stderr_tty, seconds=1.6, n=2000, chunks=20):
    """decode - fed n frames in chunks over `seconds`; returns (rc, stdout, stderr octets)."""
    head, frames = pcap_frames(n)
    if stderr_tty:
        master, slave = pty.openpty()
        err = slave
    else:
        master, err = None, subprocess.PIPE
    p = subprocess.Popen([BIN, "decode", "--json", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=err)
    if stderr_tty:
        os.close(slave)
    got = bytearray()

    def reader():
        fd = master if stderr_tty else p.stderr.fileno()
        while True:
            r, _, _ = select.select([fd], [], [], 30)
            if not r:
                return
            try:
                b = os.read(fd, 4096)
            except OSError:  # EIO: the terminal's other side is closed
                return
            if not b:
                return
            got.extend(b)

    out = []
    t_out = threading.Thread(target=lambda: out.append(p.stdout.read()))
    t_err = threading.Thread(target=reader)
    t_out.start()
    t_err.start()
    p.stdin.write(head)
    p.stdin.flush()
    per = n // chunks
    for c in range(chunks):
        time.sleep(seconds / chunks)
        p.stdin.write(b"".join(frames[c * per:(c + 1) * per]))
        p.stdin.flush()
    p.stdin.close()
    rc = p.wait(30)
    t_out.join(30)
    t_err.join(30)
    if stderr_tty:
        os.close(master)
    return rc, out[0] if out else b"", bytes(got)


def progress():
    rc, out, err = slow_decode(True)
    doc = json.loads(out)
    check(rc == 0 and len(doc["packets"]) == 2000, "pty: exit %d, %d packets" % (rc, len(doc["packets"])))
    lines = [x for x in err.split(b"\r") if x.startswith(b"stampkit decode: ")]
    print("progress lines on the terminal: %d, last %r" % (len(lines), lines[-1] if lines else None))
    check(len(lines) >= 1, "no progress line on the terminal: %r" % err[:300])
    for x in lines:
        check(b" frames, " in x and b" test packets, " in x and x.endswith(b"\x1b[K"),
              "progress line %r" % x)
    counts = [int(x.split()[2]) for x in lines]
    check(counts == sorted(counts) and all(0 < c <= 2000 for c in counts),
          "frames counted %r" % counts)
    # After the first second only: 1.6 s of input gives at most two lines twice a second.
    check(len(lines) <= 3, "%d progress lines in 1.6 s" % len(lines))
    check(err.endswith(b"\r\x1b[K"), "the progress line is not erased at the end: %r" % err[-40:])
    rc, out, err = slow_decode(False)
    check(rc == 0 and err == b"", "stderr not a terminal: exit %d, stderr %r" % (rc, err[:200]))


def zerotime():
    """An NTP timestamp 0 (not set) is no time: not NTP era 1's 2036-02-07."""
    head, frames = pcap_frames(1)
    path = os.path.join(tempfile.mkdtemp(prefix="sk-decode-"), "zero.pcap")
    with open(path, "wb") as f:
        f.write(head + frames[0])
    r = decode(path)
    check(r.returncode == 0, "decode: exit %d %s" % (r.returncode, r.stderr))
    ts = [l.strip() for l in r.stdout.splitlines() if l.strip().startswith("Timestamp:")]
    check(ts == ["Timestamp: 0 (unknown)"], "text: %r" % ts)
    check("2036" not in r.stdout, "text shows 2036:\n" + r.stdout)
    r = decode("--json", path)
    t = json.loads(r.stdout)["packets"][0]["timestamp"]
    check(t == {"time": None, "unix_ns": None, "raw": "0x0000000000000000", "format": "ntp"},
          "json: %r" % t)
    v = subprocess.run([sys.executable, os.path.join(SRC, "tests/schema/validate.py"), "-"],
                       input=r.stdout, capture_output=True, text=True, timeout=60)
    check(v.returncode in (0, 77), "schema: %s" % v.stderr)


{"hint": hint, "progress": progress, "zerotime": zerotime}[WHAT]()
print("FAILED" if failed else "ok")
sys.exit(1 if failed else 0)
