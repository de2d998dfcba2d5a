/* pipe.c - pipe(2) with fork(2), as every IPC lesson begins, and its named sibling, the
 * FIFO (mkfifo(3)), whose two ends are opened by path by two processes.
 *
 * The parent writes framed messages into the write end, the child reads them from the read
 * end and checks each. The parent keeps only the write ends and the child only the read
 * ends, so a closed writer means end of file for the reader and a gone reader means EPIPE
 * for the writer. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "gen/bench.h"
#include "gen/gen.h"

struct pipe_state {
	int *wfd, *rfd;
	char (*paths)[256];  /* FIFOs only */
	unsigned n;
};

static int pipe_check(struct gen_ctx *ctx)
{
	return gen_check_nofile(ctx, 2);
}

static int reader(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct pipe_state *st = arg;

	return gen_peer_frames(ctx, ctl, st->rfd, st->n, 0);
}

static int pipe_create(struct gen_ctx *ctx)
{
	struct pipe_state *st = xcalloc(1, sizeof(*st));
	struct gen_peer *peer;
	int rc;

	ctx->priv = st;
	st->wfd = xmalloc(ctx->p->count * sizeof(int));
	st->rfd = xmalloc(ctx->p->count * sizeof(int));
	for (unsigned i = 0; i < ctx->p->count; i++) {
		int fds[2];

		if (pipe2(fds, O_CLOEXEC) < 0)
			return gen_fail(ctx, -errno, "pipe %u: %s", i, strerror(errno));
		st->rfd[i] = fds[0];
		st->wfd[i] = fds[1];
		st->n++;
		/* A fill larger than the default buffer asks for a larger pipe. */
		if (ctx->p->hold >= 0 && ctx->p->fill > fcntl(fds[1], F_GETPIPE_SZ) &&
		    fcntl(fds[1], F_SETPIPE_SZ, (int)ctx->p->fill) < 0)
			return gen_bad_param(ctx, "--fill %lld exceeds what a pipe can hold "
					     "(fs.pipe-max-size, %s)", (long long)ctx->p->fill,
					     strerror(errno));
	}
	rc = gen_spawn(ctx, "reader", st->rfd, st->n, reader, st, &peer);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < st->n; i++) {
		struct gen_object *o = gen_object_new(ctx, "pipe", NULL);

		o->inode = gen_fd_inode(st->wfd[i]);
		snprintf(o->detail, sizeof(o->detail), "capacity=%d", fcntl(st->wfd[i], F_GETPIPE_SZ));
		gen_object_holder(o, getpid(), st->wfd[i], "w", "writer");
		gen_object_holder(o, peer->pid, st->rfd[i], "r", "reader");
		close(st->rfd[i]);
		st->rfd[i] = -1;
		gen_object_done(ctx, o);
	}
	return 0;
}

static int pipe_exercise(struct gen_ctx *ctx)
{
	struct pipe_state *st = ctx->priv;
	struct gen_msg m;
	int rc;

	for (unsigned i = 0; i < st->n; i++)
		if ((rc = gen_send_frames(ctx, st->wfd[i], 0, ctx->p->messages, 0)) < 0)
			return rc;
	if ((rc = gen_peer_expect(ctx, &ctx->peers[0], GEN_MSG_REPORT, &m)) < 0)
		return rc;
	ctx->messages = (uint64_t)m.a;
	ctx->bytes = (uint64_t)m.b;
	gen_note_check(ctx, "the reader got %u messages per %s in order, each with its sequence "
		       "number and CRC-32 intact", ctx->p->messages, ctx->gen->name);
	if (ctx->p->hold < 0 || ctx->p->fill < 0)
		return 0;
	for (unsigned i = 0; i < st->n; i++) {
		rc = gen_fill_bytes(st->wfd[i], (size_t)ctx->p->fill, 0);
		if (rc < 0)
			return gen_fail(ctx, rc, "--fill %lld does not fit in the %s (%d bytes)",
					(long long)ctx->p->fill, ctx->gen->name,
					fcntl(st->wfd[i], F_GETPIPE_SZ));
		ctx->objs[i]->fill = ctx->p->fill;
		ctx->objs[i]->fill_unit = "bytes";
	}
	return 0;
}

static int pipe_tick(struct gen_ctx *ctx)
{
	struct pipe_state *st = ctx->priv;

	return gen_tick_frames(ctx, st->wfd, st->n, 0);
}

static void pipe_destroy(struct gen_ctx *ctx)
{
	struct pipe_state *st = ctx->priv;

	if (!st)
		return;
	for (unsigned i = 0; i < st->n; i++) {
		if (st->wfd[i] >= 0)
			close(st->wfd[i]);
		if (st->rfd[i] >= 0)
			close(st->rfd[i]);
	}
	free(st->wfd);
	free(st->rfd);
	free(st->paths);
	free(st);
}


