/* prom.c - Prometheus text format. Every family gets its HELP and TYPE line and all its
 * samples together, which is what `promtool check metrics` asks for; every kind is listed
 * even when it has no object, so that a series does not vanish when the last queue does.
 * The per-kind totals are per container too (see struct groups). */
#include "render/prom.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/kinds.h"
#include "core/util.h"

int64_t object_bytes(const struct ipc_object *o)
{
	if (o->rqueue >= 0 || o->wqueue >= 0)
		return (o->rqueue > 0 ? o->rqueue : 0) + (o->wqueue > 0 ? o->wqueue : 0);
	if (o->blocks >= 0)
		return o->blocks;
	if (o->nattch >= 0)
		return o->size > 0 ? o->size : 0;
	if (o->used_bytes >= 0)
		return o->used_bytes;
	return 0;
}

/* A label value with \, " and newline escaped as the format wants. */
static void put_label(FILE *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			fputs("\\\\", out);
		else if (*v == '"')
			fputs("\\\"", out);
		else if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The container label of the per-kind totals: "" for objects in no container, else the
 * container's short id. A series is per label value, not per container, so that two
 * containers of one short id (an lxc and an nspawn machine of one name) add up instead of
 * giving two samples of one label set. Every container discovery found has its series,
 * objects or not, so that a series does not come and go with a container's last queue. */
struct groups {
	char (*label)[sizeof(((struct container *)0)->id)];
	size_t n;
	size_t *of;          /* index in snapshot containers -> group */
};

static void groups_init(struct groups *g, const struct snapshot *s)
{
	g->label = xcalloc(s->ncontainers + 1, sizeof(*g->label));
	g->of = xcalloc(s->ncontainers + 1, sizeof(*g->of));
	g->n = 1; /* label[0] is "" */
	for (size_t i = 0; i < s->ncontainers; i++) {
		size_t k = 0;

		container_short_id(&s->containers[i], g->label[g->n], sizeof(g->label[g->n]));
		while (strcmp(g->label[k], g->label[g->n]))
			k++;
		if (k == g->n)
			g->n++;
		g->of[i] = k;
	}
}

static size_t group_of(const struct groups *g, const struct snapshot *s, const struct container *c)
{
	int i = snapshot_container_index(s, c);

	return i < 0 ? 0 : g->of[i];
}

/* One gauge sample per container label and kind, from per-group arrays of per-kind values. */
static void per_kind(FILE *out, const char *name, const char *help, const struct groups *g,
		     const uint64_t (*v)[KIND__COUNT])
{
	family(out, name, "gauge", help);
	for (size_t i = 0; i < g->n; i++)
		for (int k = 0; k < KIND__COUNT; k++) {
			fprintf(out, "%s{kind=\"%s\",container=\"", name, kind_name((enum ipc_kind)k));
			put_label(out, g->label[i]);
			fprintf(out, "\"} %" PRIu64 "\n", v[i][k]);
		}
}

/* The labels that tell one namespace's limit from another's: its inode and container. */
static void limit_labels(FILE *out, const struct snapshot *s, const struct limit *l)
{
	const struct container *c = snapshot_limit_container(s, l);
	uint64_t ns = snapshot_limit_ns(s, l);
	char id[sizeof(c->id)] = "";

	if (ns)
		fprintf(out, ",ns=\"%" PRIu64 "\"", ns);
	else
		fputs(",ns=\"\"", out);
	if (c)
		container_short_id(c, id, sizeof(id));
	fputs(",container=\"", out);
	put_label(out, id);
	fputc('"', out);
}

/* Limits are per IPC or mount namespace: each sample carries the namespace it is of, or
 * two namespaces would give two samples of one label set. */
static void limits(FILE *out, const struct snapshot *s)
{
	family(out, "ipcscope_limit", "gauge", "Kernel IPC limit, in the unit the unit label names.");
	for (size_t i = 0; i < s->nlimits; i++) {
		const struct limit *l = &s->limits[i];

		if (!l->has_value)
			continue;
		fprintf(out, "ipcscope_limit{name=\"%s\",kind=\"%s\",unit=\"%s\"", l->name, l->group, l->unit);
		limit_labels(out, s, l);
		fprintf(out, "} %" PRIu64 "\n", l->value);
	}
	family(out, "ipcscope_limit_used", "gauge", "How much of each kernel IPC limit is in use.");
	for (size_t i = 0; i < s->nlimits; i++) {
		const struct limit *l = &s->limits[i];

		if (!l->has_used)
			continue;
		fprintf(out, "ipcscope_limit_used{name=\"%s\",kind=\"%s\",unit=\"%s\"", l->name, l->group, l->unit);
		limit_labels(out, s, l);
		fprintf(out, "} %" PRIu64 "\n", l->used);
	}
	family(out, "ipcscope_limit_use_ratio", "gauge", "Use of each kernel IPC limit, 0 to 1.");
	for (size_t i = 0; i < s->nlimits; i++) {
		const struct limit *l = &s->limits[i];

		if (!l->has_used || !l->has_value || l->value == 0)
			continue;
		fprintf(out, "ipcscope_limit_use_ratio{name=\"%s\",kind=\"%s\"", l->name, l->group);
		limit_labels(out, s, l);
		fprintf(out, "} %.6g\n", (double)l->used / (double)l->value);
	}
}

/* A gauge with one sample per object that has the field (have() true), labelled by kind
 * and identity under the label name lname. */
static void per_object(FILE *out, const struct snapshot *s, const char *name, const char *lname,
		       const char *help, bool (*have)(const struct ipc_object *),
		       int64_t (*get)(const struct ipc_object *))
{
	family(out, name, "gauge", help);
	for (size_t i = 0; i < s->nobjs; i++) {
		const struct ipc_object *o = s->objs[i];

		if (!have(o))
			continue;
		fprintf(out, "%s{kind=\"%s\",%s=\"", name, kind_name(o->kind), lname);
		put_label(out, o->identity);
		fprintf(out, "\"} %" PRId64 "\n", get(o));
	}
}

static bool is_queue(const struct ipc_object *o)
{
	return o->messages >= 0;
}

static bool is_segment(const struct ipc_object *o)
{
	return o->nattch >= 0;
}

static int64_t get_messages(const struct ipc_object *o)
{
	return o->messages;
}

static int64_t get_used(const struct ipc_object *o)
{
	return o->used_bytes > 0 ? o->used_bytes : 0;
}

static int64_t get_capacity(const struct ipc_object *o)
{
	return o->size > 0 ? o->size : 0;
}

static int64_t get_nattch(const struct ipc_object *o)
{
	return o->nattch;
}

int prom_render(FILE *out, const struct snapshot *s, const struct prom_stats *st)
{
	struct groups g;
	uint64_t (*count)[KIND__COUNT], (*bytes)[KIND__COUNT], (*holders)[KIND__COUNT];
	uint64_t (*partial)[KIND__COUNT], (*stale)[KIND__COUNT], (*waiters)[KIND__COUNT];

	groups_init(&g, s);
	count = xcalloc(g.n, sizeof(*count));
	bytes = xcalloc(g.n, sizeof(*bytes));
	holders = xcalloc(g.n, sizeof(*holders));
	partial = xcalloc(g.n, sizeof(*partial));
	stale = xcalloc(g.n, sizeof(*stale));
	waiters = xcalloc(g.n, sizeof(*waiters));
	for (size_t i = 0; i < s->nobjs; i++) {
		const struct ipc_object *o = s->objs[i];
		size_t c = group_of(&g, s, o->cont);

		count[c][o->kind]++;
		bytes[c][o->kind] += (uint64_t)object_bytes(o);
		holders[c][o->kind] += o->nholders;
		waiters[c][o->kind] += o->nwaiters;
		if (o->flags & OBJ_PARTIAL)
			partial[c][o->kind]++;
		if (st && st->stale && st->stale[i])
			stale[c][o->kind]++;
	}
	per_kind(out, "ipcscope_objects", "IPC objects found by the last scan.", &g, count);
	per_kind(out, "ipcscope_object_bytes",
		 "Bytes the objects hold: queued bytes, segment or file size, socket queues.", &g, bytes);
	per_kind(out, "ipcscope_holders", "File descriptors and mappings through which processes hold objects.",
		 &g, holders);
	per_kind(out, "ipcscope_partial_objects", "Objects some fields of which could not be read.", &g, partial);
	per_kind(out, "ipcscope_waiters", "Threads asleep waiting on objects (receive, send, lock, read...).",
		 &g, waiters);
	if (st && st->stale)
		per_kind(out, "ipcscope_stale_objects", "Objects the stale rules of `ipcscope clean` would remove.",
			 &g, stale);
	free(count);
	free(bytes);
	free(holders);
	free(partial);
	free(stale);
	free(waiters);
	free(g.label);
	free(g.of);
	limits(out, s);
	per_object(out, s, "ipcscope_queue_messages", "queue", "Messages waiting in each message queue.",
		   is_queue, get_messages);
	per_object(out, s, "ipcscope_queue_bytes", "queue", "Bytes waiting in each message queue.", is_queue,
		   get_used);
	per_object(out, s, "ipcscope_queue_capacity_bytes", "queue", "Capacity of each message queue in bytes.",
		   is_queue, get_capacity);
	per_object(out, s, "ipcscope_shm_nattch", "segment",
		   "Processes attached to each System V shared memory segment.", is_segment, get_nattch);

	family(out, "ipcscope_deadlocks", "gauge",
	       "Cycles of processes each waiting on an object the next holds (flock, OFD locks, pipes).");
	fprintf(out, "ipcscope_deadlocks %zu\n", s->ndeadlocks);
	family(out, "ipcscope_scan_duration_seconds", "gauge", "How long the last scan took.");
	fprintf(out, "ipcscope_scan_duration_seconds %.6f\n", (double)s->scan_ns / 1e9);
	family(out, "ipcscope_scan_timestamp_seconds", "gauge", "When the last scan began, seconds since the epoch.");
	fprintf(out, "ipcscope_scan_timestamp_seconds %" PRId64 "\n", s->time);
	family(out, "ipcscope_scan_errors", "gauge", "Errors the last scan met (unreadable sources).");
	fprintf(out, "ipcscope_scan_errors %zu\n", s->nerrs);
	if (st) {
		family(out, "ipcscope_scans_total", "counter", "Scans completed since the server started.");
		fprintf(out, "ipcscope_scans_total %" PRIu64 "\n", st->scans);
		family(out, "ipcscope_scan_errors_total", "counter", "Errors met by all scans since the server started.");
		fprintf(out, "ipcscope_scan_errors_total %" PRIu64 "\n", st->scan_errors);
	}
	return ferror(out) ? -EIO : 0;
}
