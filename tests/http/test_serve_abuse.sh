#!/usr/bin/env bash
# test_serve_abuse.sh - attacks on the server's time and memory rather than its parsing:
# slow clients (a header or body byte a second), 2,000 idle connections, event streams
# that never read, then requests that once got no answer at all (invalid UTF-8 echoed,
# too many parameters, NUL bytes), pipelined and HTTP/1.0 requests and every way of not
# holding the clean route's token. Throughout, a /healthz probe must be answered 200 in
# under 100 ms, every error must come with a status line, the server's memory must stay
# bounded and nothing may be removed. Loopback only; about 40 s.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
. "$SRCDIR/tests/http/lib/serve-lib.sh"

ABUSE="$SRCDIR/tests/http/lib/abuse.py"
abuse() { py "$ABUSE" "$@"; }
# 2,000 connections of ours on top of what the shell holds.
[ "$(ulimit -n)" -ge 4096 ] || ulimit -n 4096 2>/dev/null || skip "cannot raise the fd limit to 4096"

TOKEN=0123456789abcdef0123456789abcdef
OLD_TOKEN=fedcba9876543210fedcba9876543210
printf '%s\n' "$TOKEN" >"$T/token"
printf '%s\n' "$OLD_TOKEN" >"$T/old-token"
chmod 600 "$T/token" "$T/old-token"

# A stale queue the clean route would remove, given the token.
ipcmk -Q >"$T/q" || fail "ipcmk -Q"
STALE_ID=$(sed -n 's/.*id: //p' "$T/q")
queue_exists() { awk -v id="$1" 'NR > 1 && $2 == id { f = 1 } END { exit !f }' /proc/sysvipc/msg; }

# ASan keeps what is freed in a quarantine of 256 MB, which VmRSS would count; a small one
# leaves it measuring what the server holds (its shadow memory still costs some).
RSS_MAX=32768
if grep -q '^IPCSCOPE_SANITIZE:BOOL=ON' "$BUILDDIR/CMakeCache.txt" 2>/dev/null; then
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8"
    RSS_MAX=65536
fi

# A server that ran with the old token, so that the one below sees a stale token.
start_server --interval 3600 --allow-clean --token-file "$T/old-token"
stop_server
start_server --interval 3600 --timeout 2 --allow-clean --token-file "$T/token"
PORT=${BASE##*:}
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status"; }
for _ in 1 2 3; do get /api/v1/objects >/dev/null; get /metrics >/dev/null; done
RSS0=$(rss)

# under NAME CMD...: run CMD while probing /healthz; the probe must never fail nor take
# 100 ms. The figures go to $T/latency for the report.
under() {
    local name=$1 n fails med max
    shift
    rm -f "$T/stop"
    abuse probe "$PORT" "$T/stop" "$T/probe" &
    local probe=$!
    sleep 0.2
    "$@"
    touch "$T/stop"
    wait "$probe"
    read -r n fails med max <"$T/probe"
    echo "$name: $n probes, median $med ms, max $max ms" | tee -a "$T/latency"
    [ "$fails" = 0 ] || fail "$name: $fails of $n /healthz probes failed"
    py -c "import sys; sys.exit(0 if $max < 100 else 1)" || fail "$name: a /healthz probe took $max ms"
}

# --- slow clients: each gets a status line (408, or 503 when it is the longest waiting
# past the connection bound), within --timeout and a little
slow_check() {
    local mode=$1 out
    out=$(abuse slow "$PORT" 300 8 "$mode")
    echo "slow $mode: $out"
    case $out in
    "answered 300/300 status "*) ;;
    *) fail "slow $mode clients: $out (each must get a status line)" ;;
    esac
    py -c "import sys; sys.exit(0 if '${out##* }' != 'open' and float('${out##* }') <= 4.5 else 1)" ||
        fail "slow $mode clients: dropped after ${out##* } s (timeout 2)"
}
under "300 slow headers" slow_check head
under "300 slow bodies" slow_check body

