/* locks.c - file locks as IPC: flock(2) on whole files, and fcntl(2) record locks on byte
 * ranges. Each process opens the file by path on its own, as unrelated processes would
 * (flock belongs to the open file description, so a shared descriptor would share the
 * lock). Exclusion is shown by a counter in the file that both processes increment M
 * times by reading it, yielding and writing it back; the lock's own rules by a few
 * non-blocking attempts that must fail or succeed. While holding, the child holds its
 * locks, so /proc/locks shows them; with --fill N, N more processes per file (each opening
 * it on its own) block in flock(LOCK_EX) or F_SETLKW on the child's bytes 0-99, so
 * /proc/locks shows them as "->" lines under the child's lock. A blocked waiter cannot
 * answer its channel: the parent sees it blocked in /proc/locks, and SIGTERM ends it. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "collectors/locks.h"
#include "core/util.h"
#include "gen/gen.h"

#define RECORD 100   /* bytes per record for fcntl locks */
#define MAX_WAITERS 2 /* per file: with the parent and the child, GEN_MAX_HOLDERS */
#define BLOCK_WAIT_MS 3000

enum step {
	STEP_TRY_EX = 1,   /* flock: LOCK_EX|LOCK_NB, answer the errno */
	STEP_TRY_SH,       /* flock: LOCK_SH|LOCK_NB then unlock */
	STEP_LOCK_REC,     /* fcntl: write lock on record 0 */
	STEP_UNLOCK_REC,
	STEP_ROUNDS,       /* M increments under the lock */
	STEP_HOLD,         /* take the lock and keep it */
};

struct lock_state {
	bool posix;            /* fcntl record locks, else flock */
	char (*paths)[256];
	int *fds;
	unsigned n;
};

static int lk_check(struct gen_ctx *ctx)
{
	const struct gen_params *p = ctx->p;

	if (p->hold >= 0 && p->fill > MAX_WAITERS)
		return gen_bad_param(ctx, "--fill %lld: at most %d processes blocked on each lock",
				     (long long)p->fill, MAX_WAITERS);
	if (p->hold >= 0 && p->fill > 0 && (uint64_t)p->count * (uint64_t)p->fill > GEN_MAX_PEERS - 1)
		return gen_bad_param(ctx, "--count %u with --fill %lld makes more than %d blocked "
				     "processes", p->count, (long long)p->fill, GEN_MAX_PEERS - 1);
	return gen_check_nofile(ctx, 1);
}

static int retry(int r)
{
	int rc;

	if (r == 0)
		return 0;
	if (errno != EINTR)
		return -errno;
	return (rc = gen_check()) < 0 ? rc : 1;
}

static int do_flock(int fd, int op)
{
	int rc;

	while ((rc = retry(flock(fd, op))) == 1)
		;
	return rc;
}

static int do_range(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	int rc;

	while ((rc = retry(fcntl(fd, cmd, &fl))) == 1)
		;
	return rc;
}

static int lock(const struct lock_state *st, int fd, bool on)
{
	if (st->posix)
		return do_range(fd, F_SETLKW, on ? F_WRLCK : F_UNLCK, 0, RECORD);
	return do_flock(fd, on ? LOCK_EX : LOCK_UN);
}

static int rounds(const struct lock_state *st, int fd, unsigned m)
{
	int rc;

	for (unsigned k = 0; k < m; k++) {
		int64_t v = 0;

		if ((rc = lock(st, fd, true)) < 0)
			return rc;
		if (pread(fd, &v, sizeof(v), 0) != sizeof(v))
			return -EIO;
		sched_yield();
		v++;
		if (pwrite(fd, &v, sizeof(v), 0) != sizeof(v))
			return -EIO;
		if ((rc = lock(st, fd, false)) < 0)
			return rc;
	}
	return 0;
}

static int answer(int ctl, int err)
{
	struct gen_msg m;

	memset(&m, 0, sizeof(m));
	m.type = GEN_MSG_ACK;
	m.err = 0;
	m.a = err;
	return gen_msg_send(ctl, &m);
}

