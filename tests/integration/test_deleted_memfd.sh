#!/usr/bin/env bash
# Objects that live on without a name: a POSIX semaphore and a POSIX shm object unlinked
# while still held (CPython's multiprocessing.Lock unlinks its semaphore at once and keeps
# only the mapping; a SharedMemory unlinked while open and mapped), and a sealed memfd that
# `gen memfd` passes over SCM_RIGHTS to a peer that maps it. Each must be listed with its
# holders (fd and mapping); the unlinked ones as status deleted, refused by rm and never
# proposed by clean; the memfd with its seals, size and both holders, compared with
# /proc/PID/fdinfo, stat through the fd and `lsfd -J`.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
T=$(mktemp -d)
PYPIDS=()  # run as /usr/bin/python3 itself (not the py function), so $! is its pid
trap 'stop_gens; for p in "${PYPIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

/usr/bin/python3 -c 'import multiprocessing, time; l = multiprocessing.Lock(); print("ready", flush=True); time.sleep(60)' >"$T/lock.out" &
PYPIDS+=("$!")
lockpid=$!
/usr/bin/python3 -c '
from multiprocessing import shared_memory, resource_tracker
import time
s = shared_memory.SharedMemory(create=True, size=8192)
s.buf[:5] = b"hello"
s.unlink()
print(s.name, flush=True)
time.sleep(60)' >"$T/shm.out" &
PYPIDS+=("$!")
shmpid=$!
start_gen "$T/memfd.json" memfd --hold 60
for _ in $(seq 100); do
    [ -s "$T/lock.out" ] && [ -s "$T/shm.out" ] && break
    sleep 0.05
done
[ -s "$T/lock.out" ] && [ -s "$T/shm.out" ] || fail "the python holders did not start"
shmname=$(cat "$T/shm.out")

"$IPCSCOPE" list -J >"$T/list.json" 2>"$T/list.err" || fail "list -J: $(cat "$T/list.err")"
validate "$T/list.json"
pids=$(py -c 'import json,sys; print(",".join(str(h["pid"]) for h in json.load(open(sys.argv[1]))["mechanisms"][0]["objects"][0]["holders"]))' "$T/memfd.json")
lsfd -J -p "$pids" -o PID,COMMAND,ASSOC,MODE,TYPE,NAME,INODE,SIZE,DELETED,FUID,MAJ:MIN \
    >"$T/lsfd.json" 2>/dev/null || echo '{"lsfd": [], "absent": true}' >"$T/lsfd.json"

py - "$T" "$lockpid" "$shmpid" "/$shmname" <<'PY' || fail "unlinked objects or memfd wrong"
import json, os, re, sys
T, lockpid, shmpid, shmname = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
objs = json.load(open(os.path.join(T, "list.json")))["objects"]
bad = []
def eq(what, got, want):
    if got != want:
        bad.append(f"{what}: ipcscope {got!r}, expected {want!r}")

def deleted_of(kind, pid):
    return [o for o in objs if o["kind"] == kind and "deleted" in o.get("status", "")
            and any(h["pid"] == pid for h in o.get("holders", []))]

sems = deleted_of("posix-sem", lockpid)
eq("deleted posix-sem of the Lock", len(sems), 1)
if sems:
    o = sems[0]
    eq("its holders: one mapping", [(h["pid"], h["fd"], h["access"]) for h in o["holders"]], [(lockpid, None, "rw")])
    if not re.fullmatch(r"posix-sem:\d+:/.+:deleted:\d+:\d+", o["identity"]):
        bad.append(f"identity {o['identity']}")
    eq("no size without an fd", "size" in o, False)
    print(o["identity"], file=open(os.path.join(T, "sem.id"), "w"))

shms = deleted_of("posix-shm", shmpid)
eq("deleted posix-shm of SharedMemory", len(shms), 1)
if shms:
    o = shms[0]
    eq("name", o.get("name"), shmname)
    eq("size", o.get("size"), 8192)
    fds = [h for h in o["holders"] if h["fd"] is not None]
    maps = [h for h in o["holders"] if h["fd"] is None]
    if not fds or not maps:
        bad.append(f"posix-shm holders: want an fd and a mapping, got {o['holders']}")
    for h in fds:
        st = os.stat(f"/proc/{shmpid}/fd/{h['fd']}")
        eq("inode by the fd", o["inode"], st.st_ino)
        eq("allocated", o.get("allocated"), st.st_blocks * 512)
    print(o["identity"], file=open(os.path.join(T, "shm.id"), "w"))

