#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# check-exact.py - the exact-count scenario of `stampkit analyze` (scripts/gen-pcaps.py,
# analyze_run): 60 STAMP packets, 2 lost outbound (seq 10, 30), 2 lost inbound (replies to
# 20, 45), the reply to 50 duplicated, the reply to 41 before that of 40. Checks every count
# exactly, every delay against the generator's model within 1 us, and the CSV flags.
# usage: check-exact.py STAMPKIT SRCDIR WORKDIR
import csv
import json
import os
import shutil
import subprocess
import sys

bin_, src, work = sys.argv[1:4]
syn = os.path.join(src, "pcaps", "synthetic")
SND = os.path.join(syn, "analyze-stateful-sender.pcap")
RFL = os.path.join(syn, "analyze-stateful-reflector.pcap")
SNDL = os.path.join(syn, "analyze-stateless-sender.pcap")
fails = []


def check(what, got, want):
    if got != want:
        fails.append(f"{what}: got {got!r}, want {want!r}")


def near(what, got, want, tol=1.0):
    if got is None or abs(got - want) > tol:
        fails.append(f"{what}: got {got!r}, want {want} +- {tol}")


def run(*args):
    p = subprocess.run([bin_, "analyze", *args], capture_output=True, text=True)
    check(f"exit status of {' '.join(args)}", p.returncode, 0)
    return p


def session(*files):
    j = json.loads(run("--json", *files).stdout)
    check(f"sessions in {files}", len(j["sessions"]), 1)
    return j, j["sessions"][0]


# The model of the generator, in microseconds (reflector clock 500 us ahead).
sent = range(60)
answered = [i for i in sent if i not in (10, 30, 20, 45)]
out_d = [1500 + (i % 7) * 10 for i in sent if i not in (10, 30)]
in_d = [1500 + (i % 5) * 15 + (12000 if i == 40 else 0) for i in answered]
rtt = [3000 + (i % 7) * 10 + (i % 5) * 15 + (12000 if i == 40 else 0) for i in answered]
out_ans = [1500 + (i % 7) * 10 for i in answered]
res = [20 + (i % 3) * 5 for i in answered]

# 1. Sender-side capture, stateful reflector: every count exact.
j, s = session(SND)
check("packets", j["packets"], 117)
check("test_packets", j["test_packets"], 117)
check("malformed", j["malformed"], 0)
check("capture point", j["capture_points"], ["sender"])
for k, v in (("sender", "192.0.2.1:40001"), ("reflector", "198.51.100.1:862"), ("ssid", 7),
             ("mode", "stamp"), ("sent", 60), ("received", 56), ("reflected", 56),
             ("unknown_lost", 0), ("reflector_state", "stateful")):
    check(k, s[k], v)
for d, lost, dup, reo in (("outbound", 2, 0, 0), ("inbound", 2, 1, 1), ("roundtrip", 4, 1, 1)):
    check(f"{d}.lost", s[d]["lost"], lost)
    check(f"{d}.duplicates", s[d]["duplicates"], dup)
    check(f"{d}.reordered", s[d]["reordered"], reo)
    near(f"{d}.loss_pct", s[d]["loss_pct"], lost * 100 / 60, 0.001)
    check(f"{d}.max_extent", s[d]["max_extent"], reo)
for d, series in (("outbound", out_ans), ("inbound", in_d), ("roundtrip", rtt)):
    near(f"{d}.min_us", s[d]["min_us"], min(series))
    near(f"{d}.max_us", s[d]["max_us"], max(series))
    near(f"{d}.avg_us", s[d]["avg_us"], sum(series) / len(series))
    check(f"{d}.negative", s[d]["negative"], 0)
# IPDV over consecutive numbers both answered: 59 pairs, less 2 for each of 10, 20, 30, 45;
# the outbound delay steps +10 us, and -60 us from 6 to 0 mod 7.
check("outbound.ipdv_count", s["outbound"]["ipdv_count"], 51)
near("outbound.ipdv_min_us", s["outbound"]["ipdv_min_us"], -60)
near("outbound.ipdv_max_us", s["outbound"]["ipdv_max_us"], 10)
near("residence.min_us", s["residence"]["min_us"], min(res))
near("residence.max_us", s["residence"]["max_us"], max(res))
check("wire", s["wire"], None)

# 2. Stateless reflector: the direction of the 4 losses is unknown, and said so.
_, s = session(SNDL)
check("stateless reflector_state", s["reflector_state"], "stateless-or-unknown")
check("stateless outbound.lost", s["outbound"]["lost"], None)
check("stateless inbound.lost", s["inbound"]["lost"], None)
check("stateless roundtrip.lost", s["roundtrip"]["lost"], 4)
check("stateless unknown_lost", s["unknown_lost"], 4)
check("stateless roundtrip.duplicates", s["roundtrip"]["duplicates"], 1)
check("stateless roundtrip.reordered", s["roundtrip"]["reordered"], 1)

