#!/usr/bin/env bash
# End to end: resume tokens. A real serval-server and a real client (servalctl up)
# in one network namespace of this test, on its loopback. After a server restart the
# client logs in again with the token the server gave it (no PBKDF2); when the token
# is refused (password changed, expired, tokens switched off) it falls back to the
# password on the same link. Output is TAP; logs stay in $E2E_OUT.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

require_serval
need_cmd curl curl

NS=svt$$
e2e_out serval-e2e-token

make_ns "$NS"
alice_in_red "$data" "$out"

RUN=0
# start_server [server options...]: a new server on the same data dir; log server.log.$RUN
start_server() {
  RUN=$((RUN + 1))
  bg "$NS" "$out/server.log.$RUN" "$SERVER" --data-dir "$data" --listen 127.0.0.1:7465 \
    --keepalive 2 --http 127.0.0.1:9465 "$@"
  SERVER_PID=$BG_PID
  wait_for 10 in_ns "$NS" bash -c "exec 3<>/dev/tcp/127.0.0.1/7465"
}
stop_server() {
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null
}
metric() { in_ns "$NS" curl -s http://127.0.0.1:9465/metrics | awk -v m="$1" '$1 == m {print $2}'; }
log_has() { grep -q "$2" "$out/server.log.$1"; }
# logged_in RUN: alice logged in with the password (no token) in that server's log
password_login() { grep "alice@" "$out/server.log.$1" | grep "logged in" | grep -vq "resume token"; }
token_login() { grep "alice@" "$out/server.log.$1" | grep "logged in" | grep -q "with a resume token"; }

start_server || bail "serval-server did not start: $(tail -5 "$out/server.log.1")"
ip netns exec "$NS" "$CTL" --server 127.0.0.1:7465 --user alice --password-file "$out/alice.pw" \
  --fingerprint "$FP" up --vlan red >"$out/alice.log" 2>&1 &
E2E_PIDS+=($!)
CLIENT_PID=$!
wait_for 15 grep -q "sv-red up" "$out/alice.log" || bail "alice's client did not come up: $(cat "$out/alice.log")"

check "the first login uses the password" password_login 1
check "the first login is not a token login" bash -c "! grep -q 'resume token' '$out/server.log.1'"
check "/metrics: no token login yet" test "$(metric 'serval_token_logins_total{result="ok"}')" = 0

# --- a restart: the token from the first server works on the second ----------------
stop_server
# The client's first attempt meets no server (here a stand-in that takes its ClientHello
# and hangs up, as a port that is not served yet refuses it): that attempt must not cost
# the client its TLS session, so the second server still resumes it.
in_ns "$NS" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 7465)); s.listen(1); s.settimeout(60)
c, _ = s.accept(); c.settimeout(10); c.recv(4096); c.close(); s.close()
open(sys.argv[1], "w").write("taken\n")' "$out/standin.done" >"$out/standin.log" 2>&1 &
STANDIN=$!
check "while no server serves the port, the client tries it (a stand-in hangs up on it)" wait "$STANDIN"
start_server || bail "serval-server did not restart: $(tail -5 "$out/server.log.2")"
check "after a server restart the client logs in with its token within 15 s" wait_for 15 token_login 2
check "...and not with the password" bash -c "! password_login 2"
check "/metrics of the new server counts one token login" \
  test "$(metric 'serval_token_logins_total{result="ok"}')" = 1
check "/metrics of the new server: the client resumed its TLS session with the old server's ticket" \
  test "$(metric 'serval_tls_handshakes_total{kind="resumed"}')" = 1
# (The one failed handshake is start_server's probe of the port.)
hs="full $(metric 'serval_tls_handshakes_total{kind="full"}'), failed $(metric 'serval_tls_handshakes_total{kind="failed"}')"
check "/metrics: no full TLS handshake, one failed: the port probe ($hs)" test "$hs" = "full 0, failed 1"
check "/metrics: no token refused" test "$(metric 'serval_token_logins_total{result="refused"}')" = 0
check "/metrics: no failed login" test "$(metric 'serval_logins_total{result="failed"}')" = 0
check "after the token login the client rejoined red" wait_for 10 log_has 2 "alice@.* joined VLAN “red”"

# --- a refused token (new password record) falls back to the password ---------------
stop_server
"$SERVER" --data-dir "$data" user passwd alice < "$out/alice.pw" >/dev/null || bail "cannot set alice's password"
start_server || bail "serval-server did not restart: $(tail -5 "$out/server.log.3")"
check "after a password change the server refuses the old token" \
  wait_for 15 log_has 3 "Refused the resume token of “alice”"
