#!/usr/bin/env python3
"""Moves deterministic bytes over TCP or UDP and prints what arrived, for
checking that a path delivers data intact.

  streamcheck.py tcp-recv ADDR PORT            prints "BYTES SHA256" of one connection
  streamcheck.py tcp-send ADDR PORT BYTES SEED  sends BYTES pseudo-random bytes, prints "BYTES SHA256"
  streamcheck.py udp-recv ADDR PORT COUNT SECONDS   prints how many valid datagrams arrived
  streamcheck.py udp-send ADDR PORT COUNT SIZE   sends COUNT datagrams of SIZE bytes, numbered
  streamcheck.py gso-sniff DEV SECONDS        prints "FRAMES LONGEST GSO_SIZES" of the TCP frames
                                              DEV received (AF_PACKET with PACKET_VNET_HDR)
ADDR may be IPv6 (with %dev for link-local)."""
import hashlib
import random
import signal
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


def gso_sniff(dev, seconds):
    import struct
    PACKET_VNET_HDR = 15
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.setsockopt(263, PACKET_VNET_HDR, 1)   # SOL_PACKET
    s.bind((dev, 0))
    print("listening", file=sys.stderr, flush=True)
    frames, longest, sizes = 0, 0, set()
    end = time.time() + seconds
    def stop(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    try:   # until SECONDS pass or SIGTERM comes
        while time.time() < end:
            s.settimeout(max(0.01, end - time.time()))
            try:
                b, addr = s.recvfrom(70000)
            except socket.timeout:
                break
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            flags, gso_type, hdr_len, gso_size, cstart, coff = struct.unpack("=BBHHHH", b[:10])
            frames += 1
            longest = max(longest, len(b) - 10)
            if gso_type & 0x7f:
                sizes.add(gso_size)
    except KeyboardInterrupt:
        pass
    print(frames, longest, ",".join(str(x) for x in sorted(sizes)) or "-")


def main():
    mode = sys.argv[1]
    if mode == "gso-sniff":
        return gso_sniff(sys.argv[2], float(sys.argv[3]))
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
