#!/usr/bin/env bash
# Holders and fill levels of states the generators make: a pipe with 1234 bytes queued between
# parent and child, a FIFO with 100 bytes queued, a unix socketpair with 77 unread bytes, a
# listening unix socket with a client, a TCP loopback connection, a SysV segment attached by
# a child. Every field and every holder (pid, fd, access) is checked through `list -J` and
# `show -J` against what the generator reports and what the kernel says (stat, the socket
# tables), all JSON is validated against the schema, and the holders, queues and peers are
# compared with what `lsfd -J` and `ss` report for the same state.
. "$SRCDIR/tests/tools/testlib.sh"
need_root "reading every process's fds and duplicating pipe fds (pidfd_getfd)"
T=$(mktemp -d)
trap 'stop_gens; rm -rf "$T"' EXIT

start_gen "$T/pipe.json" pipe --hold 60 --fill 1234
start_gen "$T/fifo.json" fifo --hold 60 --fill 100
start_gen "$T/pair.json" socketpair --hold 60 --fill 77
start_gen "$T/ustream.json" unix-stream --hold 60 --fill 77
start_gen "$T/tcp.json" tcp --hold 60 --fill 77
start_gen "$T/shm.json" sysv-shm --hold 60

# The TCP fill is written but may still be in flight on loopback: wait until the client's
# send queue is empty (what the checks below expect), as ss sees it.
caddr=$(py -c 'import json,sys; print([o["addr"] for o in json.load(open(sys.argv[1]))["mechanisms"][0]["objects"] if o["role"] == "client"][0])' "$T/tcp.json")
for _ in $(seq 100); do
    [ "$(ss -tnH state established "( src $caddr )" | awk '{ print $2 }')" = 0 ] && break
    sleep 0.05
done
"$IPCSCOPE" list -J >"$T/list.json" 2>"$T/list.err" || fail "list -J: $(cat "$T/list.err")"
validate "$T/list.json"
# `show` of each object the generators made, by identity.
py - "$T" >"$T/identities" <<'PY' || fail "objects of the generators missing from list -J"
import json, os, sys
T = sys.argv[1]
objs = json.load(open(os.path.join(T, "list.json")))["objects"]
for name in ("pipe", "fifo", "pair", "ustream", "tcp", "shm"):
    for m in json.load(open(os.path.join(T, name + ".json")))["mechanisms"]:
        for g in m["objects"]:
            if g["kind"] == "sysv-shm":
                hit = [o for o in objs if o["kind"] == "sysv-shm" and o.get("id") == g["id"]]
            else:
                hit = [o for o in objs if o["kind"] == g["kind"] and o.get("inode") == g["inode"]]
            if len(hit) != 1:
                sys.exit(f"{name}: {g['kind']} {g.get('inode', g.get('id'))}: {len(hit)} objects")
            print(hit[0]["identity"])
PY
n=0
while read -r id; do
    n=$((n + 1))
    "$IPCSCOPE" show "$id" -J >"$T/show-$n.json" 2>"$T/show.err" || fail "show $id: $(grep -v "^ipcscope: /proc: pid" "$T/show.err")"
    validate "$T/show-$n.json"
done <"$T/identities"
[ "$n" = 11 ] || fail "expected 11 objects of the generators, found $n"

