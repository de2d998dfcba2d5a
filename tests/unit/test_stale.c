/* test_stale.c - each kind's stale rule and in-use check on constructed objects, with ages
 * no test could wait for; pid recycling; durations; backup records. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "act/backup.h"
#include "act/ops.h"
#include "act/stale.h"
#include "core/kinds.h"
#include "core/util.h"

#define NOW 1800000000LL
#define HOUR 3600

static struct stale_ctx ctx(void)
{
	struct stale_ctx c;

	stale_ctx_init(&c, NOW);
	c.holders_complete = true;
	return c;
}

static struct pid_ref pid(pid_t p, bool gone, int64_t start)
{
	struct pid_ref r = {.pid = p, .gone = gone, .start = start};
	snprintf(r.comm, sizeof(r.comm), "proc%d", (int)p);
	return r;
}

static void pids(void **state)
{
	struct pid_ref r;

	(void)state;
	r = pid(0, false, 0);
	assert_true(pid_gone(&r, NOW)); /* never recorded */
	r = pid(10, true, 0);
	assert_true(pid_gone(&r, NOW));
	r = pid(10, false, NOW - 100);
	assert_false(pid_gone(&r, NOW - 50)); /* started before it acted: the same process */
	assert_true(pid_gone(&r, NOW - 200)); /* started after: a recycled pid */
	r = pid(10, false, 0);
	assert_false(pid_gone(&r, NOW - 200)); /* start unknown: alive */
}

static struct ipc_object *shm(void)
{
	struct ipc_object *o = object_new(KIND_SYSV_SHM, "sysv-shm:1:5");

	o->id = 5;
	obj_ipc_mut(o)->nattch = 0;
	o->ctime = NOW - 3 * HOUR;
	obj_ipc_mut(o)->atime = NOW - 2 * HOUR;
	obj_ipc_mut(o)->dtime = NOW - 2 * HOUR;
	obj_ipc_mut(o)->cpid = pid(100, true, 0);
	obj_ipc_mut(o)->lpid = pid(101, true, 0);
	return o;
}

static void sysv_shm_rule(void **state)
{
	struct stale_ctx c = ctx();
	struct ipc_object *o = shm();
	struct evidence ev;

	(void)state;
	assert_true(object_is_stale(o, &c, &ev));
	assert_non_null(strstr(ev.text, "nattch 0"));
	assert_non_null(strstr(ev.text, "creator 100 gone"));
	assert_non_null(strstr(ev.text, "no activity since 2027-01-15T06:00:00Z (--older-than 3600s)"));
	assert_false(object_in_use(o, &ev));

	obj_ipc_mut(o)->nattch = 1;
	assert_false(object_is_stale(o, &c, &ev));
	assert_true(object_in_use(o, &ev));
	obj_ipc_mut(o)->nattch = 0;

	object_add_holder(o, 300, "mapper", -1, ACC_R | ACC_W, "7f00-7f10");
	assert_false(object_is_stale(o, &c, &ev));
	assert_non_null(strstr(ev.text, "mapped by 300 (mapper) rw"));
	assert_true(object_in_use(o, &ev));
	object_free(o);

	o = shm();
	obj_ipc_mut(o)->lpid = pid(101, false, NOW - 10 * HOUR); /* alive, and it attached: not stale */
	assert_false(object_is_stale(o, &c, &ev));
	assert_non_null(strstr(ev.text, "alive"));
	obj_ipc_mut(o)->lpid = pid(101, false, NOW - 60); /* pid now belongs to a process started later */
	assert_true(object_is_stale(o, &c, &ev));
	assert_non_null(strstr(ev.text, "recycled"));

	c.older_than = 3 * HOUR; /* idle 2h is not enough */
	assert_false(object_is_stale(o, &c, &ev));
	assert_non_null(strstr(ev.text, "active at 2027-01-15T06:00:00Z, within --older-than 10800s"));
	object_free(o);
}

static void sysv_msg_rule(void **state)
{
	struct stale_ctx c = ctx();
	struct ipc_object *o = object_new(KIND_SYSV_MSG, "sysv-msg:1:2");
	struct evidence ev;

	(void)state;
	o->ctime = NOW - 5 * HOUR;
	obj_ipc_mut(o)->stime = NOW - 4 * HOUR;
	obj_ipc_mut(o)->lspid = pid(50, true, 0);
	assert_true(object_is_stale(o, &c, &ev));
	assert_non_null(strstr(ev.text, "last sender 50 gone"));
	assert_non_null(strstr(ev.text, "last receiver: none recorded"));
	obj_ipc_mut(o)->lrpid = pid(51, false, NOW - 6 * HOUR);
	obj_ipc_mut(o)->rtime = NOW - 4 * HOUR;
	assert_false(object_is_stale(o, &c, &ev));
	assert_true(object_in_use(o, &ev));
	assert_non_null(strstr(ev.text, "last receiver 51"));
	obj_ipc_mut(o)->rtime = NOW - 10; /* received just now */
	obj_ipc_mut(o)->lrpid.gone = true;
	assert_false(object_is_stale(o, &c, &ev));
	object_free(o);
}

static void sysv_sem_rule(void **state)
{
	struct stale_ctx c = ctx();
	struct ipc_object *o = object_new(KIND_SYSV_SEM, "sysv-sem:1:3");
	struct evidence ev;

	(void)state;
	o->ctime = NOW - 5 * HOUR;
	obj_ipc_mut(o)->nsems = 2;
	assert_false(object_is_stale(o, &c, &ev)); /* values unreadable: cannot prove */
	obj_ipc_mut(o)->sems = xcalloc(2, sizeof(*obj_ipc_mut(o)->sems));
	obj_ipc(o)->sems[0].pid = pid(70, true, 0);
	obj_ipc(o)->sems[1].pid = pid(70, true, 0);
	obj_ipc_mut(o)->otime = NOW - 2 * HOUR;
	assert_true(object_is_stale(o, &c, &ev));
	assert_non_null(strstr(ev.text, "no waiters"));
	obj_ipc(o)->sems[1].zcount = 1;
	assert_false(object_is_stale(o, &c, &ev));
	assert_true(object_in_use(o, &ev));
	assert_non_null(strstr(ev.text, "semaphore 1 has waiters"));
	object_free(o);
}

