/* test_waiters.c - waiting threads (collectors/waiters.c): the syscall, stat and sched
 * parsers on captured and broken lines, the decoding of each wait, which semop operation
 * sleeps, and a fixture tree with a thread asleep in each wait joined to its object.
 *
 * The tree is written at run time: its syscall lines take their numbers from the table
 * this build has, so the test runs on any architecture; its /dev/shm mapping needs the
 * device and inode of a real file, and its mem files are sparse. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "collectors/waiters.h"
#include "core/util.h"
#include "fixture.h"

/* ---- parsers ---- */

static void test_parse_syscall_captured(void **state)
{
	struct syscall_line l;

	(void)state;
	/* A read(3, buf, 1) captured on x86_64. */
	assert_int_equal(waiters_parse_syscall("0 0x3 0x7ffd4b1c2a40 0x1 0x0 0x0 0x0 0x7ffd4b1c2a28 "
					       "0x7f3c1e2f1a5d\n", &l), 0);
	assert_int_equal(l.state, SYSCALL_IN);
	assert_int_equal(l.nr, 0);
	assert_int_equal(l.args[0], 3);
	assert_int_equal(l.args[1], 0x7ffd4b1c2a40ULL);
	assert_int_equal(l.pc, 0x7f3c1e2f1a5dULL);
	/* msgrcv(5, p, 64, -3, 0): a negative long shows as two's complement. */
	assert_int_equal(waiters_parse_syscall("70 0x5 0x55d0c0a0 0x40 0xfffffffffffffffd 0x0 0x0 0x7ffe0 0x7f0\n", &l), 0);
	assert_int_equal((int64_t)l.args[3], -3);
	assert_int_equal(waiters_parse_syscall("running\n", &l), 0);
	assert_int_equal(l.state, SYSCALL_RUNNING);
	assert_int_equal(waiters_parse_syscall("-1 0x7ffc354008f8 0x7fd7e0de62ad\n", &l), 0);
	assert_int_equal(l.state, SYSCALL_OUTSIDE);
	assert_int_equal(l.sp, 0x7ffc354008f8ULL);
	/* No newline is fine, so are blanks before it. */
	assert_int_equal(waiters_parse_syscall("230 0x0 0x0 0x7ffdff5e4eb0 0x7ffdff5e4ef0 0x0 0x0 0x7ffdff5e4e98 0x7fa2426d6503", &l), 0);
	assert_int_equal(l.nr, 230);
}

static void test_parse_syscall_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		"garbage\n",
		"0 0x3 0x1\n",                                            /* too few fields */
		"0 0x3 0x1 0x1 0x0 0x0 0x0 0x1\n",                        /* pc missing */
		"0 0x3 0x1 0x1 0x0 0x0 0x0 0x1 0x2 0x3\n",                /* one too many */
		"0 3 0x1 0x1 0x0 0x0 0x0 0x1 0x2\n",                      /* no 0x */
		"0 0xg 0x1 0x1 0x0 0x0 0x0 0x1 0x2\n",                    /* not hex */
		"0 0x10000000000000000 0x1 0x1 0x0 0x0 0x0 0x1 0x2\n",    /* beyond 64 bits */
		"99999999999999999999 0x0 0x0 0x0 0x0 0x0 0x0 0x1 0x2\n", /* huge number */
		"2147483648 0x0 0x0 0x0 0x0 0x0 0x0 0x1 0x2\n",           /* beyond int */
		"-2 0x1 0x2\n",                                           /* negative, not -1 */
		"-1 0x1\n",                                               /* -1 without pc */
		"-1 0x1 0x2 0x3\n",
		"+1 0x0 0x0 0x0 0x0 0x0 0x0 0x1 0x2\n",
		"01 0x0 0x0 0x0 0x0 0x0 0x0 0x1 0x2\n",
		"running now\n",
		"0 0x0 0x0 0x0 0x0 0x0 0x0 0x1 0x2\n\n",                  /* a second line */
		"0x0 0x0 0x0 0x0 0x0 0x0 0x0 0x1 0x2\n",
	};
	struct syscall_line l;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (waiters_parse_syscall(bad[i], &l) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
	}
}

