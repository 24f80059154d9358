#!/usr/bin/env python3
"""DNS-over-TCP client for the robustness tests: many connections fast,
and connections that misbehave on purpose.  Standard library only.

  tcpdns.py storm SERVER COUNT [--parallel P] [--expect OUTCOME] [--name N]
                  [--timeout S]
      COUNT connections, P at a time, each sending one query for N (A) and
      reading until the server answers, closes or TIMEOUT passes.  Outcomes:
        answered  a complete response with our ID (any rcode)
        closed    EOF or reset before any byte of a response
        hung      nothing within TIMEOUT (the connection was left open)
        other     anything else (partial data, connect failure, ...)
      Prints one summary line; exit 0 iff every outcome was EXPECT.

  tcpdns.py raw SERVER HEX... [--then shutdown|hold] [--wait S] [--expect OUTCOME]
      One connection per HEX, one after another: send those bytes (no
      length prefix is added), then half-close (shutdown) or keep sending
      nothing (hold), and report what the server did within WAIT seconds:
      answered, closed or hung.  Exit 0 iff every one ended as EXPECT.
      EXPECT may list several outcomes: "closed,answered".

  tcpdns.py loop SERVER STOP_FILE [--expect OUTCOME] [--name N] [--timeout S]
      One connection after another, each with one query, until STOP_FILE
      exists; exit 0 iff there was at least one and every one was EXPECT.

  tcpdns.py hold SERVER COUNT [--send HEX]
      Open COUNT connections (optionally send HEX on each), print
      "held COUNT", and keep them open until SIGTERM.

  tcpdns.py query NAME
      Print the hex of a length-prefixed query for NAME (A), ID 0x1234.
"""

import argparse
import concurrent.futures
import os
import signal
import socket
import struct
import sys
import time

PORT = 53


def build_query(name, qid):
    """A DNS query for NAME/A/IN, recursion desired, no EDNS0."""
    labels = b"".join(
        bytes([len(p)]) + p.encode("ascii") for p in name.rstrip(".").split(".") if p
    )
    msg = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + labels + b"\0" + struct.pack(">HH", 1, 1)
    return struct.pack(">H", len(msg)) + msg


def read_reply(sock, qid, deadline):
    """Read one length-prefixed message; classify what the server did."""
    buf = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return "hung" if not buf else "other"
        sock.settimeout(left)
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            return "hung" if not buf else "other"
        except (ConnectionResetError, BrokenPipeError):
            return "closed" if not buf else "other"
        if not chunk:
            return "closed" if not buf else "other"
        buf += chunk
        if len(buf) >= 2:
            need = struct.unpack(">H", buf[:2])[0]
            if len(buf) >= 2 + need:
                msg = buf[2 : 2 + need]
                if need >= 12 and struct.unpack(">H", msg[:2])[0] == qid and msg[2] & 0x80:
                    return "answered"
                return "other"


def one_connection(server, payload, qid, timeout, then=None, port_out=None):
    """Connect, send PAYLOAD, optionally half-close; (outcome, seconds).
    Appends the connection's local port to PORT_OUT if given."""
    start = time.monotonic()
    deadline = start + timeout
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        try:
            sock.connect((server, PORT))
        except OSError:
            return "other", time.monotonic() - start
        if port_out is not None:
            port_out.append(sock.getsockname()[1])
        try:
            if payload:
                sock.sendall(payload)
            if then == "shutdown":
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            # Reset, broken pipe, or already disconnected (ENOTCONN): the
            # server closed the connection before we were done sending.
            return "closed", time.monotonic() - start
        outcome = read_reply(sock, qid, deadline)
        return outcome, time.monotonic() - start
    finally:
        sock.close()


def cmd_storm(args):
    counts = {"answered": 0, "closed": 0, "hung": 0, "other": 0}
    slowest = 0.0
    unexpected = 0
    started = time.monotonic()
    todo = iter(range(args.count))
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.parallel) as pool:
        running = set()
        while True:
            # Keep P connections in flight; stop early once the run has
            # clearly failed, so a failing test does not wait for all.
            while len(running) < args.parallel and unexpected < args.give_up:
                i = next(todo, None)
                if i is None:
                    break
                qid = (i * 7919 + 1) & 0xFFFF
                running.add(
                    pool.submit(one_connection, args.server, build_query(args.name, qid), qid, args.timeout)
                )
            if not running:
                break
            done, running = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for fut in done:
                outcome, secs = fut.result()
                counts[outcome] += 1
                slowest = max(slowest, secs)
                if outcome != args.expect:
                    unexpected += 1
    total = sum(counts.values())
    print(
        "storm: %d/%d connections to %s (expect %s): answered=%d closed=%d hung=%d other=%d "
        "slowest=%.3fs total=%.1fs%s"
        % (
            total, args.count, args.server, args.expect, counts["answered"], counts["closed"],
            counts["hung"], counts["other"], slowest, time.monotonic() - started,
            " (gave up early)" if total < args.count else "",
        )
    )
    return 0 if counts[args.expect] == args.count else 1


