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
echo "ok: backup and restore round trip"
