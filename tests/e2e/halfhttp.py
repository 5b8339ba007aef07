#!/usr/bin/env python3
"""Holds COUNT half-sent HTTP requests open on a server.

Usage: halfhttp.py HOST PORT COUNT LIMIT

Each connection sends the start of a GET request and never its end. Once all
are made (and 0.3 s more) prints "open=N closed=M" (M: connections the server closed at once),
then waits up to LIMIT s for the server to close the rest and prints
"all closed after S s" (exit 0) or "open=N after LIMIT s" (exit 1).
"""
import select
import socket
import sys
import time


def closed(c):
    p = select.poll()
    p.register(c.fileno(), select.POLLIN | select.POLLRDHUP | select.POLLHUP | select.POLLERR)
    if not p.poll(0):
        return False
    try:
        return c.recv(4096, socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def main():
    host, port, count, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    conns = []
    for _ in range(count):
        c = socket.create_connection((host, port), timeout=5)
        c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        conns.append(c)
    time.sleep(0.3)
    gone = [c for c in conns if closed(c)]
    print(f"open={count - len(gone)} closed={len(gone)}", flush=True)
    start = time.monotonic()
    left = [c for c in conns if c not in gone]
    while time.monotonic() - start < limit:
        left = [c for c in conns if c not in gone and not closed(c)]
        if not left:
            print(f"all closed after {time.monotonic() - start:.1f} s", flush=True)
            return 0
        for c in left:
            try:
                c.sendall(b"X")
            except OSError:
                pass
        time.sleep(0.5)
    print(f"open={len(left)} after {limit} s", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
