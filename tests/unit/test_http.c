/* test_http.c - the parts of `serve` that need no socket: the Prometheus renderer, the
 * per-snapshot state (bodies byte for byte the CLI's JSON, slices, weak ETags, the event's
 * appeared/changed/vanished, the filter index), the token comparison, the file names
 * the web root serves, and the text checks: UTF-8, quoting a client's bytes in an error,
 * the gaps MHD leaves between the fields of a request head. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/snapshot.h"
#include "act/stale.h"
#include "http/clean.h"
#include "http/digest.h"
#include "http/state.h"
#include "http/text.h"
#include "http/web.h"
#include "render/json.h"
#include "render/prom.h"

/* A snapshot of three objects: a queue with 3 messages, a segment attached twice, and a
 * POSIX queue whose name needs escaping in a label. extra adds a fourth. */
static void make_snapshot(struct snapshot *s, int64_t time, int64_t queued, bool extra)
{
	struct ipc_object *o;
	struct limit *l;

	snapshot_init(s);
	s->time = time;
	snprintf(s->host, sizeof(s->host), "testhost");

	o = object_new(KIND_SYSV_MSG, "sysv-msg:1:7");
	o->id = 7;
	o->has_owner = true;
	o->uid = 1000;
	o->size = 16384;
	o->used_bytes = queued;
	obj_ipc_mut(o)->messages = 3;
	obj_ipc_mut(o)->lspid.pid = 4242;
	snapshot_add(s, o);

	o = object_new(KIND_SYSV_SHM, "sysv-shm:1:3");
	o->id = 3;
	o->has_owner = true;
	o->uid = 0;
	o->size = 65536;
	obj_ipc_mut(o)->nattch = 2;
	object_add_holder(o, 31337, "reader", -1, ACC_R, "7f00-7f10");
	snapshot_add(s, o);

	o = object_new(KIND_POSIX_MQ, "posix-mq:2:/we\"ird\\q\n");
	o->name = strdup("/we\"ird\\q\n");
	o->size = 640;
	o->used_bytes = 0;
	obj_ipc_mut(o)->messages = 0;
	obj_ipc_mut(o)->max_messages = 10;
	snapshot_add(s, o);

	if (extra) {
		o = object_new(KIND_PIPE, "pipe:99");
		o->inode = 99;
		o->size = 65536;
		o->used_bytes = 5;
		object_add_holder(o, 555, "writer", 4, ACC_W, NULL);
		snapshot_add(s, o);
	}
	l = snapshot_limit(s, "msgmni", "sysv-msg", "Number of message queues", "count", "/proc/sys/kernel/msgmni");
	l->has_value = true;
	l->value = 32000;
	l->has_used = true;
	l->used = 1;
}

static char *render_prom(const struct snapshot *s, const struct prom_stats *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(prom_render(f, s, st), 0);
	fclose(f);
	return buf;
}

