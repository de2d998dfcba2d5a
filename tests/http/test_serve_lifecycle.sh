#!/usr/bin/env bash
# test_serve_lifecycle.sh - the server over time: SIGHUP rescans, each scan is one event
# naming what appeared, changed and vanished, Last-Event-ID replays, SIGTERM and SIGINT
# stop it cleanly with event streams open (under the ASan build, stop_server's check of
# stderr catches any leak), IPv6 loopback, the warning off loopback, a port in use.
. "$SRCDIR/tests/tools/testlib.sh"
. "$SRCDIR/tests/http/lib/serve-lib.sh"

# --- options
"$IPCSCOPE" serve --help | grep -q "127.0.0.1:9412" || fail "--help does not name the default 127.0.0.1:9412"
for bad in "--interval 0" "--interval x" "--listen 1.2.3.4.5:80" "--listen ::1:80" "--listen 127.0.0.1:70000" \
    "--threads 0" "--timeout 0" "--older-than soon" "extra"; do
    # shellcheck disable=SC2086
    "$IPCSCOPE" serve $bad >/dev/null 2>&1
    [ $? = 2 ] || fail "serve $bad did not exit 2"
done

# A queue the test pokes: made by ipcmk, one message sent with msgsnd(2) through ctypes.
msgsnd() {
    py - "$1" <<'PY'
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
class Msg(ctypes.Structure):
    _fields_ = [("mtype", ctypes.c_long), ("mtext", ctypes.c_char * 16)]
m = Msg(1, b"hello")
if libc.msgsnd(int(sys.argv[1]), ctypes.byref(m), 5, 0) != 0:
    sys.exit("msgsnd: errno %d" % ctypes.get_errno())
PY
}
identity_of_queue() {
    get /api/v1/objects?kind=sysv-msg >/dev/null
    pyjson "$T/body" "next(o['identity'] for o in d['objects'] if o['id'] == $1)"
}
# wait_event FIELD IDENTITY: until an event in $T/events lists IDENTITY under FIELD.
wait_event() {
    for _ in $(seq 100); do
        py - "$T/events" "$1" "$2" <<'PY' && return 0
import json, sys
evs = [json.loads(l[6:]) for l in open(sys.argv[1]) if l.startswith("data: {")]
sys.exit(0 if any(sys.argv[3] in e.get(sys.argv[2], []) for e in evs) else 1)
PY
        sleep 0.1
    done
    cat "$T/events" >&2
    fail "no event with $2 in $1"
}

start_server --interval 3600
curl -sN "$BASE/api/v1/events" >"$T/events" &
SSE=$!
curl -sN "$BASE/api/v1/events" >"$T/events2" &
SSE2=$!
for _ in $(seq 100); do grep -q '^retry:' "$T/events" 2>/dev/null && break; sleep 0.05; done
grep -q '^retry:' "$T/events" || fail "event stream did not start"
seq0=$(server_seq)

ipcmk -Q >"$T/q" || fail "ipcmk -Q"
QID=$(sed -n 's/.*id: //p' "$T/q")
rescan
ID=$(identity_of_queue "$QID")
wait_event appeared "$ID"
msgsnd "$QID" || fail "msgsnd"
rescan
wait_event changed "$ID"
get "/api/v1/objects/$ID" >/dev/null
[ "$(pyjson "$T/body" 'd["objects"][0]["messages"]')" = 1 ] || fail "the served queue does not hold the message"
ipcrm -q "$QID"
rescan
wait_event vanished "$ID"
seq3=$(server_seq)
[ "$seq3" = $((seq0 + 3)) ] || fail "three SIGHUPs gave $((seq3 - seq0)) scans"

# One message per snapshot, in order, with ids that count up; the second stream saw the same.
py - "$T/events" "$T/events2" "$seq0" "$seq3" <<'PY' || fail "events are not one per snapshot"
import sys
def ids(path):
    return [int(l[4:]) for l in open(path) if l.startswith("id: ")]
