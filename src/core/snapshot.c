/* snapshot.c - the objects, limits and errors of one scan, and the indexes that find them by
 * inode (to join fds and mappings) and by identity. */
#include "core/snapshot.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/deadlock.h"
#include "core/kinds.h"
#include "core/util.h"

/* Open addressing over objects, doubled at 50% load: the inode index and the identity
 * index are two of these with their own hash. */
struct obj_table {
	struct ipc_object **slots;
	size_t cap, n;
	size_t (*hash)(const struct ipc_object *o);
	/* o needs no slot of its own because in is there already */
	bool (*dup)(const struct ipc_object *in, const struct ipc_object *o);
};

static size_t hash_inode(uint64_t ino)
{
	ino ^= ino >> 33;
	ino *= 0xff51afd7ed558ccdULL;
	ino ^= ino >> 33;
	return (size_t)ino;
}

static size_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

static size_t obj_inode_hash(const struct ipc_object *o)
{
	return hash_inode(o->inode);
}

/* Objects of different kinds may share an inode number (different filesystems). */
static bool same_pointer(const struct ipc_object *in, const struct ipc_object *o)
{
	return in == o;
}

static size_t obj_identity_hash(const struct ipc_object *o)
{
	return hash_str(o->identity);
}

/* The first object of an identity wins, as a linear search would find it. */
static bool same_identity(const struct ipc_object *in, const struct ipc_object *o)
{
	return !strcmp(in->identity, o->identity);
}

static struct obj_table *table_new(size_t (*hash)(const struct ipc_object *),
				   bool (*dup)(const struct ipc_object *, const struct ipc_object *))
{
	struct obj_table *t = xcalloc(1, sizeof(*t));

	t->cap = 1024;
	t->slots = xcalloc(t->cap, sizeof(*t->slots));
	t->hash = hash;
	t->dup = dup;
	return t;
}

static void table_free(struct obj_table *t)
{
	if (t)
		free(t->slots);
	free(t);
}

static void table_insert(struct obj_table *t, struct ipc_object *o)
{
	size_t mask = t->cap - 1, i = t->hash(o) & mask;

	for (; t->slots[i]; i = (i + 1) & mask)
		if (t->dup(t->slots[i], o))
			return;
	t->slots[i] = o;
	t->n++;
}

static void table_add(struct obj_table *t, struct ipc_object *o)
{
	if ((t->n + 1) * 2 > t->cap) {
		struct ipc_object **old = t->slots;
		size_t oldcap = t->cap;

		t->cap *= 2;
		t->n = 0;
		t->slots = xcalloc(t->cap, sizeof(*t->slots));
		for (size_t i = 0; i < oldcap; i++)
			if (old[i])
				table_insert(t, old[i]);
		free(old);
	}
	table_insert(t, o);
}

/* pid -> comm, so that 32,000 queues last used by one pid cost one read of its comm. */
struct pid_slot {
	struct pid_ref ref;   /* ref.pid 0: empty */
};
struct pid_cache {
	struct pid_slot *slots;
	size_t cap, n;
};

void snapshot_init(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	if (gethostname(s->host, sizeof(s->host) - 1) < 0)
		snprintf(s->host, sizeof(s->host), "unknown");
	s->time = (int64_t)time(NULL);
}

void snapshot_release(struct snapshot *s)
{
	for (size_t i = 0; i < s->nobjs; i++)
		object_free(s->objs[i]);
	free(s->objs);
	for (size_t i = 0; i < s->nerrs; i++) {
		free(s->errs[i].source);
		free(s->errs[i].message);
	}
	free(s->errs);
	for (size_t i = 0; i < s->nlimits; i++)
		free(s->limits[i].source);
	free(s->limits);
	deadlocks_release(s);
	free(s->procs);
	free(s->nss);
	free(s->containers);
	free(s->lock_waiters);
	table_free(s->index);
	table_free(s->ids);
	if (s->pids)
		free(s->pids->slots);
	free(s->pids);
	memset(s, 0, sizeof(*s));
}

/* What snapshot_leave keeps from being freed, reachable, so that leak checkers see it in
 * use: the process exits with it. */
static struct snapshot left;

void snapshot_leave(struct snapshot *s)
{
	if (s->nobjs < SNAPSHOT_LEAVE_MIN || left.objs) {
		snapshot_release(s);
		return;
	}
	left = *s;
	memset(s, 0, sizeof(*s));
}

