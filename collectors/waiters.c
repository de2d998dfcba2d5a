/* waiters.c - threads asleep waiting on an IPC object.
 *
 * For a process that holds an object (or lives in an IPC namespace with a SysV queue, or a
 * set some thread may sleep on), /proc/PID/task is listed once; each task's stat gives its
 * state, and only a task in S or D state has its syscall file read: the number of the
 * system call it sleeps in and its six arguments. The number is looked up in the table of
 * the architecture the program was built for; the arguments name the object:
 *
 *   an fd              the object p holds through that fd (pipes, FIFOs, sockets, queues)
 *   msqid, semid       the SysV object of that id in p's IPC namespace
 *   an address         the object whose mapping of p contains it (futexes in shm)
 *   pollfd, fd_set,
 *   futex_waitv arrays read from /proc/PID/mem, bounded; each element joined as above
 *   an epoll fd        its fdinfo's "tfd:" lines name the fds it watches
 *   struct sembuf      read from /proc/PID/mem: which semaphore, decrement or zero
 *
 * `since` is the last time the thread ran on a CPU: se.exec_start of /proc/PID/task/TID/sched
 * (the scheduler's clock, milliseconds since boot; the file exists with CONFIG_SCHED_DEBUG),
 * turned into wall-clock time. A sleeping thread has not run since then, so it has slept at
 * least that long; a timed wait that wakes and sleeps again restarts it. The kernel keeps
 * no "asleep since" of its own, so without that file `since` is absent. Only read for a
 * thread that was joined to something. */
#include "waiters.h"

#include "locks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

#if defined(__x86_64__)
#include "syscalls_x86_64.h"
#elif defined(__aarch64__)
#include "syscalls_aarch64.h"
#else
/* No table: every sleeping thread is "in an unknown system call", which the scan says. */
#define SYSCALL_ARCH NULL
static const struct syscall_def syscall_defs[] = {{-1, NULL, WC_NONE}};
#endif

/* Bounds of what is read from a process's memory and files. */
#define MAX_SEMBUFS 64        /* 384 bytes */
#define MAX_POLLFDS 128       /* 1 KiB */
#define MAX_SELECT_FDS 1024   /* FD_SETSIZE: 128 bytes per set */
#define MAX_WAITV 128         /* FUTEX_WAITV_MAX */
#define EPOLL_INFO_MAX (16u << 10)
#define POLLFD_SIZE 8         /* int fd; short events, revents */
#define WAITV_SIZE 24         /* u64 val, u64 uaddr, u32 flags, u32 reserved */

/* fcntl commands that sleep until a lock is granted (asm-generic/fcntl.h). */
#define CMD_SETLKW 7
#define CMD_OFD_SETLKW 38
/* futex operations that sleep (linux/futex.h), after the private and clock flags. */
#define FUTEX_CMD_MASK (~(128 | 256))
#define FUTEX_WAIT_OP 0
#define FUTEX_LOCK_PI_OP 6
#define FUTEX_WAIT_BITSET_OP 9
#define FUTEX_WAIT_REQUEUE_PI_OP 11
#define FUTEX_LOCK_PI2_OP 13

const char *waiters_arch(void)
{
	return SYSCALL_ARCH;
}

const struct syscall_def *waiters_syscall(long nr)
{
	for (size_t i = 0; i < ARRAY_SIZE(syscall_defs); i++)
		if (syscall_defs[i].name && syscall_defs[i].nr == nr)
			return &syscall_defs[i];
	return NULL;
}

long waiters_syscall_nr(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(syscall_defs); i++)
		if (syscall_defs[i].name && !strcmp(syscall_defs[i].name, name))
			return syscall_defs[i].nr;
	return -1;
}

/* ---- parsers ---- */

/* Next blank-separated word of *p into buf; false when none is left or it does not fit. */
static bool word(const char **p, char *buf, size_t len)
{
	const char *s = *p + strspn(*p, " \t\n");
	size_t n = strcspn(s, " \t\n");

	if (!n || n >= len)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*p = s + n;
	return true;
}

