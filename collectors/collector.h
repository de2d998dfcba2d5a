/* collector.h - the interface every source of objects implements.
 *
 * A collector reads one source and adds objects, limits and errors to the snapshot. It
 * never prints and never exits. Every file it reads is opened relative to ctx->rootfd, so
 * `--root DIR` runs the same parser on a fixture tree. Syscalls that ask the running kernel
 * about an object (semctl, msgctl, mq_getattr, pidfd_getfd ...) are made only when
 * ctx->live is true, that is when the root is the real "/". */
#ifndef IPCSCOPE_COLLECTOR_H
#define IPCSCOPE_COLLECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "../src/core/snapshot.h"

struct scan_ctx {
	int rootfd;          /* directory every read is relative to */
	const char *root;    /* its path, for messages ("/" or a fixture tree) */
	bool live;           /* root is the running system: kernel queries allowed */
	unsigned kinds;      /* KIND_BIT mask the caller wants */
	bool want_limits;    /* fill snapshot limits */
	bool no_holders;     /* skip the walk of every process: objects, fill and limits only */
	uint64_t ipc_ns;     /* inode of proc/self/ns/ipc, 0 unknown */
	uint64_t mnt_ns;     /* inode of proc/self/ns/mnt, 0 unknown */
	uint64_t net_ns;     /* inode of proc/self/ns/net, 0 unknown */
	int64_t boot_time;   /* btime of proc/stat, seconds since the epoch; 0 unknown */
	long clk_tck;        /* units of /proc/PID/stat start times */
	const char *const *fifo_dirs; /* directories whose FIFOs are listed even when unheld */
	size_t nfifo_dirs;

	/* Namespaces. A collector with .per_ns runs once for the scanner's namespace of its
	 * type and, with all_ns on the live system, once more for every other one, entered
	 * (IPC, network: in a thread, collectors/nsenter.h) or reached through a process
	 * inside it (mount: <root>/proc/PID/root). The fields below say which run this is. */
	bool all_ns;         /* read every namespace discovery finds (root's default) */
	bool self_ns_only;   /* never more than the scanner's own (ipcs, ipcrm, gen) */
	pid_t ns_pid;        /* a process inside the namespace being read; 0 the scanner's */
	const char *mq_dir;  /* the mqueue mount to list, relative to rootfd: "dev/mqueue" */
	const char *shm_dir; /* the /dev/shm to list: "dev/shm" or "proc/PID/root/dev/shm" */
	const char *net_dir; /* /proc/net text for the fallback: "proc/net" or "proc/PID/net" */
	uint64_t *seen_dirs; /* directories listed already this scan, as dev, inode pairs (mount
			      * namespaces often share their /dev/shm or mqueue mount); owned */
	size_t nseen_dirs, seen_cap;
	const struct ns_select *select; /* -N: which namespaces; NULL every one */
};

/* -N/--namespace: "self", a pid, a namespace inode, or a container id or name prefix. */
struct ns_select {
	const char *const *what; /* borrowed */
	size_t n;
};

/* True the first time a scan meets the directory st (its dev and inode); false after. */
struct stat;
bool scan_first_sight(struct scan_ctx *ctx, const struct stat *st);

struct collector {
	const char *name;
	unsigned kinds;      /* KIND_BIT of every kind it fills */
	bool limits_only;    /* fills only snapshot limits: runs when ctx->want_limits */
	bool per_ns;         /* runs once per namespace of type ns */
	enum ns_type ns;
	/* Returns 0; COLLECT_NOTHING when it had nothing to read for the kinds asked (it then
	 * counts neither as a source that worked nor as one that failed); or -errno when the
	 * source as a whole could not be read (already recorded as a snapshot error). */
	int (*collect)(struct scan_ctx *ctx, struct snapshot *snap);
	/* Optional, both or neither: collect in two halves. start runs before any collect of
	 * the scan (the scanner's own namespaces) or of the phase (another namespace's run of
	 * the collectors of its type), and finish then takes that collector's place in the
	 * order, given what start returned; collect itself is then not called (it stays, as
	 * start then finish, for callers outside a scan). start may put nothing in any
	 * snapshot: what it meets is held for finish, so that the snapshot's errors and objects
	 * come in the collectors' order whatever ran early; it may read ctx only for what no
	 * phase changes (rootfd, live, the namespace fields). Used to have the kernel answer
	 * the SysV calls and print /proc/locks on other threads while this one goes on
	 * (sysv_common.h: sysv_early; locks.c). */
	void *(*start)(struct scan_ctx *ctx);
	int (*finish)(struct scan_ctx *ctx, struct snapshot *snap, void *started);
};

#define COLLECT_NOTHING 1

/* NULL-terminated, in the order they run: object sources first, process side last. */
extern const struct collector *const collectors[];

/* Open root (NULL means "/"), read namespace inodes. 0 or -errno. */
int scan_ctx_init(struct scan_ctx *ctx, const char *root, unsigned kinds);
void scan_ctx_release(struct scan_ctx *ctx);
/* Run every collector that fills one of ctx->kinds, then resolve pids to commands.
 * Errors go into snap; the return is 0 unless nothing at all could be scanned. */
int scan_run(struct scan_ctx *ctx, struct snapshot *snap);

/* Fill ref->comm, ref->gone and ref->start from <root>/proc/<pid>/{comm,stat} (cached per
 * snapshot). */
void scan_resolve_pid(struct scan_ctx *ctx, struct snapshot *snap, struct pid_ref *ref);

/* Helpers for table-shaped /proc text whose columns are named by a header line. */
struct header_map {
	char **names;        /* owned */
	size_t n;
};
/* Split the header line into column names. 0 or -EINVAL (empty header). */
int header_map_parse(struct header_map *h, const char *line);
void header_map_release(struct header_map *h);
/* Index of column name, or -1. */
int header_map_find(const struct header_map *h, const char *name);
/* Split line on blanks into at most max fields, in place. Returns the count. */
size_t split_fields(char *line, char **fields, size_t max);

#endif
