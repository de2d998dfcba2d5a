#!/usr/bin/env bash
# Shared mappings (kind mmap). gen mmap --hold makes an anonymous MAP_SHARED region its child
# inherits and a file both map; a small Python program maps an anonymous region and forks
# (Python's mmap.mmap(-1, n) is MAP_SHARED|MAP_ANONYMOUS), and maps a file shared on its own
# (one process: no IPC, not listed); gen sysv-shm, posix-shm and memfd make mappings of the
# other kinds, which must not come back as mmap. Every field of `list -t mmap -J` is checked
# against /proc/PID/maps, a stat through /proc/PID/map_files and smaps, the file's holders
# against lsfd's "shm" associations, the JSON against the schema; and a plain `list` shows no
# mmap row.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
T=$(mktemp -d)
trap 'stop_gens; [ -n "${PROG:-}" ] && kill "$PROG" 2>/dev/null; wait; rm -rf "$T"' EXIT

start_gen "$T/gen.json" mmap --hold 60
start_gen "$T/other.json" sysv-shm posix-shm memfd --hold 60
py - "$T" <<'PY' &
import ctypes, json, mmap, os, sys, time
T = sys.argv[1]
anon = mmap.mmap(-1, 3 * 4096)          # MAP_SHARED | MAP_ANONYMOUS
anon[:4096] = b"x" * 4096               # one page touched
# Split into three areas of the same perms (VM_DONTDUMP on the middle one), inherited by
# the child: one holder each, whose map names no single map_files entry.
anon.madvise(mmap.MADV_DONTDUMP, 4096, 4096)
base = ctypes.addressof(ctypes.c_char.from_buffer(anon))
with open(os.path.join(T, "alone.bin"), "w+b") as f:
    f.truncate(8192)
    alone = mmap.mmap(f.fileno(), 8192, mmap.MAP_SHARED)
    alone[0] = 1
child = os.fork()
if child == 0:
    alone.close()                       # the child maps the anonymous region only
    time.sleep(120)
    os._exit(0)
addr = None
with open("/proc/self/maps") as m:
    for line in m:
        if line.rstrip().endswith("/dev/zero (deleted)") and int(line.split("-")[0], 16) == base:
            addr = line.split()[0]
json.dump({"pid": os.getpid(), "child": child, "range": addr,
           "alone": os.path.join(T, "alone.bin")}, open(os.path.join(T, "prog.tmp"), "w"))
os.rename(os.path.join(T, "prog.tmp"), os.path.join(T, "prog.json"))
time.sleep(120)
PY
PROG=$!
for _ in $(seq 100); do [ -s "$T/prog.json" ] && break; sleep 0.05; done
[ -s "$T/prog.json" ] || fail "the Python program did not start"

"$IPCSCOPE" list -t mmap -J >"$T/list.json" 2>"$T/list.err" || fail "list -t mmap -J: $(cat "$T/list.err")"
validate "$T/list.json"
# Not validated: it holds every socket of the host's network namespace, which this test
# does not leave, and validating a busy host's takes long.
"$IPCSCOPE" list -J >"$T/default.json" 2>"$T/default.err" || fail "list -J: $(cat "$T/default.err")"
"$IPCSCOPE" list -t mmap,sysv-shm,posix-shm,memfd -J >"$T/all.json" 2>"$T/all.err" ||
    fail "list -J: $(cat "$T/all.err")"
validate "$T/all.json"
"$IPCSCOPE" list >"$T/default.txt" 2>/dev/null || fail "list"
lsfd -J -Q 'ASSOC == "shm"' -o PID,ASSOC,MODE,INODE,NAME >"$T/lsfd.json" 2>/dev/null || rm -f "$T/lsfd.json"

py - "$T" <<'PY' || fail "see above"
import json, os, stat, sys
T = sys.argv[1]
load = lambda n: json.load(open(os.path.join(T, n)))
objs = {o["identity"]: o for o in load("list.json")["objects"]}
gen = load("gen.json")
prog = load("prog.json")
page = os.sysconf("SC_PAGE_SIZE")
bad = []