static void prom(void **state)
{
	bool stale[] = {true, false, false}; /* the queue, in the order make_snapshot adds them */
	struct prom_stats st = {.top = PROM_TOP_DEFAULT, .scans = 5, .scan_errors = 2, .stale = stale};
	struct snapshot s;
	char *text, *p;

	(void)state;
	make_snapshot(&s, 1000, 48, false);
	text = render_prom(&s, &st);
	assert_non_null(strstr(text, "ipcscope_objects{kind=\"sysv-msg\",container=\"\"} 1\n"));
	assert_non_null(strstr(text, "ipcscope_objects{kind=\"udp\",container=\"\"} 0\n"));
	assert_non_null(strstr(text, "ipcscope_object_bytes{kind=\"sysv-shm\",container=\"\"} 65536\n"));
	assert_non_null(strstr(text, "ipcscope_queue_messages{kind=\"sysv-msg\",queue=\"sysv-msg:1:7\"} 3\n"));
	assert_non_null(strstr(text, "ipcscope_queue_bytes{kind=\"sysv-msg\",queue=\"sysv-msg:1:7\"} 48\n"));
	assert_non_null(strstr(text, "ipcscope_shm_nattch{kind=\"sysv-shm\",segment=\"sysv-shm:1:3\"} 2\n"));
	/* quote, backslash and newline escaped as the text format wants */
	assert_non_null(strstr(text, "queue=\"posix-mq:2:/we\\\"ird\\\\q\\n\"} 0\n"));
	assert_non_null(strstr(text, "ipcscope_limit{name=\"msgmni\",kind=\"sysv-msg\",unit=\"count\",ns=\"\",container=\"\"} 32000\n"));
	assert_non_null(strstr(text, "ipcscope_limit_use_ratio{name=\"msgmni\",kind=\"sysv-msg\",ns=\"\",container=\"\"} 3.125e-05\n"));
	assert_non_null(strstr(text, "ipcscope_stale_objects{kind=\"sysv-msg\",container=\"\"} 1\n"));
	assert_non_null(strstr(text, "# TYPE ipcscope_scans_total counter\nipcscope_scans_total 5\n"));
	assert_non_null(strstr(text, "ipcscope_scan_errors_total 2\n"));
	assert_null(strstr(text, "pid"));
	/* every family's TYPE once, and its samples right after it */
	{
		char seen[64][96], cur[96] = "", *copy = strdup(text), *save = NULL;
		int nseen = 0;

		for (p = strtok_r(copy, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
			if (!strncmp(p, "# TYPE ", 7)) {
				assert_int_equal(sscanf(p + 7, "%95s", cur), 1);
				for (int k = 0; k < nseen; k++)
					assert_string_not_equal(seen[k], cur);
				assert_true(nseen < 64);
				strcpy(seen[nseen++], cur);
			} else if (p[0] != '#') {
				size_t n = strcspn(p, "{ ");

				/* a histogram's samples: its name and _bucket, _sum or _count */
				assert_true(n == strlen(cur) || (n > strlen(cur) && p[strlen(cur)] == '_'));
				assert_memory_equal(p, cur, strlen(cur));
			}
		}
		assert_true(nseen >= 15);
		free(copy);
	}

	/* the fill histograms: the queue at 48/16384, the POSIX queue empty, the segment not
	 * resident (no used_bytes: no fill) */
	assert_non_null(strstr(text, "# TYPE ipcscope_fill_ratio histogram\n"));
	assert_non_null(strstr(text, "ipcscope_fill_ratio_bucket{kind=\"sysv-msg\",le=\"0\"} 0\n"
				     "ipcscope_fill_ratio_bucket{kind=\"sysv-msg\",le=\"0.1\"} 1\n"));
	assert_non_null(strstr(text, "ipcscope_fill_ratio_bucket{kind=\"sysv-msg\",le=\"+Inf\"} 1\n"
				     "ipcscope_fill_ratio_sum{kind=\"sysv-msg\"} 0.00292969\n"
				     "ipcscope_fill_ratio_count{kind=\"sysv-msg\"} 1\n"));
	assert_non_null(strstr(text, "ipcscope_fill_ratio_bucket{kind=\"posix-mq\",le=\"0\"} 1\n"));
	assert_non_null(strstr(text, "ipcscope_fill_ratio_count{kind=\"sysv-shm\"} 0\n"));
	assert_null(strstr(text, "ipcscope_fill_ratio_count{kind=\"udp\"}"));
	assert_non_null(strstr(text, "ipcscope_object_size_bytes{kind=\"sysv-shm\",container=\"\"} 65536\n"));
	assert_null(strstr(text, "ipcscope_object_size_bytes{kind=\"sysv-msg\""));
	assert_non_null(strstr(text, "ipcscope_containers{runtime=\"docker\"} 0\n"));
	free(text);

	/* --metrics-top 1: the fuller of the two queues only; 0: no per-object series */
	st.top = 1;
	text = render_prom(&s, &st);
	assert_non_null(strstr(text, "ipcscope_queue_messages{kind=\"sysv-msg\",queue=\"sysv-msg:1:7\"} 3\n"));
	assert_null(strstr(text, "queue=\"posix-mq:"));
	assert_non_null(strstr(text, "ipcscope_shm_nattch{kind=\"sysv-shm\",segment=\"sysv-shm:1:3\"} 2\n"));
	free(text);
	st.top = 0;
	text = render_prom(&s, &st);
	assert_null(strstr(text, "queue=\""));
	assert_null(strstr(text, "segment=\""));
	assert_non_null(strstr(text, "# TYPE ipcscope_queue_messages gauge\n"));
	free(text);

	/* without server counters or stale rules those families are left out */
	text = render_prom(&s, NULL);
	assert_null(strstr(text, "ipcscope_scans_total"));
	assert_null(strstr(text, "ipcscope_stale_objects"));
	free(text);
	snapshot_release(&s);
}

/* The input digest: equal for equal content at other addresses, different for any field
 * the JSON shows, including those behind pointers. */
static void digest(void **state)
{
	struct snapshot a, b;
	uint64_t d;

	(void)state;
	make_snapshot(&a, 1000, 48, true);
	make_snapshot(&b, 1000, 48, true);
	for (size_t i = 0; i < a.nobjs; i++)
		assert_true(http_object_digest(a.objs[i]) == http_object_digest(b.objs[i]));
	d = http_object_digest(b.objs[1]);
	b.objs[1]->holders[0].comm[0] = 'R';
	assert_true(http_object_digest(b.objs[1]) != d);
	d = http_object_digest(b.objs[2]);
	b.objs[2]->name[1] = 'W';
	assert_true(http_object_digest(b.objs[2]) != d);
	d = http_object_digest(b.objs[0]);
	obj_ipc_mut(b.objs[0])->messages = 4;
	assert_true(http_object_digest(b.objs[0]) != d);
	d = http_object_digest(b.objs[3]);
	b.objs[3]->holders[0].fd = 5;
	assert_true(http_object_digest(b.objs[3]) != d);
	snapshot_release(&a);
	snapshot_release(&b);
}

/* The groups out of line (core/object.h): a field in one changes the digest, through its
 * bytes or what its pointers lead to; a group made but left absent digests as no group. */
static void digest_groups(void **state)
{
	struct ipc_object *o = object_new(KIND_PIPE, "pipe:1"), *p = object_new(KIND_PIPE, "pipe:1");
	struct pid_ref blocked = {.pid = 9};
	uint64_t d = http_object_digest(o);

	(void)state;
	obj_ipc_mut(p);
	obj_lock_mut(p);
	obj_fdk_mut(p);
	obj_keyfile_mut(p);
	assert_true(http_object_digest(p) == d);
	obj_ipc_mut(o)->lspid.pid = 4242;
	assert_true(http_object_digest(o) != d);
	d = http_object_digest(o);
	o->ipc->sems = calloc(1, sizeof(*o->ipc->sems));
	o->ipc->nsems = 1;
	assert_true(http_object_digest(o) != d);
	d = http_object_digest(o);
	o->ipc->sems[0].value = 3;
	assert_true(http_object_digest(o) != d);
	d = http_object_digest(o);
	obj_ipc_mut(o)->backing = "anon";
	assert_true(http_object_digest(o) != d);
	d = http_object_digest(o);
	obj_lock_mut(o)->type = "flock";
	assert_true(http_object_digest(o) != d);
	d = http_object_digest(o);
	o->lock->blocked = malloc(sizeof(blocked));
	*o->lock->blocked = blocked;
	o->lock->nblocked = 1;
	assert_true(http_object_digest(o) != d);
	d = http_object_digest(o);
	o->lock->blocked[0].comm[0] = 'x';
	assert_true(http_object_digest(o) != d);
	d = http_object_digest(o);
	obj_fdk_mut(o)->count = 1;
	assert_true(http_object_digest(o) != d);
	d = http_object_digest(o);
	obj_keyfile_mut(o)->file = strdup("/tmp/k");
	assert_true(http_object_digest(o) != d);
	d = http_object_digest(o);
	o->keyfile->file[1] = 'v';
	assert_true(http_object_digest(o) != d);
	object_free(o);
	object_free(p);
}

/* Three containers, two of them of one short id, for the snapshot make_snapshot made with
 * extra: the queue in the docker container, the segment and the pipe in the other two, the
 * POSIX queue in none; the docker container's IPC namespace is 4026532000. */
static void add_containers(struct snapshot *s)
{
	static const char hex[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

	s->containers = calloc(3, sizeof(*s->containers));
	s->ncontainers = s->containers_cap = 3;
	snprintf(s->containers[0].runtime, sizeof(s->containers[0].runtime), "docker");
	snprintf(s->containers[0].id, sizeof(s->containers[0].id), "%s", hex);
	snprintf(s->containers[1].runtime, sizeof(s->containers[1].runtime), "lxc");
	snprintf(s->containers[1].id, sizeof(s->containers[1].id), "we\"b");
	snprintf(s->containers[2].runtime, sizeof(s->containers[2].runtime), "nspawn");
	snprintf(s->containers[2].id, sizeof(s->containers[2].id), "we\"b");
	s->objs[0]->cont = &s->containers[0];  /* the queue */
	s->objs[1]->cont = &s->containers[1];  /* the segment */
	s->objs[3]->cont = &s->containers[2];  /* the pipe */
	s->nss = calloc(1, sizeof(*s->nss));
	s->nnss = s->nss_cap = 1;
	s->nss[0] = (struct ns_info){.type = NS_IPC, .inode = 4026532000u, .pid = 9, .container = 0};
	s->objs[0]->ns = 4026532000u;
	snprintf(s->containers[1].name, sizeof(s->containers[1].name), "web-1");
}

/* The lines of text that begin with prefix, joined; at most max of them. */
static char *lines_of(const char *text, const char *prefix, size_t max)
{
	size_t n = 0, len = 0;
	char *out = calloc(1, strlen(text) + 1);

	for (const char *p = text; *p && n < max; n++) {
		const char *nl;

		p = strstr(p, prefix);
		if (!p)
			break;
		nl = strchr(p, '\n');
		memcpy(out + len, p, (size_t)(nl - p + 1));
		len += (size_t)(nl - p + 1);
		p = nl + 1;
	}
	return out;
}

/* --metrics-top keeps the N fullest queues and largest segments without sorting them all:
 * whatever N, its series are the first N of a sort of every object (the renderer sorts
 * them all when N is most of them), ties and all (many equal fills and sizes, broken by
 * the identity). */
static void prom_top(void **state)
{
	static const char *const fams[] = {"ipcscope_queue_messages{", "ipcscope_queue_bytes{",
					    "ipcscope_queue_capacity_bytes{", "ipcscope_shm_nattch{"};
	static const size_t tops[] = {1, 2, 7, 50, 64, 100};
	struct prom_stats st = {.top = 1000};
	unsigned seed = 14;
	struct snapshot s;
	char *all, id[64];

	(void)state;
	snapshot_init(&s);
	s.time = 1000;
	for (int i = 0; i < 1000; i++) {
		struct ipc_object *o;

		if (i % 5 < 3) {
			snprintf(id, sizeof(id), "sysv-msg:1:%d", i);
			o = object_new(KIND_SYSV_MSG, id);
			o->size = 16384;
			o->used_bytes = (int64_t)(rand_r(&seed) % 8) * 2048;
			obj_ipc_mut(o)->messages = rand_r(&seed) % 3;
		} else {
			snprintf(id, sizeof(id), "sysv-shm:1:%d", i);
			o = object_new(KIND_SYSV_SHM, id);
			o->size = (int64_t)(rand_r(&seed) % 5) * 4096;
			obj_ipc_mut(o)->nattch = rand_r(&seed) % 4;
		}
		o->id = i;
		snapshot_add(&s, o);
	}
	all = render_prom(&s, &st);
	for (size_t t = 0; t < sizeof(tops) / sizeof(tops[0]); t++) {
		char *text;

		st.top = tops[t];
		text = render_prom(&s, &st);
		for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
			char *want = lines_of(all, fams[f], tops[t]), *got = lines_of(text, fams[f], (size_t)-1);
			size_t n = 0;

			for (const char *p = got; (p = strchr(p, '\n')); p++)
				n++;
			assert_int_equal(n, tops[t]);
			assert_string_equal(got, want);
			free(want);
			free(got);
		}
		free(text);
	}
	free(all);
	snapshot_release(&s);
}

/* Two containers of one short id and one of another: the per-kind totals get one series
 * per container label and kind (kinds without objects too), never two of one label set,
 * and a limit of a container's namespace carries its namespace and container. */
static void prom_containers(void **state)
{
	struct snapshot s;
	struct limit *l;
	char *text, want[256];
	int n = 0;

	(void)state;
	make_snapshot(&s, 1000, 48, true);
	add_containers(&s);
	l = snapshot_limit(&s, "msgmni", "sysv-msg", "Number of message queues", "count", NULL);
	l->ns = 4026532000u;
	text = render_prom(&s, NULL);
	assert_non_null(strstr(text, "ipcscope_objects{kind=\"sysv-msg\",container=\"0123456789ab\"} 1\n"));
	assert_non_null(strstr(text, "ipcscope_objects{kind=\"sysv-msg\",container=\"\"} 0\n"));
	assert_non_null(strstr(text, "ipcscope_objects{kind=\"sysv-shm\",container=\"we\\\"b\"} 1\n"));
	assert_non_null(strstr(text, "ipcscope_objects{kind=\"pipe\",container=\"we\\\"b\"} 1\n"));
	assert_non_null(strstr(text, "ipcscope_objects{kind=\"posix-mq\",container=\"\"} 1\n"));
	assert_non_null(strstr(text, "ipcscope_object_bytes{kind=\"sysv-shm\",container=\"we\\\"b\"} 65536\n"));
	assert_non_null(strstr(text, "ipcscope_holders{kind=\"pipe\",container=\"we\\\"b\"} 1\n"));
	/* three label values (no container, the docker id, the shared name) times every kind */
	for (const char *p = text; (p = strstr(p, "\nipcscope_objects{")); p++)
		n++;
	assert_int_equal(n, 3 * KIND__COUNT);
	snprintf(want, sizeof(want), "ipcscope_limit{name=\"msgmni\",kind=\"sysv-msg\",unit=\"count\","
		 "ns=\"4026532000\",container=\"0123456789ab\"} 32000\n");
	assert_non_null(strstr(text, want));
	free(text);
	snapshot_release(&s);
}

static void bytes_per_object(void **state)
{
	struct ipc_object *o = object_new(KIND_UNIX, "unix:1");

	(void)state;
	assert_int_equal(object_bytes(o), 0);
	o->rqueue = 10;
	o->wqueue = 5;
	assert_int_equal(object_bytes(o), 15);
	object_free(o);
	o = object_new(KIND_POSIX_SHM, "posix-shm:1:/x");
	o->size = 8192;
	obj_ipc_mut(o)->blocks = 4096;
	assert_int_equal(object_bytes(o), 4096);
	object_free(o);
}

static struct http_state *build(struct snapshot *s, const struct http_state *prev, uint64_t seq)
{
	struct stale_ctx rules;
	struct http_state *st = NULL;

	stale_ctx_init(&rules, 0);
	assert_int_equal(http_state_new(s, prev, seq, NULL, &rules, &st), 0);
	return st;
}

/* ?container= and ?ns= through the state's index: prefixes of ids and names, "-" for no
 * container, the namespace inode; nothing asked, nothing filtered. */
static void state_containers(void **state)
{
	struct http_ns_filter nf = {0};
	struct snapshot s;
	struct http_state *st;
	bool *m;
	long q, shm, mq, pipe;

	(void)state;
	make_snapshot(&s, 1000, 48, true);
	add_containers(&s);
	st = build(&s, NULL, 1);
	q = http_state_find(st, "sysv-msg:1:7");
	shm = http_state_find(st, "sysv-shm:1:3");
	mq = http_state_find(st, "posix-mq:2:/we\"ird\\q\n");
	pipe = http_state_find(st, "pipe:99");
	assert_true(q >= 0 && shm >= 0 && mq >= 0 && pipe >= 0);
	assert_null(http_state_match_ns(st, &nf));

	nf.container = "0123456789ab";
	m = http_state_match_ns(st, &nf);
	assert_true(m[q] && !m[shm] && !m[mq] && !m[pipe]);
	free(m);
	nf.container = "we";         /* the lxc and nspawn ids */
	m = http_state_match_ns(st, &nf);
	assert_true(!m[q] && m[shm] && !m[mq] && m[pipe]);
	free(m);
	nf.container = "web-";       /* the lxc one's name */
	m = http_state_match_ns(st, &nf);
	assert_true(!m[q] && m[shm] && !m[mq] && !m[pipe]);
	free(m);
	nf.container = "-";
	m = http_state_match_ns(st, &nf);
	assert_true(!m[q] && !m[shm] && m[mq] && !m[pipe]);
	free(m);
	nf.container = "fedcba";
	m = http_state_match_ns(st, &nf);
	assert_true(!m[q] && !m[shm] && !m[mq] && !m[pipe]);
	free(m);
	nf.container = NULL;
	nf.has_ns = true;
	nf.ns = 4026532000u;
	m = http_state_match_ns(st, &nf);
	assert_true(m[q] && !m[shm] && !m[mq] && !m[pipe]);
	free(m);
	nf.container = "-";          /* both: AND */
	m = http_state_match_ns(st, &nf);
	assert_true(!m[q] && !m[shm] && !m[mq] && !m[pipe]);
	free(m);
	http_state_put(st);
}

static void state_bodies(void **state)
{
	struct snapshot s, cli;
	struct http_state *st;
	json_t *doc, *j;
	char *want, etag[24], *one;
	size_t len, sel;
	long i;

	(void)state;
	/* The objects body is what the CLI prints for the same snapshot, compacted. */
	make_snapshot(&cli, 1000, 48, true);
	doc = json_document(&cli);
	json_object_set_new(doc, "objects", json_of_objects(cli.objs, cli.nobjs));
	want = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	make_snapshot(&s, 1000, 48, true);
	st = build(&s, NULL, 1);
	assert_int_equal(st->objects.len, strlen(want));
	assert_memory_equal(st->objects.data, want, st->objects.len);
	assert_int_equal(s.nobjs, 0); /* the snapshot was taken and released */

	/* One object by identity: the frame around exactly its slice. */
	i = http_state_find(st, "pipe:99");
	assert_true(i >= 0);
	assert_int_equal(http_state_find(st, "pipe:98"), -1);
	sel = (size_t)i;
	one = http_state_select(st, &sel, 1, &len, etag);
	j = json_loadb(one, len, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "objects"), 0), "identity")),
			    "pipe:99");
	assert_int_equal(json_array_size(json_object_get(j, "objects")), 1);
	json_decref(j);
	free(one);

	/* The filter index answers as filter_match would. */
	{
		struct filter f = {.has_pid = true, .pid = 555};
		size_t n = 0;

		for (size_t k = 0; k < st->nobjs; k++)
			n += http_state_match(st, k, &f);
		assert_int_equal(n, 1);
		f.pid = 4242; /* a last sender counts, as in list -p */
		assert_true(http_state_match(st, (size_t)http_state_find(st, "sysv-msg:1:7"), &f));
		f = (struct filter){.has_uid = true, .uid = 1000};
		assert_true(http_state_match(st, (size_t)http_state_find(st, "sysv-msg:1:7"), &f));
		assert_false(http_state_match(st, (size_t)http_state_find(st, "sysv-shm:1:3"), &f));
		f = (struct filter){.kinds = KIND_BIT(KIND_PIPE)};
		assert_true(http_state_match(st, (size_t)http_state_find(st, "pipe:99"), &f));
		assert_false(http_state_match(st, (size_t)http_state_find(st, "sysv-shm:1:3"), &f));
	}
	http_state_put(st);
	free(want);
	snapshot_release(&cli);
}

