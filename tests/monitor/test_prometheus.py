#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# A real Prometheus server scrapes a running `stampkit monitor` (two targets against a
# responder, all on loopback) and answers, through its HTTP API, the PromQL queries of
# docs/monitoring.md: p99 round trip per target and the loss ratio per target. Bounded: the
# server on a free port with its storage in a temporary folder, at most 60 s of waiting.
#   usage: test_prometheus.py STAMPKIT   (exit 77 without prometheus)
import json, os, shutil, signal, subprocess, tempfile, time
import urllib.error, urllib.parse, urllib.request
from mlib import Fail, check, free_port, free_tcp_port, need, run, wait_port
from livelib import Responder

P99 = ('histogram_quantile(0.99, sum by (session, le) '
       '(rate(stampkit_delay_seconds_bucket{direction="round_trip"}[10s])))')
LOSS = ('sum by (session) (rate(stampkit_lost_packets_total{direction="round_trip"}[10s])) / '
        'sum by (session) (rate(stampkit_sent_packets_total[10s]))')


def query(port, q):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": q}))
    with urllib.request.urlopen(url, timeout=5) as r:
        d = json.loads(r.read().decode())
    check(d["status"] == "success", "query %s: %r" % (q, d))
    return {x["metric"].get("session"): float(x["value"][1]) for x in d["data"]["result"]}


def ready(port, proc, deadline=60):
    """Prometheus opens its port before its storage is up and answers 503 until then:
    wait for /-/ready to say 200."""
    end = time.time() + deadline
    while time.time() < end:
        check(proc.poll() is None, "prometheus exited with %s" % proc.returncode)
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % port, timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.2)
    raise Fail("prometheus not ready after %d s" % deadline)


def main(bin):
    need("prometheus")
    d = tempfile.mkdtemp(prefix="sk-prom-")
    port, mport, pport = free_port(), free_tcp_port(), free_tcp_port()
    conf = os.path.join(d, "monitor.conf")
    open(conf, "w").write("[monitor]\ntimeout = 0.5\n[target near]\naddress = 127.0.0.1:%d\n"
                          "rate = 50\n[target twl]\naddress = 127.0.0.1:%d\nmode = twamp-light\n"
                          "rate = 20\n" % (port, port))
    pconf = os.path.join(d, "prometheus.yml")
    open(pconf, "w").write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                           "scrape_configs:\n  - job_name: stampkit\n    static_configs:\n"
                           "      - targets: ['127.0.0.1:%d']\n" % mport)
    resp = Responder(bin, "127.0.0.1:%d" % port)
    mon = subprocess.Popen([bin, "monitor", conf, "--report-interval", "1", "--metrics",
                            "127.0.0.1:%d" % mport], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    plog = open(os.path.join(d, "prometheus.log"), "w+")
    prom = subprocess.Popen(["prometheus", "--config.file=" + pconf,
                             "--storage.tsdb.path=" + os.path.join(d, "data"),
                             "--web.listen-address=127.0.0.1:%d" % pport],
                            stdout=plog, stderr=subprocess.STDOUT, cwd=d)
    try:
        wait_port(mport, mon)
        wait_port(pport, prom, deadline=30)
        ready(pport, prom)
        end, p99, loss = time.time() + 60, {}, {}
        while time.time() < end:
            p99, loss = query(pport, P99), query(pport, LOSS)
            if set(p99) == {"near", "twl"} and set(loss) == {"near", "twl"}:
                break
            time.sleep(1)
        check(set(p99) == {"near", "twl"}, "p99 per target: %r" % p99)
        # Loopback: well under 50 ms; a histogram quantile is positive.
        for k, v in p99.items():
            check(0 < v < 0.05, "p99 %s = %r s" % (k, v))
        check(set(loss) == {"near", "twl"} and all(v == 0 for v in loss.values()),
              "loss ratio %r" % loss)
        up = query(pport, "stampkit_target_up")
        check(up == {"near": 1.0, "twl": 1.0}, "target_up %r" % up)
    except Fail:
        plog.seek(0)
        print(plog.read()[-2000:])
        raise
    finally:
        for p in (prom, mon):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
        resp.stop()
        shutil.rmtree(d, ignore_errors=True)
    check(mon.returncode == 0, "monitor exit %s" % mon.returncode)


run(main)
