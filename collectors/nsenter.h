/* nsenter.h - run a function inside another process's namespace.
 *
 * System V IPC, POSIX queues by name and sock_diag answer for the calling thread's IPC or
 * network namespace, and paths for the caller's mount namespace. A short-lived thread that
 * does nothing else enters the namespace with setns (a mount namespace after unsharing its
 * file system attributes) and runs the function; the caller's own threads never move. The caller waits, so
 * the function may use anything the caller owns (the snapshot) without locks. */
#ifndef IPCSCOPE_NSENTER_H
#define IPCSCOPE_NSENTER_H

#include <stdint.h>
#include <sys/types.h>

#include "core/ns.h"

/* Enter namespace type t of process pid (as the live /proc shows it), which must still be
 * the one of inode ino, and run fn(arg) there. Returns what fn returned; -ESRCH when pid
 * is gone or now lives in another namespace (the namespace may be gone); -EPERM when it
 * may not be entered; -errno of open or setns else. */
int ns_run_in(pid_t pid, enum ns_type t, uint64_t ino, int (*fn)(void *), void *arg);

#endif
