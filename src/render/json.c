/* json.c - objects, limits and errors as typed JSON. Numbers are numbers; absent fields are
 * left out rather than null, so a present field always has its documented type. */
#include "render/json.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/columns.h"
#include "core/deadlock.h"
#include "core/kinds.h"
#include "core/utf8.h"
#include "core/util.h"
#include "render/json_emit.h"
#include "collectors/parallel.h"

/* Set value at a dotted path ("owner.user"), creating the intermediate objects. */
static void set_path(json_t *obj, const char *path, json_t *value)
{
	const char *dot;

	while ((dot = strchr(path, '.'))) {
		char key[32];
		json_t *child;
		size_t n = (size_t)(dot - path);

		if (n >= sizeof(key))
			n = sizeof(key) - 1;
		memcpy(key, path, n);
		key[n] = '\0';
		child = json_object_get(obj, key);
		if (!json_is_object(child)) {
			child = json_object();
			json_object_set_new(obj, key, child);
		}
		obj = child;
		path = dot + 1;
	}
	json_object_set_new(obj, path, value);
}

json_t *json_text(const char *s)
{
	json_t *j = json_string(s);
	char *fixed;

	if (j)
		return j;
	fixed = utf8_repair(s);
	j = json_string(fixed);
	free(fixed);
	/* utf8_repair leaves only what RFC 3629 allows, which jansson takes. */
	return j ? j : json_string("\xef\xbf\xbd");
}

/* key may be a dotted path (see set_path). */
void json_set_text(json_t *obj, const char *key, const char *s)
{
	char raw[64], *hex;

	set_path(obj, key, json_text(s));
	if (utf8_valid(s))
		return;
	hex = hex_of(s);
	snprintf(raw, sizeof(raw), "%s_raw", key);
	set_path(obj, raw, json_string(hex));
	free(hex);
}

/* NULL for a time the schema's time type cannot show (see time_iso_utc). */
static json_t *json_of_value(const struct column *c, const struct col_value *v)
{
	char buf[40];

	switch (c->type) {
	case COL_STR:
		return json_text(v->s);
	case COL_INT:
	case COL_BYTES:
		return json_integer(v->i);
	case COL_BOOL:
		return json_boolean(v->i);
	case COL_PERCENT:
		return json_real(json_percent(v->d));
	case COL_TIME:
		return time_iso_utc(v->i, buf, sizeof(buf)) ? json_string(buf) : NULL;
	}
	return json_null();
}

static json_t *json_of_pid(const struct pid_ref *p)
{
	json_t *j = json_pack("{s:I, s:b}", "pid", (json_int_t)p->pid, "alive", !p->gone && !p->zombie);

	if (p->comm[0])
		json_set_text(j, "comm", p->comm);
	if (p->nspid)
		json_object_set_new(j, "nspid", json_integer(p->nspid));
	if (p->zombie)
		json_object_set_new(j, "zombie", json_true());
	return j;
}

/* One waiting thread; absent facts are left out. */
static json_t *json_of_waiter(const struct ipc_waiter *w)
{
	json_t *j = json_pack("{s:I, s:I}", "pid", (json_int_t)w->pid, "tid", (json_int_t)w->tid);
	char buf[40], st[2] = {w->state, '\0'};

	json_set_text(j, "comm", w->comm);
	json_object_set_new(j, "what", json_string(w->what));
	json_object_set_new(j, "syscall", json_string(w->syscall));
	if (w->state)
		json_object_set_new(j, "state", json_string(st));
	if (w->since > 0 && time_iso_utc(w->since, buf, sizeof(buf)))
		json_object_set_new(j, "since", json_string(buf));
	if (w->fd >= 0)
		json_object_set_new(j, "fd", json_integer(w->fd));
	if (w->semnum >= 0) {
		json_object_set_new(j, "semnum", json_integer(w->semnum));
		json_object_set_new(j, "semop", json_integer(w->semop));
	}
	if (w->has_msgtyp)
		json_object_set_new(j, "msgtyp", json_integer((json_int_t)w->msgtyp));
	if (w->addr) {
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)w->addr);
		json_object_set_new(j, "address", json_string(buf));
	}
	json_object_set_new(j, "several", json_boolean(w->several));
	return j;
}