void snapshot_add(struct snapshot *s, struct ipc_object *o)
{
	xgrow((void **)&s->objs, &s->objs_cap, s->nobjs + 1, sizeof(*s->objs));
	s->objs[s->nobjs++] = o;
	if (s->index && o->inode)
		snapshot_index_add(s, o);
	if (s->ids)
		table_add(s->ids, o);
}

void snapshot_error(struct snapshot *s, const char *source, const char *fmt, ...)
{
	struct scan_error *e;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		msg = xstrdup("(no memory for the message)");
	/* One line each: the renderers print errors one per line. */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	xgrow((void **)&s->errs, &s->errs_cap, s->nerrs + 1, sizeof(*s->errs));
	e = &s->errs[s->nerrs++];
	e->source = xstrdup(source);
	e->message = msg;
}

/* Limits are per namespace (the SysV and queue limits per IPC namespace, /dev/shm per
 * mount namespace): during a scan, limit_ns names the namespace being read, and after it
 * is 0 again, the scanner's own. */
struct limit *snapshot_find_limit(const struct snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->nlimits; i++)
		if (s->limits[i].ns == s->limit_ns && !strcmp(s->limits[i].name, name))
			return &s->limits[i];
	return NULL;
}

struct limit *snapshot_limit(struct snapshot *s, const char *name, const char *group,
			     const char *descr, const char *unit, const char *source)
{
	struct limit *l = snapshot_find_limit(s, name);

	if (!l) {
		xgrow((void **)&s->limits, &s->limits_cap, s->nlimits + 1, sizeof(*s->limits));
		l = &s->limits[s->nlimits++];
		memset(l, 0, sizeof(*l));
		l->ns = s->limit_ns;
	}
	l->name = name;
	l->group = group;
	l->descr = descr;
	l->unit = unit;
	free(l->source);
	l->source = source ? xstrdup(source) : NULL;
	return l;
}

void snapshot_index_add(struct snapshot *s, struct ipc_object *o)
{
	if (!o->inode)
		return;
	if (!s->index)
		s->index = table_new(obj_inode_hash, same_pointer);
	table_add(s->index, o);
}

struct ipc_object *snapshot_find_inode(struct snapshot *s, int kind, uint64_t inode)
{
	struct obj_table *t;
	size_t mask, i;

	if (!s->index) {
		for (size_t k = 0; k < s->nobjs; k++)
			snapshot_index_add(s, s->objs[k]);
		if (!s->index)
			return NULL;
	}
	t = s->index;
	mask = t->cap - 1;
	for (i = hash_inode(inode) & mask; t->slots[i]; i = (i + 1) & mask) {
		struct ipc_object *o = t->slots[i];
		if (o->inode == inode && (kind < 0 || (int)o->kind == kind))
			return o;
	}
	return NULL;
}

struct ipc_object *snapshot_find_file(struct snapshot *s, int kind, uint64_t dev, uint64_t inode)
{
	struct obj_table *t;
	size_t mask, i;

	if (!snapshot_find_inode(s, kind, inode)) /* builds the index; nothing of that inode */
		return NULL;
	t = s->index;
	mask = t->cap - 1;
	for (i = hash_inode(inode) & mask; t->slots[i]; i = (i + 1) & mask) {
		struct ipc_object *o = t->slots[i];

		if (o->inode == inode && o->dev == dev && (kind < 0 || (int)o->kind == kind))
			return o;
	}
	return NULL;
}

struct ipc_object *snapshot_find_identity(struct snapshot *s, const char *identity)
{
	struct obj_table *t = s->ids;
	size_t mask, i;

	if (!t) {
		t = s->ids = table_new(obj_identity_hash, same_identity);
		for (size_t k = 0; k < s->nobjs; k++)
			table_add(t, s->objs[k]);
	}
	mask = t->cap - 1;
	for (i = hash_str(identity) & mask; t->slots[i]; i = (i + 1) & mask)
		if (!strcmp(t->slots[i]->identity, identity))
			return t->slots[i];
	return NULL;
}

static int cmp_default(const void *a, const void *b)
{
	const struct ipc_object *x = *(struct ipc_object *const *)a;
	const struct ipc_object *y = *(struct ipc_object *const *)b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->name && y->name) {
		int c = strcmp(x->name, y->name);
		if (c)
			return c;
	}
	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return strcmp(x->identity, y->identity);
}

/* The first two keys of cmp_default beside the object: most comparisons end there, without
 * reaching into two objects of a thousand bytes each (68,000 objects: a sort that missed the
 * cache at every step). */
struct sort_key {
	int64_t id;
	int kind;
	struct ipc_object *o;
};

static int cmp_key(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return cmp_default(&x->o, &y->o);
}

