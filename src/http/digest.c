/* digest.c - see digest.h. The object is copied with its pointers blanked and hashed as
 * bytes, then what each pointer leads to is hashed by content: a new inline field is
 * covered without a word here, and a pointer is never trusted by its address (malloc
 * hands the same address to the next scan's different string). The sizes below stop the
 * build when a field is added, so that whoever adds a pointer adds it here too. */
#include "http/digest.h"

#include <string.h>

#include "core/ns.h"

_Static_assert(sizeof(struct ipc_object) == 248, "ipc_object changed: hash its new pointers in digest.c");
_Static_assert(sizeof(struct obj_ipc) == 368, "obj_ipc changed: hash its new pointers in digest.c");
_Static_assert(sizeof(struct obj_lock) == 112, "obj_lock changed: hash its new pointers in digest.c");
_Static_assert(sizeof(struct obj_fdk) == 152, "obj_fdk changed: update digest.c");
_Static_assert(sizeof(struct obj_keyfile) == 40, "obj_keyfile changed: hash its new pointers in digest.c");
_Static_assert(sizeof(struct ipc_holder) == 56, "ipc_holder changed: update digest.c");
_Static_assert(sizeof(struct ipc_waiter) == 120, "ipc_waiter changed: update digest.c");
_Static_assert(sizeof(struct sem_elem) == 56, "sem_elem changed: update digest.c");
_Static_assert(sizeof(struct pid_ref) == 40, "pid_ref changed: update digest.c");
_Static_assert(sizeof(struct container) == 201, "container changed: update digest.c");

#define MUL 0x9e3779b97f4a7c15ull

/* Word at a time: 10,000 objects of several hundred bytes each are hashed every scan. */
static uint64_t mix(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t w;

	h ^= len * MUL;
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * MUL;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, p, len);
	h = (h ^ w) * MUL;
	return h ^ (h >> 32);
}

/* A string by content; NULL and "" differ. */
static uint64_t mix_str(uint64_t h, const char *s)
{
	if (!s)
		return mix(h, "\xff", 1);
	return mix(h, s, strlen(s) + 1);
}

static uint64_t mix_str_n(uint64_t h, const char *s, size_t max)
{
	return mix(h, s, strnlen(s, max));
}

/* A pid_ref's fields (not its padding, nor the bytes after comm's NUL). */
static uint64_t mix_pid(uint64_t h, const struct pid_ref *r)
{
	int64_t v[5] = {r->pid, r->gone, r->zombie, r->start, r->nspid};

	h = mix(h, v, sizeof(v));
	return mix_str_n(h, r->comm, sizeof(r->comm));
}

static uint64_t mix_container(uint64_t h, const struct container *c)
{
	if (!c)
		return mix(h, "\xfe", 1);
	h = mix_str_n(h, c->runtime, sizeof(c->runtime));
	h = mix_str_n(h, c->id, sizeof(c->id));
	h = mix_str_n(h, c->pod, sizeof(c->pod));
	return mix_str_n(h, c->name, sizeof(c->name));
}

/* The groups out of line (core/object.h): their bytes, pointers blanked, then their pointed-to
 * content. An absent group hashes as its absent values, which is what it reads as. */
static uint64_t mix_ipc(uint64_t h, const struct obj_ipc *g)
{
	struct obj_ipc c;

	memcpy(&c, g, sizeof(c));
	c.backing = NULL;
	c.sems = NULL;
	h = mix(h, &c, sizeof(c));
	h = mix_str(h, g->backing);
	for (int64_t i = 0; g->sems && i < g->nsems; i++) {
		const struct sem_elem *e = &g->sems[i];
		int64_t v[3] = {e->value, e->ncount, e->zcount};

		h = mix(h, v, sizeof(v));
		h = mix_pid(h, &e->pid);
	}
	return h;
}

static uint64_t mix_lock(uint64_t h, const struct obj_lock *g)
{
	struct obj_lock c;

	memcpy(&c, g, sizeof(c));
	c.type = c.mode = c.state = NULL;
	c.blocked = NULL;
	h = mix(h, &c, sizeof(c));
	h = mix_str(h, g->type);
	h = mix_str(h, g->mode);
	h = mix_str(h, g->state);
	for (size_t i = 0; g->blocked && i < g->nblocked; i++)
		h = mix_pid(h, &g->blocked[i]);
	return h;
}

static uint64_t mix_fdk(uint64_t h, const struct obj_fdk *g)
{
	return mix(h, g, sizeof(*g));
}

static uint64_t mix_keyfile(uint64_t h, const struct obj_keyfile *g)
{
	struct obj_keyfile c;

	memcpy(&c, g, sizeof(c));
	c.file = NULL;
	c.via = NULL;
	h = mix(h, &c, sizeof(c));
	h = mix_str(h, g->file);
	return mix_str(h, g->via);
}

uint64_t http_object_digest(const struct ipc_object *o)
{
	struct ipc_object c;
	uint64_t h = 0x6a09e667f3bcc908ull;

	memcpy(&c, o, sizeof(c));
	c.name = c.partial = c.sock_type = c.state = c.local = c.peer = NULL;
	c.cont = NULL;
	c.ipc = NULL;
	c.lock = NULL;
	c.fdk = NULL;
	c.keyfile = NULL;
	c.holders = NULL;
	c.waiters = NULL;
	c.holders_cap = c.waiters_cap = 0;
	h = mix(h, &c, sizeof(c));
	h = mix_str(h, o->identity);
	h = mix_str(h, o->name);
	h = mix_str(h, o->partial);
	h = mix_str(h, o->sock_type);
	h = mix_str(h, o->state);
	h = mix_str(h, o->local);
	h = mix_str(h, o->peer);
	h = mix_container(h, o->cont);
	h = mix_ipc(h, obj_ipc(o));
	h = mix_lock(h, obj_lock(o));
	h = mix_fdk(h, obj_fdk(o));
	h = mix_keyfile(h, obj_keyfile(o));
	for (size_t i = 0; i < o->nholders; i++) {
		const struct ipc_holder *x = &o->holders[i];
		int64_t v[4] = {x->pid, x->fd, x->access, x->nspid};

		h = mix(h, v, sizeof(v));
		h = mix_str_n(h, x->comm, sizeof(x->comm));
		h = mix_str(h, x->map);
		h = mix_container(h, x->cont);
	}
	for (size_t i = 0; i < o->nwaiters; i++) {
		const struct ipc_waiter *w = &o->waiters[i];
		int64_t v[14] = {w->pid, w->tid, w->state, w->since, w->fd, w->semnum, w->semop,
				 w->has_msgtyp, w->msgtyp, (int64_t)w->addr, (int64_t)w->lock_dev,
				 (int64_t)w->lock_ino, w->several, 0};

		h = mix(h, v, sizeof(v));
		h = mix_str_n(h, w->comm, sizeof(w->comm));
		h = mix_str(h, w->what);
		h = mix_str(h, w->syscall);
	}
	return h;
}
