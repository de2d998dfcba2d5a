/* shmring.c - message slots in shared memory, synchronised by two process-shared
 * semaphores: the textbook producer and consumer. */
#include "gen/shmring.h"

#include <errno.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define BENCH_SLOTS 8

/* The slots follow the header at the next 64-byte boundary, a cache line of their own. */
struct ring {
	sem_t empty;          /* free slots */
	sem_t full;           /* written slots */
	uint32_t slots;
	uint32_t slot_size;
};

static size_t align64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

static unsigned char *slot(struct ring *r, uint64_t n)
{
	return (unsigned char *)r + align64(sizeof(*r)) + (n % r->slots) * r->slot_size;
}

size_t shm_ring_bytes(unsigned slots, size_t slot_size)
{
	return align64(sizeof(struct ring)) + (size_t)slots * align64(slot_size);
}

int shm_ring_init(void *mem, unsigned slots, size_t slot_size)
{
	struct ring *r = mem;

	r->slots = slots;
	r->slot_size = (uint32_t)align64(slot_size);
	if (sem_init(&r->empty, 1, slots) < 0 || sem_init(&r->full, 1, 0) < 0)
		return -errno;
	return 0;
}

void shm_ring_release(void *mem)
{
	struct ring *r = mem;

	sem_destroy(&r->empty);
	sem_destroy(&r->full);
}

static int sem_wait_checked(sem_t *s, int nowait)
{
	int rc;

	for (;;) {
		if ((nowait ? sem_trywait(s) : sem_wait(s)) == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
		if ((rc = gen_check()) < 0)
			return rc;
	}
}

int shm_ring_put(void *mem, uint64_t n, const void *buf, size_t len)
{
	struct ring *r = mem;
	int rc = sem_wait_checked(&r->empty, 0);

	if (rc < 0)
		return rc;
	memcpy(slot(r, n), buf, len);
	return sem_post(&r->full) < 0 ? -errno : 0;
}

int shm_ring_get(void *mem, uint64_t n, void *buf, size_t len, int nowait)
{
	struct ring *r = mem;
	int rc = sem_wait_checked(&r->full, nowait);

	if (rc < 0)
		return rc;
	memcpy(buf, slot(r, n), len);
	return sem_post(&r->empty) < 0 ? -errno : 0;
}

size_t shm_bench_bytes(size_t size)
{
	return 2 * shm_ring_bytes(BENCH_SLOTS, size);
}

static void *ring_at(struct bench_chan *c, int dir)
{
	return (char *)c->mem + (size_t)dir * shm_ring_bytes(BENCH_SLOTS, c->size);
}

int shm_bench_init(struct bench_chan *c)
{
	int rc = shm_ring_init(ring_at(c, 0), BENCH_SLOTS, c->size);

	return rc ? rc : shm_ring_init(ring_at(c, 1), BENCH_SLOTS, c->size);
}

int shm_bench_attach(struct bench_chan *c, int side)
{
	(void)side;
	c->counter[0] = c->counter[1] = 0;
	return 0;
}

/* Ring 0 carries parent -> peer, ring 1 peer -> parent. */
int shm_bench_send(struct bench_chan *c, int side, const void *buf, size_t len)
{
	return shm_ring_put(ring_at(c, side), c->counter[0]++, buf, len);
}

int shm_bench_recv(struct bench_chan *c, int side, void *buf, size_t len)
{
	return shm_ring_get(ring_at(c, !side), c->counter[1]++, buf, len, 0);
}

int shm_ring_send(struct gen_ctx *ctx, void *ring, uint32_t first, unsigned n)
{
	char *buf = xmalloc(ctx->p->size);
	int rc = 0;

	for (uint32_t seq = first; seq < first + n && rc == 0; seq++) {
		gen_frame_fill(buf, ctx->p->size, seq);
		rc = shm_ring_put(ring, seq, buf, ctx->p->size);
		if (rc < 0)
			gen_fail(ctx, rc, "writing message %u into shared memory: %s", seq, strerror(-rc));
	}
	free(buf);
	return rc;
}

int shm_ring_exercise(struct gen_ctx *ctx, void *const *rings, unsigned n, const char *who)
{
	struct gen_msg m;
	int rc;

	for (unsigned i = 0; i < n; i++)
		if ((rc = shm_ring_send(ctx, rings[i], 0, ctx->p->messages)) < 0)
			return rc;
	if ((rc = gen_peer_expect(ctx, &ctx->peers[0], GEN_MSG_REPORT, &m)) < 0)
		return rc;
	ctx->messages = (uint64_t)m.a;
	ctx->bytes = (uint64_t)m.b;
	gen_note_check(ctx, "the reader, %s, saw every one of the %u frames per object the writer "
		       "put there, in order", who, ctx->p->messages);
	if (ctx->p->hold < 0 || ctx->p->fill < 0)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		memset(rings[i], 'f', (size_t)ctx->p->fill);
		ctx->objs[i]->fill = ctx->p->fill;
		ctx->objs[i]->fill_unit = "bytes";
	}
	return 0;
}

int shm_ring_tick(struct gen_ctx *ctx, void *const *rings, unsigned n)
{
	int rc;

	for (unsigned i = 0; i < n; i++)
		if ((rc = shm_ring_send(ctx, rings[i], ctx->p->messages + ctx->ticks, 1)) < 0)
			return rc;
	return 0;
}

/* Holding without a fill: a ring cannot be polled, so look at each every 100 ms. */
static int slow_traffic(struct gen_ctx *ctx, int ctl, void *const *rings, size_t n, char *buf)
{
	uint32_t *next = xcalloc(n, sizeof(*next));
	char why[128];
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		next[i] = ctx->p->messages;
	while (!gen_ctl_wait(ctl, 100)) {
		for (size_t i = 0; i < n; i++) {
			while (shm_ring_get(rings[i], next[i], buf, ctx->p->size, 1) == 0) {
				rc = gen_frame_check(buf, ctx->p->size, next[i]++, why, sizeof(why));
				if (rc < 0) {
					gen_report(ctl, rc, 0, 0, "shared memory %zu: %s", i, why);
					goto out;
				}
			}
		}
	}
out:
	free(next);
	return rc;
}

int shm_ring_peer(struct gen_ctx *ctx, int ctl, void *const *rings, size_t n)
{
	const struct gen_params *p = ctx->p;
	char *buf = xmalloc(p->size), why[128];
	uint64_t got = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		for (uint32_t seq = 0; seq < p->messages; seq++, got++) {
			rc = shm_ring_get(rings[i], seq, buf, p->size, 0);
			if (rc == 0)
				rc = gen_frame_check(buf, p->size, seq, why, sizeof(why));
			else
				snprintf(why, sizeof(why), "message %u: %s", seq, strerror(-rc));
			if (rc < 0) {
				gen_report(ctl, rc, got, got * p->size, "shared memory %zu: %s", i, why);
				goto out;
			}
		}
	}
	rc = gen_report(ctl, 0, got, got * p->size, NULL);
	if (rc == 0 && p->hold >= 0 && p->fill < 0)
		rc = slow_traffic(ctx, ctl, rings, n, buf);
out:
	free(buf);
	return rc;
}
