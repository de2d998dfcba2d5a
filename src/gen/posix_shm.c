/* posix_shm.c - POSIX shared memory (shm_open, ftruncate, mmap): a named object under
 * /dev/shm that the writer keeps open and mapped, and that the reader opens by name,
 * maps and closes again, so it holds the object through its mapping only. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/util.h"
#include "gen/bench.h"
#include "gen/gen.h"
#include "gen/shmring.h"

struct pshm_state {
	char (*names)[64];
	int *fds;
	void **addr;
	unsigned n;
	size_t bytes;
};

/* A fill makes the object at least that big: while holding, that many bytes are written
 * (resident), once the frames no longer need the ring. */
static size_t seg_bytes(const struct gen_params *p)
{
	size_t ring = shm_ring_bytes(1, p->size);

	return p->hold >= 0 && p->fill > 0 && (size_t)p->fill > ring ? (size_t)p->fill : ring;
}

static int pshm_check(struct gen_ctx *ctx)
{
	return gen_check_nofile(ctx, 1);
}

static int reader(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct pshm_state *st = arg;
	void **rings = xcalloc(st->n, sizeof(*rings));
	int rc = 0;

	for (unsigned i = 0; i < st->n; i++) {
		int fd = shm_open(st->names[i], O_RDWR | O_CLOEXEC, 0);

		if (fd < 0) {
			rc = -errno;
			gen_report(ctl, rc, 0, 0, "shm_open %s: %s", st->names[i], strerror(errno));
			goto out;
		}
		rings[i] = mmap(NULL, st->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		rc = rings[i] == MAP_FAILED ? -errno : 0;
		close(fd);
		if (rc < 0) {
			gen_report(ctl, rc, 0, 0, "mmap %s: %s", st->names[i], strerror(-rc));
			goto out;
		}
		if ((rc = gen_ready(ctl, i, -1)) < 0)
			goto out;
	}
	rc = shm_ring_peer(ctx, ctl, rings, st->n);
out:
	free(rings);
	return rc;
}

/* A shared mapping of a name under /dev/shm, its pages reserved first: a full tmpfs is an
 * error here rather than a SIGBUS at the first write. */
static int map_new(const char *name, size_t bytes, int *fdp, void **addr)
{
	int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600), rc;

	*fdp = fd;
	if (fd < 0)
		return -errno;
	if ((rc = posix_fallocate(fd, 0, (off_t)bytes)) != 0)
		return -rc;
	*addr = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*addr == MAP_FAILED) {
		*addr = NULL;
		return -errno;
	}
	return 0;
}

static int pshm_create(struct gen_ctx *ctx)
{
	struct pshm_state *st = xcalloc(1, sizeof(*st));
	struct gen_peer *peer;
	int rc;

	ctx->priv = st;
	st->bytes = seg_bytes(ctx->p);
	st->names = xcalloc(ctx->p->count, sizeof(*st->names));
	st->fds = xmalloc(ctx->p->count * sizeof(int));
	st->addr = xcalloc(ctx->p->count, sizeof(void *));
	for (unsigned i = 0; i < ctx->p->count; i++) {
		struct gen_object *o = gen_object_new(ctx, "posix-shm", NULL);

		gen_posix_name(st->names[i], sizeof(st->names[i]), "shm", i);
		rc = map_new(st->names[i], st->bytes, &st->fds[i], &st->addr[i]);
		if (st->fds[i] >= 0) {
			gen_res_add(ctx, GEN_RES_POSIX_SHM, -1, st->names[i]);
			st->n++;
		}
		if (rc < 0)
			return gen_fail(ctx, rc, "%s: %s", st->names[i],
					rc == -ENOSPC ? "/dev/shm is full" : strerror(-rc));
		madvise(st->addr[i], st->bytes, MADV_DONTFORK);
		if ((rc = shm_ring_init(st->addr[i], 1, ctx->p->size)) < 0)
			return gen_fail(ctx, rc, "sem_init: %s", strerror(-rc));
		snprintf(o->name, sizeof(o->name), "%s", st->names[i]);
		o->inode = gen_fd_inode(st->fds[i]);
		snprintf(o->detail, sizeof(o->detail), "size=%zu", st->bytes);
	}
	if ((rc = gen_spawn(ctx, "reader", NULL, 0, reader, st, &peer)) < 0)
		return rc;
	return gen_objects_ready(ctx, peer, st->n, 1, st->fds, (struct gen_end){"rw", "writer"}, false,
				 (struct gen_end){"rw", "reader"});
}

static int pshm_exercise(struct gen_ctx *ctx)
{
	struct pshm_state *st = ctx->priv;

	return shm_ring_exercise(ctx, st->addr, st->n, "which opened the object by name");
}

static int pshm_tick(struct gen_ctx *ctx)
{
	struct pshm_state *st = ctx->priv;

	return shm_ring_tick(ctx, st->addr, st->n);
}

static void pshm_destroy(struct gen_ctx *ctx)
{
	struct pshm_state *st = ctx->priv;

	if (!st)
		return;
	for (unsigned i = 0; i < st->n; i++) {
		if (st->addr[i])
			munmap(st->addr[i], st->bytes);
		if (st->fds[i] >= 0)
			close(st->fds[i]);
	}
	free(st->names);
	free(st->fds);
	free(st->addr);
	free(st);
}

static int pshm_bench_open(struct bench_chan *c, char *why, size_t whylen)
{
	int fd = -1, rc;

	(void)why;
	(void)whylen;
	c->memlen = shm_bench_bytes(c->size);
	gen_posix_name(c->name[0], sizeof(c->name[0]), "bench-shm", 0);
	rc = map_new(c->name[0], c->memlen, &fd, &c->mem);
	if (fd >= 0) {
		gen_res_add(c->ctx, GEN_RES_POSIX_SHM, -1, c->name[0]);
		close(fd);
	}
	return rc < 0 ? rc : shm_bench_init(c);
}

static void pshm_bench_close(struct bench_chan *c)
{
	if (c->mem)
		munmap(c->mem, c->memlen);
	c->mem = NULL;
}

static const struct bench_ops pshm_bench = {
	.open = pshm_bench_open,
	.attach = shm_bench_attach,
	.send = shm_bench_send,
	.recv = shm_bench_recv,
	.close = pshm_bench_close,
};

const struct generator gen_posix_shm = {
	.name = "posix-shm",
	.summary = "POSIX shared memory object (/dev/shm) mapped by a writer and a reader",
	.medium = "shared memory (+ semaphores)",
	.unit = "bytes in place",
	.direction = "any to any",
	.scope = "any process on the host, by name",
	.check = pshm_check,
	.create = pshm_create,
	.exercise = pshm_exercise,
	.tick = pshm_tick,
	.destroy = pshm_destroy,
	.bench = &pshm_bench,
};
