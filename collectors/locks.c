/* locks.c - file locks as objects of kind lock: one per line of <root>/proc/locks (flock,
 * POSIX record locks, OFD locks, leases), with the requests blocked on each ("->" lines).
 *
 * /proc/locks names a file only by device and inode, and an OFD lock by no process at all
 * (its owner is an open file description: the pid column says -1). Both come from the walk
 * of fds (procfd.c): an fd whose file is one /proc/locks named gives the lock its path, and
 * its fdinfo, whose "lock:" lines are the locks held through that very open file, gives
 * the holders. Only files /proc/locks named cost anything: a host without locks pays one
 * read of an empty file.
 *
 * The identity cannot be N, the line's ordinal: that is the lock's place in the kernel's
 * list and moves whenever a lock before it goes. A lock is known instead by what it is:
 *   lock:<type>:<st_dev>:<inode>:<start>-<end|eof>:<pid>     (flock, posix, lease ...)
 *   lock:ofd:<st_dev>:<inode>:<start>-<end|eof>              (no pid to give)
 * One process's POSIX locks on a file never overlap, so the first names one lock; two
 * alike (one process flocking a file through two opens, two open file descriptions with
 * the same OFD read lock) get "#2", "#3" in the kernel's order. */
#include "locks.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "parallel.h"
#include "procfd.h"
#include "core/util.h"

#define LOCKS_MAX (64u << 20)   /* /proc/locks of a host with a million locks */
#define FDINFO_MAX (4u << 20)   /* fdinfo of an fd holding ~50,000 record locks */
#define LINE_MAX_LEN 512        /* a real line is under 100 bytes */

/* ---- one line ---- */

static const struct {
	const char *word, *type;
} types[] = {
	{"FLOCK", "flock"}, {"POSIX", "posix"}, {"OFDLCK", "ofd"}, {"ACCESS", "access"},
	{"LEASE", "lease"}, {"DELEG", "delegation"},
};

static const struct {
	const char *word, *state;
	bool mandatory;
} qualifiers[] = {
	{"ADVISORY", NULL, false}, {"MANDATORY", NULL, true},
	{"ACTIVE", "active", false}, {"BREAKING", "breaking", false}, {"BREAKER", "breaker", false},
};

static bool hex_u32(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;

	if (!n || n > 8)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return false;
		v = v * 16 + (uint64_t)d;
	}
	*out = (uint32_t)v;
	return true;
}

/* "fe:00:10961024" (hex major and minor, decimal inode) or "<none>:0". */
static int parse_file(const char *s, struct lock_line *l)
{
	const char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	uint32_t maj, min;

	if (!strcmp(s, "<none>:0")) {
		l->has_file = false;
		return 0;
	}
	if (!c2 || !hex_u32(s, (size_t)(c1 - s), &maj) || !hex_u32(c1 + 1, (size_t)(c2 - c1 - 1), &min) ||
	    maj > 0xfff || min > 0xfffff || parse_u64(c2 + 1, &l->ino) < 0 || !l->ino)
		return -EINVAL;
	l->has_file = true;
	l->dev = (uint64_t)makedev(maj, min);
	return 0;
}

