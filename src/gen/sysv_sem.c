/* sysv_sem.c - System V semaphore sets (semget/semop/semctl). Semaphore 0 of each set is a
 * mutex (SEM_UNDO, so a killed holder does not leave it taken). Two processes each add 1
 * to a shared counter M times by reading it, yielding the CPU and writing it back: only
 * with exclusion does the counter end at exactly 2M. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <unistd.h>

#include "core/util.h"
#include "gen/gen.h"

/* One counter per set, each on its own cache line. */
struct counter {
	volatile long value;
	char pad[64 - sizeof(long)];
};

struct sem_state {
	int *ids;
	unsigned n;
	struct counter *counters;  /* shared, anonymous */
	size_t counters_len;
};

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static int64_t hold_base(const struct gen_params *p)
{
	return p->fill >= 0 ? p->fill : 1;
}

static int sem_check(struct gen_ctx *ctx)
{
	const struct gen_params *p = ctx->p;
	int64_t semmsl = gen_limit("semmsl", NULL), semvmx = gen_limit("semvmx", NULL);
	int64_t used_sets, used_sems;
	int64_t semmni = gen_limit("semmni", &used_sets), semmns = gen_limit("semmns", &used_sems);

	if (semmsl >= 0 && (int64_t)p->nsems > semmsl)
		return gen_bad_param(ctx, "--nsems %u exceeds semmsl (%lld semaphores per set)",
				     p->nsems, (long long)semmsl);
	if (semmni >= 0 && (int64_t)p->count + (used_sets > 0 ? used_sets : 0) > semmni)
		return gen_bad_param(ctx, "--count %u would exceed semmni (%lld sets; %lld in use)",
				     p->count, (long long)semmni, (long long)(used_sets > 0 ? used_sets : 0));
	if (semmns >= 0 &&
	    (int64_t)p->count * p->nsems + (used_sems > 0 ? used_sems : 0) > semmns)
		return gen_bad_param(ctx, "%u sets of %u semaphores would exceed semmns (%lld "
				     "semaphores; %lld in use)", p->count, p->nsems, (long long)semmns,
				     (long long)(used_sems > 0 ? used_sems : 0));
	if (p->hold >= 0 && semvmx >= 0 && hold_base(p) + (int64_t)p->nsems - 1 > semvmx)
		return gen_bad_param(ctx, "--fill %lld: values up to %lld exceed semvmx (%lld)",
				     (long long)p->fill, (long long)(hold_base(p) + p->nsems - 1),
				     (long long)semvmx);
	return 0;
}

static int sem_op(int id, short num, short op, short flags)
{
	struct sembuf sb = {.sem_num = (unsigned short)num, .sem_op = op, .sem_flg = flags};
	int rc;

	while (semop(id, &sb, 1) < 0) {
		if (errno != EINTR)
			return -errno;
		if ((rc = gen_check()) < 0)
			return rc;
	}
	return 0;
}

/* The racy increment that only the semaphore makes safe. */
static int rounds(int id, struct counter *c, unsigned m)
{
	int rc;

	for (unsigned k = 0; k < m; k++) {
		long v;

		if ((rc = sem_op(id, 0, -1, SEM_UNDO)) < 0)
			return rc;
		v = c->value;
		sched_yield();
		c->value = v + 1;
		if ((rc = sem_op(id, 0, 1, SEM_UNDO)) < 0)
			return rc;
	}
	return 0;
}

static int worker(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct sem_state *st = arg;
	int rc;

	if ((rc = gen_wait_go(ctl, NULL)) < 0)
		return rc;
	for (unsigned i = 0; i < st->n; i++) {
		if ((rc = rounds(st->ids[i], &st->counters[i], ctx->p->messages)) < 0) {
			gen_report(ctl, rc, 0, 0, "semop on set %d: %s", st->ids[i], strerror(-rc));
			return rc;
		}
	}
	return gen_report(ctl, 0, (uint64_t)ctx->p->messages * st->n, 0, NULL);
}

