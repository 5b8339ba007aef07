#!/usr/bin/env python3
"""Opens COUNT connections to a Serval server and holds them until killed.

Usage: holdconns.py HOST PORT COUNT

Every connection starts a TLS handshake (no certificate check: the server's
key is not what is tested) and then stays silent. The ones the server
accepts finish the handshake and stay open as links that have not logged
in; the others wait in the server's listen backlog. Once no handshake has
progressed for 3 s, prints one line "ready handshaken=N waiting=M" and
holds every socket open until SIGTERM, when it closes them all.
"""
import selectors
import signal
import socket
import ssl
import sys
import time


def main():
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    sel = selectors.DefaultSelector()
    conns = []
    for i in range(count):
        raw = socket.create_connection((host, port), timeout=5)
        raw.setblocking(False)
        tls = ctx.wrap_socket(raw, do_handshake_on_connect=False)
        conns.append(tls)
        sel.register(tls, selectors.EVENT_READ | selectors.EVENT_WRITE, i)
    done = set()
    failed = 0
    last = time.monotonic()
    while time.monotonic() - last < 3 and len(done) + failed < count:
        for key, _ in sel.select(timeout=0.5):
            tls = key.fileobj
            try:
                tls.do_handshake()
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError) as e:
                sel.modify(tls, selectors.EVENT_READ if isinstance(e, ssl.SSLWantReadError)
                           else selectors.EVENT_WRITE, key.data)
                continue
            except (ssl.SSLError, OSError) as e:
                print(f"connection {key.data}: {e}", file=sys.stderr)
                sel.unregister(tls)
                failed += 1
                last = time.monotonic()
                continue
            sel.unregister(tls)
            done.add(key.data)
            last = time.monotonic()
    print(f"ready handshaken={len(done)} waiting={count - len(done) - failed} failed={failed}", flush=True)

    def stop(signum, frame):
        for c in conns:
            try:
                c.close()
            except OSError:
                pass
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
