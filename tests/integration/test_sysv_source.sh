#!/usr/bin/env bash
# The two sources of a live SysV table (collectors/sysv_common.c) give the same objects: the
# kernel's slots asked one by one (MSG_STAT_ANY, SEM_STAT_ANY), which the scan uses when it
# can, and /proc/sysvipc's text with msgctl(IPC_STAT) for the capacities, which it falls back
# to when a table is so sparse that asking every slot would cost more than the text (here: one
# more queue and one more set in the top slot, 32767). Which one a scan used is seen with
# strace: the text is an open of /proc/sysvipc/<table> to read (the slots' scan opens it with
# O_PATH only, to see that it is procfs).
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
command -v strace >/dev/null || skip "no strace (packaging/install-deps.sh installs it)"
T=$(mktemp -d)
trap 'stop_gens; [ -n "${KEEP_T:-}" ] || rm -rf "$T"' EXIT

# Queues with messages and another capacity, some slots freed (so slots and ids differ), and
# sets with values, their last operations done by a generator that stays.
echo 23456 >/proc/sys/kernel/msgmnb
"$IPCSCOPE" gen sysv-msg --count 300 --messages 2 --leak >/dev/null || fail "gen sysv-msg"
gone=$(awk 'NR > 1 && NR % 5 == 0 { print $2 }' /proc/sysvipc/msg)
"$IPCSCOPE" ipcrm $(printf -- '-q %s ' $gone) || fail "ipcrm of some queues"
for id in $(echo "$gone" | head -10); do
    echo $((2 * 32768 + id % 32768)) >/proc/sys/kernel/msg_next_id
    "$IPCSCOPE" gen sysv-msg --count 1 --messages 1 --leak >/dev/null || fail "gen sysv-msg in slot $id"
done
start_gen "$T/sem.json" sysv-sem --count 200 --nsems 4 --fill 6 --hold 600
"$IPCSCOPE" gen sysv-shm --count 10 --size 4096 --leak >/dev/null || fail "gen sysv-shm"

# scan NAME: list -J of the three tables, the tables whose text it opened, and ipcs -a (which
# lists in the kernel's order, the slots').
# LeakSanitizer cannot run under ptrace: an ASan build is traced with leak checks off.
scan() {
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=openat -o "$T/$1.trace" \
        "$IPCSCOPE" list -J -t sysv -N self >"$T/$1.json" 2>"$T/$1.err" ||
        { cat "$T/$1.err" >&2; fail "list -J ($1)"; }
    validate "$T/$1.json"
    "$IPCSCOPE" ipcs -a >"$T/$1.ipcs" || fail "ipcs -a ($1)"
    grep -v O_PATH "$T/$1.trace" | grep -o 'proc/sysvipc/[a-z]*' | sort -u | tr '\n' ' ' >"$T/$1.opened"
}
opened() { cat "$T/$1.opened"; }

scan slots
[ "$(opened slots)" = "proc/sysvipc/shm " ] ||
    fail "the slots' scan read the text of: $(opened slots) (only shm's was expected)"

# One queue and one set more, in the top slot: both tables are now sparse.
echo 32767 >/proc/sys/kernel/msg_next_id
echo 32767 >/proc/sys/kernel/sem_next_id
"$IPCSCOPE" gen sysv-msg --count 1 --messages 1 --leak >/dev/null || fail "gen sysv-msg in slot 32767"
"$IPCSCOPE" gen sysv-sem --count 1 --nsems 2 --leak >/dev/null || fail "gen sysv-sem in slot 32767"
scan text
[ "$(opened text)" = "proc/sysvipc/msg proc/sysvipc/sem proc/sysvipc/shm " ] ||
    fail "sparse tables were not read from their text: $(opened text)"

py - "$T" <<'EOF' || fail "slots and text differ"
import json, sys
T = sys.argv[1]
def objs(name):
    return json.load(open(f"{T}/{name}.json"))["objects"]
a, b = objs("slots"), objs("text")
top = [o for o in b if o["id"] == 32767]
if sorted(o["kind"] for o in top) != ["sysv-msg", "sysv-sem"]:
    sys.exit(f"the objects in the top slots: {[o['identity'] for o in top]}")
q = next(o for o in top if o["kind"] == "sysv-msg")
if q["size"] != 23456 or "last_send" not in q:
    sys.exit(f"the queue read from the text: {q}")
b = [o for o in b if o["id"] != 32767]
if len(a) != len(b) or len(a) < 400:
    sys.exit(f"{len(a)} objects from the slots, {len(b)} from the text")
for x, y in zip(a, b):
    if x != y:
        keys = sorted(k for k in set(x) | set(y) if x.get(k) != y.get(k))
        sys.exit(f"{x['identity']} vs {y['identity']}: {keys}")
q = [o for o in a if o["kind"] == "sysv-msg"]
if any(o["size"] != 23456 for o in q):
    sys.exit("queues without the capacity they were made with")
if not all("last_send" in o and "last_recv" in o for o in q):
    sys.exit("queues without their last sender or receiver")
def ipcs_ids(name):
    return [int(l.split()[1]) for l in open(f"{T}/{name}.ipcs") if l.startswith("0x")]
ia, ib = ipcs_ids("slots"), [i for i in ipcs_ids("text") if i != 32767]
if ia != ib:
    sys.exit("ipcs -a lists the objects in another order from the slots than from the text")
qa = ia[:len(q)]
if sorted(qa) != sorted(o["id"] for o in q) or qa == sorted(qa):
    sys.exit("the queues' slot order is their id order: the test proves nothing")
sets = [o["semaphores"] for o in a if o["kind"] == "sysv-sem"]
if len(sets) != 200 or any([s["value"] for s in x] != [6, 7, 8, 9] for x in sets):
    sys.exit(f"{len(sets)} sets, not all holding 6, 7, 8, 9 as made")
if not all(s.get("last", {}).get("alive") for x in sets for s in x):
    sys.exit("semaphores without their last process, alive")
print(f"ok: {len(a)} objects alike from the slots and from the text")
EOF
echo "ok: SysV tables alike from either source"
