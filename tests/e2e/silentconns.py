#!/usr/bin/env python3
"""Opens COUNT TCP connections to a server and never speaks on them.

Usage: silentconns.py HOST PORT COUNT [OTHER_SOURCE]

After 2 s it prints "open=N closed=M": N connections still open, M that the
server closed at once (it reads end-of-file on them). With OTHER_SOURCE (an
address of this machine, e.g. 127.0.0.2), it then makes one TLS handshake
from that address while the silent connections stay open and prints
"other=ok" or "other=failed: REASON". Then it holds the connections until
SIGTERM (or 60 s) and closes them.
"""
import signal
import socket
import ssl
import sys
import time


def main():
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    other = sys.argv[4] if len(sys.argv) > 4 else None
    conns = [socket.create_connection((host, port), timeout=5) for _ in range(count)]
    time.sleep(2)
    closed = 0
    for c in conns:
        c.setblocking(False)
        try:
            if c.recv(1) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
    print(f"open={count - closed} closed={closed}", flush=True)
    if other:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        try:
            raw = socket.create_connection((host, port), timeout=5, source_address=(other, 0))
            with ctx.wrap_socket(raw) as tls:
                print(f"other=ok {tls.version()}", flush=True)
        except (OSError, ssl.SSLError) as e:
            print(f"other=failed: {e}", flush=True)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    time.sleep(60)


if __name__ == "__main__":
    main()