static void test_parse_stat(void **state)
{
	char st, comm[COMM_LEN];

	(void)state;
	assert_int_equal(waiters_parse_stat("4242 (cat) S 1 4242 4242 0 -1 4194304 90 0 0 0 0 0\n", &st,
					    comm, sizeof(comm)), 0);
	assert_int_equal(st, 'S');
	assert_string_equal(comm, "cat");
	/* A command with blanks and parentheses ends at the last ')'. */
	assert_int_equal(waiters_parse_stat("7 (a) b (c)) D 1 2 3\n", &st, comm, sizeof(comm)), 0);
	assert_int_equal(st, 'D');
	assert_string_equal(comm, "a) b (c)");
	assert_int_equal(waiters_parse_stat("7 (x) R", &st, comm, sizeof(comm)), 0);
	assert_int_equal(st, 'R');
	assert_int_equal(waiters_parse_stat("", &st, comm, sizeof(comm)), -EINVAL);
	assert_int_equal(waiters_parse_stat("7 (x)\n", &st, comm, sizeof(comm)), -EINVAL);
	assert_int_equal(waiters_parse_stat("7 (x) Q 1\n", &st, comm, sizeof(comm)), -EINVAL);
	assert_int_equal(waiters_parse_stat("7 (x) SS 1\n", &st, comm, sizeof(comm)), -EINVAL);
	assert_int_equal(waiters_parse_stat("7 x S 1\n", &st, comm, sizeof(comm)), -EINVAL);
}

static void test_parse_exec_start(void **state)
{
	int64_t ns;

	(void)state;
	assert_int_equal(waiters_parse_exec_start(
				 "cat (5765, #threads: 1)\n-------------------------------------------\n"
				 "se.exec_start                                :       2301597.855992\n"
				 "se.vruntime                                  :           277.766619\n", &ns), 0);
	assert_int_equal(ns, 2301597855992LL);
	assert_int_equal(waiters_parse_exec_start("se.exec_start : 12.5\n", &ns), 0);
	assert_int_equal(ns, 12500000LL);
	assert_int_equal(waiters_parse_exec_start("se.exec_start : 7\n", &ns), 0);
	assert_int_equal(ns, 7000000LL);
	assert_int_equal(waiters_parse_exec_start("se.vruntime : 7.0\n", &ns), -EINVAL);
	assert_int_equal(waiters_parse_exec_start("se.exec_start : -7.0\n", &ns), -EINVAL);
	assert_int_equal(waiters_parse_exec_start("se.exec_start : 7.1234567\n", &ns), -EINVAL);
	assert_int_equal(waiters_parse_exec_start("se.exec_start : 7.\n", &ns), -EINVAL);
	assert_int_equal(waiters_parse_exec_start("se.exec_start 7.0\n", &ns), -EINVAL);
	assert_int_equal(waiters_parse_exec_start("se.exec_start : 99999999999999999999.0\n", &ns), -EINVAL);
	assert_int_equal(waiters_parse_exec_start("", &ns), -EINVAL);
}

/* ---- decoding ---- */

static struct syscall_line call(const char *name, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct syscall_line l = {.state = SYSCALL_IN, .nr = waiters_syscall_nr(name),
				 .args = {a0, a1, a2, a3, 0, 0}};

	if (l.nr < 0)
		fail_msg("%s not in the %s table", name, waiters_arch());
	return l;
}

