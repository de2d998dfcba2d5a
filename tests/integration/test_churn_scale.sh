#!/usr/bin/env bash
# Churn of named objects: 300 scans (CHURN_SCANS) while two children make and remove SysV
# queues, segments and sets and POSIX queues, shm objects and semaphores hundreds of times a
# second (tests/tools/churn.py), in private IPC, mount and pid namespaces with their own
# /dev/mqueue and /dev/shm. Objects vanish between a table's read and the detail call made
# for them, queues appear between the listing of /dev/mqueue and the walk of the fds, and
# sem_open's temporaries come and go. Every scan must exit 0 with a valid document, and none
# may say "msgctl/semctl/shmctl: Invalid argument", hint at mounting /dev/mqueue (it is
# mounted) or list a sem.XXXXXX temporary as a semaphore.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
SCANS=${CHURN_SCANS:-300}
T=$(mktemp -d)
CHURN=()
cleanup() {
    local p
    for p in "${CHURN[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${CHURN[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT

for group in sysv posix; do
    py "$SRCDIR/tests/tools/churn.py" "$group" 1 2>"$T/churn-$group.err" &
    CHURN+=($!)
done
sleep 0.2
for p in "${CHURN[@]}"; do kill -0 "$p" 2>/dev/null || { cat "$T"/churn-*.err; fail "a churner died"; }; done

start=$(date +%s.%N)
for i in $(seq "$SCANS"); do
    "$IPCSCOPE" list -J >"$T/scan-$i.json" 2>"$T/scan-$i.err"
    rc=$?
    [ "$rc" = 0 ] || { cat "$T/scan-$i.err"; fail "scan $i: list -J exited $rc"; }
done
end=$(date +%s.%N)
for p in "${CHURN[@]}"; do kill -0 "$p" 2>/dev/null || { cat "$T"/churn-*.err; fail "a churner died during the scans"; }; done

validate "$T"/scan-*.json
py - "$T" "$SCANS" <<'PY' || fail "what the scans said under churn"
import json, os, re, sys
T, scans = sys.argv[1], int(sys.argv[2])
seen = {"sysv": 0, "posix-mq": 0, "posix-sem": 0}
found = {"vanished objects reported": 0, "mount hints": 0, "sem_open temporaries": 0}
first = {}
ghost = re.compile(r"(msgctl|semctl|shmctl): (Invalid argument|Identifier removed)")
temp = re.compile(r"^/[A-Za-z0-9]{6}$")  # churn.py's own names are longer
def hit(what, i, text):
    found[what] += 1
    first.setdefault(what, f"scan {i}: {text[:140]}")
for i in range(1, scans + 1):
    err = open(os.path.join(T, f"scan-{i}.err")).read()
    doc = json.load(open(os.path.join(T, f"scan-{i}.json")))
    texts = err.splitlines() + [e["message"] for e in doc["errors"]]
    for o in doc["objects"]:
        texts.append(o.get("partial", ""))
        k = o["kind"]
        group = "sysv" if k.startswith("sysv-") else k
        seen[group] = seen.get(group, 0) + 1
        # An unlinked semaphore still mapped (status deleted) shows the name glibc mapped
        # it under, its temporary's: that is a real object, not a temporary listed.
        if k == "posix-sem" and temp.match(o.get("name", "")) and "deleted" not in o.get("status", ""):
            hit("sem_open temporaries", i, o["name"])
    for t in texts:
        if ghost.search(t):
            hit("vanished objects reported", i, t)
        if "mount -t mqueue" in t:
            hit("mount hints", i, t)
print(f"objects seen over {scans} scans: " + ", ".join(f"{k} {seen.get(k, 0)}" for k in ("sysv", "posix-mq", "posix-sem")))
for what, n in found.items():
    if n:
        print(f"  {n} {what}; first: {first[what]}", file=sys.stderr)
# The churn must have been seen, or the test proves nothing.
if not all(seen.get(k) for k in ("sysv", "posix-mq", "posix-sem")):
    print("  the scans met no churned objects", file=sys.stderr)
    sys.exit(1)
sys.exit(1 if any(found.values()) else 0)
PY
echo "ok: $SCANS scans under churn in $(echo "$end - $start" | bc) s: all exit 0, valid, no ghosts, hints or temporaries"