# 3. Both captures merged by time: same counts (split by the reflector's capture), wire delays from the capture times
#    (sender packet captured 5 us after T1, at the reflector 3 us before T2; the reply 3 us
#    after T3 at the reflector and at T4 at the sender).
j, s = session(SND, RFL)
check("merged capture points", j["capture_points"], ["sender", "reflector"])
check("merged outbound.lost", s["outbound"]["lost"], 2)
check("merged inbound.lost", s["inbound"]["lost"], 2)
check("merged duplicates", s["roundtrip"]["duplicates"], 1)
check("merged inbound.duplicates", s["inbound"]["duplicates"], 1)
check("merged outbound.duplicates", s["outbound"]["duplicates"], 0)
check("merged unknown_lost", s["unknown_lost"], 0)
w = s["wire"] or {}
near("wire outbound min", w.get("outbound", {}).get("min_us"), min(out_ans) - 8)
near("wire outbound max", w.get("outbound", {}).get("max_us"), max(out_ans) - 8)
near("wire inbound min", w.get("inbound", {}).get("min_us"), min(in_d) - 3)
near("wire inbound max", w.get("inbound", {}).get("max_us"), max(in_d) - 3)
near("wire roundtrip min", w.get("roundtrip", {}).get("min_us"), min(rtt) - 11)

# 4. The reflector-side capture alone: outbound loss 2, nothing about the way back.
j, s = session(RFL)
check("reflector capture point", j["capture_points"], ["reflector"])
check("reflector outbound.lost", s["outbound"]["lost"], 2)
check("reflector inbound.lost", s["inbound"]["lost"], None)
check("reflector inbound.min_us", s["inbound"]["min_us"], None)
near("reflector outbound.min_us", s["outbound"]["min_us"], min(out_d))

# 4a. A reflector-side capture that starts late (its first frame is the reply to 5, whose
#     sender packet it missed): replies are held until a pair shows where it was taken.
if shutil.which("editcap"):
    late = os.path.join(work, "late-reflector.pcap")
    subprocess.run(["editcap", RFL, late, "1-11"], check=True)
    j, s = session(late)
    check("late capture point", j["capture_points"], ["reflector"])
    check("late sent", s["sent"], 55)
    check("late received", s["received"], 53)
    check("late outbound.lost", s["outbound"]["lost"], 2)
    check("late inbound.lost", s["inbound"]["lost"], None)
else:
    print("editcap not found: late-start check skipped")

# 4b. Losses after the last reply with a stateless reflector (sender packets 10 and 58 lost on
#     the way out, replies to 20 and 59 on the way back): unknown from the sender's capture,
#     told apart with the reflector's.
TS = os.path.join(syn, "analyze-tail-sender.pcap")
TR = os.path.join(syn, "analyze-tail-reflector.pcap")
_, s = session(TS)
check("tail sender-only received", s["received"], 56)
check("tail sender-only unknown_lost", s["unknown_lost"], 4)
check("tail sender-only outbound.lost", s["outbound"]["lost"], None)
_, s = session(TS, TR)
check("tail merged outbound.lost", s["outbound"]["lost"], 2)
check("tail merged inbound.lost", s["inbound"]["lost"], 2)
check("tail merged unknown_lost", s["unknown_lost"], 0)
check("tail merged roundtrip.lost", s["roundtrip"]["lost"], 4)
check("tail merged outbound.duplicates", s["outbound"]["duplicates"], 0)

# 5. CSV: one row per reply arrival and one per sender packet never answered.
path = os.path.join(work, "exact.csv")
run("--csv", path, SND)
rows = list(csv.DictReader(open(path)))
check("csv rows", len(rows), 57 + 4)
check("csv lost seqs", sorted(int(r["seq"]) for r in rows if r["lost"] == "1"), [10, 20, 30, 45])
check("csv duplicate seqs", [int(r["seq"]) for r in rows if r["duplicate"] == "1"], [50])
check("csv reordered seqs", [int(r["seq"]) for r in rows if r["reordered"] == "1"], [40])
r5 = next(r for r in rows if r["seq"] == "5")
check("csv seq 5 reflector_seq", r5["reflector_seq"], "5")
check("csv seq 5 outbound_ns", r5["outbound_ns"], str((1500 + 50) * 1000))
check("csv seq 5 residence_ns", r5["residence_ns"], str((20 + 10) * 1000))
check("csv seq 5 t4 = reply capture", r5["t4_ns"], r5["reply_capture_ns"])
# Merged: the rows are the sender side's (the reflector's copies are not repeated).
run("--csv", path, SND, RFL)
rows = list(csv.DictReader(open(path)))
check("merged csv rows", len(rows), 57 + 4)
check("merged csv rows with t4", sum(1 for r in rows if r["t4_ns"]), 57)

if fails:
    print("\n".join(fails))
    sys.exit(1)
print("exact-count scenario: all checks passed")