def check(what, got, want):
    if got != want:
        bad.append(f"{what}: {got!r}, expected {want!r}")

def maps(pid):
    """(range, perms, dev, inode, path) of each line of /proc/PID/maps."""
    out = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            w = line.split(None, 5)
            out.append((w[0], w[1], w[3], int(w[4]), w[5].strip() if len(w) > 5 else ""))
    return out

def dev_of(col):
    major, minor = (int(x, 16) for x in col.split(":"))
    return os.makedev(major, minor)

def access(perms):
    return ("r" if perms[0] == "r" else "") + ("w" if perms[1] == "w" else "") or "-"

def holders_from_maps(pids, dev, ino):
    """What /proc says the holders are: each shared mapping of (dev, ino), adjacent areas of
    one access joined as ipcscope joins them."""
    out = []
    for pid in pids:
        last = None
        for rng, perms, d, i, _ in maps(pid):
            if perms[3] != "s" or dev_of(d) != dev or i != ino:
                continue
            s, e = rng.split("-")
            if last and last[2] == s and last[3] == access(perms):
                last[2] = e
                continue
            last = [pid, s, e, access(perms)]
            out.append(last)
    return sorted((p, a, f"{s}-{e}") for p, s, e, a in out)

def smaps_rss(pid, rng):
    """Rss of the areas of /proc/PID/smaps inside the range rng, bytes."""
    lo, hi = (int(x, 16) for x in rng.split("-"))
    on, rss = False, 0
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            w = line.split(" ", 1)[0]
            if "-" in w and ":" not in w:
                s, e = (int(x, 16) for x in w.split("-"))
                on = lo <= s and e <= hi
            elif on and line.startswith("Rss:"):
                rss += int(line.split()[1]) * 1024
    return rss

