/* signal.c - signals as IPC: sigaction(SA_SIGINFO) and sigqueue(3) with a value. Realtime
 * signals queue, one per send, and arrive in the order sent with their values; standard
 * signals do not queue: three SIGUSR1 sent while blocked arrive once. The receiver keeps
 * its signals blocked between batches, so each batch is queued whole and then taken
 * one sigsuspend at a time.
 *
 * While holding, something stays pending so that `list -t signal` shows the receiver:
 * with --fill N, N SIGRTMIN queued (and no traffic); without, one SIGUSR1 that the
 * receiver keeps blocked for the whole hold, while one SIGRTMIN a second goes through. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/util.h"
#include "gen/gen.h"

#define BATCH 32
#define USR1_SENT 3

/* Written by the receiver's handlers only. */
static volatile sig_atomic_t rt_got, usr1_got;
static volatile int rt_value[BATCH];
static volatile int rt_code[BATCH];
static volatile pid_t rt_pid[BATCH];

struct sig_state {
	pid_t receiver;
};

static long sigpending_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_SIGPENDING, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return -1;
	return (long)rl.rlim_cur;
}

static int sig_check(struct gen_ctx *ctx)
{
	long lim = sigpending_limit();

	/* Signals are not objects: --count does not multiply them (one sender, one receiver). */
	if (ctx->p->hold >= 0 && lim >= 0 && ctx->p->fill > lim)
		return gen_bad_param(ctx, "--fill %lld pending signals exceed RLIMIT_SIGPENDING (%ld)",
				     (long long)ctx->p->fill, lim);
	return 0;
}

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (rt_got < BATCH) {
		rt_value[rt_got] = si->si_value.sival_int;
		rt_code[rt_got] = si->si_code;
		rt_pid[rt_got] = si->si_pid;
	}
	rt_got++;
}

static void on_usr1(int sig)
{
	(void)sig;
	usr1_got++;
}

/* Take n queued realtime signals, one sigsuspend each, and check them. */
static int take_batch(int ctl, unsigned n, uint32_t first, pid_t sender, const sigset_t *open)
{
	rt_got = 0;
	while ((unsigned)rt_got < n)
		sigsuspend(open);
	for (unsigned k = 0; k < n; k++) {
		const char *bad = rt_code[k] != SI_QUEUE ? "not from sigqueue" :
				  rt_pid[k] != sender ? "from another process" :
				  (uint32_t)rt_value[k] != first + k ? "out of order" : NULL;

		if (bad) {
			gen_report(ctl, -EBADMSG, first, 0, "signal %u: value %d, %s", first + k,
				   rt_value[k], bad);
			return -EBADMSG;
		}
	}
	return 0;
}

static int ack(int ctl, int64_t a)
{
	struct gen_msg m;

	memset(&m, 0, sizeof(m));
	m.type = GEN_MSG_ACK;
	m.a = a;
	return gen_msg_send(ctl, &m);
}

static int receiver(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct sigaction sa;
	sigset_t block, open;
	pid_t sender = getppid();
	uint32_t done = 0;
	int64_t n;
	int rc;

	(void)arg;
	sigemptyset(&block);
	sigaddset(&block, SIGRTMIN);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &open);
	sigdelset(&open, SIGRTMIN);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = on_rt;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGRTMIN, &sa, NULL);
	sa.sa_handler = on_usr1;
	sa.sa_flags = 0;
	sigaction(SIGUSR1, &sa, NULL);
	if ((rc = gen_ready(ctl, 0, -1)) < 0)
		return rc;

	/* The parent has sent SIGUSR1 three times while it was blocked. */
	if ((rc = gen_wait_go(ctl, NULL)) < 0)
		return rc;
	{
		sigset_t usr1;

		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		sigprocmask(SIG_UNBLOCK, &usr1, NULL);
		sigprocmask(SIG_BLOCK, &usr1, NULL);
	}
	if ((rc = ack(ctl, usr1_got)) < 0)
		return rc;

	while (done < ctx->p->messages) {
		if ((rc = gen_wait_go(ctl, &n)) < 0)
			return rc;
		if ((rc = take_batch(ctl, (unsigned)n, done, sender, &open)) < 0)
			return rc;
		done += (uint32_t)n;
		if ((rc = ack(ctl, done)) < 0)
			return rc;
	}
	/* Held without a fill: SIGUSR1 stays blocked through the slow traffic's sigsuspend,
	 * before the parent (told by the report) sends the one that stays pending. */
	if (ctx->p->hold >= 0 && ctx->p->fill < 0)
		sigaddset(&open, SIGUSR1);
	if ((rc = gen_report(ctl, 0, done, done * sizeof(int), NULL)) < 0)
		return rc;
	if (ctx->p->hold < 0 || ctx->p->fill >= 0)
		return 0;
	/* Slow traffic: one signal per GO until the channel closes. */
	for (;;) {
		if (gen_wait_go(ctl, &n) < 0)
			return 0;
		if ((rc = take_batch(ctl, (unsigned)n, done, sender, &open)) < 0)
			return rc;
		done += (uint32_t)n;
		if ((rc = ack(ctl, done)) < 0)
			return rc;
	}
}

