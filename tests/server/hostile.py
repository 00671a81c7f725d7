# SPDX-License-Identifier: BSD-3-Clause
# Hostile TWAMP-Control clients (unauthenticated mode, RFC 4656 §3.1, RFC 5357 §3.5), written
# without the codec, for tests/server/test_hostile.py and bench/bench_server_hostile.sh: a
# client that pipelines Request-TW-Sessions and never reads the answers, one that trickles
# its octets (slowloris), one that streams requests the server refuses.
import select, socket, struct, time

GREETING, SETUP, SERVER_START, REQUEST, ACCEPT = 64, 164, 48, 112, 48


def request(sender_port=20000, receiver_port=0, timeout_s=0):
    """An unauthenticated Request-TW-Session for an IPv4 flow between the control
    connection's addresses (RFC 5357 §3.5): 96 octets and a 16-octet HMAC field of zeros."""
    q = struct.pack("!BBBBIIHH", 5, 4, 0, 0, 0, 0, sender_port, receiver_port)
    q += bytes(48)                                        # addresses (control's), SID
    q += struct.pack("!I", 0)                             # Padding Length
    q += struct.pack("!QQI", 0, timeout_s << 32, 0)       # Start Time, Timeout, Type-P
    q += bytes(8)                                         # RFC 6038 octets, MBZ
    return q + bytes(16)


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            raise ConnectionError("closed after %d of %d octets" % (len(b), n))
        b += d
    return b


def connect(host, port, src, rcvbuf=None, timeout=10):
    """A control connection from address src; returns (socket, Modes of the greeting)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect((host, port))
    g = recv_exact(s, GREETING)
    return s, struct.unpack("!I", g[12:16])[0]


def set_up(s):
    """Unauthenticated Set-Up-Response (Mode 1); returns Server-Start's Accept."""
    s.sendall(struct.pack("!I", 1) + bytes(SETUP - 4))
    return recv_exact(s, SERVER_START)[15]


def closed(s, wait=0.0):
    """True when the server closed s (EOF or reset), looking for up to wait seconds."""
    try:
        r, _, _ = select.select([s], [], [], wait)
        if not r:
            return False
        return s.recv(4096, socket.MSG_PEEK) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True


def non_reader(host, port, src, max_requests=50000, batch=16):
    """Sets up, then pipelines Request-TW-Sessions and never reads an answer (receive
    buffer as small as the kernel allows). Returns ("closed", requests sent) once the
    server has closed the connection, or ("open", n) after max_requests."""
    s, modes = connect(host, port, src, rcvbuf=1024)
    try:
        if modes == 0 or set_up(s) != 0:
            return ("refused", 0)
        q = request() * batch
        n = 0
        while n < max_requests:
            try:
                s.sendall(q)
            except (ConnectionResetError, BrokenPipeError):
                return ("closed", n)
            except socket.timeout:
                return ("stuck", n)  # the server stopped reading us and did not close
            n += batch
        return ("open", n)
    finally:
        s.close()


def slowloris(host, port, src, stop, period=0.5, after_setup=False):
    """Trickles one octet every period seconds: of the Set-Up-Response, or (after_setup) of a
    second Request-TW-Session once the set-up and a first request were done properly.
    Returns ("refused", 0) for a Modes 0 greeting, ("closed", octets trickled) when the
    server closed the connection, ("open", octets) when stop() became true first."""
    s, modes = connect(host, port, src)
    try:
        if modes == 0:
            return ("refused", 0)
        if after_setup:
            if set_up(s) != 0:
                return ("refused", 0)
            s.sendall(request(timeout_s=0))
            recv_exact(s, ACCEPT)
            msg = request(timeout_s=0)
        else:
            msg = struct.pack("!I", 1) + bytes(SETUP - 4)
        sent = 0
        while not stop() and sent < len(msg):
            try:
                s.send(msg[sent:sent + 1])
            except (ConnectionResetError, BrokenPipeError):
                return ("closed", sent)
            sent += 1
            if closed(s, period):
                return ("closed", sent)
        return ("open", sent)
    finally:
        s.close()