def check_object(what, o, pids, dev, ino, rng0, pid0, backing, name):
    check(f"{what} backing", o.get("backing"), backing)
    check(f"{what} inode", o.get("inode"), ino)
    if name is not None:
        check(f"{what} name", o.get("name"), name)
    elif "name" in o:
        bad.append(f"{what}: has a name {o['name']!r}")
    if "partial" in o:
        bad.append(f"{what}: partial: {o['partial']}")
    st = os.stat(f"/proc/{pid0}/map_files/{rng0}")
    check(f"{what} size", o.get("size"), st.st_size)
    check(f"{what} allocated", o.get("allocated"), st.st_blocks * 512)
    check(f"{what} mode", o.get("mode"), "%04o" % stat.S_IMODE(st.st_mode))
    check(f"{what} uid", o.get("owner", {}).get("uid"), st.st_uid)
    got = sorted((h["pid"], h["access"], h["map"]) for h in o["holders"])
    check(f"{what} holders", got, holders_from_maps(pids, dev, ino))
    if any(h.get("fd") is not None for h in o["holders"]):
        bad.append(f"{what}: a mapping holder with an fd")
    # Resident: at least what any holder has mapped in (smaps), at most the whole file.
    rss = o.get("rss")
    most = max(smaps_rss(p, m) for p, _, m in got)
    if rss is None or not (page <= rss and most <= rss <= -(-st.st_size // page) * page):
        bad.append(f"{what}: rss {rss}, expected {most}..{st.st_size} rounded up to a page")

# gen mmap: its anonymous region and its file, the generator and its reader.
mech = gen["mechanisms"][0]
for g in mech["objects"]:
    pids = sorted(h["pid"] for h in g["holders"])
    pid0 = pids[0]
    if g["role"] == "anonymous":
        start = g["detail"].split("map=")[1].split("-")[0]
        line = next((l for l in maps(pid0) if l[0].startswith(start + "-")), None)
    else:
        line = next((l for l in maps(pid0) if l[4] == g["name"] and l[1][3] == "s"), None)
    if not line:
        bad.append(f"gen {g['role']}: not in /proc/{pid0}/maps")
        continue
    dev, ino = dev_of(line[2]), line[3]
    ident = f"mmap:{dev}:{ino}"
    o = objs.get(ident)
    if not o:
        bad.append(f"gen {g['role']}: {ident} not listed")
        continue
    if g["role"] == "file":
        check("gen file inode (gen's own word)", ino, g["inode"])
    check_object(f"gen {g['role']}", o, pids, dev, ino, line[0], pid0,
                 "anon" if g["role"] == "anonymous" else "file",
                 None if g["role"] == "anonymous" else g["name"])
    if g["role"] == "file" and os.path.exists(os.path.join(T, "lsfd.json")):
        # lsfd (2.38) shows MAP_SHARED file mappings as ASSOC "shm", one row per area.
        rows = {(r["pid"], r["mode"].replace("-", "")) for r in load("lsfd.json")["lsfd"]
                if r["inode"] == ino and r["name"] == g["name"]}
        check("gen file holders against lsfd", rows, {(h["pid"], h["access"]) for h in o["holders"]})

# The Python program: an anonymous region shared with its child; a file it maps alone.
line = next(l for l in maps(prog["pid"]) if l[0] == prog["range"])
dev, ino = dev_of(line[2]), line[3]
o = objs.get(f"mmap:{dev}:{ino}")
if not o:
    bad.append("the Python program's region shared with its child is not listed")
else:
    check_object("python anon", o, sorted([prog["pid"], prog["child"]]), dev, ino,
                 prog["range"], prog["pid"], "anon", None)
    check("python anon size", o.get("size"), 3 * 4096)
    check("python anon: three areas, one holder each",
          [len([l for l in maps(p) if l[3] == ino]) for p in (prog["pid"], prog["child"])], [3, 3])
    check("python anon holders' maps", sorted(h["map"] for h in o["holders"]),
          ["%x-%x" % (int(prog["range"].split("-")[0], 16), int(prog["range"].split("-")[0], 16) + 3 * 4096)] * 2)
alone = os.stat(prog["alone"]).st_ino
if any(o.get("inode") == alone for o in objs.values()):
    bad.append("a file only one process maps is listed")

# Other kinds' mappings are theirs: no mmap object of their inode, or of /dev/shm or SysV.
others = {o["identity"]: o for o in load("all.json")["objects"] if o["kind"] != "mmap"}
kinds = {o["kind"] for o in others.values()}
for k in ("sysv-shm", "posix-shm", "memfd"):
    if k not in kinds:
        bad.append(f"gen other made no {k} that list shows")
other_pids = {h["pid"] for m in load("other.json")["mechanisms"] for g in m["objects"] for h in g["holders"]}
for o in objs.values():
    if {h["pid"] for h in o["holders"]} & other_pids:
        bad.append(f"{o['identity']} ({o.get('name')}) is held by gen sysv-shm/posix-shm/memfd")
for pid in other_pids:
    for rng, perms, d, i, path in maps(pid):
        if perms[3] == "s" and any(o.get("inode") == i for o in objs.values()):
            bad.append(f"{path} of {pid} is an mmap object")

# Outside the default kinds.
if any(o["kind"] == "mmap" for o in load("default.json")["objects"]):
    bad.append("list without -t shows mmap objects")
for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
grep -q '^mmap ' "$T/default.txt" && fail "the plain list shows mmap rows"

# show takes the identity and prints the kind's columns and the holders.
ident=$(py -c 'import json,sys; print(next(o["identity"] for o in json.load(open(sys.argv[1]))["objects"] if o.get("backing") == "file"))' "$T/list.json")
"$IPCSCOPE" show "$ident" >"$T/show.txt" 2>"$T/show.err" || fail "show $ident: $(cat "$T/show.err")"
grep -Eq '^BACKING +file$' "$T/show.txt" || fail "show $ident has no BACKING file: $(cat "$T/show.txt")"
grep -q ':map:\|map' "$T/show.txt" || fail "show $ident lists no mapping holder"
# Not removable: it ends with its holders.
"$IPCSCOPE" rm "$ident" >"$T/rm.out" 2>&1 && fail "rm $ident succeeded"
echo "ok: anonymous and file shared mappings match maps, map_files, smaps and lsfd"
