/* test_ipcs_fmt.c - the ipcs text helpers against figures util-linux ipcs 2.38 printed
 * (sizes from `ipcs -m -b` beside `ipcs -m --human` on real segments, times from -i), and
 * sections rendered from the sysv-real fixture, whose rows must keep the kernel's order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fixture.h"
#include "render/ipcs_fmt.h"

static void human_sizes(void **state)
{
	/* bytes, and what util-linux 2.38 printed for them */
	static const struct {
		uint64_t bytes;
		const char *text;
	} cases[] = {
		{0, "0B"},           {1, "1B"},           {410, "410B"},
		{1023, "1023B"},     {1024, "1K"},        {1025, "1K"},
		{1075, "1K"},        {1076, "1.1K"},      {1126, "1.1K"},
		{1536, "1.5K"},      {1974, "1.9K"},      {2047, "2K"},
		{8192, "8K"},        {16384, "16K"},      {1048575, "1024K"},
		{1048576, "1M"},     {1572864, "1.5M"},   {2097452, "2M"},
		{5000000, "4.8M"},   {999999999, "953.7M"}, {1073741823, "1024M"},
		{18446744073692774399u, "16E"}, {18446744073709547520u, "16E"},
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(ipcs_human(cases[i].bytes, buf, sizeof(buf)), cases[i].text);
}

static void ctime_text(void **state)
{
	char buf[64];

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_string_equal(ipcs_ctime(0, buf, sizeof(buf)), "Thu Jan  1 00:00:00 1970");
	assert_string_equal(ipcs_ctime(1795331908, buf, sizeof(buf)), "Sun Nov 22 07:18:28 2026");
	setenv("TZ", "IST-5:30", 1); /* POSIX form: no tzdata needed */
	tzset();
	assert_string_equal(ipcs_ctime(1795331908, buf, sizeof(buf)), "Sun Nov 22 12:48:28 2026");
	setenv("TZ", "UTC", 1);
	tzset();
}

/* Render one section of the sysv-real fixture into a string the caller frees. */
static char *render(enum ipc_kind kind, enum ipcs_format fmt, enum ipcs_unit unit)
{
	unsigned sysv = KIND_BIT(KIND_SYSV_MSG) | KIND_BIT(KIND_SYSV_SHM) | KIND_BIT(KIND_SYSV_SEM);
	struct snapshot s;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	assert_int_equal(fixture_scan("sysv-real", sysv, true, &s), 0);
	out = open_memstream(&text, &len);
	assert_non_null(out);
	ipcs_print_section(out, &s, kind, fmt, unit);
	fclose(out);
	snapshot_release(&s);
	return text;
}

static void sections_in_kernel_order(void **state)
{
	char *t;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	/* /proc lists queue 3 before queue 1; so must ipcs. */
	t = render(KIND_SYSV_MSG, IPCS_FMT_LIST, IPCS_UNIT_DEFAULT);
	assert_string_equal(t,
		"------ Message Queues --------\n"
		"key        msqid      owner      perms      used-bytes   messages    \n"
		"0x5a002327 3          root       640        32           3           \n"
		"0xfc24cc3b 1          root       644        0            0           \n");
	free(t);
	t = render(KIND_SYSV_MSG, IPCS_FMT_PID, IPCS_UNIT_DEFAULT);
	assert_string_equal(t,
		"------ Message Queues PIDs --------\n"
		"msqid      owner      lspid      lrpid     \n"
		"3        root         6832         0\n"
		"1        root            0         0\n");
	free(t);
	t = render(KIND_SYSV_SHM, IPCS_FMT_LIST, IPCS_UNIT_HUMAN);
	assert_string_equal(t,
		"------ Shared Memory Segments --------\n"
		"key        shmid      owner      perms      size       nattch     status      \n"
		"0x00001234 2          root       600            1M     1                       \n");
	free(t);
	t = render(KIND_SYSV_SEM, IPCS_FMT_TIME, IPCS_UNIT_DEFAULT);
	assert_string_equal(t,
		"------ Semaphore Operation/Change Times --------\n"
		"semid    owner      last-op                    last-changed              \n"
		"2        root        Not set                    Sun Nov 22 07:16:54 2026  \n");
	free(t);
	/* ipcs -s -p prints nothing at all for semaphores. */
	t = render(KIND_SYSV_SEM, IPCS_FMT_PID, IPCS_UNIT_DEFAULT);
	assert_string_equal(t, "");
	free(t);
}

static void limits_and_status(void **state)
{
	char *t;

	(void)state;
	t = render(KIND_SYSV_MSG, IPCS_FMT_LIMITS, IPCS_UNIT_HUMAN);
	assert_non_null(strstr(t, "------ Messages Limits --------\nmax queues system wide = "));
	assert_non_null(strstr(t, "\nmax size of message = "));
	free(t);
	t = render(KIND_SYSV_MSG, IPCS_FMT_STATUS, IPCS_UNIT_DEFAULT);
	assert_string_equal(t,
		"------ Messages Status --------\n"
		"allocated queues = 2\n"
		"used headers = 3\n"
		"used space = 32 bytes\n");
	free(t);
	t = render(KIND_SYSV_MSG, IPCS_FMT_STATUS, IPCS_UNIT_BYTES);
	assert_non_null(strstr(t, "used space (bytes) = 32\n"));
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(human_sizes),
		cmocka_unit_test(ctime_text),
		cmocka_unit_test(sections_in_kernel_order),
		cmocka_unit_test(limits_and_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