check "the client then logs in with the password on its own" wait_for 15 password_login 3
check "/metrics counts the refused token" test "$(metric 'serval_token_logins_total{result="refused"}')" = 1
check "/metrics: the refused token is not a failed login" test "$(metric 'serval_logins_total{result="failed"}')" = 0
check "the client logged the fallback once" \
  test "$(grep -c 'refused the resume token' "$out/alice.log")" = 1
check "the client is still running" kill -0 "$CLIENT_PID"

# --- an expired token ----------------------------------------------------------------
# Tokens of this server live 1 s; the client gets one when it logs in.
stop_server
start_server --token-lifetime 1 || bail "serval-server did not restart: $(tail -5 "$out/server.log.4")"
check "the client logs in again (with the new password record's token)" wait_for 15 token_login 4
sleep 2
stop_server
start_server || bail "serval-server did not restart: $(tail -5 "$out/server.log.5")"
check "an expired token is refused as expired" wait_for 15 log_has 5 "resume token of “alice”.*expired"
check "...and the client falls back to the password" wait_for 15 password_login 5

# --- tokens switched off ---------------------------------------------------------------
stop_server
start_server --token-lifetime 0 || bail "serval-server did not restart: $(tail -5 "$out/server.log.6")"
check "with --token-lifetime 0 the token is refused" wait_for 15 log_has 6 "Refused the resume token"
check "...and the client logs in with the password" wait_for 15 password_login 6
stop_server
start_server || bail "serval-server did not restart: $(tail -5 "$out/server.log.7")"
check "a server with --token-lifetime 0 gave no token: the next login uses the password" \
  wait_for 15 password_login 7
check "...without a refused token" bash -c "! grep -q 'Refused the resume token' '$out/server.log.7'"
check "the client logged 3 fallbacks in all, one per refused token" \
  test "$(grep -c 'refused the resume token' "$out/alice.log")" = 3

# --- the maximum age: counted from the password login, not renewed by token logins ----
# Server 7 saw a password login (T7) and gave a token whose chain begins then. Server 8
# takes it (a token login, which gives a new token of the same chain); server 9, later
# than T7 + MAX_AGE, refuses that new token although its lifetime (7 days) is not over.
MAX_AGE=25
t7=$(date +%s)   # at or after the password login of server 7
stop_server
start_server --token-max-age $MAX_AGE || bail "serval-server did not restart: $(tail -5 "$out/server.log.8")"
check "within --token-max-age the client logs in with its token" wait_for 15 token_login 8
t8=$(date +%s)
note "token login $((t8 - t7)) s after the password login; waiting until $MAX_AGE s have passed"
sleep $((t7 + MAX_AGE + 1 - $(date +%s) > 0 ? t7 + MAX_AGE + 1 - $(date +%s) : 0))
stop_server
start_server --token-max-age $MAX_AGE || bail "serval-server did not restart: $(tail -5 "$out/server.log.9")"
check "past --token-max-age the renewed token is refused for its age" \
  wait_for 15 log_has 9 "resume token of “alice”.*past the maximum age"
check "...and the client logs in with the password" wait_for 15 password_login 9
# The password login began a new chain: the next server takes its token.
stop_server
start_server --token-max-age $MAX_AGE || bail "serval-server did not restart: $(tail -5 "$out/server.log.10")"
check "the password login began a new chain: server 10 takes its token" wait_for 15 token_login 10
check "the client logged 4 fallbacks in all" \
  test "$(grep -c 'refused the resume token' "$out/alice.log")" = 4

refused_opt=$("$SERVER" --data-dir "$data" --token-max-age 999999999 2>&1); rc=$?
note "--token-max-age 999999999: status $rc: $refused_opt"
check "a token maximum age past 3650 days is refused with a sentence" \
  bash -c "[ $rc -ne 0 ] && grep -q 'token-max-age takes' <<<'$refused_opt'"

refused_opt=$("$SERVER" --data-dir "$data" --token-lifetime 99999999 2>&1); rc=$?
note "--token-lifetime 99999999: status $rc: $refused_opt"
check "a token lifetime past 366 days is refused with a sentence" \
  bash -c "[ $rc -ne 0 ] && grep -q 'token-lifetime takes' <<<'$refused_opt'"

e2e_finish
