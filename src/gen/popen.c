/* popen.c - popen(3): a shell command at the other end of a pipe. The command is
 * `cat >&N`, which copies what we write into its stdin out to a second pipe we read, so
 * every frame makes a round trip through another program and comes back checked. The
 * shell first writes its pid (cat keeps it after exec), which popen does not tell us. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "gen/gen.h"

#define POPEN_MAX_COUNT 256
#define POPEN_MAX_BYTES 65536   /* one pipe buffer: beyond it the round trip deadlocks */

struct popen_obj {
	FILE *fp;       /* our end of cat's stdin */
	int back;       /* read end of the pipe cat writes to */
	pid_t pid;      /* cat */
};

struct popen_state {
	struct popen_obj *o;
	unsigned n;
};

static int popen_check(struct gen_ctx *ctx)
{
	if (ctx->p->count > POPEN_MAX_COUNT)
		return gen_bad_param(ctx, "--count %u: popen starts a shell per object; at most %d",
				     ctx->p->count, POPEN_MAX_COUNT);
	if (ctx->p->size > POPEN_MAX_BYTES)
		return gen_bad_param(ctx, "--size %zu exceeds the pipe buffer (%d bytes) that "
				     "popen's round trip can hold", ctx->p->size, POPEN_MAX_BYTES);
	if (ctx->p->fill > POPEN_MAX_BYTES)
		return gen_bad_param(ctx, "--fill %lld exceeds the pipe buffer (%d bytes)",
				     (long long)ctx->p->fill, POPEN_MAX_BYTES);
	return gen_check_nofile(ctx, 2);
}

/* stdio and the watchdog do not mix: an interrupted fwrite loses track of what it wrote.
 * The write cannot block for long (cat is reading, or gone and we get EPIPE), so the
 * signals wait until it is done. */
static int popen_write(FILE *fp, const void *buf, size_t len)
{
	sigset_t old;
	int rc = 0;

	gen_signals_block(&old);
	if (fwrite(buf, 1, len, fp) != len || fflush(fp) != 0)
		rc = errno ? -errno : -EIO;
	gen_signals_restore(&old);
	return rc;
}

