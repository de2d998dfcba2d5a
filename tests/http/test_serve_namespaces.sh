#!/usr/bin/env bash
# test_serve_namespaces.sh - objects of another namespace, in a container, through the real
# server: SysV queues made by `gen` in new IPC, mount, network and UTS namespaces inside a
# cgroup named as Docker names its scopes (start_container_gen). The API must give each its
# namespace and container, ?container= and ?ns= must pick them out, /api/v1/namespaces must
# list the namespace with the container, /metrics must count them under the container's
# short id with one series per container and kind however many objects there are, and
# serve -N must keep to what it names.
. "$SRCDIR/tests/tools/testlib.sh"
. "$SRCDIR/tests/http/lib/serve-lib.sh"

start_container_gen "$T/gen.json" sysv-msg --count 3 --hold 120 --fill 2
GEN_PID=$(pyjson "$T/gen.json" 'd["pid"]')
IPC_NS=$(stat -Lc %i "/proc/$GEN_PID/ns/ipc")
[ "$IPC_NS" != "$(stat -Lc %i /proc/self/ns/ipc)" ] || fail "the generator shares our IPC namespace"
SHORT=${CTR_ID:0:12}
start_server --interval 3600
rescan

# --- every object: its namespace and container
expect /api/v1/objects 200 application/json
validate "$T/body"
cp "$T/body" "$T/objects.json"
py - "$T/objects.json" "$T/gen.json" "$IPC_NS" "$CTR_ID" "$CTR_NAME" <<'PY' || fail "the container's queues are not served with their namespace and container"
import json, sys
objs = json.load(open(sys.argv[1]))["objects"]
gen = json.load(open(sys.argv[2]))
ns, cid, name = int(sys.argv[3]), sys.argv[4], sys.argv[5]
ids = {g["id"] for m in gen["mechanisms"] for g in m["objects"]}
assert len(ids) == 3, ids
for i in ids:
    o = [o for o in objs if o["kind"] == "sysv-msg" and o.get("id") == i and o.get("ns") == ns]
    assert len(o) == 1, f"sysv-msg {i} in ns {ns}: {len(o)} objects"
    o = o[0]
    assert o["identity"] == f"sysv-msg:{ns}:{i}", o["identity"]
    c = o.get("container")
    assert c and c["runtime"] == "docker" and c["id"] == cid, f"{o['identity']}: container {c}"
    assert c.get("name") == name, f"{o['identity']}: name {c.get('name')!r}, hostname is {name!r}"
    assert o["messages"] == 2, o
PY

# --- ?container= by short id, by name, "-"; ?ns=; together with kind
check_only() { # QUERY PYEXPR-over-objects WHAT
    expect "/api/v1/objects?$1" 200 application/json
    validate "$T/body"
    [ "$(pyjson "$T/body" "$2")" = True ] || fail "?$1: $3: $(pyjson "$T/body" '[o["identity"] for o in d["objects"]][:20]')"
}
in_ctr="all(o.get('container', {}).get('id') == '$CTR_ID' for o in d['objects'])"
queues="sorted(o['identity'] for o in d['objects'] if o['kind'] == 'sysv-msg') == sorted(o['identity'] for o in json.load(open('$T/objects.json'))['objects'] if o['kind'] == 'sysv-msg' and o.get('ns') == $IPC_NS)"
check_only "container=$SHORT" "$in_ctr and $queues" "not exactly the container's objects"
check_only "container=$CTR_ID&kind=sysv-msg" "$in_ctr and len(d['objects']) == 3" "not its 3 queues"
check_only "container=$CTR_NAME&kind=sysv-msg" "$in_ctr and len(d['objects']) == 3" "by name: not its 3 queues"
check_only "container=-" "all('container' not in o for o in d['objects']) and len(d['objects']) > 0" "objects of a container"
check_only "ns=$IPC_NS" "$in_ctr and $queues and all(o['ns'] == $IPC_NS for o in d['objects'])" "not the namespace's objects"
check_only "ns=$IPC_NS&container=-" "d['objects'] == []" "ns AND no container"
check_only "container=ffffffffffff" "d['objects'] == []" "an unknown container matched"
# The server filters what the CLI's -N keeps: the same identities of the container's kinds.
"$IPCSCOPE" list -J -N "$SHORT" -t sysv-msg >"$T/cli.json" 2>/dev/null || fail "list -N $SHORT"
get "/api/v1/objects?container=$SHORT&kind=sysv-msg" >/dev/null
py -c 'import json,sys; a=sorted(o["identity"] for o in json.load(open(sys.argv[1]))["objects"]); b=sorted(o["identity"] for o in json.load(open(sys.argv[2]))["objects"]); sys.exit(0 if a == b and len(a) == 3 else f"{a} != {b}")' "$T/cli.json" "$T/body" ||
    fail "?container= and list -N disagree"
long=$(printf 'a%.0s' $(seq 80))
for q in "container=" "container" "container=%00" "container=%1b%5b31m" "container=%ff%fe" "container=$long" \
    "container=a&container=b" "ns=" "ns=0" "ns=-1" "ns=abc" "ns=18446744073709551616" "ns=1&ns=2"; do
    expect "/api/v1/objects?$q" 400 application/json
    [ "$(pyjson "$T/body" 'd["status"]')" = 400 ] || fail "?$q: error body $(cat "$T/body")"
