/* test_sysv.c - the SysV collectors on fixture trees: a real capture and broken text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

#define SYSV (KIND_BIT(KIND_SYSV_MSG) | KIND_BIT(KIND_SYSV_SHM) | KIND_BIT(KIND_SYSV_SEM))

static void real_capture(void **state)
{
	struct snapshot s;
	struct ipc_object *q, *m, *sem;

	(void)state;
	assert_int_equal(fixture_scan("sysv-real", SYSV, false, &s), 0);
	assert_int_equal(s.nerrs, 0);
	assert_int_equal(s.nobjs, 4);

	q = fixture_find(&s, KIND_SYSV_MSG, 3);
	assert_non_null(q);
	assert_string_equal(q->identity, "sysv-msg:4026531839:3");
	assert_int_equal(q->ns, 4026531839ULL);
	assert_true(q->has_key);
	assert_int_equal(q->key, 0x5a002327);
	assert_int_equal(q->mode, 0640);
	assert_int_equal(q->used_bytes, 32);
	assert_int_equal(obj_ipc(q)->messages, 3);
	assert_int_equal(obj_ipc(q)->lspid.pid, 6832);
	assert_true(obj_ipc(q)->lspid.gone); /* the fixture has no proc/6832 */
	assert_int_equal(obj_ipc(q)->lrpid.pid, 0);
	assert_int_equal(obj_ipc(q)->stime, 1795331814);
	assert_int_equal(obj_ipc(q)->rtime, 0);
	assert_int_equal(q->size, -1); /* qbytes comes from msgctl, never on a fixture */
	assert_null(q->partial);

	/* A negative key as /proc prints it is the same 32 bits. */
	q = fixture_find(&s, KIND_SYSV_MSG, 1);
	assert_non_null(q);
	assert_int_equal(q->key, (uint32_t)-64697285);

	m = fixture_find(&s, KIND_SYSV_SHM, 2);
	assert_non_null(m);
	assert_int_equal(m->size, 1048576);
	assert_int_equal(obj_ipc(m)->rss, 303104);
	assert_int_equal(obj_ipc(m)->swap, 0);
	assert_int_equal(obj_ipc(m)->nattch, 1);
	assert_int_equal(obj_ipc(m)->cpid.pid, 6832);
	assert_int_equal(obj_ipc(m)->lpid.pid, 6832);
	assert_int_equal(m->flags & (OBJ_DEST | OBJ_LOCKED), 0);

	sem = fixture_find(&s, KIND_SYSV_SEM, 2);
	assert_non_null(sem);
	assert_int_equal(obj_ipc(sem)->nsems, 3);
	assert_int_equal(sem->key, 0x777);
	assert_null(obj_ipc(sem)->sems); /* values come from semctl, never on a fixture */
	snapshot_release(&s);
}

static void empty_system(void **state)
{
	struct snapshot s;

	(void)state;
	assert_int_equal(fixture_scan("sysv-empty", SYSV, false, &s), 0);
	assert_int_equal(s.nobjs, 0);
	assert_int_equal(s.nerrs, 0);
	snapshot_release(&s);
}

static void columns_by_header(void **state)
{
	struct snapshot s;
	struct ipc_object *q, *m, *sem;

	(void)state;
	assert_int_equal(fixture_scan("sysv-columns", SYSV, false, &s), 0);
	assert_int_equal(s.nerrs, 0);
	q = fixture_find(&s, KIND_SYSV_MSG, 5);
	assert_non_null(q);
	assert_int_equal(q->key, 4660);
	assert_int_equal(obj_ipc(q)->messages, 2);
	assert_int_equal(q->used_bytes, 10);
	assert_int_equal(q->uid, 1000);
	assert_int_equal(obj_ipc(q)->lspid.pid, 0); /* column missing: absent, not an error */
	assert_null(q->partial);

	m = fixture_find(&s, KIND_SYSV_SHM, 9);
	assert_non_null(m);
	assert_true(m->flags & OBJ_DEST);
	assert_int_equal(m->mode, 0600);
	assert_int_equal(obj_ipc(m)->rss, -1);

	sem = fixture_find(&s, KIND_SYSV_SEM, 3);
	assert_non_null(sem);
	assert_false(sem->has_mode);
	assert_false(sem->has_owner);
	snapshot_release(&s);
}

