/* posix_mq.c - POSIX message queues (mq_open/mq_send/mq_receive): named queues of bounded
 * messages delivered highest priority first. Before the traffic, three messages of
 * priorities 1, 5, 3 are queued and the receiver must get them as 5, 3, 1. Linux queue
 * descriptors are file descriptors, so the receiver polls them for the slow traffic. */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/util.h"
#include "gen/bench.h"
#include "gen/gen.h"

#define DEFAULT_MAXMSG 10
#define DEMO_MSGS 3
/* The kernel charges each message a header and a tree node on top of its bytes. */
#define MSG_OVERHEAD 96

struct mq_state {
	mqd_t *q;
	char (*names)[64];
	unsigned n;
	long maxmsg;
};

static const unsigned demo_prio[DEMO_MSGS] = {1, 5, 3};
static const uint32_t demo_order[DEMO_MSGS] = {1, 2, 0}; /* seqs by falling priority */

static long pick_maxmsg(const struct gen_params *p, int64_t msg_max)
{
	long m = DEFAULT_MAXMSG;

	if (msg_max > 0 && msg_max < m)
		m = (long)msg_max;
	if (p->hold >= 0 && p->fill > m)
		m = (long)p->fill;
	return m < DEMO_MSGS ? DEMO_MSGS : m;
}

static int mq_check(struct gen_ctx *ctx)
{
	const struct gen_params *p = ctx->p;
	int64_t msgsize_max = gen_limit("msgsize_max", NULL), msg_max = gen_limit("msg_max", NULL);
	int64_t used, queues_max = gen_limit("queues_max", &used);
	long maxmsg = pick_maxmsg(p, msg_max);
	struct rlimit rl;

	if (msgsize_max >= 0 && (int64_t)p->size > msgsize_max)
		return gen_bad_param(ctx, "--size %zu exceeds msgsize_max (%lld bytes), the largest "
				     "POSIX message", p->size, (long long)msgsize_max);
	if (msg_max >= 0 && maxmsg > msg_max)
		return gen_bad_param(ctx, "%s%ld messages per queue exceed msg_max (%lld)",
				     p->fill > DEMO_MSGS ? "--fill: " : "", maxmsg, (long long)msg_max);
	if (queues_max >= 0 && (int64_t)p->count + (used > 0 ? used : 0) > queues_max)
		return gen_bad_param(ctx, "--count %u would exceed queues_max (%lld queues; %lld in use)",
				     p->count, (long long)queues_max, (long long)(used > 0 ? used : 0));
	if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		uint64_t need = (uint64_t)p->count * (uint64_t)maxmsg * (p->size + MSG_OVERHEAD);

		if (need > rl.rlim_cur)
			return gen_bad_param(ctx, "%u queues of %ld messages of %zu bytes need about %llu "
					     "bytes, more than RLIMIT_MSGQUEUE (%llu)", p->count, maxmsg,
					     p->size, (unsigned long long)need,
					     (unsigned long long)rl.rlim_cur);
	}
	return gen_check_nofile(ctx, 2);
}

static int q_send(mqd_t q, const char *buf, size_t len, unsigned prio)
{
	int rc;

	while (mq_send(q, buf, len, prio) < 0) {
		if (errno != EINTR)
			return -errno;
		if ((rc = gen_check()) < 0)
			return rc;
	}
	return 0;
}

static ssize_t q_recv(mqd_t q, char *buf, size_t len, unsigned *prio)
{
	ssize_t n;
	int rc;

	while ((n = mq_receive(q, buf, len, prio)) < 0) {
		if (errno != EINTR)
			return -errno;
		if ((rc = gen_check()) < 0)
			return rc;
	}
	return n;
}

static int recv_checked(mqd_t q, char *buf, size_t size, uint32_t seq, unsigned *prio,
			char *why, size_t whylen)
{
	ssize_t n = q_recv(q, buf, size, prio);

	if (n < 0) {
		snprintf(why, whylen, "message %u: %s", seq, strerror((int)-n));
		return (int)n;
	}
	if ((size_t)n != size) {
		snprintf(why, whylen, "message %u: %zd bytes, expected %zu", seq, n, size);
		return -EMSGSIZE;
	}
	return gen_frame_check(buf, size, seq, why, whylen);
}

