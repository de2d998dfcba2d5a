/* sysv_msg.c - System V message queues (msgget/msgsnd/msgrcv): typed messages, and the
 * selection msgrcv makes by type, shown on the first queue before the traffic starts:
 * a positive msgtyp takes the first message of that type, zero the first of any type, a
 * negative one the first of the lowest type up to |msgtyp|, MSG_EXCEPT the first not of
 * that type. The traffic then cycles mtypes 1, 2, 3 and the receiver checks them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <unistd.h>

#include "core/util.h"
#include "gen/bench.h"
#include "gen/gen.h"

#define DEMO_SIZE GEN_FRAME_HDR

struct msg_state {
	int *ids;
	unsigned n;
};

/* A message is a long mtype followed by the frame. */
struct msgbuf_frame {
	long mtype;
	char mtext[];
};

static long mtype_of(uint32_t seq)
{
	return 1 + (long)(seq % 3);
}

static int msg_send(int id, struct msgbuf_frame *m, size_t size, int flags)
{
	int rc;

	while (msgsnd(id, m, size, flags) < 0) {
		if (errno != EINTR)
			return -errno;
		if ((rc = gen_check()) < 0)
			return rc;
	}
	return 0;
}

static ssize_t msg_recv(int id, struct msgbuf_frame *m, size_t size, long type, int flags)
{
	ssize_t n;
	int rc;

	while ((n = msgrcv(id, m, size, type, flags)) < 0) {
		if (errno != EINTR)
			return -errno;
		if ((rc = gen_check()) < 0)
			return rc;
	}
	return n;
}

static int msg_check(struct gen_ctx *ctx)
{
	const struct gen_params *p = ctx->p;
	int64_t msgmax = gen_limit("msgmax", NULL), msgmnb = gen_limit("msgmnb", NULL), used;
	int64_t msgmni = gen_limit("msgmni", &used);

	if (msgmax >= 0 && (int64_t)p->size > msgmax)
		return gen_bad_param(ctx, "--size %zu exceeds msgmax (%lld bytes), the largest "
				     "SysV message", p->size, (long long)msgmax);
	if (msgmnb >= 0 && (int64_t)p->size > msgmnb)
		return gen_bad_param(ctx, "--size %zu exceeds msgmnb (%lld bytes), what one queue "
				     "holds", p->size, (long long)msgmnb);
	if (msgmni >= 0 && (int64_t)p->count + (used > 0 ? used : 0) > msgmni)
		return gen_bad_param(ctx, "--count %u would exceed msgmni (%lld queues; %lld in use)",
				     p->count, (long long)msgmni, (long long)(used > 0 ? used : 0));
	if (p->hold >= 0 && p->fill > 0 && msgmnb >= 0 && p->fill * (int64_t)p->size > msgmnb)
		return gen_bad_param(ctx, "--fill %lld messages of %zu bytes exceed msgmnb (%lld bytes "
				     "per queue)", (long long)p->fill, p->size, (long long)msgmnb);
	return 0;
}

/* The peer: wait for GO, take every queue's messages in order, then keep taking the slow
 * traffic (polling, as msgrcv cannot wait on several queues) until the channel closes. */