# --- 2,000 idle connections: all dropped (none may stay past the timeout), never the probe
idle_check() {
    local out
    out=$(abuse idle "$PORT" 2000 4)
    echo "idle: $out"
    case $out in "opened 2000 dropped 2000 "*) ;; *) fail "2000 idle connections: $out" ;; esac
}
under "2000 idle connections" idle_check

# --- 64 event streams that never read, then a reader: it gets a stream, not a 503
streams_check() {
    local out
    out=$(abuse streams "$PORT" 64 1)
    echo "streams: $out"
    case $out in "refused 0 reader 200 data "[1-9]*) ;; *) fail "streams that never read: $out" ;; esac
}
under "64 non-reading event streams" streams_check

# --- requests that must each be answered with these statuses, never a closed connection
# req EXPECTED BYTES: send BYTES (printf format) raw; the statuses must be EXPECTED and the
# last body valid UTF-8.
req() {
    local want=$1 got
    got=$(printf "$2" | abuse send "$PORT" 2>"$T/rbody")
    [ "$got" = "$want" ] || fail "request '$2': got '$got', expected '$want'"
    py -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$T/rbody" ||
        fail "request '$2': the body is not valid UTF-8"
}
H='Host: 127.0.0.1\r\nConnection: close\r\n\r\n'
a59=$(printf 'a%.0s' $(seq 59))
a60=$(printf 'a%.0s' $(seq 60))
params=$(for i in $(seq 1000); do printf 'p%d=1&' "$i"; done)   # about 7 KB
amps=$(head -c 10000 /dev/zero | tr '\0' '&')                     # 10,000 empty ones
long=$(head -c 10000 /dev/zero | tr '\0' 'q')
requests() {
    # invalid UTF-8 and a character the 60-character quote would cut
    req 400 "GET /api/v1/objects?kind=%%ff HTTP/1.1\r\n$H"
    req 400 "GET /api/v1/objects?%%ff%%fe=1 HTTP/1.1\r\n$H"
    req 400 "GET /api/v1/objects?user=%%c3 HTTP/1.1\r\n$H"
    req 400 "GET /api/v1/objects?kind=$a59%%c3%%a9 HTTP/1.1\r\n$H"
    req 400 "GET /api/v1/objects?kind=$a60%%c3%%a9 HTTP/1.1\r\n$H"
    req 400 "GET /api/v1/objects?pid=%%e2%%82 HTTP/1.1\r\n$H"
    req 400 "GET /api/v1/objects?stale=%%ed%%a0%%80 HTTP/1.1\r\n$H"
    req 404 "GET /api/v1/objects/%%ff%%fe HTTP/1.1\r\n$H"
    req 400 "GET /api/v1/objects?kind=%%zz%% HTTP/1.1\r\n$H"
    req 404 "GET /%%ff HTTP/1.1\r\n$H"
    # NUL bytes: in the path, the method, the version, a header's name or value, the Host
    req 400 "GET /healthz\0/../../etc/passwd HTTP/1.1\r\n$H"
    req 400 "GET /api/v1/objects?kind=sysv\0junk HTTP/1.1\r\n$H"
    req 400 "GE\0T /healthz HTTP/1.1\r\n$H"
    req 400 "GET /healthz HTTP/1.1\0\r\n$H"
    req 400 "GET /healthz HTTP/1.1\r\nX-A\0: b\r\n$H"
    req 400 "GET /healthz HTTP/1.1\r\nX-A: b\0c\r\n$H"
    req 400 "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\0evil.example\r\nConnection: close\r\n\r\n"
    req 400 "GET /healthz HTTP/1.1\r\nConnection: close\r\nHost: 127.0.0.1\0evil.example\r\n\r\n"
    req 400 "GET /healthz HTTP/1.0\r\nX-Last: a\0b\r\n\r\n"
    req 400 "GET /healthz%%00 HTTP/1.1\r\n$H"
    # pipelined, and HTTP/1.0 with and without Host
    req "200 200 200" "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /api/v1/limits HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /healthz HTTP/1.1\r\n$H"
    req "200 400 200" "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /api/v1/objects?kind=%%ff HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /healthz HTTP/1.1\r\n$H"
    req 200 "GET /healthz HTTP/1.0\r\n\r\n"
    req 200 "GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
    req 421 "GET /api/v1/objects HTTP/1.0\r\nHost: evil.example\r\n\r\n"
    # long query strings on every route: many parameters are 414, one long one is routed
    local r
    for r in / /app.js /api/v1/objects /api/v1/objects/x /api/v1/limits /api/v1/stale \
        /api/v1/history /api/v1/events /metrics /healthz /api/v1/clean /nope /api/v1/nope; do
        req 414 "GET $r?$params HTTP/1.1\r\n$H"
        req 414 "GET $r?$amps HTTP/1.1\r\n$H"
        got=$(printf "GET $r?x=$long HTTP/1.1\r\n$H" | abuse send "$PORT" 2>/dev/null)
        case $got in [1-5][0-9][0-9]) ;; *) fail "GET $r with a 10 KB parameter: '$got'" ;; esac
    done
    req 414 "POST /api/v1/clean?$params HTTP/1.1\r\nContent-Length: 2\r\n${H}{}"
}
under "bad requests" requests