static int set_all(int id, unsigned nsems, int64_t base, int64_t step)
{
	unsigned short *vals = xcalloc(nsems, sizeof(*vals));
	union semun arg = {.array = vals};
	int rc = 0;

	for (unsigned k = 0; k < nsems; k++)
		vals[k] = (unsigned short)(base + step * k);
	if (semctl(id, 0, SETALL, arg) < 0)
		rc = -errno;
	free(vals);
	return rc;
}

static int make_set(int32_t key, const void *nsems)
{
	return semget(key, (int)*(const unsigned *)nsems, IPC_CREAT | IPC_EXCL | 0600);
}

static int sem_create(struct gen_ctx *ctx)
{
	struct sem_state *st = xcalloc(1, sizeof(*st));
	struct gen_peer *peer;
	int rc;

	ctx->priv = st;
	st->ids = xmalloc(ctx->p->count * sizeof(int));
	st->counters_len = ctx->p->count * sizeof(struct counter);
	st->counters = mmap(NULL, st->counters_len, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st->counters == MAP_FAILED) {
		st->counters = NULL;
		return gen_fail(ctx, -errno, "mmap: %s", strerror(errno));
	}
	for (unsigned i = 0; i < ctx->p->count; i++) {
		struct gen_object *o;
		int32_t key = 0;
		int id;

		id = gen_sysv_make(ctx, i, make_set, &ctx->p->nsems, &key);
		if (id < 0)
			return gen_fail(ctx, -errno, "semget of %u semaphores: %s", ctx->p->nsems,
					errno == ENOSPC ? "semmni or semmns reached" :
					errno == EINVAL ? "more than semmsl" : strerror(errno));
		o = gen_object_new(ctx, "sysv-sem", NULL);
		gen_res_add(ctx, GEN_RES_SYSV_SEM, id, NULL);
		st->ids[st->n++] = id;
		o->id = id;
		o->key = (uint32_t)key;
		snprintf(o->detail, sizeof(o->detail), "nsems=%u", ctx->p->nsems);
		/* Semaphore 0 starts free (1): it is the mutex; the others start at 0. */
		if ((rc = set_all(id, ctx->p->nsems, 0, 0)) < 0 ||
		    (rc = sem_op(id, 0, 1, 0)) < 0)
			return gen_fail(ctx, rc, "semctl SETALL: %s", strerror(-rc));
	}
	rc = gen_spawn(ctx, "worker", NULL, 0, worker, st, &peer);
	madvise(st->counters, st->counters_len, MADV_DONTFORK);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < st->n; i++) {
		gen_object_holder(ctx->objs[i], getpid(), -1, "rw", "worker");
		gen_object_holder(ctx->objs[i], peer->pid, -1, "rw", "worker");
		gen_object_done(ctx, ctx->objs[i]);
	}
	return 0;
}

static int nowait_demo(struct gen_ctx *ctx, int id)
{
	int rc = sem_op(id, 0, -1, 0), busy;

	if (rc < 0)
		return gen_fail(ctx, rc, "semop: %s", strerror(-rc));
	busy = sem_op(id, 0, -1, IPC_NOWAIT);
	if ((rc = sem_op(id, 0, 1, 0)) < 0)
		return gen_fail(ctx, rc, "semop: %s", strerror(-rc));
	if (busy != -EAGAIN)
		return gen_fail(ctx, -EPROTO, "a wait with IPC_NOWAIT on a taken semaphore gave %s, "
				"expected EAGAIN", busy ? strerror(-busy) : "success");
	gen_note_check(ctx, "a wait with IPC_NOWAIT on the taken mutex returned EAGAIN");
	return 0;
}

