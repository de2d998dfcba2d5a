#!/usr/bin/env bash
# Every generator under --hold: its objects exist in the kernel (/proc/sysvipc, /dev/mqueue,
# /dev/shm, the paths it printed) and each printed holder holds them (/proc/PID/fd with the
# right inode and access mode, or /proc/PID/maps); then nothing of it remains after SIGTERM
# mid-hold (exit 143), after one of its peers is killed with SIGKILL (exit 1), after
# SIGINT, after a second SIGTERM (the handler's own cleanup) and after a normal end.
. "$SRCDIR/tests/tools/testlib.sh"
T=$(mktemp -d)
trap 'stop_gens; rm -rf "$T"' EXIT
check() { py "$SRCDIR/tests/integration/gen_objects.py" "$@"; }

mechs=$("$IPCSCOPE" gen --list | awk '{print $1}')
[ "$(wc -w <<<"$mechs")" -ge 19 ] || fail "gen --list names $(wc -w <<<"$mechs") mechanisms"

# wait_exit PID SECONDS: the exit status of a background generator that must end by itself.
wait_exit() {
    local pid=$1 t
    for t in $(seq $(($2 * 20))); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; fail "generator $pid did not end within $2 s"; }
    wait "$pid"
}

# A peer of the document: any holder that is not the generator itself.
peer_of() {
    py -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(next(h["pid"] for m in d["mechanisms"] for o in m["objects"] for h in o["holders"] if h["pid"] != d["pid"]))' "$1"
}

for m in $mechs; do
    # SIGTERM while holding.
    start_gen "$T/$m.json" "$m" --hold 60
    pid=${GEN_PIDS[-1]}
    check present "$T/$m.json" || fail "$m: objects not as printed"
    kill -TERM "$pid"
    wait_exit "$pid" 10
    rc=$?
    [ $rc = 143 ] || fail "$m: exit $rc after SIGTERM, expected 143: $(cat "$T/$m.json.err")"
    check gone "$T/$m.json" || fail "$m: left behind after SIGTERM"
    grep -q "everything removed" "$T/$m.json.err" || fail "$m: no word on stderr after SIGTERM"

    # A peer killed with SIGKILL: the generator notices, removes everything, exits 1.
    start_gen "$T/$m-kill.json" "$m" --hold 60
    pid=${GEN_PIDS[-1]}
    victim=$(peer_of "$T/$m-kill.json") || fail "$m: no peer to kill"
    kill -KILL "$victim"
    wait_exit "$pid" 10
    rc=$?
    [ $rc = 1 ] || fail "$m: exit $rc after its peer $victim was killed, expected 1"
    grep -Eq "peer|cat|closed|gone" "$T/$m-kill.json.err" ||
        fail "$m: the dead peer is not named: $(cat "$T/$m-kill.json.err")"
    check gone "$T/$m-kill.json" || fail "$m: left behind after its peer was killed"
    GEN_PIDS=()
done

# Everything at once, ended by SIGINT.
start_gen "$T/all.json" all --hold 60
pid=${GEN_PIDS[-1]}
check present "$T/all.json" || fail "all: objects not as printed"
kill -INT "$pid"
wait_exit "$pid" 15
rc=$?
[ $rc = 130 ] || fail "all: exit $rc after SIGINT, expected 130"
check gone "$T/all.json" || fail "all: left behind after SIGINT"

# A second SIGTERM right after the first: the handler removes everything itself.
start_gen "$T/twice.json" sysv-msg posix-mq posix-shm fifo unix-stream --hold 60
pid=${GEN_PIDS[-1]}
kill -TERM "$pid"; kill -TERM "$pid"
wait_exit "$pid" 10
rc=$?
[ $rc = 143 ] || fail "twice: exit $rc after two SIGTERMs, expected 143"
sleep 0.3   # peers killed by the handler are reaped by it; give init a moment for orphans
check gone "$T/twice.json" || fail "twice: left behind after two SIGTERMs"

# The normal end of a hold, with the slow traffic running meanwhile.
start_gen "$T/end.json" pipe sysv-msg posix-mq sysv-shm posix-sem signal socketpair udp --hold 2
pid=${GEN_PIDS[-1]}
wait_exit "$pid" 15 || fail "end: exit $? after --hold 2: $(cat "$T/end.json.err")"
check gone "$T/end.json" || fail "end: left behind after the hold ended"
GEN_PIDS=()
echo "ok: $(wc -w <<<"$mechs") mechanisms held, checked and removed"
