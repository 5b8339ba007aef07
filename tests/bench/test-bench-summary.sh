#!/usr/bin/env bash
# run-bench.sh's summary puts the first Serval path beside each other one (CI's HEAD
# against its base build, tests/bench/ci-bench.sh): from made-up results of two rounds,
# SUMMARY_ONLY=1 must write the table with the medians, their ratio and each round's.
# No root, no network: only the summary and the plots (gnuplot).
set -u
here=$(cd "$(dirname "$0")" && pwd)
command -v gnuplot > /dev/null || { echo "1..0 # gnuplot is missing: apt-get install gnuplot-nox"; exit 1; }
d=$(mktemp -d) || exit 1
trap '[ "${KEEP:-0}" = 1 ] || rm -rf "$d"' EXIT
n=0 failed=0
check() { # check DESCRIPTION COMMAND...
  n=$((n + 1))
  if "${@:2}"; then echo "ok $n - $1"; else echo "not ok $n - $1"; failed=1; fi
}
has() { grep -qF -- "$1" "$d/summary.md"; }

printf 'REPS=1 SERVAL_REPS=2\nserval-server 0\nLinux, 2 CPUs\ntoday, medians\n' > "$d/conditions.txt"
printf 'start\tnow\tload average: 1.00\nend\tnow\tload average: 1.00\n' > "$d/load.tsv"
printf '%s\t%s\t%s\t%s\n' direct core measured "direct veth (the limit)" serval-tls serval measured "HEAD (aaa)" \
  serval-base serval measured "base (bbb)" > "$d/paths.tsv"
{
  echo "path,round,metric,value"
  # every figure the plots draw, but none at c2's device
  for m in tcp_gbps udp64_kpps udp64_bigbuf_kpps rtt_avg_us rtt_p99_us; do echo "direct,1,$m,10"; done
  # HEAD: TCP 2.5 and 3.5 (median 3.0), CPU 1.0 and 1.2; the base: TCP 2.0 twice, CPU 1.0 twice
  for r in 1 2; do
    echo "serval-tls,$r,tcp_gbps,$((r * 1 + 1)).5"
    echo "serval-base,$r,tcp_gbps,2.0"
    echo "serval-tls,$r,server_cpu_s_per_gb,1.$(((r - 1) * 2))"
    echo "serval-base,$r,server_cpu_s_per_gb,1.0"
    echo "serval-tls,$r,rtt_avg_us,100"
    echo "serval-base,$r,rtt_avg_us,nan"
    for p in serval-tls serval-base; do
      for m in udp64_kpps udp64_bigbuf_kpps rtt_p99_us; do echo "$p,$r,$m,100"; done
    done
  done
} > "$d/results.csv"

echo "1..7"
summary() { SUMMARY_ONLY=1 OUT="$d" "$here/run-bench.sh" > "$d/out.log" 2>&1; }
check "SUMMARY_ONLY=1 writes the summary" summary
check "a table of HEAD against the base" has "## HEAD (aaa) against base (bbb)"
check "TCP: the medians, their ratio, each round's" has "| TCP Gbit/s | 3.00 [2.50-3.50] | 2.00 [2.00-2.00] | 1.50 | 1.25, 1.75 |"
check "server CPU: the same" has "| server CPU s/GB | 1.100 [1.000-1.200] | 1.000 [1.000-1.000] | 1.10 | 1.00, 1.20 |"
check "a figure that failed on one side has no ratio" has "| RTT avg µs | 100 [100-100] | - | - | - |"
check "a figure never measured has no row" bash -c "! grep -q \"^| 64-byte kpps at c2's device |\" '$d/summary.md'"

# With one Serval path there is nothing to put beside it.
grep -v serval-base "$d/paths.tsv" > "$d/p" && mv "$d/p" "$d/paths.tsv"
grep -v serval-base "$d/results.csv" > "$d/r" && mv "$d/r" "$d/results.csv"
summary
check "no table with one Serval path" bash -c "! grep -q '^## HEAD (aaa) against base' '$d/summary.md'"
[ $failed = 0 ] || { echo "# the summary:"; sed 's/^/# /' "$d/summary.md"; }
exit $failed
