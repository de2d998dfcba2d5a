"""Hold the states test_fdkinds.sh reads: two eventfds (count 5 with EFD_SEMAPHORE, count 42),
a signalfd on SIGUSR1 and SIGRTMIN+3 held through two fds of this process and one of a forked
child, a second signalfd with the same mask (another file), and signals left pending: SIGUSR2
for the main thread, SIGUSR1 and three SIGRTMIN for the process, all blocked.

usage: fdkinds_state.py OUT   (writes a JSON line of pids and fds to OUT, then sleeps)"""
import ctypes
import json
import os
import signal
import sys
import threading
import time

RTMIN = signal.SIGRTMIN
libc = ctypes.CDLL(None, use_errno=True)


def signalfd(sigs):
    mask = (ctypes.c_ulong * 16)()
    for s in sigs:
        mask[0] |= 1 << (s - 1)
    # glibc's signalfd(fd, mask, flags) passes the kernel's 8-byte size itself.
    fd = libc.signalfd(-1, mask, 0)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "signalfd")
    return fd


blocked = [signal.SIGUSR1, signal.SIGUSR2, RTMIN, RTMIN + 3]
signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
efd_sem = os.eventfd(5, os.EFD_SEMAPHORE)
efd = os.eventfd(42)
sfd = signalfd([signal.SIGUSR1, RTMIN + 3])
sfd_dup = os.dup(sfd)
sfd2 = signalfd([signal.SIGUSR1, RTMIN + 3])
child = os.fork()
if child == 0:
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: it ends with the test's process
    os.close(sfd_dup)
    os.close(sfd2)
    while True:
        time.sleep(60)
os.kill(os.getpid(), signal.SIGUSR1)
for _ in range(3):
    os.kill(os.getpid(), RTMIN)
signal.pthread_kill(threading.main_thread().ident, signal.SIGUSR2)
with open(sys.argv[1] + ".tmp", "w") as f:
    json.dump({"pid": os.getpid(), "child": child, "efd_sem": efd_sem, "efd": efd, "sfd": sfd,
               "sfd_dup": sfd_dup, "sfd2": sfd2, "rtmin": int(RTMIN)}, f)
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so that finally runs
try:
    while True:
        time.sleep(60)
finally:
    os.kill(child, signal.SIGKILL)
