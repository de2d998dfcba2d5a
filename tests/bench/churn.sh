#!/bin/bash
# churn.sh - not a test: scans at scale while named IPC objects come and go.
#
# In private IPC, mount, pid and network namespaces (a fresh /dev/mqueue and /dev/shm, and
# only this run's sockets, so that the figures do not depend on the host's), two children
# make and remove SysV queues, segments and sets and POSIX queues, shm objects and
# semaphores hundreds of times a second (tests/tools/churn.py). Then:
#   1. SCANS runs of `ipcscope list -J`: wall time per scan (median, p95, max), failed
#      scans, and what must never appear: vanished objects reported ("msgctl: Invalid
#      argument"...), mount hints for the mounted /dev/mqueue, sem_open temporaries listed;
#      every 50th document is validated against the schema;
#   2. `ipcscope serve -i INTERVAL` for SERVE_SECONDS under the same churn: every SAMPLE
#      seconds its fd count and RSS (read from /proc/PID, so the measure does not disturb
#      it), the scans it has made, and the same three counts in its /api/v1/objects body.
# A growing fd count or RSS across the samples is a leak.
#
# usage: tests/bench/churn.sh [IPCSCOPE]       (default: ./build/ipcscope)
# env:   SCANS=1000 SERVE_SECONDS=300 SAMPLE=10 INTERVAL=0.1 PAUSE_MS=1
# Needs root (unshare), ip, curl, python3 with jsonschema (Debian's /usr/bin/python3).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
IPCSCOPE=$(realpath "${1:-${IPCSCOPE:-$src/build/ipcscope}}")
SCANS=${SCANS:-1000}
SERVE_SECONDS=${SERVE_SECONDS:-300}
SAMPLE=${SAMPLE:-10}
INTERVAL=${INTERVAL:-0.1}
PAUSE_MS=${PAUSE_MS:-1}
PY=/usr/bin/python3

[ -x "$IPCSCOPE" ] || { echo "churn: no ipcscope binary at $IPCSCOPE" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "churn: needs root (private namespaces)" >&2; exit 1; }
if [ -z "${CHURN_BENCH_INNER:-}" ]; then
	exec unshare --ipc --mount --pid --net --fork --mount-proc --propagation private \
		env CHURN_BENCH_INNER=1 bash "$0" "$IPCSCOPE"
fi
ip link set lo up # serve listens on loopback
mkdir -p /dev/mqueue
mount -t mqueue none /dev/mqueue
mount -t tmpfs -o size=64m,mode=1777 none /dev/shm

