#!/usr/bin/env bash
# test_hostile_files.sh - what any local user can put in /dev/shm and in a directory of
# their own, aimed at a root ipcscope: names that are no UTF-8 (they must still show in the
# JSON, exactly), semaphore and shm files that shrink while being read (never a SIGBUS),
# and a restore whose FIFO or semaphore is swapped for a symlink to a root-owned file right
# after it is made (that file must keep its owner). Private IPC, mount and pid namespaces.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
T=$(mktemp -d)
FLIPPER=
cleanup() { [ -n "$FLIPPER" ] && kill "$FLIPPER" 2>/dev/null; stop_gens; rm -rf "$T"; }
trap cleanup EXIT
MNTNS=$(stat -Lc %i /proc/self/ns/mnt)

# A command that died of a signal exits with 128+N; SIGBUS is 7.
ran() { "$@"; local rc=$?; [ $rc -lt 128 ] || fail "$* died of signal $((rc - 128))"; return $rc; }

# --- names that are no valid UTF-8: listed with text and exact bytes, holder too
/usr/bin/python3 - "$T" <<'PY' &
import ctypes, os, sys, time
fd = os.open(b'/dev/shm/fz-\xff\xfe', os.O_CREAT | os.O_RDWR, 0o600)
os.ftruncate(fd, 8192)
ctypes.CDLL(None).prctl(15, b'fz\xff\xfehold', 0, 0, 0)   # PR_SET_NAME
open(sys.argv[1] + '/ready', 'w').close()
time.sleep(60)
PY
HOLDER=$!
GEN_PIDS+=("$HOLDER")
for _ in $(seq 100); do [ -e "$T/ready" ] && break; sleep 0.05; done
ran "$IPCSCOPE" list -J -t posix-shm >"$T/names.json" || fail "list -J with a hostile name"
validate "$T/names.json"
py - "$T/names.json" "$HOLDER" <<'PY' || fail "hostile name or holder missing from the JSON"
import json, sys
d = json.load(open(sys.argv[1])); pid = int(sys.argv[2])
o = [o for o in d["objects"] if o.get("name_raw") == b'/fz-\xff\xfe'.hex()]
assert len(o) == 1, d["objects"]
o = o[0]
assert o["name"] == "/fz-\ufffd\ufffd", o["name"]
assert bytes.fromhex(o["identity_raw"]).endswith(b':/fz-\xff\xfe'), o
assert o["size"] == 8192, o
h = [h for h in o["holders"] if h["pid"] == pid]
assert h and h[0]["comm"] == "fz\ufffd\ufffdhold" and bytes.fromhex(h[0]["comm_raw"]) == b'fz\xff\xfehold', o["holders"]
PY
"$IPCSCOPE" list -t posix-shm | grep -q "$HOLDER/fz" || fail "the table lost the holder"
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null

# A stale object with such a name backs up and restores to the same bytes.
name=$'/fz-\xff\xfe'
"$IPCSCOPE" rm -J --backup "$T/bk-name" "posix-shm:$MNTNS:$name" >"$T/rm.json" ||
    fail "rm --backup of a hostile name: $(cat "$T/rm.json")"
