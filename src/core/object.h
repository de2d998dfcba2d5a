/* object.h - the one record every IPC object becomes, whatever its kind.
 *
 * A collector fills what its source gives; fields it cannot know stay at their
 * "absent" value (-1 for counts and sizes, 0 for times and pids, NULL for strings), and
 * renderers leave absent fields out. The snapshot owns every object; renderers borrow. */
#ifndef IPCSCOPE_OBJECT_H
#define IPCSCOPE_OBJECT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum ipc_kind {
	KIND_SYSV_MSG,
	KIND_SYSV_SHM,
	KIND_SYSV_SEM,
	KIND_POSIX_MQ,
	KIND_POSIX_SHM,
	KIND_POSIX_SEM,
	KIND_PIPE,
	KIND_FIFO,
	KIND_UNIX,
	KIND_TCP,
	KIND_UDP,
	KIND_LOCK,
	KIND_MEMFD,
	KIND_EVENTFD, KIND_SIGNALFD, KIND_SIGNAL, /* collectors/fdkinds.c */
	KIND_MMAP,             /* collectors/mmapshare.c */
	KIND__COUNT
};
#define KIND_BIT(k) (1u << (k))
#define KINDS_ALL ((1u << KIND__COUNT) - 1)

#define ACC_R 1u
#define ACC_W 2u

#define COMM_LEN 17 /* TASK_COMM_LEN + 1 */

struct container; /* core/ns.h */

/* A process named by an object: creator, last sender ... */
struct pid_ref {
	pid_t pid;            /* 0: none recorded by the kernel */
	char comm[COMM_LEN];  /* "" when unknown */
	bool gone;            /* no such process at scan time */
	bool zombie;          /* it has exited and waits to be reaped: it can use nothing any
			       * more, so the stale rules count it gone */
	int64_t start;        /* when that process started, seconds since the epoch; 0 unknown */
	pid_t nspid;          /* its pid inside its own pid namespace, when that differs; 0 else */
};

/* One process holding an object through an fd or a mapping. */
struct ipc_holder {
	pid_t pid;
	char comm[COMM_LEN];
	int fd;               /* -1 when held through a mapping */
	unsigned access;      /* ACC_R | ACC_W */
	char *map;            /* "start-end" of the mapping when fd == -1; owned */
	pid_t nspid;          /* pid inside its pid namespace when that differs; 0 else */
	const struct container *cont; /* its process's container; borrowed from the snapshot */
};

/* One thread asleep in a system call that waits on an object (see collectors/waiters.c).
 * what is a static word: "receive", "send", "decrement", "zero", "read", "write", "poll",
 * "accept", "connect", "lock", "futex". */
struct ipc_waiter {
	pid_t pid;
	pid_t tid;
	char comm[COMM_LEN];  /* the thread's own command */
	const char *what;     /* static */
	const char *syscall;  /* the system call's name; static */
	char state;           /* 'S' or 'D', as the task's stat says */
	int64_t since;        /* the last time the thread ran on a CPU (it has slept since),
			       * seconds since the epoch; 0 unknown */
	int fd;               /* the fd waited through; -1 none (SysV, futex) */
	int semnum;           /* semop: the semaphore waited on; -1 unknown */
	int semop;            /* semop: its sem_op (< 0 decrement, 0 zero) */
	bool has_msgtyp;
	int64_t msgtyp;       /* msgrcv: the type asked for */
	uint64_t addr;        /* futex: the address; 0 none */
	uint64_t lock_dev, lock_ino; /* flock/fcntl: the file locked; 0 none */
	bool several;         /* poll, select, epoll: one of several objects waited on */
};

/* One semaphore of a SysV set (or the value of a POSIX one). */
struct sem_elem {
	int value;
	int ncount;           /* processes waiting for an increase */
	int zcount;           /* processes waiting for zero */
	struct pid_ref pid;   /* last semop */
};

/* Status bits kept in ipc_object.flags. */
#define OBJ_DEST       0x01u /* SysV shm marked for destruction (mode 01000) */
#define OBJ_LOCKED     0x02u /* SysV shm locked in memory (mode 02000) */
#define OBJ_HALF_OPEN  0x04u /* pipe/fifo with writers and no readers or the reverse */
#define OBJ_PARTIAL    0x08u /* some fields could not be read; see partial */
#define OBJ_DELETED    0x10u /* name gone but still held (unlinked while open) */
#define OBJ_DEADLOCK   0x20u /* on a cycle of the wait-for graph (core/deadlock.h) */

/* Groups of fields only some kinds have, kept out of line so that a socket or a pipe (most
 * of the objects of a loaded host: 84,000 on bench_fds.sh's) does not carry them: the record
 * was 928 bytes for every kind. A group is allocated by the first writer (obj_X_mut); a
 * reader (obj_X) gets a static group of absent values when it is not there, so reading an
 * absent group and reading absent fields are the same. object_free frees them. */

/* The IPC kinds' details (SysV; POSIX queues, shm, semaphores; memfd; mmap): the pids and
 * times the kernel records, capacities, creator ids, semaphore values, tmpfs blocks. */