static int read_pid(int fd, pid_t *pid)
{
	char line[24];
	size_t n = 0;
	uint64_t v;
	int rc;

	while (n < sizeof(line) - 1) {
		if ((rc = gen_read_all(fd, &line[n], 1)) < 0)
			return rc;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	if (parse_u64(line, &v) < 0 || v == 0 || v > INT32_MAX)
		return -EPROTO;
	*pid = (pid_t)v;
	return 0;
}

static int start_one(struct gen_ctx *ctx, struct popen_obj *po, unsigned i)
{
	char cmd[96];
	int fds[2], rc;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return gen_fail(ctx, -errno, "pipe: %s", strerror(errno));
	/* The shell opens the return pipe through our /proc entry (sh cannot name an fd above 9
	 * and nothing of ours crosses exec), says its pid there, and becomes cat. */
	snprintf(cmd, sizeof(cmd), "exec >/proc/%d/fd/%d; echo $$; exec cat", (int)getpid(), fds[1]);
	po->fp = popen(cmd, "we");
	rc = po->fp ? 0 : -errno;
	po->back = fds[0];
	if (rc == 0)
		rc = read_pid(po->back, &po->pid);
	/* Only now: the shell has its own open of the write end once it has written the pid. */
	close(fds[1]);
	if (rc < 0)
		return gen_fail(ctx, rc, "popen %u: %s", i, po->fp ? "the shell did not say its pid" :
				strerror(-rc));
	gen_track_pid(po->pid);
	return 0;
}

static int popen_create(struct gen_ctx *ctx)
{
	struct popen_state *st = xcalloc(1, sizeof(*st));
	int rc;

	ctx->priv = st;
	st->o = xcalloc(ctx->p->count, sizeof(*st->o));
	for (unsigned i = 0; i < ctx->p->count; i++) {
		struct popen_obj *po = &st->o[i];
		struct gen_object *o;

		po->back = -1;
		st->n++;
		if ((rc = start_one(ctx, po, i)) < 0)
			return rc;
		o = gen_object_new(ctx, "pipe", "stdin");
		o->inode = gen_fd_inode(fileno(po->fp));
		snprintf(o->detail, sizeof(o->detail), "command=cat");
		gen_object_holder(o, getpid(), fileno(po->fp), "w", "parent");
		gen_object_holder(o, po->pid, 0, "r", "cat");
		gen_object_done(ctx, o);
		o = gen_object_new(ctx, "pipe", "return");
		o->inode = gen_fd_inode(po->back);
		gen_object_holder(o, po->pid, 1, "w", "cat");
		gen_object_holder(o, getpid(), po->back, "r", "parent");
		gen_object_done(ctx, o);
	}
	return 0;
}

static int round_trips(struct gen_ctx *ctx, struct popen_obj *po, uint32_t first, unsigned n)
{
	size_t size = ctx->p->size;
	char *buf = xmalloc(size), why[128];
	int rc = 0;

	for (unsigned k = 0; k < n; k++) {
		gen_frame_fill(buf, size, first + k);
		if ((rc = popen_write(po->fp, buf, size)) < 0) {
			gen_fail(ctx, rc, "writing to cat (pid %d): %s", (int)po->pid, strerror(-rc));
			break;
		}
		if ((rc = gen_read_all(po->back, buf, size)) < 0) {
			gen_fail(ctx, rc, "reading back from cat (pid %d): %s", (int)po->pid,
				 rc == -EPIPE ? "cat is gone" : strerror(-rc));
			break;
		}
		if ((rc = gen_frame_check(buf, size, first + k, why, sizeof(why))) < 0) {
			gen_fail(ctx, rc, "through cat: %s", why);
			break;
		}
	}
	free(buf);
	return rc;
}

static int popen_exercise(struct gen_ctx *ctx)
{
	struct popen_state *st = ctx->priv;
	int rc;

	for (unsigned i = 0; i < st->n; i++) {
		if ((rc = round_trips(ctx, &st->o[i], 0, ctx->p->messages)) < 0)
			return rc;
		ctx->messages += ctx->p->messages;
		ctx->bytes += (uint64_t)ctx->p->messages * ctx->p->size;
	}
	gen_note_check(ctx, "every message came back through `cat` unchanged and in order");
	if (ctx->p->hold < 0 || ctx->p->fill < 0)
		return 0;
	/* The fill ends up in the return pipe: cat copies it there and we do not read it. */
	for (unsigned i = 0; i < st->n; i++) {
		char *fill = xmalloc((size_t)ctx->p->fill + 1);

		memset(fill, 'f', (size_t)ctx->p->fill);
		rc = ctx->p->fill ? popen_write(st->o[i].fp, fill, (size_t)ctx->p->fill) : 0;
		free(fill);
		if (rc < 0)
			return gen_fail(ctx, rc, "fill: %s", strerror(-rc));
		ctx->objs[2 * i + 1]->fill = ctx->p->fill;
		ctx->objs[2 * i + 1]->fill_unit = "bytes";
	}
	return 0;
}

static int popen_tick(struct gen_ctx *ctx)
{
	struct popen_state *st = ctx->priv;
	int rc;

	for (unsigned i = 0; i < st->n; i++)
		if ((rc = round_trips(ctx, &st->o[i], ctx->p->messages + ctx->ticks, 1)) < 0)
			return rc;
	return 0;
}

static void popen_destroy(struct gen_ctx *ctx)
{
	struct popen_state *st = ctx->priv;

	if (!st)
		return;
	for (unsigned i = 0; i < st->n; i++) {
		struct popen_obj *po = &st->o[i];
		sigset_t old;

		if (po->pid)
			gen_ending_pid(po->pid);
		/* Closing the return pipe first: a cat blocked writing to it gets EPIPE. */
		if (po->back >= 0)
			close(po->back);
		if (po->fp) {
			gen_signals_block(&old);
			pclose(po->fp);
			gen_signals_restore(&old);
		}
		if (po->pid)
			gen_untrack_pid(po->pid);
	}
	free(st->o);
	free(st);
}

const struct generator gen_popen = {
	.name = "popen",
	.summary = "popen(3) of `cat`: each message goes through another program and back",
	.medium = "kernel pipe buffer",
	.unit = "byte stream",
	.direction = "one way per pipe",
	.scope = "parent and the command it runs",
	.check = popen_check,
	.create = popen_create,
	.exercise = popen_exercise,
	.tick = popen_tick,
	.destroy = popen_destroy,
};
