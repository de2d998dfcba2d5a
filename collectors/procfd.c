/* procfd.c - one pass over <root>/proc/PID/fd: every descriptor is read with one readlinkat,
 * and its link text decides what more it costs.
 *
 *   socket:[ino]   joined by inode to the sockdiag object; access is always rw
 *   pipe:[ino]     a pipe object made on first sight; access from the link's own mode
 *   /path          stat (through the fd) only when the path could be a FIFO, a queue or a
 *                  /dev/shm file; /proc, /sys and the kernel's character devices cannot
 *
 * On the running system an fd link's permission bits are the fd's access mode (proc sets
 * S_IRUSR for FMODE_READ, S_IWUSR for FMODE_WRITE), so one fstatat(AT_SYMLINK_NOFOLLOW)
 * stands in for opening and reading fdinfo. A fixture tree's symlinks carry no such mode,
 * so there fdinfo is read. Fill levels of pipes and FIFOs come from a duplicate of one
 * holder's fd (pidfd_getfd), asked FIONREAD and F_GETPIPE_SZ, once per pipe. The links,
 * a pipe's access and its fill level are read by fdlinks.c (a reader thread ahead of
 * this one); what needs the snapshot is done here. Mappings are procmaps.c's. This
 * collector runs last: it joins holders to all. */
#include "procfd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fdkinds.h"
#include "fdlinks.h"
#include "locks.h"
#include "posix.h"
#include "waiters.h"
#include "core/util.h"

#define MQUEUE_MAGIC 0x19800202
#define DENTS_BUF (32u << 10)
#define LINK_MAX_TEXT 4200       /* PATH_MAX and " (deleted)" */
#define SOCKET_KINDS (KIND_BIT(KIND_UNIX) | KIND_BIT(KIND_TCP) | KIND_BIT(KIND_UDP))
#define FD_KINDS (SOCKET_KINDS | KIND_BIT(KIND_PIPE) | KIND_BIT(KIND_FIFO) | \
		  KIND_BIT(KIND_POSIX_MQ) | KIND_BIT(KIND_POSIX_SHM) | KIND_BIT(KIND_POSIX_SEM) | \
		  KIND_BIT(KIND_MEMFD) | FDKIND_KINDS)
#define PATH_KINDS (KIND_BIT(KIND_FIFO) | KIND_BIT(KIND_POSIX_MQ) | KIND_BIT(KIND_POSIX_SHM) | \
		    KIND_BIT(KIND_POSIX_SEM))

/* ---- the join table ---- */

void join_tab_init(struct join_tab *t)
{
	t->cap = 1024;
	t->n = 0;
	t->slots = xmalloc(t->cap * sizeof(*t->slots));
	for (size_t i = 0; i < t->cap; i++)
		t->slots[i].kind = -1;
}

void join_tab_release(struct join_tab *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = t->n = 0;
}

static size_t join_hash(int kind, uint64_t dev, uint64_t ino)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ULL ^ dev * 0xc2b2ae3d27d4eb4fULL ^ (uint64_t)kind;

	h ^= h >> 29;
	return (size_t)h;
}

static struct join_ent *join_slot(struct join_tab *t, int kind, uint64_t dev, uint64_t ino)
{
	size_t mask = t->cap - 1, i = join_hash(kind, dev, ino) & mask;

	while (t->slots[i].kind >= 0 &&
	       !(t->slots[i].kind == kind && t->slots[i].dev == dev && t->slots[i].ino == ino))
		i = (i + 1) & mask;
	return &t->slots[i];
}

struct join_ent *join_tab_get(struct join_tab *t, int kind, uint64_t dev, uint64_t ino,
			      bool create)
{
	struct join_ent *e = join_slot(t, kind, dev, ino);

	if (e->kind >= 0 || !create)
		return e->kind >= 0 ? e : NULL;
	/* Up to three quarters full: linear probing stays short there, and the table of a
	 * loaded host's pipes (16,800 on bench_fds.sh's) is half the size it was at one half. */
	if ((t->n + 1) * 4 > t->cap * 3) {
		struct join_ent *old = t->slots;
		size_t oldcap = t->cap;

		t->cap *= 2;
		t->slots = xmalloc(t->cap * sizeof(*t->slots));
		for (size_t i = 0; i < t->cap; i++)
			t->slots[i].kind = -1;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].kind >= 0)
				*join_slot(t, old[i].kind, old[i].dev, old[i].ino) = old[i];
		free(old);
		e = join_slot(t, kind, dev, ino);
	}
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->dev = dev;
	e->ino = ino;
	t->n++;
	return e;
}

/* ---- small parsers ---- */

static int bracket_ino(const char *s, uint64_t *ino)
{
	char num[24];
	size_t n = strlen(s);

	if (n < 3 || s[0] != '[' || s[n - 1] != ']' || n - 2 >= sizeof(num))
		return -EINVAL;
	memcpy(num, s + 1, n - 2);
	num[n - 2] = '\0';
	return parse_u64(num, ino) < 0 || !*ino ? -EINVAL : 0;
}

/* Paths that cannot be a FIFO, a queue or a shm file: pseudo file systems that have no
 * such files, and the character devices the kernel itself makes. */
