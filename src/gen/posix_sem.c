/* posix_sem.c - POSIX semaphores, both kinds. A named semaphore (sem_open, a file under
 * /dev/shm that each process maps) is the mutex around a shared counter, which two
 * processes increment M times each; an unnamed pair (sem_init with pshared=1 in anonymous
 * shared memory) then carries M ping-pongs, each side checking the word the other wrote. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "gen/gen.h"

#define PONG_OFFSET 1000000000u

/* Per object, in anonymous shared memory inherited by the peer. */
struct shared {
	sem_t ping, pong;      /* the unnamed pair */
	volatile long counter; /* guarded by the named semaphore */
	volatile uint32_t word;
	char pad[64];
};

struct psem_state {
	sem_t **named;
	char (*names)[64];
	unsigned n;
	struct shared *sh;
	size_t sh_len;
};

static int psem_check(struct gen_ctx *ctx)
{
	if (ctx->p->hold >= 0 && ctx->p->fill > SEM_VALUE_MAX)
		return gen_bad_param(ctx, "--fill %lld exceeds SEM_VALUE_MAX (%d)",
				     (long long)ctx->p->fill, SEM_VALUE_MAX);
	return gen_check_nofile(ctx, 1);
}

static int wait_checked(sem_t *s)
{
	int rc;

	while (sem_wait(s) < 0) {
		if (errno != EINTR)
			return -errno;
		if ((rc = gen_check()) < 0)
			return rc;
	}
	return 0;
}

static int rounds(sem_t *mutex, struct shared *sh, unsigned m)
{
	int rc;

	for (unsigned k = 0; k < m; k++) {
		long v;

		if ((rc = wait_checked(mutex)) < 0)
			return rc;
		v = sh->counter;
		sched_yield();
		sh->counter = v + 1;
		if (sem_post(mutex) < 0)
			return -errno;
	}
	return 0;
}

static int partner(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct psem_state *st = arg;
	sem_t **named = xcalloc(st->n, sizeof(*named));
	unsigned m = ctx->p->messages;
	int rc = 0;

	for (unsigned i = 0; i < st->n; i++) {
		named[i] = sem_open(st->names[i], 0);
		if (named[i] == SEM_FAILED) {
			rc = -errno;
			gen_report(ctl, rc, 0, 0, "sem_open %s: %s", st->names[i], strerror(errno));
			goto out;
		}
		if ((rc = gen_ready(ctl, i, -1)) < 0)
			goto out;
	}
	if ((rc = gen_wait_go(ctl, NULL)) < 0)
		goto out;
	for (unsigned i = 0; i < st->n; i++) {
		struct shared *sh = &st->sh[i];

		if ((rc = rounds(named[i], sh, m)) < 0) {
			gen_report(ctl, rc, 0, 0, "%s: %s", st->names[i], strerror(-rc));
			goto out;
		}
		for (uint32_t k = 0; k < m; k++) {
			if ((rc = wait_checked(&sh->ping)) < 0)
				break;
			if (sh->word != k) {
				gen_report(ctl, -EBADMSG, k, 0, "ping %u: read %u from shared memory", k,
					   sh->word);
				rc = -EBADMSG;
				goto out;
			}
			sh->word = k + PONG_OFFSET;
			if (sem_post(&sh->pong) < 0) {
				rc = -errno;
				break;
			}
		}
		if (rc < 0) {
			gen_report(ctl, rc, 0, 0, "unnamed semaphores: %s", strerror(-rc));
			goto out;
		}
	}
	rc = gen_report(ctl, 0, (uint64_t)m * st->n, 0, NULL);
out:
	free(named);
	return rc;
}

/* sem_open maps one page. */
static void no_fork(sem_t *s)
{
	long page = sysconf(_SC_PAGESIZE);

	madvise((void *)((uintptr_t)s & ~(uintptr_t)(page - 1)), (size_t)page, MADV_DONTFORK);
}

