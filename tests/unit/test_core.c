/* test_core.c - the core modules: number parsing, sizes, kinds, columns, filters, the
 * inode index and the JSON an object becomes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/coltext.h"
#include "core/columns.h"
#include "core/filter.h"
#include "core/kinds.h"
#include "core/snapshot.h"
#include "core/util.h"
#include "render/json.h"
#include "fixture.h"

static void numbers(void **state)
{
	uint64_t u;
	int64_t i;

	(void)state;
	assert_int_equal(parse_u64("18446744073709551615", &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(parse_u64("18446744073709551616", &u), -ERANGE);
	assert_int_equal(parse_u64("12x", &u), -EINVAL);
	assert_int_equal(parse_u64("", &u), -EINVAL);
	assert_int_equal(parse_u64("-1", &u), -EINVAL);
	assert_int_equal(parse_i64("-64697285", &i), 0);
	assert_int_equal(i, -64697285);
	assert_int_equal(parse_i64("99999999999999999999", &i), -ERANGE);
	assert_int_equal(parse_u64_base("1640", 8, &u), 0);
	assert_int_equal(u, 01640);
	assert_int_equal(parse_u64_base("8", 8, &u), -EINVAL);
}

/* The digits-only fast path (util.c: plain_digits) against strtoull and strtoll on the
 * strings at its edges and random ones: same verdict, same value. */
static void numbers_like_strtoull(void **state)
{
	static const char *const fixed[] = {
		"0", "00", "7", "9", "10", "077", "999999999999999999", "1000000000000000000",
		"9999999999999999999", "18446744073709551615", "18446744073709551616",
		"000000000000000000000001", "-0", "-", "-9223372036854775808",
		"-9223372036854775809", "9223372036854775807", "9223372036854775808", "\t5", "5 ",
		"0x10", "1e3", "12a", "", "--1", "-+1",
	};
	char buf[32];

	(void)state;
	srand(14);
	for (size_t k = 0; k < 20000 + sizeof(fixed) / sizeof(fixed[0]); k++) {
		const char *s = buf;

		if (k < sizeof(fixed) / sizeof(fixed[0])) {
			s = fixed[k];
		} else {
			size_t n = (size_t)rand() % 22;

			for (size_t i = 0; i < n; i++)
				buf[i] = (char)(rand() % 13 ? '0' + rand() % 10 : "-x 9\t+8"[rand() % 7]);
			buf[n] = '\0';
		}
		for (int base = 8; base <= 10; base += 2) {
			uint64_t u = 12345, want_u;
			char *end;
			int rc = parse_u64_base(s, base, &u), want;

			errno = 0;
			want_u = strtoull(s, &end, base);
			want = !*s || *s == '-' || *s == '+' || *s == ' ' ? -EINVAL
			       : errno == ERANGE ? -ERANGE : end == s || *end ? -EINVAL : 0;
			assert_int_equal(rc, want);
			if (rc == 0)
				assert_true(u == want_u);
		}
		{
			int64_t i = 12345;
			long long want_i;
			char *end;
			int rc = parse_i64(s, &i), want;

			errno = 0;
			want_i = strtoll(s, &end, 10);
			want = !*s || *s == ' ' || *s == '+' ? -EINVAL
			       : errno == ERANGE ? -ERANGE : end == s || *end ? -EINVAL : 0;
			assert_int_equal(rc, want);
			if (rc == 0)
				assert_true(i == want_i);
		}
	}
}

/* time_iso_utc's own calendar (columns.c: utc_parts) against gmtime_r, at the edges of the
 * four-digit years and on random seconds: the same text, or refused alike. */
