#!/bin/bash
# test_posix_errors.sh - what the POSIX collectors say when the host is not as it should be:
# an unmounted /dev/mqueue (a fixture tree whose dev/mqueue is a plain directory), missing
# directories, a /dev/shm semaphore file too short to map; and the POSIX limits against the
# kernel's own figures. Every JSON document is validated against the schema.
set -u
: "${IPCSCOPE:?} ${FIXTURES:?} ${SCHEMA:?} ${SRCDIR:?}"
PY=/usr/bin/python3
VALIDATE="$SRCDIR/tests/tools/validate.py"
tmp=$(mktemp -d /tmp/ipcscope-test-posix-errors.XXXXXX)
short="/dev/shm/sem.ipcscope-test-$$-short"
trap 'rm -rf "$tmp"; rm -f "$short"' EXIT
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# run NAME ARGS...: ipcscope ARGS into $tmp/NAME.json, exit status checked, schema validated
run() {
    local name=$1; shift
    if ! "$IPCSCOPE" "$@" >"$tmp/$name.json" 2>"$tmp/$name.err"; then
        fail "$name: ipcscope $* exited $?: $(head -c 300 "$tmp/$name.err")"
        return 1
    fi
    $PY "$VALIDATE" "$SCHEMA" "$tmp/$name.json" || fail "$name: output does not match the schema"
}

# check NAME PYTHON: run assertions on the document d of $tmp/NAME.json
check() {
    $PY - "$tmp/$1.json" "$1" <<EOF || fail "$1: assertions failed"
import json, sys
d = json.load(open(sys.argv[1]))
name = sys.argv[2]
def err(source, text):
    hits = [e for e in d["errors"] if e["source"] == source and text in e["message"]]
    assert hits, f"{name}: no error from {source} saying {text!r}: {d['errors']}"
    return hits[0]
def objs(kind):
    return [o for o in d.get("objects", []) if o["kind"] == kind]
def limit(n):
    hits = [l for l in d.get("limits", []) if l["name"] == n]
    assert hits, f"{name}: no limit {n}"
    return hits[0]
$2
EOF
}

# 1. dev/mqueue is a plain directory: no queues from it, the rest of the scan goes on, and
#    the exit status is 0. The error names no fix: a --root tree is not the live host.
run nomount list -J -t posix --root "$FIXTURES/posix-nomount" && check nomount '
e = err("/dev/mqueue", "not an mqueue mount")
assert "mount -t" not in e["message"], e
assert objs("posix-mq") == [], objs("posix-mq")
shm = objs("posix-shm")
assert [o["name"] for o in shm] == ["/seg"], shm
assert shm[0]["size"] == 3 and shm[0]["identity"] == "posix-shm:4026531841:/seg", shm
'
grep -q 'not an mqueue mount' "$tmp/nomount.err" || fail "nomount: the error is not shown on stderr"

run nomount_limits limits -J --root "$FIXTURES/posix-nomount" && check nomount_limits '
q = limit("queues_max")
assert q["value"] == 256 and "used" not in q, q
assert q["source"] == "/proc/sys/fs/mqueue/queues_max", q
err("/dev/mqueue", "not an mqueue mount")
'

# 2. no dev/mqueue and no dev/shm at all: whether the scan as a whole fails depends on the
#    other collectors that read the tree, but the errors say what is missing, and suggest
#    no mount on the live host.
"$IPCSCOPE" list -J -t posix-mq,posix-shm --root "$FIXTURES/posix-nodirs" >"$tmp/nodirs.json" 2>"$tmp/nodirs.err"
rc=$?
[ "$rc" -le 1 ] || fail "nodirs: exit status $rc"
grep -q '/dev/mqueue: not in the --root tree' "$tmp/nodirs.err" ||
    fail "nodirs: stderr lacks what is missing: $(cat "$tmp/nodirs.err")"