int locks_parse_line(const char *line, size_t len, struct lock_line *l, const char **why)
{
	char buf[LINE_MAX_LEN + 1], *f[10];
	size_t n, k = 0, i;

	memset(l, 0, sizeof(*l));
	*why = "too long";
	if (len > LINE_MAX_LEN)
		return -EINVAL;
	*why = "a NUL byte in it";
	if (memchr(line, '\0', len))
		return -EINVAL;
	memcpy(buf, line, len);
	buf[len] = '\0';
	n = split_fields(buf, f, ARRAY_SIZE(f));
	*why = "no \"N:\" at its start";
	if (n < 1 || strlen(f[0]) < 2 || f[0][strlen(f[0]) - 1] != ':')
		return -EINVAL;
	f[0][strlen(f[0]) - 1] = '\0';
	if (parse_i64(f[0], &l->ordinal) < 0 || l->ordinal < 1)
		return -EINVAL;
	k = 1;
	if (n > k && !strcmp(f[k], "->")) {
		l->waiter = true;
		k++;
	}
	*why = "fields missing";
	if (n - k < 7)
		return -EINVAL;
	*why = "too many fields";
	if (n - k > 7)
		return -EINVAL;
	*why = "unknown lock type";
	for (i = 0; i < ARRAY_SIZE(types) && strcmp(f[k], types[i].word); i++)
		;
	if (i == ARRAY_SIZE(types))
		return -EINVAL;
	l->type = types[i].type;
	*why = "unknown qualifier (not ADVISORY, MANDATORY or a lease state)";
	for (i = 0; i < ARRAY_SIZE(qualifiers) && strcmp(f[k + 1], qualifiers[i].word); i++)
		;
	if (i == ARRAY_SIZE(qualifiers))
		return -EINVAL;
	l->mandatory = qualifiers[i].mandatory;
	l->state = qualifiers[i].state;
	/* A lease state belongs to a lease, ADVISORY to the others. */
	*why = "qualifier does not fit the type";
	if ((l->state != NULL) != (!strcmp(l->type, "lease") || !strcmp(l->type, "delegation")))
		return -EINVAL;
	*why = "mode not READ, WRITE or UNLCK";
	if (!strcmp(f[k + 2], "READ"))
		l->mode = "read";
	else if (!strcmp(f[k + 2], "WRITE"))
		l->mode = "write";
	else if (!strcmp(f[k + 2], "UNLCK"))
		l->mode = "none";
	else
		return -EINVAL;
	/* -1 is an OFD lock's (since 4.14; before, the pid of whoever set it). */
	*why = "bad pid";
	if (parse_i64(f[k + 3], &l->pid) < 0 || l->pid < -1 || l->pid > INT32_MAX ||
	    (l->pid == -1 && strcmp(l->type, "ofd")))
		return -EINVAL;
	*why = "bad file (not MAJ:MIN:INODE)";
	if (parse_file(f[k + 4], l) < 0)
		return -EINVAL;
	*why = "bad start or end";
	if (parse_i64(f[k + 5], &l->start) < 0 || l->start < 0)
		return -EINVAL;
	if (!strcmp(f[k + 6], "EOF"))
		l->end = -1;
	else if (parse_i64(f[k + 6], &l->end) < 0 || l->end < l->start)
		return -EINVAL;
	*why = NULL;
	return 0;
}

/* ---- the collector ---- */

static void make_identity(const struct lock_line *l, char *buf, size_t len)
{
	char end[24], pid[24] = "";

	if (l->end < 0)
		snprintf(end, sizeof(end), "eof");
	else
		snprintf(end, sizeof(end), "%" PRId64, l->end);
	if (strcmp(l->type, "ofd"))
		snprintf(pid, sizeof(pid), ":%" PRId64, l->pid);
	snprintf(buf, len, "lock:%s:%" PRIu64 ":%" PRIu64 ":%" PRId64 "-%s%s", l->type,
		 l->has_file ? l->dev : 0, l->has_file ? l->ino : 0, l->start, end, pid);
}

/* The mount namespace a process's paths are of: its own, the scanner's when unknown. */
static void set_ns(struct scan_ctx *ctx, struct snapshot *snap, struct ipc_object *o, pid_t pid)
{
	const struct ns_proc *np = pid > 0 ? snapshot_proc(snap, pid) : NULL;

	o->ns = np && np->ns[NS_MNT] ? np->ns[NS_MNT] : ctx->mnt_ns;
	o->ns_pid = o->ns != ctx->mnt_ns ? pid : 0;
}

/* The identities of the locks made so far: only this collector makes "lock:" identities, so
 * alike ones are found here rather than through the snapshot's identity index, which would
 * be built over every socket listed before and kept up for every object added after. */
struct lock_ids {
	const char **slots;      /* borrowed from the objects; NULL empty */
	size_t cap, n;
};

static size_t lock_id_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

static const char **lock_id_slot(const struct lock_ids *t, const char *id)
{
	size_t mask = t->cap - 1, i = lock_id_hash(id) & mask;

	while (t->slots[i] && strcmp(t->slots[i], id))
		i = (i + 1) & mask;
	return &t->slots[i];
}

static bool lock_id_seen(const struct lock_ids *t, const char *id)
{
	return t->cap && *lock_id_slot(t, id);
}

static void lock_id_add(struct lock_ids *t, const char *id)
{
	if ((t->n + 1) * 2 > t->cap) {
		const char **old = t->slots;
		size_t oldcap = t->cap;

		t->cap = t->cap ? t->cap * 2 : 64;
		t->slots = xcalloc(t->cap, sizeof(*t->slots));
		for (size_t i = 0; i < oldcap; i++)
			if (old[i])
				*lock_id_slot(t, old[i]) = old[i];
		free(old);
	}
	*lock_id_slot(t, id) = id;
	t->n++;
}

