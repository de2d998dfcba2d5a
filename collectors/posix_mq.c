/* posix_mq.c - POSIX message queues: the files of the mqueue mount at /dev/mqueue (owner,
 * mode, times, and the kernel's QSIZE/NOTIFY line), and on the live system mq_getattr for
 * the attributes the file does not print. Also the queue limits of /proc/sys/fs/mqueue.
 *
 * A queue is opened O_RDONLY|O_NONBLOCK and closed at once: opening never takes a message,
 * and no receive is ever made. Queues this process holds itself are read through its own
 * descriptors instead (see own_fd). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "posix.h"
#include "core/util.h"

/* Not in every <linux/magic.h>; the value is fixed by ipc/mqueue.c. */
#define MQUEUE_MAGIC_NR 0x19800202
/* The kernel's line is under 80 bytes; a bigger file is not a queue file. */
#define MQ_STATUS_MAX 4096
#define MQ_FIX "mount -t mqueue none /dev/mqueue"

enum { ST_QSIZE, ST_NOTIFY, ST_SIGNO, ST_NPID, ST__N };

/* One "KEY:number" token. Returns the field's index, -1 for a key we do not know (kept
 * for kernels that add fields), or -EINVAL / -ERANGE. */
static int parse_token(const char *tok, size_t len, int64_t *val)
{
	static const char *const keys[ST__N] = {"QSIZE", "NOTIFY", "SIGNO", "NOTIFY_PID"};
	const char *colon = memchr(tok, ':', len);
	char num[64];
	size_t klen, nlen;
	int field = -1;
	uint64_t u;
	int rc;

	if (!colon || colon == tok)
		return -EINVAL;
	klen = (size_t)(colon - tok);
	nlen = len - klen - 1;
	for (int i = 0; i < ST__N; i++)
		if (strlen(keys[i]) == klen && !memcmp(keys[i], tok, klen))
			field = i;
	if (field < 0)
		return -1;
	if (nlen == 0)
		return -EINVAL;
	for (size_t i = 0; i < nlen; i++)
		if (!isdigit((unsigned char)colon[1 + i]))
			return -EINVAL;
	if (nlen >= sizeof(num))
		return -ERANGE;
	memcpy(num, colon + 1, nlen);
	num[nlen] = '\0';
	rc = parse_u64(num, &u);
	if (rc < 0)
		return rc;
	/* QSIZE is an unsigned long, the rest are ints. */
	if (u > (field == ST_QSIZE ? (uint64_t)INT64_MAX : (uint64_t)INT32_MAX))
		return -ERANGE;
	*val = (int64_t)u;
	return field;
}

int posix_mq_parse_status(const char *text, struct ipc_object *o)
{
	bool have[ST__N] = {false};
	int64_t val[ST__N] = {0};
	const char *p = text;
	bool registered;
	int rc = 0;

	while (*p) {
		size_t len;
		int64_t v = 0;
		int f;

		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		len = strcspn(p, " \t\n\r\v\f");
		f = parse_token(p, len, &v);
		p += len;
		if (f == -1)
			continue;
		if (f >= 0 && have[f])
			f = -EINVAL;
		if (f < 0) {
			if (!rc)
				rc = f;
			continue;
		}
		have[f] = true;
		val[f] = v;
	}
	for (int i = 0; i < ST__N; i++)
		if (!have[i] && !rc)
			rc = -EINVAL;

	if (have[ST_QSIZE])
		o->used_bytes = val[ST_QSIZE];
	registered = (have[ST_NOTIFY] && val[ST_NOTIFY]) || (have[ST_SIGNO] && val[ST_SIGNO]) ||
		     (have[ST_NPID] && val[ST_NPID]);
	if (registered) {
		if (have[ST_NOTIFY])
			obj_ipc_mut(o)->notify = val[ST_NOTIFY];
		if (have[ST_NOTIFY] && val[ST_NOTIFY] == SIGEV_SIGNAL && have[ST_SIGNO])
			obj_ipc_mut(o)->signo = val[ST_SIGNO];
		if (have[ST_NPID])
			obj_ipc_mut(o)->notify_pid.pid = (pid_t)val[ST_NPID];
	}
	return rc;
}

/* Closing any descriptor of a queue drops the notification the closing process registered
 * (mqueue_flush_file), and a process that registered one holds a descriptor of that queue.
 * So the queues this process itself holds are read through the descriptors it already has,
 * and never opened and closed a second time. */
struct own_fd {
	uint64_t ino;
	int fd;
	bool readable;
};

