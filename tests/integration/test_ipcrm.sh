#!/usr/bin/env bash
# `ipcscope ipcrm` against util-linux ipcrm 2.38: each case of tests/tools/ipcs-compat.sh
# (ipcrm_cases: by id and by key for each kind, -a with and without a kind, -v, the legacy
# `ipcrm shm|msg|sem ID...` form, bad numbers and options, other users) runs on the same
# state in a private IPC namespace, once per tool; its stdout, stderr, exit status and the
# objects left must be the same. (Cases that leave the objects as they were share one
# namespace; the case after one that removed something starts on a new one.)
#
# With util-linux ipcrm 2.38 installed the two run on identical states and must match byte for
# byte, ours run through a link named ipcrm. In any case ours, masked, must equal
# tests/expected/ipcrm-2.38.txt captured from util-linux 2.38
# (tests/tools/capture-ipcs-expected.sh); IPCS_FORCE_EXPECTED=1 runs only that comparison, as
# `ipcscope ipcrm`, as on a host without util-linux.
. "$SRCDIR/tests/tools/testlib.sh"
. "$SRCDIR/tests/tools/ipcs-compat.sh"

# Inner run, in its own namespaces (ipcrm_transcript): build the state, then run the cases
# from number FIRST on, each followed by the objects left, until one changes them; write the
# number of the next case to NEXT. Arguments: --cases TOOLDIR|sub FIRST NEXT
if [ "${1:-}" = --cases ]; then
    [ -n "${IPCS_COMPAT_IN_NS:-}" ] || fail "--cases runs inside new namespaces only"
    T=$(mktemp -d)
    trap 'stop_gens; rm -rf "$T"' EXIT
    ipcs_fixed_env
    ipcs_rm_state "$T"
    . "$T/state"
    ipcs_sysv_state >"$T/before"
    mapfile -t cases < <(ipcrm_cases)
    for ((n = $3; n < ${#cases[@]}; n++)); do
        line=${cases[n]}
        user=
        if [[ $line == @* ]]; then
            user=${line%% *}
            user=${user#@}
            line=${line#* }
        fi
        eval "args=($(ipcs_subst "$line"))"
        if [ "$2" = sub ]; then
            cmd=("$IPCSCOPE" ipcrm)
        else
            cmd=(env PATH="$2:$PATH" ipcrm)
        fi
        [ -n "$user" ] && cmd=(ipcs_as "$user" "${cmd[@]}")
        echo "=== ipcrm ${cases[n]}"
        : >"$T/out"
        ipcs_run_case "$T/out" "${cmd[@]}" "${args[@]}"
        cat "$T/out"
        ipcs_sysv_state | tee "$T/after"
        cmp -s "$T/before" "$T/after" || break
    done
    echo $((n + 1)) >"$4"
    exit 0
fi

ipcs_need_gens
command -v unshare >/dev/null 2>&1 || skip "unshare(1) is needed for a private IPC namespace"
need_root "private IPC and PID namespaces (unshare --ipc --pid)"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ipcs_tool_dirs "$T/bin"
reference=no
if [ -z "${IPCS_FORCE_EXPECTED:-}" ] && [ -x /usr/bin/ipcrm ] &&
    /usr/bin/ipcrm -V 2>/dev/null | grep -q 'util-linux 2\.38'; then
    reference=yes
fi

cases=$(ipcrm_cases | wc -l)

# Ours as `ipcscope ipcrm` where util-linux is missing, else through a link named ipcrm; masked,
# against what util-linux printed; then, when it is there, byte for byte against util-linux.
if [ $reference = yes ]; then
    ipcrm_transcript "$T/ours.txt" "$T/bin/ours"
else
    ipcrm_transcript "$T/ours.txt" sub
fi
ipcs_mask <"$T/ours.txt" >"$T/ours.masked"
diff -u "$IPCS_EXPECTED_DIR/ipcrm-2.38.txt" "$T/ours.masked" >"$T/expected.diff" || {
    head -80 "$T/expected.diff"
    echo "(if the cases or what the generators make changed, run tests/tools/capture-ipcs-expected.sh)"
    fail "ipcscope ipcrm differs from the util-linux 2.38 transcript (tests/expected/ipcrm-2.38.txt)"
}
echo "ok: $cases cases match tests/expected/ipcrm-2.38.txt (masked)"

v=$("$IPCSCOPE" ipcrm -V) || fail "ipcrm -V failed"
[[ $v == "ipcrm from ipcscope "* ]] || fail "ipcrm -V printed '$v'"

if [ $reference = no ]; then
    echo "ok: util-linux ipcrm 2.38 not used (${IPCS_FORCE_EXPECTED:+forced, }expected transcript only)"
    exit 0
fi
ipcrm_transcript "$T/ref.txt" "$T/bin/ref"
cmp -s "$T/ref.txt" "$T/ours.txt" || {
    diff -u "$T/ref.txt" "$T/ours.txt" | head -80
    fail "ipcscope ipcrm differs from util-linux ipcrm"
}
echo "ok: $cases cases byte for byte equal to util-linux ipcrm 2.38 (run through a link named ipcrm)"
