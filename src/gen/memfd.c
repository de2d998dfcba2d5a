/* memfd.c - an anonymous memory file (memfd_create) handed to another process: the sender
 * writes frames into it, seals it (write, shrink, grow, then the seals themselves) and
 * passes the fd over a unix socket with SCM_RIGHTS; the receiver maps it read-only, closes
 * its fd, and checks every frame through the mapping. Sealed, the contents cannot change
 * under the receiver: that is what memfds are passed around for (Wayland, systemd). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/util.h"
#include "gen/bench.h"
#include "gen/gen.h"
#include "gen/shmring.h"

#define MEMFD_SEALS (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

struct memfd_state {
	int *fds;
	unsigned n;
	size_t bytes;
	int sock[2];    /* [0] the sender's end, [1] the receiver's */
};

static int memfd_check(struct gen_ctx *ctx)
{
	return gen_check_nofile(ctx, 1);
}

static int send_fd(int sock, int fd)
{
	char data = 'm', ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = &data, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c;

	memset(ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR || gen_check() < 0)
			return errno == EINTR ? gen_check() : -errno;
	}
	return 0;
}

/* The fd of the next SCM_RIGHTS message, or -errno. */
static int recv_fd(int sock)
{
	char data, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = &data, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c;
	ssize_t n;
	int fd;

	while ((n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0) {
		if (errno != EINTR || gen_check() < 0)
			return errno == EINTR ? gen_check() : -errno;
	}
	c = CMSG_FIRSTHDR(&mh);
	if (n == 0 || !c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static int receiver(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct memfd_state *st = arg;
	const struct gen_params *p = ctx->p;
	void **maps = xcalloc(st->n, sizeof(*maps));
	uint64_t frames = 0;
	char why[128];
	int rc = 0;

	for (unsigned i = 0; i < st->n; i++) {
		int fd = recv_fd(st->sock[1]), seals;

		if (fd < 0) {
			rc = fd;
			gen_report(ctl, rc, 0, 0, "receiving memfd %u: %s", i, strerror(-rc));
			goto out;
		}
		seals = fcntl(fd, F_GET_SEALS);
		maps[i] = mmap(NULL, st->bytes, PROT_READ, MAP_SHARED, fd, 0);
		rc = maps[i] == MAP_FAILED ? -errno : 0;
		/* From here on it is held through the mapping only. */
		close(fd);
		if (rc < 0) {
			maps[i] = NULL;
			gen_report(ctl, rc, 0, 0, "mmap of memfd %u: %s", i, strerror(-rc));
			goto out;
		}
		if (seals != MEMFD_SEALS) {
			rc = -EBADMSG;
			gen_report(ctl, rc, 0, 0, "memfd %u has seals %#x, not %#x", i, seals, MEMFD_SEALS);
			goto out;
		}
		if ((rc = gen_ready(ctl, i, -1)) < 0)
			goto out;
	}
	if ((rc = gen_wait_go(ctl, NULL)) < 0)
		goto out;
	for (unsigned i = 0; i < st->n; i++) {
		for (uint32_t seq = 0; seq < p->messages; seq++, frames++) {
			rc = gen_frame_check((char *)maps[i] + (size_t)seq * p->size, p->size, seq, why,
					     sizeof(why));
			if (rc < 0) {
				gen_report(ctl, rc, frames, frames * p->size, "memfd %u: %s", i, why);
				goto out;
			}
		}
	}
	rc = gen_report(ctl, 0, frames, frames * p->size, "ok");
out:
	/* The mappings stay: they are what this process holds while the run holds. */
	free(maps);
	return rc;
}

/* A memfd of st->bytes holding p->messages frames, sealed. 0 or -errno; *fdp set once made. */
static int memfd_new(const char *name, const struct gen_params *p, size_t bytes, int *fdp)
{
	char *buf = xmalloc(p->size);
	int fd, rc = 0;

	*fdp = fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	/* write(), not a mapping: F_SEAL_WRITE is refused while a writable one exists. */
	for (uint32_t seq = 0; seq < p->messages && rc == 0; seq++) {
		gen_frame_fill(buf, p->size, seq);
		rc = gen_write_all(fd, buf, p->size);
	}
	if (rc == 0 && ftruncate(fd, (off_t)bytes) < 0)
		rc = -errno;
	if (rc == 0 && fcntl(fd, F_ADD_SEALS, MEMFD_SEALS) < 0)
		rc = -errno;
out:
	free(buf);
	return rc;
}

static int memfd_gen_create(struct gen_ctx *ctx)
{
	struct memfd_state *st = xcalloc(1, sizeof(*st));
	struct gen_peer *peer;
	char name[64];
	int rc;

	ctx->priv = st;
	st->sock[0] = st->sock[1] = -1;
	/* Whole pages, so that the mapping covers the file exactly. */
	st->bytes = (ctx->p->size * ctx->p->messages + 4095) & ~(size_t)4095;
	if (!st->bytes)
		st->bytes = 4096;
	st->fds = xmalloc(ctx->p->count * sizeof(int));
	for (unsigned i = 0; i < ctx->p->count; i++) {
		struct gen_object *o = gen_object_new(ctx, "memfd", NULL);

		/* No name to register for removal: a memfd ends with its last holder. */
		gen_posix_name(name, sizeof(name), "memfd", i);
		rc = memfd_new(name + 1, ctx->p, st->bytes, &st->fds[i]);
		if (st->fds[i] >= 0)
			st->n++;
		if (rc < 0)
			return gen_fail(ctx, rc, "memfd %s: %s", name + 1, strerror(-rc));
		snprintf(o->name, sizeof(o->name), "%s", name + 1);
		o->inode = gen_fd_inode(st->fds[i]);
		snprintf(o->detail, sizeof(o->detail), "size=%zu seals=seal,shrink,grow,write", st->bytes);
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, st->sock) < 0)
		return gen_fail(ctx, -errno, "socketpair: %s", strerror(errno));
	rc = gen_spawn(ctx, "receiver", &st->sock[1], 1, receiver, st, &peer);
	close(st->sock[1]);
	st->sock[1] = -1;
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < st->n; i++)
		if ((rc = send_fd(st->sock[0], st->fds[i])) < 0)
			return gen_fail(ctx, rc, "SCM_RIGHTS of memfd %u: %s", i, strerror(-rc));
	return gen_objects_ready(ctx, peer, st->n, 1, st->fds, (struct gen_end){"rw", "sender"}, false,
				 (struct gen_end){"r", "receiver"});
}

static int memfd_exercise(struct gen_ctx *ctx)
{
	struct gen_msg m;
	int rc;

	if ((rc = gen_peer_go(&ctx->peers[0], 0)) < 0)
		return gen_fail(ctx, rc, "GO to the receiver: %s", strerror(-rc));
	if ((rc = gen_peer_expect(ctx, &ctx->peers[0], GEN_MSG_REPORT, &m)) < 0)
		return rc;
	ctx->messages = (uint64_t)m.a;
	ctx->bytes = (uint64_t)m.b;
	gen_note_check(ctx, "the receiver got each memfd over SCM_RIGHTS with seals write, shrink, grow, seal");
	gen_note_check(ctx, "and read all %u frames of each through its read-only mapping", ctx->p->messages);
	return 0;
}

static void memfd_destroy(struct gen_ctx *ctx)
{
	struct memfd_state *st = ctx->priv;

	if (!st)
		return;
	for (unsigned i = 0; i < st->n; i++)
		if (st->fds[i] >= 0)
			close(st->fds[i]);
	if (st->sock[0] >= 0)
		close(st->sock[0]);
	free(st->fds);
	free(st);
}

/* bench: the two rings of shmring.h (frames checked, futex-backed process-shared semaphores
 * as the doorbells) in a memfd. The peer maps the memfd itself through its fd, as a process
 * that was passed it would, rather than using the mapping fork left it. */
static int memfd_bench_open(struct bench_chan *c, char *why, size_t whylen)
{
	int fd, rc;

	(void)why;
	(void)whylen;
	c->memlen = shm_bench_bytes(c->size);
	fd = memfd_create(GEN_PREFIX "bench", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)c->memlen) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	c->mem = mmap(NULL, c->memlen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c->mem == MAP_FAILED) {
		rc = -errno;
		c->mem = NULL;
		close(fd);
		return rc;
	}
	c->fd[2] = fd; /* the peer's: the harness keeps it across the fork */
	return shm_bench_init(c);
}

