#!/usr/bin/env bash
# bench_serve_idle.sh - what `ipcscope serve` costs the host with about 10,000 SysV objects:
# CPU per minute while nobody looks, and while /metrics is scraped every 2 s (with the
# scrapes' latency), and its RSS; beside Debian's prometheus-node-exporter (the anchor: an
# exporter that does nothing until scraped) measured over the very same minutes.
#
# CPU is utime + stime of /proc/PID/stat over each phase, as a share of one core. Everything
# runs in private IPC, PID and network namespaces (objects the generators leave behind
# vanish with them; traffic is on the namespace's own loopback). With BASELINE set to
# another ipcscope binary (an older build), that one is served and measured alongside.
# Targets (issue 14): idle <= 0.5% of a core; scraped every 2 s <= 3%, p99 <= 50 ms,
# RSS <= 32 MiB. The first scrape after the idle minute is shown apart: it waits for a scan.
#
# usage: tests/bench/bench_serve_idle.sh [BUILD_DIR]      (default: build; needs root)
# env:   OBJECTS=10000 DURATION=60 (seconds per phase) INTERVAL=2 (serve's) SCRAPE=2
#        (seconds between scrapes) BASELINE=/path/to/older/ipcscope
set -euo pipefail
build=${1:-build}
B=$(cd "$build" && pwd)/ipcscope
[ -x "$B" ] || { echo "bench_serve_idle: no $B: build first" >&2; exit 2; }
if [ -z "${IPCSCOPE_BENCH_NS:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "bench_serve_idle: needs root for private namespaces" >&2; exit 2; }
    exec unshare --ipc --pid --fork --mount-proc --net env IPCSCOPE_BENCH_NS=1 bash "$0" "$@"
fi
ip link set lo up
command -v curl >/dev/null || { echo "bench_serve_idle: curl missing" >&2; exit 2; }

objects=${OBJECTS:-10000}
duration=${DURATION:-60}
interval=${INTERVAL:-2}
scrape=${SCRAPE:-2}
baseline=${BASELINE:-}
hz=$(getconf CLK_TCK)

tmp=$(mktemp -d /tmp/ipcscope-bench-idle.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

# --- the objects: 40% queues, 30% semaphore sets, 30% segments (within shmmni), as bench_http
shmmni=$(cat /proc/sys/kernel/shmmni)
n_shm=$((objects * 3 / 10))
[ "$n_shm" -le "$shmmni" ] || n_shm=$shmmni
n_sem=$((objects * 3 / 10))
n_msg=$((objects - n_shm - n_sem))
"$B" gen sysv-msg --count "$n_msg" --messages 1 --leak >/dev/null
"$B" gen sysv-sem --count "$n_sem" --messages 1 --leak >/dev/null
"$B" gen sysv-shm --count "$n_shm" --messages 1 --size 64 --leak >/dev/null
echo "objects: $n_msg queues, $n_sem semaphore sets, $n_shm segments (private namespaces)"

# start_serve NAME BINARY: serve on a free port; sets url_NAME and pid_NAME.
declare -A url pid
start_serve() {
    local name=$1 bin=$2 u=
    "$bin" serve --listen 127.0.0.1:0 --interval "$interval" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pid[$name]=$!
    pids+=("$!")
    for _ in $(seq 600); do
        u=$(sed -n 's/^ipcscope: serving \(http:.*\)$/\1/p' "$tmp/$name.out" 2>/dev/null)
        [ -n "$u" ] && break
        kill -0 "${pid[$name]}" 2>/dev/null || { cat "$tmp/$name.err" >&2; exit 1; }
        sleep 0.05
    done
    url[$name]=${u}metrics
}
start_serve ipcscope "$B"
[ -n "$baseline" ] && start_serve baseline "$baseline"
ne=$(command -v prometheus-node-exporter || command -v node_exporter || true)
if [ -n "$ne" ]; then
    port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$ne" --web.listen-address="127.0.0.1:$port" >"$tmp/ne.out" 2>&1 &
    pid[node_exporter]=$!
    pids+=("$!")
    url[node_exporter]=http://127.0.0.1:$port/metrics
    for _ in $(seq 100); do
        curl -sf -o /dev/null "${url[node_exporter]}" && break
        sleep 0.1
    done
else
    echo "(prometheus-node-exporter not installed: no anchor; packaging/install-deps.sh installs it)"
fi
names=(ipcscope)
[ -n "$baseline" ] && names+=(baseline)
[ -n "$ne" ] && names+=(node_exporter)
# Every process starts, and is scraped once, before anything is measured.
for n in "${names[@]}"; do curl -s -o /dev/null "${url[$n]}"; done
sleep $((3 * ${interval%.*} + 2))

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
declare -A t0 cpu_idle cpu_scraped
measure_start() { for n in "${names[@]}"; do t0[$n]=$(ticks "${pid[$n]}"); done; }
# measure_end ARRAY: % of one core each used since measure_start.
measure_end() {
    local -n out=$1
    for n in "${names[@]}"; do
        out[$n]=$(echo "scale=3; ($(ticks "${pid[$n]}") - ${t0[$n]}) * 100 / $hz / $duration" | bc)
    done
}

echo "idle for ${duration}s (nobody connected)..."
measure_start
sleep "$duration"
measure_end cpu_idle

echo "scraping /metrics every ${scrape}s for ${duration}s..."
scraper() {
    local end=$(($(date +%s) + duration))
    while [ "$(date +%s)" -lt "$end" ]; do
        curl -s -o /dev/null -w '%{time_total}\n' "$2" >>"$tmp/lat.$1"
        sleep "$scrape"
    done
}
measure_start
spids=()
for n in "${names[@]}"; do scraper "$n" "${url[$n]}" & spids+=("$!"); done
wait "${spids[@]}"
measure_end cpu_scraped

echo
echo "host: kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); serve --interval $interval"
# With 30 scrapes p99 is the slowest, which is the first: after the idle minute it waits
# for a scan (serve's policy), so it is shown apart too, with the p99 of the others.
printf '%-14s %10s %14s %11s %11s %11s %12s %8s %9s\n' process "idle %core" "scraped %core" \
    "scrape p50" "scrape p99" "1st scrape" "p99 of rest" "scrapes" "RSS peak"
for n in "${names[@]}"; do
    read -r p50 p99 first rest cnt < <(/usr/bin/python3 - "$tmp/lat.$n" <<'PY'
import sys
raw = [float(x) * 1000 for x in open(sys.argv[1]) if x.strip()]
def pick(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")
print(f"{pick(raw, 0.5):.1f}ms {pick(raw, 0.99):.1f}ms {raw[0]:.1f}ms {pick(raw[1:], 0.99):.1f}ms {len(raw)}")
PY
)
    hwm=$(awk '/^VmHWM/ { printf "%.1fMiB", $2 / 1024 }' "/proc/${pid[$n]}/status")
    printf '%-14s %10s %14s %11s %11s %11s %12s %8s %9s\n' "$n" "${cpu_idle[$n]}" "${cpu_scraped[$n]}" \
        "$p50" "$p99" "$first" "$rest" "$cnt" "$hwm"
done
for n in ipcscope baseline; do
    [ -n "${pid[$n]:-}" ] || continue
    scans=$(curl -s "${url[$n]}" | awk '/^ipcscope_scans_total/ { print $2 }')
    echo "$n: $scans scans in all"
done
