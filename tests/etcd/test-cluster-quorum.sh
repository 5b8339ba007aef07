#!/usr/bin/env bash
# test-cluster-quorum.sh PROGRAM: runs PROGRAM (tests/test-cluster) against an etcd
# cluster of three real members on loopback, with $SERVAL_TEST_ETCD their client URLs
# and $SERVAL_TEST_ETCD_CTL a command that kills or starts a member:
#   "$SERVAL_TEST_ETCD_CTL" --ctl kill I | --ctl start I
# (this script again, in its control mode). With it the test program runs its quorum
# test: the registry's states when etcd loses its quorum, when no member answers, and
# when they come back. Needs etcd (Debian's etcd-server); fails, not skips, without it.
set -u
here=$(cd "$(dirname "$0")" && pwd)

if [ "${1:-}" = --ctl ]; then
  # Control mode: the cluster's layout comes from the environment the test run exported.
  dir=$SERVAL_ETCD_DIR host=$SERVAL_ETCD_HOST base=$SERVAL_ETCD_BASE n=$SERVAL_ETCD_N
  . "$here/../e2e/lib.sh"
  . "$here/lib-etcd.sh"
  ETCD_DIR=$dir ETCD_HOST=$host ETCD_BASE=$base ETCD_N=$n
  case "$2" in
    kill) kill -9 "$(cat "$ETCD_DIR/m$3.pid")" ;;
    start) etcd_member_start "$3" && echo "${ETCD_PIDS[$3]}" >"$ETCD_DIR/m$3.pid" ;;
    *) echo "usage: $0 --ctl kill|start I" >&2; exit 2 ;;
  esac
  exit
fi

. "$here/../e2e/lib.sh"
. "$here/lib-etcd.sh"
out=$(mktemp -d /tmp/serval-cluster-quorum.XXXXXX)
stop() {
  local f
  for f in "$out"/etcd/m*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done
  etcd_stop_all
  rm -rf "$out"
}
trap stop EXIT
etcd_start_cluster 3 127.0.0.1 "$out/etcd" >&2
for ((i = 0; i < ETCD_N; i++)); do echo "${ETCD_PIDS[$i]}" >"$ETCD_DIR/m$i.pid"; done
export SERVAL_ETCD_DIR=$ETCD_DIR SERVAL_ETCD_HOST=$ETCD_HOST SERVAL_ETCD_BASE=$ETCD_BASE SERVAL_ETCD_N=$ETCD_N
SERVAL_TEST_ETCD=$(etcd_endpoints) SERVAL_TEST_ETCD_CTL="$here/test-cluster-quorum.sh" "$@"
