/* test_gen_frame.c - the frames every generator's traffic carries: what was sent passes,
 * and any change to it (a byte, the sequence number, the length) is caught and named. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gen/gen.h"

static const size_t sizes[] = {GEN_FRAME_HDR, GEN_FRAME_HDR + 1, 64, 4096, 1 << 20};

static void roundtrip(void **state)
{
	char why[128];

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *buf = malloc(sizes[i]);

		gen_frame_fill(buf, sizes[i], 7);
		assert_int_equal(gen_frame_check(buf, sizes[i], 7, why, sizeof(why)), 0);
		assert_int_equal(gen_frame_seq(buf), 7);
		free(buf);
	}
}

static void every_byte_counts(void **state)
{
	unsigned char buf[256];
	char why[128];

	(void)state;
	for (size_t at = 0; at < sizeof(buf); at++) {
		gen_frame_fill(buf, sizeof(buf), 42);
		buf[at] ^= 0x01;
		assert_int_equal(gen_frame_check(buf, sizeof(buf), 42, why, sizeof(why)), -EBADMSG);
	}
}

static void names_the_fault(void **state)
{
	unsigned char buf[64], other[64];
	char why[128];

	(void)state;
	gen_frame_fill(buf, sizeof(buf), 3);
	assert_int_equal(gen_frame_check(buf, sizeof(buf), 4, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "sequence number 3"));

	gen_frame_fill(buf, 48, 5);
	assert_int_equal(gen_frame_check(buf, sizeof(buf), 5, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "length 48"));

	gen_frame_fill(buf, sizeof(buf), 9);
	buf[40] ^= 0x80;
	assert_int_equal(gen_frame_check(buf, sizeof(buf), 9, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "checksum"));

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(gen_frame_check(buf, sizeof(buf), 0, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "not a frame"));

	/* A frame of another sequence number, its header patched to pass: the payload tells. */
	gen_frame_fill(buf, sizeof(buf), 1);
	gen_frame_fill(other, sizeof(other), 2);
	memcpy(other, buf, GEN_FRAME_HDR);
	assert_int_equal(gen_frame_check(other, sizeof(other), 1, why, sizeof(why)), -EBADMSG);
}

static void names_and_keys(void **state)
{
	char buf[256], want[64];
	int32_t keys[1000];

	(void)state;
	gen_posix_name(buf, sizeof(buf), "mq", 3);
	snprintf(want, sizeof(want), "/ipcscope-%d-mq-3", (int)getpid());
	assert_string_equal(buf, want);
	for (unsigned i = 0; i < 1000; i++) {
		keys[i] = gen_sysv_key(i, 0);
		assert_int_equal((uint32_t)keys[i] >> 24, 0x1c);
		assert_int_not_equal(keys[i], gen_sysv_key(i, 1));
		for (unsigned k = 0; k < i; k++)
			assert_int_not_equal(keys[i], keys[k]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roundtrip),
		cmocka_unit_test(every_byte_counts),
		cmocka_unit_test(names_the_fault),
		cmocka_unit_test(names_and_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
