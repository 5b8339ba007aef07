#!/usr/bin/python3
"""A misbehaving Serval client: connects with TLS 1.3 and sends bad input.

  badpeer.py HOST PORT garbage|oversized|truncated|zero|deep

Exit 0 when the server closed the connection within 10 s, 1 otherwise.
"""
import os
import socket
import ssl
import struct
import sys
import time

# A valid hello (version 2, software "bad"): Message.hello [1] { [0] 2, [1] "bad" }
HELLO = bytes([0xA1, 0x08, 0x80, 0x01, 0x02, 0x81, 0x03]) + b"bad"


def frame(body):
    return struct.pack(">I", len(body)) + body


def main(argv):
    host, port, kind = argv[1], int(argv[2]), argv[3]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    raw = socket.create_connection((host, port), timeout=5)
    s = ctx.wrap_socket(raw)
    s.sendall(frame(HELLO))
    if kind == "garbage":
        s.sendall(frame(os.urandom(200)))
    elif kind == "oversized":
        s.sendall(struct.pack(">I", 0xFFFFFFF0) + os.urandom(64))
    elif kind == "zero":
        s.sendall(struct.pack(">I", 0))
    elif kind == "deep":
        # 2000 nested constructed tags: must hit the recursion guard, not the stack.
        s.sendall(frame(bytes([0xA2, 0x80]) * 2000))
    elif kind == "truncated":
        s.sendall(struct.pack(">I", 100) + b"\xa2\x62" + os.urandom(8))
        s.close()
        return 0
    else:
        print(__doc__, file=sys.stderr)
        return 2
    end = time.monotonic() + 10
    s.settimeout(1)
    while time.monotonic() < end:
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionError, ssl.SSLError, OSError):
            return 0
        if not data:
            return 0
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