# --- the clean route: without, with a wrong, a stale or a NUL-cut token, from another
# origin, with the removal asked for each time: refused, and the queue stays
cleans() {
    local body='{"older_than": 0, "dry_run": false, "kind": "sysv-msg"}' a o code h
    for a in "" "Authorization: Bearer ${TOKEN%?}x" "Authorization: Bearer $OLD_TOKEN" \
        "Authorization: Bearer " "Authorization: $TOKEN" "Authorization: Basic $TOKEN"; do
        h=(-H "Origin: $BASE")
        [ -n "$a" ] && h+=(-H "$a")
        code=$(get /api/v1/clean -X POST "${h[@]}" --data-binary "$body")
        [ "$code" = 401 ] || fail "clean with '$a': $code"
    done
    for o in "http://evil.example" null "http://localhost.evil.example" "https://${BASE#http://}"; do
        code=$(get /api/v1/clean -X POST -H "Authorization: Bearer $TOKEN" -H "Origin: $o" --data-binary "$body")
        [ "$code" = 403 ] || fail "clean from origin $o: $code"
    done
    code=$(get /api/v1/clean -X POST -H "Authorization: Bearer $TOKEN" -H "Sec-Fetch-Site: cross-site" --data-binary "$body")
    [ "$code" = 403 ] || fail "cross-site clean: $code"
    req 400 "POST /api/v1/clean HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer $TOKEN\0x\r\nContent-Length: ${#body}\r\nConnection: close\r\n\r\n$body"
    req 401 "POST /api/v1/clean HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${#body}\r\nConnection: close\r\n\r\n$body"
    # a body the 60-character quote would cut inside a character
    code=$(get /api/v1/clean -X POST -H "Authorization: Bearer $TOKEN" --data-binary "{\"kind\": \"${a59}é\", \"dry_run\": true}")
    [ "$code" = 400 ] || fail "clean with a long bad kind: $code"
    code=$(get /api/v1/clean -X POST -H "Authorization: Bearer $TOKEN" --data-binary "{\"${a60}é\": 1}")
    [ "$code" = 400 ] || fail "clean with a long bad field: $code"
    queue_exists "$STALE_ID" || fail "the stale queue was removed without the token"
}
under "clean without the token" cleans

# --- memory: what the attacks cost must not stay (32 MB is far above a working set)
RSS1=$(rss)
echo "VmRSS: $RSS0 kB before, $RSS1 kB after"
[ $((RSS1 - RSS0)) -lt "$RSS_MAX" ] || fail "VmRSS grew from $RSS0 to $RSS1 kB"
[ "$(get /healthz)" = 200 ] || fail "server unwell after the attacks"
queue_exists "$STALE_ID" || fail "the stale queue is gone"
stop_server
cat "$T/latency"
echo "ok"
