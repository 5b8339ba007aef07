#!/usr/bin/env bash
# The benchmark in its quick form for CI: one short round of the direct veth, the
# kernel-routed path, the yardsticks, Serval, and Serval's two-node cluster with both
# clients on one node and on two (no peers), well under 90 s (about 40 s on two busy
# CPUs; CLUSTER=0 leaves the cluster out, as it needs etcd). It writes the CSV, the
# summary and the plots like a full run, prints the summary into the log, and fails
# only if the benchmark itself is broken (Serval did not come up, iperf3 or ping
# failed, the plots are missing), never because of a figure.
#   sudo tests/bench/ci-bench.sh        (OUT, SERVAL_SERVER, SERVALCTL as for run-bench.sh)
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$(mktemp -d /tmp/serval-ci-bench.XXXXXX)}
mkdir -p "$out" || { echo "ci-bench: cannot make $out; set OUT to a writable directory"; exit 1; }
start=$SECONDS
QUICK=1 OUT=$out "$here/run-bench.sh" > "$out/run.log" 2>&1
rc=$?
echo "== tests/bench/run-bench.sh QUICK=1 (exit status $rc, $((SECONDS - start)) s; output in $out)"
if [ -s "$out/summary.md" ]; then
  cat "$out/summary.md"
else
  echo "no summary was written"
fi
if [ $rc -ne 0 ]; then
  echo "== the benchmark is broken; its progress lines ($out/run.log has all):"
  grep '^\[' "$out/run.log" | tail -n 30
fi
exit $rc
