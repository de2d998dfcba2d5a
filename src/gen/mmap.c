/* mmap.c - memory mappings shared between processes: an anonymous MAP_SHARED region, which
 * only a child forked after it was made can see, and a MAP_SHARED mapping of a file, which
 * the reader maps by path on its own. Frames go through both like through shared memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "gen/bench.h"
#include "gen/gen.h"
#include "gen/shmring.h"

struct mmap_state {
	void **anon;
	void **file;
	char (*paths)[256];
	unsigned n;
	size_t bytes;
};

static int mmap_check(struct gen_ctx *ctx)
{
	return gen_check_nofile(ctx, 1);
}

static int reader(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct mmap_state *st = arg;
	void **rings = xcalloc(2 * (size_t)st->n, sizeof(*rings));
	int rc = 0;

	for (unsigned i = 0; i < st->n; i++) {
		int fd = open(st->paths[i], O_RDWR | O_CLOEXEC);

		rings[2 * i] = st->anon[i];  /* inherited through fork */
		if (fd < 0) {
			rc = -errno;
			gen_report(ctl, rc, 0, 0, "open %s: %s", st->paths[i], strerror(errno));
			goto out;
		}
		rings[2 * i + 1] = mmap(NULL, st->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		rc = rings[2 * i + 1] == MAP_FAILED ? -errno : 0;
		close(fd);
		if (rc < 0) {
			gen_report(ctl, rc, 0, 0, "mmap %s: %s", st->paths[i], strerror(-rc));
			goto out;
		}
		if ((rc = gen_ready(ctl, i, -1)) < 0)
			goto out;
	}
	rc = shm_ring_peer(ctx, ctl, rings, 2 * (size_t)st->n);
out:
	free(rings);
	return rc;
}

static int map_file(const char *path, size_t bytes, void **addr, uint64_t *ino)
{
	int fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600), rc = 0;
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0)
		*ino = (uint64_t)st.st_ino;
	if ((rc = posix_fallocate(fd, 0, (off_t)bytes)) != 0) {
		rc = -rc;
		goto out;
	}
	*addr = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*addr == MAP_FAILED) {
		*addr = NULL;
		rc = -errno;
	}
out:
	close(fd);
	return rc;
}

static void describe_map(struct gen_object *o, const void *addr, size_t bytes)
{
	snprintf(o->detail, sizeof(o->detail), "map=%lx-%lx size=%zu", (unsigned long)addr,
		 (unsigned long)addr + bytes, bytes);
}

