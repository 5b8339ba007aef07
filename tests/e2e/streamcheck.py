#!/usr/bin/env python3
"""Moves deterministic bytes over TCP or UDP and prints what arrived, for
checking that a path delivers data intact.

  streamcheck.py tcp-recv ADDR PORT            prints "BYTES SHA256" of one connection
  streamcheck.py tcp-send ADDR PORT BYTES SEED  sends BYTES pseudo-random bytes, prints "BYTES SHA256"
  streamcheck.py udp-recv ADDR PORT COUNT SECONDS   prints how many valid datagrams arrived
  streamcheck.py udp-send ADDR PORT COUNT SIZE   sends COUNT datagrams of SIZE bytes, numbered
ADDR may be IPv6 (with %dev for link-local)."""
import hashlib
import random
import socket
import sys
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def sockaddr(addr, port):
    return socket.getaddrinfo(addr, port, family(addr), 0, 0, socket.AI_NUMERICHOST)[0][4]


def stream(nbytes, seed):
    rnd = random.Random(seed)
    left = nbytes
    while left > 0:
        n = min(left, 65536)
        yield rnd.randbytes(n)
        left -= n


def main():
    mode = sys.argv[1]
    addr, port = sys.argv[2], int(sys.argv[3])
    if mode == "tcp-recv":
        s = socket.socket(family(addr), socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(sockaddr(addr, port))
        s.listen(1)
        print("listening", file=sys.stderr, flush=True)
        c, _ = s.accept()
        h, total = hashlib.sha256(), 0
        while True:
            b = c.recv(1 << 20)
            if not b:
                break
            h.update(b)
            total += len(b)
        print(total, h.hexdigest())
    elif mode == "tcp-send":
        nbytes, seed = int(sys.argv[4]), int(sys.argv[5])
        s = socket.socket(family(addr), socket.SOCK_STREAM)
        s.settimeout(60)
        s.connect(sockaddr(addr, port))
        h = hashlib.sha256()
        for chunk in stream(nbytes, seed):
            h.update(chunk)
            s.sendall(chunk)
        s.shutdown(socket.SHUT_WR)
        s.recv(1)
        print(nbytes, h.hexdigest())
    elif mode == "udp-recv":
        count, seconds = int(sys.argv[4]), float(sys.argv[5])
        s = socket.socket(family(addr), socket.SOCK_DGRAM)
        s.bind(sockaddr(addr, port))
        print("listening", file=sys.stderr, flush=True)
        seen = set()
        end = time.time() + seconds
        while len(seen) < count and time.time() < end:
            s.settimeout(max(0.01, end - time.time()))
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            n = int.from_bytes(b[:4], "big")
            if b == expected_datagram(n, len(b)):
                seen.add(n)
        print(len(seen))
    elif mode == "udp-send":
        count, size = int(sys.argv[4]), int(sys.argv[5])
        s = socket.socket(family(addr), socket.SOCK_DGRAM)
        for n in range(count):
            s.sendto(expected_datagram(n, size), sockaddr(addr, port))
            time.sleep(0.002)
    else:
        sys.exit(__doc__)


def expected_datagram(n, size):
    head = n.to_bytes(4, "big")
    return head + bytes((n + i) & 0xff for i in range(size - 4))


if __name__ == "__main__":
    main()
