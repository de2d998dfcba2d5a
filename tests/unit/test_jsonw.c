/* test_jsonw.c - the streaming JSON writer against jansson, its oracle: every byte value in
 * strings, invalid UTF-8, reals at every precision, the layout of empty and nested values
 * under every flag, the per-kind column plans, and then whole objects, from every fixture
 * tree, from the live host and made at random, compared byte for byte with json_dumps of
 * json_of_object and parsed back with json_equal (tests/fuzz/json_check.h). */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "../fuzz/json_check.h"
#include "core/columns.h"
#include "core/snapshot.h"
#include "fixture.h"
#include "render/json.h"
#include "render/json_emit.h"
#include "render/jsonw.h"

/* The writer's text for {key: s} through member_text (text) or member_str, against
 * jansson's for json_set_text or json_string with the same flags. */
static void check_string(const char *s, bool text, size_t flags)
{
	json_t *j = json_object();
	struct jsonw w;
	char *want;

	if (text)
		json_set_text(j, "k", s);
	else
		json_object_set_new(j, "k", json_string(s));
	jsonw_init(&w, flags, 0);
	jsonw_open_object(&w);
	if (text)
		jsonw_member_text(&w, "k", s);
	else
		jsonw_member_str(&w, "k", s);
	jsonw_member_int(&w, "after", 1); /* a member left out leaves no stray comma */
	jsonw_close_object(&w);
	json_object_set_new(j, "after", json_integer(1));
	want = json_dumps(j, flags);
	assert_non_null(want);
	if (w.len != strlen(want) || memcmp(w.p, want, w.len))
		fail_msg("string %s: jansson %s, writer %.*s", s, want, (int)w.len, w.p);
	free(want);
	json_decref(j);
	jsonw_release(&w);
}

static void strings_every_byte(void **state)
{
	char s[8];

	(void)state;
	for (int f = 0; f < 2; f++) {
		size_t flags = json_check_flags[f];

		for (unsigned a = 1; a < 256; a++) {
			snprintf(s, sizeof(s), "%c", a);
			check_string(s, true, flags);
			check_string(s, false, flags);
			for (unsigned b = 1; b < 256; b++) {
				s[0] = (char)a, s[1] = (char)b, s[2] = 'x', s[3] = '\0';
				check_string(s, true, flags);
				check_string(s, false, flags);
			}
		}
	}
	/* Sequences at the edges of RFC 3629: overlong, surrogates, past U+10FFFF, cut. */
	static const char *const edge[] = {"\xc0\x80", "\xe0\x9f\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf",
					   "\xed\xa0\x80", "\xf0\x8f\xbf\xbf", "\xf0\x90\x80\x80",
					   "\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
					   "\xe2\x82", "a\xf0\x9f\x98", "\xef\xbf\xbd", "/\\\"\x7f",
					   "\xe2\x80\xa8\xe2\x80\xa9", ""};
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		for (size_t f = 0; f < JSON_CHECK_NFLAGS; f++) {
			check_string(edge[i], true, json_check_flags[f]);
			check_string(edge[i], false, json_check_flags[f]);
		}
	check_string(NULL, false, JSON_OUT_COMPACT); /* json_string(NULL): left out */
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void check_real(double v, int precision)
{
	json_t *a = json_pack("[f]", v);
	char *want = json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(precision)), buf[64];
	size_t n = jsonw_format_real(buf, sizeof(buf), v, precision);

	assert_non_null(want);
	want[strlen(want) - 1] = '\0';
	if (n != strlen(want + 1) || memcmp(buf, want + 1, n))
		fail_msg("real %.17g at %d: jansson %s, writer %.*s", v, precision, want + 1, (int)n, buf);
	free(want);
	json_decref(a);
}

static void reals(void **state)
{
	static const double fixed[] = {0, -0.0, 0.1, 33.3, 100, 1e16, 1e17, 1e20, 1e-5, 1e-300,
				       5e-324, 1.7976931348623157e308, -922337203685477580.8,
				       123456789012345678.0, 99.95, 0.05, 1.0 / 3};
	char buf[64];

	(void)state;
	for (int p = 0; p < 32; p++) {
		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
			check_real(fixed[i], p);
		for (int i = 0; i < 2000; i++) {
			uint64_t bits = next_rand();
			double v;

			memcpy(&v, &bits, sizeof(v));
			if (isfinite(v))
				check_real(v, p);
			check_real((double)(int64_t)(next_rand() % 20001) / 10.0, p);
		}
	}
	assert_int_equal(jsonw_format_real(buf, sizeof(buf), NAN, 0), 0);
	assert_int_equal(jsonw_format_real(buf, sizeof(buf), INFINITY, 15), 0);
}

