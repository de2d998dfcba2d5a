/* prom.c - Prometheus text format. Every family gets its HELP and TYPE line and all its
 * samples together, which is what `promtool check metrics` asks for; every kind is listed
 * even when it has no object, so that a series does not vanish when the last queue does. */
#include "render/prom.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/kinds.h"

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

/* One gauge sample per kind, from a per-kind array. */
static void per_kind(FILE *out, const char *name, const char *help, const uint64_t *v)
{
	family(out, name, "gauge", help);
	for (int k = 0; k < KIND__COUNT; k++)
		fprintf(out, "%s{kind=\"%s\"} %" PRIu64 "\n", name, kind_name((enum ipc_kind)k), v[k]);
}

static void limits(FILE *out, const struct snapshot *s)
{
	family(out, "ipcscope_limit", "gauge", "Kernel IPC limit, in the unit the unit label names.");
	for (size_t i = 0; i < s->nlimits; i++) {
		const struct limit *l = &s->limits[i];

		if (l->has_value)
			fprintf(out, "ipcscope_limit{name=\"%s\",kind=\"%s\",unit=\"%s\"} %" PRIu64 "\n",
				l->name, l->group, l->unit, l->value);
	}
	family(out, "ipcscope_limit_used", "gauge", "How much of each kernel IPC limit is in use.");
	for (size_t i = 0; i < s->nlimits; i++) {
		const struct limit *l = &s->limits[i];

		if (l->has_used)
			fprintf(out, "ipcscope_limit_used{name=\"%s\",kind=\"%s\",unit=\"%s\"} %" PRIu64 "\n",
				l->name, l->group, l->unit, l->used);
	}
	family(out, "ipcscope_limit_use_ratio", "gauge", "Use of each kernel IPC limit, 0 to 1.");
	for (size_t i = 0; i < s->nlimits; i++) {
		const struct limit *l = &s->limits[i];

		if (l->has_used && l->has_value && l->value > 0)
			fprintf(out, "ipcscope_limit_use_ratio{name=\"%s\",kind=\"%s\"} %.6g\n", l->name,
				l->group, (double)l->used / (double)l->value);
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
	uint64_t count[KIND__COUNT] = {0}, bytes[KIND__COUNT] = {0}, holders[KIND__COUNT] = {0};
	uint64_t partial[KIND__COUNT] = {0};

	for (size_t i = 0; i < s->nobjs; i++) {
		const struct ipc_object *o = s->objs[i];

		count[o->kind]++;
		bytes[o->kind] += (uint64_t)object_bytes(o);
		holders[o->kind] += o->nholders;
		if (o->flags & OBJ_PARTIAL)
			partial[o->kind]++;
	}
	per_kind(out, "ipcscope_objects", "IPC objects found by the last scan.", count);
	per_kind(out, "ipcscope_object_bytes",
		 "Bytes the objects hold: queued bytes, segment or file size, socket queues.", bytes);
	per_kind(out, "ipcscope_holders", "File descriptors and mappings through which processes hold objects.",
		 holders);
	per_kind(out, "ipcscope_partial_objects", "Objects some fields of which could not be read.", partial);
	if (st && st->has_stale)
		per_kind(out, "ipcscope_stale_objects", "Objects the stale rules of `ipcscope clean` would remove.",
			 st->stale);
	limits(out, s);
	per_object(out, s, "ipcscope_queue_messages", "queue", "Messages waiting in each message queue.",
		   is_queue, get_messages);
	per_object(out, s, "ipcscope_queue_bytes", "queue", "Bytes waiting in each message queue.", is_queue,
		   get_used);
	per_object(out, s, "ipcscope_queue_capacity_bytes", "queue", "Capacity of each message queue in bytes.",
		   is_queue, get_capacity);
	per_object(out, s, "ipcscope_shm_nattch", "segment",
		   "Processes attached to each System V shared memory segment.", is_segment, get_nattch);

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
