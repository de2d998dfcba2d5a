# ipcs-compat.sh - what test_ipcs.sh, test_ipcrm.sh and capture-ipcs-expected.sh share.
# Source it after testlib.sh.
#
# Every comparison runs in a private IPC namespace (so that nothing else on the host shows in
# the tables and the ids start at 0), with its own PID namespace (so that the generators'
# pids, and the keys they derive from them, come out the same each run), TZ=UTC and LC_ALL=C.
# A case is one line of arguments; @NAME@ stands for an id or key of the state built here.
# A transcript is every case's arguments, stdout, stderr and exit status in one text, which
# is what gets compared: util-linux's against ours byte for byte when util-linux is
# installed, otherwise ours against the transcript captured from util-linux 2.38 and kept in
# tests/expected/, both with ids, keys, pids, times and user names masked (ipcs_mask).

IPCS_EXPECTED_DIR="$SRCDIR/tests/expected"

# ipcs_enter_ns SCRIPT ARGS...: run SCRIPT again inside new IPC, PID and mount namespaces
# (the mount one only to give it its own /proc). Returns only on failure to do so.
ipcs_enter_ns() {
    local script=$1
    shift
    command -v unshare >/dev/null 2>&1 || skip "unshare(1) is needed for a private IPC namespace"
    need_root "private IPC and PID namespaces (unshare --ipc --pid)"
    unshare --ipc --pid --fork --mount-proc true 2>/dev/null ||
        skip "unshare --ipc --pid --fork --mount-proc does not work here"
    exec unshare --ipc --pid --fork --mount-proc -- env IPCS_COMPAT_IN_NS=1 bash "$script" "$@"
}

# ipcs_need_gens: the generators the states are made with, or skip.
ipcs_need_gens() {
    local list m
    list=$("$IPCSCOPE" gen --list 2>/dev/null) || skip "ipcscope gen is not available"
    for m in sysv-msg sysv-shm sysv-sem; do
        grep -q "^$m " <<<"$list" || skip "the $m generator is not available"
    done
}

# Limits set to the kernel's defaults, so that -l reads the same on every kernel.
ipcs_fixed_env() {
    export TZ=UTC LC_ALL=C
    unset POSIXLY_CORRECT
    echo 32000 >/proc/sys/kernel/msgmni
    echo 8192 >/proc/sys/kernel/msgmax
    echo 16384 >/proc/sys/kernel/msgmnb
    echo 4096 >/proc/sys/kernel/shmmni
    echo 18446744073692774399 >/proc/sys/kernel/shmmax
    echo 18446744073692774399 >/proc/sys/kernel/shmall
    echo "32000 1024000000 500 32000" >/proc/sys/kernel/sem
}

# The next process forked gets pid $1 + 1 (this is our own PID namespace).
ipcs_next_pid() {
    echo "$1" >/proc/sys/kernel/ns_last_pid
}

# ipcs_tool_dirs DIR: DIR/ref/{ipcs,ipcrm} -> util-linux, DIR/ours/{ipcs,ipcrm} -> ipcscope,
# so that both run with argv[0] "ipcs" (getopt's messages carry it); open to other users
# (the cases run as another uid), the directory above DIR included.
ipcs_tool_dirs() {
    mkdir -p "$1/ref" "$1/ours"
    chmod 755 "$(dirname "$1")" "$1" "$1/ref" "$1/ours"
    local t
    for t in ipcs ipcrm; do
        [ -x "/usr/bin/$t" ] && ln -sf "/usr/bin/$t" "$1/ref/$t"
        ln -sf "$IPCSCOPE" "$1/ours/$t"
    done
}

# ipcs_hold_gen OUT ARGS...: `ipcscope gen ARGS -J` in the background (stopped by stop_gens),
# back once its document is complete. testlib's start_gen without its python, which would
# cost more than the rest of an ipcrm case.
ipcs_hold_gen() {
    local out=$1 pid i
    shift
    "$IPCSCOPE" gen "$@" -J >"$out" 2>"$out.err" &
    pid=$!
    GEN_PIDS+=("$pid")
    for ((i = 0; i < 1000; i++)); do
        [ "$(tail -n 1 "$out" 2>/dev/null)" = "}" ] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
    done
    cat "$out.err" >&2
    fail "gen $* did not report its objects"
}

