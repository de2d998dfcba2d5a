/* sock.c - sockets, whatever the family: the server end is made (bound, listening) before
 * the fork and served by the peer, which accepts when the type has connections and echoes
 * every frame; the parent is the client, connects, sends frames and checks each echo.
 * Both sides check every frame. socketpair(2), the unnamed connected pair, is here too. */
#include "gen/sock.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/util.h"

#define REPLY_TIMEOUT_S 2

struct sock_state {
	const struct sock_kind *k;
	bool pair;                        /* socketpair: no listener, no address */
	int *sfd;                         /* server ends (the peer's); -1 once handed over */
	int *cfd;                         /* client ends (ours) */
	struct gen_object **server_obj;   /* the end a fill queues on */
	unsigned n;
};

static bool accepts(const struct sock_state *st)
{
	return !st->pair && st->k->type != SOCK_DGRAM;
}

/* How frames travel: whole messages unless a byte stream; replies to an address only for
 * an unconnected datagram server. */
static unsigned frame_flags(const struct sock_kind *k, bool server)
{
	unsigned f = GEN_FRAMES_ECHO;

	if (k->type != SOCK_STREAM)
		f |= GEN_FRAMES_DGRAM;
	if (server && k->type == SOCK_DGRAM)
		f |= GEN_FRAMES_ADDR;
	return f;
}

int sock_check(struct gen_ctx *ctx)
{
	return gen_check_nofile(ctx, 3);
}

/* A unix message must fit the sender's buffer whole (less the kernel's 32 bytes). */
int sock_msg_check(struct gen_ctx *ctx, const struct sock_kind *k)
{
	int fd, sndbuf = 0, rc;
	socklen_t len = sizeof(sndbuf);

	if (k->domain != AF_UNIX || k->type == SOCK_STREAM)
		return sock_check(ctx);
	fd = socket(AF_UNIX, k->type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return gen_fail(ctx, -errno, "socket: %s", strerror(errno));
	rc = getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len);
	close(fd);
	if (rc == 0 && ctx->p->size + 32 > (size_t)sndbuf)
		return gen_bad_param(ctx, "--size %zu exceeds the largest unix %s message: SO_SNDBUF "
				     "(%d bytes, net.core.wmem_default) less 32", ctx->p->size,
				     k->tname, sndbuf);
	return sock_check(ctx);
}

static void addr_string(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	char ip[INET_ADDRSTRLEN] = "?";

	inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
	snprintf(buf, len, "%s:%u", ip, ntohs(sin->sin_port));
}

/* A bound socket at a fresh address: a path in the run's directory, or the loopback
 * address with a port the kernel picks. The path is registered for removal. */
static int bind_fresh(struct gen_ctx *ctx, const struct sock_kind *k, const char *suffix,
		      unsigned i, struct sockaddr_storage *ss, socklen_t *len, struct gen_object *o)
{
	int fd = socket(k->domain, k->type | SOCK_CLOEXEC, 0);

	memset(ss, 0, sizeof(*ss));
	if (fd < 0)
		return -errno;
	if (k->domain == AF_UNIX) {
		struct sockaddr_un *sun = (struct sockaddr_un *)ss;
		char path[PATH_MAX];

		gen_tmp_path(path, sizeof(path), ctx->gen->name, i, suffix);
		if (strlen(path) >= sizeof(sun->sun_path)) {
			close(fd);
			return -ENAMETOOLONG;
		}
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, path, strlen(path) + 1);
		*len = (socklen_t)sizeof(*sun);
		if (bind(fd, (struct sockaddr *)ss, *len) < 0)
			goto fail;
		gen_res_add(ctx, GEN_RES_PATH, -1, path);
		if (o)
			snprintf(o->name, sizeof(o->name), "%s", sun->sun_path); /* bounded: 108 */
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = (socklen_t)sizeof(*sin);
		if (bind(fd, (struct sockaddr *)ss, *len) < 0 ||
		    getsockname(fd, (struct sockaddr *)ss, len) < 0)
			goto fail;
		if (o)
			addr_string(ss, o->addr, sizeof(o->addr));
	}
	if (o)
		o->inode = gen_fd_inode(fd);
	return fd;
fail:
	{
		int rc = -errno;

		close(fd);
		return rc;
	}
}

