/* deadlock.h - cycles in the wait-for graph of one scan.
 *
 * A process that waits on an object waits for the processes that hold it. Only the edges
 * that are certain are drawn: a lock and the processes holding it; a pipe or FIFO whose
 * sleeping reader has exactly one other process able to write it (or a sleeping writer
 * exactly one other able to read). Semaphores and queues have no owner: they show their
 * waiters, and no cycle runs through them; neither does a wait on several objects (poll).
 * A cycle is a deadlock no one will break: the kernel refuses POSIX-lock cycles with
 * EDEADLK, but flock, OFD locks and cycles through pipes it lets sleep forever. */
#ifndef IPCSCOPE_DEADLOCK_H
#define IPCSCOPE_DEADLOCK_H

#include <stddef.h>

#include "core/snapshot.h"

/* One step of a cycle: pid waits on the object, which the next step's pid holds. */
struct deadlock_step {
	pid_t pid;
	char comm[COMM_LEN];
	char *identity;      /* the object waited on; owned */
	const char *what;    /* how it waits ("lock", "read", ...); static */
};

struct deadlock {
	struct deadlock_step *steps; /* owned */
	size_t n;
};

/* Find every cycle in snap (each once), mark the objects on it OBJ_DEADLOCK, and keep them
 * in snap->deadlocks. */
void deadlocks_find(struct snapshot *snap);
void deadlocks_release(struct snapshot *snap);

#endif