/* "0x..." as the kernel prints an unsigned long. */
static bool hex_word(const char **p, uint64_t *v)
{
	char buf[24];

	if (!word(p, buf, sizeof(buf)) || strncmp(buf, "0x", 2) || !buf[2] || strlen(buf) > 18)
		return false;
	return parse_u64_base(buf + 2, 16, v) == 0;
}

int waiters_parse_syscall(const char *text, struct syscall_line *l)
{
	const char *p = text;
	char nr[24];
	int64_t v;

	memset(l, 0, sizeof(*l));
	if (!word(&p, nr, sizeof(nr)))
		return -EINVAL;
	if (!strcmp(nr, "running")) {
		l->state = SYSCALL_RUNNING;
		l->nr = -1;
	} else if (!strcmp(nr, "-1")) {
		l->state = SYSCALL_OUTSIDE;
		l->nr = -1;
		if (!hex_word(&p, &l->sp) || !hex_word(&p, &l->pc))
			return -EINVAL;
	} else {
		/* A decimal number: no sign, no leading zero, what a long syscall number can be. */
		if (nr[0] < '0' || nr[0] > '9' || (nr[0] == '0' && nr[1]) ||
		    parse_i64(nr, &v) < 0 || v > INT_MAX)
			return -EINVAL;
		l->state = SYSCALL_IN;
		l->nr = (long)v;
		for (int i = 0; i < 6; i++)
			if (!hex_word(&p, &l->args[i]))
				return -EINVAL;
		if (!hex_word(&p, &l->sp) || !hex_word(&p, &l->pc))
			return -EINVAL;
	}
	p += strspn(p, " \t");
	if (*p == '\n')
		p++;
	return *p ? -EINVAL : 0;
}

int waiters_parse_stat(const char *text, char *state, char *comm, size_t commlen)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')');
	size_t n;

	/* The command may hold blanks and parentheses: it ends at the last ')'. */
	if (!open || !close || close < open || close[1] != ' ' || !close[2] ||
	    (close[3] != ' ' && close[3] != '\0' && close[3] != '\n'))
		return -EINVAL;
	if (!strchr("RSDTtZXxKWPI", close[2]))
		return -EINVAL;
	*state = close[2];
	if (comm && commlen) {
		n = (size_t)(close - open - 1);
		if (n >= commlen)
			n = commlen - 1;
		memcpy(comm, open + 1, n);
		comm[n] = '\0';
	}
	return 0;
}

int waiters_parse_exec_start(const char *text, int64_t *ns)
{
	static const char key[] = "se.exec_start";
	const char *p = text;
	uint64_t ms, frac = 0;
	char num[40], *dot;
	size_t digits;

	while (p && strncmp(p, key, sizeof(key) - 1)) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return -EINVAL;
	p += sizeof(key) - 1;
	p += strspn(p, " \t");
	if (*p++ != ':' || !word(&p, num, sizeof(num)))
		return -EINVAL;
	dot = strchr(num, '.');
	if (dot) {
		*dot = '\0';
		digits = strlen(dot + 1);
		if (!digits || digits > 6 || parse_u64(dot + 1, &frac) < 0)
			return -EINVAL;
		for (size_t i = digits; i < 6; i++)
			frac *= 10;
	}
	/* milliseconds . nanoseconds; beyond ~292 years of uptime it is not a clock */
	if (parse_u64(num, &ms) < 0 || ms > (uint64_t)INT64_MAX / 1000000 - 1)
		return -EINVAL;
	*ns = (int64_t)(ms * 1000000 + frac);
	return 0;
}

/* ---- decoding a call ---- */

static bool fd_arg(uint64_t a, int *fd)
{
	if (a > INT_MAX)
		return false;
	*fd = (int)a;
	return true;
}