g = json.load(open(os.path.join(T, "memfd.json")))["mechanisms"][0]["objects"][0]
mem = [o for o in objs if o["kind"] == "memfd" and o.get("inode") == g["inode"]]
eq("memfd objects of the generator", len(mem), 1)
if mem:
    o = mem[0]
    eq("memfd name", o.get("name"), g["name"])
    eq("memfd seals", o.get("seals"), "seal,shrink,grow,write")
    send = next(h for h in g["holders"] if h["role"] == "sender")
    recv = next(h for h in g["holders"] if h["role"] == "receiver")
    eq("memfd holders", sorted((h["pid"], h["fd"] if h["fd"] is not None else -1, h["access"]) for h in o["holders"]),
       sorted([(send["pid"], send["fd"], "rw"), (recv["pid"], -1, "r")]))
    st = os.stat(f"/proc/{send['pid']}/fd/{send['fd']}")
    eq("memfd size", o.get("size"), st.st_size)
    eq("memfd allocated", o.get("allocated"), st.st_blocks * 512)
    info = open(f"/proc/{send['pid']}/fdinfo/{send['fd']}").read()
    eq("memfd inode (fdinfo ino)", str(o["inode"]), re.search(r"^ino:\s*(\d+)", info, re.M).group(1))
    flags = int(re.search(r"^flags:\s*(\d+)", info, re.M).group(1), 8)
    eq("sender access (fdinfo flags)", {0: "r", 1: "w", 2: "rw"}[flags & 3], "rw")
    eq("the generator's detail", g["detail"], f"size={o['size']} seals=seal,shrink,grow,write")
    # lsfd (util-linux 2.38), field by field where it shows the same thing: each fd's pid,
    # command, number, access (MODE), inode, size, name, deleted, the file's owner (FUID) and
    # its device; and the fds as a set, none missing either side. 2.38 lists no "mem" entry
    # for a deleted file's mapping, so the receiver's mapping is checked against maps instead.
    ldoc = json.load(open(os.path.join(T, "lsfd.json")))
    seen = [x for x in ldoc["lsfd"] if x["name"].startswith("/memfd:")]
    if ldoc.get("absent"):
        print("note: lsfd -J not available, not compared")
    else:
        eq("lsfd shows the memfd", bool(seen), True)
    fdh = sorted((h["pid"], h["comm"], h["fd"], h["access"]) for h in o["holders"] if h["fd"] is not None)
    lfd = sorted((x["pid"], x["command"], int(x["assoc"]), x["mode"].replace("-", "").replace("x", ""))
                 for x in seen if x["assoc"].isdigit())
    if not ldoc.get("absent"):
        eq("fd holders as lsfd shows them (pid, command, fd, access)", fdh, lfd)
    for x in seen:
        if x["assoc"].isdigit():
            w = f"lsfd fd {x['pid']}:{x['assoc']}"
            eq(f"{w} inode", x["inode"], o["inode"])
            eq(f"{w} size", x["size"], o["size"])
            eq(f"{w} name", x["name"], f"/memfd:{o['name']} (deleted)")
            eq(f"{w} deleted", x["deleted"], True)
            eq(f"{w} file owner", x["fuid"], o["owner"]["uid"])
            st = os.stat(f"/proc/{x['pid']}/fd/{x['assoc']}")
            eq(f"{w} device", x["maj:min"], f"{os.major(st.st_dev)}:{os.minor(st.st_dev)}")
    mp = [h for h in o["holders"] if h["fd"] is None]
    eq("one mapping holder", len(mp), 1)
    for h in mp:
        lines = [l.split() for l in open(f"/proc/{h['pid']}/maps") if l.split()[0] == h["map"]]
        eq(f"mapping {h['pid']} {h['map']} in maps", len(lines), 1)
        if lines:
            eq("the mapping's inode", int(lines[0][4]), o["inode"])
            eq("the mapping's access", lines[0][1][:2].replace("-", ""), h["access"])
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# Unlinked objects have no name to remove: rm refuses them, even with --force, and clean
# never proposes them.
for f in sem shm; do
    id=$(cat "$T/$f.id")
    if "$IPCSCOPE" rm "$id" >"$T/rm.out" 2>&1; then fail "rm $id succeeded"; fi
    grep -q "unlinked: no name to remove" "$T/rm.out" || fail "rm $id: $(cat "$T/rm.out")"
    if "$IPCSCOPE" rm --force "$id" >"$T/rm.out" 2>&1; then fail "rm --force $id succeeded"; fi
done
"$IPCSCOPE" clean --older-than 0 -J >"$T/clean.json" 2>/dev/null
validate "$T/clean.json"
py - "$T" <<'PY' || fail "clean proposed an unlinked object"
import json, os, sys
T = sys.argv[1]
ids = {open(os.path.join(T, f)).read().strip() for f in ("sem.id", "shm.id")}
doc = json.load(open(os.path.join(T, "clean.json")))
hit = [i for i in doc["clean"]["items"] if i.get("identity") in ids and i.get("status") == "candidate"]
sys.exit(1 if hit else 0)
PY
# clean says how much they pin, and who holds it: the SharedMemory's allocated bytes (the
# tmpfs pages it touched) by its process, the semaphore by the Lock's.
py - "$T/clean.json" "$shmpid" "$lockpid" <<'PY' || fail "clean does not report the pinned memory"
import json, sys
c = json.load(open(sys.argv[1]))["clean"]
by = {p["pid"]: p for p in c["pinned"]}
shm, lock = int(sys.argv[2]), int(sys.argv[3])
assert by.get(shm) and by[shm]["bytes"] >= 4096 and by[shm]["objects"] == 1, c["pinned"]
assert by.get(lock) and by[lock]["objects"] == 1, c["pinned"]
assert c["pinned_bytes"] == sum(p["bytes"] for p in c["pinned"]), c  # one holder each here
PY
"$IPCSCOPE" clean --older-than 0 >"$T/clean.txt" 2>&1 || fail "clean"
grep -q "unlinked but still held.*pinned by.* $shmpid/" "$T/clean.txt" || fail "clean's table does not say it: $(cat "$T/clean.txt")"
# The holders still have them.
kill -0 "$lockpid" && kill -0 "$shmpid" || fail "a holder died"
echo ok