static void utc_like_gmtime(void **state)
{
	static const int64_t fixed[] = {0, -1, 1, 86399, 86400, -86400, -86401, 951782400,
					951868800, 4107542400, -62167219200, -62167219201,
					253402300799, 253402300800, -2208988800, 1798761599,
					INT64_MIN, INT64_MAX};
	char got[32], want[80];

	(void)state;
	srand(1414);
	for (size_t k = 0; k < 200000; k++) {
		int64_t t = k < sizeof(fixed) / sizeof(fixed[0]) ? fixed[k]
			    : (int64_t)(((uint64_t)rand() << 32 ^ (uint64_t)rand()) % 320000000000ULL) -
				      64000000000LL;
		time_t tt = (time_t)t;
		struct tm tm;
		bool ok = time_iso_utc(t, got, sizeof(got));
		bool want_ok = gmtime_r(&tt, &tm) && tm.tm_year >= -1900 && tm.tm_year <= 9999 - 1900;

		assert_int_equal(ok, want_ok);
		if (!ok)
			continue;
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		assert_string_equal(got, want);
	}
}

static void sizes(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(human_size(0, buf, sizeof(buf)), "0B");
	assert_string_equal(human_size(1023, buf, sizeof(buf)), "1023B");
	assert_string_equal(human_size(16384, buf, sizeof(buf)), "16K");
	assert_string_equal(human_size(1536, buf, sizeof(buf)), "1.5K");
	assert_string_equal(human_size(UINT64_MAX, buf, sizeof(buf)), "16E");
}

static void kinds(void **state)
{
	unsigned m;
	const char *bad;

	(void)state;
	assert_int_equal(kinds_parse("sysv", &m, &bad), 0);
	assert_int_equal(m, KIND_BIT(KIND_SYSV_MSG) | KIND_BIT(KIND_SYSV_SHM) | KIND_BIT(KIND_SYSV_SEM));
	assert_int_equal(kinds_parse("posix-mq,pipe", &m, &bad), 0);
	assert_int_equal(m, KIND_BIT(KIND_POSIX_MQ) | KIND_BIT(KIND_PIPE));
	assert_int_equal(kinds_parse("sysv,nope", &m, &bad), -EINVAL);
	assert_string_equal(bad, "nope");
	assert_int_equal(kinds_parse("sysv,,", &m, &bad), -EINVAL);
	assert_int_equal(kind_by_name("udp"), KIND_UDP);
	assert_int_equal(kind_by_name("UDP"), -1);
	for (int k = 0; k < KIND__COUNT; k++)
		assert_int_equal(kind_by_name(kind_name((enum ipc_kind)k)), k);
}

/* Every column a kind's `show` names must exist and apply to that kind. */
static void kinds_name_real_columns(void **state)
{
	(void)state;
	for (int k = 0; k < KIND__COUNT; k++) {
		const struct column **cols;
		const char *bad = NULL;
		size_t n;

		assert_int_equal(columns_parse(kind_info((enum ipc_kind)k)->columns, "", &cols, &n, &bad), 0);
		for (size_t i = 0; i < n; i++)
			assert_true(cols[i]->kinds & KIND_BIT(k));
		free(cols);
	}
}

static void column_specs(void **state)
{
	const struct column **cols;
	const char *bad;
	size_t n;

	(void)state;
	assert_int_equal(columns_parse("+rss", "KIND,ID", &cols, &n, &bad), 0);
	assert_int_equal(n, 3);
	assert_string_equal(cols[2]->name, "RSS");
	free(cols);
	assert_int_equal(columns_parse("ID,BOGUS", "KIND", &cols, &n, &bad), -EINVAL);
	assert_string_equal(bad, "BOGUS");
	assert_null(cols);
	assert_int_equal(columns_parse("", "KIND", &cols, &n, &bad), -EINVAL);
	/* Two columns may share a JSON path only when no kind has both. */
	for (size_t i = 0; i < ncolumns; i++)
		for (size_t j = i + 1; j < ncolumns; j++)
			if (columns[i].json && columns[j].json && !strcmp(columns[i].json, columns[j].json))
				assert_int_equal(columns[i].kinds & columns[j].kinds, 0);
}

