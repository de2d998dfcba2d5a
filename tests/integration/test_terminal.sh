#!/usr/bin/env bash
# The terminal, as a new user meets it next to lsipc and lsfd (issue 15): write errors,
# fitting to 80 columns on a real terminal, per-kind default columns, ambiguous keys, exit
# codes and one message prefix, --root and restore errors, unreadable processes in one
# line, -J with table options, list parsing, limits, time formats, restore's new id, rm -J,
# clean --backup in a dry run, -e/-y, reverse sort, --head, --color and NO_COLOR,
# --list-columns. Objects come from the generators in private namespaces.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
T=$(mktemp -d)
trap 'stop_gens; rm -rf "$T"' EXIT
export LC_ALL=C.UTF-8
unset COLUMNS NO_COLOR

# longest FILE: the longest line of FILE in characters (UTF-8), carriage returns dropped.
# Colour sequences take no column.
longest() {
    py -c 'import re, sys; print(max([len(re.sub("\x1b\\[[0-9;]*m", "", l.rstrip("\r\n"))) for l in open(sys.argv[1], encoding="utf-8", errors="replace")] or [0]))' "$1"
}
# on_tty COLS CMD...: CMD on a real terminal COLS wide (script(1) gives it a pty).
on_tty() {
    local cols=$1
    shift
    script -qec "stty cols $cols rows 50; $(printf '%q ' "$@")" /dev/null | sed 's/\r$//'
}
command -v script >/dev/null || skip "no script(1) (bsdutils)"

start_gen "$T/shm.json" sysv-shm --hold 120
start_gen "$T/sem.json" sysv-sem --hold 120 --nsems 40 --fill 1000
start_gen "$T/mq.json" posix-mq --hold 120 --fill 2
start_gen "$T/pipe.json" pipe --hold 120 --fill 65536
start_gen "$T/unix.json" unix-stream --hold 120
shmid=$(gen_field "$T/shm.json" 'o["id"]')
semid=$(gen_field "$T/sem.json" 'o["id"]')
shmpid=$(gen_field "$T/shm.json" 'o["holders"][0]["pid"]')
mqpid=$(gen_field "$T/mq.json" 'o["holders"][0]["pid"]')
# Two IPC_PRIVATE segments: key 0 names both.
priv=$(py -c 'import ctypes; l = ctypes.CDLL(None); print(l.shmget(0, 4096, 0o1600), l.shmget(0, 4096, 0o1600))')
read -r priv1 priv2 <<<"$priv"
[ "$priv1" -ge 0 ] && [ "$priv2" -ge 0 ] || fail "cannot make IPC_PRIVATE segments: $priv"

# 1. Write errors: "ipcscope: write error: REASON" and exit 1, as util-linux.
for args in "list" "list -J" "limits" "limits -J" "show sysv-shm $shmid" "clean" "clean -J" \
    "--help" "--version" "list --help" "rm --help" "restore --help"; do
    # shellcheck disable=SC2086
    "$IPCSCOPE" $args >/dev/full 2>"$T/err"
    rc=$?
    [ "$rc" = 1 ] || fail "'$args' > /dev/full exits $rc, not 1"
    grep -qx 'ipcscope: write error: No space left on device' "$T/err" ||
        fail "'$args' > /dev/full: stderr is not one write error: $(cat "$T/err")"
done
"$IPCSCOPE" list | head -c 10 >/dev/null # a reader that goes away is no error (EPIPE)

# 2. 80 columns on a real terminal: list, limits, show, every --help; -w without one.
for args in "list" "list -t unix" "list -t sysv" "limits" "show sysv-sem $semid" "show sysv-shm $shmid" \
    "clean" "--help" "list --help" "show --help" "limits --help" "rm --help" "clean --help" \
    "restore --help" "serve --help" "gen --help" "bench --help"; do
    # shellcheck disable=SC2086
    on_tty 80 "$IPCSCOPE" $args >"$T/tty.txt" 2>/dev/null
    [ -s "$T/tty.txt" ] || fail "'$args' on a terminal printed nothing"
    n=$(longest "$T/tty.txt")
    [ "$n" -le 80 ] || { grep -nE '.{81}' "$T/tty.txt" >&2; fail "'$args' on an 80-column terminal: a line of $n"; }
