#!/usr/bin/env bash
# End to end: fair sharing of a member's link (issue 14), against the real server and
# clients in network namespaces. alice, carol and erin are in VLAN red; the server's
# way to carol is slowed to 10 Mbit/s (tc tbf on its veth), so that carol's link is
# the bottleneck; erin floods carol with 64-byte UDP datagrams as fast as Python sends
# them (far more than 10 Mbit/s). alice's pings to carol must still be answered: at
# least 90 % of them (a delivery check, not a timing one: each ping may take 5 s).
# Before the fair queues, erin's frames filled carol's one queue up to its 2 MiB limit
# and alice's pings were dropped with erin's frames. Then the server again with
# --user-rate-limit: erin's flood is cut at input, counted under rate_limit. Then
# without it, and an administrator gives erin a limit of her own with servalctl while
# her session is live: her next flood is cut to about that rate (counted, and carol
# receives far fewer datagrams than erin sent), and "none" lifts it again.
# Output is TAP; the logs stay in $E2E_OUT (default: a new folder under /tmp).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

PINGS=${E2E_PINGS:-50}
RATE=${E2E_CAROL_RATE:-10mbit}

require_serval
need_cmd tc iproute2 curl curl

P=fa$$
SRV=$P-srv C1=$P-alice C2=$P-carol C3=$P-erin
e2e_star serval-e2e-fair 235 "$P" "$SRV" "$C1" "$C2" "$C3"
for ns in "$C1" "$C2" "$C3"; do in_ns "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1; done
# The server's side of carol's veth (star_ns: ${P}b, a in the server's namespace).
in_ns "$SRV" tc qdisc add dev "${P}ba" root tbf rate "$RATE" burst 32kb latency 400ms ||
  bail "cannot slow the server's way to carol down with tc tbf (is the sch_tbf module there?)"

users_in_red "$data" "$out" alice carol erin
add_admin "$data" "$out"

# start_server LOG ARGS...: the server, listening for the clients, /metrics on loopback
start_server() {
  local log=$1; shift
  bg "$SRV" "$log" "$SERVER" --data-dir "$data" --listen 0.0.0.0:7465 --http 127.0.0.1:9465 "$@"
  SERVER_PID=$BG_PID
  wait_for 10 in_ns "$SRV" bash -c "exec 3<>/dev/tcp/10.235.1.1/7465" || bail "serval-server did not start: $(tail -3 "$log")"
}

# start_client NS USER N: servalctl up --vlan red through veth N, then 10.235.100.N on its TAP
CLIENT_PIDS=()
start_client() {
  local ns=$1 user=$2 n=$3
  # Emptied here, not by the background job's redirection: the wait below must not
  # read the last client's "sv-red up".
  : >"$out/$user.log"
  ip netns exec "$ns" "$CTL" --server "10.235.$n.1:7465" --user "$user" --password-file "$out/$user.pw" \
    --fingerprint "$FP" up --vlan red >"$out/$user.log" 2>&1 &
  E2E_PIDS+=($!)
  CLIENT_PIDS+=($!)
  wait_for 15 grep -q "sv-red up" "$out/$user.log" || return 1
  in_ns "$ns" ip addr replace "10.235.100.$n/24" dev sv-red
}
start_clients() {
  start_client "$C1" alice 1 || bail "alice's client did not come up: $(cat "$out/alice.log")"
  start_client "$C2" carol 2 || bail "carol's client did not come up: $(cat "$out/carol.log")"
  start_client "$C3" erin 3 || bail "erin's client did not come up: $(cat "$out/erin.log")"
}
stop_clients() {
  local pid
  for pid in "${CLIENT_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${CLIENT_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  CLIENT_PIDS=()
  # The kernel takes a TAP device away after its last holder exited, not
  # always before wait returns: the next client's sv-red must not find it.
  local ns
  for ns in "$C1" "$C2" "$C3"; do
    wait_for 10 bash -c "! ip netns exec $ns ip link show sv-red" || bail "sv-red in $ns outlived its client"
  done
}