/* {"a":{},"b":[],"c":[{},[],-9223372036854775808,{"x":[1]}],"d":{"e":{"f":[]}},"t":true,
 * "n":null} both ways, under every flag and at a base indent. */
static void layout(void **state)
{
	(void)state;
	for (size_t f = 0; f < JSON_CHECK_NFLAGS; f++) {
		size_t flags = json_check_flags[f];
		json_t *j = json_pack("{s:{}, s:[], s:[{}, [], I, {s:[i]}], s:{s:{s:[]}}, s:b, s:n}", "a",
				      "b", "c", (json_int_t)INT64_MIN, "x", 1, "d", "e", "f", "t", 1, "n");
		char *want = json_dumps(j, flags);
		struct jsonw w;

		jsonw_init(&w, flags, 0);
		jsonw_open_object(&w);
		jsonw_member_object(&w, "a");
		jsonw_close_object(&w);
		jsonw_member_array(&w, "b");
		jsonw_close_array(&w);
		jsonw_member_array(&w, "c");
		jsonw_open_object(&w);
		jsonw_close_object(&w);
		jsonw_open_array(&w);
		jsonw_close_array(&w);
		jsonw_int(&w, INT64_MIN);
		jsonw_open_object(&w);
		jsonw_member_array(&w, "x");
		jsonw_int(&w, 1);
		jsonw_close_array(&w);
		jsonw_close_object(&w);
		jsonw_close_array(&w);
		jsonw_member_object(&w, "d");
		jsonw_member_object(&w, "e");
		jsonw_member_array(&w, "f");
		jsonw_close_array(&w);
		jsonw_close_object(&w);
		jsonw_close_object(&w);
		jsonw_member_bool(&w, "t", true);
		jsonw_member_null(&w, "n");
		jsonw_member_real(&w, "nan", NAN); /* left out, as json_real(NAN) is NULL */
		jsonw_close_object(&w);
		assert_non_null(want);
		if (w.len != strlen(want) || memcmp(w.p, want, w.len))
			fail_msg("flags %#zx: jansson %s, writer %.*s", flags, want, (int)w.len, w.p);
		free(want);
		json_decref(j);
		jsonw_release(&w);
	}
}

/* Each kind's plan holds exactly the columns with a JSON path that apply to it, in table
 * order, and is well formed (json_plan_of aborts otherwise). */
static void plans(void **state)
{
	(void)state;
	for (int k = 0; k < KIND__COUNT; k++) {
		const struct json_plan *p = json_plan_of((enum ipc_kind)k);
		size_t n, l = 0, nl = 0;
		const struct column *const *cols = column_plan((enum ipc_kind)k, &n);

		for (size_t i = 0; i < ncolumns; i++)
			if (columns[i].kinds & KIND_BIT(k))
				assert_ptr_equal(cols[l++], &columns[i]);
		assert_int_equal(l, n);
		l = 0;
		for (size_t i = 0; i < n; i++) {
			if (!cols[i]->json)
				continue;
			assert_true(l < p->nleaves);
			assert_ptr_equal(p->leaves[l++].col, cols[i]);
		}
		assert_int_equal(l, p->nleaves);
		for (size_t m = 0; m < p->nmembers; m++) {
			assert_int_equal(p->members[m].first, nl);
			nl += p->members[m].n;
			assert_true(p->members[m].group[0] || p->members[m].n == 1);
		}
		assert_int_equal(nl, p->nleaves);
	}
}

/* Every object of s, and the documents list -J writes of them, both ways. */
static void check_snapshot(struct snapshot *s, const char *name)
{
	const size_t doc_flags[] = {JSON_OUT_PRETTY, JSON_OUT_COMPACT};

	for (size_t i = 0; i < s->nobjs; i++)
		if (json_check_object_all(s->objs[i]) < 0)
			fail_msg("%s: object %s", name, s->objs[i]->identity);
	for (size_t f = 0; f < 2; f++) {
		json_t *frame = json_document(s), *whole = json_document(s);
		char *a, *b;
		size_t len;

		json_object_set_new(whole, "objects", json_of_objects(s->objs, s->nobjs));
		a = json_dumps(whole, doc_flags[f]);
		b = json_render_objects(frame, s->objs, s->nobjs, doc_flags[f], &len);
		assert_non_null(a);
		assert_non_null(b);
		if (strcmp(a, b))
			fail_msg("%s: the document differs from jansson's", name);
		assert_int_equal(len, strlen(a));
		free(a);
		free(b);
		json_decref(frame);
		json_decref(whole);
	}
}