struct obj_ipc {
	unsigned kernel_pos;   /* place in the kernel's own listing (line of /proc/sysvipc/<x>,
				* the order ipcs prints); 0 unknown */
	bool has_creator_ids;
	uid_t cuid;            /* when has_creator_ids */
	gid_t cgid;
	int64_t blocks;        /* bytes allocated on tmpfs (POSIX shm, memfd); -1 absent */
	int64_t seals;         /* memfd: F_GET_SEALS (F_SEAL_*); -1 absent */
	const char *backing;   /* mmap: "anon" (shmem of MAP_SHARED|MAP_ANONYMOUS) or "file";
				* static; NULL for other kinds */

	/* Semaphores: a SysV set's elements, or one element for a POSIX semaphore. */
	struct sem_elem *sems; /* owned, nsems elements */
	int64_t nsems;         /* -1 when absent */

	int64_t max_messages;  /* capacity in messages (mq maxmsg); -1 absent */
	int64_t msgsize;       /* largest message (mq msgsize); -1 absent */
	int64_t nattch;        /* SysV shm attach count; -1 absent */
	int64_t rss;           /* bytes resident (SysV shm; mmap: its file's page cache); -1 absent */
	int64_t swap;          /* bytes swapped (SysV shm); -1 absent */

	int64_t messages;      /* messages queued (queues); -1 absent */

	/* Times, seconds since the epoch; 0 when never set (ctime is the record's). */
	int64_t atime;         /* shm attach; file access */
	int64_t mtime;         /* file modification */
	int64_t otime;         /* sem last operation */
	int64_t dtime;         /* shm detach */
	int64_t stime;         /* msg last send */
	int64_t rtime;         /* msg last receive */

	/* Processes the kernel records. */
	struct pid_ref cpid;   /* creator (shm) */
	struct pid_ref lpid;   /* last attach/detach (shm) */
	struct pid_ref lspid;  /* last send (msg) */
	struct pid_ref lrpid;  /* last receive (msg) */

	/* POSIX message queue notification. */
	int64_t notify;        /* SIGEV_* of the registration; -1 absent */
	int64_t signo;         /* -1 absent */
	struct pid_ref notify_pid;
};

/* Locks (kind lock): one line of /proc/locks. The file is dev and inode, its path is name
 * (from an fd of a process on it), the holders are the fds the lock is held through (their
 * fdinfo "lock:" lines). */
struct obj_lock {
	const char *type;      /* "flock", "posix", "ofd", "lease", "delegation", "access";
				* static; NULL for other kinds */
	const char *mode;      /* "read", "write", "none" (a lease being broken to nothing);
				* static */
	bool mandatory;        /* MANDATORY rather than ADVISORY (kernels before 5.15) */
	const char *state;     /* leases: "active", "breaking", "breaker"; static; NULL else */
	int64_t start;         /* first byte; -1 absent */
	int64_t end;           /* last byte; -1 when the lock runs to the end of the file */
	struct pid_ref pid;    /* the process the kernel names (OFD: none there; the first
				* process found holding it through an fd) */
	struct pid_ref *blocked; /* processes blocked waiting for it ("->" lines); owned */
	size_t nblocked;
	int64_t nwaiting;      /* "->" lines, counting those without a pid (OFD); -1 absent */
};

/* eventfd, signalfd, signal (collectors/fdkinds.c); zero means absent. */
struct obj_fdk {
	bool has_id;
	uint64_t id;          /* eventfd: fdinfo's eventfd-id */
	bool has_count;
	uint64_t count;       /* eventfd: the counter */
	bool has_semaphore;
	bool semaphore;       /* eventfd: made with EFD_SEMAPHORE */
	bool has_mask;
	uint64_t mask;        /* signalfd: the signals it reads, bit n-1 for signal n */
	bool has_sets;        /* signal: the sets of /proc/PID/status */
	uint64_t pnd, shdpnd, blk, ign, cgt;
	int64_t queued, qlimit; /* SigQ: signals queued to the process's user, its limit */
	struct pid_ref pid;   /* signal: the process */
};

/* SysV: the file ftok(3) probably made the key from (collectors/ftok.c), searched only when
 * asked (KEYFILE, show, --key-path); all zero until then. */
struct obj_keyfile {
	bool searched;
	char *file;           /* its path as the process that led to it sees it; owned;
			       * NULL when no file examined gives the key */
	const char *via;      /* "fd", "cwd", "cwd-entry", "exe", "key-path"; static */
	pid_t pid;            /* the process whose fd, cwd or exe it is; 0 key-path */
	unsigned matches;     /* distinct files (device, inode) that give the key */
	unsigned checked;     /* files compared */
};

struct ipc_object {
	enum ipc_kind kind;
	pid_t ns_pid;          /* a process in the namespace below, through which it is entered;
				* 0 the scanner's own namespace */
	uint64_t ns;           /* inode of the namespace the object belongs to: IPC for SysV and
				* POSIX queues, mount for POSIX shm, semaphores and FIFOs,
				* network for sockets; 0 none (pipes) or unknown */
	const struct container *cont; /* of its namespace (pipes: of all their holders);
				       * borrowed from the snapshot; NULL none */
	uint64_t dev;          /* st_dev of the file it is (queues, shm, semaphores, FIFOs): with
				* the inode it joins fds and maps; 0 unknown */