metric() { in_ns "$SRV" curl -s -m 5 http://127.0.0.1:9465/metrics | awk -v m="$1" '$1 == m {print $2}'; }
# flood SECONDS: erin sends 64-byte frames (22-byte UDP payloads) to carol's discard port
flood() {
  bg "$C3" "$out/flood.log" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end, n, d = time.time() + float(sys.argv[1]), 0, b"x" * 22
while time.time() < end:
    for _ in range(500):
        try:
            s.sendto(d, ("10.235.100.2", 9)); n += 1
        except OSError:
            pass
print(n)' "$1"
}
# answered: how many of alice's PINGS pings to carol came back (5 s each at most)
answered() {
  in_ns "$C1" ping -n -c "$PINGS" -i 0.2 -W 5 10.235.100.2 >"$out/ping-$1.log" 2>&1
  grep -c "time=" "$out/ping-$1.log"
}

start_server "$out/server.log"
start_clients
check "alice pings carol through the server" wait_for 10 in_ns "$C1" ping -c 1 -W 1 10.235.100.2
check "erin pings carol" wait_for 10 in_ns "$C3" ping -c 1 -W 1 10.235.100.2

flood $((PINGS / 5 + 15))
FLOOD_PID=$BG_PID
sleep 3
got=$(answered flood)
note "alice's pings to carol answered while erin floods her: $got of $PINGS"
note "$(tail -n 2 "$out/ping-flood.log")"
check "at least 90 % of alice's pings to carol are answered while erin floods carol ($got of $PINGS)" \
  test "$got" -ge $((PINGS * 9 / 10))
queued=$(metric serval_fair_queued_frames)
sender_full=$(metric 'serval_fair_dropped_frames_total{reason="sender_full"}')
note "serval_fair_queued_frames $queued, dropped sender_full $sender_full"
check "erin's frames wait in her fair queue towards carol (serval_fair_queued_frames $queued > 0)" \
  test "${queued:-0}" -gt 0
check "and past its bound are dropped (serval_fair_dropped_frames_total{reason=\"sender_full\"} $sender_full > 0)" \
  test "${sender_full:-0}" -gt 0
wait "$FLOOD_PID"
check "the server is alive" kill -0 "$SERVER_PID"

# --- a per-user rate limit ----------------------------------------------------------
stop_clients
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
start_server "$out/server-limited.log" --user-rate-limit 200000
start_clients
check "with --user-rate-limit, alice still pings carol" wait_for 10 in_ns "$C1" ping -c 1 -W 1 10.235.100.2
flood 5
wait "$BG_PID"
sent=$(cat "$out/flood.log")
limited=$(metric 'serval_fair_dropped_frames_total{reason="rate_limit"}')
in_frames=$(metric serval_frames_received_total)
note "erin sent $sent datagrams; the switch took $in_frames frames, $limited were over the rate"
# 200,000 B/s for some 5 s and a burst of 128 KiB: at most about 20,000 frames of 64
# bytes and the other members' few.
check "erin's flood was cut at input (rate_limit drops $limited > 0)" test "${limited:-0}" -gt 0
check "the switch took no more than the rate allows ($in_frames frames)" test "${in_frames:-999999999}" -lt 40000
check "the server is alive" kill -0 "$SERVER_PID"

# --- erin's own rate limit, set by an administrator on her live session --------------
ctl() { # ctl USER [servalctl args...]: from alice's namespace
  local user=$1; shift
  ip netns exec "$C1" "$CTL" --server 10.235.1.1:7465 --user "$user" --password-file "$out/$user.pw" \
    --fingerprint "$FP" "$@"
}
# receive SECONDS: carol counts the datagrams that reach her discard port until none
# came for SECONDS (the count in $out/received.log)
receive() {
  bg "$C2" "$out/received.log" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.235.100.2", 9))
s.settimeout(30)
n = 0
try:
    while True:
        s.recv(2048); n += 1
        s.settimeout(float(sys.argv[1]))
except socket.timeout:
    pass
print(n)' "$1"
}
refused() { local log=$1; shift; ! "$@" >"$log" 2>&1; } # refused LOG COMMAND...: it fails
rate_drops() { metric 'serval_fair_dropped_frames_total{reason="rate_limit"}'; }

stop_clients
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
start_server "$out/server-admin.log"
start_clients
check "without --user-rate-limit, alice pings carol" wait_for 10 in_ns "$C1" ping -c 1 -W 1 10.235.100.2
check "alice, no administrator, may not set erin's rate limit" \
  refused "$out/set-alice.log" ctl alice user set erin --rate-limit 1k
check "...and is told why" grep -q "not an administrator" "$out/set-alice.log"
check "servalctl refuses a rate that is not one" refused "$out/set-bad.log" ctl root user set erin --rate-limit 10X
check "...naming it" grep -q "“10X” is not a rate" "$out/set-bad.log"
check "root sets erin's rate limit to 100k with servalctl" ctl root user set erin --rate-limit 100k
ctl root users >"$out/users.ctl"
check "servalctl users shows erin's rate limit" grep -qF "$(printf 'erin\tred\trate-limit 100k')" "$out/users.ctl"
check "...and carol has none" grep -qxF "$(printf 'carol\tred')" "$out/users.ctl"
check "the server logs the change" grep -q "root set the rate limit of “erin” to 100000 bytes/s" "$out/server-admin.log"
check "...and applies it to erin's live session" grep -q "User “erin” now: may not bridge, rate limit 100000 bytes/s (1 session)" \
  "$out/server-admin.log"
before=$(rate_drops)
receive 3
RECV_PID=$BG_PID
flood 5
wait "$BG_PID"
wait "$RECV_PID"
sent=$(cat "$out/flood.log") received=$(cat "$out/received.log") after=$(rate_drops)
note "erin sent $sent datagrams with her own limit of 100k; carol received $received; rate_limit drops ${before:-0} -> $after"
check "erin's flood was cut at input by her own limit (rate_limit drops ${before:-0} -> $after)" \
  test "${after:-0}" -gt "${before:-0}"
# 100,000 B/s for some 5 s and a burst of 128 KiB: about 10,000 frames of 64 bytes.
check "carol received about what the limit lets through ($received < 20000)" test "${received:-999999}" -lt 20000
check "...far fewer than erin sent ($received * 4 < $sent)" test $((${received:-999999} * 4)) -lt "${sent:-0}"

check "root lifts erin's rate limit with --rate-limit none" ctl root user set erin --rate-limit none
ctl root users >"$out/users.ctl.2"
check "servalctl users shows no limit for erin" grep -qxF "$(printf 'erin\tred')" "$out/users.ctl.2"
check "the server logs it" grep -q "root lifted the rate limit of “erin”" "$out/server-admin.log"
before=$(rate_drops)
flood 3
wait "$BG_PID"
after=$(rate_drops)
note "erin sent $(cat "$out/flood.log") datagrams with no limit; rate_limit drops $before -> $after"
check "with the limit lifted, none of erin's frames are dropped for the rate ($before -> $after)" \
  test "${after:-0}" = "${before:-0}"
check "the server is alive" kill -0 "$SERVER_PID"
e2e_finish