static void posix_rules(void **state)
{
	struct stale_ctx c = ctx();
	struct ipc_object *o = object_new(KIND_POSIX_SHM, "posix-shm:1:/x");
	struct evidence ev;
	const char *dirs[] = {"/tmp"};

	(void)state;
	o->name = xstrdup("/x");
	obj_ipc_mut(o)->mtime = o->ctime = NOW - 2 * HOUR;
	assert_true(object_is_stale(o, &c, &ev));
	c.holders_complete = false; /* some process unreadable: cannot prove nobody holds it */
	assert_false(object_is_stale(o, &c, &ev));
	assert_non_null(strstr(ev.text, "cannot prove"));
	c.holders_complete = true;
	object_add_holder(o, 9, "user", 4, ACC_R, NULL);
	assert_false(object_is_stale(o, &c, &ev));
	assert_true(object_in_use(o, &ev));
	assert_non_null(strstr(ev.text, "held by 9 (user) fd 4 r"));
	object_free(o);

	o = object_new(KIND_POSIX_MQ, "posix-mq:1:/q");
	o->name = xstrdup("/q");
	obj_ipc_mut(o)->mtime = o->ctime = NOW - 2 * HOUR;
	obj_ipc_mut(o)->notify_pid = pid(77, false, 0);
	assert_false(object_is_stale(o, &c, &ev));
	assert_non_null(strstr(ev.text, "notify pid 77"));
	obj_ipc_mut(o)->notify_pid.gone = true;
	assert_true(object_is_stale(o, &c, &ev));
	object_free(o);

	o = object_new(KIND_FIFO, "fifo:1:2");
	o->name = xstrdup("/var/run/f");
	obj_ipc_mut(o)->mtime = o->ctime = NOW - 2 * HOUR;
	assert_false(object_is_stale(o, &c, &ev)); /* no --fifo-dir: never */
	c.fifo_dirs = dirs;
	c.nfifo_dirs = 1;
	assert_false(object_is_stale(o, &c, &ev)); /* not inside /tmp */
	free(o->name);
	o->name = xstrdup("/tmp/f");
	assert_true(object_is_stale(o, &c, &ev));
	free(o->name);
	o->name = xstrdup("/tmpx/f"); /* a prefix of the name is not the directory */
	assert_false(object_is_stale(o, &c, &ev));
	object_free(o);
}

static void never_stale(void **state)
{
	struct stale_ctx c = ctx();
	struct evidence ev;

	(void)state;
	for (int k = 0; k < KIND__COUNT; k++) {
		struct ipc_object *o;

		if (k != KIND_PIPE && k != KIND_UNIX && k != KIND_TCP && k != KIND_UDP)
			continue;
		o = object_new((enum ipc_kind)k, "x:1");
		assert_null(kind_ops_of((enum ipc_kind)k));
		assert_false(kind_info((enum ipc_kind)k)->removable);
		assert_false(object_is_stale(o, &c, &ev));
		assert_non_null(strstr(ev.text, "never"));
		object_free(o);
	}
}

static void durations(void **state)
{
	int64_t s;

	(void)state;
	assert_int_equal(parse_duration("90", &s), 0);
	assert_int_equal(s, 90);
	assert_int_equal(parse_duration("15m", &s), 0);
	assert_int_equal(s, 900);
	assert_int_equal(parse_duration("2d", &s), 0);
	assert_int_equal(s, 172800);
	assert_int_equal(parse_duration("0s", &s), 0);
	assert_int_equal(s, 0);
	assert_int_equal(parse_duration("h", &s), -EINVAL);
	assert_int_equal(parse_duration("-1h", &s), -EINVAL);
	assert_int_equal(parse_duration("1y", &s), -EINVAL);
	assert_int_equal(parse_duration("99999999999999999999d", &s), -EINVAL);
}

static void records(void **state)
{
	struct bytes b = {0};
	const unsigned char *p;
	size_t off = 0, n;
	int64_t tag;

	(void)state;
	bytes_put_record(&b, 7, "hello", 5);
	bytes_put_record(&b, 1, "", 0);
	assert_int_equal(bytes_next_record(b.data, b.len, &off, &tag, &p, &n), 1);
	assert_int_equal(tag, 7);
	assert_int_equal(n, 5);
	assert_memory_equal(p, "hello", 5);
	assert_int_equal(bytes_next_record(b.data, b.len, &off, &tag, &p, &n), 1);
	assert_int_equal(n, 0);
	assert_int_equal(bytes_next_record(b.data, b.len, &off, &tag, &p, &n), 0);
	off = 0; /* a truncated file is an error, not a crash */
	assert_int_equal(bytes_next_record(b.data, b.len - 1, &off, &tag, &p, &n), 1);
	assert_int_equal(bytes_next_record(b.data, b.len - 1, &off, &tag, &p, &n), -EINVAL);
	bytes_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pids),          cmocka_unit_test(sysv_shm_rule),
		cmocka_unit_test(sysv_msg_rule), cmocka_unit_test(sysv_sem_rule),
		cmocka_unit_test(posix_rules),   cmocka_unit_test(never_stale),
		cmocka_unit_test(durations),     cmocka_unit_test(records),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
