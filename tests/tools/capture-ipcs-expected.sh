#!/usr/bin/env bash
# capture-ipcs-expected.sh - record what util-linux ipcs and ipcrm 2.38 print for the cases
# and states of tests/tools/ipcs-compat.sh, masked (ids, keys, pids, times, user names), into
# tests/expected/ipcs-2.38.txt and ipcrm-2.38.txt. test_ipcs.sh and test_ipcrm.sh compare
# ipcscope against these where util-linux is not installed (and always, as a check that the
# files still fit the cases).
#
# Run as root on a host with util-linux 2.38 and 4 KiB pages, after changing the cases or
# the states: IPCSCOPE=build/ipcscope tests/tools/capture-ipcs-expected.sh
# (the generators make the states, so ipcscope itself is needed; nothing it prints is kept).
set -u
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${IPCSCOPE:?set IPCSCOPE to the ipcscope binary (it makes the states)}"
IPCSCOPE=$(realpath "$IPCSCOPE")
export SRCDIR IPCSCOPE
. "$SRCDIR/tests/tools/testlib.sh"
. "$SRCDIR/tests/tools/ipcs-compat.sh"

if [ -z "${IPCS_COMPAT_IN_NS:-}" ]; then
    for t in ipcs ipcrm; do
        "/usr/bin/$t" -V 2>/dev/null | grep -q 'util-linux 2\.38' || fail "/usr/bin/$t is not util-linux 2.38"
    done
    [ "$(getconf PAGESIZE)" = 4096 ] || fail "the expected files assume 4 KiB pages"
    ipcs_need_gens
    mkdir -p "$IPCS_EXPECTED_DIR"
    ipcs_enter_ns "$0"
fi

T=$(mktemp -d)
trap 'stop_gens; rm -rf "$T"' EXIT
ipcs_fixed_env
ipcs_tool_dirs "$T/bin"

ipcs_state "$T"
. "$T/state"
ipcs_transcript "$T/ipcs.txt" env PATH="$T/bin/ref:$PATH" ipcs
ipcs_mask <"$T/ipcs.txt" >"$IPCS_EXPECTED_DIR/ipcs-2.38.txt"
stop_gens

ipcrm_transcript "$T/ipcrm.txt" "$T/bin/ref"
ipcs_mask <"$T/ipcrm.txt" >"$IPCS_EXPECTED_DIR/ipcrm-2.38.txt"
echo "captured: $(ipcs_cases | wc -l) ipcs cases, $(ipcrm_cases | wc -l) ipcrm cases into $IPCS_EXPECTED_DIR"