/* The reader opens each FIFO by path, as an unrelated process would; open blocks until the
 * writer has opened it too, in the same order. */
static int fifo_reader(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct pipe_state *st = arg;
	int *fds = xmalloc(st->n * sizeof(int)), rc;

	for (unsigned i = 0; i < st->n; i++) {
		while ((fds[i] = open(st->paths[i], O_RDONLY | O_CLOEXEC)) < 0 && errno == EINTR)
			;
		if (fds[i] < 0) {
			rc = -errno;
			gen_report(ctl, rc, 0, 0, "open %s: %s", st->paths[i], strerror(errno));
			return rc;
		}
		if ((rc = gen_ready(ctl, i, fds[i])) < 0)
			return rc;
	}
	return gen_peer_frames(ctx, ctl, fds, st->n, 0);
}

static int open_writer(struct gen_ctx *ctx, const char *path)
{
	int fd, rc;

	while ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0) {
		if (errno != EINTR)
			return gen_fail(ctx, -errno, "open %s: %s", path, strerror(errno));
		if ((rc = gen_check()) < 0)
			return rc;
	}
	return fd;
}

static int fifo_create(struct gen_ctx *ctx)
{
	struct pipe_state *st = xcalloc(1, sizeof(*st));
	struct gen_peer *peer;
	int rc;

	ctx->priv = st;
	st->wfd = xmalloc(ctx->p->count * sizeof(int));
	st->rfd = xmalloc(ctx->p->count * sizeof(int));
	st->paths = xcalloc(ctx->p->count, sizeof(*st->paths));
	for (unsigned i = 0; i < ctx->p->count; i++) {
		struct gen_object *o = gen_object_new(ctx, "fifo", NULL);

		gen_tmp_path(st->paths[i], sizeof(st->paths[i]), "fifo", i, NULL);
		if (mkfifo(st->paths[i], 0600) < 0)
			return gen_fail(ctx, -errno, "mkfifo %s: %s", st->paths[i], strerror(errno));
		gen_res_add(ctx, GEN_RES_PATH, -1, st->paths[i]);
		snprintf(o->name, sizeof(o->name), "%s", st->paths[i]);
		st->wfd[i] = st->rfd[i] = -1;
		st->n++;
	}
	if ((rc = gen_spawn(ctx, "reader", NULL, 0, fifo_reader, st, &peer)) < 0)
		return rc;
	for (unsigned i = 0; i < st->n; i++) {
		struct gen_object *o = ctx->objs[i];
		struct gen_msg m;

		if ((rc = open_writer(ctx, st->paths[i])) < 0)
			return rc;
		st->wfd[i] = rc;
		if ((rc = gen_peer_expect(ctx, peer, GEN_MSG_READY, &m)) < 0)
			return rc;
		if (ctx->p->hold >= 0 && ctx->p->fill > fcntl(st->wfd[i], F_GETPIPE_SZ) &&
		    fcntl(st->wfd[i], F_SETPIPE_SZ, (int)ctx->p->fill) < 0)
			return gen_bad_param(ctx, "--fill %lld exceeds what a FIFO can hold "
					     "(fs.pipe-max-size, %s)", (long long)ctx->p->fill,
					     strerror(errno));
		o->inode = gen_fd_inode(st->wfd[i]);
		snprintf(o->detail, sizeof(o->detail), "capacity=%d", fcntl(st->wfd[i], F_GETPIPE_SZ));
		gen_object_holder(o, getpid(), st->wfd[i], "w", "writer");
		gen_object_holder(o, peer->pid, (int)m.b, "r", "reader");
		gen_object_done(ctx, o);
	}
	return 0;
}

/* --block: read or poll on read ends opened afresh (the parent closed its read ends once
 * the reader had them: /proc/self/fd of the write end, or the FIFO's path, opens the read
 * side again, without waiting, as a writer is there), or a write one byte larger than the
 * whole pipe, which never fits while the reader holds still. */
struct pipe_block {
	struct pipe_state *st;
	int *fds;
	unsigned n;
};

static int pipe_blocker(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct pipe_block *b = arg;
	const char *w = ctx->p->block;
	int rc;

	if ((rc = gen_ready(ctl, 0, b->fds[0])) < 0)
		return rc;
	if (!strcmp(w, "read")) {
		char c;

		while (read(b->fds[0], &c, 1) < 0 && errno == EINTR)
			;
	} else if (!strcmp(w, "write")) {
		size_t len = (size_t)fcntl(b->fds[0], F_GETPIPE_SZ) + 1;
		char *buf = xcalloc(1, len);

		while (write(b->fds[0], buf, len) < 0 && errno == EINTR)
			;
		free(buf);
	} else {
		struct pollfd *p = xcalloc(b->n, sizeof(*p));

		for (unsigned i = 0; i < b->n; i++)
			p[i] = (struct pollfd){.fd = b->fds[i], .events = POLLIN};
		while (poll(p, b->n, -1) < 0 && errno == EINTR)
			;
		free(p);
	}
	return 0;
}

