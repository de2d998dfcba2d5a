#!/usr/bin/env bash
# SysV details in parallel (collectors/parallel.c): the semctl and msgctl calls for a few
# thousand ids, spread over worker threads, give the same objects, in the kernel's order, as
# one thread (IPCSCOPE_SCAN_THREADS=1); inside another IPC namespace too, where the workers
# are made by the thread that entered it with setns and must be inside it as well (its queues
# have another capacity and its sets another size and other values than the outer ones, so a
# worker asking the wrong namespace would be seen); and ids removed between the table read and
# the detail calls (IPCSCOPE_TEST_HOOK_SYSV_DETAILS) are dropped, not listed half-read.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
T=$(mktemp -d)
[ -n "${KEEP_T:-}" ] && echo "T=$T" >&2
INNER=
cleanup() {
    stop_gens
    [ -n "$INNER" ] && kill -TERM "$INNER" 2>/dev/null && wait "$INNER" 2>/dev/null
    [ -n "${KEEP_T:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

# The outer namespace (the test's own, private): queues, sets holding values 7, 8, 9, and
# segments. Some queues are removed and their slots given to new ones with higher ids
# (msg_next_id), so that the kernel's order (by slot) is not the order of the ids.
"$IPCSCOPE" gen sysv-msg --count 1000 --messages 1 --leak >/dev/null || fail "gen sysv-msg"
gone=$(awk 'NR > 1 && NR % 7 == 0 { print $2 }' /proc/sysvipc/msg)
"$IPCSCOPE" ipcrm $(printf -- '-q %s ' $gone) || fail "ipcrm of some queues"
for id in $(echo "$gone" | head -20); do
    echo $((3 * 32768 + id % 32768)) >/proc/sys/kernel/msg_next_id
    "$IPCSCOPE" gen sysv-msg --count 1 --messages 2 --leak >/dev/null || fail "gen sysv-msg in slot $id"
done
"$IPCSCOPE" gen sysv-msg --count 200 --messages 2 --leak >/dev/null || fail "gen sysv-msg again"
"$IPCSCOPE" gen sysv-shm --count 100 --size 64 --leak >/dev/null || fail "gen sysv-shm"
start_gen "$T/sem.json" sysv-sem --count 1000 --fill 7 --hold 600

# The inner namespace: queues made under another msgmnb (their capacity), sets of 5 holding
# 40 .. 44. Its last process, the generator of the sets, keeps it alive.
unshare --ipc bash -c 'echo 12345 >/proc/sys/kernel/msgmnb &&
    "$0" gen sysv-msg --count 800 --messages 1 --leak >/dev/null &&
    exec "$0" gen sysv-sem --count 800 --nsems 5 --fill 40 --hold 600 -J' "$IPCSCOPE" \
    >"$T/inner.json" 2>"$T/inner.err" &
INNER=$!
for _ in $(seq 600); do
    py -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/inner.json" 2>/dev/null && break
    kill -0 "$INNER" 2>/dev/null || break
    sleep 0.05
done
py -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/inner.json" 2>/dev/null ||
    { cat "$T/inner.err" >&2; fail "the inner namespace's generators did not report"; }
inner_ns=$(stat -L -c %i "/proc/$INNER/ns/ipc")
outer_ns=$(stat -L -c %i /proc/self/ns/ipc)
[ "$inner_ns" != "$outer_ns" ] || fail "unshare --ipc made no namespace"
# The kernel's tables of both namespaces, as the scans must find them.
tables() {
    for t in msg sem shm; do cp "/proc/sysvipc/$t" "$T/$1-outer.$t"; done
    for t in msg sem; do nsenter -t "$INNER" --ipc cat "/proc/sysvipc/$t" >"$T/$1-inner.$t"; done
}
tables before

# Four workers even on one CPU, then one; the table and ipcs outputs too, byte for byte.
for n in 4 1; do
    IPCSCOPE_SCAN_THREADS=$n "$IPCSCOPE" list -J -t sysv >"$T/list-$n.json" 2>"$T/list-$n.err" ||
        { cat "$T/list-$n.err" >&2; fail "list -J with $n threads"; }
    IPCSCOPE_SCAN_THREADS=$n "$IPCSCOPE" list -t sysv -o IDENTITY,KIND,ID,KEY,NS,SIZE,USED,MSGS,NSEMS,VALUE,STATUS \
        >"$T/table-$n.txt" 2>/dev/null || fail "list with $n threads"
    IPCSCOPE_SCAN_THREADS=$n "$IPCSCOPE" ipcs -a >"$T/ipcs-$n.txt" || fail "ipcs -a with $n threads"
done
validate "$T/list-4.json"
cmp -s "$T/table-4.txt" "$T/table-1.txt" || { diff "$T/table-4.txt" "$T/table-1.txt" | head >&2; fail "the table differs between 4 threads and 1"; }
cmp -s "$T/ipcs-4.txt" "$T/ipcs-1.txt" || fail "ipcs -a differs between 4 threads and 1"

# Threads were made: a table of about 1,000 ids gets at least two workers besides the
# scanning thread (one per 256 ids, at most the 4 asked), so two tables at least four.
if command -v strace >/dev/null; then
    IPCSCOPE_SCAN_THREADS=4 strace -f -qq -e trace=clone,clone3 -o "$T/clones" \
        "$IPCSCOPE" list -t sysv-msg,sysv-sem -N self >/dev/null 2>&1
    n=$(grep -c 'CLONE_THREAD' "$T/clones" || true)
    [ "$n" -ge 4 ] || fail "4 threads asked, $n threads made (4 workers at least expected)"
fi

py - "$T" "$outer_ns" "$inner_ns" <<'PY' || fail "parallel and one-thread scans"
import json, sys
T, outer, inner = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def table(name):
    rows = [l.split() for l in open(f"{T}/{name}")][1:]
    return [int(r[1]) for r in rows]
par = json.load(open(f"{T}/list-4.json"))["objects"]
one = json.load(open(f"{T}/list-1.json"))["objects"]
if par != one:
    a = next(i for i, (x, y) in enumerate(zip(par, one)) if x != y) if len(par) == len(one) else None
    sys.exit(f"objects differ: {len(par)} with 4 threads, {len(one)} with 1; first difference at {a}")
kinds = {"sysv-msg": "msg", "sysv-sem": "sem", "sysv-shm": "shm"}
for ns, where in ((outer, "outer"), (inner, "inner")):
    for kind, t in kinds.items():
        if where == "inner" and t == "shm":
            continue
        got = sorted(o["id"] for o in par if o["kind"] == kind and o["ns"] == ns)
        want = sorted(table(f"before-{where}.{t}"))
        if got != want:
            sys.exit(f"{where} {kind}: {len(got)} listed, the kernel has {len(want)}")
for o in par:
    if "partial" in o:
        sys.exit(f"{o['identity']} partial: {o['partial']}")
    if o["kind"] == "sysv-msg" and o["ns"] == inner and o["size"] != 12345:
        sys.exit(f"{o['identity']}: capacity {o['size']}, not the inner namespace's 12345")
    if o["kind"] == "sysv-msg" and o["ns"] == outer and o["size"] == 12345:
        sys.exit(f"{o['identity']}: the inner namespace's capacity in the outer one")
    if o["kind"] == "sysv-sem":
        want = [40, 41, 42, 43, 44] if o["ns"] == inner else [7, 8, 9]
        vals = [s["value"] for s in o["semaphores"]]
        if vals != want:
            sys.exit(f"{o['identity']}: values {vals}, expected {want}")
print(f"ok: {len(par)} objects alike with 4 threads and 1, both namespaces right")
PY
# ipcs prints the kernel's order, the slots', which is not the ids' here.
py - "$T" <<'PY' || fail "ipcs order"
import re, sys
T = sys.argv[1]
ids = [int(l.split()[1]) for l in open(f"{T}/ipcs-4.txt") if re.match(r"^0x[0-9a-f]+ +\d+ ", l)]
kernel = []
for t in ("msg", "shm", "sem"):
    kernel += [int(l.split()[1]) for l in list(open(f"{T}/before-outer.{t}"))[1:]]
if ids != kernel:
    sys.exit(f"ipcs -a lists {len(ids)} ids not in the kernel's order ({len(kernel)})")
if kernel[:1000] == sorted(kernel[:1000]):
    sys.exit("the queues' kernel order is their id order: the test proves nothing")
PY

# Ids removed after the table was read, before their detail calls: every third of each table,
# in whichever namespace the scan is reading (the hook runs in the scanning thread's).
cat >"$T/hook.sh" <<EOF
flag=-q; [ "\$IPCSCOPE_SYSV_TABLE" = sem ] && flag=-s
exec "$IPCSCOPE" ipcrm \$(awk -v f=\$flag 'NR > 1 && NR % 3 == 0 { printf "%s %s ", f, \$2 }' /proc/sysvipc/\$IPCSCOPE_SYSV_TABLE)
EOF
IPCSCOPE_SCAN_THREADS=4 IPCSCOPE_TEST_HOOK_SYSV_DETAILS="bash $T/hook.sh" \
    "$IPCSCOPE" list -J -t sysv-msg,sysv-sem >"$T/vanish.json" 2>"$T/vanish.err" ||
    { cat "$T/vanish.err" >&2; fail "list -J while ids vanish"; }
tables after
py - "$T" "$outer_ns" "$inner_ns" <<'PY' || fail "ids vanishing mid-scan"
import json, sys
T, outer, inner = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def table(name):
    return sorted(int(l.split()[1]) for l in list(open(f"{T}/{name}"))[1:])
doc = json.load(open(f"{T}/vanish.json"))
for o in doc["objects"]:
    if "partial" in o:
        sys.exit(f"{o['identity']} listed half-read: {o['partial']}")
for ns, where in ((outer, "outer"), (inner, "inner")):
    for kind, t in (("sysv-msg", "msg"), ("sysv-sem", "sem")):
        got = sorted(o["id"] for o in doc["objects"] if o["kind"] == kind and o["ns"] == ns)
        before, after = table(f"before-{where}.{t}"), table(f"after-{where}.{t}")
        if len(after) >= len(before) * 3 // 4:
            sys.exit(f"{where} {kind}: the hook removed nothing ({len(before)} -> {len(after)})")
        if got != after:
            sys.exit(f"{where} {kind}: {len(got)} listed, {len(after)} left in the kernel")
print(f"ok: {len(doc['objects'])} left after the removals mid-scan, none half-read")
PY
echo "ok: SysV details in parallel"
