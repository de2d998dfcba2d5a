#!/usr/bin/env bash
# clean --backup, then restore: segment bytes, queue messages with their types or
# priorities, semaphore values, names, keys and modes come back identical. Checked by
# backing the restored objects up again and comparing the two backups byte for byte.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
T=$(mktemp -d)
trap 'stop_gens; rm -rf "$T"' EXIT
MECHS="sysv-msg sysv-shm sysv-sem posix-mq posix-shm posix-sem"

# Objects with contents, left behind with their creators gone.
for m in $MECHS; do
    "$IPCSCOPE" gen "$m" --hold 0 --fill 3 --leak -J >"$T/leak-$m.json" 2>"$T/err" || fail "gen $m: $(cat "$T/err")"
done
"$IPCSCOPE" list -J >"$T/before.json" || fail "list"

"$IPCSCOPE" clean --older-than 0 --yes --backup "$T/b1" --log "$T/log1" >"$T/out" 2>&1 || fail "clean: $(cat "$T/out")"
grep -q "removed 6," "$T/out" || fail "first clean: $(cat "$T/out")"
"$IPCSCOPE" restore "$T/b1" >"$T/out" 2>&1 || fail "restore: $(cat "$T/out")"
[ "$(grep -c '^restored' "$T/out")" = 6 ] || fail "restore: $(cat "$T/out")"

# Restoring again refuses to overwrite what exists.
"$IPCSCOPE" restore "$T/b1" >"$T/out" 2>&1 && fail "a second restore overwrote objects"
[ "$(grep -c '^exists' "$T/out")" = 6 ] || fail "second restore: $(cat "$T/out")"

"$IPCSCOPE" list -J >"$T/after.json" || fail "list after restore"
"$IPCSCOPE" clean --older-than 0 --yes --backup "$T/b2" --log "$T/log2" >"$T/out" 2>&1 || fail "clean 2: $(cat "$T/out")"

py - "$T" <<'PY' || fail "round trip differs"
import json, os, sys
T = sys.argv[1]
def key(o): return (o["kind"], o.get("key") if o["kind"].startswith("sysv") else o.get("name"))
def objs(n): return {key(o): o for o in json.load(open(f"{T}/{n}"))["objects"] if o["kind"].startswith(("sysv", "posix"))}
before, after = objs("before.json"), objs("after.json")
bad = []
if set(before) != set(after):
    bad.append(f"objects differ: {set(before) ^ set(after)}")
for k, o in before.items():
    a = after.get(k)
    if not a: continue
    for f in ("mode", "owner", "size", "used_bytes", "messages", "nsems", "value", "max_messages", "msgsize"):
        if o.get(f) != a.get(f):
            bad.append(f"{k} {f}: {o.get(f)} -> {a.get(f)}")
    if [s["value"] for s in o.get("semaphores", [])] != [s["value"] for s in a.get("semaphores", [])]:
        bad.append(f"{k} semaphore values differ")
# The saved contents of the original and of the restored object are the same bytes.
def saved(b):
    out = {}
    for d in sorted(os.listdir(f"{T}/{b}")):
        meta = json.load(open(f"{T}/{b}/{d}/meta.json"))
        r = dict(meta["restore"]); r.pop("read_by", None)
        files = {f: open(f"{T}/{b}/{d}/{f}", "rb").read() for f in os.listdir(f"{T}/{b}/{d}") if f != "meta.json"}
        out[(meta["kind"], json.dumps(r, sort_keys=True))] = files
    return out
b1, b2 = saved("b1"), saved("b2")
if set(b1) != set(b2):
    bad.append(f"backup metadata differs: {set(b1) ^ set(b2)}")
for k in b1:
    if k in b2 and b1[k] != b2[k]:
        bad.append(f"{k[0]}: saved bytes differ")
if not any(f.get("messages.bin") for f in b1.values()):
    bad.append("no queue had messages to save")
for b in bad: print(b)
sys.exit(1 if bad else 0)
PY
# A backup that cannot be written keeps the object, and a queue drained for it gets its
# messages back: here a POSIX queue (no copying read) and a backup directory on a full tmpfs.
"$IPCSCOPE" gen posix-mq --hold 0 --fill 3 --leak -J >"$T/q.json" || fail "gen posix-mq"
q=$(gen_field "$T/q.json" 'o["name"]')
mkdir "$T/full" && mount -t tmpfs -o size=4k none "$T/full" || fail "mount a small tmpfs"
dd if=/dev/zero of="$T/full/filler" bs=4k count=1 status=none 2>/dev/null
"$IPCSCOPE" clean --older-than 0 --yes -t posix-mq --backup "$T/full/b" -J >"$T/full.json"
rc=$?
umount "$T/full"
[ $rc = 1 ] || fail "a failed backup should fail the run (exit $rc)"
py - "$T/full.json" <<'PY' || fail "failed backup not reported"
import json, sys
items = json.load(open(sys.argv[1]))["clean"]["items"]
assert len(items) == 1 and items[0]["status"] == "failed" and "backup" in items[0]["reason"], items
PY
grep -q "QSIZE:192 " "/dev/mqueue$q" || fail "the queue lost its messages: $(cat "/dev/mqueue$q")"
"$IPCSCOPE" show posix-mq "$q" -J | py -c 'import json,sys; o=json.load(sys.stdin)["objects"][0]; sys.exit(0 if o["messages"] == 3 else 1)' ||
    fail "the queue does not hold its 3 messages after a failed backup"
echo "ok: backup and restore round trip; a failed backup keeps the queue and its messages"