static void state_events(void **state)
{
	struct snapshot s;
	struct http_state *a, *b, *c;
	json_t *ev;
	const char *data;

	(void)state;
	make_snapshot(&s, 1000, 48, true);
	a = build(&s, NULL, 1);
	/* Same content a minute later: the weak ETags hold, nothing is announced. */
	make_snapshot(&s, 1060, 48, true);
	b = build(&s, a, 2);
	assert_string_equal(a->objects.etag, b->objects.etag);
	assert_string_equal(a->limits.etag, b->limits.etag);
	assert_true(memcmp(a->objects.data, b->objects.data, a->objects.len) != 0); /* the time */
	data = strstr(b->event, "data: ");
	assert_non_null(data);
	assert_non_null(strstr(b->event, "id: 2\nevent: snapshot\n"));
	ev = json_loads(data + 6, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(ev, "appeared")), 0);
	assert_int_equal(json_array_size(json_object_get(ev, "changed")), 0);
	assert_int_equal(json_array_size(json_object_get(ev, "vanished")), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(ev, "totals"), "pipe"), "count")), 1);
	json_decref(ev);

	/* The queue fills and the pipe goes: one changed, one vanished, a new ETag. */
	make_snapshot(&s, 1120, 96, false);
	c = build(&s, b, 3);
	assert_string_not_equal(b->objects.etag, c->objects.etag);
	ev = json_loads(strstr(c->event, "data: ") + 6, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(ev, "appeared")), 0);
	assert_int_equal(json_array_size(json_object_get(ev, "changed")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "changed"), 0)), "sysv-msg:1:7");
	assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "vanished"), 0)), "pipe:99");
	json_decref(ev);
	/* and back: the pipe appears */
	http_state_put(a);
	make_snapshot(&s, 1180, 96, true);
	a = build(&s, c, 4);
	ev = json_loads(strstr(a->event, "data: ") + 6, 0, NULL);
	assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "appeared"), 0)), "pipe:99");
	json_decref(ev);
	http_state_put(a);
	http_state_put(b);
	http_state_put(c);
}

