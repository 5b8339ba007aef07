#!/usr/bin/env bash
# Serval's network-namespace benchmark (first cut): two client namespaces that
# reach each other only through a server namespace. In alternating rounds it
# measures the direct veth path (the limit) and Serval over TLS/TCP:
# iperf3 TCP throughput, ping RTT (average, p99) and the server's CPU seconds
# per GB forwarded. Writes results.csv and summary.txt (medians, ratios).
#   sudo tests/bench/run-bench.sh            REPS=3 T_TCP=5 PINGN=300 OUT=dir
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../e2e/lib.sh"
top=$(cd "$here/../.." && pwd)
SERVER=${SERVAL_SERVER:-$top/build/server/serval-server}
CTL=${SERVALCTL:-$top/build/app/cli/servalctl}
REPS=${REPS:-3} T_TCP=${T_TCP:-5} PINGN=${PINGN:-300}
require_root
command -v iperf3 >/dev/null || { apt-get install -y -qq iperf3 >/dev/null 2>&1 || bail "iperf3 is missing"; }
[ -x "$SERVER" ] && [ -x "$CTL" ] || bail "build Serval first (ninja -C build)"

P=sb$$
SRV=$P-srv C1=$P-c1 C2=$P-c2 D1=$P-d1 D2=$P-d2
out=${OUT:-$(mktemp -d /tmp/serval-bench.XXXXXX)}
mkdir -p "$out"
E2E_LOG=$out/checks.log
trap e2e_cleanup EXIT
for ns in $SRV $C1 $C2 $D1 $D2; do make_ns "$ns"; done
link_ns "$SRV" 10.232.1.1/24 "$C1" 10.232.1.2/24 "${P}a"
link_ns "$SRV" 10.232.2.1/24 "$C2" 10.232.2.2/24 "${P}b"
link_ns "$D1" 10.232.9.1/24 "$D2" 10.232.9.2/24 "${P}d"
in_ns "$SRV" sysctl -qw net.ipv4.ip_forward=0

data=$out/data
for u in a b; do echo "pw-$u" > "$out/$u.pw"; "$SERVER" -d "$data" user add "$u" < "$out/$u.pw" >/dev/null; done
"$SERVER" -d "$data" vlan add lan >/dev/null
"$SERVER" -d "$data" user grant a lan >/dev/null && "$SERVER" -d "$data" user grant b lan >/dev/null
FP=$("$SERVER" -d "$data" fingerprint)
bg "$SRV" "$out/server.log" "$SERVER" --data-dir "$data" --listen 0.0.0.0:7465
SPID=$BG_PID
wait_for 10 in_ns "$SRV" bash -c "exec 3<>/dev/tcp/10.232.1.1/7465" || bail "server did not start"
ip netns exec "$C1" "$CTL" --server 10.232.1.1:7465 --user a --password-file "$out/a.pw" --fingerprint "$FP" up --vlan lan > "$out/a.log" 2>&1 &
E2E_PIDS+=($!)
ip netns exec "$C2" "$CTL" --server 10.232.2.1:7465 --user b --password-file "$out/b.pw" --fingerprint "$FP" up --vlan lan > "$out/b.log" 2>&1 &
E2E_PIDS+=($!)
wait_for 15 grep -q "sv-lan up" "$out/a.log" && wait_for 15 grep -q "sv-lan up" "$out/b.log" || bail "clients did not come up"
in_ns "$C1" ip addr add 10.232.100.1/24 dev sv-lan
in_ns "$C2" ip addr add 10.232.100.2/24 dev sv-lan
wait_for 10 in_ns "$C1" ping -c 1 -W 1 10.232.100.2 || bail "no ping through Serval"
check "c1 cannot reach c2 except through Serval" bash -c "! ip netns exec $C1 ping -c1 -W1 10.232.2.2"

bg "$C2" "$out/iperf-serval.log" iperf3 -s -B 10.232.100.2
bg "$D2" "$out/iperf-direct.log" iperf3 -s -B 10.232.9.2
sleep 0.5

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
echo "path,round,tcp_gbps,rtt_avg_us,rtt_p99_us,server_cpu_s_per_gb" > "$out/results.csv"