static int receiver(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct msg_state *st = arg;
	const struct gen_params *p = ctx->p;
	struct msgbuf_frame *m = xmalloc(sizeof(*m) + p->size);
	uint32_t *next = xcalloc(st->n, sizeof(*next));
	char why[128];
	uint64_t got = 0;
	int rc;

	if ((rc = gen_wait_go(ctl, NULL)) < 0)
		goto out;
	for (unsigned i = 0; i < st->n; i++) {
		for (uint32_t seq = 0; seq < p->messages; seq++) {
			ssize_t n = msg_recv(st->ids[i], m, p->size, 0, 0);

			rc = n < 0 ? (int)n : 0;
			if (rc == 0 && (size_t)n != p->size)
				rc = -EMSGSIZE;
			if (rc < 0) {
				gen_report(ctl, rc, got, got * p->size, "queue %d, message %u: %s",
					   st->ids[i], seq, strerror(-rc));
				goto out;
			}
			rc = gen_frame_check(m->mtext, p->size, seq, why, sizeof(why));
			if (rc == 0 && m->mtype != mtype_of(seq)) {
				snprintf(why, sizeof(why), "message %u: mtype %ld, sent as %ld", seq,
					 m->mtype, mtype_of(seq));
				rc = -EBADMSG;
			}
			if (rc < 0) {
				gen_report(ctl, rc, got, got * p->size, "queue %d, %s", st->ids[i], why);
				goto out;
			}
			got++;
		}
		next[i] = p->messages;
	}
	if ((rc = gen_report(ctl, 0, got, got * p->size, NULL)) < 0 || p->hold < 0 || p->fill >= 0)
		goto out;
	for (;;) {
		for (unsigned i = 0; i < st->n; i++) {
			ssize_t n;

			while ((n = msgrcv(st->ids[i], m, p->size, 0, IPC_NOWAIT)) > 0) {
				rc = gen_frame_check(m->mtext, p->size, next[i]++, why, sizeof(why));
				if (rc < 0) {
					gen_report(ctl, rc, 0, 0, "queue %d, %s", st->ids[i], why);
					goto out;
				}
			}
		}
		if (gen_ctl_wait(ctl, 100))
			break;
	}
out:
	free(m);
	free(next);
	return rc;
}

static int make_queue(int32_t key, const void *arg)
{
	(void)arg;
	return msgget(key, IPC_CREAT | IPC_EXCL | 0600);
}

static int msg_create(struct gen_ctx *ctx)
{
	struct msg_state *st = xcalloc(1, sizeof(*st));
	struct gen_peer *peer;
	int rc;

	ctx->priv = st;
	st->ids = xmalloc(ctx->p->count * sizeof(int));
	for (unsigned i = 0; i < ctx->p->count; i++) {
		struct gen_object *o;
		int32_t key = 0;
		int id;

		id = gen_sysv_make(ctx, i, make_queue, NULL, &key);
		if (id < 0 && errno == ENOSPC)
			return gen_fail(ctx, -ENOSPC, "queue %u: msgmni (%lld) reached", i,
					(long long)gen_limit("msgmni", NULL));
		if (id < 0)
			return gen_fail(ctx, -errno, "msgget: %s", strerror(errno));
		o = gen_object_new(ctx, "sysv-msg", NULL);
		gen_res_add(ctx, GEN_RES_SYSV_MSG, id, NULL);
		st->ids[st->n++] = id;
		o->id = id;
		o->key = (uint32_t)key;
	}
	if ((rc = gen_spawn(ctx, "receiver", NULL, 0, receiver, st, &peer)) < 0)
		return rc;
	for (unsigned i = 0; i < st->n; i++) {
		gen_object_holder(ctx->objs[i], getpid(), -1, "w", "sender");
		gen_object_holder(ctx->objs[i], peer->pid, -1, "r", "receiver");
		gen_object_done(ctx, ctx->objs[i]);
	}
	return 0;
}

