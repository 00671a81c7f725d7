#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Output files, exit statuses and secrets across the commands:
#   files    an output that is an input (same inode: the name, ./name, a hard link, a
#            symbolic link) or another output is refused with exit 2 and one line, the input
#            untouched; outputs take their name only when complete (no temporary file left,
#            the mode of a replaced file kept, /dev/null written in place); analyze ended by
#            SIGINT leaves no temporary file and the previous CSV as it was; a sender killed
#            with SIGKILL leaves a previous --pcap-out as it was, one ended by SIGINT leaves
#            a complete capture of what it sent.
#   exits    port 0 and the unspecified address are usage errors (2) for sender, replay and
#            controller; a sender that no reply answers exits 1 and says so (after the
#            results); UDP to or from a test port with a malformed UDP length or IPv4 header
#            length makes decode and analyze exit 3 with the count, the same on another port
#            does not.
#   secrets  a key file readable by others is warned about once ("chmod 600"), not when it is
#            0600; decode/analyze --secret-file and STAMPKIT_SECRET decrypt as --secret does.
# Network traffic: a few datagrams to free loopback ports.
#   usage: test_files.py STAMPKIT SOURCE_DIR files|exits|secrets
import glob, hashlib, json, os, shutil, signal, socket, stat, struct, subprocess, sys, tempfile
import time

BIN, SRC, WHAT = sys.argv[1], sys.argv[2], sys.argv[3]
CAP = os.path.join(SRC, "pcaps/synthetic/analyze-stateful-sender.pcap")
MODE_E = os.path.join(SRC, "pcaps/owamp/twamp-owamp523-modeE.pcap")
failed = []


def check(cond, msg):
    if not cond:
        failed.append(msg)
        print("FAIL: " + msg)


def run(*args, env=None, timeout=60):
    e = dict(os.environ)
    e.pop("STAMPKIT_SECRET", None)
    e.update(env or {})
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout, env=e)


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def usage_error(r, cmd, words, what):
    lines = r.stderr.splitlines()
    check(r.returncode == 2 and lines and lines[0].startswith("stampkit %s: " % cmd) and
          all(w in lines[0] for w in words) and r.stdout == "",
          "%s: exit %d, stderr %r" % (what, r.returncode, r.stderr))


def leftovers(d):
    return [f for f in os.listdir(d) if f.startswith(".")]


