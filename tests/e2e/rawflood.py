#!/usr/bin/python3
"""Flood an interface with unicast frames to random MACs nobody has (AF_PACKET).

  rawflood.py IFACE SECONDS [RATE]
      sends 60-byte frames of ethertype 0x88B6, each to one of 4096 random locally
      administered unicast MACs, for SECONDS, RATE frames/s (default: as fast as it
      can), in bursts of 256; then prints "SENT RATE" (frames, frames/s). A switch floods every one of them to all the
      other members of the VLAN, unless it limits unknown unicast.
"""
import os
import socket
import sys
import time


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    iface, seconds = argv[1], float(argv[2])
    rate = float(argv[3]) if len(argv) == 4 else 0
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src = s.getsockname()[4][:6]
    frames = []
    for _ in range(4096):
        dst = bytearray(os.urandom(6))
        dst[0] = (dst[0] & 0xFC) | 0x02  # unicast, locally administered
        frames.append(bytes(dst) + src + b"\x88\xb6" + b"flood".ljust(46, b"\0"))
    send = s.send
    sent = 0
    start = time.monotonic()
    end = start + seconds
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if rate and sent > (now - start) * rate:
            time.sleep(min(end - now, sent / rate - (now - start)))
            continue
        for f in frames[:256]:
            try:
                send(f)
                sent += 1
            except OSError:  # the device queue is full: the kernel drops it
                pass
        frames.append(frames.pop(0))
    print("%d %.0f" % (sent, sent / (time.monotonic() - start)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
