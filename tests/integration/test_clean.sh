#!/usr/bin/env bash
# clean: the stale/in-use matrix over every kind that can be stale. Objects in use by live
# generators, and stale ones the generators leaked with their creator gone. The dry run must
# name exactly the stale ones, each with evidence; --yes must remove exactly those.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
T=$(mktemp -d)
trap 'stop_gens; rm -rf "$T"' EXIT
MECHS="sysv-msg sysv-shm sysv-sem posix-mq posix-shm posix-sem fifo"

for m in $MECHS; do
    start_gen "$T/live-$m.json" "$m" --hold 120
    "$IPCSCOPE" gen "$m" --leak -J >"$T/leak-$m.json" 2>"$T/leak-$m.err" || fail "gen $m --leak: $(cat "$T/leak-$m.err")"
done
fifo_dirs=()
for f in "$T"/live-fifo.json "$T"/leak-fifo.json; do
    fifo_dirs+=(--fifo-dir "$(gen_field "$f" 'd["tmpdir"]')")
done

# Map every generator's first object to ipcscope's identity (by id for SysV, name or path
# otherwise) from one listing.
"$IPCSCOPE" list -J >"$T/list.json" 2>/dev/null || fail "list"
"$IPCSCOPE" clean --older-than 0 -J "${fifo_dirs[@]}" >"$T/dry.json" || fail "dry run"
validate "$T/dry.json"
"$IPCSCOPE" clean -J "${fifo_dirs[@]}" >"$T/dry-1h.json" || fail "dry run 1h"

py - "$T" $MECHS <<'PY' || fail "dry run"
import json, os, sys
T, mechs = sys.argv[1], sys.argv[2:]
listed = json.load(open(f"{T}/list.json"))["objects"]
def ident(path):
    o = json.load(open(path))["mechanisms"][0]["objects"][0]
    for l in listed:
        if l["kind"] != o["kind"]:
            continue
        if o.get("id", -1) >= 0 and l.get("id") == o["id"]:
            return l["identity"]
        if o.get("name") and l.get("name") == o["name"]:
            return l["identity"]
    # A leaked FIFO nobody holds is found only through --fifo-dir.
    return ("unlisted", o["kind"], o.get("name"))
live = {m: ident(f"{T}/live-{m}.json") for m in mechs}
leak = {m: ident(f"{T}/leak-{m}.json") for m in mechs}
dry = {i["identity"]: i for i in json.load(open(f"{T}/dry.json"))["clean"]["items"]}
bad = []
for m in mechs:
    if live[m] in dry:
        bad.append(f"{m}: in-use object {live[m]} is a candidate: {dry[live[m]].get('evidence')}")
    if isinstance(leak[m], tuple):
        if not any(i["object"].get("name") == leak[m][2] for i in dry.values()):
            bad.append(f"{m}: leaked {leak[m]} not a candidate")
    elif leak[m] not in dry:
        bad.append(f"{m}: leaked {leak[m]} not a candidate")
    elif not dry[leak[m]].get("evidence") or dry[leak[m]]["status"] != "candidate":
        bad.append(f"{m}: no evidence for {leak[m]}")
if len(dry) != len(mechs):
    bad.append(f"{len(dry)} candidates for {len(mechs)} leaked objects: {sorted(dry)}")
if json.load(open(f"{T}/dry-1h.json"))["clean"]["items"]:
    bad.append("objects made seconds ago are stale under the default --older-than 1h")
json.dump({"live": live, "leak": {m: (v if isinstance(v, str) else None) for m, v in leak.items()}}, open(f"{T}/ids.json", "w"))
for b in bad: print(b)
sys.exit(1 if bad else 0)
PY

"$IPCSCOPE" clean --older-than 0 --yes --log "$T/log.jsonl" "${fifo_dirs[@]}" >"$T/yes.txt" 2>&1 || fail "clean --yes: $(cat "$T/yes.txt")"
grep -q "removed 7, skipped 0, denied 0, failed 0" "$T/yes.txt" || fail "summary: $(cat "$T/yes.txt")"
"$IPCSCOPE" list -J >"$T/after.json" 2>/dev/null || fail "list after"
py - "$T" <<'PY' || fail "--yes"
import json, sys
T = sys.argv[1]
ids = json.load(open(f"{T}/ids.json"))
after = {o["identity"] for o in json.load(open(f"{T}/after.json"))["objects"]}
log = [json.loads(l) for l in open(f"{T}/log.jsonl")]
bad = [f"in-use {m} {i} was removed" for m, i in ids["live"].items() if i not in after]
bad += [f"stale {m} {i} still there" for m, i in ids["leak"].items() if i and i in after]
if len(log) != 7 or any(l["status"] != "removed" for l in log):
    bad.append(f"log: {log}")
for b in bad: print(b)
sys.exit(1 if bad else 0)
PY
echo "ok: clean names and removes exactly the stale objects"