a, b = ids(sys.argv[1]), ids(sys.argv[2])
want = list(range(int(sys.argv[3]) + 1, int(sys.argv[4]) + 1))
assert a == want, f"ids {a}, expected {want}"
assert b == want, f"second stream ids {b}"
PY
grep -q '^event: snapshot$' "$T/events" || fail "events are not named 'snapshot'"

# Reconnecting with Last-Event-ID replays what was missed, at once.
curl -sN --max-time 2 -H "Last-Event-ID: $((seq3 - 2))" "$BASE/api/v1/events" >"$T/replay"
[ "$(grep -c '^id: ' "$T/replay")" = 2 ] || { cat "$T/replay"; fail "Last-Event-ID did not replay 2 events"; }

# SIGTERM with two streams open and requests in flight: exit 0, streams ended, fast.
for _ in $(seq 20); do curl -s -o /dev/null "$BASE/api/v1/objects" & done
t0=$(date +%s%N)
stop_server
t1=$(date +%s%N)
[ $(((t1 - t0) / 1000000)) -lt 5000 ] || fail "stopping took $(((t1 - t0) / 1000000)) ms"
wait "$SSE" "$SSE2" 2>/dev/null
wait

# SIGINT stops it just as well.
start_server --interval 0.2
curl -sN "$BASE/api/v1/events" >"$T/events3" &
sleep 1
kill -INT "$SERVER_PID"
wait "$SERVER_PID"
rc=$?
SERVER_PID=
[ "$rc" = 0 ] || fail "SIGINT: exit $rc"
grep -v '^ipcscope: ' "$T/serve.err" | grep -q . && { cat "$T/serve.err"; fail "stderr after SIGINT"; }
[ "$(grep -c '^id: ' "$T/events3")" -ge 2 ] || fail "--interval 0.2 gave no stream of events"
wait

# --- IPv6 loopback, and only there
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
    : >"$T/serve.out"; : >"$T/serve.err" # now: the child's redirections may come late
    "$IPCSCOPE" serve --listen '[::1]:0' --interval 3600 >"$T/serve.out" 2>"$T/serve.err" &
    SERVER_PID=$!
    for _ in $(seq 100); do grep -q serving "$T/serve.out" && break; sleep 0.05; done
    URL=$(sed -n 's/^ipcscope: serving \(http:.*\)$/\1/p' "$T/serve.out")
    case $URL in "http://[::1]:"*) ;; *) fail "IPv6 URL '$URL'" ;; esac
    code=$(curl -s -g -o /dev/null -w '%{http_code}' "${URL}healthz")
    [ "$code" = 200 ] || fail "GET over [::1]: $code"
    port=${URL##*:}
    port=${port%/}
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")
    [ "$code" = 000 ] || fail "[::1] server also answered on 127.0.0.1 ($code)"
    ! grep -q warning "$T/serve.err" || fail "warning for [::1]"
    stop_server
else
    echo "no IPv6 loopback here: [::1] not tested"
fi

# --- a non-loopback address warns (the socket lives for a moment only)
: >"$T/serve.out"; : >"$T/serve.err" # now: the child's redirections may come late
"$IPCSCOPE" serve --listen 0.0.0.0:0 --interval 3600 >"$T/serve.out" 2>"$T/serve.err" &
SERVER_PID=$!
for _ in $(seq 100); do grep -q serving "$T/serve.out" && break; sleep 0.05; done
grep -q "warning: listening on 0.0.0.0, which is not a loopback address" "$T/serve.err" ||
    fail "no warning for 0.0.0.0: $(cat "$T/serve.err")"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
SERVER_PID=

# --- a port in use is one clear line and exit 1
start_server --interval 3600
"$IPCSCOPE" serve --listen "127.0.0.1:${BASE##*:}" >/dev/null 2>"$T/err2"
[ $? = 1 ] || fail "a port in use did not exit 1"
grep -q "cannot listen: Address already in use" "$T/err2" || fail "port in use: $(cat "$T/err2")"
stop_server
echo "ok"