done
# clean's evidence is long: cut on a terminal, the identity never.
"$IPCSCOPE" gen sysv-msg --leak >/dev/null 2>&1 || fail "gen sysv-msg --leak"
sleep 2
on_tty 80 "$IPCSCOPE" clean --older-than 1s -t sysv-msg >"$T/tty.txt" 2>/dev/null
grep -q '^candidate ' "$T/tty.txt" || fail "clean found no candidate: $(cat "$T/tty.txt")"
[ "$(longest "$T/tty.txt")" -le 80 ] || fail "clean on an 80-column terminal: a line of $(longest "$T/tty.txt")"
grep -qE '^candidate +sysv-msg +sysv-msg:[0-9]+:[0-9]+ ' "$T/tty.txt" || fail "clean cut the identity: $(cat "$T/tty.txt")"
# COLUMNS wins over the terminal's size, as util-linux's get_terminal_width.
on_tty 200 env COLUMNS=60 "$IPCSCOPE" list >"$T/tty.txt" 2>/dev/null
[ "$(longest "$T/tty.txt")" -le 60 ] || fail "COLUMNS=60 on a terminal: a line of $(longest "$T/tty.txt")"
"$IPCSCOPE" list -w 70 >"$T/w.txt" 2>/dev/null || fail "list -w 70"
[ "$(longest "$T/w.txt")" -le 70 ] || fail "list -w 70: a line of $(longest "$T/w.txt")"
grep -q '…' "$T/w.txt" || fail "list -w 70 cut no cell with the marker"
# Not a terminal, no -w: nothing is cut (as libsmartcols); --notruncate neither on one.
"$IPCSCOPE" list -o KIND,ID,SEMVALS -t sysv-sem >"$T/pipe.txt" || fail "list to a pipe"
grep -q '…' "$T/pipe.txt" && fail "a pipe got cut cells"
on_tty 80 "$IPCSCOPE" list --notruncate -o KIND,ID,SEMVALS -t sysv-sem >"$T/tty.txt" 2>/dev/null
grep -q '…' "$T/tty.txt" && fail "--notruncate cut a cell"
# SEMVALS and HOLDERS whole, not cut at a fixed 96 bytes, with -r and on a pipe.
want=$(seq -s, 1000 1039)
"$IPCSCOPE" list -r -n -o ID,SEMVALS -t sysv-sem >"$T/raw.txt" || fail "list -r"
grep -qx "$semid $want" "$T/raw.txt" || fail "SEMVALS cut: $(grep "^$semid " "$T/raw.txt")"
# A pipe held by twelve processes (the generators' have two).
py - "$T" <<'PY' &
import os, sys, time
r, w = os.pipe()
for _ in range(11):
    if os.fork() == 0:
        time.sleep(60); os._exit(0)
open(os.path.join(sys.argv[1], "holders.ready"), "w").write(str(os.fstat(r).st_ino))
time.sleep(60)
PY
for _ in $(seq 100); do [ -s "$T/holders.ready" ] && break; sleep 0.05; done
ino=$(cat "$T/holders.ready")
"$IPCSCOPE" list -r -n -o INODE,NHOLDERS,HOLDERS -t pipe >"$T/raw.txt" || fail "list -r -t pipe"
line=$(grep "^$ino " "$T/raw.txt" | head -1)
nh=$(awk '{print $2}' <<<"$line")
words=$(($(grep -o '\\x20' <<<"$line" | wc -l) + 1)) # -r writes the blanks between holders \x20
[ "${#line}" -gt 200 ] && [ "$nh" -ge 12 ] && [ "$words" = "$nh" ] ||
    fail "HOLDERS not whole with -r ($nh holders, $words listed): $line"
# (they end with the namespace)

# 3. Sockets show their state and addresses by default; SysV their id and key.
"$IPCSCOPE" list -t unix >"$T/unix.txt" || fail "list -t unix"
head -1 "$T/unix.txt" | grep -qE '(^| )STATE .*LOCAL .*PEER( |$)' || fail "unix defaults: $(head -1 "$T/unix.txt")"
head -1 "$T/unix.txt" | grep -qE '(^| )KEY( |$)' && fail "unix defaults have KEY: $(head -1 "$T/unix.txt")"
"$IPCSCOPE" list -t sysv | head -1 | grep -qE '^KIND +ID KEY' || fail "sysv defaults: $("$IPCSCOPE" list -t sysv | head -1)"
"$IPCSCOPE" list -t sysv | head -1 | grep -q 'STATE' && fail "sysv defaults have STATE"
"$IPCSCOPE" list -t sysv-shm -o +CTIME,ID | head -1 | grep -qE '^KIND +ID KEY .* HOLDERS +CTIME +ID$' ||
    fail "-o +COLS: $("$IPCSCOPE" list -t sysv-shm -o +CTIME,ID | head -1)"
