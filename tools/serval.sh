#!/usr/bin/env bash
# The two entry points of the README.
#   tools/serval.sh run    install what is missing, build, and run a server on the embedded
#                          default (SQLite in ./serval-data) with a first account and VLAN
#   tools/serval.sh test   install what is missing, build with warnings as errors, and run every
#                          test: unit, end-to-end in network namespaces, fuzz corpora, sanitizers
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'serval.sh: %s\n' "$*" >&2; exit 1; }

# Debian 12 packages: build, run, and test.
BUILD_PKGS="meson ninja-build pkg-config gcc asn1c libglib2.0-dev glib-networking libgnutls28-dev
  libsoup-3.0-dev libsqlite3-dev gettext"
TEST_PKGS="iproute2 iputils-ping iputils-arping python3 procps psmisc clang libclang-rt-14-dev
  valgrind curl kmod"

install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "these Debian packages are missing: ${missing[*]}; run as root (or install them with sudo apt-get install ${missing[*]})"
  say "Installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() { # build DIR [meson options...]
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >/dev/null
  else
    meson configure "$dir" "$@" >/dev/null
  fi
  ninja -C "$dir"
}

cmd_run() {
  # shellcheck disable=SC2086
  install_missing $BUILD_PKGS
  say "Building"
  build build
  local data=${SERVAL_DATA:-$top/serval-data}
  local server=build/server/serval-server
  if [ ! -f "$data/serval.db" ]; then
    local pw
    pw=$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | cut -c1-16)
    echo "$pw" | "$server" --data-dir "$data" user add admin --admin >/dev/null
    "$server" --data-dir "$data" vlan add lan >/dev/null
    "$server" --data-dir "$data" user grant admin lan >/dev/null
    umask 077
    echo "$pw" > "$data/admin-password"
    say "Made a first account: user admin, password in $data/admin-password, VLAN lan"
  fi
  local fp
  fp=$("$server" --data-dir "$data" fingerprint)
  cat <<MSG

Serval server starting on port 7465 (data in $data).
Certificate fingerprint: $fp

Connect a machine to VLAN "lan" (as root, with Serval built there too; copy the password file):
  build/app/cli/servalctl --server THIS-HOST:7465 --user admin --password-file admin-password \\
      --fingerprint $fp up --vlan lan
Add people (as admin, from any machine; the new password comes on standard input):
  build/app/cli/servalctl --server THIS-HOST:7465 --user admin --password-file admin-password \\
      --fingerprint $fp user add alice < alice-password
  build/app/cli/servalctl ... user grant alice lan
Stop with Ctrl+C.

MSG
  exec "$server" --data-dir "$data" --http 127.0.0.1:9465 "$@"
}

# logged FILE COMMAND...: runs the command, its output also appended to FILE; its status
logged() {
  local file=$1; shift
  local status
  set +e
  "$@" 2>&1 | tee -a "$file"
  status=${PIPESTATUS[0]}
  set -e
  return "$status"
}

cmd_test() {
  # shellcheck disable=SC2086
  install_missing $BUILD_PKGS $TEST_PKGS
  [ "$(id -u)" -eq 0 ] || die "the end-to-end tests make network namespaces and TAP devices: run as root"
  modprobe tun 2>/dev/null || true
  [ -c /dev/net/tun ] || die "/dev/net/tun is missing: load the tun module (modprobe tun)"

  local out=${TEST_OUT:-$top/build-test-logs}
  mkdir -p "$out"
  local failed=0

  : > "$out/summary.log"
  say "Build with warnings as errors, and every test"
  build build -Dwerror=true
  logged "$out/summary.log" meson test -C build --print-errorlogs --num-processes 2 || failed=1

  say "AddressSanitizer + UBSan build: unit, fuzz corpora and end-to-end tests"
  build build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    logged "$out/summary.log" meson test -C build-asan --print-errorlogs --num-processes 2 || failed=1

  say "Fuzzing each decoder for ${FUZZ_SECONDS:-30} s"
  if [ -x tests/fuzz/run-fuzz.sh ]; then
    logged "$out/summary.log" tests/fuzz/run-fuzz.sh "${FUZZ_SECONDS:-30}" || failed=1
  else
    echo "tests/fuzz/run-fuzz.sh is missing"; failed=1
  fi

  # One closing line for CI: subtests (TAP) counted one by one, other tests
  # and each fuzzer's run as one each.
  local passed failed_n
  passed=$(awk '/ OK / { if (match($0, /[0-9]+ subtests passed/)) n += substr($0, RSTART, RLENGTH) + 0; else n++ }
                /^fuzz-[a-z]+: .* no crash$/ { n++ } END { print n + 0 }' "$out/summary.log")
  failed_n=$(awk '/ (FAIL|ERROR|TIMEOUT) / { n++ } /^fuzz-[a-z]+ FAILED/ { n++ } END { print n + 0 }' "$out/summary.log")
  [ "$failed" -ne 0 ] && [ "$failed_n" -eq 0 ] && failed_n=1
  echo
  echo "serval: $passed passed, $failed_n failed"

  if [ $failed -ne 0 ]; then
    say "Some tests failed: see the logs above and build*/meson-logs/testlog.txt"
    exit 1
  fi
  say "All tests passed"
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  test) shift; cmd_test "$@" ;;
  *) die "usage: tools/serval.sh run|test" ;;
esac
