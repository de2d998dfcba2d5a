/* fdkinds.c - eventfds, signalfds and signals.
 *
 * Every eventfd and signalfd shares the one anonymous inode, so the inode tells nothing;
 * what tells them apart:
 *   eventfd   fdinfo's "eventfd-id:" (kernels since 5.14), the identity eventfd:<id>. Without
 *             it, kcmp(KCMP_FILE) against the first holder of every eventfd seen without one;
 *             the identity is then eventfd:<pid>:<fd> of that first holder.
 *   signalfd  fdinfo has no id: the identity is signalfd:<pid>:<fd> of its first holder (in
 *             walk order, lowest pid first), and another fd is the same file when its mask is
 *             the same and kcmp(KCMP_FILE) says so. The identity moves when that holder
 *             closes it.
 * When kcmp cannot answer (a --root tree, no CONFIG_KCMP, denied), each fd is its own
 * object, partial, saying that it may be shared.
 *
 * Only fds whose link names these kinds have their fdinfo read: one open and read each.
 * /proc/PID/status (signals) is read only for -t signal, or for a process holding a
 * signalfd. */
#include "fdkinds.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/util.h"

/* An object known by its first holder, for the kcmp joins. */
struct fdk_seen {
	struct ipc_object *o;    /* borrowed */
	pid_t pid;
	int fd;
};

struct fdk_state {
	struct fdk_seen *seen;   /* owned */
	size_t nseen, cap;
	int kcmp_err;            /* kcmp failed so: no more tries; 0 none yet */
};

/* The value after "key:" on a line of text, as a C string in buf. */
static const char *field(const char *text, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		size_t n;

		if (strncmp(p, key, klen) || p[klen] != ':')
			continue;
		p += klen + 1;
		p += strspn(p, " \t");
		n = strcspn(p, " \t\n");
		if (!n || n >= len)
			return NULL;
		memcpy(buf, p, n);
		buf[n] = '\0';
		return buf;
	}
	return NULL;
}

int fdkinds_parse_eventfd(const char *fdinfo, struct ipc_object *o)
{
	struct obj_fdk *k;
	char buf[32];
	uint64_t v;

	/* The kernel prints the count in hex ("%16llx"), the id and the mode in decimal. */
	if (!field(fdinfo, "eventfd-count", buf, sizeof(buf)) || parse_u64_base(buf, 16, &v) < 0)
		return -EINVAL;
	k = obj_fdk_mut(o);
	k->has_count = true;
	k->count = v;
	if (field(fdinfo, "eventfd-id", buf, sizeof(buf)) && parse_u64(buf, &v) == 0) {
		k->has_id = true;
		k->id = v;
	}
	if (field(fdinfo, "eventfd-semaphore", buf, sizeof(buf)) && parse_u64(buf, &v) == 0) {
		k->has_semaphore = true;
		k->semaphore = v != 0;
	}
	return 0;
}

int fdkinds_parse_sigmask(const char *fdinfo, uint64_t *mask)
{
	char buf[32];

	/* The signals the signalfd reads (the kernel keeps their complement and shows them). */
	if (!field(fdinfo, "sigmask", buf, sizeof(buf)) || parse_u64_base(buf, 16, mask) < 0)
		return -EINVAL;
	return 0;
}

int fdkinds_parse_status(const char *status, struct ipc_object *o)
{
	static const struct {
		const char *key;
		size_t off;
	} sets[] = {
		{"SigPnd", offsetof(struct obj_fdk, pnd)},
		{"ShdPnd", offsetof(struct obj_fdk, shdpnd)},
		{"SigBlk", offsetof(struct obj_fdk, blk)},
		{"SigIgn", offsetof(struct obj_fdk, ign)},
		{"SigCgt", offsetof(struct obj_fdk, cgt)},
	};
	uint64_t v[ARRAY_SIZE(sets)], q, lim;
	struct obj_fdk *k;
	char buf[48], *slash;

	for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
		if (!field(status, sets[i].key, buf, sizeof(buf)) || parse_u64_base(buf, 16, &v[i]) < 0)
			return -EINVAL;
	k = obj_fdk_mut(o);
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
		memcpy((char *)k + sets[i].off, &v[i], sizeof(v[i]));
	k->has_sets = true;
	k->queued = k->qlimit = -1;
	/* "SigQ: queued/limit"; the limit is RLIMIT_SIGPENDING of the process. */
	if (field(status, "SigQ", buf, sizeof(buf)) && (slash = strchr(buf, '/'))) {
		*slash = '\0';
		if (parse_u64(buf, &q) == 0 && parse_u64(slash + 1, &lim) == 0) {
			k->queued = (int64_t)q;
			k->qlimit = (int64_t)lim;
		}
	}
	return 0;
}