static void test_decode(void **state)
{
	struct syscall_line l;
	struct wait_req r;

	(void)state;
	assert_non_null(waiters_arch());
	l = call("msgrcv", 5, 0x1000, 64, (uint64_t)-3);
	assert_int_equal(waiters_decode(&l, &r), 0);
	assert_string_equal(r.what, "receive");
	assert_int_equal(r.join, WJ_MSQ);
	assert_int_equal(r.id, 5);
	assert_true(r.has_msgtyp);
	assert_int_equal(r.msgtyp, -3);
	l = call("msgsnd", 5, 0x1000, 64, 0);
	assert_int_equal(waiters_decode(&l, &r), 0);
	assert_string_equal(r.what, "send");
	assert_false(r.has_msgtyp);
	l = call("semtimedop", 9, 0x2000, 2, 0);
	assert_int_equal(waiters_decode(&l, &r), 0);
	assert_int_equal(r.join, WJ_SEM);
	assert_int_equal(r.n, 2);
	l = call("mq_timedreceive", 4, 0, 0, 0);
	assert_int_equal(waiters_decode(&l, &r), 0);
	assert_string_equal(r.what, "receive");
	assert_int_equal(r.fd, 4);
	l = call("ppoll", 0x3000, 3, 0, 0);
	assert_int_equal(waiters_decode(&l, &r), 0);
	assert_int_equal(r.join, WJ_POLL);
	l = call("pselect6", 8, 0x10, 0x20, 0);
	assert_int_equal(waiters_decode(&l, &r), 0);
	assert_int_equal(r.join, WJ_SELECT);
	l = call("epoll_pwait", 6, 0, 0, 0);
	assert_int_equal(waiters_decode(&l, &r), 0);
	assert_int_equal(r.join, WJ_EPOLL);
	l = call("splice", 3, 0, 7, 0);
	assert_int_equal(waiters_decode(&l, &r), 0);
	assert_int_equal(r.fd2, 7);
	l = call("accept4", 3, 0, 0, 0);
	assert_int_equal(waiters_decode(&l, &r), 0);
	assert_string_equal(r.what, "accept");
	/* futex: only the operations that sleep; FUTEX_WAIT_BITSET|PRIVATE is one. */
	l = call("futex", 0x7f0000000000, 9 | 128, 0, 0);
	assert_int_equal(waiters_decode(&l, &r), 0);
	assert_int_equal(r.join, WJ_FUTEX);
	assert_int_equal(r.ptr, 0x7f0000000000ULL);
	l = call("futex", 0x7f0000000000, 1, 0, 0); /* FUTEX_WAKE */
	assert_int_equal(waiters_decode(&l, &r), -ENOENT);
	/* fcntl: a lock wait only for F_SETLKW and F_OFD_SETLKW. */
	l = call("fcntl", 3, 7, 0, 0);
	assert_int_equal(waiters_decode(&l, &r), 0);
	assert_string_equal(r.what, "lock");
	l = call("fcntl", 3, 38, 0, 0);
	assert_int_equal(waiters_decode(&l, &r), 0);
	l = call("fcntl", 3, 6, 0, 0); /* F_SETLK does not sleep */
	assert_int_equal(waiters_decode(&l, &r), -ENOENT);
	/* Waits on no object. */
	l = call("wait4", (uint64_t)-1, 0, 0, 0);
	assert_int_equal(waiters_decode(&l, &r), -ENOENT);
	l = call("rt_sigsuspend", 0, 8, 0, 0);
	assert_int_equal(waiters_decode(&l, &r), -ENOENT);
	/* Arguments no such call has: an fd beyond int, a negative id. */
	l = call("read", 1ULL << 40, 0, 0, 0);
	assert_int_equal(waiters_decode(&l, &r), -EINVAL);
	l = call("msgrcv", (uint64_t)-1, 0, 0, 0);
	assert_int_equal(waiters_decode(&l, &r), -EINVAL);
	/* Unknown numbers, and lines that are no call. */
	l = (struct syscall_line){.state = SYSCALL_IN, .nr = 99999};
	assert_int_equal(waiters_decode(&l, &r), -ENOENT);
	assert_null(waiters_syscall(99999));
	assert_null(waiters_syscall(-1));
	l = (struct syscall_line){.state = SYSCALL_RUNNING, .nr = -1};
	assert_int_equal(waiters_decode(&l, &r), -ENOENT);
#if defined(__x86_64__)
	/* The documented numbers (syscall_64.tbl). */
	assert_int_equal(waiters_syscall_nr("read"), 0);
	assert_int_equal(waiters_syscall_nr("msgrcv"), 70);
	assert_int_equal(waiters_syscall_nr("semtimedop"), 220);
	assert_int_equal(waiters_syscall_nr("futex"), 202);
	assert_int_equal(waiters_syscall_nr("mq_timedreceive"), 243);
#elif defined(__aarch64__)
	assert_int_equal(waiters_syscall_nr("read"), 63);
	assert_int_equal(waiters_syscall_nr("msgrcv"), 188);
	assert_int_equal(waiters_syscall_nr("futex"), 98);
	assert_int_equal(waiters_syscall_nr("poll"), -1);
#endif
}

