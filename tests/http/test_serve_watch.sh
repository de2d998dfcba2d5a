#!/usr/bin/env bash
# test_serve_watch.sh - while someone watches, requests do not wait for scans: each
# watched scan starts before the state it replaces is an interval old, by what the last
# scan took and more (src/http/scanner.c), so a request one interval after the last finds
# a state younger than the interval, already there. Only the first request after an idle
# spell waits (test_serve_idle.sh).
#
# Proven from what the server says, not from how long anything took (this machine is
# shared), with requests one interval apart like a Prometheus scraping at the interval:
# first alone, then with an event stream open as the dashboard keeps one (every scan then
# renders the objects too). /healthz, which never waits and asks for no scan, gives the
# current state's seq and its age on the server's CLOCK_MONOTONIC, the clock
# time.monotonic() reads here; /metrics gives the seq of the state it was answered from
# (ipcscope_scans_total).
#  - Each request sits between two /healthz: when both name the state it was answered
#    from, it was answered from what was there when it came; a request that waited would
#    have got the next state (or, timed out, an old one: the age says).
#  - /healthz is asked every 20 ms in between: from its answers the moment each state's
#    scan began is known to a millisecond, and every scan must have begun well before the
#    state before it was an interval old. A scan that then takes longer than the last (a
#    loaded machine) may still leave a state older than the interval for a moment; when
#    it began is what the scheduler decides, and what this checks.
. "$SRCDIR/tests/tools/testlib.sh"
# A network namespace of its own: the host's sockets would make every scan slow.
if [ -z "${IPCSCOPE_NETNS:-}" ]; then
    need_root "a private network namespace (unshare)"
    exec unshare --net env IPCSCOPE_NETNS=1 bash "$0" "$@"
fi
ip link set lo up || fail "cannot bring up lo"
isolate "$@"
. "$SRCDIR/tests/http/lib/serve-lib.sh"

I=4        # the interval
ROUNDS=5   # requests one interval apart, per phase
# Enough objects for a scan to take tens of milliseconds.
start_gen "$T/msg.json" sysv-msg --count 1500 --hold 300 --fill 1
start_gen "$T/sem.json" sysv-sem --count 1500 --hold 300
start_server --interval "$I"
port=${BASE##*:}

# watch PORT INTERVAL ROUNDS: the requests and probes above; prints the served seqs.
watch() {
    py - "$@" <<'PY'
import http.client, json, sys, time
port, interval, rounds = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

def get(path):
    c.request("GET", path)
    r = c.getresponse()
    body = r.read().decode()
    assert r.status == 200, (path, r.status, body)
    return body

began = {}  # seq -> CLOCK_MONOTONIC seconds when its scan began, from /healthz

def health():
    t0 = time.monotonic()
    h = json.loads(get("/healthz"))
    t1 = time.monotonic()
    if h["scanning"] != "watched":
        sys.exit(f"the server says it is {h['scanning']} with a watcher")
    began.setdefault(h["seq"], []).append((t0 + t1) / 2 - h["scan_age_seconds"])
    return h

def served():
    for line in get("/metrics").splitlines():
        if line.startswith("ipcscope_scans_total "):
            return int(line.split()[1])
    sys.exit("/metrics has no ipcscope_scans_total")

first = served()  # now someone watches; this one may wait (the state is from the start)
seqs, retries, oldest = [], 0, 0.0
due = time.monotonic() + interval
while len(seqs) < rounds:
    while time.monotonic() < due:
        oldest = max(oldest, health()["scan_age_seconds"])
        time.sleep(0.02)
    h1 = health()
    seq = served()
    h2 = health()
    if h1["seq"] != h2["seq"]:
        # A scan came in between: this round proves nothing. Again, soon.
        retries += 1
        if retries > rounds:
            sys.exit(f"{retries} rounds had a new state come inside them: requests waited")
        due = time.monotonic() + 0.05
        continue
    if seq != h1["seq"]:
        sys.exit(f"request {len(seqs)} was answered from state {seq}, not {h1['seq']}, "
                 "the one there before and after it")
    if h2["scan_age_seconds"] > interval + 1:
        sys.exit(f"request {len(seqs)} was answered from a state {h2['scan_age_seconds']} s old")
    seqs.append(seq)
    due += interval
# One interval apart, each was answered from a newer state: the scans kept coming.
if any(b <= a for a, b in zip(seqs, seqs[1:])):
    sys.exit(f"requests one interval apart got the states {seqs}")
# Every scan of the watched time began before the state before it was an interval old,
# by more than a scheduler's hiccup (the scheduler leads by 20 ms and 1.5 scans at least).
starts = {s: sum(v) / len(v) for s, v in began.items() if s > first}
for s in sorted(starts):
    if s - 1 in starts and starts[s] - starts[s - 1] > interval - 0.010:
        sys.exit(f"state {s}'s scan began {starts[s] - starts[s - 1]:.3f} s after the one "
                 f"before: not before that one was an interval ({interval} s) old")
pairs = sum(1 for s in starts if s - 1 in starts)
if pairs < rounds - 1:
    sys.exit(f"only {pairs} pairs of consecutive states seen")
print(" ".join(map(str, seqs)), f"({pairs} scans timed, oldest state seen {oldest:.3f} s)")
PY
}

out=$(watch "$port" "$I" "$ROUNDS" 2>&1) || fail "requests alone: $out"
echo "requests alone: states $out"

curl -sN "$BASE/api/v1/events" >"$T/events" &
ev=$!
for _ in $(seq 100); do grep -q '^retry:' "$T/events" 2>/dev/null && break; sleep 0.05; done
grep -q '^retry:' "$T/events" || fail "event stream did not start"
out=$(watch "$port" "$I" "$ROUNDS" 2>&1) || fail "with an event stream: $out"
echo "with an event stream: states $out"
kill "$ev"
wait "$ev" 2>/dev/null
stop_server
echo "ok"
