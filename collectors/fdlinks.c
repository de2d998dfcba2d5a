/* fdlinks.c - read one process's fd links (see fdlinks.h). Only system calls and the record
 * it fills: it runs on the workers of collectors/parallel.c. */
#include "fdlinks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parallel.h"
#include "procfd.h"
#include "core/util.h"

#define DENTS_BUF (32u << 10)
#define LINK_MAX_TEXT 4200       /* PATH_MAX and " (deleted)" */

static bool fd_number(const char *s, int *out)
{
	uint64_t v;

	if (parse_u64(s, &v) < 0 || v > INT32_MAX)
		return false;
	*out = (int)v;
	return true;
}

static struct fdlink *fdlinks_add(struct fdlinks *l, int fdnum, unsigned cls)
{
	struct fdlink *r;

	xgrow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v));
	r = &l->v[l->n++];
	memset(r, 0, sizeof(*r));
	r->fdnum = fdnum;
	r->cls = cls;
	return r;
}

static void fdlinks_text(struct fdlinks *l, struct fdlink *r, const char *text, size_t n)
{
	xgrow((void **)&l->texts, &l->textscap, l->ntexts + n + 1, 1);
	r->text = (uint32_t)l->ntexts;
	memcpy(l->texts + l->ntexts, text, n + 1);
	l->ntexts += n + 1;
}

/* ---- fill levels ---- */

static size_t ino_slot(const struct fdlinks_fill *f, uint64_t ino)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ULL;
	size_t mask = f->cap - 1, i = (size_t)(h ^ h >> 29) & mask;

	while (f->done[i] && f->done[i] != ino)
		i = (i + 1) & mask;
	return i;
}

static bool fill_done(const struct fdlinks_fill *f, uint64_t ino)
{
	return f->cap && f->done[ino_slot(f, ino)] == ino;
}

