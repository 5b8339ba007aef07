#!/usr/bin/env bash
# with-etcd.sh PROGRAM [ARGS...]: runs PROGRAM with an etcd of its own, a single
# member on a free loopback port with its data in a temporary directory, whose client
# URL is in $SERVAL_TEST_ETCD; stops it afterwards. For the unit tests that run on
# the etcd store (tests/meson.build). Needs etcd (Debian's etcd-server).
set -u
command -v etcd >/dev/null || { echo "Bail out! etcd is missing (apt-get install etcd-server)"; exit 1; }
dir=$(mktemp -d /tmp/serval-test-etcd.XXXXXX)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
client="http://127.0.0.1:$(free_port)" peer="http://127.0.0.1:$(free_port)"
etcd --name t --data-dir "$dir/data" --listen-client-urls "$client" --advertise-client-urls "$client" \
  --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" --initial-cluster "t=$peer" \
  --logger zap --log-outputs "$dir/etcd.log" >"$dir/etcd.out" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
# Waits for a condition (etcd healthy), not a time; 30 s is the safety net.
for _ in $(seq 300); do
  curl -sf -m 1 "$client/health" 2>/dev/null | grep -q '"health":"true"' && break
  kill -0 "$pid" 2>/dev/null || { echo "Bail out! etcd did not start: $(tail -3 "$dir/etcd.out")"; exit 1; }
  sleep 0.1
done
SERVAL_TEST_ETCD=$client "$@"
