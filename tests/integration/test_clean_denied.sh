#!/usr/bin/env bash
# clean --yes run by a user who may not remove the stale objects it finds: each is reported
# as denied, nothing is removed, and the run does not fail.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
command -v setpriv >/dev/null || skip "no setpriv(1)"
T=$(mktemp -d)
chmod 755 "$T"
trap 'stop_gens; rm -rf "$T"' EXIT

"$IPCSCOPE" gen sysv-msg --leak -J >"$T/leak.json" || fail "gen --leak"
id=$(gen_field "$T/leak.json" 'o["id"]')

setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$IPCSCOPE" clean --older-than 0 --yes -t sysv-msg -J >"$T/out.json" 2>"$T/err"
rc=$?
[ $rc = 0 ] || fail "exit $rc for objects the user may not remove: $(cat "$T/err")"
validate "$T/out.json"
py - "$T/out.json" "$id" <<'PY' || fail "not reported as denied"
import json, sys
items = [i for i in json.load(open(sys.argv[1]))["clean"]["items"] if i["object"]["id"] == int(sys.argv[2])]
assert len(items) == 1 and items[0]["status"] == "denied", items
assert items[0].get("reason"), items
PY
"$IPCSTAT" msg "$id" >/dev/null || fail "the queue was removed by a user who may not"
echo "ok: denied objects reported, kept, and the run succeeds"
