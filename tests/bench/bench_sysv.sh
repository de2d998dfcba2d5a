#!/usr/bin/env bash
# bench_sysv.sh - fill the kernel to its SysV limits and time `ipcscope list -J -t sysv`
# beside the floor (cat /proc/sysvipc/*, the cost of the kernel printing the tables),
# `ipcs -a` and `lsipc -J` for the three kinds, in the same run.
#
# usage: tests/bench/bench_sysv.sh [BUILD_DIR]      (root: it runs in a private IPC namespace,
#        so the objects it makes vanish with it and nothing else on the host is touched)
# env:   MSG=N SEM=N SHM=N to make fewer objects than the limits; RUNS=N (default 10).
#        BASELINE=/path/to/an/older/ipcscope: time its list -J too (before/after figures);
#        BEFORE=/path/to/another/ipcscope: its list -J and table, with -N self, on the same objects.
# It prints the ratios to the floor and to lsipc -J, and the JSON's own share: `list -J`
# minus the table output (same scan, same objects), per object, and as a ratio.
#
# ipcscope is run with -N self: the anchors read the namespace they run in, and as root
# ipcscope would also read every other IPC namespace on the host (another benchmark's, on a
# shared machine). After the timings: the CPU time, peak RSS and system calls of one run of
# each ipcscope command, the detail calls on one thread (IPCSCOPE_SCAN_THREADS=1) beside the
# default (one per CPU), and instructions per object where perf stat can count them.
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
"$B" list -J -t sysv -N self >/tmp/bench_sysv.json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); o=d["objects"]; print("  list -J: %d objects, %d semaphore values, %d errors" % (len(o), sum(len(x.get("semaphores",[])) for x in o), len(d["errors"])))' /tmp/bench_sysv.json
rm -f /tmp/bench_sysv.json

# hyperfine truncates the file it exports to: a file of its own, printed after.
md=$(mktemp)
json=$(mktemp)
trap 'rm -f "$md" "$json"' EXIT
hyperfine --warmup 2 --runs "$runs" --style basic --export-markdown "$md" --export-json "$json" \
    -n 'floor: cat /proc/sysvipc/*' 'cat /proc/sysvipc/msg /proc/sysvipc/shm /proc/sysvipc/sem >/dev/null' \
    -n 'ipcscope list -J -t sysv' "$B list -J -t sysv -N self >/dev/null" \
    -n 'ipcscope list -t sysv (table)' "$B list -t sysv -N self >/dev/null" \
    -n 'ipcscope table, 1 thread' "IPCSCOPE_SCAN_THREADS=1 $B list -t sysv -N self >/dev/null" \
    ${BEFORE:+-n 'before: list -J -t sysv' "$BEFORE list -J -t sysv -N self >/dev/null"} \
    ${BEFORE:+-n 'before: list -t sysv (table)' "$BEFORE list -t sysv -N self >/dev/null"} \
    -n 'ipcs -a' 'ipcs -a >/dev/null' \
    -n 'lsipc -J (msg, shm, sem)' 'lsipc -q -J >/dev/null; lsipc -m -J >/dev/null; lsipc -s -J >/dev/null' \
    ${BASELINE:+-n 'baseline list -J -t sysv' "$BASELINE list -J -t sysv >/dev/null"}
cat "$md"
# Ratios of the medians, from the same run.
python3 - "$json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
floor, lsipc = r["floor: cat /proc/sysvipc/*"], r["lsipc -J (msg, shm, sem)"]
print()
for name in ("ipcscope list -J -t sysv", "ipcscope list -t sysv (table)", "ipcscope table, 1 thread",
             "before: list -J -t sysv", "before: list -t sysv (table)", "ipcs -a"):
    if name in r:
            print(f"{name:32s} {r[name] / floor:6.2f}x the floor  {r[name] / lsipc:6.2f}x lsipc -J")
PY

# One run each: CPU (user + system), peak RSS, system calls; instructions where counted.
nobj=$(cat /proc/sysvipc/msg /proc/sysvipc/sem /proc/sysvipc/shm | grep -cv '^ *key')
echo
printf '%-34s %7s %7s %9s %10s %9s\n' RUN USER_S SYS_S RSS_MB SYSCALLS INSN/OBJ
one() {
    local label=$1 u s m calls insn=n/a
    shift
    /usr/bin/time -f '%U %S %M' -o "$md" "$@" >/dev/null 2>&1
    read -r u s m <"$md"
    calls=$(strace -f -c -o "$md" "$@" >/dev/null 2>&1; awk '$NF == "total" { print $4 }' "$md")
    if perf stat -x, -e instructions -o "$md" "$@" >/dev/null 2>&1 &&
        grep -q '^[0-9]' "$md"; then
        insn=$(awk -F, -v n="$nobj" '/instructions/ { printf "%.0f", $1 / n }' "$md")
    fi
    printf '%-34s %7s %7s %9.1f %10s %9s\n' "$label" "$u" "$s" "$(echo "$m / 1024" | bc -l)" "$calls" "$insn"
}
one 'ipcscope list -J -t sysv' "$B" list -J -t sysv -N self
one 'ipcscope list -t sysv (table)' "$B" list -t sysv -N self
one 'ipcscope table, 1 thread' env IPCSCOPE_SCAN_THREADS=1 "$B" list -t sysv -N self
[ -z "${BEFORE:-}" ] || one 'before: list -J -t sysv' "$BEFORE" list -J -t sysv -N self
[ -z "${BEFORE:-}" ] || one 'before: list -t sysv (table)' "$BEFORE" list -t sysv -N self
one 'floor: cat /proc/sysvipc/*' cat /proc/sysvipc/msg /proc/sysvipc/shm /proc/sysvipc/sem
one 'lsipc -s -J' lsipc -s -J
echo "($nobj objects; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg))"

# The JSON's own share: list -J minus the table output (same scan, same objects).
python3 - "$json" "$nobj" <<'PY'
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
