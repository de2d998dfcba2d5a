/* mmapshare.c - memory shared through MAP_SHARED mappings that no other kind names (kind
 * mmap): the shmem file the kernel gives mmap(MAP_SHARED|MAP_ANONYMOUS) (and a MAP_SHARED
 * mapping of /dev/zero), which maps show as "/dev/zero (deleted)" ("/anon_hugepage
 * (deleted)" with MAP_HUGETLB, "[anon_shmem:NAME]" once named with PR_SET_VMA), and regular
 * files mapped MAP_SHARED. Only an 's' in the perms column counts: shared libraries and
 * other file mappings are MAP_PRIVATE. SysV segments ("/SYSV<key> (deleted)"), /dev/shm
 * files and memfds are their own kinds and never become mmap objects.
 *
 * A mapping is only IPC when two processes share it, and that is known only once every
 * process was read: each (device, inode) of the maps becomes a candidate with its mappings
 * as holders, kept off the snapshot; after the pass the candidates mapped by two or more
 * processes are stat'ed once (through /proc/PID/map_files of a holder, which follows to the
 * mapped file whatever its name says) and added, the rest freed. A file whose type cannot
 * be learned and whose path is under /dev/ is dropped: it may be a device (a GPU's, a
 * framebuffer), and devices are no IPC objects here.
 *
 * Resident bytes come from cachestat(2) on a descriptor of the file (opened through
 * map_files, read only, never mapped): the object's pages in memory, one open and one
 * call per object kept, instead of reading the smaps of every holder. */
#include "procfd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/util.h"

#ifndef __NR_cachestat
#define __NR_cachestat 451 /* the same number on every architecture (Linux 6.5) */
#endif

#define DELETED " (deleted)"
#define ANON_NAMED "[anon_shmem:"
#define STAT_TRIES 3  /* holders whose map_files are tried before giving up on a stat */

struct cachestat_range {
	uint64_t off, len;
};

struct cachestat {
	uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

static bool ends_deleted(const char *path)
{
	size_t n = strlen(path), d = strlen(DELETED);

	return n > d && !strcmp(path + n - d, DELETED);
}

char mmapshare_backing(const struct maps_line *m)
{
	uint32_t key;

	if (!m->shared || !m->path || !m->ino)
		return 0;
	if (!strcmp(m->path, "/dev/zero" DELETED) || !strcmp(m->path, "/anon_hugepage" DELETED) ||
	    (!strncmp(m->path, ANON_NAMED, strlen(ANON_NAMED)) && m->path[strlen(m->path) - 1] == ']'))
		return 'a';
	if (m->path[0] != '/')
		return 0; /* [vvar], [heap] ... are never shared file memory */
	/* Other kinds: SysV attaches, POSIX shm and semaphores, memfds. */
	if (procmaps_sysv_key(m->path, &key) == 0 || !strncmp(m->path, "/dev/shm/", 9) ||
	    memfd_link(m->path))
		return 0;
	return 'f';
}

struct ipc_object *mmapshare_from_map(struct fdscan *fs, pid_t pid, const struct maps_line *m)
{
	struct mmap_cand *c;
	char backing = mmapshare_backing(m);
	struct join_ent *e;
	struct ipc_object *o;
	char *identity;

