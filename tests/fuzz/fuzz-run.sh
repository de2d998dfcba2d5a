#!/bin/sh
# fuzz-run.sh BINARY WORKDIR LIBFUZZER-OPTION... SEED-DIR...
# One short libFuzzer run for ctest: new inputs go to WORKDIR/corpus (the first corpus
# directory is the one libFuzzer writes to), crash files to WORKDIR/artifacts. One worker,
# bounded memory: the machine is shared.
set -eu
bin=$1 work=$2
shift 2
mkdir -p "$work/corpus" "$work/artifacts" "$work/tmp"
# The harnesses' temporary trees: a crashed run leaves its tree here, not in /tmp.
TMPDIR=$work/tmp exec "$bin" "$work/corpus" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$@"