static void garbage(void **state)
{
	struct snapshot s;
	struct ipc_object *q;

	(void)state;
	assert_int_equal(fixture_scan("sysv-garbage", SYSV, false, &s), 0);
	assert_non_null(fixture_error(&s, "/proc/sysvipc/msg", "line 2: 3 fields"));
	assert_non_null(fixture_error(&s, "/proc/sysvipc/msg", "bad key 'zzzz'"));
	assert_non_null(fixture_error(&s, "/proc/sysvipc/shm", "NUL byte"));
	assert_non_null(fixture_error(&s, "/proc/sysvipc/sem", "header has no 'key'"));
	q = fixture_find(&s, KIND_SYSV_MSG, 7);
	assert_non_null(q);
	assert_true(q->flags & OBJ_PARTIAL);
	assert_non_null(strstr(q->partial, "cbytes"));
	assert_non_null(strstr(q->partial, "qnum"));
	assert_int_equal(q->used_bytes, -1);
	q = fixture_find(&s, KIND_SYSV_MSG, 9);
	assert_non_null(q);
	assert_false(q->has_mode); /* 999 is not octal */
	assert_null(fixture_find(&s, KIND_SYSV_MSG, 8));
	assert_non_null(fixture_find(&s, KIND_SYSV_SHM, 1));
	snapshot_release(&s);
}

static void truncated(void **state)
{
	struct snapshot s;

	(void)state;
	assert_int_equal(fixture_scan("sysv-truncated", SYSV, false, &s), 0);
	assert_int_equal(s.nobjs, 1);
	assert_non_null(fixture_find(&s, KIND_SYSV_MSG, 7));
	assert_non_null(fixture_error(&s, "/proc/sysvipc/msg", "truncated"));
	assert_non_null(fixture_error(&s, "/proc/sysvipc/shm", "truncated"));
	assert_non_null(fixture_error(&s, "/proc/sysvipc/sem", "empty file"));
	snapshot_release(&s);
}

static void past_64_bits(void **state)
{
	struct snapshot s;
	struct ipc_object *q, *sem;
	struct limit *l;

	(void)state;
	assert_int_equal(fixture_scan("sysv-bignum", SYSV, true, &s), 0);
	q = fixture_find(&s, KIND_SYSV_MSG, 7);
	assert_non_null(q);
	assert_int_equal(q->used_bytes, -1);
	assert_non_null(strstr(q->partial, "cbytes"));
	assert_int_equal(obj_ipc(q)->lspid.pid, 0); /* 99999999999 is past any pid */
	assert_non_null(fixture_error(&s, "/proc/sysvipc/msg", "bad key '99999999999'"));
	sem = fixture_find(&s, KIND_SYSV_SEM, 3);
	assert_non_null(sem);
	assert_int_equal(obj_ipc(sem)->nsems, -1);
	l = snapshot_find_limit(&s, "msgmni");
	assert_non_null(l);
	assert_false(l->has_value);
	assert_non_null(fixture_error(&s, "/proc/sys/kernel/msgmni", "not a number"));
	l = snapshot_find_limit(&s, "shmall");
	assert_true(l->has_value);
	assert_true(l->value == 18446744073692774399ULL);
	/* "sem" lacks its 4th field: semmni fails, the three before it stand. */
	assert_false(snapshot_find_limit(&s, "semmni")->has_value);
	l = snapshot_find_limit(&s, "semmsl");
	assert_true(l->has_value);
	assert_int_equal(l->value, 32000);
	snapshot_release(&s);
}

static void long_lines(void **state)
{
	struct snapshot s;

	(void)state;
	assert_int_equal(fixture_scan("sysv-longlines", SYSV, false, &s), 0);
	assert_non_null(fixture_find(&s, KIND_SYSV_MSG, 7));
	assert_true(fixture_find(&s, KIND_SYSV_MSG, 7)->flags & OBJ_PARTIAL);
	assert_non_null(fixture_find(&s, KIND_SYSV_MSG, 8));
	assert_null(fixture_find(&s, KIND_SYSV_MSG, 8)->partial);
	snapshot_release(&s);
}

static void nothing_there(void **state)
{
	struct snapshot s;

	(void)state;
	assert_int_equal(fixture_scan("sysv-missing", SYSV, false, &s), -EIO);
	assert_int_equal(s.nobjs, 0);
	assert_int_equal(s.nerrs, 3);
	snapshot_release(&s);
}

static void limits_and_usage(void **state)
{
	struct snapshot s;
	struct limit *l;

	(void)state;
	assert_int_equal(fixture_scan("sysv-real", SYSV, true, &s), 0);
	l = snapshot_find_limit(&s, "msgmni");
	assert_true(l->has_value && l->has_used);
	assert_int_equal(l->value, 32000);
	assert_int_equal(l->used, 2);
	l = snapshot_find_limit(&s, "semmns");
	assert_int_equal(l->used, 3);
	l = snapshot_find_limit(&s, "shmall");
	assert_int_equal(l->used, 1048576 / 4096);
	l = snapshot_find_limit(&s, "msg_bytes");
	assert_int_equal(l->used, 32);
	l = snapshot_find_limit(&s, "msgmax");
	assert_int_equal(l->value, 8192);
	assert_false(l->has_used);
	l = snapshot_find_limit(&s, "semvmx");
	assert_int_equal(l->value, 32767);
	snapshot_release(&s);
}

