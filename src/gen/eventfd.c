/* eventfd.c - eventfd(2): a 64-bit counter in the kernel that a write adds to and a read
 * takes whole (or 1, with EFD_SEMAPHORE). The parent writes a value, the child reads it back
 * (a read that takes the counter whole is how the value is seen), checks it and writes the
 * next value, which the parent reads and checks: every round trip crosses the counter both
 * ways. Which value is due is said over the control channel, so neither side ever reads its
 * own write. While holding with --fill N the counter is left at N. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/util.h"
#include "gen/bench.h"
#include "gen/gen.h"

struct efd_state {
	int *fds;
	unsigned n;
};

static int efd_check(struct gen_ctx *ctx)
{
	return gen_check_nofile(ctx, 1);
}

/* Read the counter whole, retrying a read the watchdog interrupted. */
static int efd_take(int fd, uint64_t *v)
{
	for (;;) {
		if (read(fd, v, sizeof(*v)) == (ssize_t)sizeof(*v))
			return 0;
		if (errno != EINTR)
			return -errno;
		if (gen_check() < 0)
			return gen_check();
	}
}

static int efd_put(int fd, uint64_t v)
{
	while (write(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* The value of round k on object i: distinct per object and round, never 0 (a read of a
 * zero counter blocks). */
static uint64_t efd_value(unsigned i, uint64_t k)
{
	return ((uint64_t)(i + 1) << 32) + k * 3 + 1;
}

static int efd_ack(int ctl, int64_t a, int err)
{
	struct gen_msg m;

	memset(&m, 0, sizeof(m));
	m.type = GEN_MSG_ACK;
	m.err = err;
	m.a = a;
	return gen_msg_send(ctl, &m);
}

/* The child: per GO (a = object index) take the counter, say what it was, add 1 to it. */
static int peer(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct efd_state *st = arg;
	int64_t i;
	int rc;

	(void)ctx;
	for (unsigned k = 0; k < st->n; k++)
		if ((rc = gen_ready(ctl, k, st->fds[k])) < 0)
			return rc;
	while (gen_wait_go(ctl, &i) == 0) {
		uint64_t v = 0;

		if (i < 0 || (uint64_t)i >= st->n)
			return efd_ack(ctl, -1, -EINVAL);
		if ((rc = efd_take(st->fds[i], &v)) < 0 || (rc = efd_put(st->fds[i], v + 1)) < 0)
			return efd_ack(ctl, -1, rc);
		if ((rc = efd_ack(ctl, (int64_t)v, 0)) < 0)
			return rc;
	}
	return 0; /* the channel closed: the run is over */
}

static int efd_create(struct gen_ctx *ctx)
{
	struct efd_state *st = xcalloc(1, sizeof(*st));
	struct gen_peer *p;
	int rc;

	ctx->priv = st;
	st->fds = xmalloc(ctx->p->count * sizeof(int));
	for (unsigned i = 0; i < ctx->p->count; i++) {
		struct gen_object *o = gen_object_new(ctx, "eventfd", NULL);
		char path[64], *text = NULL;
		const char *id;

		st->fds[i] = eventfd(0, EFD_CLOEXEC);
		if (st->fds[i] < 0)
			return gen_fail(ctx, -errno, "eventfd: %s", strerror(errno));
		st->n++;
		o->inode = gen_fd_inode(st->fds[i]);
		/* The kernel's id (5.14 and later), what ipcscope names it by. */
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", st->fds[i]);
		if (read_file_at(AT_FDCWD, path, 4096, &text, NULL) == 0 &&
		    (id = strstr(text, "eventfd-id:")))
			snprintf(o->detail, sizeof(o->detail), "eventfd-id=%d", atoi(id + 11));
		free(text);
	}
	if ((rc = gen_spawn(ctx, "peer", st->fds, st->n, peer, st, &p)) < 0)
		return rc;
	return gen_objects_ready(ctx, p, st->n, 1, st->fds, (struct gen_end){"rw", "writer"}, true,
				 (struct gen_end){"rw", "reader"});
}

/* One round trip on object i: write, the peer takes it and adds 1, take that back. */
static int efd_round(struct gen_ctx *ctx, unsigned i, uint64_t k)
{
	struct efd_state *st = ctx->priv;
	struct gen_peer *p = &ctx->peers[0];
	uint64_t v = efd_value(i, k), back = 0;
	struct gen_msg m;
	int rc;

	if ((rc = efd_put(st->fds[i], v)) < 0)
		return gen_fail(ctx, rc, "write eventfd %u: %s", i, strerror(-rc));
	if ((rc = gen_peer_go(p, i)) < 0)
		return gen_fail(ctx, rc, "peer: %s", strerror(-rc));
	if ((rc = gen_peer_expect(ctx, p, GEN_MSG_ACK, &m)) < 0)
		return rc;
	if (m.err)
		return gen_fail(ctx, m.err, "the peer's read or write of eventfd %u: %s", i,
				strerror(-m.err));
	if ((uint64_t)m.a != v)
		return gen_fail(ctx, -EBADMSG, "eventfd %u: the peer read %" PRIu64 ", %" PRIu64
				" was written", i, (uint64_t)m.a, v);
	if ((rc = efd_take(st->fds[i], &back)) < 0)
		return gen_fail(ctx, rc, "read eventfd %u: %s", i, strerror(-rc));
	if (back != v + 1)
		return gen_fail(ctx, -EBADMSG, "eventfd %u: read %" PRIu64 " back, the peer wrote %"
				PRIu64, i, back, v + 1);
	ctx->messages += 2;
	ctx->bytes += 2 * sizeof(uint64_t);
	return 0;
}

static int efd_exercise(struct gen_ctx *ctx)
{
	struct efd_state *st = ctx->priv;
	int rc;

	for (unsigned k = 0; k < ctx->p->messages; k++)
		for (unsigned i = 0; i < st->n; i++)
			if ((rc = efd_round(ctx, i, k)) < 0)
				return rc;
	gen_note_check(ctx, "%u round trips per eventfd: each value written was read whole by the "
		       "other process, and its reply (value + 1) read back", ctx->p->messages);
	if (ctx->p->hold < 0 || ctx->p->fill < 0)
		return 0;
	for (unsigned i = 0; i < st->n; i++) {
		if ((rc = efd_put(st->fds[i], (uint64_t)ctx->p->fill)) < 0)
			return gen_fail(ctx, rc, "write eventfd %u: %s", i, strerror(-rc));
		ctx->objs[i]->fill = ctx->p->fill;
		ctx->objs[i]->fill_unit = "value";
	}
	return 0;
}

static int efd_tick(struct gen_ctx *ctx)
{
	struct efd_state *st = ctx->priv;
	int rc;

	for (unsigned i = 0; i < st->n; i++)
		if ((rc = efd_round(ctx, i, ctx->p->messages + ctx->ticks)) < 0)
			return rc;
	return 0;
}

static void efd_destroy(struct gen_ctx *ctx)
{
	struct efd_state *st = ctx->priv;

	if (!st)
		return;
	for (unsigned i = 0; i < st->n; i++)
		close(st->fds[i]);
	free(st->fds);
	free(st);
}

/* bench: two eventfds in semaphore mode, one each way. A message is one count: send adds 1,
 * recv takes 1 (a read of a semaphore eventfd takes exactly 1, blocking while there is
 * none), so the throughput phase's back-to-back sends pile up in the counter and are all
 * taken, none merged. */
static int efd_bench_open(struct bench_chan *c, char *why, size_t whylen)
{
	int a = eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC), b = eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);

	(void)why;
	(void)whylen;
	if (a < 0 || b < 0) {
		int rc = -errno;

		if (a >= 0)
			close(a);
		if (b >= 0)
			close(b);
		return rc;
	}
	/* [0] parent sends, [1] parent receives, [2] peer receives, [3] peer sends. */
	c->fd[0] = c->fd[2] = a;
	c->fd[1] = c->fd[3] = b;
	return 0;
}

/* Both processes keep both eventfds (each is written by one side and read by the other). */
static int efd_bench_attach(struct bench_chan *c, int side)
{
	(void)c;
	(void)side;
	return 0;
}

static int efd_bench_send(struct bench_chan *c, int side, const void *buf, size_t len)
{
	uint64_t one = 1;

	(void)buf;
	(void)len;
	for (;;) {
		if (write(c->fd[side ? 3 : 0], &one, sizeof(one)) == (ssize_t)sizeof(one))
			return 0;
		if (errno != EINTR)
			return -errno;
		if (gen_check() < 0)
			return gen_check();
	}
}

static int efd_bench_recv(struct bench_chan *c, int side, void *buf, size_t len)
{
	uint64_t v = 0;
	int rc = efd_take(c->fd[side ? 2 : 1], &v);

	if (rc < 0)
		return rc;
	if (len >= sizeof(v))
		memcpy(buf, &v, sizeof(v));
	return v == 1 ? 0 : -EPROTO; /* semaphore mode takes exactly 1 */
}

/* After the last phase every count sent was taken: neither counter holds one (poll says
 * POLLIN while an eventfd's counter is above zero; nothing is read). */
static int efd_bench_verify(struct bench_chan *c, char *why, size_t whylen)
{
	struct pollfd p[2] = {{.fd = c->fd[0], .events = POLLIN}, {.fd = c->fd[1], .events = POLLIN}};

	if (poll(p, 2, 0) < 0)
		return -errno;
	if ((p[0].revents | p[1].revents) & POLLIN) {
		snprintf(why, whylen, "counts left over after the run (%s): a count was lost or "
			 "doubled", p[0].revents & POLLIN ? "parent to peer" : "peer to parent");
		return -EPROTO;
	}
	return 0;
}

static void efd_bench_close(struct bench_chan *c)
{
	close(c->fd[0]);
	close(c->fd[1]);
	c->fd[0] = c->fd[1] = c->fd[2] = c->fd[3] = -1;
}

static const struct bench_ops efd_bench = {
	.open = efd_bench_open,
	.attach = efd_bench_attach,
	.send = efd_bench_send,
	.recv = efd_bench_recv,
	.close = efd_bench_close,
	.count_size = sizeof(uint64_t),
	.verify = efd_bench_verify,
};

const struct generator gen_eventfd = {
	.name = "eventfd",
	.summary = "eventfd(2) counter: values written by one process, read back by the other",
	.medium = "kernel 64-bit counter",
	.unit = "8-byte value (added up)",
	.direction = "both ways, one counter",
	.scope = "related processes (the fd is inherited or passed)",
	.check = efd_check,
	.create = efd_create,
	.exercise = efd_exercise,
	.tick = efd_tick,
	.destroy = efd_destroy,
	.bench = &efd_bench,
};