static struct http_state *build_lazy(struct snapshot *s, const struct http_state *prev, uint64_t seq)
{
	struct stale_ctx rules;
	struct http_state *st = NULL;

	stale_ctx_init(&rules, 0);
	assert_int_equal(http_state_build(s, prev, seq, NULL, &rules, false, &st), 0);
	return st;
}

/* A state built without its objects (nobody read them) has no body, slices or event until
 * asked; then the body is the one an eager state has, byte for byte with the same ETag.
 * A state with its objects that follows one without renders that one first, so its event
 * says what changed as in a chain built eagerly. */
static void state_lazy(void **state)
{
	struct snapshot s;
	struct http_state *eager, *lazy, *next, *e2;
	json_t *ev;

	(void)state;
	make_snapshot(&s, 1000, 48, true);
	eager = build(&s, NULL, 1);
	make_snapshot(&s, 1000, 48, true);
	lazy = build_lazy(&s, NULL, 1);
	assert_false(lazy->rendered);
	assert_null(lazy->objects.data);
	assert_null(lazy->slices);
	assert_null(lazy->event);
	assert_int_equal(lazy->nobjs, 4);
	assert_int_equal(http_state_objects(lazy), 0);
	assert_true(lazy->rendered);
	assert_int_equal(lazy->objects.len, eager->objects.len);
	assert_memory_equal(lazy->objects.data, eager->objects.data, eager->objects.len);
	assert_string_equal(lazy->objects.etag, eager->objects.etag);
	assert_int_equal(http_state_find(lazy, "pipe:99"), 3);
	assert_int_equal(http_state_objects(lazy), 0); /* once */
	http_state_put(lazy);

	/* unrendered, then followed by a state with objects: the queue filled, the pipe went */
	make_snapshot(&s, 1060, 48, true);
	lazy = build_lazy(&s, eager, 2);
	make_snapshot(&s, 1120, 96, false);
	next = build(&s, lazy, 3);
	assert_true(lazy->rendered);
	ev = json_loads(strstr(next->event, "data: ") + 6, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(ev, "changed")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "changed"), 0)), "sysv-msg:1:7");
	assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "vanished"), 0)), "pipe:99");
	json_decref(ev);
	/* and its bytes are those of the same snapshot built after an eager state */
	make_snapshot(&s, 1120, 96, false);
	e2 = build(&s, eager, 3);
	assert_int_equal(next->objects.len, e2->objects.len);
	assert_memory_equal(next->objects.data, e2->objects.data, e2->objects.len);
	http_state_put(e2);
	http_state_put(next);
	http_state_put(lazy);
	http_state_put(eager);
}

