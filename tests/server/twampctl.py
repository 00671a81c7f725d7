# SPDX-License-Identifier: BSD-3-Clause
# A minimal TWAMP-Control client written independently of the codec, for bad-input tests:
# RFC 4656 §3.1 (greeting, Token, Server-Start), RFC 4656 §3.2 and RFC 5357 §3.2/§3.5
# (AES-CBC chained per direction, HMAC-SHA1/16 over the plaintext, Request-TW-Session).
# It can corrupt the HMAC of its Request-TW-Session or stop in the middle of a message.
import hashlib, hmac, os, socket, struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes as cmodes


def _cbc(key, iv, data, enc):
    c = Cipher(algorithms.AES(key), cmodes.CBC(iv))
    x = c.encryptor() if enc else c.decryptor()
    return x.update(data) + x.finalize()


def _mac(key, data):
    return hmac.new(key, data, hashlib.sha1).digest()[:16]


class ControlError(Exception):
    pass


class Client:
    """One control connection. mode: 1 unauthenticated, 2 authenticated, 4 encrypted, 8 mixed."""

    def __init__(self, host, port, mode=1, keyid=b"", secret=b"", timeout=5, source=None):
        self.s = socket.create_connection((host, port), timeout=timeout,
                                          source_address=(source, 0) if source else None)
        self.mode = mode
        g = self.recv(64)
        self.modes = struct.unpack("!I", g[12:16])[0]
        challenge, salt = g[16:32], g[32:48]
        count = struct.unpack("!I", g[48:52])[0]
        self.aes = os.urandom(16)
        self.hkey = os.urandom(32)
        self.civ = os.urandom(16)
        token = bytes(64)
        kid = keyid.ljust(80, b"\0")
        if mode != 1:
            dk = hashlib.pbkdf2_hmac("sha1", secret, salt, count, 16)
            token = _cbc(dk, bytes(16), challenge + self.aes + self.hkey, True)
        else:
            kid = bytes(80)
        self.setup = struct.pack("!I", mode) + kid + token + self.civ

    def recv(self, n):
        b = b""
        while len(b) < n:
            d = self.s.recv(n - len(b))
            if not d:
                raise ControlError("closed after %d of %d octets" % (len(b), n))
            b += d
        return b

    def closed_within(self, secs):
        """True when the server closes the connection (EOF or reset) within secs."""
        self.s.settimeout(secs)
        try:
            while True:
                if not self.s.recv(4096):
                    return True
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True

    def send_setup(self, upto=None):
        """Set-Up-Response (or its first upto octets); then Server-Start's Accept."""
        self.s.sendall(self.setup[:upto] if upto is not None else self.setup)
        if upto is not None:
            return None
        st = self.recv(48)
        accept = st[15]
        self.secure = self.mode != 1 and accept == 0
        if self.secure:
            # Server-Start's last block opens the server->client chain under Server-IV; its
            # plaintext is covered by the next server HMAC.
            siv = st[16:32]
            self.s2c_carry = _cbc(self.aes, siv, st[32:48], False)
            self.s2c_iv = st[32:48]
            self.c2s_iv = self.civ
        return accept

    def request(self, sender_port=20000, receiver_port=20001, corrupt_hmac=False, upto=None):
        """Request-TW-Session for an IPv4 loopback flow; returns Accept-Session's (accept, port)."""
        q = struct.pack("!BBBBIIHH", 5, 4, 0, 0, 0, 0, sender_port, receiver_port)
        q += bytes(16) + bytes(16) + bytes(16)               # addresses (control's), SID
        q += struct.pack("!I", 0)                             # Padding Length
        q += struct.pack("!QQI", 0, 10 << 32, 0)              # Start Time, Timeout, Type-P
        q += bytes(8)                                         # RFC 6038 octets, MBZ
        assert len(q) == 96
        if self.secure:
            mac = _mac(self.hkey, q)
            if corrupt_hmac:
                mac = bytes([mac[0] ^ 0x01]) + mac[1:]
            wire = _cbc(self.aes, self.c2s_iv, q + mac, True)
            self.c2s_iv = wire[-16:]
        else:
            wire = q + bytes(16)
        self.s.sendall(wire[:upto] if upto is not None else wire)
        if upto is not None:
            return None
        a = self.recv(48)
        if self.secure:
            plain = _cbc(self.aes, self.s2c_iv, a, False)
            self.s2c_iv = a[-16:]
            if plain[32:48] != _mac(self.hkey, self.s2c_carry + plain[:32]):
                raise ControlError("Accept-Session HMAC does not verify")
            self.s2c_carry = b""
            a = plain
        return a[0], struct.unpack("!H", a[2:4])[0]

    def close(self):
        self.s.close()
