#!/usr/bin/env bash
# A Serval cluster end to end: three etcd members and three serval-server nodes, and four
# clients, each in its own network namespace on one bridge (one underlay subnet, no IP
# forwarding anywhere). The nodes share one certificate and key and link to each other;
# alice, bob and carol are in VLAN red on nodes 1, 2 and 3, dan in VLAN blue on node 2.
# Checked: frames and broadcasts cross the nodes (a broadcast exactly once), members show
# each member's node, every node answers ARP for the members of every node and keeps its own
# from sending from their addresses and MACs, a killed node's clients fail over and its keys leave
# etcd, a node cut off the network loses its keys and registers again when it comes back,
# and losing etcd's quorum keeps sessions but refuses new logins until quorum is back.
# Needs root (namespaces, a bridge, TAP devices) and etcd. Output is TAP.
set -u
fails() { ! "$@"; }
# timed T0 WHAT DESCRIPTION COMMAND...: check, and if it passed, note "WHAT after N ms"
# (N counted from T0, an earlier now_ms): a measurement, never an assertion
timed() {
  local t0=$1 what=$2 d=$3; shift 3
  if "$@" >>"$E2E_LOG" 2>&1; then tap_ok "$d"; note "$what after $(($(now_ms) - t0)) ms"; else tap_fail "$d"; fi
}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../e2e/lib.sh"
. "$here/lib-etcd.sh"

COUNT=(python3 "$here/../e2e/rawcount.py")

require_serval
e2e_out serval-cluster-nodes
trap 'etcd_stop_all; e2e_cleanup' EXIT

# The node lease: --lease 3 where the server has the option (until it does, the default
# of 10 s is what the waits below must allow for). SERVAL_CLUSTER_NODE_ARGS replaces it.
if [ -n "${SERVAL_CLUSTER_NODE_ARGS+set}" ]; then
  read -r -a NODE_ARGS <<<"$SERVAL_CLUSTER_NODE_ARGS"
elif "$SERVER" --help 2>&1 | grep -q -- '--lease'; then
  NODE_ARGS=(--lease 3)
else
  NODE_ARGS=()
