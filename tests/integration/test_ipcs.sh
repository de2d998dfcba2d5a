#!/usr/bin/env bash
# `ipcscope ipcs`, and the binary run through a link named ipcs, against util-linux ipcs
# 2.38: every option combination of issue 7 (tests/tools/ipcs-compat.sh, ipcs_cases) on one
# state the generators build (queues with messages, attached segments, one marked for
# destruction, a semaphore set with values), in a private IPC namespace.
#
# With util-linux ipcs 2.38 installed, each case's stdout, stderr and exit status must be
# the same byte for byte, on that state plus objects of other owners made with ipcmk. In any
# case the masked transcript must equal the one captured from util-linux 2.38 in
# tests/expected/ipcs-2.38.txt (tests/tools/capture-ipcs-expected.sh); IPCS_FORCE_EXPECTED=1
# runs only that comparison, as on a host without util-linux.
. "$SRCDIR/tests/tools/testlib.sh"
. "$SRCDIR/tests/tools/ipcs-compat.sh"
if [ -z "${IPCS_COMPAT_IN_NS:-}" ]; then
    ipcs_need_gens
    ipcs_enter_ns "$0"
fi

T=$(mktemp -d)
trap 'stop_gens; rm -rf "$T"' EXIT
ipcs_fixed_env
ipcs_tool_dirs "$T/bin"
reference=no
if [ -z "${IPCS_FORCE_EXPECTED:-}" ] && [ -x /usr/bin/ipcs ] &&
    /usr/bin/ipcs -V 2>/dev/null | grep -q 'util-linux 2\.38'; then
    reference=yes
fi

ipcs_state "$T"
. "$T/state"
cases=$(ipcs_cases | wc -l)

# Ours, masked, against what util-linux printed for the same state.
ipcs_transcript "$T/sub.txt" "$IPCSCOPE" ipcs
if [ "$(getconf PAGESIZE)" != 4096 ]; then
    echo "note: page size $(getconf PAGESIZE), not 4096: expected transcript not compared"
else
    ipcs_mask <"$T/sub.txt" >"$T/sub.masked"
    diff -u "$IPCS_EXPECTED_DIR/ipcs-2.38.txt" "$T/sub.masked" >"$T/expected.diff" || {
        head -80 "$T/expected.diff"
        echo "(if the cases or what the generators make changed, run tests/tools/capture-ipcs-expected.sh)"
        fail "ipcscope ipcs differs from the util-linux 2.38 transcript (tests/expected/ipcs-2.38.txt)"
    }
    echo "ok: $cases cases match tests/expected/ipcs-2.38.txt (masked)"
fi

# -V names ipcscope: it is the one line that must not pass for util-linux.
v=$("$IPCSCOPE" ipcs -V) || fail "ipcs -V failed"
[[ $v == "ipcs from ipcscope "* ]] || fail "ipcs -V printed '$v'"

if [ $reference = no ]; then
    ipcs_transcript "$T/link.txt" env PATH="$T/bin/ours:$PATH" ipcs
    cmp -s "$T/sub.txt" "$T/link.txt" || {
        diff -u "$T/sub.txt" "$T/link.txt" | head -40
        fail "run as a link named ipcs, the output differs from 'ipcscope ipcs'"
    }
    echo "ok: util-linux ipcs 2.38 not used (${IPCS_FORCE_EXPECTED:+forced, }expected transcript only); the link prints the same"
    exit 0
fi

# Byte for byte against util-linux itself, with objects of other owners added, ours both as
# `ipcscope ipcs` and through a link named ipcs.
ipcs_extra_state
ipcs_transcript "$T/ref.txt" env PATH="$T/bin/ref:$PATH" ipcs
ipcs_transcript "$T/sub.txt" "$IPCSCOPE" ipcs
ipcs_transcript "$T/link.txt" env PATH="$T/bin/ours:$PATH" ipcs
# util-linux 2.38 crashes on -s -i with a negative id (it reads no semaphores and prints
# them); ours says the id is not found. No case above asks for that.
for t in sub link; do
    cmp -s "$T/ref.txt" "$T/$t.txt" || {
        diff -u "$T/ref.txt" "$T/$t.txt" | head -80
        fail "ipcscope ipcs ($t) differs from util-linux ipcs"
    }
done
echo "ok: $cases cases byte for byte equal to util-linux ipcs 2.38 (as 'ipcscope ipcs' and as a link)"
