#!/usr/bin/env bash
# bench_sysv.sh - fill the kernel to its SysV limits and time `ipcscope list -J -t sysv`
# beside the floor (cat /proc/sysvipc/*, the cost of the kernel printing the tables),
# `ipcs -a` and `lsipc -J` for the three kinds, in the same run.
#
# usage: tests/bench/bench_sysv.sh [BUILD_DIR]      (root: it runs in a private IPC namespace,
#        so the objects it makes vanish with it and nothing else on the host is touched)
# env:   MSG=N SEM=N SHM=N to make fewer objects than the limits; RUNS=N (default 10).
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
hyperfine --warmup 2 --runs "$runs" --style basic --export-markdown "$md" \
    -n 'floor: cat /proc/sysvipc/*' 'cat /proc/sysvipc/msg /proc/sysvipc/shm /proc/sysvipc/sem >/dev/null' \
    -n 'ipcscope list -J -t sysv' "$B list -J -t sysv >/dev/null" \
    -n 'ipcscope list -t sysv (table)' "$B list -t sysv >/dev/null" \
    -n 'ipcs -a' 'ipcs -a >/dev/null' \
    -n 'lsipc -J (msg, shm, sem)' 'lsipc -q -J >/dev/null; lsipc -m -J >/dev/null; lsipc -s -J >/dev/null'
cat "$md"
