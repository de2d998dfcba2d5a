#!/usr/bin/env bash
# Objects only an fd shows: sockets of a process in another network namespace (sock_diag
# dumps only the scanner's own), and POSIX queues when /dev/mqueue is not mounted. Both are
# made by the generators; the first runs under `unshare --net`, the second in a private IPC
# and mount namespace where /dev/mqueue is left unmounted. ipcscope must list them with their
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
    "$IPCSCOPE" list -J -t unix >"$T/list.json" 2>/dev/null || fail "list -J -t unix"
    validate "$T/list.json"
    py - "$T" <<'PY' || fail "sockets of another network namespace"
import json, os, sys
T = sys.argv[1]
objs = {o["identity"]: o for o in json.load(open(os.path.join(T, "list.json")))["objects"]}
gen = json.load(open(os.path.join(T, "pair.json")))["mechanisms"][0]["objects"]
own = os.stat("/proc/self/ns/net").st_ino
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
    if o.get("socket_type") != "stream":
        bad.append(f"{o['identity']} type {o.get('socket_type')!r}")
    if o.get("status") != "partial" or "network namespace" not in o.get("partial", ""):
        bad.append(f"{o['identity']} does not say it is in another network namespace: {o.get('partial')!r}")
    if o.get("ns") in (None, own):
        bad.append(f"{o['identity']} ns {o.get('ns')!r} is not the other namespace")
    for f in ("state", "rqueue", "peer_inode"):
        if f in o:
            bad.append(f"{o['identity']} claims {f} it cannot know")
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
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