measure() { # measure NAME CLIENT_NS SERVER_ADDR ROUND
  local name=$1 ns=$2 addr=$3 round=$4 t0 t1 json bytes gbps rtts avg p99 cpu
  t0=$( [ "$name" = serval ] && cpu_ticks "$SPID" || echo 0)
  json=$(in_ns "$ns" iperf3 -c "$addr" -t "$T_TCP" -J 2>/dev/null)
  t1=$( [ "$name" = serval ] && cpu_ticks "$SPID" || echo 0)
  bytes=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["end"]["sum_received"]["bytes"])' <<<"$json" 2>/dev/null || echo 0)
  gbps=$(python3 -c "print(round($bytes * 8 / $T_TCP / 1e9, 3))")
  rtts=$(in_ns "$ns" ping -c "$PINGN" -i 0.002 -q -W 1 "$addr" >/dev/null 2>&1; \
         in_ns "$ns" ping -c "$PINGN" -i 0.002 -W 1 "$addr" 2>/dev/null | sed -n 's/.*time=\([0-9.]*\) ms/\1/p')
  read -r avg p99 < <(python3 -c '
import sys
v = sorted(float(x) * 1000 for x in sys.stdin.read().split())
print(f"{sum(v)/len(v):.0f} {v[min(len(v)-1, int(len(v)*0.99))]:.0f}" if v else "nan nan")' <<<"$rtts")
  cpu=$( [ "$name" = serval ] && python3 -c "b=$bytes; print(round(($t1-$t0)/$hz/(b/1e9), 2) if b else 'nan')" || echo "")
  echo "$name,$round,$gbps,$avg,$p99,$cpu" >> "$out/results.csv"
  note "$name round $round: $gbps Gbit/s, RTT avg $avg us p99 $p99 us${cpu:+, server $cpu CPU s/GB}"
}
for r in $(seq "$REPS"); do
  measure direct "$D1" 10.232.9.2 "$r"
  if [ "${PROFILE:-0}" = 1 ] && [ "$r" = 1 ] && command -v perf >/dev/null; then
    # Where the server's time goes during one TCP test (cpu-clock sampling:
    # hardware counters are not available on every machine).
    perf record -q -e cpu-clock -F 2000 -g -p "$SPID" -o "$out/perf.data" -- sleep "$T_TCP" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  measure serval "$C1" 10.232.100.2 "$r"
  if [ -n "${perf_pid:-}" ]; then
    wait "$perf_pid"
    perf report -i "$out/perf.data" --stdio --no-children --sort dso,symbol 2>/dev/null \
      | grep -E '^ +[0-9.]+%' | head -25 > "$out/profile.txt"
    note "server profile (top symbols) in $out/profile.txt"
    perf_pid=
  fi
done

python3 - "$out/results.csv" > "$out/summary.txt" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
def med(path, key):
    v = [float(r[key]) for r in rows if r["path"] == path and r[key] not in ("", "nan")]
    return statistics.median(v) if v else float("nan")
d, s = {k: med("direct", k) for k in ("tcp_gbps", "rtt_avg_us", "rtt_p99_us")}, \
       {k: med("serval", k) for k in ("tcp_gbps", "rtt_avg_us", "rtt_p99_us", "server_cpu_s_per_gb")}
n = len([r for r in rows if r["path"] == "serval"])
print(f"| path | TCP Gbit/s | RTT avg us | RTT p99 us | server CPU s/GB |   (medians of {n} rounds)")
print("|---|---|---|---|---|")
print(f"| direct veth | {d['tcp_gbps']:.2f} | {d['rtt_avg_us']:.0f} | {d['rtt_p99_us']:.0f} | - |")
print(f"| Serval TLS/TCP through the server | {s['tcp_gbps']:.2f} | {s['rtt_avg_us']:.0f} | {s['rtt_p99_us']:.0f} | {s['server_cpu_s_per_gb']:.2f} |")
print(f"| ratio Serval / direct | {s['tcp_gbps']/d['tcp_gbps']:.3f} | {s['rtt_avg_us']/d['rtt_avg_us']:.1f}x | {s['rtt_p99_us']/d['rtt_p99_us']:.1f}x | |")
PY
cat "$out/summary.txt" | sed 's/^/# /'
note "raw data in $out"
e2e_finish