static void test_sem_blocker(void **state)
{
	struct sem_elem sems[3] = {{.value = 1}, {.value = 0}, {.value = 2}};
	struct sembuf_raw ops[3];
	unsigned char bytes[12] = {1, 0, 0xff, 0xff, 0, 0, /* num 1, op -1 */
				   2, 0, 0, 0, 0, 0};     /* num 2, op 0 */

	(void)state;
	waiters_sembufs(bytes, 2, ops);
	assert_int_equal(ops[0].num, 1);
	assert_int_equal(ops[0].op, -1);
	assert_int_equal(ops[1].num, 2);
	assert_int_equal(ops[1].op, 0);
	/* Semaphore 1 is 0: the decrement sleeps. */
	assert_int_equal(waiters_sem_blocker(ops, 2, sems, 3), 0);
	/* With 1 at 1, the decrement passes and the wait for zero on 2 (value 2) sleeps. */
	sems[1].value = 1;
	assert_int_equal(waiters_sem_blocker(ops, 2, sems, 3), 1);
	/* Operations see the ones before them: +1 then -2 on a 1 passes, -2 then +1 sleeps. */
	ops[0] = (struct sembuf_raw){.num = 0, .op = 1};
	ops[1] = (struct sembuf_raw){.num = 0, .op = -2};
	assert_int_equal(waiters_sem_blocker(ops, 2, sems, 3), 1);
	sems[0].value = 1;
	ops[2] = (struct sembuf_raw){.num = 0, .op = -3};
	assert_int_equal(waiters_sem_blocker(ops, 3, sems, 3), 2);
	/* Without the values: the first that could wait. */
	assert_int_equal(waiters_sem_blocker(ops, 3, NULL, -1), 1);
	ops[0].op = 2;
	ops[1].op = 1;
	ops[2].op = 5;
	assert_int_equal(waiters_sem_blocker(ops, 3, NULL, -1), -1);
	/* A semaphore beyond the set: the first that could wait. */
	ops[1] = (struct sembuf_raw){.num = 9, .op = -1};
	assert_int_equal(waiters_sem_blocker(ops, 2, sems, 3), 1);
}

/* ---- a tree with a thread in each wait ---- */

static char tree[64];

static void put(const char *path, const char *fmt, ...)
{
	char full[512], dir[512], *slash, text[4096];
	va_list ap;
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", tree, path);
	snprintf(dir, sizeof(dir), "%s", full);
	for (slash = strchr(dir + strlen(tree) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0755);
		*slash = '/';
	}
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	assert_non_null(f = fopen(full, "w"));
	fputs(text, f);
	fclose(f);
}

static void link_to(const char *path, const char *target)
{
	char full[512];

	put(path, "");
	snprintf(full, sizeof(full), "%s/%s", tree, path);
	unlink(full);
	assert_int_equal(symlink(target, full), 0);
}

/* Bytes at offset of the sparse mem file of pid. */
static void put_mem(int pid, off_t offset, const void *bytes, size_t len)
{
	char full[512];
	int fd;

	snprintf(full, sizeof(full), "%s/proc/%d/mem", tree, pid);
	assert_true((fd = open(full, O_WRONLY | O_CREAT, 0600)) >= 0);
	assert_int_equal(pwrite(fd, bytes, len, offset), (ssize_t)len);
	close(fd);
}

/* A thread of pid: its stat (state), syscall line and se.exec_start. */
static void task(int pid, int tid, const char *comm, char state, const char *syscall_text)
{
	char path[128];

	snprintf(path, sizeof(path), "proc/%d/task/%d/stat", pid, tid);
	put(path, "%d (%s) %c 1 %d %d 0 -1 4194304 90 0 0 0 0 0\n", tid, comm, state, pid, pid);
	snprintf(path, sizeof(path), "proc/%d/task/%d/syscall", pid, tid);
	put(path, "%s", syscall_text);
	snprintf(path, sizeof(path), "proc/%d/task/%d/sched", pid, tid);
	/* 100 s before the tree's uptime of 1000 s */
	put(path, "%s (%d, #threads: 1)\n----\nse.exec_start                                :        900000.000000\n",
	    comm, tid);
}

static void fd(int pid, int num, const char *target, const char *flags)
{
	char path[128];

	snprintf(path, sizeof(path), "proc/%d/fd/%d", pid, num);
	link_to(path, target);
	snprintf(path, sizeof(path), "proc/%d/fdinfo/%d", pid, num);
	put(path, "pos:\t0\nflags:\t%s\nmnt_id:\t15\n", flags);
}

/* A syscall line for name with arguments a0..a3. */
static const char *line(const char *name, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	static char buf[8][256];
	static int k;
	char *b = buf[k++ % 8];

	snprintf(b, 256, "%ld 0x%llx 0x%llx 0x%llx 0x%llx 0x0 0x0 0x7ffd00001000 0x7f0000002000\n",
		 waiters_syscall_nr(name), (unsigned long long)a0, (unsigned long long)a1,
		 (unsigned long long)a2, (unsigned long long)a3);
	return b;
}