static int sig_create(struct gen_ctx *ctx)
{
	struct sig_state *st = xcalloc(1, sizeof(*st));
	struct gen_peer *peer;
	struct gen_object *o;
	struct gen_msg m;
	int rc;

	ctx->priv = st;
	if ((rc = gen_spawn(ctx, "receiver", NULL, 0, receiver, st, &peer)) < 0)
		return rc;
	st->receiver = peer->pid;
	if ((rc = gen_peer_expect(ctx, peer, GEN_MSG_READY, &m)) < 0)
		return rc;
	o = gen_object_new(ctx, "signal", NULL);
	snprintf(o->detail, sizeof(o->detail), "signo=%d(SIGRTMIN) also=SIGUSR1", SIGRTMIN);
	gen_object_holder(o, getpid(), -1, "w", "sender");
	gen_object_holder(o, peer->pid, -1, "r", "receiver");
	gen_object_done(ctx, o);
	return 0;
}

static int queue_batch(struct gen_ctx *ctx, uint32_t first, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		union sigval v = {.sival_int = (int)(first + k)};

		if (sigqueue(((struct sig_state *)ctx->priv)->receiver, SIGRTMIN, v) < 0)
			return gen_fail(ctx, -errno, "sigqueue: %s", errno == EAGAIN ?
					"RLIMIT_SIGPENDING reached" : strerror(errno));
	}
	return 0;
}

static int batch(struct gen_ctx *ctx, uint32_t first, unsigned n)
{
	struct gen_peer *peer = &ctx->peers[0];
	struct gen_msg m;
	int rc;

	if ((rc = queue_batch(ctx, first, n)) < 0)
		return rc;
	if ((rc = gen_peer_go(peer, n)) < 0)
		return gen_fail(ctx, rc, "peer: %s", strerror(-rc));
	return gen_peer_expect(ctx, peer, GEN_MSG_ACK, &m);
}

static int sig_exercise(struct gen_ctx *ctx)
{
	struct sig_state *st = ctx->priv;
	struct gen_peer *peer = &ctx->peers[0];
	struct gen_msg m;
	int rc;

	for (int k = 0; k < USR1_SENT; k++)
		if (kill(st->receiver, SIGUSR1) < 0)
			return gen_fail(ctx, -errno, "kill: %s", strerror(errno));
	if ((rc = gen_peer_go(peer, 0)) < 0 || (rc = gen_peer_expect(ctx, peer, GEN_MSG_ACK, &m)) < 0)
		return gen_fail(ctx, rc, "peer: %s", strerror(-rc));
	if (m.a != 1)
		return gen_fail(ctx, -EBADMSG, "%d SIGUSR1 sent while blocked arrived %lld times, "
				"expected once", USR1_SENT, (long long)m.a);
	gen_note_check(ctx, "%d SIGUSR1 sent while blocked arrived once: standard signals do "
		       "not queue", USR1_SENT);
	for (uint32_t done = 0; done < ctx->p->messages;) {
		unsigned n = ctx->p->messages - done < BATCH ? ctx->p->messages - done : BATCH;

		if ((rc = batch(ctx, done, n)) < 0)
			return rc;
		done += n;
	}
	if ((rc = gen_peer_expect(ctx, peer, GEN_MSG_REPORT, &m)) < 0)
		return rc;
	ctx->messages = (uint64_t)m.a;
	ctx->bytes = (uint64_t)m.b;
	gen_note_check(ctx, "%u SIGRTMIN sent with sigqueue arrived in order with their values, "
		       "from this pid, si_code SI_QUEUE", ctx->p->messages);
	if (ctx->p->hold < 0)
		return 0;
	if (ctx->p->fill < 0) {
		/* Pending, blocked, for the whole hold: the receiver is listed by -t signal. */
		if (kill(st->receiver, SIGUSR1) < 0)
			return gen_fail(ctx, -errno, "kill: %s", strerror(errno));
		snprintf(ctx->objs[0]->detail, sizeof(ctx->objs[0]->detail),
			 "signo=%d(SIGRTMIN) also=SIGUSR1 pending=SIGUSR1", SIGRTMIN);
		return 0;
	}
	/* Left queued: the receiver keeps SIGRTMIN blocked while holding. */
	if ((rc = queue_batch(ctx, ctx->p->messages, (unsigned)ctx->p->fill)) < 0)
		return rc;
	ctx->objs[0]->fill = ctx->p->fill;
	ctx->objs[0]->fill_unit = "signals";
	return 0;
}

static int sig_tick(struct gen_ctx *ctx)
{
	return batch(ctx, ctx->p->messages + ctx->ticks, 1);
}

static void sig_destroy(struct gen_ctx *ctx)
{
	free(ctx->priv);
}

const struct generator gen_signal = {
	.name = "signal",
	.summary = "sigqueue(3) realtime signals with values, in order; SIGUSR1 coalescing",
	.medium = "kernel signal queue",
	.unit = "signal number + int value",
	.direction = "one way",
	.scope = "any process the sender may signal, by pid",
	.check = sig_check,
	.create = sig_create,
	.exercise = sig_exercise,
	.tick = sig_tick,
	.destroy = sig_destroy,
};