static int worker(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct lock_state *st = arg;
	int *fds = xmalloc(st->n * sizeof(int)), rc = 0;
	int64_t step;

	for (unsigned i = 0; i < st->n; i++) {
		fds[i] = open(st->paths[i], O_RDWR | O_CLOEXEC);
		if (fds[i] < 0) {
			rc = -errno;
			gen_report(ctl, rc, 0, 0, "open %s: %s", st->paths[i], strerror(errno));
			goto out;
		}
		if ((rc = gen_ready(ctl, i, fds[i])) < 0)
			goto out;
	}
	while ((rc = gen_wait_go(ctl, &step)) == 0) {
		int err = 0;

		switch (step) {
		case STEP_TRY_EX:
			err = flock(fds[0], LOCK_EX | LOCK_NB) < 0 ? errno : 0;
			break;
		case STEP_TRY_SH:
			err = flock(fds[0], LOCK_SH | LOCK_NB) < 0 ? errno : 0;
			flock(fds[0], LOCK_UN);
			break;
		case STEP_LOCK_REC:
			err = -do_range(fds[0], F_SETLKW, F_WRLCK, 0, RECORD);
			break;
		case STEP_UNLOCK_REC:
			err = -do_range(fds[0], F_SETLK, F_UNLCK, 0, RECORD);
			break;
		case STEP_ROUNDS:
			for (unsigned i = 0; i < st->n && err == 0; i++)
				err = -rounds(st, fds[i], ctx->p->messages);
			if (err) {
				rc = -err;
				gen_report(ctl, rc, 0, 0, "locked increments: %s", strerror(err));
				goto out;
			}
			break;
		case STEP_HOLD:
			for (unsigned i = 0; i < st->n && err == 0; i++)
				err = -lock(st, fds[i], true);
			break;
		default:
			err = EINVAL;
			break;
		}
		if ((rc = answer(ctl, err)) < 0)
			break;
	}
out:
	free(fds);
	return rc == -EPIPE ? 0 : rc;
}

/* Ask the worker to do a step; its errno comes back in *err. */
static int step(struct gen_ctx *ctx, enum step s, int *err)
{
	struct gen_msg m;
	int rc;

	if ((rc = gen_peer_go(&ctx->peers[0], s)) < 0)
		return gen_fail(ctx, rc, "peer: %s", strerror(-rc));
	if ((rc = gen_peer_expect(ctx, &ctx->peers[0], GEN_MSG_ACK, &m)) < 0)
		return rc;
	*err = (int)m.a;
	return 0;
}

static int create(struct gen_ctx *ctx, bool posix, const char *kind)
{
	struct lock_state *st = xcalloc(1, sizeof(*st));
	struct gen_peer *peer;
	int rc;

	ctx->priv = st;
	st->posix = posix;
	st->paths = xcalloc(ctx->p->count, sizeof(*st->paths));
	st->fds = xmalloc(ctx->p->count * sizeof(int));
	for (unsigned i = 0; i < ctx->p->count; i++) {
		struct gen_object *o = gen_object_new(ctx, kind, NULL);
		static const char zeros[3 * RECORD];

		gen_tmp_path(st->paths[i], sizeof(st->paths[i]), kind, i, NULL);
		st->fds[i] = open(st->paths[i], O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
		if (st->fds[i] < 0)
			return gen_fail(ctx, -errno, "open %s: %s", st->paths[i], strerror(errno));
		gen_res_add(ctx, GEN_RES_PATH, -1, st->paths[i]);
		st->n++;
		if (write(st->fds[i], zeros, sizeof(zeros)) != (ssize_t)sizeof(zeros))
			return gen_fail(ctx, -EIO, "write %s: %s", st->paths[i], strerror(errno));
		snprintf(o->name, sizeof(o->name), "%s", st->paths[i]);
		o->inode = gen_fd_inode(st->fds[i]);
	}
	if ((rc = gen_spawn(ctx, "worker", NULL, 0, worker, st, &peer)) < 0)
		return rc;
	return gen_objects_ready(ctx, peer, st->n, 1, st->fds, (struct gen_end){"rw", "worker"}, true,
				 (struct gen_end){"rw", "worker"});
}

static int flock_create(struct gen_ctx *ctx)
{
	return create(ctx, false, "flock");
}

static int fcntl_create(struct gen_ctx *ctx)
{
	return create(ctx, true, "fcntl-lock");
}

static int flock_rules(struct gen_ctx *ctx, int fd)
{
	int rc, err;

	if ((rc = do_flock(fd, LOCK_EX)) < 0 || (rc = step(ctx, STEP_TRY_EX, &err)) < 0)
		return gen_fail(ctx, rc, "flock: %s", strerror(-rc));
	do_flock(fd, LOCK_UN);
	if (err != EWOULDBLOCK)
		return gen_fail(ctx, -EPROTO, "LOCK_EX|LOCK_NB against our LOCK_EX gave %s, expected "
				"EWOULDBLOCK", err ? strerror(err) : "success");
	if ((rc = do_flock(fd, LOCK_SH)) < 0 || (rc = step(ctx, STEP_TRY_SH, &err)) < 0)
		return gen_fail(ctx, rc, "flock: %s", strerror(-rc));
	do_flock(fd, LOCK_UN);
	if (err)
		return gen_fail(ctx, -EPROTO, "LOCK_SH|LOCK_NB beside our LOCK_SH failed: %s",
				strerror(err));
	gen_note_check(ctx, "LOCK_EX|LOCK_NB failed with EWOULDBLOCK against a LOCK_EX; two "
		       "LOCK_SH were held at once");
	return 0;
}

static int fcntl_rules(struct gen_ctx *ctx, int fd)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 50, .l_len = 10};
	int rc, err, other, conflict;

	if ((rc = step(ctx, STEP_LOCK_REC, &err)) < 0)
		return rc;
	if (err)
		return gen_fail(ctx, -err, "the worker's F_SETLKW failed: %s", strerror(err));
	rc = fcntl(fd, F_GETLK, &fl) < 0 ? -errno : 0;
	other = do_range(fd, F_SETLK, F_WRLCK, RECORD, RECORD);
	do_range(fd, F_SETLK, F_UNLCK, RECORD, RECORD);
	conflict = do_range(fd, F_SETLK, F_WRLCK, 0, RECORD);
	if (step(ctx, STEP_UNLOCK_REC, &err) < 0)
		return -EPROTO;
	if (rc < 0 || fl.l_type != F_WRLCK || fl.l_pid != ctx->peers[0].pid)
		return gen_fail(ctx, -EPROTO, "F_GETLK on bytes 50-59 did not report the worker's "
				"write lock on 0-99 (type %d, pid %d)", fl.l_type, (int)fl.l_pid);
	if (other < 0)
		return gen_fail(ctx, other, "a write lock on bytes 100-199 failed: %s",
				strerror(-other));
	if (conflict != -EAGAIN && conflict != -EACCES)
		return gen_fail(ctx, -EPROTO, "F_SETLK on the worker's locked range gave %s",
				conflict ? strerror(-conflict) : "success");
	gen_note_check(ctx, "F_GETLK named the worker (pid %d) holding bytes 0-99; bytes 100-199 "
		       "could be locked beside it, 0-99 could not (EAGAIN)", (int)ctx->peers[0].pid);
	return 0;
}

