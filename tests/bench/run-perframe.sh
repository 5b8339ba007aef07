#!/usr/bin/env bash
# Per-frame costs of Serval builds side by side: for each variant, a server and two
# clients in network namespaces made here (TAP devices only inside them), an iperf3
# test through the tunnel, and for each of the three processes the CPU time, the
# context switches (voluntary: it slept; involuntary: preempted), the system calls
# (perf tracepoints, by name) and the main-loop wake-ups (poll/epoll_wait returns),
# each divided by the frames that crossed c1's TAP device. Variants alternate in
# every round; the medians of the rounds go to OUT/summary.tsv.
#
#   sudo tests/bench/run-perframe.sh LABEL=SERVER,SERVALCTL[,ENV=VALUE...] ...
# e.g. 0.1=/b/server/serval-server,/b/app/cli/servalctl
#      0.2-off=build-rel/server/serval-server,build-rel/app/cli/servalctl,SERVAL_TAP_OFFLOAD=0
# Environment: REPS [3] rounds; T [5] seconds a test; TEST [tcp] tcp, udp64 (64-byte
# UDP at full speed) or both; OUT [a new temporary folder]; PROFILE=1 also records
# perf profiles (cpu-clock, call graphs) of the three processes in round 1, in OUT/logs;
# HOLD=SECONDS only sets up and keeps the topology that long (pids in OUT/logs/run.log).
# Exit status 1 when a variant did not come up or a measurement failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/e2e/lib.sh"