static int sem_exercise(struct gen_ctx *ctx)
{
	struct sem_state *st = ctx->priv;
	struct gen_msg m;
	int rc;

	if ((rc = nowait_demo(ctx, st->ids[0])) < 0)
		return rc;
	if ((rc = gen_peer_go(&ctx->peers[0], 0)) < 0)
		return gen_fail(ctx, rc, "peer: %s", strerror(-rc));
	for (unsigned i = 0; i < st->n; i++)
		if ((rc = rounds(st->ids[i], &st->counters[i], ctx->p->messages)) < 0)
			return gen_fail(ctx, rc, "semop on set %d: %s", st->ids[i], strerror(-rc));
	if ((rc = gen_peer_expect(ctx, &ctx->peers[0], GEN_MSG_REPORT, &m)) < 0)
		return rc;
	for (unsigned i = 0; i < st->n; i++)
		if (st->counters[i].value != 2 * (long)ctx->p->messages)
			return gen_fail(ctx, -EBADMSG, "set %d: the counter is %ld after 2 x %u locked "
					"increments: exclusion failed", st->ids[i], st->counters[i].value,
					ctx->p->messages);
	ctx->messages = 2 * (uint64_t)ctx->p->messages * st->n;
	gen_note_check(ctx, "exclusion held: 2 x %u read-yield-write increments under semaphore 0 "
		       "left the shared counter at exactly %u", ctx->p->messages, 2 * ctx->p->messages);
	if (ctx->p->hold < 0)
		return 0;
	for (unsigned i = 0; i < st->n; i++) {
		struct gen_object *o = ctx->objs[i];
		int64_t base = hold_base(ctx->p);
		int len;

		if ((rc = set_all(st->ids[i], ctx->p->nsems, base, 1)) < 0)
			return gen_fail(ctx, rc, "semctl SETALL: %s", strerror(-rc));
		len = snprintf(o->detail, sizeof(o->detail), "nsems=%u values=", ctx->p->nsems);
		for (unsigned k = 0; k < ctx->p->nsems && len < (int)sizeof(o->detail) - 8; k++)
			len += snprintf(o->detail + len, sizeof(o->detail) - (size_t)len, "%s%lld",
					k ? "," : "", (long long)(base + k));
		if (ctx->p->fill >= 0) {
			o->fill = ctx->p->fill;
			o->fill_unit = "value";
		}
	}
	return 0;
}

/* Slow traffic: take and give back each mutex (its value is 1 while holding). */
static int sem_tick(struct gen_ctx *ctx)
{
	struct sem_state *st = ctx->priv;
	int rc;

	for (unsigned i = 0; i < st->n; i++)
		if ((rc = sem_op(st->ids[i], 0, -1, SEM_UNDO)) < 0 ||
		    (rc = sem_op(st->ids[i], 0, 1, SEM_UNDO)) < 0)
			return gen_fail(ctx, rc, "semop: %s", strerror(-rc));
	return 0;
}

/* --block on the last semaphore, which the slow traffic (on semaphore 0) never touches:
 * a decrement by one more than its value, or a wait for zero (its value is at least 1). */
static int sem_blocker(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct sem_state *st = arg;
	unsigned short num = (unsigned short)(ctx->p->nsems - 1);
	struct sembuf op = {.sem_num = num, .sem_op = 0};
	int v = semctl(st->ids[0], num, GETVAL), rc;

	if ((rc = gen_ready(ctl, 0, -1)) < 0)
		return rc;
	if (!strcmp(ctx->p->block, "decrement"))
		op.sem_op = (short)(v < 32767 ? -(v + 1) : -32767);
	while (semop(st->ids[0], &op, 1) < 0 && errno == EINTR)
		;
	return 0;
}

static int sem_block(struct gen_ctx *ctx)
{
	if (!strcmp(ctx->p->block, "zero") && hold_base(ctx->p) + ctx->p->nsems - 1 <= 0)
		return gen_bad_param(ctx, "--block zero: the last semaphore's value is 0");
	return gen_block_spawn(ctx, ctx->objs[0], NULL, 0, sem_blocker, ctx->priv, -1, "rw");
}

static void sem_destroy(struct gen_ctx *ctx)
{
	struct sem_state *st = ctx->priv;

	if (!st)
		return;
	if (st->counters)
		munmap(st->counters, st->counters_len);
	free(st->ids);
	free(st);
}

const struct generator gen_sysv_sem = {
	.name = "sysv-sem",
	.summary = "System V semaphore set: mutual exclusion over a shared counter",
	.medium = "kernel semaphore set",
	.unit = "count",
	.direction = "synchronisation only",
	.scope = "any process on the host, by key",
	.check = sem_check,
	.create = sem_create,
	.exercise = sem_exercise,
	.tick = sem_tick,
	.destroy = sem_destroy,
	.blocks = "decrement zero",
	.block = sem_block,
};