# ipcs_state DIR: the state the ipcs cases look at, made by the generators: two queues with
# five messages each, two segments with 6000 bytes written, attached by a generator's child
# (the second then marked for destruction), a set of four semaphores holding 3, 4, 5 and 6.
# Writes DIR/state (NAME=value lines for @NAME@). What the generators make is part of the
# expected transcripts: if that changes, capture them again.
ipcs_state() {
    local d=$1
    ipcs_next_pid 1999
    ipcs_hold_gen "$d/msg.json" sysv-msg --count 2 --hold 600 --fill 5 --size 100
    ipcs_next_pid 2999
    ipcs_hold_gen "$d/shm.json" sysv-shm --count 2 --hold 600 --fill 6000
    ipcs_next_pid 3999
    ipcs_hold_gen "$d/sem.json" sysv-sem --hold 600 --nsems 4 --fill 3
    py - "$d" >"$d/state" <<'PY' || fail "cannot read the generators' objects"
import json, os, sys
d = sys.argv[1]
for name, f in (("MSG", "msg.json"), ("SHM", "shm.json"), ("SEM", "sem.json")):
    doc = json.load(open(os.path.join(d, f)))
    for i, o in enumerate(doc["mechanisms"][0]["objects"]):
        print(f"{name}{i}={o['id']}")
        print(f"K{name}{i}=0x{o['key'] & 0xffffffff:08x}")
PY
    . "$d/state"
    "$IPCSCOPE" ipcrm -m "$SHM1" || fail "cannot mark segment $SHM1 for destruction"
}

# ipcs_extra_state: objects only util-linux can make (ipcmk, setpriv), for the byte-for-byte
# comparison: an owner without a name, an owner with a long name, world-readable modes.
ipcs_extra_state() {
    command -v ipcmk >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1 || return 0
    setpriv --reuid=12345 --regid=54321 --clear-groups ipcmk -Q -p 0644 >/dev/null
    setpriv --reuid=12345 --regid=54321 --clear-groups ipcmk -M 1974 -p 0640 >/dev/null
    setpriv --reuid=12345 --regid=54321 --clear-groups ipcmk -S 2 -p 0666 >/dev/null
    local long
    long=$(getent passwd | awk -F: 'length($1) > 10 { print $1; exit }')
    [ -n "$long" ] && setpriv --reuid="$long" --regid=0 --clear-groups ipcmk -M 3000000 -p 0600 >/dev/null
    return 0
}

# ipcs_subst LINE: the case line with @NAME@ replaced from the state.
ipcs_subst() {
    local line=$1 name
    while [[ $line =~ @([A-Z0-9]+)@ ]]; do
        name=${BASH_REMATCH[1]}
        line=${line//@$name@/${!name}}
    done
    printf '%s' "$line"
}

# ipcs_run_case OUT CMD... : one case into the transcript OUT: its stdout, stderr and status.
ipcs_run_case() {
    local out=$1 rc
    shift
    "$@" >"$out.1" 2>"$out.2"
    rc=$?
    {
        cat "$out.1"
        echo "--- stderr"
        cat "$out.2"
        echo "--- exit $rc"
    } >>"$out"
}

# ipcs_mask: stdin to stdout with what differs between two runs of the same state masked,
# each character for one, so that every column keeps its width: ctime texts, ids, keys, pids
# and user and group names.
ipcs_mask() {
    awk '
    function rep(ch, n,    s) { s = ""; while (n-- > 0) s = s ch; return s }
    # Mask the n-th blank-separated word of line with ch.
    function word(line, n, ch,    i, k, start, len, inword) {
        k = 0; inword = 0
        for (i = 1; i <= length(line) + 1; i++) {
            c = substr(line, i, 1)
            if (c != " " && c != "\t" && c != "") {
                if (!inword) { inword = 1; k++; start = i }
            } else if (inword) {
                inword = 0
                if (k == n) {
                    len = i - start
                    return substr(line, 1, start - 1) rep(ch, len) substr(line, i)
                }
            }
        }
        return line
    }
    # Mask the digits that follow each "name=" in line.
    function after(line, name,    p, q) {
        p = index(line, name "=")
        if (!p) return line
        p += length(name) + 1
        q = p
        while (substr(line, q, 1) ~ /[0-9-]/) q++
        return substr(line, 1, p - 1) rep("#", q - p) substr(line, q)
    }
    {
        line = $0
        gsub(/(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] [0-9][0-9][0-9][0-9]/, "Www Mmm dd hh:mm:ss yyyy", line)
        gsub(/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]/, "Mmm dd hh:mm:ss", line)
        if (line ~ /^=== /) { sect = ""; elems = 0; print line; next }
        if (line ~ /^------ .* --------$/) { sect = line; head = 1; print line; next }
        if (head) { head = 0; print line; next }
        if (line == "" || line ~ /^--- /) { sect = ""; elems = 0; print line; next }
        if (line ~ /^semnum /) { elems = 1; print line; next }
        if (elems) { print word(line, 5, "#"); next }
        if (line ~ /^(Message Queue msqid|Shared memory Segment shmid|Semaphore Array semid)=/) {
            sub(/=[0-9-]+$/, "=" rep("#", length(line) - index(line, "=")), line)
            print line; next
        }
        if (line ~ /lspid=|lpid=/) {
            line = after(line, "lspid"); line = after(line, "lrpid")
            line = after(line, "lpid"); line = after(line, "cpid")
            print line; next
        }
        if (line ~ /^removing .* id `[0-9-]+.$/) {
            match(line, /`[0-9-]+/)
            print substr(line, 1, RSTART) rep("#", RLENGTH - 1) substr(line, RSTART + RLENGTH); next
        }
        if (line ~ /^ipcrm: .* \((0x)?[0-9a-f-]+\)$/) {
            match(line, /\((0x)?[0-9a-f-]+\)$/)
            print substr(line, 1, RSTART) rep("#", RLENGTH - 2) ")"; next
        }
        if (line ~ /^state /) { print word(line, 3, "#"); next }
        if (sect ~ /Creators\/Owners/) {
            line = word(line, 1, "#")
            for (i = 3; i <= 6; i++) line = word(line, i, "U")
            print line; next
        }
        if (sect ~ /PIDs/) {
            print word(word(word(word(line, 1, "#"), 2, "U"), 3, "P"), 4, "P"); next
        }
        if (sect ~ /Times/) { print word(word(line, 1, "#"), 2, "U"); next }
        if (sect != "" && line ~ /^0x/) {
            print "0x" rep("K", 8) substr(word(word(line, 2, "#"), 3, "U"), 11); next
        }
        print line
    }'
}