static void keys_and_refs(void **state)
{
	struct ipc_object *o = object_new(KIND_SYSV_MSG, "sysv-msg:1:7");
	uint32_t k;

	(void)state;
	assert_int_equal(parse_key("0x5a002327", &k), 0);
	assert_int_equal(k, 0x5a002327);
	assert_int_equal(parse_key("-1", &k), 0);
	assert_int_equal(k, 0xffffffff);
	assert_int_equal(parse_key("0x", &k), -EINVAL);
	assert_int_equal(parse_key("0x1ffffffff", &k), -EINVAL);
	o->id = 7;
	o->has_key = true;
	o->key = 0x1234;
	assert_true(object_matches_ref(o, "7"));
	assert_false(object_matches_ref(o, "8"));
	assert_true(object_matches_ref(o, "0x00001234"));
	assert_false(object_matches_ref(o, "0x1235"));
	assert_true(object_matches_ref(o, "sysv-msg:1:7"));
	object_free(o);

	o = object_new(KIND_POSIX_MQ, "posix-mq:2:/q");
	o->name = xstrdup("/q");
	o->inode = 99;
	assert_true(object_matches_ref(o, "q"));
	assert_true(object_matches_ref(o, "/q"));
	assert_true(object_matches_ref(o, "99"));
	assert_false(object_matches_ref(o, "/r"));
	object_free(o);
}

static void filters(void **state)
{
	struct ipc_object *o = object_new(KIND_SYSV_SHM, "sysv-shm:1:3");
	struct filter f = {0};

	(void)state;
	o->has_owner = true;
	o->uid = 1000;
	obj_ipc_mut(o)->cpid.pid = 42;
	assert_true(filter_match(&f, o));
	f.kinds = KIND_BIT(KIND_SYSV_MSG);
	assert_false(filter_match(&f, o));
	f.kinds = KIND_BIT(KIND_SYSV_SHM);
	f.has_uid = true;
	f.uid = 1000;
	assert_true(filter_match(&f, o));
	f.has_pid = true;
	f.pid = 43;
	assert_false(filter_match(&f, o));
	object_add_holder(o, 43, "cat", 3, ACC_R, NULL);
	assert_true(filter_match(&f, o));
	object_free(o);
}

static void inode_index(void **state)
{
	struct snapshot s;

	(void)state;
	snapshot_init(&s);
	for (uint64_t i = 1; i <= 5000; i++) {
		char id[32];
		struct ipc_object *o;

		snprintf(id, sizeof(id), "pipe:%llu", (unsigned long long)i);
		o = object_new(i % 2 ? KIND_PIPE : KIND_UNIX, id);
		o->inode = i * 7919;
		snapshot_add(&s, o);
		if (i == 10)
			assert_non_null(snapshot_find_inode(&s, -1, 7919)); /* index built mid-way */
	}
	assert_non_null(snapshot_find_inode(&s, KIND_PIPE, 4999 * 7919ULL));
	assert_null(snapshot_find_inode(&s, KIND_UNIX, 4999 * 7919ULL));
	assert_non_null(snapshot_find_inode(&s, KIND_UNIX, 5000 * 7919ULL));
	assert_null(snapshot_find_inode(&s, -1, 12345));
	snapshot_release(&s);
}

static void identity_index(void **state)
{
	struct snapshot s;
	char id[32];

	(void)state;
	snapshot_init(&s);
	snapshot_add(&s, object_new(KIND_PIPE, "pipe:1"));
	assert_non_null(snapshot_find_identity(&s, "pipe:1")); /* index built here */
	for (int i = 2; i <= 3000; i++) {                     /* and kept up to date */
		snprintf(id, sizeof(id), "pipe:%d", i);
		snapshot_add(&s, object_new(KIND_PIPE, id));
		if (i % 500 == 0)
			assert_string_equal(snapshot_find_identity(&s, id)->identity, id);
	}
	assert_non_null(snapshot_find_identity(&s, "pipe:2999"));
	assert_null(snapshot_find_identity(&s, "pipe:3001"));
	assert_null(snapshot_find_identity(&s, "pipe:"));
	snapshot_release(&s);
}

