#!/usr/bin/env bash
# Waiters: for each wait the generators can make (gen --block), a peer really asleep in it
# (its syscall file names the call and its wchan is a kernel function before anything is
# read), then `list -J` shows it as a waiter of the right object with the right what,
# semaphore number and operation, msgtyp and fd; `show` prints it under WAITERS; the
# WAITERS column names it. In private IPC, mount and pid namespaces, so every object and
# process seen is this test's. Runs on whatever architecture the build is for.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
T=$(mktemp -d)
trap 'stop_gens; rm -rf "$T"' EXIT

# name|gen arguments|what|python condition on the waiter w (and the gen document d)
cases=(
    "msgrcv|sysv-msg --block receive|receive|w['msgtyp'] == 4 and 'fd' not in w"
    "msgsnd|sysv-msg --block send --fill 0|send|'msgtyp' not in w"
    "semdec|sysv-sem --block decrement|decrement|w['semnum'] == 2 and w['semop'] == -4"
    "semzero|sysv-sem --block zero|zero|w['semnum'] == 2 and w['semop'] == 0"
    "mqrecv|posix-mq --block receive --fill 0|receive|w['syscall'] == 'mq_timedreceive' and w['fd'] >= 0"
    "piperead|pipe --block read --fill 0|read|w['fd'] >= 0 and not w['several']"
    "pipewrite|pipe --block write --fill 10|write|w['fd'] >= 0"
    "pipepoll|pipe --count 2 --block poll --fill 0|poll|w['several']"
    "fiforead|fifo --block read --fill 0|read|w['fd'] >= 0"
    "semwait|posix-sem --block wait --fill 0|futex|w['syscall'] == 'futex' and w['address'].startswith('0x')"
)

for c in "${cases[@]}"; do
    IFS='|' read -r name args _ _ <<<"$c"
    # shellcheck disable=SC2086
    start_gen "$T/$name.json" $args --hold 60
done

# The blocker of each, and proof that it sleeps in a system call before anything is read.
blocker() {
    py -c 'import json,sys; d=json.load(open(sys.argv[1])); print([h["pid"] for o in d["mechanisms"][0]["objects"] for h in o["holders"] if h["role"] == "blocker"][0])' "$1"
}
for c in "${cases[@]}"; do
    IFS='|' read -r name _ _ _ <<<"$c"
    pid=$(blocker "$T/$name.json") || fail "$name: no blocker in gen's document"
    echo "$pid" >"$T/$name.pid"
    for _ in $(seq 100); do
        read -r nr _ <"/proc/$pid/syscall" || fail "$name: no /proc/$pid/syscall"
        wchan=$(cat "/proc/$pid/wchan")
        state=$(awk '{ print $3 }' "/proc/$pid/stat")
        [ "$nr" != running ] && [ "$nr" != -1 ] && [ "$wchan" != 0 ] && [ "$state" = S ] && break
        sleep 0.05
    done
    [ "$state" = S ] || fail "$name: blocker $pid does not sleep (syscall $nr, wchan $wchan)"
done

"$IPCSCOPE" list -J >"$T/list.json" 2>"$T/list.err" || fail "list -J: $(cat "$T/list.err")"
validate "$T/list.json"
"$IPCSCOPE" list -o KIND,IDENTITY,NWAITERS,WAITERS >"$T/list.txt" 2>&1 || fail "list -o WAITERS"

for c in "${cases[@]}"; do
    IFS='|' read -r name _ what cond <<<"$c"
    pid=$(cat "$T/$name.pid")
    # The object of gen's document in list -J, and its waiter.
    py - "$T/list.json" "$T/$name.json" "$pid" "$what" "$cond" >"$T/$name.ids" <<'PY' || fail "$name: waiter $pid not as expected"
import json, sys
objs = json.load(open(sys.argv[1]))["objects"]
d = json.load(open(sys.argv[2]))
pid, what, cond = int(sys.argv[3]), sys.argv[4], sys.argv[5]
for g in d["mechanisms"][0]["objects"]:
    if not any(h["role"] == "blocker" for h in g["holders"]):
        continue
    if g["kind"].startswith("sysv-"):
        hit = [o for o in objs if o["kind"] == g["kind"] and o.get("id") == g["id"]]
    elif g["kind"].startswith("posix-"):
        hit = [o for o in objs if o["kind"] == g["kind"] and o.get("name") == g["name"]]
    else:
        hit = [o for o in objs if o["kind"] == g["kind"] and o.get("inode") == g["inode"]]
    if len(hit) != 1:
        sys.exit("gen object %s: %d matches in list -J" % (g, len(hit)))
    o = hit[0]
    ws = [w for w in o.get("waiters", []) if w["pid"] == pid]
    if len(ws) != 1:
        sys.exit("%s: waiters %s, expected pid %d" % (o["identity"], o.get("waiters"), pid))
    w = ws[0]
    if w["what"] != what or w["tid"] != pid or w["state"] != "S" or not eval(cond):
        sys.exit("%s: waiter %s, expected %s and %s" % (o["identity"], w, what, cond))
    print(o["identity"])
PY
    [ -s "$T/$name.ids" ] || fail "$name: no object with a blocker"
    while read -r id; do
        "$IPCSCOPE" show "$id" >"$T/$name.show" 2>&1 || fail "$name: show $id: $(cat "$T/$name.show")"
        grep -q '^WAITERS$' "$T/$name.show" || fail "$name: show $id has no WAITERS: $(cat "$T/$name.show")"
        grep -Eq "^ *$pid +$pid +[^ ]+ +$what " "$T/$name.show" ||
            fail "$name: show $id does not list $pid waiting ($what): $(cat "$T/$name.show")"
        grep -F "$id " "$T/list.txt" | grep -q "$pid/[^ ]*:$what" ||
            fail "$name: WAITERS column of $id lacks $pid:$what: $(grep -F "$id " "$T/list.txt")"
    done <"$T/$name.ids"
done
# poll on two pipes: one waiter on each.
[ "$(wc -l <"$T/pipepoll.ids")" = 2 ] || fail "poll: waiter on $(wc -l <"$T/pipepoll.ids") pipes, expected 2"
echo "ok: ${#cases[@]} waits, each joined to its object"
