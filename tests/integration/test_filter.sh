#!/usr/bin/env bash
# -Q/--filter on real objects: the issue's three examples (queue fill, USE%, a holder's name)
# select exactly the objects made for them, in the table and the JSON; a syntax error is one
# line with the column, the expression and a caret, exit 2; clean -Q only narrows what clean
# would remove, keeps a family whole, and --yes removes only what passes.
. "$SRCDIR/tests/tools/testlib.sh"
# A network namespace of its own too: the host's sockets would only slow every scan.
need_root "private namespaces (unshare)"
[ -n "${FILTER_NETNS:-}" ] || exec unshare --net env FILTER_NETNS=1 bash "$0" "$@"
isolate "$@"
T=$(mktemp -d)
HOLDER=
trap 'stop_gens; [ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null; rm -rf "$T"' EXIT

start_gen "$T/msg5.json" sysv-msg --hold 120 --fill 5
start_gen "$T/msg1.json" sysv-msg --hold 120 --fill 1
start_gen "$T/mq9.json" posix-mq --hold 120 --fill 9
start_gen "$T/mq2.json" posix-mq --hold 120 --fill 2
MSG5=$(gen_field "$T/msg5.json" 'o["id"]')
MSG1=$(gen_field "$T/msg1.json" 'o["id"]')
MQ9=$(gen_field "$T/mq9.json" 'o["name"]')
MQ2=$(gen_field "$T/mq2.json" 'o["name"]')

# A process whose command is "postgres" holding a /dev/shm file.
cat >"$T/pg.py" <<'PY'
import os, sys, time
open("/proc/self/comm", "w").write("postgres")
fd = os.open("/dev/shm/PostgreSQL.4242", os.O_CREAT | os.O_RDWR, 0o600)
os.ftruncate(fd, 8192)
open(sys.argv[1], "w").write("ok")
time.sleep(120)
PY
py "$T/pg.py" "$T/pg.ready" </dev/null >/dev/null 2>&1 &
HOLDER=$!
for _ in $(seq 100); do [ -s "$T/pg.ready" ] && break; sleep 0.05; done
[ -s "$T/pg.ready" ] || fail "the postgres-named holder did not start"

# count JSON: how many objects a document lists
count() { py -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["objects"]))' "$1"; }

# pick JSON EXPR: `list -Q EXPR -J` into JSON, valid against the schema.
pick() {
    "$IPCSCOPE" list -Q "$2" -J >"$1" 2>"$1.err" || fail "list -Q '$2': $(cat "$1.err")"
    validate "$1"
}

pick "$T/q1.json" 'KIND == "sysv-msg" && MSGS >= 3'
py - "$T/q1.json" "$MSG5" <<'PY' || fail "KIND == \"sysv-msg\" && MSGS >= 3"
import json, sys
objs = json.load(open(sys.argv[1]))["objects"]
got = [(o["kind"], o.get("id")) for o in objs]
assert got == [("sysv-msg", int(sys.argv[2]))], got
assert objs[0]["messages"] == 5, objs[0]
PY
# The word forms, lower-case names, a value on the left.
pick "$T/q1w.json" "kind eq 'sysv-msg' and 3 le msgs"
cmp -s <(identities "$T/q1.json" sysv-msg) <(identities "$T/q1w.json" sysv-msg) ||
    fail "word forms select otherwise than symbols"
# The table shows the same rows.
"$IPCSCOPE" list -Q 'KIND == "sysv-msg" && MSGS >= 3' -o KIND,ID,MSGS -n >"$T/q1.txt" ||
    fail "list -Q table"
[ "$(awk '{print $1, $2, $3}' "$T/q1.txt")" = "sysv-msg $MSG5 5" ] || fail "table: $(cat "$T/q1.txt")"

pick "$T/q2.json" 'USE% > 80'
py - "$T/q2.json" "$MQ9" "$MQ2" <<'PY' || fail "USE% > 80"
import json, sys
objs = json.load(open(sys.argv[1]))["objects"]
names = [o.get("name") for o in objs if o["kind"] == "posix-mq"]
assert names == [sys.argv[2]], names
for o in objs:
    assert o["use_percent"] > 80, o
