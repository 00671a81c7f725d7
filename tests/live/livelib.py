# SPDX-License-Identifier: BSD-3-Clause
# livelib.py - helpers of the live tests: free loopback ports, a responder started and
# stopped with its counters, other daemons started and stopped, the sender's JSON, bounded tcpdump captures, a pcap reader.
import json, os, signal, socket, struct, subprocess, sys, tempfile, time

SKIP = 77  # CTest SKIP_RETURN_CODE


def free_port(family=socket.AF_INET):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


class Daemon:
    """A stampkit daemon in the background, its standard error going to `err` (a file open
    for reading and writing); started once `ready` shows there, within `deadline` s."""

    def __init__(self, argv, err, ready="listening", deadline=5):
        self.err = err
        self.name = argv[1]
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, text=True)
        end = time.time() + deadline
        while time.time() < end:
            check(self.p.poll() is None, "%s exited: %s" % (self.name, self.errtext()))
            if ready in self.errtext():
                return
            time.sleep(0.02)
        raise Fail("%s did not start" % self.name)

    def errtext(self):
        self.err.seek(0)
        return self.err.read()

    def interrupt(self, timeout=10):
        """SIGINT, then its standard output; it must still run, stop within timeout s and
        exit with 0."""
        check(self.p.poll() is None, "%s died: %s" % (self.name, self.errtext()))
        self.p.send_signal(signal.SIGINT)
        try:
            out, _ = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise Fail("%s did not stop on SIGINT" % self.name)
        check(self.p.returncode == 0,
              "%s exit %d: %s" % (self.name, self.p.returncode, self.errtext()))
        return out


class Responder:
    """`stampkit responder` in the background; stop() returns its JSON counters."""

    def __init__(self, bin, local, *args, prefix=()):
        self.dir = tempfile.mkdtemp(prefix="sk-live-")
        self.log = os.path.join(self.dir, "responder.log")
        self.out = open(os.path.join(self.dir, "responder.out"), "w+")
        self.err = open(os.path.join(self.dir, "responder.err"), "w+")
        self.p = subprocess.Popen([*prefix, bin, "responder", "-v", "-l", self.log, "--json",
                                   *args, local], stdout=self.out, stderr=self.err)
        deadline = time.time() + 5
        while time.time() < deadline:
            if self.p.poll() is not None:
                self.err.seek(0)
                raise Fail("responder exited: " + self.err.read())
            if os.path.exists(self.log) and "Wait to receive" in open(self.log).read():
                return
            time.sleep(0.02)
        raise Fail("responder did not start")

    def documents(self):
        """Every counters document printed so far: standard output holds nothing else."""
        self.out.seek(0)
        docs = []
        for l in self.out.read().splitlines():
            d = json.loads(l)
            check(d["command"] == "responder" and d["sessions"] == [] and
                  isinstance(d["counters"], dict), "responder document %r" % d)
            docs.append(d)
        return docs

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                raise Fail("responder did not stop on SIGINT")
        check(self.p.returncode == 0, "responder exit status %s" % self.p.returncode)
        docs = self.documents()
        check(docs, "responder printed no counters")
        return docs[-1]["counters"]


def per_dir(s, key):
    """One member of the three direction objects of the session object."""
    return {d: s[d][key] for d in ("outbound", "inbound", "roundtrip")}


def sender_doc(out):
    """The sender's standard output: exactly one JSON document with one session."""
    d = json.loads(out)
    check(d["command"] == "sender" and isinstance(d["version"], str) and
          len(d["sessions"]) == 1 and d["sessions"][0]["index"] == 1,
          "sender document %r" % d)
    s, m = d["sessions"][0], d["summary"]
    check(m["sessions"] == 1 and m["sent"] == s["sent"] and m["received"] == s["received"] and
          m["lost"] == s["roundtrip"]["lost"], "sender summary %r" % m)
    return s


def sender(bin, *args, timeout=60, want_rc=0, prefix=()):
    r = subprocess.run([*prefix, bin, "sender", "--json", *args], capture_output=True, text=True,
                       timeout=timeout)
    check(r.returncode == want_rc, "sender exit %d: %s" % (r.returncode, r.stderr))
    check(r.stdout.strip(), "sender printed no JSON: " + r.stderr)
    return sender_doc(r.stdout)


class Capture:
    """tcpdump on lo, bounded by a packet count and a time limit."""

    def __init__(self, filt, count):
        if not os.path.exists("/usr/bin/tcpdump") and not os.path.exists("/usr/sbin/tcpdump"):
            raise SystemExit(SKIP)
        self.file = tempfile.mktemp(prefix="sk-live-", suffix=".pcap")
        self.p = subprocess.Popen(["timeout", "30", "tcpdump", "-i", "lo", "-n", "-U",
                                   "-c", str(count), "-w", self.file, filt],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # tcpdump says "listening on" once the capture is open.
        line = self.p.stderr.readline().decode()
        check("listening" in line, "tcpdump: " + line)

    def wait(self):
        try:
            self.p.wait(30)
        except subprocess.TimeoutExpired:
            self.p.kill()
        return read_pcap(self.file)


def pcap_times(path):
    """Per-record timestamps in ns of a nanosecond pcap."""
    data = open(path, "rb").read()
    check(struct.unpack("<I", data[:4])[0] == 0xa1b23c4d, "not a nanosecond pcap")
    off, out = 24, []
    while off + 16 <= len(data):
        sec, nsec, incl, _ = struct.unpack("<IIII", data[off:off + 16])
        out.append(sec * 1000000000 + nsec)
        off += 16 + incl
    return out


def read_pcap(path):
    """(ip version, tos, ttl, sport, dport, payload) per packet of an Ethernet or raw-IP capture."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    check(magic in (0xa1b2c3d4, 0xa1b23c4d), "not a pcap file")
    linktype = struct.unpack("<I", data[20:24])[0]
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack("<IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:
            et = struct.unpack("!H", frame[12:14])[0]
            ip = frame[14:]
        elif linktype in (12, 101):  # raw IP
            et = 0x0800 if frame[0] >> 4 == 4 else 0x86DD
            ip = frame
        else:
            continue
        if et == 0x0800:
            ihl = (ip[0] & 15) * 4
            tos, ttl = ip[1], ip[8]
            udp = ip[ihl:]
            out.append((4, tos, ttl) + struct.unpack("!HH", udp[:4]) + (udp[8:],))
        elif et == 0x86DD:
            tc = ((ip[0] & 15) << 4) | (ip[1] >> 4)
            udp = ip[40:]
            out.append((6, tc, ip[7]) + struct.unpack("!HH", udp[:4]) + (udp[8:],))
    return out


def run(main):
    try:
        main(sys.argv[1])
    except Fail as e:
        print("FAIL:", e)
        sys.exit(1)
    print("ok")