tmp=$(mktemp -d /tmp/ipcscope-bench-churn.XXXXXX)
churn=()
serve=
cleanup() {
	local p
	[ -n "$serve" ] && kill -TERM "$serve" 2>/dev/null && wait "$serve" 2>/dev/null
	for p in "${churn[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${churn[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

for group in sysv posix; do
	"$PY" "$src/tests/tools/churn.py" "$group" "$PAUSE_MS" 2>"$tmp/churn-$group.err" &
	churn+=($!)
done
sleep 0.2
echo "churn: SysV and POSIX objects made and removed with a ${PAUSE_MS} ms pause; $(nproc) CPUs, kernel $(uname -r)"

# What must never appear, counted in the text of documents: FILE... -> "ghosts hints temps".
count_bad() {
	"$PY" - "$@" <<'PY'
import json, re, sys
ghost = re.compile(r"(msgctl|semctl|shmctl): (Invalid argument|Identifier removed)")
temp = re.compile(r"^/[A-Za-z0-9]{6}$")
g = h = t = 0
for name in sys.argv[1:]:
    doc = json.load(open(name))
    texts = [e["message"] for e in doc.get("errors", [])]
    for o in doc["objects"]:
        texts.append(o.get("partial", ""))
        t += o["kind"] == "posix-sem" and bool(temp.match(o.get("name", ""))) and "deleted" not in o.get("status", "")
    g += sum(bool(ghost.search(x)) for x in texts)
    h += sum("mount -t mqueue" in x for x in texts)
print(g, h, t)
PY
}

# 1. Scans by the command line.
failed=0
: >"$tmp/times"
for i in $(seq "$SCANS"); do
	t0=$(date +%s%N)
	if ! "$IPCSCOPE" list -J >"$tmp/scan-$i.json" 2>"$tmp/scan-$i.err"; then
		failed=$((failed + 1))
	fi
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000)) >>"$tmp/times"
done
read -r ghosts hints temps < <(count_bad "$tmp"/scan-*.json)
stderr_bad=$(cat "$tmp"/scan-*.err | grep -cE '(msgctl|semctl|shmctl): Invalid argument|mount -t mqueue' || true)
sample=()
for i in $(seq 50 50 "$SCANS"); do sample+=("$tmp/scan-$i.json"); done
valid=ok
[ ${#sample[@]} -eq 0 ] || "$PY" "$src/tests/tools/validate.py" "$src/src/render/ipcscope.schema.json" "${sample[@]}" || valid=INVALID
objs=$("$PY" -c 'import json,sys; n=[len(json.load(open(f))["objects"]) for f in sys.argv[1:]]; print(f"{min(n)}..{max(n)} (mean {sum(n)/len(n):.1f})")' "$tmp"/scan-*.json)
sort -n "$tmp/times" | awk -v n="$SCANS" '
	{ t[NR] = $1; s += $1 }
	END { p = int(n * 0.95); if (p < 1) p = 1
	      printf "list -J: %d scans, %.1f s, median %.1f ms, p95 %.1f ms, max %.1f ms\n",
	      n, s / 1e6, t[int((n + 1) / 2)] / 1000, t[p] / 1000, t[n] / 1000 }'
echo "  objects per scan: $objs; failed scans: $failed; schema (every 50th): $valid"
echo "  vanished objects reported: $ghosts; mount hints: $hints; sem_open temporaries listed: $temps; such stderr lines: $stderr_bad"
rm -f "$tmp"/scan-*

# 2. The server, scanning every INTERVAL s under the same churn.
"$IPCSCOPE" serve -l 127.0.0.1:0 -i "$INTERVAL" >"$tmp/serve.out" 2>"$tmp/serve.err" &
serve=$!
addr=
for _ in $(seq 100); do
	addr=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/serve.err" "$tmp/serve.out" 2>/dev/null | head -1 | sed 's/^[^:]*:http/http/') || true
	[ -n "$addr" ] && break
	sleep 0.05
done
[ -n "$addr" ] || { cat "$tmp/serve.err" >&2; echo "churn: serve did not start" >&2; exit 1; }
seq_now() { curl -s --max-time 5 "$addr/healthz" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["seq"])'; }
echo
echo "serve -i $INTERVAL for ${SERVE_SECONDS} s, sampled every ${SAMPLE} s:"
printf '  %6s %7s %5s %9s %7s %6s %6s\n' "t(s)" "scans" "fds" "RSS(KiB)" "ghosts" "hints" "temps"
start=$(date +%s)
first_fds= first_rss= max_fds=0 max_rss=0
while :; do
	now=$(date +%s)
	el=$((now - start))
	kill -0 "$serve" 2>/dev/null || { echo "churn: serve died" >&2; exit 1; }
	fds=$(ls "/proc/$serve/fd" | wc -l)
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$serve/status")
	seq=$(seq_now || echo "?")
	curl -s --max-time 5 "$addr/api/v1/objects" >"$tmp/objects.json" || true
	read -r g h t < <(count_bad "$tmp/objects.json" 2>/dev/null || echo "? ? ?")
	printf '  %6d %7s %5d %9d %7s %6s %6s\n' "$el" "$seq" "$fds" "$rss" "$g" "$h" "$t"
	[ -z "$first_fds" ] && first_fds=$fds first_rss=$rss
	[ "$fds" -gt "$max_fds" ] && max_fds=$fds
	[ "$rss" -gt "$max_rss" ] && max_rss=$rss
	[ "$el" -ge "$SERVE_SECONDS" ] && break
	sleep "$SAMPLE"
done
echo "  fds: first $first_fds, last $fds, max $max_fds; RSS KiB: first $first_rss, last $rss, max $max_rss"
kill -TERM "$serve" && wait "$serve" 2>/dev/null || true
serve=
for p in "${churn[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
for p in "${churn[@]}"; do wait "$p" 2>/dev/null || true; done
churn=()
echo "  churn: $(cat "$tmp"/churn-*.err | tr '\n' ';' | sed 's/;$//')"