# ipcs_sysv_state: the objects left, one "state KIND ID PERMS NATTCH" line each, read from
# /proc/sysvipc (what ipcrm's cases are judged by beside their messages).
ipcs_sysv_state() {
    local k
    for k in msg shm sem; do
        awk -v k="$k" 'NR > 1 { print "state", k, $2, $3, (k == "shm") ? $7 : "-" }' "/proc/sysvipc/$k"
    done
}

# The ipcs cases: resources, formats, units, the last format and unit winning, -i on each
# resource, an id that is not there, the errors, and a user who may not read the objects.
# "@UID " first runs a case as that uid. (-V is not compared: ours names ipcscope.)
# Changing this list means capturing tests/expected/ipcs-2.38.txt again.
ipcs_cases() {
    local r f
    for r in "" -q -m -s -a "-q -s" "-m -q"; do
        for f in "" -t -p -c -l -u; do
            echo "$r $f"
        done
    done
    for r in "" -q -m -s; do
        for f in "" -l -u; do
            echo "$r $f -b"
            echo "$r $f --human"
        done
    done
    cat <<'CASES'
-t -p
-p -t -q
-c -l -u
-u -l
-l -c -s
-b --human -m
--human -b -m
-l --human -b
-q --human -l -b --human
--queues --time
--shmems --pid
--semaphores --creator
--all --limits --bytes
--summary --human
--hu -m
-qt
-mpb
-q -i @MSG0@
-q -i @MSG1@ -b
-q -i @MSG0@ --human
--queues --id @MSG1@
-m -i @SHM0@
-m -i @SHM1@
-m -i @SHM0@ --human
-m -i @SHM1@ -b
-i @SHM0@ -m -t
-s -i @SEM0@
-s -i @SEM0@ --human
-s --id=@SEM0@ -l
-q -i 4242
-m -i 4242
-s -i 4242
-q -i -1
-m -i -3
-q -i +@MSG1@
-i @MSG0@
-i @MSG0@ -q -m
-a -i @SEM0@
-q -i abc
-q -i ''
-q -i 5x
-q -i 99999999999
-q -i -2147483649
-q -i
--id
-z
--bogus
--s
--all=x
-q extra words
-h
--help
-q -h -z
@12345 -a
@12345 -u
@12345 -q -i @MSG0@
@12345 -s -i @SEM0@
CASES
}

# ipcs_as UID CMD...: CMD run with uid and gid UID and no supplementary groups (perl, which
# is there even where util-linux's setpriv is not).
ipcs_as() {
    local uid=$1
    shift
    perl -e '$( = $) = "$ARGV[0] $ARGV[0]"; $< = $> = $ARGV[0];
             die "cannot become $ARGV[0]\n" if $> != $ARGV[0]; shift; exec { $ARGV[0] } @ARGV or die "$ARGV[0]: $!\n"' \
        "$uid" "$@"
}