static void pid_cache(void **state)
{
	struct snapshot s;
	struct pid_ref r = {.pid = 5};

	(void)state;
	snapshot_init(&s);
	assert_false(snapshot_pid_lookup(&s, &r));
	for (pid_t p = 1; p < 3000; p++) {
		struct pid_ref w = {.pid = p, .gone = p % 3 == 0, .start = p * 10};
		snprintf(w.comm, sizeof(w.comm), "%s", p % 2 ? "odd" : "even");
		snapshot_pid_store(&s, &w);
	}
	r.pid = 2999;
	assert_true(snapshot_pid_lookup(&s, &r));
	assert_string_equal(r.comm, "odd");
	assert_false(r.gone);
	assert_int_equal(r.start, 29990);
	r.pid = 6;
	assert_true(snapshot_pid_lookup(&s, &r));
	assert_string_equal(r.comm, "even");
	assert_true(r.gone);
	snapshot_release(&s);
}

/* Numbers are numbers, absent fields are left out, dotted paths nest. */
static void json_typing(void **state)
{
	struct ipc_object *o = object_new(KIND_SYSV_MSG, "sysv-msg:4026531839:7");
	json_t *j;

	(void)state;
	o->id = 7;
	o->has_key = true;
	o->key = 0x5a002327;
	o->has_mode = true;
	o->mode = 0640;
	o->has_owner = true;
	o->size = 16384;
	o->used_bytes = 60;
	obj_ipc_mut(o)->messages = 3;
	obj_ipc_mut(o)->lspid.pid = 8999;
	snprintf(obj_ipc_mut(o)->lspid.comm, sizeof(o->ipc->lspid.comm), "server");
	j = json_of_object(o);
	assert_string_equal(json_string_value(json_object_get(j, "key")), "0x5a002327");
	assert_string_equal(json_string_value(json_object_get(j, "mode")), "0640");
	assert_true(json_is_integer(json_object_get(j, "size")));
	assert_int_equal(json_integer_value(json_object_get(j, "used_bytes")), 60);
	assert_int_equal(json_integer_value(json_object_get(j, "messages")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "owner"), "uid")), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "last_send"), "comm")),
			    "server");
	assert_null(json_object_get(j, "nattch"));  /* not a field of queues */
	assert_null(json_object_get(j, "stime"));   /* never sent: left out */
	assert_null(json_object_get(j, "last_recv"));
	assert_true(json_is_array(json_object_get(j, "holders")));
	assert_true(json_real_value(json_object_get(j, "use_percent")) > 0.3);
	json_decref(j);
	object_free(o);
}

/* Times the calendar cannot show (found with a file whose mtime is 2^62): gmtime_r and
 * localtime_r fail, or the year has more than four digits. JSON leaves such a time out, so
 * that every time it gives matches the schema; text shows the seconds as "@N". */