static bool path_cannot_be_ipc(const char *path)
{
	static const char *const prefixes[] = {"/proc/", "/sys/", "/dev/pts/", "/dev/tty",
					       "/memfd:", "/dev/dri/", "/dev/snd/", "/dev/input/"};
	static const char *const devices[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
					      "/dev/urandom", "/dev/ptmx", "/dev/console",
					      "/dev/kmsg", "/dev/fuse", "/dev/kvm", "/dev/net/tun"};

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (!strncmp(path, prefixes[i], strlen(prefixes[i])))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++)
		if (!strcmp(path, devices[i]))
			return true;
	return false;
}

int procfd_classify_link(const char *link, uint64_t *ino)
{
	if (!strncmp(link, "pipe:", 5))
		return bracket_ino(link + 5, ino) == 0 ? 'p' : 0;
	if (!strncmp(link, "socket:", 7))
		return bracket_ino(link + 7, ino) == 0 ? 's' : 0;
	if (link[0] == '/' && !path_cannot_be_ipc(link))
		return 'f';
	return 0;
}

int procfd_parse_fdinfo_flags(const char *text, unsigned *access)
{
	const char *p = text;
	uint64_t flags;
	char num[24];
	size_t n;

	while (p && strncmp(p, "flags:", 6)) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return -EINVAL;
	p += 6;
	p += strspn(p, " \t");
	n = strcspn(p, " \t\n");
	if (!n || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, p, n);
	num[n] = '\0';
	if (parse_u64_base(num, 8, &flags) < 0)
		return -EINVAL;
	if (flags & O_PATH) {
		*access = 0;
		return 0;
	}
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		*access = ACC_R;
		return 0;
	case O_WRONLY:
		*access = ACC_W;
		return 0;
	case O_RDWR:
		*access = ACC_R | ACC_W;
		return 0;
	}
	return -EINVAL;
}

/* ---- the process ---- */

const char *proc_comm(struct fdscan *fs, struct proc *p)
{
	struct pid_ref ref = {.pid = p->pid};
	char buf[64];
	ssize_t n = -1;
	int fd;

	if (p->comm_read)
		return p->comm;
	p->comm_read = true;
	if (snapshot_pid_lookup(fs->snap, &ref) && ref.comm[0]) {
		memcpy(p->comm, ref.comm, sizeof(p->comm));
		return p->comm;
	}
	fd = openat(p->dirfd, "comm", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n < 0)
		n = 0;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	memcpy(p->comm, buf, (size_t)n < sizeof(p->comm) ? (size_t)n + 1 : sizeof(p->comm));
	p->comm[sizeof(p->comm) - 1] = '\0';
	return p->comm;
}

void proc_denied(struct fdscan *fs, struct proc *p, const char *what, int err)
{
	struct stat st;
	char uid[24] = "?";

	if (p->denied)
		return;
	p->denied = true;
	fs->ndenied++;
	if (fstat(p->dirfd, &st) == 0)
		snprintf(uid, sizeof(uid), "%u", (unsigned)st.st_uid);
	snapshot_error(fs->snap, "/proc", "pid %d (%s, uid %s): %s: %s not read", (int)p->pid,
		       proc_comm(fs, p), uid, strerror(err), what);
}