# ipcs_rm_state DIR: what the ipcrm cases start from: three queues, two semaphore sets and a
# segment the generators left behind (--leak), a segment attached by a generator's child, a
# queue of uid 12345 and a world-readable one of that uid, which others may see but not
# remove (perl's msgget sets the mode, which the generators do not). Writes DIR/state like
# ipcs_state.
ipcs_rm_state() {
    local d=$1 i k id key
    ipcs_next_pid 1999
    "$IPCSCOPE" gen sysv-msg --count 3 --messages 3 --leak >/dev/null || fail "gen sysv-msg --leak"
    ipcs_next_pid 2999
    "$IPCSCOPE" gen sysv-sem --count 2 --messages 3 --leak >/dev/null || fail "gen sysv-sem --leak"
    ipcs_next_pid 3999
    "$IPCSCOPE" gen sysv-shm --messages 3 --leak >/dev/null || fail "gen sysv-shm --leak"
    ipcs_next_pid 4999
    ipcs_hold_gen "$d/shm.json" sysv-shm --hold 600
    ipcs_next_pid 5999
    ipcs_as 12345 "$IPCSCOPE" gen sysv-msg --messages 3 --leak >/dev/null ||
        fail "gen sysv-msg --leak as uid 12345"
    # IPC_PRIVATE is 0, IPC_CREAT 01000.
    ipcs_as 12345 perl -e 'defined msgget(0, 01000 | 0644) or die "msgget: $!\n"' ||
        fail "cannot make a world-readable queue"
    for k in msg sem shm; do
        i=0
        while read -r id key; do
            echo "${k^^}$i=$id"
            echo "K${k^^}$i=$key"
            i=$((i + 1))
        done < <(awk 'NR > 1 { k = $1 < 0 ? $1 + 4294967296 : $1; printf "%s 0x%08x\n", $2, k }' "/proc/sysvipc/$k")
    done >"$d/state"
}

# The ipcrm cases, each run on the state of ipcs_rm_state. "@UID " first runs it as that uid.
# Changing this list means capturing tests/expected/ipcrm-2.38.txt again.
ipcrm_cases() {
    cat <<'CASES'

-q @MSG0@
-v -q @MSG0@ -m @SHM0@ -s @SEM0@
-q @MSG0@ -v -m @SHM0@ -s @SEM1@
-m @SHM1@
-v -m @SHM1@ -m @SHM1@
-Q @KMSG1@
-v -M @KSHM0@ -S @KSEM1@
-v -M @KSHM1@ -M @KSHM1@
--queue-id @MSG2@ --semaphore-key @KSEM0@ --verbose --shmem-id @SHM0@
-q 4242
-s 4242 -m 4242 -v
-Q 0x12345
-Q 0
-Q 0x0
-S 4294967296
-Q -1
-q abc
-q ''
-q 5x
-q 99999999999
-q -1
-Q zz
-Q 0x
-Q ''
-Q 99999999999999999999999
-q @MSG0@ -q @MSG0@
-q @MSG0@ -Q @KMSG0@
-a
-v -a
-v --all=shm
-v --all=msg
-v --all=sem -q @MSG2@
-a=msg
--all=foo
-v -a foo
-v -a -q 4242
foo -q @MSG0@
shm @SHM0@
msg @MSG0@ @MSG1@ @MSG2@
sem abc @SEM0@ -1
shm
msg 4242
shm ''
sem ' 1'
-z
--bogus
--s
-m
-h
--help
@54321 -q @MSG0@
@54321 -v -a
@54321 -Q @KMSG0@
@54321 msg @MSG1@ @MSG3@
@12345 -v -a
@12345 -v -q @MSG3@
CASES
}

# ipcs_transcript OUT CMD...: every ipcs case run with CMD, in this namespace.
ipcs_transcript() {
    local out=$1 line user
    local -a args
    shift
    : >"$out"
    while IFS= read -r line; do
        echo "=== ipcs $line" >>"$out"
        if [[ $line == @* ]]; then
            eval "args=($(ipcs_subst "${line#* }"))"
            user=${line%% *}
            ipcs_run_case "$out" ipcs_as "${user#@}" "$@" "${args[@]}"
        else
            eval "args=($(ipcs_subst "$line"))"
            ipcs_run_case "$out" "$@" "${args[@]}"
        fi
    done < <(ipcs_cases)
    rm -f "$out.1" "$out.2"
}

# ipcrm_transcript OUT TOOLDIR|sub: every ipcrm case run with the ipcrm in
# TOOLDIR or `ipcscope ipcrm`, on the state of ipcs_rm_state in new namespaces, new ones
# again after each case that changed the objects (test_ipcrm.sh --cases).
ipcrm_transcript() {
    local out=$1 first=0 total
    total=$(ipcrm_cases | wc -l)
    : >"$out"
    while [ "$first" -lt "$total" ]; do
        unshare --ipc --pid --fork --mount-proc -- env IPCS_COMPAT_IN_NS=1 \
            bash "$SRCDIR/tests/integration/test_ipcrm.sh" --cases "$2" "$first" "$out.next" \
            >>"$out" 2>"$out.err" || {
            cat "$out.err" >&2
            fail "ipcrm cases from number $first could not run"
        }
        first=$(cat "$out.next")
    done
    rm -f "$out.err" "$out.next"
}
