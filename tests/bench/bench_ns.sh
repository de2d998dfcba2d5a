#!/usr/bin/env bash
# bench_ns.sh - not a test: what reading other namespaces costs. Entering a namespace is a
# few system calls (setns in a thread, the /proc/PID/root paths of a mount namespace), not
# another walk of /proc, so the same objects spread over many namespaces should cost about
# what they cost in one. Target (issue 11): at most 1.25x the single-namespace time.
#
# Two loads, one after the other, with the same generators (the same objects and holders):
#   many: NS namespaces, each IPC + mount + network (unshare; its own tmpfs on /dev/shm,
#         its own mqueue, loopback up), one `ipcscope gen MECHS --hold --fill` in each;
#   one:  the NS generators side by side in one namespace (the benchmark's own).
# For each: the median wall time of `ipcscope list -J` (hyperfine), its system calls (one
# run under strace -c -f) and its peak RSS (GNU time), then the ratios many/one of the wall
# median and of the CPU time (user + system, hyperfine's means): on a shared machine the
# CPU time is the steadier figure. Look at the load average printed first.
#
# Everything runs in private pid, IPC and mount namespaces (the host's other processes are
# not read, the objects vanish with the namespaces); the network namespaces are the
# benchmark's own, and so is the one of the "one" load: the host's shared one is never
# counted.
#
# usage: tests/bench/bench_ns.sh [BUILD_DIR]       (default: build; needs root)
# env:   NS=50 RUNS=10 MECHS="sysv-msg sysv-shm posix-mq posix-shm posix-sem tcp unix-stream"
#        PERF=1 also records `perf record -g` of one run of each load and prints the top of
#        `perf report` (where the time goes)
set -euo pipefail
build=${1:-build}
B=$(cd "$build" && pwd)/ipcscope
[ -x "$B" ] || { echo "bench_ns: no $B: build first" >&2; exit 2; }
if [ -z "${IPCSCOPE_BENCH_NS:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "bench_ns: needs root for namespaces" >&2; exit 2; }
    exec unshare --ipc --mount --pid --net --fork --mount-proc --propagation private \
        env IPCSCOPE_BENCH_NS=1 bash "$0" "$@"
fi
for tool in hyperfine strace /usr/bin/time ip; do
    command -v "$tool" >/dev/null || { echo "bench_ns: $tool missing (apt-get install -y hyperfine strace time iproute2)" >&2; exit 2; }
done
nns=${NS:-50}
runs=${RUNS:-10}
read -r -a mechs <<<"${MECHS:-sysv-msg sysv-shm posix-mq posix-shm posix-sem tcp unix-stream}"

# The benchmark's own /dev/shm and /dev/mqueue, so that the "one" load is as private as the
# others.
ip link set lo up
mkdir -p /dev/mqueue
mount -t mqueue none /dev/mqueue
mount -t tmpfs -o size=256m,mode=1777 none /dev/shm

tmp=$(mktemp -d /tmp/ipcscope-bench-ns.XXXXXX)
chmod 755 "$tmp"
pids=()
stop_load() {
    local p
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    pids=()
}
trap 'stop_load; rm -rf "$tmp"' EXIT

cat >"$tmp/inner.sh" <<'EOF'
set -e
mount -t tmpfs -o size=16m,mode=1777 none /dev/shm
mount -t mqueue none /dev/mqueue
ip link set lo up
exec "$@"
EOF

# start_load many|one: NS generators, in namespaces of their own or all in this one; back
# once each has printed its JSON (everything made).
start_load() {
    local how=$1 i out
    for i in $(seq "$nns"); do
        out=$tmp/$how-$i.json
        # No --fork (no pid namespace): unshare execs the generator, so both loads have
        # the same processes.
        if [ "$how" = many ]; then
            unshare --ipc --mount --net --propagation private \
                bash "$tmp/inner.sh" "$B" gen "${mechs[@]}" --hold 3600 --fill 2 -J >"$out" 2>"$out.err" &
        else
            "$B" gen "${mechs[@]}" --hold 3600 --fill 2 -J >"$out" 2>"$out.err" &
        fi
        pids+=("$!")
    done
    for i in $(seq "$nns"); do
        out=$tmp/$how-$i.json
        for _ in $(seq 1200); do
            python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out" 2>/dev/null && break
            sleep 0.05
        done
        python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out" 2>/dev/null ||
            { cat "$out.err" >&2; echo "bench_ns: generator $how-$i did not get ready" >&2; exit 1; }
    done
}

# describe LABEL: what list -J sees of the load.
describe() {
    "$B" list -J >"$tmp/list.json" 2>"$tmp/list.err" || { cat "$tmp/list.err" >&2; exit 1; }
    python3 - "$tmp/list.json" "$1" <<'PY'
import collections, json, sys
d = json.load(open(sys.argv[1]))
objs = d["objects"]
kinds = collections.Counter(o["kind"] for o in objs)
held = collections.Counter()
for o in objs:
    held[o["kind"]] += len(o["holders"])
nss = collections.Counter(n["type"] for n in d.get("namespaces", []) if n["type"] in ("ipc", "mnt", "net"))
print(f"{sys.argv[2]}: {len(objs)} objects ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}), "
      f"{sum(len(o['holders']) for o in objs)} holders; namespaces ipc {nss['ipc']} mnt {nss['mnt']} net {nss['net']}; "
      f"{len(d['errors'])} errors")
print(f"  holders by kind: {', '.join(f'{k} {v}' for k, v in sorted(held.items()))}")
PY
    echo "  processes: $(ls /proc | grep -c '^[0-9]')"
}

# measure KEY: median wall of list -J, system calls of one run, peak RSS.
measure() {
    local key=$1
    hyperfine --warmup 2 --runs "$runs" --style basic --export-json "$tmp/$key.hf.json" \
        -n "list -J ($key)" "$B list -J >/dev/null" >/dev/null
    strace -f -c -o "$tmp/$key.strace" "$B" list -J >/dev/null 2>&1
    /usr/bin/time -v -o "$tmp/$key.time" "$B" list -J >/dev/null 2>&1
    if [ "${PERF:-0}" = 1 ] && command -v perf >/dev/null; then
        perf record -q -g -o "$tmp/$key.perf" "$B" list -J >/dev/null 2>"$tmp/$key.perf.err" ||
            { echo "bench_ns: perf record ($key) failed: $(tail -1 "$tmp/$key.perf.err")" >&2; rm -f "$tmp/$key.perf"; }
    fi
}

echo "kernel $(uname -r), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $nns generators of: ${mechs[*]}"
t0=$(date +%s.%N)
start_load many
printf 'many: made in %.1fs\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
describe "many ($nns namespaces)"
measure many
stop_load

t0=$(date +%s.%N)
start_load one
printf 'one: made in %.1fs\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
describe "one (1 namespace)"
measure one
stop_load

echo
python3 - "$tmp" "$nns" <<'PY'
import json, os, re, sys
tmp, nns = sys.argv[1], int(sys.argv[2])
r = {}
for k in ("many", "one"):
    hf = json.load(open(os.path.join(tmp, k + ".hf.json")))["results"][0]
    calls = {}
    total = 0
    for line in open(os.path.join(tmp, k + ".strace")):
        f = line.split()
        if len(f) >= 5 and f[-1] == "total":
            total = int(f[3] if len(f) == 5 else f[3])
        elif len(f) >= 5 and f[0][0].isdigit():
            calls[f[-1]] = int(f[3])
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(os.path.join(tmp, k + ".time")).read()).group(1))
    r[k] = dict(median=hf["median"], mean=hf["mean"], stddev=hf["stddev"], min=hf["min"], user=hf["user"],
                system=hf["system"], calls=calls, total=total, rss=rss)
