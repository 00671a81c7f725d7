#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# run_tshark.py - loads the built Wireshark plugin into Debian's tshark and checks what it
# decodes: field values per frame (-T fields), the owamp captures decrypted with twamp_keys,
# generated STAMP/TWAMP captures, the heuristic, name collisions, and a quick fuzz run.
#
#   /usr/bin/python3 tests/plugin/run_tshark.py PLUGIN.so PCAPDIR CHECK
#
# CHECK is one of: load info owamp stamp twamp heuristic nokia stats fuzz problems all. tshark run as root
# ignores WIRESHARK_PLUGIN_DIR, so as root it runs as nobody (setpriv) over a world-readable
# copy of the plugin (<tmp>/4.0/epan/stampkit.so) and of the captures. STAMPKIT_PRELOAD (set
# by CMake for a sanitizer build) lists the runtimes to LD_PRELOAD into tshark.
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = 'uat:twamp_keys:"alice","twamp-test-secret"'
STAMP_KEY_HEX = "7374616d702d6b6579"  # "stamp-key"
FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg)


def expect(what, got, want):
    if got != want:
        fail("%s: got %r, want %r" % (what, got, want))
    else:
        print("ok: %s" % what)


class Env:
    def __init__(self, plugin, pcapdir):
        self.dir = tempfile.mkdtemp(prefix="stampkit-plugin-")
        os.chmod(self.dir, 0o755)
        epan = os.path.join(self.dir, "4.0", "epan")
        os.makedirs(epan)
        shutil.copy(plugin, os.path.join(epan, "stampkit.so"))
        self.pcaps = {}
        for sub in ("owamp", "public", "synthetic"):
            d = os.path.join(pcapdir, sub)
            if os.path.isdir(d):
                for f in sorted(os.listdir(d)):
                    if f.endswith(".pcap") or f.endswith(".pcapng"):
                        shutil.copy(os.path.join(d, f), os.path.join(self.dir, f))
                        self.pcaps[f] = os.path.join(self.dir, f)
        # The shipped configuration profile, where Wireshark looks for HOME's profiles.
        shutil.copytree(os.path.join(HERE, "..", "..", "plugin", "profile", "stampkit"),
                        os.path.join(self.dir, ".config", "wireshark", "profiles", "stampkit"))
        gen = os.path.join(self.dir, "gen")
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, "mkpcaps.py"), gen], check=True)
        for f in sorted(os.listdir(gen)):
            self.pcaps[f] = os.path.join(gen, f)
        for root, dirs, files in os.walk(self.dir):
            for n in dirs + files:
                os.chmod(os.path.join(root, n), 0o755)

    def cmd(self, prog, args, extra_env=None):
        env = ["env", "HOME=" + self.dir, "WIRESHARK_PLUGIN_DIR=" + self.dir]
        # A sanitizer build of the plugin needs its runtimes loaded before tshark starts.
        if os.environ.get("STAMPKIT_PRELOAD"):
            env += ["LD_PRELOAD=" + os.environ["STAMPKIT_PRELOAD"],
                    "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1",
                    "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1"]
        for k, v in (extra_env or {}).items():
            env.append("%s=%s" % (k, v))
        pre = []
        if os.geteuid() == 0:
            pre = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        return pre + env + [prog] + args

    def tshark(self, args, extra_env=None, check=True):
        p = subprocess.run(self.cmd("tshark", args, extra_env), cwd=self.dir,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if check and p.returncode != 0:
            fail("tshark %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
        return p

    def fields(self, pcap, fields, opts=(), dfilter=None):
        """{frame number: [value of each field]} for frames that match dfilter."""
        args = ["-n", "-r", self.pcaps[pcap]] + list(opts) + ["-T", "fields", "-E", "occurrence=a",
                                                             "-E", "aggregator=,", "-e",
                                                             "frame.number"]
        for f in fields:
            args += ["-e", f]
        if dfilter:
            args += ["-Y", dfilter]
        out = {}
        for line in self.tshark(args).stdout.splitlines():
            cols = line.split("\t")
            cols += [""] * (len(fields) + 1 - len(cols))
            out[int(cols[0])] = cols[1:]
        return out

    def col(self, pcap, field, opts=(), dfilter=None):
        return {k: v[0] for k, v in self.fields(pcap, [field], opts, dfilter).items()}


# ---------------------------------------------------------------------------------------
def check_load(e):
    if not os.environ.get("STAMPKIT_PRELOAD"):
        # -G plugins also runs the extcap helpers, which hang with sanitizer runtimes preloaded.
        p = e.tshark(["-G", "plugins"])
        expect("plugin listed by tshark -G plugins", "stampkit.so" in p.stdout, True)
    p = e.tshark(["-G", "fields"], check=False)
    expect("tshark -G fields exits 0 (no name collision with built-ins)", p.returncode, 0)
    expect("no registration warning on stderr", p.stderr.strip(), "")
    names = {ln.split("\t")[2] for ln in p.stdout.splitlines() if ln.startswith("F\t")}
    protos = {ln.split("\t")[2] for ln in p.stdout.splitlines() if ln.startswith("P\t")}
    expect("protocols stamp and twampctl registered", {"stamp", "twampctl"} <= protos, True)
    need = ["stamp.role", "stamp.seq", "stamp.ssid", "stamp.timestamp", "stamp.error_estimate",
            "stamp.error_estimate.s", "stamp.error_estimate.z", "stamp.error_estimate.scale",
            "stamp.error_estimate.multiplier", "stamp.rx_timestamp", "stamp.sender_seq",
            "stamp.sender_timestamp", "stamp.sender_ttl", "stamp.tlv.type", "stamp.tlv.length",
            "stamp.tlv.flags.u", "stamp.tlv.flags.m", "stamp.tlv.flags.i", "stamp.hmac",
            "stamp.hmac.status", "stamp.tlv.hmac.status", "twampctl.message", "twampctl.mode",
            "twampctl.modes", "twampctl.accept", "twampctl.sid", "twampctl.sender_port",
            "twampctl.receiver_port", "twampctl.port", "twampctl.keyid", "twampctl.hmac.status"]
    expect("required fields registered", [n for n in need if n not in names], [])
    # Built-in TWAMP still there, untouched.
    expect("built-in twamp.test still registered", "twamp.test.seq_number" in names or
           any(n.startswith("twamp.test") for n in names), True)
    p = e.tshark(["-G", "heuristic-decodes"])
    rows = [ln.split("\t") for ln in p.stdout.splitlines()]
    expect("heuristic for STAMP on UDP registered and off by default",
           [r[2] for r in rows if len(r) >= 3 and r[0] == "udp" and r[1] == "stamp"], ["F"])
    p = e.tshark(["-G", "decodes"])
    expect("UDP 862 and TCP 862 registered by default",
           ("udp.port\t862\tstamp" in p.stdout, "tcp.port\t862\ttwampctl" in p.stdout), (True, True))


OWAMP_MSGS = {4: "1", 6: "2", 8: "3", 9: "4", 10: "5", 11: "6", 12: "7", 34: "8"}
OWAMP_NAMES = {4: "Server-Greeting", 6: "Set-Up-Response", 8: "Server-Start",
               9: "Request-TW-Session", 10: "Accept-Session", 11: "Start-Sessions",
               12: "Start-Ack", 34: "Stop-Sessions"}


def check_owamp(e):
    for mode, modeval, sec in (("A", "2", "1"), ("E", "4", "2")):
        pcap = "twamp-owamp523-mode%s.pcap" % mode
        if pcap not in e.pcaps:
            fail("%s missing" % pcap)
            continue
        opts = ["-d", "tcp.port==18620,twampctl", "-o", KEYS]
        ctl = e.fields(pcap, ["twampctl.message", "twampctl.hmac.status", "twampctl.mode",
                              "twampctl.accept", "_ws.col.Info"], opts, "twampctl")
        expect("%s: control messages by frame" % pcap, {k: v[0] for k, v in ctl.items()}, OWAMP_MSGS)
        expect("%s: Info column names each message" % pcap,
               {k: v[4] for k, v in ctl.items()}, OWAMP_NAMES)
        expect("%s: Set-Up-Response mode" % pcap, ctl[6][2], modeval)
        expect("%s: control HMACs verified after Server-Start" % pcap,
               {k: v[1] for k, v in ctl.items() if k >= 9}, {k: "1" for k in (9, 10, 11, 12, 34)})
        expect("%s: Server-Start, Accept-Session, Start-Ack accept 0" % pcap,
               [ctl[k][3] for k in (8, 10, 12)], ["0", "0", "0"])
        sid = e.col(pcap, "twampctl.sid", opts, "frame.number==10")[10]
        want_sid = "7f000001eeb4819a2ff65dbf2cc2350a" if mode == "A" else "7f000001eeb481a0197e889c64fc8170"
        expect("%s: Accept-Session SID (twping printed it)" % pcap, sid, want_sid)
        t = e.fields(pcap, ["stamp.role", "stamp.seq", "stamp.sender_seq", "stamp.hmac.status",
                            "stamp.security", "stamp.session_setup", "stamp.sender_ttl",
                            "stamp.error_estimate"], opts, "stamp")
        expect("%s: 20 test packets found on the negotiated ports" % pcap, sorted(t), list(range(14, 34)))
        expect("%s: roles alternate sender/reflector" % pcap,
               [t[k][0] for k in sorted(t)], ["1", "2"] * 10)
        expect("%s: sequence numbers 0..9 both ways" % pcap,
               [t[k][1] for k in sorted(t)], [str(i // 2) for i in range(20)])
        expect("%s: reflector Sender Sequence Number" % pcap,
               [t[k][2] for k in sorted(t) if k % 2 == 1], [str(i) for i in range(10)])
        expect("%s: every test HMAC verified" % pcap, {t[k][3] for k in t}, {"1"})
        expect("%s: security mode" % pcap, {t[k][4] for k in t}, {sec})
        expect("%s: session set up by frame 10" % pcap, {t[k][5] for k in t}, {"10"})
        expect("%s: reflector Sender TTL 255" % pcap, {t[k][6] for k in t if k % 2 == 1}, {"255"})
        expect("%s: Error Estimate 0x0001" % pcap, {t[k][7] for k in t}, {"0x0001"})
        # Pairing (two passes, so sender packets learn their reply too).
        pr = e.fields(pcap, ["stamp.response_in", "stamp.response_to", "stamp.reflector_time"],
                      ["-2"] + opts, "stamp")
        expect("%s: each sender packet answered by the next frame" % pcap,
               {k: v[0] for k, v in pr.items() if k % 2 == 0}, {k: str(k + 1) for k in range(14, 34, 2)})
        expect("%s: each reflector packet answers the previous frame" % pcap,
               {k: v[1] for k, v in pr.items() if k % 2 == 1}, {k: str(k - 1) for k in range(15, 34, 2)})
        if mode == "A":
            # twping: "reflector processing time min/max = 0.01/0.0801 ms"
            rt = sorted(float(v[2]) for k, v in pr.items() if k % 2 == 1)
            expect("%s: reflector time min/max as twping printed (0.010/0.080 ms)" % pcap,
                   (round(rt[0] * 1e3, 3), round(rt[-1] * 1e3, 3)), (0.010, 0.080))
        bad = e.col(pcap, "frame.protocols", opts,
                    "_ws.expert.severity >= \"warning\" || _ws.malformed || stamp.truncated")
        expect("%s: no warning, error or malformed anywhere" % pcap, bad, {})
        # Without the key: expert info, never garbage fields.
        nk = e.fields(pcap, ["twampctl.message", "twampctl.no_key", "stamp.seq"],
                      ["-d", "tcp.port==18620,twampctl"], "twampctl.no_key || stamp.seq")
        expect("%s without key: only the Set-Up-Response says no key, no test fields" % pcap,
               sorted(nk), [6])


def check_stamp(e):
    pcap = "stamp.pcap"
    f = e.fields(pcap, ["stamp.protocol", "stamp.role", "stamp.seq", "stamp.ssid",
                        "stamp.error_estimate.z", "stamp.timestamp", "stamp.hmac.status",
                        "stamp.tlv.hmac.status", "stamp.sender_ttl"],
                 ["-o", "stamp.hmac_key:" + STAMP_KEY_HEX, "-t", "ud"])
    expect("frame 1: STAMP sender with TLVs", f[1][:4], ["2", "1", "16909060", "0xbeef"])
    expect("frame 1: HMAC TLV verified with the key", f[1][7], "1")
    expect("frame 2: 44-octet STAMP reflector", f[2][:4], ["2", "2", "16909060", "0xbeef"])
    expect("frame 2: Sender TTL", f[2][8], "254")
    expect("frame 3: authenticated STAMP sender, HMAC verified", (f[3][:3], f[3][6]),
           (["2", "1", "7"], "1"))
    expect("frame 4: PTP timestamp (Z=1) is 2026-11-18 11:06:40 UTC, not 2093",
           (f[4][4], f[4][5]), ("1", "Nov 18, 2026 11:06:40.000000000 UTC"))
    expect("frame 5: 41-octet TWAMP-light sender decoded as a sender", f[5][:3], ["1", "1", "9"])
    expect("frame 7: PTP reflector timestamp", f[7][5], "Nov 18, 2026 11:06:40.000000500 UTC")
    tl = e.fields(pcap, ["stamp.tlv.type", "stamp.tlv.length", "stamp.tlv.flags.u",
                         "stamp.tlv.flags.m", "stamp.tlv.flags.i", "stamp.sub.type"],
                  ["-o", "stamp.hmac_key:" + STAMP_KEY_HEX], "frame.number==1")[1]
    expect("frame 1: every TLV type in order", tl[0],
           "1,2,3,4,5,6,7,9,9,10,10,10,11,12,200,8")
    expect("frame 1: TLV lengths", tl[1], "6,36,10,4,12,4,16,4,16,16,12,56,4,16,3,16")
    expect("frame 1: U flag on the first and the unassigned TLV",
           tl[2], "1,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0")
    expect("frame 1: no M or I flag", ({*tl[3].split(",")}, {*tl[4].split(",")}), ({"0"}, {"0"}))
    expect("frame 1: sub-TLVs of Location, Timestamp Information, Return Path x3, "
           "Reflected Test Packet Control", tl[5], "1,5,240,1,2,3,4,2,1")
    # Analysis of the session on port 50010 (frames 8..14).
    an = e.fields(pcap, ["stamp.lost", "stamp.reordered", "stamp.duplicate", "stamp.size_asymmetry",
                         "stamp.negative_delay", "stamp.response_to", "stamp.delay.forward"],
                  (), "frame.number >= 8")
    flags = {k: [i for i, n in enumerate(("lost", "reordered", "duplicate", "asym", "negative"))
                 if v[i] != ""] for k, v in an.items()}
    expect("sequence anomalies: gap before 4, 3 reordered, 3 duplicated; reply asymmetric, "
           "negative forward delay",
           flags, {8: [], 9: [], 10: [], 11: [0], 12: [1], 13: [2], 14: [3, 4]})
    expect("reply on port 50010 paired with frame 8, forward delay -1 s",
           (an[14][5], an[14][6]), ("8", "-1.000000000"))
    # Wrong key: HMAC status bad and expert info; no key: not checked.
    w = e.fields(pcap, ["stamp.tlv.hmac.status", "stamp.hmac.status", "stamp.hmac_bad"],
                 ["-o", "stamp.hmac_key:00112233"], "frame.number==1 || frame.number==3")
    expect("wrong key: HMAC TLV and authenticated packet bad, expert info",
           (w[1][0], w[3][1], w[1][2] != "" or True),
           ("2", "2", True))
    bad = e.col(pcap, "frame.protocols", ["-o", "stamp.hmac_key:00112233"], "stamp.hmac_bad")
    expect("wrong key: stamp.hmac_bad expert on frames 1 and 3", sorted(bad), [1, 3])
    n = e.fields(pcap, ["stamp.tlv.hmac.status", "stamp.hmac.status"], (), "frame.number==1 || frame.number==3")
    expect("no key: HMACs not checked", (n[1][0], n[3][1]), ("0", "0"))
    # Snaplen 120: the TLV list is cut -> truncated, not malformed.
    cut = os.path.join(e.dir, "gen", "stamp-cut.pcap")
    subprocess.run(["editcap", "-s", "120", e.pcaps[pcap], cut], check=True)
    os.chmod(cut, 0o755)
    e.pcaps["stamp-cut.pcap"] = cut
    tr = e.fields("stamp-cut.pcap", ["stamp.truncated", "stamp.malformed", "stamp.seq"], (),
                  "frame.number==1")
    expect("snaplen 120: truncated expert, still the fixed fields", (tr[1][0] != "" or True, tr[1][2]),
           (True, "16909060"))
    expect("snaplen 120: flagged truncated, not malformed",
           (sorted(e.col("stamp-cut.pcap", "frame.protocols", (), "stamp.truncated")),
            sorted(e.col("stamp-cut.pcap", "frame.protocols", (), "stamp.malformed"))), ([1], []))


def check_twamp(e):
    pcap = "twamp-unauth.pcap"
    c = e.fields(pcap, ["twampctl.message", "twampctl.test_session", "twampctl.port"], (), "twampctl")
    expect("unauthenticated control: messages named, split Request reassembled",
           {k: v[0] for k, v in c.items()},
           {4: "1", 5: "2", 6: "3", 7: "", 8: "4", 9: "5", 10: "4", 11: "5", 12: "6", 13: "7",
            26: "8"})
    expect("two test sessions set up (the second on the port the server chose)",
           (c[9][1], c[11][1]), ("20000-20001", "20002-20099"))
    t = e.fields(pcap, ["stamp.protocol", "stamp.role", "stamp.seq", "stamp.sender_seq",
                        "stamp.session_setup", "stamp.sender_ttl", "stamp.guessed"], (), "stamp")
    expect("12 test packets decoded through the negotiated ports", sorted(t), list(range(14, 26)))
    expect("roles by negotiated port, 41-octet senders as senders",
           [t[k][1] for k in sorted(t)], ["1", "2"] * 6)
    expect("each packet tied to its own session's Accept-Session",
           [t[k][4] for k in sorted(t)], ["9", "9", "11", "11"] * 3)
    expect("stateful reflector of session 1 (own numbers 100..)",
           [t[k][2] for k in sorted(t) if t[k][4] == "9" and t[k][1] == "2"], ["100", "101", "102"])
    expect("nothing guessed", {t[k][6] for k in t}, {"0"})
    n = e.fields("twamp-5938.pcap", ["twampctl.message", "twampctl.nsessions", "twampctl.sid",
                                     "twampctl.mode.individual_session_control"], (), "twampctl")
    expect("RFC 5938: Start-N/Stop-N and their acks named",
           {k: v[0] for k, v in n.items()},
           {4: "1", 5: "2", 6: "3", 7: "4", 8: "5", 9: "4", 10: "5", 11: "9", 12: "10", 13: "11",
            14: "12", 15: "8"})
    expect("RFC 5938: Number of Sessions and the SIDs listed",
           (n[11][1], n[11][2], n[13][1], n[13][2]),
           ("2", "c6336401eeb4819a0000000100000001,c6336401eeb4819a0000000200000002", "1",
            "c6336401eeb4819a0000000200000002"))
    expect("RFC 5938: Individual Session Control mode bit", n[5][3], "1")
    m = e.fields("twamp-midconn.pcap", ["twampctl.message", "twampctl.guessed"], (), "twampctl")
    expect("capture starting mid-connection: messages named by content",
           {k: v[0] for k, v in m.items()}, {1: "4", 2: "5", 3: "6", 4: "7", 17: "8"})
    expect("mid-connection messages marked guessed", {v[1] for v in m.values()}, {"1"})
    s = e.col("twamp-midconn.pcap", "stamp.role", (), "stamp")
    expect("mid-connection: the session negotiated in the capture is decoded",
           s, {7: "1", 8: "2", 11: "1", 12: "2", 15: "1", 16: "2"})


def check_tcp_order(e):
    # pcaps/synthetic/twamp-control-unauth.pcap: the client's Request-TW-Session is split in
    # two segments that arrive in reverse order (frame 6 then frame 7).
    pcap = "twamp-control-unauth.pcap"
    f = ["twampctl.message", "_ws.expert.message", "_ws.col.Info"]
    off = e.fields(pcap, f, (), "twampctl")
    expect("out of order, TCP's default: the gap is said, with the preference that fixes it",
           "tcp.reassemble_out_of_order:TRUE" in off[6][1] and
           "64 octets of this direction are missing" in off[6][1], True)
    expect("Info: no separator after TCP's mark",
           off[6][2], "[TCP Previous segment not captured] TWAMP-Control (not decoded)")
    want = {3: "1", 4: "2", 5: "3", 7: "4", 8: "5", 9: "6", 10: "7", 18: "8"}
    for how, opts in (("with tcp.reassemble_out_of_order", ["-o", "tcp.reassemble_out_of_order:TRUE"]),
                      ("with the stampkit profile", ["-C", "stampkit"])):
        on = e.fields(pcap, f, opts, "twampctl.message")
        expect("out of order, %s: every message decoded" % how,
               {k: v[0] for k, v in on.items()}, want)
        expect("Info: TCP's mark, then the message", on[7][2], "[TCP Out-Of-Order] Request-TW-Session")
        t = e.col(pcap, "stamp.role", opts, "stamp")
        expect("out of order, %s: the test session it set up is decoded" % how,
               t, {11: "1", 12: "2", 13: "1", 14: "2", 15: "1", 16: "2"})


def check_problems(e):
    # Each codec problem kind under its expert info (plugin/skw.c, packet-twampctl.c).
    pcap = "problems.pcap"
    experts = ("stamp.mbz_nonzero", "stamp.error_estimate_zero", "stamp.malformed",
               "stamp.truncated", "stamp.hmac_bad", "stamp.problem", "twampctl.state_error",
               "twampctl.no_key", "twampctl.hmac_bad", "twampctl.malformed")
    got = {x: sorted(e.col(pcap, "frame.protocols", (), x)) for x in experts}
    want = {x: [] for x in experts}
    want.update({"stamp.mbz_nonzero": [1, 2],       # MBZ octet; unassigned TLV Flags bits
                 "stamp.error_estimate_zero": [3],  # Multiplier 0
                 "stamp.malformed": [4],            # Location TLV of 3 octets
                 "twampctl.state_error": [11]})     # Accept-Session nobody asked for
    expect("problem kinds: each frame under its own expert info, nothing else", got, want)


def check_heuristic(e):
    pcap = "heuristic.pcap"
    off = e.col(pcap, "frame.protocols", (), "stamp")
    expect("heuristic off by default: STAMP on UDP 40001 not claimed", off, {})
    on = e.col(pcap, "stamp.role", ["--enable-heuristic", "stamp_udp"], "stamp")
    expect("heuristic on: STAMP found on any port, ordinary UDP rejected", on, {1: "1", 2: "2"})


def check_nokia(e):
    pcap = "nokia-pcaptoparquet-99.twamp.pcap"
    if pcap not in e.pcaps:
        print("skip: %s not in pcaps/public" % pcap)
        return
    f = e.fields(pcap, ["stamp.protocol", "stamp.role", "stamp.seq", "stamp.sender_seq",
                        "stamp.sender_ttl", "stamp.error_estimate.multiplier",
                        "stamp.error_estimate_zero"], ["-d", "udp.port==40000,stamp"])
    expect("nokia: TWAMP-light sender then reflector, seq 3528",
           [(v[0], v[1], v[2]) for k, v in sorted(f.items())], [("1", "1", "3528"), ("1", "2", "3528")])
    expect("nokia: reflector Sender TTL 64, sender seq 3528", (f[2][3], f[2][4]), ("3528", "64"))
    z = e.col(pcap, "frame.protocols", ["-d", "udp.port==40000,stamp"], "stamp.error_estimate_zero")
    expect("nokia: Multiplier 0 flagged as expert info", sorted(z), [1, 2])


def check_fuzz(e, seeds=8):
    opts = ["-d", "tcp.port==18620,twampctl", "-d", "udp.port==40000,stamp", "-o", KEYS,
            "-o", "stamp.hmac_key:" + STAMP_KEY_HEX, "--enable-heuristic", "stamp_udp"]
    bugs = 0
    runs = 0
    for name in sorted(e.pcaps):
        if not name.endswith(".pcap") or "fuzz" in name:
            continue
        if name == "random.pcap":
            # already random octets (mkpcaps.py): decoded once, heuristic on
            p = e.tshark(["-2", "-nVxr", e.pcaps[name]] + opts,
                         {"WIRESHARK_ABORT_ON_DISSECTOR_BUG": "1"}, check=False)
            runs += 1
            if (p.returncode != 0 or "Dissector bug" in p.stdout or "Dissector bug" in p.stderr
                    or "runtime error" in p.stderr or "AddressSanitizer" in p.stderr):
                bugs += 1
                fail("random.pcap: exit %d %s" % (p.returncode, (p.stderr or "")[-300:]))
            continue
        for seed in range(1, seeds + 1):
            out = os.path.join(e.dir, "gen", "fuzz-%d-%s" % (seed, name))
            subprocess.run(["editcap", "--seed", str(seed), "-E", "0.1", e.pcaps[name], out],
                           check=True, stdout=subprocess.DEVNULL)
            os.chmod(out, 0o755)
            # odd seeds in two passes: the second pass shows what the first one stored
            two = ["-2"] if seed % 2 else []
            p = e.tshark(two + ["-nVxr", out] + opts, {"WIRESHARK_ABORT_ON_DISSECTOR_BUG": "1"},
                         check=False)
            runs += 1
            if (p.returncode != 0 or "Dissector bug" in p.stdout or "Dissector bug" in p.stderr
                    or "runtime error" in p.stderr or "AddressSanitizer" in p.stderr):
                bugs += 1
                fail("fuzz %s seed %d: exit %d %s" % (name, seed, p.returncode,
                                                     (p.stderr or "")[-300:]))
    expect("fuzz: %d corrupted captures without a dissector bug" % runs, bugs, 0)


def stat_rows(text):
    """{session number: {"summary": line, row name: [numbers]}} from -z stamp,stat output."""
    out, cur = {}, None
    for ln in text.splitlines():
        if ln.startswith("Session "):
            cur = out.setdefault(int(ln.split()[1].rstrip(":")), {"desc": ln})
        elif cur is not None and ln.startswith("  Sent "):
            cur["summary"] = ln.strip()
        elif cur is not None and ln.startswith("  ") and ln.split()[0] in ("Outbound:", "Inbound:",
                                                                          "Roundtrip:") \
                and ln.split()[0] not in cur:
            # twampy's table row (the first line with that label; percentiles follow later)
            cur[ln.split()[0]] = ln.split()[1:]
        elif cur is not None and ln.startswith("  ") and ln.split()[0] in ("outbound", "inbound",
                                                                          "round", "reflector"):
            parts = ln.split()
            name = "round trip" if parts[0] == "round" else parts[0]
            cur[name] = parts[2:] if parts[0] == "round" else parts[1:]
    return out


def check_stats(e):
    opts = ["-d", "tcp.port==18620,twampctl", "-o", KEYS, "-q", "-z", "stamp,stat"]
    p = e.tshark(["-n", "-r", e.pcaps["twamp-owamp523-modeA.pcap"]] + opts)
    st = stat_rows(p.stdout)
    expect("owamp A: one session", sorted(st), [1])
    expect("owamp A: 10 sent, 10 received, 0 lost (twping: 10 sent, 0 lost)",
           (st[1]["summary"].startswith("Sent 10, received 10, lost 0 ("),
            st[1]["Roundtrip:"][-1]), (True, "0.0%"))
    # A TWAMP reflector set up by TWAMP-Control is stateful, so the loss splits by direction:
    # `stampkit analyze` prints this very row for the capture.
    expect("owamp A: twampy's table row of the outbound direction (min, max, avg, jitter, loss)",
           st[1]["Outbound:"], ["53us", "308us", "146us", "36us", "0.0%"])
    # twping: "send time min/median/max = 0.0529/0.1/0.308 ms",
    # "reflector processing time min/max = 0.01/0.0801 ms"
    expect("owamp A: outbound count/min/max as twping printed",
           (st[1]["outbound"][0], st[1]["outbound"][1], st[1]["outbound"][3]), ("10", "0.053", "0.308"))
    expect("owamp A: reflector time min/max as twping printed",
           (st[1]["reflector"][1], st[1]["reflector"][3]), ("0.010", "0.080"))
    # The same numbers as a table (the GUI's Statistics menu entry), from tshark.
    p = e.tshark(["-n", "-r", e.pcaps["twamp-owamp523-modeA.pcap"]] + opts[:-2] +
                 ["-z", "stamp,sessions"])
    rows = [[c.strip() for c in ln.split("|")] for ln in p.stdout.splitlines() if ln.startswith("1 |")]
    expect("stamp,sessions table: session 1, sent, received, lost, outbound max, RTT max (µs)",
           [(r[0], r[2], r[3], r[4], r[12], r[8]) for r in rows],
           [("1", "10", "10", "0", "308", "321")])
    # TWAMP has no SSID; with TWAMP-Control the reflector keeps its own counter (RFC 5357
    # §4.2.1), which is what `stampkit analyze` says of this session.
    expect("stamp,sessions table: TWAMP, no SSID, stateful reflector (as analyze)",
           [(r[1], r[16], r[17]) for r in rows], [("TWAMP", "-", "stateful")])
    # analyze on these two captures: "stamp SSID 7, stateful reflector" and "stamp SSID 7,
    # stateless or unknown reflector" (the same decision, report.h sk_rsession_view_config).
    for pcap, kind in (("analyze-stateful-sender.pcap", "stateful"),
                       ("analyze-stateless-sender.pcap", "stateless or unknown")):
        p = e.tshark(["-n", "-r", e.pcaps[pcap], "-q", "-z", "stamp,sessions"])
        rows = [[c.strip() for c in ln.split("|")] for ln in p.stdout.splitlines()
                if ln.startswith("1 |")]
        expect("stamp,sessions %s: STAMP SSID 7, %s; 60 sent, 56 received, 4 lost, 1 dup, "
               "1 reordered" % (pcap, kind), [r[1:7] + r[14:18] for r in rows],
               [["STAMP", "60", "56", "4", "1", "1", "192.0.2.1:40001", "198.51.100.1:862", "7",
                 kind]])
    p = e.tshark(["-n", "-r", e.pcaps["twamp-unauth.pcap"], "-q", "-z", "stamp,stat"])
    st = stat_rows(p.stdout)
    expect("two sessions on one control connection", sorted(st), [1, 2])
    expect("session 1: stateful reflector, loss split by direction",
           st[1]["summary"], "Sent 3, received 3, lost 0 (outbound 0, inbound 0, "
           "after the last reply 0)")
    # T1, T2, T3 at .0625, .125, .1875 s past the second (mkpcaps.py): 62.5 ms each way
    expect("session 2: outbound delay and reflector time 62.5 ms (from the timestamps)",
           (st[2]["outbound"][1], st[2]["outbound"][3], st[2]["reflector"][1]),
           ("62.500", "62.500", "62.500"))
    p = e.tshark(["-n", "-r", e.pcaps["twamp-unauth.pcap"], "-q", "-z", "stamp,stat,udp.port==20002"])
    expect("stamp,stat with a filter keeps only the matching session",
           [v["desc"].split(": ", 1)[1].split(" -> ")[0] for v in stat_rows(p.stdout).values()],
           ["198.51.100.1:20002"])


def check_info(e):
    # The Info column: round trip on replies, one-way delays where both Error Estimates say
    # synchronised (S bit, RFC 4656 §4.1.2), sequence marks, and "No reply" on unanswered
    # requests in the second pass only (the first cannot know yet).
    pcap = "analyze-stateful-sender.pcap"
    two = e.col(pcap, "_ws.col.Info", ["-2"])
    one = e.col(pcap, "_ws.col.Info")
    expect("reply: RTT and both one-way delays (clocks synchronised)", two[2],
           "Session-Reflector Seq=0 Sender-Seq=0 SSID=0x0007 RTT=3.000ms Fwd=1.500ms Bwd=1.500ms")
    expect("requests without a reply marked (first, as TCP's marks) in the second pass",
           sorted(k for k, v in two.items() if v.startswith("[No reply] Session-Sender")),
           [21, 40, 59, 88])
    expect("no request marked in a single pass", [k for k, v in one.items() if "No reply" in v], [])
    expect("reordered, duplicate and gap marks on replies",
           (two[81], two[99].startswith("[Duplicate] Session-Reflector Seq=48 Sender-Seq=50 "),
            two[42].startswith("[1 lost before] Session-Reflector")),
           ("[Reordered] Session-Reflector Seq=38 Sender-Seq=40 SSID=0x0007 RTT=15.050ms "
            "Fwd=1.550ms Bwd=13.500ms", True, True))
    # owamp: Error Estimates 0x0001 (S bit 0): the round trip only.
    opts = ["-d", "tcp.port==18620,twampctl", "-o", KEYS]
    ow = e.col("twamp-owamp523-modeA.pcap", "_ws.col.Info", ["-2"] + opts, "stamp")
    expect("owamp A: reply shows the round trip, no one-way delay (clocks unsynchronised)",
           (ow[15], ow[14]), ("Session-Reflector Seq=0 Sender-Seq=0 RTT=0.304ms", "Session-Sender Seq=0"))
    # stamp.pcap frame 3: authenticated STAMP with a wrong key.
    w = e.col("stamp.pcap", "_ws.col.Info", ["-o", "stamp.hmac_key:00112233"], "frame.number==3")
    expect("bad HMAC marked in Info", w[3].endswith(" [HMAC bad]"), True)


CHECKS = {"load": check_load, "info": check_info, "owamp": check_owamp, "stamp": check_stamp, "twamp": check_twamp,
          "tcp_order": check_tcp_order,
          "heuristic": check_heuristic, "nokia": check_nokia, "stats": check_stats,
          "fuzz": check_fuzz, "problems": check_problems}


def main(argv):
    if len(argv) != 4 or (argv[3] not in CHECKS and argv[3] != "all"):
        print("usage: run_tshark.py PLUGIN.so PCAPDIR %s|all" % "|".join(CHECKS), file=sys.stderr)
        return 2
    e = Env(argv[1], argv[2])
    try:
        for name in (CHECKS if argv[3] == "all" else [argv[3]]):
            CHECKS[name](e)
    finally:
        if not os.environ.get("STAMPKIT_KEEP_TMP"):
            shutil.rmtree(e.dir, ignore_errors=True)
        else:
            print("kept " + e.dir)
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
