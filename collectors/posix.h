/* posix.h - what the POSIX collectors (posix_mq.c, posix_shm.c) share with each other and
 * with the process side, which meets queues and shm files through fds and maps. */
#ifndef IPCSCOPE_POSIX_H
#define IPCSCOPE_POSIX_H

#include <sys/stat.h>

#include "collector.h"

/* Parse the one line the kernel prints for a queue file of an mqueue mount,
 * "QSIZE:%lu NOTIFY:%d SIGNO:%d NOTIFY_PID:%d", into o->used_bytes, obj_ipc(o)->notify, obj_ipc(o)->signo and
 * obj_ipc(o)->notify_pid.pid (not resolved: call scan_resolve_pid). The kernel prints NOTIFY:0 both
 * for "nobody registered" and for SIGEV_SIGNAL; the first case leaves notify, signo and the
 * pid absent. signo is kept only for SIGEV_SIGNAL registrations.
 * Every field that parses is stored. Returns 0; -EINVAL when a field is missing, garbled or
 * repeated, or unknown text follows (what parsed is still stored); -ERANGE when a number
 * does not fit. */
int posix_mq_parse_status(const char *text, struct ipc_object *o);

/* Is the /dev/shm entry name (e.g. "sem.Ab3dE9"), of stat st, at the time now, a temporary
 * of glibc's sem_open caught on its way to becoming a semaphore (posix_shm.c says how that
 * is told)? SEM_TEMP: yes, not listed. SEM_MAYBE_TEMP: only a second look can tell. */
enum sem_temp { SEM_NOT_TEMP, SEM_TEMP, SEM_MAYBE_TEMP };
enum sem_temp posix_sem_temporary(const char *name, const struct stat *st, int64_t now);

/* Is the directory open at dfd (<root>/dev/mqueue) an mqueue mount? In a captured tree
 * the directory is a plain one, so the tree's own proc/self/mounts is asked as well.
 * Returns 0 or -ENODEV with the filesystem's magic in *magic. */
int posix_mq_check_mount(struct scan_ctx *ctx, int dfd, long *magic);

/* The queue called name in the mqueue mount open at dfd, read as the listing reads each
 * queue (stat, status line and, on the live system, mq_getattr): for the process side,
 * which meets through an fd a queue made after the listing. NULL when it is not there. The
 * scanner's own descriptors are not consulted: the process side never reads its own. */
struct ipc_object *posix_mq_read_one(struct scan_ctx *ctx, struct snapshot *snap, int dfd,
				     const char *name);

#endif
