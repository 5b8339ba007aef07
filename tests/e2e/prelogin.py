#!/usr/bin/env python3
"""Attacks on a Serval server by links that never log in (issue 13).

Usage: prelogin.py HOST PORT MODE [ARGS]

Every link makes a TLS 1.3 handshake (no certificate check: the server's key
is not what is tested) and says Hello, then:

  chatter LIMIT     sends a ping and a request that needs no login every
                    0.3 s, reading the answers, so that no keepalive or queue
                    limit ever applies; prints "closed after S s" once the
                    server closes the link (exit 0), "open after LIMIT s"
                    (exit 1) if it never does.
  noread LIMIT      sends requests without ever reading the answers until the
                    server closes the link or LIMIT s pass; prints "closed
                    after S s, N requests" (exit 0) or "open ..." (exit 1).
  bomb              sends one 1 MiB message holding a list of 349,000 NULLs
                    and waits up to 30 s for the server to close the link;
                    prints "closed" (exit 0) or "open" (exit 1).
  slowloris N SIZE HOLD
                    opens N links that each announce a message of SIZE bytes,
                    send all of it but 1000 bytes, then drip one byte every
                    2 s. Prints "ready open=X closed=Y" once every link is
                    set up (and 1 s more), then drips for HOLD s or until
                    SIGTERM, and prints "open=X closed=Y" as it leaves.
"""
import os
import select
import signal
import socket
import ssl
import struct
import sys
import time

# A valid Hello (version 2, software "bad"): Message.hello [1] { [0] 2, [1] "bad" }
HELLO = bytes([0xA1, 0x08, 0x80, 0x01, 0x02, 0x81, 0x03]) + b"bad"
# Message.ping [5] { nonce [0] 1 }
PING = bytes([0xA5, 0x03, 0x80, 0x01, 0x01])


def frame(body):
    return struct.pack(">I", len(body)) + body


def list_vlans(req_id):
    # Message.request [2] { id [0] INTEGER, body [1] { listVlans [3] NULL } }
    rid = req_id & 0x7F
    return bytes([0xA2, 0x07, 0x80, 0x01, rid, 0xA1, 0x02, 0x83, 0x00])


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def connect(host, port, rcvbuf=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    raw.settimeout(10)
    raw.connect((host, port))
    s = ctx.wrap_socket(raw)
    s.sendall(frame(HELLO))
    return s


def closed_by_peer(s):
    """True once the server closed the connection, without reading what it sent."""
    p = select.poll()
    p.register(s.fileno(), select.POLLRDHUP | select.POLLHUP | select.POLLERR)
    return any(ev & (select.POLLRDHUP | select.POLLHUP | select.POLLERR) for _, ev in p.poll(0))


def chatter(host, port, limit):
    s = connect(host, port)
    s.settimeout(0.3)
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < limit:
        try:
            s.sendall(frame(PING) + frame(list_vlans(n)))
            n += 1
            while True:
                if not s.recv(65536):
                    raise ConnectionError("end of stream")
        except socket.timeout:
            continue
        except (OSError, ssl.SSLError):
            print(f"closed after {time.monotonic() - start:.1f} s, {n} rounds")
            return 0
    print(f"open after {limit} s, {n} rounds")
    return 1


def noread(host, port, limit):
    s = connect(host, port, rcvbuf=4096)
    start = time.monotonic()
    n = 0
    batch = b"".join(frame(list_vlans(i)) for i in range(200))
    s.setblocking(False)
    while time.monotonic() - start < limit:
        if closed_by_peer(s):
            print(f"closed after {time.monotonic() - start:.1f} s, {n} requests")
            return 0
        try:
            s.send(batch)
            n += 200
        except (ssl.SSLWantWriteError, BlockingIOError):
            pass
        except (OSError, ssl.SSLError):
            print(f"closed after {time.monotonic() - start:.1f} s, {n} requests")
            return 0
        time.sleep(0.05)
    print(f"open after {limit} s, {n} requests")
    return 1


def bomb(host, port):
    # Message.request [2] { id [0] 1, body [1] { userAdd ... } } is not needed:
    # the server must refuse the length before it reads or decodes the body.
    items = bytes([0x04, 0x01, 0x00]) * 349000
    seq = bytes([0x30]) + der_len(len(items)) + items
    body = bytes([0xA2]) + der_len(len(seq) + 3) + bytes([0x80, 0x01, 0x01]) + seq
    s = connect(host, port)
    try:
        s.sendall(frame(body))
    except (OSError, ssl.SSLError):
        print("closed")
        return 0
    s.settimeout(1)
    end = time.monotonic() + 30
    while time.monotonic() < end:
        try:
            if not s.recv(65536):
                print("closed")
                return 0
        except socket.timeout:
            continue
        except (OSError, ssl.SSLError):
            print("closed")
            return 0
    print("open")
    return 1


def slowloris(host, port, count, size, hold):
    conns = []
    for _ in range(count):
        try:
            s = connect(host, port)
            s.sendall(struct.pack(">I", size) + os.urandom(size - 1000))
            conns.append(s)
        except (OSError, ssl.SSLError):
            conns.append(None)
    time.sleep(1)

    def tally():
        open_ = sum(1 for s in conns if s is not None and not closed_by_peer(s))
        return open_, count - open_

    print("ready open=%d closed=%d" % tally(), flush=True)

    def stop(signum, frm):
        print("open=%d closed=%d" % tally(), flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    end = time.monotonic() + hold
    while time.monotonic() < end:
        time.sleep(min(2, max(end - time.monotonic(), 0)))
        for s in conns:
            if s is None:
                continue
            try:
                s.sendall(b"\0")
            except (OSError, ssl.SSLError):
                pass
    stop(None, None)


def main(argv):
    host, port, mode = argv[1], int(argv[2]), argv[3]
    if mode == "chatter":
        return chatter(host, port, float(argv[4]))
    if mode == "noread":
        return noread(host, port, float(argv[4]))
    if mode == "bomb":
        return bomb(host, port)
    if mode == "slowloris":
        return slowloris(host, port, int(argv[4]), int(argv[5]), float(argv[6]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
