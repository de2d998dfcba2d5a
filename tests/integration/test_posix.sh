#!/bin/bash
# test_posix.sh - real POSIX objects made by the generators, checked field by field through
# `list -J -t posix` and `show -J`: a queue holding 2 messages, a shm object mapped by a
# child and open in the parent, a named semaphore of value 3. Each field is compared with
# what the generator says it made and with stat(1) of the file behind it; every document is
# validated against the schema. Then the same objects seen by an unprivileged user: partial,
# with the reason.
set -u
: "${IPCSCOPE:?} ${SCHEMA:?} ${SRCDIR:?}"
PY=/usr/bin/python3
VALIDATE="$SRCDIR/tests/tools/validate.py"

grep -q ' /dev/mqueue mqueue ' /proc/mounts || { echo "SKIP: /dev/mqueue is not mounted"; exit 77; }
"$IPCSCOPE" gen --list 2>/dev/null | grep -q '^ *posix-sem' ||
    { echo "SKIP: this build has no POSIX generators"; exit 77; }

tmp=$(mktemp -d /tmp/ipcscope-test-posix.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# gen NAME ARGS...: start a holding generator, wait for its JSON document (printed once
# everything is in place) in $tmp/NAME.gen.json
gen() {
    local name=$1; shift
    "$IPCSCOPE" gen "$@" --hold 60 -J >"$tmp/$name.gen.json" 2>"$tmp/$name.gen.err" &
    pids+=($!)
    for _ in $(seq 100); do
        kill -0 "${pids[-1]}" 2>/dev/null || break
        $PY -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/$name.gen.json" 2>/dev/null &&
            sleep 0.05 && kill -0 "${pids[-1]}" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "FAIL: gen $*: not holding: $(head -c 600 "$tmp/$name.gen.err")"
    exit 1
}

# run NAME ARGS...: ipcscope ARGS into $tmp/NAME.json; exit status and schema checked
run() {
    local name=$1; shift
    "$IPCSCOPE" "$@" >"$tmp/$name.json" 2>"$tmp/$name.err" ||
        { fail "$name: ipcscope $* exited $?: $(head -c 300 "$tmp/$name.err")"; return 1; }
    $PY "$VALIDATE" "$SCHEMA" "$tmp/$name.json" || fail "$name: output does not match the schema"
}

gen mq posix-mq --fill 2
gen shm posix-shm
gen sem posix-sem --fill 3

run list list -J -t posix
mq=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["mechanisms"][0]["objects"][0]["name"])' "$tmp/mq.gen.json")
run show_mq show -J posix-mq "$mq"

# Python with helpers: gen(name) is a generator's object, obj(kind, name) ipcscope's, st()
# the stat of the file behind it.
cat >"$tmp/lib.py" <<'EOF'
import json, os, pwd, grp, stat, sys, time
tmp = sys.argv[1]
doc = json.load(open(f"{tmp}/list.json"))
MNT = os.stat("/proc/self/ns/mnt").st_ino
IPC = os.stat("/proc/self/ns/ipc").st_ino

def gen(which, kind=None):
    d = json.load(open(f"{tmp}/{which}.gen.json"))
    objs = [o for m in d["mechanisms"] for o in m["objects"] if o.get("name") and (kind is None or o["kind"] == kind)]
    assert len(objs) == 1, objs
    return d["pid"], objs[0]

def obj(kind, name, d=doc):
    hits = [o for o in d["objects"] if o["kind"] == kind and o.get("name") == name]
    assert len(hits) == 1, f"{kind} {name}: {len(hits)} objects in {[o['identity'] for o in d['objects']]}"
    return hits[0]

def path(kind, name):
    return {"posix-mq": "/dev/mqueue" + name, "posix-shm": "/dev/shm" + name,
            "posix-sem": "/dev/shm/sem." + name[1:]}[kind]

def utc(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))

def common(o, kind, name, g, st):
    # queues belong to the IPC namespace's mqueue mount; /dev/shm files to the mount namespace
    ns = IPC if kind == "posix-mq" else MNT
    assert o["identity"] == f"{kind}:{ns}:{name}", o["identity"]
    assert o["ns"] == ns, o
    assert o["inode"] == st.st_ino == g["inode"], (o["inode"], st.st_ino, g["inode"])
    assert o["owner"] == {"user": pwd.getpwuid(st.st_uid).pw_name, "uid": st.st_uid,
                          "group": grp.getgrgid(st.st_gid).gr_name, "gid": st.st_gid}, o["owner"]
    assert o["mode"] == "%04o" % stat.S_IMODE(st.st_mode), (o["mode"], oct(st.st_mode))
    assert "status" not in o and "partial" not in o, o
    # holders: the very pids, fds and access the generator reports. It names a process once,
    # by its fd when it has one; ipcscope also lists that process's mapping, if any.
    want = sorted((h["pid"], h.get("fd"), h["access"]) for h in g["holders"])
    by_fd = {h["pid"] for h in o["holders"] if h["fd"] is not None}
    got = sorted((h["pid"], h["fd"], h["access"]) for h in o["holders"]
                 if h["fd"] is not None or h["pid"] not in by_fd)
    assert want == got, (want, o["holders"])

def detail(g):
    return dict(w.split("=", 1) for w in g.get("detail", "").split())
EOF

