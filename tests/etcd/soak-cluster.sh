#!/usr/bin/env bash
# The cluster soak (issue 12): three etcd members and three serval-server nodes on
# loopback in a network namespace the test makes, CLIENTS (300) simulated clients in
# three serval-bench processes (each a VLAN of 100, its clients spread over the three
# nodes), and for SOAK_SECONDS (600; CI runs the short form) one node after the other
# killed with SIGKILL and started again. Each cycle waits, with conditions and generous
# safety nets, never with timing assertions, until every client is online again and the
# member lists through the surviving nodes are whole again and hold nothing of the dead
# node, then restarts it and waits until it is registered and its lists agree. The times
# of each cycle are figures (TAP comments and $out/cycles.csv), not assertions.
# At the end: every client is online, the member list of each VLAN is the same through
# every node and holds each of its clients exactly once, etcd holds exactly one
# /serval-live/members/ key per membership and exactly the three live nodes under
# /serval-live/nodes/, and no node died but those the test killed. Needs root (a
# namespace) and etcd. Output is TAP.
#
#   SOAK_SECONDS=600 tests/etcd/soak-cluster.sh          (the figures of docs/performance.md)
#   SOAK_SECONDS=45 meson test -C build --suite cluster   (the short form, CI)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../e2e/lib.sh"
. "$here/lib-etcd.sh"

SOAK_SECONDS=${SOAK_SECONDS:-600}
PER_VLAN=${SOAK_PER_VLAN:-100} # clients per VLAN, and per serval-bench process
NODES=3 VLANS=3
CLIENTS=$((PER_VLAN * VLANS))
LEASE=3 KEEPALIVE=1

require_serval
need_built BENCH SERVAL_BENCH tests/bench/serval-bench
e2e_out serval-soak
# stop_pids ARRAY: stops the processes whose ids the array named ARRAY holds, waits for
# them, and empties it.
stop_pids() {
  local -n pids=$1
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  pids=()
}
BENCH_PIDS=()
stop_benches() { stop_pids BENCH_PIDS; }
NODE_PIDS=()
# The nodes stop before etcd, so that their logs end with a clean stop, not with etcd gone.
stop_nodes() { stop_pids NODE_PIDS; }
trap 'stop_benches; stop_nodes; etcd_stop_all; e2e_cleanup' EXIT
NS=sk$$
make_ns "$NS"
note "load before the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; soak of $SOAK_SECONDS s"

etcd_start_cluster 3 127.0.0.1 "$out/etcd" "$NS"
ETCD=$(etcd_endpoints)
tap_ok "three etcd members are up: $ETCD"

# Few PBKDF2 iterations: the soak is about nodes coming and going, not passwords (and
# the clients come back with their resume tokens).
PW=pw-soak-$$
echo "pw-root-$$" >"$out/root.pw"
in_ns "$NS" "$SERVER" --etcd "$ETCD" --data-dir "$out/n1" --pbkdf2-iterations 10000 user add root --admin \
  <"$out/root.pw" >>"$E2E_LOG" 2>&1 || bail "cannot add the administrator root through etcd"
in_ns "$NS" "$BENCH" populate --etcd "$ETCD" --prefix soak --vlan soak --group "$PER_VLAN" --clients "$CLIENTS" \
  --password "$PW" --iterations 10000 >/dev/null 2>"$out/populate.log" \
  || bail "serval-bench populate through etcd failed: $(tail -2 "$out/populate.log")"
tap_ok "$CLIENTS users in $VLANS VLANs of $PER_VLAN added through etcd"

port() { echo $((7470 + $1)); }
# start_node I: node I (1..3) with the cluster's options, its log appended to nodeI.log
# Every client of the soak comes from 127.0.0.1: the limits per address that keep one
# attacker from taking the server (tests/e2e/e2e-attack-prelogin.sh) are lifted.
start_node() {
  local i=$1
  echo "=== started $(date +%T.%3N)" >>"$out/node$i.log"
  ip netns exec "$NS" "$SERVER" --etcd "$ETCD" --data-dir "$out/n$i" --node "node$i" \
    --listen "127.0.0.1:$(port "$i")" --advertise "127.0.0.1:$(port "$i")" \
    --lease "$LEASE" --keepalive "$KEEPALIVE" \
    --max-failed-logins 100000 --max-unauthenticated-per-address 100000 >>"$out/node$i.log" 2>&1 &
  NODE_PIDS[i]=$!
  E2E_PIDS+=("$!")
}
listening() { in_ns "$NS" bash -c "exec 3<>/dev/tcp/127.0.0.1/$(port "$1")"; }
# registered I: node I answers and its key is in etcd
registered() { listening "$1" && [ -n "$(etcd_get 0 "/serval-live/nodes/node$1")" ]; }

