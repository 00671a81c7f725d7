#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# gui_test.py - the plugin in Wireshark's Qt GUI (Debian's wireshark-qt) under Xvfb: captures
# opened in the real GUI with the built plugin and the "stampkit" profile, screenshots
# (ImageMagick `import`) read back by OCR (tesseract), checked for a few distinctive tokens.
#
#   /usr/bin/python3 tests/plugin/gui_test.py PLUGIN.so PCAPDIR PROFILEDIR CHECK [--shots DIR]
#
# CHECK: menu (the Statistics menu has the sessions entry and opens the dialog with every
# column in view), dialog (`-z stamp,sessions`: rows and counts), profile (`-C stampkit`:
# columns, Info marks, profile name), iograph (the profile's RTT I/O graph), or all.
# --shots DIR keeps the pictures docs/plugin.md shows (scripts/plugin-screenshots.sh).
#
# Wireshark run as root ignores WIRESHARK_PLUGIN_DIR, so as root it runs as nobody (setpriv)
# over a world-readable copy of the plugin, the captures and a HOME of its own (the profile
# in ~/.config/wireshark/profiles/, the main window's size in recent_common). Exit 77 (skip)
# only when no X server can be started here (no Xvfb, or it fails) or a tool is missing.
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = 'uat:twamp_keys:"alice","twamp-test-secret"'
SCREEN = (1600, 1000)
MAIN = (1560, 960)   # main window; Wireshark sizes a statistics dialog at 2/3 of it
FAILS = []
TOOLS = ("Xvfb", "wireshark", "xdotool", "import", "convert", "tesseract", "setpriv")


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg)


def expect(what, ok, detail=""):
    if ok:
        print("ok: %s" % what)
    else:
        fail("%s%s" % (what, (": " + detail) if detail else ""))


def norm(s):
    """OCR text folded for matching: lower case, no blanks, common confusions undone."""
    s = s.lower().replace(" ", "").replace("|", "l")
    # DejaVu Sans at GUI size: tesseract reads "TT" as "IT" (RTT -> RIT).
    return s.replace("rit", "rtt")


class Xvfb:
    def __init__(self):
        r, w = os.pipe()
        self.p = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0",
                                   "%dx%dx24" % SCREEN, "-nolisten", "tcp", "-ac"],
                                  pass_fds=(w,), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, start_new_session=True)
        os.close(w)
        self.display = None
        deadline = time.time() + 15
        buf = b""
        os.set_blocking(r, False)
        while time.time() < deadline and self.p.poll() is None:
            try:
                chunk = os.read(r, 64)
            except BlockingIOError:
                chunk = None
            if chunk:
                buf += chunk
                if buf.endswith(b"\n"):
                    self.display = ":" + buf.decode().strip()
                    break
            time.sleep(0.1)
        os.close(r)

    def close(self):
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()


