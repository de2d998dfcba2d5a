#!/usr/bin/env bash
# test_serve_routes.sh - every route of `ipcscope serve` over loopback: status, content type,
# the security headers, JSON against the schema, the generators' objects with their holders,
# the filters, ETag/304 and gzip.
. "$SRCDIR/tests/tools/testlib.sh"
. "$SRCDIR/tests/http/lib/serve-lib.sh"

start_gen "$T/gen.json" sysv-msg pipe posix-mq sysv-shm --hold 120 --fill 5
GEN_PID=$(pyjson "$T/gen.json" 'd["pid"]')
start_server --interval 3600
rescan

# --- every route: status and type, and the headers every answer carries
expect / 200 "text/html"
[ "$(header Content-Security-Policy)" != "" ] || fail "no Content-Security-Policy"
case "$(header Content-Security-Policy)" in
*"default-src 'self'"*"frame-ancestors 'none'"*) ;;
*) fail "CSP lacks default-src 'self' or frame-ancestors 'none': $(header Content-Security-Policy)" ;;
esac
grep -q "<script" "$T/body" || fail "index.html has no script"
grep -q '<script type="module" src="/app.js">' "$T/body" || fail "index.html does not load app.js as a module"
py - "$T/body" <<'PY' || fail "index.html has inline script or style"
import re, sys
html = open(sys.argv[1]).read()
for m in re.finditer(r"<script\b([^>]*)>(.*?)</script>", html, re.S):
    assert "src=" in m.group(1) and not m.group(2).strip(), m.group(0)
assert not re.search(r"\son\w+\s*=", html), "event handler attribute"
assert not re.search(r"\sstyle\s*=", html), "style attribute"
assert "<style" not in html
PY
[ "$(header X-Content-Type-Options)" = nosniff ] || fail "no X-Content-Type-Options: nosniff"
for f in index.html app.js util.js cards.js table.js detail.js graph.js; do
    case $f in *.html) t=text/html ;; *) t=text/javascript ;; esac
    expect "/$f" 200 "$t"
    [ "$(header X-Content-Type-Options)" = nosniff ] || fail "/$f without nosniff"
