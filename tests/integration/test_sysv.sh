#!/usr/bin/env bash
# SysV objects made by the generators, read back through `list -J` and `show -J`, every field
# compared with what msgctl/shmctl/semctl IPC_STAT report (tests/tools/ipcstat.c) and with
# what `ipcs` shows; all JSON validated against the schema; nothing left after the generators
# exit.
. "$SRCDIR/tests/tools/testlib.sh"
# Its own IPC namespace: ipcs and list must see the same objects, which other programs on the
# host could otherwise make or remove between the two.
isolate "$@"
T=$(mktemp -d)
trap 'stop_gens; rm -rf "$T"' EXIT

start_gen "$T/msg.json" sysv-msg --hold 60 --fill 5 --size 100
start_gen "$T/shm.json" sysv-shm --hold 60
start_gen "$T/sem.json" sysv-sem --hold 60 --nsems 3 --fill 2
msgid=$(gen_field "$T/msg.json" 'o["id"]')
shmid=$(gen_field "$T/shm.json" 'o["id"]')
semid=$(gen_field "$T/sem.json" 'o["id"]')

"$IPCSCOPE" list -J -t sysv >"$T/list.json" || fail "list -J"
validate "$T/list.json"
for k in msg shm sem; do
    id=${k}id
    "$IPCSCOPE" show "sysv-$k" "${!id}" -J >"$T/show-$k.json" || fail "show sysv-$k ${!id}"
    validate "$T/show-$k.json"
    "$IPCSTAT" "$k" "${!id}" >"$T/stat-$k.json" || fail "ipcstat $k ${!id}"
done
ipcs -a >"$T/ipcs.txt" 2>/dev/null || true

py - "$T" <<'PY' || fail "fields differ from IPC_STAT"
import json, os, sys, pwd
T = sys.argv[1]
def load(n): return json.load(open(os.path.join(T, n)))
def iso(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)) if t else None
bad = []
def eq(what, got, want):
    if got != want:
        bad.append(f"{what}: ipcscope {got!r}, kernel {want!r}")

listed = {o["identity"]: o for o in load("list.json")["objects"]}
for k in ("msg", "shm", "sem"):
    doc = load(f"show-{k}.json")
    st = load(f"stat-{k}.json")
    eq(f"{k} objects", len(doc["objects"]), 1)
    o = doc["objects"][0]
    # show also searches for the key's file (ftok.file and the counts); list -J does not.
    searched = {m: o.get("ftok", {}).pop(m) for m in ("file", "via", "pid", "matches", "checked")
                if m in o.get("ftok", {})}
    eq(f"{k} show searched for the key file", "checked" in searched, True)
    eq(f"{k} listed like shown", listed.get(o["identity"]), o)
    eq(f"{k} key", o["key"], st["key"])
    eq(f"{k} mode", o["mode"], st["mode"])
    eq(f"{k} uid", o["owner"]["uid"], st["uid"])
    eq(f"{k} gid", o["owner"]["gid"], st["gid"])
    eq(f"{k} user", o["owner"]["user"], pwd.getpwuid(st["uid"]).pw_name)
    eq(f"{k} cuid", o["creator"]["uid"], st["cuid"])
    eq(f"{k} cgid", o["creator"]["gid"], st["cgid"])
    eq(f"{k} ctime", o.get("ctime"), iso(st["ctime"]))
    if k == "msg":
        eq("qbytes", o["size"], st["qbytes"])
        eq("cbytes", o["used_bytes"], st["cbytes"])
        eq("qnum", o["messages"], st["qnum"])
        eq("messages left by --fill", o["messages"], 5)
        eq("lspid", o.get("last_send", {}).get("pid"), st["lspid"] or None)
        eq("lrpid", o.get("last_recv", {}).get("pid"), st["lrpid"] or None)
        eq("stime", o.get("stime"), iso(st["stime"]))
        eq("rtime", o.get("rtime"), iso(st["rtime"]))
        eq("sender alive", o["last_send"]["alive"], True)
        if "comm" not in o["last_send"]:
            bad.append("last sender has no command")
    elif k == "shm":
        eq("size", o["size"], st["size"])
        eq("nattch", o["nattch"], st["nattch"])
        eq("holders agree with nattch", len(o["holders"]), st["nattch"])
        if st["nattch"] < 1 or not all(h["fd"] is None and h.get("map") for h in o["holders"]):
            bad.append(f"segment holders: {o['holders']}")
        eq("cpid", o["creator"]["pid"], st["cpid"])
        eq("lpid", o.get("last", {}).get("pid"), st["lpid"] or None)
        eq("atime", o.get("atime"), iso(st["atime"]))
        eq("attach_time", o.get("attach_time"), iso(st["atime"]))
        eq("dtime", o.get("dtime"), iso(st["dtime"]))
        eq("status", o.get("status"), None if not st["status"] else o.get("status"))
        for f in ("rss", "swap"):
            if not isinstance(o.get(f), int):
                bad.append(f"shm {f} missing")
    else:
        eq("nsems", o["nsems"], st["nsems"])
        eq("otime", o.get("otime"), iso(st["otime"]))
        got = [(s["value"], s["ncount"], s["zcount"], s.get("last", {}).get("pid", 0)) for s in o["semaphores"]]
        want = [(s["value"], s["ncount"], s["zcount"], s["pid"]) for s in st["semaphores"]]
        eq("semaphores", got, want)
        if not any(v for v, *_ in got):
            bad.append("semaphore values are all 0: --fill did not set them")

