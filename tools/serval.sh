#!/usr/bin/env bash
# The two entry points of the README.
#   tools/serval.sh run    install what is missing, build, and run a server on the embedded
#                          default (SQLite in ./serval-data) with a first account and VLAN;
#                          on a desktop, also open the app logged in to it
#   tools/serval.sh test   install what is missing, build with warnings as errors, and run every
#                          test: unit, end-to-end in network namespaces, fuzz corpora, sanitizers
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Each heading says how far into the run it comes (minutes:seconds), so that a slow stage shows.
say() { printf '\033[1m==> [%d:%02d] %s\033[0m\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }
die() { printf 'serval.sh: %s\n' "$*" >&2; exit 1; }

# Debian 12 packages: build, run, and test.
BUILD_PKGS="meson ninja-build pkg-config gcc asn1c libglib2.0-dev glib-networking libgnutls28-dev liburing-dev
  libsoup-3.0-dev libjson-glib-dev libsqlite3-dev gettext libgtk-3-dev libsecret-1-dev libayatana-appindicator3-dev
  polkitd pkexec librsvg2-common adwaita-icon-theme libsystemd-dev scdoc"
# End-to-end, GUI (Xvfb, D-Bus, AT-SPI, a tray, a notification daemon), data validation,
# the pkexec helper's tests, fuzzing, sanitizers, the quick benchmark, a CPU hog for
# tests/run-under-load.sh, certtool for the test certificates, etcd for the cluster tests,
# clang-format for the style check, zsh for the completion test, and locales for the GUI
# test that runs the app in Spanish and Galician.
TEST_PKGS="iproute2 iputils-ping iputils-arping python3 procps psmisc clang libclang-rt-14-dev
  valgrind curl kmod util-linux xvfb xauth dbus-daemon dbus-bin libglib2.0-bin at-spi2-core
  libatk-adaptor dconf-service dconf-gsettings-backend gsettings-desktop-schemas python3-gi
  gir1.2-gtk-3.0 python3-dogtail python3-pyatspi gir1.2-atspi-2.0 trayer dunst xdotool x11-utils
  imagemagick fonts-dejavu-core desktop-file-utils appstream libxml2-utils iperf3 gnuplot-nox
  stress-ng gnutls-bin etcd-server etcd-client clang-format systemd zsh groff-base locales
  busybox gnome-keyring"

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
    # Addresses handed out by the server: machines that join need no ip command.
    "$server" --data-dir "$data" vlan set lan --subnet 10.99.0.0/24 --prefix6 fd00:99::/64 >/dev/null
    "$server" --data-dir "$data" user grant admin lan >/dev/null
    umask 077
    echo "$pw" > "$data/admin-password"
    say "Made a first account: user admin, password in $data/admin-password, VLAN lan (10.99.0.0/24)"
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
  if ! desktop_found; then
    say "No desktop session found: running the server only (the app needs a display)"
    exec "$server" --data-dir "$data" --http 127.0.0.1:9465 "$@"
  fi
  "$server" --data-dir "$data" --http 127.0.0.1:9465 "$@" &
  local server_pid=$!
  trap 'kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null' EXIT INT TERM
  local i
  for i in $(seq 50); do
    (exec 3<>/dev/tcp/127.0.0.1/7465) 2>/dev/null && break
    kill -0 $server_pid 2>/dev/null || die "serval-server did not start (see above)"
    sleep 0.1
  done
  start_app "$data/admin-password" "$fp"
  wait $server_pid
}

# A graphical session to open the app in: the invoking user's (through sudo) or root's own.
DESKTOP_USER=
desktop_found() {
  DESKTOP_USER=${SUDO_USER:-}
  if [ -n "$DESKTOP_USER" ] && [ "$DESKTOP_USER" != root ]; then
    # The user's systemd manager knows the session's DISPLAY/WAYLAND_DISPLAY.
    local env
    env=$(systemctl --user -M "$DESKTOP_USER@" show-environment 2>/dev/null) || return 1
    grep -qE '^(DISPLAY|WAYLAND_DISPLAY)=' <<<"$env"
  else
    DESKTOP_USER=
    [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]
  fi
}

