/* sock.h - what the socket generators share: a server end made before the fork and served
 * by the peer (accepting first when the type has connections), a client end in the
 * parent that sends frames and checks their echoes. unix_sock.c and inet.c say which
 * family and type; socketpair lives in sock.c. */
#ifndef IPCSCOPE_SOCK_H
#define IPCSCOPE_SOCK_H

#include <stdbool.h>

#include "gen/bench.h"
#include "gen/gen.h"

struct sock_kind {
	int domain;          /* AF_UNIX or AF_INET */
	int type;            /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	const char *kind;    /* ipcscope's kind: "unix", "tcp", "udp" */
	const char *tname;   /* "stream", "dgram", "seqpacket" */
};

int sock_check(struct gen_ctx *ctx);
/* sock_check, and for unix message types a size that fits one message. */
int sock_msg_check(struct gen_ctx *ctx, const struct sock_kind *k);
/* create() for a family and type; ctx->gen->name names the files. */
int sock_create(struct gen_ctx *ctx, const struct sock_kind *k);
int sock_exercise(struct gen_ctx *ctx);
int sock_tick(struct gen_ctx *ctx);
void sock_destroy(struct gen_ctx *ctx);

/* Bench: a connected pair of k's type, made in the parent before the fork, c->fd[0..1]
 * the parent's end and c->fd[2..3] the peer's. */
int sock_bench_pair(struct bench_chan *c, const struct sock_kind *k);

#endif
