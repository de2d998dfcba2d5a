#!/usr/bin/env bash
# `ipcscope bench` with tiny counts: the shape of its output only (figures from a loaded test
# machine mean nothing). Every benchmarkable mechanism at two sizes, each measured or skipped
# with the limit named; the machine, the placement and the timing method recorded; the
# comparison table; the JSON valid against the schema; and, run in a private IPC namespace,
# nothing left behind. eventfd carries counts, not bytes: one row, at the counter's 8 bytes.
. "$SRCDIR/tests/tools/testlib.sh"
[ "$(id -u)" = 0 ] && isolate "$@"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
GSCHEMA=$SRCDIR/src/gen/gen.schema.json
cpus=$(nproc)
cpu=split
[ "$cpus" -ge 2 ] || cpu=same

"$IPCSCOPE" bench --count 20 --size 64,4096 --cpu $cpu -J >"$T/b.json" 2>"$T/err" ||
    fail "bench -J exited $?: $(cat "$T/err")"
py "$SRCDIR/tests/tools/validate.py" "$GSCHEMA" "$T/b.json" || fail "schema"
py - "$T/b.json" "$cpu" <<'PY' || fail "bench -J is not the expected shape"
import json, sys
d = json.load(open(sys.argv[1]))
bad = []
mechs = ["pipe", "fifo", "sysv-msg", "posix-mq", "sysv-shm", "posix-shm", "mmap", "memfd", "eventfd",
         "unix-stream", "unix-dgram", "unix-seqpacket", "socketpair", "tcp", "udp"]
got = [(r["mechanism"], r["size"]) for r in d["results"]]
if got != [(m, s) for m in mechs for s in ((8,) if m == "eventfd" else (64, 4096))]:
    bad.append(f"results for {got}")
for r in d["results"]:
    if r.get("counts_only", False) != (r["mechanism"] == "eventfd"):
        bad.append(f"{r['mechanism']}: counts_only {r.get('counts_only')}")
    if r["mechanism"] in ("eventfd", "memfd") and (r["skipped"] or r.get("error")):
        bad.append(f"{r['mechanism']} {r['size']} not measured: {r}")
for r in d["results"]:
    if r.get("error"):
        bad.append(f"{r['mechanism']} {r['size']}: {r['error']}")
    if not r["skipped"] and not r.get("error"):
        l = r["latency_ns"]
        if not l["min"] <= l["p50"] <= l["p99"] <= l["max"]:
            bad.append(f"{r['mechanism']}: percentiles out of order: {l}")
        if r["cpu_parent"] != d["placement"]["cpu_parent"] or r["cpu_peer"] != d["placement"]["cpu_peer"]:
            bad.append(f"{r['mechanism']}: ran on {r['cpu_parent']}/{r['cpu_peer']}, not as pinned")
if d["placement"]["mode"] != sys.argv[2]:
    bad.append(f"placement {d['placement']}")
if (d["placement"]["cpu_parent"] == d["placement"]["cpu_peer"]) != (sys.argv[2] == "same"):
    bad.append(f"placement {d['placement']} is not {sys.argv[2]}")
m = d["machine"]
if not m["kernel"] or m["cpus_online"] < 1 or not m["virtualization"]:
    bad.append(f"machine {m}")
if [c["mechanism"] for c in d["comparison"]] != mechs:
    bad.append("comparison rows")
if d["timing"]["clock_read_ns"] <= 0:
    bad.append("no clock cost")
for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# Skips name the limit; a mechanism without a payload is skipped, not failed.
"$IPCSCOPE" bench sysv-msg posix-mq udp popen --count 5 --size 65536 --cpu same -J >"$T/s.json" ||
    fail "bench with sizes to skip exited $?"
py - "$T/s.json" <<'PY' || fail "skips do not say why"
import json, sys
r = {x["mechanism"]: x for x in json.load(open(sys.argv[1]))["results"]}
want = {"sysv-msg": "msgmax", "posix-mq": "msgsize_max", "udp": "UDP payload", "popen": "no payload"}
bad = [m for m, w in want.items() if not r[m]["skipped"] or w not in r[m].get("reason", "")]
print(*bad, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# The text form: machine, placement and timing before the table, the comparison after it.
"$IPCSCOPE" bench pipe eventfd memfd tcp --count 10 --size 64 --cpu same >"$T/b.txt" 2>&1 || fail "bench (text)"
for pat in '^machine: [0-9]+ CPUs online' '^virtualised: ' '^placement: same: parent pinned to CPU [0-9]+, peer to CPU [0-9]+' \
    '^timing: CLOCK_MONOTONIC' '^MECHANISM +SIZE +MEAN-RTT +P50-RTT +P99-RTT +MSG/S +MB/S' \
    '^pipe +64 +[0-9.]+us' '^eventfd +8 +[0-9.]+us' '^memfd +64 +[0-9.]+us' \
    '^MECHANISM +MEDIUM +UNIT +DIRECTION +SCOPE' '^tcp +kernel socket buffer' '^eventfd +kernel 64-bit counter .* [0-9.]+us@8'; do
    grep -Eq "$pat" "$T/b.txt" || fail "bench text lacks /$pat/: $(cat "$T/b.txt")"
done

if [ -n "${IPCSCOPE_ISOLATED:-}" ]; then
    left=$(tail -n +2 -q /proc/sysvipc/msg /proc/sysvipc/shm /proc/sysvipc/sem; ls -A /dev/shm; ls -A /dev/mqueue)
    [ -z "$left" ] || fail "bench left behind: $left"
fi
echo "ok: bench output has its shape"