def cmd_raw(args):
    rc = 0
    for hexdata in args.hex:
        payload = bytes.fromhex(hexdata)
        qid = struct.unpack(">H", payload[2:4])[0] if len(payload) >= 4 else -1
        port = []
        outcome, secs = one_connection(args.server, payload, qid, args.wait, args.then, port)
        ok = args.expect == "any" or outcome in args.expect.split(",")
        print(
            "raw: port %s sent %d bytes (%s%s), then %s: server %s after %.3fs%s"
            % (port[0] if port else "-", len(payload), hexdata[:24], "..." if len(hexdata) > 24 else "",
               args.then, outcome, secs, "" if ok else "  <-- expected " + args.expect),
            flush=True,
        )
        if not ok:
            rc = 1
    return rc


def cmd_loop(args):
    counts = {"answered": 0, "closed": 0, "hung": 0, "other": 0}
    started = time.monotonic()
    i = unexpected = 0
    while not os.path.exists(args.stop_file):
        i += 1
        qid = (i * 7919 + 1) & 0xFFFF
        outcome, _ = one_connection(args.server, build_query(args.name, qid), qid, args.timeout)
        counts[outcome] += 1
        if outcome != args.expect:
            unexpected += 1
            if unexpected <= 5:
                print("loop: connection %d: %s (expected %s)" % (i, outcome, args.expect), flush=True)
        time.sleep(0.05)
    print(
        "loop: %d connections to %s in %.1fs (expect %s): answered=%d closed=%d hung=%d other=%d"
        % (i, args.server, time.monotonic() - started, args.expect, counts["answered"],
           counts["closed"], counts["hung"], counts["other"])
    )
    return 0 if i > 0 and counts[args.expect] == i else 1


def cmd_hold(args):
    payload = bytes.fromhex(args.send) if args.send else b""
    family = socket.AF_INET6 if ":" in args.server else socket.AF_INET
    socks = []
    for _ in range(args.count):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(5)
        sock.connect((args.server, PORT))
        print("port %d" % sock.getsockname()[1], flush=True)
        if payload:
            sock.sendall(payload)
        socks.append(sock)
    print("held %d" % len(socks), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Until TERM: the connections stay open, silent.
    while True:
        signal.pause()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("storm")
    s.add_argument("server")
    s.add_argument("count", type=int)
    s.add_argument("--parallel", type=int, default=20)
    s.add_argument("--expect", default="answered", choices=["answered", "closed", "hung", "other"])
    s.add_argument("--name", default="small.example")
    s.add_argument("--timeout", type=float, default=3.0)
    s.add_argument("--give-up", type=int, default=20, help="stop after this many unexpected outcomes")
    r = sub.add_parser("raw")
    r.add_argument("server")
    r.add_argument("hex", nargs="+")
    r.add_argument("--then", default="shutdown", choices=["shutdown", "hold"])
    r.add_argument("--wait", type=float, default=3.0)
    r.add_argument("--expect", default="any", help="outcome(s), comma separated, or any")
    lp = sub.add_parser("loop")
    lp.add_argument("server")
    lp.add_argument("stop_file")
    lp.add_argument("--expect", default="answered", choices=["answered", "closed", "hung", "other"])
    lp.add_argument("--name", default="small.example")
    lp.add_argument("--timeout", type=float, default=3.0)
    h = sub.add_parser("hold")
    h.add_argument("server")
    h.add_argument("count", type=int)
    h.add_argument("--send", default="")
    q = sub.add_parser("query")
    q.add_argument("name")
    args = p.parse_args()
    if args.cmd == "query":
        print(build_query(args.name, 0x1234).hex())
        return 0
    return {"storm": cmd_storm, "raw": cmd_raw, "loop": cmd_loop, "hold": cmd_hold}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
