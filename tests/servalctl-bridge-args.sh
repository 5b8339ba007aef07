#!/usr/bin/env bash
# servalctl up --bridge IFACE: the arguments it refuses, before it asks for a password or
# connects anywhere (no server runs; --server names a port nothing listens on). TAP output.
set -u
SERVALCTL=${SERVALCTL:?set SERVALCTL to the servalctl binary (meson test does)}
n=0 bad=0
expect() { # expect WHAT STATUS PATTERN ARGS...: servalctl ARGS exits STATUS, stderr matches PATTERN
  local what=$1 want=$2 pattern=$3 out status; shift 3
  n=$((n + 1))
  out=$("$SERVALCTL" "$@" </dev/null 2>&1 >/dev/null); status=$?
  if [ "$status" -eq "$want" ] && grep -q -- "$pattern" <<<"$out"; then
    echo "ok $n - $what"
  else
    echo "not ok $n - $what: exit $status, said: $out"
    bad=$((bad + 1))
  fi
}
echo "1..4"
expect "--bridge without --vlan is refused" 2 "needs exactly one --vlan, the VLAN to bridge eth0 into (0 given)" \
  --server 127.0.0.1:9 --bridge eth0 up
expect "--bridge with two --vlan is refused" 2 "needs exactly one --vlan, the VLAN to bridge eth0 into (2 given)" \
  --server 127.0.0.1:9 --vlan blue --vlan red --bridge eth0 up
expect "--bridge with another command is refused" 2 "--bridge goes with “up”" \
  --server 127.0.0.1:9 --vlan blue --bridge eth0 members blue
expect "--bridge is checked before the server is asked for" 2 "needs exactly one --vlan" \
  --bridge eth0 up
[ "$bad" -eq 0 ]
