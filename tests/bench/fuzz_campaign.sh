#!/usr/bin/env bash
# fuzz_campaign.sh - the long fuzzing campaign of tests/fuzz: each harness for RUNS
# executions (default 10^7) on one core (or JOBS workers at once), then per harness the executions, exec/s, wall time
# and what was found: crashes, leaks, timeouts and out-of-memory inputs, the crash inputs'
# file names, and the distinct places they crash (the top frame of each report).
#
#   tests/bench/fuzz_campaign.sh [-b BUILD] [-n RUNS] [-j JOBS] [HARNESS...]
#
# BUILD is a build directory configured with CC=clang -DIPCSCOPE_FUZZ=ON (default
# build-fuzz, configured and built here when missing). Without HARNESS names, every
# fuzz_* program of BUILD/tests/fuzz runs, one after the other. libFuzzer runs in fork mode
# with one worker, so that a crash is counted and the campaign goes on. New inputs and
# crash files go to BUILD/tests/fuzz/campaign/<harness>/, never into the source tree; to
# keep new coverage in the repository, merge by hand (tests/fuzz/README.md).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$here/build-fuzz runs=10000000 jobs=1

while getopts b:n:j: opt; do
    case $opt in
    b) build=$(cd "$OPTARG" && pwd) ;;
    n) runs=$OPTARG ;;
    j) jobs=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD] [-n RUNS] [-j JOBS] [HARNESS...]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))

if [ ! -d "$build/tests/fuzz" ]; then
    CC=clang cmake -S "$here" -B "$build" -DIPCSCOPE_FUZZ=ON -DIPCSCOPE_WERROR=ON >/dev/null
    cmake --build "$build" -j1 >/dev/null
fi
if [ $# -eq 0 ]; then
    set -- $(cd "$build/tests/fuzz" && ls fuzz_* | grep -v '\.' | sed 's/^fuzz_//')
fi

printf '%-16s %12s %9s %8s %8s %6s %9s %5s  %s\n' harness executions exec/s wall crashes leaks timeouts ooms \
    "distinct crash sites"
for h in "$@"; do
    bin=$build/tests/fuzz/fuzz_$h
    work=$build/tests/fuzz/campaign/$h
    [ -x "$bin" ] || { echo "$h: no $bin" >&2; continue; }
    rm -rf "$work/artifacts"
    mkdir -p "$work/corpus" "$work/artifacts"
    # The harnesses that read files write each input into a temporary tree: on tmpfs that
    # runs 4-5 times faster than on a disk (fuzz_sysv_table: 2,400 against 530 exec/s), so
    # the trees go to a private directory in /dev/shm when it is a tmpfs.
    if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
        tmp=$(mktemp -d /dev/shm/ipcscope-fuzz.XXXXXX)
    else
        tmp=$work/tmp
        rm -rf "$tmp" && mkdir -p "$tmp"
    fi
    t0=$(date +%s.%N)
    # fork=JOBS: that many worker processes at a time (one by default), each restarted after
    # a crash, leak or timeout; -runs counts the executions of all of them.
    # TMPDIR: the temporary trees of crashed workers are left here, not in /tmp.
    TMPDIR=$tmp "$bin" "$work/corpus" "$here/tests/fuzz/corpus/$h" -fork="$jobs" -ignore_crashes=1 -ignore_ooms=1 \
        -ignore_timeouts=1 -runs="$runs" -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$work/artifacts/" >"$work/log" 2>&1 || true
    t1=$(date +%s.%N)
    [ "$tmp" = "$work/tmp" ] || rm -rf "$tmp"
    last=$(grep -E '^#[0-9]+: cov:' "$work/log" | tail -1 || true)
    execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"${last:-#0:}")
    wall=$(echo "$t1 - $t0" | bc)
    rate=$(echo "$execs / $wall" | bc)
    # Kinds of findings, by the name libFuzzer gives each artifact.
    count() { find "$work/artifacts" -name "$1-*" | wc -l; }  # crash- leak- timeout- oom-
    crashes=$(count crash) leaks=$(count leak) timeouts=$(count timeout) ooms=$(count oom)
    # Distinct sites: replay up to 50 crash and leak inputs, keep each report's first
    # frame inside the project.
    sites=$(find "$work/artifacts" \( -name 'crash-*' -o -name 'leak-*' \) | head -50 | while read -r f; do
                "$bin" "$f" 2>&1 | grep -E '^ +#[0-9]+ .* in [a-z_]+ /' | grep -v '/tests/fuzz/' | head -1 |
                    sed -E 's/.* in ([a-z_0-9]+) .*\/([^/]+:[0-9]+):[0-9]+$/\1@\2/'
            done | sort | uniq -c | awk '{printf "%s%s(x%s)", sep, $2, $1; sep=" "}' || true)
    printf '%-16s %12s %9s %7.0fs %8s %6s %9s %5s  %s\n' "$h" "$execs" "$rate" "$wall" "$crashes" "$leaks" \
        "$timeouts" "$ooms" "${sites:--}"
    if [ "$crashes$leaks$timeouts$ooms" != 0000 ]; then
        find "$work/artifacts" -type f | sort | sed -n '1,5s/^/    /p'
        n=$(find "$work/artifacts" -type f | wc -l)
        if [ "$n" -gt 5 ]; then echo "    ... $n files in $work/artifacts"; fi
    fi
done