static int psem_create(struct gen_ctx *ctx)
{
	struct psem_state *st = xcalloc(1, sizeof(*st));
	struct gen_peer *peer;
	int rc;

	ctx->priv = st;
	st->named = xcalloc(ctx->p->count, sizeof(*st->named));
	st->names = xcalloc(ctx->p->count, sizeof(*st->names));
	st->sh_len = ctx->p->count * sizeof(struct shared);
	st->sh = mmap(NULL, st->sh_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st->sh == MAP_FAILED) {
		st->sh = NULL;
		return gen_fail(ctx, -errno, "mmap: %s", strerror(errno));
	}
	for (unsigned i = 0; i < ctx->p->count; i++) {
		struct gen_object *o = gen_object_new(ctx, "posix-sem", "named");
		struct stat sb;
		char path[96];

		gen_posix_name(st->names[i], sizeof(st->names[i]), "sem", i);
		st->named[i] = sem_open(st->names[i], O_CREAT | O_EXCL, 0600, 1);
		if (st->named[i] == SEM_FAILED) {
			st->named[i] = NULL;
			return gen_fail(ctx, -errno, "sem_open %s: %s", st->names[i], strerror(errno));
		}
		gen_res_add(ctx, GEN_RES_POSIX_SEM, -1, st->names[i]);
		st->n++;
		snprintf(o->name, sizeof(o->name), "%s", st->names[i]);
		snprintf(path, sizeof(path), "/dev/shm/sem.%s", st->names[i] + 1);
		if (stat(path, &sb) == 0)
			o->inode = sb.st_ino;
		if (sem_init(&st->sh[i].ping, 1, 0) < 0 || sem_init(&st->sh[i].pong, 1, 0) < 0)
			return gen_fail(ctx, -errno, "sem_init: %s", strerror(errno));
		o = gen_object_new(ctx, "posix-sem", "unnamed");
		snprintf(o->detail, sizeof(o->detail), "pair=%lx in=anonymous-shared-memory",
			 (unsigned long)&st->sh[i].ping);
	}
	rc = gen_spawn(ctx, "peer", NULL, 0, partner, st, &peer);
	/* Only after the fork: glibc remembers which names it has mapped, so the peer's
	 * sem_open finds our mapping and must inherit it. Later children must not. */
	madvise(st->sh, st->sh_len, MADV_DONTFORK);
	for (unsigned i = 0; i < st->n; i++)
		no_fork(st->named[i]);
	if (rc < 0)
		return rc;
	return gen_objects_ready(ctx, peer, st->n, 2, NULL, (struct gen_end){"rw", "worker"}, false,
				 (struct gen_end){"rw", "worker"});
}

static int ping_pong(struct gen_ctx *ctx, struct shared *sh)
{
	int rc;

	for (uint32_t k = 0; k < ctx->p->messages; k++) {
		sh->word = k;
		if (sem_post(&sh->ping) < 0)
			return gen_fail(ctx, -errno, "sem_post: %s", strerror(errno));
		if ((rc = wait_checked(&sh->pong)) < 0)
			return gen_fail(ctx, rc, "sem_wait: %s", strerror(-rc));
		if (sh->word != k + PONG_OFFSET)
			return gen_fail(ctx, -EBADMSG, "pong %u: read %u from shared memory", k, sh->word);
	}
	return 0;
}

/* Bring a semaphore to value, one post or wait at a time, without ever blocking. */
static int set_value(sem_t *s, int64_t value)
{
	int v;

	for (;;) {
		if (sem_getvalue(s, &v) < 0)
			return -errno;
		if (v == value)
			return 0;
		if (v < value ? sem_post(s) < 0 : sem_trywait(s) < 0)
			return -errno;
	}
}

