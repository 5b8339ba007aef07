#!/usr/bin/env bash
# End to end: servalctl up --vlan red --bridge lan0 bridges a LAN into VLAN red. bob's
# machine has a second interface, lan0, to a LAN namespace (a site's printer, say); bob's
# servalctl makes the bridge svbr-lan0 holding lan0 and its TAP device, and the LAN host
# then reaches alice, a member elsewhere, through the server; a bridge to an interface
# that is not there fails and names it. The server's clients reach only the server.
# The LAN host's frames come from its own MAC, not the one bob joined with: the server
# forwards them only once bob's user has the bridge right, which an administrator gives
# while bob is connected.
# Output is TAP; the logs stay in $E2E_OUT (default: a new folder under /tmp).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

require_serval

P=svb$$
SRV=$P-srv C1=$P-alice C2=$P-bob C3=$P-carol LAN=$P-lan
e2e_out serval-bridge

star_ns 232 "$P" "$SRV" "$C1" "$C2" "$C3"
make_ns "$LAN"
# The LAN: lan0 in bob's namespace, its peer in the LAN's (made under names of this run,
# then renamed where no other test sees them).
ip link add "${P}l0" netns "$C2" type veth peer name "${P}l1" netns "$LAN" || bail "cannot make the LAN's veth"
in_ns "$C2" ip link set "${P}l0" name lan0
in_ns "$LAN" ip link set "${P}l1" name eth0
in_ns "$LAN" ip addr add 10.50.0.3/24 dev eth0
in_ns "$LAN" ip link set eth0 up
in_ns "$LAN" sysctl -qw net.ipv6.conf.all.accept_dad=0

users_in_red "$data" "$out" alice bob carol
add_admin "$data" "$out"
bg "$SRV" "$out/server.log" "$SERVER" --data-dir "$data" --listen 0.0.0.0:7465 --http 127.0.0.1:9467
wait_for 10 in_ns "$SRV" bash -c "exec 3<>/dev/tcp/10.232.1.1/7465" || bail "serval-server did not start: $(tail -5 "$out/server.log")"

# up NS USER N [ARGS...]: servalctl up in NS, to the server at 10.232.N.1; log in $out/USER.log
up() {
  local ns=$1 user=$2 n=$3; shift 3
  ip netns exec "$ns" "$CTL" --server "10.232.$n.1:7465" --user "$user" --password-file "$out/$user.pw" \
    --fingerprint "$FP" up --vlan red "$@" >"$out/$user.log" 2>&1 &
  E2E_PIDS+=($!)
  UP_PID=$!
}

up "$C1" alice 1
wait_for 10 grep -q "sv-red up" "$out/alice.log" || bail "alice did not join red: $(tail -3 "$out/alice.log")"
in_ns "$C1" ip addr add 10.50.0.1/24 dev sv-red

up "$C2" bob 2 --bridge lan0
check "bob's servalctl says sv-red is in the bridge svbr-lan0 with lan0" \
  wait_for 10 grep -q "sv-red is in the bridge svbr-lan0 with lan0" "$out/bob.log"
check "bob's servalctl says it made the bridge, and that addresses of lan0 must move" \
  grep -q "Made the bridge svbr-lan0, holding lan0 and sv-red.*moved to svbr-lan0" "$out/bob.log"
check "svbr-lan0 is a bridge, and up" bash -c "ip netns exec $C2 ip -d link show svbr-lan0 | grep -q 'bridge ' &&
  ip netns exec $C2 ip link show svbr-lan0 | grep -q ',UP'"
check "sv-red's master is svbr-lan0" bash -c "ip netns exec $C2 ip link show sv-red | grep -q 'master svbr-lan0'"
check "lan0's master is svbr-lan0" bash -c "ip netns exec $C2 ip link show lan0 | grep -q 'master svbr-lan0'"
spoofed() {
  in_ns "$SRV" curl -s http://127.0.0.1:9467/metrics |
    awk '$1 == "serval_frames_dropped_total{reason=\"spoofed_mac\"}" { print $2 }'
}
check "without the bridge right, the LAN host does not reach alice" \
  bash -c "! ip netns exec $LAN ping -c 2 -i 0.3 -W 1 10.50.0.1"
check "the server dropped its frames as spoofed_mac" test "$(spoofed)" -ge 1
check "an administrator gives bob the bridge right while he is connected" \
  ip netns exec "$C1" "$CTL" --server 10.232.1.1:7465 --user root --password-file "$out/root.pw" \
  --fingerprint "$FP" user grant bob --bridge
check "the LAN host reaches alice through bob's bridge and the server" \
  wait_for 10 in_ns "$LAN" ping -c 1 -W 1 10.50.0.1
check "alice reaches the LAN host" in_ns "$C1" ping -c 3 -i 0.2 -W 2 10.50.0.3
check "bob's servalctl still runs" kill -0 "$UP_PID"

up "$C3" carol 3 --bridge nosuch0
if wait_for 10 bash -c "! kill -0 $UP_PID"; then
  wait "$UP_PID"; status=$?
  if [ "$status" -eq 1 ] && grep -q "There is no network interface “nosuch0” to bridge sv-red with" "$out/carol.log"; then
    tap_ok "a bridge to a missing interface fails (exit 1) and names it"
  else
    tap_fail "a bridge to a missing interface fails (exit 1) and names it: exit $status, $(tail -2 "$out/carol.log" | tr '\n' ' ')"
  fi
else
  tap_fail "a bridge to a missing interface ends servalctl: it still runs ($(tail -2 "$out/carol.log" | tr '\n' ' '))"
fi
check "no bridge was made for the missing interface" bash -c "! ip netns exec $C3 ip link show svbr-nosuch0"

e2e_finish
