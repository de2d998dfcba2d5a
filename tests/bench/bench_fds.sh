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
# env:   PROCS=300 N=56 FILL=100 RUNS=3
#        LIST_EXTRA="-t mmap;-t sysv,posix,stream,socket,lock,memfd,fd,mmap": more
#        `ipcscope list -J ARGS` rows on the same load, one per ';'-separated ARGS
#        BEFORE=/path/to/another/ipcscope to measure it too (BASELINE= is the same)
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

# SysV objects of other IPC namespaces (another benchmark's, on a shared machine) are read by
# `list` as root and are no part of this load: say how many there are.
other=$("$IPCSCOPE" list -t sysv -J 2>/dev/null | python3 -c '
import json, os, sys
me = os.stat("/proc/self/ns/ipc").st_ino
print(sum(1 for o in json.load(sys.stdin)["objects"] if o.get("ns") != me))' || echo "?")
[ "$other" = 0 ] || echo "note: $other SysV objects in other IPC namespaces are read by ipcscope too (not by the anchors)"

printf '%-20s %8s %8s %10s %8s %9s\n' TOOL WALL_S CPU_S SYSCALLS PER_FD RSS_MB
measure ipcscope "ipcscope list -J" "$IPCSCOPE" list -J
measure table "ipcscope list" "$IPCSCOPE" list
IFS=';' read -ra extra <<<"${LIST_EXTRA:-}"
for args in "${extra[@]}"; do
	read -ra words <<<"$args"
	measure extra "list -J $args" "$IPCSCOPE" list -J "${words[@]}"
done
BEFORE=${BEFORE:-${BASELINE:-}}
if [ -n "${BEFORE:-}" ]; then
	measure before "before: list -J" "$BEFORE" list -J
	measure before_table "before: list" "$BEFORE" list
fi
measure lsfd "lsfd -J" lsfd -J
measure ss "ss -xap" ss -xap
measure floor "floor (readlinkat)" "$tmp/floor"
# The table output is the scan's share of the time (the JSON emitter's is the rest).
awk '{ t[$1] = $2; c[$1] = $3 }
     END { if (t["floor"] <= 0 || c["floor"] <= 0) exit
	printf "\n%-18s %12s %12s %12s %12s\n", "ratios", "/ floor", "/ ss -xap", "/ lsfd -J", "(wall; CPU)"
	n = split("ipcscope table before before_table", k, " ")
	split("list -J,list (table),before: list -J,before: list", label, ",")
	for (i = 1; i <= n; i++)
		if (k[i] in t) printf "%-18s %5.2f; %5.2f %5.2f; %5.2f %5.2f; %5.2f\n", label[i],
			t[k[i]] / t["floor"], c[k[i]] / c["floor"], t[k[i]] / t["ss"], c[k[i]] / c["ss"],
			t[k[i]] / t["lsfd"], c[k[i]] / c["lsfd"]
	if (t["table"] > 0 && c["table"] > 0)
		printf "list -J / table: wall %.2f, CPU %.2f (the JSON share)\n", t["ipcscope"] / t["table"], c["ipcscope"] / c["table"]
	if (c["before"] > 0)
		printf "list -J / before: wall %.2f, CPU %.2f\n", t["ipcscope"] / t["before"], c["ipcscope"] / c["before"] }' "$tmp/results"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
