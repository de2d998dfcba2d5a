/* memfd.c - anonymous memory files (memfd_create): no directory lists them, so they are
 * known only through what holds them. An fd link reads "/memfd:NAME (deleted)" and a
 * mapping's maps line the same with the inode; both join one object per device and inode.
 *
 * Size, allocated bytes and times come from a stat through the fd (on the live system
 * fstatat of /proc/PID/fd/N follows to the inode, whatever the link text says); the seals
 * from F_GET_SEALS on a duplicate of the fd (pidfd_getfd), closed at once, as procfd.c
 * reads a pipe's fill. A memfd seen only through a mapping has neither. */
#include "procfd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"

#define MEMFD_PREFIX "/memfd:"
#define DELETED " (deleted)"

bool memfd_link(const char *path)
{
	return !strncmp(path, MEMFD_PREFIX, strlen(MEMFD_PREFIX));
}

/* The name memfd_create was given: the link text between the prefix and " (deleted)". */
static char *memfd_name(const char *path)
{
	const char *name = path + strlen(MEMFD_PREFIX);
	size_t n = strlen(name), d = strlen(DELETED);

	if (n >= d && !strcmp(name + n - d, DELETED))
		n -= d;
	return xasprintf("%.*s", (int)n, name);
}

static struct ipc_object *memfd_get(struct fdscan *fs, const char *path, uint64_t dev,
				    uint64_t ino)
{
	struct ipc_object *o = snapshot_find_file(fs->snap, KIND_MEMFD, dev, ino);
	char *identity;

	if (o)
		return o;
	identity = xasprintf("memfd:%" PRIu64 ":%" PRIu64, dev, ino);
	o = object_new(KIND_MEMFD, identity);
	free(identity);
	o->name = memfd_name(path);
	o->dev = dev;
	o->inode = ino;
	snapshot_add(fs->snap, o);
	return o;
}

/* F_GET_SEALS through a duplicate of p's fd fdnum. Leaves obj_ipc(o)->seals absent (with a reason
 * when one is known) when the fd cannot be had; another holder may do better. */
static void memfd_seals(struct fdscan *fs, struct proc *p, struct ipc_object *o, int fdnum)
{
	struct stat st;
	int dup, seals;

	if (fs->getfd_err)
		return;
	if (p->pidfd < 0 && !p->pidfd_err) {
		p->pidfd = pidfd_open(p->pid, 0);
		if (p->pidfd < 0)
			p->pidfd_err = errno;
	}
	if (p->pidfd < 0)
		return;
	dup = pidfd_getfd(p->pidfd, fdnum, 0);
	if (dup < 0) {
		if (errno == ENOSYS)
			fs->getfd_err = errno;
		return;
	}
	/* The fd number may name another file since its link was read. */
	if (fstat(dup, &st) == 0 && (uint64_t)st.st_ino == o->inode && (uint64_t)st.st_dev == o->dev &&
	    (seals = fcntl(dup, F_GET_SEALS)) >= 0)
		obj_ipc_mut(o)->seals = seals;
	close(dup);
}

struct ipc_object *memfd_from_fd(struct fdscan *fs, struct proc *p, const char *link, int fdnum,
				 const char *fdname)
{
	struct ipc_object *o;
	struct stat st;
	int rc;

	if (fs->ctx->live)
		rc = fstatat(p->fddirfd, fdname, &st, 0);
	else /* a fixture tree keeps the file at the link's text */
		rc = fstatat(fs->ctx->rootfd, link + 1, &st, AT_SYMLINK_NOFOLLOW);
	if (rc < 0 || !S_ISREG(st.st_mode))
		return NULL;
	o = memfd_get(fs, link, (uint64_t)st.st_dev, (uint64_t)st.st_ino);
	if (!o->has_mode) { /* first sight through an fd (it may have been met as a mapping) */
		object_set_stat(o, &st);
		o->size = (int64_t)st.st_size;
		obj_ipc_mut(o)->blocks = (int64_t)st.st_blocks * 512;
	}
	if (obj_ipc(o)->seals < 0 && fs->ctx->live)
		memfd_seals(fs, p, o, fdnum);
	return o;
}

struct ipc_object *memfd_from_map(struct fdscan *fs, const struct maps_line *m)
{
	return memfd_get(fs, m->path, m->dev, m->ino);
}

void memfd_finish(struct fdscan *fs)
{
	for (size_t i = 0; i < fs->snap->nobjs; i++) {
		struct ipc_object *o = fs->snap->objs[i];

		if (o->kind != KIND_MEMFD)
			continue;
		if (!o->has_mode)
			object_set_partial(o, "held through mappings only: size and seals unknown");
		else if (obj_ipc(o)->seals < 0 && fs->ctx->live)
			object_set_partial(o, "seals unknown: no holder's fd could be duplicated (pidfd_getfd)");
	}
}
