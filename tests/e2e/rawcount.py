#!/usr/bin/python3
"""Send numbered raw Ethernet frames, or count the ones that arrive (AF_PACKET).

  rawcount.py send IFACE DSTMAC ETHERTYPE TAG N
      sends N frames whose payload is TAG-0 ... TAG-(N-1), 10 ms apart
  rawcount.py count IFACE ETHERTYPE TAG SECONDS
      prints "listening", then after SECONDS "COUNT DISTINCT": every frame with a
      payload starting TAG- that came in (not the ones this host sent), and how many
      different numbers among them; a frame delivered twice counts twice
"""
import socket
import sys
import time

PACKET_OUTGOING = 4


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def send(iface, dst, etype, tag, n):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src = s.getsockname()[4][:6]
    for i in range(n):
        frame = mac_bytes(dst) + src + etype.to_bytes(2, "big") + ("%s-%d." % (tag, i)).encode()
        frame += b"\0" * max(0, 60 - len(frame))
        s.send(frame)
        time.sleep(0.01)
    return 0


def count(iface, etype, tag, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(etype))
    s.bind((iface, 0))
    prefix = (tag + "-").encode()
    print("listening", flush=True)
    got = []
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            frame, addr = s.recvfrom(65536)
        except socket.timeout:
            break
        if addr[2] == PACKET_OUTGOING or frame[12:14] != etype.to_bytes(2, "big"):
            continue
        payload = frame[14:]
        if payload.startswith(prefix):
            got.append(payload[len(prefix):].split(b".")[0])
    print("%d %d" % (len(got), len(set(got))), flush=True)
    return 0


def main(argv):
    if len(argv) == 7 and argv[1] == "send":
        return send(argv[2], argv[3], int(argv[4], 0), argv[5], int(argv[6]))
    if len(argv) == 6 and argv[1] == "count":
        return count(argv[2], int(argv[3], 0), argv[4], float(argv[5]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
