#!/usr/bin/env bash
# Every namespace of the host, as root: three "containers" made with unshare (their own IPC,
# mount, network and UTS namespaces, a fresh tmpfs on /dev/shm, their own mqueue mount,
# loopback up, a hostname), each running the generators with objects and holders in it. One
# is put in a cgroup named as Docker's systemd driver names its scopes, one in a podman-style
# libpod scope (and its own pid namespace, so its holders have a pid inside that differs),
# one in no cgroup of a runtime. Through list -J, show -J, -N and limits -J:
#   - every generator object of every namespace is listed once, with `ns` the inode of its
#     namespace of its kind and `container` {runtime, id, name = the hostname};
#   - holders are the generator's processes, carry the container id and (pid namespace)
#     their pid inside; identities are unique although ids, names and inodes repeat;
#   - sockets of the other network namespaces are complete (state, addresses, queues, the
#     TCP pair naming each other), not partial;
#   - -N <12-char container prefix>, -N <IPC namespace inode> and -N self each keep exactly
#     the objects of the namespaces they name;
#   - limits -J shows each foreign IPC namespace's limits with its ns (one has msgmni set);
#   - two files with the same inode number on two fresh tmpfs (two mount namespaces), each
#     held open and mapped by its own process, keep their holders apart.
# The script reruns itself in private pid, IPC and mount namespaces (testlib's isolate), so
# the only processes it reads are its own and every one is readable.
. "$SRCDIR/tests/tools/testlib.sh"
need_root "entering namespaces and making cgroups"
command -v unshare >/dev/null || skip "no unshare(1)"
command -v ip >/dev/null || skip "no ip(8) to bring loopback up"
isolate "$@"

T=$(mktemp -d)
UPIDS=()    # the unshare processes of the containers (they ignore SIGTERM: see cleanup)
HPIDS=()    # the processes holding the twin files
CGDIRS=()   # cgroup directories made here, innermost last
ORIG_V2= ORIG_V1=

