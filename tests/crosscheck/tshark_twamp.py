#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Cross-check: TWAMP-Test packets encoded by stampkit must decode, in tshark's built-in
# twamp.test dissector (code nobody here wrote), to the values stampkit put in them.
#   usage: tshark_twamp.py MK_TWAMP_PCAP WORKDIR
import csv, os, subprocess, sys
from datetime import datetime, timezone

mk, work = sys.argv[1], sys.argv[2]
port = "40862"
os.makedirs(work, exist_ok=True)
pcap, tsv = os.path.join(work, "twamp.pcap"), os.path.join(work, "twamp.tsv")
subprocess.run([mk, pcap, tsv, port], check=True)
fields = ["frame.number", "twamp.test.seq_number", "twamp.test.timestamp",
          "twamp.test.error_estimate", "twamp.test.receive_timestamp",
          "twamp.test.sender_seq_number", "twamp.test.sender_timestamp",
          "twamp.test.sender_error_estimate", "twamp.test.sender_ttl"]
cmd = ["tshark", "-n", "-r", pcap, "-d", "udp.port==%s,twamp.test" % port, "-T", "fields",
       "-E", "separator=\t", "-o", "gui.column.format:\"No.\",\"%m\""]
for f in fields:
    cmd += ["-e", f]
env = dict(os.environ, TZ="UTC")
res = subprocess.run(cmd, capture_output=True, text=True, env=env)
if res.returncode != 0:
    sys.exit("tshark failed: " + res.stderr)
rows = [l.split("\t") for l in res.stdout.splitlines()]

def ns(text):
    # tshark prints absolute times as "Nov 18, 2026 10:13:20.123456789 UTC".
    text = text.strip().replace(" UTC", "")
    date, frac = text.rsplit(".", 1)
    dt = datetime.strptime(date, "%b %d, %Y %H:%M:%S").replace(tzinfo=timezone.utc)
    frac = (frac + "000000000")[:9]
    return int(dt.timestamp()) * 1000000000 + int(frac)

expected = list(csv.DictReader(open(tsv), delimiter="\t"))
if len(rows) != len(expected):
    sys.exit("tshark shows %d packets, %d were written" % (len(rows), len(expected)))
checked = failures = 0
for got, want in zip(rows, expected):
    g = dict(zip(fields, got))
    def cmp(name, a, b, tol=0):
        global checked, failures
        checked += 1
        if abs(a - b) > tol:
            failures += 1
            print("frame %s %s: tshark %s, stampkit %s" % (want["frame"], name, a, b))
    cmp("seq", int(g["twamp.test.seq_number"]), int(want["seq"]))
    # tshark keeps NTP fractions to the ns, truncating; allow 1 ns.
    cmp("timestamp", ns(g["twamp.test.timestamp"]), int(want["timestamp_ns"]), 1)
    cmp("error_estimate", int(g["twamp.test.error_estimate"], 0), int(want["error_estimate"]))
    if want["role"] == "reflector":
        cmp("rx_timestamp", ns(g["twamp.test.receive_timestamp"]), int(want["rx_timestamp_ns"]), 1)
        cmp("sender_seq", int(g["twamp.test.sender_seq_number"]), int(want["sender_seq"]))
        cmp("sender_timestamp", ns(g["twamp.test.sender_timestamp"]), int(want["sender_timestamp_ns"]), 1)
        cmp("sender_error_estimate", int(g["twamp.test.sender_error_estimate"], 0),
            int(want["sender_error_estimate"]))
        cmp("sender_ttl", int(g["twamp.test.sender_ttl"]), int(want["sender_ttl"]))
print("tshark twamp.test cross-check: %d values compared over %d packets" % (checked, len(rows)))
if failures:
    sys.exit("%d values differ" % failures)
