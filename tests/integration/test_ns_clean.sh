#!/usr/bin/env bash
# test_ns_clean.sh - rm, clean and restore act inside the namespace an object lives in.
# A "container" (its own IPC and mount namespace, its own /dev/shm tmpfs and mqueue mount)
# and the test's own namespace both hold a stale SysV queue with the same key, a POSIX queue
# and a shm file with the same names. rm and clean --yes of the container's objects must
# remove those and nothing of ours; a backup restores into the container's namespace; once
# the container is gone, its objects are gone, not errors. Private IPC, mount and pid
# namespaces (testlib's isolate), so every process is readable.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
T=$(mktemp -d)
CPID=
cleanup() { [ -n "$CPID" ] && kill "$CPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

# The same objects in a namespace: a SysV queue (ipcmk; the first of a new IPC namespace,
# so id 0 in both), a shm file /ns-test, and a POSIX queue left by gen --leak, all unheld.
make_objects() {
    ipcmk -Q >"$T/ipcmk-$1" || return 1
    printf 'data of %s\n' "$1" >/dev/shm/ns-test
    "$IPCSCOPE" gen posix-mq --leak -J >"$T/leak-$1.json" 2>"$T/leak-$1.err" || return 1
}
make_objects mine || fail "objects here: $(cat "$T"/leak-mine.err)"

# The container: made, filled, then kept alive by a sleeping process (its namespaces live
# as long as a process is in them).
cat >"$T/container.sh" <<EOS
mount -t tmpfs -o size=16m none /dev/shm || exit 1
mount -t mqueue none /dev/mqueue || exit 1
. "$SRCDIR/tests/tools/testlib.sh"
T=$T IPCSCOPE=$IPCSCOPE
$(declare -f make_objects)
make_objects theirs || exit 1
touch "$T/ready"
exec sleep 120
EOS
unshare --ipc --mount --propagation private bash "$T/container.sh" &
CPID=$!
for _ in $(seq 100); do [ -e "$T/ready" ] && break; kill -0 $CPID 2>/dev/null || break; sleep 0.05; done
[ -e "$T/ready" ] || fail "the container did not start"
IPC=$(stat -Lc %i /proc/$CPID/ns/ipc)
MNT=$(stat -Lc %i /proc/$CPID/ns/mnt)
MYIPC=$(stat -Lc %i /proc/self/ns/ipc)
[ "$IPC" != "$MYIPC" ] || fail "the container shares our IPC namespace"

"$IPCSCOPE" list -J -t sysv-msg,posix-mq,posix-shm >"$T/before.json" || fail "list"
validate "$T/before.json"
ids() { # KIND NS: the identities of kind in namespace NS named ns-test or keyed 0x00005eed
    py - "$T/$3" "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for o in d["objects"]:
    if o["kind"] == sys.argv[2] and o.get("ns") == int(sys.argv[3]) and \
       (o["kind"] == "sysv-msg" or (o.get("name") or "").startswith(("/ns-test", "/ipcscope-"))):
        print(o["identity"])
PY
}
theirs_q=$(ids sysv-msg "$IPC" before.json)
mine_q=$(ids sysv-msg "$MYIPC" before.json)
[ -n "$theirs_q" ] && [ -n "$mine_q" ] || fail "queues not both listed: '$theirs_q' '$mine_q'"
[ "${theirs_q##*:}" = "${mine_q##*:}" ] || fail "the two queues do not share an id: $theirs_q $mine_q"
queues() { ipcs -q | grep -c '^0x'; } # the queues of the namespace it runs in

# ipcs stays the caller's namespace only, as util-linux's; without root nothing is entered
# and one line says so.
[ "$("$IPCSCOPE" ipcs -q | grep -c '^0x')" = 1 ] || fail "ipcs showed another namespace's queue"
setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCSCOPE" list -J -t sysv-msg >"$T/nobody.json" 2>/dev/null ||
    fail "list as nobody"
py - "$T/nobody.json" "$IPC" <<'PY' || fail "as nobody: another namespace read, or not said once"
import json, sys
d = json.load(open(sys.argv[1]))
assert all(o.get("ns") != int(sys.argv[2]) for o in d["objects"]), "read the container's IPC namespace"
said = [e for e in d["errors"] if "need root" in e["message"]]
assert len(said) == 1, d["errors"]
PY

# rm of the container's queue, by identity: removed there, ours stays.
"$IPCSCOPE" rm -J --backup "$T/bk" "$theirs_q" >"$T/rm.json" || fail "rm $theirs_q: $(cat "$T/rm.json")"
validate "$T/rm.json"
[ "$(nsenter -t $CPID -i ipcs -q | grep -c '^0x')" = 0 ] || fail "rm left the container's queue"
[ "$(queues)" = 1 ] || fail "rm removed our queue instead"

# restore puts it back inside the container's namespace, not ours.
"$IPCSCOPE" restore "$T/bk" >"$T/out" 2>&1 || fail "restore: $(cat "$T/out")"
[ "$(nsenter -t $CPID -i ipcs -q | grep -c '^0x')" = 1 ] || fail "restore did not make the queue in the container"
[ "$(queues)" = 1 ] || fail "restore made a queue in our namespace"

# clean --yes -N <container>: every stale object of the container goes, ours stay.
"$IPCSCOPE" clean -J --yes --older-than 0s -N $CPID -t sysv-msg,posix-mq,posix-shm >"$T/clean.json" ||
    fail "clean: $(cat "$T/clean.json")"
validate "$T/clean.json"
py - "$T/clean.json" "$IPC" "$MNT" <<'PY' || fail "clean acted on the wrong namespace"
import json, sys
d = json.load(open(sys.argv[1]))["clean"]["items"]
ns = {int(sys.argv[2]), int(sys.argv[3])}
assert all(i["object"]["ns"] in ns for i in d), [(i["identity"], i["object"]["ns"]) for i in d]
removed = {i["object"]["kind"] for i in d if i["status"] == "removed"}
assert removed == {"sysv-msg", "posix-mq", "posix-shm"}, d
PY
[ "$(nsenter -t $CPID -i ipcs -q | grep -c '^0x')" = 0 ] || fail "clean left the container's queue"
nsenter -t $CPID -m ls /dev/shm | grep -q ns-test && fail "clean left the container's shm file"
[ "$(queues)" = 1 ] || fail "clean removed our queue"
[ -e /dev/shm/ns-test ] || fail "clean removed our shm file"
"$IPCSCOPE" list -J -t posix-mq >"$T/after.json" || fail "list after"
[ -n "$(ids posix-mq "$MYIPC" after.json)" ] || fail "clean removed our POSIX queue"

# A backup of the container's shm file, then the container goes: restore says so.
printf 'again\n' | nsenter -t $CPID -m sh -c 'cat >/dev/shm/ns-test'
"$IPCSCOPE" rm --backup "$T/bk2" "posix-shm:$MNT:/ns-test" >"$T/out" 2>&1 || fail "rm in the mount namespace: $(cat "$T/out")"
kill $CPID; wait $CPID 2>/dev/null; CPID=
"$IPCSCOPE" restore "$T/bk2" >"$T/out" 2>&1 && fail "restore into a namespace that is gone succeeded"
grep -q "namespace .* is gone" "$T/out" || fail "restore did not say the namespace is gone: $(cat "$T/out")"
[ "$(cat /dev/shm/ns-test)" = "data of mine" ] || fail "restore touched our shm file"
echo "ok: rm, clean and restore inside the container's namespaces; nothing of ours touched"