/* Selection by type, on queue id, with nobody else reading yet. */
static int selection_demo(struct gen_ctx *ctx, int id)
{
	static const long types[] = {3, 1, 2, 3, 1, 2};
	static const struct {
		long msgtyp;
		int flags;
		int seq;         /* expected; -1: ENOMSG */
	} steps[] = {
		{2, 0, 2}, {-2, 0, 1}, {3, MSG_EXCEPT, 4}, {0, 0, 0}, {-3, 0, 5}, {0, 0, 3}, {0, 0, -1},
	};
	struct msgbuf_frame *m = xmalloc(sizeof(*m) + DEMO_SIZE);
	char why[128];
	int rc = 0;

	for (uint32_t k = 0; k < ARRAY_SIZE(types) && rc == 0; k++) {
		m->mtype = types[k];
		gen_frame_fill(m->mtext, DEMO_SIZE, k);
		rc = msg_send(id, m, DEMO_SIZE, IPC_NOWAIT);
	}
	if (rc < 0) {
		gen_fail(ctx, rc, "msgsnd: %s", strerror(-rc));
		goto out;
	}
	for (size_t s = 0; s < ARRAY_SIZE(steps); s++) {
		ssize_t n = msg_recv(id, m, DEMO_SIZE, steps[s].msgtyp, steps[s].flags | IPC_NOWAIT);

		if (steps[s].seq < 0 && n == -ENOMSG)
			continue;
		if (n < 0) {
			rc = gen_fail(ctx, (int)n, "msgrcv(msgtyp %ld): %s", steps[s].msgtyp,
				      strerror((int)-n));
			goto out;
		}
		if (steps[s].seq < 0 || gen_frame_check(m->mtext, DEMO_SIZE, (uint32_t)steps[s].seq,
							  why, sizeof(why)) < 0) {
			rc = gen_fail(ctx, -EBADMSG, "msgrcv(msgtyp %ld%s) took message %u, expected %d",
				      steps[s].msgtyp, steps[s].flags ? ", MSG_EXCEPT" : "",
				      gen_frame_seq(m->mtext), steps[s].seq);
			goto out;
		}
	}
	gen_note_check(ctx, "selection on types 3 1 2 3 1 2: msgtyp 2, -2, 3|MSG_EXCEPT, 0, -3 "
		       "took messages 2, 1, 4, 0, 5; an empty queue gave ENOMSG");
out:
	free(m);
	return rc;
}

static int send_frames(struct gen_ctx *ctx, int id, uint32_t first, unsigned n, int flags)
{
	struct msgbuf_frame *m = xmalloc(sizeof(*m) + ctx->p->size);
	int rc = 0;

	for (uint32_t seq = first; seq < first + n && rc == 0; seq++) {
		m->mtype = mtype_of(seq);
		gen_frame_fill(m->mtext, ctx->p->size, seq);
		rc = msg_send(id, m, ctx->p->size, flags);
		if (rc < 0)
			gen_fail(ctx, rc, "msgsnd to queue %d: %s", id,
				 rc == -EAGAIN ? "queue full (msgmnb)" : strerror(-rc));
	}
	free(m);
	return rc;
}

static int msg_exercise(struct gen_ctx *ctx)
{
	struct msg_state *st = ctx->priv;
	struct gen_msg m;
	int rc;

	if ((rc = selection_demo(ctx, st->ids[0])) < 0)
		return rc;
	if ((rc = gen_peer_go(&ctx->peers[0], 0)) < 0)
		return gen_fail(ctx, rc, "peer: %s", strerror(-rc));
	for (unsigned i = 0; i < st->n; i++)
		if ((rc = send_frames(ctx, st->ids[i], 0, ctx->p->messages, 0)) < 0)
			return rc;
	if ((rc = gen_peer_expect(ctx, &ctx->peers[0], GEN_MSG_REPORT, &m)) < 0)
		return rc;
	ctx->messages = (uint64_t)m.a;
	ctx->bytes = (uint64_t)m.b;
	gen_note_check(ctx, "the receiver got %u messages per queue in order, mtypes 1 2 3 as "
		       "sent, each with its CRC-32 intact", ctx->p->messages);
	if (ctx->p->hold < 0 || ctx->p->fill < 0)
		return 0;
	for (unsigned i = 0; i < st->n; i++) {
		/* Numbered from 0 again, so the fill's mtypes cycle 1, 2, 3 from its first message. */
		if ((rc = send_frames(ctx, st->ids[i], 0, (unsigned)ctx->p->fill, IPC_NOWAIT)) < 0)
			return rc;
		ctx->objs[i]->fill = ctx->p->fill;
		ctx->objs[i]->fill_unit = "messages";
		snprintf(ctx->objs[i]->detail, sizeof(ctx->objs[i]->detail), "mtypes=%s",
			 ctx->p->fill >= 3 ? "1,2,3" : ctx->p->fill == 2 ? "1,2" : "1");
	}
	return 0;
}

static int msg_tick(struct gen_ctx *ctx)
{
	struct msg_state *st = ctx->priv;
	int rc;

	for (unsigned i = 0; i < st->n; i++)
		if ((rc = send_frames(ctx, st->ids[i], ctx->p->messages + ctx->ticks, 1, 0)) < 0)
			return rc;
	return 0;
}