/* Access of fd fdname of p; -errno when the fd is gone (ENOENT) or unreadable. */
static int fd_access(struct fdscan *fs, struct proc *p, const char *fdname, unsigned *access)
{
	char path[48], text[512];
	ssize_t n;
	int fd;

	if (fs->ctx->live) {
		struct stat st;

		if (fstatat(p->fddirfd, fdname, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		*access = ((st.st_mode & S_IRUSR) ? ACC_R : 0) | ((st.st_mode & S_IWUSR) ? ACC_W : 0);
		return 0;
	}
	snprintf(path, sizeof(path), "fdinfo/%s", fdname);
	fd = openat(p->dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	text[n] = '\0';
	return procfd_parse_fdinfo_flags(text, access);
}

/* How a holder holds what fd fdnum is open on. */
struct fd_use {
	int fdnum;
	const char *fdname;
	unsigned access;
	char why[96];        /* set when the access could not be read */
	const struct fdlink *pre; /* the walk's record, when it read the access already */
};

/* Read the access of u's fd. -ENOENT when the fd is gone: then nothing is listed, not even
 * an object made on its sight. */
static int fd_use_read(struct fdscan *fs, struct proc *p, struct fd_use *u)
{
	int rc;

	if (u->pre && u->pre->have_access) {
		rc = u->pre->access_rc;
		u->access = u->pre->access;
	} else {
		rc = fd_access(fs, p, u->fdname, &u->access);
	}
	u->why[0] = '\0';
	if (rc == -ENOENT)
		return rc;
	if (rc < 0) {
		u->access = 0;
		snprintf(u->why, sizeof(u->why), "access of pid %d fd %d unknown (%s)", (int)p->pid,
			 u->fdnum, rc == -EINVAL ? "fdinfo has no valid flags" : strerror(-rc));
	}
	return 0;
}

static void add_fd_holder(struct fdscan *fs, struct proc *p, struct ipc_object *o,
			  const struct fd_use *u)
{
	if (u->why[0])
		object_set_partial(o, u->why);
	object_add_holder(o, p->pid, proc_comm(fs, p), u->fdnum, u->access, NULL);
	/* Remembered for the joins of p's waiting threads (waiters.c). */
	xgrow((void **)&fs->held_fds, &fs->held_fds_cap, fs->nheld_fds + 1, sizeof(*fs->held_fds));
	fs->held_fds[fs->nheld_fds++] = (struct held_fd){.fd = u->fdnum, .o = o};
}

/* ---- pipes and FIFOs ---- */

/* A duplicate made for a fill level is kept open until the process is done (or 64 are
 * open) and then closed with the others, one close_range per run of consecutive numbers:
 * the kernel gives each new fd the lowest free number, so the duplicates of one process's
 * pipes, kept open, are mostly consecutive. */
static void dups_flush(struct fdscan *fs)
{
	fds_close_runs(fs->dups, fs->ndups);
	fs->ndups = 0;
}

static void dup_done(struct fdscan *fs, int dup)
{
	fs->dups[fs->ndups++] = dup;
	if (fs->ndups == ARRAY_SIZE(fs->dups))
		dups_flush(fs);
}

static void stream_fill(struct fdscan *fs, struct proc *p, struct join_ent *e, int fdnum)
{
	struct ipc_object *o = e->o;
	struct stat st;
	char why[128];
	int dup, avail, size;

	if (fs->getfd_err) {
		snprintf(why, sizeof(why), "fill level unknown: pidfd_getfd: %s", strerror(fs->getfd_err));
		goto give_up;
	}
	if (p->pidfd < 0 && !p->pidfd_err) {
		p->pidfd = pidfd_open(p->pid, 0);
		if (p->pidfd < 0)
			p->pidfd_err = errno;
	}
	if (p->pidfd < 0) {
		if (p->pidfd_err == ESRCH)
			return; /* gone: another holder may do */
		snprintf(why, sizeof(why), "fill level unknown: pidfd_open(%d): %s", (int)p->pid,
			 strerror(p->pidfd_err));
		goto give_up;
	}
	dup = pidfd_getfd(p->pidfd, fdnum, 0);
	if (dup < 0) {
		if (errno == EBADF || errno == ESRCH)
			return; /* fd closed or process gone since it was read */
		if (errno == ENOSYS) {
			fs->getfd_err = errno;
		}
		snprintf(why, sizeof(why), "fill level unknown: no access to pid %d's fds (%s)",
			 (int)p->pid, strerror(errno));
		goto give_up;
	}
	/* The fd number may have been reused since readlinkat: only the same inode counts. */
	if (fstat(dup, &st) < 0 || (uint64_t)st.st_ino != e->ino || !S_ISFIFO(st.st_mode)) {
		close(dup);
		return;
	}
	/* An O_PATH fd answers neither: another holder may. */
	if (ioctl(dup, FIONREAD, &avail) < 0 || avail < 0) {
		close(dup);
		return;
	}
	o->used_bytes = avail;
	size = fcntl(dup, F_GETPIPE_SZ);
	if (size >= 0)
		o->size = size;
	dup_done(fs, dup);
	e->filled = true;
	return;
give_up:
	object_set_partial(o, why);
	e->filled = true;
}

/* The walk could not read a pipe's fill level: why, in the words stream_fill uses. */
static void fill_gave_up(struct join_ent *e, const struct proc *p, int why, int err)
{
	char text[128];

	if (why == FILL_GETFD_UNSUPPORTED)
		snprintf(text, sizeof(text), "fill level unknown: pidfd_getfd: %s", strerror(err));
	else if (why == FILL_PIDFD_OPEN)
		snprintf(text, sizeof(text), "fill level unknown: pidfd_open(%d): %s", (int)p->pid,
			 strerror(err));
	else
		snprintf(text, sizeof(text), "fill level unknown: no access to pid %d's fds (%s)",
			 (int)p->pid, strerror(err));
	object_set_partial(e->o, text);
	e->filled = true;
}

static void stream_fd(struct fdscan *fs, struct proc *p, int kind, const struct stat *st,
		      uint64_t ino, const char *path, int fdnum, const char *fdname,
		      const struct fdlink *pre)
{
	uint64_t dev = kind == KIND_FIFO ? (uint64_t)st->st_dev : 0;
	struct fd_use u = {.fdnum = fdnum, .fdname = fdname, .pre = pre};
	struct join_ent *e;
	char identity[64];

	if (fd_use_read(fs, p, &u) < 0)
		return;
	e = join_tab_get(&fs->tab, kind, dev, ino, true);

	if (!e->o && kind == KIND_FIFO) {
		/* Listed already from a --fifo-dir directory? */
		snprintf(identity, sizeof(identity), "fifo:%" PRIu64 ":%" PRIu64, dev, ino);
		e->o = snapshot_find_inode(fs->snap, KIND_FIFO, ino);
		if (e->o && strcmp(e->o->identity, identity))
			e->o = snapshot_find_identity(fs->snap, identity);
	}
	if (!e->o) {
		struct ipc_object *o;

		if (kind == KIND_PIPE)
			snprintf(identity, sizeof(identity), "pipe:%" PRIu64, ino);
		o = object_new((enum ipc_kind)kind, identity);
		o->inode = ino;
		if (kind == KIND_FIFO) {
			const struct ns_proc *np = snapshot_proc(fs->snap, p->pid);

			o->ns = np && np->ns[NS_MNT] ? np->ns[NS_MNT] : fs->ctx->mnt_ns;
			if (o->ns != fs->ctx->mnt_ns)
				o->ns_pid = p->pid; /* its path is one of that namespace */
			size_t n = strlen(path);
			const char *del = " (deleted)";

			o->name = xstrdup(path);
			if (n > strlen(del) && !strcmp(path + n - strlen(del), del)) {
				o->name[n - strlen(del)] = '\0';
				o->flags |= OBJ_DELETED;
			}
			object_set_stat(o, st);
		}
		snapshot_add(fs->snap, o);
		e->o = o;
	}
	add_fd_holder(fs, p, e->o, &u);
	if (e->filled || !fs->ctx->live)
		return;
	if (!pre) {
		stream_fill(fs, p, e, fdnum);
	} else if (pre->fill > 0) {
		/* read by the walk (fdlinks.c), at this same first holder */
		e->o->used_bytes = pre->avail;
		if (pre->pipe_size >= 0)
			e->o->size = pre->pipe_size;
		e->filled = true;
	} else if (pre->fill < 0) {
		fill_gave_up(e, p, pre->fill_why, pre->fill_errno);
	}
}

/* After the pass: half-open pipes, and fill levels no holder could give. */
static void streams_finish(struct fdscan *fs)
{
	for (size_t i = 0; i < fs->tab.cap; i++) {
		struct join_ent *e = &fs->tab.slots[i];
		unsigned all = 0;

		if ((e->kind != KIND_PIPE && e->kind != KIND_FIFO) || !e->o)
			continue;
		for (size_t h = 0; h < e->o->nholders; h++)
			all |= e->o->holders[h].access;
		if (all == ACC_R || all == ACC_W) {
			e->o->flags |= OBJ_HALF_OPEN;
			if (fs->ndenied)
				object_set_partial(e->o, "the other end may be held by a process that could not be read");
		}
		if (fs->ctx->live && !e->filled)
			object_set_partial(e->o, "fill level unknown: its holders closed it during the scan");
	}
}

/* ---- sockets ---- */

static uint64_t proc_netns(struct fdscan *fs, struct proc *p)
{
	char buf[64];
	ssize_t n;
	uint64_t v;

	if (p->netns_read)
		return p->netns;
	p->netns_read = true;
	n = readlinkat(p->dirfd, "ns/net", buf, sizeof(buf) - 1);
	if (n > 6 && !strncmp(buf, "net:", 4)) {
		buf[n] = '\0';
		if (bracket_ino(buf + 4, &v) == 0)
			p->netns = v;
	}
	(void)fs;
	return p->netns;
}

/* A socket that is not in the dump: another network namespace, made after the dump, or a
 * family ipcscope does not list (netlink, packet ...). The kernel names the protocol in
 * the socket's "system.sockprotoname" attribute. */
static struct ipc_object *other_socket(struct fdscan *fs, struct proc *p, const char *fdname,
				       uint64_t ino)
{
	struct join_ent *e = join_tab_get(&fs->tab, JOIN_OTHER_SOCKET, 0, ino, false);
	char path[64], proto[32], identity[48], why[160];
	const char *type = NULL;
	struct ipc_object *o;
	uint64_t netns;
	ssize_t n;
	int kind;

	if (e)
		return e->o;
	e = join_tab_get(&fs->tab, JOIN_OTHER_SOCKET, 0, ino, true);
	if (!fs->ctx->live) {
		fs->unknown_sockets++;
		return NULL;
	}
	snprintf(path, sizeof(path), "/proc/%d/fd/%s", (int)p->pid, fdname);
	n = getxattr(path, "system.sockprotoname", proto, sizeof(proto) - 1);
	if (n <= 0)
		return NULL;
	proto[n] = '\0';
	if (!strncmp(proto, "UNIX", 4)) {
		kind = KIND_UNIX;
		if (!strcmp(proto, "UNIX-STREAM"))
			type = "stream";
	} else if (!strcmp(proto, "TCP") || !strcmp(proto, "TCPv6")) {
		kind = KIND_TCP;
		type = "stream";
	} else if (!strcmp(proto, "UDP") || !strcmp(proto, "UDPv6")) {
		kind = KIND_UDP;
		type = "dgram";
	} else {
		return NULL;
	}
	if (!(fs->want & KIND_BIT(kind)))
		return NULL;
	snprintf(identity, sizeof(identity), "%s:%" PRIu64,
		 kind == KIND_UNIX ? "unix" : kind == KIND_TCP ? "tcp" : "udp", ino);
	o = object_new((enum ipc_kind)kind, identity);
	o->inode = ino;
	o->sock_type = (char *)type;
	netns = proc_netns(fs, p);
	o->ns = netns;
	if (netns && fs->ctx->net_ns && netns != fs->ctx->net_ns)
		snprintf(why, sizeof(why), "in network namespace %" PRIu64 ", whose sockets sock_diag does "
			 "not show: found through an fd only", netns);
	else
		snprintf(why, sizeof(why), "not in the socket dump (made after it?): found through an fd only");
	object_set_partial(o, why);
	snapshot_add(fs->snap, o);
	e->o = o;
	return o;
}

static void socket_fd(struct fdscan *fs, struct proc *p, uint64_t ino, int fdnum, const char *fdname)
{
	struct ipc_object *o = snapshot_find_inode(fs->snap, -1, ino);

	if (o && !(KIND_BIT(o->kind) & SOCKET_KINDS)) {
		/* Inode numbers of different file systems may meet: ask per kind. */
		o = NULL;
		for (int k = KIND_UNIX; k <= KIND_UDP && !o; k++)
			o = snapshot_find_inode(fs->snap, k, ino);
	}
	if (!o)
		o = other_socket(fs, p, fdname, ino);
	/* Sockets are always open for reading and writing: no fdinfo needed. */
	if (o && (fs->want & KIND_BIT(o->kind))) {
		struct fd_use u = {.fdnum = fdnum, .fdname = fdname, .access = ACC_R | ACC_W};
		add_fd_holder(fs, p, o, &u);
	}
}

/* ---- paths: FIFOs, queues, shm files ---- */

static bool dev_is_mqueue(struct fdscan *fs, struct proc *p, const char *fdname, dev_t dev)
{
	char path[64];
	struct statfs sfs;

	if (fs->mq_mounted && dev == fs->mq_dev)
		return true;
	for (size_t i = 0; i < fs->nother_devs; i++)
		if (fs->other_devs[i] == dev)
			return false;
	if (!fs->ctx->live)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/fd/%s", (int)p->pid, fdname);
	if (statfs(path, &sfs) == 0 && sfs.f_type == MQUEUE_MAGIC) {
		if (!fs->mq_mounted) {
			fs->mq_mounted = true; /* not mounted, but now the device is known */
			fs->mq_dev = dev;
		}
		return true;
	}
	if (fs->nother_devs < ARRAY_SIZE(fs->other_devs))
		fs->other_devs[fs->nother_devs++] = dev;
	return false;
}

/* "/name (deleted)" -> "/name" in buf; true when it was deleted. */
static bool strip_deleted(const char *path, char *buf, size_t len)
{
	static const char del[] = " (deleted)";
	size_t n = strlen(path), d = sizeof(del) - 1;
	bool deleted = n > d && !strcmp(path + n - d, del);

	snprintf(buf, len, "%.*s", (int)(deleted ? n - d : n), path);
	return deleted;
}

/* A queue absent from the listing may have been made after it: when /dev/mqueue is the
 * mount posix-mq listed and the queue is in it now, by name and inode, it is read as the
 * listing reads a queue. NULL otherwise. */
static struct ipc_object *mq_made_after(struct fdscan *fs, const char *base, const char *identity,
					const struct stat *st)
{
	struct stat now;

	if (fs->mq_listed_fd < 0 || st->st_dev != fs->mq_listed_dev ||
	    snapshot_find_identity(fs->snap, identity))
		return NULL;
	if (fstatat(fs->mq_listed_fd, base + 1, &now, AT_SYMLINK_NOFOLLOW) < 0 ||
	    now.st_ino != st->st_ino || now.st_dev != st->st_dev)
		return NULL;
	return posix_mq_read_one(fs->ctx, fs->snap, fs->mq_listed_fd, base + 1);
}

/* Why a queue known only through an fd is not in the listing, and what is not known of it. */
static const char *mq_fd_only_why(struct fdscan *fs, bool deleted, const struct stat *st)
{
	if (deleted)
		return "unlinked, found through an fd: maxmsg, msgsize and messages unknown";
	/* The mount hint is for the live host; a --root tree is what was captured. */
	if (fs->mq_listed_fd < 0 && fs->ctx->live)
		return "not in /dev/mqueue (mount -t mqueue none /dev/mqueue), found through an fd: "
		       "maxmsg, msgsize and messages unknown";
	if (fs->mq_listed_fd < 0)
		return "not in /dev/mqueue, found through an fd: maxmsg, msgsize and messages unknown";
	if (st->st_dev != fs->mq_listed_dev)
		return "in the mqueue file system of another IPC namespace, found through an fd: "
		       "maxmsg, msgsize and messages unknown";
	return "gone from /dev/mqueue by name, found through an fd: maxmsg, msgsize and "
	       "messages unknown";
}

/* A queue open in a process but absent from the listing of /dev/mqueue: made after it,
 * unlinked, of another IPC namespace, or /dev/mqueue is not mounted. */
static struct ipc_object *mq_from_fd(struct fdscan *fs, struct proc *p, const char *fdname,
				     const char *path, const struct stat *st)
{
	char name[LINK_MAX_TEXT], identity[LINK_MAX_TEXT + 64], *text = NULL;
	struct ipc_object *o;
	const char *base;
	bool deleted = strip_deleted(path, name, sizeof(name));
	const struct ns_proc *np = snapshot_proc(fs->snap, p->pid);
	uint64_t ipcns = np && np->ns[NS_IPC] ? np->ns[NS_IPC] : fs->ctx->ipc_ns;
	int rc;

	base = strncmp(name, "/dev/mqueue/", 12) ? name : name + 11;
	/* Queues belong to an IPC namespace, as posix_mq.c names them: the holder's. */
	snprintf(identity, sizeof(identity), "posix-mq:%" PRIu64 ":%s", ipcns, base);
	/* Made after the listing of the scanner's own mount (another namespace's queues are
	 * listed from theirs, or known through fds only). */
	if (!deleted && ipcns == fs->ctx->ipc_ns && (o = mq_made_after(fs, base, identity, st))) {
		snapshot_add(fs->snap, o);
		return o;
	}
	if (snapshot_find_identity(fs->snap, identity))
		snprintf(identity, sizeof(identity), "posix-mq:%" PRIu64 ":%s:%" PRIu64, ipcns,
			 base, (uint64_t)st->st_ino);
	o = object_new(KIND_POSIX_MQ, identity);
	o->name = xstrdup(base);
	o->ns = ipcns;
	if (ipcns != fs->ctx->ipc_ns)
		o->ns_pid = p->pid;
	object_set_stat(o, st);
	if (deleted)
		o->flags |= OBJ_DELETED;
	/* Reading the queue's file through the fd gives the kernel's QSIZE/NOTIFY line (in a
	 * fixture tree, the file the link names). */
	if (fs->ctx->live)
		rc = read_file_at(p->fddirfd, fdname, 4096, &text, NULL);
	else
		rc = read_file_at(fs->ctx->rootfd, path + 1, 4096, &text, NULL);
	if (rc == 0) {
		if (posix_mq_parse_status(text, o) < 0)
			object_set_partial(o, "queue status text not understood");
		scan_resolve_pid(fs->ctx, fs->snap, &obj_ipc_mut(o)->notify_pid);
	} else {
		object_set_partial(o, "queue status not read");
	}
	free(text);
	object_set_partial(o, mq_fd_only_why(fs, deleted, st));
	snapshot_add(fs->snap, o);
	return o;
}

static void path_fd(struct fdscan *fs, struct proc *p, const char *link, int fdnum,
		    const char *fdname)
{
	bool shm = !strncmp(link, "/dev/shm/", 9);
	bool mq = !strncmp(link, "/dev/mqueue/", 12) || !strchr(link + 1, '/');
	struct fd_use u = {.fdnum = fdnum, .fdname = fdname};
	struct ipc_object *o = NULL;
	bool have_use = false;
	struct stat st;
	int rc;

	/* The fd itself on the live system (even unlinked or renamed); the tree's file else. */
	if (fs->ctx->live)
		rc = fstatat(p->fddirfd, fdname, &st, 0);
	else
		rc = fstatat(fs->ctx->rootfd, link + 1, &st, AT_SYMLINK_NOFOLLOW);
	if (rc < 0)
		return;
	if (fs->locks && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
		locks_join_fd(fs, p, link, fdnum, fdname, &st);
	if (S_ISFIFO(st.st_mode)) {
		if (fs->want & KIND_BIT(KIND_FIFO))
			stream_fd(fs, p, KIND_FIFO, &st, (uint64_t)st.st_ino, link, fdnum, fdname,
				  NULL);
		return;
	}
	if (!S_ISREG(st.st_mode))
		return;
	if (shm) {
		const char *base = link + 9;
		int kind = !strncmp(base, "sem.", 4) ? KIND_POSIX_SEM : KIND_POSIX_SHM;

		/* By device and inode: two tmpfs mounts (a container's /dev/shm and the
		 * host's) number their files alike. */
		if (fs->want & KIND_BIT(kind)) {
			o = snapshot_find_file(fs->snap, kind, (uint64_t)st.st_dev, (uint64_t)st.st_ino);
			if (!o) {
				if (fd_use_read(fs, p, &u) < 0)
					return;
				have_use = true;
				o = deleted_shm_object(fs, p->pid, kind, link, (uint64_t)st.st_dev,
						       (uint64_t)st.st_ino, &st);
			} else if (o->flags & OBJ_DELETED) {
				deleted_shm_stat(o, &st); /* made from another process's mapping */
			}
		}
	} else if (mq && (fs->want & KIND_BIT(KIND_POSIX_MQ)) &&
		   (o = snapshot_find_file(fs->snap, KIND_POSIX_MQ, (uint64_t)st.st_dev, (uint64_t)st.st_ino))) {
		/* a queue listed from its namespace's mount */
	} else if (mq && (fs->want & KIND_BIT(KIND_POSIX_MQ)) &&
		   dev_is_mqueue(fs, p, fdname, st.st_dev)) {
		if (!o) {
			if (fd_use_read(fs, p, &u) < 0)
				return;
			have_use = true;
			o = mq_from_fd(fs, p, fdname, link, &st);
		}
	}
	if (o && (have_use || fd_use_read(fs, p, &u) == 0))
		add_fd_holder(fs, p, o, &u);
}

static void memfd_fd(struct fdscan *fs, struct proc *p, const char *link, int fdnum,
		     const char *fdname)
{
	struct fd_use u = {.fdnum = fdnum, .fdname = fdname};
	struct ipc_object *o;

	if (fd_use_read(fs, p, &u) < 0)
		return;
	if ((o = memfd_from_fd(fs, p, link, fdnum, fdname)))
		add_fd_holder(fs, p, o, &u);
}

/* ---- the walk ---- */

struct dents {
	int fd;
	char *buf;
	ssize_t n, off;
};

/* Next entry name, or NULL at the end (*err = 0) or on an error (*err = -errno). */
static const char *dents_next(struct dents *d, int *err)
{
	for (;;) {
		if (d->off < d->n) {
			struct dirent64 *e = (struct dirent64 *)(d->buf + d->off);

			d->off += e->d_reclen;
			if (e->d_name[0] == '.')
				continue;
			return e->d_name;
		}
		d->n = getdents64(d->fd, d->buf, DENTS_BUF);
		d->off = 0;
		if (d->n <= 0) {
			*err = d->n < 0 ? -errno : 0;
			return NULL;
		}
	}
}

static bool parse_num(const char *s, int *out)
{
	uint64_t v;

	if (parse_u64(s, &v) < 0 || v > INT32_MAX)
		return false;
	*out = (int)v;
	return true;
}

/* The decimal text of a non-negative n in buf (the fd's name in /proc/PID/fd). */
static const char *fd_name(int n, char buf[12])
{
	char *e = buf + 11;

	*e = '\0';
	do {
		*--e = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	return e;
}

/* Join the fds the walk kept (fdlinks.c), in their directory order. */
static void join_fds(struct fdscan *fs, struct proc *p, const struct fdlinks *l)
{
	if (p->fddirfd < 0) {
		int e = l->fd_err;

		if (e == EACCES || e == EPERM)
			proc_denied(fs, p, "its fds", e);
		else if (e != ENOENT && e != ESRCH) /* those: gone */
			snapshot_error(fs->snap, "/proc", "pid %d: cannot read its fds: %s", (int)p->pid,
				       strerror(e));
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct fdlink *r = &l->v[i];
		const char *text = l->texts ? l->texts + r->text : "";
		char buf[12];
		const char *name = fd_name(r->fdnum, buf);

		switch (r->cls) {
		case FDL_PIPE:
			stream_fd(fs, p, KIND_PIPE, NULL, r->ino, NULL, r->fdnum, name, r);
			break;
		case FDL_SOCKET:
			socket_fd(fs, p, r->ino, r->fdnum, name);
			break;
		case FDL_PATH:
			path_fd(fs, p, text, r->fdnum, name);
			break;
		case FDL_MEMFD:
			memfd_fd(fs, p, text, r->fdnum, name);
			break;
		case FDL_ANON:
			fdkinds_fd(fs, p, text, r->fdnum, name);
			break;
		}
	}
	if (l->denied)
		proc_denied(fs, p, "its fds", l->denied);
	else if (l->list_err == -EACCES || l->list_err == -EPERM)
		proc_denied(fs, p, "its fds", -l->list_err);
}

/* Everything of one process whose links the walk read, on the scanning thread. */
static void join_process(struct fdscan *fs, struct fdlinks *l, bool fds, bool maps, char *dbuf)
{
	struct proc p = {.pid = l->pid, .dirfd = l->dirfd, .fddirfd = l->fddirfd, .pidfd = -1};

	if (p.dirfd < 0)
		return; /* gone */
	memcpy(p.name, l->name, sizeof(p.name));
	if (fds)
		join_fds(fs, &p, l);
	/* What follows reads other files of /proc/PID, not its fds. */
	if (l->fddirfd >= 0)
		close(l->fddirfd);
	l->fddirfd = p.fddirfd = -1;
	if (fds && !p.denied)
		fdkinds_proc(fs, &p);
	if (maps && !p.denied)
		procmaps_read(fs, &p);
	if (!p.denied)
		waiters_read(fs, &p, dbuf);
	fs->nheld_fds = fs->nheld_maps = 0;
	fs->held_fds_sorted = false;
	dups_flush(fs);
	if (p.pidfd >= 0)
		close(p.pidfd);
}

/* Every process: its links read ahead by fdlinks.c's reader, joined here in order. */
static void walk(struct fdscan *fs, int procfd, const pid_t *pids, size_t n, bool fds,
		 bool maps, char *dbuf)
{
	unsigned want = 0;
	struct fdlinks_walk *w;
	struct fdlinks *l;

	if (fds)
		want = ((fs->want & KIND_BIT(KIND_PIPE)) ? FDL_PIPE : 0) |
		       ((fs->want & SOCKET_KINDS) ? FDL_SOCKET : 0) |
		       (((fs->want & PATH_KINDS) || fs->locks) ? FDL_PATH : 0) |
		       ((fs->want & KIND_BIT(KIND_MEMFD)) ? FDL_MEMFD : 0) |
		       ((fs->want & FDKIND_KINDS) ? FDL_ANON : 0);
	w = fdlinks_walk_start(procfd, pids, n, want, fs->ctx->live);
	while ((l = fdlinks_walk_next(w)))
		join_process(fs, l, fds, maps, dbuf);
	fdlinks_walk_end(w);
}

static void find_mqueue_mount(struct fdscan *fs)
{
	struct statfs sfs;
	struct stat st;
	long magic;
	int fd;

	fd = openat(fs->ctx->rootfd, "dev/mqueue", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return;
	}
	/* A fixture's dev/mqueue is a plain directory that stands for the mount. */
	if (!fs->ctx->live || (fstatfs(fd, &sfs) == 0 && sfs.f_type == MQUEUE_MAGIC)) {
		fs->mq_mounted = true;
		fs->mq_dev = st.st_dev;
	}
	/* Whether posix-mq listed it: the same test, so that the two never disagree. */
	if (posix_mq_check_mount(fs->ctx, fd, &magic) == 0) {
		fs->mq_listed_fd = fd;
		fs->mq_listed_dev = st.st_dev;
	} else {
		close(fd);
	}
}

static int collect(struct scan_ctx *ctx, struct snapshot *snap)
{
	struct fdscan fs = {.ctx = ctx, .snap = snap, .want = ctx->kinds, .mq_listed_fd = -1};
	struct dents d = {0};
	char *dbuf = NULL;
	pid_t *pids = NULL;
	size_t npids = 0, pids_cap = 0;
	const char *name;
	bool fds, maps;
	int err = 0, rc = 0;

	if (ctx->no_holders)
		return COLLECT_NOTHING;
	join_tab_init(&fs.tab);
	if (ctx->live)
		fs.self = getpid();
	/* Locks need the fds only when /proc/locks named a file. */
	fds = locks_join_prepare(&fs);
	fds = (fs.want & FD_KINDS) != 0 || fds;
	if (fds && (fs.want & KIND_BIT(KIND_POSIX_MQ)))
		find_mqueue_mount(&fs);
	procmaps_prepare(&fs);
	waiters_prepare(&fs);
	maps = procmaps_wanted(&fs);
	if (!fds && !maps && !fs.nwait_ns) {
		/* Only SysV objects were asked for, no segment has attaches and no queue or set
		 * can have a sleeper: nothing to read. */
		rc = COLLECT_NOTHING;
		goto out;
	}
	d.fd = openat(ctx->rootfd, "proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d.fd < 0) {
		rc = -errno;
		snapshot_error(snap, "/proc", "cannot open: %s: no holders listed", strerror(errno));
		goto out;
	}
	dbuf = xmalloc(DENTS_BUF);
	if (snap->nprocs) {
		/* Discovery listed /proc already: one listing a scan. */
		pids = xmalloc(snap->nprocs * sizeof(*pids));
		for (size_t i = 0; i < snap->nprocs; i++)
			if (snap->procs[i].pid > 0 && snap->procs[i].pid != fs.self)
				pids[npids++] = snap->procs[i].pid;
	} else {
		d.buf = xmalloc(DENTS_BUF);
		while ((name = dents_next(&d, &err))) {
			int pid;

			/* our own fds are the scan's, not the host's */
			if (!parse_num(name, &pid) || pid <= 0 || pid == fs.self)
				continue;
			xgrow((void **)&pids, &pids_cap, npids + 1, sizeof(*pids));
			pids[npids++] = pid;
		}
	}
	walk(&fs, d.fd, pids, npids, fds, maps, dbuf);
	free(pids);
	if (err)
		snapshot_error(snap, "/proc", "listing stopped early: %s", strerror(-err));
	/* Only when every process's fds were read can "nobody holds it" be proven. */
	snap->holders_complete = fds && !err && fs.ndenied == 0;
	snap->procs_unread = fds ? fs.ndenied : 0;
	close(d.fd);
	streams_finish(&fs);
	fdkinds_finish(&fs);
	locks_join_finish(&fs);
	if (maps)
		procmaps_finish(&fs);
	if (fs.want & KIND_BIT(KIND_MEMFD))
		memfd_finish(&fs);
	mmapshare_finish(&fs);
	waiters_finish(&fs);
	locks_join_waiters(snap);
	if (fs.unknown_sockets)
		snapshot_error(snap, "/proc", "%u sockets held through fds are in no socket table read "
			       "(another network namespace or family): not listed", fs.unknown_sockets);
out:
	if (fs.locks)
		locks_join_finish(&fs); /* its index, when the walk did not run */
	free(d.buf);
	free(dbuf);
	free(fs.buf);
	free(fs.held_fds);
	free(fs.held_maps);
	free(fs.wait_ns);
	fdkinds_finish(&fs); /* when the walk stopped early */
	mmapshare_finish(&fs);
	if (fs.mq_listed_fd >= 0)
		close(fs.mq_listed_fd);
	join_tab_release(&fs.tab);
	return rc;
}

const struct collector procfd_collector = {
	.name = "procfd",
	/* SysV queues and sets: for the threads that sleep on them (waiters.c); locks: for
	 * the paths and holders of the files /proc/locks names (locks.c). */
	.kinds = FD_KINDS | KIND_BIT(KIND_SYSV_SHM) | KIND_BIT(KIND_SYSV_MSG) | KIND_BIT(KIND_SYSV_SEM) |
		 KIND_BIT(KIND_LOCK) | KIND_BIT(KIND_MMAP),
	.collect = collect,
};
