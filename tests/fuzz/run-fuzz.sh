#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan, coverage on the
# engine too) and runs each for SECONDS (default 60) from a copy of its seed
# corpus (FUZZ_TOTAL=SECONDS instead shares that many among the targets, at least 10
# each, so that CI's time stays the same as targets are added). Fails if any target crashes, leaks or trips a sanitizer. The seed is
# fixed (FUZZ_SEED, default 1) so that a CI run is reproducible; set
# FUZZ_SEED=0 for a fresh random exploration.
set -euo pipefail
seconds=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${FUZZ_BUILD:-$top/build-fuzz}
san=-fsanitize=address,undefined
if [ ! -f "$dir/build.ninja" ]; then
  CC=clang meson setup "$dir" "$top" -Dfuzzing=true -Dbuildtype=debugoptimized \
    -Dc_args="-fsanitize=fuzzer-no-link $san -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
    -Dc_link_args="$san" >/dev/null
fi
targets=(codec stream switch token offload cidr store-net dhcp neigh acl record)
if [ -n "${FUZZ_TOTAL:-}" ]; then
  seconds=$((FUZZ_TOTAL / ${#targets[@]}))
  [ "$seconds" -ge 10 ] || seconds=10
fi
ninja -C "$dir" "${targets[@]/#/tests/fuzz/fuzz-}" >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  cp "$top/tests/fuzz/corpus/$t"/* "$work/$t/"
  if "$dir/tests/fuzz/fuzz-$t" -max_total_time="$seconds" -seed="${FUZZ_SEED:-1}" -timeout=10 -max_len=4096 -rss_limit_mb=2048 \
      -artifact_prefix="$work/$t-" -print_final_stats=1 "$work/$t" >"$work/$t.log" 2>&1; then
    runs=$(grep -m1 'stat::number_of_executed_units' "$work/$t.log" | awk '{print $2}')
    echo "fuzz-$t: ${runs:-?} inputs in ${seconds} s, no crash"
  else
    echo "fuzz-$t FAILED; the end of its log:"
    tail -40 "$work/$t.log"
    for a in "$work/$t-"*; do
      [ -f "$a" ] && { echo "crashing input (base64):"; base64 "$a" | head -20; }
    done
    status=1
  fi
done
exit $status
