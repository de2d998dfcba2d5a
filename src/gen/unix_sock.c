/* unix_sock.c - unix domain sockets bound to a path, of the three types: stream (a byte
 * stream over a connection), seqpacket (messages over a connection, boundaries kept) and
 * dgram (messages without a connection; the client binds a path of its own so that the
 * server can answer it). */
#include <sys/socket.h>

#include "gen/sock.h"

static const struct sock_kind k_stream = {AF_UNIX, SOCK_STREAM, "unix", "stream"};
static const struct sock_kind k_dgram = {AF_UNIX, SOCK_DGRAM, "unix", "dgram"};
static const struct sock_kind k_seqpacket = {AF_UNIX, SOCK_SEQPACKET, "unix", "seqpacket"};

static int dgram_check(struct gen_ctx *ctx)
{
	return sock_msg_check(ctx, &k_dgram);
}

static int seqpacket_check(struct gen_ctx *ctx)
{
	return sock_msg_check(ctx, &k_seqpacket);
}

static int stream_create(struct gen_ctx *ctx)
{
	return sock_create(ctx, &k_stream);
}

static int dgram_create(struct gen_ctx *ctx)
{
	return sock_create(ctx, &k_dgram);
}

static int seqpacket_create(struct gen_ctx *ctx)
{
	return sock_create(ctx, &k_seqpacket);
}

static int stream_bench_open(struct bench_chan *c, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	return sock_bench_pair(c, &k_stream);
}

static int dgram_bench_open(struct bench_chan *c, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	return sock_bench_pair(c, &k_dgram);
}

static int seqpacket_bench_open(struct bench_chan *c, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	return sock_bench_pair(c, &k_seqpacket);
}

static const struct bench_ops stream_bench = {
	.open = stream_bench_open,
	.send = bench_stream_send,
	.recv = bench_stream_recv,
};

static const struct bench_ops dgram_bench = {
	.open = dgram_bench_open,
	.send = bench_dgram_send,
	.recv = bench_dgram_recv,
};

static const struct bench_ops seqpacket_bench = {
	.open = seqpacket_bench_open,
	.send = bench_dgram_send,
	.recv = bench_dgram_recv,
};

const struct generator gen_unix_stream = {
	.name = "unix-stream",
	.summary = "unix stream socket: a listener on a path, a connected client",
	.medium = "kernel socket buffer",
	.unit = "byte stream",
	.direction = "both ways",
	.scope = "any process on the host, by path",
	.check = sock_check,
	.create = stream_create,
	.exercise = sock_exercise,
	.tick = sock_tick,
	.destroy = sock_destroy,
	.bench = &stream_bench,
};

const struct generator gen_unix_dgram = {
	.name = "unix-dgram",
	.summary = "unix datagram socket: a server on a path, a client bound to its own",
	.medium = "kernel socket buffer",
	.unit = "datagram",
	.direction = "both ways",
	.scope = "any process on the host, by path",
	.check = dgram_check,
	.create = dgram_create,
	.exercise = sock_exercise,
	.tick = sock_tick,
	.destroy = sock_destroy,
	.bench = &dgram_bench,
};

const struct generator gen_unix_seqpacket = {
	.name = "unix-seqpacket",
	.summary = "unix seqpacket socket: connected, message boundaries kept",
	.medium = "kernel socket buffer",
	.unit = "message",
	.direction = "both ways",
	.scope = "any process on the host, by path",
	.check = seqpacket_check,
	.create = seqpacket_create,
	.exercise = sock_exercise,
	.tick = sock_tick,
	.destroy = sock_destroy,
	.bench = &seqpacket_bench,
};
