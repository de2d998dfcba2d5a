#!/usr/bin/env bash
# ftok keys: SysV objects made with ftok(3) keys (gen --ftok, and a small Python program that
# holds its key file open and makes a key of its own executable) are split into proj, device
# and inode bits, and `list -o +KEYFILE`, `show` and `-J` name the file each key was made from:
# through the creator's working directory, an open fd, the executable, or a --key-path DIR no
# process has open. A key no file explains names none; a key chosen by hand and ftok's error
# value are said to be no ftok key. Hostile --key-path trees (a FIFO, symlink loops, a symlink
# to /, an unreadable directory, deep nesting) neither hang nor crash the search.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
T=$(mktemp -d)
PYPID=
cleanup() { [ -n "$PYPID" ] && kill "$PYPID" 2>/dev/null; stop_gens; rm -rf "$T"; }
trap cleanup EXIT
mkdir -p "$T/app" "$T/other" "$T/held" "$T/hostile"
echo key >"$T/app/keyfile"
echo key >"$T/other/k2"
echo key >"$T/held/keyf"
mkfifo "$T/hostile/fifo"

# gen's processes work in $T/app and make every key from $T/app/keyfile; the second run
# works in $T, away from its key file, which only --key-path can find.
cd "$T/app" && start_gen "$T/g1.json" sysv-shm sysv-msg sysv-sem --ftok "$T/app/keyfile" --hold 120
cd "$T" && start_gen "$T/g2.json" sysv-shm --ftok "$T/other/k2" --hold 120
cd /

# gen's own document: the keys are ftok's, with proj 'A' (gen --ftok's first proj).
py - "$T" <<'PY' || fail "gen --ftok keys are not ftok's"
import json, os, sys
T = sys.argv[1]
bad = []
for doc, path in (("g1", "app/keyfile"), ("g2", "other/k2")):
    d = json.load(open(f"{T}/{doc}.json"))
    st = os.stat(f"{T}/{path}")
    want = ord("A") << 24 | (st.st_dev & 0xff) << 16 | (st.st_ino & 0xffff)
    if d["params"].get("ftok") != f"{T}/{path}":
        bad.append(f"{doc}: params {d['params']}")
    for m in d["mechanisms"]:
        for o in m["objects"]:
            if o["key"] != want:
                bad.append(f"{doc} {o['kind']}: key {o['key']:#x}, ftok gives {want:#x}")
