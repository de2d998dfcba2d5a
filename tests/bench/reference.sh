#!/bin/bash
# reference.sh - the reference check of `ipcscope bench`: for pipe and socketpair, a 64-byte
# ping-pong (eventfd: one count each way) measured by the bench must agree within +-10% with
# the hand-written loop in tests/bench/pingpong.c, on the same machine in the same run. Both are run ROUNDS times,
# interleaved so that a change in the machine's load hits both alike. The verdict compares
# the best (lowest) round of each, as lmbench does: interference from other processes only
# ever adds time, so the best round is the figure least disturbed by it. The medians are
# printed beside it. Exits 0 when every pair agrees within 10%, 1 when one does not.
#
# Usage: tests/bench/reference.sh [BUILDDIR] [COUNT] [same|split] [ROUNDS]
#   BUILDDIR defaults to ./build (it must hold ipcscope and tests/bench/pingpong)
set -u
builddir=${1:-${BUILDDIR:-build}}
count=${2:-100000}
cpu=${3:-same}
rounds=${4:-5}
ipcscope=${IPCSCOPE:-$builddir/ipcscope}
ref=$builddir/tests/bench/pingpong
py=/usr/bin/python3

for f in "$ipcscope" "$ref"; do
    [ -x "$f" ] || { echo "reference: $f not built (cmake --build $builddir)"; exit 2; }
done

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
best() { sort -g | head -1; }

status=0
echo "reference check: 64-byte ping-pong, $count round trips, --cpu $cpu, best and median of $rounds rounds"
"$ipcscope" bench pipe --size 64 --count 10 --cpu "$cpu" | sed -n '1,3p'
for mech in pipe socketpair eventfd; do
    b=(); r=()
    for i in $(seq "$rounds"); do
        b+=("$("$ipcscope" bench "$mech" --size 64 --count "$count" --cpu "$cpu" -J |
               $py -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["latency_ns"]["mean"])')")
        r+=("$("$ref" "$mech" "$count" "$cpu" | sed 's/.*mean_ns=//')")
    done
    bb=$(printf '%s\n' "${b[@]}" | best)
    rb=$(printf '%s\n' "${r[@]}" | best)
    bm=$(printf '%s\n' "${b[@]}" | median)
    rm=$(printf '%s\n' "${r[@]}" | median)
    verdict=$(awk -v b="$bb" -v r="$rb" 'BEGIN {d = (b - r) / r * 100;
        printf "%+.1f%% %s", d, (d <= 10 && d >= -10) ? "ok" : "OUTSIDE +-10%"}')
    printf '%-11s best: bench %9.1f ns  reference %9.1f ns  %s\n' "$mech" "$bb" "$rb" "$verdict"
    printf '            median: bench %9.1f ns  reference %9.1f ns  %s\n' "$bm" "$rm" \
        "$(awk -v b="$bm" -v r="$rm" 'BEGIN {printf "%+.1f%%", (b - r) / r * 100}')"
    printf '            (bench rounds: %s; reference rounds: %s)\n' "${b[*]}" "${r[*]}"
    case $verdict in *OUTSIDE*) status=1 ;; esac
done
exit $status
