#!/usr/bin/env bash
# test_serve_clean.sh - POST /api/v1/clean: absent without --allow-clean, refused without
# the token, with a wrong one and from another origin; with all three it follows the CLI's
# rules: a dry run by default, removal only when asked, never an object in use. Runs in a
# private IPC namespace, so that it can only ever remove what it made.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
. "$SRCDIR/tests/http/lib/serve-lib.sh"

TOKEN=0123456789abcdef0123456789abcdef
printf '%s\n' "$TOKEN" >"$T/token"
chmod 600 "$T/token"

# post BODY [CURL ARGS...]: POST /api/v1/clean; prints the status.
post() {
    local body=$1
    shift
    get /api/v1/clean -X POST -H 'Content-Type: application/json' --data-binary "$body" "$@"
}
auth=(-H "Authorization: Bearer $TOKEN")
# (ipcs -q -i exits 0 for an id that does not exist, so ask the kernel's table)
queue_exists() { awk -v id="$1" 'NR > 1 && $2 == id { f = 1 } END { exit !f }' /proc/sysvipc/msg; }

# --- start-up refusals
"$IPCSCOPE" serve --allow-clean >/dev/null 2>&1
[ $? = 2 ] || fail "--allow-clean without --token-file did not exit 2"
"$IPCSCOPE" serve --token-file "$T/token" >/dev/null 2>&1
[ $? = 2 ] || fail "--token-file without --allow-clean did not exit 2"
"$IPCSCOPE" serve --allow-clean --token-file "$T/nope" >/dev/null 2>"$T/err"
[ $? = 1 ] || fail "a missing token file did not exit 1"
grep -q "cannot read token file" "$T/err" || fail "missing token file: $(cat "$T/err")"
echo short >"$T/short"
"$IPCSCOPE" serve --allow-clean --token-file "$T/short" >/dev/null 2>"$T/err"
[ $? = 1 ] || fail "a short token did not exit 1"

# --- without --allow-clean the route does not exist, whatever is sent
start_server --interval 3600
for m in POST GET; do
    code=$(get /api/v1/clean -X "$m" "${auth[@]}" -H "Origin: $BASE")
    [ "$code" = 404 ] || fail "$m /api/v1/clean without --allow-clean: $code"
done
stop_server

# --- with it
ipcmk -Q >"$T/q" || fail "ipcmk -Q"
STALE_ID=$(sed -n 's/.*id: //p' "$T/q")
start_gen "$T/gen.json" sysv-msg --hold 120 --fill 2
BUSY_ID=$(gen_field "$T/gen.json" 'o["id"]')
start_server --interval 3600 --allow-clean --token-file "$T/token"

code=$(get /api/v1/clean "${auth[@]}")
[ "$code" = 405 ] || fail "GET /api/v1/clean: $code"
[ "$(header Allow)" = POST ] || fail "405 without Allow: POST"

code=$(post '{}' -H "Origin: $BASE")
[ "$code" = 401 ] || fail "no token: $code"
case "$(header WWW-Authenticate)" in Bearer*) ;; *) fail "401 without WWW-Authenticate: Bearer" ;; esac
for bad in "Bearer ${TOKEN%?}x" "Bearer ${TOKEN}x" "Bearer $TOKEN$TOKEN" "Bearer " "Basic $(printf 'u:%s' "$TOKEN" | base64)" "$TOKEN"; do
    code=$(post '{}' -H "Origin: $BASE" -H "Authorization: $bad")
    [ "$code" = 401 ] || fail "Authorization '$bad': $code"
done
for o in "http://evil.example" "null" "https://${BASE#http://}" "http://localhost.evil.example"; do
    code=$(post '{}' "${auth[@]}" -H "Origin: $o")
    [ "$code" = 403 ] || fail "Origin $o: $code"
done
for site in cross-site same-site none; do
    code=$(post '{}' "${auth[@]}" -H "Sec-Fetch-Site: $site")
    [ "$code" = 403 ] || fail "Sec-Fetch-Site: $site: $code"
done

# Bodies: too large, not JSON, not an object, unknown or mistyped fields.
head -c 5000 /dev/zero | tr '\0' ' ' >"$T/huge"
code=$(get /api/v1/clean -X POST "${auth[@]}" -H "Origin: $BASE" --data-binary "@$T/huge")
[ "$code" = 413 ] || fail "5000-byte body: $code"
for body in 'not json' '[1,2]' '{"colour": "blue"}' '{"dry_run": "no"}' '{"older_than": "soon"}' '{"kind": "bogus"}' '{"user": "no-such-user-here"}'; do
    code=$(post "$body" "${auth[@]}" -H "Origin: $BASE")
    [ "$code" = 400 ] || fail "body '$body': $code"
done

# A dry run (the default) names the stale queue and removes nothing.
code=$(post '{"older_than": 0}' "${auth[@]}" -H "Origin: $BASE" -H "Sec-Fetch-Site: same-origin")
[ "$code" = 200 ] || { cat "$T/body"; fail "dry run: $code"; }
validate "$T/body"
cp "$T/body" "$T/dry.json"
[ "$(pyjson "$T/dry.json" 'd["clean"]["dry_run"]')" = True ] || fail "not a dry run: $(cat "$T/dry.json")"
[ "$(pyjson "$T/dry.json" "[i['status'] for i in d['clean']['items'] if i['kind'] == 'sysv-msg' and i['object']['id'] == $STALE_ID]")" = '["candidate"]' ] ||
    fail "the stale queue is not a candidate: $(cat "$T/dry.json")"
[ "$(pyjson "$T/dry.json" "[i for i in d['clean']['items'] if i['kind'] == 'sysv-msg' and i['object']['id'] == $BUSY_ID]")" = '[]' ] ||
    fail "the queue in use is a candidate"
queue_exists "$STALE_ID" || fail "a dry run removed the queue"
# Without any browser header (not a browser, so no other site made it send this) it works too.
code=$(post '{"older_than": 0, "dry_run": true}' "${auth[@]}")
[ "$code" = 200 ] || fail "dry run without Origin: $code"

# Removal when asked: the stale queue goes, the one in use stays, the server rescans.
code=$(post '{"older_than": 0, "dry_run": false, "kind": "sysv-msg"}' "${auth[@]}" -H "Origin: $BASE")
[ "$code" = 200 ] || { cat "$T/body"; fail "clean: $code"; }
validate "$T/body"
[ "$(pyjson "$T/body" "[i['status'] for i in d['clean']['items'] if i['object']['id'] == $STALE_ID]")" = '["removed"]' ] ||
    fail "the stale queue was not removed: $(cat "$T/body")"
queue_exists "$STALE_ID" && fail "the queue is still there"
queue_exists "$BUSY_ID" || fail "the queue in use was removed"
for _ in $(seq 100); do
    get /api/v1/objects >/dev/null
    [ "$(pyjson "$T/body" "[o for o in d['objects'] if o['kind'] == 'sysv-msg' and o['id'] == $STALE_ID]")" = '[]' ] && break
    sleep 0.05
done
[ "$(pyjson "$T/body" "[o for o in d['objects'] if o['kind'] == 'sysv-msg' and o['id'] == $STALE_ID]")" = '[]' ] ||
    fail "the server still lists the removed queue"

stop_server
echo "ok"