print(f"{'load':<22} {'median_ms':>10} {'mean_ms':>9} {'sd_ms':>7} {'min_ms':>8} {'user_ms':>8} {'sys_ms':>8} {'syscalls':>9} {'rss_MiB':>8}")
for k, label in (("many", f"many ({nns} namespaces)"), ("one", "one (1 namespace)")):
    x = r[k]
    print(f"{label:<22} {x['median']*1e3:10.1f} {x['mean']*1e3:9.1f} {x['stddev']*1e3:7.1f} {x['min']*1e3:8.1f} "
          f"{x['user']*1e3:8.1f} {x['system']*1e3:8.1f} {x['total']:9d} {x['rss']/1024:8.1f}")
ratio = r["many"]["median"] / r["one"]["median"]
cpu = (r["many"]["user"] + r["many"]["system"]) / (r["one"]["user"] + r["one"]["system"])
print(f"\nratio many/one (median wall):      {ratio:.2f}x  target <= 1.25x: {'met' if ratio <= 1.25 else 'NOT MET'}")
print(f"ratio many/one (mean CPU user+sys): {cpu:.2f}x  target <= 1.25x: {'met' if cpu <= 1.25 else 'NOT MET'}")
print(f"per namespace (IPC + mount + network): {(r['many']['total'] - r['one']['total']) / nns:.0f} more system calls, "
      f"{(r['many']['user'] + r['many']['system'] - r['one']['user'] - r['one']['system']) * 1e3 / nns:.2f} ms more CPU")
print("\nsystem calls that differ most (many - one):")
names = set(r["many"]["calls"]) | set(r["one"]["calls"])
diff = sorted(names, key=lambda n: -abs(r["many"]["calls"].get(n, 0) - r["one"]["calls"].get(n, 0)))
for n in diff[:12]:
    a, b = r["many"]["calls"].get(n, 0), r["one"]["calls"].get(n, 0)
    print(f"  {n:<18} many {a:7d}  one {b:7d}  {a - b:+7d}")
PY
if [ "${PERF:-0}" = 1 ] && command -v perf >/dev/null; then
    for k in many one; do
        [ -f "$tmp/$k.perf" ] || continue
        echo
        echo "perf report ($k), top of the self time:"
        perf report -q -i "$tmp/$k.perf" --no-children --sort symbol -g none 2>/dev/null | grep -v "^$" | head -15 || true
    done
fi
