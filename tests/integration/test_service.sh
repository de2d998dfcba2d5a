#!/usr/bin/env bash
# packaging/ipcscope.service, checked three ways without running systemd as PID 1:
#  1. `systemd-analyze verify` accepts it (ExecStart pointed at the binary under test, the
#     man page of Documentation= on MANPATH) and `systemd-analyze security` rates it;
#  2. every system call `list`, `limits` and `serve` (all its routes) make is allowed by the
#     unit's SystemCallFilter= lines, expanded by systemd-analyze;
#  3. as uid 65534 with exactly the unit's capabilities, `list` sees holders, pipe fill,
#     queue contents and semaphore values of objects root made with mode 0600; and without
#     each capability in turn, what the unit's comment says that capability buys is lost.
. "$SRCDIR/tests/tools/testlib.sh"

command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed (package systemd)"
unit=$SRCDIR/packaging/ipcscope.service
T=$(mktemp -d)
chmod 755 "$T"
SPID=
# On a failure mid-way: strace leaves its tracee running when it is killed, so the server
# under it goes first.
trap '[ -n "$SPID" ] && { pkill -TERM -P "$SPID"; kill "$SPID"; } 2>/dev/null; stop_gens; rm -rf "$T"' EXIT

# ---- 1. verify, security ----
sed "s|^ExecStart=/usr/bin/ipcscope |ExecStart=$IPCSCOPE |" "$unit" >"$T/ipcscope.service"
grep -q "^ExecStart=$IPCSCOPE serve " "$T/ipcscope.service" || fail "the unit's ExecStart is not /usr/bin/ipcscope serve ..."
mkdir -p "$T/man/man1"
if [ -f "$BUILDDIR/packaging/ipcscope.1" ]; then
    cp "$BUILDDIR/packaging/ipcscope.1" "$T/man/man1/"
    man_opt=--man=yes
else
    man_opt=--man=no
fi
MANPATH=$T/man systemd-analyze verify "$man_opt" "$T/ipcscope.service" >"$T/verify.out" 2>&1 ||
    { cat "$T/verify.out" >&2; fail "systemd-analyze verify"; }
[ -s "$T/verify.out" ] && { cat "$T/verify.out" >&2; fail "systemd-analyze verify had something to say"; }

systemd-analyze security --offline=true "$man_opt" "$T/ipcscope.service" >"$T/security.out" 2>&1
level=$(sed -n 's/.*Overall exposure level for ipcscope.service: \([0-9.]*\).*/\1/p' "$T/security.out")
[ -n "$level" ] || { cat "$T/security.out" >&2; fail "systemd-analyze security gave no exposure level"; }
awk -v l="$level" 'BEGIN { exit !(l <= 3.0) }' || { grep '✗' "$T/security.out" >&2; fail "exposure level $level is above 3.0"; }

# The settings the hardening rests on, and the ones that would blind the service.
for want in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
    ProtectKernelTunables=yes SystemCallArchitectures=native MemoryDenyWriteExecute=yes \
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK"; do
    grep -qxF "$want" "$unit" || fail "the unit lacks $want"
done
grep -qE '^(DynamicUser=yes|User=[a-z])' "$unit" || fail "the unit runs as root"
for bad in PrivateIPC=yes PrivateNetwork=yes ProcSubset=pid ProtectProc=invisible PrivateUsers=yes; do
    grep -qxF "$bad" "$unit" && fail "$bad would hide the host's IPC from the service"
done
grep -qE '^ExecStart=/usr/bin/ipcscope serve .*--listen (127\.0\.0\.1|\[::1\]):[0-9]+' "$unit" ||
    fail "the unit does not listen on loopback"
caps=$(sed -n 's/^AmbientCapabilities=//p' "$unit")
[ "$caps" = "$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")" ] ||
    fail "AmbientCapabilities and CapabilityBoundingSet differ"
echo "verify: ok; exposure $level; capabilities: $caps"

# ---- 2. the system call filter ----
sanitized=
grep -q '^IPCSCOPE_SANITIZE:BOOL=ON' "$BUILDDIR/CMakeCache.txt" 2>/dev/null && sanitized=1
if [ -n "$sanitized" ]; then
    # The filter is for the binary that ships: ASan makes calls of its own, and its leak
    # checker cannot run under ptrace.
    echo "sanitizer build: the system call filter was not checked"
