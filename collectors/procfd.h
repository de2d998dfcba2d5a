/* procfd.h - the process side: one pass over <root>/proc/PID/{fd,maps} that joins every
 * process's descriptors and mappings to the objects the other collectors found, and makes
 * the objects only processes know of (pipes, FIFOs, queues seen only through an fd).
 *
 * procfd.c walks processes and fds; procmaps.c reads mappings. What they share is here,
 * with the small parsers the unit tests call directly. */
#ifndef IPCSCOPE_PROCFD_H
#define IPCSCOPE_PROCFD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "collector.h"

/* key -> object for the joins of one scan: pipes and FIFOs by (dev, inode), SysV segments
 * by shmid, sockets of unknown family by inode. Open addressing; grows at half load. */
struct join_ent {
	uint64_t dev;
	uint64_t ino;
	struct ipc_object *o;    /* borrowed from the snapshot; NULL: looked up, none */
	int kind;                /* KIND_*, or JOIN_OTHER_SOCKET; -1 empty */
	bool filled;             /* pipes/FIFOs: fill level read, or given up with a reason */
};
#define JOIN_OTHER_SOCKET KIND__COUNT

struct join_tab {
	struct join_ent *slots;  /* owned */
	size_t cap, n;
};

void join_tab_init(struct join_tab *t);
void join_tab_release(struct join_tab *t);
/* The entry for (kind, dev, ino); NULL when absent and create is false. */
struct join_ent *join_tab_get(struct join_tab *t, int kind, uint64_t dev, uint64_t ino,
			      bool create);

/* The process being read. */
struct proc {
	pid_t pid;
	char name[16];           /* the decimal directory name */
	int dirfd;               /* <root>/proc/PID */
	int fddirfd;             /* <root>/proc/PID/fd; -1 when not open */
	int pidfd;               /* -1 until a fill level needs it */
	int pidfd_err;           /* errno of a failed pidfd_open */
	bool comm_read;
	char comm[COMM_LEN];
	bool denied;             /* recorded once as a snapshot error */
	bool netns_read;
	uint64_t netns;          /* inode of its network namespace; 0 unknown */
	bool signalfd;           /* holds a signalfd (fdkinds.c reads its signals) */
};

/* What the process being read holds, for the joins of its waiting threads (waiters.c):
 * an fd's object, or a mapping's range and object. Reset for every process. */
struct held_fd {
	int fd;
	struct ipc_object *o;    /* borrowed */
};
struct held_map {
	uint64_t start, end;
	struct ipc_object *o;    /* borrowed */
};

/* A shared mapping that may become an mmap object (mmapshare.c), with the first area met
 * of it: one area, the name of its map_files entry (a holder's map may join several). */
struct mmap_cand {
	struct ipc_object *o;    /* owned until kept (snapshot_add) or freed */
	pid_t pid;
	char area[48];           /* "start-end" */
};

/* State of one pass. */
struct fdscan {
	struct scan_ctx *ctx;
	struct snapshot *snap;
	unsigned want;           /* ctx->kinds */
	pid_t self;              /* the scanner, skipped on the live system; 0 otherwise */
	struct join_tab tab;
	unsigned ndenied;        /* processes that could not be read */
	unsigned unknown_sockets;
	int getfd_err;           /* pidfd_getfd unsupported: its errno, then no more tries */
	int dups[64];            /* duplicates kept open after reading a fill level, closed
				  * together (procfd.c, dups_flush) */
	unsigned ndups;
	bool mq_mounted;
	dev_t mq_dev;            /* device of the mqueue mount at <root>/dev/mqueue */
	int mq_listed_fd;        /* <root>/dev/mqueue when posix-mq lists it (an mqueue mount,
				  * as posix_mq_check_mount judges), else -1 */
	dev_t mq_listed_dev;
	dev_t other_devs[8];     /* devices known not to be mqueue, so statfs is not repeated */
	size_t nother_devs;
	struct fdk_state *fdk;   /* fdkinds.c's joins; owned, NULL until needed */
	struct lock_index *locks; /* the files /proc/locks named (locks.c); NULL none */
	struct mmap_cand *mmap_cands; /* mmapshare.c: shared mappings met so far, not yet in
				  * the snapshot; owned until mmapshare_finish */
	size_t nmmap_cands, mmap_cands_cap;
	int cachestat_err;       /* cachestat(2) unsupported: its errno, then no more tries */
	char *buf;               /* maps text, reused from process to process; owned */
	size_t bufcap;

