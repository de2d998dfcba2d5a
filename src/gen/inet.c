/* inet.c - TCP and UDP over the loopback interface: a TCP listener with a connected client
 * (Nagle off, so a small message goes at once), and a UDP server with a connected client.
 * UDP drops what a full receiver cannot take, so the client waits for each echo with a
 * timeout, and the bench acknowledges every few datagrams. */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gen/sock.h"

#define UDP_MAX_PAYLOAD 65507   /* 65535 minus the IP and UDP headers */
#define UDP_BENCH_WINDOW 4
#define UDP_BENCH_RCVBUF (4 << 20)

static const struct sock_kind k_tcp = {AF_INET, SOCK_STREAM, "tcp", "stream"};
static const struct sock_kind k_udp = {AF_INET, SOCK_DGRAM, "udp", "dgram"};

static int udp_check(struct gen_ctx *ctx)
{
	if (ctx->p->size > UDP_MAX_PAYLOAD)
		return gen_bad_param(ctx, "--size %zu exceeds the largest UDP payload (%d bytes)",
				     ctx->p->size, UDP_MAX_PAYLOAD);
	return sock_check(ctx);
}

static int tcp_create(struct gen_ctx *ctx)
{
	return sock_create(ctx, &k_tcp);
}

static int udp_create(struct gen_ctx *ctx)
{
	return sock_create(ctx, &k_udp);
}

static int tcp_bench_open(struct bench_chan *c, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	return sock_bench_pair(c, &k_tcp);
}

static int udp_bench_open(struct bench_chan *c, char *why, size_t whylen)
{
	int size = UDP_BENCH_RCVBUF, rc;

	if (c->size > UDP_MAX_PAYLOAD) {
		snprintf(why, whylen, "%zu bytes exceed the largest UDP payload (%d)", c->size,
			 UDP_MAX_PAYLOAD);
		return -EMSGSIZE;
	}
	if ((rc = sock_bench_pair(c, &k_udp)) < 0)
		return rc;
	/* Room for a window of the largest datagrams; FORCE works for root, beyond rmem_max. */
	for (int i = 1; i < 4; i += 2)
		if (setsockopt(c->fd[i], SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
			setsockopt(c->fd[i], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return 0;
}

static const struct bench_ops tcp_bench = {
	.open = tcp_bench_open,
	.send = bench_stream_send,
	.recv = bench_stream_recv,
};

static const struct bench_ops udp_bench = {
	.open = udp_bench_open,
	.send = bench_dgram_send,
	.recv = bench_dgram_recv,
	.window = UDP_BENCH_WINDOW,
};

const struct generator gen_tcp = {
	.name = "tcp",
	.summary = "TCP over loopback: a listener, a connected client, Nagle off",
	.medium = "kernel socket buffer (TCP/IP)",
	.unit = "byte stream",
	.direction = "both ways",
	.scope = "network (here: loopback)",
	.check = sock_check,
	.create = tcp_create,
	.exercise = sock_exercise,
	.tick = sock_tick,
	.destroy = sock_destroy,
	.bench = &tcp_bench,
};

const struct generator gen_udp = {
	.name = "udp",
	.summary = "UDP over loopback: a server and a connected client, echo with timeout",
	.medium = "kernel socket buffer (UDP/IP)",
	.unit = "datagram",
	.direction = "both ways",
	.scope = "network (here: loopback)",
	.check = udp_check,
	.create = udp_create,
	.exercise = sock_exercise,
	.tick = sock_tick,
	.destroy = sock_destroy,
	.bench = &udp_bench,
};
