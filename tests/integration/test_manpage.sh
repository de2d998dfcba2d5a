#!/usr/bin/env bash
# The man page built from packaging/ipcscope.1.scd renders without one warning at a fixed
# width, no rendered line is wider than that, and it cannot go stale silently: every command
# of `ipcscope --help`, every option of each `COMMAND --help`, every kind, column, gen
# mechanism and HTTP route the binary names is in it, in the right section.
. "$SRCDIR/tests/tools/testlib.sh"

page=$BUILDDIR/packaging/ipcscope.1
scd=$SRCDIR/packaging/ipcscope.1.scd
if [ ! -f "$page" ]; then
    grep -q '^SCDOC:FILEPATH=.*NOTFOUND' "$BUILDDIR/CMakeCache.txt" 2>/dev/null &&
        skip "scdoc was not found when the build was configured (packaging/install-deps.sh installs it)"
    fail "$page was not built"
fi
command -v man >/dev/null || skip "man is not installed (man-db)"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export MANWIDTH=80 LC_ALL=C.UTF-8 MAN_DISABLE_SECCOMP=1

# The check must be able to fail: a page with an unknown request has to draw a warning.
printf '.TH BAD 1\n.SH NAME\n.nosuchmacro\n' >"$T/bad.1"
man --warnings -l "$T/bad.1" 2>&1 >/dev/null | grep -q warning ||
    fail "man --warnings does not report warnings here; the check below would prove nothing"

# `man --warnings` as CI asks, then every warning groff has (-ww).
for w in --warnings --warnings=w; do
    man "$w" -l "$page" >"$T/page.txt" 2>"$T/warn.txt" || fail "man $w -l $page failed"
    [ -s "$T/warn.txt" ] && { cat "$T/warn.txt" >&2; fail "man $w: warnings above"; }
done
[ "$(wc -l <"$T/page.txt")" -gt 300 ] || fail "the rendered page is suspiciously short"
wide=$(grep -nE ".{$((MANWIDTH + 1))}" "$T/page.txt")
[ -z "$wide" ] || fail "lines wider than $MANWIDTH columns: $wide"

# section NAME: the source text of one section of the page ("# X" or "## X" up to the next).
section() {
    awk -v want="$1" '
        /^#+ / { sub(/^#+ /, ""); on = ($0 == want) ; next }
        on' "$scd"
}
# has TEXT WORD: WORD appears in TEXT as a whole word (an option not as part of a longer one).
has() {
    [[ $2 =~ ^[-A-Za-z0-9_%]+$ ]] || fail "unexpected characters in '$2'"
    local re="(^|[^a-zA-Z0-9_-])$2([^a-zA-Z0-9_-]|\$)"
    [[ $1 =~ $re ]]
}

missing=()
"$IPCSCOPE" --help >"$T/help.txt" || fail "ipcscope --help"
mapfile -t cmds < <(awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }' "$T/help.txt")
[ "${#cmds[@]}" -ge 8 ] || fail "found only ${#cmds[@]} commands in ipcscope --help"
synopsis=$(section SYNOPSIS)
for cmd in "${cmds[@]}"; do
    has "$synopsis" "$cmd" || missing+=("command $cmd in SYNOPSIS")
    # ipcs and ipcrm share a section.
    text=$(section "$cmd")
    [ -n "$text" ] || text=$(awk -v c="$cmd" '/^## / { on = index($0, " " c ",") || $0 ~ (", " c "$") ; next } /^# / { on = 0 } on' "$scd")
    [ -n "$text" ] || { missing+=("a '## $cmd' section"); continue; }
    "$IPCSCOPE" "$cmd" --help >"$T/$cmd.help" 2>&1 || fail "ipcscope $cmd --help exits $?"
    for opt in $(grep -oE -- '(^|[ ,])--[a-z][a-z0-9-]*' "$T/$cmd.help" | tr -d ' ,' | sort -u); do
        has "$text" "$opt" || missing+=("$cmd option $opt")
    done
    for opt in $(grep -oE -- '^ +-[a-zA-Z],' "$T/$cmd.help" | tr -d ' ,' | sort -u); do
        has "$text" "$opt" || missing+=("$cmd option $opt")
    done
