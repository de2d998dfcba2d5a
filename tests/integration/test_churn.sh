#!/usr/bin/env bash
# Churn: 200 scans while children fork, make objects and exit (generator runs of pipes, FIFOs,
# socket pairs, unix and TCP connections and SysV segments, back to back). Processes and fds
# vanish under the scanner all the time; no scan may crash or fail, every document must stay
# valid, and a long-lived scanner (`serve`, which runs the same collectors once per scan) must
# hold as many fds after 200 scans as after its first: the fd count is read from outside,
# in /proc/PID/fd, so the measure does not disturb what it measures.
. "$SRCDIR/tests/tools/testlib.sh"
need_root "reading every process's fds"
T=$(mktemp -d)
CHURN=()
cleanup() {
    local p
    for p in "${CHURN[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${CHURN[@]}"; do wait "$p" 2>/dev/null; done
    [ -n "${SERVE:-}" ] && kill -TERM "$SERVE" 2>/dev/null && wait "$SERVE" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

# Two churners: short generator runs, each forking peers that make objects, talk and exit.
for mechs in pipe,fifo,socketpair,sysv-shm unix-stream,unix-dgram,tcp,popen; do
    ( while :; do "$IPCSCOPE" gen "$mechs" --count 3 --messages 10 >/dev/null 2>&1 || true; done ) &
    CHURN+=($!)
done

"$IPCSCOPE" serve -l 127.0.0.1:0 -i 0.1 >"$T/serve.out" 2>"$T/serve.err" &
SERVE=$!
addr=
for _ in $(seq 100); do
    addr=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/serve.err" "$T/serve.out" 2>/dev/null | head -1 | sed 's/^[^:]*:http/http/')
    [ -n "$addr" ] && break
    sleep 0.05
done
[ -n "$addr" ] || { cat "$T/serve.err"; fail "serve did not start"; }
seq_now() { curl -s --max-time 2 "$addr/healthz" | py -c 'import json,sys; print(json.load(sys.stdin)["seq"])'; }
# The fd count once the server is quiet (no request in flight): two equal readings in a row.
fds_now() {
    local a b
    for _ in $(seq 40); do
        a=$(ls "/proc/$SERVE/fd" | wc -l)
        sleep 0.05
        b=$(ls "/proc/$SERVE/fd" | wc -l)
        [ "$a" = "$b" ] && { echo "$a"; return; }
    done
    echo "$b"
}
for _ in $(seq 100); do
    start=$(seq_now) || fail "serve /healthz"
    [ "$start" -ge 1 ] && break
    sleep 0.05
done
before=$(fds_now)

# 200 scans by the command line meanwhile: every one must succeed with a valid document.
for i in $(seq 200); do
    "$IPCSCOPE" list -J >"$T/list.json" 2>"$T/list.err"
    rc=$?
    [ "$rc" = 0 ] || { cat "$T/list.err"; fail "scan $i: list -J exited $rc"; }
    [ $((i % 25)) = 0 ] && validate "$T/list.json"
    kill -HUP "$SERVE" 2>/dev/null || fail "serve died during the churn"
done

# And 200 scans in the server: SIGHUP asks for one at once.
for _ in $(seq 600); do
    now=$(seq_now) || fail "serve stopped answering"
    [ "$now" -ge $((start + 200)) ] && break
    kill -HUP "$SERVE"
    sleep 0.02
done
[ "$now" -ge $((start + 200)) ] || fail "serve made $((now - start)) scans, not 200"
for p in "${CHURN[@]}"; do kill -TERM "$p" 2>/dev/null; done
after=$(fds_now)
kill -0 "$SERVE" || fail "serve crashed"
[ "$before" = "$after" ] || { ls -l "/proc/$SERVE/fd"; fail "serve held $before fds after its first scan and $after after $((now - start)) more"; }
echo "ok: 200 CLI scans and $((now - start)) server scans under churn; serve holds $after fds before and after"