class Env:
    def __init__(self, plugin, pcapdir, profile, display):
        self.display = display
        self.dir = tempfile.mkdtemp(prefix="stampkit-gui-")
        os.chmod(self.dir, 0o755)
        epan = os.path.join(self.dir, "4.0", "epan")
        os.makedirs(epan)
        shutil.copy(plugin, os.path.join(epan, "stampkit.so"))
        for sub in ("owamp", "synthetic"):
            d = os.path.join(pcapdir, sub)
            for f in sorted(os.listdir(d)):
                if f.endswith(".pcap"):
                    shutil.copy(os.path.join(d, f), os.path.join(self.dir, f))
        self.home = os.path.join(self.dir, "home")
        conf = os.path.join(self.home, ".config", "wireshark")
        shutil.copytree(profile, os.path.join(conf, "profiles", "stampkit"))
        with open(os.path.join(conf, "recent_common"), "w") as f:
            # The main window's place and size (no window manager here); no root warning.
            f.write("gui.geometry_main_x: 0\ngui.geometry_main_y: 0\n"
                    "gui.geometry_main_width: %d\ngui.geometry_main_height: %d\n"
                    "gui.geometry_main_maximized: FALSE\nprivs.warn_if_elevated: FALSE\n"
                    % MAIN)
        os.makedirs(os.path.join(self.dir, "run"))
        self.root = os.geteuid() == 0
        for root, dirs, files in os.walk(self.dir):
            for n in dirs + files:
                p = os.path.join(root, n)
                os.chmod(p, 0o700 if n == "run" else 0o755)
                if self.root:
                    os.chown(p, 65534, 65534)
        self.ws = None
        self.shot_no = 0

    def start(self, args):
        env = ["env", "-i", "PATH=/usr/bin:/bin", "HOME=" + self.home, "DISPLAY=" + self.display,
               "WIRESHARK_PLUGIN_DIR=" + self.dir, "XDG_RUNTIME_DIR=" + os.path.join(self.dir, "run"),
               "LANG=C.UTF-8", "QT_QPA_PLATFORM=xcb"]
        pre = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if self.root else []
        self.log = open(os.path.join(self.dir, "wireshark.log"), "a")
        self.ws = subprocess.Popen(pre + env + ["timeout", "120", "wireshark"] + args, cwd=self.dir,
                                   stdout=self.log, stderr=self.log, start_new_session=True)

    def stop(self):
        if self.ws and self.ws.poll() is None:
            os.killpg(self.ws.pid, signal.SIGTERM)
            try:
                self.ws.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.ws.pid, signal.SIGKILL)
                self.ws.wait()
        self.ws = None

    def x(self, *args, check=False):
        p = subprocess.run(["xdotool"] + list(args), env=dict(os.environ, DISPLAY=self.display),
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=20)
        if check and p.returncode != 0:
            raise RuntimeError("xdotool %s failed" % " ".join(args))
        return p.stdout.split()

    def wait_window(self, name, timeout=60):
        """Id of the first visible window whose title matches name (regex), or None."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.ws is not None and self.ws.poll() is not None:
                return None
            ids = self.x("search", "--onlyvisible", "--name", name)
            if ids:
                return ids[-1]
            time.sleep(0.5)
        return None

    def shot(self, window="root", keep=None, crop=None):
        """Screenshot (whole screen or one window); OCR words as [(text, x, y, w, h, line)]."""
        self.shot_no += 1
        png = os.path.join(self.dir, "shot%d.png" % self.shot_no)
        subprocess.run(["import", "-window", window, png], check=True, timeout=30,
                       env=dict(os.environ, DISPLAY=self.display))
        if keep:
            # Small palette PNGs for the docs.
            args = ["convert", png] + (["-crop", crop, "+repage"] if crop else []) + \
                   ["-colors", "128", "-strip", keep]
            subprocess.run(args, check=True, timeout=60)
        return ocr(png)

    def shot_until(self, ok, window="root", tries=5, delay=2.0, **kw):
        """Screenshots until ok(words) holds (a loaded machine draws late); the last words."""
        for i in range(tries):
            words = self.shot(window, **kw)
            if ok(words):
                break
            time.sleep(delay)
        return words

    def click_word(self, words, pattern, region=None, offset=(0, 0)):
        """Clicks the centre of the first OCR word matching pattern; False when absent."""
        for w in words:
            if re.search(pattern, w[0]) and (region is None or region(w)):
                self.x("mousemove", str(w[1] + w[3] // 2 + offset[0]), str(w[2] + w[4] // 2 + offset[1]))
                time.sleep(0.3)
                self.x("click", "1")
                return True
        return False


def ocr(png, scale=3):
    """Words of a screenshot: scaled up and made grey before tesseract (small GUI fonts)."""
    big = png[:-4] + "-ocr.png"
    subprocess.run(["convert", png, "-colorspace", "Gray", "-resize", "%d%%" % (scale * 100),
                    "-sharpen", "0x1", big], check=True, timeout=60)
    p = subprocess.run(["tesseract", big, "stdout", "--psm", "11", "tsv"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True, timeout=120)
    words = []
    for ln in p.stdout.splitlines()[1:]:
        c = ln.split("\t")
        if len(c) == 12 and c[11].strip():
            words.append((c[11].strip(), int(c[6]) // scale, int(c[7]) // scale,
                          int(c[8]) // scale, int(c[9]) // scale))
    return words


def lines(words, tol=6):
    """Words grouped into screen rows (same y within tol), each row left to right."""
    rows = []
    for w in sorted(words, key=lambda w: (w[2], w[1])):
        for r in rows:
            if abs(r[0][2] - w[2]) <= tol:
                r.append(w)
                break
        else:
            rows.append([w])
    return [sorted(r, key=lambda w: w[1]) for r in rows]


def loose(s):
    """norm() without dots: tesseract often reads "3.000ms" as "3 000ms"."""
    return norm(s).replace(".", "")


def text(words):
    return norm(" ".join(w[0] for w in words))


def row_with(words, token):
    """The OCR row text containing token (normalised), or ""."""
    for r in lines(words):
        t = " ".join(w[0] for w in r)
        if norm(token) in norm(t):
            return t
    return ""


def has_tokens(row, tokens):
    """Which of tokens are missing from an OCR row (each token a whole word there)."""
    got = [norm(w) for w in row.split()]
    return [t for t in tokens if norm(t) not in got]


# ---------------------------------------------------------------------------------------
def open_capture(e, pcap, extra=()):
    e.start(["-C", "stampkit", "-r", os.path.join(e.dir, pcap)] + list(extra))
    wid = e.wait_window(re.escape(pcap))
    if not wid:
        fail("%s: no Wireshark window within 60 s (log: %s)" % (pcap, tail(e)))
        return None
    time.sleep(3)  # the packet list is filled after the window shows
    return wid


def tail(e):
    try:
        with open(os.path.join(e.dir, "wireshark.log")) as f:
            return f.read()[-300:].strip()
    except OSError:
        return ""


def check_menu(e, shots):
    wid = open_capture(e, "twamp-owamp523-modeA.pcap", ["-d", "tcp.port==18620,twampctl", "-o", KEYS])
    if not wid:
        return
    try:
        words = e.shot_until(lambda ws: any(w[0] == "Statistics" and w[2] < 40 for w in ws))
        if not e.click_word(words, r"^Statistics$", lambda w: w[2] < 40):
            fail("menu bar: no Statistics menu found by OCR")
            return
        time.sleep(1)
        words = e.shot_until(lambda ws: any("stamp/twamp" in norm(w[0]) for w in ws), tries=3)
        entry = [w for w in words if "stamp/twamp" in norm(w[0])]
        expect("Statistics menu lists STAMP/TWAMP-Test Sessions", bool(entry),
               text(words)[:300])
        if not entry:
            return
        e.click_word(entry, r".")
        did = e.wait_window("STAMP/TWAMP-Test Sessions", 30)
        expect("the menu entry opens the STAMP/TWAMP-Test Sessions dialog", bool(did))
        if not did:
            return
        time.sleep(2)
        # At the size Wireshark opens it (nothing a plugin can set): the session, its
        # protocol and the counts are in view.
        words = e.shot_until(lambda ws: row_with(ws, "TWAMP"), did)
        hdr = row_with(words, "Protocol")
        # (the sort arrow beside "Session" may clip its first letter or add a glyph)
        missing = [t for t in ("ession", "protocol", "sent", "received", "lost", "dup", "reord")
                   if t not in norm(hdr)]
        expect("dialog at its opening size: the count columns are in view", not missing,
               "%r missing %s" % (hdr, missing))
        row = row_with(words, "TWAMP")
        expect("dialog row: session 1, TWAMP, 10 sent, 10 received, 0 lost, 0 dup, 0 reordered",
               row.split()[:7] == ["1", "TWAMP", "10", "10", "0", "0", "0"], row)
        # Widened as a user would (Wireshark keeps that size): every column, the reflector
        # kind analyze gives this session, and no SSID for TWAMP.
        e.x("windowmove", did, "0", "0")
        e.x("windowsize", did, "1560", "300")
        time.sleep(2)
        words = e.shot_until(lambda ws: "stateful" in row_with(ws, "127.0.0.1:18778"), did,
                             keep=os.path.join(shots, "plugin-stats-dialog.png") if shots else None)
        row = row_with(words, "127.0.0.1:18778")
        missing = has_tokens(row, ["TWAMP", "127.0.0.1:18779", "-", "stateful"])
        expect("widened dialog row: endpoints, no SSID, stateful reflector (as analyze)",
               row and not missing, "%r missing %s" % (row, missing))
    finally:
        e.stop()


def check_dialog(e, shots):
    wid = open_capture(e, "analyze-stateful-sender.pcap", ["-z", "stamp,sessions"])
    if not wid:
        return
    try:
        did = e.wait_window("STAMP/TWAMP-Test Sessions", 30)
        expect("-z stamp,sessions opens the dialog", bool(did))
        if not did:
            return
        time.sleep(2)
        words = e.shot_until(lambda ws: row_with(ws, "STAMP"), did)
        row = row_with(words, "STAMP")
        # analyze: 60 sent, 56 received, 4 lost, 1 duplicate, 1 reordered.
        expect("dialog row (-z): session 1, STAMP, 60 sent, 56 received, 4 lost, 1 dup, 1 reordered",
               row.split()[:7] == ["1", "STAMP", "60", "56", "4", "1", "1"], row)
    finally:
        e.stop()


def check_profile(e, shots):
    # -g 100 selects frame 100, scrolling the list down to the frames around it: a
    # request with no reply (88), a reordered (81), a lost (90) and a duplicate reply (99).
    wid = open_capture(e, "analyze-stateful-sender.pcap", ["-g", "100"])
    if not wid:
        return
    try:
        crop = "%dx%d+0+0" % (MAIN[0], MAIN[1] // 2)
        words = e.shot_until(lambda ws: "noreply" in loose(text(ws)) and row_with(ws, "Destination"),
                             keep=os.path.join(shots, "plugin-packet-list.png") if shots else None,
                             crop=crop)
        hdr = row_with(words, "Destination")
        missing = has_tokens(hdr, ["Seq", "RTT", "Fwd", "Bwd", "delay", "Info"])
        expect("profile columns in the packet list header (Seq, RTT, Fwd delay, Bwd delay)",
               not missing, "%r missing %s" % (hdr, missing))
        expect("status bar names the profile (Profile: stampkit)",
               "profile:stampkit" in text(words), text(words)[-200:])
        rows = [" ".join(w[0] for w in r) for r in lines(words)]

        def info(*tokens):
            got = [r for r in rows if all(t in loose(r) for t in tokens)]
            return got[0] if got else ""
        expect("Info of frame 88: request marked [No reply]", info("noreply", "senderseq=45"),
               str(rows))
        # The Info column is cut at its width; the profile's Bwd delay column has the rest.
        expect("frame 81: [Reordered] and RTT in Info, backward delay 13.5 ms in its column",
               info("reordered", "sender-seq=40", "rtt=15050ms", "013500"), str(rows))
        expect("frame 99: [Duplicate]", info("duplicate", "sender-seq=50"), str(rows))
    finally:
        e.stop()


def check_iograph(e, shots):
    wid = open_capture(e, "analyze-stateful-sender.pcap")
    if not wid:
        return
    try:
        words = e.shot_until(lambda ws: any(w[0] == "Statistics" and w[2] < 40 for w in ws))
        if not e.click_word(words, r"^Statistics$", lambda w: w[2] < 40):
            fail("menu bar: no Statistics menu found by OCR")
            return
        time.sleep(1)
        words = e.shot_until(lambda ws: any(re.match(r"^Graphs?$", w[0]) for w in ws), tries=3)
        if not e.click_word(words, r"^Graphs?$", lambda w: any(
                re.match(r"[i1l]/o$", norm(v[0])) and abs(v[2] - w[2]) < 6 for v in words)):
            fail("Statistics menu: no I/O Graph entry found by OCR")
            return
        gid = e.wait_window("I/O Graph", 30)
        if gid:
            e.x("windowmove", gid, "0", "0")
        expect("I/O Graph dialog opens", bool(gid))
        if not gid:
            return
        time.sleep(3)
        # The capture lasts 0.6 s: an interval of 10 ms instead of 1 s (the combo box).
        words = e.shot_until(lambda ws: any(w[0] == "sec" for w in ws), gid, tries=3)
        if e.click_word(words, r"^sec$", lambda w: any(
                v[0] == "1" and abs(v[2] - w[2]) < 6 and 0 < w[1] - v[1] < 40 for v in words)):
            time.sleep(1)
            words = e.shot()  # the list is a window of its own
            e.click_word(words, r"^ms$", lambda w: any(
                v[0] == "10" and abs(v[2] - w[2]) < 6 and 0 < w[1] - v[1] < 40 for v in words))
            time.sleep(3)
        words = e.shot(gid, keep=os.path.join(shots, "plugin-io-graph.png") if shots else None)
        t = text(words)
        expect("the profile's graphs: RTT session 1 on stamp.rtt, AVG(Y Field)",
               "rttsession1" in t and "stamp.rtt" in t and "avg(yfield)" in t, t[:300])
        # Replies' RTT is 3.0-3.2 ms but one of 15 ms: an axis from about 0.003 s (in 10 ms
        # bins the 15 ms reply averages with its neighbour).
        expect("the RTT line is drawn (axis labels 0.003 ... s)", "0.003" in t, t[:300])
    finally:
        e.stop()


CHECKS = {"menu": check_menu, "dialog": check_dialog, "profile": check_profile,
          "iograph": check_iograph}


def main(argv):
    shots = None
    if "--shots" in argv:
        i = argv.index("--shots")
        shots = os.path.abspath(argv[i + 1])
        del argv[i:i + 2]
        os.makedirs(shots, exist_ok=True)
    if len(argv) != 5 or (argv[4] not in CHECKS and argv[4] != "all"):
        print("usage: gui_test.py PLUGIN.so PCAPDIR PROFILEDIR %s|all [--shots DIR]"
              % "|".join(CHECKS), file=sys.stderr)
        return 2
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        print("skip: %s not installed (scripts/setup.sh installs them)" % ", ".join(missing))
        return 77
    x = Xvfb()
    if not x.display:
        err = x.p.stderr.read().decode(errors="replace")[-300:] if x.p.poll() is not None else ""
        x.close()
        print("skip: no X server could be started here (Xvfb: %s)" % err.strip())
        return 77
    e = Env(argv[1], argv[2], argv[3], x.display)
    try:
        for name in (CHECKS if argv[4] == "all" else [argv[4]]):
            print("== %s" % name)
            CHECKS[name](e, shots)
    finally:
        e.stop()
        x.close()
        if not os.environ.get("STAMPKIT_KEEP_TMP"):
            shutil.rmtree(e.dir, ignore_errors=True)
        else:
            print("kept " + e.dir)
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