done
for opt in --help --version; do has "$synopsis" "$opt" || missing+=("ipcscope $opt in SYNOPSIS"); done
# list's default columns, as list --help names them, in that order.
# (The line is wrapped at 80 columns, continuation lines indented.)
defaults=$(awk '/^Default columns: / { s = substr($0, 18); while ((getline l) > 0 && l ~ /^  /) { sub(/^ +/, "", l); s = s l } print s; exit }' "$T/list.help" | sed 's/,/, /g')
[ -n "$defaults" ] || fail "list --help names no default columns"
section list | tr -s ' \t\n' ' ' | grep -qF "default columns: $defaults." ||
    missing+=("list's default columns: $defaults")

kinds=$(section KINDS) rules=$(section "STALE RULES")
while read -r kind group _; do
    grep -qE "^\|  $kind\$" <<<"$kinds" || missing+=("kind $kind in the KINDS table")
    has "$kinds" "$group" || missing+=("group $group in KINDS")
    grep -qE "\*$kind\*" <<<"$rules" || missing+=("kind $kind in STALE RULES")
done < <("$IPCSCOPE" list --list-types)

# The COLUMNS table, as "NAME JSON" per row, and the names of the rendered table's rows.
section COLUMNS | awk '/^\|  / { name = substr($0, 4); getline; print name, substr($0, 4) }' >"$T/man-cols"
"$IPCSCOPE" list --list-columns | awk '{ j = $2; if (j == "(table") j = "(table only)"; print $1, j }' >"$T/bin-cols"
n=$(wc -l <"$T/bin-cols")
[ "$n" -ge 40 ] || fail "found only $n columns in --list-columns"
while read -r line; do
    missing+=("column '$line' (NAME JSON) in the COLUMNS table")
done < <(grep -vxF -f "$T/man-cols" "$T/bin-cols")
while read -r col _; do
    grep -qE "^ {7}$col +" "$T/page.txt" || missing+=("column $col in the rendered page")
done <"$T/bin-cols"

# The sections util-linux pages carry; ENVIRONMENT names what the binary reads.
for sec in ENVIRONMENT "REPORTING BUGS" AVAILABILITY "EXIT STATUS" "SEE ALSO"; do
    grep -qx "# $sec" "$scd" || missing+=("a '# $sec' section")
done
env_text=$(section ENVIRONMENT)
for var in $(grep -rhoE 'getenv\("[A-Z_]+"\)|"(IPCSCOPE_TEST_HOOK_[A-Z_]+|LC_ALL|LC_CTYPE|LANG)"' "$SRCDIR/src" "$SRCDIR/collectors" | grep -oE '[A-Z][A-Z_]+' | sort -u); do
    has "$env_text" "$var" || missing+=("environment variable $var in ENVIRONMENT")
done

gen=$(section gen)
while read -r mech _; do
    has "$gen" "$mech" || missing+=("gen mechanism $mech")
done < <("$IPCSCOPE" gen --list)

http=$(section "HTTP API")
for route in $("$IPCSCOPE" serve --help | sed '/^Options:/,$d' | grep -oE '(^|[ ,])/[a-zA-Z0-9/_{}.-]*' | tr -d ' ,' | sed 's/[.,]$//' | sort -u); do
    r=${route%/IDENTITY}
    grep -qF -- "$r" <<<"$http" || missing+=("HTTP route $route")
done
grep -qF 127.0.0.1:9412 <<<"$http" || missing+=("the default listen address in HTTP API")

if [ "${#missing[@]}" -gt 0 ]; then
    printf 'missing from the man page: %s\n' "${missing[@]}" >&2
    fail "${#missing[@]} things the binary knows are not in packaging/ipcscope.1.scd"
fi
echo "ok: ${#cmds[@]} commands, $n columns, no warnings at MANWIDTH=$MANWIDTH"