int waiters_decode(const struct syscall_line *l, struct wait_req *r)
{
	const struct syscall_def *d;
	const uint64_t *a = l->args;

	memset(r, 0, sizeof(*r));
	r->fd = r->fd2 = -1;
	r->id = -1;
	if (l->state != SYSCALL_IN || !(d = waiters_syscall(l->nr)))
		return -ENOENT;
	r->def = d;
	switch (d->call) {
	case WC_READ: r->what = "read"; break;
	case WC_WRITE: r->what = "write"; break;
	case WC_RECV: r->what = "receive"; break;
	case WC_SEND: r->what = "send"; break;
	case WC_ACCEPT: r->what = "accept"; break;
	case WC_CONNECT: r->what = "connect"; break;
	case WC_MQ_RECV: r->what = "receive"; break;
	case WC_MQ_SEND: r->what = "send"; break;
	case WC_SPLICE:
		r->what = "splice";
		r->join = WJ_FD2;
		return fd_arg(a[0], &r->fd) && fd_arg(a[2], &r->fd2) ? 0 : -EINVAL;
	case WC_POLL:
		r->what = "poll";
		r->join = WJ_POLL;
		r->ptr = a[0];
		r->n = a[1];
		return 0;
	case WC_SELECT:
		r->what = "poll";
		r->join = WJ_SELECT;
		r->n = a[0];
		r->ptr = a[1];
		r->ptr2 = a[2];
		r->ptr3 = a[3];
		return a[0] > INT_MAX ? -EINVAL : 0;
	case WC_EPOLL:
		r->what = "poll";
		r->join = WJ_EPOLL;
		return fd_arg(a[0], &r->fd) ? 0 : -EINVAL;
	case WC_MSGRCV:
	case WC_MSGSND:
		r->what = d->call == WC_MSGRCV ? "receive" : "send";
		r->join = WJ_MSQ;
		if (a[0] > INT_MAX)
			return -EINVAL;
		r->id = (int64_t)a[0];
		if (d->call == WC_MSGRCV) {
			r->has_msgtyp = true;
			r->msgtyp = (int64_t)a[3]; /* a long: negative types are two's complement */
		}
		return 0;
	case WC_SEMOP:
		r->what = "semop"; /* decrement or zero once the sembuf is read */
		r->join = WJ_SEM;
		if (a[0] > INT_MAX)
			return -EINVAL;
		r->id = (int64_t)a[0];
		r->ptr = a[1];
		r->n = a[2];
		return 0;
	case WC_FUTEX:
		switch ((int)(a[1] & FUTEX_CMD_MASK)) {
		case FUTEX_WAIT_OP: case FUTEX_WAIT_BITSET_OP: case FUTEX_LOCK_PI_OP:
		case FUTEX_LOCK_PI2_OP: case FUTEX_WAIT_REQUEUE_PI_OP:
			break;
		default:
			return -ENOENT; /* a wake or requeue does not sleep on the word */
		}
		r->what = "futex";
		r->join = WJ_FUTEX;
		r->ptr = a[0];
		return 0;
	case WC_FUTEX_WAITV:
		r->what = "futex";
		r->join = WJ_FUTEXV;
		r->ptr = a[0];
		r->n = a[1];
		return 0;
	case WC_FLOCK:
		r->what = "lock";
		r->join = WJ_LOCK;
		return fd_arg(a[0], &r->fd) ? 0 : -EINVAL;
	case WC_FCNTL:
		if (a[1] != CMD_SETLKW && a[1] != CMD_OFD_SETLKW)
			return -ENOENT;
		r->what = "lock";
		r->join = WJ_LOCK;
		return fd_arg(a[0], &r->fd) ? 0 : -EINVAL;
	case WC_CHILD:
	case WC_SIGNAL:
	case WC_SLEEP:
	case WC_NONE:
		return -ENOENT;
	}
	r->join = WJ_FD;
	return fd_arg(a[0], &r->fd) ? 0 : -EINVAL;
}

