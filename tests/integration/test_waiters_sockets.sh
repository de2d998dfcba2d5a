#!/usr/bin/env bash
# test_waiters_sockets.sh - the waits the generators do not make: a thread asleep in accept
# on a unix listener, in recv on a unix socket and on a TCP connection, in connect on a unix
# listener whose backlog is full, in epoll_wait and in select on a pipe. Each is a real
# process (python3) really asleep in that call before anything is read; `list -J` must show
# it as a waiter of the right object with the right what. Private IPC, mount and pid
# namespaces (the TCP pair is on loopback).
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT

/usr/bin/python3 - "$T" <<'PY' &
import json, os, select, socket, sys, time
T = sys.argv[1]
info = {}
def child(name, fn):
    pid = os.fork()
    if pid == 0:
        fn(); os._exit(0)
    info[name] = pid
# accept: a listener nobody connects to
ls = socket.socket(socket.AF_UNIX); ls.bind(T + "/accept.sock"); ls.listen(1)
child("accept", lambda: ls.accept())
# recv on one end of a unix pair
a, b = socket.socketpair()
child("unix_recv", lambda: a.recv(10))
# recv on a TCP connection over loopback
tl = socket.socket(); tl.bind(("127.0.0.1", 0)); tl.listen(1)
tc = socket.create_connection(tl.getsockname()); ts, _ = tl.accept()
child("tcp_recv", lambda: ts.recv(10))
# connect to a listener whose backlog (0) is full: it sleeps until someone accepts
full = socket.socket(socket.AF_UNIX); full.bind(T + "/full.sock"); full.listen(0)
held = [socket.socket(socket.AF_UNIX) for _ in range(2)]
for s in held:
    s.setblocking(False)
    try:
        s.connect(T + "/full.sock")
    except (BlockingIOError, OSError):
        pass
def connect():
    c = socket.socket(socket.AF_UNIX)
    info_path = T + "/connect.ino"
    open(info_path, "w").write(str(os.fstat(c.fileno()).st_ino))
    c.connect(T + "/full.sock")
child("connect", connect)
# epoll_wait and select on the read end of a pipe nobody writes
r, w = os.pipe()
def ep():
    e = select.epoll(); e.register(r, select.EPOLLIN); e.poll()
child("epoll", ep)
child("select", lambda: select.select([r], [], []))
json.dump({"pids": info, "listener": os.fstat(ls.fileno()).st_ino, "unix_a": os.fstat(a.fileno()).st_ino,
           "tcp_server": os.fstat(ts.fileno()).st_ino, "pipe": os.fstat(r).st_ino},
          open(T + "/info.json.tmp", "w"))
os.rename(T + "/info.json.tmp", T + "/info.json")
time.sleep(120)
PY
for _ in $(seq 200); do [ -e "$T/info.json" ] && [ -e "$T/connect.ino" ] && break; sleep 0.05; done
[ -e "$T/info.json" ] || fail "the sleepers did not start"
# Each really asleep in its call (state S, a syscall number, not "running").
for _ in $(seq 200); do
    ok=1
    for pid in $(py -c 'import json,sys; print(" ".join(str(p) for p in json.load(open(sys.argv[1]))["pids"].values()))' "$T/info.json"); do
        [ "$(awk '{print $3}' /proc/$pid/stat)" = S ] && grep -qE '^[0-9]+ ' /proc/$pid/syscall || ok=0
    done
    [ $ok = 1 ] && break
    sleep 0.05
done
[ $ok = 1 ] || fail "not every sleeper is asleep in a system call"
"$IPCSCOPE" list -J >"$T/list.json" || fail "list -J"
validate "$T/list.json"
py - "$T/list.json" "$T/info.json" "$(cat "$T/connect.ino")" <<'PY' || fail "a sleeper is not the right object's waiter"
import json, sys
d = json.load(open(sys.argv[1])); info = json.load(open(sys.argv[2])); connect_ino = int(sys.argv[3])
by_ino = {}
for o in d["objects"]:
    if o.get("inode"):
        by_ino.setdefault(o["inode"], []).append(o)
def waiter(ino, pid, what, several=None):
    objs = by_ino.get(ino, [])
    ws = [w for o in objs for w in o.get("waiters", []) if w["pid"] == pid]
    assert ws, f"{what}: pid {pid} is no waiter of inode {ino} ({[o['identity'] for o in objs]})"
    assert ws[0]["what"] == what, (what, ws[0])
    if several is not None:
        assert ws[0]["several"] == several, ws[0]
p = info["pids"]
waiter(info["listener"], p["accept"], "accept")
waiter(info["unix_a"], p["unix_recv"], "receive")
waiter(info["tcp_server"], p["tcp_recv"], "receive")
waiter(connect_ino, p["connect"], "connect")
waiter(info["pipe"], p["epoll"], "poll")  # one fd watched: not "several"
waiter(info["pipe"], p["select"], "poll")
PY
echo "ok: accept, recv (unix, TCP), connect, epoll_wait and select waiters on their objects"