static void tokens(void **state)
{
	const char *secret = "0123456789abcdef";

	(void)state;
	assert_true(clean_token_equal(secret, 16, secret, 16));
	assert_false(clean_token_equal("0123456789abcdeF", 16, secret, 16));
	assert_false(clean_token_equal("0123456789abcde", 15, secret, 16));
	assert_false(clean_token_equal("0123456789abcdef0", 17, secret, 16));
	assert_false(clean_token_equal("", 0, secret, 16));
	assert_false(clean_token_equal("", 0, "", 0));
}

static void web_names(void **state)
{
	(void)state;
	assert_true(web_name_ok("app.js"));
	assert_true(web_name_ok("index.html"));
	assert_true(web_name_ok("a-b_c.css"));
	assert_false(web_name_ok(""));
	assert_false(web_name_ok(".hidden"));
	assert_false(web_name_ok(".."));
	assert_false(web_name_ok("../etc/passwd"));
	assert_false(web_name_ok("a/b.js"));
	assert_false(web_name_ok("a%2e.js"));
	assert_false(web_name_ok("a\\b"));
	assert_false(web_name_ok("0123456789012345678901234567890123456789012345678901234567890123456789"));
}

static void utf8(void **state)
{
	(void)state;
	assert_int_equal(text_utf8_len("a", 1), 1);
	assert_int_equal(text_utf8_len("\xc3\xa9", 2), 2);          /* é */
	assert_int_equal(text_utf8_len("\xe2\x82\xac", 3), 3);      /* € */
	assert_int_equal(text_utf8_len("\xf0\x9f\x98\x80", 4), 4);  /* U+1F600 */
	assert_int_equal(text_utf8_len("\xf4\x8f\xbf\xbf", 4), 4);  /* U+10FFFF */
	assert_int_equal(text_utf8_len("\xff", 1), 0);
	assert_int_equal(text_utf8_len("\x80", 1), 0);                /* a lone continuation */
	assert_int_equal(text_utf8_len("\xc3", 1), 0);                /* cut */
	assert_int_equal(text_utf8_len("\xc3\xa9", 1), 0);            /* cut by the length */
	assert_int_equal(text_utf8_len("\xe2\x82", 2), 0);
	assert_int_equal(text_utf8_len("\xc0\xae", 2), 0);            /* overlong '.' */
	assert_int_equal(text_utf8_len("\xe0\x80\xae", 3), 0);       /* overlong */
	assert_int_equal(text_utf8_len("\xed\xa0\x80", 3), 0);       /* a surrogate */
	assert_int_equal(text_utf8_len("\xf4\x90\x80\x80", 4), 0);  /* past U+10FFFF */
	assert_int_equal(text_utf8_len("\xc3" "a", 2), 0);
	assert_int_equal(text_utf8_len("", 0), 0);
}

