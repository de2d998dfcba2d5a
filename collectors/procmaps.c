/* procmaps.c - holders through mappings: SysV segments attached with shmat (the kernel
 * names them "/SYSV<key> (deleted)" and puts the shmid in the inode column), /dev/shm
 * files and memfds mapped with mmap, and other MAP_SHARED mappings (mmapshare.c). A process's maps are read only when some object can be joined
 * to a mapping, so a host without shared memory pays nothing for them. */
#include "procfd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/util.h"

#define MAPS_MAX (64u << 20)

static int hex(const char *s, size_t n, uint64_t *v)
{
	char num[20];

	if (!n || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	return parse_u64_base(num, 16, v);
}

/* Next blank-separated field of *p, NUL-terminated in place; NULL when none is left. */
static char *field(char **p)
{
	char *s = *p, *e;

	s += strspn(s, " \t");
	if (!*s)
		return NULL;
	e = s + strcspn(s, " \t");
	if (*e)
		*e++ = '\0';
	*p = e;
	return s;
}

int procmaps_parse_line(char *line, struct maps_line *m)
{
	char *p = line, *range, *perms, *dash, *rest, *dev, *colon;
	uint64_t ino, maj, min;

	memset(m, 0, sizeof(*m));
	range = field(&p);
	perms = field(&p);
	/* the offset is not needed; the device and inode are */
	if (!range || !perms || !field(&p) || !(dev = field(&p)))
		return -EINVAL;
	colon = strchr(dev, ':');
	if (!colon || hex(dev, (size_t)(colon - dev), &maj) < 0 || hex(colon + 1, strlen(colon + 1), &min) < 0 ||
	    maj > 0xfff || min > 0xfffff)
		return -EINVAL;
	m->dev = makedev((unsigned)maj, (unsigned)min);
	rest = field(&p);
	if (!rest || parse_u64(rest, &ino) < 0)
		return -EINVAL;
	dash = strchr(range, '-');
	if (!dash || hex(range, (size_t)(dash - range), &m->start) < 0 ||
	    hex(dash + 1, strlen(dash + 1), &m->end) < 0 || m->end < m->start)
		return -EINVAL;
	if (strlen(perms) != 4)
		return -EINVAL;
	m->access = (perms[0] == 'r' ? ACC_R : 0) | (perms[1] == 'w' ? ACC_W : 0);
	m->shared = perms[3] == 's';
	m->ino = ino;
	p += strspn(p, " \t");
	m->path = *p ? p : NULL;
	return 0;
}

int procmaps_sysv_key(const char *path, uint32_t *key)
{
	uint64_t v;

	if (strncmp(path, "/SYSV", 5) || strlen(path) < 13)
		return -EINVAL;
	if (path[13] != '\0' && strcmp(path + 13, " (deleted)"))
		return -EINVAL;
	if (hex(path + 5, 8, &v) < 0)
		return -EINVAL;
	*key = (uint32_t)v;
	return 0;
}

bool procmaps_wanted(struct fdscan *fs)
{
	unsigned shm = KIND_BIT(KIND_POSIX_SHM) | KIND_BIT(KIND_POSIX_SEM) | KIND_BIT(KIND_MEMFD);

	for (size_t i = 0; i < fs->snap->nobjs; i++) {
		const struct ipc_object *o = fs->snap->objs[i];

		if (!(fs->want & KIND_BIT(o->kind)))
			continue;
		if (o->kind == KIND_SYSV_SHM && obj_ipc(o)->nattch != 0)
			return true;
		if (KIND_BIT(o->kind) & shm)
			return true;
	}
	/* An unlinked shm file or semaphore, or a memfd, may be known only through a mapping
	 * (sem_open closes its fd), and shared mappings are known only so: with those kinds
	 * asked for, every process's maps are read. */
	return (fs->want & (shm | KIND_BIT(KIND_MMAP))) != 0;
}

void procmaps_prepare(struct fdscan *fs)
{
	for (size_t i = 0; i < fs->snap->nobjs; i++) {
		struct ipc_object *o = fs->snap->objs[i];

		if (o->kind == KIND_SYSV_SHM && o->id >= 0)
			join_tab_get(&fs->tab, KIND_SYSV_SHM, o->ns, (uint64_t)o->id, true)->o = o;
	}
}

/* Read the whole maps file into fs->buf. 0 or -errno. */
static int read_maps(struct fdscan *fs, struct proc *p, size_t *len)
{
	size_t n = 0;
	int fd, rc = 0;

	fd = openat(p->dirfd, "maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r;

		if (n + 4096 > fs->bufcap) {
			if (fs->bufcap >= MAPS_MAX) {
				rc = -EFBIG;
				break;
			}
			fs->bufcap = fs->bufcap ? fs->bufcap * 2 : 64 << 10;
			fs->buf = xrealloc(fs->buf, fs->bufcap);
		}
		r = read(fd, fs->buf + n, fs->bufcap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	fs->buf[n] = '\0';
	*len = n;
	return rc;
}

/* The IPC namespace of p: its SysV attaches are segments of that namespace. */
uint64_t proc_ipc_ns(struct fdscan *fs, const struct proc *p)
{
	const struct ns_proc *np = snapshot_proc(fs->snap, p->pid);

	return np && np->ns[NS_IPC] ? np->ns[NS_IPC] : fs->ctx->ipc_ns;
}

static struct ipc_object *mapped_object(struct fdscan *fs, const struct proc *p,
					const struct maps_line *m)
{
	struct ipc_object *o = NULL;
	uint32_t key;

	if (!m->path)
		return NULL;
	if ((fs->want & KIND_BIT(KIND_SYSV_SHM)) && procmaps_sysv_key(m->path, &key) == 0) {
		/* shmids are per IPC namespace: joined by the pair. */
		struct join_ent *e = join_tab_get(&fs->tab, KIND_SYSV_SHM, proc_ipc_ns(fs, p), m->ino, false);

		o = e ? e->o : NULL;
		/* A segment of another IPC namespace may share the shmid; the key tells, except
		 * once IPC_RMID has reset the segment's key to IPC_PRIVATE while the mapping's
		 * name keeps the old one. */
		if (o && o->has_key && o->key != key && !(o->flags & OBJ_DEST))
			o = NULL;
	} else if (!strncmp(m->path, "/dev/shm/", 9)) {
		int kind = !strncmp(m->path + 9, "sem.", 4) ? KIND_POSIX_SEM : KIND_POSIX_SHM;

		/* By device and inode: every tmpfs numbers its files from 1, so a container's
		 * /dev/shm/x may share the inode of the host's /dev/shm/y. */
		if (fs->want & KIND_BIT(kind)) {
			o = snapshot_find_file(fs->snap, kind, m->dev, m->ino);
			if (!o)
				o = deleted_shm_object(fs, p->pid, kind, m->path, m->dev, m->ino, NULL);
		}
	} else if ((fs->want & KIND_BIT(KIND_MEMFD)) && memfd_link(m->path)) {
		o = memfd_from_map(fs, m);
	} else if (fs->want & KIND_BIT(KIND_MMAP)) {
		o = mmapshare_from_map(fs, p->pid, m);
	}
	return o;
}

/* Remembered for the futexes of p's waiting threads (waiters.c). */
static void held_map_add(struct fdscan *fs, uint64_t start, uint64_t end, struct ipc_object *o)
{
	xgrow((void **)&fs->held_maps, &fs->held_maps_cap, fs->nheld_maps + 1, sizeof(*fs->held_maps));
	fs->held_maps[fs->nheld_maps++] = (struct held_map){.start = start, .end = end, .o = o};
}

void procmaps_read(struct fdscan *fs, struct proc *p)
{
	struct ipc_object *last = NULL;
	size_t last_holder = 0, len = 0;
	uint64_t last_start = 0, last_end = 0;
	unsigned last_access = 0, bad = 0;
	char *line, *next;
	int rc;

	rc = read_maps(fs, p, &len);
	if (rc == -EACCES || rc == -EPERM) {
		proc_denied(fs, p, "its mappings", -rc);
		return;
	}
	if (rc < 0 && !len)
		return; /* gone */
	for (line = fs->buf; line && *line; line = next) {
		struct maps_line m;
		struct ipc_object *o;
		char map[48];

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (procmaps_parse_line(line, &m) < 0) {
			bad++;
			continue;
		}
		if (!(o = mapped_object(fs, p, &m)))
			continue;
		/* One attach split into adjacent areas (by mprotect) is still one holder. */
		if (o == last && m.start == last_end && m.access == last_access) {
			struct ipc_holder *h = &o->holders[last_holder];

			free(h->map);
			h->map = xasprintf("%" PRIx64 "-%" PRIx64, last_start, m.end);
			last_end = m.end;
			if (o->kind != KIND_MMAP)
				held_map_add(fs, m.start, m.end, o);
			continue;
		}
		snprintf(map, sizeof(map), "%" PRIx64 "-%" PRIx64, m.start, m.end);
		object_add_holder(o, p->pid, proc_comm(fs, p), -1, m.access, map);
		/* A shared mapping is an object only once a second process maps it: its
		 * futexes are not joined (every process with one would have its threads read). */
		if (o->kind != KIND_MMAP)
			held_map_add(fs, m.start, m.end, o);
		last = o;
		last_holder = o->nholders - 1;
		last_start = m.start;
		last_end = m.end;
		last_access = m.access;
	}
	if (bad)
		snapshot_error(fs->snap, "/proc", "pid %d: %u lines of its maps not understood; skipped",
			       (int)p->pid, bad);
}

void procmaps_finish(struct fdscan *fs)
{
	for (size_t i = 0; i < fs->snap->nobjs; i++) {
		struct ipc_object *o = fs->snap->objs[i];
		int64_t found = 0;
		char why[160];

		if (o->kind != KIND_SYSV_SHM || obj_ipc(o)->nattch < 0 || !(fs->want & KIND_BIT(o->kind)))
			continue;
		for (size_t h = 0; h < o->nholders; h++)
			found += o->holders[h].fd < 0;
		if (found == obj_ipc(o)->nattch)
			continue;
		if (found < obj_ipc(o)->nattch && fs->ndenied)
			snprintf(why, sizeof(why), "nattch %" PRId64 " but %" PRId64 " attaches found: "
				 "the others are in processes that could not be read", obj_ipc(o)->nattch, found);
		else
			snprintf(why, sizeof(why), "nattch %" PRId64 " but %" PRId64 " attaches found "
				 "(attached or detached during the scan, or by processes of another pid "
				 "namespace)", obj_ipc(o)->nattch, found);
		object_set_partial(o, why);
	}
}