static int memfd_bench_attach(struct bench_chan *c, int side)
{
	if (side == 1) {
		void *m = mmap(NULL, c->memlen, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd[2], 0);

		if (m == MAP_FAILED)
			return -errno;
		munmap(c->mem, c->memlen);
		c->mem = m;
		close(c->fd[2]);
	} else {
		close(c->fd[2]); /* the parent keeps only its mapping */
	}
	c->fd[2] = -1;
	return shm_bench_attach(c, side);
}

static void memfd_bench_close(struct bench_chan *c)
{
	if (c->mem)
		munmap(c->mem, c->memlen);
	c->mem = NULL;
}

static const struct bench_ops memfd_bench = {
	.open = memfd_bench_open,
	.attach = memfd_bench_attach,
	.send = shm_bench_send,
	.recv = shm_bench_recv,
	.close = memfd_bench_close,
};

const struct generator gen_memfd = {
	.name = "memfd",
	.summary = "sealed memfd passed over a unix socket (SCM_RIGHTS) to a peer that maps it",
	.medium = "shared memory (sealed file)",
	.unit = "bytes in place",
	.direction = "one to many",
	.scope = "related or fd-passing processes",
	.check = memfd_check,
	.create = memfd_gen_create,
	.exercise = memfd_exercise,
	.destroy = memfd_destroy,
	.bench = &memfd_bench,
};