json_t *json_of_object(const struct ipc_object *o)
{
	json_t *j = json_object(), *holders = json_array();
	struct col_value v;

	for (size_t i = 0; i < ncolumns; i++) {
		const struct column *c = &columns[i];

		if (!c->json)
			continue;
		column_value(c, o, &v);
		if (v.present && c->type == COL_STR) {
			json_set_text(j, c->json, v.s);
		} else if (v.present) {
			json_t *jv = json_of_value(c, &v);

			/* NULL: a time the schema's type cannot show, left out as if unknown. */
			if (jv)
				set_path(j, c->json, jv);
		}
	}
	for (size_t i = 0; i < o->nholders; i++) {
		const struct ipc_holder *h = &o->holders[i];
		json_t *jh = json_pack("{s:I}", "pid", (json_int_t)h->pid);

		/* Built member by member: json_pack drops a whole holder whose command is no
		 * valid UTF-8, and so would let any process hide from the JSON by its name. */
		json_set_text(jh, "comm", h->comm);
		json_object_set_new(jh, "access", json_string(access_str(h->access)));
		if (h->nspid)
			json_object_set_new(jh, "nspid", json_integer(h->nspid));
		if (h->cont)
			json_set_text(jh, "container", h->cont->id);
		if (h->fd >= 0)
			json_object_set_new(jh, "fd", json_integer(h->fd));
		else
			json_object_set_new(jh, "fd", json_null());
		if (h->map)
			json_object_set_new(jh, "map", json_string(h->map));
		json_array_append_new(holders, jh);
	}
	json_object_set_new(j, "holders", holders);
	if (o->nwaiters) {
		json_t *waiters = json_array();

		for (size_t i = 0; i < o->nwaiters; i++)
			json_array_append_new(waiters, json_of_waiter(&o->waiters[i]));
		json_object_set_new(j, "waiters", waiters);
	}
	if (o->kind == KIND_SYSV_SEM && obj_ipc(o)->sems) {
		json_t *sems = json_array();

		for (int64_t i = 0; i < obj_ipc(o)->nsems; i++) {
			const struct sem_elem *e = &obj_ipc(o)->sems[i];
			json_t *je = json_pack("{s:I, s:i, s:i, s:i}", "num", (json_int_t)i, "value", e->value,
					       "ncount", e->ncount, "zcount", e->zcount);

			if (e->pid.pid > 0)
				json_object_set_new(je, "last", json_of_pid(&e->pid));
			json_array_append_new(sems, je);
		}
		json_object_set_new(j, "semaphores", sems);
	}
	if (o->kind == KIND_LOCK) {
		/* Processes blocked on the lock; the "->" lines without a pid only count. */
		json_t *blocked = json_array();

		for (size_t i = 0; i < obj_lock(o)->nblocked; i++)
			json_array_append_new(blocked, json_of_pid(&obj_lock(o)->blocked[i]));
		json_object_set_new(j, "blocked", blocked);
	}
	return j;
}

json_t *json_of_objects(struct ipc_object *const *objs, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_of_object(objs[i]));
	return a;
}

/* jansson integers are signed 64-bit; shmall's default is near 2^64. */
static json_t *json_u64(uint64_t v)
{
	return v <= INT64_MAX ? json_integer((json_int_t)v) : json_real((double)v);
}

json_t *json_of_limits(const struct snapshot *s)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->nlimits; i++) {
		const struct limit *l = &s->limits[i];
		json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "name", l->name, "group", l->group,
				      "description", l->descr, "unit", l->unit);

		if (l->source)
			json_object_set_new(j, "source", json_string(l->source));
		if (snapshot_limit_ns(s, l))
			json_object_set_new(j, "ns", json_integer((json_int_t)snapshot_limit_ns(s, l)));
		if (snapshot_limit_container(s, l))
			json_object_set_new(j, "container", json_of_container(snapshot_limit_container(s, l)));
		if (l->has_value)
			json_object_set_new(j, "value", json_u64(l->value));
		if (l->ceiling)
			json_object_set_new(j, "ceiling", json_true());
		if (l->has_used) {
			json_object_set_new(j, "used", json_u64(l->used));
			/* A ceiling bounds each object (msg_max each queue): no pool to use up. */
			if (l->has_value && l->value > 0 && !l->ceiling)
				json_object_set_new(j, "use_percent",
						    json_real((double)(long long)(1000.0 * (double)l->used /
										   (double)l->value + 0.5) / 10.0));
		}
		json_array_append_new(a, j);
	}
	return a;
}

