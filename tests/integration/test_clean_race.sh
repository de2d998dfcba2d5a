#!/usr/bin/env bash
# clean --yes between the scan and the removal: a process attaches, or the id is recycled
# into another object. The test hooks run in exactly those windows (before the rescan, and
# per object before the kernel is asked again); the object must be skipped, not removed.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
T=$(mktemp -d)
ATTACHED=()
trap 'stop_gens; for p in "${ATTACHED[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

# The attacher: shmat the segment named by the hook, stay attached, report the pid.
cat >"$T/attach.py" <<'PY'
import ctypes, os, sys, time
ident = os.environ.get("IPCSCOPE_OBJECT") or os.environ["IPCSCOPE_CANDIDATES"].split()[0]
shmid = int(ident.rsplit(":", 1)[1])
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    ok = libc.shmat(shmid, None, 0) not in (None, ctypes.c_void_p(-1).value)
    os.write(w, b"1" if ok else b"0")
    time.sleep(60)
    os._exit(0)
ok = os.read(r, 1)
open(sys.argv[1], "a").write("%s\n" % ok.decode())
PY

leak() { "$IPCSCOPE" gen "$1" --leak -J >"$T/leak.json" || fail "gen $1 --leak"; gen_field "$T/leak.json" 'o["id"]'; }
attachers() { pgrep -f "$T/attach.py" || true; }

for hook in IPCSCOPE_TEST_HOOK_BEFORE_RECHECK IPCSCOPE_TEST_HOOK_BEFORE_REMOVE; do
    # 1. A process attaches to a stale segment.
    id=$(leak sysv-shm)
    rm -f "$T/attached"
    env "$hook=/usr/bin/python3 $T/attach.py $T/attached" \
        "$IPCSCOPE" clean --older-than 0 --yes -t sysv-shm -J >"$T/race.json" || fail "clean ($hook)"
    [ "$(cat "$T/attached")" = 1 ] || fail "the hook could not attach ($hook)"
    ATTACHED+=($(attachers))
    validate "$T/race.json"
    py - "$T/race.json" "$id" <<'PY' || fail "attached segment not skipped ($hook)"
import json, sys
items = [i for i in json.load(open(sys.argv[1]))["clean"]["items"] if i["object"]["id"] == int(sys.argv[2])]
assert len(items) == 1 and items[0]["status"] == "skipped", items
assert "nattch 1" in items[0]["reason"] or "attached now" in items[0]["reason"], items[0]["reason"]
PY
    "$IPCSTAT" shm "$id" >/dev/null || fail "the attached segment was removed ($hook)"
    for p in "${ATTACHED[@]}"; do kill "$p" 2>/dev/null; done
    ATTACHED=()
    ipcrm -m "$id" # so that the next round's clean sees only its own segment

    # 2. The id is recycled: the stale queue goes and another takes its id.
    id=$(leak sysv-msg)
    recycle="ipcrm -q $id && echo $id >/proc/sys/kernel/msg_next_id && ipcmk -Q -p 0600 >$T/new"
    env "$hook=$recycle" "$IPCSCOPE" clean --older-than 0 --yes -t sysv-msg -J >"$T/race.json" ||
        fail "clean recycle ($hook)"
    grep -q "id: $id\$" "$T/new" || fail "the hook did not recycle id $id: $(cat "$T/new")"
    py - "$T/race.json" "$id" <<'PY' || fail "recycled id not skipped ($hook)"
import json, sys
items = [i for i in json.load(open(sys.argv[1]))["clean"]["items"] if i["object"]["id"] == int(sys.argv[2])]
assert len(items) == 1 and items[0]["status"] == "skipped", items
assert "another object" in items[0]["reason"], items[0]["reason"]
PY
    "$IPCSTAT" msg "$id" | grep -q '"mode": "0600"' || fail "the new queue with the recycled id was removed ($hook)"
    ipcrm -q "$id"
done
echo "ok: attach and recycle races are skipped at both checks"
