#!/usr/bin/env bash
# test_safety.sh - what rm and clean must never do. A SysV segment whose creator is a zombie
# (its parent does not reap it) is stale, and says why; rm of a POSIX object when not every
# process could be read is refused without --force, as clean refuses it; a family (a
# PostgreSQL-style SysV segment and its /dev/shm/PostgreSQL.* files) is removed whole by
# clean or kept whole, and rm will not take part of it; serve --older-than 0s is honoured.
# Private IPC, mount and pid namespaces.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
. "$SRCDIR/tests/http/lib/serve-lib.sh"
MNTNS=$(stat -Lc %i /proc/self/ns/mnt)
IPCNS=$(stat -Lc %i /proc/self/ns/ipc)

# --- a segment made by a process that exited and was never reaped
py - "$T" <<'PY' &
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
pid = os.fork()
if pid == 0:
    shmid = libc.shmget(0x5afe0001, 4096, 0o1600)  # IPC_CREAT | 0600
    open(sys.argv[1] + "/zombie", "w").write("%d %d\n" % (os.getpid(), shmid))
    os._exit(0)
time.sleep(60)  # never waits for the child: it stays a zombie
PY
PARENT=$!
for _ in $(seq 100); do [ -s "$T/zombie" ] && break; sleep 0.05; done
read -r ZPID SHMID <"$T/zombie"
for _ in $(seq 100); do [ "$(awk '{print $3}' /proc/$ZPID/stat 2>/dev/null)" = Z ] && break; sleep 0.05; done
[ "$(awk '{print $3}' /proc/$ZPID/stat)" = Z ] || fail "the creator $ZPID is no zombie"
"$IPCSCOPE" list -J -t sysv-shm >"$T/z.json" || fail "list"
validate "$T/z.json"
py - "$T/z.json" "$SHMID" "$ZPID" <<'PY' || fail "a zombie creator is shown alive"
import json, sys
o = [o for o in json.load(open(sys.argv[1]))["objects"] if o.get("id") == int(sys.argv[2])][0]
c = o["creator"]
assert c["pid"] == int(sys.argv[3]) and c["alive"] is False, c
PY
"$IPCSCOPE" clean -J --older-than 0s -t sysv-shm >"$T/zc.json" || fail "clean dry run"
validate "$T/zc.json"
py - "$T/zc.json" "$SHMID" <<'PY' || fail "a segment whose creator is a zombie is not a candidate"
import json, sys
i = [i for i in json.load(open(sys.argv[1]))["clean"]["items"] if i["object"].get("id") == int(sys.argv[2])]
assert i and i[0]["status"] == "candidate" and "zombie" in i[0]["evidence"], i
PY
"$IPCSCOPE" clean --yes --older-than 0s -t sysv-shm >"$T/out" 2>&1 || fail "clean --yes: $(cat "$T/out")"
seg() { ipcs -m | awk -v id="$1" '$2 == id' | grep -q .; } # does segment id exist?
seg "$SHMID" && fail "clean left the zombie's segment"
kill $PARENT; wait $PARENT 2>/dev/null

# --- rm when processes cannot be read: nobody cannot read root's processes here
head -c 100 /dev/zero >/dev/shm/unproven
chown nobody /dev/shm/unproven
setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCSCOPE" rm -J "posix-shm:$MNTNS:/unproven" \
    >"$T/rm.json" 2>/dev/null && fail "rm removed what it could not prove unused"
validate "$T/rm.json"
py - "$T/rm.json" <<'PY' || fail "rm did not say why it refused"
import json, sys
i = json.load(open(sys.argv[1]))["clean"]["items"][0]
assert i["status"] == "refused" and "cannot prove nobody holds it" in i["evidence"], i
PY
[ -e /dev/shm/unproven ] || fail "the file went"
setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCSCOPE" rm --force "posix-shm:$MNTNS:/unproven" \
    >"$T/out" 2>&1 || fail "rm --force: $(cat "$T/out")"
[ -e /dev/shm/unproven ] && fail "rm --force kept it"

# --- a family: the segment and the files of a PostgreSQL killed with -9
PGUID=$(id -u nobody)
py - "$PGUID" <<'PY' || fail "cannot make the family"
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
uid = int(sys.argv[1])
pid = os.fork()
if pid == 0:  # "the postmaster": makes its objects as uid, then dies
    os.setgid(65534); os.setuid(uid)
    libc.shmget(0x0052e2c1, 56, 0o1600)
    for n in ("PostgreSQL.1804289383", "PostgreSQL.846930886"):
        fd = os.open("/dev/shm/" + n, os.O_CREAT | os.O_RDWR, 0o600)
        os.ftruncate(fd, 8192); os.close(fd)
    os._exit(0)
