#!/usr/bin/env bash
# test_browser.sh - the dashboard in a real browser: Debian's chromium, headless, driven by
# tests/http/browser/dashboard.mjs (playwright-core from npm, no browser download). It
# loads the page while `ipcscope gen ... --hold` runs, finds each generated object with its
# holders, stops the generator and sees them vanish. As root, queues made in a container
# (start_container_gen: their own namespaces, a docker-named cgroup) must show their
# container and namespace, and the container filter must pick them out or leave them out.
# Screenshots go to $BUILDDIR/artifacts/dashboard*.png.
. "$SRCDIR/tests/tools/testlib.sh"

BROWSER_DIR="$SRCDIR/tests/http/browser"
[ -x /usr/bin/chromium ] || skip "no /usr/bin/chromium (packaging/install-deps.sh installs it)"
command -v node >/dev/null || skip "no node (packaging/install-deps.sh installs npm)"
[ -d "$BROWSER_DIR/node_modules/playwright-core" ] ||
    skip "no $BROWSER_DIR/node_modules (packaging/install-deps.sh runs npm install there)"

. "$SRCDIR/tests/http/lib/serve-lib.sh"

start_gen "$T/gen.json" pipe sysv-msg posix-mq sysv-shm --hold 300 --fill 5
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
start_server --interval 0.5
ART="$BUILDDIR/artifacts"
mkdir -p "$ART"
rm -f "$ART"/dashboard*.png
timeout 180 node "$BROWSER_DIR/dashboard.mjs" "$URL" "$T/gen.json" "$ART" "${CTR_ARG[@]}" || fail "dashboard test failed"
[ -s "$ART/dashboard.png" ] || fail "no screenshot"
echo "screenshots: $(ls "$ART"/dashboard*.png | tr '\n' ' ')"
stop_server
echo "ok"
