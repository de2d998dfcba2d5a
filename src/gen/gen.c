/* gen.c - the table of generators, the life of one generator's context, and the helpers
 * every mechanism uses to describe what it made. */
#include "gen/gen.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

extern const struct generator gen_pipe, gen_popen, gen_fifo, gen_sysv_msg, gen_posix_mq,
	gen_sysv_shm, gen_posix_shm, gen_mmap, gen_memfd, gen_sysv_sem, gen_posix_sem, gen_signal,
	gen_flock, gen_fcntl_lock, gen_unix_stream, gen_unix_dgram, gen_unix_seqpacket,
	gen_socketpair, gen_tcp, gen_udp, gen_eventfd;

const struct generator *const generators[] = {
	&gen_pipe, &gen_popen, &gen_fifo,
	&gen_sysv_msg, &gen_posix_mq,
	&gen_sysv_shm, &gen_posix_shm, &gen_mmap, &gen_memfd,
	&gen_sysv_sem, &gen_posix_sem,
	&gen_signal, &gen_eventfd,
	&gen_flock, &gen_fcntl_lock,
	&gen_unix_stream, &gen_unix_dgram, &gen_unix_seqpacket, &gen_socketpair,
	&gen_tcp, &gen_udp,
	NULL,
};

const struct generator *gen_find(const char *name)
{
	for (size_t i = 0; generators[i]; i++)
		if (!strcmp(generators[i]->name, name))
			return generators[i];
	return NULL;
}

void gen_ctx_init(struct gen_ctx *ctx, const struct generator *g, const struct gen_params *p)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->gen = g;
	ctx->p = p;
	for (size_t i = 0; i < GEN_MAX_PEERS; i++)
		ctx->peers[i].ctl = -1;
}

void gen_ctx_release(struct gen_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nobjs; i++)
		free(ctx->objs[i]);
	free(ctx->objs);
	ctx->objs = NULL;
	ctx->nobjs = ctx->objs_cap = 0;
}

static void vset_error(struct gen_ctx *ctx, const char *fmt, va_list ap)
{
	if (!ctx->error[0])
		vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
}

int gen_fail(struct gen_ctx *ctx, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset_error(ctx, fmt, ap);
	va_end(ap);
	ctx->verified = false;
	return rc < 0 ? rc : -EIO;
}

int gen_bad_param(struct gen_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset_error(ctx, fmt, ap);
	va_end(ap);
	ctx->usage = true;
	return -EINVAL;
}

void gen_note_check(struct gen_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->nchecks >= GEN_MAX_CHECKS)
		return;
	va_start(ap, fmt);
	vsnprintf(ctx->checks[ctx->nchecks++], sizeof(ctx->checks[0]), fmt, ap);
	va_end(ap);
}

unsigned gen_ftok_proj(unsigned i, unsigned attempt)
{
	return 1 + (('A' - 1) + i + attempt) % 255;
}

int gen_sysv_make(struct gen_ctx *ctx, unsigned i, int (*make)(int32_t key, const void *arg),
		  const void *arg, int32_t *key)
{
	const char *path = ctx->p->ftok_path;
	int id = -1;

	for (unsigned a = 0; a < 64 && id < 0; a++) {
		*key = path ? (int32_t)ftok(path, (int)gen_ftok_proj(i, a)) : gen_sysv_key(i, a);
		if (path && *key == -1)
			return -1; /* errno from ftok's stat */
		id = make(*key, arg);
		if (id < 0 && errno != EEXIST)
			break;
	}
	return id;
}

int64_t gen_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int gen_check_params(struct gen_ctx *ctx)
{
	const struct gen_params *p = ctx->p;

	if (p->size < GEN_FRAME_HDR)
		return gen_bad_param(ctx, "--size %zu is below the %d-byte frame header", p->size,
				     GEN_FRAME_HDR);
	if (p->count < 1 || p->count > GEN_MAX_COUNT)
		return gen_bad_param(ctx, "--count %u is outside 1..%d", p->count, GEN_MAX_COUNT);
	if (p->block && !gen_blocks(ctx->gen, p->block))
		return gen_bad_param(ctx, "--block %s: %s has no such wait (%s)", p->block,
				     ctx->gen->name, ctx->gen->blocks ? ctx->gen->blocks : "none");
	return ctx->gen->check ? ctx->gen->check(ctx) : 0;
}

int gen_start(struct gen_ctx *ctx)
{
	int64_t t0 = gen_now_ns(), t1;
	int rc;

	ctx->verified = false;
	rc = ctx->gen->create(ctx);
	t1 = gen_now_ns();
	ctx->create_ns = t1 - t0;
	if (rc < 0)
		goto out;
	rc = ctx->gen->exercise(ctx);
	ctx->exercise_ns = gen_now_ns() - t1;
	if (rc == 0 && ctx->p->block && ctx->p->hold >= 0 && ctx->gen->block)
		rc = ctx->gen->block(ctx);
	if (rc == 0 && !ctx->error[0])
		ctx->verified = true;
out:
	if (rc < 0 && !ctx->error[0])
		gen_fail(ctx, rc, "%s", strerror(-rc));
	if (rc == -EINTR || rc == -ECHILD) {
		/* The cause is the run's, not this mechanism's: say it in the run's words. */
		ctx->error[0] = '\0';
		gen_fail(ctx, rc, "%s", rc == -EINTR ? "interrupted" : gen_run_abort());
	}
	return rc;
}