json_t *json_of_container(const struct container *c)
{
	json_t *j = json_object();

	json_set_text(j, "runtime", c->runtime);
	json_set_text(j, "id", c->id);
	if (c->name[0])
		json_set_text(j, "name", c->name);
	if (c->pod[0])
		json_set_text(j, "pod", c->pod);
	return j;
}

/* Every namespace discovery found, with the namespaces of its first process beside it
 * (how a namespace of one type relates to the others) and its container. */
json_t *json_of_namespaces(const struct snapshot *s)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->nnss; i++) {
		const struct ns_info *n = &s->nss[i];
		const struct container *c = snapshot_container(s, n->container);
		json_t *j = json_object(), *peers = json_object();

		json_object_set_new(j, "type", json_string(ns_type_name(n->type)));
		json_object_set_new(j, "inode", json_integer((json_int_t)n->inode));
		json_object_set_new(j, "self", json_boolean(n->self));
		if (n->pid)
			json_object_set_new(j, "pid", json_integer(n->pid));
		json_object_set_new(j, "processes", json_integer(n->nprocs));
		if (n->type == NS_IPC || n->type == NS_MNT || n->type == NS_NET) /* those hold objects */
			json_object_set_new(j, "scanned", json_boolean(n->scanned));
		for (int t = 0; t < NS__COUNT; t++)
			if (n->peers[t])
				json_object_set_new(peers, ns_type_name((enum ns_type)t),
						    json_integer((json_int_t)n->peers[t]));
		json_object_set_new(j, "namespaces", peers);
		if (c)
			json_object_set_new(j, "container", json_of_container(c));
		json_array_append_new(a, j);
	}
	return a;
}

/* [{"cycle": [{"pid", "comm", "what", "waits_on"}, ...]}]: each process waits on the object
 * the next one holds, and the last on one the first holds. */
json_t *json_of_deadlocks(const struct snapshot *s)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->ndeadlocks; i++) {
		json_t *cycle = json_array();

		for (size_t k = 0; k < s->deadlocks[i].n; k++) {
			const struct deadlock_step *st = &s->deadlocks[i].steps[k];
			json_t *j = json_pack("{s:i}", "pid", (int)st->pid);

			json_set_text(j, "comm", st->comm);
			json_object_set_new(j, "what", json_string(st->what ? st->what : "?"));
			json_set_text(j, "waits_on", st->identity);
			json_array_append_new(cycle, j);
		}
		json_array_append_new(a, json_pack("{s:o}", "cycle", cycle));
	}
	return a;
}

json_t *json_document(const struct snapshot *s)
{
	char buf[40];
	json_t *errs = json_array(), *doc;

	for (size_t i = 0; i < s->nerrs; i++) {
		json_t *e = json_object();

		json_set_text(e, "source", s->errs[i].source);
		json_set_text(e, "message", s->errs[i].message);
		json_array_append_new(errs, e);
	}
	doc = json_pack("{s:s}", "schema", JSON_SCHEMA_ID);
	json_set_text(doc, "host", s->host);
	json_object_set_new(doc, "time", json_string(format_time_utc(s->time, buf, sizeof(buf))));
	json_object_set_new(doc, "errors", errs);
	if (s->procs_unread)
		json_object_set_new(doc, "unread_processes", json_integer((json_int_t)s->procs_unread));
	if (s->nnss)
		json_object_set_new(doc, "namespaces", json_of_namespaces(s));
	if (s->ndeadlocks)
		json_object_set_new(doc, "deadlocks", json_of_deadlocks(s));
	return doc;
}

