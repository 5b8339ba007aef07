#!/usr/bin/python3
"""ARP for the managed-switch tests (AF_PACKET).

  arptool.py count IFACE TARGET SECONDS
      prints "listening", then after SECONDS the number of ARP requests for the
      IPv4 address TARGET that came in on IFACE (not the ones this host sent)
  arptool.py claim IFACE ADDRESS
      sends one gratuitous ARP reply, broadcast: "ADDRESS is at" IFACE's MAC
"""
import socket
import sys
import time

PACKET_OUTGOING = 4
ETH_P_ARP = 0x0806


def count(iface, target, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    s.bind((iface, 0))
    s.settimeout(0.2)
    want = socket.inet_aton(target)
    print("listening", flush=True)
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            data, addr = s.recvfrom(2048)
        except socket.timeout:
            continue
        if addr[2] == PACKET_OUTGOING or len(data) < 42:
            continue
        if data[12:14] == b"\x08\x06" and data[20:22] == b"\x00\x01" and data[38:42] == want:
            n += 1
    print(n, flush=True)


def claim(iface, address):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    mac = s.getsockname()[4][:6]
    ip = socket.inet_aton(address)
    arp = b"\x00\x01\x08\x00\x06\x04\x00\x02" + mac + ip + b"\xff" * 6 + ip
    s.send(b"\xff" * 6 + mac + b"\x08\x06" + arp + b"\0" * 18)


def main(argv):
    if len(argv) == 5 and argv[1] == "count":
        count(argv[2], argv[3], float(argv[4]))
    elif len(argv) == 4 and argv[1] == "claim":
        claim(argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