static void fill_mark(struct fdlinks_fill *f, uint64_t ino)
{
	if ((f->n + 1) * 2 > f->cap) {
		uint64_t *old = f->done;
		size_t oldcap = f->cap;

		f->cap = f->cap ? f->cap * 2 : 1024;
		f->done = xcalloc(f->cap, sizeof(*f->done));
		for (size_t i = 0; i < oldcap; i++)
			if (old[i])
				f->done[ino_slot(f, old[i])] = old[i];
		free(old);
	}
	f->done[ino_slot(f, ino)] = ino;
	f->n++;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

void fds_close_runs(int *fds, unsigned n)
{
	unsigned i = 0;

	qsort(fds, n, sizeof(fds[0]), cmp_int);
	while (i < n) {
		unsigned j = i + 1;

		while (j < n && fds[j] == fds[j - 1] + 1)
			j++;
		if (close_range((unsigned)fds[i], (unsigned)fds[j - 1], 0) < 0)
			for (unsigned k = i; k < j; k++)
				close(fds[k]);
		i = j;
	}
}

/* The duplicates made for fill levels, closed together when a process is read or 64 are
 * open (a duplicate of a pipe's write end holds off its reader's end of file: not for
 * longer than that): one list for the threads of a walk, whose new fds interleave, so that
 * the runs of consecutive numbers stay whole (per thread they broke into single fds). A
 * duplicate is done with once added, so either thread may close the other's. */
struct fdlinks_dups {
	pthread_mutex_t mu;
	bool shared;          /* several threads add: take mu */
	int fds[64];
	unsigned n;
};

static void dups_close(struct fdlinks_dups *d)
{
	if (d->shared)
		pthread_mutex_lock(&d->mu);
	if (d->n) {
		fds_close_runs(d->fds, d->n);
		d->n = 0;
	}
	if (d->shared)
		pthread_mutex_unlock(&d->mu);
}

static void dups_add(struct fdlinks_dups *d, int fd)
{
	/* The add and the close of a full list under one lock: apart, two threads could both
	 * add to a list one short of full, and the next adds ran past its end. */
	if (d->shared)
		pthread_mutex_lock(&d->mu);
	d->fds[d->n++] = fd;
	if (d->n == ARRAY_SIZE(d->fds)) {
		fds_close_runs(d->fds, d->n);
		d->n = 0;
	}
	if (d->shared)
		pthread_mutex_unlock(&d->mu);
}

/* The fill level of r's pipe through a duplicate of its fd (never a byte read). Leaves
 * r->fill 0 when this fd cannot say and a later holder may. Returns true when it also read
 * r->access from the duplicate: the open mode F_GETFL gives is what the link's mode bits say
 * (both are the file's FMODE_READ/FMODE_WRITE, which O_ACCMODE sets at open), and a call on
 * an fd is cheaper than the fstatat of the link, a lookup in /proc. */
static bool pipe_fill(struct fdlinks *l, struct fdlink *r, struct fdlinks_fill *f, int *pidfd)
{
	static const unsigned acc[] = {[O_RDONLY] = ACC_R, [O_WRONLY] = ACC_W,
				       [O_RDWR] = ACC_R | ACC_W};
	struct stat st;
	int dup, avail, fl;
	bool got = false;

	if (f->getfd_err) {
		r->fill = -1;
		r->fill_why = FILL_GETFD_UNSUPPORTED;
		r->fill_errno = f->getfd_err;
		fill_mark(f, r->ino);
		return false;
	}
	if (*pidfd < 0) {
		*pidfd = pidfd_open(l->pid, 0);
		if (*pidfd < 0) {
			int e = errno;

			*pidfd = -2 - e; /* tried: the errno kept, not tried again */
		}
	}
	if (*pidfd < -1) {
		int e = -2 - *pidfd;

		if (e == ESRCH)
			return false; /* gone: another holder may do */
		r->fill = -1;
		r->fill_why = FILL_PIDFD_OPEN;
		r->fill_errno = e;
		fill_mark(f, r->ino);
		return false;
	}
	dup = pidfd_getfd(*pidfd, r->fdnum, 0);
	if (dup < 0) {
		if (errno == EBADF || errno == ESRCH)
			return false; /* fd closed or process gone since it was read */
		if (errno == ENOSYS)
			f->getfd_err = errno;
		r->fill = -1;
		r->fill_why = FILL_GETFD;
		r->fill_errno = errno;
		fill_mark(f, r->ino);
		return false;
	}
	/* The fd number may have been reused since readlinkat: only the same inode counts. */
	if (fstat(dup, &st) < 0 || (uint64_t)st.st_ino != r->ino || !S_ISFIFO(st.st_mode)) {
		close(dup);
		return false;
	}
	/* An O_PATH fd answers neither: another holder may. */
	if (ioctl(dup, FIONREAD, &avail) < 0 || avail < 0) {
		close(dup);
		return false;
	}
	r->fill = 1;
	r->avail = avail;
	r->pipe_size = fcntl(dup, F_GETPIPE_SZ);
	if (r->pipe_size < 0)
		r->pipe_size = -1;
	fl = fcntl(dup, F_GETFL);
	if (fl >= 0 && (fl & O_ACCMODE) != O_ACCMODE) {
		r->access = acc[fl & O_ACCMODE];
		got = true;
	}
	dups_add(f->dups, dup);
	fill_mark(f, r->ino);
	return got;
}

/* The class of a link text, 0 when procfd.c does nothing with it (the same tests, in the
 * same order, as its joins). */
static unsigned link_class(const char *link, unsigned want, uint64_t *ino)
{
	int cls = procfd_classify_link(link, ino);

	if (cls == 'p')
		return want & FDL_PIPE;
	if (cls == 's')
		return want & FDL_SOCKET;
	if (cls == 'f')
		return want & FDL_PATH;
	if (!cls && (want & FDL_MEMFD) && memfd_link(link))
		return FDL_MEMFD;
	if (!cls && (want & FDL_ANON) && !strncmp(link, "anon_inode:", 11))
		return FDL_ANON;
	return 0;
}

void fdlinks_read(struct fdlinks *l, int procfd, unsigned want, bool live,
		  struct fdlinks_fill *fill)
{
	char *dbuf, link[LINK_MAX_TEXT];
	ssize_t nd = 0, off = 0;
	int pidfd = -1;

	l->fddirfd = -1;
	l->dirfd = openat(procfd, l->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->dirfd < 0 || !want)
		return; /* gone, or only its maps are wanted */
	l->fddirfd = openat(l->dirfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->fddirfd < 0) {
		l->fd_err = errno;
		return;
	}
	dbuf = xmalloc(DENTS_BUF);
	for (;;) {
		struct dirent64 *e;
		uint64_t ino = 0;
		unsigned cls;
		ssize_t n;
		int fdnum;

		if (off >= nd) {
			nd = getdents64(l->fddirfd, dbuf, DENTS_BUF);
			off = 0;
			if (nd <= 0) {
				l->list_err = nd < 0 ? -errno : 0;
				break;
			}
		}
		e = (struct dirent64 *)(dbuf + off);
		off += e->d_reclen;
		if (e->d_name[0] == '.' || !fd_number(e->d_name, &fdnum))
			continue;
		n = readlinkat(l->fddirfd, e->d_name, link, sizeof(link) - 1);
		if (n < 0) {
			if (errno == EACCES || errno == EPERM) {
				l->denied = errno;
				break;
			}
			continue; /* closed since listed */
		}
		link[n] = '\0';
		cls = link_class(link, want, &ino);
		if (!cls)
			continue;
		struct fdlink *r = fdlinks_add(l, fdnum, cls);

		r->ino = ino;
		if (cls == FDL_PIPE && live) {
			/* The link's own mode is the fd's open mode (proc sets S_IRUSR for
			 * FMODE_READ, S_IWUSR for FMODE_WRITE): read here, on the worker. */
			struct stat st;

			r->have_access = true;
			/* The fill first: the duplicate it reads through also gives the access.
			 * An fd closed since listed fails it (and then the stat, -ENOENT). */
			if (fill && !fill_done(fill, r->ino) && pipe_fill(l, r, fill, &pidfd))
				continue;
			if (fstatat(l->fddirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				r->access_rc = -errno;
			} else {
				r->access = ((st.st_mode & S_IRUSR) ? ACC_R : 0) |
					    ((st.st_mode & S_IWUSR) ? ACC_W : 0);
			}
		} else if (cls == FDL_PATH || cls == FDL_MEMFD || cls == FDL_ANON) {
			fdlinks_text(l, r, link, (size_t)n);
		}
	}
	free(dbuf);
	if (fill)
		dups_close(fill->dups);
	if (pidfd >= 0)
		close(pidfd);
}

void fdlinks_release(struct fdlinks *l)
{
	if (l->fddirfd >= 0)
		close(l->fddirfd);
	if (l->dirfd >= 0)
		close(l->dirfd);
	free(l->v);
	free(l->texts);
	memset(l, 0, sizeof(*l));
	l->dirfd = l->fddirfd = -1;
}

/* ---- the walk ---- */

#define WALK_STACK (256u << 10) /* the reader makes system calls and fills records */

/* The records are read by the reader thread and, whenever the record it needs next is not
 * ready, by the caller too: each takes the next record nobody has taken (the frontier),
 * within the bound ahead. On bench_fds.sh's load the reading was three quarters of the
 * pass and the joins waited on it; now they share it. Each thread keeps its own fill
 * state: a pipe whose holders two threads read may have its fill read twice, and the joins
 * take it at its first holder in process order, as with one reader. */
struct fdlinks_walk {
	struct fdlinks *v;    /* one per process; owned */
	bool *ready;          /* v[i] read; owned */
	size_t n;
	int procfd;
	unsigned want;
	bool live;
	struct fdlinks_fill fill;   /* the reader's */
	struct fdlinks_fill fill_c; /* the caller's */
	struct fdlinks_dups dups;   /* both's */
	size_t ahead;         /* how far the reading may run ahead of the joins */
	bool threaded;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;    /* a record is read, or room ahead, or stop */
	size_t next;          /* the frontier: records [0, next) are taken by a reader */
	size_t taken;         /* records handed out: [0, taken); those before taken - 1 freed */
	bool stop;
};

/* With the lock held: the next record to read, or SIZE_MAX when there is none or no room. */
static size_t walk_claim(struct fdlinks_walk *w)
{
	if (w->stop || w->next >= w->n || w->next >= w->taken + w->ahead)
		return SIZE_MAX;
	return w->next++;
}

/* Read record i, the lock held on entry and on return (not while reading). */
static void walk_read(struct fdlinks_walk *w, size_t i, struct fdlinks_fill *fill)
{
	pthread_mutex_unlock(&w->mu);
	fdlinks_read(&w->v[i], w->procfd, w->want, w->live, w->live ? fill : NULL);
	pthread_mutex_lock(&w->mu);
	w->ready[i] = true;
	pthread_cond_broadcast(&w->cv);
}

static void *walk_reader(void *arg)
{
	struct fdlinks_walk *w = arg;

	pthread_mutex_lock(&w->mu);
	while (!w->stop && w->next < w->n) {
		size_t i = walk_claim(w);

		if (i == SIZE_MAX)
			pthread_cond_wait(&w->cv, &w->mu);
		else
			walk_read(w, i, &w->fill);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct fdlinks_walk *fdlinks_walk_start(int procfd, const pid_t *pids, size_t n, unsigned want,
					bool live)
{
	struct fdlinks_walk *w = xcalloc(1, sizeof(*w));
	pthread_attr_t attr;
	sigset_t all, old;
	struct rlimit rl;

	w->v = xcalloc(n ? n : 1, sizeof(*w->v));
	w->ready = xcalloc(n ? n : 1, sizeof(*w->ready));
	w->fill.dups = w->fill_c.dups = &w->dups;
	w->n = n;
	w->procfd = procfd;
	w->want = want;
	w->live = live;
	for (size_t i = 0; i < n; i++) {
		w->v[i].pid = pids[i];
		w->v[i].dirfd = w->v[i].fddirfd = -1;
		snprintf(w->v[i].name, sizeof(w->v[i].name), "%d", (int)pids[i]);
	}
	/* Each record read ahead holds two fds open: within a quarter of what is left of the
	 * fd limit above the duplicates and the scan's own. */
	w->ahead = FDLINKS_AHEAD;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		rlim_t room = rl.rlim_cur > 256 ? (rl.rlim_cur - 256) / 4 : 0;

		if (room < w->ahead)
			w->ahead = room;
	}
	/* A thread pays for itself only over more than a few processes with fds to read. */
	if (!want || n < 8 || w->ahead < 2 || par_threads() < 2 || pthread_attr_init(&attr) != 0)
		return w;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	pthread_mutex_init(&w->dups.mu, NULL);
	w->dups.shared = true;
	/* Signals stay with the threads that expect them (serve's). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_setstacksize(&attr, WALK_STACK);
	w->threaded = pthread_create(&w->th, &attr, walk_reader, w) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (!w->threaded) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		pthread_mutex_destroy(&w->dups.mu);
		w->dups.shared = false;
	}
	return w;
}

struct fdlinks *fdlinks_walk_next(struct fdlinks_walk *w)
{
	size_t i = w->taken;

	if (i > 0)
		fdlinks_release(&w->v[i - 1]);
	if (i == w->n)
		return NULL;
	if (!w->threaded) {
		fdlinks_read(&w->v[i], w->procfd, w->want, w->live, w->live ? &w->fill : NULL);
		w->taken = i + 1;
		return &w->v[i];
	}
	pthread_mutex_lock(&w->mu);
	w->taken = i + 1;
	pthread_cond_broadcast(&w->cv); /* room for one more ahead */
	while (!w->ready[i]) {
		/* Rather than wait, read the frontier (which is i itself when the reader has
		 * not got there yet). */
		size_t j = walk_claim(w);

		if (j == SIZE_MAX)
			pthread_cond_wait(&w->cv, &w->mu);
		else
			walk_read(w, j, &w->fill_c);
	}
	pthread_mutex_unlock(&w->mu);
	return &w->v[i];
}

void fdlinks_walk_end(struct fdlinks_walk *w)
{
	if (!w)
		return;
	if (w->threaded) {
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->th, NULL);
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		pthread_mutex_destroy(&w->dups.mu);
		w->dups.shared = false; /* the reader is gone */
	}
	dups_close(&w->dups);
	/* What was read and not handed out, and the last one handed out. */
	for (size_t i = w->taken ? w->taken - 1 : 0; i < w->n; i++)
		fdlinks_release(&w->v[i]);
	free(w->v);
	free(w->ready);
	free(w->fill.done);
	free(w->fill_c.done);
	free(w);
}