def files(d):
    cap = os.path.join(d, "in.pcap")
    shutil.copy(CAP, cap)
    os.link(cap, os.path.join(d, "hard.pcap"))
    os.symlink("in.pcap", os.path.join(d, "sym.pcap"))
    before = md5(cap)
    os.chdir(d)
    # An output that is the input, by any name: refused before anything is opened.
    for args in (["--csv", "in.pcap"], ["--csv", "./in.pcap"], ["--csv", "hard.pcap"],
                 ["--csv", "sym.pcap"], ["-l", "hard.pcap"], ["--plot", "x.svg", "-l", "x.svg"],
                 ["--csv", "x.svg", "--plot", d + "/x.svg"]):
        r = run("analyze", *args, "in.pcap")
        usage_error(r, "analyze", [args[1]], "analyze %s" % args)
    check(md5(cap) == before, "the capture was changed")
    check(not os.path.exists("x.svg"), "x.svg written")
    r = run("replay", "--to", "127.0.0.1:9", "--pcap-out", "sym.pcap", "in.pcap")
    usage_error(r, "replay", ["--pcap-out sym.pcap", "in.pcap", "overwritten"], "replay")
    with open("key", "w") as f:
        f.write("0123456789abcdef\n")
    os.chmod("key", 0o600)
    r = run("sender", "--auth", "key", "-l", "key", "127.0.0.1:9")
    usage_error(r, "sender", ["-l key", "--auth key"], "sender -l = --auth")
    check(open("key").read() == "0123456789abcdef\n", "the key file was changed")
    check(md5(cap) == before and not leftovers(d), "after the refusals: %r" % leftovers(d))

    # A complete CSV replaces the previous file, which keeps its mode; no temporary file left.
    with open("out.csv", "w") as f:
        f.write("old\n")
    os.chmod("out.csv", 0o640)
    r = run("analyze", "--csv", "out.csv", "in.pcap")
    rows = open("out.csv").read().splitlines()
    check(r.returncode == 0 and len(rows) > 10 and rows[0] != "old" and
          stat.S_IMODE(os.stat("out.csv").st_mode) == 0o640 and not leftovers(d),
          "--csv out.csv: exit %d, %d rows, mode %o, left %r" % (
              r.returncode, len(rows), os.stat("out.csv").st_mode, leftovers(d)))
    # Through a symbolic link: the target is replaced, the link stays.
    os.symlink("out.csv", "link.csv")
    r = run("analyze", "--csv", "link.csv", "in.pcap")
    check(r.returncode == 0 and os.path.islink("link.csv") and
          open("out.csv").read().splitlines() == rows, "--csv link.csv")
    # Not a regular file: written in place, never renamed over.
    r = run("analyze", "--csv", "/dev/null", "in.pcap")
    check(r.returncode == 0 and stat.S_ISCHR(os.stat("/dev/null").st_mode), "--csv /dev/null")
    # An input that cannot be read: exit 1, the previous CSV as it was.
    r = run("analyze", "--csv", "out.csv", "missing.pcap")
    check(r.returncode == 1 and open("out.csv").read().splitlines() == rows and
          not leftovers(d), "failed run: exit %d, left %r" % (r.returncode, leftovers(d)))

    # analyze interrupted by SIGINT while reading standard input: no temporary file left,
    # the previous CSV as it was.
    p = subprocess.Popen([BIN, "analyze", "--csv", "out.csv", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    data = open(cap, "rb").read()
    p.stdin.write(data[:len(data) // 2])
    p.stdin.flush()
    deadline = time.time() + 5
    while not leftovers(d) and time.time() < deadline:
        time.sleep(0.02)
    had_tmp = bool(leftovers(d))
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=10)
    check(had_tmp and p.returncode == -signal.SIGINT and not leftovers(d) and
          open("out.csv").read().splitlines() == rows,
          "analyze SIGINT: tmp seen %s, status %s, left %r" % (had_tmp, p.returncode,
                                                              leftovers(d)))

    # A sender killed outright: the previous capture under its name is untouched.
    with open("cap.pcap", "w") as f:
        f.write("previous")
    port = free_port()
    p = subprocess.Popen([BIN, "sender", "127.0.0.1:%d" % port, "-c", "1000", "-i", "5",
                          "--pcap-out", "cap.pcap"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    time.sleep(0.4)
    p.kill()
    p.communicate(timeout=10)
    check(open("cap.pcap").read() == "previous", "SIGKILL: cap.pcap was replaced")
    for f in leftovers(d):
        os.unlink(f)
    # Ended by SIGINT (a normal end): a complete capture of every packet sent.
    p = subprocess.Popen([BIN, "sender", "--json", "127.0.0.1:%d" % port, "-c", "1000", "-i",
                          "5", "--pcap-out", "cap.pcap"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(0.4)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=10)
    sent = json.loads(out)["sessions"][0]["sent"]
    dec = run("decode", "--json", "--port", str(port), "cap.pcap")
    pk = json.loads(dec.stdout)["packets"] if dec.returncode == 0 else []
    check(p.returncode == 1 and "no reply" in err and sent > 0 and len(pk) == sent and
          not leftovers(d), "SIGINT: exit %d, %d sent, %d in the capture (%s), left %r" % (
              p.returncode, sent, len(pk), dec.stderr, leftovers(d)))


def pcap(frames):
    head = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101)  # LINKTYPE_RAW
    return head + b"".join(struct.pack("<IIII", 1735689600, i * 1000, len(f), len(f)) + f
                           for i, f in enumerate(frames))


def ipv4_udp(dport, ihl=5, udp_len=None, payload=bytes(44)):
    udp = struct.pack("!HHHH", 40000, dport, udp_len or 8 + len(payload), 0) + payload
    return struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                       bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])) + udp


def exits(d):
    os.chdir(d)
    for cmd, word in ((["sender", "127.0.0.1:0"], "port 0"),
                      (["sender", "0.0.0.0"], "unspecified address"),
                      (["sender", "[::]:862"], "unspecified address"),
                      (["controller", "127.0.0.1:0"], "port 0"),
                      (["controlclient", "127.0.0.1", "127.0.0.1:0"], "port 0"),
                      (["replay", "--to", "127.0.0.1:0", CAP], "port 0")):
        usage_error(run(*cmd), cmd[0], [word], "%s" % cmd)
    # Nobody answers: the results, then exit 1 and the reason (as ping).
    r = run("sender", "127.0.0.1:%d" % free_port(), "-c", "2", "-i", "1", "--timeout", "0.2")
    check(r.returncode == 1 and r.stdout.startswith("Session 1:") and
          "stampkit sender: no reply from 127.0.0.1:" in r.stderr and
          "2 packets sent, none answered" in r.stderr,
          "no reply: exit %d, %r" % (r.returncode, r.stderr))
    # Malformed UDP on the test port: a UDP length beyond the IP packet, an IPv4 header length
    # of 16 (RFC 791 §3.1: at least 5 words); the same on port 53 is someone else's.
    good = ipv4_udp(862)
    bad = [ipv4_udp(862, udp_len=200), ipv4_udp(862, ihl=4)]
    other = [ipv4_udp(53, udp_len=200), ipv4_udp(53, ihl=4)]
    for name, frames, want in (("bad", [good] + bad, 3), ("other", [good] + other, 0)):
        with open(name + ".pcap", "wb") as f:
            f.write(pcap(frames))
        for cmd in ("decode", "analyze"):
            r = run(cmd, name + ".pcap")
            counted = "2 UDP datagrams to or from a test port have a malformed" in r.stderr
            check(r.returncode == want and counted == (want == 3),
                  "%s %s: exit %d, %r" % (cmd, name, r.returncode, r.stderr))


def secrets(d):
    os.chdir(d)
    with open("keys", "w") as f:
        f.write("# KeyID passphrase\nalice twamp-test-secret\n")
    os.chmod("keys", 0o644)
    want = run("decode", "--json", "--secret", "alice=twamp-test-secret", "--port", "18620",
               MODE_E)
    plain = run("decode", "--json", "--port", "18620", MODE_E)
    check(want.returncode == 0 and want.stdout != plain.stdout, "decode --secret")
    r = run("decode", "--json", "--secret-file", "keys", "--secret-file", "./keys", "--port",
            "18620", MODE_E)
    warns = [l for l in r.stderr.splitlines() if "chmod 600" in l]
    check(r.returncode == 0 and r.stdout == want.stdout and len(warns) == 1 and
          warns[0].startswith("stampkit decode: warning: keys ") and "others" in warns[0],
          "--secret-file 0644: exit %d, %r" % (r.returncode, r.stderr))
    os.chmod("keys", 0o600)
    r = run("decode", "--json", "--secret-file", "keys", "--port", "18620", MODE_E)
    check(r.returncode == 0 and r.stdout == want.stdout and r.stderr == "",
          "--secret-file 0600: %r" % r.stderr)
    r = run("decode", "--json", "--port", "18620", MODE_E,
            env={"STAMPKIT_SECRET": "bob=x\nalice=twamp-test-secret"})
    check(r.returncode == 0 and r.stdout == want.stdout, "STAMPKIT_SECRET: %r" % r.stderr)
    a1 = run("analyze", "--json", "--secret", "alice=twamp-test-secret", "--port", "18620", MODE_E)
    a2 = run("analyze", "--json", "--secret-file", "keys", "--port", "18620", MODE_E)
    a3 = run("analyze", "--json", "--port", "18620", MODE_E,
             env={"STAMPKIT_SECRET": "alice=twamp-test-secret"})
    check(a1.stdout == a2.stdout == a3.stdout and a1.returncode == a2.returncode == 0,
          "analyze secrets: %r %r" % (a2.stderr, a3.stderr))
    for cmd in ("decode", "analyze"):
        usage_error(run(cmd, MODE_E, env={"STAMPKIT_SECRET": "no-equals-sign"}), cmd,
                    ["STAMPKIT_SECRET"], "%s bad STAMPKIT_SECRET" % cmd)
        usage_error(run(cmd, "--secret-file", "missing", MODE_E), cmd, ["--secret-file"],
                    "%s missing --secret-file" % cmd)
    # The STAMP key of --auth and the TWAMP keys of --key-file: the same warning, once.
    with open("stamp.key", "w") as f:
        f.write("0123456789abcdef\n")
    os.chmod("stamp.key", 0o640)
    r = run("sender", "--auth", "stamp.key", "127.0.0.1:%d" % free_port(), "-c", "1",
            "--timeout", "0.1")
    check(sum("stamp.key holds secrets" in l and "chmod 600 stamp.key" in l
              for l in r.stderr.splitlines()) == 1 and "its group" in r.stderr,
          "sender --auth 0640: %r" % r.stderr)
    os.chmod("keys", 0o604)
    r = run("controller", "--mode-auth", "auth", "--key-file", "keys", "127.0.0.1:%d" % free_port(),
            "-c", "1")
    check(r.returncode == 1 and r.stderr.count("chmod 600 keys") == 1,
          "controller --key-file 0604: %r" % r.stderr)


d = tempfile.mkdtemp(prefix="sk-files-")
try:
    {"files": files, "exits": exits, "secrets": secrets}[WHAT](d)
finally:
    os.chdir("/")
    shutil.rmtree(d, ignore_errors=True)
if failed:
    sys.exit(1)
print("ok")
