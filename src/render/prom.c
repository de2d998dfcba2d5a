/* prom.c - Prometheus text format. Every family gets its HELP and TYPE line and all its
 * samples together, which is what `promtool check metrics` asks for; every kind is listed
 * even when it has no object, so that a series does not vanish when the last queue does.
 * The per-kind totals are per container too (see struct groups), for the busiest
 * PROM_MAX_CONTAINERS containers. Per-object series exist only for the st->top fullest
 * queues and largest segments; histograms of fill per kind show the rest. */
#include "render/prom.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/ns.h"

#include "core/kinds.h"
#include "core/util.h"

int64_t object_bytes(const struct ipc_object *o)
{
	if (o->rqueue >= 0 || o->wqueue >= 0)
		return (o->rqueue > 0 ? o->rqueue : 0) + (o->wqueue > 0 ? o->wqueue : 0);
	if (obj_ipc(o)->blocks >= 0)
		return obj_ipc(o)->blocks;
	if (obj_ipc(o)->nattch >= 0)
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

/* Objects per container, to keep the busiest when there are too many. */
struct cont_rank {
	size_t idx;
	uint64_t objects;
};

static int cmp_rank(const void *a, const void *b)
{
	const struct cont_rank *x = a, *y = b;

	if (x->objects != y->objects)
		return x->objects < y->objects ? 1 : -1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static void groups_init(struct groups *g, const struct snapshot *s)
{
	struct cont_rank *rank = xcalloc(s->ncontainers + 1, sizeof(*rank));
	bool *keep = xcalloc(s->ncontainers + 1, sizeof(*keep));
	size_t other = 0;

	for (size_t i = 0; i < s->ncontainers; i++)
		rank[i].idx = i;
	for (size_t i = 0; i < s->nobjs; i++) {
		int c = snapshot_container_index(s, s->objs[i]->cont);

		if (c >= 0)
			rank[c].objects++;
	}
	qsort(rank, s->ncontainers, sizeof(*rank), cmp_rank);
	for (size_t i = 0; i < s->ncontainers && i < PROM_MAX_CONTAINERS; i++)
		keep[rank[i].idx] = true;
	g->label = xcalloc(s->ncontainers + 2, sizeof(*g->label));
	g->of = xcalloc(s->ncontainers + 1, sizeof(*g->of));
	g->n = 1; /* label[0] is "" */
	for (size_t i = 0; i < s->ncontainers; i++) {
		size_t k = 0;

		if (!keep[i]) {
			if (!other) {
				other = g->n++;
				snprintf(g->label[other], sizeof(g->label[other]), "%s", PROM_OTHER_CONTAINERS);
			}
			g->of[i] = other;
			continue;
		}
		container_short_id(&s->containers[i], g->label[g->n], sizeof(g->label[g->n]));
		while (strcmp(g->label[k], g->label[g->n]))
			k++;
		if (k == g->n)
			g->n++;
		g->of[i] = k;
	}
	free(rank);
	free(keep);
}

static size_t group_of(const struct groups *g, const struct snapshot *s, const struct container *c)
{
	int i = snapshot_container_index(s, c);

	return i < 0 ? 0 : g->of[i];
}

/* One gauge sample per container label and kind of mask, from per-group arrays of
 * per-kind values. */
static void per_kinds(FILE *out, const char *name, const char *help, const struct groups *g,
		      const uint64_t (*v)[KIND__COUNT], unsigned mask)
{
	family(out, name, "gauge", help);
	for (size_t i = 0; i < g->n; i++)
		for (int k = 0; k < KIND__COUNT; k++) {
			if (!(mask & KIND_BIT(k)))
				continue;
			fprintf(out, "%s{kind=\"%s\",container=\"", name, kind_name((enum ipc_kind)k));
			put_label(out, g->label[i]);
			fprintf(out, "\"} %" PRIu64 "\n", v[i][k]);
		}
}

static void per_kind(FILE *out, const char *name, const char *help, const struct groups *g,
		     const uint64_t (*v)[KIND__COUNT])
{
	per_kinds(out, name, help, g, v, KINDS_ALL);
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

		/* A ceiling (msg_max: each queue's bound) is no pool: no use ratio, as limits
		 * shows none, so that no alert reads a queue of default size as 100%. */
		if (!l->has_used || !l->has_value || l->value == 0 || l->ceiling)
			continue;
		fprintf(out, "ipcscope_limit_use_ratio{name=\"%s\",kind=\"%s\"", l->name, l->group);
		limit_labels(out, s, l);
		fprintf(out, "} %.6g\n", (double)l->used / (double)l->value);
	}
}

/* An object's fill, 0 to 1 (more when over capacity), as USE% shows it. false: none. */
static bool fill(const struct ipc_object *o, double *ratio)
{
	if (o->size > 0 && o->used_bytes >= 0)
		*ratio = (double)o->used_bytes / (double)o->size;
	else if (obj_ipc(o)->max_messages > 0 && obj_ipc(o)->messages >= 0)
		*ratio = (double)obj_ipc(o)->messages / (double)obj_ipc(o)->max_messages;
	else
		return false;
	return true;
}

static bool is_queue(const struct ipc_object *o)
{
	return obj_ipc(o)->messages >= 0;
}

static bool is_segment(const struct ipc_object *o)
{
	return obj_ipc(o)->nattch >= 0;
}

/* The order of the per-object series: fullest queue first (fill ratio, then bytes, then
 * messages), largest segment first (size); the identity breaks ties, so the choice does
 * not depend on the kernel's order. */
static double rank_key(const struct ipc_object *o, int64_t *second)
{
	double r = 0;

	if (is_segment(o)) {
		*second = 0;
		return (double)(o->size > 0 ? o->size : 0);
	}
	if (!fill(o, &r))
		r = 0;
	*second = o->used_bytes > 0 ? o->used_bytes : 0;
	return r;
}

static int cmp_fullest(const void *a, const void *b)
{
	const struct ipc_object *x = *(const struct ipc_object *const *)a;
	const struct ipc_object *y = *(const struct ipc_object *const *)b;
	int64_t x2, y2;
	double xr = rank_key(x, &x2), yr = rank_key(y, &y2);

	if (xr != yr)
		return xr < yr ? 1 : -1;
	if (x2 != y2)
		return x2 < y2 ? 1 : -1;
	if (obj_ipc(x)->messages != obj_ipc(y)->messages)
		return obj_ipc(x)->messages < obj_ipc(y)->messages ? 1 : -1;
	return strcmp(x->identity, y->identity);
}

/* The n fullest of the objects of s that want() takes, fullest first, in a malloc'd *out;
 * returns how many there are: n at most. Kept sorted as they come, each new one put in
 * its place or dropped after one comparison with the last: a serve scraped every interval
 * passes 10,000 objects here at each scan for the 50 series of --metrics-top, and sorting
 * them all cost more than the rest of the metrics. The order is cmp_fullest's, total (the
 * identity is the last key), so the choice is what a sort of all of them would give. */
static size_t top_objects(const struct snapshot *s, bool (*want)(const struct ipc_object *), size_t n,
			  const struct ipc_object ***out)
{
	const struct ipc_object **v;
	size_t m = 0;

	/* When most of them have series, the insertions would move more than a sort. */
	if (n > 64 && n > s->nobjs / 8) {
		v = xcalloc(s->nobjs + 1, sizeof(*v));
		for (size_t i = 0; i < s->nobjs; i++)
			if (want(s->objs[i]))
				v[m++] = s->objs[i];
		qsort(v, m, sizeof(*v), cmp_fullest);
		*out = v;
		return m < n ? m : n;
	}
	v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < s->nobjs; i++) {
		const struct ipc_object *o = s->objs[i];
		size_t lo = 0, hi = m;

		if (!want(o) || (m == n && (n == 0 || cmp_fullest(&o, &v[n - 1]) >= 0)))
			continue;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (cmp_fullest(&o, &v[mid]) < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
		if (m < n)
			m++;
		memmove(&v[lo + 1], &v[lo], (m - 1 - lo) * sizeof(*v));
		v[lo] = o;
	}
	*out = v;
	return m;
}

/* A gauge with one sample per object of v[0..n), labelled by kind and identity under the
 * label name lname. */
static void per_object(FILE *out, const struct ipc_object **v, size_t n, const char *name,
		       const char *lname, const char *help, int64_t (*get)(const struct ipc_object *))
{
	family(out, name, "gauge", help);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s{kind=\"%s\",%s=\"", name, kind_name(v[i]->kind), lname);
		put_label(out, v[i]->identity);
		fprintf(out, "\"} %" PRId64 "\n", get(v[i]));
	}
}