validate "$T/rm.json"
[ ! -e "/dev/shm/${name#/}" ] || fail "rm left the file"
"$IPCSCOPE" restore "$T/bk-name" >"$T/out" 2>&1 || fail "restore of a hostile name: $(cat "$T/out")"
[ "$(stat -c %s "/dev/shm/${name#/}")" = 8192 ] || fail "restored under another name: $(ls /dev/shm | od -c)"
rm -f "/dev/shm/${name#/}"

# --- a semaphore file too short for a sem_t: rm --backup fails cleanly, keeps it
: >/dev/shm/sem.short
ran "$IPCSCOPE" rm --backup "$T/bk-short" "posix-sem:$MNTNS:/short" >"$T/out" 2>&1 &&
    fail "a backup of an empty semaphore file succeeded: $(cat "$T/out")"
[ -e /dev/shm/sem.short ] || fail "the semaphore went though its backup failed"
rm -f /dev/shm/sem.short

# --- a shm file swapped for a FIFO right before rm re-reads it: refused, never a hang
head -c 4096 /dev/zero >/dev/shm/swap
chown nobody /dev/shm/swap
IPCSCOPE_TEST_HOOK_BEFORE_REMOVE="rm -f /dev/shm/swap; mkfifo /dev/shm/swap" \
    ran timeout 20 "$IPCSCOPE" rm "posix-shm:$MNTNS:/swap" >"$T/out" 2>&1
rc=$?
[ $rc != 124 ] || fail "rm hung on a shm file swapped for a FIFO"
[ $rc != 0 ] || fail "rm removed a FIFO that took a shm object's name: $(cat "$T/out")"
[ -p /dev/shm/swap ] || fail "the FIFO went"
rm -f /dev/shm/swap

# --- files that flip between full size and empty under 300 scans and 40 backups
/usr/bin/python3 - <<'PY' &
import os, time
os.close(os.open('/dev/shm/sem.flip', os.O_CREAT | os.O_RDWR, 0o644))
os.close(os.open('/dev/shm/flip', os.O_CREAT | os.O_RDWR, 0o644))
end = time.time() + 120
while time.time() < end:
    for f, n in (('/dev/shm/sem.flip', 32), ('/dev/shm/flip', 1 << 20)):
        try:
            os.truncate(f, n); os.truncate(f, 0)
        except FileNotFoundError:
            os.close(os.open(f, os.O_CREAT | os.O_RDWR, 0o644))
PY
FLIPPER=$!
sleep 0.2
for i in $(seq 300); do
    ran "$IPCSCOPE" list -J -t posix-sem,posix-shm >"$T/flip.json" 2>"$T/flip.err" || fail "scan $i failed: $(cat "$T/flip.err")"
done
validate "$T/flip.json"
kept=0 saved=0
for i in $(seq 20); do
    for obj in "posix-sem:$MNTNS:/flip" "posix-shm:$MNTNS:/flip"; do
        if ran "$IPCSCOPE" rm --backup "$T/bk-flip-$i" "$obj" >"$T/out" 2>&1; then
            saved=$((saved + 1))
        else
            kept=$((kept + 1))
        fi
    done
done
kill "$FLIPPER"; wait "$FLIPPER" 2>/dev/null; FLIPPER=
# A backup that succeeded holds exactly the bytes its meta.json says.
py - "$T" <<'PY' || fail "a backup of a flipping file is inconsistent"
import glob, json, os, sys
for m in glob.glob(sys.argv[1] + '/bk-flip-*/*/meta.json'):
    r = json.load(open(m))["restore"]
    if "size" in r:
        assert os.path.getsize(os.path.dirname(m) + '/data.bin') == r["size"], m
PY
echo "flip: 300 scans, $saved backups made, $kept refused, no signal"
rm -f /dev/shm/sem.flip /dev/shm/flip

# --- files swapped for FIFOs, symlinks and directories, and growing, under 100 scans, clean
# dry runs and clean --yes: no hang, no crash, every document valid.
/usr/bin/python3 - <<'PY' &
import os, time
end = time.time() + 120
names = ["/dev/shm/swap%d" % i for i in range(4)] + ["/dev/shm/sem.swap%d" % i for i in range(4)]
i = 0
while time.time() < end:
    for n in names:
        try:
            if os.path.islink(n) or os.path.isfile(n) or os.path.exists(n) and not os.path.isdir(n):
                os.unlink(n)
            elif os.path.isdir(n):
                os.rmdir(n)
            k = i % 4
            if k == 0:
                os.mkfifo(n)
            elif k == 1:
                os.symlink("/etc/passwd", n)
            elif k == 2:
                os.mkdir(n)
            else:
                fd = os.open(n, os.O_CREAT | os.O_WRONLY, 0o644)
                os.write(fd, b"x" * (4096 * (i % 7 + 1))); os.close(fd)
        except OSError:
            pass
    i += 1
PY
FLIPPER=$!
sleep 0.2
for i in $(seq 100); do
    ran timeout 20 "$IPCSCOPE" list -J -t posix >"$T/swap.json" 2>/dev/null || fail "scan $i of swapped files failed or hung"
    validate "$T/swap.json"
    [ $((i % 10)) = 0 ] || continue
    ran timeout 20 "$IPCSCOPE" clean -J --older-than 0s -t posix >"$T/swapc.json" || fail "clean dry run $i"
    validate "$T/swapc.json"
    ran timeout 20 "$IPCSCOPE" clean -J --yes --older-than 0s -t posix >"$T/swapy.json"
    [ $? -le 1 ] || fail "clean --yes $i"
    validate "$T/swapy.json"
done
kill "$FLIPPER"; wait "$FLIPPER" 2>/dev/null; FLIPPER=
[ "$(head -1 /etc/passwd | cut -c1-4)" = root ] || fail "/etc/passwd changed"
rm -rf /dev/shm/swap* /dev/shm/sem.swap*

# --- a backup directory another user may write is not trusted; a FIFO for data.bin cannot
# hang restore
mkdir -m 0777 "$T/open-bk"
cp -r "$T/bk-name"/* "$T/open-bk/" 2>/dev/null || true
ran "$IPCSCOPE" restore "$T/open-bk" >"$T/out" 2>&1 && fail "restore trusted a world-writable directory"
grep -q "not trusted" "$T/out" || fail "restore did not say why: $(cat "$T/out")"
mkdir -p "$T/fifo-bk/obj"
chmod 0755 "$T/fifo-bk" "$T/fifo-bk/obj"
printf '{"schema":"ipcscope/1-backup","identity":"posix-shm:1:/fifo-data","kind":"posix-shm","saved":0,"restore":{"name":"/fifo-data","mode":420,"uid":0,"gid":0,"size":10}}' >"$T/fifo-bk/obj/meta.json"
mkfifo "$T/fifo-bk/obj/data.bin"
ran timeout 20 "$IPCSCOPE" restore "$T/fifo-bk" >"$T/out" 2>&1
rc=$?
[ $rc != 124 ] || fail "restore hung on a FIFO for data.bin"
[ $rc != 0 ] || fail "restore read a FIFO as data"
[ ! -e /dev/shm/fifo-data ] || fail "restore made an object from a FIFO"

# --- restore: the made FIFO or semaphore swapped for a symlink before it is owned
mkdir "$T/victims"
echo secret >"$T/victims/root-file"
chmod 0600 "$T/victims/root-file"
mkdir "$T/userdir"
chown nobody:nogroup "$T/userdir"
chmod 0755 "$T" "$T/victims"
backup_of() { # DIR KIND NAME: a backup as rm --backup writes it, of an object owned by nobody
    mkdir -p "$1/obj"
    py - "$1/obj/meta.json" "$2" "$3" <<'PY'
import json, sys, pwd
nobody = pwd.getpwnam("nobody")
r = {"name": sys.argv[3], "mode": 0o644, "uid": nobody.pw_uid, "gid": nobody.pw_gid}
if sys.argv[2] == "posix-sem":
    r["value"] = 1
json.dump({"schema": "ipcscope/1-backup", "identity": sys.argv[2] + ":1:" + sys.argv[3],
           "kind": sys.argv[2], "saved": 0, "restore": r}, open(sys.argv[1], "w"))
PY
}
backup_of "$T/bk-fifo" fifo "$T/userdir/pipe"
backup_of "$T/bk-sem" posix-sem /swapped
export IPCSCOPE_TEST_HOOK_RESTORE_MADE="rm -f \"\$IPCSCOPE_MADE\" /dev/shm/sem.swapped; ln -s '$T/victims/root-file' '$T/userdir/pipe'; ln -s '$T/victims/root-file' /dev/shm/sem.swapped"
ran "$IPCSCOPE" restore "$T/bk-fifo" >"$T/out" 2>&1 && fail "restore owned a swapped FIFO: $(cat "$T/out")"
grep -q "replaced right after it was made" "$T/out" || fail "restore did not say why: $(cat "$T/out")"
rm -f "$T/userdir/pipe"
ran "$IPCSCOPE" restore "$T/bk-sem" >"$T/out" 2>&1 && fail "restore owned a swapped semaphore: $(cat "$T/out")"
rm -f /dev/shm/sem.swapped
unset IPCSCOPE_TEST_HOOK_RESTORE_MADE
[ "$(stat -c %U:%a "$T/victims/root-file")" = root:600 ] ||
    fail "restore gave the root-owned file away: $(stat -c %U:%a "$T/victims/root-file")"

# Without the hook: a user racing 200 restores, swapping the name as fast as it can.
setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 - "$T" <<'PY' &
import os, sys, time
d = sys.argv[1]
end = time.time() + 60
while time.time() < end:
    try:
        os.symlink(d + '/victims/root-file', d + '/userdir/.l')
        os.rename(d + '/userdir/.l', d + '/userdir/pipe')
    except OSError:
        pass
PY
FLIPPER=$!
made=0
for i in $(seq 200); do
    "$IPCSCOPE" restore "$T/bk-fifo" >"$T/out" 2>&1 && made=$((made + 1))
    [ "$(stat -c %U "$T/victims/root-file")" = root ] || fail "restore $i gave the root-owned file away"
    rm -f "$T/userdir/pipe"
done
kill "$FLIPPER"; wait "$FLIPPER" 2>/dev/null; FLIPPER=
rm -f "$T/userdir/pipe" "$T/userdir/.l"
[ "$(stat -c %U:%a "$T/victims/root-file")" = root:600 ] || fail "the race gave the file away"
# And a restore nobody races makes the FIFO with its owner and mode.
"$IPCSCOPE" restore "$T/bk-fifo" >"$T/out" 2>&1 || fail "restore of a FIFO: $(cat "$T/out")"
[ "$(stat -c %F:%U:%a "$T/userdir/pipe")" = "fifo:nobody:644" ] ||
    fail "restored FIFO: $(stat -c %F:%U:%a "$T/userdir/pipe")"
echo "ok: hostile names in the JSON, shrinking files, restore races ($made of 200 raced restores made a FIFO)"