static struct stat shm_st, lock_st;

static int make_tree(void **state)
{
	char path[512];
	int32_t pollfds[4] = {3, 1 /* POLLIN */, 4, 1};
	unsigned char sembuf_zero[6] = {1, 0, 0, 0, 0, 0};        /* num 1, op 0 */
	unsigned char sembuf_dec[6] = {0, 0, 0xfe, 0xff, 0, 0};   /* num 0, op -2 */
	unsigned char fdset[8] = {0x18, 0, 0, 0, 0, 0, 0, 0};     /* fds 3 and 4 */

	(void)state;
	snprintf(tree, sizeof(tree), "/tmp/ipcscope-waiters-XXXXXX");
	assert_non_null(mkdtemp(tree));
	put("proc/uptime", "1000.00 1500.00\n");
	link_to("proc/self/ns/ipc", "ipc:[4026531839]");
	link_to("proc/self/ns/mnt", "mnt:[4026531841]");
	link_to("proc/self/ns/net", "net:[4026531840]");
	put("proc/sysvipc/msg",
	    "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n"
	    "      4660          5   600           0          0     0     0     0     0     0     0          0          0 1795331814\n");
	put("proc/sysvipc/sem",
	    "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n"
	    "      4661          9   600          3     0     0     0     0          0 1795331814\n");
	put("proc/sysvipc/shm",
	    "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n");
	put("proc/net/unix",
	    "Num       RefCount Protocol Flags    Type St Inode Path\n"
	    "0000000000000000: 00000002 00000000 00010000 0001 01 8001 /tmp/fix.sock\n");
	put("dev/mqueue/q", "QSIZE:0          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n");
	put("dev/shm/sem.fix", "0123456789abcdef0123456789abcdef");
	put("data/lockfile", "x");
	snprintf(path, sizeof(path), "%s/dev/shm/sem.fix", tree);
	assert_int_equal(stat(path, &shm_st), 0);
	snprintf(path, sizeof(path), "%s/data/lockfile", tree);
	assert_int_equal(stat(path, &lock_st), 0);

	/* 4200: read on an empty pipe; a second thread (4210) in write on it, a third running. */
	fd(4200, 3, "pipe:[7001]", "00");
	fd(4200, 4, "pipe:[7001]", "01");
	task(4200, 4200, "reader", 'S', line("read", 3, 0x1000, 1, 0));
	task(4200, 4210, "writer", 'D', line("write", 4, 0x1000, 65536, 0));
	task(4200, 4211, "busy", 'R', line("read", 3, 0x1000, 1, 0));
	/* 4201: msgrcv(5, .., msgtyp -3) on the queue, and msgsnd in another thread. */
	task(4201, 4201, "msgrcv", 'S', line("msgrcv", 5, 0x1000, 64, (uint64_t)-3));
	task(4201, 4212, "msgsnd", 'S', line("msgsnd", 5, 0x1000, 64, 0));
	/* 4202: semop(9) waiting for zero on semaphore 1; 4213 semtimedop decrementing 0 by 2;
	 * 4214 semop whose sembuf is beyond its memory file: just the set. */
	task(4202, 4202, "semzero", 'S', line("semop", 9, 0x100, 1, 0));
	task(4202, 4213, "semdec", 'S', line("semtimedop", 9, 0x200, 1, 0));
	task(4202, 4214, "semblind", 'S', line("semop", 9, 0x900000, 1, 0));
	put_mem(4202, 0x100, sembuf_zero, sizeof(sembuf_zero));
	put_mem(4202, 0x200, sembuf_dec, sizeof(sembuf_dec));
	/* 4203: poll on two pipes, 4215 select on the same two. */
	fd(4203, 3, "pipe:[7002]", "00");
	fd(4203, 4, "pipe:[7003]", "00");
	task(4203, 4203, "poller", 'S', line("ppoll", 0x300, 2, 0, 0));
	task(4203, 4215, "selector", 'S', line("pselect6", 5, 0x400, 0, 0));
	put_mem(4203, 0x300, pollfds, sizeof(pollfds));
	put_mem(4203, 0x400, fdset, sizeof(fdset));
	/* 4204: epoll_wait on fd 5 watching fd 3 (a pipe). */
	fd(4204, 3, "pipe:[7004]", "00");
	fd(4204, 5, "anon_inode:[eventpoll]", "02");
	put("proc/4204/fdinfo/5", "pos:\t0\nflags:\t02\nmnt_id:\t15\n"
	    "tfd:        3 events:       19 data:                3  pos:0 ino:1b5c sdev:e\n");
	task(4204, 4204, "epoller", 'S', line("epoll_wait", 5, 0x1000, 8, (uint64_t)-1));
	/* 4205: futex on a word inside its mapping of /dev/shm/sem.fix (sem_wait). */
	snprintf(path, sizeof(path), "proc/4205/maps");
	put(path, "7f0000000000-7f0000001000 rw-s 00000000 %02x:%02x %llu /dev/shm/sem.fix\n",
	    major(shm_st.st_dev), minor(shm_st.st_dev), (unsigned long long)shm_st.st_ino);
	task(4205, 4205, "semwait", 'S', line("futex", 0x7f0000000010, 9 | 0, 0, 0));
	/* 4206: mq_timedreceive on fd 3, accept on fd 4, flock on fd 5. */
	fd(4206, 3, "/dev/mqueue/q", "00");
	fd(4206, 4, "socket:[8001]", "02");
	fd(4206, 5, "/data/lockfile", "00");
	task(4206, 4206, "mqrecv", 'S', line("mq_timedreceive", 3, 0x1000, 64, 0));
	task(4206, 4216, "acceptor", 'S', line("accept4", 4, 0, 0, 0x80000));
	task(4206, 4217, "locker", 'S', line("flock", 5, 2, 0, 0));
	/* 4207: broken and unknown lines on a process that holds a pipe: none is a waiter. */
	fd(4207, 3, "pipe:[7005]", "00");
	task(4207, 4207, "garbage", 'S', "garbage\n");
	task(4207, 4218, "short", 'S', "0 0x3 0x1\n");
	task(4207, 4219, "unknown", 'S', "99999 0x3 0x0 0x0 0x0 0x0 0x0 0x1 0x2\n");
	task(4207, 4220, "outside", 'D', "-1 0x7ffc354008f8 0x7fd7e0de62ad\n");
	task(4207, 4221, "running", 'S', "running\n");
	task(4207, 4222, "badstat", 'S', line("read", 3, 0, 1, 0));
	put("proc/4207/task/4222/stat", "4222 badstat S 1\n");
	task(4207, 4223, "otherfd", 'S', line("read", 9, 0, 1, 0)); /* fd 9: nothing held */
	task(4207, 4224, "nosched", 'S', line("read", 3, 0, 1, 0));
	snprintf(path, sizeof(path), "%s/proc/4207/task/4224/sched", tree);
	unlink(path);
	return 0;
}

