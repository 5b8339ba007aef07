#!/usr/bin/python3
"""Writes the seed corpora of the managed switch's fuzz targets (dhcp, neigh,
acl) in tests/fuzz/corpus/: Ethernet frames built here, apart from the C
builders. Run it again after changing what they should cover."""
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))
BCAST = b"\xff" * 6
A = bytes([2, 0, 0, 0, 0, 1])
B = bytes([2, 0, 0, 0, 0, 2])


def write(kind, name, data):
    d = os.path.join(here, "corpus", kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload):
    h = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64, proto, 0, src, dst))
    h[10:12] = struct.pack("!H", csum(bytes(h)))
    return bytes(h) + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def dhcp(op, mac, xid, mtype, flags=0, ciaddr=b"\0" * 4, yiaddr=b"\0" * 4, opts=b""):
    b = struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", op, 1, 6, 0, xid, 0, flags, ciaddr, yiaddr, b"\0" * 4,
                    b"\0" * 4, mac, b"", b"", 0x63825363)
    b += bytes([53, 1, mtype]) + opts + b"\xff"
    return b + bytes(max(0, 300 - len(b)))


def client(mac, xid, mtype, **kw):
    src = kw.get("ciaddr", b"\0" * 4)
    dst = kw.pop("to", b"\xff" * 4)
    return BCAST + mac + b"\x08\x00" + ipv4(src, dst, 17, udp(68, 67, dhcp(1, mac, xid, mtype, **kw)))


def arp(op, sha, spa, tpa):
    return BCAST + sha + b"\x08\x06" + struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, spa, b"\0" * 6, tpa)


def icmp6(src, dst, msg, eth_dst=b"\x33\x33\x00\x00\x00\x01", eth_src=A):
    pseudo = src + dst + struct.pack("!IxxxB", len(msg), 58)
    msg = msg[:2] + struct.pack("!H", csum(pseudo + msg)) + msg[4:]
    return eth_dst + eth_src + b"\x86\xdd" + struct.pack("!IHBB", 0x60000000, len(msg), 58, 255) + src + dst + msg


def ip6(last):
    return bytes([0xFE, 0x80] + [0] * 13 + [last])


ip_a, ip_b, server = bytes([10, 0, 0, 1 + 1]), bytes([10, 0, 0, 3]), bytes([10, 0, 0, 1])
write("dhcp", "discover", client(A, 0x1234, 1, flags=0x8000, opts=bytes([12, 3]) + b"bob"))
write("dhcp", "request-selecting", client(A, 0x1235, 3, opts=bytes([50, 4]) + ip_a + bytes([54, 4]) + server))
write("dhcp", "request-renewing", client(A, 0x1236, 3, ciaddr=ip_a, to=server))
write("dhcp", "offer", BCAST + B + b"\x08\x00" + ipv4(server, b"\xff" * 4, 17, udp(67, 68, dhcp(
    2, A, 0x1234, 2, yiaddr=ip_a, opts=bytes([54, 4]) + server + bytes([51, 4, 0, 0, 14, 16, 1, 4, 255, 255, 255, 0])))))

ns = bytes([135, 0, 0, 0, 0, 0, 0, 0]) + ip6(2) + bytes([1, 1]) + A
na = bytes([136, 0, 0, 0, 0x60, 0, 0, 0]) + ip6(2) + bytes([2, 1]) + B
write("neigh", "arp-request", arp(1, A, ip_b, ip_a))
write("neigh", "arp-reply", arp(2, B, ip_a, ip_b))
write("neigh", "ns", icmp6(ip6(1), bytes([0xFF, 2] + [0] * 9 + [1, 0xFF, 0, 0, 2]), ns))
write("neigh", "na", icmp6(ip6(2), ip6(1), na, eth_dst=A, eth_src=B))

tcp22 = struct.pack("!HHIIBBHHH", 40000, 22, 0, 0, 0x50, 2, 65535, 0, 0)
write("acl", "tcp4-ssh", B + A + b"\x08\x00" + ipv4(ip_b, ip_a, 6, tcp22))
write("acl", "udp6-hop-by-hop", b"\x33\x33\x00\x00\x00\x01" + A + b"\x86\xdd" +
      struct.pack("!IHBB", 0x60000000, 16, 0, 64) + ip6(1) + ip6(3) + bytes([17, 0, 1, 4, 0, 0, 0, 0]) +
      udp(5353, 53, b""))
write("acl", "arp-claimed", arp(1, A, ip_b, ip_a))
write("acl", "ns-claimed", icmp6(ip6(1), bytes([0xFF, 2] + [0] * 9 + [1, 0xFF, 0, 0, 2]), ns))
write("acl", "dhcp-discover", client(A, 0x99, 1))