PY

pick "$T/q3.json" 'HOLDERS =~ "postgres"'
py - "$T/q3.json" <<'PY' || fail "HOLDERS =~ \"postgres\""
import json, sys
objs = json.load(open(sys.argv[1]))["objects"]
assert any(o["kind"] == "posix-shm" and o.get("name") == "/PostgreSQL.4242" for o in objs), objs
for o in objs:
    assert any(h["comm"] == "postgres" for h in o.get("holders", [])), o
PY
pick "$T/q3n.json" 'HOLDERS !~ "postgres" && KIND == "posix-shm"'
[ "$(count "$T/q3n.json")" = 0 ] ||
    fail "!~ kept the postgres segment"

# Absent columns: a shm file has no MSGS, so == matches nothing and != everything.
pick "$T/abs.json" 'KIND == "posix-shm" && MSGS == 0'
[ "$(count "$T/abs.json")" = 0 ] ||
    fail "an absent column compared equal"
pick "$T/abs2.json" 'KIND == "posix-shm" && MSGS != 0'
[ "$(count "$T/abs2.json")" = 1 ] ||
    fail "!= on an absent column does not hold"

# --- a syntax error: one line with the column, the expression, a caret; exit 2
"$IPCSCOPE" list -Q 'KIND == "sysv-msg" && MSGS >=' >"$T/err.out" 2>"$T/err.txt"
rc=$?
[ "$rc" = 2 ] || fail "syntax error exit $rc, expected 2"
[ ! -s "$T/err.out" ] || fail "a syntax error printed a table"
diff <(cat "$T/err.txt") - <<'EOF' || fail "syntax error message"
ipcscope: -Q: column 30: expected a value after '>='
  KIND == "sysv-msg" && MSGS >=
                               ^
EOF
"$IPCSCOPE" list -Q 'MSG > 1' 2>"$T/err2.txt"
[ $? = 2 ] && grep -q "^ipcscope: -Q: column 1: unknown column 'MSG' (did you mean MSGS?)" "$T/err2.txt" ||
    fail "unknown column: $(cat "$T/err2.txt")"
"$IPCSCOPE" list -Q 'ID > 1' -Q 'ID < 3' 2>"$T/err3.txt"
[ $? = 2 ] || fail "-Q twice accepted"
"$IPCSCOPE" clean -Q '(' 2>"$T/err4.txt"
[ $? = 2 ] && grep -q "^ipcscope: -Q: column 2: " "$T/err4.txt" || fail "clean -Q '(': $(cat "$T/err4.txt")"

# --- clean -Q: two leaked queues and a leaked family of two segments (one creator)
"$IPCSCOPE" gen sysv-msg -c 2 --leak -J >"$T/leak-msg.json" 2>"$T/leak.err" || fail "gen --leak: $(cat "$T/leak.err")"
"$IPCSCOPE" gen sysv-shm -c 2 --leak -J >"$T/leak-shm.json" 2>"$T/leak.err" || fail "gen --leak: $(cat "$T/leak.err")"
read -r LEAK_A LEAK_B < <(py -c 'import json,sys; print(*[o["id"] for o in json.load(open(sys.argv[1]))["mechanisms"][0]["objects"]])' "$T/leak-msg.json")
read -r SHM_A SHM_B < <(py -c 'import json,sys; print(*[o["id"] for o in json.load(open(sys.argv[1]))["mechanisms"][0]["objects"]])' "$T/leak-shm.json")