done
# A client's bytes come back clipped and escaped, as valid UTF-8.
get "/api/v1/objects?container=%1b%ff" >/dev/null
grep -qF '\\x1b\\xff' "$T/body" || fail "bad bytes not escaped: $(cat "$T/body")"

# --- /api/v1/namespaces: the container's namespaces
expect /api/v1/namespaces 200 application/json
validate "$T/body"
cp "$T/body" "$T/namespaces.json"
py - "$T/namespaces.json" "$IPC_NS" "$CTR_ID" "$GEN_PID" <<'PY' || fail "/api/v1/namespaces lacks the container's IPC namespace"
import json, os, sys
d = json.load(open(sys.argv[1]))
ns, cid, pid = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
assert set(d) >= {"schema", "host", "time", "errors", "namespaces"} and "objects" not in d, sorted(d)
n = [n for n in d["namespaces"] if n["type"] == "ipc" and n["inode"] == ns]
assert len(n) == 1, n
n = n[0]
assert n["container"]["runtime"] == "docker" and n["container"]["id"] == cid, n
assert n["scanned"] is True and n["self"] is False, n
assert n["namespaces"]["net"] == os.stat(f"/proc/{pid}/ns/net").st_ino, n
own = os.stat("/proc/self/ns/ipc").st_ino
assert any(m["type"] == "ipc" and m["inode"] == own and m["self"] for m in d["namespaces"]), "our own IPC namespace"
PY
for path in /api/v1/namespaces; do
    get "$path" >/dev/null
    etag=$(header ETag)
    [ "$(get "$path" -H "If-None-Match: $etag")" = 304 ] || fail "$path: no 304 for its ETag"
done

# --- /metrics: the container's label on the per-kind totals, bounded by containers
get /metrics >/dev/null
cp "$T/body" "$T/metrics"
py - "$T/metrics" "$T/objects.json" "$T/namespaces.json" "$SHORT" "$IPC_NS" "$("$IPCSCOPE" list --list-types | wc -l)" <<'PY' || fail "/metrics: the container label"
import json, re, sys
from collections import Counter
text = open(sys.argv[1]).read()
objs = json.load(open(sys.argv[2]))["objects"]
short, ns = sys.argv[4], sys.argv[5]
KINDS = int(sys.argv[6])  # every kind the binary knows (list --list-types)
sample = re.compile(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$')
label = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')
series = Counter()
values = {}
for line in text.splitlines():
    if not line or line.startswith("#"):
        continue
    m = sample.match(line)
    assert m, line
    key = (m.group(1), tuple(sorted(label.findall(m.group(2) or ""))))
    series[key] += 1
    values[key] = float(m.group(3))
dups = [k for k, n in series.items() if n > 1]
assert not dups, f"one label set twice: {dups[:3]}"
def lab(family, /, **kw):
    return values.get((family, tuple(sorted(kw.items()))))
assert lab("ipcscope_objects", kind="sysv-msg", container=short) == 3, lab("ipcscope_objects", kind="sysv-msg", container=short)
assert lab("ipcscope_objects", kind="posix-shm", container=short) == 0, "every kind per container"
mine = sum(1 for o in objs if o["kind"] == "sysv-msg" and "container" not in o)
assert lab("ipcscope_objects", kind="sysv-msg", container="") == mine
# One series per kind and container label: bounded by the containers, not the objects.
for fam in ("ipcscope_objects", "ipcscope_object_bytes", "ipcscope_holders", "ipcscope_partial_objects", "ipcscope_stale_objects", "ipcscope_waiters"):
    labels = {dict(l)["container"] for (n, l) in series if n == fam}
    assert "" in labels and short in labels, (fam, labels)
    assert sum(1 for (n, _) in series if n == fam) == KINDS * len(labels), fam
# (Which other containers there are is not for this test to say: other tests run theirs.)
# The limits of the container's IPC namespace are its own series.
assert lab("ipcscope_limit", name="msgmni", kind="sysv-msg", unit="count", ns=ns, container=short) is not None, "msgmni of the container"
PY
if command -v promtool >/dev/null; then
    promtool check metrics <"$T/metrics" || fail "promtool check metrics"
else
    echo "promtool missing: metrics lint not run (packaging/install-deps.sh installs prometheus)"
fi
stop_server

# --- serve -N: the container alone, or ourselves alone
start_server --interval 3600 -N "$SHORT"
get "/api/v1/objects?kind=sysv-msg" >/dev/null
[ "$(pyjson "$T/body" "len(d['objects']) == 3 and $in_ctr")" = True ] ||
    fail "serve -N $SHORT: $(pyjson "$T/body" '[o["identity"] for o in d["objects"]]')"
stop_server
start_server --interval 3600 --namespace self
get "/api/v1/objects?container=$SHORT" >/dev/null
[ "$(pyjson "$T/body" 'd["objects"] == []')" = True ] || fail "serve --namespace self served the container's objects"
stop_server
echo "ok"