static int slow_traffic(struct gen_ctx *ctx, int ctl, const mqd_t *q, unsigned n, char *buf)
{
	struct pollfd *pfd = xcalloc(n + 1, sizeof(*pfd));
	uint32_t *next = xcalloc(n, sizeof(*next));
	char why[128];
	int rc = 0;

	for (unsigned i = 0; i < n; i++) {
		pfd[i].fd = q[i];
		pfd[i].events = POLLIN;
		next[i] = ctx->p->messages;
	}
	pfd[n].fd = ctl;
	pfd[n].events = POLLIN;
	while (rc == 0) {
		if (poll(pfd, n + 1, -1) < 0)
			continue;
		if (pfd[n].revents)
			break;
		for (unsigned i = 0; i < n && rc == 0; i++) {
			if (!pfd[i].revents)
				continue;
			rc = recv_checked(q[i], buf, ctx->p->size, next[i]++, NULL, why, sizeof(why));
			if (rc < 0)
				gen_report(ctl, rc, 0, 0, "%s", why);
		}
	}
	free(pfd);
	free(next);
	return rc;
}

static int receiver(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct mq_state *st = arg;
	const struct gen_params *p = ctx->p;
	mqd_t *q = xmalloc(st->n * sizeof(*q));
	char *buf = xmalloc(p->size), why[128];
	uint64_t got = 0;
	int rc = 0;

	for (unsigned i = 0; i < st->n; i++) {
		q[i] = mq_open(st->names[i], O_RDONLY | O_CLOEXEC);
		if (q[i] == (mqd_t)-1) {
			rc = -errno;
			gen_report(ctl, rc, 0, 0, "mq_open %s: %s", st->names[i], strerror(errno));
			goto out;
		}
		if ((rc = gen_ready(ctl, i, q[i])) < 0)
			goto out;
	}
	if ((rc = gen_wait_go(ctl, NULL)) < 0)
		goto out;
	for (unsigned k = 0; k < DEMO_MSGS; k++) {
		unsigned prio = 0;

		rc = recv_checked(q[0], buf, p->size, demo_order[k], &prio, why, sizeof(why));
		if (rc < 0) {
			gen_report(ctl, rc, 0, 0, "priority order: %s", why);
			goto out;
		}
		if (prio != demo_prio[demo_order[k]]) {
			rc = -EBADMSG;
			gen_report(ctl, rc, 0, 0, "message %u arrived with priority %u, sent with %u",
				   demo_order[k], prio, demo_prio[demo_order[k]]);
			goto out;
		}
	}
	for (unsigned i = 0; i < st->n; i++) {
		for (uint32_t seq = 0; seq < p->messages; seq++, got++) {
			rc = recv_checked(q[i], buf, p->size, seq, NULL, why, sizeof(why));
			if (rc < 0) {
				gen_report(ctl, rc, got, got * p->size, "%s: %s", st->names[i], why);
				goto out;
			}
		}
	}
	rc = gen_report(ctl, 0, got, got * p->size, NULL);
	if (rc == 0 && p->hold >= 0 && p->fill < 0)
		rc = slow_traffic(ctx, ctl, q, st->n, buf);
out:
	free(buf);
	return rc;
}

