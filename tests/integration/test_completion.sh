#!/usr/bin/env bash
# Shell completion (packaging/completion/): the bash file is sourced and asked for commands,
# options, kinds, columns, gen mechanisms and the ids, names and identities of live objects
# a generator holds; COMPREPLY must hold them. The zsh file must parse, and, when zsh is
# installed, a real interactive zsh (in a zpty) must offer the same through compinit.
. "$SRCDIR/tests/tools/testlib.sh"

T=$(mktemp -d)
trap 'stop_gens; rm -rf "$T"' EXIT
comp=$SRCDIR/packaging/completion

start_gen "$T/gen.json" sysv-msg posix-mq --hold 300
msgid=$(gen_field "$T/gen.json" 'd["mechanisms"][0]["objects"][0]["id"]')
mqname=$(gen_field "$T/gen.json" 'd["mechanisms"][1]["objects"][0]["name"]')
identity=$("$IPCSCOPE" list -t sysv-msg -n -r -o ID,IDENTITY 2>/dev/null | awk -v id="$msgid" '$1 == id { print $2 }')
[ -n "$identity" ] || fail "list does not show the generator's queue $msgid"

# ---- bash ----
"$IPCSCOPE" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }' |
    sort >"$T/commands"
"$IPCSCOPE" clean --help | grep -oE -- '--[a-z][a-z-]*' | sort -u >"$T/clean-opts"