static struct fdk_state *state(struct fdscan *fs)
{
	if (!fs->fdk)
		fs->fdk = xcalloc(1, sizeof(*fs->fdk));
	return fs->fdk;
}

/* 1 same file, 0 not, -1 kcmp cannot tell (recorded once). */
static int same_file(struct fdscan *fs, pid_t p1, int fd1, pid_t p2, int fd2)
{
	struct fdk_state *st = state(fs);
	long rc;

	if (!fs->ctx->live || st->kcmp_err)
		return -1;
	rc = syscall(SYS_kcmp, p1, p2, KCMP_FILE, fd1, fd2);
	if (rc == 0)
		return 1;
	if (rc > 0)
		return 0;
	if (errno == ESRCH || errno == EBADF)
		return 0; /* one of them is gone: not the same, as far as this scan can say */
	st->kcmp_err = errno;
	return -1;
}

/* The object of kind already seen that the fd is open on, or NULL. mask: signalfds only
 * join those of the same mask. */
static struct ipc_object *join_seen(struct fdscan *fs, int kind, pid_t pid, int fd, uint64_t mask,
				    bool *unsure)
{
	struct fdk_state *st = state(fs);

	*unsure = false;
	for (size_t i = 0; i < st->nseen; i++) {
		struct fdk_seen *s = &st->seen[i];
		int same;

		if ((int)s->o->kind != kind || (kind == KIND_SIGNALFD && obj_fdk(s->o)->mask != mask))
			continue;
		same = same_file(fs, s->pid, s->fd, pid, fd);
		if (same > 0)
			return s->o;
		if (same < 0)
			*unsure = true;
	}
	return NULL;
}

static void remember(struct fdscan *fs, struct ipc_object *o, pid_t pid, int fd)
{
	struct fdk_state *st = state(fs);

	xgrow((void **)&st->seen, &st->cap, st->nseen + 1, sizeof(*st->seen));
	st->seen[st->nseen++] = (struct fdk_seen){.o = o, .pid = pid, .fd = fd};
}

static void add_holder(struct fdscan *fs, struct proc *p, struct ipc_object *o, int fdnum,
		       const char *fdinfo)
{
	unsigned access = 0;

	if (procfd_parse_fdinfo_flags(fdinfo, &access) < 0) {
		char why[96];

		snprintf(why, sizeof(why), "access of pid %d fd %d unknown (fdinfo has no valid flags)",
			 (int)p->pid, fdnum);
		object_set_partial(o, why);
	}
	object_add_holder(o, p->pid, proc_comm(fs, p), fdnum, access, NULL);
}

static void eventfd_fd(struct fdscan *fs, struct proc *p, int fdnum, const char *fdinfo)
{
	struct obj_fdk tk = {0};
	struct ipc_object tmp = {.fdk = &tk}, *o = NULL; /* parsed into tk, no allocation */
	struct join_ent *ent = NULL;
	char identity[64];
	bool unsure = false;

	if (fdkinds_parse_eventfd(fdinfo, &tmp) < 0) {
		snapshot_error(fs->snap, "/proc", "pid %d fd %d: eventfd fdinfo not understood",
			       (int)p->pid, fdnum);
		return;
	}
	if (tk.has_id) {
		/* By id in the pass's join table, not by identity: the identity index would be
		 * built over every object and kept for every object added after. */
		ent = join_tab_get(&fs->tab, KIND_EVENTFD, 0, tk.id, true);
		o = ent->o;
		snprintf(identity, sizeof(identity), "eventfd:%" PRIu64, tk.id);
	} else {
		o = join_seen(fs, KIND_EVENTFD, p->pid, fdnum, 0, &unsure);
		snprintf(identity, sizeof(identity), "eventfd:%d:%d", (int)p->pid, fdnum);
	}
	if (!o) {
		o = object_new(KIND_EVENTFD, identity);
		*obj_fdk_mut(o) = tk;
		if (unsure)
			object_set_partial(o, "no eventfd-id and kcmp cannot compare: may be the same "
					   "eventfd as another listed");
		if (!tk.has_id)
			remember(fs, o, p->pid, fdnum);
		else
			ent->o = o;
		snapshot_add(fs->snap, o);
	}
	add_holder(fs, p, o, fdnum, fdinfo);
}

