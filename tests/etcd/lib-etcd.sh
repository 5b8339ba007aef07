# Helpers for the tests that need an etcd cluster: real etcd members (Debian's
# etcd-server), started by the test on loopback or inside a network namespace the test
# made, each with its own data directory, and stopped with everything else at the end.
# Source after tests/e2e/lib.sh.
# shellcheck shell=bash

ETCD_DIR='' ETCD_HOST='' ETCD_NS='' ETCD_BASE=0 ETCD_N=0
ETCD_PIDS=()

# etcd_client_url I / etcd_peer_url I: member I's addresses
etcd_client_url() { echo "http://$ETCD_HOST:$((ETCD_BASE + 2 * $1))"; }
etcd_peer_url() { echo "http://$ETCD_HOST:$((ETCD_BASE + 2 * $1 + 1))"; }
# etcd_endpoints: every member's client URL, comma separated (for --etcd)
etcd_endpoints() {
  local i out=''
  for ((i = 0; i < ETCD_N; i++)); do out+="${out:+,}$(etcd_client_url "$i")"; done
  echo "$out"
}

etcd_run() { if [ -n "$ETCD_NS" ]; then ip netns exec "$ETCD_NS" "$@"; else "$@"; fi; }

# etcd_member_start I: starts (or starts again, on its old data) member I
etcd_member_start() {
  local i=$1 cluster='' j state=new
  for ((j = 0; j < ETCD_N; j++)); do cluster+="${cluster:+,}m$j=$(etcd_peer_url "$j")"; done
  [ -d "$ETCD_DIR/m$i/member" ] && state=existing
  # Short heartbeats and elections: a test sees a leader within about a second, and a
  # lost quorum within a few.
  local args=(etcd --name "m$i" --data-dir "$ETCD_DIR/m$i"
    --listen-client-urls "$(etcd_client_url "$i")" --advertise-client-urls "$(etcd_client_url "$i")"
    --listen-peer-urls "$(etcd_peer_url "$i")" --initial-advertise-peer-urls "$(etcd_peer_url "$i")"
    --initial-cluster "$cluster" --initial-cluster-state "$state"
    --initial-cluster-token "serval-test-$$" --heartbeat-interval 100 --election-timeout 1000
    --logger zap --log-outputs "$ETCD_DIR/m$i.log")
  # Started directly (ip netns exec execs it), so that $! is etcd itself and a kill hits it.
  if [ -n "$ETCD_NS" ]; then
    ip netns exec "$ETCD_NS" "${args[@]}" >>"$ETCD_DIR/m$i.out" 2>&1 &
  else
    "${args[@]}" >>"$ETCD_DIR/m$i.out" 2>&1 &
  fi
  ETCD_PIDS[$i]=$!
  E2E_PIDS+=("$!")
}

# etcd_pick_base: sets ETCD_BASE to the first of 16 ports that nothing on ETCD_HOST's
# side listens on or connects from. The ports lie under the kernel's range for outgoing
# connections (ip_local_port_range, 32768 by default), so that no client socket takes one
# between the check and etcd's bind, and start from a per-run place, so that tests
# running at once (meson runs the cluster suite two at a time) do not meet.
etcd_pick_base() {
  local low slots try base used
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  slots=$(((low - 21000) / 16))
  [ "$slots" -ge 16 ] || bail "cannot run: the ports under the local port range ($low) leave no room for etcd's test ports from 21000"
  for ((try = 0; try < slots; try++)); do
    base=$((21000 + (($$ + try * 7) % slots) * 16))
    used=$(etcd_run ss -Htan "( sport >= :$base and sport < :$((base + 16)) )" 2>/dev/null | wc -l)
    [ "$used" -eq 0 ] && { ETCD_BASE=$base; return 0; }
  done
  bail "cannot run: no 16 free ports for etcd between 21000 and $low"
}

# etcd_healthy I: member I answers and the cluster has a leader
etcd_healthy() { etcd_run curl -sf -m 2 "$(etcd_client_url "$1")/health" | grep -q '"health":"true"'; }

# etcd_start_cluster N HOST DIR [NS]: N members on HOST (in namespace NS if given), data
# in DIR; returns when every member is healthy, or bails with the members' last words.
etcd_start_cluster() {
  ETCD_N=$1 ETCD_HOST=$2 ETCD_DIR=$3 ETCD_NS=${4:-}
  command -v etcd >/dev/null || bail "cannot run: etcd is missing (apt-get install etcd-server)"
  mkdir -p "$ETCD_DIR" || bail "cannot make $ETCD_DIR"
  etcd_pick_base
  local i
  for ((i = 0; i < ETCD_N; i++)); do etcd_member_start "$i"; done
  for ((i = 0; i < ETCD_N; i++)); do
    wait_for 20 etcd_healthy "$i" || bail "etcd member m$i did not become healthy: $(tail -3 "$ETCD_DIR/m$i.log" 2>/dev/null)"
  done
}

# etcd_kill I: member I dies at once (SIGKILL)
etcd_kill() {
  kill -9 "${ETCD_PIDS[$1]}" 2>/dev/null
  wait "${ETCD_PIDS[$1]}" 2>/dev/null
  return 0
}

etcd_stop_all() {
  local i
  for ((i = 0; i < ETCD_N; i++)); do kill "${ETCD_PIDS[$i]}" 2>/dev/null; done
  for ((i = 0; i < ETCD_N; i++)); do wait "${ETCD_PIDS[$i]}" 2>/dev/null; done
  return 0
}

# etcd_b64 TEXT: TEXT in base64, as the v3 JSON gateway wants keys and values
etcd_b64() { printf '%s' "$1" | base64 -w0; }

# etcd_put I KEY VALUE: through member I's JSON gateway; fails if etcd did not take it
etcd_put() {
  etcd_run curl -sf -m 3 -X POST "$(etcd_client_url "$1")/v3/kv/put" \
    -d "{\"key\":\"$(etcd_b64 "$2")\",\"value\":\"$(etcd_b64 "$3")\"}" | grep -q '"revision"'
}

# etcd_get I KEY: the value, read through member I (a linearizable read: it needs quorum)
etcd_get() {
  etcd_run curl -sf -m 3 -X POST "$(etcd_client_url "$1")/v3/kv/range" -d "{\"key\":\"$(etcd_b64 "$2")\"}" |
    python3 -c 'import base64, json, sys; kv = json.load(sys.stdin).get("kvs", []); print(base64.b64decode(kv[0]["value"]).decode() if kv else "")'
}

# etcd_count I PREFIX: how many keys start with PREFIX, read through member I (a
# linearizable read: it needs quorum); prints nothing and fails if etcd did not answer
etcd_count() {
  local end
  end=$(python3 -c 'import base64, sys; p = sys.argv[1].encode(); print(base64.b64encode(p[:-1] + bytes([p[-1] + 1])).decode())' "$2")
  etcd_run curl -sf -m 3 -X POST "$(etcd_client_url "$1")/v3/kv/range" \
    -d "{\"key\":\"$(etcd_b64 "$2")\",\"range_end\":\"$end\",\"count_only\":true}" |
    python3 -c 'import json, sys; print(int(json.load(sys.stdin).get("count", 0)))'
}
