#!/usr/bin/env bash
# The etcd cluster that Serval's cluster tests stand on, as those tests will use it: three
# real members on loopback, the v3 JSON gateway, one member lost (nothing changes), two lost
# (no quorum: writes fail), and recovery when a member comes back, with no restart of the
# others. Needs etcd (Debian's etcd-server); fails, not skips, without it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../e2e/lib.sh"
. "$here/lib-etcd.sh"

out=$(mktemp -d /tmp/serval-etcd.XXXXXX)
trap 'etcd_stop_all; e2e_cleanup; rm -rf "$out"' EXIT

etcd_start_cluster 3 127.0.0.1 "$out"
tap_ok "three etcd members are up: $(etcd_endpoints)"
check "a key written through member 0" etcd_put 0 /serval-test/a one
check "...reads back through member 2" test "$(etcd_get 2 /serval-test/a)" = one

etcd_kill 1
# If member 1 led, the other two elect a leader first (an election timeout of 1 s).
check "with member 1 killed, a write through member 0 still works" wait_for 5 etcd_put 0 /serval-test/b two
check "...and reads back through member 2" test "$(etcd_get 2 /serval-test/b)" = two

etcd_kill 2
fails() { ! "$@"; }
check "with two of three killed, a write fails (no quorum)" fails etcd_put 0 /serval-test/c three

etcd_member_start 1
check "member 1 back on its old data: writes work again" wait_for 10 etcd_put 0 /serval-test/d four
check "...and what was written before the losses is still there" test "$(etcd_get 1 /serval-test/b)" = two
echo "1..$E2E_N"
[ "$E2E_FAILED" -eq 0 ]
