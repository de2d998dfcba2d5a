#!/usr/bin/env bash
# test_browser.sh - the dashboard in a real browser: Debian's chromium, headless, driven by
# tests/http/browser/dashboard.mjs (playwright-core from npm, no browser download). It
# loads the page while `ipcscope gen ... --hold` runs, finds each generated object with its
# holders, stops the generator and sees them vanish. As root, queues made in a container
# (start_container_gen: their own namespaces, a docker-named cgroup) must show their
# container and namespace, and the container filter must pick them out or leave them out.
# As root, a thread blocked in msgrcv on a queue, one blocked on a held flock and two
# processes deadlocked on each other's flock must show as waiters (the row's badge, the
# detail's Waiters table, the graph's dashed edge) and as the deadlock banner.
# Screenshots go to $BUILDDIR/artifacts/dashboard*.png.
. "$SRCDIR/tests/tools/testlib.sh"

BROWSER_DIR="$SRCDIR/tests/http/browser"
[ -x /usr/bin/chromium ] || skip "no /usr/bin/chromium (packaging/install-deps.sh installs it)"
command -v node >/dev/null || skip "no node (packaging/install-deps.sh installs npm)"
[ -d "$BROWSER_DIR/node_modules/playwright-core" ] ||
    skip "no $BROWSER_DIR/node_modules (packaging/install-deps.sh runs npm install there)"

. "$SRCDIR/tests/http/lib/serve-lib.sh"

start_gen "$T/gen.json" pipe sysv-msg posix-mq sysv-shm posix-shm --hold 300 --fill 5
# The graph: a unix socket pair between a process and its child (one link between the two),
# and a pair whose two ends one process holds (no conversation: not drawn). A file in
# /dev/shm nobody holds: its detail says whether its holders may be incomplete.
ORPHAN=/dev/shm/ipcscope-browser-orphan-$$
: >"$ORPHAN"
/usr/bin/python3 - "$T/pairs.json" <<'PY' &
import json, os, signal, socket, sys
signal.alarm(300)
a, b = socket.socketpair()
c, d = socket.socketpair()
ino = lambda s: os.fstat(s.fileno()).st_ino
doc = {"cross": [ino(a), ino(b)], "inner": [ino(c), ino(d)], "parent": os.getpid()}
child = os.fork()
if child == 0:
    signal.alarm(300)  # a pending alarm is not inherited
    a.close(); c.close(); d.close()
    signal.pause()
    os._exit(0)
b.close()
doc["child"] = child
tmp = sys.argv[1] + ".tmp"
with open(tmp, "w") as f:
    json.dump(doc, f)
os.rename(tmp, sys.argv[1])
signal.pause()
PY
PAIRS_PID=$!
for _ in $(seq 200); do [ -s "$T/pairs.json" ] && break; sleep 0.05; done
[ -s "$T/pairs.json" ] || fail "the socket pair script did not start"
CTR_ARG=()
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && [ -n "$(cgroup_root)" ]; then
    start_container_gen "$T/ctr-gen.json" sysv-msg --count 2 --hold 300 --fill 1
    py - "$T/ctr-gen.json" "$CTR_ID" "$CTR_NAME" \
        "$(stat -Lc %i "/proc/$(pyjson "$T/ctr-gen.json" 'd["pid"]')/ns/ipc")" >"$T/ctr.json" <<'PY'
import json, sys
print(json.dumps({"gen": json.load(open(sys.argv[1])), "id": sys.argv[2], "name": sys.argv[3], "ns": int(sys.argv[4])}))
PY
    CTR_ARG=("$T/ctr.json")
else
    echo "not root or no cgroup hierarchy: the container column and filter are checked without a container"
fi
# Waiters and a deadlock (root: a thread's syscall and its arguments need it).
WAIT_ENV=()
DL_PIDS=
kill_deadlock() {
    local p
    for p in $DL_PIDS; do kill -KILL "$p" 2>/dev/null; done
}
trap 'kill_deadlock; kill -TERM $(pgrep -P "$PAIRS_PID") "$PAIRS_PID" 2>/dev/null; rm -f "$ORPHAN"; cleanup_http' EXIT
if [ "$(id -u)" = 0 ]; then
    start_gen "$T/block.json" sysv-msg --hold 300 --block receive
    start_gen "$T/flock.json" flock --hold 300 --fill 1
    # Two processes, each holding one file's flock, then asking for the other's.
    /usr/bin/python3 - "$T" <<'PY' &
import fcntl, os, signal, sys, time
T = sys.argv[1]
def ready(n): open(os.path.join(T, n), "w").close()
def wait_for(n):
    while not os.path.exists(os.path.join(T, n)): time.sleep(0.01)
one, two = os.path.join(T, "dl-one"), os.path.join(T, "dl-two")
for f in (one, two): open(f, "w").close()
signal.alarm(300)
if os.fork() == 0:
    signal.alarm(300)
    a = os.open(one, os.O_RDWR); fcntl.flock(a, fcntl.LOCK_EX); ready("dl-a"); wait_for("dl-b")
    fcntl.flock(os.open(two, os.O_RDWR), fcntl.LOCK_EX); os._exit(0)
wait_for("dl-a")
b = os.open(two, os.O_RDWR); fcntl.flock(b, fcntl.LOCK_EX); ready("dl-b")
fcntl.flock(os.open(one, os.O_RDWR), fcntl.LOCK_EX)
PY
    for _ in $(seq 200); do [ -e "$T/dl-b" ] && break; sleep 0.05; done
    [ -e "$T/dl-b" ] || fail "the deadlock script did not start"
    # Anchored: the socket pair script runs as "python3 - $T/pairs.json".
    DL_PIDS=$(pgrep -f "python3 - $T\$" | tr '\n' ' ')
    py - "$T" $DL_PIDS >"$T/wait.json" <<'PY'
import json, sys
T = sys.argv[1]
print(json.dumps({"block": json.load(open(f"{T}/block.json")), "flock": json.load(open(f"{T}/flock.json")),
                  "deadlock": [int(p) for p in sys.argv[2:]]}))
PY
    WAIT_ENV=(WAIT_JSON="$T/wait.json")
else
    echo "not root: waiters and deadlocks are not checked (a thread's syscall file needs root)"
fi
start_server --interval 0.5
ART="$BUILDDIR/artifacts"
mkdir -p "$ART"
rm -f "$ART"/dashboard*.png
env "${WAIT_ENV[@]}" PAIRS_JSON="$T/pairs.json" ORPHAN="${ORPHAN#/dev/shm}" timeout 180 node "$BROWSER_DIR/dashboard.mjs" "$URL" "$T/gen.json" "$ART" "${CTR_ARG[@]}" || fail "dashboard test failed"
[ -s "$ART/dashboard.png" ] || fail "no screenshot"
echo "screenshots: $(ls "$ART"/dashboard*.png | tr '\n' ' ')"
stop_server
echo "ok"