# Each case: the line typed (the cursor at its end), then one word per line that COMPREPLY
# must hold (or "=FILE": exactly the words of FILE; "!WORD": must not hold WORD).
cat >"$T/cases" <<EOF
@ $IPCSCOPE 
=$T/commands
@ $IPCSCOPE s
show
serve
!list
@ $IPCSCOPE list -t sy
sysv-msg
sysv-shm
sysv-sem
sysv
!posix-mq
@ $IPCSCOPE list -t sysv-msg,po
sysv-msg,posix-mq
sysv-msg,posix
@ $IPCSCOPE clean --type p
posix-mq
pipe
posix
@ $IPCSCOPE -o +NA
+NAME
+NATTCH
@ $IPCSCOPE list -o KIND,US
KIND,USED
KIND,USE%
@ $IPCSCOPE list --sort MS
MSGS
MSGSIZE
@ $IPCSCOPE list -Q MS
MSGS
MSGSIZE
@ $IPCSCOPE clean --filter 'HOLD
'HOLDERS
@ $IPCSCOPE clean --
<$T/clean-opts
@ $IPCSCOPE -
--version
--list-columns
-J
@ $IPCSCOPE gen 
all
pipe
sysv-msg
posix-mq
eventfd
@ $IPCSCOPE list -t sig
signal
signalfd
@ $IPCSCOPE list -o SIGQ
SIGQ
SIGQLIMIT
@ $IPCSCOPE show 
sysv-msg
pipe
$identity
@ $IPCSCOPE show sysv-msg 
$msgid
@ $IPCSCOPE show posix-mq /ipcscope-
$mqname
@ $IPCSCOPE show ${identity%:*}:
${identity##*:}
@ $IPCSCOPE rm --force sysv-msg $msgid 
$msgid
@ $IPCSCOPE ipcrm -q 
$msgid
@ $IPCSCOPE ipcrm msg 
$msgid
@ $IPCSCOPE serve --listen 
127.0.0.1:9412
@ $IPCSCOPE serve --metrics-
--metrics-top
@ $IPCSCOPE metrics -o $T/ca
$T/cases
@ $IPCSCOPE metrics --
--output
--metrics-top
--older-than
@ $IPCSCOPE list --time-format 
short
full
iso
@ $IPCSCOPE limits --time-format f
full
@ $IPCSCOPE list --sort -US
-USE%
-USED
@ $IPCSCOPE list --h
--head
--help
@ $IPCSCOPE show --
--width
--notruncate
--time-format
@ $IPCSCOPE gen -s 
@ $IPCSCOPE bench --cpu 
same
split
@ $IPCSCOPE bench -c 
@ $IPCSCOPE bench --cpu split un
unix-stream
unix-dgram
@ $IPCSCOPE top --sort US
USED
USE%
!USERS
@ $IPCSCOPE top --color=n
--color=never
@ $IPCSCOPE top -Q US
USED
USE%
EOF

cat >"$T/run.bash" <<'EOF'
set -u
. "$1"
COMP_WORDBREAKS=$' \t\n"'"'"'><=;|&(:'
bad=0 line= n=0
check() {
    # Bash's own COMP_WORDS/COMP_CWORD, split at blanks and at COMP_WORDBREAKS as bash does.
    COMP_LINE=$line COMP_POINT=${#line}
    read -ra COMP_WORDS <<<"${line//:/ : }"
    [[ $line == *' ' ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _ipcscope ipcscope "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    { ((${#COMPREPLY[@]} == 0)) || printf '%s\n' "${COMPREPLY[@]}"; } | sort -u >"$2.got"
}
want() {
    local w=$1
    case $w in
    =*) sort -u "${w#=}" | cmp -s - "$2.got" || { echo "[$line] offers $(tr '\n' ' ' <"$2.got"), not exactly $(tr '\n' ' ' <"${w#=}")"; bad=1; } ;;
    \<*) while read -r x; do grep -qxF -- "$x" "$2.got" || { echo "[$line] lacks $x"; bad=1; }; done <"${w#<}" ;;
    !*) ! grep -qxF -- "${w#!}" "$2.got" || { echo "[$line] offers ${w#!}"; bad=1; } ;;
    *) grep -qxF -- "$w" "$2.got" || { echo "[$line] lacks '$w' (offers: $(head -c 300 "$2.got" | tr '\n' ' '))"; bad=1; } ;;
    esac
}
empty_wanted=
while IFS= read -r l; do
    if [[ $l == '@ '* ]]; then
        [[ -n $line && -n $empty_wanted && -s $2/c$n.got ]] && { echo "[$line] offers $(tr '\n' ' ' <"$2/c$n.got") where nothing fits"; bad=1; }
        line=${l#@ } n=$((n + 1)) empty_wanted=1
        check "$line" "$2/c$n"
    else
        empty_wanted=
        want "$l" "$2/c$n"
    fi
done <"$3"
[[ -n $empty_wanted && -s $2/c$n.got ]] && { echo "[$line] offers $(tr '\n' ' ' <"$2/c$n.got") where nothing fits"; bad=1; }
echo "bash: $n cases"
exit $bad
EOF
bash --norc --noprofile "$T/run.bash" "$comp/ipcscope.bash" "$T" "$T/cases" || fail "bash completion"

# ---- zsh ----
if ! command -v zsh >/dev/null; then
    echo "zsh is not installed: its completion file was not checked"
    exit 0
fi
zsh -n "$comp/_ipcscope" || fail "_ipcscope does not parse"
head -1 "$comp/_ipcscope" | grep -qx '#compdef ipcscope' || fail "_ipcscope does not start with #compdef ipcscope"
# The zsh file spells options out: each command's branch must name every option of its --help.
missing=()
while read -r cmd; do
    branch=$(awk -v c="    $cmd)" '$0 == c { on = 1; next } on && /^    [a-z|*]+\)$/ { exit } on' "$comp/_ipcscope")
    [ -n "$branch" ] || { missing+=("a branch for $cmd"); continue; }
    # Arrays of specs the branch uses ($scan_opts...) count as part of it.
    for arr in $(grep -oE '\$[a-z_]+_opts' <<<"$branch" | tr -d '$' | sort -u); do
        branch+=$'\n'$(awk -v a="$arr=(" '$0 == a { on = 1; next } on && /^\)$/ { exit } on' "$comp/_ipcscope")
    done
    for opt in $("$IPCSCOPE" "$cmd" --help 2>&1 | grep -oE -- '^ +(-[a-zA-Z0-9], )?--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+' | sort -u); do
        grep -qE -- "[{,'()*]$opt[=,}\[ ]" <<<"$branch" || missing+=("$cmd $opt")
    done
done <"$T/commands"
[ "${#missing[@]}" = 0 ] || fail "packaging/completion/_ipcscope lacks: ${missing[*]}"

# An interactive zsh in a pty: compinit from our directory, compadd wrapped to write every
# match to a file, TAB bound to a widget that completes and then writes a marker (zsh drops a
# completion when keys are already waiting, so each line waits for its marker).
cat >"$T/run.zsh" <<'EOF'
zmodload zsh/zpty || exit 3
dir=$1 out=$2; shift 2
zpty z zsh -f -i || exit 3
zpty -w z "PS1='' RPROMPT=''; fpath=($dir \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a h; builtin compadd -A h "$@"; (( $#h )) && print -rl -- $h >>'"$out"'; builtin compadd "$@"; }'
zpty -w z '_t_done() { print -r -- "@@done $((++_t_n))" >>'"$out"'; }; _t_tab() { comppostfuncs=(_t_done); zle complete-word; }; zle -N _t_tab; bindkey "^I" _t_tab'
zpty -w z "zstyle ':completion:*' menu no; zstyle ':completion:*' list-prompt ''; LISTMAX=100000"
n=0
for l in "$@"; do
  n=$((n + 1))
  print -r -- "@ $l" >>$out
  zpty -w -n z "$l"$'\t'
  for i in {1..400}; do
    while zpty -r -t z junk 2>/dev/null; do :; done
    grep -qx "@@done $n" $out 2>/dev/null && break
    sleep 0.05
  done
  grep -qx "@@done $n" $out || { print -u2 "no completion for: $l"; exit 1; }
  zpty -w -n z $'\C-e\C-u'
done
zpty -d z
EOF
timeout 60 zsh -f "$T/run.zsh" "$comp" "$T/zout" \
    "$IPCSCOPE " "$IPCSCOPE list -t sy" "$IPCSCOPE -o +NA" "$IPCSCOPE gen po" "$IPCSCOPE bench unix-s" \
    "$IPCSCOPE show sysv-msg " "$IPCSCOPE serve --li" "$IPCSCOPE clean --ol" "$IPCSCOPE metrics --met" "$IPCSCOPE list -Q US"
rc=$?
[ "$rc" = 3 ] && { echo "zsh has no zpty module: only parsing was checked"; exit 0; }
[ "$rc" = 0 ] || { cat "$T/zout" >&2; fail "zsh in a pty did not finish ($rc)"; }
zwant() { # LINE WORD...: after the marker of LINE, before the next, each WORD was offered
    local l=$1 w
    shift
    for w in "$@"; do
        awk -v l="@ $l" -v w="$w" '$0 == l { on = 1; next } /^@/ { on = 0 } on && $0 == w { found = 1 } END { exit !found }' "$T/zout" ||
            { cat "$T/zout" >&2; fail "zsh: completing '$l' does not offer '$w'"; }
    done
}
# shellcheck disable=SC2046
zwant "$IPCSCOPE " $(cat "$T/commands")
zwant "$IPCSCOPE list -t sy" sysv-msg sysv-shm sysv-sem sysv
zwant "$IPCSCOPE list -Q US" USED USE%
zwant "$IPCSCOPE -o +NA" NAME NATTCH
zwant "$IPCSCOPE gen po" popen posix-mq
zwant "$IPCSCOPE bench unix-s" unix-stream unix-seqpacket
zwant "$IPCSCOPE show sysv-msg " "$msgid"
zwant "$IPCSCOPE serve --li" --listen
zwant "$IPCSCOPE metrics --met" --metrics-top
zwant "$IPCSCOPE clean --ol" --older-than
echo "zsh: ok"
