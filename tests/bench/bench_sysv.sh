#!/usr/bin/env bash
# bench_sysv.sh - fill the kernel to its SysV limits and time `ipcscope list -J -t sysv`
# beside the floor (cat /proc/sysvipc/*, the cost of the kernel printing the tables),
# `ipcs -a` and `lsipc -J` for the three kinds, in the same run.
#
# usage: tests/bench/bench_sysv.sh [BUILD_DIR]      (root: it runs in a private IPC namespace,
#        so the objects it makes vanish with it and nothing else on the host is touched)
# env:   MSG=N SEM=N SHM=N to make fewer objects than the limits; RUNS=N (default 10).
#        BASELINE=/path/to/an/older/ipcscope: time its list -J too (before/after figures).
#        INSNS=1: also count the instructions of one `list -J` and one table run with
#        callgrind when `perf stat` has no hardware counter (a VM); slow (a minute or more).
# It prints the ratios to the floor and to lsipc -J, and the JSON's own share: `list -J`
# minus the table output (same scan, same objects), per object, and as a ratio.
set -euo pipefail
build=${1:-build}
B=$(cd "$build" && pwd)/ipcscope
[ -x "$B" ] || { echo "no $B: build first" >&2; exit 2; }
if [ -z "${IPCSCOPE_BENCH_NS:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "bench_sysv: needs root for a private IPC namespace" >&2; exit 2; }
    exec unshare --ipc env IPCSCOPE_BENCH_NS=1 bash "$0" "$@"
fi
command -v hyperfine >/dev/null || { echo "bench_sysv: hyperfine missing (packaging/install-deps.sh)" >&2; exit 2; }

read -r semmsl semmns semopm semmni </proc/sys/kernel/sem
msg=${MSG:-$(cat /proc/sys/kernel/msgmni)}
shm=${SHM:-$(cat /proc/sys/kernel/shmmni)}
sem=${SEM:-$semmni}
runs=${RUNS:-10}
echo "kernel $(uname -r), $(nproc) cores; filling: $msg queues, $sem semaphore sets, $shm segments"
t0=$(date +%s.%N)
"$B" gen sysv-msg --count "$msg" --messages 1 --leak >/dev/null
"$B" gen sysv-sem --count "$sem" --messages 1 --leak >/dev/null
"$B" gen sysv-shm --count "$shm" --messages 1 --size 64 --leak >/dev/null
printf 'made them in %.1fs\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
wc -l /proc/sysvipc/msg /proc/sysvipc/sem /proc/sysvipc/shm | sed 's/^/  /'
"$B" list -J -t sysv >/tmp/bench_sysv.json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); o=d["objects"]; print("  list -J: %d objects, %d semaphore values, %d errors" % (len(o), sum(len(x.get("semaphores",[])) for x in o), len(d["errors"])))' /tmp/bench_sysv.json
rm -f /tmp/bench_sysv.json

# hyperfine truncates the file it exports to: a file of its own, printed after.
md=$(mktemp)
trap 'rm -f "$md"' EXIT
js=$(mktemp)
trap 'rm -f "$md" "$js"' EXIT
hyperfine --warmup 2 --runs "$runs" --style basic --export-markdown "$md" --export-json "$js" \
    -n 'floor: cat /proc/sysvipc/*' 'cat /proc/sysvipc/msg /proc/sysvipc/shm /proc/sysvipc/sem >/dev/null' \
    -n 'ipcscope list -J -t sysv' "$B list -J -t sysv >/dev/null" \
    -n 'ipcscope list -t sysv (table)' "$B list -t sysv >/dev/null" \
    -n 'ipcs -a' 'ipcs -a >/dev/null' \
    -n 'lsipc -J (msg, shm, sem)' 'lsipc -q -J >/dev/null; lsipc -m -J >/dev/null; lsipc -s -J >/dev/null' \
    ${BASELINE:+-n 'baseline list -J -t sysv' "$BASELINE list -J -t sysv >/dev/null"}
cat "$md"
nobj=$(( $(cat /proc/sysvipc/msg /proc/sysvipc/sem /proc/sysvipc/shm | wc -l) - 3 ))
python3 - "$js" "$nobj" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
n = int(sys.argv[2])
def get(prefix):
    return next(v for k, v in r.items() if k.startswith(prefix))
floor, jsn, tab, lsipc = (get(p) for p in ("floor", "ipcscope list -J", "ipcscope list -t", "lsipc"))
def cpu(x):  # user + system, the steadier figure on a shared machine
    return x["user"] + x["system"]
print("\nratios (median wall; CPU = user + system, mean):")
print("  list -J / floor:      wall %.2f  CPU %.2f" % (jsn["median"] / floor["median"], cpu(jsn) / max(cpu(floor), 1e-9)))
print("  list -J / lsipc -J:   wall %.2f  CPU %.2f" % (jsn["median"] / lsipc["median"], cpu(jsn) / max(cpu(lsipc), 1e-9)))
print("  list -J / table:      wall %.2f  CPU %.2f" % (jsn["median"] / tab["median"], cpu(jsn) / max(cpu(tab), 1e-9)))
base = [v for k, v in r.items() if k.startswith("baseline")]
if base:
    print("  list -J / baseline:   wall %.2f  CPU %.2f" % (jsn["median"] / base[0]["median"], cpu(jsn) / max(cpu(base[0]), 1e-9)))
print("  JSON's share (list -J - table), %d objects: wall %.0f ms, user CPU %.0f ms, %.2f us/object"
      % (n, 1e3 * (jsn["median"] - tab["median"]), 1e3 * (jsn["user"] - tab["user"]),
         1e6 * (jsn["user"] - tab["user"]) / max(n, 1)))
PY

# Instructions per object: perf stat where the machine has counters, else callgrind.
insns() {
    local out
    out=$(perf stat -x, -e instructions:u "$@" 2>&1 >/dev/null | awk -F, '/instructions/ { print $1 }')
    if [[ "$out" =~ ^[0-9]+$ ]]; then echo "$out"; return; fi
    [ "${INSNS:-0}" = 1 ] && command -v valgrind >/dev/null || return 1
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        awk '/Collected :/ { print $NF }'
}
if j=$(insns "$B" list -J -t sysv) && t=$(insns "$B" list -t sysv) && [ -n "$j" ] && [ -n "$t" ]; then
    awk -v j="$j" -v t="$t" -v n="$nobj" 'BEGIN {
        printf "instructions (user): list -J %.0f/object, table %.0f/object, the JSON %.0f/object\n",
               j / n, t / n, (j - t) / n }'
else
    echo "instructions: perf stat has no hardware counter here (INSNS=1 counts them with callgrind)"
fi
