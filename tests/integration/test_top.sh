#!/usr/bin/env bash
# top: run in a real terminal (tmux, 80x24 then 120x40) on generator-made objects, typed at
# with send-keys and read back with capture-pane: the table lists the objects with limit
# bars above it, search, the filter expression (Q, -Q), kind, sort and its reversal, the detail and the holder tree; `d`
# removes a stale queue after a confirmation naming it (really gone: ipcs, list -J) and
# refuses one in use with rm's own words; the screen follows a resize; colour goes with
# NO_COLOR and --color=never; an idle refresh writes far less than a screen; after q,
# Ctrl-C and SIGTERM the terminal is back (normal screen, cursor shown) with the exit
# status documented. Every wait is a bounded poll of the screen.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
command -v tmux >/dev/null || skip "no tmux (packaging/install-deps.sh installs it)"
T=$(mktemp -d)
TM=(tmux -S "$T/tmux.sock" -f /dev/null)
trap '"${TM[@]}" kill-server 2>/dev/null; stop_gens; rm -rf "$T"' EXIT

start_gen "$T/msg.json" sysv-msg --hold 300 --fill 3
start_gen "$T/mq.json" posix-mq --hold 300 --fill 2
"$IPCSCOPE" gen sysv-msg --leak -J >"$T/leak.json" 2>"$T/leak.err" || fail "gen --leak: $(cat "$T/leak.err")"
live=$(gen_field "$T/msg.json" 'o["id"]')
leak=$(gen_field "$T/leak.json" 'o["id"]')
mqname=$(gen_field "$T/mq.json" 'o["name"]')
"$IPCSCOPE" list -J -t sysv-msg >"$T/list.json" || fail "list"
ident() { py -c 'import json,sys; print([o["identity"] for o in json.load(open(sys.argv[1]))["objects"] if o.get("id")==int(sys.argv[2])][0])' "$T/list.json" "$1"; }
live_id=$(ident "$live")
leak_id=$(ident "$leak")

# The program under test runs as the pane's command; its pid is written first, its exit
# status printed after, and the pane stays (sleep) so the terminal can be inspected.
cat >"$T/run.sh" <<'EOF'
#!/bin/sh
pidfile=$1
shift
trap : INT # Ctrl-C is for top; this shell stays to report how it ended
sh -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" 2>"$pidfile.err"
echo "EXIT=$?"
exec sleep 600
EOF
start_top() { # NAME WIDTH HEIGHT ENV... -- ARGS...
    local name=$1 w=$2 h=$3 envs=()
    shift 3
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    rm -f "$T/$name.pid"
    "${TM[@]}" new-session -d -s "$name" -x "$w" -y "$h" \
        env "${envs[@]}" sh "$T/run.sh" "$T/$name.pid" "$IPCSCOPE" top "$@" || fail "tmux new-session"
}
S=top
screen() { "${TM[@]}" capture-pane -p -t "$S" "$@"; }
keys() { "${TM[@]}" send-keys -t "$S" "$@"; }
# wait_for ERE [SECONDS]: poll the screen until a line matches.
wait_for() {
    local i
    for i in $(seq $((${2:-15} * 10))); do
        screen >"$T/screen"
        grep -Eq -- "$1" "$T/screen" && return 0
        sleep 0.1
    done
    echo "--- screen:" >&2; cat "$T/screen" >&2
    fail "the screen never showed /$1/"
}
wait_not() {
    local i
    for i in $(seq $((${2:-15} * 10))); do
        screen >"$T/screen"
        grep -Eq -- "$1" "$T/screen" || return 0
        sleep 0.1
    done
    echo "--- screen:" >&2; cat "$T/screen" >&2
    fail "the screen still shows /$1/"
}
# Line number of the first table row matching ERE on the current screen (0: none).
row_of() { grep -nE -- "$1" "$T/screen" | head -1 | cut -d: -f1 || true; }
# The terminal after the program ended: normal screen, cursor visible.
restored() {
    local st
    st=$("${TM[@]}" display-message -p -t "$S" '#{alternate_on} #{cursor_flag}')
    [ "$st" = "0 1" ] || fail "terminal not restored after $1: alternate_on cursor_flag = $st"
}
row_re() { echo "^.$1 +$2 "; } # the change mark, then KIND and OBJECT

