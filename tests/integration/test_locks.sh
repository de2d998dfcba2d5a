#!/usr/bin/env bash
# Kind lock on real locks, in private IPC, mount and pid namespaces: a flock and fcntl
# record locks made by the generators with a process blocked on each (--fill 1), an OFD lock
# shared by a parent and its forked child and a read lease (python's fcntl: no generator
# makes those). Every field of `list -J -t lock` and `show -J` is checked against what the
# generators report, against /proc/locks itself and against `lslocks --json --output-all`
# where it shows the same thing; the JSON is validated against the schema. A host's other
# locks are left alone: only locks on this test's files are looked at.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
T=$(mktemp -d)
HELPER=
trap 'stop_gens; [ -n "$HELPER" ] && kill "$HELPER" 2>/dev/null; rm -rf "$T"' EXIT

start_gen "$T/flock.json" flock --hold 60 --fill 1
start_gen "$T/fcntl.json" fcntl-lock --hold 60 --fill 1

# OFD lock on bytes 10-29 of ofd, held through one open file description by this helper and
# its forked child; a read lease on lease (opened read-only, nobody writing it).
cat >"$T/helper.py" <<'PY'
import fcntl, os, struct, sys, time
d = sys.argv[1]
for n in ("ofd", "lease"):
    with open(os.path.join(d, n), "w") as f:
        f.write("x" * 4096)
