/* gen_frame.c - the framing every generator's traffic carries (sequence number, length,
 * CRC-32), whole-buffer I/O that survives the watchdog's EINTR, and the two halves of a
 * frame exchange that the stream and datagram mechanisms share. */
#include "gen/gen.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "core/util.h"

#define FRAME_MAGIC 0x1c5cf4a3u

struct frame_hdr {
	uint32_t seq;
	uint32_t len;
	uint32_t crc;    /* over seq, len and the payload */
	uint32_t magic;
};

_Static_assert(sizeof(struct frame_hdr) == GEN_FRAME_HDR, "frame header size");

static uint32_t frame_crc(const unsigned char *buf, size_t size)
{
	uLong c = crc32(0L, Z_NULL, 0);

	c = crc32(c, buf, 8);
	if (size > GEN_FRAME_HDR)
		c = crc32_z(c, buf + GEN_FRAME_HDR, size - GEN_FRAME_HDR);
	return (uint32_t)c;
}

void gen_frame_fill(void *buf, size_t size, uint32_t seq)
{
	unsigned char *b = buf;
	struct frame_hdr h = {seq, (uint32_t)size, 0, FRAME_MAGIC};

	/* The payload depends on seq so that a stale or misplaced frame cannot pass. */
	for (size_t i = GEN_FRAME_HDR; i < size; i++)
		b[i] = (unsigned char)(seq * 31u + i * 7u + (i >> 8));
	memcpy(b, &h, sizeof(h));
	h.crc = frame_crc(b, size);
	memcpy(b, &h, sizeof(h));
}

uint32_t gen_frame_seq(const void *buf)
{
	struct frame_hdr h;

	memcpy(&h, buf, sizeof(h));
	return h.seq;
}

int gen_frame_check(const void *buf, size_t size, uint32_t seq, char *why, size_t whylen)
{
	struct frame_hdr h;

	memcpy(&h, buf, sizeof(h));
	if (h.magic != FRAME_MAGIC) {
		snprintf(why, whylen, "message %u: not a frame (magic %08x)", seq, h.magic);
		return -EBADMSG;
	}
	if (h.seq != seq) {
		snprintf(why, whylen, "message %u: got sequence number %u (out of order or lost)",
			 seq, h.seq);
		return -EBADMSG;
	}
	if (h.len != size) {
		snprintf(why, whylen, "message %u: length %u, expected %zu", seq, h.len, size);
		return -EBADMSG;
	}
	if (frame_crc(buf, size) != h.crc) {
		snprintf(why, whylen, "message %u: checksum mismatch", seq);
		return -EBADMSG;
	}
	return 0;
}

int gen_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	int rc;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EINTR)
			return -errno;
		if ((rc = gen_check()) < 0)
			return rc;
	}
	return 0;
}

int gen_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	int rc;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return -EPIPE;
		if (errno != EINTR)
			return -errno;
		if ((rc = gen_check()) < 0)
			return rc;
	}
	return 0;
}

struct peer_addr {
	struct sockaddr_storage sa;
	socklen_t len;
};

/* One frame of size bytes from fd: a whole datagram, or exactly size bytes of a stream. */
static int recv_frame(int fd, void *buf, size_t size, unsigned flags, struct peer_addr *from)
{
	int rc;

	if (!(flags & GEN_FRAMES_DGRAM))
		return gen_read_all(fd, buf, size);
	for (;;) {
		ssize_t n;

		if (from)
			from->len = sizeof(from->sa);
		n = recvfrom(fd, buf, size, MSG_TRUNC, from ? (struct sockaddr *)&from->sa : NULL,
			     from ? &from->len : NULL);
		if (n == (ssize_t)size)
			return 0;
		if (n >= 0)
			return -EMSGSIZE;
		if (errno != EINTR)
			return -errno;
		if ((rc = gen_check()) < 0)
			return rc;
	}
}

static int send_frame(int fd, const void *buf, size_t size, unsigned flags,
		      const struct peer_addr *to)
{
	int rc;

	/* A connected socket refuses an address (seqpacket) or does not need one. */
	if (!(flags & GEN_FRAMES_ADDR))
		to = NULL;
	if (!(flags & GEN_FRAMES_DGRAM))
		return gen_write_all(fd, buf, size);
	for (;;) {
		ssize_t n = sendto(fd, buf, size, MSG_NOSIGNAL,
				   to && to->len ? (const struct sockaddr *)&to->sa : NULL,
				   to ? to->len : 0);

		if (n == (ssize_t)size)
			return 0;
		if (n >= 0)
			return -EMSGSIZE;
		if (errno != EINTR)
			return -errno;
		if ((rc = gen_check()) < 0)
			return rc;
	}
}

static const char *io_error(int rc)
{
	switch (rc) {
	case -EPIPE:
		return "the other end closed";
	case -EAGAIN:
		return "no reply within the timeout";
	case -EMSGSIZE:
		return "a datagram of the wrong size arrived";
	default:
		return strerror(-rc);
	}
}

