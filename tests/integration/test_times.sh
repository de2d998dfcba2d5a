#!/usr/bin/env bash
# Times the calendar cannot show: /dev/shm files whose mtime is 2^62 seconds (gmtime_r fails)
# or in the year 10000 (five digits). `list -J` must stay valid against the schema (such a
# time is left out), and the table must show the seconds as "@N", not stack bytes. Runs in
# private namespaces (isolate), so the files are on a tmpfs nobody else sees.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# touch -d cannot give such times; utimensat through python can (tmpfs keeps 64-bit seconds).
py - <<'PY' || fail "cannot set huge times on /dev/shm files"
import os
for name, t in (("ipcscope-t-huge", 2**62), ("ipcscope-t-y10k", 253402300800), ("ipcscope-t-ok", 86400)):
    p = "/dev/shm/" + name
    open(p, "w").close()
    os.utime(p, ns=(t * 10**9, t * 10**9))
    if os.stat(p).st_mtime_ns != t * 10**9:
        raise SystemExit(f"{p}: the file system did not keep mtime {t}")
PY

"$IPCSCOPE" list -J -t posix-shm >"$T/list.json" 2>"$T/list.err" || { cat "$T/list.err"; fail "list -J"; }
validate "$T/list.json"
py - "$T/list.json" <<'PY' || fail "times in JSON"
import json, sys
objs = {o["name"]: o for o in json.load(open(sys.argv[1]))["objects"]}
bad = []
for name in ("/ipcscope-t-huge", "/ipcscope-t-y10k"):
    for f in ("mtime", "atime"):
        if f in objs[name]:
            bad.append(f"{name}: {f} {objs[name][f]!r} should be left out")
if objs["/ipcscope-t-ok"].get("mtime") != "1970-01-02T00:00:00Z":
    bad.append(f"/ipcscope-t-ok: mtime {objs['/ipcscope-t-ok'].get('mtime')!r}")
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

TZ=UTC0 "$IPCSCOPE" list -t posix-shm -o NAME,ATIME,MTIME >"$T/table" 2>"$T/table.err" || fail "list"
grep -q '^/ipcscope-t-huge  *@4611686018427387904  *@4611686018427387904 *$' "$T/table" ||
    { cat "$T/table"; fail "the table does not show 2^62 as @seconds"; }
grep -q '^/ipcscope-t-y10k  *@253402300800  *@253402300800 *$' "$T/table" ||
    { cat "$T/table"; fail "the table does not show the year 10000 as @seconds"; }
grep -q '^/ipcscope-t-ok  *1970-01-02T00:00:00+00:00  *1970-01-02T00:00:00+00:00 *$' "$T/table" ||
    { cat "$T/table"; fail "an ordinary time is not shown as a date with its zone"; }
LC_ALL=C grep -q '[^ -~]' "$T/table" && { cat -v "$T/table"; fail "the table holds bytes that are no text"; }
echo "ok: times beyond the calendar are left out of JSON and shown as @seconds in the table"