# Sockets are left out (-t): the test shares the host's network namespace, whose unix
# sockets could be any number.
start_top top 80 24 -- -d 0.5 --older-than 0 -t sysv,posix,pipe

# ---- the table and the header at 80x24 ----
wait_for "$(row_re sysv-msg "$live")"
wait_for "$(row_re sysv-msg "$leak")"
wait_for "$(row_re posix-mq "$mqname")"
[ "$(wc -l <"$T/screen")" -le 24 ] || fail "more than 24 lines"
awk 'length($0) > 80 { exit 1 }' "$T/screen" || fail "a line is wider than 80 columns"
grep -q "^ipcscope top " "$T/screen" || fail "no header"
grep -Eq "^[a-z_]+ +\[\|+ +[0-9.]+[KMG]?B?/[0-9.]+[KMG]?B?\]" "$T/screen" || fail "no limit bar" 
grep -Eq "^ KIND +OBJECT .*USE%" "$T/screen" || fail "no table heading"
grep -Eq "$(row_re sysv-msg "$leak").*stale" "$T/screen" || fail "the leaked queue is not marked stale"
grep -Eq "$(row_re sysv-msg "$live").*stale" "$T/screen" && fail "the queue in use is marked stale"
grep -Eq "$(row_re posix-mq "$mqname").* 20\.0% +2 " "$T/screen" || fail "posix-mq fill (2 of 10) not shown"

# ---- kind and sort: USE% desc by default, S reverses ----
keys t; wait_for "^kinds"; keys -l "sysv-msg,posix-mq"; keys Enter
wait_for "kind sysv-msg,posix-mq"
wait_not "^.(pipe|unix) "
a=$(row_of "$(row_re posix-mq "$mqname")"); b=$(row_of "$(row_re sysv-msg "$live")"); c=$(row_of "$(row_re sysv-msg "$leak")")
[ "$a" -gt 0 ] && [ "$a" -lt "$b" ] && [ "$b" -lt "$c" ] || { cat "$T/screen"; fail "not fullest first: $a $b $c"; }
keys S; wait_for "sort USE% asc"
a=$(row_of "$(row_re posix-mq "$mqname")"); b=$(row_of "$(row_re sysv-msg "$live")"); c=$(row_of "$(row_re sysv-msg "$leak")")
[ "$c" -gt 0 ] && [ "$c" -lt "$b" ] && [ "$b" -lt "$a" ] || { cat "$T/screen"; fail "S did not reverse: $a $b $c"; }
keys s; wait_for "sort MSGS desc"
keys S; wait_for "sort MSGS asc"
keys S
keys t; wait_for "^kinds"; keys Enter; wait_for "kind all"

# ---- search ----
keys /; wait_for "^search:"; keys -l "$mqname"; keys Enter
wait_for "search \"$mqname\""
wait_not "$(row_re sysv-msg "$live")"
grep -Eq "$(row_re posix-mq "$mqname")" "$T/screen" || fail "search lost its match"
keys Escape; wait_for "$(row_re sysv-msg "$live")"

# ---- filter expression (Q): the language of -Q; a bad one names its column ----
keys Q; wait_for "^filter:"; keys -l 'KIND == "posix-mq" || MSGS >= 3'; keys Enter
wait_for 'filter KIND == "posix-mq" \|\| MSGS >= 3'
wait_not "$(row_re sysv-msg "$leak")"
grep -Eq "$(row_re sysv-msg "$live")" "$T/screen" && grep -Eq "$(row_re posix-mq "$mqname")" "$T/screen" ||
    fail "the filter lost a match"