start_node 1
wait_for 15 registered 1 || bail "node 1 did not start: $(tail -5 "$out/node1.log")"
# One certificate and key for the cluster: node 1 made them, the others get copies.
for i in 2 3; do
  mkdir -p "$out/n$i" || bail "cannot make $out/n$i"
  cp "$out/n1/cert.pem" "$out/n1/key.pem" "$out/n$i/" || bail "cannot copy the certificate"
  start_node "$i"
done
for i in 2 3; do wait_for 15 registered "$i" || bail "node $i did not start: $(tail -5 "$out/node$i.log")"; done
FP=$(in_ns "$NS" "$SERVER" --data-dir "$out/n1" fingerprint) || bail "cannot read the fingerprint"
tap_ok "three nodes are up and registered (lease $LEASE s, keepalive $KEEPALIVE s)"

# --- the clients ----------------------------------------------------------------------

# Process B holds VLAN soak-gB; its client K starts at node (B + K) mod 3 + 1, so each
# VLAN has members on every node from the start.
for ((b = 0; b < VLANS; b++)); do
  servers=''
  for ((k = 0; k < NODES; k++)); do servers+="${servers:+,}127.0.0.1:$(port $(((b + k) % NODES + 1)))"; done
  ip netns exec "$NS" "$BENCH" soak --servers "$servers" --fingerprint "$FP" --prefix soak --vlan soak \
    --group "$PER_VLAN" --first $((b * PER_VLAN)) --clients "$PER_VLAN" --password "$PW" --concurrency 16 \
    --status-file "$out/bench$b.status" --csv "$out/bench$b.csv" --verbose 2>"$out/bench$b.log" &
  BENCH_PIDS+=("$!")
  E2E_PIDS+=("$!")
  # the users of VLAN soak-gB, one a line, sorted
  for ((k = 0; k < PER_VLAN; k++)); do printf 'soak%05d\n' $((b * PER_VLAN + k)); done | sort >"$out/users$b"
done

# status_sum KEY: KEY's count summed over the serval-bench processes
status_sum() {
  local b n=0 v
  for ((b = 0; b < VLANS; b++)); do
    v=$(awk -v k="$1" '$1 == k { print $2 }' "$out/bench$b.status" 2>/dev/null)
    n=$((n + ${v:-0}))
  done
  echo "$n"
}
all_online() { [ "$(status_sum online)" -eq "$CLIENTS" ]; }

ctl() { # ctl NODE ARGS...: servalctl as root through node NODE
  local i=$1; shift
  in_ns "$NS" timeout 30 "$CTL" --server "127.0.0.1:$(port "$i")" --user root --password-file "$out/root.pw" \
    --fingerprint "$FP" "$@"
}
# view NODE FILE: every VLAN's members through NODE (VLAN, user, MAC, node), sorted, in FILE
view() {
  local i=$1 file=$2 b
  : >"$file.tmp"
  for ((b = 0; b < VLANS; b++)); do
    ctl "$i" members "soak-g$b" >"$file.b$b" 2>&1 || return 1
    awk -F'\t' -v v="soak-g$b" '{ print v "\t" $1 "\t" $3 "\t" $4 }' "$file.b$b" >>"$file.tmp"
  done
  sort "$file.tmp" >"$file"
}
# whole FILE: every VLAN in a view holds each of its users exactly once, on a live node
whole() {
  local file=$1 b n
  for ((b = 0; b < VLANS; b++)); do
    awk -F'\t' -v v="soak-g$b" '$1 == v { print $2 }' "$file" | sort | cmp -s - "$out/users$b" || return 1
  done
  for n in $(cut -f4 "$file" | sort -u); do alive_node "${n#node}" || return 1; done
}
DEAD=0 # the node that is down now, 0 if none
alive_node() { [ "$1" != "$DEAD" ]; }
# agree: the clients are all online, and the views through every live node are whole
# and the same
agree() {
  local i first=''
  all_online || return 1
  for ((i = 1; i <= NODES; i++)); do
    alive_node "$i" || continue
    view "$i" "$out/view$i" && whole "$out/view$i" || return 1
    [ -z "$first" ] && first=$i && continue
    cmp -s "$out/view$first" "$out/view$i" || return 1
  done
}