print(*bad, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# A real program: holds $T/held/keyf open and makes a segment from it, a queue from its own
# executable, a set whose key no file can give (its device byte is no mounted device's), a
# queue of a key chosen by hand, one of ftok's error value, and one from a FIFO.
py - "$T" >"$T/py.json" 2>"$T/py.err" <<'PY' &
import ctypes, json, os, sys, time
T = sys.argv[1]
libc = ctypes.CDLL(None, use_errno=True)
libc.ftok.argtypes = [ctypes.c_char_p, ctypes.c_int]
libc.shmat.restype = ctypes.c_void_p
IPC_CREAT = 0o1000
held = open(f"{T}/held/keyf")
k_fd = libc.ftok(f"{T}/held/keyf".encode(), ord("Z")) & 0xffffffff
k_exe = libc.ftok(sys.executable.encode(), ord("E")) & 0xffffffff
k_fifo = libc.ftok(f"{T}/hostile/fifo".encode(), ord("F")) & 0xffffffff
used = {os.stat(l.split()[4]).st_dev & 0xff for l in open("/proc/self/mountinfo")
        if os.path.exists(l.split()[4])}
free = next(b for b in range(1, 256) if b not in used)
k_none = ord("N") << 24 | free << 16 | 0x4242
class Msg(ctypes.Structure):
    _fields_ = [("mtype", ctypes.c_long), ("text", ctypes.c_char * 8)]
class Sembuf(ctypes.Structure):
    _fields_ = [("num", ctypes.c_ushort), ("op", ctypes.c_short), ("flg", ctypes.c_short)]
shm = libc.shmget(k_fd, 4096, IPC_CREAT | 0o600)
libc.shmat(shm, None, 0)
# The kernel records a queue's sender and a set's last semop, not their creator: one each.
msg_exe = libc.msgget(k_exe, IPC_CREAT | 0o600)
libc.msgsnd(msg_exe, ctypes.byref(Msg(1, b"x")), 8, 0)
sem_none = libc.semget(k_none, 1, IPC_CREAT | 0o600)
libc.semop(sem_none, ctypes.byref(Sembuf(0, 1, 0)), 1)
msg_fifo = libc.msgget(k_fifo, IPC_CREAT | 0o600)
out = {"pid": os.getpid(), "exe": os.path.realpath(sys.executable), "shm_fd": shm, "k_fd": k_fd,
       "msg_exe": msg_exe, "k_exe": k_exe, "sem_none": sem_none, "k_none": k_none,
       "msg_hand": libc.msgget(0x1234, IPC_CREAT | 0o600),
       "msg_err": libc.msgget(-1, IPC_CREAT | 0o600),
       "msg_fifo": msg_fifo, "k_fifo": k_fifo}
os.chdir("/")
print(json.dumps(out), flush=True)
time.sleep(120)
PY
PYPID=$!
for _ in $(seq 100); do [ -s "$T/py.json" ] && break; sleep 0.05; done
[ -s "$T/py.json" ] || fail "the ftok program did not start: $(cat "$T/py.err")"
pyf() { py -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/py.json" "$1"; }
[ "$(pyf msg_err)" -ge 0 ] && [ "$(pyf sem_none)" -ge 0 ] || fail "the ftok program's objects: $(cat "$T/py.json")"

# list -o +KEYFILE: one row per object with its key's file and how it was found.
COLS=KIND,ID,KEY,KEYFORM,KEYPROJ,KEYDEV,KEYINO,KEYFILE,KEYVIA,KEYPID,KEYMATCHES
"$IPCSCOPE" list -N self -t sysv -r -n -o "$COLS" >"$T/l.txt" 2>"$T/l.err" || fail "list -o KEYFILE: $(cat "$T/l.err")"
# -J has every field but picks no columns: sorting by KEYFILE asks for the search.
"$IPCSCOPE" list -N self -t sysv -J -s KEYFILE >"$T/l.json" 2>"$T/l.jerr" || fail "list -J -s KEYFILE: $(cat "$T/l.jerr")"
validate "$T/l.json"
"$IPCSCOPE" list -N self -t sysv -J --key-path "$T/other" --key-path "$T/hostile" >"$T/k.json" 2>"$T/k.err" ||
    fail "list -J --key-path: $(cat "$T/k.err")"
validate "$T/k.json"
"$IPCSCOPE" list -N self -t sysv -J >"$T/plain.json" || fail "list -J"
py - "$T" <<'PY' || fail "KEYFILE, KEYVIA, ftok JSON: $(cat "$T/l.txt")"
import json, os, sys
T = sys.argv[1]
p = json.load(open(f"{T}/py.json"))
g1 = json.load(open(f"{T}/g1.json"))
g2 = json.load(open(f"{T}/g2.json"))
rows = {}
for line in open(f"{T}/l.txt"):
    f = line.split()
    rows[(f[0], int(f[1]))] = f
lj = {(o["kind"], o["id"]): o for o in json.load(open(f"{T}/l.json"))["objects"]}
kj = {(o["kind"], o["id"]): o for o in json.load(open(f"{T}/k.json"))["objects"]}
plain = {(o["kind"], o["id"]): o for o in json.load(open(f"{T}/plain.json"))["objects"]}
bad = []
def want(kind, oid, file, via, pid=None, doc=lj, table=True):
    r = rows.get((kind, oid))
    o = doc.get((kind, oid), {}).get("ftok", {})
    key = int(doc[(kind, oid)]["key"], 16)
    if o.get("form") != "ftok" or o.get("proj") != key >> 24 or o.get("dev_bits") != (key >> 16) & 0xff \
            or o.get("ino_bits") != key & 0xffff:
        bad.append(f"{kind} {oid}: split {o} of {key:#x}")
    if o.get("file") != file or o.get("via") != via or (pid is not None and o.get("pid") != pid):
        bad.append(f"{kind} {oid}: JSON ftok {o}, want {file} via {via} pid {pid}")
    if file and o.get("matches", 0) < 1:
        bad.append(f"{kind} {oid}: matches {o}")
    if table and (r is None or r[7] != (file or "-") or r[8] != (via or "-")
                  or r[4] != str(key >> 24) or r[3] != "ftok"):
        bad.append(f"{kind} {oid}: row {r}")
# gen's objects: the file in its working directory, found through a process of gen's.
gpids = {g1["pid"]} | {h["pid"] for m in g1["mechanisms"] for o in m["objects"] for h in o["holders"]}
for m in g1["mechanisms"]:
    for o in m["objects"]:
        want(o["kind"], o["id"], f"{T}/app/keyfile", "cwd-entry")
        pid = lj[(o["kind"], o["id"])]["ftok"].get("pid")
        if pid is None:
            bad.append(f"{o['kind']}: no pid")
# g2's key file is in no process's view: none without --key-path, found with it.
s2 = g2["mechanisms"][0]["objects"][0]
want("sysv-shm", s2["id"], None, None)
want("sysv-shm", s2["id"], f"{T}/other/k2", "key-path", doc=kj, table=False)
if "pid" in kj[("sysv-shm", s2["id"])]["ftok"]:
    bad.append("a key-path source has a pid")
# The program's: its open fd, its executable, a FIFO under --key-path, nothing.
want("sysv-shm", p["shm_fd"], f"{T}/held/keyf", "fd", p["pid"])
want("sysv-msg", p["msg_exe"], p["exe"], "exe", p["pid"])
want("sysv-msg", p["msg_fifo"], f"{T}/hostile/fifo", "key-path", doc=kj, table=False)
want("sysv-sem", p["sem_none"], None, None)
if lj[("sysv-sem", p["sem_none"])]["ftok"].get("matches") != 0 or lj[("sysv-sem", p["sem_none"])]["ftok"].get("checked", 0) < 3:
    bad.append(f"sem_none: {lj[('sysv-sem', p['sem_none'])]['ftok']}")
for oid, form in ((p["msg_hand"], "proj-0"), (p["msg_err"], "ftok-error")):
    o = lj[("sysv-msg", oid)]["ftok"]
    if o != {"form": form}:
        bad.append(f"{form} key: {o}")
    if rows[("sysv-msg", oid)][3] != form or rows[("sysv-msg", oid)][7] != "-":
        bad.append(f"{form} row {rows[('sysv-msg', oid)]}")
# Without KEYFILE or --key-path nothing is searched: the split only.
for k, o in plain.items():
    if set(o.get("ftok", {})) - {"form", "proj", "dev_bits", "ino_bits"}:
        bad.append(f"plain list -J searched: {k} {o['ftok']}")
for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# show: the split, and the probable source as the call that made the key.
shm1=$(py -c 'import json,sys; print([o["id"] for m in json.load(open(sys.argv[1]))["mechanisms"] for o in m["objects"] if o["kind"]=="sysv-shm"][0])' "$T/g1.json")
"$IPCSCOPE" show -N self sysv-shm "$shm1" >"$T/s1.txt" || fail "show sysv-shm $shm1"
grep -q "^FTOK       proj 'A' (65), device bits 0x[0-9a-f][0-9a-f], inode bits 0x[0-9a-f]\{4\}$" "$T/s1.txt" || fail "show FTOK: $(cat "$T/s1.txt")"
grep -qF "KEYFILE    probable source: ftok(\"$T/app/keyfile\", 'A') (in the working directory of pid " "$T/s1.txt" ||
    fail "show KEYFILE: $(cat "$T/s1.txt")"
"$IPCSCOPE" show -N self sysv-shm "$(pyf shm_fd)" >"$T/s2.txt" || fail "show the program's segment"
grep -qF "probable source: ftok(\"$T/held/keyf\", 'Z') (an open file of pid $(pyf pid))" "$T/s2.txt" || fail "show fd source: $(cat "$T/s2.txt")"
s2=$(py -c 'import json,sys; print(json.load(open(sys.argv[1]))["mechanisms"][0]["objects"][0]["id"])' "$T/g2.json")
"$IPCSCOPE" show -N self sysv-shm "$s2" >"$T/s3.txt" || fail "show g2"
grep -q "^KEYFILE    no probable source: none of the [0-9]* files compared gives this key$" "$T/s3.txt" || fail "show without key-path: $(cat "$T/s3.txt")"
"$IPCSCOPE" show -N self sysv-shm "$s2" --key-path "$T/other" -J >"$T/s3.json" || fail "show --key-path -J"
validate "$T/s3.json"
py -c 'import json,sys; f=json.load(open(sys.argv[1]))["objects"][0]["ftok"]; sys.exit(f.get("file")!=sys.argv[2]+"/other/k2" or f.get("via")!="key-path")' "$T/s3.json" "$T" ||
    fail "show -J --key-path: $(cat "$T/s3.json")"
"$IPCSCOPE" show -N self sysv-sem "$(pyf sem_none)" >"$T/s4.txt" || fail "show sem_none"
grep -q "^KEYFILE    no probable source" "$T/s4.txt" || fail "a key no file gives: $(cat "$T/s4.txt")"
"$IPCSCOPE" show -N self sysv-msg "$(pyf msg_hand)" >"$T/s5.txt" || fail "show msg_hand"
grep -q "^FTOK       not made by ftok: proj byte 0" "$T/s5.txt" && ! grep -q "^KEYFILE" "$T/s5.txt" || fail "hand key: $(cat "$T/s5.txt")"
"$IPCSCOPE" show -N self sysv-msg "$(pyf msg_err)" >"$T/s6.txt" || fail "show msg_err"
grep -q "^FTOK       0xffffffff is (key_t)-1, what ftok returns when it fails" "$T/s6.txt" || fail "error key: $(cat "$T/s6.txt")"

# Hostile key paths: symlink loops, a symlink to /, an unreadable directory, deep nesting,
# a FIFO. Bounded and never following: done in seconds, exit 0, what was left out said.
H=$T/hostile
ln -s "$H/loop1" "$H/loop2"; ln -s "$H/loop2" "$H/loop1"; ln -s / "$H/root"; ln -s . "$H/self"
mkdir -p "$H/closed/inner"; echo x >"$H/closed/inner/f"; chmod 000 "$H/closed"
d=$H/deep; for i in $(seq 40); do d=$d/d; done; mkdir -p "$d"
for i in $(seq 300); do : >"$H/many$i"; done
start=$(date +%s)
timeout 30 "$IPCSCOPE" list -N self -t sysv -o KIND,ID,KEYFILE --key-path "$H" >"$T/h.txt" 2>"$T/h.err" ||
    fail "list --key-path over a hostile tree exited $?: $(cat "$T/h.err")"
grep -q "key-path $H: .* directories deeper than 4 levels were not entered" "$T/h.err" || fail "depth not said: $(cat "$T/h.err")"
grep -qF "$H/fifo" "$T/h.txt" || fail "the FIFO key file: $(cat "$T/h.txt")"
! grep -q "$H/root/\|$H/self/\|$H/loop" "$T/h.txt" || fail "a symlink was followed: $(cat "$T/h.txt")"
# As nobody: the unreadable directory is an error line, not a failure.
if command -v setpriv >/dev/null; then
    chmod 755 "$T"
    timeout 30 setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCSCOPE" list -N self -t sysv -o KIND,ID,KEYFILE \
        --key-path "$H" >"$T/n.txt" 2>"$T/n.err" || fail "as nobody: exit $?: $(cat "$T/n.err")"
    grep -q "key-path $H: [0-9]* entries could not be read" "$T/n.err" || fail "as nobody, unreadable not said: $(cat "$T/n.err")"
    grep -q "processes could not be read" "$T/n.err" || fail "as nobody, unreadable processes not said: $(cat "$T/n.err")"
fi
# More entries than the bound: stopped, and said so.
mkdir "$T/big"; (cd "$T/big" && seq 20100 | xargs touch)
timeout 60 "$IPCSCOPE" list -N self -t sysv -o KIND,ID,KEYFILE --key-path "$T/big" >/dev/null 2>"$T/b.err" || fail "big key path: $(cat "$T/b.err")"
grep -q "key-path $T/big: stopped after 20000 entries" "$T/b.err" || fail "bound not said: $(cat "$T/b.err")"
[ $(( $(date +%s) - start )) -lt 60 ] || fail "hostile key paths took $(( $(date +%s) - start )) s"
chmod 755 "$H/closed"

# Bad input: one line, exit 2.
"$IPCSCOPE" list $(for i in $(seq 17); do printf -- '--key-path %s ' "$T"; done) >/dev/null 2>"$T/e.err"
[ $? = 2 ] && [ "$(wc -l <"$T/e.err")" = 1 ] || fail "17 --key-path: $(cat "$T/e.err")"
"$IPCSCOPE" gen sysv-shm --ftok "$T/nonexistent" >/dev/null 2>"$T/e2.err"
[ $? = 2 ] && grep -q "ftok '$T/nonexistent': No such file" "$T/e2.err" || fail "gen --ftok missing: $(cat "$T/e2.err")"
echo "ok: ftok keys split and their files found"
