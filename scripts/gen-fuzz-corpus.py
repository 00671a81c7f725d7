#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Writes the seed corpora of the libFuzzer targets (tests/fuzz/corpus/<target>/) from byte
# layouts written out here by hand and from the captures in pcaps/. Deterministic: running it
# again gives the same files. Needs python3-scapy for the capture-derived seeds.
import hashlib, os, struct, sys
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
out = os.path.join(root, "tests", "fuzz", "corpus")

def put(target, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

ts = struct.pack(">II", 0xEB000000, 0x80000000)
def tlv(flags, typ, value):
    return struct.pack(">BBH", flags, typ, len(value)) + value

tlvs = [
    tlv(0x80, 1, b"\0" * 8),                                  # Extra Padding
    tlv(0x80, 2, struct.pack(">HH", 0, 0) + tlv(0x80, 4, b"\0" * 16)),  # Location + dst IP
    tlv(0x80, 3, b"\0" * 4),                                  # Timestamp Information
    tlv(0x80, 4, struct.pack(">I", 46 << 26)),                # Class of Service DSCP1 EF
    tlv(0x80, 5, b"\0" * 12),                                 # Direct Measurement
    tlv(0x80, 6, bytes([0x10, 1, 0, 0])),                     # Access Report
    tlv(0x80, 7, b"\0" * 16),                                 # Follow-Up Telemetry
    tlv(0x80, 9, bytes([192, 0, 2, 1])),                      # Destination Node Address
    tlv(0x80, 10, tlv(0x80, 1, struct.pack(">I", 1)) + tlv(0x80, 3, struct.pack(">I", 0x00064140))),
    tlv(0x80, 11, struct.pack(">HH", 5, 0)),                  # Micro-session ID
    tlv(0x80, 12, struct.pack(">HHI", 64, 2, 1000)),          # Reflected Test Packet Control
    tlv(0x80, 200, b"opaque"),                                # unknown type
]
hmac_tlv = tlv(0x80, 8, b"\x55" * 16)

stamp_sender = struct.pack(">I", 1) + ts + struct.pack(">HH", 0x8001, 7) + b"\0" * 28
stamp_refl = (struct.pack(">I", 1) + ts + struct.pack(">HH", 0x8001, 7) + ts +
              struct.pack(">I", 1) + ts + struct.pack(">HH", 0x8001, 0) + bytes([255, 0, 0, 0]))
stamp_sender_auth = (struct.pack(">I", 1) + b"\0" * 12 + ts + struct.pack(">HH", 0x8001, 7) +
                     b"\0" * 68 + b"\x11" * 16)
stamp_refl_auth = (struct.pack(">I", 1) + b"\0" * 12 + ts + struct.pack(">HH", 0x8001, 7) + b"\0" * 4 +
                   ts + b"\0" * 8 + struct.pack(">I", 1) + b"\0" * 12 + ts + struct.pack(">H", 0x8001) +
                   b"\0" * 6 + bytes([255]) + b"\0" * 15 + b"\x22" * 16)
twamp_sender = struct.pack(">I", 3) + ts + struct.pack(">H", 0x0001)
twamp_refl = (struct.pack(">I", 3) + ts + struct.pack(">HH", 0x0001, 0) + ts + struct.pack(">I", 3) +
              ts + struct.pack(">HH", 0x0001, 0) + bytes([64]))
twampy_refl = twamp_refl[:38]

for p in (stamp_sender, stamp_refl, stamp_sender_auth, stamp_refl_auth, twamp_sender,
          twamp_sender + b"\0" * 27, twamp_refl, twamp_refl + bytes([0xb8]), twampy_refl,
          stamp_sender + b"".join(tlvs), stamp_refl + b"".join(tlvs[:4]) + hmac_tlv,
          stamp_sender_auth + tlvs[3] + hmac_tlv):
    put("fuzz_testpkt", p)
for t in tlvs:
    put("fuzz_tlv", t)
put("fuzz_tlv", b"".join(tlvs) + hmac_tlv)
put("fuzz_tlv", tlvs[1][:-3])  # truncated

# Captures for the capture reader and the whole decode pipeline.
pc = os.path.join(root, "pcaps")
for dirpath, _, files in os.walk(pc):
    for f in sorted(files):
        if f.endswith((".pcap", ".pcapng")):
            data = open(os.path.join(dirpath, f), "rb").read()
            if len(data) <= 65536:
                put("fuzz_capture", data)
print("corpus written to", out)

# TWAMP-Control: the owamp connections as [direction][length][octets] records (direction 1 =
# server to client), as fuzz_twctl feeds them to its observer, plus each message alone.
try:
    from scapy.all import rdpcap, TCP
except ImportError:
    sys.exit("python3-scapy is needed for the capture-derived seeds")
for name in ("twamp-owamp523-modeA.pcap", "twamp-owamp523-modeE.pcap"):
    path = os.path.join(pc, "owamp", name)
    if not os.path.exists(path):
        continue
    recs = b""
    for pkt in rdpcap(path):
        if TCP in pkt and bytes(pkt[TCP].payload):
            data = bytes(pkt[TCP].payload)
            d = 1 if pkt[TCP].sport == 18620 else 0
            put("fuzz_twctl", data)
            for i in range(0, len(data), 255):
                chunk = data[i:i + 255]
                recs += bytes([d, len(chunk)]) + chunk
    put("fuzz_twctl", recs)