static int make_waiters(struct gen_ctx *ctx, struct lock_state *st);

static int lk_exercise(struct gen_ctx *ctx)
{
	struct lock_state *st = ctx->priv;
	struct gen_msg m;
	int rc, err;

	rc = st->posix ? fcntl_rules(ctx, st->fds[0]) : flock_rules(ctx, st->fds[0]);
	if (rc < 0)
		return rc;
	if ((rc = gen_peer_go(&ctx->peers[0], STEP_ROUNDS)) < 0)
		return gen_fail(ctx, rc, "peer: %s", strerror(-rc));
	for (unsigned i = 0; i < st->n; i++)
		if ((rc = rounds(st, st->fds[i], ctx->p->messages)) < 0)
			return gen_fail(ctx, rc, "locked increments: %s", strerror(-rc));
	if ((rc = gen_peer_expect(ctx, &ctx->peers[0], GEN_MSG_ACK, &m)) < 0)
		return rc;
	for (unsigned i = 0; i < st->n; i++) {
		int64_t v = 0;

		if (pread(st->fds[i], &v, sizeof(v), 0) != sizeof(v) || v != 2 * (int64_t)ctx->p->messages)
			return gen_fail(ctx, -EBADMSG, "%s: the counter is %lld after 2 x %u locked "
					"increments: exclusion failed", st->paths[i], (long long)v,
					ctx->p->messages);
	}
	ctx->messages = 2 * (uint64_t)ctx->p->messages * st->n;
	gen_note_check(ctx, "exclusion held: 2 x %u read-yield-write increments of a counter in the "
		       "file left it at exactly %u", ctx->p->messages, 2 * ctx->p->messages);
	if (ctx->p->hold < 0)
		return 0;
	if ((rc = step(ctx, STEP_HOLD, &err)) < 0)
		return rc;
	if (err)
		return gen_fail(ctx, -err, "the worker could not take its lock: %s", strerror(err));
	for (unsigned i = 0; i < st->n; i++) {
		struct gen_object *o = ctx->objs[i];

		if (st->posix) {
			if ((rc = do_range(st->fds[i], F_SETLK, F_RDLCK, 2 * RECORD, RECORD)) < 0)
				return gen_fail(ctx, rc, "read lock on bytes 200-299: %s", strerror(-rc));
			snprintf(o->detail, sizeof(o->detail), "locks=0-99:w:%d,200-299:r:%d",
				 (int)ctx->peers[0].pid, (int)getpid());
		} else {
			snprintf(o->detail, sizeof(o->detail), "lock=LOCK_EX:%d", (int)ctx->peers[0].pid);
		}
	}
	return ctx->p->fill >= 0 ? make_waiters(ctx, st) : 0;
}

/* A waiter: its own open of the file, then one blocking request that conflicts with the
 * child's lock. It is never granted while holding; the parent's SIGTERM ends it. */