void waiters_sembufs(const unsigned char *b, size_t n, struct sembuf_raw *out)
{
	for (size_t i = 0; i < n; i++, b += SEMBUF_RAW_SIZE) {
		memcpy(&out[i].num, b, 2);
		memcpy(&out[i].op, b + 2, 2);
		memcpy(&out[i].flg, b + 4, 2);
	}
}

int waiters_sem_blocker(const struct sembuf_raw *ops, size_t n, const struct sem_elem *sems,
			int64_t nsems)
{
	int first = -1, vals[MAX_SEMBUFS];
	int64_t idx[MAX_SEMBUFS];
	size_t nv = 0;

	for (size_t i = 0; i < n; i++) {
		if (ops[i].op <= 0 && first < 0)
			first = (int)i;
	}
	if (!sems || n > MAX_SEMBUFS)
		return first;
	/* The values as the operations before each one leave them (perform_atomic_semop). */
	for (size_t i = 0; i < n; i++) {
		size_t k;
		int v;

		if ((int64_t)ops[i].num >= nsems)
			return first; /* the kernel refuses such a call: it cannot be asleep in it */
		for (k = 0; k < nv && idx[k] != ops[i].num; k++)
			;
		if (k == nv) {
			idx[nv] = ops[i].num;
			vals[nv++] = sems[ops[i].num].value;
		}
		v = vals[k];
		if ((ops[i].op == 0 && v != 0) || (ops[i].op < 0 && v + ops[i].op < 0))
			return (int)i;
		vals[k] = v + ops[i].op;
	}
	return first; /* all would pass now: woken, or values changed since they were read */
}

/* ---- the walk ---- */

static bool wait_ns_has(const struct fdscan *fs, uint64_t ns)
{
	for (size_t i = 0; i < fs->nwait_ns; i++)
		if (fs->wait_ns[i] == ns)
			return true;
	return false;
}

/* Whether a thread may sleep in semop on o: the kernel counts sleepers per semaphore. */
static bool sem_may_wait(const struct ipc_object *o)
{
	if (!obj_ipc(o)->sems)
		return true; /* counts unknown */
	for (int64_t i = 0; i < obj_ipc(o)->nsems; i++)
		if (obj_ipc(o)->sems[i].ncount > 0 || obj_ipc(o)->sems[i].zcount > 0)
			return true;
	return false;
}

/* A fixture tree's clock: <root>/proc/uptime's first figure. */
static bool tree_uptime(struct fdscan *fs, int64_t *ns)
{
	char *text = NULL;
	double up;
	bool ok;

	if (read_file_at(fs->ctx->rootfd, "proc/uptime", 256, &text, NULL) < 0)
		return false;
	ok = sscanf(text, "%lf", &up) == 1 && up >= 0 && up < 1e10;
	free(text);
	if (ok)
		*ns = (int64_t)(up * 1e9);
	return ok;
}

/* The SysV objects into the join table, by (kind, namespace, id): when the first thread
 * waiting on one is found. Most scans find none, and 64,000 entries are a tenth of the time
 * of a scan of as many objects. */
static void sysv_joinable(struct fdscan *fs)
{
	unsigned sysv = KIND_BIT(KIND_SYSV_MSG) | KIND_BIT(KIND_SYSV_SEM);

	if (fs->sysv_joinable)
		return;
	fs->sysv_joinable = true;
	for (size_t i = 0; i < fs->snap->nobjs; i++) {
		struct ipc_object *o = fs->snap->objs[i];

		if ((KIND_BIT(o->kind) & sysv & fs->want) && o->id >= 0)
			join_tab_get(&fs->tab, o->kind, o->ns, (uint64_t)o->id, true)->o = o;
	}
}

