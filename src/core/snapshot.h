/* snapshot.h - everything one scan found: objects, limits and the errors met on the way.
 *
 * The snapshot owns every object, limit and error. A scan never aborts on one bad source:
 * it records an error with its source and goes on. */
#ifndef IPCSCOPE_SNAPSHOT_H
#define IPCSCOPE_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ns.h"
#include "object.h"

struct scan_error {
	char *source;   /* file or mechanism, e.g. "/proc/sysvipc/sem"; owned */
	char *message;  /* one line; owned */
};

/* One kernel limit and how much of it is used. */
struct limit {
	const char *name;    /* "msgmni"; static */
	const char *group;   /* kind or group it limits: "sysv-msg"; static */
	const char *descr;   /* one line; static */
	const char *unit;    /* "count", "bytes", "pages"; static */
	bool has_value;      /* false when it could not be read */
	uint64_t value;      /* shmall may exceed INT64_MAX */
	bool has_used;       /* false when no usage applies or the kind was not scanned */
	uint64_t used;
	bool ceiling;        /* a bound on each object, not a pool: used is the largest one in
			      * use, and no share of the limit is "in use" (msg_max) */
	char *source;        /* where value was read; owned */
	uint64_t ns;         /* the IPC or mount namespace it is of; 0 the scanner's */
};

struct pid_cache; /* pid -> comm, private to snapshot.c */
struct obj_table;

struct snapshot {
	char host[256];
	int64_t time;             /* when the scan began, seconds since the epoch */
	int64_t scan_ns;          /* how long the scan took */
	bool holders_complete;    /* every process's fds and maps were read (set by procfd) */
	unsigned procs_unread;    /* processes whose fds could not be read (permission): the
				   * holders of what fds and maps hold may be incomplete */
	unsigned vanished;        /* objects listed by their source but gone before the rest
				   * of them could be read, so left out (not shown; a debug
				   * figure for tests) */

	struct ipc_object **objs; /* owned */
	size_t nobjs, objs_cap;

	struct scan_error *errs;  /* owned */
	size_t nerrs, errs_cap;

	struct limit *limits;     /* owned */
	size_t nlimits, limits_cap;

	/* Every process and namespace discovery read (collectors/nsdisc.c); procs sorted by
	 * pid. Empty when discovery did not run (no holders wanted). */
	struct ns_proc *procs;     /* owned */
	size_t nprocs, procs_cap;
	struct ns_info *nss;       /* owned */
	size_t nnss, nss_cap;
	struct container *containers; /* owned */
	size_t ncontainers, containers_cap;
	uint64_t self_ns[NS__COUNT]; /* the scanner's namespaces; 0 unknown */
	unsigned ns_hidden;        /* processes whose namespaces could not be read */
	uint64_t limit_ns;         /* namespace the limits being read belong to (see limit.ns) */

	/* Threads asleep in flock or fcntl(F_SETLKW, F_OFD_SETLKW): they wait on a lock, not an
	 * IPC object, so they are kept here with the file's device and inode (lock_dev,
	 * lock_ino) for lock objects to take. */
	struct ipc_waiter *lock_waiters; /* owned */
	size_t nlock_waiters, lock_waiters_cap;

	struct deadlock *deadlocks; /* owned; core/deadlock.h */
	size_t ndeadlocks, deadlocks_cap;

	struct pid_cache *pids;    /* owned */
	struct obj_table *index;  /* owned; inode -> object, built on demand */
	struct obj_table *ids;    /* owned; identity -> object, built on demand */
};

void snapshot_init(struct snapshot *s);
void snapshot_release(struct snapshot *s);
/* For a command about to exit: snapshot_release for a small snapshot; a large one (at least
 * SNAPSHOT_LEAVE_MIN objects, one at a time) is left to the exit instead, still reachable
 * (freeing 68,000 objects one by one was 5% of list -J). Either way *s is empty after. */
#define SNAPSHOT_LEAVE_MIN 4096
void snapshot_leave(struct snapshot *s);

/* Takes ownership of o. */
void snapshot_add(struct snapshot *s, struct ipc_object *o);
void snapshot_error(struct snapshot *s, const char *source, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Adds or updates the limit called name (value unknown until set). source is copied.
 * Returns it (borrowed). */
struct limit *snapshot_limit(struct snapshot *s, const char *name, const char *group,
			     const char *descr, const char *unit, const char *source);
struct limit *snapshot_find_limit(const struct snapshot *s, const char *name);

/* The object of kind (or any kind when kind < 0) with this inode, or NULL. */
struct ipc_object *snapshot_find_inode(struct snapshot *s, int kind, uint64_t inode);
/* The object of kind (any when kind < 0) that is the file dev:inode. Files of two file
 * systems share inode numbers all the time (every tmpfs counts from 1): an object of a file
 * system is found by both. */
struct ipc_object *snapshot_find_file(struct snapshot *s, int kind, uint64_t dev, uint64_t inode);
/* Make snapshot_find_inode see objects added since the last call. */
void snapshot_index_add(struct snapshot *s, struct ipc_object *o);
/* By identity; the first call builds an index that snapshot_add then keeps up to date. */
struct ipc_object *snapshot_find_identity(struct snapshot *s, const char *identity);

/* The pid -> command cache the collectors share. lookup is false when pid is not cached. */
bool snapshot_pid_lookup(struct snapshot *s, struct pid_ref *ref);
void snapshot_pid_store(struct snapshot *s, const struct pid_ref *ref);

/* The namespace inode a limit is of (the scanner's own when l->ns is 0; 0 unknown), and
 * the container of that namespace. /dev/shm limits are of a mount namespace, the others of
 * an IPC namespace. */
uint64_t snapshot_limit_ns(const struct snapshot *s, const struct limit *l);
const struct container *snapshot_limit_container(const struct snapshot *s, const struct limit *l);
/* Keep only the objects keep(o, arg) is true for; the others are freed. */
void snapshot_retain(struct snapshot *s, bool (*keep)(const struct ipc_object *o, void *arg), void *arg);
/* The process discovery read as pid, or NULL. */
const struct ns_proc *snapshot_proc(const struct snapshot *s, pid_t pid);
/* The namespace of type t and inode ino, or NULL. */
struct ns_info *snapshot_ns(const struct snapshot *s, enum ns_type t, uint64_t ino);
/* The container of index i, or NULL (i < 0). */
const struct container *snapshot_container(const struct snapshot *s, int i);
/* The index of c (an object's or holder's cont) in s->containers; -1 for NULL. */
int snapshot_container_index(const struct snapshot *s, const struct container *c);

/* Sort objects by kind then id/name/inode, the order every output uses by default. */
void snapshot_sort_default(struct snapshot *s);

#endif