static int64_t get_messages(const struct ipc_object *o)
{
	return obj_ipc(o)->messages;
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
	return obj_ipc(o)->nattch;
}

/* The fill ratio's buckets: empty, a little, half, nearly full, full (and past full: a
 * SysV queue whose qbytes was lowered below what it holds). */
static const double fill_le[] = {0, 0.1, 0.25, 0.5, 0.75, 0.9, 1};
#define NFILL (sizeof(fill_le) / sizeof(fill_le[0]))
/* Kinds whose objects have a fill (prom_fill): their histograms are always there. */
#define FILL_KINDS (KIND_BIT(KIND_SYSV_MSG) | KIND_BIT(KIND_SYSV_SHM) | KIND_BIT(KIND_POSIX_MQ) | \
		    KIND_BIT(KIND_PIPE) | KIND_BIT(KIND_FIFO))

static void fill_histograms(FILE *out, const struct snapshot *s)
{
	uint64_t bucket[KIND__COUNT][NFILL] = {{0}}, count[KIND__COUNT] = {0};
	double sum[KIND__COUNT] = {0};
	unsigned kinds = FILL_KINDS;

	for (size_t i = 0; i < s->nobjs; i++) {
		const struct ipc_object *o = s->objs[i];
		double r;

		if (!fill(o, &r))
			continue;
		kinds |= KIND_BIT(o->kind);
		count[o->kind]++;
		sum[o->kind] += r;
		for (size_t b = 0; b < NFILL; b++)
			if (r <= fill_le[b])
				bucket[o->kind][b]++;
	}
	family(out, "ipcscope_fill_ratio", "histogram",
	       "Fill of each object that has one (bytes or messages queued over capacity; "
	       "resident share of SysV segments), 0 to 1, per kind.");
	for (int k = 0; k < KIND__COUNT; k++) {
		const char *kn = kind_name((enum ipc_kind)k);

		if (!(kinds & KIND_BIT(k)))
			continue;
		for (size_t b = 0; b < NFILL; b++)
			fprintf(out, "ipcscope_fill_ratio_bucket{kind=\"%s\",le=\"%g\"} %" PRIu64 "\n", kn,
				fill_le[b], bucket[k][b]);
		fprintf(out, "ipcscope_fill_ratio_bucket{kind=\"%s\",le=\"+Inf\"} %" PRIu64 "\n", kn, count[k]);
		fprintf(out, "ipcscope_fill_ratio_sum{kind=\"%s\"} %.6g\n", kn, sum[k]);
		fprintf(out, "ipcscope_fill_ratio_count{kind=\"%s\"} %" PRIu64 "\n", kn, count[k]);
	}
}

