/* gen_run.c - what a generator run needs around the mechanisms: signal handling, the
 * watchdog, forked peers and their control channels, and the list of everything made so
 * that it is removed whatever way the run ends.
 *
 * Why a watchdog: a parent blocked in msgrcv, semop or sem_wait on a peer that was killed
 * would wait forever. A timer signal without SA_RESTART makes every blocking call return
 * EINTR a few times a second, and every retry loop then asks gen_check() whether a stop
 * was requested or a peer died.
 *
 * Why two ways to clean up: the first SIGINT/SIGTERM only sets a flag, so the normal path
 * (destroy, stop peers, remove) runs with all its care. A second signal means the normal
 * path is stuck or the user is impatient: the handler itself then kills the peers, removes
 * every registered object with async-signal-safe calls only, and exits. */
#include "gen/gen.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

#define WATCHDOG_US 200000
#define STOP_GRACE_MS 2000

struct res {
	struct gen_ctx *owner;
	struct gen_object *obj;  /* the object it belongs to, may be NULL */
	int type;                /* enum gen_res_type */
	int id;                  /* SysV id */
	char name[128];          /* POSIX name */
	char path[PATH_MAX];     /* what unlink() removes; prepared here so the handler need not */
	bool done;
};

struct proc {
	pid_t pid;
	const char *role;        /* static */
	const char *mech;        /* static */
	bool own;                /* forked by gen_spawn: waited for here */
	bool ending;             /* being stopped on purpose */
	bool dead;               /* reaped */
};

static struct {
	volatile sig_atomic_t stop_sig;
	volatile sig_atomic_t chld;
	bool active;
	bool peer;
	bool leak;
	bool peer_died;
	char tmpdir[PATH_MAX];
	bool tmpdir_made;
	size_t leaked_paths;
	char abort_msg[256];
	struct res *res;
	size_t nres, res_cap;
	struct proc *procs;
	size_t nprocs, procs_cap;
	struct sigaction old[5];
} run;

static const int handled[5] = {SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGALRM};

static void block_stops(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, old);
}

