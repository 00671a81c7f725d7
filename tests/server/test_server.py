#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Full TWAMP over loopback: `stampkit server` against `stampkit controller` / `controlclient`
# in the four security modes with several sessions, wrong keys, limits and their Accept codes,
# a taken port, silent and garbage clients, SERVWAIT, a wrong Request-TW-Session HMAC and
# truncated messages (twampctl.py), the control connection as `stampkit decode` and tshark's
# twamp.control read it, and the RFC 6038 / RFC 7750 features checked on the wire.
#   usage: test_server.py STAMPKIT
import atexit, json, os, shutil, signal, socket, struct, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "live"))
from livelib import Daemon, Fail, check, free_port, read_pcap, run, SKIP  # noqa: E402

TMP = tempfile.mkdtemp(prefix="sk-server-")
atexit.register(shutil.rmtree, TMP, True)
KEYS = os.path.join(TMP, "keys")
with open(KEYS, "w") as f:
    f.write("# KeyID passphrase\nalice correct horse battery\nbob s3cret\n")
BOB = os.path.join(TMP, "bob")
with open(BOB, "w") as f:
    f.write("bob s3cret\n")
WRONG = os.path.join(TMP, "wrong")
with open(WRONG, "w") as f:
    f.write("bob not-the-secret\n")
NOBODY = os.path.join(TMP, "nobody")
with open(NOBODY, "w") as f:
    f.write("carol s3cret\n")