static void signalfd_fd(struct fdscan *fs, struct proc *p, int fdnum, const char *fdinfo)
{
	struct ipc_object *o;
	char identity[64];
	uint64_t mask;
	bool unsure;

	p->signalfd = true;
	if (!(fs->want & KIND_BIT(KIND_SIGNALFD)))
		return;
	if (fdkinds_parse_sigmask(fdinfo, &mask) < 0) {
		snapshot_error(fs->snap, "/proc", "pid %d fd %d: signalfd fdinfo has no sigmask",
			       (int)p->pid, fdnum);
		return;
	}
	o = join_seen(fs, KIND_SIGNALFD, p->pid, fdnum, mask, &unsure);
	if (!o) {
		snprintf(identity, sizeof(identity), "signalfd:%d:%d", (int)p->pid, fdnum);
		o = object_new(KIND_SIGNALFD, identity);
		obj_fdk_mut(o)->has_mask = true;
		o->fdk->mask = mask;
		if (unsure)
			object_set_partial(o, "kcmp cannot compare: may be the same signalfd as another "
					   "listed with this mask");
		remember(fs, o, p->pid, fdnum);
		snapshot_add(fs->snap, o);
	}
	add_holder(fs, p, o, fdnum, fdinfo);
}

void fdkinds_fd(struct fdscan *fs, struct proc *p, const char *link, int fdnum, const char *fdname)
{
	bool efd = !strcmp(link, "anon_inode:[eventfd]");
	bool sfd = !strcmp(link, "anon_inode:[signalfd]");
	char path[48], text[1024];
	ssize_t n;
	int fd;

	if (!(efd && (fs->want & KIND_BIT(KIND_EVENTFD))) &&
	    !(sfd && (fs->want & (KIND_BIT(KIND_SIGNALFD) | KIND_BIT(KIND_SIGNAL)))))
		return;
	snprintf(path, sizeof(path), "fdinfo/%s", fdname);
	fd = openat(p->dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return; /* closed since listed */
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return;
	text[n] = '\0';
	if (efd)
		eventfd_fd(fs, p, fdnum, text);
	else
		signalfd_fd(fs, p, fdnum, text);
}

void fdkinds_proc(struct fdscan *fs, struct proc *p)
{
	bool every = (fs->want & KIND_BIT(KIND_SIGNAL)) != 0;
	struct obj_fdk tk = {0}, *k;
	struct ipc_object tmp = {.fdk = &tk}, *o; /* parsed into tk, no allocation */
	char identity[32], *text = NULL;
	int rc;

	if (!every && !(p->signalfd && (fs->want & KIND_BIT(KIND_SIGNALFD))))
		return;
	if (read_file_at(p->dirfd, "status", 8192, &text, NULL) < 0)
		return; /* gone, or denied: its fds said so already */
	/* Every kernel since 2.6 writes the five sets; a status without them is a --root
	 * tree's stand-in, which says nothing of signals. */
	rc = fdkinds_parse_status(text, &tmp);
	free(text);
	if (rc < 0)
		return;
	/* Interesting: something pending; -t signal also lists the holders of a signalfd. */
	if (!(tk.pnd | tk.shdpnd) && !(every && p->signalfd))
		return;
	snprintf(identity, sizeof(identity), "signal:%d", (int)p->pid);
	o = object_new(KIND_SIGNAL, identity);
	k = obj_fdk_mut(o);
	*k = tk;
	k->pid.pid = p->pid;
	scan_resolve_pid(fs->ctx, fs->snap, &k->pid);
	if (!k->pid.comm[0])
		snprintf(k->pid.comm, sizeof(k->pid.comm), "%s", proc_comm(fs, p));
	snapshot_add(fs->snap, o);
}

void fdkinds_finish(struct fdscan *fs)
{
	if (!fs->fdk)
		return;
	if (fs->fdk->kcmp_err)
		snapshot_error(fs->snap, "/proc", "kcmp: %s: signalfds (and eventfds without an id) "
			       "held by several fds may be listed once per fd", strerror(fs->fdk->kcmp_err));
	free(fs->fdk->seen);
	free(fs->fdk);
	fs->fdk = NULL;
}
