# testlib.sh - what integration tests share. Source it: . "$SRCDIR/tests/tools/testlib.sh"
# Environment from ctest: IPCSCOPE (the binary), IPCSTAT, SRCDIR, BUILDDIR, FIXTURES, SCHEMA.
set -u

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
need_root() { [ "$(id -u)" = 0 ] || skip "needs root: $*"; }

# Debian's python3 has python3-jsonschema; a python3 earlier on PATH may not.
py() { /usr/bin/python3 "$@"; }
validate() { py "$SRCDIR/tests/tools/validate.py" "$SCHEMA" "$@" || fail "schema: $*"; }

GEN_PIDS=()
# start_gen OUT ARGS...: `ipcscope gen ARGS -J` in the background; returns once OUT holds its
# whole JSON document (everything made), or fails.
start_gen() {
    local out=$1 pid
    shift
    "$IPCSCOPE" gen "$@" -J >"$out" 2>"$out.err" &
    pid=$!
    GEN_PIDS+=("$pid")
    for _ in $(seq 200); do
        py -c 'import json,sys; json.load(open(sys.argv[1]))' "$out" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    cat "$out" "$out.err" >&2
    fail "gen $* did not report its objects"
}
stop_gens() {
    local p
    for p in "${GEN_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${GEN_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    GEN_PIDS=()
}
trap stop_gens EXIT

# gen_field OUT PYEXPR: evaluate PYEXPR with d = gen's document, o = its first object.
gen_field() {
    py -c 'import json,sys; d=json.load(open(sys.argv[1])); o=d["mechanisms"][0]["objects"][0]; print(eval(sys.argv[2]))' "$1" "$2"
}

# isolate "$@": rerun this script in its own IPC, mount and pid namespaces with a private
# /dev/mqueue, /dev/shm and /proc, so that what it creates, cleans and removes can never be
# anyone else's, and every process there can be read (a host may have processes even root
# cannot read, which rightly stops clean from calling a POSIX object unused). Call it first.
isolate() {
    need_root "a private IPC namespace (unshare)"
    if [ -z "${IPCSCOPE_ISOLATED:-}" ]; then
        command -v unshare >/dev/null || skip "no unshare(1)"
        exec unshare --ipc --mount --pid --fork --mount-proc --propagation private \
            env IPCSCOPE_ISOLATED=1 bash "$0" "$@"
    fi
    mkdir -p /dev/mqueue
    mount -t mqueue none /dev/mqueue || fail "cannot mount a private /dev/mqueue"
    mount -t tmpfs -o size=64m,mode=1777 none /dev/shm || fail "cannot mount a private /dev/shm"
}

# Every identity of kind in a `list -J` document.
identities() {
    py -c 'import json,sys; [print(o["identity"]) for o in json.load(open(sys.argv[1]))["objects"] if o["kind"] in sys.argv[2:]]' "$@"
}