void gen_finish(struct gen_ctx *ctx)
{
	if (ctx->gen->destroy)
		ctx->gen->destroy(ctx);
	ctx->priv = NULL;
	gen_stop_peers(ctx);
	gen_res_release(ctx);
}

/* A peer may report a failure of the slow traffic at any time: look without waiting. */
static int poll_reports(struct gen_ctx *ctx)
{
	for (size_t i = 0; i < ctx->npeers; i++) {
		struct gen_msg m;
		ssize_t n;

		if (ctx->peers[i].ctl < 0)
			continue;
		n = recv(ctx->peers[i].ctl, &m, sizeof(m), MSG_DONTWAIT);
		if (n == (ssize_t)sizeof(m) && m.type == GEN_MSG_REPORT && m.err) {
			m.text[sizeof(m.text) - 1] = '\0';
			return gen_fail(ctx, m.err, "while holding: %s", m.text);
		}
	}
	return 0;
}

int gen_tick(struct gen_ctx *ctx)
{
	int rc = poll_reports(ctx);

	if (rc < 0 || ctx->p->fill >= 0 || !ctx->gen->tick)
		return rc;
	rc = ctx->gen->tick(ctx);
	ctx->ticks++;
	if (rc < 0 && !ctx->error[0])
		gen_fail(ctx, rc, "while holding: %s", strerror(-rc));
	return rc;
}

struct gen_object *gen_object_new(struct gen_ctx *ctx, const char *kind, const char *role)
{
	struct gen_object *o = xcalloc(1, sizeof(*o));

	o->kind = kind;
	o->role = role;
	o->id = -1;
	o->key = -1;
	o->fill = -1;
	xgrow((void **)&ctx->objs, &ctx->objs_cap, ctx->nobjs + 1, sizeof(*ctx->objs));
	ctx->objs[ctx->nobjs++] = o;
	return o;
}

void gen_object_holder(struct gen_object *o, pid_t pid, int fd, const char *access,
		       const char *role)
{
	struct gen_holder *h;

	if (o->nholders >= GEN_MAX_HOLDERS)
		return;
	h = &o->holders[o->nholders++];
	h->pid = pid;
	h->fd = fd;
	h->access = access;
	h->role = role;
}

void gen_object_done(struct gen_ctx *ctx, struct gen_object *o)
{
	if (ctx->on_object)
		ctx->on_object(ctx, o);
}

int gen_objects_ready(struct gen_ctx *ctx, struct gen_peer *peer, unsigned n, unsigned per,
		      const int *fds, struct gen_end mine, bool peer_fd, struct gen_end theirs)
{
	for (unsigned i = 0; i < n; i++) {
		struct gen_msg m;
		int rc = gen_peer_expect(ctx, peer, GEN_MSG_READY, &m);

		if (rc < 0)
			return rc;
		for (unsigned k = 0; k < per; k++) {
			struct gen_object *o = ctx->objs[per * i + k];

			gen_object_holder(o, getpid(), fds ? fds[i] : -1, mine.access, mine.role);
			gen_object_holder(o, peer->pid, peer_fd ? (int)m.b : -1, theirs.access,
					  theirs.role);
			gen_object_done(ctx, o);
		}
	}
	return 0;
}

uint64_t gen_fd_inode(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

int gen_check_nofile(struct gen_ctx *ctx, unsigned per_object)
{
	struct rlimit rl;
	uint64_t need = (uint64_t)ctx->p->count * per_object + 32;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    need > rl.rlim_cur)
		return gen_bad_param(ctx, "--count %u needs about %llu descriptors, more than "
				     "RLIMIT_NOFILE (%llu)", ctx->p->count, (unsigned long long)need,
				     (unsigned long long)rl.rlim_cur);
	return 0;
}

void gen_posix_name(char *buf, size_t len, const char *mech, unsigned i)
{
	snprintf(buf, len, "/" GEN_PREFIX "%d-%s-%u", (int)getpid(), mech, i);
}

void gen_tmp_path(char *buf, size_t len, const char *mech, unsigned i, const char *suffix)
{
	snprintf(buf, len, "%s/" GEN_PREFIX "%d-%s-%u%s", gen_tmpdir(), (int)getpid(), mech, i,
		 suffix ? suffix : "");
}

int32_t gen_sysv_key(unsigned i, unsigned attempt)
{
	/* The top byte 0x1c marks ipcscope's keys in `ipcs`; the rest mixes the pid, the index
	 * and the attempt, and the caller moves on to the next attempt on EEXIST. */
	uint32_t mix = ((uint32_t)getpid() * 40503u) ^ (i * 2654435761u) ^ (attempt * 97u);

	return (int32_t)(0x1c000000u | (mix & 0x00ffffffu));
}
