#!/usr/bin/env bash
# Bad parameters: exit 2 with one line on stderr that names the limit and its value, and
# nothing made. Limits are read the way `ipcscope limits` reads them, so the line carries
# the same figure as /proc/sys.
. "$SRCDIR/tests/tools/testlib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
tmp=${TMPDIR:-/tmp}
before=$(ls -d "$tmp"/ipcscope-[0-9]*-* 2>/dev/null | wc -l)

# bad RC PATTERN ARGS...: `ipcscope ARGS` exits RC with exactly one stderr line matching PATTERN.
bad() {
    local want=$1 pat=$2 rc
    shift 2
    "$IPCSCOPE" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    [ "$rc" = "$want" ] || fail "ipcscope $*: exit $rc, expected $want: $(cat "$T/err")"
    [ "$(wc -l <"$T/err")" = 1 ] || fail "ipcscope $*: not one line on stderr: $(cat "$T/err")"
    grep -Eq -- "$pat" "$T/err" || fail "ipcscope $*: '$(cat "$T/err")' does not match '$pat'"
    [ ! -s "$T/out" ] || fail "ipcscope $*: printed on stdout: $(cat "$T/out")"
}

msgmax=$(cat /proc/sys/kernel/msgmax)
msgmnb=$(cat /proc/sys/kernel/msgmnb)
msgmni=$(cat /proc/sys/kernel/msgmni)
read -r semmsl semmns semopm semmni </proc/sys/kernel/sem
msgsize_max=$(cat /proc/sys/fs/mqueue/msgsize_max)
msg_max=$(cat /proc/sys/fs/mqueue/msg_max)
queues_max=$(cat /proc/sys/fs/mqueue/queues_max)
shmmni=$(cat /proc/sys/kernel/shmmni)

bad 2 "msgmax \\($msgmax bytes\\)" gen sysv-msg --size $((msgmax + 1))
bad 2 "msgmnb \\($msgmnb bytes" gen sysv-msg --hold 1 --fill $((msgmnb / 64 + 1))
bad 2 "msgmni \\($msgmni queues" gen sysv-msg --count $((msgmni < 100000 ? msgmni + 1 : 100000))
bad 2 "semmsl \\($semmsl semaphores" gen sysv-sem --nsems $((semmsl + 1 > 65535 ? 65535 : semmsl + 1))
[ "$semmni" -lt 100000 ] && bad 2 "semmni \\($semmni sets" gen sysv-sem --count $((semmni + 1))
bad 2 "semvmx \\(32767\\)" gen sysv-sem --hold 1 --fill 32767
bad 2 "msgsize_max \\($msgsize_max bytes\\)" gen posix-mq --size $((msgsize_max + 1))
bad 2 "msg_max \\($msg_max\\)" gen posix-mq --hold 1 --fill $((msg_max + 1))
[ "$queues_max" -lt 100000 ] && bad 2 "queues_max \\($queues_max queues" gen posix-mq --count $((queues_max + 1))
bad 2 "shmmni \\($shmmni segments" gen sysv-shm --count $((shmmni < 100000 ? shmmni + 1 : 100000))
bad 2 "RLIMIT_NOFILE \\([0-9]+\\)" gen pipe --count 100000
bad 2 "largest UDP payload \\(65507 bytes\\)" gen udp --size 65508
bad 2 "SO_SNDBUF \\([0-9]+ bytes" gen unix-dgram --size 1M
bad 2 "pipe buffer \\(65536 bytes\\)" gen popen --size 70000
bad 2 "RLIMIT_SIGPENDING \\([0-9]+\\)" gen signal --hold 1 --fill 2147483647
bad 2 "frame header is 16 bytes" gen pipe --size 15
bad 2 "--count '0'" gen pipe --count 0
bad 2 "--fill only applies while holding" gen pipe --fill 5
bad 2 "unknown mechanism 'pipes'" gen pipes
bad 2 "name at least one mechanism" gen
bad 2 "--hold 'x'" gen pipe --hold x
bad 2 "unknown option" gen pipe --bogus
bad 2 "--cpu 'both'" bench --cpu both
bad 2 "--size '8'" bench --size 8
bad 2 "unknown mechanism 'nope'" bench nope
# Checked together before anything is made: one bad mechanism stops all of them.
bad 2 "sysv-msg: --size" gen pipe sysv-msg fifo --size $((msgmax + 1))

after=$(ls -d "$tmp"/ipcscope-[0-9]*-* 2>/dev/null | wc -l)
[ "$after" = "$before" ] || fail "a refused run left a temporary directory behind"
echo "ok: every bad parameter refused with the limit named"