# What the peers see of the same state, taken right after.
pids=$(py -c '
import json, sys
print(",".join(sorted({str(h["pid"]) for f in sys.argv[1:] for m in json.load(open(f))["mechanisms"]
                       for o in m["objects"] for h in o["holders"]})))' "$T"/{pipe,fifo,pair,ustream,tcp,shm}.json)
lsfd -J -p "$pids" >"$T/lsfd.json" 2>/dev/null || fail "lsfd -J -p $pids"
ss -xapn >"$T/ss-x.txt" 2>/dev/null || fail "ss -xapn"
ss -tapn >"$T/ss-t.txt" 2>/dev/null || fail "ss -tapn"

py - "$T" <<'PY' || fail "holders, fill or socket fields wrong"
import json, os, re, stat, sys
T = sys.argv[1]
def load(n): return json.load(open(os.path.join(T, n)))
bad = []
def eq(what, got, want):
    if got != want:
        bad.append(f"{what}: ipcscope {got!r}, expected {want!r}")

listed = load("list.json")["objects"]
by_inode = {(o["kind"], o.get("inode")): o for o in listed if "inode" in o}
shown = [load(f) for f in sorted(os.listdir(T)) if f.startswith("show-") and f.endswith(".json")]
for doc in shown:
    o = doc["objects"][0]
    # show also searches for a SysV key's file (ftok.file and the counts); list -J does not.
    for m in ("file", "via", "pid", "matches", "checked"):
        o.get("ftok", {}).pop(m, None)
    eq(f"show {o['identity']} equals its list entry", o, next(x for x in listed if x["identity"] == o["identity"]))

def gen_objs(name):
    return [g for m in load(name + ".json")["mechanisms"] for g in m["objects"]]
def holders(o):
    return sorted((h["pid"], h["fd"], h["access"]) for h in o["holders"])
def gen_holders(g):
    return sorted((h["pid"], h["fd"] if h["fd"] >= 0 else None, h["access"]) for h in g["holders"])
def find(g):
    return by_inode[(g["kind"], g["inode"])]

# Pipe: 1234 bytes queued of 65536, a writer in the parent and a reader in the child.
g = gen_objs("pipe")[0]
o = find(g)
eq("pipe identity", o["identity"], f"pipe:{g['inode']}")
eq("pipe holders", holders(o), gen_holders(g))
eq("pipe used_bytes", o.get("used_bytes"), 1234)
eq("pipe size", o.get("size"), 65536)
eq("pipe use_percent", o.get("use_percent"), round(1234 * 100 / 65536, 1))
eq("pipe status", o.get("status"), None)
eq("pipe writer is the parent", [h["access"] for h in o["holders"] if h["pid"] == load("pipe.json")["pid"]], ["w"])

# FIFO: by path, 100 bytes queued, owner and mode of the file.
g = gen_objs("fifo")[0]
o = find(g)
st = os.stat(g["name"])
eq("fifo identity", o["identity"], f"fifo:{st.st_dev}:{st.st_ino}")
eq("fifo name", o.get("name"), g["name"])
eq("fifo holders", holders(o), gen_holders(g))
eq("fifo used_bytes", o.get("used_bytes"), 100)
eq("fifo size", o.get("size"), 65536)
eq("fifo mode", o.get("mode"), "%04o" % stat.S_IMODE(st.st_mode))
eq("fifo uid", o["owner"]["uid"], st.st_uid)
eq("fifo gid", o["owner"]["gid"], st.st_gid)
eq("fifo status", o.get("status"), None)

# Socketpair: both ends with their pids, each naming the other; 77 bytes wait in one.
ends = gen_objs("pair")
for g in ends:
    o = find(g)
    other = [e for e in ends if e is not g][0]
    eq(f"pair {g['role']} identity", o["identity"], f"unix:{g['inode']}")
    eq(f"pair {g['role']} holders", holders(o), gen_holders(g))
    eq(f"pair {g['role']} type", o.get("socket_type"), "stream")
    eq(f"pair {g['role']} state", o.get("state"), "established")
    eq(f"pair {g['role']} peer_inode", o.get("peer_inode"), other["inode"])
    eq(f"pair {g['role']} unnamed", (o.get("local"), o.get("peer"), o.get("name")), (None, None, None))
    eq(f"pair {g['role']} rqueue", o.get("rqueue"), g.get("fill", 0))
    if g.get("fill"):
        sender = find(other)
        if not sender.get("wqueue", 0) >= 77:
            bad.append(f"pair sender wqueue {sender.get('wqueue')!r} < 77 queued bytes")

# Listening unix socket with a client: the client names its peer by the listener's path.
roles = {g["role"]: g for g in gen_objs("ustream")}
lst, cli, srv = (find(roles[r]) for r in ("listener", "client", "server"))
path = roles["listener"]["name"]
eq("listener state", lst.get("state"), "listen")
eq("listener local", lst.get("local"), path)
eq("listener name", lst.get("name"), path)
eq("listener pending", lst.get("pending"), 0)
if not lst.get("backlog", 0) > 0:
    bad.append(f"listener backlog {lst.get('backlog')!r}")
eq("listener has no byte queues", (lst.get("rqueue"), lst.get("wqueue")), (None, None))
for r, o in (("listener", lst), ("client", cli), ("server", srv)):
    eq(f"unix-stream {r} holders", holders(o), gen_holders(roles[r]))
    eq(f"unix-stream {r} type", o.get("socket_type"), "stream")
eq("client state", cli.get("state"), "established")
eq("client peer_inode", cli.get("peer_inode"), roles["server"]["inode"])
eq("client peer", cli.get("peer"), path)
eq("client local", cli.get("local"), None)
eq("server peer_inode", srv.get("peer_inode"), roles["client"]["inode"])
eq("server local", srv.get("local"), path)
eq("server rqueue", srv.get("rqueue"), 77)

# TCP over loopback: addresses both ways, 77 bytes unread at the server.
roles = {g["role"]: g for g in gen_objs("tcp")}
lst, cli, srv = (find(roles[r]) for r in ("listener", "client", "server"))
laddr, caddr = roles["listener"]["addr"], roles["client"]["addr"]
eq("tcp listener", (lst.get("state"), lst.get("local"), lst.get("peer")), ("listen", laddr, None))
eq("tcp client", (cli.get("state"), cli.get("local"), cli.get("peer")), ("established", caddr, laddr))
eq("tcp server", (srv.get("state"), srv.get("local"), srv.get("peer")), ("established", laddr, caddr))
eq("tcp server rqueue", srv.get("rqueue"), 77)
eq("tcp client wqueue", cli.get("wqueue"), 0)
for r, o in (("listener", lst), ("client", cli), ("server", srv)):
    eq(f"tcp {r} identity", o["identity"], f"tcp:{roles[r]['inode']}")
    eq(f"tcp {r} holders", holders(o), gen_holders(roles[r]))
    eq(f"tcp {r} owner", o.get("owner"), {"user": "root", "uid": 0})
    eq(f"tcp {r} type", o.get("socket_type"), "stream")

# SysV segment: one mapping holder per attach, agreeing with nattch.
g = gen_objs("shm")[0]
o = next(x for x in listed if x["kind"] == "sysv-shm" and x.get("id") == g["id"])
eq("shm holders", sorted((h["pid"], h["fd"], h["access"]) for h in o["holders"]),
   sorted((h["pid"], None, h["access"]) for h in g["holders"]))
eq("shm nattch agrees with its holders", o.get("nattch"), len(o["holders"]))
for h in o["holders"]:
    if not re.fullmatch(r"[0-9a-f]+-[0-9a-f]+", h.get("map", "")):
        bad.append(f"shm holder map {h.get('map')!r}")
    else:
        a, b = (int(x, 16) for x in h["map"].split("-"))
        if b - a < o["size"]:
            bad.append(f"shm mapping {h['map']} smaller than the segment ({o['size']})")
eq("shm status", o.get("status"), None)

# lsfd: the same holders (pid, fd, access) for every fd-held object the generators made.
mode = {"r--": "r", "-w-": "w", "rw-": "rw"}
lsfd = {}
for e in load("lsfd.json")["lsfd"]:
    if str(e.get("assoc", "")).isdigit():
        lsfd.setdefault(int(e["inode"]), set()).add((int(e["pid"]), int(e["assoc"]), mode.get(e["mode"], e["mode"])))
for name in ("pipe", "fifo", "pair", "ustream", "tcp"):
    for g in gen_objs(name):
        o = find(g)
        eq(f"{o['identity']} holders as lsfd sees them", set(holders(o)), lsfd.get(g["inode"], set()))

# ss: queues, peers and processes of the sockets.
ux = {}
for line in open(os.path.join(T, "ss-x.txt")).read().splitlines()[1:]:
    f = line.split()
    # Netid State Recv-Q Send-Q Local Port Peer Port users
    ux[int(f[5])] = (int(f[2]), int(f[3]), int(f[7]), set((int(p), int(d)) for p, d in re.findall(r"pid=(\d+),fd=(\d+)", line)))
for name in ("pair", "ustream"):
    for g in gen_objs(name):
        o = find(g)
        if g["inode"] not in ux:
            bad.append(f"ss has no unix socket {g['inode']}")
            continue
        rq, wq, peer, users = ux[g["inode"]]
        if o.get("state") == "listen":
            eq(f"{o['identity']} pending/backlog as ss", (o.get("pending"), o.get("backlog")), (rq, wq))
        else:
            eq(f"{o['identity']} queues as ss", (o.get("rqueue"), o.get("wqueue")), (rq, wq))
        eq(f"{o['identity']} peer inode as ss", o.get("peer_inode", 0), peer)
        eq(f"{o['identity']} processes as ss", {(h["pid"], h["fd"]) for h in o["holders"]}, users)
tcp = {}
for line in open(os.path.join(T, "ss-t.txt")).read().splitlines()[1:]:
    f = line.split()
    tcp[(f[3], f[4])] = (int(f[1]), int(f[2]), set((int(p), int(d)) for p, d in re.findall(r"pid=(\d+),fd=(\d+)", line)))
for g in gen_objs("tcp"):
    o = find(g)
    key = (o["local"], o.get("peer", "0.0.0.0:*"))  # ss's peer of a listener
    if key not in tcp:
        bad.append(f"ss has no tcp {key}")
        continue
    rq, wq, users = tcp[key]
    if o.get("state") == "listen":
        eq(f"{o['identity']} pending/backlog as ss", (o.get("pending"), o.get("backlog")), (rq, wq))
    else:
        eq(f"{o['identity']} queues as ss", (o.get("rqueue"), o.get("wqueue")), (rq, wq))
    eq(f"{o['identity']} processes as ss", {(h["pid"], h["fd"]) for h in o["holders"]}, users)

for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# -p PID: a holder's pid selects what it holds.
child=$(gen_field "$T/pipe.json" '[h["pid"] for h in o["holders"] if h["role"] == "reader"][0]')
ino=$(gen_field "$T/pipe.json" 'o["inode"]')
"$IPCSCOPE" list -p "$child" -J >"$T/bypid.json" 2>/dev/null || fail "list -p $child"
validate "$T/bypid.json"
py -c 'import json,sys; ids=[o["identity"] for o in json.load(open(sys.argv[1]))["objects"]]; sys.exit(0 if "pipe:"+sys.argv[2] in ids else 1)' \
    "$T/bypid.json" "$ino" || fail "list -p $child misses the pipe it reads"
# The table shows the socket's peer.
"$IPCSCOPE" show "$(sed -n 3p "$T/identities")" >"$T/show.txt" 2>/dev/null || fail "show (text)"
grep -q '^PEERINO  *[0-9]' "$T/show.txt" || { cat "$T/show.txt"; fail "show prints no peer inode"; }
grep -q '^HOLDERS' "$T/show.txt" || fail "show prints no holders table"
echo "ok: holders and fill of pipe, FIFO, socketpair, unix listener, TCP and SysV shm"
