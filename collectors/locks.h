/* locks.h - file locks (kind lock): the lines of /proc/locks, and the join that gives each
 * lock its path and its holders from the fds of the processes (procfd.c calls it). */
#ifndef IPCSCOPE_LOCKS_H
#define IPCSCOPE_LOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>

struct fdscan;
struct proc;
struct stat;

/* One line of /proc/locks, or one "lock:" line of /proc/PID/fdinfo/N (the same text):
 *   "N: TYPE QUALIFIER MODE PID MAJ:MIN:INODE START END"
 * TYPE FLOCK, POSIX, OFDLCK, ACCESS, LEASE, DELEG; QUALIFIER ADVISORY or MANDATORY (leases:
 * ACTIVE, BREAKING, BREAKER); MODE READ, WRITE or UNLCK; PID -1 for OFD locks; the file in
 * hex major:minor and decimal inode ("<none>:0" for none); END a byte or EOF. A blocked
 * request is "N: -> ..." (deeper in the tree of waiters, more blanks before "->"). */
struct lock_line {
	int64_t ordinal;        /* N: the place in the kernel's list, changing every scan */
	bool waiter;            /* a "->" line: blocked waiting for lock N */
	const char *type;       /* "flock", "posix", "ofd", "access", "lease", "delegation" */
	bool mandatory;
	const char *state;      /* leases: "active", "breaking", "breaker"; NULL otherwise */
	const char *mode;       /* "read", "write", "none" */
	int64_t pid;            /* -1 for OFD locks */
	bool has_file;          /* false for "<none>:0" */
	uint64_t dev;           /* as st_dev: makedev(major, minor) */
	uint64_t ino;
	int64_t start;
	int64_t end;            /* -1: to the end of the file */
};

/* Parse one line (without its newline; need not be NUL-terminated: len bytes). 0, or
 * -EINVAL with *why set to a static reason. */
int locks_parse_line(const char *line, size_t len, struct lock_line *l, const char **why);

/* The process side's hooks (procfd.c). prepare indexes the lock objects of the snapshot by
 * file and returns whether there are any: only then are fds of regular files looked at. */
bool locks_join_prepare(struct fdscan *fs);
/* An fd of p open on a file or directory st: when /proc/locks named that file, its path
 * (the link text) and, through fdinfo's "lock:" lines, the locks held through this fd. */
void locks_join_fd(struct fdscan *fs, struct proc *p, const char *link, int fdnum,
		   const char *fdname, const struct stat *st);
/* After every process: what no fd could tell. Frees the index. */
void locks_join_finish(struct fdscan *fs);
/* Does /proc/locks show pid blocked on a lock ("->")? Its threads are then read for the
 * wait, though it holds nothing. */
bool locks_blocked_pid(const struct fdscan *fs, pid_t pid);
struct snapshot;
/* After the walk: each thread asleep on a file lock (snapshot.lock_waiters, found by
 * waiters.c) becomes a waiter of the lock it is blocked by. */
void locks_join_waiters(struct snapshot *snap);

#endif