def free_tcp(host="127.0.0.1"):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.bind((host, 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Server(Daemon):
    def __init__(self, bin, host, *args):
        self.port = free_tcp(host)
        self.log = os.path.join(TMP, "server-%d.log" % self.port)
        addr = "[%s]:%d" % (host, self.port) if ":" in host else "%s:%d" % (host, self.port)
        self.addr = addr
        super().__init__([bin, "server", "-v", "-l", self.log, "--ports", "30000-40000", *args,
                          addr], open(os.path.join(TMP, "server-%d.err" % self.port), "w+"))

    def logtext(self):
        return open(self.log).read() if os.path.exists(self.log) else ""

    def stop(self):
        return self.interrupt(timeout=5)


def one_document(out, command, what):
    """stdout of a --json run: exactly one JSON document of `command`, nothing else."""
    lines = out.splitlines()
    check(len(lines) == 1, "%s: %d lines on stdout (want one document): %r" % (what, len(lines), out))
    doc = json.loads(lines[0])
    check(doc["command"] == command and isinstance(doc["sessions"], list),
          "%s: document %r" % (what, doc))
    return doc


def controller(bin, srv, *args, want_rc=0, timeout=60):
    r = subprocess.run([bin, "controller", "--json", *args, srv], capture_output=True, text=True,
                       timeout=timeout)
    check(r.returncode == want_rc, "controller %s exit %d (want %d): %s %s" %
          (args, r.returncode, want_rc, r.stdout, r.stderr))
    if want_rc != 0:
        check(r.stdout == "", "controller %s failed but wrote on stdout: %r" % (args, r.stdout))
        return [], r.stderr
    doc = one_document(r.stdout, "controller", "controller %s" % (args,))
    return doc["sessions"], r.stdout + r.stderr


def greeting(host, port, timeout=5):
    s = socket.create_connection((host, port), timeout=timeout)
    g = b""
    while len(g) < 64:
        d = s.recv(64 - len(g))
        if not d:
            break
        g += d
    check(len(g) == 64, "greeting of %d octets" % len(g))
    return s, struct.unpack("!I", g[12:16])[0]


def closed_within(s, secs):
    """True when the server closes s within secs (EOF or reset)."""
    s.settimeout(secs)
    try:
        while True:
            d = s.recv(4096)
            if not d:
                return True
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


def setup_response(host, port, mode):
    """Greeting, then an unauthenticated Set-Up-Response with Mode; returns the socket and
    the Server-Start's Accept (None when the server closed without one)."""
    s, modes = greeting(host, port)
    s.sendall(struct.pack("!I", mode) + bytes(160))
    st = b""
    s.settimeout(5)
    try:
        while len(st) < 48:
            d = s.recv(48 - len(st))
            if not d:
                break
            st += d
    except (socket.timeout, ConnectionResetError):
        pass
    return s, modes, (st[15] if len(st) == 48 else None)


def features(bin, tcpdump):
    """RFC 6038 reflect octets and symmetrical size, RFC 7750 DSCP/ECN, checked on the wire."""
    # Not offered: the greeting says so, the controller does not ask, a Set-Up-Response
    # that asks anyway is refused.
    srv = Server(bin, "127.0.0.1", "--modes", "unauth,auth", "--key-file", KEYS)
    try:
        # RFC 4656 §3.1: the Mode MUST be among those offered; 0x400 has no security bit.
        s, modes, acc = setup_response("127.0.0.1", srv.port, 0x400)
        check(acc not in (None, 0), "Set-Up-Response Mode 0x400: Server-Start Accept %r" % acc)
        check(closed_within(s, 5), "Mode 0x400: connection left open")
        s.close()
        for bit in (0x20, 0x40, 0x100):
            s, modes, acc = setup_response("127.0.0.1", srv.port, 0x1 | bit)
            check(modes & 0x160 == 0, "features offered without asking: Modes 0x%x" % modes)
            check(acc != 0, "Set-Up-Response Mode 0x%x not offered: Server-Start Accept %r" %
                  (0x1 | bit, acc))
            check(closed_within(s, 5), "Mode 0x%x not offered: connection left open" % (0x1 | bit))
            s.close()
        for f in ("reflect-octets", "symmetrical", "dscp-ecn"):
            _, out = controller(bin, srv.addr, "-c", "2", "-i", "1", "--features", f, want_rc=1)
            check("does not offer the features" in out, out)
        ss, _ = controller(bin, srv.addr, "-c", "5", "-i", "1")  # still serving
        check(ss[0]["received"] == 5, repr(ss))
        srv.stop()
    finally:
        if srv.p.poll() is None:
            srv.p.kill()

    srv = Server(bin, "127.0.0.1", "--modes", "unauth,auth,encrypted,reflect-octets,symmetrical,dscp-ecn",
                 "--key-file", KEYS)
    try:
        s, modes, acc = setup_response("127.0.0.1", srv.port, 0x161)
        check(modes & 0x160 == 0x160 and acc == 0, "features offered 0x%x, Accept %r" % (modes, acc))
        s.close()
        pad, count = 100, 5
        for mode in ("unauth", "auth", "encrypted"):
            sec = mode != "unauth"
            for feats in ("reflect-octets", "symmetrical", "dscp-ecn", "reflect-octets,symmetrical,dscp-ecn"):
                tport = free_port()
                pcap = os.path.join(TMP, "features-%s-%s.pcap" % (mode, feats))
                td = subprocess.Popen([tcpdump, "-Z", "root", "--immediate-mode", "-i", "lo", "-n", "-U",
                                       "-c", "500", "-w", pcap,
                                       "udp port %d or tcp port %d" % (tport, srv.port)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                check("listening" in td.stderr.readline().decode(), "tcpdump did not start")
                try:
                    extra = ["--key-file", BOB] if sec else []
                    ss, _ = controller(bin, srv.addr, "--mode-auth", mode, "-c", str(count), "-i", "2",
                                       "--padding", str(pad), "--session-dscp", "ef", "--test-port",
                                       str(tport), "--features", feats, *extra)
                    time.sleep(0.3)
                finally:
                    td.send_signal(signal.SIGINT)
                    td.wait(10)
                x = ss[0]
                what = "%s %s" % (mode, feats)
                check(x["reflector"].endswith(":%d" % tport), "%s: port %r" % (what, x))
                check(x["received"] == count and x["bad_replies"] == 0, "%s: %r" % (what, x))
                pk = read_pcap(pcap)
                req = [p for p in pk if p[4] == tport]
                rep = [p for p in pk if p[3] == tport]
                check(len(req) == count and len(rep) == count, "%s: %d requests, %d replies on the wire" %
                      (what, len(req), len(rep)))
                sym = "symmetrical" in feats
                dscp = "dscp-ecn" in feats
                sfix = (112 if sec else 41) if sym else (48 if sec else 14)
                rfix = 112 if sec else (42 if dscp else 41)
                for q in req:
                    check(len(q[5]) == sfix + pad, "%s: request of %d octets (want %d)" %
                          (what, len(q[5]), sfix + pad))
                    if sym:  # RFC 6038: MBZ from the error estimate to the fixed part's end
                        z = q[5][14:41] if not sec else q[5][26:96]
                        if mode != "encrypted":
                            check(z == bytes(len(z)), "%s: symmetrical MBZ not zero" % what)
                for q, r in zip(req, rep):
                    check(len(r[5]) == max(len(q[5]), rfix), "%s: reply of %d octets to %d" %
                          (what, len(r[5]), len(q[5])))
                    if dscp and mode != "encrypted":
                        # RFC 7750: the octet after Sender TTL is the TOS the request arrived with.
                        off = 81 if sec else 41
                        check(r[5][off] == q[1] == 0xb8, "%s: DSCP/ECN octet 0x%02x, request TOS 0x%02x" %
                              (what, r[5][off], q[1]))
                    if "reflect-octets" in feats:
                        n = x["reflect_len"]
                        check(n == min(pad, sfix + pad - rfix), "%s: reflect_len %d" % (what, n))
                        # The padding is never encrypted: compare it on the wire.
                        check(r[5][rfix:rfix + n] == q[5][sfix:sfix + n] and
                              any(r[5][rfix:rfix + n]) and not any(r[5][rfix + n:]),
                              "%s: reflected octets differ" % what)
                        check(x["reflect_mismatch"] == 0, "%s: %r" % (what, x))
                    else:
                        check(not any(r[5][rfix:]), "%s: reply padding not zero" % what)
                if dscp:
                    check(x["dscp_ecn"] == 0xb8, "%s: controller saw DSCP/ECN %r" % (what, x))
                # `stampkit decode` follows the negotiation (decrypting control and test
                # packets with the secret): the test packets in the layouts the features
                # select, every HMAC verified, the DSCP/ECN octet as EF.
                r = subprocess.run([bin, "decode", "--json", "--port", str(srv.port), pcap] +
                                   (["--secret", "bob=s3cret"] if sec else []),
                                   capture_output=True, text=True, timeout=60)
                recs = json.loads(r.stdout)["packets"]
                tests = [t for t in recs if t.get("kind") == "test"]
                check(len(tests) == 2 * count and all(not t["problems"] and t["error"] is None
                                                      for t in tests), "%s: decode %r" % (what, tests[:2]))
                sfx = "auth" if sec else "unauth"
                sl = {t["layout"] for t in tests if t["role"] == "sender"}
                rl = {t["layout"] for t in tests if t["role"] == "reflector"}
                check(sl == {"twamp_sender_sym_" + sfx if sym else "twamp_sender_" + sfx} and
                      rl == {"twamp_reflector_%s_dscpecn" % sfx if dscp else "twamp_reflector_" + sfx},
                      "%s: decoded layouts %r %r" % (what, sl, rl))
                if sec:
                    check(all(t.get("hmac_status") == 1 for t in tests),  # SK_HMAC_ST_OK
                          "%s: decoded HMACs %r" % (what, [t.get("hmac_status") for t in tests]))
                if dscp:
                    check(all(t["sender_dscp"] == 46 and t["sender_ecn"] == 0 for t in tests
                              if t["role"] == "reflector"), "%s: decoded DSCP/ECN" % what)
                if "reflect-octets" in feats:
                    # Decoded with the negotiated Length of padding to reflect: the reflected
                    # octets are the start of the matching request's padding.
                    pads = {t["seq"]: bytes.fromhex(t["padding"]) for t in tests if t["role"] == "sender"}
                    for t in tests:
                        if t["role"] == "reflector":
                            ro = bytes.fromhex(t["reflected_octets"])
                            check(len(ro) == x["reflect_len"] and ro == pads[t["sender_seq"]][:len(ro)],
                                  "%s: decoded reflected octets %r" % (what, t))
                if "reflect-octets" in feats:
                    # The control exchange as `stampkit decode` reads it (decrypted with the
                    # secret): Octets to be reflected echoed in Accept-Session, the padding
                    # length asked for.
                    ctl = {c["message"]: c for c in recs if c.get("kind") == "control"}
                    check(ctl["Request-TW-Session"]["octets_reflected"] == 0x534b and
                          ctl["Request-TW-Session"]["padding_reflected"] == x["reflect_len"] and
                          ctl["Accept-Session"]["reflected_octets"] == 0x534b,
                          "%s: control %r" % (what, ctl))
        srv.stop()
    finally:
        if srv.p.poll() is None:
            srv.p.kill()


def log_of(srv, sock, want, secs=5):
    """The server's log lines about the connection from sock, once one contains want."""
    name = "127.0.0.1:%d:" % sock.getsockname()[1]
    deadline = time.time() + secs
    while True:
        lines = [l for l in srv.logtext().splitlines() if name in l]
        if any(want in l for l in lines) or time.time() > deadline:
            return lines
        time.sleep(0.05)


def bad_control(bin):
    """A control client of our own (twampctl.py, written without the codec) that sends a
    wrong HMAC or stops in the middle of a message: refused or closed, nothing accepted,
    and a good controller is served right after."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    try:
        import twampctl
    except ImportError as e:
        print("skip wrong-HMAC client: %s" % e)
        return
    srv = Server(bin, "127.0.0.1", "--modes", "all", "--key-file", KEYS)
    try:
        names = {1: "unauth", 2: "auth", 4: "encrypted", 8: "mixed"}
        # The client itself is right: every mode sets up a session with a verified
        # Accept-Session HMAC. Without this the refusals below would prove nothing.
        for m in (1, 2, 4, 8):
            c = twampctl.Client("127.0.0.1", srv.port, m, b"bob", b"s3cret")
            check(c.send_setup() == 0, "%s: Server-Start Accept" % names[m])
            acc, port = c.request(receiver_port=0)
            check(acc == 0 and port != 0, "%s: good request: Accept %d port %d" % (names[m], acc, port))
            c.close()
        for m in (2, 4, 8):
            # RFC 4656 §3.2 / RFC 5357 §3.2: a control message whose HMAC does not verify
            # ends the connection; no Accept-Session, no session.
            c = twampctl.Client("127.0.0.1", srv.port, m, b"bob", b"s3cret")
            check(c.send_setup() == 0, "%s: Server-Start Accept" % names[m])
            c.request(corrupt_hmac=True, upto=112)
            t0 = time.time()
            check(c.closed_within(5), "%s: wrong HMAC: connection left open" % names[m])
            check(time.time() - t0 < 2, "%s: wrong HMAC: closed only after %.1f s" % (names[m], time.time() - t0))
            lines = log_of(srv, c.s, "connection closed")
            check(any("HMAC check failed" in l for l in lines) and
                  not any("session accepted" in l for l in lines),
                  "%s: wrong HMAC: server log %r" % (names[m], lines))
            c.close()
            extra = [] if m == 1 else ["--key-file", BOB]
            ss, _ = controller(bin, srv.addr, "--mode-auth", names[m], "-c", "5", "-i", "1", *extra)
            check(ss[0]["received"] == 5 and ss[0]["bad_replies"] == 0,
                  "%s: good controller after a wrong HMAC: %r" % (names[m], ss))
        # Truncated messages: the client closes in the middle of the Set-Up-Response or of a
        # Request-TW-Session (before its HMAC block, inside a block).
        cuts = [(m, "setup", n) for m in (1, 2) for n in (1, 100, 163)]
        cuts += [(m, "request", n) for m in (1, 2, 4) for n in (1, 50, 96, 111)]
        for m, what, n in cuts:
            c = twampctl.Client("127.0.0.1", srv.port, m, b"bob", b"s3cret")
            if what == "setup":
                c.send_setup(upto=n)
            else:
                check(c.send_setup() == 0, "Server-Start Accept")
                c.request(upto=n)
            c.s.shutdown(socket.SHUT_WR)
            check(c.closed_within(5), "%s %s cut at %d: connection left open" % (names[m], what, n))
            lines = log_of(srv, c.s, "connection closed")
            check(any("connection closed" in l for l in lines) and
                  not any("session accepted" in l for l in lines),
                  "%s %s cut at %d: server log %r" % (names[m], what, n, lines))
            c.close()
        for mode, extra in (("unauth", []), ("auth", ["--key-file", BOB])):
            ss, _ = controller(bin, srv.addr, "--mode-auth", mode, "-c", "5", "-i", "1", *extra)
            check(ss[0]["received"] == 5, "good controller after truncated clients: %r" % ss)
        srv.stop()
    finally:
        if srv.p.poll() is None:
            srv.p.kill()


def main(bin):
    # 1. Every mode, several sessions, complete results, test packets decrypted.
    srv = Server(bin, "127.0.0.1", "--modes", "all", "--key-file", KEYS)
    try:
        for mode in ("unauth", "auth", "encrypted", "mixed"):
            extra = [] if mode == "unauth" else ["--key-file", BOB, "--key-id", "bob"]
            ss, _ = controller(bin, srv.addr, "--mode-auth", mode, "--sessions", "3", "-c", "25",
                               "-i", "2", "--padding", "30", *extra)
            check(len(ss) == 3, "%s: %d sessions" % (mode, len(ss)))
            for s in ss:
                check(s["sent"] == 25 and s["received"] == 25 and s["roundtrip"]["lost"] == 0 and
                      s["bad_replies"] == 0 and s["outbound"]["lost"] == 0 and s["ssid"] is None and
                      s["mode"] == "twamp" and len(s["sid"]) == 32, "%s: %r" % (mode, s))
                check(s["roundtrip"]["min_us"] > 0 and s["roundtrip"]["max_us"] < 1e6, repr(s))
            ports = {s["reflector"] for s in ss}
            check(len(ports) == 3, "distinct reflector ports %r" % ports)
        log = srv.logtext()
        check(log.count("session accepted") == 12, "12 sessions accepted")
        # Several connections at once, each with its sessions, in different modes.
        procs = [subprocess.Popen([bin, "controller", "--json", "--mode-auth", m, "--key-file", BOB,
                                   "--sessions", "2", "-c", "50", "-i", "2", "--test-port",
                                   str(21000 + 10 * k), srv.addr],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for k, m in enumerate(("unauth", "auth", "encrypted", "mixed"))]
        for p in procs:
            out, err = p.communicate(timeout=60)
            check(p.returncode == 0, "parallel controller: %s" % err)
            ss = one_document(out, "controller", "parallel controller")["sessions"]
            check(len(ss) == 2 and all(x["received"] == 50 and x["bad_replies"] == 0 for x in ss),
                  "parallel controller: %r" % ss)
        check("padding 30" in log, "padding signalled in the request")
        # 2. Wrong passphrase, unknown KeyID: Server-Start Accept 1, said in words.
        for kf in (WRONG, NOBODY):
            _, err = controller(bin, srv.addr, "--mode-auth", "auth", "--key-file", kf, "-c", "3",
                                want_rc=1)
            check("Accept 1" in err and "wrong KeyID or passphrase" in err, err)
        # 3. DSCP from Type-P, IPVN 4, Number of Sessions right (server log / decode below).
        controller(bin, srv.addr, "--session-dscp", "ef", "-c", "3", "-i", "1")
        check("DSCP 46" in srv.logtext(), "DSCP from Type-P")
        # 4. A reflector port that is taken: another one, said in Accept-Session, honoured.
        taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        taken.bind(("127.0.0.1", 0))
        tp = taken.getsockname()[1]
        ss, err = controller(bin, srv.addr, "--test-port", str(tp), "-c", "10", "-i", "1")
        taken.close()
        check(not ss[0]["reflector"].endswith(":%d" % tp) and ss[0]["received"] == 10, repr(ss))
        check("the server chose port" in err, err)
        # 5. Garbage and silence do not hurt the good clients.
        # Set-Up-Responses of random octets under a Mode with several security bits, a
        # secure Mode (the Token cannot match), a Mode with bits that were not offered.
        for mode in (0x0000000F, 0x00000002, 0x00000004, 0x80000001):
            g, modes = greeting("127.0.0.1", srv.port)
            check(modes & 0xF == 0xF and modes & 0x10, "Modes 0x%x" % modes)
            g.sendall(struct.pack("!I", mode) + os.urandom(160))
            check(closed_within(g, 5), "garbage Set-Up-Response, Mode 0x%x: connection closed" % mode)
            g.close()
        silent, _ = greeting("127.0.0.1", srv.port)
        ss, _ = controller(bin, srv.addr, "-c", "5", "-i", "1")
        check(ss[0]["received"] == 5, "served while a client is silent")
        silent.close()
        srv.stop()
    finally:
        if srv.p.poll() is None:
            srv.p.kill()

    # 6. Limits: --max-sessions -> Accept 5; --max-connections -> Modes 0; SERVWAIT.
    srv = Server(bin, "127.0.0.1", "--max-sessions", "2", "--max-connections", "2",
                 "--servwait", "2", "--json")
    try:
        _, err = controller(bin, srv.addr, "--sessions", "3", "-c", "2", want_rc=1)
        check("refused session 3: Accept 5" in err, err)
        a, _ = greeting("127.0.0.1", srv.port)
        b, _ = greeting("127.0.0.1", srv.port)
        c, modes = greeting("127.0.0.1", srv.port)
        check(modes == 0, "third connection: Modes %d" % modes)
        _, err = controller(bin, srv.addr, "-c", "2", want_rc=1)
        check("Modes 0" in err, err)
        t0 = time.time()
        check(closed_within(a, 6) and closed_within(b, 6), "SERVWAIT closes silent clients")
        check(1.5 < time.time() - t0 < 6, "SERVWAIT after about 2 s")
        for s in (a, b, c):
            s.close()
        ss, _ = controller(bin, srv.addr, "--sessions", "2", "-c", "5", "-i", "1")
        check(len(ss) == 2 and all(s["received"] == 5 for s in ss), "served after the limits")
        out = srv.stop()
        cnt = one_document(out, "server", "server counters")["counters"]
        check(cnt["refused_connections"] == 2 and cnt["refused_sessions"] == 1 and
              cnt["sessions"] == 4 and cnt["test_reflected"] == 10 and cnt["test_refused"] == 0,
              "server counters %r" % cnt)
    finally:
        if srv.p.poll() is None:
            srv.p.kill()

    # 7. Mode not offered.
    srv = Server(bin, "127.0.0.1")
    try:
        _, err = controller(bin, srv.addr, "--mode-auth", "encrypted", "--key-file", BOB,
                            want_rc=1)
        check("does not offer the encrypted mode" in err, err)
        # 8. controlclient: sessions for an external sender, Stop-Sessions, exit 0.
        sport = free_port()
        cc = subprocess.Popen([bin, "controlclient", "--json", "--duration", "4", srv.addr,
                               "127.0.0.1:%d" % sport], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        line = cc.stdout.readline()
        check(line.startswith("{"), "controlclient: %r %s" % (line, cc.stderr.read() if
                                                              cc.poll() is not None else ""))
        # One document once the sessions are started (nothing measured here: sent 0,
        # "measured" false), then nothing more on stdout.
        doc = json.loads(line)
        check(doc["command"] == "controlclient" and len(doc["sessions"]) == 1, repr(doc))
        info = doc["sessions"][0]
        check(info["sent"] == 0 and info["measured"] is False and len(info["sid"]) == 32 and
              info["sender"] == "127.0.0.1:%d" % sport and info["sender_port"] == sport,
              "controlclient session %r" % info)
        r = subprocess.run([bin, "sender", "--json", "--mode", "twamp-light", info["reflector"],
                            "127.0.0.1:%d" % sport, "-c", "10", "-i", "5"],
                           capture_output=True, text=True, timeout=30)
        s = json.loads(r.stdout)["sessions"][0]
        check(s["received"] == 10, "external sender through controlclient's session: %r" % s)
        t0 = time.time()
        cc.wait(10)
        check(cc.returncode == 0, "controlclient exit %d" % cc.returncode)
        check(cc.stdout.read() == "", "controlclient: more than one document on stdout")
        check(time.time() - t0 < 6, "controlclient exits after --duration")
        check("Stop-Sessions" in srv.logtext(), "controlclient sent Stop-Sessions")
        srv.stop()
    finally:
        if srv.p.poll() is None:
            srv.p.kill()

    # 8b. A wrong Request-TW-Session HMAC, truncated messages.
    bad_control(bin)

    # 9. IPv6.
    try:
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM).bind(("::1", 0))
        v6 = True
    except OSError:
        v6 = False
    if v6:
        srv = Server(bin, "::1", "--modes", "unauth,auth", "--key-file", KEYS)
        try:
            for mode in ("unauth", "auth"):
                ss, _ = controller(bin, srv.addr, "--mode-auth", mode, "--key-file", BOB,
                                   "--sessions", "2", "-c", "10", "-i", "1")
                check(all(s["received"] == 10 and s["reflector"].startswith("[::1]:") for s in ss),
                      "IPv6 %s: %r" % (mode, ss))
            srv.stop()
        finally:
            if srv.p.poll() is None:
                srv.p.kill()

    # 10. Interop: our control connection read by `stampkit decode` and by tshark.
    tcpdump = shutil.which("tcpdump") or "/usr/sbin/tcpdump"
    if not os.path.exists(tcpdump):
        print("skip decode interop: no tcpdump")
        return
    # 11. RFC 6038 / RFC 7750 features.
    features(bin, tcpdump)

    for mode, extra in (("unauth", []), ("auth", ["--key-file", BOB]),
                        ("encrypted", ["--key-file", BOB, "--individual"])):
        indiv = "--individual" in extra
        srv = Server(bin, "127.0.0.1", "--modes", "all", "--key-file", KEYS)
        tport = free_port()
        while srv.port in (tport, tport + 1):  # a UDP-free number can be the server's TCP port
            tport = free_port()
        pcap = os.path.join(TMP, "control-%s.pcap" % mode)
        td = subprocess.Popen([tcpdump, "-Z", "root", "--immediate-mode", "-i", "lo", "-n", "-U", "-w", pcap,
                               "tcp port %d or udp port %d or udp port %d" %
                               (srv.port, tport, tport + 1)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        check("listening" in td.stderr.readline().decode(), "tcpdump did not start")
        try:
            ss, _ = controller(bin, srv.addr, "--mode-auth", mode, "--sessions", "2", "-c", "5",
                               "-i", "2", "--test-port", str(tport), "--session-dscp", "ef", *extra)
            check(all(s["reflector"].endswith(":%d" % (tport + i)) for i, s in enumerate(ss)),
                  "asked ports granted: %r" % ss)
            time.sleep(0.5)
            srv.stop()
        finally:
            if srv.p.poll() is None:
                srv.p.kill()
            td.send_signal(signal.SIGINT)
            td.wait(10)
        # DSCP EF (TOS 0xb8) on the test packets both ways: asked in Type-P, applied by both.
        udp = [x for x in read_pcap(pcap) if x[3] in (tport, tport + 1) or x[4] in (tport, tport + 1)]
        check(len(udp) == 20 and all(x[1] == 0xb8 for x in udp),
              "%s: test packets' TOS %r" % (mode, [(x[1], x[3], x[4]) for x in udp]))
        args = [bin, "decode", "--json", "--port", str(srv.port)]
        if mode != "unauth":
            args += ["--secret", "bob=s3cret"]  # decrypts control, checks every HMAC
        r = subprocess.run(args + [pcap], capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, "%s: decode exit %d: %s" % (mode, r.returncode, r.stderr))
        recs = json.loads(r.stdout)["packets"]
        ctl = [x for x in recs if x.get("kind") == "control"]
        names = [x["message"] for x in ctl]
        want = ["Server-Greeting", "Set-Up-Response", "Server-Start", "Request-TW-Session",
                "Accept-Session", "Request-TW-Session", "Accept-Session"]
        want += (["Start-N-Sessions", "Start-N-Ack", "Stop-N-Sessions", "Stop-N-Ack"] if indiv
                 else ["Start-Sessions", "Start-Ack"])
        want += ["Stop-Sessions"]
        check(names == want, "%s: control messages %r" % (mode, names))
        if indiv:
            nm = [x for x in ctl if x["message"].endswith("-N-Sessions") or x["message"].endswith("-N-Ack")]
            check(all(x["nsessions"] == 2 for x in nm), "RFC 5938 messages list both SIDs: %r" % nm)
            check(all(x["accept"] == 0 for x in nm if x["message"].endswith("Ack")), "N acks 0")
        check(all(not x["problems"] and x["error"] is None for x in ctl),
              "%s: decode found problems (HMACs etc.): %r" % (mode, ctl))
        reqs = [x for x in ctl if x["message"] == "Request-TW-Session"]
        check([x["ipvn"] for x in reqs] == [4, 4] and
              [x["receiver_port"] for x in reqs] == [tport, tport + 1], repr(reqs))
        # RFC 5357 §3.8: the sessions in progress (none left after Stop-N-Sessions).
        check([x for x in ctl if x["message"] == "Stop-Sessions"][0]["nsessions"] == (0 if indiv else 2),
              "Stop-Sessions Number of Sessions")
        check([x["accept"] for x in ctl if x["message"] == "Accept-Session"] == [0, 0], "accepts")
        tests = [x for x in recs if x.get("kind") != "control" and x.get("transport") != "tcp"]
        check(len(tests) == 20, "%s: %d test packets decoded (want 20)" % (mode, len(tests)))
        check(all(x["error"] is None and not x.get("problems") for x in tests),
              "%s: test packets with problems: %r" % (mode, [x for x in tests if x.get("problems")][:2]))
        if mode == "unauth" and shutil.which("tshark"):
            r = subprocess.run(["tshark", "-r", pcap, "-d", "tcp.port==%d,twamp.control" % srv.port,
                                "-Y", "twamp.control", "-T", "fields", "-e", "twamp.control.ipvn",
                                "-e", "twamp.control.numsessions", "-e", "twamp.control.accept"],
                               capture_output=True, text=True, timeout=60)
            check(r.returncode == 0, "tshark: " + r.stderr)
            rows = [l.split("\t") for l in r.stdout.splitlines()]
            check(sum(1 for x in rows if x[0] == "4") == 2, "tshark: two requests with IPVN 4: %r" % rows)
            check(any(x[1] == "2" for x in rows), "tshark: Stop-Sessions with 2 sessions: %r" % rows)

if __name__ == "__main__":
    if not os.path.exists(sys.argv[1]):
        sys.exit(SKIP)
    run(main)