static struct ipc_object *lock_object(struct scan_ctx *ctx, struct snapshot *snap,
				      const struct lock_line *l, struct lock_ids *ids)
{
	char base[160], identity[176];
	struct ipc_object *o;
	struct obj_lock *lk;

	make_identity(l, base, sizeof(base));
	snprintf(identity, sizeof(identity), "%s", base);
	for (unsigned k = 2; lock_id_seen(ids, identity); k++)
		snprintf(identity, sizeof(identity), "%s#%u", base, k);
	o = object_new(KIND_LOCK, identity);
	lock_id_add(ids, o->identity);
	lk = obj_lock_mut(o);
	lk->type = l->type;
	lk->mode = l->mode;
	lk->mandatory = l->mandatory;
	lk->state = l->state;
	lk->start = l->start;
	lk->end = l->end;
	lk->nwaiting = 0;
	if (l->has_file) {
		o->dev = l->dev;
		o->inode = l->ino;
	}
	if (l->pid > 0) {
		lk->pid.pid = (pid_t)l->pid;
		scan_resolve_pid(ctx, snap, &lk->pid);
	}
	set_ns(ctx, snap, o, lk->pid.pid);
	snapshot_add(snap, o);
	return o;
}

static void add_blocked(struct scan_ctx *ctx, struct snapshot *snap, struct ipc_object *o,
			const struct lock_line *l)
{
	struct obj_lock *lk = obj_lock_mut(o);
	struct pid_ref *r;

	lk->nwaiting++;
	if (l->pid <= 0)
		return; /* an OFD request names no process */
	lk->blocked = xrealloc(lk->blocked, (lk->nblocked + 1) * sizeof(*lk->blocked));
	r = &lk->blocked[lk->nblocked++];
	memset(r, 0, sizeof(*r));
	r->pid = (pid_t)l->pid;
	scan_resolve_pid(ctx, snap, r);
}

/* /proc/locks read on a thread of its own from the start of the scan (collector.h: start):
 * the kernel takes the lock table's percpu rwsem for writing to print it, which waits for an
 * RCU grace period, some milliseconds however few locks there are (6 to 36 ms here with
 * none). */
struct locks_read {
	struct scan_ctx *ctx;
	struct par_task *task;
	char *text;
	size_t len;
	int rc;
};

static void read_locks(size_t i, void *arg)
{
	struct locks_read *r = arg;

	(void)i;
	r->rc = read_file_at(r->ctx->rootfd, "proc/locks", LOCKS_MAX, &r->text, &r->len);
}

static void *start(struct scan_ctx *ctx)
{
	struct locks_read *r = xcalloc(1, sizeof(*r));

	r->ctx = ctx;
	r->task = par_background(1, read_locks, r);
	return r;
}

static int finish(struct scan_ctx *ctx, struct snapshot *snap, void *started)
{
	struct locks_read *r = started;
	struct ipc_object *last = NULL;
	struct lock_ids ids = {0};
	int64_t last_ordinal = 0;
	unsigned bad = 0, first_bad = 0;
	const char *first_why = NULL;
	char *text;
	size_t len, lineno = 0;
	int rc;

	par_wait(r->task);
	text = r->text;
	len = r->len;
	rc = r->rc;
	free(r);
	if (rc < 0) {
		snapshot_error(snap, "/proc/locks", "cannot read: %s: no locks listed", strerror(-rc));
		return rc;
	}
	for (const char *p = text, *end = text + len; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
		struct lock_line l;
		const char *why;

		lineno++;
		if (locks_parse_line(p, n, &l, &why) < 0) {
			/* A blank line is nothing; a line cut short by the end is counted. */
			bool blank = true;

			for (size_t i = 0; i < n && blank; i++)
				blank = p[i] == ' ' || p[i] == '\t';
			if (!blank && !bad++) {
				first_bad = (unsigned)lineno;
				first_why = why;
			}
		} else if (l.waiter) {
			/* Blocked requests follow the lock they wait for, with its N. */
			if (last && l.ordinal == last_ordinal) {
				add_blocked(ctx, snap, last, &l);
			} else if (!bad++) {
				first_bad = (unsigned)lineno;
				first_why = "a blocked request (->) with no lock N before it";
			}
		} else {
			last = lock_object(ctx, snap, &l, &ids);
			last_ordinal = l.ordinal;
		}
		p += n + 1;
	}
	if (bad)
		snapshot_error(snap, "/proc/locks", "%u line%s not understood, left out (first: line %u: %s)",
			       bad, bad == 1 ? "" : "s", first_bad, first_why);
	free(text);
	free(ids.slots);
	return 0;
}

