/* state.c - one snapshot rendered once: the objects body with a slice per object, the
 * limits and metrics bodies, an identity index, and the event that announces the state. */
#include "http/state.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <microhttpd.h>

#include "core/columns.h"
#include "core/kinds.h"
#include "core/util.h"
#include "http/digest.h"
#include "http/reply.h"
#include "render/json.h"
#include "render/json_emit.h"

#define JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)

uint64_t http_hash(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void format_etag(char etag[24], uint64_t h)
{
	snprintf(etag, 24, "W/\"%016" PRIx64 "\"", h);
}

/* The document frame as compact JSON and the hash of the same frame with its time blanked:
 * two scans that found the same things give the same ETag though their times differ, which
 * is what a weak ETag promises ("semantically equivalent"). */
static char *frame_dump(json_t *doc, uint64_t *hash)
{
	char *nt, *s = json_dumps(doc, JSON_FLAGS);

	json_object_set_new(doc, "time", json_string(""));
	nt = json_dumps(doc, JSON_FLAGS);
	*hash = nt ? http_hash(HASH_INIT, nt, strlen(nt)) : 0;
	free(nt);
	return s;
}

/* The document frame of the objects body, made while the snapshot is there (it is gone
 * once the state is built) and kept until the body is rendered. */
static int render_frame(struct http_state *st)
{
	json_t *doc = json_document(st->snap);
	size_t flen;

	json_object_set_new(doc, "objects", json_array());
	st->frame = frame_dump(doc, &st->frame_hash);
	json_decref(doc);
	if (!st->frame)
		return -ENOMEM;
	flen = strlen(st->frame);
	/* With the key order kept, the frame ends in "objects":[]} and the objects go between. */
	if (flen < 3 || strcmp(st->frame + flen - 3, "[]}"))
		return -EINVAL;
	st->head_len = flen - 2;
	return 0;
}

/* Render doc (consumed) into b, with the weak ETag of the document without its time. */
static int render_doc(json_t *doc, struct http_body *b)
{
	char etag[24], *s;
	uint64_t h;

	s = frame_dump(doc, &h);
	json_decref(doc);
	if (!s)
		return -ENOMEM;
	format_etag(etag, h);
	return reply_body_init(b, s, strlen(s), TYPE_JSON, etag);
}

static int render_limits(struct http_state *st)
{
	json_t *doc = json_document(st->snap);

	json_object_set_new(doc, "limits", json_of_limits(st->snap));
	return render_doc(doc, &st->limits);
}

/* Every namespace, with an empty list when discovery did not run (a --root tree). */
static int render_namespaces(struct http_state *st)
{
	json_t *doc = json_document(st->snap);

	json_object_set_new(doc, "namespaces", json_of_namespaces(st->snap));
	return render_doc(doc, &st->namespaces);
}

static int render_metrics(struct http_state *st, const struct prom_stats *stats)
{
	struct prom_stats ps = stats ? *stats : (struct prom_stats){0};
	char etag[24], *s = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	ps.stale = st->stale;
	f = open_memstream(&s, &len);
	if (!f)
		return -errno;
	rc = prom_render(f, st->snap, &ps);
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	if (rc < 0) {
		free(s);
		return rc;
	}
	s = xrealloc(s, len + 1); /* open_memstream grows by doubling */
	format_etag(etag, http_hash(HASH_INIT, s, len));
	return reply_body_init(&st->metrics, s, len, TYPE_PROM, etag);
}

/* Each object's stale rule, once per snapshot, with the evidence of the stale ones as
 * {"older_than", "stale": [{"identity", "kind", "evidence"}]} in the document frame. */
static int render_stale(struct http_state *st, const struct stale_ctx *rules)
{
	struct stale_ctx sc = *rules;
	json_t *doc = json_document(st->snap), *list = json_array();

	sc.now = st->snap->time;
	sc.holders_complete = st->snap->holders_complete;
	st->stale = xcalloc(st->snap->nobjs ? st->snap->nobjs : 1, sizeof(*st->stale));
	for (size_t i = 0; i < st->snap->nobjs; i++) {
		const struct ipc_object *o = st->snap->objs[i];
		struct evidence ev;

		/* The verdict alone first: the reasons are worded only for the few that are
		 * stale, not for each of thousands of objects at every scan. */
		st->stale[i] = object_is_stale(o, &sc, NULL);
		if (st->stale[i]) {
			json_t *item = json_object();

			object_is_stale(o, &sc, &ev);
			json_set_text(item, "identity", o->identity);
			json_object_set_new(item, "kind", json_string(kind_name(o->kind)));
			json_set_text(item, "evidence", ev.text);
			json_array_append_new(list, item);
		}
	}
	json_object_set_new(doc, "older_than", json_integer((json_int_t)sc.older_than));
	json_object_set_new(doc, "stale", list);
	return render_doc(doc, &st->stale_list);
}

/* Index of c in the state's containers, -1 for none (as snapshot_container_index). */
static int container_index(const struct http_state *st, const struct container *c)
{
	uintptr_t base = (uintptr_t)st->conts, p = (uintptr_t)c, size = sizeof(*st->conts);

	if (!c || !base || p < base || p >= base + st->nconts * size || (p - base) % size)
		return -1;
	return (int)((p - base) / size);
}

/* The filter fields of every object, identities and pids in two pools. The pids are
 * those filter_match() asks about: creator, last attach/send/receive, notification,
 * semaphore operations, holders. */
static void build_objs(struct http_state *st)
{
	size_t idlen = 0, npids = 0, idoff = 0, poff = 0;

	for (size_t i = 0; i < st->nobjs; i++) {
		const struct ipc_object *o = st->full[i];

		idlen += strlen(o->identity) + 1;
		npids += 5 + o->nholders + (obj_ipc(o)->sems && obj_ipc(o)->nsems > 0 ? (size_t)obj_ipc(o)->nsems : 0);
	}
	st->objs = xcalloc(st->nobjs ? st->nobjs : 1, sizeof(*st->objs));
	st->id_pool = xmalloc(idlen ? idlen : 1);
	st->pid_pool = xmalloc((npids ? npids : 1) * sizeof(*st->pid_pool));
	for (size_t i = 0; i < st->nobjs; i++) {
		const struct ipc_object *o = st->full[i];
		const struct pid_ref *refs[] = {&obj_ipc(o)->cpid, &obj_ipc(o)->lpid, &obj_ipc(o)->lspid, &obj_ipc(o)->lrpid, &obj_ipc(o)->notify_pid};
		struct http_obj *h = &st->objs[i];
		size_t n = strlen(o->identity) + 1;

		memcpy(st->id_pool + idoff, o->identity, n);
		h->identity = st->id_pool + idoff;
		idoff += n;
		h->kind = o->kind;
		h->has_owner = o->has_owner;
		h->uid = o->uid;
		h->has_creator_ids = obj_ipc(o)->has_creator_ids;
		h->cuid = obj_ipc(o)->cuid;
		h->ns = o->ns;
		h->cont = container_index(st, o->cont);
		h->pid_off = (uint32_t)poff;
		for (size_t r = 0; r < ARRAY_SIZE(refs); r++)
			if (refs[r]->pid > 0)
				st->pid_pool[poff++] = refs[r]->pid;
		for (int64_t k = 0; obj_ipc(o)->sems && k < obj_ipc(o)->nsems; k++)
			if (obj_ipc(o)->sems[k].pid.pid > 0)
				st->pid_pool[poff++] = obj_ipc(o)->sems[k].pid.pid;
		for (size_t k = 0; k < o->nholders; k++)
			st->pid_pool[poff++] = o->holders[k].pid;
		h->npids = (uint32_t)(poff - h->pid_off);
	}
}

bool http_state_match(const struct http_state *st, size_t i, const struct filter *f)
{
	const struct http_obj *o = &st->objs[i];
	bool found = false;

	if (f->kinds && !(f->kinds & KIND_BIT(o->kind)))
		return false;
	if (f->has_uid && !((o->has_owner && o->uid == f->uid) || (o->has_creator_ids && o->cuid == f->uid)))
		return false;
	if (!f->has_pid)
		return true;
	for (uint32_t k = 0; k < o->npids && !found; k++)
		found = st->pid_pool[o->pid_off + k] == f->pid;
	return found;
}

/* As -N takes a container (collectors/scan.c): a prefix of its id or of its name. */
static bool container_prefix(const struct container *c, const char *prefix)
{
	size_t n = strlen(prefix);

	return (c->id[0] && !strncmp(c->id, prefix, n)) || (c->name[0] && !strncmp(c->name, prefix, n));
}

bool *http_state_match_ns(const struct http_state *st, const struct http_ns_filter *nf)
{
	bool *conts, *out, none = nf->container && !strcmp(nf->container, "-");

	if (!nf->has_ns && !nf->container)
		return NULL;
	conts = xcalloc(st->nconts ? st->nconts : 1, sizeof(*conts));
	for (size_t c = 0; nf->container && !none && c < st->nconts; c++)
		conts[c] = container_prefix(&st->conts[c], nf->container);
	out = xcalloc(st->nobjs ? st->nobjs : 1, sizeof(*out));
	for (size_t i = 0; i < st->nobjs; i++) {
		const struct http_obj *o = &st->objs[i];

		out[i] = (!nf->has_ns || o->ns == nf->ns) &&
			 (!nf->container || (none ? o->cont < 0 : o->cont >= 0 && conts[o->cont]));
	}
	free(conts);
	return out;
}

static void build_index(struct http_state *st)
{
	size_t cap = 16;

	while (cap < st->nobjs * 2)
		cap *= 2;
	st->ident_cap = cap;
	st->ident_ht = xcalloc(cap, sizeof(*st->ident_ht));
	for (size_t i = 0; i < st->nobjs; i++) {
		const char *id = st->objs[i].identity;
		size_t slot = http_hash(HASH_INIT, id, strlen(id)) & (cap - 1);

		while (st->ident_ht[slot])
			slot = (slot + 1) & (cap - 1);
		st->ident_ht[slot] = (uint32_t)(i + 1);
	}
}

long http_state_find(const struct http_state *st, const char *identity)
{
	size_t slot;

	if (!st || !st->ident_cap)
		return -1;
	slot = http_hash(HASH_INIT, identity, strlen(identity)) & (st->ident_cap - 1);
	while (st->ident_ht[slot]) {
		size_t i = st->ident_ht[slot] - 1;

		if (!strcmp(st->objs[i].identity, identity))
			return (long)i;
		slot = (slot + 1) & (st->ident_cap - 1);
	}
	return -1;
}

/* Index of st's object i (whose identity is id) in prev, or -1. Objects come in the
 * kernel's order, which a scan seldom changes: the same place is tried before the hash. */
static long find_prev(const struct http_state *prev, size_t i, const char *id)
{
	if (!prev)
		return -1;
	if (i < prev->nobjs && !strcmp(prev->objs[i].identity, id))
		return (long)i;
	return http_state_find(prev, id);
}

static bool objects_ready(const struct http_state *st)
{
	return atomic_load_explicit(&st->rendered, memory_order_acquire);
}

/* The objects body and the slices. prev, when its objects are rendered, lends the bytes
 * of every object whose inputs did not change. Called once per state, by whoever needs the
 * body first (see http_state_objects). */
static int render_objects(struct http_state *st, const struct http_state *prev)
{
	struct jsonw w;
	uint64_t h;
	char etag[24], *body;
	int rc;

	if (prev && !objects_ready(prev))
		prev = NULL;
	if (!st->objs) {
		build_objs(st);
		build_index(st);
	}
	/* Each object is written by the streaming writer (render/json_emit.h), the same bytes
	 * json_dumps of json_of_object gives with these flags, at a fraction of the cost.
	 * Sized from the last body, so that growing by doubling does not leave a body of 5 MB
	 * in a buffer of 8; trimmed to fit at the end. */
	jsonw_init(&w, JSON_FLAGS, 0);
	jsonw_reserve(&w, prev && prev->objects.len ? prev->objects.len + prev->objects.len / 16 :
		      st->head_len + 2 + st->nobjs * 1024);
	jsonw_raw(&w, st->frame, st->head_len);

	h = st->frame_hash;
	free(st->slices); /* of an attempt that failed */
	st->slices = xcalloc(st->nobjs ? st->nobjs : 1, sizeof(*st->slices));
	for (size_t i = 0; i < st->nobjs; i++) {
		const struct ipc_object *o = st->full[i];
		struct obj_slice *sl = &st->slices[i];
		long j = find_prev(prev, i, o->identity);

		if (i)
			jsonw_raw(&w, ",", 1);
		sl->off = w.len;
		sl->input = http_object_digest(o);
		if (j >= 0 && prev->slices[j].input == sl->input) {
			/* Unchanged since the last scan: its bytes as they were. */
			jsonw_raw(&w, prev->objects.data + prev->slices[j].off, prev->slices[j].len);
			sl->len = prev->slices[j].len;
			sl->digest = prev->slices[j].digest;
		} else {
			json_emit_object(&w, o);
			sl->len = w.len - sl->off;
			sl->digest = http_hash(HASH_INIT, w.p + sl->off, sl->len);
		}
		h = http_hash(h, &sl->digest, sizeof(sl->digest));
	}
	jsonw_raw(&w, "]}", 2);
	body = xrealloc(w.p, w.len);
	format_etag(etag, h);
	rc = reply_body_init(&st->objects, body, w.len, TYPE_JSON, etag);
	if (rc < 0)
		return rc;
	free(st->frame);
	st->frame = NULL;
	atomic_store_explicit(&st->rendered, true, memory_order_release);
	return 0;
}

int http_state_objects(const struct http_state *cst)
{
	/* Rendering on first need is a cache: what the state answers does not change, only
	 * when its bytes are made. The lock makes it once. */
	struct http_state *st = (struct http_state *)cst;
	int rc = 0;

	if (objects_ready(st))
		return 0;
	pthread_mutex_lock(&st->render_lock);
	if (!objects_ready(st))
		rc = render_objects(st, NULL);
	pthread_mutex_unlock(&st->render_lock);
	return rc;
}

/* The SSE message for st: what appeared, changed (its JSON differs) and vanished since
 * prev, with the per-kind totals the dashboard draws its sparklines from. */
static int build_event(struct http_state *st, const struct http_state *prev)
{
	json_t *ev, *appeared = json_array(), *changed = json_array(), *vanished = json_array();
	json_t *totals = json_object();
	char tbuf[40], *data;

	for (size_t i = 0; i < st->nobjs; i++) {
		const char *id = st->objs[i].identity;
		long j = find_prev(prev, i, id);

		if (j < 0)
			json_array_append_new(appeared, json_text(id));
		else if (prev->slices[j].digest != st->slices[i].digest)
			json_array_append_new(changed, json_text(id));
	}
	for (size_t i = 0; prev && i < prev->nobjs; i++)
		if (find_prev(st, i, prev->objs[i].identity) < 0)
			json_array_append_new(vanished, json_text(prev->objs[i].identity));
	for (int k = 0; k < KIND__COUNT; k++)
		json_object_set_new(totals, kind_name((enum ipc_kind)k),
				    json_pack("{s:I, s:I}", "count", (json_int_t)st->totals[k].count,
					      "bytes", (json_int_t)st->totals[k].bytes));
	ev = json_pack("{s:I, s:s, s:I, s:I, s:o, s:o, s:o, s:o}", "seq", (json_int_t)st->seq, "time",
		       format_time_utc(st->time, tbuf, sizeof(tbuf)), "objects",
		       (json_int_t)st->nobjs, "errors", (json_int_t)st->nerrs, "appeared",
		       appeared, "changed", changed, "vanished", vanished, "totals", totals);
	data = ev ? json_dumps(ev, JSON_FLAGS) : NULL;
	json_decref(ev);
	if (!data)
		return -ENOMEM;
	st->event = xasprintf("id: %" PRIu64 "\nevent: snapshot\ndata: %s\n\n", st->seq, data);
	st->event_len = strlen(st->event);
	free(data);
	return 0;
}

int http_state_build(struct snapshot *snap, const struct http_state *prev, uint64_t seq,
		     const struct prom_stats *stats, const struct stale_ctx *rules, bool objects,
		     struct http_state **out)
{
	struct http_state *st = xcalloc(1, sizeof(*st));
	int rc;

	atomic_init(&st->refs, 1);
	atomic_init(&st->rendered, false);
	st->seq = seq;
	st->snap = snap;
	st->time = snap->time;
	st->scan_ns = snap->scan_ns;
	st->nerrs = snap->nerrs;
	pthread_mutex_init(&st->render_lock, NULL);
	pthread_mutex_init(&st->objects.gz_lock, NULL);
	pthread_mutex_init(&st->limits.gz_lock, NULL);
	pthread_mutex_init(&st->metrics.gz_lock, NULL);
	pthread_mutex_init(&st->history.gz_lock, NULL);
	pthread_mutex_init(&st->stale_list.gz_lock, NULL);
	pthread_mutex_init(&st->namespaces.gz_lock, NULL);
	for (size_t i = 0; i < snap->nobjs; i++) {
		const struct ipc_object *o = snap->objs[i];

		st->totals[o->kind].count++;
		st->totals[o->kind].bytes += (uint64_t)object_bytes(o);
	}
	/* The objects and their containers, in the snapshot's order; the state takes them
	 * over below. */
	st->full = snap->objs;
	st->nobjs = snap->nobjs;
	st->conts = snap->containers;
	st->nconts = snap->ncontainers;
	rc = render_stale(st, rules);
	if (rc == 0)
		rc = render_frame(st);
	/* The event compares the JSON of both states: prev's is rendered now if it was not.
	 * It is the current state, which a request may be rendering too: hence the lock. */
	if (rc == 0 && objects && prev)
		rc = http_state_objects(prev);
	if (rc == 0 && objects)
		rc = render_objects(st, prev);
	if (rc == 0)
		rc = render_limits(st);
	if (rc == 0)
		rc = render_namespaces(st);
	if (rc == 0)
		rc = render_metrics(st, stats);
	if (rc == 0 && objects)
		rc = build_event(st, prev);
	/* Everything the routes need is rendered or indexed, or taken over (the objects and
	 * their containers, for ?q= and for the objects body when it is made later): the rest
	 * of the snapshot can go. */
	st->snap = NULL;
	snap->objs = NULL;
	snap->nobjs = snap->objs_cap = 0;
	snap->containers = NULL;
	snap->ncontainers = snap->containers_cap = 0;
	snapshot_release(snap);
	if (rc < 0) {
		http_state_put(st);
		return rc;
	}
	*out = st;
	return 0;
}

int http_state_new(struct snapshot *snap, const struct http_state *prev, uint64_t seq,
		   const struct prom_stats *stats, const struct stale_ctx *rules,
		   struct http_state **out)
{
	return http_state_build(snap, prev, seq, stats, rules, true, out);
}

struct http_state *http_state_get(struct http_state *st)
{
	atomic_fetch_add(&st->refs, 1);
	return st;
}

void http_state_put(struct http_state *st)
{
	if (!st || atomic_fetch_sub(&st->refs, 1) != 1)
		return;
	reply_body_release(&st->objects);
	reply_body_release(&st->limits);
	reply_body_release(&st->metrics);
	reply_body_release(&st->history);
	reply_body_release(&st->stale_list);
	reply_body_release(&st->namespaces);
	pthread_mutex_destroy(&st->objects.gz_lock);
	pthread_mutex_destroy(&st->limits.gz_lock);
	pthread_mutex_destroy(&st->metrics.gz_lock);
	pthread_mutex_destroy(&st->history.gz_lock);
	pthread_mutex_destroy(&st->stale_list.gz_lock);
	pthread_mutex_destroy(&st->namespaces.gz_lock);
	pthread_mutex_destroy(&st->render_lock);
	for (size_t i = 0; st->full && i < st->nobjs; i++)
		object_free(st->full[i]);
	free(st->full);
	free(st->objs);
	free(st->conts);
	free(st->id_pool);
	free(st->pid_pool);
	free(st->slices);
	free(st->ident_ht);
	free(st->stale);
	free(st->event);
	free(st->frame);
	free(st);
}

char *http_state_select(const struct http_state *st, const size_t *sel, size_t n, size_t *lenp,
			char etag[24])
{
	const char *src = st->objects.data;
	size_t len = st->head_len + 2, off;
	uint64_t h = st->frame_hash;
	char *out;

	for (size_t i = 0; i < n; i++)
		len += st->slices[sel[i]].len + 1;
	out = xmalloc(len);
	memcpy(out, src, st->head_len);
	off = st->head_len;
	for (size_t i = 0; i < n; i++) {
		const struct obj_slice *sl = &st->slices[sel[i]];

		if (i)
			out[off++] = ',';
		memcpy(out + off, src + sl->off, sl->len);
		off += sl->len;
		h = http_hash(h, &sl->digest, sizeof(sl->digest));
	}
	memcpy(out + off, "]}", 2);
	off += 2;
	format_etag(etag, h);
	*lenp = off;
	return out;
}