struct mq_scan {
	struct scan_ctx *ctx;
	struct snapshot *snap;
	int dfd;                 /* dev/mqueue */
	struct own_fd *own;      /* this process's queue descriptors; owned */
	size_t nown, own_cap;
};

/* Live only: this process's descriptors on the mqueue mount open at s->dfd. */
static void own_fds_scan(struct mq_scan *s)
{
	struct stat mnt, st;
	struct dirent *de;
	DIR *dir;
	int fd;

	if (fstat(s->dfd, &mnt) < 0)
		return;
	fd = openat(s->ctx->rootfd, "proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	while ((de = readdir(dir))) {
		uint64_t n;
		int fl;

		if (parse_u64(de->d_name, &n) < 0 || n > INT32_MAX || (int)n == dirfd(dir))
			continue;
		if (fstat((int)n, &st) < 0 || st.st_dev != mnt.st_dev || !S_ISREG(st.st_mode))
			continue;
		fl = fcntl((int)n, F_GETFL);
		xgrow((void **)&s->own, &s->own_cap, s->nown + 1, sizeof(*s->own));
		s->own[s->nown++] = (struct own_fd){(uint64_t)st.st_ino, (int)n,
						    fl >= 0 && (fl & O_ACCMODE) != O_WRONLY};
	}
	closedir(dir);
}

/* This process's descriptor of the queue with inode ino, a readable one if there is one. */
static const struct own_fd *own_fd_find(const struct mq_scan *s, uint64_t ino)
{
	const struct own_fd *found = NULL;

	for (size_t i = 0; i < s->nown; i++)
		if (s->own[i].ino == ino && (!found || s->own[i].readable))
			found = &s->own[i];
	return found;
}

/* The status line through a descriptor this process already holds. */
static int read_own(int fd, char **out, size_t *len)
{
	char *buf = xmalloc(MQ_STATUS_MAX);
	ssize_t n;

	do
		n = pread(fd, buf, MQ_STATUS_MAX - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		free(buf);
		return -errno;
	}
	buf[n] = '\0';
	*out = buf;
	*len = (size_t)n;
	return 0;
}

static void set_attr(struct ipc_object *o, mqd_t q)
{
	struct mq_attr a;
	int64_t cap;
	char why[96];

	if (mq_getattr(q, &a) < 0) {
		snprintf(why, sizeof(why), "mq_getattr: %s", strerror(errno));
		object_set_partial(o, why);
		return;
	}
	obj_ipc_mut(o)->max_messages = a.mq_maxmsg;
	obj_ipc_mut(o)->msgsize = a.mq_msgsize;
	obj_ipc_mut(o)->messages = a.mq_curmsgs;
	if (!__builtin_mul_overflow((int64_t)a.mq_maxmsg, (int64_t)a.mq_msgsize, &cap) && cap >= 0)
		o->size = cap;
}

/* Opened and closed at once; -ENOENT when the queue went away since it was listed. */
static int mq_query(struct ipc_object *o)
{
	char why[96];
	mqd_t q;

	struct stat st;

	q = mq_open(o->name, O_RDONLY | O_NONBLOCK);
	if (q == (mqd_t)-1) {
		if (errno == ENOENT)
			return -ENOENT;
		snprintf(why, sizeof(why), "mq_open: %s", strerror(errno));
		object_set_partial(o, why);
		return 0;
	}
	/* mq_open names a queue of this thread's IPC namespace; the file listed may be of
	 * another's, when a process reached through /proc/PID/root sees a foreign mount. */
	if (fstat((int)q, &st) < 0 || (uint64_t)st.st_dev != o->dev || (uint64_t)st.st_ino != o->inode) {
		mq_close(q);
		return -ENOENT;
	}
	set_attr(o, q);
	mq_close(q);
	return 0;
}

static void parse_text(struct ipc_object *o, const char *name, const char *buf, size_t len)
{
	const char *bad = NULL;
	char why[160];
	int rc;

	rc = posix_mq_parse_status(buf, o);
	if (!len)
		bad = "empty file";
	else if (strlen(buf) != len)
		bad = "NUL byte in the text";
	else if (rc == -ERANGE)
		bad = "number out of range";
	else if (rc < 0)
		bad = "unexpected text";
	if (bad) {
		snprintf(why, sizeof(why), "/dev/mqueue/%.64s: %s: '%.40s'", name, bad, buf);
		object_set_partial(o, why);
	}
}

/* One queue file. Returns the object, or NULL when the entry vanished or is no queue. */
static struct ipc_object *mq_entry(struct mq_scan *s, const char *name)
{
	char identity[NAME_MAX + 64], why[160];
	const struct own_fd *own = NULL;
	struct ipc_object *o = NULL;
	char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int rc;