# candidates FILE: "status kind id" per item of a clean -J document, sorted
candidates() {
    py -c '
import json, sys
for i in json.load(open(sys.argv[1]))["clean"]["items"]:
    print(i["status"], i["kind"], i["object"].get("id"))' "$1" | sort
}
"$IPCSCOPE" clean --older-than 0 -J >"$T/all.json" 2>/dev/null || fail "clean"
"$IPCSCOPE" clean --older-than 0 -Q true -J >"$T/true.json" 2>/dev/null || fail "clean -Q true"
validate "$T/true.json"
cmp -s <(candidates "$T/all.json") <(candidates "$T/true.json") || fail "clean -Q true differs from clean"
"$IPCSCOPE" clean --older-than 0 -Q "KIND == \"sysv-msg\"" -J >"$T/msg.json" 2>/dev/null || fail "clean -Q"
[ "$(candidates "$T/msg.json")" = "candidate sysv-msg $LEAK_A
candidate sysv-msg $LEAK_B" ] || fail "clean -Q KIND: $(candidates "$T/msg.json")"
# Never wider than clean: the live queues pass the expression but are no candidates.
"$IPCSCOPE" clean --older-than 0 -Q "MSGS >= 1 || ID == $LEAK_A" -J >"$T/wide.json" 2>/dev/null || fail "clean -Q"
[ "$(candidates "$T/wide.json")" = "candidate sysv-msg $LEAK_A" ] ||
    fail "clean -Q widened or missed: $(candidates "$T/wide.json")"
# A family is judged whole: selecting one segment of two keeps both.
"$IPCSCOPE" clean --older-than 0 -Q "KIND == \"sysv-shm\" && ID == $SHM_A" -J >"$T/fam.json" 2>/dev/null ||
    fail "clean -Q family"
[ "$(candidates "$T/fam.json")" = "skipped sysv-shm $SHM_A" ] || fail "family split by -Q: $(candidates "$T/fam.json")"
grep -q "is kept whole" "$T/fam.json" || fail "clean did not say the family is kept whole"

# --yes removes exactly what passes.
"$IPCSCOPE" clean --older-than 0 --yes -Q "ID == $LEAK_A && KIND == 'sysv-msg'" -J >"$T/yes.json" 2>/dev/null ||
    fail "clean --yes -Q"
[ "$(candidates "$T/yes.json")" = "removed sysv-msg $LEAK_A" ] || fail "clean --yes -Q: $(candidates "$T/yes.json")"
"$IPCSCOPE" list -t sysv-msg -J >"$T/after.json" 2>/dev/null || fail "list"
py - "$T/after.json" "$LEAK_A" "$LEAK_B" "$MSG5" "$MSG1" <<'PY' || fail "clean --yes -Q removed the wrong objects"
import json, sys
ids = {o["id"] for o in json.load(open(sys.argv[1]))["objects"]}
a, b, m5, m1 = map(int, sys.argv[2:])
assert a not in ids and {b, m5, m1} <= ids, ids
PY
# -Q holds again at the rescan: a message sent to the queue between the plan and the
# rescan makes MSGS == N false, and the queue is kept.
N=$(py -c 'import json,sys; print([o["messages"] for o in json.load(open(sys.argv[1]))["objects"] if o["id"] == int(sys.argv[2])][0])' "$T/after.json" "$LEAK_B")
cat >"$T/send.py" <<'PY'
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
buf = ctypes.create_string_buffer((1).to_bytes(8, "little") + b"hi", 10)
sys.exit(libc.msgsnd(int(sys.argv[1]), buf, 2, 0) != 0)
PY
env "IPCSCOPE_TEST_HOOK_BEFORE_RECHECK=/usr/bin/python3 $T/send.py $LEAK_B" \
    "$IPCSCOPE" clean --older-than 0 --yes -Q "ID == $LEAK_B && MSGS == $N" -J >"$T/rescan.json" 2>/dev/null ||
    fail "clean --yes -Q with a hook"
py - "$T/rescan.json" <<'PY' || fail "a queue that no longer passes -Q at the rescan was not kept"
import json, sys
items = json.load(open(sys.argv[1]))["clean"]["items"]
assert len(items) == 1 and items[0]["status"] == "skipped", items
assert items[0]["reason"] == "no longer matches -Q", items[0]
PY
"$IPCSTAT" msg "$LEAK_B" >/dev/null || fail "the queue changed at the rescan was removed"
"$IPCSCOPE" clean --older-than 0 --yes -J >/dev/null 2>&1
echo "ok"