/* connect(2) that an EINTR does not undo: the connection goes on, so wait for it. */
static int connect_to(int fd, const struct sockaddr_storage *ss, socklen_t len)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	socklen_t elen = sizeof(int);
	int err = 0, rc;

	if (connect(fd, (const struct sockaddr *)ss, len) == 0)
		return 0;
	if (errno != EINTR && errno != EINPROGRESS)
		return -errno;
	while (poll(&pfd, 1, -1) < 0) {
		if (errno != EINTR)
			return -errno;
		if ((rc = gen_check()) < 0)
			return rc;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
		return -errno;
	return -err;
}

static void tune_client(const struct sock_kind *k, int fd)
{
	struct timeval tv = {.tv_sec = REPLY_TIMEOUT_S};
	int one = 1;

	if (k->domain == AF_INET && k->type == SOCK_STREAM)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* A lost datagram must end in an error, not a wait for ever. */
	if (k->type == SOCK_DGRAM)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static int server(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct sock_state *st = arg;
	int *fds = xmalloc(st->n * sizeof(int)), one = 1, rc = 0;

	for (unsigned i = 0; i < st->n; i++) {
		fds[i] = st->sfd[i];
		if (accepts(st)) {
			while ((fds[i] = accept4(st->sfd[i], NULL, NULL, SOCK_CLOEXEC)) < 0 &&
			       errno == EINTR)
				;
			if (fds[i] < 0) {
				rc = -errno;
				gen_report(ctl, rc, 0, 0, "accept: %s", strerror(errno));
				goto out;
			}
			if (st->k->domain == AF_INET)
				setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		}
		if ((rc = gen_ready_inode(ctl, i, fds[i], gen_fd_inode(fds[i]))) < 0)
			goto out;
	}
	rc = gen_peer_frames(ctx, ctl, fds, st->n, frame_flags(st->k, true));
out:
	free(fds);
	return rc;
}

static struct sock_state *state_new(struct gen_ctx *ctx, const struct sock_kind *k)
{
	struct sock_state *st = xcalloc(1, sizeof(*st));

	st->k = k;
	st->sfd = xmalloc(ctx->p->count * sizeof(int));
	st->cfd = xmalloc(ctx->p->count * sizeof(int));
	st->server_obj = xcalloc(ctx->p->count, sizeof(*st->server_obj));
	for (unsigned i = 0; i < ctx->p->count; i++)
		st->sfd[i] = st->cfd[i] = -1;
	ctx->priv = st;
	return st;
}

/* Holders and printing once the peer has its ends. */
static int finish_server_side(struct gen_ctx *ctx, struct sock_state *st, struct gen_peer *peer,
			      unsigned i, int sfd, struct gen_object *client)
{
	struct gen_object *first = st->server_obj[i];
	struct gen_msg m;
	int rc;

	if ((rc = gen_peer_expect(ctx, peer, GEN_MSG_READY, &m)) < 0)
		return rc;
	if (accepts(st)) {
		struct gen_object *conn = gen_object_new(ctx, st->k->kind, "server");

		gen_object_holder(first, peer->pid, sfd, "rw", "listener");
		gen_object_done(ctx, first);
		conn->inode = (uint64_t)m.c;
		snprintf(conn->detail, sizeof(conn->detail), "type=%s", st->k->tname);
		gen_object_holder(conn, peer->pid, (int)m.b, "rw", "server");
		st->server_obj[i] = conn;
		gen_object_done(ctx, conn);
	} else {
		gen_object_holder(first, peer->pid, (int)m.b, "rw", "server");
		gen_object_done(ctx, first);
	}
	snprintf(client->detail, sizeof(client->detail), "type=%s peer_inode=%llu", st->k->tname,
		 (unsigned long long)m.c);
	gen_object_holder(client, getpid(), st->cfd[i], "rw", "client");
	gen_object_done(ctx, client);
	return 0;
}

int sock_create(struct gen_ctx *ctx, const struct sock_kind *k)
{
	struct sock_state *st = state_new(ctx, k);
	struct sockaddr_storage *addr = xcalloc(ctx->p->count, sizeof(*addr));
	socklen_t *alen = xcalloc(ctx->p->count, sizeof(*alen));
	struct gen_peer *peer;
	int rc = 0;

	for (unsigned i = 0; i < ctx->p->count; i++) {
		struct gen_object *o = gen_object_new(ctx, k->kind, accepts(st) ? "listener" : "server");

		snprintf(o->detail, sizeof(o->detail), "type=%s", k->tname);
		st->sfd[i] = bind_fresh(ctx, k, ".sock", i, &addr[i], &alen[i], o);
		if (st->sfd[i] < 0) {
			rc = gen_fail(ctx, st->sfd[i], "server socket %u: %s", i, strerror(-st->sfd[i]));
			st->sfd[i] = -1;
			goto out;
		}
		if (accepts(st) && listen(st->sfd[i], 8) < 0) {
			rc = gen_fail(ctx, -errno, "listen: %s", strerror(errno));
			st->n++;
			goto out;
		}
		st->server_obj[i] = o;
		st->n++;
	}
	if ((rc = gen_spawn(ctx, "server", st->sfd, st->n, server, st, &peer)) < 0)
		goto out;
	for (unsigned i = 0; i < st->n; i++) {
		struct gen_object *client = gen_object_new(ctx, k->kind, "client");
		struct sockaddr_storage own;
		socklen_t ownlen;
		int sfd = st->sfd[i];

		close(sfd);  /* the peer's now */
		st->sfd[i] = -1;
		if (k->domain == AF_UNIX && k->type == SOCK_DGRAM)
			st->cfd[i] = bind_fresh(ctx, k, "-client.sock", i, &own, &ownlen, client);
		else
			st->cfd[i] = socket(k->domain, k->type | SOCK_CLOEXEC, 0);
		if (st->cfd[i] < 0)
			rc = st->cfd[i] == -1 ? -errno : st->cfd[i];
		else
			rc = connect_to(st->cfd[i], &addr[i], alen[i]);
		if (rc < 0) {
			rc = gen_fail(ctx, rc, "client socket %u: %s", i, strerror(-rc));
			goto out;
		}
		tune_client(k, st->cfd[i]);
		if (k->domain == AF_INET) {
			ownlen = sizeof(own);
			if (getsockname(st->cfd[i], (struct sockaddr *)&own, &ownlen) == 0)
				addr_string(&own, client->addr, sizeof(client->addr));
		}
		client->inode = gen_fd_inode(st->cfd[i]);
		if ((rc = finish_server_side(ctx, st, peer, i, sfd, client)) < 0)
			goto out;
	}
out:
	free(addr);
	free(alen);
	return rc;
}


/* Wait (up to 2 s) until nothing is left unacknowledged in fd's send queue. */
static int wait_acked(int fd)
{
	for (int i = 0; i < 200; i++) {
		int out = 0;

		if (ioctl(fd, SIOCOUTQ, &out) < 0)
			return -errno;
		if (out == 0)
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

int sock_exercise(struct gen_ctx *ctx)
{
	struct sock_state *st = ctx->priv;
	unsigned flags = frame_flags(st->k, false);
	struct gen_msg m;
	int rc;

	for (unsigned i = 0; i < st->n; i++)
		if ((rc = gen_send_frames(ctx, st->cfd[i], 0, ctx->p->messages, flags)) < 0)
			return rc;
	if ((rc = gen_peer_expect(ctx, &ctx->peers[0], GEN_MSG_REPORT, &m)) < 0)
		return rc;
	ctx->messages = (uint64_t)m.a;
	ctx->bytes = (uint64_t)m.b;
	gen_note_check(ctx, "%u %s per %s socket went to the server and back unchanged and in "
		       "order, checked on both sides", ctx->p->messages,
		       st->k->type == SOCK_STREAM ? "frames of the byte stream" : "messages",
		       st->k->tname);
	if (ctx->p->hold < 0 || ctx->p->fill < 0)
		return 0;
	for (unsigned i = 0; i < st->n; i++) {
		rc = gen_fill_bytes(st->cfd[i], (size_t)ctx->p->fill,
				    st->k->type == SOCK_STREAM ? 0 : ctx->p->size);
		if (rc < 0)
			return gen_fail(ctx, rc, "--fill %lld: %s", (long long)ctx->p->fill,
					rc == -EAGAIN ? "more than the socket buffers hold" : strerror(-rc));
		/* TCP keeps the bytes in the client's send queue until the server ACKs them, and
		 * loopback may delay that ACK: the state promised (bytes waiting at the server)
		 * holds only once the send queue is empty. */
		if (st->k->domain == AF_INET && st->k->type == SOCK_STREAM &&
		    (rc = wait_acked(st->cfd[i])) < 0)
			return gen_fail(ctx, rc, "--fill %lld: not acknowledged: %s",
					(long long)ctx->p->fill, strerror(-rc));
		st->server_obj[i]->fill = ctx->p->fill;
		st->server_obj[i]->fill_unit = "bytes";
	}
	return 0;
}

int sock_tick(struct gen_ctx *ctx)
{
	struct sock_state *st = ctx->priv;

	return gen_tick_frames(ctx, st->cfd, st->n, frame_flags(st->k, false));
}

void sock_destroy(struct gen_ctx *ctx)
{
	struct sock_state *st = ctx->priv;

	if (!st)
		return;
	for (unsigned i = 0; i < st->n; i++) {
		if (st->cfd[i] >= 0)
			close(st->cfd[i]);
		if (st->sfd[i] >= 0)
			close(st->sfd[i]);
	}
	free(st->sfd);
	free(st->cfd);
	free(st->server_obj);
	free(st);
}

static const struct sock_kind pair_kind = {AF_UNIX, SOCK_STREAM, "unix", "stream"};

static int pair_create(struct gen_ctx *ctx)
{
	struct sock_state *st = state_new(ctx, &pair_kind);
	struct gen_peer *peer;
	int rc;

	st->pair = true;
	for (unsigned i = 0; i < ctx->p->count; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return gen_fail(ctx, -errno, "socketpair: %s", strerror(errno));
		st->cfd[i] = sv[0];
		st->sfd[i] = sv[1];
		st->n++;
		st->server_obj[i] = gen_object_new(ctx, "unix", "child-end");
		st->server_obj[i]->inode = gen_fd_inode(sv[1]);
		snprintf(st->server_obj[i]->detail, sizeof(st->server_obj[i]->detail),
			 "type=stream peer_inode=%llu", (unsigned long long)gen_fd_inode(sv[0]));
	}
	if ((rc = gen_spawn(ctx, "echo", st->sfd, st->n, server, st, &peer)) < 0)
		return rc;
	for (unsigned i = 0; i < st->n; i++) {
		struct gen_object *end = gen_object_new(ctx, "unix", "parent-end");
		int sfd = st->sfd[i];

		close(sfd);
		st->sfd[i] = -1;
		end->inode = gen_fd_inode(st->cfd[i]);
		if ((rc = finish_server_side(ctx, st, peer, i, sfd, end)) < 0)
			return rc;
	}
	return 0;
}

static int pair_bench_open(struct bench_chan *c, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	return sock_bench_pair(c, &pair_kind);
}

int sock_bench_pair(struct bench_chan *c, const struct sock_kind *k)
{
	struct sockaddr_storage a, b;
	socklen_t alen, blen;
	struct timeval tv = {.tv_sec = REPLY_TIMEOUT_S};
	int sv[2] = {-1, -1}, one = 1, lfd = -1, rc = 0;

	if (k == &pair_kind) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return -errno;
	} else if (k->type == SOCK_DGRAM) {
		/* Two bound sockets, each connected to the other. */
		sv[0] = bind_fresh(c->ctx, k, "-bench-a.sock", 0, &a, &alen, NULL);
		sv[1] = bind_fresh(c->ctx, k, "-bench-b.sock", 0, &b, &blen, NULL);
		if (sv[0] < 0 || sv[1] < 0 || connect(sv[0], (struct sockaddr *)&b, blen) < 0 ||
		    connect(sv[1], (struct sockaddr *)&a, alen) < 0)
			rc = sv[0] < 0 ? sv[0] : sv[1] < 0 ? sv[1] : -errno;
		for (int i = 0; i < 2 && rc == 0; i++)
			setsockopt(sv[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	} else {
		/* Connect before accepting: the backlog completes the handshake. */
		lfd = bind_fresh(c->ctx, k, "-bench.sock", 0, &a, &alen, NULL);
		if (lfd < 0)
			return lfd;
		if (listen(lfd, 1) < 0 || (sv[0] = socket(k->domain, k->type | SOCK_CLOEXEC, 0)) < 0 ||
		    connect(sv[0], (struct sockaddr *)&a, alen) < 0 ||
		    (sv[1] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			rc = -errno;
		close(lfd);
		if (rc == 0 && k->domain == AF_INET)
			for (int i = 0; i < 2; i++)
				setsockopt(sv[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	c->fd[0] = c->fd[1] = sv[0];
	c->fd[2] = c->fd[3] = sv[1];
	return rc;
}

static const struct bench_ops pair_bench = {
	.open = pair_bench_open,
	.send = bench_stream_send,
	.recv = bench_stream_recv,
};

const struct generator gen_socketpair = {
	.name = "socketpair",
	.summary = "socketpair(2): a connected unix stream pair shared by fork",
	.medium = "kernel socket buffer",
	.unit = "byte stream",
	.direction = "both ways",
	.scope = "related processes",
	.check = sock_check,
	.create = pair_create,
	.exercise = sock_exercise,
	.tick = sock_tick,
	.destroy = sock_destroy,
	.bench = &pair_bench,
};
