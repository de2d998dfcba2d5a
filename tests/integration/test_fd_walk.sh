#!/usr/bin/env bash
# The process walk reads fd links (and pipes' fill levels) on a reader thread ahead of the
# joins (collectors/fdlinks.c): the result must be what one thread gives. In private
# namespaces, generators hold pipes and FIFOs with bytes queued, socketpairs, unix and TCP
# sockets, eventfds, memfds, POSIX queues and flock locks (every class of link the walk keeps);
# `list -J` with IPCSCOPE_SCAN_THREADS=1 and =2 must list the same objects with the same
# holders, access modes and fill levels, the fill levels must be the generators', and the
# reader thread must be made with 2 and not with 1.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
T=$(mktemp -d)
trap 'stop_gens; rm -rf "$T"' EXIT

start_gen "$T/pipe.json" pipe --count 6 --hold 60 --fill 1234
start_gen "$T/fifo.json" fifo --count 3 --hold 60 --fill 100
start_gen "$T/pair.json" socketpair --count 4 --hold 60 --fill 77
start_gen "$T/ustream.json" unix-stream --hold 60
start_gen "$T/tcp.json" tcp --hold 60
start_gen "$T/efd.json" eventfd --count 2 --hold 60
start_gen "$T/memfd.json" memfd --hold 60
start_gen "$T/mq.json" posix-mq --hold 60 --fill 2
start_gen "$T/flock.json" flock --hold 60

# Enough processes for the reader thread (8), and the same state read twice each way.
for n in 1 2; do
    for k in a b; do
        IPCSCOPE_SCAN_THREADS=$n "$IPCSCOPE" list -J >"$T/list-$n$k.json" 2>"$T/list.err" ||
            fail "list -J with $n threads: $(cat "$T/list.err")"
    done
done
validate "$T/list-2a.json"

py - "$T" <<'PY' || fail "one thread and two differ"
import json, os, sys
T = sys.argv[1]
def objs(name):
    return json.load(open(os.path.join(T, name)))["objects"]
one, two = objs("list-1a.json"), objs("list-2a.json")
# The generators' traffic may move between two scans: compare what they hold still.
def key(o):
    return {k: v for k, v in o.items() if k not in ("waiters",)}
if [key(o) for o in one] != [key(o) for o in two]:
    a = [o["identity"] for o in one]
    b = [o["identity"] for o in two]
    if a != b:
        sys.exit(f"identities differ: {sorted(set(a) ^ set(b))[:5]}")
    d = next(x for x, y in zip(one, two) if key(x) != key(y))
    sys.exit(f"{d['identity']} differs:\n{json.dumps(d)}\n{json.dumps(next(y for y in two if y['identity'] == d['identity']))}")
byino = {(o["kind"], o.get("inode")): o for o in two}
kinds = set()
for name, fill in (("pipe", 1234), ("fifo", 100), ("pair", 77)):
    for m in json.load(open(os.path.join(T, name + ".json")))["mechanisms"]:
        for g in m["objects"]:
            o = byino.get((g["kind"], g["inode"]))
            if o is None:
                sys.exit(f"{name}: {g['kind']} {g['inode']} not listed")
            kinds.add(o["kind"])
            if g["kind"] in ("pipe", "fifo") and o.get("used_bytes") != fill:
                sys.exit(f"{o['identity']}: used_bytes {o.get('used_bytes')}, {fill} queued")
            if g["kind"] in ("pipe", "fifo") and o.get("size") != 65536:
                sys.exit(f"{o['identity']}: size {o.get('size')}, not the default 65536")
            want = sorted((h["pid"], h["fd"], h["access"]) for h in g["holders"])
            got = sorted((h["pid"], h["fd"], h["access"]) for h in o["holders"])
            if g["kind"] in ("pipe", "fifo") and want != got:
                sys.exit(f"{o['identity']}: holders {got}, the generator says {want}")
for k in ("eventfd", "memfd", "posix-mq", "unix", "tcp", "lock"):
    if not any(o["kind"] == k and o.get("holders") for o in two):
        sys.exit(f"no {k} with holders listed")
PY

# The reader is a thread of its own with 2, none with 1 (nothing else makes threads here).
if command -v strace >/dev/null; then
    for n in 1 2; do
        # LeakSanitizer cannot run under ptrace: the ASan build's exit status says nothing.
        IPCSCOPE_SCAN_THREADS=$n ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
            strace -f -qq -e trace=clone,clone3 -o "$T/clones-$n" "$IPCSCOPE" list -J \
            >/dev/null 2>&1 || fail "list -J under strace"
    done
    c1=$(grep -c 'CLONE_THREAD' "$T/clones-1" || true)
    c2=$(grep -c 'CLONE_THREAD' "$T/clones-2" || true)
    [ "$c1" = 0 ] || fail "IPCSCOPE_SCAN_THREADS=1 made $c1 threads"
    [ "$c2" -ge 1 ] || fail "IPCSCOPE_SCAN_THREADS=2 made no reader thread"
fi
echo "ok: the walk with a reader thread lists what one thread lists"