"$IPCSCOPE" list -O -t sysv-shm | head -1 | tr -s ' ' '\n' >"$T/all.txt"
[ "$(wc -l <"$T/all.txt")" = "$("$IPCSCOPE" list --list-columns | wc -l)" ] || fail "-O is not every column"

# 4. show refuses a key naming two objects, as rm does; exit codes and one prefix.
"$IPCSCOPE" show sysv-shm 0x00000000 >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 1 ] || fail "show of an ambiguous key exits $rc"
grep -q "names [0-9]* sysv-shm objects" "$T/err" || fail "show ambiguous: $(cat "$T/err")"
[ -s "$T/out" ] && fail "show ambiguous printed an object"
"$IPCSCOPE" rm sysv-shm 0x00000000 >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q "names [0-9]* sysv-shm objects" "$T/err" || fail "rm ambiguous: $rc $(cat "$T/err")"
"$IPCSCOPE" show sysv-shm "$priv1" >/dev/null || fail "show by id of a private segment"
"$IPCSCOPE" show sysv-shm 999999 2>"$T/err"; rc=$?
[ "$rc" = 1 ] || fail "show of no object exits $rc (the man page says 1)"
awk '/^# EXIT STATUS/ { on = 1 } /^# PERMISSIONS/ { on = 0 } on' "$SRCDIR/packaging/ipcscope.1.scd" >"$T/exit.txt"
grep -A2 '^\*1\*' "$T/exit.txt" | grep -q 'not found' || fail "the man page does not say an object not found is 1"
grep -A2 '^\*2\*' "$T/exit.txt" | grep -q 'object' && fail "the man page still says an unknown object is 2"
for args in "list -t nosuch" "list -o NOSUCH" "show nosuch 1" "limits --bad" "clean --older-than x" \
    "rm" "restore" "list --width 0"; do
    # shellcheck disable=SC2086
    "$IPCSCOPE" $args >/dev/null 2>"$T/err"; rc=$?
    [ "$rc" = 2 ] || fail "'$args' exits $rc, not 2"
    grep -qv '^ipcscope: ' "$T/err" && fail "'$args': a message without the prefix: $(cat "$T/err")"
done

# 5. restore on a directory that is no backup: one error; --root that is no system: an error.
mkdir -p "$T/notbk/a" "$T/notbk/b" "$T/noroot/x"
chmod 700 "$T/notbk"
"$IPCSCOPE" restore "$T/notbk" >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && [ ! -s "$T/out" ] ||
    fail "restore of no backup: rc $rc, $(cat "$T/out" "$T/err")"
grep -q "is not a backup" "$T/err" || fail "restore of no backup: $(cat "$T/err")"
for cmd in list limits clean "show sysv-shm 0"; do
    # shellcheck disable=SC2086
    "$IPCSCOPE" $cmd --root "$T/noroot" >"$T/out" 2>"$T/err"; rc=$?
    [ "$rc" = 1 ] && grep -q "is not a captured system" "$T/err" || fail "$cmd --root on no system: rc $rc $(cat "$T/err")"
done

# 6. A user who cannot read the other processes gets one line for them, JSON each.
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
    nob() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
    nob "$IPCSCOPE" list >/dev/null 2>"$T/err" || fail "list as nobody"
    n=$(grep -c '^ipcscope: /proc: pid ' "$T/err")
    [ "$n" = 0 ] || fail "list as nobody: $n lines, one per process: $(head -3 "$T/err")"
    grep -qE '^ipcscope: /proc: [0-9]+ processes not read \(Permission denied\): pids [0-9]+' "$T/err" ||
        fail "list as nobody: no summary line: $(cat "$T/err")"
    nob "$IPCSCOPE" list -J 2>/dev/null >"$T/nob.json" || fail "list -J as nobody"
    py -c 'import json,sys; e=[x for x in json.load(open(sys.argv[1]))["errors"] if x["message"].startswith("pid ")]; assert len(e) >= 2, e' "$T/nob.json" ||
        fail "the JSON errors do not list each unreadable process"
fi

# 7. -J with table options is refused, clearly; list parsing is one rule for every option.
for args in "-J -o KIND" "-J -n" "-J -r" "-J -O" "-J -e"; do
    # shellcheck disable=SC2086
    "$IPCSCOPE" list $args >"$T/out" 2>"$T/err"; rc=$?
    [ "$rc" = 2 ] && [ ! -s "$T/out" ] && grep -q -- '--json' "$T/err" || fail "list $args: rc $rc $(cat "$T/err")"