struct waiter_arg {
	const struct lock_state *st;
	unsigned index;
};

static int waiter(struct gen_ctx *ctx, int ctl, void *arg)
{
	const struct waiter_arg *w = arg;
	int fd, rc;

	(void)ctx;
	fd = open(w->st->paths[w->index], O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return gen_report(ctl, -errno, 0, 0, "open %s: %s", w->st->paths[w->index], strerror(errno));
	if ((rc = gen_ready(ctl, w->index, fd)) < 0)
		return rc;
	/* No watchdog in a peer: the call blocks until the lock is free or a signal ends it. */
	rc = w->st->posix ? do_range(fd, F_SETLKW, F_WRLCK, 0, RECORD) : do_flock(fd, LOCK_EX);
	return gen_report(ctl, rc < 0 ? rc : -EPROTO, 0, 0, "the blocked request %s",
			  rc < 0 ? strerror(-rc) : "was granted while the lock was held");
}

/* Whether /proc/locks shows pid blocked ("->") on the file ino. */
static bool shown_blocked(pid_t pid, uint64_t ino)
{
	char *text = NULL;
	size_t len = 0;
	bool found = false;

	if (read_file_at(AT_FDCWD, "/proc/locks", 64u << 20, &text, &len) < 0)
		return false;
	for (const char *q = text, *end = text + len; q < end && !found;) {
		const char *eol = memchr(q, '\n', (size_t)(end - q));
		size_t n = eol ? (size_t)(eol - q) : (size_t)(end - q);
		struct lock_line l;
		const char *why;

		found = locks_parse_line(q, n, &l, &why) == 0 && l.waiter && l.pid == pid && l.ino == ino;
		q += n + 1;
	}
	free(text);
	return found;
}

/* --fill N: N waiters on each file, each seen blocked before the next is made. */
static int make_waiters(struct gen_ctx *ctx, struct lock_state *st)
{
	for (unsigned i = 0; i < st->n; i++) {
		struct gen_object *o = ctx->objs[i];
		size_t at = strlen(o->detail);

		for (int64_t k = 0; k < ctx->p->fill; k++) {
			struct waiter_arg w = {st, i};
			struct gen_peer *peer;
			struct gen_msg m;
			int rc, waited = 0;

			if ((rc = gen_spawn(ctx, "waiter", NULL, 0, waiter, &w, &peer)) < 0)
				return rc;
			if ((rc = gen_peer_expect(ctx, peer, GEN_MSG_READY, &m)) < 0)
				return rc;
			while (!shown_blocked(peer->pid, o->inode)) {
				if (waited >= BLOCK_WAIT_MS)
					return gen_fail(ctx, -ETIMEDOUT, "waiter %d is not shown blocked on %s "
							"in /proc/locks after %d ms", (int)peer->pid,
							st->paths[i], BLOCK_WAIT_MS);
				if ((rc = gen_sleep_ms(10)) < 0)
					return gen_fail(ctx, rc, "waiting for the waiter: %s", strerror(-rc));
				waited += 10;
			}
			gen_object_holder(o, peer->pid, (int)m.b, "rw", "waiter");
			at += (size_t)snprintf(o->detail + at, at < sizeof(o->detail) ? sizeof(o->detail) - at : 0,
					       "%s%d", k ? "," : " waiters=", (int)peer->pid);
		}
		o->fill = ctx->p->fill;
		o->fill_unit = "waiters";
	}
	if (ctx->p->fill > 0)
		gen_note_check(ctx, "%lld process%s per file shown blocked on the held lock in /proc/locks",
			       (long long)ctx->p->fill, ctx->p->fill == 1 ? "" : "es");
	return 0;
}

static void lk_destroy(struct gen_ctx *ctx)
{
	struct lock_state *st = ctx->priv;

	if (!st)
		return;
	for (unsigned i = 0; i < st->n; i++)
		close(st->fds[i]);
	free(st->paths);
	free(st->fds);
	free(st);
}

const struct generator gen_flock = {
	.name = "flock",
	.summary = "flock(2) whole-file locks between two processes",
	.medium = "kernel lock table",
	.unit = "whole file",
	.direction = "synchronisation only",
	.scope = "any process on the host, by path",
	.check = lk_check,
	.create = flock_create,
	.exercise = lk_exercise,
	.destroy = lk_destroy,
};

const struct generator gen_fcntl_lock = {
	.name = "fcntl-lock",
	.summary = "fcntl(2) record locks on byte ranges, with F_GETLK naming the holder",
	.medium = "kernel lock table",
	.unit = "byte range",
	.direction = "synchronisation only",
	.scope = "any process on the host, by path",
	.check = lk_check,
	.create = fcntl_create,
	.exercise = lk_exercise,
	.destroy = lk_destroy,
};
