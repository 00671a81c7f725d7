#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Measurement accuracy through the impairment relay: known drops, duplicates and
# reorderings per direction must come out exactly in the sender's --json, and a delay
# added to one direction must show on that direction only (tolerance stated below).
#   usage: test_impair.py STAMPKIT
import json, subprocess
from livelib import Responder, check, free_port, per_dir, run, sender

DELAY_MS = 30
# Python relay plus scheduling on a shared 2-core machine: the added delay must appear
# within +10 ms on its direction; the other direction must stay under 10 ms.
TOL_MS = 10


def main(bin):
    cfg = {
        "lifetime": 40,
        "out": {"drop": [10, 20, 30], "dup": [60], "hold": [80]},
        "in": {"drop": [40, 50], "dup": [70], "hold": [90], "delay_ms": DELAY_MS},
    }
    for mode in ("stamp", "twamp-light"):
        rport, lport = free_port(), free_port()
        args = ["--mode", mode] + (["--stateful"] if mode == "stamp" else [])
        r = Responder(bin, "127.0.0.1:%d" % rport, *args)
        relay = subprocess.Popen(["/usr/bin/python3", __file__.replace("test_impair", "relay"),
                                  str(lport), str(rport), json.dumps(cfg)],
                                 stdout=subprocess.PIPE, text=True)
        try:
            check(relay.stdout.readline().strip() == "relay ready", "relay did not start")
            s = sender(bin, "127.0.0.1:%d" % lport, "-c", "100", "-i", "3", "--mode", mode,
                       "--reflector", "stateful", "--timeout", "1")
        finally:
            relay.kill()
            relay.wait()
            c = r.stop()
        want_loss = {"outbound": 3, "inbound": 2, "roundtrip": 5}
        check(s["sent"] == 100 and s["received"] == 95, "%s received: %r" % (mode, s))
        check(per_dir(s, "lost") == want_loss and s["unknown_lost"] == 0,
              "%s loss %r, want %r" % (mode, per_dir(s, "lost"), want_loss))
        check(per_dir(s, "loss_pct") == {"outbound": 3.0, "inbound": 2.0, "roundtrip": 5.0},
              "%s loss_pct %r" % (mode, per_dir(s, "loss_pct")))
        want_dup = {"roundtrip": 2, "outbound": 1, "inbound": 1}
        check(per_dir(s, "duplicates") == want_dup, "%s duplicates %r" % (mode, per_dir(s, "duplicates")))
        want_reo = {"roundtrip": 2, "outbound": 1, "inbound": 1}
        check(per_dir(s, "reordered") == want_reo, "%s reordered %r" % (mode, per_dir(s, "reordered")))
        # The responder saw 100 - 3 dropped + 1 duplicated requests.
        check(c["received"] == 98 and c["reflected"] == 98, "%s responder %r" % (mode, c))
        ob, ib = s["outbound"], s["inbound"]
        check(DELAY_MS * 1e3 <= ib["min_us"] and ib["p50_us"] <= (DELAY_MS + TOL_MS) * 1e3,
              "%s inbound delay p50 %.3f ms, min %.3f ms, want %d..%d ms" %
              (mode, ib["p50_us"] / 1e3, ib["min_us"] / 1e3, DELAY_MS, DELAY_MS + TOL_MS))
        check(ob["p50_us"] < TOL_MS * 1e3, "%s outbound p50 %.3f ms" % (mode, ob["p50_us"] / 1e3))
        print("%s: inbound p50 %.3f ms, outbound p50 %.3f ms" %
              (mode, ib["p50_us"] / 1e3, ob["p50_us"] / 1e3))


run(main)