# The queue: 2 messages of 64 bytes, attributes from mq_getattr, QSIZE from the kernel's line.
$PY - "$tmp" <<'EOF' || fail "posix-mq fields"
import sys; exec(open(sys.argv[1] + "/lib.py").read())
pid, g = gen("mq")
o = obj("posix-mq", g["name"])
st = os.stat(path("posix-mq", g["name"]))
common(o, "posix-mq", g["name"], g, st)
det = detail(g)
assert o["messages"] == 2 == g["fill"], o
assert o["max_messages"] == int(det["maxmsg"]), (o, det)
assert o["msgsize"] == int(det["msgsize"]) == 64, (o, det)
assert o["size"] == o["max_messages"] * o["msgsize"], o
assert o["used_bytes"] == 2 * 64, o
assert o["use_percent"] == round(100 * o["used_bytes"] / o["size"], 1), o
# nobody asked for a notification
assert "notify" not in o and "signo" not in o and "notify_pid" not in o, o
assert o["mtime"] == utc(st.st_mtime), (o["mtime"], st.st_mtime)
# reading the file (as every scan does) sets atime and ctime, so they are not shown
assert "atime" not in o and "ctime" not in o, o
# the kernel's own line says the same
line = open(path("posix-mq", g["name"])).read()
assert f"QSIZE:{o['used_bytes']} " in line, line
# show finds the same object by name
s = json.load(open(sys.argv[1] + "/show_mq.json"))
so = obj("posix-mq", g["name"], s)
assert so == o, (so, o)
EOF

# The shm object: 192 bytes, open by fd in the parent and mapped in the child.
$PY - "$tmp" <<'EOF' || fail "posix-shm fields"
import sys; exec(open(sys.argv[1] + "/lib.py").read())
pid, g = gen("shm")
o = obj("posix-shm", g["name"])
st = os.stat(path("posix-shm", g["name"]))
assert o["size"] == st.st_size == int(detail(g)["size"]), (o, st.st_size, g)
assert o["allocated"] == st.st_blocks * 512, (o, st.st_blocks)
assert o["allocated"] > 0, o
for k, t in (("atime", st.st_atime), ("mtime", st.st_mtime), ("ctime", st.st_ctime)):
    assert o[k] == utc(t), (k, o[k], t)
common(o, "posix-shm", g["name"], g, st)
assert any(h["fd"] is None and h["pid"] != pid for h in o["holders"]), o["holders"]
assert any(h["fd"] is not None and h["pid"] == pid for h in o["holders"]), o["holders"]
assert "used_bytes" not in o and "messages" not in o, o
EOF

# The named semaphore: value 3, held through mappings by both workers.
$PY - "$tmp" <<'EOF' || fail "posix-sem fields"
import sys; exec(open(sys.argv[1] + "/lib.py").read())
pid, g = gen("sem", "posix-sem")
o = obj("posix-sem", g["name"])
st = os.stat(path("posix-sem", g["name"]))
assert o["value"] == 3 == g["fill"], (o, g)
for k, t in (("mtime", st.st_mtime), ("ctime", st.st_ctime)):
    assert o[k] == utc(t), (k, o[k], t)
common(o, "posix-sem", g["name"], g, st)
assert "size" not in o and "semaphores" not in o, o
EOF

# Use of the POSIX limits while these objects exist.
run limits limits -J -b
$PY - "$tmp" <<'EOF' || fail "limits in use"
import sys; exec(open(sys.argv[1] + "/lib.py").read())
# Limits are per namespace: this test's own (IPC for queues, mount for /dev/shm).
own = {os.stat("/proc/self/ns/ipc").st_ino, os.stat("/proc/self/ns/mnt").st_ino}
lim = {l["name"]: l for l in json.load(open(sys.argv[1] + "/limits.json"))["limits"] if l.get("ns", 0) in own | {0}}
assert lim["queues_max"]["used"] >= 1, lim["queues_max"]
assert lim["msg_max"]["used"] >= int(detail(gen("mq")[1])["maxmsg"]), lim["msg_max"]
assert lim["msgsize_max"]["used"] >= 64, lim["msgsize_max"]
assert lim["devshm_bytes"]["used"] >= 192, lim["devshm_bytes"]
EOF

# An unprivileged user may stat the files but not read or open them (mode 0600): the objects
# are listed with their inode's fields, partial, and say why.
if [ "$(id -u)" = 0 ]; then
    if setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCSCOPE" list -J -t posix \
        >"$tmp/nobody.json" 2>"$tmp/nobody.err"; then
        $PY "$VALIDATE" "$SCHEMA" "$tmp/nobody.json" || fail "nobody: schema"
        $PY - "$tmp" <<'EOF' || fail "partial objects as nobody"
import sys; exec(open(sys.argv[1] + "/lib.py").read())
d = json.load(open(sys.argv[1] + "/nobody.json"))
for which, kind, why in (("mq", "posix-mq", "mq_open: Permission denied"),
                         ("sem", "posix-sem", "open: Permission denied")):
    g = gen(which, kind)[1]
    o = obj(kind, g["name"], d)
    if os.stat(path(kind, g["name"])).st_mode & 0o004:
        continue  # readable by anyone: nothing to refuse
    assert o["status"] == "partial" and why in o["partial"], o
    assert o["inode"] == g["inode"] and "mode" in o and "owner" in o, o
    assert "messages" not in o and "value" not in o, o
    if kind == "posix-mq":
        assert "Permission denied" in o["partial"].split(";")[0] and "used_bytes" not in o, o
EOF
    else
        fail "nobody: list exited $?: $(head -c 300 "$tmp/nobody.err")"
    fi
else
    echo "note: not root, the unprivileged view is left out"
fi

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "ok"