done
"$IPCSCOPE" list -J -t sysv-shm >"$T/j.json" || fail "list -J"
validate "$T/j.json"
for args in "-t sysv," "-t ,sysv" "-t sysv,,posix" "-o KIND,,ID" "-o KIND," "-p 1,"; do
    # shellcheck disable=SC2086
    "$IPCSCOPE" list $args >/dev/null 2>"$T/err"; rc=$?
    [ "$rc" = 2 ] && grep -q "empty item" "$T/err" || fail "list $args: rc $rc $(cat "$T/err")"
done
"$IPCSCOPE" list -t sysv-shm -t sysv-sem -o KIND -n | sort -u >"$T/kinds.txt"
[ "$(tr '\n' ' ' <"$T/kinds.txt")" = "sysv-sem sysv-shm " ] || fail "-t a -t b: $(cat "$T/kinds.txt")"
"$IPCSCOPE" list -p "$shmpid,$mqpid" -o KIND -n -t sysv-shm,posix-mq | sort -u >"$T/kinds.txt"
[ "$(tr '\n' ' ' <"$T/kinds.txt")" = "posix-mq sysv-shm " ] || fail "-p A,B: $(cat "$T/kinds.txt")"

# 8. limits: msg_max is a per-queue ceiling (no USE%), shmall humanised, headers as JSON.
"$IPCSCOPE" limits -N self -r >"$T/lim.txt" || fail "limits"
[ "$(head -1 "$T/lim.txt")" = "NAME GROUP DESCRIPTION VALUE USED USE% UNIT" ] || fail "limits headers: $(head -1 "$T/lim.txt")"
awk '$1 == "msg_max" { print $(NF - 1) }' "$T/lim.txt" | grep -qx -- - || fail "msg_max has a USE%: $(grep ^msg_max "$T/lim.txt")"
shmall=$(awk '$1 == "shmall" { print $4 }' "$T/lim.txt")
rawall=$("$IPCSCOPE" limits -N self -r -b | awk '$1 == "shmall" { print $4 }')
[[ $rawall =~ ^[0-9]{7,}$ ]] && [[ $shmall =~ [KMGTPE]$ ]] || fail "shmall not humanised: $shmall ($rawall)"
"$IPCSCOPE" limits -N self -J >"$T/lim.json" || fail "limits -J"
py -c '
import json, sys
hs = open(sys.argv[2]).readline().split()
keys = set(json.load(open(sys.argv[1]))["limits"][0])
for h in hs:
    k = {"USE%": "use_percent"}.get(h, h.lower())
    assert k in keys or k in ("used", "use_percent"), (h, keys)
# The JSON says the same of msg_max: a ceiling, no use_percent; a pool (msgmni) has one.
lim = {l["name"]: l for l in json.load(open(sys.argv[1]))["limits"]}
assert lim["msg_max"].get("ceiling") is True and "use_percent" not in lim["msg_max"], lim["msg_max"]
assert "ceiling" not in lim["msgmni"] and "use_percent" in lim["msgmni"], lim["msgmni"]
' "$T/lim.json" "$T/lim.txt" || fail "limits headers are not the JSON members, or msg_max is no ceiling"

# 9. Times: the zone by default, lsipc's --time-format; JSON attach_time beside atime.
TZ=EST5 "$IPCSCOPE" list -t sysv-shm -o ID,CTIME -n | grep -E "^ *$shmid " >"$T/t.txt"
grep -qE -- '-05:00$' "$T/t.txt" || fail "table time without its zone: $(cat "$T/t.txt")"
TZ=UTC "$IPCSCOPE" list -t sysv-shm -o ID,CTIME -n --time-format full | grep -qE "^ *$shmid [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [0-9]{4}$" ||
    fail "--time-format full"
TZ=UTC "$IPCSCOPE" list -t sysv-shm -o ID,CTIME -n --time-format short | grep -qE "^ *$shmid [0-9]{2}:[0-9]{2}$" ||
    fail "--time-format short"
"$IPCSCOPE" list --time-format long 2>/dev/null; [ $? = 2 ] || fail "--time-format long accepted"
py -c '
import json, sys
o = [o for o in json.load(open(sys.argv[1]))["objects"] if o["id"] == int(sys.argv[2])][0]
assert o["attach_time"] == o["atime"], o
' "$T/j.json" "$shmid" || fail "sysv-shm attach_time"