	if (fstatat(s->dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			snapshot_error(s->snap, "/dev/mqueue", "%s: cannot stat: %s", name, strerror(errno));
		else
			s->snap->vanished++;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snapshot_error(s->snap, "/dev/mqueue", "%s: not a regular file, so not a queue; skipped",
			       name);
		goto out;
	}
	snprintf(identity, sizeof(identity), "posix-mq:%" PRIu64 ":/%s", s->ctx->ipc_ns, name);
	o = object_new(KIND_POSIX_MQ, identity);
	o->name = xasprintf("/%s", name);
	o->ns = s->ctx->ipc_ns; /* an mqueue filesystem belongs to an IPC namespace */
	o->ns_pid = s->ctx->ns_pid;
	/* Reading the file sets the queue's atime and ctime (ipc/mqueue.c), so the times are
	 * those of the stat made before. */
	object_set_stat(o, &st);

	if (s->ctx->live)
		own = own_fd_find(s, (uint64_t)st.st_ino);
	if (own && !own->readable) {
		object_set_partial(o, "not read: this process holds the queue write-only, and "
				      "closing another descriptor of it could drop its notification");
		rc = 1;
	} else if (own) {
		rc = read_own(own->fd, &buf, &len);
	} else {
		rc = read_file_at(s->dfd, name, MQ_STATUS_MAX, &buf, &len);
	}
	if (rc == -ENOENT) {
		s->snap->vanished++;
		object_free(o);
		o = NULL;
		goto out;
	}
	if (rc < 0) {
		snprintf(why, sizeof(why), "cannot read /dev/mqueue/%.64s: %s", name, strerror(-rc));
		object_set_partial(o, why);
	} else if (rc == 0) {
		parse_text(o, name, buf, len);
	}
	scan_resolve_pid(s->ctx, s->snap, &obj_ipc_mut(o)->notify_pid);
	if (own) {
		set_attr(o, (mqd_t)own->fd);
	} else if (s->ctx->live && mq_query(o) == -ENOENT) {
		s->snap->vanished++;
		object_free(o);
		o = NULL;
	}
out:
	free(buf);
	return o;
}

int posix_mq_check_mount(struct scan_ctx *ctx, int dfd, long *magic)
{
	char *buf = NULL, *line, *next, *f[4];
	struct statfs sfs;
	int rc = -ENODEV;

	*magic = 0;
	if (fstatfs(dfd, &sfs) == 0) {
		*magic = (long)sfs.f_type;
		if (sfs.f_type == MQUEUE_MAGIC_NR)
			return 0;
	}
	if (read_file_at(ctx->rootfd, "proc/self/mounts", 16u << 20, &buf, NULL) < 0)
		return rc;
	for (line = buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (split_fields(line, f, ARRAY_SIZE(f)) >= 3 && !strcmp(f[1], "/dev/mqueue") &&
		    !strcmp(f[2], "mqueue"))
			rc = 0;
	}
	free(buf);
	return rc;
}

struct ipc_object *posix_mq_read_one(struct scan_ctx *ctx, struct snapshot *snap, int dfd,
				     const char *name)
{
	struct mq_scan s = {.ctx = ctx, .snap = snap, .dfd = dfd};
	unsigned vanished = snap->vanished;
	struct ipc_object *o = mq_entry(&s, name);

	/* A queue the listing never had has not vanished from it. */
	snap->vanished = vanished;
	return o;
}

struct mq_usage {
	bool complete;        /* every queue was listed */
	uint64_t queues;
	bool attrs_known;     /* every listed queue has its attributes */
	uint64_t maxmsg, msgsize;
};

static void mq_limits(struct scan_ctx *ctx, struct snapshot *snap, const struct mq_usage *u)
{
	static const struct {
		const char *name, *descr, *unit;
	} defs[] = {
		{"queues_max", "POSIX message queues (root is exempt)", "count"},
		{"msg_max", "Max messages per POSIX queue (used: the largest maxmsg in use)", "count"},
		{"msgsize_max", "Max POSIX message size (used: the largest msgsize in use)", "bytes"},
	};
	const uint64_t used[] = {u->queues, u->maxmsg, u->msgsize};
	const bool has_used[] = {u->complete, u->complete && u->attrs_known,
				 u->complete && u->attrs_known};

	for (size_t i = 0; i < ARRAY_SIZE(defs); i++) {
		char source[64], *buf = NULL;
		struct limit *l;
		int rc;

		snprintf(source, sizeof(source), "/proc/sys/fs/mqueue/%s", defs[i].name);
		l = snapshot_limit(snap, defs[i].name, "posix-mq", defs[i].descr, defs[i].unit, source);
		l->ceiling = i > 0; /* msg_max, msgsize_max: what one queue may have */
		rc = read_file_at(ctx->rootfd, source + 1, 4096, &buf, NULL);
		if (rc == 0) {
			buf[strcspn(buf, "\n")] = '\0';
			rc = parse_u64(buf, &l->value);
			if (rc < 0)
				snapshot_error(snap, l->source, "not a number: '%.32s'", buf);
		} else {
			snapshot_error(snap, l->source, "cannot read: %s", strerror(-rc));
		}
		l->has_value = rc == 0;
		l->has_used = has_used[i];
		l->used = used[i];
		free(buf);
	}
}

static int collect(struct scan_ctx *ctx, struct snapshot *snap)
{
	struct mq_usage use = {.attrs_known = true};
	struct mq_scan s = {.ctx = ctx, .snap = snap};
	struct dirent *de;
	DIR *dir = NULL;
	long magic;
	int rc = 0;

	s.dfd = openat(ctx->rootfd, ctx->mq_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* Another IPC namespace has its queues listed only where a process of it mounted its
	 * mqueue file system: elsewhere they are found through the fds that hold them. */
	if (ctx->ns_pid && (s.dfd < 0 || posix_mq_check_mount(ctx, s.dfd, &magic) < 0)) {
		if (s.dfd >= 0)
			close(s.dfd);
		rc = COLLECT_NOTHING;
		goto out;
	}
	if (s.dfd >= 0) {
		struct stat mst;

		/* A mount seen already (the same file system in two mount namespaces) is one. */
		if (fstat(s.dfd, &mst) == 0 && !scan_first_sight(ctx, &mst)) {
			close(s.dfd);
			rc = COLLECT_NOTHING;
			goto out;
		}
	}
	if (s.dfd < 0) {
		rc = -errno;
		/* The fix is for the live host; a --root tree is what was captured. */
		if (rc == -ENOENT && ctx->live)
			snapshot_error(snap, "/dev/mqueue",
				       "not mounted (no such directory): queues are seen only through "
				       "the processes that hold them; fix: mkdir -p /dev/mqueue && " MQ_FIX);
		else if (rc == -ENOENT)
			snapshot_error(snap, "/dev/mqueue", "not in the --root tree: queues are seen only "
				       "through the processes that hold them");
		else
			snapshot_error(snap, "/dev/mqueue", "cannot open: %s", strerror(-rc));
		goto out;
	}
	if (posix_mq_check_mount(ctx, s.dfd, &magic) < 0) {
		snapshot_error(snap, "/dev/mqueue",
			       "not an mqueue mount (filesystem magic 0x%lx): queues are seen only "
			       "through the processes that hold them%s", (unsigned long)magic,
			       ctx->live ? "; fix: " MQ_FIX : "");
		close(s.dfd);
		rc = -ENODEV;
		goto out;
	}
	dir = fdopendir(s.dfd);
	if (!dir) {
		rc = -errno;
		snapshot_error(snap, "/dev/mqueue", "cannot list: %s", strerror(-rc));
		close(s.dfd);
		goto out;
	}
	if (ctx->live)
		own_fds_scan(&s);
	use.complete = true;
	while ((errno = 0, de = readdir(dir))) {
		struct ipc_object *o;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		o = mq_entry(&s, de->d_name);
		if (!o)
			continue;
		use.queues++;
		if (obj_ipc(o)->max_messages >= 0 && obj_ipc(o)->msgsize >= 0) {
			if ((uint64_t)obj_ipc(o)->max_messages > use.maxmsg)
				use.maxmsg = (uint64_t)obj_ipc(o)->max_messages;
			if ((uint64_t)obj_ipc(o)->msgsize > use.msgsize)
				use.msgsize = (uint64_t)obj_ipc(o)->msgsize;
		} else {
			use.attrs_known = false;
		}
		snapshot_add(snap, o);
	}
	if (errno) {
		rc = -errno;
		use.complete = false;
		snapshot_error(snap, "/dev/mqueue", "listing stopped: %s", strerror(-rc));
	}
	closedir(dir);
out:
	free(s.own);
	if (ctx->want_limits)
		mq_limits(ctx, snap, &use);
	return rc;
}

const struct collector posix_mq_collector = {
	.name = "posix-mq",
	.per_ns = true,
	.ns = NS_IPC,
	.kinds = KIND_BIT(KIND_POSIX_MQ),
	.collect = collect,
};
