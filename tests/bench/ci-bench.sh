#!/usr/bin/env bash
# The benchmark in its quick form for CI: one short round of the direct veth, the
# kernel-routed path (the yardsticks only with FLOOR=1: CI's time is short), Serval, and Serval's two-node cluster with both
# clients on one node and on two (no peers), and, in the same interleaved rounds, Serval
# built from a base commit beside this tree's, so that every CI run shows the data path's
# figures against the commit before issues 11, 13 and 14's work (two rounds for those two
# paths, for a median). It writes the CSV, the summary and the plots like a full run,
# prints the summary into the log (its table "HEAD (...) against base (...)" is the
# comparison), and fails only if the benchmark itself is broken (Serval or the base did
# not come up or could not be built, iperf3 or ping failed, the plots are missing), never
# because of a figure. About 40 s on two busy CPUs, plus the base's build (see
# docs/performance.md); CLUSTER=0 leaves the cluster out, as it needs etcd.
#   sudo tests/bench/ci-bench.sh        (OUT, SERVAL_SERVER, SERVALCTL as for run-bench.sh)
# BENCH_BASE [353a348, the commit before issue 11's reshaping]: the commit to build and
# measure beside HEAD; BENCH_BASE=none leaves the comparison out. Its serval-server and
# servalctl are built in a git worktree in a temporary folder (with the options of
# tools/serval.sh's build), which is removed at the end. BENCH_SERVAL_REPS [2]: the
# rounds of HEAD and the base.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${OUT:-$(mktemp -d /tmp/serval-ci-bench.XXXXXX)}
mkdir -p "$out" || { echo "ci-bench: cannot make $out; set OUT to a writable directory"; exit 1; }
base=${BENCH_BASE:-353a348}
base_failed=""
base_tmp=""
cleanup() {
  [ -n "$base_tmp" ] || return 0
  git -C "$top" worktree remove --force "$base_tmp/src" > /dev/null 2>&1
  git -C "$top" worktree prune
  rm -rf "$base_tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# build_base: serval-server and servalctl of $base in $base_tmp/build; sets base_id,
# or base_failed to the reason
build_base() {
  local log=$out/base-build.log err
  if ! err=$(git -C "$top" rev-parse --git-dir 2>&1 > /dev/null); then
    base_failed="git cannot read the repository of $top ($err): run ci-bench.sh in a git clone, or leave the
comparison out with BENCH_BASE=none"
    return 1
  fi
  if ! base_id=$(git -C "$top" rev-parse --short --verify -q "$base^{commit}"); then
    base_failed="the base commit $base is not in this clone's history (a shallow clone or a tarball?):
fetch it (git fetch --unshallow), name another with BENCH_BASE=COMMIT, or leave the comparison out with BENCH_BASE=none"
    return 1
  fi
  base_tmp=$(mktemp -d /tmp/serval-ci-base.XXXXXX) || { base_failed="cannot make a temporary folder for the base"; return 1; }
  if ! git -C "$top" worktree add --detach "$base_tmp/src" "$base_id" > "$log" 2>&1; then
    base_failed="git worktree add of $base_id failed (see $log)"
    return 1
  fi
  # tools/serval.sh's build: meson setup with -Dwerror=true, the default build type
  if ! meson setup "$base_tmp/build" "$base_tmp/src" -Dwerror=true >> "$log" 2>&1 ||
    ! ninja -C "$base_tmp/build" server/serval-server app/cli/servalctl >> "$log" 2>&1; then
    base_failed="the base $base_id did not build (the end of $log:
$(tail -n 15 "$log"))"
    return 1
  fi
}

args=()
start=$SECONDS
if [ "$base" != none ]; then
  if build_base; then
    echo "== the base $base_id ($(git -C "$top" log -1 --format=%s "$base_id")) built in $((SECONDS - start)) s" \
      "(load $(cut -d' ' -f1-3 /proc/loadavg))"
    head_id=$(git -C "$top" rev-parse --short HEAD 2> /dev/null || echo "this tree")
    args=(SERVAL_TRANSPORTS="tls base" SERVAL_SERVER_base="$base_tmp/build/server/serval-server"
      SERVALCTL_base="$base_tmp/build/app/cli/servalctl" SERVAL_LABEL_base="base ($base_id)"
      SERVAL_LABEL_tls="HEAD ($head_id)" SERVAL_REPS="${BENCH_SERVAL_REPS:-2}")
  else
    echo "== ci-bench: no comparison with the base: $base_failed"
    echo "== the rest of the benchmark runs; ci-bench fails at the end"
  fi
else
  echo "== BENCH_BASE=none: HEAD alone, no comparison with a base"
fi
start=$SECONDS
env "${args[@]}" QUICK=1 FLOOR="${FLOOR:-0}" OUT="$out" "$here/run-bench.sh" > "$out/run.log" 2>&1
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
if [ ${#args[@]} -gt 0 ] && ! grep -q "^## HEAD ($head_id) against base ($base_id)" "$out/summary.md" 2> /dev/null; then
  base_failed="the summary has no table of HEAD against the base: see $out/run.log for why the base was not measured"
fi
if [ -n "$base_failed" ]; then
  echo "== ci-bench FAILED: no comparison with the base: $base_failed"
  exit 1
fi
exit $rc