# Every object ipcs shows is listed with the same id, key, owner, perms and size/count.
ipcs = open(os.path.join(T, "ipcs.txt")).read().splitlines()
section = None
seen = 0
for line in ipcs:
    if "Message Queues" in line: section = "sysv-msg"
    elif "Shared Memory" in line: section = "sysv-shm"
    elif "Semaphore Arrays" in line: section = "sysv-sem"
    f = line.split()
    if not section or len(f) < 5 or not f[0].startswith("0x"):
        continue
    ident = [o for o in listed.values() if o["kind"] == section and o["id"] == int(f[1])]
    if not ident:
        bad.append(f"ipcs shows {section} {f[1]} that list does not"); continue
    o = ident[0]; seen += 1
    eq(f"{section} {f[1]} key", o["key"], "0x%08x" % int(f[0], 16))
    eq(f"{section} {f[1]} owner", o["owner"]["user"], f[2])
    eq(f"{section} {f[1]} perms", int(o["mode"], 8), int(f[3], 8))
    if section == "sysv-msg":
        eq("used-bytes", o["used_bytes"], int(f[4])); eq("messages", o["messages"], int(f[5]))
    elif section == "sysv-shm":
        eq("bytes", o["size"], int(f[4])); eq("nattch", o["nattch"], int(f[5]))
    else:
        eq("nsems", o["nsems"], int(f[4]))
if seen < 3:
    bad.append(f"ipcs listed only {seen} of our objects")
for b in bad: print(b)
sys.exit(1 if bad else 0)
PY

stop_gens
"$IPCSCOPE" list -J -t sysv >"$T/after.json" || fail "list after"
py - "$T/after.json" "$msgid" "$shmid" "$semid" <<'PY' || fail "objects left after the generators exited"
import json, sys
d = json.load(open(sys.argv[1]))
left = [(o["kind"], o["id"]) for o in d["objects"] if str(o["id"]) in sys.argv[2:] and o["kind"] in ("sysv-msg","sysv-shm","sysv-sem")]
ours = {("sysv-msg", int(sys.argv[2])), ("sysv-shm", int(sys.argv[3])), ("sysv-sem", int(sys.argv[4]))}
sys.exit(1 if ours & set(left) else 0)
PY
echo "ok: sysv list/show match IPC_STAT and ipcs"
