#!/usr/bin/env bash
# The states later tests build on, made with --hold and --fill and checked against the
# kernel directly: a pipe with 1234 bytes queued between parent and child; a FIFO with 100;
# a POSIX queue with 2 messages; a POSIX shm object mapped by a child and open in the
# parent; a named semaphore at 3; a socketpair with 77 unread bytes; a listening unix socket
# with a connected client; a TCP loopback connection; a SysV segment attached by a child; a
# SysV queue holding messages of mtypes 1, 2, 3; a SysV set holding 3, 4, 5; 5 signals
# pending; flock and fcntl locks held. And a hold without --fill keeps its slow traffic
# flowing (the queue's last send time moves on).
. "$SRCDIR/tests/tools/testlib.sh"
T=$(mktemp -d)
trap 'stop_gens; rm -rf "$T"' EXIT

start_gen "$T/pipe.json" pipe --hold 60 --fill 1234
start_gen "$T/fifo.json" fifo --hold 60 --fill 100
start_gen "$T/mq.json" posix-mq --hold 60 --fill 2
start_gen "$T/pshm.json" posix-shm --hold 60
start_gen "$T/psem.json" posix-sem --hold 60 --fill 3
start_gen "$T/pair.json" socketpair --hold 60 --fill 77
start_gen "$T/ustream.json" unix-stream --hold 60
start_gen "$T/tcp.json" tcp --hold 60
start_gen "$T/shm.json" sysv-shm --hold 60 --fill 8192
start_gen "$T/msg.json" sysv-msg --hold 60 --fill 3 --size 100
start_gen "$T/sem.json" sysv-sem --hold 60 --nsems 3 --fill 3
start_gen "$T/sig.json" signal --hold 60 --fill 5
start_gen "$T/flock.json" flock --hold 60
start_gen "$T/fcntl.json" fcntl-lock --hold 60
for f in "$T"/*.json; do
    py "$SRCDIR/tests/integration/gen_objects.py" present "$f" || fail "$(basename "$f"): not as printed"
    py "$SRCDIR/tests/tools/validate.py" "$SRCDIR/src/gen/gen.schema.json" "$f" || fail "schema: $f"
done
ss -xa >"$T/ss.txt" 2>/dev/null || : >"$T/ss.txt"

py - "$T" <<'PY' || fail "a state is not as asked"
import ctypes, fcntl, json, os, struct, sys, termios
T = sys.argv[1]
bad = []
def doc(n): return json.load(open(os.path.join(T, n + ".json")))
def objs(n): return doc(n)["mechanisms"][0]["objects"]
def by_role(n, role): return next(o for o in objs(n) if o.get("role") == role)
def holder(o, role): return next(h for h in o["holders"] if h["role"] == role)
def eq(what, got, want):
    if got != want:
        bad.append(f"{what}: {got!r}, expected {want!r}")
def queued(path):
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0]
    finally:
        os.close(fd)

# pipe: 1234 bytes between the parent (writer) and the child (reader)
o = objs("pipe")[0]
r, w = holder(o, "reader"), holder(o, "writer")
eq("pipe fill", o.get("fill"), 1234)
eq("pipe bytes queued", queued(f"/proc/{r['pid']}/fd/{r['fd']}"), 1234)
eq("pipe writer is the generator", w["pid"], doc("pipe")["pid"])
eq("pipe reader is another process", r["pid"] != w["pid"], True)

# fifo: 100 bytes
o = objs("fifo")[0]
eq("fifo bytes queued", queued(o["name"]), 100)

# POSIX queue: 2 messages of 64 bytes
o = objs("mq")[0]
if os.path.isdir("/dev/mqueue"):
    qsize = open("/dev/mqueue/" + o["name"][1:]).read().split()[0]
    eq("posix-mq QSIZE", qsize, "QSIZE:128")

# POSIX shm: open in the parent (an fd), mapped by the child (no fd)
o = objs("pshm")[0]
eq("posix-shm parent holds an fd", "fd" in holder(o, "writer"), True)
rd = holder(o, "reader")
eq("posix-shm child holds no fd", "fd" in rd, False)
eq("posix-shm child is another process", rd["pid"] != doc("pshm")["pid"], True)

# named semaphore: value 3 (glibc keeps the value in the low 32 bits of the first word)
o = by_role("psem", "named")
eq("posix-sem value", struct.unpack("<I", open("/dev/shm/sem." + o["name"][1:], "rb").read(4))[0], 3)

# socketpair: 77 unread bytes at the child's end
o = by_role("pair", "child-end")
rq = [w[2] for w in map(str.split, open(os.path.join(T, "ss.txt"))) if len(w) > 5 and w[5] == str(o["inode"])]
if rq:
    eq("socketpair Recv-Q", rq[0], "77")

# unix stream: a listener on the path, and a connected client (/proc/net/unix)
unix = {}
for l in list(open("/proc/net/unix"))[1:]:
    w = l.split()
    unix[int(w[6])] = (int(w[3], 16), int(w[5], 16), w[7] if len(w) > 7 else "")
lst, cli = by_role("ustream", "listener"), by_role("ustream", "client")
eq("unix listener", unix.get(lst["inode"]), (0x10000, 1, lst["name"]))
eq("unix client connected", unix.get(cli["inode"], (0, 0, ""))[1], 3)

# TCP: a listener and an established connection on loopback (/proc/net/tcp)
tcp = {}
for l in list(open("/proc/net/tcp"))[1:]:
    w = l.split()
    tcp[int(w[9])] = (w[1].split(":")[0], w[3])
eq("tcp listener", tcp.get(by_role("tcp", "listener")["inode"]), ("0100007F", "0A"))
eq("tcp client", tcp.get(by_role("tcp", "client")["inode"]), ("0100007F", "01"))
eq("tcp server", tcp.get(by_role("tcp", "server")["inode"]), ("0100007F", "01"))

def sysv(kind, id):
    for l in list(open(f"/proc/sysvipc/{kind}"))[1:]:
        w = l.split()
        if int(w[1]) == id:
            return w
    return None

# SysV segment: attached by the child (and the parent), 8192 bytes
o = objs("shm")[0]
w = sysv("shm", o["id"])
eq("sysv-shm size", int(w[3]), 8192)
eq("sysv-shm nattch", int(w[6]), 2)

# SysV queue: 3 messages of 100 bytes, mtypes 1 2 3 (read with MSG_COPY, which leaves them)
o = objs("msg")[0]
w = sysv("msg", o["id"])
eq("sysv-msg qnum", int(w[4]), 3)
eq("sysv-msg cbytes", int(w[3]), 300)
libc = ctypes.CDLL(None, use_errno=True)
libc.msgrcv.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_long, ctypes.c_int]
libc.msgrcv.restype = ctypes.c_ssize_t
buf = ctypes.create_string_buffer(8 + 100)
types = []
for i in range(3):
    if libc.msgrcv(o["id"], buf, 100, i, 0o4000 | 0o40000) == 100:  # IPC_NOWAIT | MSG_COPY
        types.append(struct.unpack("<q", buf.raw[:8])[0])
if types or ctypes.get_errno() != 38:  # ENOSYS: a kernel without MSG_COPY
    eq("sysv-msg mtypes", types, [1, 2, 3])

# SysV semaphores: 3, 4, 5
o = objs("sem")[0]
libc.semctl.restype = ctypes.c_int
eq("sysv-sem values", [libc.semctl(o["id"], i, 12) for i in range(3)], [3, 4, 5])  # GETVAL

# signals: SIGRTMIN pending at the receiver, blocked
o = objs("sig")[0]
rcv = holder(o, "receiver")["pid"]
st = dict(l.split(":", 1) for l in open(f"/proc/{rcv}/status"))
rtmin = 34
eq("SIGRTMIN pending", bool(int(st["ShdPnd"], 16) >> (rtmin - 1) & 1), True)
eq("SIGRTMIN blocked", bool(int(st["SigBlk"], 16) >> (rtmin - 1) & 1), True)

# locks: the worker holds flock's LOCK_EX; fcntl: worker 0-99 write, parent 200-299 read
locks = [l.split() for l in open("/proc/locks")]
def lock_of(kind, o, pid):
    ino = str(o["inode"])
    return [(w[3], w[6], w[7]) for w in locks if len(w) >= 8 and w[1] != "->"
            and w[1] == kind and w[4] == str(pid) and w[5].split(":")[-1] == ino]
o = objs("flock")[0]
wk = [h["pid"] for h in o["holders"] if h["pid"] != doc("flock")["pid"]][0]
eq("flock held", lock_of("FLOCK", o, wk), [("WRITE", "0", "EOF")])
o = objs("fcntl")[0]
wk = [h["pid"] for h in o["holders"] if h["pid"] != doc("fcntl")["pid"]][0]
eq("fcntl worker lock", lock_of("POSIX", o, wk), [("WRITE", "0", "99")])
eq("fcntl parent lock", lock_of("POSIX", o, doc("fcntl")["pid"]), [("READ", "200", "299")])

for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
stop_gens
for f in "$T"/*.json; do
    py "$SRCDIR/tests/integration/gen_objects.py" gone "$f" || fail "$(basename "$f"): left behind"
done

# Without --fill, holding keeps a slow traffic going: the queue's last send time moves on.
start_gen "$T/slow.json" sysv-msg posix-mq --hold 60
id=$(gen_field "$T/slow.json" 'o["id"]')
before=$(awk -v id="$id" '$2 == id {print $12}' /proc/sysvipc/msg)   # stime
sleep 2.3
after=$(awk -v id="$id" '$2 == id {print $12}' /proc/sysvipc/msg)
[ "$after" -gt "$before" ] || fail "no slow traffic while holding: stime $before -> $after"
stop_gens
echo "ok: every fill state as asked"