fi
LEASE=10
for ((i = 0; i + 1 < ${#NODE_ARGS[@]}; i++)); do
  [ "${NODE_ARGS[i]}" = --lease ] && LEASE=${NODE_ARGS[i + 1]}
done
note "node options: --keepalive 1 ${NODE_ARGS[*]} (lease $LEASE s)"

# --- topology: the hub's bridge, and every other namespace on a veth to it ------------
P=cn$$
HUB=$P-hub
U=10.88.0         # the underlay: hub .1, node I at .1I, client I at .2I
make_ns "$HUB"
in_ns "$HUB" sysctl -qw net.ipv4.ip_forward=0
in_ns "$HUB" sysctl -qw net.ipv6.conf.all.forwarding=0
in_ns "$HUB" ip link add br0 type bridge || bail "cannot make the hub's bridge"
in_ns "$HUB" ip addr add "$U.1/24" dev br0
in_ns "$HUB" ip link set br0 up

# on_hub NAME ADDRESS: namespace $P-NAME on the bridge through veth hNAME (hub side) and
# up0 (its side) at ADDRESS/24; no forwarding and no duplicate address detection in it
on_hub() {
  local ns=$P-$1
  make_ns "$ns"
  in_ns "$ns" sysctl -qw net.ipv4.ip_forward=0
  in_ns "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
  in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0
  ip link add "h$1" netns "$HUB" type veth peer name up0 netns "$ns" || bail "cannot make the veth of $1"
  in_ns "$HUB" ip link set "h$1" master br0 up
  in_ns "$ns" ip addr add "$2/24" dev up0
  in_ns "$ns" ip link set up0 up
}
for i in 1 2 3; do on_hub "n$i" "$U.1$i"; done
for i in 1 2 3 4; do on_hub "c$i" "$U.2$i"; done
check "underlay: client 1 reaches node 3 over the bridge" wait_for 5 in_ns "$P-c1" ping -c 1 -W 1 "$U.13"
check "precondition: no path between clients' VLAN addresses without Serval" \
  fails in_ns "$P-c1" ping -c 1 -W 1 10.77.0.2

# --- 1. etcd and three nodes ------------------------------------------------------------
etcd_start_cluster 3 "$U.1" "$out/etcd" "$HUB"
ETCD=$(etcd_endpoints)
tap_ok "three etcd members are up in the hub: $ETCD"

# count_is N PREFIX: etcd holds N keys under PREFIX (read through the first live member)
ETCD_READ=0
count_is() { [ "$(etcd_count "$ETCD_READ" "$2")" = "$1" ]; }

echo "pw-root-$$" > "$out/root.pw"
for u in alice bob carol dan erin; do echo "pw-$u-$$" > "$out/$u.pw"; done
in_ns "$HUB" "$SERVER" --etcd "$ETCD" --data-dir "$out/n1" user add root --admin < "$out/root.pw" >/dev/null \
  || bail "cannot add the administrator through etcd"
mkdir -p "$out/n2" "$out/n3"
# Every node of a cluster has the same certificate and key: node 1's.
in_ns "$HUB" "$SERVER" --etcd "$ETCD" --data-dir "$out/n1" fingerprint >/dev/null || bail "cannot make node 1's certificate"
for i in 2 3; do cp -p "$out/n1/cert.pem" "$out/n1/key.pem" "$out/n$i/" || bail "cannot copy the certificate to node $i"; done
FP=$("$SERVER" --data-dir "$out/n1" fingerprint)
FPS=$(for i in 1 2 3; do "$SERVER" --data-dir "$out/n$i" fingerprint; done | sort -u | wc -l)
check "the three nodes have one fingerprint ($FP)" test "$FPS" = 1

declare -A NODE_PID RUN
node_addr() { echo "$U.1$1:7465"; }
# start_node I: node I in its namespace, listening and advertised at its underlay address
start_node() {
  local i=$1
  RUN[$i]=$((${RUN[$i]:-0} + 1))
  bg "$P-n$i" "$out/node$i.log.${RUN[$i]}" "$SERVER" --etcd "$ETCD" --data-dir "$out/n$i" --node "node$i" \
    --listen "$(node_addr "$i")" --advertise "$(node_addr "$i")" --keepalive 1 --http "127.0.0.1:9465" \
    "${NODE_ARGS[@]}"
  NODE_PID[$i]=$BG_PID
  wait_for 10 in_ns "$P-n$i" bash -c "exec 3<>/dev/tcp/$U.1$i/7465"
}
for i in 1 2 3; do
  start_node "$i" || bail "node $i did not start: $(tail -5 "$out/node$i.log.1")"
done
tap_ok "three nodes are up: $(node_addr 1) $(node_addr 2) $(node_addr 3)"
check "every node registered under /serval-live/nodes/" wait_for "$LEASE" count_is 3 /serval-live/nodes/
for i in 1 2 3; do check "...node $i as /serval-live/nodes/node$i" count_is 1 "/serval-live/nodes/node$i"; done

# A node with a key of its own may not join: it says so and stops.
mkdir -p "$out/n4"
"$SERVER" --data-dir "$out/n4" fingerprint >/dev/null
in_ns "$P-n3" timeout 10 "$SERVER" --etcd "$ETCD" --data-dir "$out/n4" --node node4 \
  --listen "$U.13:7466" --advertise "$U.13:7466" --keepalive 1 "${NODE_ARGS[@]}" >"$out/node4.log" 2>&1
rc=$?
note "a node with another key: status $rc: $(tail -1 "$out/node4.log")"
check "a node with another certificate and key refuses to start, saying the key is not the cluster's" \
  bash -c "[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q \"not the cluster's\" '$out/node4.log'"
check "...and left no key in etcd" count_is 0 /serval-live/nodes/node4

# --- 2. administration through node 1, use through node 3 ---------------------------------
# ctl NODE USER [servalctl args...]: a one-shot servalctl from the hub
ctl() {
  local node=$1 user=$2; shift 2
  in_ns "$HUB" "$CTL" --server "$(node_addr "$node")" --user "$user" --password-file "$out/$user.pw" \
    --fingerprint "$FP" "$@"
}
admin() { ctl 1 root "$@"; }
add_vlans() { admin vlan add red && admin vlan add blue && admin vlan add green; }
check "root adds VLANs red, blue and green through node 1" add_vlans
adduser() { admin user add "$1" < "$out/$1.pw"; }
for u in alice bob carol dan erin; do check "root adds user $u through node 1" adduser "$u"; done
for g in "alice red" "bob red" "carol red" "dan blue" "erin green"; do
  # shellcheck disable=SC2086
  check "root grants $g through node 1" admin user grant $g
done
erin_may_join() { ctl 3 erin vlans | grep -q '^green	may join'; }
check "erin, added through node 1, logs in through node 3 at once and may join green" erin_may_join
# Not through in_ns: $! must be servalctl itself (ip netns exec execs it), so that the
# kill below stops it and its membership goes.
ip netns exec "$P-c4" "$CTL" --server "$(node_addr 3)" --user erin --password-file "$out/erin.pw" --fingerprint "$FP" \
  up --vlan green --tap svg0 >"$out/erin.log" 2>&1 &
ERIN=$!
E2E_PIDS+=("$ERIN")
check "...and joins VLAN green through node 3" wait_for 15 grep -q "svg0 up" "$out/erin.log"
kill "$ERIN" 2>/dev/null; wait "$ERIN" 2>/dev/null

# --- 3. clients on three nodes ------------------------------------------------------------
declare -A CPID
# start_client I USER VLAN NODE: client I joins VLAN through NODE; 10.77.0.I and fd77::I on its TAP
start_client() {
  local i=$1 user=$2 vlan=$3 node=$4 log=$out/$2.log
  : > "$log"
  # Not through in_ns: $! must be servalctl itself (ip netns exec execs it).
  ip netns exec "$P-c$i" "$CTL" --server "$(node_addr "$node")" --user "$user" --password-file "$out/$user.pw" \
    --fingerprint "$FP" up --vlan "$vlan" >"$log" 2>&1 &
  CPID[$i]=$!
  E2E_PIDS+=("$!")
  wait_for 15 grep -q "sv-$vlan up" "$log" || return 1
  in_ns "$P-c$i" ip addr add "10.77.0.$i/24" dev "sv-$vlan" &&
    in_ns "$P-c$i" ip addr add "fd77::$i/64" dev "sv-$vlan" nodad
}
start_client 1 alice red 1 || bail "alice's client did not come up through node 1: $(cat "$out/alice.log")"
start_client 2 bob red 2 || bail "bob's client did not come up through node 2: $(cat "$out/bob.log")"
start_client 3 carol red 3 || bail "carol's client did not come up through node 3: $(cat "$out/carol.log")"
start_client 4 dan blue 2 || bail "dan's client did not come up through node 2: $(cat "$out/dan.log")"
tap_ok "alice (node 1), bob (node 2) and carol (node 3) are in red, dan (node 2) in blue"

# pings A B [-6]: client A pings client B, once (IPv4, or IPv6 with -6)
pings() {
  if [ "${3:-}" = -6 ]; then in_ns "$P-c$1" ping -6 -c 1 -W 1 "fd77::$2"
  else in_ns "$P-c$1" ping -c 1 -W 1 "10.77.0.$2"; fi
}
# all_red_pings: every red client pings every other, IPv4 and IPv6
all_red_pings() {
  local a b
  for a in 1 2 3; do for b in 1 2 3; do
    [ "$a" = "$b" ] && continue
    pings "$a" "$b" && pings "$a" "$b" -6 || return 1
  done; done
}
NAME=([1]=alice [2]=bob [3]=carol [4]=dan)
for pair in "1 2" "1 3" "2 3"; do
  # shellcheck disable=SC2086
  set -- $pair
  check "IPv4: ${NAME[$1]} and ${NAME[$2]} ping each other across nodes" \
    wait_for 10 bash -c "ip netns exec $P-c$1 ping -c 1 -W 1 10.77.0.$2 && ip netns exec $P-c$2 ping -c 1 -W 1 10.77.0.$1"
  check "IPv6: ${NAME[$1]} and ${NAME[$2]} ping each other across nodes" \
    wait_for 10 bash -c "ip netns exec $P-c$1 ping -6 -c 1 -W 1 fd77::$2 && ip netns exec $P-c$2 ping -6 -c 1 -W 1 fd77::$1"
done
check "dan (blue) cannot reach alice (red)" fails in_ns "$P-c4" ping -c 2 -i 0.2 -W 1 10.77.0.1

# --- 4. a broadcast crosses the mesh exactly once --------------------------------------------
NB=20
declare -A COUNT_PID
for i in 1 2 3 4; do
  dev=sv-red; [ "$i" = 4 ] && dev=sv-blue
  in_ns "$P-c$i" "${COUNT[@]}" count "$dev" 0x88B5 "bc$$" 5 >"$out/count$i.log" 2>&1 &
  COUNT_PID[$i]=$!
done
for i in 1 2 3 4; do wait_for 3 grep -q listening "$out/count$i.log"; done
in_ns "$P-c1" "${COUNT[@]}" send sv-red ff:ff:ff:ff:ff:ff 0x88B5 "bc$$" "$NB"
for i in 1 2 3 4; do wait "${COUNT_PID[$i]}"; done
got() { tail -1 "$out/count$1.log"; }  # "COUNT DISTINCT"
note "broadcast frames seen (count distinct): bob $(got 2), carol $(got 3), dan $(got 4), alice $(got 1)"
check "all $NB broadcast frames from alice (node 1) arrive at bob (node 2), each exactly once" test "$(got 2)" = "$NB $NB"
check "...and at carol (node 3), each exactly once" test "$(got 3)" = "$NB $NB"
check "...none at dan (VLAN blue)" test "$(got 4)" = "0 0"
check "...and none comes back to alice" test "$(got 1)" = "0 0"

# --- 5. members, with their nodes, through every node ------------------------------------------
# members_at NODE VLAN: "user node|" for each member, sorted (columns 1 and 4 of servalctl members)
members_at() { ctl "$1" root members "$2" | cut -f1,4 | sort | tr '\t\n' ' |'; }
RED_AT_START="alice node1|bob node2|carol node3|"
for i in 1 2 3; do
  m=$(members_at "$i" red)
  note "members red through node $i: $m"
  check "members red through node $i lists alice, bob and carol, each with its node" test "$m" = "$RED_AT_START"
done
check "members blue through node 3 lists dan on node 2" test "$(members_at 3 blue)" = "dan node2|"
# metric NODE NAME{LABELS}: that sample's value in NODE's /metrics (from its own namespace)
metric() { in_ns "$P-n$1" curl -sf -m 3 http://127.0.0.1:9465/metrics | awk -v k="$2" '$1 == k { print $2 }'; }
check "node 1's /metrics: the cluster store is ok" test "$(metric 1 'serval_cluster_state{state="ok"}')" = 1
check "...its links to node 2 and node 3 are up" \
  test "$(metric 1 'serval_node_link_up{node="node2"}')$(metric 1 'serval_node_link_up{node="node3"}')" = 11
frames_to_2=$(metric 1 'serval_node_link_frames_total{node="node2",direction="out"}')
note "node 1 sent ${frames_to_2:-?} frames to node 2 so far"
check "...and frames went over the link to node 2 (the pings and the broadcast)" test "${frames_to_2:-0}" -gt 20
# nodes_at NODE: "name members|" for each live node, as servalctl nodes lists them
nodes_at() { ctl "$1" alice nodes | sed 's/ (this node)//' | cut -f1,3 | sort | tr '\t\n' ' |'; }
note "nodes through node 2: $(nodes_at 2)"
check "servalctl nodes through node 2 lists the three nodes with their members (1, 2 and 1)" \
  test "$(nodes_at 2)" = "node1 1 member(s)|node2 2 member(s)|node3 1 member(s)|"
node2_marked() { ctl 2 alice nodes | grep -q '^node2 (this node)'; }
check "...and marks node 2 as the one that answers" node2_marked
check "etcd holds the members of every node under /serval-live/members/" count_is 4 /serval-live/members/
check "...bob's and dan's under node 2" count_is 2 /serval-live/members/node2/

# --- 5b. another node's members' addresses and MACs are protected on every node --------------
# Node 1 answers alice's ARP for bob (on node 2) itself, with bob's MAC, as it does for its own
# members; node 3 drops carol's ARP reply claiming alice's address (alice is node 1's member),
# and carol's frame from alice's MAC.
BOB_MAC=$(in_ns "$P-c2" cat /sys/class/net/sv-red/address)
ALICE_MAC=$(in_ns "$P-c1" cat /sys/class/net/sv-red/address)
ANSWERED_1=$(metric 1 'serval_arp_requests_total{result="answered"}')
arp_for_bob() {
  in_ns "$P-c1" ip neigh flush to 10.77.0.2 dev sv-red
  pings 1 2 >/dev/null && [ "$(metric 1 'serval_arp_requests_total{result="answered"}')" -gt "${ANSWERED_1:-0}" ]
}
check "node 1 answers alice's ARP for bob, a member of node 2, itself (/metrics counts it)" wait_for 10 arp_for_bob
check "...with bob's MAC" bash -c "ip netns exec $P-c1 ip neigh show 10.77.0.2 dev sv-red | grep -qi $BOB_MAC"
SPOOFED_3=$(metric 3 'serval_frames_dropped_total{reason="spoofed_address"}')
claims_alice() {
  in_ns "$P-c3" python3 "$here/../e2e/arptool.py" claim sv-red 10.77.0.1 &&
    [ "$(metric 3 'serval_frames_dropped_total{reason="spoofed_address"}')" -gt "${SPOOFED_3:-0}" ]
}
check "carol's ARP reply claiming alice's address is dropped at node 3 (spoofed_address)" wait_for 10 claims_alice
check "...bob's neighbour entry for alice is still alice's MAC" \
  bash -c "ip netns exec $P-c2 ip neigh show 10.77.0.1 dev sv-red | grep -qi $ALICE_MAC"
check "...and bob still reaches alice" wait_for 5 pings 2 1
# And alice's MAC is pinned to node 1's trunk on the other nodes, as to her port on node 1.
PINNED_3=$(metric 3 'serval_frames_dropped_total{reason="mac_pinned"}')
sends_as_alice() {
  in_ns "$P-c3" python3 "$here/../e2e/rawframe.py" send sv-red ff:ff:ff:ff:ff:ff 0x88B5 "as-alice-$$" "$ALICE_MAC" &&
    [ "$(metric 3 'serval_frames_dropped_total{reason="mac_pinned"}')" -gt "${PINNED_3:-0}" ]
}
check "a frame carol sends from alice's MAC is dropped at node 3 (mac_pinned)" wait_for 10 sends_as_alice
check "...and carol still reaches alice" wait_for 5 pings 3 1

# --- 6. kill -9 of node 2: its clients move, its keys go ----------------------------------------
# gone PREFIX WAS: the keys under PREFIX, WAS of them before, are all gone (a wait of a
# lease and some); never true if there were none to begin with
gone() { [ "$2" -gt 0 ] && wait_for $((LEASE + 2)) count_is 0 "$1"; }
WAS_NODE=$(etcd_count 0 /serval-live/nodes/node2) WAS_MEMBERS=$(etcd_count 0 /serval-live/members/node2/)
kill -9 "${NODE_PID[2]}"
wait "${NODE_PID[2]}" 2>/dev/null
t0=$(now_ms)
timed "$t0" "bob pinged alice again (the aim: within 5 s of kill -9 of his node)" \
  "node 2 killed: bob's client reconnects to another node and pings alice again" wait_for 10 pings 2 1
note "bob's client said: $(tail -4 "$out/bob.log")"
check "...and carol" wait_for 5 pings 2 3 -6
check "bob's client still runs (it never gave up)" kill -0 "${CPID[2]}"
# listed_on THROUGH VLAN USER NODE...: through node THROUGH, USER is listed in VLAN once,
# on one of the NODEs
listed_on() {
  local through=$1 vlan=$2 user=$3; shift 3
  ctl "$through" root members "$vlan" | awk -F'\t' -v user="$user" -v nodes=" $* " \
    '$1 == user { n++; if (index(nodes, " " $4 " ") == 0) bad = 1 } END { exit !(n == 1 && !bad) }'
}
check "within the lease ($LEASE s) node 1 lists bob once, on node 1 or 3" wait_for $((LEASE + 2)) listed_on 1 red bob node1 node3
check "...and so does node 3" wait_for 2 listed_on 3 red bob node1 node3
note "members red through node 1 after node 2 died: $(members_at 1 red)"
check "dan (blue, on node 2 too) is back, on node 1 or 3" wait_for $((LEASE + 2)) listed_on 1 blue dan node1 node3
timed "$t0" "node 2's key was gone from etcd (lease $LEASE s; counted from the kill)" \
  "node 2's key leaves etcd with its lease (/serval-live/nodes/node2)" gone /serval-live/nodes/node2 "$WAS_NODE"
check "...and its members' keys (/serval-live/members/node2/)" gone /serval-live/members/node2/ "$WAS_MEMBERS"
check "...while nodes 1 and 3 stay registered" count_is 2 /serval-live/nodes/

# --- 7. node 2 back; node 3 cut off the network and back ------------------------------------------
start_node 2 || bail "node 2 did not start again: $(tail -5 "$out/node2.log.2")"
check "node 2 started again registers again" wait_for 10 count_is 1 /serval-live/nodes/node2
WAS_NODE=$(etcd_count 0 /serval-live/nodes/node3) WAS_MEMBERS=$(etcd_count 0 /serval-live/members/node3/)
in_ns "$HUB" ip link set hn3 down
t0=$(now_ms)
timed "$t0" "carol pinged alice again (counted from the cut; keepalive 1 s)" \
  "node 3 cut off: carol's client moves to another node and pings alice again" wait_for 15 pings 3 1
note "carol's client said: $(tail -4 "$out/carol.log")"
check "...and every red pair pings again, IPv4 and IPv6" wait_for 10 all_red_pings
check "node 1 lists carol once, on node 1 or 2" wait_for $((LEASE + 2)) listed_on 1 red carol node1 node2
check "...and so does node 2" wait_for 2 listed_on 2 red carol node1 node2
timed "$t0" "node 3's key was gone from etcd (lease $LEASE s; counted from the cut)" \
  "node 3's key leaves etcd with its lease" gone /serval-live/nodes/node3 "$WAS_NODE"
check "...and its members' keys" gone /serval-live/members/node3/ "$WAS_MEMBERS"
in_ns "$HUB" ip link set hn3 up
t0=$(now_ms)
timed "$t0" "node 3 was registered again (counted from the link's return)" \
  "node 3's network back: it registers again, with no restart" wait_for 10 count_is 1 /serval-live/nodes/node3
check "...it is the same process" kill -0 "${NODE_PID[3]}"
check "...and a login through node 3 works" wait_for 10 ctl 3 carol vlans
check "every node is registered" count_is 3 /serval-live/nodes/

# --- 8. etcd's quorum -------------------------------------------------------------------------------
etcd_kill 0
ETCD_READ=1
check "one etcd member killed: alice still pings bob and carol" wait_for 5 bash -c \
  "ip netns exec $P-c1 ping -c 1 -W 1 10.77.0.2 && ip netns exec $P-c1 ping -c 1 -W 1 10.77.0.3"
# If m0 led, the other two elect a leader first: a login may wait for that.
check "...and a new login works (dan through node 2)" wait_for 10 ctl 2 dan vlans
check "...and the nodes stay registered" wait_for $((LEASE + 2)) count_is 3 /serval-live/nodes/
etcd_kill 1
ETCD_READ=2
check "quorum lost: every red pair still pings" wait_for 5 all_red_pings
# Past the lease time the sessions must still carry frames: no node may drop its clients
# because it cannot renew its lease.
sleep $((LEASE + 2))
check "...and still does after the lease time ($LEASE s) has passed" wait_for 5 all_red_pings
unavailable() { ! ctl 1 dan vlans >"$out/refused.log" 2>&1 && grep -q "cluster store is unavailable" "$out/refused.log"; }
check "quorum lost: a new login fails, saying the cluster store is unavailable" wait_for 20 unavailable
note "$(cat "$out/refused.log")"
check "...and every client still runs" kill -0 "${CPID[1]}" "${CPID[2]}" "${CPID[3]}" "${CPID[4]}"
etcd_member_start 0
etcd_member_start 1
t0=$(now_ms)
timed "$t0" "logins worked again (counted from starting the two etcd members)" \
  "quorum back: a new login works again, with no restart" wait_for 10 ctl 1 dan vlans
ETCD_READ=0
check "...every node registers again" wait_for $((LEASE + 2)) count_is 3 /serval-live/nodes/
check "...and so do the four members" wait_for $((LEASE + 2)) count_is 4 /serval-live/members/
red_users_at() { ctl "$1" root members red | cut -f1 | sort | tr '\n' ' '; }
red_users_are() { test "$(red_users_at "$1")" = "$2"; }
# (Node 2 learns the members published again through its etcd watch, after etcd has them.)
check "...members red through node 2 still lists alice, bob and carol once each" \
  wait_for 10 red_users_are 2 "alice bob carol "
check "...and every red pair pings" wait_for 5 all_red_pings
check "no node died on the way" kill -0 "${NODE_PID[1]}" "${NODE_PID[2]}" "${NODE_PID[3]}"
e2e_finish