void snapshot_sort_default(struct snapshot *s)
{
	struct sort_key *k;
	size_t i;

	/* Tables come mostly in order already (SysV slots are ids of one sequence). */
	for (i = 1; i < s->nobjs && cmp_default(&s->objs[i - 1], &s->objs[i]) <= 0; i++)
		;
	if (i >= s->nobjs)
		return;
	k = xmalloc(s->nobjs * sizeof(*k));
	for (i = 0; i < s->nobjs; i++)
		k[i] = (struct sort_key){.id = s->objs[i]->id, .kind = (int)s->objs[i]->kind, .o = s->objs[i]};
	qsort(k, s->nobjs, sizeof(*k), cmp_key);
	for (i = 0; i < s->nobjs; i++)
		s->objs[i] = k[i].o;
	free(k);
}

static struct pid_slot *pid_slot(struct pid_cache *c, pid_t pid)
{
	size_t mask = c->cap - 1, i = hash_inode((uint64_t)pid) & mask;

	while (c->slots[i].ref.pid && c->slots[i].ref.pid != pid)
		i = (i + 1) & mask;
	return &c->slots[i];
}

bool snapshot_pid_lookup(struct snapshot *s, struct pid_ref *ref)
{
	struct pid_slot *e;

	if (!s->pids || ref->pid <= 0)
		return false;
	e = pid_slot(s->pids, ref->pid);
	if (!e->ref.pid)
		return false;
	*ref = e->ref;
	return true;
}

void snapshot_pid_store(struct snapshot *s, const struct pid_ref *ref)
{
	struct pid_cache *c = s->pids;
	struct pid_slot *e;

	if (ref->pid <= 0)
		return;
	if (!c) {
		c = s->pids = xcalloc(1, sizeof(*c));
		c->cap = 256;
		c->slots = xcalloc(c->cap, sizeof(*c->slots));
	}
	if ((c->n + 1) * 2 > c->cap) {
		struct pid_slot *old = c->slots;
		size_t oldcap = c->cap;

		c->cap *= 2;
		c->slots = xcalloc(c->cap, sizeof(*c->slots));
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].ref.pid)
				*pid_slot(c, old[i].ref.pid) = old[i];
		free(old);
	}
	e = pid_slot(c, ref->pid);
	if (!e->ref.pid)
		c->n++;
	e->ref = *ref;
}

const struct ns_proc *snapshot_proc(const struct snapshot *s, pid_t pid)
{
	size_t lo = 0, hi = s->nprocs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->procs[mid].pid == pid)
			return &s->procs[mid];
		if (s->procs[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* nss is sorted by type, then inode (collectors/nsdisc.c). */
struct ns_info *snapshot_ns(const struct snapshot *s, enum ns_type t, uint64_t ino)
{
	size_t lo = 0, hi = s->nnss;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ns_info *n = &s->nss[mid];

		if (n->type == t && n->inode == ino)
			return &s->nss[mid];
		if (n->type < t || (n->type == t && n->inode < ino))
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static enum ns_type limit_type(const struct limit *l)
{
	return !strcmp(l->group, "posix-shm") ? NS_MNT : NS_IPC;
}

uint64_t snapshot_limit_ns(const struct snapshot *s, const struct limit *l)
{
	return l->ns ? l->ns : s->self_ns[limit_type(l)];
}

const struct container *snapshot_limit_container(const struct snapshot *s, const struct limit *l)
{
	const struct ns_info *n = snapshot_ns(s, limit_type(l), snapshot_limit_ns(s, l));

	return n ? snapshot_container(s, n->container) : NULL;
}

const struct container *snapshot_container(const struct snapshot *s, int i)
{
	return i >= 0 && (size_t)i < s->ncontainers ? &s->containers[i] : NULL;
}

int snapshot_container_index(const struct snapshot *s, const struct container *c)
{
	uintptr_t base = (uintptr_t)s->containers, p = (uintptr_t)c;
	size_t size = sizeof(*s->containers);

	if (!c || !base || p < base || p >= base + s->ncontainers * size || (p - base) % size)
		return -1;
	return (int)((p - base) / size);
}

void snapshot_retain(struct snapshot *s, bool (*keep)(const struct ipc_object *o, void *arg), void *arg)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nobjs; i++) {
		if (keep(s->objs[i], arg))
			s->objs[n++] = s->objs[i];
		else
			object_free(s->objs[i]);
	}
	s->nobjs = n;
	/* The indexes held the freed objects: they are built again on demand. */
	table_free(s->index);
	table_free(s->ids);
	s->index = s->ids = NULL;
}