struct dump_buf {
	char *p;
	size_t len, cap;
};

static int dump_to_buf(const char *s, size_t n, void *data)
{
	struct dump_buf *b = data;

	xgrow((void **)&b->p, &b->cap, b->len + n + 1, 1);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

static int dump_to_jsonw(const char *s, size_t n, void *data)
{
	jsonw_raw(data, s, n);
	return 0;
}

/* Flush the text to sink once it holds this much, when there is a sink. */
#define FLUSH_AT (64u << 10)

/* With a sink and this many objects, the objects' text is made on several threads
 * (collectors/parallel.h) while this one writes it out: blocks of RENDER_BLOCK objects, each
 * rendered into one of RENDER_RING writers by whichever thread takes it, and written out in
 * order, so the text is byte for byte one thread's. The writing thread renders too, when the
 * block it waits for has not been taken; a block is not taken until its writer has been
 * written out, so a few megabytes at most are held. The workers live for the whole array,
 * since a thread made for each few thousand objects starts after the writing thread has
 * taken most of them. An object's text depends on nothing but the object (the name caches
 * are locked: core/names.c). */
#define RENDER_PAR_MIN 4096
#define RENDER_BLOCK 256
#define RENDER_RING 16

struct render_block {
	struct jsonw w;
	bool done;              /* rendered, not yet written out */
};

struct render_pipe {
	struct ipc_object *const *objs;
	size_t n, nblocks;
	bool pretty;
	struct render_block ring[RENDER_RING];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t next;            /* the next block to take */
	size_t written;         /* blocks written out */
	bool stop;              /* the sink failed: take no more */
};

/* Element i of "objects", with what comes before it. */
static void render_element(struct jsonw *w, struct ipc_object *const *objs, size_t i, bool pretty)
{
	if (i)
		jsonw_raw(w, ",", 1);
	if (pretty)
		jsonw_raw(w, "\n    ", 5);
	json_emit_object(w, objs[i]);
}

/* Block k into its writer; called with the lock held, returns with it held. */
static void render_block(struct render_pipe *p, size_t k)
{
	struct render_block *b = &p->ring[k % RENDER_RING];
	size_t first = k * RENDER_BLOCK, end = first + RENDER_BLOCK < p->n ? first + RENDER_BLOCK : p->n;

	pthread_mutex_unlock(&p->mu);
	b->w.len = 0;
	for (size_t i = first; i < end; i++)
		render_element(&b->w, p->objs, i, p->pretty);
	pthread_mutex_lock(&p->mu);
	b->done = true;
	pthread_cond_broadcast(&p->cv);
}

/* Whether a block may be taken now: there is one left and its writer is free. */
static bool can_take(const struct render_pipe *p)
{
	return !p->stop && p->next < p->nblocks && p->next < p->written + RENDER_RING;
}

static void render_worker(size_t i, void *arg)
{
	struct render_pipe *p = arg;

	(void)i;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!can_take(p) && !p->stop && p->next < p->nblocks)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!can_take(p))
			break;
		render_block(p, p->next++);
	}
	pthread_mutex_unlock(&p->mu);
}

/* The elements of "objects" into sink, after what w holds; w is left empty. */
static int render_parallel(struct ipc_object *const *objs, size_t n, size_t flags, bool pretty,
			   struct jsonw *w, FILE *sink)
{
	struct render_pipe p = {.objs = objs, .n = n, .pretty = pretty,
				.nblocks = (n + RENDER_BLOCK - 1) / RENDER_BLOCK};
	unsigned workers = par_threads() - 1;
	struct par_task *task;
	int rc = 0;

