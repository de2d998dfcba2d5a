/* fdlinks.c - read one process's fd links (see fdlinks.h). Only system calls and the record
 * it fills: it runs on the workers of collectors/parallel.c. */
#include "fdlinks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
