#!/usr/bin/env bash
# test_prometheus_rules.sh - the alerting rules of packaging/prometheus/ pass promtool's
# checks and their unit tests (synthetic series: each rule fires after its duration and not
# before, with its labels and text), and the unit tests notice a rule that is changed: a
# copy with the limit threshold raised, or the stale rule's hour shortened, must fail.
. "$SRCDIR/tests/tools/testlib.sh"

command -v promtool >/dev/null || skip "no promtool (Debian's prometheus package; packaging/install-deps.sh installs it)"
DIR="$SRCDIR/packaging/prometheus"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
promtool check rules "$DIR/ipcscope.rules.yml" || fail "promtool check rules"
promtool test rules "$DIR/ipcscope.rules.test.yml" || fail "promtool test rules"

# Every alert in the rules file has a test case, and every test names a rule that exists.
py - "$DIR/ipcscope.rules.yml" "$DIR/ipcscope.rules.test.yml" <<'PY' || fail "rules and tests disagree"
import re, sys
rules = set(re.findall(r'^\s*- alert: (\S+)', open(sys.argv[1]).read(), re.M))
tested = set(re.findall(r'^\s*alertname: (\S+)', open(sys.argv[2]).read(), re.M))
assert rules, "no rules"
assert rules == tested, f"untested: {rules - tested}, unknown: {tested - rules}"
print(f"{len(rules)} rules, each tested")
PY

mutant() {  # mutant SED-EXPR: the tests must fail on a copy of the rules changed so
    cp "$DIR/ipcscope.rules.test.yml" "$T/"
    sed "$1" "$DIR/ipcscope.rules.yml" >"$T/ipcscope.rules.yml"
    cmp -s "$DIR/ipcscope.rules.yml" "$T/ipcscope.rules.yml" && fail "mutation '$1' changed nothing"
    promtool test rules "$T/ipcscope.rules.test.yml" >"$T/mutant.out" 2>&1 && fail "the tests pass with '$1'"
    grep -q FAILED "$T/mutant.out" || { cat "$T/mutant.out" >&2; fail "'$1': promtool did not run the tests"; }
}
mutant 's/} > 0.8$/} > 0.95/'
mutant '0,/for: 1h/s//for: 30m/'
mutant 's/ipcscope_deadlocks > 0/ipcscope_deadlocks > 1/'
mutant 's/le="0.9",kind/le="0.5",kind/'
echo "ok"