keys Q; wait_for "^filter: KIND"; keys C-u; keys -l 'MSGS >='; keys Enter
wait_for "^filter: column 8: expected a value after '>='"
grep -q "^filter: MSGS >=" "$T/screen" || fail "the prompt did not stay with the bad filter"
keys Escape; wait_not "^filter:"
grep -q 'filter KIND == "posix-mq"' "$T/screen" || fail "a bad filter replaced the good one"
keys Q; keys C-u; keys Enter
wait_for "$(row_re sysv-msg "$leak")"
grep -q ' filter ' "$T/screen" && fail "an empty filter did not clear it"

# ---- detail and tree of the queue in use ----
genpid=$(gen_field "$T/msg.json" 'd["pid"]')
keys /; keys -l "$live_id"; keys Enter; wait_for "search \"$live_id\""
keys Enter
wait_for "Detail: $live_id"
wait_for "QUEUE .*3 messages"
grep -q "IN USE" "$T/screen" || fail "the detail does not say it is in use"
grep -Eq "LSPID +[0-9]+" "$T/screen" || fail "no last sender in the detail"
keys Escape; wait_for "^ KIND +OBJECT"
keys g
wait_for "Who talks to whom: $live_id"
wait_for "[0-9]+ ipcscope: .*last send"
keys Escape; wait_for "^ KIND +OBJECT"

keys e; wait_for "^ Errors of the last scan"
keys Escape; wait_for "^ KIND +OBJECT"

# ---- d on a queue in use: refused in rm's words ----
"$IPCSCOPE" rm -J "$live_id" >"$T/rm.json" 2>/dev/null && fail "rm removed a queue in use"
rmwhy=$(py -c 'import json,sys; it=json.load(open(sys.argv[1]))["clean"]["items"][0]; print("%s %s: %s [%s]" % (it["status"], it["identity"], it["reason"], it["evidence"]))' "$T/rm.json")
keys d
wait_for "^refused"
py - "$T/screen" "$rmwhy" <<'PY' || fail "top's refusal is not rm's: $rmwhy"
import sys
screen = "".join(open(sys.argv[1]).read().split())
assert "".join(sys.argv[2].split()) in screen, screen
PY
ipcs -q | grep -qw "$live" || fail "the queue in use is gone after a refusal"

# ---- d on the stale queue: asks, n keeps it, y removes it ----
keys /; keys C-u; keys -l "$leak_id"; keys Enter; wait_for "search \"$leak_id\""
keys d
wait_for "^Remove $leak_id \(sysv-msg $leak, key 0x[0-9a-f]{8}; stale: "
wait_for "y/N$"
keys n; wait_for "^not removed: $leak_id"
ipcs -q | grep -qw "$leak" || fail "n removed it"
keys d; wait_for "^Remove $leak_id"; keys y
wait_for "^removed $leak_id"
ipcs -q | grep -qw "$leak" && fail "the stale queue is still in ipcs -q"
"$IPCSCOPE" list -J -t sysv-msg | grep -q "\"$leak_id\"" && fail "the stale queue is still in list -J"
# Shown once more as gone, then no more.
wait_not "$(row_re sysv-msg "$leak")" 10
keys Escape

# ---- resize to 120x40 ----
"${TM[@]}" resize-window -t top -x 120 -y 40 || fail "tmux resize-window"
for i in $(seq 100); do
    screen >"$T/screen"
    [ "$(wc -l <"$T/screen")" = 40 ] && grep -q "q:quit" <(sed -n 40p "$T/screen") && break
    sleep 0.1