static int collect(struct scan_ctx *ctx, struct snapshot *snap)
{
	return finish(ctx, snap, start(ctx));
}

const struct collector locks_collector = {
	.name = "locks",
	.kinds = KIND_BIT(KIND_LOCK),
	.collect = collect,
	.start = start,
	.finish = finish,
};

/* ---- the join with the fds (called by procfd.c) ---- */

/* The lock objects sorted by file, and which of them have their path from a holder. */
struct lock_index {
	struct ipc_object **objs;
	bool *named_by_holder;
	size_t n;
	pid_t *blocked;          /* every pid /proc/locks shows blocked, sorted */
	size_t nblocked;
};

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static int by_file(const void *a, const void *b)
{
	const struct ipc_object *x = *(struct ipc_object *const *)a, *y = *(struct ipc_object *const *)b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return (x->inode > y->inode) - (x->inode < y->inode);
}

bool locks_join_prepare(struct fdscan *fs)
{
	struct lock_index *x;
	struct snapshot *s = fs->snap;

	if (!(fs->want & KIND_BIT(KIND_LOCK)))
		return false;
	x = xcalloc(1, sizeof(*x));
	for (size_t i = 0; i < s->nobjs; i++)
		if (s->objs[i]->kind == KIND_LOCK && s->objs[i]->inode)
			x->n++;
	if (!x->n) {
		free(x);
		return false;
	}
	x->objs = xmalloc(x->n * sizeof(*x->objs));
	x->named_by_holder = xcalloc(x->n, sizeof(*x->named_by_holder));
	x->n = 0;
	for (size_t i = 0; i < s->nobjs; i++)
		if (s->objs[i]->kind == KIND_LOCK && s->objs[i]->inode)
			x->objs[x->n++] = s->objs[i];
	qsort(x->objs, x->n, sizeof(*x->objs), by_file);
	/* Asked once per process by the walk (locks_blocked_pid): sorted here, once. */
	for (size_t i = 0; i < x->n; i++)
		x->nblocked += obj_lock(x->objs[i])->nblocked;
	x->blocked = xcalloc(x->nblocked ? x->nblocked : 1, sizeof(*x->blocked));
	x->nblocked = 0;
	for (size_t i = 0; i < x->n; i++)
		for (size_t b = 0; b < obj_lock(x->objs[i])->nblocked; b++)
			x->blocked[x->nblocked++] = obj_lock(x->objs[i])->blocked[b].pid;
	if (x->nblocked > 1)
		qsort(x->blocked, x->nblocked, sizeof(*x->blocked), cmp_pid);
	fs->locks = x;
	return true;
}

