#!/usr/bin/env bash
# test_serve_idle.sh - when serve scans (src/http/scanner.c): never while nobody looks; a
# request for data that finds the last scan older than one interval gets a fresh one; while
# someone watches (requests lately, or an open event stream) scans keep coming once per
# interval, so a watcher is never served data older than one interval; the event stream
# gets one message per scan; /healthz asks for nothing. The scan counter is /healthz's
# "scans", and scan_age_seconds is measured on the server's monotonic clock.
. "$SRCDIR/tests/tools/testlib.sh"
# A network namespace of its own too: the host's sockets (there may be 100,000 of them)
# would make every scan take seconds, and this test is about when scans run.
if [ -z "${IPCSCOPE_NETNS:-}" ]; then
    need_root "a private network namespace (unshare)"
    exec unshare --net env IPCSCOPE_NETNS=1 bash "$0" "$@"
fi
ip link set lo up || fail "cannot bring up lo"
isolate "$@"
. "$SRCDIR/tests/http/lib/serve-lib.sh"

I=2   # the interval
start_gen "$T/gen.json" sysv-msg --hold 120 --fill 1
start_server --interval "$I"

health() { curl -s "$BASE/healthz" >"$T/health.json" || fail "no /healthz"; }
field() { pyjson "$T/health.json" "d[\"$1\"]"; }

# --- nobody looks: no scan at all, however long (only /healthz is asked, which does not count)
health
s0=$(field scans)
[ "$(field scanning)" = idle ] || fail "a server nobody asked is $(field scanning)"
sleep $((4 * I))
health
[ "$(field scans)" = "$s0" ] || fail "idle serve scanned: $s0 -> $(field scans) scans in $((4 * I)) s"
[ "$(field status)" = ok ] || fail "an idle server's health is $(field status)"
py -c "import sys; sys.exit(0 if $(field scan_age_seconds) > $I else 1)" || fail "the state should be old by now"

# --- a request now finds the state older than the interval: it waits for a fresh scan
t0=$(date +%s)
expect /api/v1/objects 200 application/json
health
[ "$(field scans)" -gt "$s0" ] || fail "a request for old data brought no scan"
py - "$T/body" "$t0" <<'PY' || fail "the answer is not from a scan made after the request"
import json, sys, calendar, time
t = json.load(open(sys.argv[1]))["time"]
began = calendar.timegm(time.strptime(t, "%Y-%m-%dT%H:%M:%SZ"))
assert began >= int(sys.argv[2]), (t, sys.argv[2])
PY

# --- while watched, scans keep coming and no answer is older than the interval: each data
# request is followed by /healthz, whose age can only be that of the same state or newer.
: >"$T/ages"
end=$(($(date +%s) + 3 * I))
while [ "$(date +%s)" -lt "$end" ]; do
    get /metrics >/dev/null
    grep -q '^ipcscope_scan_timestamp_seconds ' "$T/body" || fail "/metrics incomplete"
    curl -s "$BASE/healthz" >>"$T/ages" || fail "no /healthz"
    echo >>"$T/ages"
    sleep 0.2
done
cp "$T/body" "$T/metrics"
s1=$(py - "$T/ages" "$I" "$s0" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
interval, s0 = float(sys.argv[2]), int(sys.argv[3])
assert all(r["scanning"] == "watched" for r in rows), [r["scanning"] for r in rows]
# The age is taken after the answer: allow a round trip on a loaded machine beyond it.
worst = max(r["scan_age_seconds"] for r in rows)
assert worst <= interval + 0.5, f"a watcher was served data {worst} s old (interval {interval} s)"
print(rows[-1]["scans"])
PY
) || fail "watched scans"
[ "$s1" -ge $((s0 + 2)) ] || fail "$((3 * I)) s of watching gave $((s1 - s0)) scans at an interval of $I s"

# --- nobody again: the scans stop within 3 intervals, then stay put
sleep $((3 * I + 1))
health
s2=$(field scans)
[ "$(field scanning)" = idle ] || fail "$(field scanning) after 4 intervals without a request"
sleep $((3 * I))
health
[ "$(field scans)" = "$s2" ] || fail "scans went on without a watcher: $s2 -> $(field scans)"

# --- an open event stream is a watcher: one message per scan while it is open
curl -sN "$BASE/api/v1/events" >"$T/events" &
ev=$!
for _ in $(seq 100); do grep -q '^retry:' "$T/events" 2>/dev/null && break; sleep 0.05; done
grep -q '^retry:' "$T/events" || fail "event stream did not start"
sleep $((4 * I))
health
[ "$(field scanning)" = watched ] || fail "a server with an open stream is $(field scanning)"
[ "$(field event_clients)" = 1 ] || fail "event_clients $(field event_clients)"
last=$(field seq)
sleep 0.3
kill "$ev"
wait "$ev" 2>/dev/null
py - "$T/events" "$s2" "$last" <<'PY' || fail "the stream did not get one message per scan"
import re, sys
ids = [int(x) for x in re.findall(r"^id: (\d+)$", open(sys.argv[1]).read(), re.M)]
s2, last = int(sys.argv[2]), int(sys.argv[3])
assert len(ids) >= 3, ids
assert ids == list(range(ids[0], ids[0] + len(ids))), f"not one per scan: {ids}"
assert ids[0] <= s2 + 2 and ids[-1] >= last, (ids, s2, last)
PY
# ... and once it is closed the scans stop again.
sleep $((3 * I + 1))
health
s3=$(field scans)
sleep $((3 * I))
health
[ "$(field scans)" = "$s3" ] || fail "scans went on after the stream closed: $s3 -> $(field scans)"

# --- SIGHUP scans at once, watched or not
rescan
stop_server
echo "ok"