# 10. rm -J under "rm"; restore prints the new id; clean --backup checked in a dry run.
bk="$T/bk"
# The two private segments have one creator: a family, removed together.
"$IPCSCOPE" rm -J --backup "$bk" sysv-shm "$priv1" "$priv2" >"$T/rm.json" || fail "rm -J --backup: $(cat "$T/rm.json")"
validate "$T/rm.json"
py -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [i["status"] for i in d["rm"]["items"]] == ["removed"] * 2, d; assert "older_than" not in d["rm"]' "$T/rm.json" ||
    fail "rm -J: $(cat "$T/rm.json")"
"$IPCSCOPE" restore "$bk" >"$T/rs.txt" || fail "restore: $(cat "$T/rs.txt")"
"$IPCSCOPE" list -t sysv-shm -o IDENTITY,SIZE -n -r | awk '$2 == "4K" { print $1 }' | sort >"$T/now.txt"
grep -oE 'restored +sysv-shm +sysv-shm:[0-9]+:[0-9]+ +sysv-shm:[0-9]+:[0-9]+' "$T/rs.txt" | awk '{ print $4 }' | sort >"$T/said.txt"
[ "$(wc -l <"$T/now.txt")" = 2 ] && cmp -s "$T/now.txt" "$T/said.txt" ||
    fail "restore does not print the new ids ($(cat "$T/now.txt")): $(cat "$T/rs.txt")"
"$IPCSCOPE" clean --backup /nonexistent/dir >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q "backup directory '/nonexistent/dir'" "$T/err" || fail "clean --backup dry run: rc $rc $(cat "$T/err")"
[ -e /nonexistent ] && fail "the dry run made the backup directory"

# 11. -e, -y, reverse sort, --head, --color and NO_COLOR, --list-columns.
"$IPCSCOPE" list -e -t sysv-shm -o ID,USE% >"$T/e.txt" || fail "list -e"
grep -qE "^ID=\"$shmid\" USE%=\"[0-9.]+%\"$" "$T/e.txt" || fail "list -e: $(cat "$T/e.txt")"
( eval "$("$IPCSCOPE" list -y -t sysv-shm -o ID,USE%,KIND --head 1)"; [ "$KIND" = sysv-shm ] && [ -n "$USE_PCT" ] ) ||
    fail "list -y is not shell: $("$IPCSCOPE" list -y -t sysv-shm -o ID,USE%)"
up=$("$IPCSCOPE" list -t sysv-shm -o ID -n -s ID | tr -d ' ' | tr '\n' ,)
down=$("$IPCSCOPE" list -t sysv-shm -o ID -n -s -ID | tr -d ' ' | tr '\n' ,)
down2=$("$IPCSCOPE" list -t sysv-shm -o ID -n --sort ID:desc | tr -d ' ' | tr '\n' ,)
[ "$down" = "$down2" ] && [ "$(tr , '\n' <<<"$up" | grep . | tac | tr '\n' ,)" = "$down" ] || fail "reverse sort: $up / $down / $down2"
[ "$("$IPCSCOPE" list -t sysv-shm -o ID -n --head 1 | wc -l)" = 1 ] || fail "--head 1"
"$IPCSCOPE" list -t pipe --color=always -o KIND,USE% -n >"$T/c.txt"
grep -q $'\e\[1;31m.*100.0%' "$T/c.txt" || fail "a full pipe is not red: $(cat -v "$T/c.txt")"
NO_COLOR=1 on_tty 100 "$IPCSCOPE" list -t pipe -o KIND,USE% >"$T/c.txt"
grep -q $'\e\[' "$T/c.txt" && fail "NO_COLOR on a terminal still colours"
on_tty 100 "$IPCSCOPE" list -t pipe -o KIND,USE% >"$T/c.txt"
grep -q $'\e\[1;31m' "$T/c.txt" || fail "a terminal gets no colour by default"
"$IPCSCOPE" list --color=never -t pipe -o KIND,USE% | grep -q $'\e' && fail "--color=never colours"
"$IPCSCOPE" list --list-columns | awk '$1 == "HOLDERS" && /<string>/ && /holder/' | grep -q . || fail "--list-columns lacks types or help"
"$IPCSCOPE" list --help >"$T/help.txt"
for col in $("$IPCSCOPE" list --list-columns | awk '{ print $1 }'); do
    grep -qE "^  $col " "$T/help.txt" || fail "list --help does not list column $col"
done
echo "ok: terminal conventions"