# etcd_keys PREFIX: the keys under PREFIX, one a line (through the v3 JSON gateway)
etcd_keys() {
  local end json
  end=$(python3 -c 'import sys; p = sys.argv[1]; print(p[:-1] + chr(ord(p[-1]) + 1))' "$1")
  json=$(etcd_run curl -sf -m 5 -X POST "$(etcd_client_url 0)/v3/kv/range" \
    -d "{\"key\":\"$(etcd_b64 "$1")\",\"range_end\":\"$(etcd_b64 "$end")\",\"keys_only\":true}") || return 1
  printf '%s' "$json" |
    python3 -c 'import base64, json, sys; [print(base64.b64decode(kv["key"]).decode()) for kv in json.load(sys.stdin).get("kvs", [])]'
}
# gone I: etcd holds no key of node I (its lease has ended), and the others' lists are whole
gone() {
  local keys
  keys=$(etcd_keys "/serval-live/members/node$1/" && etcd_keys "/serval-live/nodes/node$1") && [ -z "$keys" ] && agree
}

# What /proc says of a process: memory in MiB, CPU seconds, age in seconds.
proc_rss_mib() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null; }
proc_hwm_mib() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null; }
proc_cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.1f", ($12 + $13) / hz }' "/proc/$1/stat" 2>/dev/null; }
proc_age_s() { # seconds since the process started (field 22 of stat, in clock ticks since boot)
  awk -v hz="$(getconf CLK_TCK)" -v up="$(cut -d' ' -f1 /proc/uptime)" \
    '{ sub(/.*\) /, ""); printf "%d", up - $20 / hz }' "/proc/$1/stat" 2>/dev/null
}

t0=$(now_ms)
check "all $CLIENTS clients log in and join" wait_for 60 all_online
check "...and every node lists each of them once in its VLAN" wait_for 30 agree
note "$CLIENTS clients online and listed by every node in $(($(now_ms) - t0)) ms"
for pid in "${BENCH_PIDS[@]}"; do note "serval-bench $pid: RSS $(proc_rss_mib "$pid") MiB before the soak"; done

# --- the soak -------------------------------------------------------------------------

drops_before=0
dropped() { [ "$(status_sum drops)" -gt "$drops_before" ]; }

UNEXPECTED=0 STUCK=''
echo "cycle,node,clients_moved,clients_back_ms,dead_gone_ms,node_back_ms,node_rss_mib,node_hwm_mib,node_cpu_s,node_age_s" \
  >"$out/cycles.csv"
start=$SECONDS cycle=0
while [ $((SECONDS - start)) -lt "$SOAK_SECONDS" ]; do
  k=$((cycle % NODES + 1))
  cycle=$((cycle + 1))
  for ((i = 1; i <= NODES; i++)); do
    if ! kill -0 "${NODE_PIDS[$i]}" 2>/dev/null; then
      UNEXPECTED=$((UNEXPECTED + 1))
      note "node $i died on its own before cycle $cycle: $(tail -5 "$out/node$i.log")"
      start_node "$i"
      wait_for 15 registered "$i"
    fi
  done
  moved=$(awk -F'\t' -v n="node$k" '$4 == n' "$out/view1" 2>/dev/null | wc -l)
  pid=${NODE_PIDS[$k]}
  rss=$(proc_rss_mib "$pid") hwm=$(proc_hwm_mib "$pid") cpu=$(proc_cpu_s "$pid") age=$(proc_age_s "$pid")
  drops_before=$(status_sum drops)
  echo "=== killed $(date +%T.%3N) (cycle $cycle)" >>"$out/node$k.log"
  t0=$(now_ms)
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  DEAD=$k
  # The status files are written every 250 ms: first see the drop, then the return.
  wait_for 5 dropped || note "cycle $cycle: no client noticed that node $k died"
  if ! wait_for 30 all_online; then
    STUCK="cycle $cycle: only $(status_sum online) of $CLIENTS clients online $(($(now_ms) - t0)) ms after node $k was killed"
    break
  fi
  t_back=$(($(now_ms) - t0))
  if ! wait_for 30 gone "$k"; then
    STUCK="cycle $cycle: $(($(now_ms) - t0)) ms after node $k was killed, its keys were still in etcd or the lists through the others were not whole"
    break
  fi
  t_clean=$(($(now_ms) - t0))
  t1=$(now_ms)
  start_node "$k"
  DEAD=0
  if ! wait_for 20 registered "$k" || ! wait_for 30 agree; then
    STUCK="cycle $cycle: node $k, started again, was not registered with lists that agree after $(($(now_ms) - t1)) ms"
    break
  fi
  t_node=$(($(now_ms) - t1))
  echo "$cycle,node$k,$moved,$t_back,$t_clean,$t_node,$rss,$hwm,$cpu,$age" >>"$out/cycles.csv"
  note "cycle $cycle: node $k killed ($moved clients, RSS $rss MiB, $cpu s CPU in $age s): clients back in $t_back ms, its keys gone and the lists clean in $t_clean ms; node back in $t_node ms"
