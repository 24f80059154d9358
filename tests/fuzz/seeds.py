#!/usr/bin/env python3
"""Write the fuzzer's seed corpus into DIR: a few dozen small inputs for
each path of harness.c (byte 0 = path), made here, never downloaded.

  seeds.py DIR
"""

import os
import struct
import sys


def name(n):
    """Wire form of a dotted name (no escapes)."""
    return b"".join(bytes([len(p)]) + p for p in n.encode().split(b".") if p) + b"\0"


def header(qid=0x1234, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack(">HHHHHH", qid, flags, qd, an, ns, ar)


def question(qname, qtype=1, qclass=1):
    return qname + struct.pack(">HH", qtype, qclass)


OPT = b"\0" + struct.pack(">HHIH", 41, 1232, 0, 0)


def messages():
    """DNS queries and replies, each as bytes (no length prefix)."""
    yield header() + question(name("small.example"))
    yield header() + question(name("big.example"), 28)
    yield header() + question(b"\0", 2)  # root NS
    yield header(ar=1) + question(name("big.example")) + OPT
    yield header(qd=2) + question(name("a.example")) * 2
    yield header(flags=0x0900) + question(name("small.example"))  # opcode 1
    yield header(an=1) + question(name("small.example"))  # answer in a query
    # A label with a dot, a backslash, a NUL and a space in it.
    yield header() + question(b"\x07a.b\\c\0 \x07example\0")
    yield header() + question(name(".".join(["a" * 63] * 3 + ["b" * 61])))  # 253
    yield header() + question(b"\xc0\x0c")  # points at itself
    yield header() + question(b"\x03www\xc0\x0c")  # loops through itself
    yield header() + question(b"\xc0\xff")  # points past the end
    yield header() + b"\x05small\x07exam"  # cut short
    yield header()[:8]
    # Replies with TC set, with and without answers, and one with EDNS0.
    q = question(name("big.example"))
    yield header(flags=0x8380, qd=1) + q
    rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 300, 4) + bytes([203, 0, 113, 101])
    yield header(flags=0x8380, an=3) + q + rr * 3
    yield header(flags=0x8380, ar=1) + q + OPT
    yield header(flags=0x8780, qd=0)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    n = 0
    for msg in messages():
        framed = struct.pack(">H", len(msg)) + msg
        for data in (b"\0" + framed, b"\1" + framed, b"\1" + framed[:7], b"\2" + b"\0" + msg, b"\5" + b"\x0d" + msg):
            n += 1
            with open(os.path.join(out, "seed-%03d" % n), "wb") as f:
                f.write(data)
    # Not DNS at all: an HTTP request, and a lone zero length.
    for data in (b"\1GET / HTTP/1.0\r\n\r\n", b"\0\0\0", b"\1\0\0"):
        n += 1
        with open(os.path.join(out, "seed-%03d" % n), "wb") as f:
            f.write(data)
    print("seeds.py: %d seeds in %s" % (n, out))


if __name__ == "__main__":
    main()
