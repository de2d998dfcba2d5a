/* deleted.c - POSIX shared memory and semaphores unlinked while still held.
 *
 * shm_unlink and sem_unlink take the name away at once, but the file lives on while a
 * process has it open or mapped: its fd link reads "/dev/shm/x (deleted)", its maps line
 * "/dev/shm/sem.x (deleted)". /dev/shm's listing cannot see it, so the process side makes
 * the object on first sight, and later fds and mappings join it by device and inode
 * (snapshot_add keeps snapshot_find_file current). CPython's multiprocessing.Lock is such a
 * semaphore from birth: it unlinks its name right after sem_open, and keeps only the map. */
#include "procfd.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/kinds.h"
#include "core/util.h"

#define SHM_DIR "/dev/shm/"
#define DELETED " (deleted)"

void deleted_shm_stat(struct ipc_object *o, const struct stat *st)
{
	if (o->has_mode)
		return;
	object_set_stat(o, st);
	if (o->kind == KIND_POSIX_SHM) {
		o->size = (int64_t)st->st_size;
		obj_ipc_mut(o)->blocks = (int64_t)st->st_blocks * 512;
	}
}

struct ipc_object *deleted_shm_object(struct fdscan *fs, pid_t holder, int kind,
				      const char *path, uint64_t dev, uint64_t ino,
				      const struct stat *st)
{
	size_t n = strlen(path), d = strlen(DELETED), dir = strlen(SHM_DIR);
	const struct ns_proc *np = snapshot_proc(fs->snap, holder);
	/* The name is the holder's mount namespace's, as a FIFO's is (procfd.c). */
	uint64_t ns = np && np->ns[NS_MNT] ? np->ns[NS_MNT] : fs->ctx->mnt_ns;
	const char *base = path + dir;
	struct ipc_object *o;
	char *identity;
	int blen;

	if (strncmp(path, SHM_DIR, dir) || n <= dir + d || strcmp(path + n - d, DELETED))
		return NULL;
	if (kind == KIND_POSIX_SEM)
		base += 4; /* "sem." */
	blen = (int)(n - d - (size_t)(base - path));
	if (blen <= 0)
		return NULL;
	/* A new file may have taken the name since: the device and inode keep it apart. */
	identity = xasprintf("%s:%" PRIu64 ":/%.*s:deleted:%" PRIu64 ":%" PRIu64,
			     kind_name((enum ipc_kind)kind), ns, blen, base, dev, ino);
	o = object_new((enum ipc_kind)kind, identity);
	free(identity);
	o->ns = ns;
	if (ns != fs->ctx->mnt_ns)
		o->ns_pid = holder;
	o->name = xasprintf("/%.*s", blen, base);
	o->flags |= OBJ_DELETED;
	o->dev = dev;
	o->inode = ino;
	if (st)
		deleted_shm_stat(o, st);
	snapshot_add(fs->snap, o);
	return o;
}
