/* test_utf8.c - bytes that are no UTF-8 never drop a member from the JSON: validation as
 * strict as jansson's, repair with U+FFFD, and the _raw member beside the text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/utf8.h"
#include "render/json.h"

static void test_valid(void **state)
{
	static const char *const good[] = {"", "abc", "\xc2\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
					   "\xef\xbf\xbd", "\xf4\x8f\xbf\xbf", "\xed\x9f\xbf"};
	static const char *const bad[] = {"\xff", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xed\xa0\x80",
					  "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xc2", "\xe2\x82",
					  "\xf0\x9f\x98", "\x80", "a\xfe" "b"};
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(utf8_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(utf8_valid(bad[i]));
}

static void test_repair(void **state)
{
	char *r;

	(void)state;
	r = utf8_repair("fz-\xff\xfe");
	assert_string_equal(r, "fz-\xef\xbf\xbd\xef\xbf\xbd");
	free(r);
	/* A cut sequence: each byte of it is replaced, what follows is kept. */
	r = utf8_repair("\xe2\x82" "x\xc2\xa9");
	assert_string_equal(r, "\xef\xbf\xbd\xef\xbf\xbdx\xc2\xa9");
	free(r);
	r = hex_of("fz\xff");
	assert_string_equal(r, "667aff");
	free(r);
}

/* Differential: on random bytes, utf8_valid agrees with jansson's own check, and the
 * repaired text is always accepted. */
static void test_against_jansson(void **state)
{
	unsigned seed = 12345;

	(void)state;
	for (int n = 0; n < 200000; n++) {
		char s[8];
		size_t len = 1 + (size_t)(rand_r(&seed) % 7);
		json_t *j;
		char *r;

		for (size_t i = 0; i < len; i++) {
			unsigned v = (unsigned)rand_r(&seed);
			/* Bias toward the interesting bytes: leads and continuations. */
			s[i] = (char)(v & 1 ? 0x80 + (v >> 1) % 0x80 : 1 + (v >> 1) % 0xff);
		}
		s[len] = '\0';
		j = json_string(s);
		assert_int_equal(utf8_valid(s), j != NULL);
		json_decref(j);
		r = utf8_repair(s);
		j = json_string(r);
		assert_non_null(j);
		json_decref(j);
		free(r);
	}
}

static void test_set_text(void **state)
{
	json_t *o = json_object();

	(void)state;
	json_set_text(o, "name", "ok");
	json_set_text(o, "owner.user", "b\xff");
	assert_string_equal(json_string_value(json_object_get(o, "name")), "ok");
	assert_null(json_object_get(o, "name_raw"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "owner"), "user")),
			    "b\xef\xbf\xbd");
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "owner"), "user_raw")),
			    "62ff");
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_repair),
		cmocka_unit_test(test_against_jansson),
		cmocka_unit_test(test_set_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
