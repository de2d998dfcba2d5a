#!/usr/bin/env bash
# Objects of another namespace, and what only an fd shows: sockets of a process in another
# network namespace (root dumps that namespace too, so they are complete; with -N self only
# the fds show them), and POSIX queues when /dev/mqueue is not mounted. Both are made by the
# generators; the first runs under `unshare --net`, the second in a private IPC and mount
# namespace where /dev/mqueue is left unmounted. ipcscope must list them with their
# holders, say what it could not know, and never mount anything itself.
. "$SRCDIR/tests/tools/testlib.sh"
need_root "network, IPC and mount namespaces (unshare)"
command -v unshare >/dev/null || skip "no unshare(1)"
T=$(mktemp -d)
trap 'stop_gens; rm -rf "$T"' EXIT

if [ -z "${IPCSCOPE_FDONLY_INNER:-}" ]; then
    # Part 1, in the host's namespaces: a socketpair whose holders live in another netns.
    printf '#!/bin/sh\nexec unshare --net "%s" "$@"\n' "$IPCSCOPE" >"$T/netns-ipcscope"
    chmod +x "$T/netns-ipcscope"
    IPCSCOPE_SAVED=$IPCSCOPE
    IPCSCOPE=$T/netns-ipcscope
    start_gen "$T/pair.json" socketpair --hold 60 --fill 77
    IPCSCOPE=$IPCSCOPE_SAVED
    "$IPCSCOPE" list -J -t unix >"$T/all.json" 2>/dev/null || fail "list -J -t unix"
    validate "$T/all.json"
    py - "$T" <<'PY' || fail "sockets of another network namespace are not complete"
import json, os, sys
T = sys.argv[1]
objs = {o["identity"]: o for o in json.load(open(os.path.join(T, "all.json")))["objects"]}
gen = json.load(open(os.path.join(T, "pair.json")))["mechanisms"][0]["objects"]
own = os.stat("/proc/self/ns/net").st_ino
inodes = {g["inode"] for g in gen}
bad = []
for g in gen:
    o = objs.get(f"unix:{g['inode']}")
    if not o:
        bad.append(f"unix:{g['inode']} not listed")
        continue
    want = sorted((h["pid"], h["fd"], h["access"]) for h in g["holders"])
    got = sorted((h["pid"], h["fd"], h["access"]) for h in o["holders"])
    if got != want:
        bad.append(f"{o['identity']} holders {got} != {want}")
    if "partial" in o:
        bad.append(f"{o['identity']} is partial: {o['partial']!r}")
    if o.get("ns") in (None, own):
        bad.append(f"{o['identity']} ns {o.get('ns')!r} is not the other namespace")
    if o.get("state") != "established" or o.get("socket_type") != "stream":
        bad.append(f"{o['identity']} state {o.get('state')!r} type {o.get('socket_type')!r}")
    if o.get("peer_inode") not in inodes - {g["inode"]}:
        bad.append(f"{o['identity']} peer {o.get('peer_inode')!r}, expected the other end")
# 77 bytes were written into one end and not read: they wait in the other's receive queue.
if sorted(objs[f"unix:{i}"].get("rqueue") for i in inodes if f"unix:{i}" in objs) != [0, 77]:
    bad.append("receive queues: " + repr([objs.get(f"unix:{i}", {}).get("rqueue") for i in inodes]))
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
    # -N selects namespaces: self leaves the other one out, its inode takes it alone.
    other=$(py -c 'import json,sys; print(json.load(open(sys.argv[1]))["objects"][0]["ns"])' <(
        py -c 'import json,sys; d=json.load(open(sys.argv[1])); g={o["inode"] for o in json.load(open(sys.argv[2]))["mechanisms"][0]["objects"]}; d["objects"]=[o for o in d["objects"] if o.get("inode") in g]; print(json.dumps(d))' "$T/all.json" "$T/pair.json"))
    "$IPCSCOPE" list -J -N self -t unix >"$T/self.json" 2>/dev/null || fail "list -J -N self"
    "$IPCSCOPE" list -J -N "$other" -t unix >"$T/other.json" 2>/dev/null || fail "list -J -N $other"
    validate "$T/self.json"
    validate "$T/other.json"
    py - "$T" "$other" <<'PY' || fail "-N did not select exactly one network namespace"
import json, os, sys
T, other = sys.argv[1], int(sys.argv[2])
gen = {g["inode"] for g in json.load(open(os.path.join(T, "pair.json")))["mechanisms"][0]["objects"]}
own = os.stat("/proc/self/ns/net").st_ino
mine = json.load(open(os.path.join(T, "self.json")))["objects"]
theirs = json.load(open(os.path.join(T, "other.json")))["objects"]
assert mine and all(o["ns"] == own for o in mine), [o["ns"] for o in mine]
assert not gen & {o["inode"] for o in mine}, "-N self listed the other namespace's sockets"
assert {o["ns"] for o in theirs} == {other}, {o["ns"] for o in theirs}
assert gen <= {o["inode"] for o in theirs}, "-N INODE lost the namespace's sockets"
PY
    stop_gens
    rm -rf "$T"
    # Part 2 in private namespaces.
    exec unshare --ipc --mount --propagation private env IPCSCOPE_FDONLY_INNER=1 bash "$0" "$@"
fi

# Part 2: no mqueue mount in this mount namespace; the queue exists only in this IPC one.
while grep -q ' /dev/mqueue mqueue ' /proc/self/mounts; do umount /dev/mqueue || fail "umount /dev/mqueue"; done
start_gen "$T/mq.json" posix-mq --hold 60 --fill 2
"$IPCSCOPE" list -J -t posix-mq >"$T/list.json" 2>"$T/list.err" || fail "list -J -t posix-mq"
validate "$T/list.json"
grep -q ' /dev/mqueue mqueue ' /proc/self/mounts && fail "ipcscope mounted /dev/mqueue"
py - "$T" <<'PY' || fail "a queue seen only through fds"
import json, os, sys
T = sys.argv[1]
doc = json.load(open(os.path.join(T, "list.json")))
g = json.load(open(os.path.join(T, "mq.json")))["mechanisms"][0]["objects"][0]
ipc = os.stat("/proc/self/ns/ipc").st_ino
bad = []
hits = [o for o in doc["objects"] if o.get("inode") == g["inode"]]
if len(hits) != 1:
    sys.exit(f"queue inode {g['inode']}: {len(hits)} objects")
o = hits[0]
def eq(what, got, want):
    if got != want:
        bad.append(f"{what}: {got!r}, expected {want!r}")
eq("identity", o["identity"], f"posix-mq:{ipc}:{g['name']}")
eq("ns", o.get("ns"), ipc)
eq("name", o.get("name"), g["name"])
eq("holders", sorted((h["pid"], h["fd"], h["access"]) for h in o["holders"]),
   sorted((h["pid"], h["fd"], h["access"]) for h in g["holders"]))
# QSIZE counts the bytes of the queued messages: two of msgsize.
msgsize = int(dict(kv.split("=") for kv in g["detail"].split())["msgsize"])
eq("used_bytes", o.get("used_bytes"), 2 * msgsize)
eq("mode", o.get("mode") is not None, True)
if "not in /dev/mqueue" not in o.get("partial", ""):
    bad.append(f"partial does not say why: {o.get('partial')!r}")
if not any("mount -t mqueue" in e["message"] for e in doc["errors"]):
    bad.append("no error naming the fix")
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
echo "ok: sockets of another network namespace and a queue without /dev/mqueue, through their fds"