/* The first index whose file is not below (dev, ino). */
static size_t lower_bound(const struct lock_index *x, uint64_t dev, uint64_t ino)
{
	size_t lo = 0, hi = x->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ipc_object *o = x->objs[mid];

		if (o->dev < dev || (o->dev == dev && o->inode < ino))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool same_lock(const struct ipc_object *o, const struct lock_line *l)
{
	return !l->waiter && !strcmp(obj_lock(o)->type, l->type) && !strcmp(obj_lock(o)->mode, l->mode) &&
	       obj_lock(o)->start == l->start && obj_lock(o)->end == l->end &&
	       (!strcmp(l->type, "ofd") || obj_lock(o)->pid.pid == (pid_t)l->pid);
}

static void set_name(struct ipc_object *o, const char *link, const struct stat *st)
{
	static const char del[] = " (deleted)";
	size_t n = strlen(link), d = sizeof(del) - 1;

	free(o->name);
	o->name = xstrdup(link);
	o->flags &= ~OBJ_DELETED;
	if (n > d && !strcmp(link + n - d, del)) {
		o->name[n - d] = '\0';
		o->flags |= OBJ_DELETED;
	}
	o->has_owner = true;
	o->uid = st->st_uid;
	o->gid = st->st_gid;
	o->has_mode = true;
	o->mode = (uint32_t)st->st_mode & 0777;
}

/* The lock objects of [lo, hi) held through this fd, by the "lock:" lines of its fdinfo. */
static void join_fdinfo(struct fdscan *fs, struct proc *p, const char *link, int fdnum,
			const char *fdname, const struct stat *st, size_t lo, size_t hi)
{
	struct lock_index *x = fs->locks;
	char path[48], *text = NULL;
	unsigned access = 0;
	size_t len = 0;

	snprintf(path, sizeof(path), "fdinfo/%s", fdname);
	if (read_file_at(p->dirfd, path, FDINFO_MAX, &text, &len) < 0)
		return; /* closed since, or not ours to read: the fd gives only the path */
	if (procfd_parse_fdinfo_flags(text, &access) < 0)
		access = 0;
	for (const char *q = text, *end = text + len; q < end;) {
		const char *eol = memchr(q, '\n', (size_t)(end - q));
		size_t n = eol ? (size_t)(eol - q) : (size_t)(end - q);
		struct lock_line l;
		const char *why;
		size_t pick = hi;

		if (n > 5 && !strncmp(q, "lock:", 5) && locks_parse_line(q + 5, n - 5, &l, &why) == 0) {
			/* Two locks alike (see the identity) go to one not yet held, then the first. */
			for (size_t i = lo; i < hi; i++) {
				if (!same_lock(x->objs[i], &l))
					continue;
				if (pick == hi)
					pick = i;
				if (!x->objs[i]->nholders) {
					pick = i;
					break;
				}
			}
		}
		if (pick < hi) {
			struct ipc_object *o = x->objs[pick];

			object_add_holder(o, p->pid, proc_comm(fs, p), fdnum, access, NULL);
			if (obj_lock(o)->pid.pid <= 0) {
				/* OFD: the first process found holding it stands for it. */
				obj_lock_mut(o)->pid.pid = p->pid;
				scan_resolve_pid(fs->ctx, fs->snap, &obj_lock_mut(o)->pid);
				set_ns(fs->ctx, fs->snap, o, p->pid);
			}
			if (!x->named_by_holder[pick]) {
				/* The holder's own link: its path in its own mount namespace. */
				set_name(o, link, st);
				x->named_by_holder[pick] = true;
			}
		}
		q += n + 1;
	}
	free(text);
}

void locks_join_fd(struct fdscan *fs, struct proc *p, const char *link, int fdnum,
		   const char *fdname, const struct stat *st)
{
	struct lock_index *x = fs->locks;
	uint64_t dev = (uint64_t)st->st_dev, ino = (uint64_t)st->st_ino;
	size_t lo = lower_bound(x, dev, ino), hi = lo;

	while (hi < x->n && x->objs[hi]->dev == dev && x->objs[hi]->inode == ino)
		hi++;
	if (lo == hi)
		return; /* no lock on this file: nothing more spent */
	/* Any fd on the file names it until a holder's does. */
	for (size_t i = lo; i < hi; i++)
		if (!x->objs[i]->name)
			set_name(x->objs[i], link, st);
	join_fdinfo(fs, p, link, fdnum, fdname, st, lo, hi);
}

void locks_join_finish(struct fdscan *fs)
{
	struct lock_index *x = fs->locks;

	if (!x)
		return;
	for (size_t i = 0; i < x->n; i++) {
		struct ipc_object *o = x->objs[i];

		if (!o->name)
			object_set_partial(o, "path unknown: no fd on the file was seen (a process not "
					   "read, or it closed the file during the scan)");
		if (!strcmp(obj_lock(o)->type, "ofd") && !o->nholders)
			object_set_partial(o, "holder unknown: /proc/locks names no process for an OFD "
					   "lock and no fd's fdinfo showed it");
	}
	free(x->objs);
	free(x->named_by_holder);
	free(x->blocked);
	free(x);
	fs->locks = NULL;
}

/* A thread asleep in flock or F_SETLKW waits for the lock /proc/locks shows it blocked by
 * ("->" lines name its pid); without such a line (it has just gone to sleep), for a lock on
 * the same file. */
void locks_join_waiters(struct snapshot *snap)
{
	for (size_t w = 0; w < snap->nlock_waiters; w++) {
		const struct ipc_waiter *wt = &snap->lock_waiters[w];
		struct ipc_object *fallback = NULL, *found = NULL;

		for (size_t i = 0; i < snap->nobjs && !found; i++) {
			struct ipc_object *o = snap->objs[i];

			if (o->kind != KIND_LOCK || o->dev != wt->lock_dev || o->inode != wt->lock_ino)
				continue;
			if (!fallback)
				fallback = o;
			for (size_t b = 0; b < obj_lock(o)->nblocked; b++)
				if (obj_lock(o)->blocked[b].pid == wt->pid)
					found = o;
		}
		if (found || fallback)
			object_add_waiter(found ? found : fallback, wt);
	}
}

bool locks_blocked_pid(const struct fdscan *fs, pid_t pid)
{
	const struct lock_index *x = fs->locks;

	return x && x->nblocked && bsearch(&pid, x->blocked, x->nblocked, sizeof(*x->blocked), cmp_pid);
}
