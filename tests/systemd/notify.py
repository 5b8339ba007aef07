#!/usr/bin/env python3
"""serval-server under a stand-in for systemd's notify socket (Type=notify).

Runs the server with NOTIFY_SOCKET pointing at a datagram socket of this test and
WATCHDOG_USEC set, as systemd does for a unit with WatchdogSec=, and checks what it
says there: READY=1 with a STATUS= line once it listens, WATCHDOG=1 again and again
from its main loop, and STOPPING=1 when it is told to stop. Also that a server
without NOTIFY_SOCKET runs as before. TAP output. Waits are for messages, with a
generous safety net; nothing here measures time.

    notify.py SERVAL_SERVER
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

server = sys.argv[1]
n = 0
failed = 0


def tap(ok, what):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print(("ok" if ok else "not ok"), n, "-", what, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(60 * int(os.environ.get("SERVAL_TEST_WAIT_SCALE", "3")))
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="300000")
    log = open(os.path.join(tmp, "server.log"), "w+")
    proc = subprocess.Popen([server, "--data-dir", os.path.join(tmp, "data"),
                             "--listen", "127.0.0.1:%d" % free_port()],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    messages = []

    def until(pred):
        """Reads messages until one satisfies pred; False on the safety net."""
        while True:
            try:
                data = sock.recv(4096).decode()
            except socket.timeout:
                return False
            messages.append(data)
            if pred(data):
                return True

    try:
        ready = until(lambda m: "READY=1" in m.split("\n"))
        tap(ready, "READY=1 once the server listens")
        tap(ready and any(l.startswith("STATUS=") and "clients" in l for l in messages[-1].split("\n")),
            "...with a STATUS= line that counts the clients")
        pings = [0]

        def three_pings(m):
            pings[0] += m.split("\n").count("WATCHDOG=1")
            return pings[0] >= 3
        tap(until(three_pings), "WATCHDOG=1 again and again (WATCHDOG_USEC=300000)")
        proc.send_signal(signal.SIGTERM)
        tap(until(lambda m: "STOPPING=1" in m.split("\n")), "STOPPING=1 when told to stop")
        tap(proc.wait(timeout=60) == 0, "...and it exits with status 0")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if failed:
        log.seek(0)
        print("# the server said:")
        for line in log.read().splitlines()[-20:]:
            print("#", line)

    # Outside systemd: nothing to notify, and the server runs as before.
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
    port = free_port()
    plain = subprocess.Popen([server, "--data-dir", os.path.join(tmp, "data"), "--listen", "127.0.0.1:%d" % port],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        up = False
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                up = True
                break
            except OSError:
                if plain.poll() is not None:
                    break
                time.sleep(0.1)
        tap(up, "without NOTIFY_SOCKET the server listens as before")
        plain.send_signal(signal.SIGTERM)
        tap(plain.wait(timeout=60) == 0, "...and stops with status 0")
    finally:
        if plain.poll() is None:
            plain.kill()
            plain.wait()

print("1..%d" % n)
sys.exit(1 if failed else 0)