void waiters_prepare(struct fdscan *fs)
{
	unsigned sysv = KIND_BIT(KIND_SYSV_MSG) | KIND_BIT(KIND_SYSV_SEM);

	for (size_t i = 0; i < fs->snap->nobjs; i++) {
		struct ipc_object *o = fs->snap->objs[i];

		if (!(KIND_BIT(o->kind) & sysv & fs->want) || o->id < 0)
			continue;
		if ((o->kind == KIND_SYSV_MSG || sem_may_wait(o)) && !wait_ns_has(fs, o->ns)) {
			xgrow((void **)&fs->wait_ns, &fs->wait_ns_cap, fs->nwait_ns + 1, sizeof(*fs->wait_ns));
			fs->wait_ns[fs->nwait_ns++] = o->ns;
		}
	}
	/* The scheduler's clock runs from boot and stops in suspend, as CLOCK_MONOTONIC does. */
	if (fs->ctx->live) {
		struct timespec w, m;

		fs->clock_ok = clock_gettime(CLOCK_REALTIME, &w) == 0 &&
			       clock_gettime(CLOCK_MONOTONIC, &m) == 0;
		fs->wall_ns = (int64_t)w.tv_sec * 1000000000 + w.tv_nsec;
		fs->mono_ns = (int64_t)m.tv_sec * 1000000000 + m.tv_nsec;
	} else {
		fs->clock_ok = tree_uptime(fs, &fs->mono_ns);
		fs->wall_ns = fs->snap->time * 1000000000;
	}
}

/* One waiting thread being joined. */
struct wscan {
	struct fdscan *fs;
	struct proc *p;
	int taskfd;
	const char *tid_name;
	struct ipc_waiter w;     /* the record each object gets a copy of */
	bool since_read;
	int memfd;               /* <root>/proc/PID/mem; -1 until needed, -2 unreadable */
	unsigned joined;
};