! grep -q 'mount -t' "$tmp/nodirs.err" || fail "nodirs: a --root tree gets a fix for the live host"
grep -q '/dev/shm: cannot open' "$tmp/nodirs.err" || fail "nodirs: stderr lacks /dev/shm: $(cat "$tmp/nodirs.err")"
if [ "$rc" = 0 ]; then
    $PY "$VALIDATE" "$SCHEMA" "$tmp/nodirs.json" || fail "nodirs: output does not match the schema"
    check nodirs '
err("/dev/mqueue", "not in the --root tree")
err("/dev/shm", "cannot open")
assert objs("posix-mq") == [] and objs("posix-shm") == [], d["objects"]
'
fi

# 2b. the live kind of the same: in a private mount namespace whose /dev/mqueue is unmounted,
#     statfs tells, the error says so, and a queue a process holds is still found by its fd.
if [ "$(id -u)" = 0 ] && grep -q ' /dev/mqueue mqueue ' /proc/mounts && command -v unshare >/dev/null &&
    "$IPCSCOPE" gen --list 2>/dev/null | grep -q '^ *posix-mq'; then
    "$IPCSCOPE" gen posix-mq --fill 2 --hold 60 -J >"$tmp/gen.json" 2>"$tmp/gen.err" &
    genpid=$!
    for _ in $(seq 100); do
        $PY -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/gen.json" 2>/dev/null && break
        sleep 0.05
    done
    unshare -m --propagation private sh -c 'umount /dev/mqueue && exec "$0" list -J -t posix-mq' \
        "$IPCSCOPE" >"$tmp/unmounted.json" 2>"$tmp/unmounted.err" ||
        fail "unmounted: list exited $?: $(head -c 300 "$tmp/unmounted.err")"
    $PY "$VALIDATE" "$SCHEMA" "$tmp/unmounted.json" || fail "unmounted: output does not match the schema"
    check unmounted '
g = json.load(open("'"$tmp/gen.json"'"))["mechanisms"][0]["objects"][0]
e = err("/dev/mqueue", "not an mqueue mount")
assert "mount -t mqueue none /dev/mqueue" in e["message"], e
hits = [o for o in objs("posix-mq") if o["name"] == g["name"]]
assert len(hits) == 1 and hits[0]["inode"] == g["inode"], (g, objs("posix-mq"))
'
    kill -TERM "$genpid"; wait "$genpid"
    grep -q ' /dev/mqueue mqueue ' /proc/mounts || fail "unmounted: /dev/mqueue left unmounted outside"
else
    echo "note: not root, no mounted /dev/mqueue, unshare or generator: the live unmounted case is left out"
fi

# 3. a semaphore file shorter than a sem_t is listed partial and not mapped (which would
#    raise SIGBUS in the scanner)
head -c 3 /dev/zero >"$short"
run short list -J -t posix-sem && check short '
o = [o for o in objs("posix-sem") if o["name"] == "/'"${short#/dev/shm/sem.}"'"]
assert len(o) == 1, objs("posix-sem")
o = o[0]
assert o["status"] == "partial" and "fewer than a semaphore" in o["partial"], o
assert "value" not in o, o
'
rm -f "$short"

# 4. the limits against the kernel: /proc/sys/fs/mqueue and statvfs of /dev/shm
if grep -q ' /dev/mqueue mqueue ' /proc/mounts; then
    nq_before=$(ls -A /dev/mqueue | wc -l)
    run limits limits -J -b
    nq_after=$(ls -A /dev/mqueue | wc -l)
    read -r size used < <(df -B1 --output=size,used /dev/shm | tail -1)
    check limits '
for n in ("queues_max", "msg_max", "msgsize_max"):
    l = limit(n)
    assert l["group"] == "posix-mq", l
    assert l["value"] == int(open("/proc/sys/fs/mqueue/" + n).read()), l
assert limit("queues_max")["used"] in ('"$nq_before, $nq_after"'), limit("queues_max")
b = limit("devshm_bytes")
assert b["unit"] == "bytes" and b["source"] == "/dev/shm", b
assert b["value"] == '"$size"', (b, '"$size"')
assert abs(b["used"] - '"$used"') <= 1 << 20, (b, '"$used"')
'
else
    echo "note: /dev/mqueue is not mounted here; the live limits check is left out"
fi

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "ok"