done
sed -n 40p "$T/screen" | grep -q "q:quit" || { cat "$T/screen"; fail "the bottom line did not move to line 40"; }
grep -Eq "^ KIND .*HOLDERS" "$T/screen" || { cat "$T/screen"; fail "120 columns show no HOLDERS column"; }
# Twelve bars fit: the queues' own limit is among them, one queue now that d removed one.
grep -Eq "msgmni +\[\|+ +1/[0-9]+\]" "$T/screen" || { cat "$T/screen"; fail "no msgmni bar with one queue at 120x40"; }
awk 'length($0) > 120 { exit 1 }' "$T/screen" || fail "a line is wider than 120 columns"

# ---- an idle refresh is a few bytes, not a screen (no clear per tick) ----
"${TM[@]}" pipe-pane -o -t top "cat >>'$T/bytes'"
sleep 3 # six refreshes at -d 0.5
"${TM[@]}" pipe-pane -t top
bytes=$(stat -c %s "$T/bytes")
[ "$bytes" -lt $((120 * 40)) ] || fail "6 idle refreshes wrote $bytes bytes, more than one 120x40 screen"
echo "idle: $bytes bytes in 3 s at -d 0.5"

# ---- colour: present by default, gone with NO_COLOR and --color=never ----
sgr_colour() { # exit 0 when the escapes of the screen set a colour
    screen -e | py -c '
import re, sys
for m in re.finditer(r"\x1b\[([0-9;]*)m", sys.stdin.read()):
    for p in m.group(1).split(";"):
        # 39 and 49 put the default colours back: no colour of their own.
        if p and int(p) not in (39, 49) and (30 <= int(p) <= 49 or 90 <= int(p) <= 107):
            sys.exit(0)
sys.exit(1)'
}
sgr_colour || fail "no colour by default"

# ---- q restores the terminal ----
keys q
wait_for "^EXIT=0$"
restored q

S=nocolor
start_top nocolor 80 24 NO_COLOR=1 -- -d 0.5 -t sysv -Q 'MSGS >= 3'
wait_for "$(row_re sysv-msg "$live")"
grep -q "filter MSGS >= 3" "$T/screen" || fail "-Q not shown"
grep -Eq "^.sysv-msg +[0-9]+ " <(grep -Ev "$(row_re sysv-msg "$live")" "$T/screen") && fail "-Q let another queue through"
sgr_colour && fail "colour with NO_COLOR"
keys C-c
wait_for "^EXIT=130$"
restored "Ctrl-C"

S=never
start_top never 80 24 TERM=screen -- --color=never -d 0.5 -t sysv
wait_for "$(row_re sysv-msg "$live")"
sgr_colour && fail "colour with --color=never"
kill -TERM "$(cat "$T/never.pid")"
wait_for "^EXIT=143$"
restored SIGTERM

# Nothing on stderr while the screen was top's (a sanitizer build reports there too).
for f in "$T"/*.pid.err; do
    [ -s "$f" ] && { cat "$f" >&2; fail "top wrote to stderr: $f"; }
done

# ---- usage errors: one line, exit 2, the terminal never taken ----
"$IPCSCOPE" top --delay 0 >"$T/out" 2>&1 </dev/null; [ $? = 2 ] || fail "--delay 0: exit"
[ "$(wc -l <"$T/out")" = 1 ] || fail "--delay 0: not one line"
"$IPCSCOPE" top --sort NOPE >"$T/out" 2>&1 </dev/null; [ $? = 2 ] || fail "--sort NOPE: exit"
"$IPCSCOPE" top -Q 'MSGS >' >"$T/out" 2>&1 </dev/null; [ $? = 2 ] || fail "-Q 'MSGS >': exit"
grep -q "column 7" "$T/out" || fail "-Q error does not name the column: $(cat "$T/out")"
"$IPCSCOPE" top >"$T/out" 2>&1 </dev/null; [ $? = 1 ] || fail "no terminal: exit"
grep -q "needs a terminal" "$T/out" || fail "no terminal: $(cat "$T/out")"
echo "ok: top lists, searches, sorts, details, removes, refuses, resizes and restores the terminal"
