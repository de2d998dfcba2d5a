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

void fdlinks_read(struct fdlinks *l, int procfd, unsigned want, bool live)
{
	char *dbuf, link[LINK_MAX_TEXT];
	ssize_t nd = 0, off = 0;

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

struct fdlinks_walk {
	struct fdlinks *v;    /* one per process; owned */
	size_t n;
	int procfd;
	unsigned want;
	bool live;
	bool threaded;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;    /* a record is read, or room ahead, or stop */
	size_t ready;         /* records read by the reader: [0, ready) */
	size_t taken;         /* records handed out: [0, taken); those before taken - 1 freed */
	bool stop;
};

static void *walk_reader(void *arg)
{
	struct fdlinks_walk *w = arg;

	for (size_t i = 0; i < w->n; i++) {
		pthread_mutex_lock(&w->mu);
		while (!w->stop && i >= w->taken + FDLINKS_AHEAD)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		pthread_mutex_unlock(&w->mu);
		fdlinks_read(&w->v[i], w->procfd, w->want, w->live);
		pthread_mutex_lock(&w->mu);
		w->ready = i + 1;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
	return NULL;
}

struct fdlinks_walk *fdlinks_walk_start(int procfd, const pid_t *pids, size_t n, unsigned want,
					bool live)
{
	struct fdlinks_walk *w = xcalloc(1, sizeof(*w));
	pthread_attr_t attr;
	sigset_t all, old;

	w->v = xcalloc(n ? n : 1, sizeof(*w->v));
	w->n = n;
	w->procfd = procfd;
	w->want = want;
	w->live = live;
	for (size_t i = 0; i < n; i++) {
		w->v[i].pid = pids[i];
		w->v[i].dirfd = w->v[i].fddirfd = -1;
		snprintf(w->v[i].name, sizeof(w->v[i].name), "%d", (int)pids[i]);
	}
	/* A thread pays for itself only over more than a few processes. */
	if (n < 8 || par_threads() < 2 || pthread_attr_init(&attr) != 0)
		return w;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
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
		fdlinks_read(&w->v[i], w->procfd, w->want, w->live);
		w->taken = i + 1;
		return &w->v[i];
	}
	pthread_mutex_lock(&w->mu);
	w->taken = i + 1;
	pthread_cond_broadcast(&w->cv); /* room for one more ahead */
	while (w->ready <= i)
		pthread_cond_wait(&w->cv, &w->mu);
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
	}
	/* What was read and not handed out, and the last one handed out. */
	for (size_t i = w->taken ? w->taken - 1 : 0; i < w->n; i++)
		fdlinks_release(&w->v[i]);
	free(w->v);
	free(w);
}