	if (!backing)
		return NULL;
	e = join_tab_get(&fs->tab, KIND_MMAP, m->dev, m->ino, true);
	if (e->o)
		return e->o;
	identity = xasprintf("mmap:%" PRIu64 ":%" PRIu64, m->dev, m->ino);
	o = object_new(KIND_MMAP, identity);
	free(identity);
	o->dev = m->dev;
	o->inode = m->ino;
	obj_ipc_mut(o)->backing = backing == 'a' ? "anon" : "file";
	if (backing == 'a' && m->path[0] == '[') /* "[anon_shmem:NAME]": the name it was given */
		o->name = xasprintf("%.*s", (int)(strlen(m->path) - strlen(ANON_NAMED) - 1),
				    m->path + strlen(ANON_NAMED));
	else if (backing == 'f' && ends_deleted(m->path)) {
		o->name = xasprintf("%.*s", (int)(strlen(m->path) - strlen(DELETED)), m->path);
		o->flags |= OBJ_DELETED;
	} else if (backing == 'f') {
		o->name = xstrdup(m->path);
	}
	e->o = o;
	xgrow((void **)&fs->mmap_cands, &fs->mmap_cands_cap, fs->nmmap_cands + 1, sizeof(*fs->mmap_cands));
	c = &fs->mmap_cands[fs->nmmap_cands++];
	c->o = o;
	c->pid = pid;
	snprintf(c->area, sizeof(c->area), "%" PRIx64 "-%" PRIx64, m->start, m->end);
	return o;
}

/* Holders come process by process, so the distinct pids are the changes of pid. */
static size_t distinct_pids(const struct ipc_object *o)
{
	size_t n = 0;

	for (size_t i = 0; i < o->nholders; i++)
		n += i == 0 || o->holders[i].pid != o->holders[i - 1].pid;
	return n;
}

/* The largest mapping: an anonymous region's size when its file cannot be stat'ed (the
 * kernel sizes the shmem file to the first mapping). */
static int64_t largest_map(const struct ipc_object *o)
{
	uint64_t best = 0;

	for (size_t i = 0; i < o->nholders; i++) {
		uint64_t s, e;

		if (o->holders[i].map && sscanf(o->holders[i].map, "%" SCNx64 "-%" SCNx64, &s, &e) == 2 &&
		    e > s && e - s > best)
			best = e - s;
	}
	return best ? (int64_t)best : -1;
}

/* Stat the mapped file through a map_files entry, checked to be the mapping's inode (the
 * area may have been unmapped and reused since): the first area met, then the holders'
 * (a holder's map that joins several areas names no entry). Fills path with the entry
 * that worked; 0, or -errno of the last try. */
static int stat_mapped(struct fdscan *fs, const struct mmap_cand *c, struct stat *st,
		       char *path, size_t len)
{
	const struct ipc_object *o = c->o;
	int rc = -ENOENT;

	for (size_t i = 0; i <= o->nholders && i <= STAT_TRIES; i++) {
		if (i == 0)
			snprintf(path, len, "proc/%d/map_files/%s", (int)c->pid, c->area);
		else if (o->holders[i - 1].map)
			snprintf(path, len, "proc/%d/map_files/%s", (int)o->holders[i - 1].pid,
				 o->holders[i - 1].map);
		else
			continue;
		if (fstatat(fs->ctx->rootfd, path, st, 0) < 0) {
			rc = -errno;
			continue;
		}
		if ((uint64_t)st->st_ino != o->inode) {
			rc = -ESTALE;
			continue;
		}
		return 0;
	}
	return rc;
}

/* Pages of the file in memory: cachestat over all of it, on a read-only descriptor opened
 * through the holder's map_files (never mapped, nothing read). The stat just before said
 * it is a regular file; O_NONBLOCK and O_NOCTTY keep an open as harmless as it can be
 * should the area have been remapped to a device in between, and the fstat after drops
 * anything but that file. */
static void cache_rss(struct fdscan *fs, struct ipc_object *o, const char *path)
{
	struct cachestat_range range = {0, 0}; /* len 0: to the end of the file */
	struct cachestat cs;
	struct stat st;
	int fd;

	if (fs->cachestat_err)
		return;
	fd = openat(fs->ctx->rootfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOATIME);
	if (fd < 0 && errno == EPERM) /* O_NOATIME: only the owner or CAP_FOWNER */
		fd = openat(fs->ctx->rootfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_ino == o->inode) {
		if (syscall(__NR_cachestat, fd, &range, &cs, 0) == 0)
			obj_ipc_mut(o)->rss = (int64_t)(cs.nr_cache * (uint64_t)sysconf(_SC_PAGESIZE));
		else if (errno == ENOSYS)
			fs->cachestat_err = errno;
	}
	close(fd);
}

/* Type, owner, size of a candidate mapped by two or more processes. False: drop it (no
 * regular file, or perhaps a device). */
static bool mmapshare_fill(struct fdscan *fs, const struct mmap_cand *c)
{
	struct ipc_object *o = c->o;
	bool anon = !strcmp(obj_ipc(o)->backing, "anon");
	char why[200], path[4200]; /* a map_files entry, or a path as maps shows it */
	struct stat st;
	int rc;

	if (fs->ctx->live) {
		rc = stat_mapped(fs, c, &st, path, sizeof(path));
		/* map_files wants CAP_SYS_ADMIN: without it, the file by its path, if that is
		 * still the mapped one (device and inode: the path is of the holder's mount
		 * namespace, which may not be ours). */
		if (rc < 0 && !anon && o->name && !(o->flags & OBJ_DELETED) &&
		    fstatat(fs->ctx->rootfd, o->name + 1, &st, 0) == 0 && (uint64_t)st.st_ino == o->inode &&
		    (uint64_t)st.st_dev == o->dev) {
			snprintf(path, sizeof(path), "%s", o->name + 1);
			rc = 0;
		}
	} else {
		/* A fixture tree keeps a mapped file at its path; an anonymous one has none. */
		rc = -ENOENT;
		if (!anon && o->name && fstatat(fs->ctx->rootfd, o->name + 1, &st, AT_SYMLINK_NOFOLLOW) == 0)
			rc = 0;
	}
	if (rc >= 0) {
		uint64_t dev = o->dev, ino = o->inode;

		if (!S_ISREG(st.st_mode))
			return false;
		object_set_stat(o, &st);
		/* The identity's: the maps columns, which every holder's line shows alike (a
		 * btrfs subvolume's stat gives another device). */
		o->dev = dev;
		o->inode = ino;
		o->size = (int64_t)st.st_size;
		obj_ipc_mut(o)->blocks = (int64_t)st.st_blocks * 512;
		if (fs->ctx->live)
			cache_rss(fs, o, path);
		return true;
	}
	if (!anon && o->name && !strncmp(o->name, "/dev/", 5))
		return false;
	if (anon) {
		o->size = largest_map(o);
		snprintf(why, sizeof(why), "the mapped file could not be read through map_files (%s): "
			 "size from the largest mapping, owner and resident bytes unknown", strerror(-rc));
	} else {
		snprintf(why, sizeof(why), "the mapped file could not be read through map_files (%s): "
			 "size, owner and resident bytes unknown", strerror(-rc));
	}
	object_set_partial(o, why);
	return true;
}

void mmapshare_finish(struct fdscan *fs)
{
	for (size_t i = 0; i < fs->nmmap_cands; i++) {
		struct ipc_object *o = fs->mmap_cands[i].o;

		if (distinct_pids(o) >= 2 && mmapshare_fill(fs, &fs->mmap_cands[i]))
			snapshot_add(fs->snap, o);
		else
			object_free(o);
	}
	free(fs->mmap_cands);
	fs->mmap_cands = NULL;
	fs->nmmap_cands = fs->mmap_cands_cap = 0;
}