static int cmp_held(const void *a, const void *b)
{
	const struct held_fd *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

static struct ipc_object *held_fd_object(struct fdscan *fs, int fd)
{
	struct held_fd key = {.fd = fd}, *h;

	if (!fs->nheld_fds) /* held_fds is NULL then: qsort and bsearch must not see it */
		return NULL;
	if (!fs->held_fds_sorted) {
		qsort(fs->held_fds, fs->nheld_fds, sizeof(*fs->held_fds), cmp_held);
		fs->held_fds_sorted = true;
	}
	h = bsearch(&key, fs->held_fds, fs->nheld_fds, sizeof(*fs->held_fds), cmp_held);
	return h ? h->o : NULL;
}

static struct ipc_object *held_map_object(struct fdscan *fs, uint64_t addr)
{
	for (size_t i = 0; i < fs->nheld_maps; i++)
		if (addr >= fs->held_maps[i].start && addr < fs->held_maps[i].end)
			return fs->held_maps[i].o;
	return NULL;
}

static void read_since(struct wscan *ws)
{
	char path[48], buf[512];
	int64_t start;
	ssize_t n = -1;
	int fd;

	if (ws->since_read)
		return;
	ws->since_read = true;
	if (!ws->fs->clock_ok)
		return;
	snprintf(path, sizeof(path), "%s/sched", ws->tid_name);
	fd = openat(ws->taskfd, path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* Only whole lines: a line cut by the buffer is left for the parser to refuse. */
	if (waiters_parse_exec_start(buf, &start) < 0 || start > ws->fs->mono_ns)
		return;
	ws->w.since = (ws->fs->wall_ns - (ws->fs->mono_ns - start)) / 1000000000;
}

/* Give o (once) a copy of the waiter, with fd and what. */
static void join(struct wscan *ws, struct ipc_object *o, int fd, const char *what)
{
	struct ipc_waiter w;

	if (!o || !(ws->fs->want & KIND_BIT(o->kind)))
		return;
	for (size_t i = 0; i < o->nwaiters; i++)
		if (o->waiters[i].tid == ws->w.tid)
			return; /* poll on both ends of a pipe: one waiter */
	read_since(ws);
	w = ws->w;
	w.fd = fd;
	if (what)
		w.what = what;
	object_add_waiter(o, &w);
	ws->joined++;
}

/* Up to len bytes of the process's memory at addr; the count read, or -1. */
static ssize_t read_mem(struct wscan *ws, uint64_t addr, void *buf, size_t len)
{
	ssize_t n;

	if (ws->memfd == -1) {
		ws->memfd = openat(ws->p->dirfd, "mem", O_RDONLY | O_CLOEXEC);
		if (ws->memfd < 0)
			ws->memfd = -2;
	}
	if (ws->memfd < 0 || addr > (uint64_t)INT64_MAX - len)
		return -1;
	n = pread(ws->memfd, buf, len, (off_t)addr);
	return n;
}

static void join_sem(struct wscan *ws, struct ipc_object *o, const struct wait_req *r)
{
	unsigned char bytes[MAX_SEMBUFS * SEMBUF_RAW_SIZE];
	struct sembuf_raw ops[MAX_SEMBUFS];
	size_t n = r->n < MAX_SEMBUFS ? (size_t)r->n : MAX_SEMBUFS;
	ssize_t got;
	int b;

	if (!o)
		return;
	/* Without the sembuf: the set, and "semop". */
	got = n ? read_mem(ws, r->ptr, bytes, n * SEMBUF_RAW_SIZE) : -1;
	if (got == (ssize_t)(n * SEMBUF_RAW_SIZE)) {
		waiters_sembufs(bytes, n, ops);
		b = waiters_sem_blocker(ops, n, obj_ipc(o)->sems, obj_ipc(o)->nsems);
		if (b >= 0) {
			ws->w.semnum = ops[b].num;
			ws->w.semop = ops[b].op;
			ws->w.what = ops[b].op == 0 ? "zero" : "decrement";
		}
	}
	join(ws, o, -1, NULL);
}

static void join_poll(struct wscan *ws, const struct wait_req *r)
{
	unsigned char bytes[MAX_POLLFDS * POLLFD_SIZE];
	size_t n = r->n < MAX_POLLFDS ? (size_t)r->n : MAX_POLLFDS;
	ssize_t got = n ? read_mem(ws, r->ptr, bytes, n * POLLFD_SIZE) : -1;

	if (got <= 0)
		return;
	ws->w.several = r->n > 1;
	for (size_t i = 0; i + 1 <= (size_t)got / POLLFD_SIZE; i++) {
		int32_t fd;

		memcpy(&fd, bytes + i * POLLFD_SIZE, 4);
		if (fd >= 0) /* a negative fd is skipped by poll */
			join(ws, held_fd_object(ws->fs, fd), fd, NULL);
	}
}

static void join_select(struct wscan *ws, const struct wait_req *r)
{
	unsigned char sets[3][MAX_SELECT_FDS / 8];
	uint64_t ptrs[3] = {r->ptr, r->ptr2, r->ptr3};
	size_t nfds = r->n < MAX_SELECT_FDS ? (size_t)r->n : MAX_SELECT_FDS;
	size_t len = (nfds + 7) / 8;
	bool have[3] = {false, false, false};
	unsigned count = 0;

	/* fd_set is an array of longs, little-endian bit order on both architectures. */
	len = (len + 7) / 8 * 8;
	for (int s = 0; s < 3; s++)
		have[s] = ptrs[s] && len && read_mem(ws, ptrs[s], sets[s], len) == (ssize_t)len;
	for (size_t fd = 0; fd < nfds; fd++)
		for (int s = 0; s < 3; s++)
			if (have[s] && (sets[s][fd / 8] >> (fd % 8) & 1)) {
				count++;
				break;
			}
	ws->w.several = count > 1;
	for (size_t fd = 0; fd < nfds; fd++)
		for (int s = 0; s < 3; s++)
			if (have[s] && (sets[s][fd / 8] >> (fd % 8) & 1)) {
				join(ws, held_fd_object(ws->fs, (int)fd), (int)fd, NULL);
				break;
			}
}

/* The fds an epoll instance watches: "tfd: N events: ..." lines of its fdinfo (proc(5)). */
static void join_epoll(struct wscan *ws, const struct wait_req *r)
{
	char path[48], *text = NULL;
	const char *line;
	unsigned count = 0;

	snprintf(path, sizeof(path), "fdinfo/%d", r->fd);
	if (read_file_at(ws->p->dirfd, path, EPOLL_INFO_MAX, &text, NULL) < 0)
		return;
	for (int pass = 0; pass < 2; pass++) {
		for (line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
			char num[16];
			const char *q = line;
			uint64_t fd;

			if (strncmp(line, "tfd:", 4))
				continue;
			q += 4;
			if (!word(&q, num, sizeof(num)) || parse_u64(num, &fd) < 0 || fd > INT_MAX)
				continue;
			if (pass == 0)
				count++;
			else
				join(ws, held_fd_object(ws->fs, (int)fd), (int)fd, NULL);
		}
		ws->w.several = count > 1;
	}
	free(text);
}

static void join_futexv(struct wscan *ws, const struct wait_req *r)
{
	unsigned char bytes[MAX_WAITV * WAITV_SIZE];
	size_t n = r->n < MAX_WAITV ? (size_t)r->n : MAX_WAITV;
	ssize_t got = n ? read_mem(ws, r->ptr, bytes, n * WAITV_SIZE) : -1;

	if (got <= 0)
		return;
	ws->w.several = r->n > 1;
	for (size_t i = 0; i < (size_t)got / WAITV_SIZE; i++) {
		uint64_t addr;

		memcpy(&addr, bytes + i * WAITV_SIZE + 8, 8);
		ws->w.addr = addr;
		join(ws, held_map_object(ws->fs, addr), -1, NULL);
	}
}

/* A lock waiter names a file, not an IPC object this tree knows: it is kept in the
 * snapshot with the file's device and inode for the lock objects to take. */
static void keep_lock_waiter(struct wscan *ws, int fd)
{
	struct snapshot *s = ws->fs->snap;
	char path[32], link[4200];
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "fd/%d", fd);
	if (ws->fs->ctx->live) {
		if (fstatat(ws->p->dirfd, path, &st, 0) < 0)
			return;
	} else {
		/* A fixture's fd is a symlink to a path of the tree. */
		n = readlinkat(ws->p->dirfd, path, link, sizeof(link) - 1);
		if (n <= 1 || link[0] != '/')
			return;
		link[n] = '\0';
		if (fstatat(ws->fs->ctx->rootfd, link + 1, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return;
	}
	read_since(ws);
	ws->w.fd = fd;
	ws->w.lock_dev = (uint64_t)st.st_dev;
	ws->w.lock_ino = (uint64_t)st.st_ino;
	xgrow((void **)&s->lock_waiters, &s->lock_waiters_cap, s->nlock_waiters + 1,
	      sizeof(*s->lock_waiters));
	s->lock_waiters[s->nlock_waiters++] = ws->w;
	ws->joined++;
}

static void join_req(struct wscan *ws, const struct wait_req *r)
{
	struct fdscan *fs = ws->fs;
	struct join_ent *e;

	ws->w.what = r->what;
	ws->w.syscall = r->def->name;
	ws->w.has_msgtyp = r->has_msgtyp;
	ws->w.msgtyp = r->msgtyp;
	switch (r->join) {
	case WJ_NONE:
		break;
	case WJ_FD:
		join(ws, held_fd_object(fs, r->fd), r->fd, NULL);
		break;
	case WJ_FD2:
		join(ws, held_fd_object(fs, r->fd), r->fd, NULL);
		join(ws, held_fd_object(fs, r->fd2), r->fd2, NULL);
		break;
	case WJ_MSQ:
	case WJ_SEM:
		/* ids are per IPC namespace: the waiting process's. */
		sysv_joinable(fs);
		e = join_tab_get(&fs->tab, r->join == WJ_MSQ ? KIND_SYSV_MSG : KIND_SYSV_SEM,
				 proc_ipc_ns(fs, ws->p), (uint64_t)r->id, false);
		if (r->join == WJ_MSQ)
			join(ws, e ? e->o : NULL, -1, NULL);
		else
			join_sem(ws, e ? e->o : NULL, r);
		break;
	case WJ_FUTEX:
		ws->w.addr = r->ptr;
		join(ws, held_map_object(fs, r->ptr), -1, NULL);
		break;
	case WJ_FUTEXV:
		join_futexv(ws, r);
		break;
	case WJ_POLL:
		join_poll(ws, r);
		break;
	case WJ_SELECT:
		join_select(ws, r);
		break;
	case WJ_EPOLL:
		join_epoll(ws, r);
		break;
	case WJ_LOCK:
		keep_lock_waiter(ws, r->fd);
		break;
	}
}

/* Read the small file TID/name into buf. Its length, or -1. */
static ssize_t read_task_file(int taskfd, const char *tid, const char *name, char *buf, size_t len)
{
	char path[48];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tid, name);
	fd = openat(taskfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static void read_task(struct wscan *ws, const char *tid_name, int tid)
{
	struct fdscan *fs = ws->fs;
	char buf[512], state;
	struct syscall_line l;
	struct wait_req r;

	ws->fs->tasks_read++;
	if (read_task_file(ws->taskfd, tid_name, "stat", buf, sizeof(buf)) < 0)
		return; /* gone */
	memset(&ws->w, 0, sizeof(ws->w));
	ws->w.pid = ws->p->pid;
	ws->w.tid = tid;
	ws->w.fd = -1;
	ws->w.semnum = -1;
	if (waiters_parse_stat(buf, &state, ws->w.comm, sizeof(ws->w.comm)) < 0 ||
	    (state != 'S' && state != 'D'))
		return;
	ws->w.state = state;
	ws->tid_name = tid_name;
	ws->since_read = false;
	if (read_task_file(ws->taskfd, tid_name, "syscall", buf, sizeof(buf)) < 0) {
		if (errno == EACCES || errno == EPERM)
			fs->syscall_denied++;
		return;
	}
	if (waiters_parse_syscall(buf, &l) < 0 || l.state != SYSCALL_IN)
		return;
	if (!waiters_syscall(l.nr)) {
		fs->wait_unknown++;
		return;
	}
	if (waiters_decode(&l, &r) == 0)
		join_req(ws, &r);
}

void waiters_read(struct fdscan *fs, struct proc *p, char *dbuf)
{
	struct wscan ws = {.fs = fs, .p = p, .memfd = -1};
	ssize_t n, off;

	/* Only a process that holds something, or may sleep on a SysV object of its IPC
	 * namespace, can be a waiter this scan can join. */
	if (!fs->nheld_fds && !fs->nheld_maps && !(fs->nwait_ns && wait_ns_has(fs, proc_ipc_ns(fs, p))) &&
	    !locks_blocked_pid(fs, p->pid))
		return;
	ws.taskfd = openat(p->dirfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ws.taskfd < 0)
		return;
	while ((n = getdents64(ws.taskfd, dbuf, WAITERS_DENTS_BUF)) > 0) {
		for (off = 0; off < n;) {
			struct dirent64 *e = (struct dirent64 *)(dbuf + off);
			uint64_t tid;

			off += e->d_reclen;
			if (e->d_name[0] == '.' || parse_u64(e->d_name, &tid) < 0 || !tid || tid > INT_MAX)
				continue;
			read_task(&ws, e->d_name, (int)tid);
		}
	}
	fs->waiters_found += ws.joined;
	if (ws.memfd >= 0)
		close(ws.memfd);
	close(ws.taskfd);
}

void waiters_finish(struct fdscan *fs)
{
	if (fs->wait_unknown && !waiters_arch())
		snapshot_error(fs->snap, "/proc", "%u threads sleep in system calls, but this build "
			       "knows no system call numbers of its architecture: waiters unknown",
			       fs->wait_unknown);
}