elif command -v strace >/dev/null; then
    expand() { # groups and names -> names, one per line
        local x
        for x in "$@"; do
            case $x in
            @*) systemd-analyze syscall-filter "$x" </dev/null 2>/dev/null | sed 1d |
                    grep -E '^    [-@a-z0-9_]+$' | while read -r y; do expand "$y"; done ;;
            *) echo "$x" ;;
            esac
        done
    }
    # As systemd reads the lines: the first (an allow list here) sets the filter, each later
    # one removes (~) from it or adds to it.
    grep '^SystemCallFilter=' "$unit" | head -1 | grep -q '^SystemCallFilter=[^~]' ||
        fail "the unit's first SystemCallFilter= line is not an allow list"
    : >"$T/allowed"
    while read -r line; do
        list=${line#SystemCallFilter=}
        # shellcheck disable=SC2086
        if [[ $list == '~'* ]]; then
            expand ${list#\~} | sort -u >"$T/deny"
            comm -23 "$T/allowed" "$T/deny" >"$T/next"
        else
            expand $list | sort -u | sort -u - "$T/allowed" >"$T/next"
        fi
        mv "$T/next" "$T/allowed"
    done < <(grep '^SystemCallFilter=' "$unit")
    [ "$(wc -l <"$T/allowed")" -gt 100 ] || fail "the unit's filter expands to only $(wc -l <"$T/allowed") calls"

    # Only calls outside the filter are traced (seccomp-bpf: the rest run at full speed), so
    # whatever strace counts is a call the unit would refuse. First, that this can fail.
    others=$(sed 's/^/?/' "$T/allowed" | paste -sd,)
    trace() { strace -f --seccomp-bpf -qq -c -o "$1" -e trace="!$2" "${@:3}"; }
    trace "$T/canary.strace" "$(grep -vx write "$T/allowed" | sed 's/^/?/' | paste -sd,)" \
        "$IPCSCOPE" --version >/dev/null || fail "--version under strace"
    grep -qE ' write$' "$T/canary.strace" || fail "strace did not catch a call left out of the filter"

    trace "$T/list.strace" "$others" "$IPCSCOPE" list >/dev/null 2>&1 || fail "list under strace"
    trace "$T/limits.strace" "$others" "$IPCSCOPE" limits >/dev/null 2>&1 || fail "limits under strace"
    if ! command -v curl >/dev/null; then
        echo "curl is not installed: serve was not traced"
        : >"$T/serve.strace"
    else
        strace -f --seccomp-bpf -qq -c -o "$T/serve.strace" -e trace="!$others" \
            "$IPCSCOPE" serve --listen 127.0.0.1:0 --interval 1 >"$T/serve.out" 2>/dev/null &
        SPID=$!
        for _ in $(seq 200); do
            url=$(sed -n 's/^ipcscope: serving \(http:.*\)$/\1/p' "$T/serve.out")
            [ -n "$url" ] && break
            sleep 0.05
        done
        [ -n "$url" ] || fail "serve under strace did not start"
        for path in "" api/v1/objects "api/v1/objects?kind=sysv&stale=true" api/v1/limits \
            api/v1/history metrics healthz api/v1/objects/nosuch; do
            curl -s --compressed -o /dev/null "$url$path" || fail "GET /$path"
        done
        curl -s -N -m 1.5 -o /dev/null "${url}api/v1/events"
        spid=$(pgrep -P "$SPID" -x ipcscope)
        [ -n "$spid" ] || fail "no ipcscope under strace"
        kill -HUP "$spid"
        sleep 0.3
        kill -TERM "$spid"
        wait "$SPID" || fail "serve under strace exited $?"
        SPID=
    fi
    refused=$(cat "$T"/{list,limits,serve}.strace | awk '$NF ~ /^[a-z_0-9]+$/ && $NF != "total" && $1 ~ /^[0-9.]+$/ { print $NF }' | sort -u | tr '\n' ' ')
    [ -z "$refused" ] || fail "the unit's SystemCallFilter refuses calls ipcscope makes: $refused"
    echo "syscalls: list, limits and serve (every route, SIGHUP, SIGTERM) make none the unit refuses"
else
    echo "strace is not installed: the system call filter was not checked"
fi

# ---- 3. the capabilities ----
[ "$(id -u)" = 0 ] || { echo "not root: the capabilities were not checked"; exit 0; }
command -v setpriv >/dev/null || { echo "no setpriv: the capabilities were not checked"; exit 0; }
cp "$IPCSCOPE" "$T/ipcscope"
chmod 755 "$T/ipcscope"
# as CAPS...: run list as uid/gid 65534 holding CAPS (names as in the unit) and nothing more.
as() {
    local c=
    [ $# = 0 ] || c=$(printf '%s\n' "$@" | sed 's/^CAP_//' | tr 'A-Z' 'a-z' | sed 's/^/+/' | paste -sd,)
    setpriv --reuid=65534 --regid=65534 --clear-groups --bounding-set=-all${c:+,$c} \
        --inh-caps=-all${c:+,$c} --ambient-caps=-all${c:+,$c} \
        "$T/ipcscope" list -J -t pipe,posix-mq,sysv-sem 2>/dev/null
}
as >"$T/probe.json" || skip "setpriv cannot drop to uid 65534 with ambient capabilities here"

start_gen "$T/gen.json" pipe posix-mq sysv-sem --hold 60 --fill 3
read -r pipe_ino mq_name sem_id < <(py - "$T/gen.json" <<'PY'
import json, sys
d = {m["mechanism"]: m["objects"][0] for m in json.load(open(sys.argv[1]))["mechanisms"]}
print(d["pipe"]["inode"], d["posix-mq"]["name"], d["sysv-sem"]["id"])
PY
)
[ -n "$sem_id" ] || fail "gen did not report its objects"

# check JSON WHAT...: what the scan in JSON saw of the generator's objects.
#   holders: the pipe with both ends held and 3 bytes in it (fds read, pidfd_getfd)
#   mq:      the queue with 3 messages, complete    sem: the set with its values, complete
check() {
    py - "$1" "$pipe_ino" "$mq_name" "$sem_id" <<'PY'
import json, sys
doc, ino, name, semid = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
objs = doc["objects"]
pipe = [o for o in objs if o["kind"] == "pipe" and o.get("inode") == ino]
mq = [o for o in objs if o["kind"] == "posix-mq" and o.get("name") == name]
sem = [o for o in objs if o["kind"] == "sysv-sem" and o.get("id") == semid]
out = []
if pipe and len(pipe[0].get("holders", [])) == 2 and pipe[0].get("used_bytes") == 3:
    out.append("holders")
if mq and mq[0].get("messages") == 3 and not mq[0].get("partial"):
    out.append("mq")
if sem and sem[0].get("semaphores") and not sem[0].get("partial"):
    out.append("sem")
print(" ".join(out))
PY
}
# shellcheck disable=SC2206
unitcaps=($caps)
as "${unitcaps[@]}" >"$T/all.json"
got=$(check "$T/all.json")
[ "$got" = "holders mq sem" ] || fail "as uid 65534 with $caps the scan sees only '$got' of 'holders mq sem'"
# What each capability alone makes possible, as the unit's comment says.
declare -A buys=([CAP_SYS_PTRACE]=holders [CAP_DAC_READ_SEARCH]="holders mq" [CAP_IPC_OWNER]=sem)
for drop in "${unitcaps[@]}"; do
    [ -n "${buys[$drop]:-}" ] || fail "the unit grants $drop, which this test does not know the use of"
    keep=()
    for c in "${unitcaps[@]}"; do [ "$c" = "$drop" ] || keep+=("$c"); done
    as "${keep[@]}" >"$T/without.json"
    got=$(check "$T/without.json")
    for lost in ${buys[$drop]}; do
        [[ " $got " == *" $lost "* ]] && fail "without $drop the scan still sees '$lost': the capability is not needed for it"
    done
done
as >"$T/none.json"
[ -z "$(check "$T/none.json")" ] || fail "without capabilities uid 65534 sees '$(check "$T/none.json")'"
echo "capabilities: each of $caps is needed, and together they see everything"

# ---- 4. ipcscope-metrics.service and its timer ----
# Verified and rated as the server's unit; the same three capabilities and no more; the
# directory it writes is the only one ReadWritePaths= opens; and `metrics -o` makes no
# system call its filter refuses.
munit=$SRCDIR/packaging/ipcscope-metrics.service
sed "s|^ExecStart=/usr/bin/ipcscope |ExecStart=$IPCSCOPE |" "$munit" >"$T/ipcscope-metrics.service"
cp "$SRCDIR/packaging/ipcscope-metrics.timer" "$T/"
MANPATH=$T/man systemd-analyze verify "$man_opt" "$T/ipcscope-metrics.service" "$T/ipcscope-metrics.timer" \
    >"$T/mverify.out" 2>&1 || { cat "$T/mverify.out" >&2; fail "systemd-analyze verify ipcscope-metrics"; }
[ -s "$T/mverify.out" ] && { cat "$T/mverify.out" >&2; fail "systemd-analyze verify ipcscope-metrics had something to say"; }
systemd-analyze security --offline=true "$man_opt" "$T/ipcscope-metrics.service" >"$T/msecurity.out" 2>&1
mlevel=$(sed -n 's/.*Overall exposure level for ipcscope-metrics.service: \([0-9.]*\).*/\1/p' "$T/msecurity.out")
[ -n "$mlevel" ] && awk -v l="$mlevel" 'BEGIN { exit !(l <= 3.0) }' ||
    { cat "$T/msecurity.out" >&2; fail "ipcscope-metrics exposure level '$mlevel' is above 3.0"; }
[ "$(sed -n 's/^CapabilityBoundingSet=//p' "$munit")" = "$caps" ] || fail "ipcscope-metrics has other capabilities than ipcscope"
out=$(sed -n 's/^ExecStart=.* -o \([^ ]*\).*/\1/p' "$munit")
[ "$(sed -n 's/^ReadWritePaths=//p' "$munit")" = "$(dirname "$out")" ] || fail "ReadWritePaths= is not the directory of -o $out"
grep -qxF 'OnCalendar=minutely' "$SRCDIR/packaging/ipcscope-metrics.timer" || fail "the timer is not every minute"
for want in NoNewPrivileges=yes ProtectSystem=strict Type=oneshot "RestrictAddressFamilies=AF_UNIX AF_NETLINK"; do
    grep -qxF "$want" "$munit" || fail "ipcscope-metrics lacks $want"
done
if [ -z "$sanitized" ] && command -v strace >/dev/null; then
    : >"$T/mallowed"
    while read -r line; do
        list=${line#SystemCallFilter=}
        # shellcheck disable=SC2086
        if [[ $list == '~'* ]]; then
            expand ${list#\~} | sort -u >"$T/deny"
            comm -23 "$T/mallowed" "$T/deny" >"$T/next"
        else
            expand $list | sort -u | sort -u - "$T/mallowed" >"$T/next"
        fi
        mv "$T/next" "$T/mallowed"
    done < <(grep '^SystemCallFilter=' "$munit")
    mkdir "$T/textfile"
    strace -f --seccomp-bpf -qq -c -o "$T/metrics.strace" -e trace="!$(sed 's/^/?/' "$T/mallowed" | paste -sd,)" \
        "$IPCSCOPE" metrics -o "$T/textfile/ipcscope.prom" >/dev/null 2>&1 || fail "metrics -o under strace"
    [ -s "$T/textfile/ipcscope.prom" ] || fail "metrics -o under strace wrote nothing"
    refused=$(awk '$NF ~ /^[a-z_0-9]+$/ && $NF != "total" && $1 ~ /^[0-9.]+$/ { print $NF }' "$T/metrics.strace" | sort -u | tr '\n' ' ')
    [ -z "$refused" ] || fail "ipcscope-metrics' SystemCallFilter refuses calls metrics -o makes: $refused"
fi
echo "ipcscope-metrics: verify ok; exposure $mlevel; syscalls of metrics -o allowed"