static int remove_tree(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	return system(cmd) == 0 ? 0 : -1;
}

static int scan_tree(struct snapshot *s)
{
	struct scan_ctx ctx;
	int rc;

	snapshot_init(s);
	rc = scan_ctx_init(&ctx, tree, KINDS_ALL);
	if (rc < 0)
		return rc;
	rc = scan_run(&ctx, s);
	scan_ctx_release(&ctx);
	return rc;
}

static const struct ipc_waiter *waiter(const struct ipc_object *o, pid_t tid)
{
	for (size_t i = 0; o && i < o->nwaiters; i++)
		if (o->waiters[i].tid == tid)
			return &o->waiters[i];
	return NULL;
}

static struct ipc_object *by_id(struct snapshot *s, const char *identity)
{
	struct ipc_object *o = snapshot_find_identity(s, identity);

	if (!o)
		fail_msg("no %s", identity);
	return o;
}

static void test_tree(void **state)
{
	const struct ipc_waiter *w;
	struct ipc_object *o;
	struct snapshot s;
	char id[64];

	(void)state;
	assert_int_equal(scan_tree(&s), 0);

	o = by_id(&s, "pipe:7001");
	assert_int_equal(o->nwaiters, 2);
	assert_non_null(w = waiter(o, 4200));
	assert_int_equal(w->pid, 4200);
	assert_string_equal(w->comm, "reader");
	assert_string_equal(w->what, "read");
	assert_string_equal(w->syscall, "read");
	assert_int_equal(w->fd, 3);
	assert_int_equal(w->state, 'S');
	assert_false(w->several);
	/* 100 s before the tree's "now", on the scan's wall clock */
	assert_true(w->since >= s.time - 101 && w->since <= s.time - 99);
	assert_non_null(w = waiter(o, 4210));
	assert_string_equal(w->what, "write");
	assert_int_equal(w->fd, 4);
	assert_int_equal(w->state, 'D');
	assert_null(waiter(o, 4211)); /* running */

	snprintf(id, sizeof(id), "sysv-msg:%llu:5", 4026531839ULL);
	o = by_id(&s, id);
	assert_int_equal(o->nwaiters, 2);
	assert_non_null(w = waiter(o, 4201));
	assert_string_equal(w->what, "receive");
	assert_true(w->has_msgtyp);
	assert_int_equal(w->msgtyp, -3);
	assert_int_equal(w->fd, -1);
	assert_non_null(w = waiter(o, 4212));
	assert_string_equal(w->what, "send");
	assert_false(w->has_msgtyp);

	snprintf(id, sizeof(id), "sysv-sem:%llu:9", 4026531839ULL);
	o = by_id(&s, id);
	assert_int_equal(o->nwaiters, 3);
	assert_non_null(w = waiter(o, 4202));
	assert_string_equal(w->what, "zero");
	assert_int_equal(w->semnum, 1);
	assert_int_equal(w->semop, 0);
	assert_non_null(w = waiter(o, 4213));
	assert_string_equal(w->what, "decrement");
	assert_int_equal(w->semnum, 0);
	assert_int_equal(w->semop, -2);
	assert_string_equal(w->syscall, "semtimedop");
	assert_non_null(w = waiter(o, 4214));
	assert_string_equal(w->what, "semop");
	assert_int_equal(w->semnum, -1);

	/* poll and select: on each pipe, as one of several */
	for (int k = 0; k < 2; k++) {
		o = by_id(&s, k ? "pipe:7003" : "pipe:7002");
		assert_int_equal(o->nwaiters, 2);
		assert_non_null(w = waiter(o, 4203));
		assert_string_equal(w->what, "poll");
		assert_true(w->several);
		assert_int_equal(w->fd, 3 + k);
		assert_non_null(w = waiter(o, 4215));
		assert_string_equal(w->syscall, "pselect6");
		assert_true(w->several);
	}

	o = by_id(&s, "pipe:7004");
	assert_int_equal(o->nwaiters, 1);
	assert_non_null(w = waiter(o, 4204));
	assert_string_equal(w->what, "poll");
	assert_string_equal(w->syscall, "epoll_wait");
	assert_int_equal(w->fd, 3);
	assert_false(w->several);

	o = snapshot_find_file(&s, KIND_POSIX_SEM, (uint64_t)shm_st.st_dev, (uint64_t)shm_st.st_ino);
	assert_non_null(o);
	assert_int_equal(o->nwaiters, 1);
	assert_non_null(w = waiter(o, 4205));
	assert_string_equal(w->what, "futex");
	assert_int_equal(w->addr, 0x7f0000000010ULL);

	o = NULL;
	for (size_t i = 0; i < s.nobjs; i++)
		if (s.objs[i]->kind == KIND_POSIX_MQ)
			o = s.objs[i];
	assert_non_null(o);
	assert_non_null(w = waiter(o, 4206));
	assert_string_equal(w->what, "receive");
	assert_int_equal(w->fd, 3);

	o = by_id(&s, "unix:8001");
	assert_non_null(w = waiter(o, 4216));
	assert_string_equal(w->what, "accept");

	/* The lock waiter: on no object, kept with the file's device and inode. */
	assert_int_equal(s.nlock_waiters, 1);
	assert_int_equal(s.lock_waiters[0].tid, 4217);
	assert_string_equal(s.lock_waiters[0].what, "lock");
	assert_int_equal(s.lock_waiters[0].lock_dev, (uint64_t)lock_st.st_dev);
	assert_int_equal(s.lock_waiters[0].lock_ino, (uint64_t)lock_st.st_ino);

	/* Broken lines and unknown numbers are no waiters; without sched, no since. */
	o = by_id(&s, "pipe:7005");
	assert_int_equal(o->nwaiters, 1);
	assert_non_null(w = waiter(o, 4224));
	assert_int_equal(w->since, 0);
	snapshot_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_syscall_captured),
		cmocka_unit_test(test_parse_syscall_malformed),
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_parse_exec_start),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_sem_blocker),
		cmocka_unit_test_setup_teardown(test_tree, make_tree, remove_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