# The processes still in a cgroup directory go back to the test's own cgroup, so that the
# directory (which cannot be removed while populated) can be.
drain_cgroup() {
    local dir=$1 back=$2 p
    [ -f "$dir/cgroup.procs" ] || return 0
    while read -r p; do echo "$p" >"$back/cgroup.procs" 2>/dev/null; done <"$dir/cgroup.procs"
}
cleanup() {
    local p i
    # unshare --fork ignores SIGTERM, so the generator (its child) is told directly; it
    # removes what it made, and unshare then exits with it.
    for p in "${UPIDS[@]}"; do
        for c in $(cat "/proc/$p/task/$p/children" 2>/dev/null); do kill -TERM "$c" 2>/dev/null; done
    done
    for p in "${HPIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${UPIDS[@]}" "${HPIDS[@]}"; do wait "$p" 2>/dev/null; done
    for ((i = ${#CGDIRS[@]} - 1; i >= 0; i--)); do
        case ${CGDIRS[$i]} in
        "$V1"/*) drain_cgroup "${CGDIRS[$i]}" "$ORIG_V1" ;;
        *) drain_cgroup "${CGDIRS[$i]}" "$ORIG_V2" ;;
        esac
        # A slice made here may meanwhile hold another test's scope (the hierarchy is the
        # host's): then it stays, for whoever empties it last.
        rmdir "${CGDIRS[$i]}" 2>/dev/null || echo "note: ${CGDIRS[$i]} left in place: $(
            find "${CGDIRS[$i]}" -mindepth 1 -maxdepth 1 -type d | wc -l) cgroups and $(
            wc -l <"${CGDIRS[$i]}/cgroup.procs") processes in it" >&2
    done
    rm -rf "$T"
}
trap cleanup EXIT

# Cgroup hierarchies: v2 at /sys/fs/cgroup (unified) or /sys/fs/cgroup/unified (hybrid, as on
# Debian hosts booted with systemd.unified_cgroup_hierarchy=0), and v1 name=systemd. Docker's
# scope goes into v2, podman's into name=systemd when the host has it (so both layouts are
# read for real), else into v2 as well.
V2= V1=
if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
    V2=/sys/fs/cgroup
elif [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
    V2=/sys/fs/cgroup/unified
fi
[ "$(stat -fc %T /sys/fs/cgroup/systemd 2>/dev/null)" = cgroupfs ] && V1=/sys/fs/cgroup/systemd
[ -n "$V2" ] && ORIG_V2=$V2$(sed -n 's/^0:://p' /proc/self/cgroup)
[ -n "$V1" ] && ORIG_V1=$V1$(sed -n 's/^[0-9]*:name=systemd://p' /proc/self/cgroup)

# make_scope ROOT SLICE SCOPE: a fresh directory for a container's scope; SCOPE_PROCS is its
# cgroup.procs, or "" when cgroups cannot be made here. (Not a $(...): CGDIRS must be this
# shell's, for the cleanup.)
make_scope() {
    local root=$1 slice=$2 scope=$3
    SCOPE_PROCS=
    [ -n "$root" ] || return 0
    if [ ! -d "$root/$slice" ]; then
        mkdir "$root/$slice" 2>/dev/null || return 0
        CGDIRS+=("$root/$slice")
    fi
    mkdir "$root/$slice/$scope" 2>/dev/null || return 0
    CGDIRS+=("$root/$slice/$scope")
    SCOPE_PROCS=$root/$slice/$scope/cgroup.procs
}
hex64() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }
ID_D=$(hex64)
ID_P=$(hex64)
make_scope "$V2" system.slice "docker-$ID_D.scope"
CG_D=$SCOPE_PROCS
make_scope "${V1:-$V2}" machine.slice "libpod-$ID_P.scope"
CG_P=$SCOPE_PROCS
[ -n "$CG_D" ] || echo "note: no cgroup v2 hierarchy to write: the docker container part is skipped"
[ -n "$CG_P" ] || echo "note: no cgroup hierarchy to write: the podman container part is skipped"

# What a container's first process does before it becomes the generator: mount its own
# /dev/shm and /dev/mqueue, bring loopback up, name itself.
cat >"$T/inner.sh" <<'EOF'
set -e
host=$1 msgmni=$2
shift 2
mount -t tmpfs -o size=16m,mode=1777 none /dev/shm
mkdir -p /dev/mqueue
mount -t mqueue none /dev/mqueue
ip link set lo up
hostname "$host"
[ -z "$msgmni" ] || echo "$msgmni" >/proc/sys/kernel/msgmni
exec "$@"
EOF

MECHS=(pipe sysv-msg sysv-shm posix-mq posix-shm posix-sem tcp unix-stream)
: >"$T/containers"
# start_container NAME CGROUP_PROCS MSGMNI [unshare options]: the generators in namespaces of
# their own; returns once their JSON is complete (as start_gen does) and records
# "NAME GENPID UNSHAREPID" for the checks.
start_container() {
    local name=$1 cg=$2 msgmni=$3 out=$T/$1.json upid gpid=
    shift 3
    # The cgroup is joined before unshare ("0" is the writer itself, in v1 and v2 alike),
    # as a runtime does: unshare --fork stays in the IPC, mount, network and UTS namespaces
    # it made, and as the lowest pid there it decides their container (nsdisc.c).
    bash -c '[ -z "$1" ] || echo 0 >"$1"; shift; exec "$@"' join "$cg" \
        unshare --ipc --mount --net --uts --fork --propagation private --kill-child=TERM "$@" \
        bash "$T/inner.sh" "$name" "$msgmni" \
        "$IPCSCOPE" gen "${MECHS[@]}" --hold 120 --fill 2 -J >"$out" 2>"$out.err" &
    upid=$!
    UPIDS+=("$upid")
    for _ in $(seq 200); do
        if py -c 'import json,sys; json.load(open(sys.argv[1]))' "$out" 2>/dev/null; then
            gpid=$(tr -d ' ' <"/proc/$upid/task/$upid/children")
            break
        fi
        kill -0 "$upid" 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$gpid" ] || { cat "$out" "$out.err" >&2; fail "container $name: the generators did not report"; }
    echo "$name $gpid $upid" >>"$T/containers"
}
start_container nst-docker "$CG_D" 777
start_container nst-podman "$CG_P" "" --pid --mount-proc
start_container nst-plain "" ""

# Two files with one inode number on two tmpfs: each in a mount namespace of its own with a
# fresh tmpfs on /dev/shm (tmpfs numbers its inodes per mount, from 1). The second mount
# makes files until one has the first one's number; each is then held open and mapped by
# its own process.
cat >"$T/hold.py" <<'EOF'
import mmap, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
os.ftruncate(fd, 4096)
m = mmap.mmap(fd, 4096)
m[:5] = b"twin\n"
open(sys.argv[2], "w").write("%d %d %d\n" % (os.getpid(), os.fstat(fd).st_dev, os.fstat(fd).st_ino))
time.sleep(120)
EOF
cat >"$T/twin.sh" <<'EOF'
set -e
want=$1 ready=$2
mount -t tmpfs -o size=1m,mode=1777 none /dev/shm
for i in $(seq 100); do
    : >/dev/shm/twin
    ino=$(stat -c %i /dev/shm/twin)
    [ -z "$want" ] || [ "$ino" = "$want" ] && break
    [ "$ino" -lt "$want" ] || { echo "inode $ino passed $want" >&2; exit 1; }
    rm /dev/shm/twin   # the next file gets the next number
done
[ -z "$want" ] || [ "$ino" = "$want" ] || { echo "never reached inode $want" >&2; exit 1; }
exec /usr/bin/python3 "$(dirname "$0")/hold.py" /dev/shm/twin "$ready"
EOF
start_twin() {
    unshare --mount --propagation private bash "$T/twin.sh" "$1" "$T/$2.ready" 2>"$T/$2.err" &
    HPIDS+=("$!")
    for _ in $(seq 100); do
        [ -s "$T/$2.ready" ] && return 0
        kill -0 "$!" 2>/dev/null || break
        sleep 0.05
    done
    cat "$T/$2.err" >&2
    fail "twin $2 not ready"
}
start_twin "" twin1
start_twin "$(cut -d' ' -f3 "$T/twin1.ready")" twin2
read -r _ dev1 ino1 <"$T/twin1.ready"
read -r _ dev2 ino2 <"$T/twin2.ready"
[ "$ino1" = "$ino2" ] && [ "$dev1" != "$dev2" ] ||
    fail "twin files: inode $ino1 on device $dev1, inode $ino2 on device $dev2"

# The TCP fill is written but may still be in flight on loopback: wait until the servers'
# receive queues hold it, as ss sees them inside each network namespace.
while read -r name gpid _; do
    for _ in $(seq 100); do
        nsenter -t "$gpid" -n ss -tnH state established 2>/dev/null | awk '$1 == 2 { f = 1 } END { exit !f }' && break
        sleep 0.05
    done
done <"$T/containers"

"$IPCSCOPE" list -J >"$T/list.json" 2>"$T/list.err" || fail "list -J: $(cat "$T/list.err")"
validate "$T/list.json"

# Every check reads the same facts: the containers' namespaces (from /proc/GENPID/ns, as
# stat -L sees them), their generators' reports, the twins.
py - "$T" "$ID_D" "$ID_P" "${CG_D:+docker}" "${CG_P:+podman}" "$ino1" <<'PY' || fail "objects of other namespaces"
import json, os, sys
T, id_d, id_p, has_d, has_p, twin_ino = sys.argv[1:7]
twin_ino = int(twin_ino)
def load(n): return json.load(open(os.path.join(T, n)))
def nsino(pid, t): return os.stat(f"/proc/{pid}/ns/{t}").st_ino
doc = load("list.json")
listed = doc["objects"]
bad = []
def eq(what, got, want):
    if got != want:
        bad.append(f"{what}: ipcscope {got!r}, expected {want!r}")

# A pid as this namespace sees it, for a pid inside another pid namespace: NSpid's last
# value in the namespace of pidns.
def outer_pid(inner, pidns):
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            if nsino(d, "pid") != pidns:
                continue
            for line in open(f"/proc/{d}/status"):
                if line.startswith("NSpid:") and int(line.split()[-1]) == inner:
                    return int(d)
        except OSError:
            pass
    return None

want_cont = {"nst-docker": ("docker", id_d) if has_d else None,
             "nst-podman": ("podman", id_p) if has_p else None,
             "nst-plain": None}
ctrs = []
for line in open(os.path.join(T, "containers")):
    name, gpid, _ = line.split()
    gpid = int(gpid)
    c = {"name": name, "pid": gpid, "gen": load(name + ".json"),
         "ns": {t: nsino(gpid, t) for t in ("ipc", "mnt", "net", "pid")}}
    c["own_pidns"] = c["ns"]["pid"] != nsino("self", "pid")
    c["cont"] = want_cont[name]
    ctrs.append(c)
own = {t: nsino("self", t) for t in ("ipc", "mnt", "net")}
for c in ctrs:
    for t in ("ipc", "mnt", "net"):
        if c["ns"][t] == own[t]:
            sys.exit(f"{c['name']}: its {t} namespace is the test's own: unshare did not work")

NSTYPE = {"sysv-msg": "ipc", "sysv-shm": "ipc", "sysv-sem": "ipc", "posix-mq": "ipc",
          "posix-shm": "mnt", "posix-sem": "mnt", "fifo": "mnt", "tcp": "net", "udp": "net", "unix": "net"}

ids = [o["identity"] for o in listed]
if len(ids) != len(set(ids)):
    bad.append("identities repeat: " + repr(sorted({i for i in ids if ids.count(i) > 1})))

expected = {}   # identity -> container name, for the -N checks below
for c in ctrs:
    ns = c["ns"]
    gen = [g for m in c["gen"]["mechanisms"] for g in m["objects"]]
    topid = (lambda p: outer_pid(p, ns["pid"])) if c["own_pidns"] else (lambda p: p)
    if not c["own_pidns"]:
        eq(f"{c['name']} generator pid", c["gen"]["pid"], c["pid"])
    for g in gen:
        k = g["kind"]
        if k == "posix-sem" and "name" not in g:
            continue  # an unnamed semaphore in anonymous memory: no object of its own
        t = NSTYPE.get(k)   # None: a pipe, which belongs to no namespace
        if k.startswith("sysv-"):
            hit = [o for o in listed if o["kind"] == k and o.get("id") == g["id"] and o.get("ns") == ns[t]]
        elif "name" in g and k != "unix":
            hit = [o for o in listed if o["kind"] == k and o.get("name") == g["name"] and o.get("ns") == ns[t]]
        else:
            hit = [o for o in listed if o["kind"] == k and o.get("inode") == g["inode"] and o.get("ns") == ns.get(t)]
        what = f"{c['name']} {k} {g.get('role', '')} {g.get('name', g.get('id', g.get('inode')))}"
        if len(hit) != 1:
            bad.append(f"{what}: {len(hit)} objects in its {t} namespace {ns.get(t)}")
            continue
        o = hit[0]
        expected[o["identity"]] = c["name"]
        if k.startswith("sysv-"):
            eq(f"{what} identity", o["identity"], f"{k}:{ns[t]}:{g['id']}")
        elif k in ("posix-mq", "posix-shm", "posix-sem"):
            eq(f"{what} identity", o["identity"], f"{k}:{ns[t]}:{g['name']}")
            eq(f"{what} inode", o.get("inode"), g["inode"])
        else:
            eq(f"{what} identity", o["identity"], f"{k}:{g['inode']}")
        cont = o.get("container")
        if c["cont"]:
            eq(f"{what} container", cont, {"runtime": c["cont"][0], "id": c["cont"][1], "name": c["name"]})
        else:
            eq(f"{what} container", cont, None)
        # Holders: the generator's processes (pids as this namespace sees them), each with
        # the container's id and, in a pid namespace of its own, its pid inside.
        if k == "sysv-msg":
            g = dict(g, holders=[])   # a queue has no fds or mappings: nobody holds it
        want = sorted((topid(h["pid"]), h.get("fd", -1)) for h in g["holders"])
        got = sorted((h["pid"], -1 if h["fd"] is None else h["fd"]) for h in o["holders"])
        if any(fd < 0 for _, fd in want):   # mappings: the generator names no fd, pids only
            want, got = sorted({p for p, _ in want}), sorted({p for p, _ in got})
        eq(f"{what} holders", got, want)
        for h in o["holders"]:
            eq(f"{what} holder {h['pid']} container", h.get("container"), c["cont"][1] if c["cont"] else None)
            if c["own_pidns"]:
                inner = [gh["pid"] for gh in g["holders"] if topid(gh["pid"]) == h["pid"]]
                eq(f"{what} holder {h['pid']} nspid", h.get("nspid"), inner[0] if inner else "?")
            else:
                eq(f"{what} holder {h['pid']} nspid", h.get("nspid"), None)
        if k in ("sysv-msg", "posix-mq"):
            eq(f"{what} messages", o.get("messages"), 2)
        # Sockets of another network namespace: from its own dump, complete.
        if t == "net":
            if "partial" in o:
                bad.append(f"{what} partial: {o['partial']!r}")
            role = g.get("role")
            eq(f"{what} state", o.get("state"), "listen" if role == "listener" else "established")
            if k == "tcp":
                if role == "listener":
                    eq(f"{what} local", o.get("local"), g["addr"])
                elif role == "client":
                    eq(f"{what} local", o.get("local"), g["addr"])
                if role != "listener" and "rqueue" not in o:
                    bad.append(f"{what} has no rqueue")
                if role == "server":
                    eq(f"{what} rqueue", o.get("rqueue"), 2)
            if k == "unix" and role == "server":
                eq(f"{what} rqueue", o.get("rqueue"), 2)
    # The TCP pair: addresses mirrored, each the other's peer_inode.
    tcp = {g["role"]: g for m in c["gen"]["mechanisms"] for g in m["objects"] if g["kind"] == "tcp"}
    by = {o.get("inode"): o for o in listed if o["kind"] == "tcp" and o.get("ns") == ns["net"]}
    cli, srv = by.get(tcp["client"]["inode"]), by.get(tcp["server"]["inode"])
    if cli and srv:
        eq(f"{c['name']} tcp client peer_inode", cli.get("peer_inode"), srv["inode"])
        eq(f"{c['name']} tcp server peer_inode", srv.get("peer_inode"), cli["inode"])
        eq(f"{c['name']} tcp addresses mirrored", (cli.get("local"), cli.get("peer")), (srv.get("peer"), srv.get("local")))
        eq(f"{c['name']} tcp client peer", cli.get("peer"), tcp["listener"]["addr"])
    # The namespaces list: each of the container's, read, with its container.
    nss = {(n["type"], n["inode"]): n for n in doc.get("namespaces", [])}
    for t in ("ipc", "mnt", "net", "pid"):
        if t == "pid" and not c["own_pidns"]:
            continue  # the test's own
        n = nss.get((t, ns[t]))
        if not n:
            bad.append(f"{c['name']}: {t} namespace {ns[t]} not in namespaces")
            continue
        if t != "pid":
            eq(f"{c['name']} {t} namespace scanned", n.get("scanned"), True)
            eq(f"{c['name']} {t} namespace self", n.get("self"), False)
        got = n.get("container")
        eq(f"{c['name']} {t} namespace container",
           (got["runtime"], got["id"], got.get("name")) if got else None,
           (c["cont"][0], c["cont"][1], c["name"]) if c["cont"] else None)

# The twins: one inode number, two devices, two mount namespaces; each object held only
# by the process of its own namespace, through its fd and its mapping.
twins = [o for o in listed if o["kind"] == "posix-shm" and o.get("name") == "/twin"]
eq("twin objects", len(twins), 2)
for f in ("twin1", "twin2"):
    pid = int(open(os.path.join(T, f + ".ready")).read().split()[0])
    mnt = nsino(pid, "mnt")
    hit = [o for o in twins if o.get("ns") == mnt]
    if len(hit) != 1:
        bad.append(f"{f}: {len(hit)} objects in mount namespace {mnt}")
        continue
    o = hit[0]
    eq(f"{f} identity", o["identity"], f"posix-shm:{mnt}:/twin")
    eq(f"{f} inode", o.get("inode"), twin_ino)
    eq(f"{f} holder pids", sorted({h["pid"] for h in o["holders"]}), [pid])
    # python's mmap keeps a dup of the fd: two fd holders and one mapping
    eq(f"{f} held by fds and by a mapping", sorted(h["fd"] is None for h in o["holders"]), [False, False, True])

json.dump(expected, open(os.path.join(T, "expected.json"), "w"))
print(f"list -J: {len(expected)} generator objects in {len(ctrs)} containers checked, and the twins")
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# show -J of each object by its identity is its list entry.
n=0
for id in $(py -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))))' "$T/expected.json"); do
    n=$((n + 1))
    "$IPCSCOPE" show -J "$id" >"$T/show.json" 2>"$T/show.err" || fail "show -J $id: $(cat "$T/show.err")"
    validate "$T/show.json"
    py - "$T" "$id" <<'PY' || fail "show -J $id differs from list -J"
import json, os, sys
T, ident = sys.argv[1:3]
o = json.load(open(os.path.join(T, "show.json")))["objects"]
l = [x for x in json.load(open(os.path.join(T, "list.json")))["objects"] if x["identity"] == ident]
assert len(o) == 1 and o[0]["identity"] == ident, [x["identity"] for x in o]
# The two scans are moments apart: times and queue levels may move, the rest may not. show
# also searches for a SysV key's file (ftok.file and the counts); list -J does not.
def stable(x):
    if "ftok" in x:
        x["ftok"] = {k: v for k, v in x["ftok"].items() if k in ("form", "proj", "dev_bits", "ino_bits")}
    return {k: v for k, v in x.items() if k not in ("atime", "attach_time", "mtime", "ctime", "rtime", "stime", "wqueue")}
assert stable(o[0]) == stable(l[0]), (stable(o[0]), stable(l[0]))
PY
done
[ "$n" -gt 0 ] || fail "no objects to show"
echo "show -J: $n objects as list -J has them"

# -N: a container's 12-character id prefix, one IPC namespace's inode, self. Each must keep
# exactly the objects of the namespaces it names: compared with the full list, filtered.
read -r _ gp_docker _ < <(grep '^nst-docker ' "$T/containers")
read -r _ gp_plain _ < <(grep '^nst-plain ' "$T/containers")
sel=()
[ -n "$CG_D" ] && sel+=("${ID_D:0:12}")
sel+=("$(stat -Lc %i "/proc/$gp_plain/ns/ipc")" self)
for what in "${sel[@]}"; do
    "$IPCSCOPE" list -J -N "$what" >"$T/sel.json" 2>"$T/sel.err" || fail "list -J -N $what: $(cat "$T/sel.err")"
    validate "$T/sel.json"
    py - "$T" "$what" "$gp_docker" "$gp_plain" <<'PY' || fail "-N $what did not select exactly its namespaces"
import json, os, sys
T, what, gp_docker, gp_plain = sys.argv[1:5]
def nsino(pid, t): return os.stat(f"/proc/{pid}/ns/{t}").st_ino
NSTYPE = {"sysv-msg": "ipc", "sysv-shm": "ipc", "sysv-sem": "ipc", "posix-mq": "ipc",
          "posix-shm": "mnt", "posix-sem": "mnt", "fifo": "mnt", "tcp": "net", "udp": "net", "unix": "net"}
full = json.load(open(os.path.join(T, "list.json")))["objects"]
sel = json.load(open(os.path.join(T, "sel.json")))["objects"]
expected = json.load(open(os.path.join(T, "expected.json")))
if what == "self":
    keep = {t: {nsino("self", t)} for t in ("ipc", "mnt", "net")}
    mine = mine_too = set()
elif what.isdigit():
    keep = {"ipc": {int(what)}, "mnt": set(), "net": set()}
    mine = {i for i, c in expected.items() if c == "nst-plain" and i.split(":")[0] in ("sysv-msg", "sysv-shm", "posix-mq")}
    # and the pipes its processes hold (a pipe is kept by its holders' namespaces)
    mine_too = {i for i, c in expected.items() if c == "nst-plain" and i.startswith("pipe:")}
else:
    keep = {t: {nsino(gp_docker, t)} for t in ("ipc", "mnt", "net")}
    mine = {i for i, c in expected.items() if c == "nst-docker"}
    mine_too = set()
def kept(o):
    t = NSTYPE.get(o["kind"])
    return t is not None and o.get("ns") in keep[t]
got = {o["identity"] for o in sel}
# Pipes belong to no namespace: -N keeps those its processes hold, which the full list
# cannot tell without the processes' namespaces; the typed objects must match exactly.
typed = {o["identity"] for o in sel if o["kind"] != "pipe"}
want = {o["identity"] for o in full if kept(o)}
bad = []
if not mine <= got:
    bad.append(f"missing: {sorted(mine - got)}")
others = set(expected) - mine - mine_too
if got & others:
    bad.append(f"of other namespaces: {sorted(got & others)}")
# Objects come and go on the test's own namespaces between two scans (the host's network
# namespace is shared): compare only what both scans could see, the generators' objects.
if what != "self" and typed != want:
    bad.append(f"differs from the full list filtered: extra {sorted(typed - want)}, missing {sorted(want - typed)}")
if any(not kept(o) for o in sel if o["kind"] != "pipe"):
    bad.append(f"objects of other namespaces: {sorted(o['identity'] for o in sel if o['kind'] != 'pipe' and not kept(o))}")
print(f"-N {what}: {len(sel)} objects, {len(mine)} of them the generators'")
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
done

# limits -J: each IPC namespace's own limits, tagged with it; nst-docker's msgmni was set.
"$IPCSCOPE" limits -J >"$T/limits.json" 2>"$T/limits.err" || fail "limits -J: $(cat "$T/limits.err")"
validate "$T/limits.json"
py - "$T" "${CG_D:+$ID_D}" <<'PY' || fail "limits of the other IPC namespaces"
import json, os, sys
T, id_d = sys.argv[1], sys.argv[2]
lim = json.load(open(os.path.join(T, "limits.json")))["limits"]
bad = []
for line in open(os.path.join(T, "containers")):
    name, gpid, _ = line.split()
    ipc = os.stat(f"/proc/{gpid}/ns/ipc").st_ino
    mine = {l["name"]: l for l in lim if l.get("ns") == ipc}
    for n in ("msgmni", "shmmni", "semmni"):
        if n not in mine:
            bad.append(f"{name}: no {n} for IPC namespace {ipc}")
    if "msgmni" in mine:
        if name == "nst-docker" and mine["msgmni"].get("value") != 777:
            bad.append(f"{name}: msgmni {mine['msgmni'].get('value')!r}, expected 777 (set inside)")
        # one queue was made in each namespace
        if mine["msgmni"].get("used") != 1:
            bad.append(f"{name}: msgmni used {mine['msgmni'].get('used')!r}, expected 1")
        if name == "nst-docker" and id_d:
            c = mine["msgmni"].get("container") or {}
            if (c.get("runtime"), c.get("id")) != ("docker", id_d):
                bad.append(f"{name}: msgmni container {c!r}")
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
echo "ok: objects, holders, containers, sockets, -N and limits of $(wc -l <"$T/containers") container namespaces and two same-inode tmpfs files"