# start_app PASSWORD_FILE FINGERPRINT: the desktop app, logged in to this server as admin.
start_app() {
  local pwfile=$1 fp=$2 app=$top/build/app/serval
  local args=(--server 127.0.0.1:7465 --user admin --fingerprint "$fp")
  if [ -z "$DESKTOP_USER" ]; then
    say "Opening the Serval app, logged in as admin"
    "$app" "${args[@]}" --password-file "$pwfile" &
    return
  fi
  # The app runs as the desktop user, never as root: it creates its TAP devices through
  # pkexec and serval-tap-helper, so those and the polkit policy must be installed.
  say "Installing Serval (the app's TAP helper and its polkit policy must be in place)"
  ninja -C build install >/dev/null
  local uid runtime copy
  uid=$(id -u "$DESKTOP_USER")
  runtime=/run/user/$uid
  copy=$runtime/serval-admin-password
  install -m 600 -o "$DESKTOP_USER" "$pwfile" "$copy"
  say "Opening the Serval app as $DESKTOP_USER, logged in as admin"
  systemd-run --user -M "$DESKTOP_USER@" --collect --quiet \
    /usr/local/bin/serval "${args[@]}" --password-file "$copy" \
    || say "Could not start the app; start it yourself: serval ${args[*]} --password-file $copy"
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

# The locales the translated app is tested in (tests/gui/test-gui-i18n.sh): glibc shows a
# catalogue only in a locale that is generated. Does nothing when they are there.
make_locales() {
  local l missing=()
  for l in es_ES gl_ES; do
    locale -a 2>/dev/null | grep -qix "$l.utf-\?8" || missing+=("$l")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "Generating the locales ${missing[*]} (UTF-8)"
  for l in "${missing[@]}"; do
    sed -i -E "s/^# *($l\.UTF-8 UTF-8)/\1/" /etc/locale.gen
    grep -qx "$l.UTF-8 UTF-8" /etc/locale.gen || echo "$l.UTF-8 UTF-8" >>/etc/locale.gen
  done
  locale-gen >/dev/null
}

cmd_test() {
  # shellcheck disable=SC2086
  install_missing $BUILD_PKGS $TEST_PKGS
  [ "$(id -u)" -eq 0 ] || die "the end-to-end tests make network namespaces and TAP devices: run as root"
  make_locales
  modprobe tun 2>/dev/null || true
  [ -c /dev/net/tun ] || die "/dev/net/tun is missing: load the tun module (modprobe tun)"

  local out=${TEST_OUT:-$top/build-test-logs}
  mkdir -p "$out"
  local failed=0

  : > "$out/summary.log"
  say "Build with warnings as errors, and every test"
  build build -Dwerror=true
  SERVAL_SCREENSHOTS=$out/screenshots \
    logged "$out/summary.log" meson test -C build --print-errorlogs --num-processes 2 || failed=1

  say "The unit suites ${UNDER_LOAD_RUNS:-2} times more, with every core kept busy"
  tests/run-under-load.sh "${UNDER_LOAD_RUNS:-2}" || failed=1

  # Everything again but the benchmarks, the cluster soak, the multi-node cluster scripts and
  # the two slowest GUI tests (suite nosan), which the first build ran: benchmark figures mean
  # nothing under the sanitizers, the cluster's code runs under them in the unit suite's
  # cluster test (a real etcd), gui-serval walks the app's code that gui-i18n walks again in
  # other languages and gui-big-vlan with 600 members, and CI must stay under 20 minutes.
  say "AddressSanitizer + UBSan build: unit, fuzz corpora, end-to-end and GUI tests"
  build build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    logged "$out/summary.log" meson test -C build-asan --print-errorlogs --num-processes 2 \
      --no-suite bench --no-suite soak --no-suite cluster --no-suite nosan || failed=1

  export FUZZ_TOTAL=${FUZZ_TOTAL:-100}
  say "Fuzzing the decoders: ${FUZZ_TOTAL} s shared among them"
  if [ -x tests/fuzz/run-fuzz.sh ]; then
    logged "$out/summary.log" tests/fuzz/run-fuzz.sh || failed=1
  else
    echo "tests/fuzz/run-fuzz.sh is missing"; failed=1
  fi

  say "Benchmark, quick form (figures are reported, never a failure)"
  OUT="$out/bench" logged "$out/summary.log" tests/bench/ci-bench.sh || failed=1

  # One closing line for CI: subtests (TAP) counted one by one, other tests
  # and each fuzzer's run as one each.
  local passed failed_n
  passed=$(awk '/ OK / { if (match($0, /[0-9]+ subtests passed/)) n += substr($0, RSTART, RLENGTH) + 0; else n++ }
                /^fuzz-[a-z-]+: .* no crash$/ { n++ } END { print n + 0 }' "$out/summary.log")
  failed_n=$(awk '/ (FAIL|ERROR|TIMEOUT) / { n++ } /^fuzz-[a-z-]+ FAILED/ { n++ } END { print n + 0 }' "$out/summary.log")
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
