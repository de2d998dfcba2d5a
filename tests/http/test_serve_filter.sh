#!/usr/bin/env bash
# GET /api/v1/objects?q=EXPR: the filter language of -Q over the server's objects. The
# answers agree with `list -Q` on the same generator-made objects; q= combines with the
# other filters; a bad expression is a 400 whose JSON names the column and what is wrong,
# whatever bytes (invalid UTF-8, a depth bomb, a text too long) it was made of.
. "$SRCDIR/tests/tools/testlib.sh"
# A network namespace of its own too: the host's sockets (tens of thousands on a busy
# machine) would make every scan slow, and none of them is what this test is about.
need_root "private namespaces (unshare)"
if [ -z "${FILTER_NETNS:-}" ]; then
    command -v ip >/dev/null || skip "no ip(8) to bring up loopback in a new network namespace"
    exec unshare --net env FILTER_NETNS=1 bash "$0" "$@"
fi
ip link set lo up || fail "cannot bring up loopback"
isolate "$@"
. "$SRCDIR/tests/http/lib/serve-lib.sh"

start_gen "$T/msg5.json" sysv-msg --hold 120 --fill 5
start_gen "$T/msg1.json" sysv-msg --hold 120 --fill 1
start_gen "$T/mq9.json" posix-mq --hold 120 --fill 9
start_gen "$T/mq2.json" posix-mq --hold 120 --fill 2
MSG5=$(gen_field "$T/msg5.json" 'o["id"]')
MQ9=$(gen_field "$T/mq9.json" 'o["name"]')
start_server --interval 3600
rescan

# q EXPR [CURL ARGS]: GET /api/v1/objects with q=EXPR (and more), status printed.
q() {
    local e=$1
    shift
    get /api/v1/objects -G --data-urlencode "q=$e" "$@"
}
# ids FILE: the identities of a document, sorted
ids() { py -c 'import json,sys; [print(o["identity"]) for o in json.load(open(sys.argv[1]))["objects"]]' "$1" | sort; }

code=$(q 'KIND == "sysv-msg" && MSGS >= 3')
[ "$code" = 200 ] || fail "q= status $code: $(cat "$T/body")"
validate "$T/body"
py - "$T/body" "$MSG5" <<'PY' || fail "q=KIND == \"sysv-msg\" && MSGS >= 3"
import json, sys
objs = json.load(open(sys.argv[1]))["objects"]
assert [(o["kind"], o["id"]) for o in objs] == [("sysv-msg", int(sys.argv[2]))], objs
PY

code=$(q 'USE% > 80' --data-urlencode kind=posix-mq)
[ "$code" = 200 ] || fail "q= with kind= status $code"
py - "$T/body" "$MQ9" <<'PY' || fail "q=USE% > 80&kind=posix-mq"
import json, sys
objs = json.load(open(sys.argv[1]))["objects"]
assert [o.get("name") for o in objs] == [sys.argv[2]], objs
PY

# The same objects as list -Q, for expressions over every kind of column.
for e in 'KIND =~ "^sysv-" || KIND == "posix-mq"' 'MSGS < 3 && MSGS > 0' 'USE% >= 20 and use% <= 90' \
    'HOLDERS =~ "ipcscope"' 'NHOLDERS >= 2 && !(KIND == "posix-mq")' 'OWNER == "root" && SIZE != 0' \
    'MTIME > "2000-01-01" || SEND > @0'; do
    code=$(q "$e" --data-urlencode kind=sysv-msg,posix-mq)
    [ "$code" = 200 ] || fail "q=$e: $code $(head -c 300 "$T/body")"
    ids "$T/body" >"$T/api.ids"
    "$IPCSCOPE" list -t sysv-msg,posix-mq -Q "$e" -J >"$T/list.json" 2>/dev/null || fail "list -Q '$e'"
    ids "$T/list.json" >"$T/list.ids"
    cmp -s "$T/api.ids" "$T/list.ids" || fail "q=$e: the API and list -Q disagree: $(diff "$T/api.ids" "$T/list.ids")"
done
[ -s "$T/list.ids" ] || fail "the last comparison selected nothing"

# Bad expressions: 400, the message, valid JSON whatever the bytes.
# bad MESSAGE QUERY [CURL ARGS]: GET /api/v1/objects QUERY (may be "")
bad() {
    local want=$1 query=$2
    shift 2
    code=$(get "/api/v1/objects$query" "$@")
    [ "$code" = 400 ] || fail "${query:0:40} $*: status $code, expected 400"
    py - "$T/body" "$want" <<'PY' || fail "${query:0:40} $*: $(head -c 300 "$T/body")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == 400 and d["error"] == sys.argv[2], d
PY
}
bad "bad q: column 30: expected a value after '>='" "" -G --data-urlencode 'q=KIND == "sysv-msg" && MSGS >='
bad "bad q: column 1: unknown column 'MSG' (did you mean MSGS?)" "" -G --data-urlencode 'q=MSG > 1'
bad "bad q: column 9: bad regular expression: Unmatched ( or \\(" "" -G --data-urlencode 'q=NAME =~ "("'
bad "bad q: column 1: empty expression" "" -G --data-urlencode 'q='
bad "bad q: column 1: empty expression" "?q"
bad "bad q: column 6: unexpected character '\\xff'" "?q=KIND%20%ff"
bad "bad q: column 9: unterminated string (no closing \")" '?q=KIND%20==%20%22%ff%fe'
bad "bad q: column 33: nested too deeply (at most 32 levels)" "?q=$(printf '%%28%.0s' $(seq 2000))"
bad "bad q: column 4097: expression longer than 4096 bytes" "?q=$(printf '%%20%.0s' $(seq 4097))"
bad "q given twice: join the conditions with && in one" "" -G --data-urlencode 'q=ID > 1' --data-urlencode 'q=ID < 9'

# Still serving, and nothing but scan errors on its stderr.
expect /healthz 200 application/json
stop_server
echo "ok"
