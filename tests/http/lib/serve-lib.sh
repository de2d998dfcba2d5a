# serve-lib.sh - what the HTTP tests share: a real `ipcscope serve` on a loopback port the
# kernel picks (--listen 127.0.0.1:0, so parallel runs never collide), and curl helpers.
# Source it after tests/tools/testlib.sh.

command -v curl >/dev/null || skip "curl is needed (packaging/install-deps.sh installs it)"

T=$(mktemp -d)
SERVER_PID=
URL=
BASE=

# start_server ARGS...: serve in the background; sets URL (http://127.0.0.1:PORT/),
# BASE (the same without the slash) and SERVER_PID. Output goes to $T/serve.{out,err}.
start_server() {
    "$IPCSCOPE" serve --listen 127.0.0.1:0 "$@" >"$T/serve.out" 2>"$T/serve.err" &
    SERVER_PID=$!
    for _ in $(seq 200); do
        URL=$(sed -n 's/^ipcscope: serving \(http:.*\)$/\1/p' "$T/serve.out" 2>/dev/null)
        [ -n "$URL" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$URL" ] || { cat "$T/serve.out" "$T/serve.err" >&2; fail "serve $* did not start"; }
    BASE=${URL%/}
}

# stop_server: SIGTERM, and the server must exit 0 within 10 s with nothing on stderr but
# the scan errors it printed at start (under ASan, a leak report would land there).
stop_server() {
    local rc
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 200); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    kill -0 "$SERVER_PID" 2>/dev/null && { kill -KILL "$SERVER_PID"; fail "serve did not stop on SIGTERM"; }
    wait "$SERVER_PID"
    rc=$?
    SERVER_PID=
    [ "$rc" = 0 ] || { cat "$T/serve.err" >&2; fail "serve exited $rc after SIGTERM"; }
    if grep -v '^ipcscope: ' "$T/serve.err" | grep -q .; then
        cat "$T/serve.err" >&2
        fail "serve wrote more than scan errors to stderr"
    fi
}

cleanup_http() {
    [ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null
    stop_gens
    rm -rf "$T"
}
trap cleanup_http EXIT

# get PATH [CURL ARGS...]: body to $T/body, headers to $T/head; prints the status code.
get() {
    local path=$1
    shift
    rm -f "$T/body" "$T/head"
    : >"$T/head"
    curl -s --path-as-is -o "$T/body" -D "$T/head" -w '%{http_code}' "$@" "$BASE$path"
}

# header NAME: the value of header NAME in $T/head (case-insensitive), without CR.
header() {
    grep -i "^$1:" "$T/head" | head -1 | sed 's/^[^:]*: *//' | tr -d '\r'
}

# expect PATH STATUS TYPE [CURL ARGS...]: GET it and check status and Content-Type prefix.
expect() {
    local path=$1 want=$2 type=$3 got
    shift 3
    got=$(get "$path" "$@")
    [ "$got" = "$want" ] || { cat "$T/head" "$T/body" >&2; fail "$path: status $got, expected $want"; }
    case "$(header Content-Type)" in
    "$type"*) ;;
    *) fail "$path: Content-Type '$(header Content-Type)', expected '$type'" ;;
    esac
}

# The scan sequence number the server is at (from /healthz).
server_seq() {
    curl -s "$BASE/healthz" | py -c 'import json,sys; print(json.load(sys.stdin)["seq"])'
}

# rescan: SIGHUP, then wait until a newer snapshot is served.
rescan() {
    local before
    before=$(server_seq)
    kill -HUP "$SERVER_PID"
    for _ in $(seq 100); do
        [ "$(server_seq)" -gt "$before" ] && return 0
        sleep 0.05
    done
    fail "SIGHUP did not bring a new scan"
}

# jq-like checks with Debian's python: pyjson FILE EXPR (d is the document); prints eval.
pyjson() {
    py -c 'import json,sys; d=json.load(open(sys.argv[1])); r=eval(sys.argv[2]); print(r if not isinstance(r,(list,dict)) else json.dumps(r))' "$1" "$2"
}