static int mq_create(struct gen_ctx *ctx)
{
	struct mq_state *st = xcalloc(1, sizeof(*st));
	struct mq_attr attr;
	struct gen_peer *peer;
	int rc;

	ctx->priv = st;
	st->maxmsg = pick_maxmsg(ctx->p, gen_limit("msg_max", NULL));
	st->q = xmalloc(ctx->p->count * sizeof(*st->q));
	st->names = xcalloc(ctx->p->count, sizeof(*st->names));
	memset(&attr, 0, sizeof(attr));
	attr.mq_maxmsg = st->maxmsg;
	attr.mq_msgsize = (long)ctx->p->size;
	for (unsigned i = 0; i < ctx->p->count; i++) {
		struct gen_object *o;

		gen_posix_name(st->names[i], sizeof(st->names[i]), "mq", i);
		st->q[i] = mq_open(st->names[i], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600, &attr);
		if (st->q[i] == (mqd_t)-1)
			return gen_fail(ctx, -errno, "mq_open %s: %s", st->names[i],
					errno == EMFILE ? "RLIMIT_MSGQUEUE or RLIMIT_NOFILE reached" :
					errno == ENOSPC ? "queues_max reached" : strerror(errno));
		st->n++;
		o = gen_object_new(ctx, "posix-mq", NULL);
		gen_res_add(ctx, GEN_RES_POSIX_MQ, -1, st->names[i]);
		snprintf(o->name, sizeof(o->name), "%s", st->names[i]);
		o->inode = gen_fd_inode(st->q[i]);
		snprintf(o->detail, sizeof(o->detail), "maxmsg=%ld msgsize=%zu", st->maxmsg,
			 ctx->p->size);
	}
	if ((rc = gen_spawn(ctx, "receiver", NULL, 0, receiver, st, &peer)) < 0)
		return rc;
	return gen_objects_ready(ctx, peer, st->n, 1, st->q, (struct gen_end){"w", "sender"}, true,
				 (struct gen_end){"r", "receiver"});
}

static int send_frames(struct gen_ctx *ctx, mqd_t q, uint32_t first, unsigned n,
		       const unsigned *prio)
{
	char *buf = xmalloc(ctx->p->size);
	int rc = 0;

	for (unsigned k = 0; k < n && rc == 0; k++) {
		gen_frame_fill(buf, ctx->p->size, first + k);
		rc = q_send(q, buf, ctx->p->size, prio ? prio[k] : 0);
		if (rc < 0)
			gen_fail(ctx, rc, "mq_send: %s", rc == -EAGAIN ? "queue full" : strerror(-rc));
	}
	free(buf);
	return rc;
}

static int mq_exercise(struct gen_ctx *ctx)
{
	struct mq_state *st = ctx->priv;
	struct gen_msg m;
	int rc;

	/* All three queued before the receiver starts, so only priority decides the order. */
	if ((rc = send_frames(ctx, st->q[0], 0, DEMO_MSGS, demo_prio)) < 0)
		return rc;
	if ((rc = gen_peer_go(&ctx->peers[0], 0)) < 0)
		return gen_fail(ctx, rc, "peer: %s", strerror(-rc));
	for (unsigned i = 0; i < st->n; i++)
		if ((rc = send_frames(ctx, st->q[i], 0, ctx->p->messages, NULL)) < 0)
			return rc;
	if ((rc = gen_peer_expect(ctx, &ctx->peers[0], GEN_MSG_REPORT, &m)) < 0)
		return rc;
	ctx->messages = (uint64_t)m.a;
	ctx->bytes = (uint64_t)m.b;
	gen_note_check(ctx, "messages sent with priorities 1 5 3 were received as 5 3 1");
	gen_note_check(ctx, "the receiver got %u messages per queue in order, each with its CRC-32 "
		       "intact", ctx->p->messages);
	if (ctx->p->hold < 0 || ctx->p->fill < 0)
		return 0;
	for (unsigned i = 0; i < st->n; i++) {
		struct mq_attr nb = {.mq_flags = O_NONBLOCK}, old;

		/* Never block on a fill: a full queue is an error to report. */
		mq_setattr(st->q[i], &nb, &old);
		rc = send_frames(ctx, st->q[i], ctx->p->messages, (unsigned)ctx->p->fill, NULL);
		mq_setattr(st->q[i], &old, NULL);
		if (rc < 0)
			return rc;
		ctx->objs[i]->fill = ctx->p->fill;
		ctx->objs[i]->fill_unit = "messages";
	}
	return 0;
}