done
expect /style.css 200 "text/css"
for f in "$SRCDIR"/web/*; do
    name=$(basename "$f")
    get "/$name" >/dev/null
    cmp -s "$T/body" "$f" || fail "/$name differs from web/$name (embedding is stale?)"
done

expect /api/v1/objects 200 application/json
validate "$T/body"
cp "$T/body" "$T/objects.json"
expect /api/v1/limits 200 application/json
validate "$T/body"
[ "$(pyjson "$T/body" 'len(d["limits"]) > 0')" = True ] || fail "no limits"
expect /api/v1/stale 200 application/json
validate "$T/body"
[ "$(pyjson "$T/body" 'isinstance(d["stale"], list) and isinstance(d["older_than"], int)')" = True ] ||
    fail "/api/v1/stale has no stale list"
expect /api/v1/history 200 application/json
[ "$(pyjson "$T/body" 'len(d["samples"]) >= 2 and len(d["samples"][0]["count"]) == len(d["kinds"])')" = True ] ||
    fail "/api/v1/history: $(cat "$T/body")"
expect /healthz 200 application/json
[ "$(pyjson "$T/body" 'd["status"]')" = ok ] || fail "/healthz: $(cat "$T/body")"
expect /metrics 200 "text/plain; version=0.0.4"
expect /api/v1/events 200 text/event-stream --max-time 1
grep -q '^retry: ' "$T/body" || fail "event stream did not start with retry:"
expect /api/v1/nope 404 application/json
expect /nope.js 404 text/plain
expect /api/v1/clean 404 application/json
expect /api/v1/objects/sysv-msg:0:99999999 404 application/json

# HEAD answers the headers alone; other methods are refused with an Allow header.
code=$(curl -s -I -o /dev/null -w '%{http_code}' "$BASE/api/v1/objects")
[ "$code" = 200 ] || fail "HEAD /api/v1/objects: $code"
for m in POST PUT DELETE PATCH; do
    code=$(get /api/v1/objects -X "$m")
    [ "$code" = 405 ] || fail "$m /api/v1/objects: $code, expected 405"
    [ "$(header Allow)" = "GET, HEAD" ] || fail "$m: Allow '$(header Allow)'"
done

# --- the generators' objects are there, each with the holders gen reported
py - "$T/gen.json" "$T/objects.json" <<'PY' || fail "generated objects missing or without their holders"
import json, sys
gen = json.load(open(sys.argv[1]))
objs = json.load(open(sys.argv[2]))["objects"]
def find(g):
    for o in objs:
        if o["kind"] != g["kind"]:
            continue
        if "id" in g and o.get("id") == g["id"]:
            return o
        if "name" in g and o.get("name") == g["name"]:
            return o
        if "inode" in g and "id" not in g and "name" not in g and o.get("inode") == g["inode"]:
            return o
    return None
for m in gen["mechanisms"]:
    for g in m["objects"]:
        o = find(g)
        assert o, f"{g['kind']} {g} not served"
        want = {h["pid"] for h in g["holders"]}
        if g["kind"] == "sysv-msg":
            # No fd holds a SysV queue: the kernel names its last sender and receiver.
            got = {o.get(k, {}).get("pid") for k in ("last_send", "last_recv")}
            assert want & got, f"{o['identity']}: last pids {got}, gen's are {want}"
        else:
            got = {h["pid"] for h in o["holders"]}
            assert want <= got, f"{o['identity']}: holders {got}, gen says {want}"
        if g["kind"] in ("sysv-msg", "posix-mq"):
            assert o["messages"] == g["fill"], f"{o['identity']}: {o['messages']} messages"
PY

# --- one object by identity, including an identity with a '/' in it (posix-mq names)
for kind in sysv-msg posix-mq pipe; do
    id=$(py - "$T/gen.json" "$T/objects.json" "$kind" <<'PY'
import json, sys
gen = json.load(open(sys.argv[1])); objs = json.load(open(sys.argv[2]))["objects"]
kind = sys.argv[3]
g = next(g for m in gen["mechanisms"] for g in m["objects"] if g["kind"] == kind)
key = "id" if "id" in g else "name" if "name" in g else "inode"
print(next(o["identity"] for o in objs if o["kind"] == kind and o.get(key) == g[key]))
PY
)
    enc=$(py -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=":"))' "$id")
    expect "/api/v1/objects/$enc" 200 application/json
    validate "$T/body"
    [ "$(pyjson "$T/body" 'd["objects"][0]["identity"]')" = "$id" ] || fail "/api/v1/objects/$enc is not $id"
done

# --- filters: kind, pid, user, stale; bad ones are 400
expect "/api/v1/objects?kind=sysv-msg,posix-mq" 200 application/json
validate "$T/body"
[ "$(pyjson "$T/body" 'sorted({o["kind"] for o in d["objects"]}) == ["posix-mq", "sysv-msg"]')" = True ] ||
    fail "kind filter: $(pyjson "$T/body" '[o["kind"] for o in d["objects"]]')"
expect "/api/v1/objects?kind=sysv" 200 application/json
[ "$(pyjson "$T/body" '{o["kind"] for o in d["objects"]} <= {"sysv-msg", "sysv-shm", "sysv-sem"} and len(d["objects"]) >= 2')" = True ] ||
    fail "group filter"
expect "/api/v1/objects?pid=$GEN_PID" 200 application/json
validate "$T/body"
[ "$(pyjson "$T/body" "all($GEN_PID in [h['pid'] for h in o['holders']] or $GEN_PID in [o.get(k, {}).get('pid') for k in ('creator','last','last_send','last_recv','notify_pid')] for o in d['objects']) and len(d['objects']) >= 4")" = True ] ||
    fail "pid filter: $(cat "$T/body" | head -c 400)"
# The server keeps a compact index instead of the snapshot; it must pick what the CLI's
# filter (core/filter.c) picks. The generator's objects hold still, so the two agree.
"$IPCSCOPE" list -J -p "$GEN_PID" -t sysv-msg,posix-mq,sysv-shm,pipe >"$T/cli.json" 2>/dev/null
get "/api/v1/objects?pid=$GEN_PID&kind=sysv-msg,posix-mq,sysv-shm,pipe" >/dev/null
py -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); x=sorted(o["identity"] for o in a["objects"]); y=sorted(o["identity"] for o in b["objects"]); sys.exit(0 if x == y and len(x) >= 4 else "%s != %s" % (x, y))' "$T/cli.json" "$T/body" ||
    fail "?pid= and list -p disagree"
expect "/api/v1/objects?user=root&kind=sysv-msg" 200 application/json
[ "$(pyjson "$T/body" 'len(d["objects"]) >= 1 and all(o["owner"]["uid"] == 0 or o.get("creator", {}).get("uid") == 0 for o in d["objects"])')" = True ] ||
    fail "user filter"
expect "/api/v1/objects?user=0&kind=sysv-msg" 200 application/json
expect "/api/v1/objects?stale=true" 200 application/json
validate "$T/body"
get /api/v1/stale >/dev/null
cp "$T/body" "$T/stale.json"
get "/api/v1/objects?stale=true" >/dev/null
[ "$(py -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); print(sorted(o["identity"] for o in a["objects"]) == sorted(s["identity"] for s in b["stale"]))' "$T/body" "$T/stale.json")" = True ] ||
    fail "?stale=true and /api/v1/stale disagree"
get "/api/v1/objects?stale=false" >/dev/null
[ "$(py -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); c=json.load(open(sys.argv[3])); print(len(a["objects"]) + len(b["stale"]) == len(c["objects"]))' "$T/body" "$T/stale.json" "$T/objects.json")" = True ] ||
    fail "?stale=false is not the complement"
for q in "kind=bogus" "pid=abc" "pid=0" "user=no-such-user-here" "stale=maybe" "colour=blue" "kind="; do
    expect "/api/v1/objects?$q" 400 application/json
    [ "$(pyjson "$T/body" 'd["status"]')" = 400 ] || fail "?$q: error body $(cat "$T/body")"
done

# --- ETag and 304: the same tag for the same content, 304 for it, 200 otherwise
for path in /api/v1/objects "/api/v1/objects?kind=pipe" /api/v1/limits /metrics /api/v1/stale /app.js; do
    get "$path" >/dev/null
    etag=$(header ETag)
    [ -n "$etag" ] || fail "$path: no ETag"
    code=$(get "$path" -H "If-None-Match: $etag")
    [ "$code" = 304 ] || fail "$path: If-None-Match with its ETag gave $code"
    [ ! -s "$T/body" ] || fail "$path: 304 with a body"
    [ "$(header ETag)" = "$etag" ] || fail "$path: 304 without the ETag"
    code=$(get "$path" -H 'If-None-Match: "0000000000000000"')
    [ "$code" = 200 ] || fail "$path: a foreign ETag gave $code"
done
# A new object changes the objects' tag (and the same content keeps it: see the fixture
# tree at the end, since this host's objects move under other tests).
get /api/v1/objects >/dev/null
etag=$(header ETag)
ipcmk -Q >"$T/ipcmk" || fail "ipcmk -Q"
QID=$(sed -n 's/.*id: //p' "$T/ipcmk")
rescan
ipcrm -q "$QID"
get /api/v1/objects >/dev/null
[ "$(header ETag)" != "$etag" ] || fail "objects ETag did not change with a new queue"

# --- gzip when asked, the same JSON, and not when refused
for path in /api/v1/objects /metrics /app.js "/api/v1/objects?kind=pipe,sysv"; do
    get "$path" >/dev/null
    cp "$T/body" "$T/plain"
    get "$path" -H 'Accept-Encoding: gzip' >/dev/null
    [ "$(header Content-Encoding)" = gzip ] || fail "$path: no gzip for Accept-Encoding: gzip"
    gzip -dc <"$T/body" >"$T/unz" || fail "$path: not gzip"
    cmp -s "$T/unz" "$T/plain" || fail "$path: gzip body differs from the plain one"
    case "$(header Vary)" in *Accept-Encoding*) ;; *) fail "$path: no Vary: Accept-Encoding" ;; esac
    get "$path" -H 'Accept-Encoding: gzip;q=0, identity' >/dev/null
    [ -z "$(header Content-Encoding)" ] || fail "$path: gzip despite q=0"
done

# --- promtool accepts /metrics
if command -v promtool >/dev/null; then
    get /metrics >/dev/null
    promtool check metrics <"$T/body" || fail "promtool check metrics"
else
    echo "promtool missing: metrics lint not run (packaging/install-deps.sh installs prometheus)"
fi

stop_server

# --- a weak ETag covers the content, not the scan's time: a fixture tree scanned twice
start_server --interval 3600 --root "$FIXTURES/sysv-real"
for path in /api/v1/objects /api/v1/limits /api/v1/stale "/api/v1/objects?kind=sysv-shm"; do
    get "$path" >/dev/null
    validate "$T/body"
    cp "$T/body" "$T/before"
    etag=$(header ETag)
    sleep 1.1 # the document's time has a resolution of seconds
    rescan
    get "$path" >/dev/null
    [ "$(header ETag)" = "$etag" ] || fail "$path: ETag changed across identical scans"
    [ "$(pyjson "$T/before" 'd["time"]')" != "$(pyjson "$T/body" 'd["time"]')" ] || fail "$path: time did not move"
    [ "$(get "$path" -H "If-None-Match: $etag")" = 304 ] || fail "$path: no 304 after a rescan"
done
stop_server
echo "ok"
