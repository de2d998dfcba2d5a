#!/usr/bin/python3
"""Make and destroy IPC objects as fast as a small pause allows, until killed.

usage: churn.py sysv|posix [PAUSE_MS]

sysv: a message queue, a shared memory segment and a semaphore set per round, removed
again after a pause. posix: a message queue (held open through the pause, so that scans
meet it through an fd, and unlinked before it is closed), a /dev/shm object and a named
semaphore (sem_open, whose temporary file glibc links into place). Every name starts with
"ipcscope-churn-<pid>-". The objects of a round are removed before the next round; what
a SIGTERM interrupts is removed on the way out. Meant for a private IPC and mount
namespace: it runs the kernel's tables hot for whoever shares them."""
import ctypes
import os
import signal
import sys
import time

IPC_PRIVATE, IPC_CREAT, IPC_RMID = 0, 0o1000, 0
O_CREAT, O_RDWR = os.O_CREAT, os.O_RDWR

libc = ctypes.CDLL(None, use_errno=True)
libc.sem_open.restype = ctypes.c_void_p
libc.sem_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_uint]
libc.sem_close.argtypes = [ctypes.c_void_p]
libc.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p]
SEM_FAILED = ctypes.c_void_p(0).value

stop = False


def on_term(signum, frame):
    global stop
    stop = True


def check(rc, what):
    if rc is None or rc < 0:
        err = ctypes.get_errno()
        raise SystemExit(f"churn.py: {what}: {os.strerror(err)}")
    return rc


def sysv_round(pause):
    q = check(libc.msgget(IPC_PRIVATE, IPC_CREAT | 0o600), "msgget")
    m = check(libc.shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0o600), "shmget")
    s = check(libc.semget(IPC_PRIVATE, 3, IPC_CREAT | 0o600), "semget")
    time.sleep(pause)
    libc.msgctl(q, IPC_RMID, None)
    libc.shmctl(m, IPC_RMID, None)
    libc.semctl(s, 0, IPC_RMID)


def posix_round(prefix, n, pause):
    mq = f"/{prefix}mq-{n}".encode()
    shm = f"/dev/shm/{prefix}shm-{n}"
    sem = f"/{prefix}sem-{n}".encode()
    q = check(libc.mq_open(mq, O_CREAT | O_RDWR, 0o600, None), "mq_open")
    fd = os.open(shm, O_CREAT | O_RDWR, 0o600)
    os.ftruncate(fd, 4096)
    os.close(fd)
    p = libc.sem_open(sem, O_CREAT, 0o600, 1)
    if p in (None, SEM_FAILED):
        raise SystemExit(f"churn.py: sem_open: {os.strerror(ctypes.get_errno())}")
    time.sleep(pause)
    libc.sem_close(ctypes.c_void_p(p))
    libc.sem_unlink(sem)
    os.unlink(shm)
    libc.mq_unlink(mq)
    os.close(q)


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("sysv", "posix"):
        print(__doc__, file=sys.stderr)
        return 2
    pause = float(sys.argv[2]) / 1000 if len(sys.argv) > 2 else 0.001
    prefix = f"ipcscope-churn-{os.getpid()}-"
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    n = 0
    while not stop:
        if sys.argv[1] == "sysv":
            sysv_round(pause)
        else:
            posix_round(prefix, n, pause)
        n += 1
    print(f"churn.py {sys.argv[1]}: {n} rounds", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