static void clip(void **state)
{
	char out[TEXT_QUOTE_SIZE], a60[61], s[80];

	(void)state;
	text_clip(out, sizeof(out), "plain", 5, 60);
	assert_string_equal(out, "plain");
	text_clip(out, sizeof(out), "\xff\xfe", 2, 60);
	assert_string_equal(out, "\\xff\\xfe");
	text_clip(out, sizeof(out), "a\x01\nb\x7f", 5, 60);
	assert_string_equal(out, "a\\x01\\x0ab\\x7f");
	text_clip(out, sizeof(out), "caf\xc3\xa9", 5, 60);
	assert_string_equal(out, "caf\xc3\xa9");
	text_clip(out, sizeof(out), "caf\xc3", 4, 60);               /* a cut character is escaped */
	assert_string_equal(out, "caf\\xc3");
	/* max counts characters: 60 of them, a multi-byte one never split */
	memset(a60, 'a', 60);
	a60[60] = '\0';
	snprintf(s, sizeof(s), "%.59s\xc3\xa9tail", a60);
	text_clip(out, sizeof(out), s, strlen(s), 60);
	assert_int_equal(strlen(out), 59 + 2 + 3);
	assert_string_equal(out + 59, "\xc3\xa9...");
	snprintf(s, sizeof(s), "%s\xc3\xa9", a60);
	text_clip(out, sizeof(out), s, strlen(s), 60);
	assert_string_equal(out + 60, "...");
	/* a small buffer cuts on a character too, and keeps room for "..." */
	text_clip(out, 8, "\xe2\x82\xac\xe2\x82\xac", 6, 60);
	assert_string_equal(out, "\xe2\x82\xac...");
	text_clip(out, 8, "\xff\xff", 2, 60);
	assert_string_equal(out, "\\xff...");
	text_clip(out, 3, "abc", 3, 60);
	assert_string_equal(out, "");
	assert_string_equal(text_quote(out, sizeof(out), NULL), "");
	assert_string_equal(text_quote(out, sizeof(out), "k\xffnd"), "k\\xffnd");
}

