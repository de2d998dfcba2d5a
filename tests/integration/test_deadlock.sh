#!/usr/bin/env bash
# test_deadlock.sh - cycles of the wait-for graph the kernel lets sleep forever: two
# processes each holding a flock the other waits for, and a process holding a flock while it
# reads a pipe whose only other writer waits for that flock. Both are found, with their
# processes and objects, in list (STATUS deadlock), list -J (deadlocks) and show; a process
# merely waiting for a lock (no cycle) is none. Private IPC, mount and pid namespaces.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; stop_gens; wait 2>/dev/null; rm -rf "$T"' EXIT

/usr/bin/python3 - "$T" <<'PY' &
import fcntl, os, sys, time
T = sys.argv[1]
def ready(name):
    open(os.path.join(T, name), "w").close()
def wait_for(name):
    while not os.path.exists(os.path.join(T, name)):
        time.sleep(0.01)
f1, f2, f3 = (os.path.join(T, n) for n in ("one", "two", "three"))
for f in (f1, f2, f3):
    open(f, "w").close()
# Cycle 1: A holds one and wants two, B holds two and wants one.
if os.fork() == 0:
    a = os.open(f1, os.O_RDWR); fcntl.flock(a, fcntl.LOCK_EX); ready("a1"); wait_for("b1")
    b = os.open(f2, os.O_RDWR); fcntl.flock(b, fcntl.LOCK_EX); os._exit(0)
if os.fork() == 0:
    wait_for("a1")
    b = os.open(f2, os.O_RDWR); fcntl.flock(b, fcntl.LOCK_EX); ready("b1")
    a = os.open(f1, os.O_RDWR); fcntl.flock(a, fcntl.LOCK_EX); os._exit(0)
# Cycle 2: C holds three and reads a pipe only D writes; D waits for three.
r, w = os.pipe()
if os.fork() == 0:
    os.close(w)
    c = os.open(f3, os.O_RDWR); fcntl.flock(c, fcntl.LOCK_EX); ready("c1")
    os.read(r, 1); os._exit(0)
if os.fork() == 0:
    os.close(r)
    wait_for("c1")
    d = os.open(f3, os.O_RDWR); fcntl.flock(d, fcntl.LOCK_EX); os._exit(0)
os.close(r); os.close(w)
time.sleep(120)
PY
# A lock with a waiter, no cycle.
start_gen "$T/gen.json" flock --hold 120 --fill 1

# Wait until the four are asleep in flock or read.
for _ in $(seq 200); do
    n=0
    for p in $(pgrep -f "python3 - $T" ); do
        s=$(awk '{print $3}' /proc/$p/stat 2>/dev/null)
        [ "$s" = S ] && grep -qE '^(73|0) ' /proc/$p/syscall 2>/dev/null && n=$((n + 1))
    done
    [ $n -ge 4 ] && break
    sleep 0.05
done
sleep 0.3
"$IPCSCOPE" list -J >"$T/list.json" || fail "list -J"
validate "$T/list.json"
py - "$T/list.json" "$T" <<'PY' || fail "deadlocks not found as they are"
import json, sys
d = json.load(open(sys.argv[1])); T = sys.argv[2]
cycles = d.get("deadlocks", [])
assert len(cycles) == 2, cycles
objs = {o["identity"]: o for o in d["objects"]}
def kinds(c):
    return sorted(objs[s["waits_on"]]["kind"] for s in c["cycle"])
got = sorted(tuple(kinds(c)) for c in cycles)
assert got == [("lock", "lock"), ("lock", "pipe")], got
for c in cycles:
    for s in c["cycle"]:
        o = objs[s["waits_on"]]
        assert "deadlock" in o.get("status", ""), o
        assert any(w["pid"] == s["pid"] for w in o.get("waiters", [])), (s, o.get("waiters"))
        if o["kind"] == "lock":
            assert o["name"].startswith(T), o["name"]
    assert len({s["pid"] for s in c["cycle"]}) == len(c["cycle"]) == 2, c
# The generator's waited lock is in no cycle.
gen = [o for o in d["objects"] if o["kind"] == "lock" and "flock-0" in o.get("name", "")]
assert gen and all("deadlock" not in o.get("status", "") for o in gen), gen
PY
"$IPCSCOPE" list -t lock,pipe -o KIND,STATUS,WAITERS >"$T/table" 2>"$T/err" || fail "list"
[ "$(grep -c deadlock "$T/table")" -ge 3 ] || fail "STATUS does not say deadlock: $(cat "$T/table")"
grep -q "deadlock:" "$T/err" || fail "list did not report the deadlocks: $(cat "$T/err")"
id=$(py -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["deadlocks"][0]["cycle"][0]["waits_on"])' "$T/list.json")
"$IPCSCOPE" show "$id" >"$T/show" || fail "show $id"
grep -q "DEADLOCK" "$T/show" || fail "show does not name the deadlock: $(cat "$T/show")"
# /metrics counts them, and the waiters per kind.
. "$SRCDIR/tests/http/lib/serve-lib.sh"
start_server --interval 3600
[ "$(get /metrics)" = 200 ] || fail "GET /metrics"
grep -qx 'ipcscope_deadlocks 2' "$T/body" || fail "metrics: $(grep deadlocks "$T/body")"
py - "$T/body" <<'PY' || fail "metrics: no lock waiters counted"
import re, sys
n = sum(float(m.group(1)) for m in re.finditer(r'^ipcscope_waiters\{kind="lock",[^}]*\} (\S+)$', open(sys.argv[1]).read(), re.M))
assert n >= 4, n
PY
stop_server
echo "ok: a flock cycle and a flock+pipe cycle found, a waited lock without a cycle is none"
