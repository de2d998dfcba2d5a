/* object.c - life of one object record. */
#include "core/object.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/util.h"

const struct obj_ipc obj_ipc_absent = {
	.max_messages = -1, .msgsize = -1, .nattch = -1, .rss = -1, .swap = -1,
	.notify = -1, .signo = -1, .blocks = -1, .seals = -1, .nsems = -1, .messages = -1,
};
const struct obj_lock obj_lock_absent = {.start = -1, .end = -1, .nwaiting = -1};
const struct obj_fdk obj_fdk_absent;
const struct obj_keyfile obj_keyfile_absent;

/* A group starts as a copy of its absent one; calloc first, so that its padding is zero as
 * the digest (http/digest.c), which hashes its bytes, needs. */
static void *group_new(const void *absent, size_t size)
{
	void *g = xcalloc(1, size);

	memcpy(g, absent, size);
	return g;
}

struct obj_ipc *obj_ipc_mut(struct ipc_object *o)
{
	if (!o->ipc)
		o->ipc = group_new(&obj_ipc_absent, sizeof(*o->ipc));
	return o->ipc;
}

struct obj_lock *obj_lock_mut(struct ipc_object *o)
{
	if (!o->lock)
		o->lock = group_new(&obj_lock_absent, sizeof(*o->lock));
	return o->lock;
}

struct obj_fdk *obj_fdk_mut(struct ipc_object *o)
{
	if (!o->fdk)
		o->fdk = group_new(&obj_fdk_absent, sizeof(*o->fdk));
	return o->fdk;
}

struct obj_keyfile *obj_keyfile_mut(struct ipc_object *o)
{
	if (!o->keyfile)
		o->keyfile = group_new(&obj_keyfile_absent, sizeof(*o->keyfile));
	return o->keyfile;
}

struct ipc_object *object_new(enum ipc_kind kind, const char *identity)
{
	/* The identity lives behind the record, in its allocation: one malloc less per object
	 * and no chunk of its own (a loaded host has 100,000 of them). */
	size_t len = strlen(identity) + 1;
	struct ipc_object *o = xcalloc(1, sizeof(*o) + len);

	o->kind = kind;
	memcpy(o->identity, identity, len);
	o->id = -1;
	o->size = o->used_bytes = -1;
	o->rqueue = o->wqueue = -1;
	o->pending = o->backlog = -1;
	return o;
}

void object_free(struct ipc_object *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->nholders; i++)
		free(o->holders[i].map);
	free(o->holders);
	free(o->waiters);
	free(o->name);
	free(o->partial);
	free(o->local);
	free(o->peer);
	if (o->ipc)
		free(o->ipc->sems);
	free(o->ipc);
	if (o->lock)
		free(o->lock->blocked);
	free(o->lock);
	free(o->fdk);
	if (o->keyfile)
		free(o->keyfile->file);
	free(o->keyfile);
	free(o);
}

struct ipc_holder *object_add_holder(struct ipc_object *o, pid_t pid, const char *comm, int fd,
				     unsigned access, const char *map)
{
	struct ipc_holder *h;

	/* Most objects have one or two holders (a socket, the two ends of a pipe): the array
	 * starts at one and doubles, where xgrow's first eight would be most of the memory of
	 * a host with 100,000 fds. */
	if (o->nholders == o->holders_cap) {
		o->holders_cap = o->holders_cap ? o->holders_cap * 2 : 1;
		o->holders = xrealloc(o->holders, o->holders_cap * sizeof(*o->holders));
	}
	h = &o->holders[o->nholders++];
	memset(h, 0, sizeof(*h));
	h->pid = pid;
	if (comm) {
		/* As snprintf would, without its cost: this runs once per fd on a loaded host. */
		size_t n = strnlen(comm, sizeof(h->comm) - 1);

		memcpy(h->comm, comm, n);
		h->comm[n] = '\0';
	}
	h->fd = fd;
	h->access = access;
	h->map = map ? xstrdup(map) : NULL;
	return h;
}

struct ipc_waiter *object_add_waiter(struct ipc_object *o, const struct ipc_waiter *w)
{
	struct ipc_waiter *n;

	if (o->nwaiters == o->waiters_cap) {
		o->waiters_cap = o->waiters_cap ? o->waiters_cap * 2 : 8;
		o->waiters = xrealloc(o->waiters, o->waiters_cap * sizeof(*o->waiters));
	}
	n = &o->waiters[o->nwaiters++];
	*n = *w;
	return n;
}

void object_set_partial(struct ipc_object *o, const char *why)
{
	o->flags |= OBJ_PARTIAL;
	if (!o->partial) {
		o->partial = xstrdup(why);
	} else if (!strstr(o->partial, why)) {
		char *s = xasprintf("%s; %s", o->partial, why);
		free(o->partial);
		o->partial = s;
	}
}

void object_set_stat(struct ipc_object *o, const struct stat *st)
{
	struct obj_ipc *ipc = obj_ipc_mut(o);

	o->inode = (uint64_t)st->st_ino;
	o->dev = (uint64_t)st->st_dev;
	o->has_owner = true;
	o->uid = st->st_uid;
	o->gid = st->st_gid;
	o->has_mode = true;
	o->mode = (uint32_t)st->st_mode & 0777;
	ipc->atime = (int64_t)st->st_atim.tv_sec;
	ipc->mtime = (int64_t)st->st_mtim.tv_sec;
	o->ctime = (int64_t)st->st_ctim.tv_sec;
}

const char *access_str(unsigned access)
{
	static const char *const s[] = {"-", "r", "w", "rw"};
	return s[access & 3];
}

char *waiter_detail(const struct ipc_waiter *w, bool with_addr, char *buf, size_t len)
{
	size_t n = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (w->semnum >= 0)
		n += (size_t)snprintf(buf + n, len - n, "semnum=%d semop=%d ", w->semnum, w->semop);
	if (w->has_msgtyp && n < len)
		n += (size_t)snprintf(buf + n, len - n, "msgtyp=%lld ", (long long)w->msgtyp);
	if (with_addr && w->addr && n < len)
		n += (size_t)snprintf(buf + n, len - n, "addr=0x%llx ", (unsigned long long)w->addr);
	if (w->several && n < len)
		n += (size_t)snprintf(buf + n, len - n, "several ");
	if (n && n < len)
		buf[n - 1] = '\0';
	return buf;
}
