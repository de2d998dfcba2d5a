#!/usr/bin/env bash
# bench_http.sh - `ipcscope serve` under wrk, beside nginx serving the very same bytes as
# static files (the ceiling), with about 10,000 objects on the host.
#
# Everything happens in private IPC, PID and network namespaces: the objects are SysV
# queues, sets and segments the generators leave behind there (they vanish with it), the
# server sees only the processes of the run (not whatever load the host carries), and all
# traffic is on the namespace's own loopback: the server on a port the kernel picks, nginx
# with its own temporary configuration on another (never the system service). For each of /api/v1/objects and /metrics it reports
# requests/s and p99 latency of both, their ratio, and the server's RSS (now and peak).
# Targets (issue 6): >= 0.7x nginx's requests/s, p99 < 5 ms, RSS < 32 MiB.
#
# usage: tests/bench/bench_http.sh [BUILD_DIR]       (default: build; needs root)
# env:   OBJECTS=10000 DURATION=10 (seconds per wrk run) CONNS=16 THREADS=2 (wrk's)
#        INTERVAL=2 (the server's scan interval: scans keep running under the load)
#        GZIP=0 (1: wrk sends Accept-Encoding: gzip to both)
set -euo pipefail
build=${1:-build}
B=$(cd "$build" && pwd)/ipcscope
[ -x "$B" ] || { echo "bench_http: no $B: build first" >&2; exit 2; }
if [ -z "${IPCSCOPE_BENCH_NS:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "bench_http: needs root for private namespaces" >&2; exit 2; }
    exec unshare --ipc --pid --fork --mount-proc --net env IPCSCOPE_BENCH_NS=1 bash "$0" "$@"
fi
ip link set lo up
for tool in wrk /usr/sbin/nginx curl; do
    command -v "$tool" >/dev/null || { echo "bench_http: $tool missing (packaging/install-deps.sh)" >&2; exit 2; }
done

objects=${OBJECTS:-10000}
duration=${DURATION:-10}
conns=${CONNS:-16}
threads=${THREADS:-2}
interval=${INTERVAL:-2}
gzip=${GZIP:-0}

tmp=$(mktemp -d /tmp/ipcscope-bench-http.XXXXXX)
chmod 755 "$tmp"
server=
nginx_pid=
cleanup() {
    [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null
    [ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# --- the objects: 40% queues, 30% semaphore sets, 30% segments (within shmmni)
shmmni=$(cat /proc/sys/kernel/shmmni)
n_shm=$((objects * 3 / 10))
[ "$n_shm" -le "$shmmni" ] || n_shm=$shmmni
n_sem=$((objects * 3 / 10))
n_msg=$((objects - n_shm - n_sem))
t0=$(date +%s.%N)
"$B" gen sysv-msg --count "$n_msg" --messages 1 --leak >/dev/null
"$B" gen sysv-sem --count "$n_sem" --messages 1 --leak >/dev/null
"$B" gen sysv-shm --count "$n_shm" --messages 1 --size 64 --leak >/dev/null
printf 'made %d queues, %d semaphore sets, %d segments in %.1fs (private namespaces)\n' \
    "$n_msg" "$n_sem" "$n_shm" "$(echo "$(date +%s.%N) - $t0" | bc)"

# --- the server
"$B" serve --listen 127.0.0.1:0 --interval "$interval" >"$tmp/serve.out" 2>"$tmp/serve.err" &
server=$!
for _ in $(seq 600); do
    grep -q serving "$tmp/serve.out" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$tmp/serve.err" >&2; exit 1; }
    sleep 0.05
done
url=$(sed -n 's/^ipcscope: serving \(http:.*\)$/\1/p' "$tmp/serve.out")
base=${url%/}

# --- nginx with the same bytes, on its own port, with its own config
mkdir -p "$tmp/www"
curl -s -o "$tmp/www/objects.json" "$base/api/v1/objects"
curl -s -o "$tmp/www/metrics.txt" "$base/metrics"
# With GZIP=1 nginx serves our very gzip bytes too (gzip_static), not compressing per request.
curl -s -H 'Accept-Encoding: gzip' -o "$tmp/www/objects.json.gz" "$base/api/v1/objects"
curl -s -H 'Accept-Encoding: gzip' -o "$tmp/www/metrics.txt.gz" "$base/metrics"
chmod 644 "$tmp/www"/*
chmod 755 "$tmp/www"
nobj=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["objects"]))' "$tmp/www/objects.json")
nport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
workers=$(nproc)
cat >"$tmp/nginx.conf" <<EOF
worker_processes $workers;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    gzip_static on;
    gzip_vary on;
    types { application/json json; text/plain txt; }
    client_body_temp_path $tmp/nginx-body;
    proxy_temp_path $tmp/nginx-proxy;
    fastcgi_temp_path $tmp/nginx-fcgi;
    uwsgi_temp_path $tmp/nginx-uwsgi;
    scgi_temp_path $tmp/nginx-scgi;
    server {
        listen 127.0.0.1:$nport;
        root $tmp/www;
    }
}
EOF
/usr/sbin/nginx -c "$tmp/nginx.conf" -p "$tmp" &
nginx_pid=$!
for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$nport/metrics.txt" && break
    sleep 0.05
done

echo "objects served: $nobj; /api/v1/objects $(stat -c %s "$tmp/www/objects.json") bytes ($(stat -c %s "$tmp/www/objects.json.gz") gzipped), /metrics $(stat -c %s "$tmp/www/metrics.txt") bytes ($(stat -c %s "$tmp/www/metrics.txt.gz") gzipped)"
echo "host: kernel $(uname -r), $(nproc) CPUs; wrk -t$threads -c$conns -d${duration}s$([ "$gzip" = 1 ] && echo ", Accept-Encoding: gzip"); server --interval $interval, nginx $workers workers"
echo

# run_wrk URL: prints "requests/s p99_ms".
run_wrk() {
    local hdr=()
    [ "$gzip" = 1 ] && hdr=(-H 'Accept-Encoding: gzip')
    wrk -t"$threads" -c"$conns" -d"${duration}s" --latency "${hdr[@]}" "$1" >"$tmp/wrk.out" 2>&1
    /usr/bin/python3 - "$tmp/wrk.out" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
v, u = float(m.group(1)), m.group(2)
p99 = v / 1000 if u == "us" else v * 1000 if u == "s" else v
errs = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
sock = re.search(r"Socket errors: (.*)", t)
print(f"{rps:.0f} {p99:.2f} {errs.group(1) if errs else 0} {'socket-errors' if sock else 'ok'}")
PY
}

printf '%-18s %12s %10s %12s %10s %8s %10s\n' route "ipcscope r/s" "p99 ms" "nginx r/s" "p99 ms" ratio errors
for pair in "/api/v1/objects /objects.json" "/metrics /metrics.txt"; do
    set -- $pair
    read -r ours_rps ours_p99 ours_err ours_sock < <(run_wrk "$base$1")
    read -r ng_rps ng_p99 ng_err ng_sock < <(run_wrk "http://127.0.0.1:$nport$2")
    ratio=$(echo "scale=2; $ours_rps / $ng_rps" | bc)
    printf '%-18s %12s %10s %12s %10s %7sx %10s\n' "$1" "$ours_rps" "$ours_p99" "$ng_rps" "$ng_p99" "$ratio" \
        "$ours_err/$ours_sock"
done
echo
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$server/status")
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$server/status")
scans=$(curl -s "$base/metrics" | awk '/^ipcscope_scans_total/ { print $2 }')
scan_s=$(curl -s "$base/metrics" | awk '/^ipcscope_scan_duration_seconds/ { print $2 }')
printf 'server RSS now %.1f MiB, peak %.1f MiB; %s scans during the run, last took %.3fs\n' \
    "$(echo "$rss / 1024" | bc -l)" "$(echo "$hwm / 1024" | bc -l)" "$scans" "$scan_s"
