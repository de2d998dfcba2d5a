#!/usr/bin/env bash
# test_serve_metrics.sh - /metrics against what the JSON API says of the same snapshot:
# counts per kind, queue messages, shm nattch, limit use, stale counts; labels bounded (no
# pid anywhere) and escaped; `promtool check metrics` accepts it. Then with 6,000 objects:
# fewer than 1,000 samples, per-object series only for the --metrics-top fullest queues
# and largest segments (checked against `list -J`), fill histograms that count every
# object, unlinked-but-held bytes, and the families `ipcscope metrics` prints.
. "$SRCDIR/tests/tools/testlib.sh"
# Private namespaces: the objects counted are the test's own, and the host's sockets (there
# may be 100,000) do not slow every scan.
if [ -z "${IPCSCOPE_NETNS:-}" ]; then
    need_root "a private network namespace (unshare)"
    exec unshare --net env IPCSCOPE_NETNS=1 bash "$0" "$@"
fi
ip link set lo up || fail "cannot bring up lo"
isolate "$@"
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
        assert k in ("kind", "name", "unit", "queue", "segment", "container", "ns", "le", "runtime"), f"unbounded label {k} in {line}"
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

# --- 6,000 objects: 2,997 queues (a few of them filled, unevenly) and 2,998 segments
"$IPCSCOPE" gen sysv-msg --count 2990 --messages 1 --leak >/dev/null || fail "gen sysv-msg --count 2990"
"$IPCSCOPE" gen sysv-shm --count 2995 --messages 1 --size 64 --leak >/dev/null || fail "gen sysv-shm --count 2995"
start_gen "$T/gen5.json" sysv-msg --count 4 --hold 120 --fill 5
start_gen "$T/gen9.json" sysv-msg --count 2 --hold 120 --fill 9
start_gen "$T/genshm.json" sysv-shm --count 3 --hold 120 --fill 20000
# A POSIX shm object of 1 MiB, written, mapped, then unlinked: it pins its memory.
py - "$T" <<'PY' &
import mmap, os, sys, time
fd = os.open("/dev/shm/ipcscope-test-unlinked", os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
os.write(fd, b"x" * (1 << 20))
m = mmap.mmap(fd, 1 << 20)
os.close(fd)
os.unlink("/dev/shm/ipcscope-test-unlinked")
open(sys.argv[1] + "/unlinked.ready", "w").close()
time.sleep(120)
PY
GEN_PIDS+=("$!")
for _ in $(seq 100); do [ -e "$T/unlinked.ready" ] && break; sleep 0.05; done
[ -e "$T/unlinked.ready" ] || fail "the unlinked shm holder did not start"

start_server --interval 3600
rescan
get /metrics >/dev/null
cp "$T/body" "$T/metrics"
"$IPCSCOPE" list -J -t sysv-msg,sysv-shm,posix-mq,posix-shm,pipe,fifo >"$T/list.json" 2>/dev/null || fail "list -J"
get /api/v1/objects >/dev/null
cp "$T/body" "$T/objects.json"
py - "$T/metrics" "$T/list.json" "$T/objects.json" <<'PY' || fail "bounded metrics"
import json, re, sys
text = open(sys.argv[1]).read()
listed = json.load(open(sys.argv[2]))["objects"]
served = json.load(open(sys.argv[3]))["objects"]
samples = [l for l in text.splitlines() if l and not l.startswith("#")]
assert len(served) >= 6000, len(served)
assert len(samples) < 1000, f"{len(samples)} samples with {len(served)} objects"

sample = re.compile(r'^([a-z_]+)\{(.*)\} (\S+)$')
label = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')
def series(name):
    out = []
    for l in samples:
        m = sample.match(l)
        if m and m.group(1) == name:
            labels = {k: v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
                      for k, v in label.findall(m.group(2))}
            out.append((labels, float(m.group(3))))
    return out

# Top 50: the fullest queues (fill, then bytes, then messages, then identity), the
# largest segments (size, then identity), as `list -J` tells them.
def fill(o):
    if o.get("size", 0) > 0 and "used_bytes" in o:
        return o["used_bytes"] / o["size"]
    if o.get("max_messages", 0) > 0 and "messages" in o:
        return o["messages"] / o["max_messages"]
    return None
queues = [o for o in listed if "messages" in o]
queues.sort(key=lambda o: (-(fill(o) or 0), -o.get("used_bytes", 0), -o["messages"], o["identity"]))
want = {o["identity"]: o for o in queues[:50]}
got = {l["queue"]: v for l, v in series("ipcscope_queue_messages")}
assert set(got) == set(want), f"top queues differ: {sorted(set(got) ^ set(want))[:6]}"
for i, v in got.items():
    assert v == want[i]["messages"], (i, v)
filled = [o for o in queues if o["messages"] >= 5]
assert len(filled) >= 6 and all(o["identity"] in got for o in filled), "a filled queue is not among the fullest"
assert {l["queue"] for l, _ in series("ipcscope_queue_bytes")} == set(want)
assert {l["queue"] for l, _ in series("ipcscope_queue_capacity_bytes")} == set(want)
segs = [o for o in listed if o["kind"] == "sysv-shm"]
segs.sort(key=lambda o: (-o.get("size", 0), o["identity"]))
got = {l["segment"]: v for l, v in series("ipcscope_shm_nattch")}
assert set(got) == {o["identity"] for o in segs[:50]}, "top segments differ"
big = [o for o in segs if o.get("size", 0) >= 20000]
assert len(big) >= 3 and all(o["identity"] in got for o in big), "the large segments are not listed"

# The fill histograms count every object that has a fill, per kind.
for kind in ("sysv-msg", "sysv-shm", "posix-mq", "pipe", "fifo"):
    objs = [o for o in served if o["kind"] == kind and fill(o) is not None]
    assert all(("use_percent" in o) == (fill(o) is not None) for o in served if o["kind"] == kind), kind
    buckets = {l["le"]: v for l, v in series("ipcscope_fill_ratio_bucket") if l["kind"] == kind}
    count = [v for l, v in series("ipcscope_fill_ratio_count") if l["kind"] == kind]
    total = [v for l, v in series("ipcscope_fill_ratio_sum") if l["kind"] == kind]
    assert count == [len(objs)], (kind, count, len(objs))
    assert buckets["+Inf"] == len(objs), kind
    les = ["0", "0.1", "0.25", "0.5", "0.75", "0.9", "1"]
    assert list(buckets) == les + ["+Inf"], (kind, list(buckets))
    for le in les:
        assert buckets[le] == sum(1 for o in objs if fill(o) <= float(le)), (kind, le, buckets[le])
    assert abs(total[0] - sum(fill(o) for o in objs)) < 1e-3 * max(1, len(objs)), (kind, total)
assert sum(v for l, v in series("ipcscope_fill_ratio_count") if l["kind"] == "sysv-msg") >= 2996, [(l, v) for l, v in series("ipcscope_fill_ratio_count")]

# POSIX shm unlinked while mapped: its megabyte is pinned.
unl = [o for o in served if o["kind"] == "posix-shm" and "deleted" in o.get("status", [])]
assert unl, "the unlinked shm object is not listed"
v = {l["kind"]: v for l, v in series("ipcscope_unlinked_held_bytes") if l["container"] == ""}
assert v["posix-shm"] >= 1 << 20, v
n = {l["kind"]: v for l, v in series("ipcscope_unlinked_held_objects") if l["container"] == ""}
assert n["posix-shm"] == len(unl), n
size = {l["kind"]: v for l, v in series("ipcscope_object_size_bytes") if l["container"] == ""}
alloc = {l["kind"]: v for l, v in series("ipcscope_object_allocated_bytes") if l["container"] == ""}
assert size["posix-shm"] == sum(o.get("size", 0) for o in served if o["kind"] == "posix-shm"), size
assert alloc["posix-shm"] >= 1 << 20, alloc
assert size["sysv-shm"] == sum(o.get("size", 0) for o in served if o["kind"] == "sysv-shm"), size
for name in ("ipcscope_containers", "ipcscope_deadlocked_objects", "ipcscope_waiters", "ipcscope_deadlocks",
             "ipcscope_fill_ratio_bucket", "ipcscope_object_bytes", "ipcscope_scans_total"):
    assert re.search("^" + name + "[ {]", text, re.M), f"no {name}"
PY
if command -v promtool >/dev/null; then
    promtool check metrics <"$T/metrics" || fail "promtool check metrics with 6,000 objects"
fi

# --- ipcscope metrics: the same families (less serve's counters); --metrics-top 0: no
# per-object series, but the histograms still count every queue.
"$IPCSCOPE" metrics >"$T/once.prom" 2>"$T/once.err" || { cat "$T/once.err" >&2; fail "ipcscope metrics"; }
"$IPCSCOPE" metrics --metrics-top 0 >"$T/none.prom" 2>/dev/null || fail "ipcscope metrics --metrics-top 0"
py - "$T/metrics" "$T/once.prom" "$T/none.prom" <<'PY' || fail "ipcscope metrics differs from /metrics"
import re, sys
fams = lambda f: set(re.findall(r"^# TYPE (\S+) ", open(f).read(), re.M))
served, once, none = fams(sys.argv[1]), fams(sys.argv[2]), fams(sys.argv[3])
assert once == served - {"ipcscope_scans_total", "ipcscope_scan_errors_total"}, served ^ once
text = open(sys.argv[3]).read()
assert not re.search(r"^ipcscope_(queue_messages|queue_bytes|queue_capacity_bytes|shm_nattch)\{", text, re.M), "--metrics-top 0 left per-object series"
m = re.search(r'^ipcscope_fill_ratio_count\{kind="sysv-msg"\} (\d+)$', text, re.M)
assert m and int(m.group(1)) >= 2996, "histogram without per-object series"
PY
for bad in "--metrics-top x" "--metrics-top -1" "--nope" "extra"; do
    "$IPCSCOPE" metrics $bad >/dev/null 2>"$T/err"
    [ $? = 2 ] || fail "metrics $bad: not a usage error"
    [ "$(wc -l <"$T/err")" = 1 ] || fail "metrics $bad: not one line of error"
done
stop_server
echo "ok"