static int pipe_block(struct gen_ctx *ctx)
{
	struct pipe_state *st = ctx->priv;
	bool write_end = !strcmp(ctx->p->block, "write");
	struct pipe_block b = {.st = st, .n = write_end || strcmp(ctx->p->block, "poll") ? 1 : st->n};
	int rc = 0;

	if (ctx->p->fill < 0 || (!write_end && ctx->p->fill > 0))
		return gen_bad_param(ctx, "--block %s needs --fill %s (nobody reads while holding still)",
				     ctx->p->block, write_end ? "N" : "0");
	b.fds = xcalloc(b.n, sizeof(int));
	for (unsigned i = 0; i < b.n; i++) {
		char path[64];

		if (write_end) {
			b.fds[i] = st->wfd[i];
			continue;
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", st->wfd[i]);
		b.fds[i] = open(st->paths ? st->paths[i] : path, O_RDONLY | O_CLOEXEC);
		if (b.fds[i] < 0) {
			rc = gen_fail(ctx, -errno, "open the read end again: %s", strerror(errno));
			b.n = i;
			goto out;
		}
	}
	rc = gen_block_spawn(ctx, ctx->objs[0], b.fds, b.n, pipe_blocker, &b, b.fds[0],
			     write_end ? "w" : "r");
	for (unsigned i = 1; rc == 0 && i < b.n; i++)
		gen_object_holder(ctx->objs[i], ctx->peers[ctx->npeers - 1].pid, b.fds[i], "r", "blocker");
out:
	for (unsigned i = 0; !write_end && i < b.n; i++)
		close(b.fds[i]);
	free(b.fds);
	return rc;
}

/* Two pipes, one each way, as a ping-pong needs. */
static int pipe_bench_open(struct bench_chan *c, char *why, size_t whylen)
{
	int a[2], b[2];

	(void)why;
	(void)whylen;
	if (pipe2(a, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(b, O_CLOEXEC) < 0) {
		int rc = -errno;

		close(a[0]);
		close(a[1]);
		return rc;
	}
	c->fd[0] = a[1];
	c->fd[2] = a[0];
	c->fd[3] = b[1];
	c->fd[1] = b[0];
	return 0;
}

static const struct bench_ops pipe_bench = {
	.open = pipe_bench_open,
	.send = bench_stream_send,
	.recv = bench_stream_recv,
};

const struct generator gen_pipe = {
	.name = "pipe",
	.summary = "anonymous pipe between a parent and its forked child",
	.medium = "kernel pipe buffer",
	.unit = "byte stream",
	.direction = "one way",
	.scope = "related processes",
	.check = pipe_check,
	.create = pipe_create,
	.exercise = pipe_exercise,
	.tick = pipe_tick,
	.destroy = pipe_destroy,
	.blocks = "read write poll",
	.block = pipe_block,
	.bench = &pipe_bench,
};

/* Two FIFOs, one each way, all four ends opened before the fork: a non-blocking open of
 * the read end first, so that the open of the write end does not wait for a reader. */
static int open_pair(const char *path, int *rd, int *wr)
{
	*rd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (*rd < 0)
		return -errno;
	*wr = open(path, O_WRONLY | O_CLOEXEC);
	if (*wr < 0 || fcntl(*rd, F_SETFL, O_RDONLY) < 0)
		return -errno;
	return 0;
}

static int fifo_bench_open(struct bench_chan *c, char *why, size_t whylen)
{
	int rc;

	(void)why;
	(void)whylen;
	for (int i = 0; i < 2; i++) {
		gen_tmp_path(c->name[i], sizeof(c->name[i]), "bench-fifo", (unsigned)i, NULL);
		if (mkfifo(c->name[i], 0600) < 0)
			return -errno;
		gen_res_add(c->ctx, GEN_RES_PATH, -1, c->name[i]);
	}
	if ((rc = open_pair(c->name[0], &c->fd[2], &c->fd[0])) < 0)
		return rc;
	return open_pair(c->name[1], &c->fd[1], &c->fd[3]);
}

static const struct bench_ops fifo_bench = {
	.open = fifo_bench_open,
	.send = bench_stream_send,
	.recv = bench_stream_recv,
};

const struct generator gen_fifo = {
	.name = "fifo",
	.summary = "named pipe (mkfifo) opened by path by a writer and a reader",
	.medium = "kernel pipe buffer",
	.unit = "byte stream",
	.direction = "one way",
	.scope = "any process on the host, by path",
	.check = pipe_check,
	.create = fifo_create,
	.exercise = pipe_exercise,
	.tick = pipe_tick,
	.destroy = pipe_destroy,
	.blocks = "read write poll",
	.block = pipe_block,
	.bench = &fifo_bench,
};
