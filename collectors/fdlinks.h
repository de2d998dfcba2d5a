/* fdlinks.h - the part of the process walk that only reads: a process's fd links, read
 * with one readlinkat each and kept only when procfd.c will do something with them.
 *
 * It touches nothing but the record it fills, so procfd.c runs it for a batch of processes
 * on several threads (collectors/parallel.c) and then joins the records to the snapshot on
 * the scanning thread, in process order, so the objects and holders come out as one thread
 * makes them. The joins need the fds read (fill levels, fstat through the fd, fdinfo), so
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
};

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

/* Open /proc/PID (relative to procfd) and, when want is non-zero, read its fd links of the
 * classes in want. live: the running system (pipe access from the link's mode; a fixture
 * tree's is read from fdinfo by procfd.c). Thread-safe: touches only l. */
void fdlinks_read(struct fdlinks *l, int procfd, unsigned want, bool live);
/* Close what l holds open and free it; l is left empty. */
void fdlinks_release(struct fdlinks *l);

#endif