static void gaps(void **state)
{
	/* As MHD leaves "Host: a\r\nX: b\r\n\r\n", and with a NUL the client sent. */
	const char clean[] = "Host\0 a\0\0X\0 b\0\0\0\0";
	const char hidden[] = "Host\0 a\0evil\0\0X";

	(void)state;
	assert_true(text_gap_ok(clean + 4, clean + 6, 1, 1));   /* ':' and a blank */
	assert_true(text_gap_ok(clean + 7, clean + 9, 1, 2));   /* CRLF */
	assert_true(text_gap_ok(clean + 7, clean + 8, 1, 2));   /* a bare LF */
	assert_true(text_gap_ok(clean + 13, clean + 17, 2, 4)); /* the end of the head */
	assert_false(text_gap_ok(clean + 13, clean + 17, 1, 3));
	assert_false(text_gap_ok(clean + 7, clean + 7, 1, 2));  /* nothing where MHD wrote a NUL */
	assert_false(text_gap_ok(hidden + 7, hidden + 14, 1, 2));
	assert_false(text_gap_ok(clean + 9, clean + 7, 0, 4));  /* backwards */
	assert_true(text_gap_ok("\0  \t", "\0  \t" + 4, 1, 1));
	assert_false(text_gap_ok("\0 x", "\0 x" + 3, 1, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(prom),         cmocka_unit_test(prom_containers),
		cmocka_unit_test(prom_top),
		cmocka_unit_test(state_containers),		cmocka_unit_test(bytes_per_object),
		cmocka_unit_test(state_bodies), cmocka_unit_test(state_events),
		cmocka_unit_test(state_lazy),
		cmocka_unit_test(tokens),       cmocka_unit_test(web_names),
		cmocka_unit_test(utf8),         cmocka_unit_test(clip),
		cmocka_unit_test(gaps),         cmocka_unit_test(digest),
		cmocka_unit_test(digest_groups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
