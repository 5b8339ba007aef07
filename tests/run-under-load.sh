#!/usr/bin/env bash
# tests/run-under-load.sh [N]: runs the unit suites N times (default 10) while a CPU hog
# (stress-ng) keeps every core busy, and prints "N passed, N failed". A test that
# depends on timing or on what an earlier test left behind fails here first.
#
#   BUILD=build-asan tests/run-under-load.sh 20    another build directory (default: build)
#   SUITES="unit e2e" tests/run-under-load.sh 3     other meson test suites (default: unit)
#   JOBS=2 tests/run-under-load.sh                  tests at a time (default: twice the cores)
#
# The suites must be built (tools/serval.sh test, or ninja -C build). Each failing run's
# log is kept in $OUT (default: build-test-logs/under-load).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-10}
build=${BUILD:-$top/build}
suites=${SUITES:-unit}
out=${OUT:-$top/build-test-logs/under-load}

die() { echo "run-under-load: $*" >&2; exit 2; }

[[ $runs =~ ^[1-9][0-9]*$ ]] || die "usage: $0 [RUNS] (a positive number, default 10)"
command -v stress-ng >/dev/null || die "stress-ng is missing: apt-get install stress-ng"
[ -f "$build/build.ninja" ] || die "$build is not a meson build directory: build first (ninja -C build)"
mkdir -p "$out" || die "cannot make $out"

cores=$(nproc)
# Tests beside each other: twice the cores, as several unit tests spend most of
# their time waiting out real keepalive intervals (the hogs keep every core busy
# whatever the count).
jobs=${JOBS:-$((cores * 2))}
stress-ng --cpu "$cores" --cpu-method matrixprod --timeout 0 --quiet &
hog=$!
trap 'kill $hog 2>/dev/null; wait $hog 2>/dev/null' EXIT INT TERM

suite_args=()
for s in $suites; do suite_args+=(--suite "$s"); done

passed=0 failed=0
echo "run-under-load: $runs runs of the '$suites' suites of $build, $jobs at a time, with $cores CPU hogs beside them"
for i in $(seq "$runs"); do
  log=$out/run-$i.log
  if meson test -C "$build" "${suite_args[@]}" --num-processes "$jobs" --no-rebuild \
       --print-errorlogs >"$log" 2>&1; then
    passed=$((passed + 1))
    rm -f "$log"
    echo "run $i: passed"
  else
    failed=$((failed + 1))
    echo "run $i: FAILED; log in $log:"
    grep -E '^ *[0-9]+/[0-9]+ .* (FAIL|ERROR|TIMEOUT) |^not ok|^#.*ERROR|assertion failed' "$log" | head -20 | sed 's/^/  /'
  fi
done
echo "under-load: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