static void unblock(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

void gen_signals_block(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(handled); i++)
		sigaddset(&set, handled[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

void gen_signals_restore(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

/* Async-signal-safe: syscalls only, paths prepared in advance. */
static void res_remove_raw(const struct res *r)
{
	switch (r->type) {
	case GEN_RES_SYSV_MSG:
		msgctl(r->id, IPC_RMID, NULL);
		break;
	case GEN_RES_SYSV_SHM:
		shmctl(r->id, IPC_RMID, NULL);
		break;
	case GEN_RES_SYSV_SEM:
		semctl(r->id, 0, IPC_RMID);
		break;
	case GEN_RES_POSIX_MQ:
		syscall(SYS_mq_unlink, r->name + 1);
		break;
	default:
		unlink(r->path);
		break;
	}
}

static void emergency(int sig)
{
	int saved = errno;

	for (size_t i = 0; i < run.nprocs; i++)
		if (!run.procs[i].dead)
			kill(run.procs[i].pid, SIGKILL);
	for (size_t i = 0; i < run.nres; i++)
		if (!run.res[i].done && !run.leak)
			res_remove_raw(&run.res[i]);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	if (run.tmpdir_made && !run.leak)
		rmdir(run.tmpdir);
	errno = saved;
	_exit(128 + sig);
}

static void on_stop(int sig)
{
	if (run.stop_sig)
		emergency(sig);
	run.stop_sig = sig;
}

static void on_chld(int sig)
{
	(void)sig;
	run.chld = 1;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void raise_limit(int resource)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(resource, &rl);
	}
}

int gen_run_init(bool leak)
{
	struct sigaction sa;
	struct itimerval it = {{0, WATCHDOG_US}, {0, WATCHDOG_US}};

	if (run.active)
		return -EBUSY;
	memset(&run, 0, sizeof(run));
	run.leak = leak;
	raise_limit(RLIMIT_NOFILE);
	raise_limit(RLIMIT_MSGQUEUE);
	raise_limit(RLIMIT_SIGPENDING);

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(handled); i++) {
		/* No SA_RESTART anywhere: interrupted calls must come back to their loops. */
		sa.sa_handler = handled[i] == SIGCHLD ? on_chld :
				handled[i] == SIGALRM ? on_alarm : on_stop;
		sa.sa_flags = handled[i] == SIGCHLD ? SA_NOCLDSTOP : 0;
		sigaction(handled[i], &sa, &run.old[i]);
	}
	signal(SIGPIPE, SIG_IGN);
	run.active = true;
	setitimer(ITIMER_REAL, &it, NULL);
	return 0;
}

const char *gen_tmpdir_made(void)
{
	return run.tmpdir_made ? run.tmpdir : NULL;
}

/* Made on first use, so a run refused at its checks leaves no directory, and with the
 * stop signals held, so the emergency path knows it the moment it exists. */
const char *gen_tmpdir(void)
{
	const char *tmp = getenv("TMPDIR");
	sigset_t old;

	if (run.tmpdir[0])
		return run.tmpdir;
	if (!tmp || !*tmp)
		tmp = "/tmp";
	block_stops(&old);
	snprintf(run.tmpdir, sizeof(run.tmpdir), "%s/" GEN_PREFIX "%d-XXXXXX", tmp, (int)getpid());
	if (!mkdtemp(run.tmpdir))
		snprintf(run.tmpdir, sizeof(run.tmpdir), "%s", tmp);
	else
		run.tmpdir_made = true;
	unblock(&old);
	return run.tmpdir;
}

void gen_run_release(void)
{
	struct itimerval off;

	if (!run.active)
		return;
	memset(&off, 0, sizeof(off));
	setitimer(ITIMER_REAL, &off, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(handled); i++)
		sigaction(handled[i], &run.old[i], NULL);
	if (run.tmpdir_made && !run.leaked_paths)
		rmdir(run.tmpdir);
	free(run.res);
	free(run.procs);
	run.res = NULL;
	run.procs = NULL;
	run.nres = run.nprocs = 0;
	run.active = false;
}

bool gen_in_peer(void)
{
	return run.peer;
}

int gen_stop_signal(void)
{
	return run.stop_sig;
}

const char *gen_run_abort(void)
{
	return run.abort_msg;
}

void gen_run_clear_abort(void)
{
	run.peer_died = false;
	run.abort_msg[0] = '\0';
}

static void describe_status(char *buf, size_t len, int st)
{
	if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
}

/* Reap the peers that ended; one that ended without being asked to aborts the run. A
 * tracked process (popen's) is reaped too when it dies early: pclose then finds nothing
 * to wait for, which it survives. */
static void sweep(void)
{
	for (size_t i = 0; i < run.nprocs; i++) {
		struct proc *p = &run.procs[i];
		char how[96];
		int st;

		if (p->dead || p->ending || waitpid(p->pid, &st, WNOHANG) != p->pid)
			continue;
		p->dead = true;
		if (run.peer_died)
			continue;
		run.peer_died = true;
		describe_status(how, sizeof(how), st);
		snprintf(run.abort_msg, sizeof(run.abort_msg), "peer %d (%s of %s) %s", (int)p->pid,
			 p->role, p->mech, how);
	}
}

int gen_check(void)
{
	if (run.peer || !run.active)
		return 0;
	if (run.stop_sig)
		return -EINTR;
	if (run.chld) {
		run.chld = 0;
		sweep();
	}
	return run.peer_died ? -ECHILD : 0;
}

int gen_sleep_ms(unsigned ms)
{
	int64_t end = gen_now_ns() + (int64_t)ms * 1000000;
	int rc;

	for (;;) {
		int64_t left = end - gen_now_ns();
		struct timespec ts;

		if ((rc = gen_check()) < 0)
			return rc;
		if (left <= 0)
			return 0;
		ts.tv_sec = left / 1000000000;
		ts.tv_nsec = left % 1000000000;
		nanosleep(&ts, NULL);
	}
}

static struct proc *proc_add(pid_t pid, const char *role, const char *mech, bool own)
{
	struct proc *p;

	/* Called with the stop signals blocked, so the handler never sees a half entry. */
	xgrow((void **)&run.procs, &run.procs_cap, run.nprocs + 1, sizeof(*run.procs));
	p = &run.procs[run.nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->role = role;
	p->mech = mech;
	p->own = own;
	return p;
}

static struct proc *proc_find(pid_t pid)
{
	for (size_t i = run.nprocs; i-- > 0;)
		if (run.procs[i].pid == pid && !run.procs[i].dead)
			return &run.procs[i];
	return NULL;
}

void gen_track_pid(pid_t pid)
{
	sigset_t old;

	block_stops(&old);
	proc_add(pid, "cat", "popen", false);
	unblock(&old);
}

void gen_untrack_pid(pid_t pid)
{
	struct proc *p = proc_find(pid);

	if (p)
		p->dead = p->ending = true;
}

void gen_ending_pid(pid_t pid)
{
	struct proc *p = proc_find(pid);

	if (p)
		p->ending = true;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Everything but stdio and keep[] is closed, so a peer holds exactly its own objects and
 * never another generator's descriptors. (Single-threaded, so malloc after fork is safe.) */
static void close_all_but(const int *keep, size_t nkeep, int ctl)
{
	int *sorted = xmalloc((nkeep + 1) * sizeof(*sorted));
	unsigned next = 3;

	if (nkeep)
		memcpy(sorted, keep, nkeep * sizeof(*keep));
	sorted[nkeep++] = ctl;
	qsort(sorted, nkeep, sizeof(*sorted), cmp_int);
	for (size_t i = 0; i < nkeep; i++) {
		if (sorted[i] < (int)next)
			continue;
		if ((unsigned)sorted[i] > next)
			syscall(SYS_close_range, next, (unsigned)sorted[i] - 1, 0);
		next = (unsigned)sorted[i] + 1;
	}
	syscall(SYS_close_range, next, ~0u, 0);
	free(sorted);
}

static void peer_main(struct gen_ctx *ctx, pid_t parent, int ctl, const int *keep, size_t nkeep,
		      gen_peer_fn fn, void *arg)
{
	struct gen_msg m;
	sigset_t none;
	int rc;

	run.peer = true;
	for (size_t i = 0; i < ARRAY_SIZE(handled); i++)
		signal(handled[i], SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	close_all_but(keep, nkeep, ctl);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	rc = fn(ctx, ctl, arg);
	/* Stay a holder of everything until the parent closes the channel. */
	while (gen_msg_recv(ctl, &m) == 0)
		;
	_exit(rc < 0 ? 1 : 0);
}

int gen_spawn(struct gen_ctx *ctx, const char *role, const int *keep, size_t nkeep,
	      gen_peer_fn fn, void *arg, struct gen_peer **out)
{
	struct gen_peer *peer;
	pid_t parent = getpid(), pid;
	sigset_t old;
	int sv[2], rc = 0;

	if (ctx->npeers >= GEN_MAX_PEERS)
		return gen_fail(ctx, -ENOSPC, "too many peers for one generator");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return gen_fail(ctx, -errno, "control channel: socketpair: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	block_stops(&old);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		peer_main(ctx, parent, sv[1], keep, nkeep, fn, arg);
	}
	if (pid < 0) {
		rc = -errno;
		unblock(&old);
		close(sv[0]);
		close(sv[1]);
		return gen_fail(ctx, rc, "fork: %s", strerror(-rc));
	}
	proc_add(pid, role, ctx->gen->name, true);
	unblock(&old);
	close(sv[1]);
	peer = &ctx->peers[ctx->npeers++];
	peer->pid = pid;
	peer->ctl = sv[0];
	peer->role = role;
	if (out)
		*out = peer;
	return 0;
}

static void wait_peer(struct proc *p, int64_t deadline)
{
	bool killed = false;
	int st;

	while (!p->dead) {
		pid_t r = waitpid(p->pid, &st, 0);

		if (r == p->pid || (r < 0 && errno == ECHILD)) {
			p->dead = true;
			break;
		}
		if (!killed && gen_now_ns() > deadline) {
			kill(p->pid, SIGKILL);
			killed = true;
		}
	}
}

void gen_stop_peers(struct gen_ctx *ctx)
{
	int64_t deadline = gen_now_ns() + (int64_t)STOP_GRACE_MS * 1000000;

	for (size_t i = 0; i < ctx->npeers; i++) {
		struct gen_peer *peer = &ctx->peers[i];
		struct proc *p = proc_find(peer->pid);

		if (peer->ctl >= 0)
			close(peer->ctl);
		peer->ctl = -1;
		if (p) {
			p->ending = true;
			kill(p->pid, SIGTERM);
		}
	}
	for (size_t i = 0; i < ctx->npeers; i++) {
		struct proc *p = proc_find(ctx->peers[i].pid);

		if (p && p->own)
			wait_peer(p, deadline);
	}
	ctx->npeers = 0;
}

int gen_msg_send(int fd, const struct gen_msg *m)
{
	for (;;) {
		ssize_t n = send(fd, m, sizeof(*m), MSG_NOSIGNAL);
		int rc;

		if (n == (ssize_t)sizeof(*m))
			return 0;
		if (n >= 0)
			return -EPROTO;
		if (errno != EINTR)
			return errno == ECONNRESET ? -EPIPE : -errno;
		if ((rc = gen_check()) < 0)
			return rc;
	}
}

int gen_msg_recv(int fd, struct gen_msg *m)
{
	for (;;) {
		ssize_t n = recv(fd, m, sizeof(*m), 0);
		int rc;

		if (n == (ssize_t)sizeof(*m))
			return 0;
		if (n == 0)
			return -EPIPE;
		if (n > 0)
			return -EPROTO;
		if (errno != EINTR)
			return errno == ECONNRESET ? -EPIPE : -errno;
		if ((rc = gen_check()) < 0)
			return rc;
	}
}

/* The channel closed: the peer is dead or dying. Give the sweep a moment to say how. */
static int peer_gone(struct gen_ctx *ctx, struct gen_peer *peer)
{
	for (int i = 0; i < 20; i++) {
		int rc;

		run.chld = 1;
		if ((rc = gen_check()) < 0)
			return gen_fail(ctx, rc, "%s", rc == -ECHILD ? run.abort_msg : "interrupted");
		gen_sleep_ms(50);
	}
	return gen_fail(ctx, -EPIPE, "peer %d (%s) closed its channel", (int)peer->pid, peer->role);
}

int gen_peer_expect(struct gen_ctx *ctx, struct gen_peer *peer, int type, struct gen_msg *m)
{
	int rc = gen_msg_recv(peer->ctl, m);

	if (rc == -EPIPE)
		return peer_gone(ctx, peer);
	if (rc == -EINTR)
		return gen_fail(ctx, rc, "interrupted by signal %d", run.stop_sig);
	if (rc == -ECHILD)
		return gen_fail(ctx, rc, "%s", run.abort_msg);
	if (rc < 0)
		return gen_fail(ctx, rc, "control channel: %s", strerror(-rc));
	m->text[sizeof(m->text) - 1] = '\0';
	if (m->type == GEN_MSG_REPORT && m->err)
		return gen_fail(ctx, m->err, "%s", m->text[0] ? m->text : strerror(-m->err));
	if (m->type != type)
		return gen_fail(ctx, -EPROTO, "peer %d sent message %d, expected %d", (int)peer->pid,
				m->type, type);
	return 0;
}

int gen_peer_go(struct gen_peer *peer, int64_t a)
{
	struct gen_msg m;

	memset(&m, 0, sizeof(m));
	m.type = GEN_MSG_GO;
	m.a = a;
	return gen_msg_send(peer->ctl, &m);
}

int gen_report(int ctl, int err, uint64_t messages, uint64_t bytes, const char *fmt, ...)
{
	struct gen_msg m;
	va_list ap;

	memset(&m, 0, sizeof(m));
	m.type = GEN_MSG_REPORT;
	m.err = err;
	m.a = (int64_t)messages;
	m.b = (int64_t)bytes;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(m.text, sizeof(m.text), fmt, ap);
		va_end(ap);
	}
	return gen_msg_send(ctl, &m);
}

int gen_ready_inode(int ctl, int64_t index, int64_t fd, uint64_t inode)
{
	struct gen_msg m;

	memset(&m, 0, sizeof(m));
	m.type = GEN_MSG_READY;
	m.a = index;
	m.b = fd;
	m.c = (int64_t)inode;
	return gen_msg_send(ctl, &m);
}

int gen_ready(int ctl, int64_t index, int64_t fd)
{
	return gen_ready_inode(ctl, index, fd, 0);
}

int gen_ctl_wait(int ctl, int ms)
{
	struct pollfd pfd = {.fd = ctl, .events = POLLIN};

	return poll(&pfd, 1, ms) > 0;
}

int gen_wait_go(int ctl, int64_t *a)
{
	struct gen_msg m;
	int rc;

	while ((rc = gen_msg_recv(ctl, &m)) == 0) {
		if (m.type == GEN_MSG_GO) {
			if (a)
				*a = m.a;
			return 0;
		}
	}
	return rc;
}

void gen_res_add(struct gen_ctx *ctx, enum gen_res_type type, int id, const char *name)
{
	sigset_t old;
	struct res *r;

	block_stops(&old);
	xgrow((void **)&run.res, &run.res_cap, run.nres + 1, sizeof(*run.res));
	r = &run.res[run.nres];
	memset(r, 0, sizeof(*r));
	r->owner = ctx;
	r->obj = ctx->nobjs ? ctx->objs[ctx->nobjs - 1] : NULL;
	if (r->obj && run.leak)
		r->obj->leaked = true;
	r->type = type;
	r->id = id;
	if (name)
		snprintf(r->name, sizeof(r->name), "%s", name);
	if (type == GEN_RES_POSIX_SHM)
		snprintf(r->path, sizeof(r->path), "/dev/shm/%s", r->name + 1);
	else if (type == GEN_RES_POSIX_SEM)
		snprintf(r->path, sizeof(r->path), "/dev/shm/sem.%s", r->name + 1);
	else if (type == GEN_RES_PATH)
		snprintf(r->path, sizeof(r->path), "%s", r->name);
	run.nres++;
	unblock(&old);
}

size_t gen_res_release(struct gen_ctx *ctx)
{
	size_t leaked = 0;

	for (size_t i = 0; i < run.nres; i++) {
		struct res *r = &run.res[i];

		if (r->owner != ctx || r->done)
			continue;
		if (run.leak) {
			leaked++;
			if (r->type == GEN_RES_PATH)
				run.leaked_paths++;
		} else {
			switch (r->type) {
			case GEN_RES_POSIX_SHM:
				shm_unlink(r->name);
				break;
			default:
				res_remove_raw(r);
				break;
			}
		}
		r->done = true;
	}
	return leaked;
}