static int psem_exercise(struct gen_ctx *ctx)
{
	struct psem_state *st = ctx->priv;
	struct gen_msg m;
	int rc;

	if ((rc = gen_peer_go(&ctx->peers[0], 0)) < 0)
		return gen_fail(ctx, rc, "peer: %s", strerror(-rc));
	for (unsigned i = 0; i < st->n; i++) {
		if ((rc = rounds(st->named[i], &st->sh[i], ctx->p->messages)) < 0)
			return gen_fail(ctx, rc, "%s: %s", st->names[i], strerror(-rc));
		if ((rc = ping_pong(ctx, &st->sh[i])) < 0)
			return rc;
	}
	if ((rc = gen_peer_expect(ctx, &ctx->peers[0], GEN_MSG_REPORT, &m)) < 0)
		return rc;
	for (unsigned i = 0; i < st->n; i++)
		if (st->sh[i].counter != 2 * (long)ctx->p->messages)
			return gen_fail(ctx, -EBADMSG, "%s: the counter is %ld after 2 x %u locked "
					"increments: exclusion failed", st->names[i], st->sh[i].counter,
					ctx->p->messages);
	ctx->messages = 3 * (uint64_t)ctx->p->messages * st->n;
	gen_note_check(ctx, "exclusion held: 2 x %u read-yield-write increments under the named "
		       "semaphore left the shared counter at exactly %u", ctx->p->messages,
		       2 * ctx->p->messages);
	gen_note_check(ctx, "%u ping-pongs over two unnamed semaphores, each side reading the "
		       "word the other wrote", ctx->p->messages);
	if (ctx->p->hold < 0)
		return 0;
	for (unsigned i = 0; i < st->n; i++) {
		int64_t value = ctx->p->fill >= 0 ? ctx->p->fill : 1;

		if ((rc = set_value(st->named[i], value)) < 0)
			return gen_fail(ctx, rc, "%s: %s", st->names[i], strerror(-rc));
		snprintf(ctx->objs[2 * i]->detail, sizeof(ctx->objs[2 * i]->detail), "value=%lld",
			 (long long)value);
		if (ctx->p->fill >= 0) {
			ctx->objs[2 * i]->fill = value;
			ctx->objs[2 * i]->fill_unit = "value";
		}
	}
	return 0;
}

static int psem_tick(struct gen_ctx *ctx)
{
	struct psem_state *st = ctx->priv;
	int rc;

	for (unsigned i = 0; i < st->n; i++) {
		if ((rc = wait_checked(st->named[i])) < 0)
			return gen_fail(ctx, rc, "sem_wait: %s", strerror(-rc));
		sem_post(st->named[i]);
	}
	return 0;
}

/* --block wait: sem_wait on the first named semaphore (value 0 with --fill 0), which glibc
 * makes a futex wait on the word in the mapping of /dev/shm/sem.NAME. The peer maps the
 * file itself: the parent's mappings are not inherited (MADV_DONTFORK), and sem_open in the
 * child would find glibc's record of a mapping it does not have. */
static int psem_blocker(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct psem_state *st = arg;
	char path[96];
	sem_t *s;
	int fd, rc;

	(void)ctx;
	snprintf(path, sizeof(path), "/dev/shm/sem.%s", st->names[0] + 1);
	fd = open(path, O_RDWR | O_CLOEXEC);
	s = fd < 0 ? MAP_FAILED : mmap(NULL, sizeof(sem_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (fd >= 0)
		close(fd);
	if (s == MAP_FAILED)
		return gen_report(ctl, -errno, 0, 0, "map %s: %s", path, strerror(errno));
	if ((rc = gen_ready(ctl, 0, -1)) < 0)
		return rc;
	while (sem_wait(s) < 0 && errno == EINTR)
		;
	return 0;
}

static int psem_block(struct gen_ctx *ctx)
{
	if (ctx->p->fill != 0)
		return gen_bad_param(ctx, "--block wait needs --fill 0 (a semaphore at 0)");
	return gen_block_spawn(ctx, ctx->objs[0], NULL, 0, psem_blocker, ctx->priv, -1, "rw");
}

static void psem_destroy(struct gen_ctx *ctx)
{
	struct psem_state *st = ctx->priv;

	if (!st)
		return;
	for (unsigned i = 0; i < st->n; i++)
		if (st->named[i])
			sem_close(st->named[i]);
	if (st->sh)
		munmap(st->sh, st->sh_len);
	free(st->named);
	free(st->names);
	free(st);
}

const struct generator gen_posix_sem = {
	.name = "posix-sem",
	.summary = "POSIX semaphores: named (/dev/shm) as a mutex, unnamed in shared memory",
	.medium = "shared memory word (futex)",
	.unit = "count",
	.direction = "synchronisation only",
	.scope = "by name on the host (named); sharing the memory (unnamed)",
	.check = psem_check,
	.create = psem_create,
	.exercise = psem_exercise,
	.tick = psem_tick,
	.destroy = psem_destroy,
	.blocks = "wait",
	.block = psem_block,
};
