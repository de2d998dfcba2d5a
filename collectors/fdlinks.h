/* fdlinks.h - the part of the process walk that only reads: a process's fd links, read
 * with one readlinkat each and kept only when procfd.c will do something with them.
 *
 * It touches nothing but the record it fills, so it runs on a thread of its own, ahead of
 * procfd.c, which joins the records to the snapshot on the scanning thread in process
 * order, so the objects and holders come out as one thread makes them. The joins need the fds read (fill levels, fstat through the fd, fdinfo), so
 * the record keeps /proc/PID and its fd directory open until procfd.c has joined it. */
#ifndef IPCSCOPE_FDLINKS_H
#define IPCSCOPE_FDLINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What the walk keeps: the classes procfd.c joins. */
#define FDL_PIPE   0x01u /* pipe:[ino] */
#define FDL_SOCKET 0x02u /* socket:[ino] */
#define FDL_PATH   0x04u /* a path that may be a FIFO, queue or shm file (or a locked file) */
#define FDL_MEMFD  0x08u /* /memfd:NAME (deleted) */
#define FDL_ANON   0x10u /* anon_inode:... (eventfd, signalfd) */

/* One fd kept. */
struct fdlink {
	int fdnum;
	unsigned cls;         /* one FDL_* */
	int access_rc;        /* FDL_PIPE on the live system: 0 and access set, or -errno of the
			       * stat of the link (-ENOENT: closed since listed) */
	unsigned access;      /* ACC_R | ACC_W */
	bool have_access;     /* access_rc and access were read */
	uint64_t ino;         /* FDL_PIPE, FDL_SOCKET */
	uint32_t text;        /* offset of the link text in fdlinks.texts (PATH, MEMFD, ANON) */
	/* FDL_PIPE on the live system: the pipe's fill level, read by the walk through a
	 * duplicate of the first fd of it met (or of a later one when an earlier could not
	 * say), as procfd.c would at its first holder. */
	signed char fill;     /* 0 not read here, 1 read (avail, pipe_size), -1 given up */
	signed char fill_why; /* given up: FILL_* */
	int fill_errno;       /* given up: the errno */
	int avail;            /* FIONREAD */
	int pipe_size;        /* F_GETPIPE_SZ; -1 unknown */
};
#define FILL_GETFD_UNSUPPORTED 1 /* pidfd_getfd is not there: fill_errno */
#define FILL_PIDFD_OPEN        2 /* pidfd_open of the process failed */
#define FILL_GETFD             3 /* pidfd_getfd of the fd failed */

/* One process's fds. */
struct fdlinks {
	pid_t pid;
	char name[16];        /* decimal pid, the directory name */
	int dirfd;            /* /proc/PID; -1 gone */
	int fddirfd;          /* /proc/PID/fd; -1 when not open (see fd_err) */
	int fd_err;           /* errno of the open of fd/ */
	int denied;           /* errno (EACCES, EPERM) of a readlinkat that stopped the listing */
	int list_err;         /* -errno when getdents stopped early */
	struct fdlink *v;     /* owned */
	size_t n, cap;
	char *texts;          /* owned: the link texts of the records that need one, NUL-ended */
	size_t ntexts, textscap;
};

/* The pipes whose fill level the walk read or gave up on, and what it holds meanwhile;
 * the reader's own (one per walk). */
struct fdlinks_dups;
struct fdlinks_fill {
	uint64_t *done;       /* open addressing over inodes, 0 empty; owned */
	size_t cap, n;
	int getfd_err;        /* pidfd_getfd unsupported: its errno, then no more tries */
	struct fdlinks_dups *dups; /* where its duplicates go to be closed; the walk's */
};

/* Close the n fds (sorted here): the duplicates made for fill levels, mostly consecutive
 * numbers (the kernel gives each new fd the lowest free one), so one close_range per run. */
void fds_close_runs(int *fds, unsigned n);

/* Open /proc/PID (relative to procfd) and, when want is non-zero, read its fd links of the
 * classes in want. live: the running system (pipe access from the link's mode; a fixture
 * tree's is read from fdinfo by procfd.c); fill, when live: read pipes' fill levels with it.
 * Touches only l and fill: it runs on the reader thread. */
void fdlinks_read(struct fdlinks *l, int procfd, unsigned want, bool live,
		  struct fdlinks_fill *fill);
/* Close what l holds open and free it; l is left empty. */
void fdlinks_release(struct fdlinks *l);

/* The walk over a list of processes: one reader thread reads their links in order, at most
 * FDLINKS_AHEAD processes (fewer under a low fd limit) ahead of the caller, who joins them
 * meanwhile (the readlinkat calls and fill levels on one CPU, the joins on another). With
 * one thread allowed (par_threads(), IPCSCOPE_SCAN_THREADS=1), no fds wanted, fewer than 8
 * processes or no thread to be had, each process is read when it is asked for. */
#define FDLINKS_AHEAD 64
struct fdlinks_walk;
struct fdlinks_walk *fdlinks_walk_start(int procfd, const pid_t *pids, size_t n, unsigned want,
					bool live);
/* The next process, in the list's order, NULL after the last; the one returned before is
 * released (its record is freed: nothing of it may be kept). */
struct fdlinks *fdlinks_walk_next(struct fdlinks_walk *w);
void fdlinks_walk_end(struct fdlinks_walk *w);

#endif