REPS=${REPS:-3} T=${T:-5} TEST=${TEST:-tcp}
[ "$TEST" = both ] && TEST="tcp udp64"
[ $# -ge 1 ] || { echo "usage: $0 LABEL=SERVER,SERVALCTL[,ENV=VALUE...] ..." >&2; exit 1; }
out=${OUT:-$(mktemp -d /tmp/serval-perframe.XXXXXX)}
W=$out/logs
mkdir -p "$W" || { echo "run-perframe: cannot make $W; set OUT to a writable folder" >&2; exit 1; }
info() { echo "[$(date +%T)] $*" | tee -a "$W/run.log" >&2; }
die() { info "ERROR: $*"; exit 1; }
require_root
command -v iperf3 > /dev/null || die "iperf3 is missing: apt-get install iperf3"
command -v perf > /dev/null || die "perf is missing: apt-get install linux-perf"
perf list 2> /dev/null | grep -q 'raw_syscalls:sys_enter' ||
  die "perf has no syscall tracepoints here (mount tracefs, or run as root with perf_event_paranoid <= 1)"
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

P=pf$$ SRV=pf$$-s C1=pf$$-1 C2=pf$$-2
for ns in $SRV $C1 $C2; do
  make_ns "$ns"
  in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
link_ns "$SRV" 10.234.1.1/24 "$C1" 10.234.1.2/24 "${P}a"
link_ns "$SRV" 10.234.2.1/24 "$C2" 10.234.2.2/24 "${P}b"
in_ns "$SRV" sysctl -qw net.ipv4.ip_forward=0

declare -A PID_S PID_C1 PID_C2 DEV NET
LABELS=()
i=0
for spec in "$@"; do
  label=${spec%%=*} rest=${spec#*=}
  IFS=, read -r -a parts <<< "$rest"
  server=${parts[0]} ctl=${parts[1]} envs=("${parts[@]:2}")
  [ -x "$server" ] && [ -x "$ctl" ] || die "variant $label: no executable server '$server' or servalctl '$ctl'"
  data=$W/data-$i port=$((7600 + i))
  "$server" -d "$data" vlan add lan > /dev/null || die "variant $label: vlan add failed"
  for u in a b; do
    echo "pf-$u-$$" > "$W/$i-$u.pw"
    "$server" -d "$data" user add "$u" < "$W/$i-$u.pw" > /dev/null && "$server" -d "$data" user grant "$u" lan > /dev/null ||
      die "variant $label: user $u could not be made"
  done
  fp=$("$server" -d "$data" fingerprint) || die "variant $label: no fingerprint"
  bg "$SRV" "$W/$i-srv.log" "$server" --data-dir "$data" --listen 0.0.0.0:$port --http 127.0.0.1:$((9600 + i)); PID_S[$label]=$BG_PID
  wait_for 10 in_ns "$SRV" bash -c "exec 3<>/dev/tcp/10.234.1.1/$port" || die "variant $label: the server did not listen"
  bg "$C1" "$W/$i-c1.log" env "${envs[@]}" "$ctl" --server 10.234.1.1:$port --user a --password-file "$W/$i-a.pw" \
    --fingerprint "$fp" up --vlan lan --tap pf$i; PID_C1[$label]=$BG_PID
  bg "$C2" "$W/$i-c2.log" env "${envs[@]}" "$ctl" --server 10.234.2.1:$port --user b --password-file "$W/$i-b.pw" \
    --fingerprint "$fp" up --vlan lan --tap pf$i; PID_C2[$label]=$BG_PID
  wait_for 15 grep -q "pf$i up" "$W/$i-c1.log" && wait_for 15 grep -q "pf$i up" "$W/$i-c2.log" ||
    die "variant $label: the clients did not come up (see $W/$i-c*.log)"
  in_ns "$C1" ip addr add 192.168.$((120 + i)).1/24 dev pf$i && in_ns "$C1" ip link set pf$i up
  in_ns "$C2" ip addr add 192.168.$((120 + i)).2/24 dev pf$i && in_ns "$C2" ip link set pf$i up
  wait_for 10 in_ns "$C1" ping -c 1 -W 1 192.168.$((120 + i)).2 || die "variant $label: no ping through it"
  DEV[$label]=pf$i NET[$label]=$((120 + i))
  LABELS+=("$label")
  info "$label: up (server pid ${PID_S[$label]})"
  i=$((i + 1))
done

# the pid of the real program under `env`/`ip netns exec` wrappers: the daemon itself
# (bg records the pid of the exec'd command)
SYSCALLS="read write readv writev recvfrom sendto recvmsg sendmsg poll ppoll epoll_wait epoll_pwait epoll_ctl futex ioctl"
ev=raw_syscalls:sys_enter
for s in $SYSCALLS; do ev="$ev,syscalls:sys_enter_$s"; done
ctx() { # voluntary and involuntary switches of every thread of PID
  cat /proc/"$1"/task/*/status 2> /dev/null | awk '/^voluntary_ctxt/{v+=$2} /^nonvoluntary_ctxt/{n+=$2} END{print v+0, n+0}'
}
ticks() { cat /proc/"$1"/task/*/stat 2> /dev/null | awk '{t+=$14+$15} END{print t+0}'; }
CSV=$out/results.csv
echo "variant,round,test,process,metric,value" > "$CSV"
HZ=$(getconf CLK_TCK)

measure() { # measure LABEL ROUND TEST
  local l=$1 r=$2 t=$3 dev=${DEV[$1]} ip=192.168.${NET[$1]}.2 p pids=() names=(srv c1 c2) k
  pids=("${PID_S[$l]}" "${PID_C1[$l]}" "${PID_C2[$l]}")
  in_ns "$C1" ping -c 3 -i 0.05 -W 1 "$ip" > /dev/null 2>&1
  ip netns exec "$C2" iperf3 -s -1 -p 5301 > "$W/iperf-s.log" 2>&1 &
  local ipid=$!
  wait_for 5 sh -c "ip netns exec $C2 ss -Hltn 'sport = :5301' | grep -q ."
  local tx0 rx0 tx1 rx1 dr0 dr1 c0=() c1=() x0=() x1=() perfpids=()
  tx0=$(in_ns "$C1" cat /sys/class/net/$dev/statistics/tx_packets)
  dr0=$(in_ns "$C1" cat /sys/class/net/$dev/statistics/tx_dropped)
  rx0=$(in_ns "$C2" cat /sys/class/net/$dev/statistics/rx_packets)
  for k in 0 1 2; do
    perf stat -x, -e "$ev" -p "${pids[k]}" -o "$W/stat-$l-$r-$t-${names[k]}.csv" -- sleep "$T" 2> /dev/null &
    perfpids+=($!)
  done
  if [ "${PROFILE:-0}" = 1 ] && [ "$r" = 1 ]; then
    for k in 0 1 2; do
      perf record -q -e cpu-clock -F 4000 -g -p "${pids[k]}" -o "$W/perf-$l-$t-${names[k]}.data" -- sleep "$T" \
        > /dev/null 2>&1 &
      perfpids+=($!)
    done
  fi
  sleep 0.2   # perf attached
  for k in 0 1 2; do c0+=("$(ticks "${pids[k]}")"); x0+=("$(ctx "${pids[k]}")"); done
  local b0 b1
  b0=$(in_ns "$C1" cat /sys/class/net/$dev/statistics/tx_bytes)
  if [ "$t" = tcp ]; then
    timeout $((T + 20)) ip netns exec "$C1" iperf3 -c "$ip" -p 5301 -t $((T - 1)) -J > "$W/$t-$l-$r.json" 2>&1
  else
    timeout $((T + 20)) ip netns exec "$C1" iperf3 -c "$ip" -p 5301 -u -l 64 -b 0 -t $((T - 1)) -J > "$W/$t-$l-$r.json" 2>&1
  fi
  for k in 0 1 2; do c1+=("$(ticks "${pids[k]}")"); x1+=("$(ctx "${pids[k]}")"); done
  tx1=$(in_ns "$C1" cat /sys/class/net/$dev/statistics/tx_packets)
  rx1=$(in_ns "$C2" cat /sys/class/net/$dev/statistics/rx_packets)
  b1=$(in_ns "$C1" cat /sys/class/net/$dev/statistics/tx_bytes)
  dr1=$(in_ns "$C1" cat /sys/class/net/$dev/statistics/tx_dropped)
  wait "${perfpids[@]}"
  wait "$ipid" 2> /dev/null
  local frames=$((tx1 - tx0))
  [ "$frames" -gt 1000 ] || { info "$l round $r $t: only $frames frames crossed c1's device"; return 1; }
  echo "$l,$r,$t,all,frames_c1_read,$frames" >> "$CSV"
  echo "$l,$r,$t,all,frames_c2_written,$((rx1 - rx0))" >> "$CSV"
  echo "$l,$r,$t,all,mbytes,$(((b1 - b0) / 1000000))" >> "$CSV"
  # frames c1's kernel dropped because the client did not read its device in time
  echo "$l,$r,$t,all,c1_tap_dropped,$((dr1 - dr0))" >> "$CSV"
  python3 - "$W/$t-$l-$r.json" "$l,$r,$t,all" >> "$CSV" << 'PY'
import json, sys
try:
    e = json.load(open(sys.argv[1]))["end"]
    if "sum_received" in e:
        print("%s,gbps,%.3f" % (sys.argv[2], e["sum_received"]["bits_per_second"] / 1e9))
        print("%s,retransmits,%d" % (sys.argv[2], e["sum_sent"].get("retransmits", 0)))
    else:
        s = e["sum"]; print("%s,kpps_received,%.1f" % (sys.argv[2], (s["packets"] - s["lost_packets"]) / s["seconds"] / 1e3))
except Exception as x:
    print("%s,iperf_failed,1" % sys.argv[2])
PY
  for k in 0 1 2; do
    local n=${names[k]}
    read -r v0 n0 <<< "${x0[k]}"; read -r v1 n1 <<< "${x1[k]}"
    python3 - "$W/stat-$l-$r-$t-$n.csv" "$l,$r,$t,$n" "$frames" "$(( ${c1[k]} - ${c0[k]} ))" "$HZ" \
      "$((v1 - v0))" "$((n1 - n0))" >> "$CSV" << 'PY'
import sys
path, key, frames, ticks, hz, vol, invol = sys.argv[1:]
frames = float(frames)
print("%s,cpu_us_per_frame,%.3f" % (key, float(ticks) / float(hz) * 1e6 / frames))
print("%s,vol_ctxsw_per_kframe,%.2f" % (key, float(vol) * 1000 / frames))
print("%s,invol_ctxsw_per_kframe,%.2f" % (key, float(invol) * 1000 / frames))
for line in open(path):
    f = line.strip().split(",")
    if len(f) < 3 or not f[0].replace(".", "").isdigit():
        continue
    name = f[2].split(":")[-1].replace("sys_enter_", "")
    name = "syscalls" if name == "sys_enter" else name
    print("%s,%s_per_kframe,%.2f" % (key, name, float(f[0]) * 1000 / frames))
PY
  done
}

if [ -n "${HOLD:-}" ]; then
  # for poking by hand: the topology stays up HOLD seconds
  for l in "${LABELS[@]}"; do
    info "$l: server ${PID_S[$l]} in $SRV, c1 ${PID_C1[$l]} in $C1, c2 ${PID_C2[$l]} in $C2 (192.168.${NET[$l]}.2)"
  done
  sleep "$HOLD"
  exit 0
fi
info "variants: ${LABELS[*]}; $REPS rounds of $TEST, $T s each; load: $(uptime)"
for r in $(seq "$REPS"); do
  n=${#LABELS[@]}
  for j in $(seq 0 $((n - 1))); do
    l=${LABELS[$(((j + r - 1) % n))]}
    for t in $TEST; do measure "$l" "$r" "$t" || die "variant $l: the measurement failed"; done
  done
  info "round $r done; load: $(uptime)"
done
python3 - "$CSV" "$out/summary.tsv" << 'PY'
import csv, collections, statistics, sys
vals = collections.defaultdict(list)
order = []
for row in csv.DictReader(open(sys.argv[1])):
    k = (row["test"], row["process"], row["metric"])
    if k not in order:
        order.append(k)
    vals[(row["variant"],) + k].append(float(row["value"]))
variants = []
for row in csv.DictReader(open(sys.argv[1])):
    if row["variant"] not in variants:
        variants.append(row["variant"])
with open(sys.argv[2], "w") as f:
    f.write("test\tprocess\tmetric\t" + "\t".join("%s median [min-max]" % v for v in variants) + "\n")
    for k in order:
        cells = []
        for v in variants:
            x = vals.get((v,) + k)
            cells.append("%.3g [%.3g-%.3g]" % (statistics.median(x), min(x), max(x)) if x else "-")
        f.write("\t".join(k) + "\t" + "\t".join(cells) + "\n")
PY
column -t -s "$(printf '\t')" "$out/summary.tsv"
info "results: $out/results.csv, $out/summary.tsv; load at the end: $(uptime)"
