#!/usr/bin/env bash
# --leak: the named objects stay behind with their creator gone (stale objects for `clean`)
# and the run says which; objects without a name vanish with their processes as always.
# Also under SIGTERM. Everything leaked is removed by hand at the end.
. "$SRCDIR/tests/tools/testlib.sh"
T=$(mktemp -d)
cleanup() {
    for f in "$T"/*.json; do
        [ -s "$f" ] || continue
        py - "$f" <<'PY'
import json, os, shutil, subprocess, sys
d = json.load(open(sys.argv[1]))
flag = {"sysv-msg": "-q", "sysv-shm": "-m", "sysv-sem": "-s"}
for m in d["mechanisms"]:
    for o in m["objects"]:
        if o["kind"] in flag and "id" in o:
            subprocess.run(["ipcrm", flag[o["kind"]], str(o["id"])], stderr=subprocess.DEVNULL)
        n = o.get("name", "")
        for p in {"posix-mq": ["/dev/mqueue/" + n[1:]], "posix-shm": ["/dev/shm/" + n[1:]],
                  "posix-sem": ["/dev/shm/sem." + n[1:]]}.get(o["kind"], []):
            if os.path.exists(p):
                os.unlink(p)
if "tmpdir" in d:
    shutil.rmtree(d["tmpdir"], ignore_errors=True)
PY
    done
    rm -rf "$T"
}
trap 'stop_gens; cleanup' EXIT
mechs="sysv-msg sysv-shm sysv-sem posix-mq posix-shm posix-sem fifo unix-stream flock pipe socketpair"

"$IPCSCOPE" gen $mechs --leak -J >"$T/leak.json" 2>"$T/err" || fail "gen --leak: $(cat "$T/err")"
py "$SRCDIR/tests/tools/validate.py" "$SRCDIR/src/gen/gen.schema.json" "$T/leak.json" || fail schema

check_leaked() {
    py - "$1" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
bad = []
named = {"sysv-msg", "sysv-shm", "sysv-sem", "posix-mq", "posix-shm", "fifo", "flock"}
def sysv(kind):
    return {int(l.split()[1]): l.split() for l in list(open(f"/proc/sysvipc/{kind}"))[1:]}
if os.path.exists(f"/proc/{d['pid']}"):
    bad.append("the creator still runs")
for m in d["mechanisms"]:
    for o in m["objects"]:
        what = f"{m['mechanism']} {o['kind']} {o.get('role', '')}"
        leaky = o["kind"] in named or (o["kind"] == "posix-sem" and o.get("role") == "named") \
            or (o["kind"] == "unix" and o.get("role") == "listener")
        if o["leaked"] != leaky:
            bad.append(f"{what}: leaked={o['leaked']}, expected {leaky}")
        for h in o["holders"]:
            if os.path.exists(f"/proc/{h['pid']}"):
                bad.append(f"{what}: holder {h['pid']} still runs")
        if not o["leaked"]:
            continue
        k = o["kind"]
        if k.startswith("sysv-"):
            w = sysv(k[5:]).get(o["id"])
            if not w:
                bad.append(f"{what}: id {o['id']} is gone")
            elif k == "sysv-shm" and (w[6] != "0" or int(w[4]) != d["pid"]):
                bad.append(f"{what}: nattch {w[6]} cpid {w[4]}, expected 0 and {d['pid']}")
        else:
            p = {"posix-mq": "/dev/mqueue/", "posix-shm": "/dev/shm/", "posix-sem": "/dev/shm/sem."}
            path = p[k] + o["name"][1:] if k in p else o["name"]
            if (k != "posix-mq" or os.path.isdir("/dev/mqueue")) and not os.path.exists(path):
                bad.append(f"{what}: {path} is gone")
for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}
check_leaked "$T/leak.json" || fail "--leak did not leave what it said"

# Text: one "leaked object ..." line per object left.
"$IPCSCOPE" gen sysv-msg posix-shm --leak >"$T/text.txt" 2>&1 || fail "gen --leak (text)"
[ "$(grep -c '^leaked object ' "$T/text.txt")" = 2 ] || fail "no leaked lines: $(cat "$T/text.txt")"
grep '^leaked object' "$T/text.txt" | grep -o ' id=[0-9]*' | cut -d= -f2 | xargs -r -n1 ipcrm -q
grep '^leaked object' "$T/text.txt" | grep -o 'name=/[^ ]*' | cut -d/ -f2 | sed 's|^|/dev/shm/|' | xargs -r rm -f

# A leaked queue keeps its fill; SIGTERM during the hold still leaves it.
start_gen "$T/held.json" sysv-msg posix-mq --hold 60 --fill 3 --leak
kill -TERM "${GEN_PIDS[-1]}"
wait "${GEN_PIDS[-1]}"
rc=$?
GEN_PIDS=()
[ $rc = 143 ] || fail "exit $rc after SIGTERM, expected 143"
grep -q "left behind (--leak)" "$T/held.json.err" || fail "SIGTERM under --leak does not say so"
check_leaked "$T/held.json" || fail "SIGTERM under --leak removed objects"
id=$(gen_field "$T/held.json" 'o["id"]')
[ "$(awk -v id="$id" '$2 == id {print $5}' /proc/sysvipc/msg)" = 3 ] || fail "the leaked queue lost its 3 messages"
echo "ok: leaked objects stay, their creator gone"