static void times_out_of_range(void **state)
{
	const int64_t huge = INT64_C(1) << 62;
	const struct column *c = column_find("MTIME");
	struct ipc_object *o = object_new(KIND_POSIX_SHM, "posix-shm:1:/t");
	struct col_value v;
	char buf[64];
	json_t *j;

	(void)state;
	setenv("TZ", "UTC0", 1);
	tzset();
	assert_string_equal(format_time_utc(86400, buf, sizeof(buf)), "1970-01-02T00:00:00Z");
	assert_string_equal(format_time_utc(INT64_C(253402300799), buf, sizeof(buf)),
			    "9999-12-31T23:59:59Z");
	assert_string_equal(format_time_utc(huge, buf, sizeof(buf)), "@4611686018427387904");
	assert_string_equal(format_time_utc(INT64_C(253402300800), buf, sizeof(buf)), "@253402300800");
	assert_string_equal(format_time_utc(INT64_MIN, buf, sizeof(buf)), "@-9223372036854775808");
	/* The ISO form exists for years 0000 to 9999 only. */
	assert_true(time_iso_utc(INT64_C(-62167219200), buf, sizeof(buf)));
	assert_string_equal(buf, "0000-01-01T00:00:00Z");
	assert_false(time_iso_utc(INT64_C(-62167219201), buf, sizeof(buf)));
	assert_string_equal(buf, "");
	assert_false(time_iso_utc(INT64_C(253402300800), buf, sizeof(buf)));
	assert_false(time_iso_utc(huge, buf, sizeof(buf)));
	assert_false(time_iso_utc(0, buf, 20)); /* no room for the terminating NUL */

	assert_non_null(c);
	obj_ipc_mut(o)->mtime = huge;
	obj_ipc_mut(o)->atime = 86400;
	o->ctime = INT64_C(253402300800); /* year 10000 */
	column_value(c, o, &v);
	assert_true(v.present);
	assert_string_equal(column_text(c, &v, false, buf, sizeof(buf)), "@4611686018427387904");
	column_value(column_find("CTIME"), o, &v);
	assert_string_equal(column_text(c, &v, false, buf, sizeof(buf)), "@253402300800");
	column_value(column_find("ATIME"), o, &v);
	/* Table times say their zone by default (iso); --time-format full and short as lsipc. */
	setenv("TZ", "UTC", 1);
	tzset();
	assert_string_equal(column_text(c, &v, false, buf, sizeof(buf)), "1970-01-02T00:00:00+00:00");
	columns_set_time_format(TIME_FULL);
	assert_string_equal(column_text(c, &v, false, buf, sizeof(buf)), "Fri Jan  2 00:00:00 1970");
	columns_set_time_format(TIME_SHORT);
	assert_string_equal(column_text(c, &v, false, buf, sizeof(buf)), "1970-Jan02");
	columns_set_time_format(TIME_ISO);
	setenv("TZ", "EST5", 1);
	tzset();
	assert_string_equal(column_text(c, &v, false, buf, sizeof(buf)), "1970-01-01T19:00:00-05:00");
	setenv("TZ", "UTC", 1);
	tzset();
	/* A buffer too small for the text gets a cut but terminated string, never stack bytes. */
	assert_true(strlen(column_text(c, &v, false, buf, 5)) < 5);

	j = json_of_object(o);
	assert_null(json_object_get(j, "mtime"));
	assert_null(json_object_get(j, "ctime"));
	assert_string_equal(json_string_value(json_object_get(j, "atime")), "1970-01-02T00:00:00Z");
	json_decref(j);
	object_free(o);
}

/* Streaming the objects one at a time prints exactly what dumping the whole document does. */
static void json_streamed_equals_whole(void **state)
{
	struct snapshot s;
	const size_t flags[] = {JSON_OUT_PRETTY, JSON_OUT_COMPACT};

	(void)state;
	assert_int_equal(fixture_scan("sysv-real", KINDS_ALL, false, &s), 0);
	assert_true(s.nobjs >= 3);
	for (size_t f = 0; f < 2; f++) {
		for (size_t n = 0; n <= s.nobjs; n += s.nobjs) { /* none, and all */
			json_t *frame = json_document(&s), *whole = json_document(&s);
			char *a, *b;
			size_t len;

			json_object_set_new(whole, "objects", json_of_objects(s.objs, n));
			a = json_dumps(whole, flags[f]);
			b = json_render_objects(frame, s.objs, n, flags[f], &len);
			assert_non_null(b);
			assert_string_equal(b, a);
			assert_int_equal(len, strlen(a));
			free(a);
			free(b);
			json_decref(frame);
			json_decref(whole);
		}
	}
	snapshot_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers),
		cmocka_unit_test(numbers_like_strtoull),
		cmocka_unit_test(utc_like_gmtime),
		cmocka_unit_test(sizes),
		cmocka_unit_test(kinds),       cmocka_unit_test(kinds_name_real_columns),
		cmocka_unit_test(column_specs),     cmocka_unit_test(keys_and_refs),
		cmocka_unit_test(filters),     cmocka_unit_test(inode_index),
		cmocka_unit_test(identity_index),
		cmocka_unit_test(pid_cache),   cmocka_unit_test(json_typing),
		cmocka_unit_test(json_streamed_equals_whole),
		cmocka_unit_test(times_out_of_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