def refused_stream(host, port, src, total, batch=32):
    """Sets up, then sends total+1 Request-TW-Sessions in pipelined batches, reading every
    Accept-Session after each batch (a batch of answers stays well within what the server
    keeps for a client). Returns the list of Accept values (RFC 4656 §3.3)."""
    s, modes = connect(host, port, src, timeout=30)
    try:
        if modes == 0 or set_up(s) != 0:
            return []
        accepts = []
        left = total + 1
        while left:
            k = min(batch, left)
            s.sendall(request() * k)
            a = recv_exact(s, ACCEPT * k)
            accepts += [a[i * ACCEPT] for i in range(k)]
            left -= k
        return accepts
    finally:
        s.close()


def idle_after_setup(host, port, src):
    """Sets up and then says nothing. Returns the socket (the caller waits for the close)."""
    s, modes = connect(host, port, src)
    if modes == 0 or set_up(s) != 0:
        s.close()
        return None
    return s


def wait_closed(s, secs):
    """True when the server closes s within secs."""
    end = time.time() + secs
    while time.time() < end:
        if closed(s, 0.2):
            return True
    return False


def slow_crowd(host, port, src, n, stop, period=1.0, stats=None):
    """n slowloris clients from src in one thread: each trickles its Set-Up-Response one
    octet every period seconds; a client the server closed or refused connects again, until
    stop() is true. stats (a dict) counts "connected", "refused", "closed"."""
    stats = stats if stats is not None else {}
    for k in ("connected", "refused", "closed"):
        stats.setdefault(k, 0)
    setup = struct.pack("!I", 1) + bytes(SETUP - 4)
    socks = {}  # socket -> octets sent

    def open_one():
        try:
            s, modes = connect(host, port, src, timeout=5)
        except OSError:
            return
        if modes == 0:
            stats["refused"] += 1
            s.close()
            return
        s.setblocking(False)
        socks[s] = 0
        stats["connected"] += 1

    next_tick = time.time()
    while not stop():
        while len(socks) < n and not stop():
            before = len(socks)
            open_one()
            if len(socks) == before:
                time.sleep(0.05)  # refused: do not spin
                break
        r, _, _ = select.select(list(socks), [], [], max(0.0, next_tick - time.time()))
        for s in r:  # EOF or reset: the server closed it
            try:
                gone = s.recv(4096) == b""
            except (ConnectionResetError, BlockingIOError):
                gone = True
            if gone:
                stats["closed"] += 1
                del socks[s]
                s.close()
        if time.time() >= next_tick:
            next_tick += period
            for s in list(socks):
                try:
                    s.send(setup[socks[s] % SETUP:socks[s] % SETUP + 1])
                    socks[s] += 1
                except OSError:
                    stats["closed"] += 1
                    del socks[s]
                    s.close()
    for s in socks:
        s.close()
    return stats


def non_reader_loop(host, port, src, stop, stats=None):
    """non_reader() again and again until stop() is true; stats counts the outcomes."""
    stats = stats if stats is not None else {}
    while not stop():
        try:
            r = non_reader(host, port, src)[0]
        except OSError:
            r = "error"
            time.sleep(0.05)
        stats[r] = stats.get(r, 0) + 1
    return stats


def main():
    """hostile.py load HOST PORT SLOW_FROM SLOW_N READER_FROM READER_N: keeps SLOW_N slowloris
    clients and READER_N clients that do not read connected until SIGTERM/SIGINT, then prints
    what happened as one JSON line."""
    import json, signal, sys, threading
    if len(sys.argv) != 8 or sys.argv[1] != "load":
        sys.exit("usage: hostile.py load HOST PORT SLOW_FROM SLOW_N READER_FROM READER_N")
    host, port = sys.argv[2], int(sys.argv[3])
    stopped = []
    signal.signal(signal.SIGTERM, lambda *a: stopped.append(1))
    signal.signal(signal.SIGINT, lambda *a: stopped.append(1))
    stop = lambda: bool(stopped)  # noqa: E731
    slow, readers = {}, {}
    ts = [threading.Thread(target=slow_crowd, args=(host, port, sys.argv[4], int(sys.argv[5]), stop),
                           kwargs={"stats": slow})]
    ts += [threading.Thread(target=non_reader_loop, args=(host, port, sys.argv[6], stop),
                            kwargs={"stats": readers}) for _ in range(int(sys.argv[7]))]
    for t in ts:
        t.daemon = True
        t.start()
    while not stopped:
        time.sleep(0.1)
    for t in ts:
        t.join(15)
    print(json.dumps({"slow": slow, "non_readers": readers}), flush=True)


if __name__ == "__main__":
    main()