int gen_send_frames(struct gen_ctx *ctx, int fd, uint32_t first, unsigned n, unsigned flags)
{
	size_t size = ctx->p->size;
	char *buf = xmalloc(size), *back = xmalloc(size), why[128];
	int rc = 0;

	for (unsigned i = 0; i < n; i++) {
		uint32_t seq = first + i;

		gen_frame_fill(buf, size, seq);
		rc = send_frame(fd, buf, size, flags, NULL);
		if (rc < 0) {
			gen_fail(ctx, rc, "sending message %u: %s", seq,
				 rc == -EMSGSIZE ? "too long for one message" : io_error(rc));
			goto out;
		}
		if (!(flags & GEN_FRAMES_ECHO))
			continue;
		rc = recv_frame(fd, back, size, flags, NULL);
		if (rc < 0) {
			gen_fail(ctx, rc, "receiving the echo of message %u: %s", seq, io_error(rc));
			goto out;
		}
		rc = gen_frame_check(back, size, seq, why, sizeof(why));
		if (rc < 0) {
			gen_fail(ctx, rc, "echo: %s", why);
			goto out;
		}
	}
out:
	free(buf);
	free(back);
	return rc;
}

/* Holding without a fill: the slow traffic may come on any fd, so wait on all of them and
 * on the channel, whose closing ends the peer's part. */
static int peer_slow_traffic(struct gen_ctx *ctx, int ctl, const int *fds, size_t n,
			     unsigned flags, char *buf)
{
	struct pollfd *pfd = xcalloc(n + 1, sizeof(*pfd));
	uint32_t *next = xcalloc(n, sizeof(*next));
	size_t size = ctx->p->size;
	char why[128];
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
		next[i] = ctx->p->messages;
	}
	pfd[n].fd = ctl;
	pfd[n].events = POLLIN;
	for (;;) {
		if (poll(pfd, n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		if (pfd[n].revents)
			goto out;
		for (size_t i = 0; i < n; i++) {
			struct peer_addr from;

			if (!pfd[i].revents)
				continue;
			rc = recv_frame(fds[i], buf, size, flags, &from);
			if (rc == -EPIPE)
				goto out;
			if (rc == 0)
				rc = gen_frame_check(buf, size, next[i], why, sizeof(why));
			else
				snprintf(why, sizeof(why), "receiving: %s", io_error(rc));
			if (rc == 0 && (flags & GEN_FRAMES_ECHO))
				rc = send_frame(fds[i], buf, size, flags, &from);
			if (rc < 0) {
				gen_report(ctl, rc, 0, 0, "%s", why);
				goto out;
			}
			next[i]++;
		}
	}
out:
	free(pfd);
	free(next);
	return rc;
}

int gen_peer_frames(struct gen_ctx *ctx, int ctl, const int *fds, size_t n, unsigned flags)
{
	const struct gen_params *p = ctx->p;
	char *buf = xmalloc(p->size), why[128];
	uint64_t got = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		for (uint32_t seq = 0; seq < p->messages; seq++) {
			struct peer_addr from;

			rc = recv_frame(fds[i], buf, p->size, flags, &from);
			if (rc < 0) {
				gen_report(ctl, rc, got, got * p->size, "object %zu, message %u: %s",
					   i, seq, io_error(rc));
				goto out;
			}
			rc = gen_frame_check(buf, p->size, seq, why, sizeof(why));
			if (rc < 0) {
				gen_report(ctl, rc, got, got * p->size, "object %zu, %s", i, why);
				goto out;
			}
			if (flags & GEN_FRAMES_ECHO) {
				rc = send_frame(fds[i], buf, p->size, flags, &from);
				if (rc < 0) {
					gen_report(ctl, rc, got, got * p->size,
						   "object %zu, echo of %u: %s", i, seq, io_error(rc));
					goto out;
				}
			}
			got++;
		}
	}
	rc = gen_report(ctl, 0, got, got * p->size, NULL);
	if (rc == 0 && p->hold >= 0 && p->fill < 0)
		rc = peer_slow_traffic(ctx, ctl, fds, n, flags, buf);
out:
	free(buf);
	return rc;
}

int gen_tick_frames(struct gen_ctx *ctx, const int *fds, size_t n, unsigned flags)
{
	for (size_t i = 0; i < n; i++) {
		int rc = gen_send_frames(ctx, fds[i], ctx->p->messages + ctx->ticks, 1, flags);

		if (rc < 0)
			return rc;
	}
	return 0;
}

int gen_fill_bytes(int fd, size_t n, size_t chunk)
{
	char buf[4096];
	int fl = fcntl(fd, F_GETFL), rc = 0;

	memset(buf, 'f', sizeof(buf));
	if (fl < 0)
		return -errno;
	/* Never block: a fill that does not fit is an error, not a hang. */
	if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	while (n) {
		size_t len = n < sizeof(buf) ? n : sizeof(buf);
		ssize_t w;

		if (chunk && len > chunk)
			len = chunk;
		w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = -errno;
			break;
		}
		n -= (size_t)w;
	}
	fcntl(fd, F_SETFL, fl);
	return rc == -EWOULDBLOCK ? -EAGAIN : rc;
}