static void fixtures(void **state)
{
	const char *dir = getenv("FIXTURES");
	DIR *d = opendir(dir ? dir : "tests/fixtures");
	struct dirent *e;
	size_t trees = 0, objs = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		struct snapshot s;

		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		/* A tree some collectors cannot read still gives a snapshot; it is what list
		 * prints that is compared. */
		fixture_scan(e->d_name, KINDS_ALL, false, &s);
		check_snapshot(&s, e->d_name);
		objs += s.nobjs;
		trees++;
		snapshot_release(&s);
	}
	closedir(d);
	assert_true(trees >= 20);
	assert_true(objs >= 50);
}

/* Whatever this host holds now: holders, waiters, sockets, containers. */
static void live_host(void **state)
{
	struct scan_ctx ctx;
	struct snapshot s;

	(void)state;
	snapshot_init(&s);
	assert_int_equal(scan_ctx_init(&ctx, NULL, KINDS_ALL), 0);
	scan_run(&ctx, &s);
	scan_ctx_release(&ctx);
	assert_true(s.nobjs > 0); /* this very process holds pipes or sockets */
	check_snapshot(&s, "live host");
	snapshot_release(&s);
}

static void random_objects(void **state)
{
	uint8_t bytes[4096];
	struct json_check_pool pool;
	int bad = 0;

	(void)state;
	for (int i = 0; i < 2500; i++) {
		struct byte_src b = {bytes, sizeof(bytes)};
		struct ipc_object *o;

		for (size_t k = 0; k < sizeof(bytes); k += 8) {
			uint64_t r = next_rand();

			memcpy(bytes + k, &r, 8);
		}
		/* Some objects with few bytes: most fields then absent, arrays empty. */
		if (i % 7 == 0)
			b.n = next_rand() % 64;
		src_containers(&b, &pool);
		o = src_object(&b, &pool);
		bad += json_check_object_all(o) < 0;
		object_free(o);
	}
	assert_int_equal(bad, 0);
}

/* list -J's document of many objects, whose text is made on several threads in blocks
 * (render/json.c: render_parallel), is byte for byte what one thread writes and what the
 * document without a sink holds, and parses back whole. */
static void parallel_render(void **state)
{
	enum { N = 4501 }; /* past RENDER_PAR_MIN: two rounds of blocks and a part of one */
	struct json_check_pool *pools = xcalloc(N, sizeof(*pools));
	struct ipc_object **objs = xcalloc(N, sizeof(*objs));
	json_t *frame = json_pack("{s:s,s:[]}", "schema", "ipcscope/1", "errors"), *back;
	char *text[2], *whole;
	size_t len[2], wlen;
	uint8_t bytes[1024];

	(void)state;
	for (size_t i = 0; i < N; i++) {
		struct byte_src b = {bytes, sizeof(bytes)};

		for (size_t k = 0; k < sizeof(bytes); k += 8) {
			uint64_t r = next_rand();

			memcpy(bytes + k, &r, 8);
		}
		if (i % 5 == 0)
			b.n = next_rand() % 64;
		src_containers(&b, &pools[i]);
		objs[i] = src_object(&b, &pools[i]);
	}
	for (int t = 0; t < 2; t++) {
		FILE *f = open_memstream(&text[t], &len[t]);

		assert_non_null(f);
		setenv("IPCSCOPE_SCAN_THREADS", t ? "3" : "1", 1);
		assert_int_equal(json_print_objects(f, frame, objs, N), 0);
		fclose(f);
	}
	unsetenv("IPCSCOPE_SCAN_THREADS");
	assert_true(len[0] == len[1]);
	assert_memory_equal(text[0], text[1], len[0]);
	whole = json_render_objects(frame, objs, N, JSON_OUT_PRETTY, &wlen);
	assert_non_null(whole);
	assert_true(wlen + 1 == len[1]);
	assert_memory_equal(whole, text[1], wlen);
	back = json_loadb(text[1], len[1], 0, NULL);
	assert_non_null(back);
	assert_int_equal(json_array_size(json_object_get(back, "objects")), N);
	json_decref(back);
	free(whole);
	free(text[0]);
	free(text[1]);
	json_decref(frame);
	for (size_t i = 0; i < N; i++)
		object_free(objs[i]);
	free(objs);
	free(pools);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strings_every_byte), cmocka_unit_test(reals),
		cmocka_unit_test(layout),             cmocka_unit_test(plans),
		cmocka_unit_test(fixtures),           cmocka_unit_test(live_host),
		cmocka_unit_test(random_objects),     cmocka_unit_test(parallel_render),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
