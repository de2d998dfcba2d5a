/* posix.h - what the POSIX collectors (posix_mq.c, posix_shm.c) share with each other and
 * with the process side, which meets queues and shm files through fds and maps. */
#ifndef IPCSCOPE_POSIX_H
#define IPCSCOPE_POSIX_H

#include <sys/stat.h>

#include "collector.h"

/* Parse the one line the kernel prints for a queue file of an mqueue mount,
 * "QSIZE:%lu NOTIFY:%d SIGNO:%d NOTIFY_PID:%d", into o->used_bytes, o->notify, o->signo and
 * o->notify_pid.pid (not resolved: call scan_resolve_pid). The kernel prints NOTIFY:0 both
 * for "nobody registered" and for SIGEV_SIGNAL; the first case leaves notify, signo and the
 * pid absent. signo is kept only for SIGEV_SIGNAL registrations.
 * Every field that parses is stored. Returns 0; -EINVAL when a field is missing, garbled or
 * repeated, or unknown text follows (what parsed is still stored); -ERANGE when a number
 * does not fit. */
int posix_mq_parse_status(const char *text, struct ipc_object *o);

#endif
