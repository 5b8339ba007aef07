#!/usr/bin/python3
"""Send or receive one raw Ethernet frame on an interface (AF_PACKET).

  rawframe.py send IFACE DSTMAC ETHERTYPE PAYLOAD [SRCMAC]
                                                    SRCMAC: another source than IFACE's own
  rawframe.py recv IFACE ETHERTYPE PAYLOAD TIMEOUT   exit 0 if a matching frame arrived, 1 if not
"""
import socket
import sys
import time


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def main(argv):
    if len(argv) >= 6 and argv[1] == "send":
        iface, dst, etype, payload = argv[2], argv[3], int(argv[4], 0), argv[5].encode()
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((iface, 0))
        src = mac_bytes(argv[6]) if len(argv) >= 7 else s.getsockname()[4][:6]
        frame = mac_bytes(dst) + src + etype.to_bytes(2, "big") + payload
        frame += b"\0" * max(0, 60 - len(frame))
        s.send(frame)
        return 0
    if len(argv) >= 6 and argv[1] == "recv":
        iface, etype, payload, timeout = argv[2], int(argv[3], 0), argv[4].encode(), float(argv[5])
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(etype))
        s.bind((iface, 0))
        print("listening", flush=True)
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return 1
            s.settimeout(left)
            try:
                frame = s.recv(65536)
            except socket.timeout:
                return 1
            if frame[12:14] == etype.to_bytes(2, "big") and payload in frame[14:]:
                print("got %d bytes from %s" % (len(frame), frame[6:12].hex(":")), flush=True)
                return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