	/* Waiting threads (waiters.c). */
	struct held_fd *held_fds; /* owned; of the process being read */
	size_t nheld_fds, held_fds_cap;
	bool held_fds_sorted;
	struct held_map *held_maps; /* owned; of the process being read */
	size_t nheld_maps, held_maps_cap;
	uint64_t *wait_ns;       /* owned; IPC namespaces with a SysV queue or a set that may
				  * have sleepers: every process of those is read */
	size_t nwait_ns, wait_ns_cap;
	bool sysv_joinable;      /* the SysV objects are in tab (waiters.c: at the first thread
				  * found waiting on one, not before) */
	bool clock_ok;           /* wall_ns and mono_ns are known */
	int64_t wall_ns, mono_ns; /* now, on the wall clock and since boot */
	unsigned tasks_read;     /* figures for the bench: tasks whose stat was read */
	unsigned waiters_found;
	unsigned wait_unknown;   /* sleeping in a system call of no known number */
	unsigned syscall_denied; /* tasks whose syscall file could not be read */
};

/* comm of p, read once ("" when unreadable). */
const char *proc_comm(struct fdscan *fs, struct proc *p);
/* The IPC namespace of p (its SysV ids are of that namespace). */
uint64_t proc_ipc_ns(struct fdscan *fs, const struct proc *p);
/* Record once per process that it could not be read. */
void proc_denied(struct fdscan *fs, struct proc *p, const char *what, int err);

/* Whether the mappings of processes must be read at all: only when some object can be
 * joined to a mapping (a SysV segment with attaches, a POSIX shm or semaphore). */
bool procmaps_wanted(struct fdscan *fs);
/* Build the shmid index procmaps_read joins against. */
void procmaps_prepare(struct fdscan *fs);
/* Read <root>/proc/PID/maps and add mapping holders. */
void procmaps_read(struct fdscan *fs, struct proc *p);
/* After every process: compare each SysV segment's attach count with what was found. */
void procmaps_finish(struct fdscan *fs);

/* One line of /proc/PID/maps. path points into the line (NULL when anonymous). */
struct maps_line {
	uint64_t start, end;
	unsigned access;         /* ACC_R | ACC_W */
	bool shared;
	uint64_t dev;            /* the device column, as st_dev (makedev of major:minor) */
	uint64_t ino;
	const char *path;
};
/* Parse line (modified in place). 0 or -EINVAL. */
int procmaps_parse_line(char *line, struct maps_line *m);
/* "/SYSV0000162e (deleted)" -> key. 0 or -EINVAL. */
int procmaps_sysv_key(const char *path, uint32_t *key);

/* A /dev/shm file unlinked while held ("/dev/shm/x (deleted)", path as the fd link or maps
 * line shows it), of kind POSIX_SHM or POSIX_SEM, that no listed object has: made (holder: the first process seen with it) and added
 * to the snapshot, status deleted. st is the fd's fstat, NULL for a mapping. NULL when path
 * is not such a name. (deleted.c) */
struct stat;
struct ipc_object *deleted_shm_object(struct fdscan *fs, pid_t holder, int kind,
				      const char *path, uint64_t dev, uint64_t ino,
				      const struct stat *st);
/* Owner, mode, times and (shm) size of such an object first met through a mapping, from
 * the fstat of an fd found later; nothing when it has them. */
void deleted_shm_stat(struct ipc_object *o, const struct stat *st);

/* memfd (memfd.c): whether an fd link or maps path names one ("/memfd:NAME (deleted)"); the
 * object of p's fd fdnum (made on first sight, with stat and seals), NULL when the fd is
 * gone; the object of a mapping; after the pass, what could not be read. */
bool memfd_link(const char *path);
struct ipc_object *memfd_from_fd(struct fdscan *fs, struct proc *p, const char *link, int fdnum,
				 const char *fdname);
struct maps_line;
struct ipc_object *memfd_from_map(struct fdscan *fs, const struct maps_line *m);
void memfd_finish(struct fdscan *fs);

/* mmap (mmapshare.c): the backing a maps line would give an mmap object, 'a' anonymous
 * (shmem), 'f' a file, 0 none (private, unnamed, or another kind's: SysV, /dev/shm, memfd);
 * the candidate of a mapping (made on first sight, kept off the snapshot), NULL when none;
 * after the pass, the candidates two or more processes map are stat'ed and added. */
char mmapshare_backing(const struct maps_line *m);
struct ipc_object *mmapshare_from_map(struct fdscan *fs, pid_t pid, const struct maps_line *m);
void mmapshare_finish(struct fdscan *fs);

/* The access of an fd from the "flags:" line of its fdinfo text. 0 or -EINVAL. */
int procfd_parse_fdinfo_flags(const char *text, unsigned *access);
/* Classify the text of an fd link: 'p' pipe, 's' socket (*ino set), 'f' a path that may be
 * a FIFO, queue or shm file, 0 anything else (anon inodes, devices, /proc files). */
int procfd_classify_link(const char *link, uint64_t *ino);

#endif