static int mq_tick(struct gen_ctx *ctx)
{
	struct mq_state *st = ctx->priv;
	int rc;

	for (unsigned i = 0; i < st->n; i++)
		if ((rc = send_frames(ctx, st->q[i], ctx->p->messages + ctx->ticks, 1, NULL)) < 0)
			return rc;
	return 0;
}

/* --block receive: mq_receive (mq_timedreceive to the kernel) on the first queue, empty
 * with --fill 0, opened by name for reading (the parent's descriptor only writes). */
static int mq_blocker(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct mq_state *st = arg;
	mqd_t q = mq_open(st->names[0], O_RDONLY | O_CLOEXEC);
	char *buf;
	unsigned prio;
	int rc;

	if (q == (mqd_t)-1)
		return gen_report(ctl, -errno, 0, 0, "mq_open %s: %s", st->names[0], strerror(errno));
	buf = xmalloc((size_t)ctx->p->size + 1);
	if ((rc = gen_ready(ctl, 0, (int64_t)q)) == 0)
		while (mq_receive(q, buf, (size_t)ctx->p->size + 1, &prio) < 0 && errno == EINTR)
			;
	free(buf);
	return rc;
}

static int mq_block(struct gen_ctx *ctx)
{
	if (ctx->p->fill != 0)
		return gen_bad_param(ctx, "--block receive needs --fill 0 (an empty queue)");
	return gen_block_spawn(ctx, ctx->objs[0], NULL, 0, mq_blocker, ctx->priv, -1, "r");
}

static void mq_destroy(struct gen_ctx *ctx)
{
	struct mq_state *st = ctx->priv;

	if (!st)
		return;
	for (unsigned i = 0; i < st->n; i++)
		mq_close(st->q[i]);
	free(st->q);
	free(st->names);
	free(st);
}

/* Two queues, one each way; both opened before the fork and kept by both sides. */
static int mq_bench_open(struct bench_chan *c, char *why, size_t whylen)
{
	int64_t msgsize_max = gen_limit("msgsize_max", NULL), msg_max = gen_limit("msg_max", NULL);
	struct mq_attr attr = {.mq_maxmsg = DEFAULT_MAXMSG, .mq_msgsize = (long)c->size};

	if (msgsize_max >= 0 && (int64_t)c->size > msgsize_max) {
		snprintf(why, whylen, "%zu bytes exceed msgsize_max (%lld)", c->size,
			 (long long)msgsize_max);
		return -EMSGSIZE;
	}
	if (msg_max > 0 && msg_max < attr.mq_maxmsg)
		attr.mq_maxmsg = (long)msg_max;
	for (int i = 0; i < 2; i++) {
		mqd_t q;

		gen_posix_name(c->name[i], sizeof(c->name[i]), i ? "bench-mq-back" : "bench-mq", 0);
		q = mq_open(c->name[i], O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, &attr);
		if (q == (mqd_t)-1)
			return -errno;
		gen_res_add(c->ctx, GEN_RES_POSIX_MQ, -1, c->name[i]);
		c->fd[i ? 1 : 0] = c->fd[i ? 3 : 2] = q;
	}
	return 0;
}

static int mq_bench_send(struct bench_chan *c, int side, const void *buf, size_t len)
{
	return q_send(c->fd[side ? 3 : 0], buf, len, 0);
}

static int mq_bench_recv(struct bench_chan *c, int side, void *buf, size_t len)
{
	ssize_t n = q_recv(c->fd[side ? 2 : 1], buf, len, NULL);

	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

static const struct bench_ops mq_bench = {
	.open = mq_bench_open,
	.send = mq_bench_send,
	.recv = mq_bench_recv,
};

const struct generator gen_posix_mq = {
	.name = "posix-mq",
	.summary = "POSIX message queue: bounded messages, delivery by priority",
	.medium = "kernel message queue",
	.unit = "message with priority",
	.direction = "any to any",
	.scope = "any process on the host, by name",
	.check = mq_check,
	.create = mq_create,
	.exercise = mq_exercise,
	.tick = mq_tick,
	.destroy = mq_destroy,
	.blocks = "receive",
	.block = mq_block,
	.bench = &mq_bench,
};
