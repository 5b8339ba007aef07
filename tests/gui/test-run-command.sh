#!/usr/bin/env bash
# The README's first command, `tools/serval.sh run`, on a desktop: inside a network
# namespace with its own headless session, it must start a server on the embedded default
# (a fresh SQLite data folder) with a first account, and open the app logged in to it as
# admin, with no question asked. Output is TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib-gui.sh"

require_root
gui_require
NS=srun$$
gui_out_dir run
make_ns "$NS"
gui_start "$NS" "$out"

# As root in its own session (no sudo): the app runs as root and needs no TAP helper.
gui_bg "$out/run.log" env SERVAL_DATA="$out/serval-data" bash "$top/tools/serval.sh" run
RUN_PID=$GUI_BG_PID
check "the app comes up" gui_tool wait-app serval 120
check "it is logged in as admin to the local server" \
  gui_py "$here/serval-steps.py" wait-label "Online as admin on 127.0.0.1:7465" 30
check "it lists the first VLAN, lan" gui_py "$here/serval-steps.py" wait-label "lan" 10
check "the run made the first account's password file" test -s "$out/serval-data/admin-password"
check "the app did not ask to trust the certificate (it was pinned from the command line)" \
  bash -c "! grep -q 'not signed by a trusted authority' '$out/run.log'"
check "the server answers /healthz" in_ns "$NS" curl -sf http://127.0.0.1:9465/healthz
kill "$RUN_PID" 2>/dev/null
gui_check_log "no GTK/GLib warnings or criticals in the run's log" "$out/run.log"
e2e_finish
