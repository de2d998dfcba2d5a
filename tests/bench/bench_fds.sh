#!/bin/bash
# bench_fds.sh - not a test: the cost of the process side on a loaded host.
#
# Builds a host with PROCS processes, each holding N pipes, N unix socketpairs and N loopback
# TCP connections (tests/bench/fdload.c; about PROCS * (6N + 1) fds, FILL bytes queued in each
# pipe and socketpair), then measures, in the same run and on the same load:
#   ipcscope list -J      every object with holders and fill levels
#   ipcscope list         the same scan as a table: list -J minus this is the JSON's share
#   lsfd -J               util-linux's fd lister
#   ss -xap               unix sockets with their processes
#   floor                 a bare loop of one readlinkat per fd (tests/bench/readlink_loop.c)
# and reports the median wall time of RUNS runs, the CPU time (user + system) of the same run,
# the peak RSS (GNU time), and the system calls of one run (strace -c -f) per fd on the host.
# On a shared machine the CPU time is the steadier figure.
#
# usage: tests/bench/bench_fds.sh [IPCSCOPE]     (default: ./build/ipcscope)
# env:   PROCS=300 N=56 FILL=100 RUNS=3; BASELINE=/path/to/an/older/ipcscope to measure its
#        list -J on the same load too (before/after figures)
# Needs root (to read every process and raise fd limits), cc, strace, lsfd, ss, /usr/bin/time.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
IPCSCOPE=${1:-${IPCSCOPE:-$here/../../build/ipcscope}}
PROCS=${PROCS:-300}
N=${N:-56}
FILL=${FILL:-100}
RUNS=${RUNS:-3}

for tool in cc strace lsfd ss /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench_fds: $tool is missing (packaging/install-deps.sh)" >&2; exit 1; }
done
[ -x "$IPCSCOPE" ] || { echo "bench_fds: no ipcscope binary at $IPCSCOPE" >&2; exit 1; }

tmp=$(mktemp -d /tmp/ipcscope-bench-fds.XXXXXX)
load=
cleanup() {
	exec 3>&- 2>/dev/null || true
	[ -n "$load" ] && wait "$load" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

cc -O2 -Wall -o "$tmp/fdload" "$here/fdload.c"
cc -O2 -Wall -o "$tmp/floor" "$here/readlink_loop.c"

# The load holds until its stdin (our fd 3) closes.
mkfifo "$tmp/ctl"
"$tmp/fdload" "$PROCS" "$N" "$FILL" <"$tmp/ctl" >"$tmp/ready" &
load=$!
exec 3>"$tmp/ctl"
for _ in $(seq 600); do
	grep -q '^ready' "$tmp/ready" 2>/dev/null && break
	kill -0 "$load" 2>/dev/null || { echo "bench_fds: the load failed" >&2; exit 1; }
	sleep 0.1
done
grep -q '^ready' "$tmp/ready" || { echo "bench_fds: the load never got ready" >&2; exit 1; }

fds=$("$tmp/floor")
echo "load: $PROCS processes x (${N} pipes + ${N} socketpairs + ${N} TCP connections), ${FILL} bytes queued per pipe/socketpair"
echo "host: $fds fds in all processes; kernel $(uname -r); $(nproc) CPUs"
echo

# key, label, then the command; its output is thrown away.
measure() {
	local key=$1 label=$2 walls=() rss=0 t m u s calls
	shift 2
	for _ in $(seq "$RUNS"); do
		/usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" ||
			{ echo "bench_fds: $label failed: $(tail -1 "$tmp/err")" >&2; exit 1; }
		read -r t m u s <"$tmp/time"
		walls+=("$t $(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')")
		[ "$m" -gt "$rss" ] && rss=$m
	done
	# strace's own overhead stays out of the wall times: it is a separate run.
	strace -f -c -o "$tmp/strace" "$@" >/dev/null 2>&1
	calls=$(awk '$NF == "total" { print $4 }' "$tmp/strace")
	read -r t u < <(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
	awk -v l="$label" -v t="$t" -v u="$u" -v c="$calls" -v f="$fds" -v r="$rss" \
		'BEGIN { printf "%-20s %8.2f %8.2f %10d %8.2f %9.1f\n", l, t, u, c, c / f, r / 1024 }'
	echo "$key $t $u" >>"$tmp/results"
}

printf '%-20s %8s %8s %10s %8s %9s\n' TOOL WALL_S CPU_S SYSCALLS PER_FD RSS_MB
measure ipcscope "ipcscope list -J" "$IPCSCOPE" list -J
measure table "ipcscope list" "$IPCSCOPE" list
[ -n "${BASELINE:-}" ] && measure baseline "baseline list -J" "$BASELINE" list -J
measure lsfd "lsfd -J" lsfd -J
measure ss "ss -xap" ss -xap
measure floor "floor (readlinkat)" "$tmp/floor"
awk '{ t[$1] = $2; c[$1] = $3 }
     END { if (t["floor"] > 0 && c["floor"] > 0)
		printf "\nipcscope / floor: wall %.2f, CPU %.2f\n", t["ipcscope"] / t["floor"], c["ipcscope"] / c["floor"]
	     if (t["table"] > 0 && c["table"] > 0)
		printf "list -J / table: wall %.2f, CPU %.2f; table / floor: wall %.2f, CPU %.2f\n",
		       t["ipcscope"] / t["table"], c["ipcscope"] / c["table"], t["table"] / t["floor"], c["table"] / c["floor"]
	     if (c["baseline"] > 0)
		printf "list -J / baseline list -J: wall %.2f, CPU %.2f\n", t["ipcscope"] / t["baseline"], c["ipcscope"] / c["baseline"]
	     if (c["ss"] > 0 && c["lsfd"] > 0)
		printf "ipcscope / ss -xap: wall %.2f, CPU %.2f; ipcscope / lsfd -J: wall %.2f, CPU %.2f\n",
		       t["ipcscope"] / t["ss"], c["ipcscope"] / c["ss"], t["ipcscope"] / t["lsfd"], c["ipcscope"] / c["lsfd"] }' "$tmp/results"