/* Containers found, per runtime: bounded by the runtimes ipcscope knows. */
static void containers(FILE *out, const struct snapshot *s)
{
	static const char *const runtimes[] = {"docker", "containerd", "cri-o", "podman", "nspawn", "lxc"};
	uint64_t n[ARRAY_SIZE(runtimes) + 1] = {0};

	for (size_t i = 0; i < s->ncontainers; i++) {
		size_t r = 0;

		while (r < ARRAY_SIZE(runtimes) && strcmp(runtimes[r], s->containers[i].runtime))
			r++;
		n[r]++;
	}
	family(out, "ipcscope_containers", "gauge", "Containers the last scan found, per runtime.");
	for (size_t r = 0; r <= ARRAY_SIZE(runtimes); r++)
		if (r < ARRAY_SIZE(runtimes) || n[r])
			fprintf(out, "ipcscope_containers{runtime=\"%s\"} %" PRIu64 "\n",
				r < ARRAY_SIZE(runtimes) ? runtimes[r] : "other", n[r]);
}

/* Memory an unlinked-but-held POSIX object pins: what its tmpfs file allocated, else its
 * size (as clean reports it). */
static uint64_t pinned_bytes(const struct ipc_object *o)
{
	return (uint64_t)(obj_ipc(o)->blocks > 0 ? obj_ipc(o)->blocks : o->size > 0 ? o->size : 0);
}