/* --block: a type no traffic uses (it cycles 1, 2, 3), so the receive sleeps whatever the
 * queue holds. */
#define BLOCK_MTYPE 4

static int msg_blocker(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct msg_state *st = arg;
	struct msgbuf_frame *m = xcalloc(1, sizeof(*m) + ctx->p->size);
	int rc;

	if ((rc = gen_ready(ctl, 0, -1)) < 0)
		goto out;
	if (!strcmp(ctx->p->block, "receive")) {
		while (msgrcv(st->ids[0], m, ctx->p->size, BLOCK_MTYPE, 0) < 0 && errno == EINTR)
			;
	} else {
		/* Fill what room is left, then the send that does not fit sleeps. */
		m->mtype = 1;
		while (msgsnd(st->ids[0], m, ctx->p->size, IPC_NOWAIT) == 0)
			;
		while (msgsnd(st->ids[0], m, ctx->p->size, 0) < 0 && errno == EINTR)
			;
	}
out:
	free(m);
	return rc;
}

static int msg_check_block(struct gen_ctx *ctx)
{
	/* A queue that is drained by the slow traffic would take the blocked send. */
	if (!strcmp(ctx->p->block, "send") && ctx->p->fill < 0)
		return gen_bad_param(ctx, "--block send needs --fill (a queue nobody drains)");
	return 0;
}

static int msg_block(struct gen_ctx *ctx)
{
	struct msg_state *st = ctx->priv;
	int rc = msg_check_block(ctx);

	if (rc < 0)
		return rc;
	return gen_block_spawn(ctx, ctx->objs[0], NULL, 0, msg_blocker, st, -1,
			       !strcmp(ctx->p->block, "receive") ? "r" : "w");
}

static void msg_destroy(struct gen_ctx *ctx)
{
	struct msg_state *st = ctx->priv;

	if (!st)
		return;
	free(st->ids);
	free(st);
}

/* One queue both ways: mtype 1 towards the peer, 2 back. The harness leaves room for the
 * mtype in front of each buffer, so nothing is copied around the syscall. */
static int msg_bench_open(struct bench_chan *c, char *why, size_t whylen)
{
	int64_t msgmax = gen_limit("msgmax", NULL);

	if (msgmax >= 0 && (int64_t)c->size > msgmax) {
		snprintf(why, whylen, "%zu bytes exceed msgmax (%lld)", c->size, (long long)msgmax);
		return -EMSGSIZE;
	}
	c->id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (c->id < 0)
		return -errno;
	gen_res_add(c->ctx, GEN_RES_SYSV_MSG, c->id, NULL);
	c->headroom = sizeof(long);
	return 0;
}

static int msg_bench_attach(struct bench_chan *c, int side)
{
	(void)c;
	(void)side;
	return 0;
}

static int msg_bench_send(struct bench_chan *c, int side, const void *buf, size_t len)
{
	struct msgbuf_frame *m = (struct msgbuf_frame *)((char *)buf - sizeof(long));

	m->mtype = side ? 2 : 1;
	return msg_send(c->id, m, len, 0);
}

static int msg_bench_recv(struct bench_chan *c, int side, void *buf, size_t len)
{
	struct msgbuf_frame *m = (struct msgbuf_frame *)((char *)buf - sizeof(long));
	ssize_t n = msg_recv(c->id, m, len, side ? 1 : 2, 0);

	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

static const struct bench_ops msg_bench = {
	.open = msg_bench_open,
	.attach = msg_bench_attach,
	.send = msg_bench_send,
	.recv = msg_bench_recv,
};

const struct generator gen_sysv_msg = {
	.name = "sysv-msg",
	.summary = "System V message queue: typed messages, selection by mtype",
	.medium = "kernel message queue",
	.unit = "typed message",
	.direction = "any to any",
	.scope = "any process on the host, by key",
	.check = msg_check,
	.create = msg_create,
	.exercise = msg_exercise,
	.tick = msg_tick,
	.destroy = msg_destroy,
	.bench = &msg_bench,
	.blocks = "receive send",
	.block = msg_block,
};