os.waitpid(pid, 0)
PY
fam_status() { py -c 'import json,sys; print(" ".join(sorted(i["object"]["kind"]+"="+i["status"]+"/"+i.get("family","-") for i in json.load(open(sys.argv[1]))["clean"]["items"] if i["object"].get("owner",{}).get("uid")==int(sys.argv[2]))))' "$1" "$PGUID"; }
# One file still open (a backend that lives on): its family stays whole, and says why.
sleep 1.1
/usr/bin/python3 -c 'import os,sys,time; fd=os.open("/dev/shm/PostgreSQL.846930886", os.O_RDONLY); open(sys.argv[1],"w").close(); time.sleep(60)' "$T/held" &
HOLDER=$!
for _ in $(seq 100); do [ -e "$T/held" ] && break; sleep 0.05; done
"$IPCSCOPE" clean -J --older-than 0s >"$T/f1.json" || fail "clean dry run"
validate "$T/f1.json"
st=$(fam_status "$T/f1.json")
[ "$st" = "posix-shm=skipped/postgresql:uid=$PGUID sysv-shm=skipped/postgresql:uid=$PGUID" ] ||
    fail "half of a family proposed, or the family not shown: $st"
grep -q "family postgresql:uid=$PGUID is kept whole" "$T/f1.json" || fail "clean did not say why"
"$IPCSCOPE" clean --yes --older-than 0s >"$T/out" 2>&1 || fail "clean --yes: $(cat "$T/out")"
[ "$(ls /dev/shm | grep -c PostgreSQL)" = 2 ] || fail "clean --yes split the family"
# rm of the segment alone is refused: it would strand the files.
key=0x0052e2c1
shm=$(ipcs -m | awk -v k=$key '$1 == k {print $2}')
"$IPCSCOPE" rm "sysv-shm:$IPCNS:$shm" >"$T/out" 2>&1 && fail "rm split a family"
grep -q "part of family postgresql" "$T/out" || fail "rm did not say why: $(cat "$T/out")"
seg "$shm" || fail "the segment went"
# Once every member is stale, clean removes all of them at once.
kill $HOLDER; wait $HOLDER 2>/dev/null
"$IPCSCOPE" clean -J --yes --older-than 0s >"$T/f2.json" || fail "clean --yes"
st=$(fam_status "$T/f2.json")
[ "$st" = "posix-shm=removed/postgresql:uid=$PGUID posix-shm=removed/postgresql:uid=$PGUID sysv-shm=removed/postgresql:uid=$PGUID" ] ||
    fail "the family was not removed whole: $st"
ls /dev/shm | grep -q PostgreSQL && fail "files left"

# --- a queue a process is blocked on (msgrcv) is in use: rm refuses it, naming the waiter,
# and clean never proposes it
start_gen "$T/blocked.json" sysv-msg --hold 60 --block receive
qid=$(gen_field "$T/blocked.json" 'o["id"]')
for _ in $(seq 100); do
    "$IPCSCOPE" list -J -t sysv-msg | py -c 'import json,sys; sys.exit(0 if any(o.get("waiters") for o in json.load(sys.stdin)["objects"]) else 1)' && break
    sleep 0.05
done
"$IPCSCOPE" rm "sysv-msg:$IPCNS:$qid" >"$T/out" 2>&1 && fail "rm removed a queue a process waits on"
grep -q "waited on by" "$T/out" || fail "rm did not name the waiter: $(cat "$T/out")"
"$IPCSCOPE" clean -J --older-than 0s -t sysv-msg >"$T/cw.json" || fail "clean"
py - "$T/cw.json" "$qid" <<'PY' || fail "clean proposed a waited-on queue"
import json, sys
assert not [i for i in json.load(open(sys.argv[1]))["clean"]["items"] if i["object"].get("id") == int(sys.argv[2])]
PY
stop_gens

# --- serve --older-than 0s: an object idle for a second is stale on the API
ipcmk -Q >/dev/null
sleep 1.1
start_server --interval 3600 --older-than 0s
[ "$(get /api/v1/stale)" = 200 ] || fail "GET /api/v1/stale"
py - "$T/body" <<'PY' || fail "serve --older-than 0s was not honoured"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["older_than"] == 0, d["older_than"]
assert any(s["kind"] == "sysv-msg" for s in d["stale"]), d["stale"]
PY
stop_server
echo "ok: zombie creators, unproven holders, families whole, serve --older-than 0s"
