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
    # Emptied here, not by the redirections: those run in the child, which may not have
    # run yet when the loop below reads the files (a server started before would show).
    : >"$T/serve.out"
    : >"$T/serve.err"
    "$IPCSCOPE" serve --listen 127.0.0.1:0 "$@" >"$T/serve.out" 2>"$T/serve.err" &
    SERVER_PID=$!
    # Up to 30 s: serve prints its URL after the first scan, which a loaded machine (or an
    # ASan build on a host with 100,000 fds) can take well over 10 s to finish.
    for _ in $(seq 600); do
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
    remove_container_cgroup
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

# ---- objects in a container, for the tests of namespaces and containers ----
#
# start_container_gen OUT ARGS...: `ipcscope gen ARGS -J` in new IPC, mount, network and
# UTS namespaces (hostname CTR_NAME), in a real cgroup named as Docker's systemd driver
# names its scopes: system.slice/docker-<CTR_ID>.scope, CTR_ID 64 random hex digits. That
# is all ipcscope knows a container by (collectors/container.c), so the server must see a
# docker container there. Needs root; skips when no cgroup hierarchy can be written.
# The cgroup goes when the test ends (cleanup_http), once the generator has left it.
CTR_ID=
CTR_NAME=
CTR_CG=
CTR_SLICE=

# The cgroup v2 mount (cgroup2fs at /sys/fs/cgroup, or a hybrid host's unified one), else
# v1's name=systemd hierarchy, where Docker's systemd driver also puts its scopes.
cgroup_root() {
    if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
        echo /sys/fs/cgroup
        return
    fi
    awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts | grep . ||
        awk '$3 == "cgroup" && $4 ~ /(^|,)name=systemd(,|$)/ { print $2; exit }' /proc/self/mounts
}

start_container_gen() {
    local out=$1 root saved
    shift
    need_root "namespaces (unshare) and a cgroup of its own"
    command -v unshare >/dev/null || skip "no unshare(1)"
    root=$(cgroup_root)
    [ -n "$root" ] && [ -w "$root" ] || skip "no writable cgroup hierarchy"
    CTR_ID=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
    CTR_NAME=ipcscope-test-$$
    [ "${#CTR_ID}" = 64 ] || fail "no random id"
    # Other tests may make and remove system.slice too: whoever made it tries to remove
    # it, which fails harmlessly while anyone's scope is still inside.
    mkdir "$root/system.slice" 2>/dev/null && CTR_SLICE=$root/system.slice
    [ -d "$root/system.slice" ] || skip "cannot make $root/system.slice"
    CTR_CG=$root/system.slice/docker-$CTR_ID.scope
    mkdir "$CTR_CG" || fail "cannot make $CTR_CG"
    # No --fork: these namespaces need none, and without it the generator is the process
    # start_gen waits for and stop_gens signals (unshare --fork ignores SIGTERM itself).
    cat >"$T/ctr-ipcscope" <<SH
#!/bin/sh
echo \$\$ >"$CTR_CG/cgroup.procs" || exit 1
exec unshare --ipc --mount --net --uts sh -c 'hostname "\$0" && exec "\$@"' "$CTR_NAME" "$IPCSCOPE" "\$@"
SH
    chmod +x "$T/ctr-ipcscope"
    saved=$IPCSCOPE
    IPCSCOPE=$T/ctr-ipcscope
    start_gen "$out" "$@"
    IPCSCOPE=$saved
    grep -q "docker-$CTR_ID.scope" "/proc/$(pyjson "$out" 'd["pid"]')/cgroup" ||
        fail "the generator is not in $CTR_CG"
}

# Remove the container's cgroup once its processes are gone (they may take a moment).
remove_container_cgroup() {
    [ -n "$CTR_CG" ] && [ -d "$CTR_CG" ] || return 0
    for _ in $(seq 100); do
        rmdir "$CTR_CG" 2>/dev/null && break
        sleep 0.05
    done
    [ -d "$CTR_CG" ] && echo "warning: $CTR_CG is still there" >&2
    [ -n "$CTR_SLICE" ] && rmdir "$CTR_SLICE" 2>/dev/null
    CTR_CG=
}
