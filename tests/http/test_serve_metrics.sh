#!/usr/bin/env bash
# test_serve_metrics.sh - /metrics against what the JSON API says of the same snapshot:
# counts per kind, queue messages, shm nattch, limit use, stale counts; labels bounded (no
# pid anywhere) and escaped; `promtool check metrics` accepts it.
. "$SRCDIR/tests/tools/testlib.sh"
. "$SRCDIR/tests/http/lib/serve-lib.sh"

[ -d /dev/mqueue ] && mountpoint -q /dev/mqueue || skip "/dev/mqueue is not mounted"
# A queue whose name needs escaping in a label value: a quote and a backslash.
ODD="/dev/mqueue/ipcscope-test-$$-q\"uo\\te"
: >"$ODD" || fail "cannot create $ODD"
cleanup_metrics() { rm -f "$ODD"; cleanup_http; }
trap cleanup_metrics EXIT

start_gen "$T/gen.json" sysv-msg posix-mq sysv-shm --hold 120 --fill 3
start_server --interval 3600
rescan
get /metrics >/dev/null
cp "$T/body" "$T/metrics"
get /api/v1/objects >/dev/null
cp "$T/body" "$T/objects.json"
get /api/v1/limits >/dev/null
cp "$T/body" "$T/limits.json"
get /api/v1/stale >/dev/null
cp "$T/body" "$T/stale.json"

py - "$T/metrics" "$T/objects.json" "$T/limits.json" "$T/stale.json" "$T/gen.json" <<'PY' || fail "metrics disagree with the JSON API"
import json, re, sys
from collections import Counter

text = open(sys.argv[1]).read()
objs = json.load(open(sys.argv[2]))["objects"]
limits = json.load(open(sys.argv[3]))["limits"]
stale = json.load(open(sys.argv[4]))["stale"]
gen = json.load(open(sys.argv[5]))

sample = re.compile(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$')
label = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')
series = {}
for line in text.splitlines():
    if line.startswith("#") or not line:
        continue
    m = sample.match(line)
    assert m, f"bad sample line: {line!r}"
    labels = tuple(label.findall(m.group(2) or ""))
    for k, _ in labels:
        assert k in ("kind", "name", "unit", "queue", "segment", "container", "ns"), f"unbounded label {k} in {line}"
    unesc = tuple((k, v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")) for k, v in labels)
    series[(m.group(1), unesc)] = float(m.group(3))

def val(name, /, **labels):
    key = (name, tuple(labels.items()))
    assert key in series, f"no series {key}"
    return series[key]

def short(c):
    """The container label of a JSON container: docker ps's 12 digits of a 64-hex id."""
    if not c:
        return ""
    i = c["id"]
    return i[:12] if len(i) == 64 and all(ch in "0123456789abcdef" for ch in i) else i

def total(name, kind):
    """A per-kind total over every container label; each kind has the no-container series."""
    assert (name, (("kind", kind), ("container", ""))) in series, f"no {name} for {kind} outside containers"
    return sum(v for (n, labels), v in series.items() if n == name and dict(labels)["kind"] == kind)

count = Counter(o["kind"] for o in objs)
for kind in ("sysv-msg", "sysv-shm", "sysv-sem", "posix-mq", "posix-shm", "posix-sem", "pipe", "fifo", "unix", "tcp", "udp", "lock"):
    assert total("ipcscope_objects", kind) == count.get(kind, 0), f"{kind}: {total('ipcscope_objects', kind)} vs {count.get(kind, 0)}"
    assert total("ipcscope_stale_objects", kind) == sum(1 for s in stale if s["kind"] == kind), kind
    assert total("ipcscope_holders", kind) == sum(len(o["holders"]) for o in objs if o["kind"] == kind), kind
# ... and per container, as the objects' JSON names them.
bycont = Counter((o["kind"], short(o.get("container"))) for o in objs)
for (kind, c), n in bycont.items():
    assert val("ipcscope_objects", kind=kind, container=c) == n, (kind, c)

for o in objs:
    if o["kind"] in ("sysv-msg", "posix-mq"):
        assert val("ipcscope_queue_messages", kind=o["kind"], queue=o["identity"]) == o["messages"], o["identity"]
        assert val("ipcscope_queue_bytes", kind=o["kind"], queue=o["identity"]) == o["used_bytes"], o["identity"]
    if o["kind"] == "sysv-shm":
        assert val("ipcscope_shm_nattch", kind="sysv-shm", segment=o["identity"]) == o["nattch"], o["identity"]

made = {m["mechanism"]: m["objects"][0] for m in gen["mechanisms"]}
q = next(o for o in objs if o["kind"] == "sysv-msg" and o["id"] == made["sysv-msg"]["id"])
assert val("ipcscope_queue_messages", kind="sysv-msg", queue=q["identity"]) == 3
q = next(o for o in objs if o["kind"] == "posix-mq" and o.get("name") == made["posix-mq"]["name"])
assert val("ipcscope_queue_messages", kind="posix-mq", queue=q["identity"]) == 3
s = next(o for o in objs if o["kind"] == "sysv-shm" and o["id"] == made["sysv-shm"]["id"])
assert val("ipcscope_shm_nattch", kind="sysv-shm", segment=s["identity"]) == 2
odd = [o for o in objs if o["kind"] == "posix-mq" and o.get("name", "").endswith('q"uo\\te')]
assert odd, "the oddly named queue is not listed"
assert val("ipcscope_queue_messages", kind="posix-mq", queue=odd[0]["identity"]) == 0

# Limits are per namespace: the namespace and its container tell them apart.
for l in limits:
    where = dict(ns=str(l.get("ns", "")), container=short(l.get("container")))
    if "value" in l:
        assert val("ipcscope_limit", name=l["name"], kind=l["group"], unit=l["unit"], **where) == float(l["value"]), l["name"]
    if "used" in l:
        assert val("ipcscope_limit_used", name=l["name"], kind=l["group"], unit=l["unit"], **where) == l["used"], l["name"]

assert val("ipcscope_scans_total") >= 2
assert val("ipcscope_scan_duration_seconds") > 0
assert "pid" not in {k for (_, labels) in series for k, _ in labels}
PY

grep -q '^# TYPE ipcscope_scans_total counter$' "$T/metrics" || fail "scans_total is not a counter"
grep -q 'q\\"uo\\\\te"' "$T/metrics" || fail "label value not escaped"
if command -v promtool >/dev/null; then
    promtool check metrics <"$T/metrics" || fail "promtool check metrics"
else
    skip "promtool missing (packaging/install-deps.sh installs prometheus)"
fi
stop_server
echo "ok"
