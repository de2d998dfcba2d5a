#!/usr/bin/env bash
# rm: refuses objects in use and names who holds them; --force removes them; unknown ids,
# names and kinds get one clear line and the documented exit status.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
T=$(mktemp -d)
trap 'stop_gens; rm -rf "$T"' EXIT

start_gen "$T/shm.json" sysv-shm --hold 60
start_gen "$T/pshm.json" posix-shm --hold 60
shmid=$(gen_field "$T/shm.json" 'o["id"]')
pname=$(gen_field "$T/pshm.json" 'o["name"]')

# In use: refused, exit 1, the holder named.
"$IPCSCOPE" rm sysv-shm "$shmid" >"$T/out" 2>&1 && fail "rm removed an attached segment"
grep -q "refused" "$T/out" || fail "no refusal: $(cat "$T/out")"
grep -Eq "attached [0-9]+ times" "$T/out" && grep -q "mapped by" "$T/out" || fail "holders not named: $(cat "$T/out")"
"$IPCSTAT" shm "$shmid" >/dev/null || fail "the segment is gone after a refusal"

"$IPCSCOPE" rm "posix-shm" "$pname" -J >"$T/out.json" && fail "rm removed an open POSIX shm"
validate "$T/out.json"
py - "$T/out.json" <<'PY' || fail "refusal does not name the holders"
import json, sys
it = json.load(open(sys.argv[1]))["clean"]["items"][0]
assert it["status"] == "refused", it
assert "held by" in it["evidence"] or "mapped by" in it["evidence"], it
PY
[ -e "/dev/shm${pname}" ] || fail "the POSIX object is gone after a refusal"

# --force removes them; exit 0.
"$IPCSCOPE" rm --force sysv-shm "$shmid" >"$T/out" 2>&1 || fail "rm --force: $(cat "$T/out")"
grep -q "removed" "$T/out" || fail "not reported removed"
"$IPCSTAT" shm "$shmid" >/dev/null 2>&1 && ! "$IPCSCOPE" show sysv-shm "$shmid" -J | grep -q '"status": "dest' &&
    fail "segment neither gone nor marked for destruction"
ident=$("$IPCSCOPE" list -J -t posix-shm | py -c 'import json,sys; print([o["identity"] for o in json.load(sys.stdin)["objects"] if o["name"]==sys.argv[1]][0])' "$pname")
"$IPCSCOPE" rm --force "$ident" >"$T/out" 2>&1 || fail "rm --force IDENTITY: $(cat "$T/out")"
[ -e "/dev/shm${pname}" ] && fail "POSIX shm still there after rm --force"

# Unused objects go without --force, by key too.
qid=$(ipcmk -Q -p 0600 | awk '{print $NF}')
k=$("$IPCSCOPE" list -J -t sysv-msg | py -c 'import json,sys; print([o["key"] for o in json.load(sys.stdin)["objects"] if o["id"]==int(sys.argv[1])][0])' "$qid")
"$IPCSCOPE" rm sysv-msg "$k" >"$T/out" 2>&1 || fail "rm by key: $(cat "$T/out")"
"$IPCSTAT" msg "$qid" >/dev/null 2>&1 && fail "queue still there after rm by key"

# Errors: one line each, exit 1 for what does not exist, 2 for usage.
"$IPCSCOPE" rm sysv-msg 999999 >"$T/out" 2>&1; rc=$?
[ $rc = 1 ] || fail "unknown id: exit $rc"
grep -q "no sysv-msg object '999999'" "$T/out" || fail "unknown id message: $(cat "$T/out")"
"$IPCSCOPE" rm posix-mq /nonexistent >"$T/out" 2>&1; [ $? = 1 ] || fail "unknown name: exit"
"$IPCSCOPE" rm nokind 1 >"$T/out" 2>&1; [ $? = 2 ] || fail "unknown kind: exit"
grep -q "unknown kind 'nokind'" "$T/out" || fail "unknown kind message"
"$IPCSCOPE" rm pipe 12345 >"$T/out" 2>&1; [ $? = 1 ] || fail "pipe: exit"
grep -q "cannot be removed" "$T/out" || fail "pipe message: $(cat "$T/out")"
"$IPCSCOPE" rm >"$T/out" 2>&1; [ $? = 2 ] || fail "no args: exit"
[ "$(wc -l <"$T/out")" = 1 ] || fail "usage error is not one line"
echo "ok: rm refuses, forces and reports"
