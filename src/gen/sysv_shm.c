/* sysv_shm.c - System V shared memory (shmget/shmat): a segment found by key, attached by
 * the writer and, on its own, by the reader. The writer puts each frame into the segment
 * and the reader must see exactly those bytes; two process-shared semaphores in the
 * segment's header say when a frame is there (shmring.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "core/util.h"
#include "gen/bench.h"
#include "gen/gen.h"
#include "gen/shmring.h"

struct shm_state {
	int *ids;
	void **addr;          /* the parent's attachments */
	unsigned n;
	size_t bytes;         /* of each segment */
};

/* A fill makes the segment at least that big: while holding, that many bytes are written
 * (resident), once the frames no longer need the ring. */
static size_t seg_bytes(const struct gen_params *p)
{
	size_t ring = shm_ring_bytes(1, p->size);

	return p->hold >= 0 && p->fill > 0 && (size_t)p->fill > ring ? (size_t)p->fill : ring;
}

static int shm_check(struct gen_ctx *ctx)
{
	const struct gen_params *p = ctx->p;
	size_t bytes = seg_bytes(p);
	int64_t shmmax = gen_limit("shmmax", NULL), used_ids, used_pages;
	int64_t shmmni = gen_limit("shmmni", &used_ids), shmall = gen_limit("shmall", &used_pages);
	long page = sysconf(_SC_PAGESIZE);
	uint64_t pages = (bytes + (size_t)page - 1) / (size_t)page * p->count;

	if (shmmax >= 0 && (int64_t)bytes > shmmax)
		return gen_bad_param(ctx, "--size %zu needs a %zu-byte segment, more than shmmax (%lld)",
				     p->size, bytes, (long long)shmmax);
	if (shmmni >= 0 && (int64_t)p->count + (used_ids > 0 ? used_ids : 0) > shmmni)
		return gen_bad_param(ctx, "--count %u would exceed shmmni (%lld segments; %lld in use)",
				     p->count, (long long)shmmni, (long long)(used_ids > 0 ? used_ids : 0));
	if (shmall >= 0 && (int64_t)pages + (used_pages > 0 ? used_pages : 0) > shmall)
		return gen_bad_param(ctx, "%u segments of %zu bytes need %llu pages; shmall is %lld "
				     "(%lld in use)", p->count, bytes, (unsigned long long)pages,
				     (long long)shmall, (long long)(used_pages > 0 ? used_pages : 0));
	return 0;
}

static int reader(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct shm_state *st = arg;
	void **rings = xcalloc(st->n, sizeof(*rings));
	int rc = 0;

	for (unsigned i = 0; i < st->n; i++) {
		rings[i] = shmat(st->ids[i], NULL, 0);
		if (rings[i] == (void *)-1) {
			rc = -errno;
			gen_report(ctl, rc, 0, 0, "shmat %d: %s", st->ids[i], strerror(errno));
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

static int make_segment(int32_t key, const void *bytes)
{
	return shmget(key, *(const size_t *)bytes, IPC_CREAT | IPC_EXCL | 0600);
}

static int shm_create(struct gen_ctx *ctx)
{
	struct shm_state *st = xcalloc(1, sizeof(*st));
	struct gen_peer *peer;
	int rc;

	ctx->priv = st;
	st->bytes = seg_bytes(ctx->p);
	st->ids = xmalloc(ctx->p->count * sizeof(int));
	st->addr = xcalloc(ctx->p->count, sizeof(void *));
	for (unsigned i = 0; i < ctx->p->count; i++) {
		struct gen_object *o;
		int32_t key = 0;
		int id;

		id = gen_sysv_make(ctx, i, make_segment, &st->bytes, &key);
		if (id < 0)
			return gen_fail(ctx, -errno, "shmget of %zu bytes: %s", st->bytes,
					errno == ENOSPC ? "shmmni or shmall reached" :
					errno == EINVAL ? "outside shmmin..shmmax" : strerror(errno));
		o = gen_object_new(ctx, "sysv-shm", NULL);
		gen_res_add(ctx, GEN_RES_SYSV_SHM, id, NULL);
		st->ids[st->n++] = id;
		o->id = id;
		o->key = (uint32_t)key;
		snprintf(o->detail, sizeof(o->detail), "size=%zu", st->bytes);
		st->addr[i] = shmat(id, NULL, 0);
		if (st->addr[i] == (void *)-1) {
			st->addr[i] = NULL;
			return gen_fail(ctx, -errno, "shmat %d: %s", id, strerror(errno));
		}
		/* The reader attaches on its own; neither it nor any later child inherits ours. */
		madvise(st->addr[i], st->bytes, MADV_DONTFORK);
		if ((rc = shm_ring_init(st->addr[i], 1, ctx->p->size)) < 0)
			return gen_fail(ctx, rc, "sem_init: %s", strerror(-rc));
	}
	if ((rc = gen_spawn(ctx, "reader", NULL, 0, reader, st, &peer)) < 0)
		return rc;
	return gen_objects_ready(ctx, peer, st->n, 1, NULL, (struct gen_end){"rw", "writer"}, false,
				 (struct gen_end){"rw", "reader"});
}

static int shm_exercise(struct gen_ctx *ctx)
{
	struct shm_state *st = ctx->priv;

	return shm_ring_exercise(ctx, st->addr, st->n, "attached on its own");
}

static int shm_tick(struct gen_ctx *ctx)
{
	struct shm_state *st = ctx->priv;

	return shm_ring_tick(ctx, st->addr, st->n);
}

static void shm_destroy(struct gen_ctx *ctx)
{
	struct shm_state *st = ctx->priv;

	if (!st)
		return;
	for (unsigned i = 0; i < st->n; i++)
		if (st->addr[i])
			shmdt(st->addr[i]);
	free(st->ids);
	free(st->addr);
	free(st);
}

static int shm_bench_open(struct bench_chan *c, char *why, size_t whylen)
{
	int64_t shmmax = gen_limit("shmmax", NULL);

	c->memlen = shm_bench_bytes(c->size);
	if (shmmax >= 0 && (int64_t)c->memlen > shmmax) {
		snprintf(why, whylen, "%zu bytes exceed shmmax (%lld)", c->memlen, (long long)shmmax);
		return -EMSGSIZE;
	}
	c->id = shmget(IPC_PRIVATE, c->memlen, IPC_CREAT | 0600);
	if (c->id < 0)
		return -errno;
	gen_res_add(c->ctx, GEN_RES_SYSV_SHM, c->id, NULL);
	c->mem = shmat(c->id, NULL, 0);
	if (c->mem == (void *)-1) {
		c->mem = NULL;
		return -errno;
	}
	return shm_bench_init(c);
}

static void shm_bench_close(struct bench_chan *c)
{
	if (c->mem)
		shmdt(c->mem);
	c->mem = NULL;
}

static const struct bench_ops shm_bench = {
	.open = shm_bench_open,
	.attach = shm_bench_attach,
	.send = shm_bench_send,
	.recv = shm_bench_recv,
	.close = shm_bench_close,
};

const struct generator gen_sysv_shm = {
	.name = "sysv-shm",
	.summary = "System V shared memory segment attached by a writer and a reader",
	.medium = "shared memory (+ semaphores)",
	.unit = "bytes in place",
	.direction = "any to any",
	.scope = "any process on the host, by key",
	.check = shm_check,
	.create = shm_create,
	.exercise = shm_exercise,
	.tick = shm_tick,
	.destroy = shm_destroy,
	.bench = &shm_bench,
};