static int mmap_create(struct gen_ctx *ctx)
{
	struct mmap_state *st = xcalloc(1, sizeof(*st));
	struct gen_peer *peer;
	int rc;

	ctx->priv = st;
	st->bytes = shm_ring_bytes(1, ctx->p->size);
	st->anon = xcalloc(ctx->p->count, sizeof(void *));
	st->file = xcalloc(ctx->p->count, sizeof(void *));
	st->paths = xcalloc(ctx->p->count, sizeof(*st->paths));
	for (unsigned i = 0; i < ctx->p->count; i++) {
		struct gen_object *o;

		st->n++;
		st->anon[i] = mmap(NULL, st->bytes, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (st->anon[i] == MAP_FAILED) {
			st->anon[i] = NULL;
			return gen_fail(ctx, -errno, "mmap of %zu anonymous bytes: %s", st->bytes,
					strerror(errno));
		}
		o = gen_object_new(ctx, "mmap", "anonymous");
		describe_map(o, st->anon[i], st->bytes);
		if ((rc = shm_ring_init(st->anon[i], 1, ctx->p->size)) < 0)
			return gen_fail(ctx, rc, "sem_init: %s", strerror(-rc));

		o = gen_object_new(ctx, "mmap", "file");
		gen_tmp_path(st->paths[i], sizeof(st->paths[i]), "mmap", i, NULL);
		rc = map_file(st->paths[i], st->bytes, &st->file[i], &o->inode);
		if (rc != -EEXIST)
			gen_res_add(ctx, GEN_RES_PATH, -1, st->paths[i]);
		if (rc < 0)
			return gen_fail(ctx, rc, "%s: %s", st->paths[i], strerror(-rc));
		/* The reader maps the file itself; only the anonymous region must be inherited. */
		madvise(st->file[i], st->bytes, MADV_DONTFORK);
		snprintf(o->name, sizeof(o->name), "%s", st->paths[i]);
		describe_map(o, st->file[i], st->bytes);
		if ((rc = shm_ring_init(st->file[i], 1, ctx->p->size)) < 0)
			return gen_fail(ctx, rc, "sem_init: %s", strerror(-rc));
	}
	rc = gen_spawn(ctx, "reader", NULL, 0, reader, st, &peer);
	/* Later children (other generators' peers) must not share these regions. */
	for (unsigned i = 0; i < st->n; i++)
		madvise(st->anon[i], st->bytes, MADV_DONTFORK);
	if (rc < 0)
		return rc;
	return gen_objects_ready(ctx, peer, st->n, 2, NULL, (struct gen_end){"rw", "writer"}, false,
				 (struct gen_end){"rw", "reader"});
}

static int send_all(struct gen_ctx *ctx, uint32_t first, unsigned n)
{
	struct mmap_state *st = ctx->priv;
	int rc;

	for (unsigned i = 0; i < st->n; i++) {
		if ((rc = shm_ring_send(ctx, st->anon[i], first, n)) < 0 ||
		    (rc = shm_ring_send(ctx, st->file[i], first, n)) < 0)
			return rc;
	}
	return 0;
}

static int mmap_exercise(struct gen_ctx *ctx)
{
	struct gen_msg m;
	int rc;

	if ((rc = send_all(ctx, 0, ctx->p->messages)) < 0)
		return rc;
	if ((rc = gen_peer_expect(ctx, &ctx->peers[0], GEN_MSG_REPORT, &m)) < 0)
		return rc;
	ctx->messages = (uint64_t)m.a;
	ctx->bytes = (uint64_t)m.b;
	gen_note_check(ctx, "the child saw all %u frames through the anonymous region it inherited",
		       ctx->p->messages);
	gen_note_check(ctx, "and all %u through its own MAP_SHARED mapping of the file",
		       ctx->p->messages);
	return 0;
}

static int mmap_tick(struct gen_ctx *ctx)
{
	return send_all(ctx, ctx->p->messages + ctx->ticks, 1);
}

static void mmap_destroy(struct gen_ctx *ctx)
{
	struct mmap_state *st = ctx->priv;

	if (!st)
		return;
	for (unsigned i = 0; i < st->n; i++) {
		if (st->anon[i])
			munmap(st->anon[i], st->bytes);
		if (st->file[i])
			munmap(st->file[i], st->bytes);
	}
	free(st->anon);
	free(st->file);
	free(st->paths);
	free(st);
}

/* The anonymous region: the purest shared memory, inherited by the forked peer. */
static int mmap_bench_open(struct bench_chan *c, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	c->memlen = shm_bench_bytes(c->size);
	c->mem = mmap(NULL, c->memlen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c->mem == MAP_FAILED) {
		c->mem = NULL;
		return -errno;
	}
	return shm_bench_init(c);
}

static void mmap_bench_close(struct bench_chan *c)
{
	if (c->mem)
		munmap(c->mem, c->memlen);
	c->mem = NULL;
}

static const struct bench_ops mmap_bench = {
	.open = mmap_bench_open,
	.attach = shm_bench_attach,
	.send = shm_bench_send,
	.recv = shm_bench_recv,
	.close = mmap_bench_close,
};

const struct generator gen_mmap = {
	.name = "mmap",
	.summary = "shared mappings: anonymous (inherited by fork) and of a file (by path)",
	.medium = "shared memory (+ semaphores)",
	.unit = "bytes in place",
	.direction = "any to any",
	.scope = "related (anonymous); by path (file)",
	.check = mmap_check,
	.create = mmap_create,
	.exercise = mmap_exercise,
	.tick = mmap_tick,
	.destroy = mmap_destroy,
	.bench = &mmap_bench,
};