	int64_t id;            /* SysV id; -1 otherwise */
	char *name;            /* POSIX name, FIFO or socket path; owned, may be NULL */
	uint64_t inode;        /* 0 when not applicable */
	char *partial;         /* why some fields are missing; owned, may be NULL */
	uint32_t key;          /* SysV key (IPC_PRIVATE is 0), when has_key */

	uid_t uid;             /* when has_owner */
	gid_t gid;
	uint32_t mode;         /* permission bits only (0777), when has_mode */
	unsigned flags;        /* OBJ_* */
	bool has_key;
	bool has_owner;
	bool owner_uid_only;   /* sockets: the kernel records a uid but no gid */
	bool has_mode;

	/* Size and fill. -1 when absent. */
	int64_t size;          /* bytes of capacity: qbytes, segment size, pipe buffer */
	int64_t used_bytes;    /* bytes queued or in use */

	/* Seconds since the epoch; 0 when never set (the other times: struct obj_ipc). */
	int64_t ctime;         /* last change (SysV), status change (files) */

	/* Sockets. */
	char *sock_type;       /* "stream", "dgram", "seqpacket"; static string */
	char *state;           /* "listen", "established" ...; static string */
	char *local;           /* local address or path; owned */
	char *peer;            /* peer address or path; owned */
	uint64_t peer_inode;   /* unix peer's inode; 0 unknown */
	int64_t rqueue;        /* bytes in receive queue; -1 absent */
	int64_t wqueue;        /* bytes in send queue; -1 absent */
	int64_t pending;       /* listening socket: connections not yet accepted; -1 absent */
	int64_t backlog;       /* listening socket: most that may wait; -1 absent */

	/* The groups above; NULL while nobody set a field of theirs (read with obj_X). */
	struct obj_ipc *ipc;
	struct obj_lock *lock;
	struct obj_fdk *fdk;
	struct obj_keyfile *keyfile;

	struct ipc_holder *holders; /* owned */
	uint32_t nholders, holders_cap; /* (not size_t: 8 bytes of every record) */
	struct ipc_waiter *waiters; /* owned: threads asleep waiting on it */
	uint32_t nwaiters, waiters_cap;
	char identity[];       /* "sysv-msg:<ns>:<id>", "pipe:<ino>" ...: the record's own tail
				* (object_new), no pointer and no chunk of its own */
};

/* The groups with every field absent, for reading an object that has none. */
extern const struct obj_ipc obj_ipc_absent;
extern const struct obj_lock obj_lock_absent;
extern const struct obj_fdk obj_fdk_absent;
extern const struct obj_keyfile obj_keyfile_absent;

static inline const struct obj_ipc *obj_ipc(const struct ipc_object *o)
{
	return o->ipc ? o->ipc : &obj_ipc_absent;
}

static inline const struct obj_lock *obj_lock(const struct ipc_object *o)
{
	return o->lock ? o->lock : &obj_lock_absent;
}

static inline const struct obj_fdk *obj_fdk(const struct ipc_object *o)
{
	return o->fdk ? o->fdk : &obj_fdk_absent;
}

static inline const struct obj_keyfile *obj_keyfile(const struct ipc_object *o)
{
	return o->keyfile ? o->keyfile : &obj_keyfile_absent;
}

/* The group to write, made (all absent) on first use. */
struct obj_ipc *obj_ipc_mut(struct ipc_object *o);
struct obj_lock *obj_lock_mut(struct ipc_object *o);
struct obj_fdk *obj_fdk_mut(struct ipc_object *o);
struct obj_keyfile *obj_keyfile_mut(struct ipc_object *o);

/* The details of a waiter that its other fields do not show, for a table cell: "semnum=N
 * semop=N", "msgtyp=N", with_addr "addr=0x..." (futexes), "several" (poll, select, epoll),
 * blank-separated. Cut to fit len; "" when there are none. Returns buf. */
char *waiter_detail(const struct ipc_waiter *w, bool with_addr, char *buf, size_t len);

/* A new object of kind with every field absent (no group). identity is copied. */
struct ipc_object *object_new(enum ipc_kind kind, const char *identity);
void object_free(struct ipc_object *o);
/* Append a holder; map may be NULL and is copied. Returns the holder (borrowed). */
struct ipc_holder *object_add_holder(struct ipc_object *o, pid_t pid, const char *comm, int fd,
				     unsigned access, const char *map);
/* Append a copy of w. Returns the waiter (borrowed). */
struct ipc_waiter *object_add_waiter(struct ipc_object *o, const struct ipc_waiter *w);
/* Record why the object is incomplete (first reason wins, later ones are appended). */
void object_set_partial(struct ipc_object *o, const char *why);
/* Owner, mode, inode and times from a stat of the file behind o. */
struct stat;
void object_set_stat(struct ipc_object *o, const struct stat *st);
/* "r", "w", "rw" or "-". */
const char *access_str(unsigned access);

#endif