/* Shared memory: the size asked for and the memory it takes (tmpfs blocks of POSIX shm
 * and memfd; resident plus swapped pages of SysV segments). */
static uint64_t size_bytes(const struct ipc_object *o)
{
	return (uint64_t)(o->size > 0 ? o->size : 0);
}

static uint64_t allocated_bytes(const struct ipc_object *o)
{
	if (obj_ipc(o)->blocks >= 0)
		return (uint64_t)obj_ipc(o)->blocks;
	return (uint64_t)(obj_ipc(o)->rss > 0 ? obj_ipc(o)->rss : 0) + (uint64_t)(obj_ipc(o)->swap > 0 ? obj_ipc(o)->swap : 0);
}

#define SHM_KINDS (KIND_BIT(KIND_SYSV_SHM) | KIND_BIT(KIND_POSIX_SHM) | KIND_BIT(KIND_MEMFD))
#define UNLINKED_KINDS (KIND_BIT(KIND_POSIX_SHM) | KIND_BIT(KIND_POSIX_SEM))

int prom_render(FILE *out, const struct snapshot *s, const struct prom_stats *st)
{
	struct groups g;
	uint64_t (*count)[KIND__COUNT], (*bytes)[KIND__COUNT], (*holders)[KIND__COUNT];
	uint64_t (*partial)[KIND__COUNT], (*stale)[KIND__COUNT], (*waiters)[KIND__COUNT];
	uint64_t (*size)[KIND__COUNT], (*alloc)[KIND__COUNT], (*unl)[KIND__COUNT];
	uint64_t (*unl_bytes)[KIND__COUNT], (*dead)[KIND__COUNT];
	const struct ipc_object **v;
	size_t top = st ? st->top : 0, n;

	groups_init(&g, s);
	count = xcalloc(g.n, sizeof(*count));
	bytes = xcalloc(g.n, sizeof(*bytes));
	holders = xcalloc(g.n, sizeof(*holders));
	partial = xcalloc(g.n, sizeof(*partial));
	stale = xcalloc(g.n, sizeof(*stale));
	waiters = xcalloc(g.n, sizeof(*waiters));
	size = xcalloc(g.n, sizeof(*size));
	alloc = xcalloc(g.n, sizeof(*alloc));
	unl = xcalloc(g.n, sizeof(*unl));
	unl_bytes = xcalloc(g.n, sizeof(*unl_bytes));
	dead = xcalloc(g.n, sizeof(*dead));
	for (size_t i = 0; i < s->nobjs; i++) {
		const struct ipc_object *o = s->objs[i];
		size_t c = group_of(&g, s, o->cont);

		count[c][o->kind]++;
		bytes[c][o->kind] += (uint64_t)object_bytes(o);
		holders[c][o->kind] += o->nholders;
		waiters[c][o->kind] += o->nwaiters;
		if (o->flags & OBJ_PARTIAL)
			partial[c][o->kind]++;
		if (o->flags & OBJ_DEADLOCK)
			dead[c][o->kind]++;
		if (st && st->stale && st->stale[i])
			stale[c][o->kind]++;
		if (SHM_KINDS & KIND_BIT(o->kind)) {
			size[c][o->kind] += size_bytes(o);
			alloc[c][o->kind] += allocated_bytes(o);
		}
		if ((UNLINKED_KINDS & KIND_BIT(o->kind)) && (o->flags & OBJ_DELETED)) {
			unl[c][o->kind]++;
			unl_bytes[c][o->kind] += pinned_bytes(o);
		}
	}
	per_kind(out, "ipcscope_objects", "IPC objects found by the last scan.", &g, count);
	per_kind(out, "ipcscope_object_bytes",
		 "One figure per kind: bytes queued (queues, pipes, FIFOs, sockets), bytes allocated "
		 "(POSIX shm, memfd), segment size (SysV shm).", &g, bytes);
	per_kinds(out, "ipcscope_object_size_bytes",
		  "Size of shared memory objects: SysV segment size, POSIX shm or memfd file size.", &g, size,
		  SHM_KINDS);
	per_kinds(out, "ipcscope_object_allocated_bytes",
		  "Memory shared memory objects take: tmpfs blocks of POSIX shm and memfd, resident plus "
		  "swapped bytes of SysV segments.", &g, alloc, SHM_KINDS);
	per_kinds(out, "ipcscope_unlinked_held_objects",
		  "POSIX objects unlinked while still open or mapped (status deleted): no clean can free them.",
		  &g, unl, UNLINKED_KINDS);
	per_kinds(out, "ipcscope_unlinked_held_bytes",
		  "Memory pinned by POSIX objects unlinked while still open or mapped, until their holders let go.",
		  &g, unl_bytes, UNLINKED_KINDS);
	per_kind(out, "ipcscope_holders", "File descriptors and mappings through which processes hold objects.",
		 &g, holders);
	per_kind(out, "ipcscope_partial_objects", "Objects some fields of which could not be read.", &g, partial);
	per_kind(out, "ipcscope_waiters", "Threads asleep waiting on objects (receive, send, lock, read...).",
		 &g, waiters);
	per_kind(out, "ipcscope_deadlocked_objects", "Objects on a cycle of processes each waiting on the next.",
		 &g, dead);
	if (st && st->stale)
		per_kind(out, "ipcscope_stale_objects", "Objects the stale rules of `ipcscope clean` would remove.",
			 &g, stale);
	free(count);
	free(bytes);
	free(holders);
	free(partial);
	free(stale);
	free(waiters);
	free(size);
	free(alloc);
	free(unl);
	free(unl_bytes);
	free(dead);
	free(g.label);
	free(g.of);
	limits(out, s);
	containers(out, s);
	fill_histograms(out, s);

	n = top_objects(s, is_queue, top, &v);
	per_object(out, v, n, "ipcscope_queue_messages", "queue",
		   "Messages waiting in each of the fullest message queues (--metrics-top).", get_messages);
	per_object(out, v, n, "ipcscope_queue_bytes", "queue",
		   "Bytes waiting in each of the fullest message queues (--metrics-top).", get_used);
	per_object(out, v, n, "ipcscope_queue_capacity_bytes", "queue",
		   "Capacity in bytes of each of the fullest message queues (--metrics-top).", get_capacity);
	free(v);
	n = top_objects(s, is_segment, top, &v);
	per_object(out, v, n, "ipcscope_shm_nattch", "segment",
		   "Processes attached to each of the largest System V shared memory segments (--metrics-top).",
		   get_nattch);
	free(v);

	family(out, "ipcscope_deadlocks", "gauge",
	       "Cycles of processes each waiting on an object the next holds (flock, OFD locks, pipes).");
	fprintf(out, "ipcscope_deadlocks %zu\n", s->ndeadlocks);
	family(out, "ipcscope_scan_duration_seconds", "gauge", "How long the last scan took.");
	fprintf(out, "ipcscope_scan_duration_seconds %.6f\n", (double)s->scan_ns / 1e9);
	family(out, "ipcscope_scan_timestamp_seconds", "gauge", "When the last scan began, seconds since the epoch.");
	fprintf(out, "ipcscope_scan_timestamp_seconds %" PRId64 "\n", s->time);
	family(out, "ipcscope_scan_errors", "gauge", "Errors the last scan met (unreadable sources).");
	fprintf(out, "ipcscope_scan_errors %zu\n", s->nerrs);
	if (st && st->scans) {
		family(out, "ipcscope_scans_total", "counter", "Scans completed since the server started.");
		fprintf(out, "ipcscope_scans_total %" PRIu64 "\n", st->scans);
		family(out, "ipcscope_scan_errors_total", "counter", "Errors met by all scans since the server started.");
		fprintf(out, "ipcscope_scan_errors_total %" PRIu64 "\n", st->scan_errors);
	}
	return ferror(out) ? -EIO : 0;
}
