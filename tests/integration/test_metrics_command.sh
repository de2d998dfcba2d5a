#!/usr/bin/env bash
# test_metrics_command.sh - `ipcscope metrics -o FILE` for node_exporter's textfile
# collector: the file is mode 0644 and valid exposition; it is replaced atomically (a
# reader running all along sees the old file or a whole new one, never part of one; no
# temporary is left behind, even when the rename fails); a symlink at FILE is replaced,
# not followed; errors are one line and exit 1. With Debian's prometheus-node-exporter
# installed, its textfile collector reads the file without error.
. "$SRCDIR/tests/tools/testlib.sh"
# A network namespace of its own too: the host may have 100,000 sockets, each run scans them.
if [ -z "${IPCSCOPE_NETNS:-}" ]; then
    need_root "a private network namespace (unshare)"
    exec unshare --net env IPCSCOPE_NETNS=1 bash "$0" "$@"
fi
ip link set lo up || fail "cannot bring up lo"
isolate "$@"

T=$(mktemp -d)
NE_PID=
trap '[ -n "$NE_PID" ] && kill "$NE_PID" 2>/dev/null; stop_gens; rm -rf "$T"' EXIT
mkdir "$T/tf"
F=$T/tf/ipcscope.prom

start_gen "$T/gen.json" sysv-msg --hold 120 --fill 2

# --- one run: mode, content, nothing else in the directory
"$IPCSCOPE" metrics -o "$F" 2>"$T/err" || { cat "$T/err" >&2; fail "metrics -o"; }
[ "$(stat -c %a "$F")" = 644 ] || fail "mode $(stat -c %a "$F"), expected 644"
[ "$(ls -A "$T/tf")" = ipcscope.prom ] || fail "left behind: $(ls -A "$T/tf")"
grep -q '^ipcscope_objects{kind="sysv-msg",container=""} 1$' "$F" || fail "the generator's queue is not counted: $(grep '^ipcscope_objects{kind="sysv-msg"' "$F")"
grep -q '^ipcscope_queue_messages{kind="sysv-msg",queue="sysv-msg:[0-9]*:[0-9]*"} 2$' "$F" || fail "no queue series"
grep -q '^ipcscope_scans_total' "$F" && fail "a one-shot run exports serve's scan counter"
if command -v promtool >/dev/null; then
    promtool check metrics <"$F" || fail "promtool check metrics"
else
    echo "promtool missing: lint not run (packaging/install-deps.sh installs prometheus)"
fi
# stdout gives the same families
"$IPCSCOPE" metrics >"$T/stdout.prom" 2>/dev/null || fail "metrics to stdout"
diff <(grep '^# TYPE' "$F") <(grep '^# TYPE' "$T/stdout.prom") || fail "-o and stdout differ in families"

# --- atomic: a reader all along sees the old file or a whole new one
printf 'old\n' >"$F"
py - "$F" "$T/reader.done" >"$T/reader.out" <<'PY' &
import os, sys, time
path, done = sys.argv[1], sys.argv[2]
# Distinct texts, not inodes: a file system may give the next temporary the inode the
# replaced file just freed (ext4 does), and every run's text differs (its scan time).
seen, texts, bad = 0, set(), []
while not os.path.exists(done):
    with open(path, "rb") as f:
        data = f.read()
    texts.add(hash(data))
    seen += 1
    if data == b"old\n":
        continue
    lines = data.decode().splitlines()
    if not (data.endswith(b"\n") and lines[0].startswith("# HELP ipcscope_objects ")
            and lines[-1].startswith("ipcscope_scan_errors ")):
        bad.append(data[-80:])
print(seen, len(texts), len(bad))
PY
reader=$!
for _ in $(seq 12); do
    "$IPCSCOPE" metrics -o "$F" 2>/dev/null || fail "metrics -o under a reader"
done
: >"$T/reader.done"
wait "$reader"
read -r seen texts bad <"$T/reader.out"
[ "$bad" = 0 ] || fail "the reader saw $bad partial files"
[ "$seen" -gt 12 ] && [ "$texts" -gt 2 ] || fail "the reader saw $seen reads of $texts different files: no race was run"
[ "$(ls -A "$T/tf")" = ipcscope.prom ] || fail "left behind: $(ls -A "$T/tf")"

# --- a symlink at FILE is replaced, not followed
echo victim >"$T/victim"
ln -s "$T/victim" "$T/tf/link.prom"
"$IPCSCOPE" metrics -o "$T/tf/link.prom" 2>/dev/null || fail "metrics -o over a symlink"
[ -L "$T/tf/link.prom" ] && fail "the symlink is still there"
[ "$(cat "$T/victim")" = victim ] || fail "the symlink was followed"
rm -f "$T/tf/link.prom"

# --- errors: one line, exit 1, nothing left behind, the old file untouched
echo x >"$T/plain"
mkdir "$T/tf/dir.prom"
cp "$F" "$T/before"
for out in "$T/plain/x.prom" "$T/nosuch/x.prom" "$T/tf/dir.prom"; do
    "$IPCSCOPE" metrics -o "$out" >/dev/null 2>"$T/err"
    rc=$?
    [ "$rc" = 1 ] || fail "metrics -o $out exited $rc"
    [ "$(grep -c . "$T/err")" = 1 ] || { cat "$T/err" >&2; fail "metrics -o $out: not one line of error"; }
done
rmdir "$T/tf/dir.prom"
[ "$(ls -A "$T/tf")" = ipcscope.prom ] || fail "a failed run left: $(ls -A "$T/tf")"
cmp -s "$F" "$T/before" || fail "a failed run touched $F"
"$IPCSCOPE" metrics -o "" >/dev/null 2>&1
[ $? = 2 ] || fail "metrics -o '' is not a usage error"

# --- node_exporter's textfile collector reads it
ne=$(command -v prometheus-node-exporter || command -v node_exporter || true)
if [ -n "$ne" ] && command -v curl >/dev/null; then
    port=$(py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$ne" --collector.disable-defaults --collector.textfile --collector.textfile.directory="$T/tf" \
        --web.listen-address="127.0.0.1:$port" >"$T/ne.log" 2>&1 &
    NE_PID=$!
    for _ in $(seq 100); do
        curl -sf -o "$T/ne.txt" "http://127.0.0.1:$port/metrics" && break
        sleep 0.1
    done
    [ -s "$T/ne.txt" ] || { cat "$T/ne.log" >&2; fail "node_exporter did not answer"; }
    grep -q '^node_textfile_scrape_error 0$' "$T/ne.txt" || { grep textfile "$T/ne.txt" "$T/ne.log" >&2; fail "the textfile collector refused the file"; }
    grep -q '^ipcscope_objects{container="",kind="sysv-msg"} 1$' "$T/ne.txt" || fail "node_exporter does not serve ipcscope_objects"
    grep -q '^ipcscope_fill_ratio_bucket{kind="sysv-msg",le="+Inf"} 1$' "$T/ne.txt" || fail "node_exporter does not serve the histogram"
    echo "node_exporter's textfile collector: ok"
else
    echo "prometheus-node-exporter is not installed: the textfile collector was not tried"
fi
echo "ok"
