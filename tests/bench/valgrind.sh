#!/bin/bash
# valgrind.sh - not a test: the main commands under valgrind's memcheck, on real objects.
#
# In private IPC, mount and pid namespaces (its own /dev/mqueue and /dev/shm), a generator
# holds one object of every mechanism with traffic between live processes, plus a
# namespace of its own ("a container" with its own IPC, mount and network namespaces and
# objects); then each command below runs under
#   valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99
# and the script prints, per command, its exit status, valgrind's error count and the
# definitely/indirectly lost bytes. Any error or lost byte is a finding.
#
# usage: tests/bench/valgrind.sh [IPCSCOPE]     (default: ./build/ipcscope, a -O2 build)
# Needs root (unshare) and valgrind (apt-get install valgrind).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
IPCSCOPE=$(realpath "${1:-${IPCSCOPE:-$src/build/ipcscope}}")
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root (unshare)" >&2; exit 1; }

if [ -z "${VALGRIND_INNER:-}" ]; then
    exec unshare --ipc --mount --pid --fork --mount-proc --propagation private \
        env VALGRIND_INNER=1 bash "$0" "$IPCSCOPE"
fi
mount -t mqueue none /dev/mqueue
mount -t tmpfs -o size=64m none /dev/shm
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT

"$IPCSCOPE" gen all --hold 600 --fill 2 -J >"$T/gen.json" 2>"$T/gen.err" &
unshare --ipc --mount --net --fork --propagation private bash -c '
    mount -t tmpfs none /dev/shm; mount -t mqueue none /dev/mqueue; ip link set lo up
    exec "$0" gen sysv-msg posix-shm posix-mq tcp --hold 600 --fill 2 -J' "$IPCSCOPE" >"$T/ns.json" 2>&1 &
for _ in $(seq 400); do
    /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1])); json.load(open(sys.argv[2]))' \
        "$T/gen.json" "$T/ns.json" 2>/dev/null && break
    sleep 0.05
done
"$IPCSCOPE" gen sysv-msg posix-shm --leak -J >"$T/leak.json"
ident=$("$IPCSCOPE" list -J -t sysv-msg | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["objects"][0]["identity"])')

run() { # LABEL ARGS...
    local label=$1 rc errs lost
    shift
    rc=0
    valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
        --log-file="$T/vg.log" "$IPCSCOPE" "$@" >"$T/out" 2>&1 || rc=$?
    errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$T/vg.log" | tail -1)
    lost=$(awk '/definitely lost:/ {d=$4} /indirectly lost:/ {i=$4} END {print (d?d:0) "+" (i?i:0)}' "$T/vg.log")
    printf '%-28s exit %-3s errors %-4s lost(def+ind) %s bytes\n' "$label" "$rc" "${errs:-?}" "$lost"
    [ "${errs:-1}" = 0 ] || grep -A12 'Invalid\|uninitialised\|definitely lost in' "$T/vg.log" | head -40
}
echo "valgrind $(valgrind --version), $(nproc) CPUs, $(uname -r)"
run "list" list
run "list -J" list -J
run "list -J -N self" list -J -N self
run "show -J" show -J "$ident"
run "limits -J" limits -J
run "clean (dry run)" clean --older-than 0s
run "clean -J --yes --backup" clean -J --yes --older-than 0s --backup "$T/bk" -t sysv-msg,posix-shm
run "restore" restore "$T/bk"
run "ipcs -a" ipcs -a
run "gen pipe sysv-sem" gen pipe sysv-sem
echo "serve: 6 s under valgrind, with requests"
valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    --log-file="$T/vg-serve.log" "$IPCSCOPE" serve --listen 127.0.0.1:0 --interval 1 >"$T/serve.out" 2>&1 &
spid=$!
for _ in $(seq 200); do url=$(sed -n 's/^ipcscope: serving \(http:.*\)$/\1/p' "$T/serve.out"); [ -n "$url" ] && break; sleep 0.1; done
for p in api/v1/objects api/v1/limits api/v1/stale metrics healthz "api/v1/objects?kind=%ff"; do
    curl -s -o /dev/null -w "  GET /$p %{http_code}\n" "${url}$p" || true
done
sleep 4
kill -TERM $spid; wait $spid || true
errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$T/vg-serve.log" | tail -1)
lost=$(awk '/definitely lost:/ {d=$4} /indirectly lost:/ {i=$4} END {print (d?d:0) "+" (i?i:0)}' "$T/vg-serve.log")
printf '%-28s errors %-4s lost(def+ind) %s bytes\n' "serve" "${errs:-?}" "$lost"
