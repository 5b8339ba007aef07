#!/usr/bin/python3
"""Writes the seed corpora in tests/fuzz/corpus/. The DER is built by hand
here, independently of the C encoder, from the tagging rules of
engine/proto/serval.asn1 (AUTOMATIC TAGS; CHOICE components explicitly
tagged). Run it again after changing the schema."""
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))


def length(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    return bytes([tag]) + length(len(content)) + content


def integer(tag, v):
    b = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big", signed=True)
    return tlv(tag, b)


def utf8(text):                # element of a SEQUENCE OF: universal tag
    return tlv(0x0C, text)


def prim(n, content):          # [n] IMPLICIT primitive
    return tlv(0x80 + n, content)


def cons(n, content):          # [n] constructed
    return tlv(0xA0 + n, content)


# deny proto tcp from carol port 22 src 10.77.0.0/24 (a Rule's contents)
RULE = (prim(0, b"\x01") + prim(1, b"\x01") + prim(3, b"carol")
        + cons(5, integer(0x80, 22) + integer(0x81, 22)) + cons(6, prim(0, bytes([10, 77, 0, 0])) + integer(0x81, 24)))


def member(user, host):
    return tlv(0x30, prim(0, user) + prim(1, host) + prim(2, bytes([2, 0, 0, 0, 0, 1]))
               + cons(3, utf8(b"fe80::1") + utf8(b"10.0.0.1")) + prim(4, b"node")
               + integer(0x85, 1700000000))


def request(rid, body):
    return cons(2, integer(0x80, rid) + cons(1, body))


def response(rid, body):
    return cons(3, integer(0x80, rid) + cons(1, body))


frame = bytes([0xff] * 6 + [2, 0, 0, 0, 0, 1, 0x88, 0xb5]) + b"x" * 46
bodies = {
    "hello": cons(1, integer(0x80, 2) + prim(1, b"serval 0.2") + prim(2, b"node-a")),
    "ping": cons(5, integer(0x80, 12345)),
    "pong": cons(6, integer(0x80, 2147483647)),
    "data": cons(0, integer(0x80, 7) + prim(1, frame)),
    "data-big-tag": cons(0, integer(0x80, 16777215) + prim(1, frame * 3)),
    # DataFrame.offload [2] between the tag and the frame: flags 1, TCP/IPv4, hdrLen 54, gsoSize 1448,
    # csumStart 34, csumOffset 16
    "data-offload": cons(0, integer(0x80, 7) + cons(2, integer(0x80, 1) + integer(0x81, 1) + integer(0x82, 54)
                                                 + integer(0x83, 1448) + integer(0x84, 34) + integer(0x85, 16))
                         + prim(1, frame)),
    "login": request(1, cons(0, prim(0, b"alice") + prim(1, b"secret") + prim(2, b"laptop"))),
    "join": request(2, cons(1, prim(0, b"red") + prim(1, bytes([2, 1, 2, 3, 4, 5])))),
    "leave": request(3, prim(2, b"red")),
    "list-vlans": request(4, prim(3, b"")),
    "update": request(5, cons(5, prim(0, b"red") + cons(1, utf8(b"10.0.0.2")))),
    "user-add": request(6, cons(8, prim(0, b"bob") + prim(1, b"pw") + prim(2, b"\xff"))),
    "grant": request(7, cons(10, prim(0, b"bob") + prim(1, b"red"))),
    "ok": response(1, prim(0, b"")),
    "error": response(2, cons(1, prim(0, b"\x06") + prim(1, "may not join “red”".encode()))),
    "logged-in": response(3, cons(2, prim(0, b"\xff") + integer(0x81, 5) + cons(2, utf8(b"a:7465")))),
    "joined": response(4, cons(3, prim(0, b"red") + integer(0x81, 3) + cons(2, member(b"alice", b"h1") + member(b"bob", b"h2")))),
    "event-joined": cons(4, cons(0, prim(0, b"red") + cons(1, member(b"carol", b"h3")[2:]))),
    "event-bye": cons(4, cons(5, prim(0, b"\x0b") + prim(1, b"The server is shutting down"))),
    "list-nodes": request(8, prim(14, b"")),
    # NodeInfo: name, advertise, since, members, current
    "nodes": response(5, cons(7, tlv(0x30, prim(0, b"node-a") + cons(1, utf8(b"a.example.org:7465") + utf8(b"[::1]:7465"))
                                      + integer(0x82, 1700000000) + integer(0x83, 3) + prim(4, b"\xff"))
                                + tlv(0x30, prim(0, b"node-b") + cons(1, b"") + integer(0x82, 0) + integer(0x83, 0)
                                      + prim(4, b"\x00")))),
    # Control characters the server refuses (badRequest naming the field): ESC and NUL in a
    # host name, a C1 CSI in a VLAN name, CR LF in an address
    "login-control-host": request(9, cons(0, prim(0, b"bob") + prim(1, b"pw") + prim(2, b"a\x1b]0;x\x07"))),
    "login-nul-host": request(10, cons(0, prim(0, b"bob") + prim(1, b"pw") + prim(2, b"a\x00b"))),
    "join-c1-vlan": request(11, cons(1, prim(0, b"red\xc2\x9b") + prim(1, bytes([2, 1, 2, 3, 4, 5])))),
    "update-crlf-address": request(12, cons(5, prim(0, b"red") + cons(1, utf8(b"10.0.0.2\r\nx")))),
    "unknown-alt": cons(20, integer(0x80, 1)),
    # Alternatives a later version adds inside Request, Response and Event: read as
    # unknown (a server answers badRequest), never encoded again
    "request-unknown-alt": request(13, prim(20, b"")),
    "response-unknown-alt": response(6, prim(20, b"")),
    "event-unknown-alt": cons(4, prim(20, b"")),
    # asn1c spun forever on this (indefinite length, then 00 not followed by 00)
    # decoded, but re-encoded differently (a 2^31+ INTEGER; asn1c mis-encodes those)
    "regress-wide-int": bytes.fromhex("a51d801b00000000000000000000000000000000000000ffe7221f00e2809d"),
    # a request whose body is an alternative this version does not know (found by fuzz-codec
    # once such requests were read as unknown instead of refused): decoded, not re-encoded
    "regress-unknown-body": bytes.fromhex("a218800100a11329118003726564a10a0c083130f68380bf2e32"),
    "regress-eoc-hang": bytes.fromhex("a480a400001e0000000000000000000000420000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000080a4"),
    "deep": bytes([0xA2, 0x80]) * 50,
    # Issue 14: a VLAN's configuration (RequestBody [15]..[19], ResponseBody [8]) and the
    # fields added after "..." to Hello, Joined, VlanInfo and UserInfo
    "hello-vlan-config": cons(1, integer(0x80, 2) + prim(1, b"serval 0.3") + prim(3, b"\xff") + prim(4, b"\xff")),
    "vlan-set": request(14, cons(15, prim(0, b"red") + prim(1, b"10.77.0.0/24") + prim(2, b"fd00:77::/64"))),
    "vlan-set-none": request(15, cons(15, prim(0, b"red") + prim(1, b""))),
    "rule-add": request(16, cons(16, prim(0, b"red") + cons(1, RULE))),
    "rule-add-any": request(17, cons(16, prim(0, b"red") + cons(1, prim(0, b"\x00") + prim(1, b"\x00")))),
    # proto 9 and a /40 IPv4 prefix: decoded, refused as out of range by the message layer
    "rule-add-bad": request(18, cons(16, prim(0, b"red") + cons(1, prim(0, b"\x01") + prim(1, b"\x09")
                                                                  + cons(6, prim(0, bytes([10, 0, 0, 0])) + integer(0x81, 40))))),
    "rule-del": request(19, cons(17, prim(0, b"red") + integer(0x81, 3))),
    "list-rules": request(20, prim(18, b"red")),
    "user-set-bridge": request(21, cons(19, prim(0, b"bob") + prim(1, b"\xff"))),
    "rules": response(7, cons(8, tlv(0x30, RULE) + tlv(0x30, prim(0, b"\x00") + prim(1, b"\x03")))),
    "joined-address": response(8, cons(3, prim(0, b"red") + integer(0x81, 3) + cons(2, member(b"alice", b"h1"))
                                       + prim(3, b"10.77.0.5/24") + prim(4, b"fd00:77::/64"))),
    "vlans-subnet": response(9, cons(4, tlv(0x30, prim(0, b"red") + integer(0x81, 7) + prim(2, b"\xff")
                                            + integer(0x83, 2) + prim(4, b"10.77.0.0/24")))),
    "users-bridge": response(10, cons(6, tlv(0x30, prim(0, b"bob") + prim(1, b"\x00") + cons(2, utf8(b"red"))
                                             + prim(3, b"\xff")))),
    "error-pool-full": response(11, cons(1, prim(0, b"\x10") + prim(1, b"VLAN red has no address left"))),
    # Issue 17: big VLANs. Hello.memberPages [5], RequestBody [20] listMemberPage, ResponseBody [9]
    # memberPage, Joined.total [5], Event [6] memberChanges (joined, left, updated)
    "hello-member-pages": cons(1, integer(0x80, 2) + prim(1, b"serval 0.3") + prim(3, b"\xff") + prim(4, b"\xff")
                               + prim(5, b"\xff")),
    "list-member-page": request(22, cons(20, prim(0, b"red") + integer(0x81, 500) + integer(0x82, 100)
                                         + prim(3, b"ali"))),
    "member-page": response(12, cons(9, integer(0x80, 1201) + integer(0x81, 500)
                                     + cons(2, member(b"alice", b"h1") + member(b"bob", b"h2")))),
    "joined-total": response(13, cons(3, prim(0, b"red") + integer(0x81, 3) + cons(2, member(b"alice", b"h1"))
                                      + integer(0x85, 1201))),
    "event-member-changes": cons(4, cons(6, prim(0, b"red") + cons(1, tlv(0x30, prim(0, b"\x00") + cons(1, member(b"carol", b"h3")[2:]))
                                                                   + tlv(0x30, prim(0, b"\x01") + cons(1, member(b"bob", b"h2")[2:]))
                                                                   + tlv(0x30, prim(0, b"\x02") + cons(1, member(b"alice", b"h1")[2:]))))),
    # out of the schema's bounds: a page of 0 members asked, an event of no change
    "list-member-page-zero": request(23, cons(20, prim(0, b"red") + integer(0x81, 0) + integer(0x82, 0))),
    "event-member-changes-empty": cons(4, cons(6, prim(0, b"red") + cons(1, b""))),
    # Issue 15: announced services. Hello.services [6], Join.services [2], Member.services [6]
    # (a SEQUENCE OF Service {kind [0], port [1], path [2]}): https:8443/admin and http:8080
    "hello-services": cons(1, integer(0x80, 2) + prim(1, b"serval 0.3") + prim(3, b"\xff") + prim(4, b"\xff")
                           + prim(5, b"\xff") + prim(6, b"\xff")),
    "join-services": request(24, cons(1, prim(0, b"red") + prim(1, bytes([2, 1, 2, 3, 4, 5]))
                                      + cons(2, tlv(0x30, prim(0, b"\x01") + integer(0x81, 8443) + prim(2, b"admin"))
                                             + tlv(0x30, prim(0, b"\x00") + integer(0x81, 8080))))),
    "joined-services": response(14, cons(3, prim(0, b"red") + integer(0x81, 3)
                                         + cons(2, tlv(0x30, member(b"alice", b"h1")[2:]
                                                + cons(6, tlv(0x30, prim(0, b"\x01") + integer(0x81, 8443)
                                                              + prim(2, b"admin"))))))),
    # a path with a control character (decoded; the server refuses it), port 0 and
    # five services (out of the schema's bounds)
    "join-services-control": request(25, cons(1, prim(0, b"red") + prim(1, bytes([2, 1, 2, 3, 4, 5]))
                                              + cons(2, tlv(0x30, prim(0, b"\x00") + integer(0x81, 80)
                                                            + prim(2, b"a\x1b[2J"))))),
    "join-services-port-zero": request(26, cons(1, prim(0, b"red") + prim(1, bytes([2, 1, 2, 3, 4, 5]))
                                                + cons(2, tlv(0x30, prim(0, b"\x00") + integer(0x81, 0))))),
    "join-services-five": request(27, cons(1, prim(0, b"red") + prim(1, bytes([2, 1, 2, 3, 4, 5]))
                                           + cons(2, tlv(0x30, prim(0, b"\x00") + integer(0x81, 80)) * 5))),
    # Issue 14's per-user rate limit: RequestBody [21] userSetRateLimit, UserInfo.rateLimit [4]
    "user-set-rate-limit": request(24, cons(21, prim(0, b"erin") + integer(0x81, 100000))),
    "user-set-rate-limit-none": request(25, cons(21, prim(0, b"erin") + integer(0x81, 0))),
    "users-rate-limit": response(14, cons(6, tlv(0x30, prim(0, b"erin") + prim(1, b"\x00") + cons(2, b"")
                                                 + integer(0x84, 100000)))),
    # past the schema's bound (2^31 bytes/s): refused by the decoder
    "user-set-rate-limit-big": request(26, cons(21, prim(0, b"erin") + integer(0x81, 2 ** 31))),
    # Issue 17's keepalive by load: Hello.keepaliveInterval [7], Ping.interval [1] in a ping [5]
    # and a pong [6]; 0 and 3601 are past the schema's bounds (refused by the decoder)
    "hello-keepalive-interval": cons(1, integer(0x80, 2) + prim(1, b"serval 0.3") + prim(3, b"\xff") + prim(4, b"\xff")
                                     + prim(5, b"\xff") + prim(6, b"\xff") + prim(7, b"\xff")),
    "ping-interval": cons(5, integer(0x80, 12345) + integer(0x81, 50)),
    "pong-interval": cons(6, integer(0x80, 12345) + integer(0x81, 3600)),
    "ping-interval-zero": cons(5, integer(0x80, 1) + integer(0x81, 0)),
    "pong-interval-big": cons(6, integer(0x80, 1) + integer(0x81, 3601)),
}


def write(kind, name, data):
    d = os.path.join(here, "corpus", kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


for name, body in bodies.items():
    write("codec", name, body)

stream = b"".join(struct.pack(">I", len(b)) + b for b in bodies.values())
write("stream", "all", stream)
write("stream", "session", b"".join(struct.pack(">I", len(bodies[k])) + bodies[k]
                                     for k in ("hello", "login", "join", "data", "data", "ping")))
write("stream", "oversized", struct.pack(">I", 0xFFFFFFF0) + b"x" * 16)
write("stream", "truncated", struct.pack(">I", 100) + bodies["hello"])

# switch scripts: (op<<4 | port, vlan) pairs; op >= 5 sends a frame (next byte: length)
def fr(port, vlan, dst, src):
    f = bytes(dst) + bytes([2, 0, 0, 0, 0, src]) + b"\x88\xb5" + b"p" * 46
    return bytes([0x50 | port, vlan, len(f)]) + f

bcast = [0xff] * 6
joins = bytes([0x00, 0, 0x01, 0, 0x02, 0, 0x03, 1])
write("switch", "flood", joins + fr(0, 0, bcast, 1) + fr(1, 0, bcast, 2) + fr(3, 1, bcast, 3))
write("switch", "learn", joins + fr(0, 0, [2, 0, 0, 0, 0, 2], 1) + fr(1, 0, [2, 0, 0, 0, 0, 1], 2)
      + fr(0, 0, [2, 0, 0, 0, 0, 2], 1))
write("switch", "limits", joins + b"".join(fr(0, 0, bcast, s) for s in range(1, 9)))
write("switch", "age-leave", joins + fr(0, 0, bcast, 1) + bytes([0x30, 200, 0x20, 0, 0x40, 0])
      + fr(1, 0, [2, 0, 0, 0, 0, 1], 2))
write("switch", "storm", joins + b"".join(fr(0, 0, bcast, 1) for _ in range(10)))

# Resume tokens (server/serval-token.h): Login and LoggedIn carrying one, and
# the token parser's own corpus, MACed with the key of tests/fuzz/fuzz-token.c.
import hashlib
import hmac

TOKEN_KEY = bytes(range(32))
TOKEN_CRED = struct.pack(">I", 1000) + b"\x11" * 16 + b"\x22" * 32
TOKEN_NOW = 1764000000


def token(user, issued, expires, chain=None, version=2, key=TOKEN_KEY):
    """Version 2: version, issued, expires, chain start, user length, user, MAC."""
    chain = issued if chain is None else chain
    body = bytes([version]) + struct.pack(">qqq", issued, expires, chain) + bytes([len(user)]) + user
    return body + hmac.new(key, body + TOKEN_CRED, hashlib.sha256).digest()


def token_v1(user, issued, expires, key=TOKEN_KEY):
    """The format of Serval 0.2.0, without the chain start: refused now."""
    body = bytes([1]) + struct.pack(">qq", issued, expires) + bytes([len(user)]) + user
    return body + hmac.new(key, body + TOKEN_CRED, hashlib.sha256).digest()


good = token(b"alice", TOKEN_NOW - 60, TOKEN_NOW + 7 * 86400, chain=TOKEN_NOW - 30 * 86400)
write("codec", "login-token", request(1, cons(0, prim(0, b"alice") + prim(1, b"") + prim(2, b"laptop")
                                             + prim(3, good))))
write("codec", "logged-in-token", response(3, cons(2, prim(0, b"\x00") + integer(0x81, 5)
                                                   + cons(2, utf8(b"a:7465")) + prim(3, good))))
write("codec", "error-token-refused", response(2, cons(1, prim(0, b"\x0d") + prim(1, b"expired"))))
write("token", "good", good)
write("token", "expired", token(b"alice", TOKEN_NOW - 8 * 86400, TOKEN_NOW - 86400))
write("token", "other-user", token(b"bob", TOKEN_NOW, TOKEN_NOW + 60))
write("token", "other-key", token(b"alice", TOKEN_NOW, TOKEN_NOW + 60, key=b"\x01" * 32))
write("token", "version-1", token_v1(b"alice", TOKEN_NOW, TOKEN_NOW + 60))
write("token", "version-3", token(b"alice", TOKEN_NOW, TOKEN_NOW + 60, version=3))
# Renewed a day ago, but its chain began with a password login 91 days ago.
write("token", "too-old", token(b"alice", TOKEN_NOW - 86400, TOKEN_NOW + 6 * 86400, chain=TOKEN_NOW - 91 * 86400))
write("token", "long-user", token(b"u" * 64, TOKEN_NOW, TOKEN_NOW + 60))
write("token", "altered", good[:5] + bytes([good[5] ^ 1]) + good[6:])
write("token", "truncated", good[:-1])
write("token", "name", b"alice")

# offload: real-shaped GSO frames and partial checksums, see fuzz-offload.c for the layout
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def gso_frame(v6, payload, tcp_opts=12, ip_opts=0):
    eth = bytes([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]) + (b"\x86\xdd" if v6 else b"\x08\x00")
    tcp_len = 20 + tcp_opts
    data = bytes((i * 7) & 0xff for i in range(payload))
    if v6:
        src, dst = bytes(range(16)), bytes(range(16, 32))
        ip = struct.pack(">IHBB", 0x60000000, tcp_len + payload, 6, 64) + src + dst
        pseudo = csum(src + dst)
    else:
        ihl = 20 + ip_opts
        src, dst = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
        ip = struct.pack(">BBHHHBBH", 0x40 | ihl // 4, 0, ihl + tcp_len + payload, 0x1234, 0x4000, 64, 6, 0) \
            + src + dst + b"\x01" * ip_opts
        pseudo = csum(src + dst)
    partial = pseudo + 6 + tcp_len + payload
    while partial >> 16:
        partial = (partial & 0xffff) + (partial >> 16)
    tcp = struct.pack(">HHIIBBHHH", 40000, 5001, 1000, 2000, (tcp_len // 4) << 4, 0x18, 500, partial, 0) \
        + b"\x01" * tcp_opts
    return eth + ip + tcp + data, len(eth) + len(ip), len(eth) + len(ip) + tcp_len


def raw(flags, gso_type, hdr_len, gso_size, cstart, coff, f):
    return bytes([0, flags, gso_type]) + struct.pack(">HHHH", hdr_len, gso_size, cstart, coff) + f


for name, v6, payload, mss, ipo in (("tcp4", False, 3000, 1448, 0), ("tcp4-opts", False, 2000, 536, 8),
                                    ("tcp6", True, 3500, 1428, 0)):
    f, l4, h = gso_frame(v6, payload, ip_opts=ipo)
    write("offload", "raw-" + name, raw(1, 4 if v6 else 1, h, mss, l4, 16, f))
    off = cons(2, integer(0x80, 1) + integer(0x81, 4 if v6 else 1) + integer(0x82, h) + integer(0x83, mss)
               + integer(0x84, l4) + integer(0x85, 16))
    write("offload", "msg-" + name, b"\x01" + cons(0, integer(0x80, 3) + off + prim(1, f)))
f, l4, h = gso_frame(False, 300)
write("offload", "raw-csum-only", raw(1, 0, 0, 0, l4, 16, f))
write("offload", "raw-ecn", raw(1, 0x81, h, 100, l4, 16, f))
udp = bytes([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0]) + struct.pack(">BBHHHBBH", 0x45, 0, 20 + 8 + 50, 1, 0, 64, 17, 0) \
    + bytes([10, 0, 0, 1, 10, 0, 0, 2]) + struct.pack(">HHHH", 1, 2, 58, 0) + b"u" * 50
write("offload", "raw-udp-csum", raw(1, 0, 0, 0, 34, 6, udp))
write("offload", "raw-udp-gso", raw(1, 5, 42, 20, 34, 6, udp))
write("offload", "msg-plain", b"\x01" + bodies["data"])