fd = os.open(os.path.join(d, "ofd"), os.O_RDWR)
fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, 10, 20, 0))
lfd = os.open(os.path.join(d, "lease"), os.O_RDONLY)
fcntl.fcntl(lfd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
child = os.fork()
if child == 0:
    os.close(lfd)
    time.sleep(120)
    os._exit(0)
with open(os.path.join(d, "helper.txt"), "w") as f:
    f.write(f"{os.getpid()} {fd} {child}\n")
time.sleep(120)
PY
py "$T/helper.py" "$T" &
HELPER=$!
for _ in $(seq 100); do [ -s "$T/helper.txt" ] && break; sleep 0.05; done
[ -s "$T/helper.txt" ] || fail "the OFD and lease helper did not start"

cp /proc/locks "$T/proc-locks"
"$IPCSCOPE" list -J -t lock >"$T/list.json" || fail "list -J -t lock"
validate "$T/list.json"
command -v lslocks >/dev/null && lslocks --json --output-all >"$T/lslocks.json" 2>/dev/null
for id in $(identities "$T/list.json" lock); do
    "$IPCSCOPE" show -J "$id" >"$T/show.json" || fail "show -J $id"
    validate "$T/show.json"
    py - "$T/list.json" "$T/show.json" "$id" <<'PY' || fail "show -J $id differs from list -J"
import json, sys
a = [o for o in json.load(open(sys.argv[1]))["objects"] if o["identity"] == sys.argv[3]]
b = json.load(open(sys.argv[2]))["objects"]
sys.exit(0 if len(a) == 1 and len(b) == 1 and a[0] == b[0] else 1)
PY
done
"$IPCSCOPE" list -t lock -o IDENTITY,BLOCKED,HOLDERS >"$T/table" || fail "list -t lock (table)"

py - "$T" <<'PY' || fail "lock fields wrong"
import json, os, sys
T = sys.argv[1]
def load(n): return json.load(open(os.path.join(T, n)))
def fail(msg): print(msg, file=sys.stderr); sys.exit(1)
def eq(what, got, want):
    if got != want: fail(f"{what}: got {got!r}, want {want!r}")
def detail(g):
    return dict(w.split("=", 1) for w in g["detail"].split())
def mntns(pid): return os.stat(f"/proc/{pid}/ns/mnt").st_ino

objs = [o for o in load("list.json")["objects"]]
eq("kinds with -t lock", {o["kind"] for o in objs}, {"lock"})
fl = load("flock.json"); fc = load("fcntl.json")
gfl = fl["mechanisms"][0]["objects"][0]; gfc = fc["mechanisms"][0]["objects"][0]
hpid, hfd, hchild = map(int, open(os.path.join(T, "helper.txt")).read().split())
files = {gfl["inode"]: gfl["name"], gfc["inode"]: gfc["name"],
         os.stat(os.path.join(T, "ofd")).st_ino: os.path.join(T, "ofd"),
         os.stat(os.path.join(T, "lease")).st_ino: os.path.join(T, "lease")}
ours = [o for o in objs if o.get("inode") in files]

# /proc/locks as the kernel printed it, our files only: every lock once, every waiter.
kinds = {"FLOCK": "flock", "POSIX": "posix", "OFDLCK": "ofd", "LEASE": "lease"}
kernel, waiting = [], []
for line in open(os.path.join(T, "proc-locks")):
    f = line.split()
    w = f[1] == "->"
    f = f[2:] if w else f[1:]
    ino = int(f[4].split(":")[2])
    if ino not in files:
        continue
    rec = (kinds[f[0]], f[2].lower(), int(f[3]), ino, int(f[5]), None if f[6] == "EOF" else int(f[6]))
    (waiting if w else kernel).append(rec)
def key(o):
    l = o["lock"]
    return (l["type"], l["mode"], l.get("pid", -1) if l["type"] != "ofd" else -1, o["inode"],
            l["start"], l.get("end"))
eq("locks on our files against /proc/locks", sorted(key(o) for o in ours), sorted(kernel))
eq("waiters against /proc/locks", sorted(p["pid"] for o in ours for p in o["blocked"]),
   sorted(w[2] for w in waiting))
for o in ours:
    l = o["lock"]
    eq(f"{o['identity']} path", o["name"], files[o["inode"]])
    eq(f"{o['identity']} eof", l["eof"], "end" not in l)
    eq(f"{o['identity']} mandatory", l["mandatory"], False)
    eq(f"{o['identity']} dev", l["dev"], "%d:%d" % (os.major(os.stat(o["name"]).st_dev), os.minor(os.stat(o["name"]).st_dev)))
    eq(f"{o['identity']} ns", o["ns"], mntns(l["pid"]))
    eq(f"{o['identity']} waiting", l["waiting"], len(o["blocked"]))
    eq(f"{o['identity']} alive", l["alive"], True)
    if o["identity"].count("#"):
        fail(f"{o['identity']}: no two of these locks are alike")

def one(pred, what):
    m = [o for o in ours if pred(o)]
    if len(m) != 1: fail(f"{what}: {len(m)} objects")
    return m[0]
def holders(o): return sorted((h["pid"], h["fd"], h["access"]) for h in o["holders"])
def gen_holder(g, pid): return [(h["pid"], h["fd"], h["access"]) for h in g["holders"] if h["pid"] == pid]

# flock: the worker's LOCK_EX, held through its own open; the waiter blocked on it.
d = detail(gfl)
worker = int(d["lock"].split(":")[1]); waiter = int(d["waiters"])
o = one(lambda o: o["inode"] == gfl["inode"], "flock")
eq("flock identity", o["identity"], "lock:flock:%d:%d:0-eof:%d" % (os.stat(gfl["name"]).st_dev, gfl["inode"], worker))
eq("flock lock", (o["lock"]["type"], o["lock"]["mode"], o["lock"]["start"], o["lock"]["pid"], o["lock"]["comm"]),
   ("flock", "write", 0, worker, "ipcscope"))
eq("flock holders", holders(o), gen_holder(gfl, worker))
eq("flock blocked", [(p["pid"], p["comm"]) for p in o["blocked"]], [(waiter, "ipcscope")])

# fcntl: the worker's write lock on 0-99 with the waiter blocked on it, the parent's read
# lock on 200-299.
d = detail(gfc)
(r0, m0, p0), (r1, m1, p1) = [x.split(":") for x in d["locks"].split(",")]
waiter = int(d["waiters"])
for rng, mode, pid in ((r0, m0, p0), (r1, m1, p1)):
    start, end = map(int, rng.split("-"))
    pid = int(pid)
    o = one(lambda o: o["inode"] == gfc["inode"] and o["lock"]["start"] == start, f"fcntl {rng}")
    eq(f"fcntl {rng}", (o["lock"]["type"], o["lock"]["mode"][0], o["lock"].get("end"), o["lock"]["pid"]),
       ("posix", mode, end, pid))
    eq(f"fcntl {rng} holders", holders(o), gen_holder(gfc, pid))
    eq(f"fcntl {rng} blocked", [p["pid"] for p in o["blocked"]], [waiter] if mode == "w" else [])

# OFD: no pid in /proc/locks; the helper and its child hold it through one description.
o = one(lambda o: o["lock"]["type"] == "ofd", "ofd")
eq("ofd identity", o["identity"], "lock:ofd:%d:%d:10-29" % (os.stat(o["name"]).st_dev, o["inode"]))
eq("ofd range", (o["lock"]["mode"], o["lock"]["start"], o["lock"]["end"]), ("write", 10, 29))
eq("ofd holders", holders(o), sorted([(hpid, hfd, "rw"), (hchild, hfd, "rw")]))
eq("ofd pid: the first holder", o["lock"]["pid"] in (hpid, hchild), True)

# The lease: active, read, the helper's.
o = one(lambda o: o["lock"]["type"] == "lease", "lease")
eq("lease", (o["lock"]["mode"], o["lock"]["state"], o["lock"]["pid"], o["lock"]["start"], o["lock"]["eof"]),
   ("read", "active", hpid, 0, True))
eq("lease holders", [h["pid"] for h in o["holders"]], [hpid])

# The table names the blocked processes.
table = open(os.path.join(T, "table")).read()
for w in (int(detail(gfl)["waiters"]), waiter):
    if f"{w}/ipcscope" not in table: fail(f"waiter {w} not in the BLOCKED column")

# lslocks (util-linux) where it shows the same: type, pid, range, path; its blocked entries
# ("WRITE*") by their blocker. It prints 0 for an end at EOF and "/..." for OFD paths.
if os.path.exists(os.path.join(T, "lslocks.json")):
    ll = [x for x in load("lslocks.json")["locks"] if x["inode"] in files]
    held = sorted((x["type"].lower().replace("ofdlck", "ofd"), x["pid"] if x["pid"] > 0 else -1,
                   x["inode"], x["start"], x["end"] or None, x["mode"].lower())
                  for x in ll if not x["mode"].endswith("*"))
    mine = sorted((o["lock"]["type"], o["lock"]["pid"] if o["lock"]["type"] != "ofd" else -1,
                   o["inode"], o["lock"]["start"], o["lock"].get("end"), o["lock"]["mode"]) for o in ours)
    eq("held locks against lslocks", held, mine)
    for x in ll:
        if x["pid"] > 0 and x["path"] != "/..." and not x["mode"].endswith("*"):
            o = one(lambda o: o["inode"] == x["inode"] and o["lock"]["pid"] == x["pid"] and
                    o["lock"]["start"] == x["start"], "lslocks %r" % x)
            eq("path against lslocks", o["name"], x["path"])
            eq("command against lslocks", o["lock"]["comm"], x["command"])
    blocked = sorted((x["pid"], x["blocker"], x["inode"]) for x in ll if x["mode"].endswith("*"))
    eq("blocked against lslocks", blocked,
       sorted((p["pid"], o["lock"]["pid"], o["inode"]) for o in ours for p in o["blocked"]))
else:
    print("note: no lslocks; compared with /proc/locks only")
PY

# --hold without --fill: the locks stay held, each by the process the generator names, with
# that process's fd as holder and nobody blocked; checked against /proc/locks.
stop_gens
start_gen "$T/flock0.json" flock --hold 60
start_gen "$T/fcntl0.json" fcntl-lock --hold 60
cp /proc/locks "$T/proc-locks0"
"$IPCSCOPE" list -J -t lock >"$T/list0.json" || fail "list -J -t lock (no fill)"
validate "$T/list0.json"
py - "$T" <<'PY' || fail "held locks without a fill wrong"
import json, os, sys
T = sys.argv[1]
load = lambda n: json.load(open(os.path.join(T, n)))
objs = load("list0.json")["objects"]
kernel = [l.split() for l in open(os.path.join(T, "proc-locks0"))]
bad = []
for doc, ltype in (("flock0.json", "flock"), ("fcntl0.json", "posix")):
    g = load(doc)["mechanisms"][0]["objects"][0]
    ino = os.stat(g["name"]).st_ino
    if ltype == "flock":
        want = [(0, None, "write", int(g["detail"].split(":")[1]))]
    else:  # locks=0-99:w:PID,200-299:r:PID
        want = []
        for part in g["detail"].split("=")[1].split(","):
            rng, mode, pid = part.split(":")
            start, end = (int(x) for x in rng.split("-"))
            want.append((start, end, "write" if mode == "w" else "read", int(pid)))
    ours = sorted((o["lock"]["start"], o["lock"].get("end"), o["lock"]["mode"], o["lock"]["pid"])
                  for o in objs if o.get("inode") == ino)
    if ours != sorted(want):
        bad.append(f"{ltype}: locks {ours}, expected {sorted(want)}")
    seen = sorted(int(w[4]) for w in kernel if len(w) > 5 and w[5].endswith(f":{ino}") and w[1] != "->")
    if seen != sorted(w[3] for w in want):
        bad.append(f"{ltype}: /proc/locks has pids {seen}")
    for o in (o for o in objs if o.get("inode") == ino):
        fds = {h["pid"]: h["fd"] for h in g["holders"]}
        hs = [(h["pid"], h["fd"]) for h in o["holders"]]
        if (o["lock"]["pid"], fds.get(o["lock"]["pid"])) not in hs:
            bad.append(f"{o['identity']}: holders {hs}, not its process's fd")
        if o.get("blocked") or o["lock"].get("waiting", 0):
            bad.append(f"{o['identity']}: something blocked on it without --fill")
for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
echo "ok: flock, fcntl (two ranges), OFD and lease locks with their waiters, against /proc/locks and lslocks; held without a fill too"