done
if [ -n "$STUCK" ]; then
  tap_fail "the cluster recovers from every kill: $STUCK"
  note "status: $(cat "$out"/bench*.status | tr '\n' ' ')"
else
  tap_ok "the cluster recovered from each of the $cycle kills in $((SECONDS - start)) s"
fi

# The figures: median and maximum of each column.
stats() { # stats COLUMN: "median M, max X"
  tail -n +2 "$out/cycles.csv" | cut -d, -f"$1" | sort -n |
    awk '{ v[NR] = $1 } END { if (NR) printf "median %d, max %d", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR]; else printf "none" }'
}
note "figures over $(($(wc -l <"$out/cycles.csv") - 1)) cycles (ms): clients back $(stats 4); dead node gone (keys and lists) $(stats 5); node back $(stats 6)"

# --- the end state --------------------------------------------------------------------

check "every one of the $CLIENTS clients is online" wait_for 30 all_online
check "no client gave up reconnecting" test "$(status_sum gave_up)" -eq 0
note "first logins or joins refused for a passing reason and tried again: $(status_sum retries)"
if wait_for 30 agree; then
  tap_ok "the member lists of each VLAN through the $NODES nodes are identical and hold each client once"
else
  tap_fail "the member lists of each VLAN through the $NODES nodes are identical and hold each client once"
  for ((i = 1; i <= NODES; i++)); do
    note "through node $i: $(cut -f1 "$out/view$i" 2>/dev/null | sort | uniq -c | tr '\n' ' ')"
  done
  note "differences node1/node2: $(diff "$out/view1" "$out/view2" | head -10)"
  note "differences node1/node3: $(diff "$out/view1" "$out/view3" | head -10)"
fi

etcd_keys /serval-live/members/ >"$out/member-keys" || tap_fail "cannot read /serval-live/members/ from etcd"
etcd_keys /serval-live/nodes/ >"$out/node-keys" || tap_fail "cannot read /serval-live/nodes/ from etcd"
# /serval-live/members/NODE/TAG/MAC: one per client, so one per MAC, each on a live node
members_ok() {
  [ "$(wc -l <"$out/member-keys")" -eq "$CLIENTS" ] &&
    [ "$(cut -d/ -f6 "$out/member-keys" | sort -u | wc -l)" -eq "$CLIENTS" ] &&
    ! cut -d/ -f4 "$out/member-keys" | grep -qvx 'node[1-3]'
}
if members_ok; then
  tap_ok "etcd holds exactly one /serval-live/members/ key per membership ($CLIENTS)"
else
  tap_fail "etcd holds exactly one /serval-live/members/ key per membership: $(wc -l <"$out/member-keys") keys, $(cut -d/ -f6 "$out/member-keys" | sort -u | wc -l) MACs, per node: $(cut -d/ -f4 "$out/member-keys" | sort | uniq -c | tr '\n' ' ')"
fi
check "etcd holds exactly the three live nodes under /serval-live/nodes/" \
  test "$(tr '\n' ' ' <"$out/node-keys")" = "/serval-live/nodes/node1 /serval-live/nodes/node2 /serval-live/nodes/node3 "
alive=0
for ((i = 1; i <= NODES; i++)); do
  pid=${NODE_PIDS[$i]}
  kill -0 "$pid" 2>/dev/null && alive=$((alive + 1))
  note "node $i at the end: RSS $(proc_rss_mib "$pid") MiB (peak $(proc_hwm_mib "$pid")), $(proc_cpu_s "$pid") s CPU in $(proc_age_s "$pid") s"
done
check "no node died but those the test killed" test "$UNEXPECTED" -eq 0 -a "$alive" -eq "$NODES"
bench_alive=0
for pid in "${BENCH_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && bench_alive=$((bench_alive + 1)); done
check "the serval-bench processes still run" test "$bench_alive" -eq "$VLANS"
for pid in "${BENCH_PIDS[@]}"; do note "serval-bench $pid: $(proc_cpu_s "$pid") s CPU, RSS $(proc_rss_mib "$pid") MiB"; done
stop_benches
for ((b = 0; b < VLANS; b++)); do note "$(grep '^soak: .* at the end' "$out/bench$b.log")"; done
e2e_finish