	for (size_t k = 0; k < RENDER_RING; k++)
		jsonw_init(&p.ring[k].w, flags, pretty ? 4 : 0);
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	if (jsonw_flush(w, sink) < 0)
		rc = -EIO;
	task = par_background(workers, render_worker, &p);
	pthread_mutex_lock(&p.mu);
	for (size_t k = 0; rc == 0 && k < p.nblocks; k++) {
		struct render_block *b = &p.ring[k % RENDER_RING];

		while (!b->done) {
			if (can_take(&p))
				render_block(&p, p.next++);
			else
				pthread_cond_wait(&p.cv, &p.mu);
		}
		pthread_mutex_unlock(&p.mu);
		if (jsonw_flush(&b->w, sink) < 0)
			rc = -EIO;
		pthread_mutex_lock(&p.mu);
		b->done = false;
		p.written++;
		pthread_cond_broadcast(&p.cv);
	}
	p.stop = true;
	pthread_cond_broadcast(&p.cv);
	pthread_mutex_unlock(&p.mu);
	par_wait(task);
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	for (size_t k = 0; k < RENDER_RING; k++)
		jsonw_release(&p.ring[k].w);
	return rc;
}

/* The document into w; with a sink, written out as it grows (w then holds the tail). The
 * frame is small and dumped by jansson; the objects, which are the time, are written by
 * the streaming writer (render/json_emit.h), each as an element of the array. */
static int render_objects(json_t *frame, struct ipc_object *const *objs, size_t n, size_t flags,
			  struct jsonw *w, FILE *sink)
{
	bool pretty = (flags & JSON_MAX_INDENT) != 0;

	/* An element of "objects" sits two levels deep: its lines are indented by two more
	 * levels than jansson's own dump of it would be (the old path added four blanks). */
	jsonw_init(w, flags, pretty ? 4 : 0);
	/* The frame without its closing brace, then the array member by member. */
	if (json_dump_callback(frame, dump_to_jsonw, w, flags) < 0 || w->len < 1 ||
	    w->p[w->len - 1] != '}')
		goto fail;
	w->len--;
	while (w->len && (w->p[w->len - 1] == '\n' || w->p[w->len - 1] == ' '))
		w->len--;
	if (w->len && w->p[w->len - 1] != '{')
		jsonw_raw(w, ",", 1);
	if (pretty)
		jsonw_raw(w, "\n  \"objects\": [", 15);
	else
		jsonw_raw(w, "\"objects\":[", 11);
	if (sink && n >= RENDER_PAR_MIN && par_threads() > 1) {
		if (render_parallel(objs, n, flags, pretty, w, sink) < 0)
			goto fail;
	} else {
		for (size_t i = 0; i < n; i++) {
			render_element(w, objs, i, pretty);
			if (sink && w->len >= FLUSH_AT && jsonw_flush(w, sink) < 0)
				goto fail;
		}
	}
	if (pretty)
		jsonw_raw(w, n ? "\n  ]\n}" : "]\n}", n ? 6 : 3);
	else
		jsonw_raw(w, "]}", 2);
	return 0;
fail:
	jsonw_release(w);
	return -EIO;
}

char *json_render_objects(json_t *frame, struct ipc_object *const *objs, size_t n, size_t flags,
			  size_t *len)
{
	struct jsonw w;

	if (render_objects(frame, objs, n, flags, &w, NULL) < 0)
		return NULL;
	*len = w.len;
	jsonw_raw(&w, "", 1); /* NUL, not counted */
	return w.p;
}

/* Written as it is made: 100,000 objects never sit in memory as text. */
int json_print_objects(FILE *out, json_t *frame, struct ipc_object *const *objs, size_t n)
{
	struct jsonw w;
	int rc = render_objects(frame, objs, n, JSON_OUT_PRETTY, &w, out);

	if (rc == 0) {
		jsonw_raw(&w, "\n", 1);
		rc = jsonw_flush(&w, out);
		jsonw_release(&w);
	}
	if (rc == 0 && fflush(out) == EOF)
		rc = -EIO;
	return rc;
}

/* jansson writes one token at a time; through stdio that is a call per token, which was a
 * quarter of `list -J`'s time with 68,000 objects. One buffer, one write. */
int json_print(FILE *out, json_t *doc)
{
	struct dump_buf b = {0};
	int rc = 0;

	if (json_dump_callback(doc, dump_to_buf, &b, JSON_OUT_PRETTY) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	dump_to_buf("\n", 1, &b);
	if (fwrite(b.p, 1, b.len, out) != b.len || fflush(out) == EOF)
		rc = -EIO;
out:
	free(b.p);
	return rc;
}