/* Write text to dir/name (0644). */
static void put_file(const char *dir, const char *name, const char *text)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0644);
}

/* Objects that vanish between the read of /proc/sysvipc and their msgctl or semctl: a tree
 * lists two queues and two sets, one of each removed already, and the kernel is asked about
 * them (live) in a private IPC namespace. The removed ones are dropped without an error;
 * a set that exists but may not be read is still listed with the reason. */
static void vanished_mid_scan(void **state)
{
	char dir[] = "/tmp/ipcscope-test-sysv-XXXXXX", text[512];
	int q_keep, q_gone, s_keep, s_gone;
	struct scan_ctx ctx;
	struct snapshot s;
	struct ipc_object *o;

	(void)state;
	if (geteuid() != 0 || unshare(CLONE_NEWIPC) < 0) {
		skip(); /* needs root and a private IPC namespace */
		return;
	}
	q_keep = msgget(IPC_PRIVATE, 0600);
	q_gone = msgget(IPC_PRIVATE, 0600);
	s_keep = semget(IPC_PRIVATE, 2, 0600);
	s_gone = semget(IPC_PRIVATE, 2, 0600);
	assert_true(q_keep >= 0 && q_gone >= 0 && s_keep >= 0 && s_gone >= 0);
	assert_int_equal(msgctl(q_gone, IPC_RMID, NULL), 0);
	assert_int_equal(semctl(s_gone, 0, IPC_RMID), 0);

	assert_non_null(mkdtemp(dir));
	chmod(dir, 0755);
	snprintf(text, sizeof(text), "%s/proc", dir);
	mkdir(text, 0755);
	snprintf(text, sizeof(text), "%s/proc/sysvipc", dir);
	mkdir(text, 0755);
	snprintf(text, sizeof(text),
		 "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n"
		 "         0 %10d   600           0          0     0     0     0     0     0     0          0          0 1795331814\n"
		 "         0 %10d   600           0          0     0     0     0     0     0     0          0          0 1795331814\n",
		 q_keep, q_gone);
	put_file(dir, "proc/sysvipc/msg", text);
	snprintf(text, sizeof(text),
		 "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n"
		 "         0 %10d   600          2     0     0     0     0          0 1795331814\n"
		 "         0 %10d   600          2     0     0     0     0          0 1795331814\n",
		 s_keep, s_gone);
	put_file(dir, "proc/sysvipc/sem", text);

	/* As nobody, who may not read the sets (root's CAP_IPC_OWNER would). */
	snapshot_init(&s);
	assert_int_equal(scan_ctx_init(&ctx, dir, KIND_BIT(KIND_SYSV_MSG) | KIND_BIT(KIND_SYSV_SEM)), 0);
	ctx.live = true; /* the tree stands in for /proc; the kernel is asked about its ids */
	assert_int_equal(seteuid(65534), 0);
	assert_int_equal(scan_run(&ctx, &s), 0);
	assert_int_equal(seteuid(0), 0);
	scan_ctx_release(&ctx);

	o = fixture_find(&s, KIND_SYSV_MSG, q_keep);
	assert_non_null(o);
	assert_null(o->partial);  /* MSG_STAT_ANY reads a queue without permission */
	assert_true(o->size > 0); /* qbytes */
	assert_null(fixture_find(&s, KIND_SYSV_MSG, q_gone));
	o = fixture_find(&s, KIND_SYSV_SEM, s_keep);
	assert_non_null(o);
	assert_non_null(o->partial);
	assert_non_null(strstr(o->partial, "semctl: Permission denied"));
	assert_null(fixture_find(&s, KIND_SYSV_SEM, s_gone));
	assert_int_equal(s.nobjs, 2);
	assert_int_equal(s.nerrs, 0);
	assert_int_equal(s.vanished, 2);
	snapshot_release(&s);

	msgctl(q_keep, IPC_RMID, NULL);
	semctl(s_keep, 0, IPC_RMID);
	snprintf(text, sizeof(text), "rm -rf '%s'", dir);
	assert_int_equal(system(text), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_capture),    cmocka_unit_test(empty_system),
		cmocka_unit_test(columns_by_header), cmocka_unit_test(garbage),
		cmocka_unit_test(truncated),       cmocka_unit_test(past_64_bits),
		cmocka_unit_test(long_lines),      cmocka_unit_test(nothing_there),
		cmocka_unit_test(limits_and_usage),
		cmocka_unit_test(vanished_mid_scan), /* last: it leaves the host's IPC namespace */
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
