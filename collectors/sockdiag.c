/* sockdiag.c - unix, TCP and UDP sockets, one NETLINK_SOCK_DIAG dump per family.
 *
 * A dump answers, for every socket of the scanner's network namespace, what ss shows: state,
 * addresses, the unix peer's inode and queue bytes. Sockets of other network namespaces are
 * not in it; the process side (procfd.c) meets them through fds and lists them with what it
 * can know. When a dump cannot be had (sock_diag missing, or a --root tree that is not the
 * running system) /proc/net text gives the same objects minus the unix peer, queues and
 * owner, and the snapshot errors say so. TIME_WAIT and SYN_RECV request sockets are left
 * out: they have no inode and no process holds them. */
#include "sockdiag.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/util.h"

#define NET_MAX_FILE (512u << 20)
#define DUMP_BUF (32u << 10)   /* the kernel fills at most 32 KiB per dump read */
#define MAX_BAD_LINES 5        /* per file; then one summary line */

/* TCP state numbers as include/net/tcp_states.h has them; unix and UDP reuse them. */
static const char *const tcp_states[] = {
	[1] = "established", [2] = "syn-sent",  [3] = "syn-recv",   [4] = "fin-wait-1",
	[5] = "fin-wait-2",  [6] = "time-wait", [7] = "close",      [8] = "close-wait",
	[9] = "last-ack",    [10] = "listen",   [11] = "closing",   [12] = "new-syn-recv",
	[13] = "bound-inactive",
};
#define TCP_STATE_TIME_WAIT 6
#define TCP_STATE_CLOSE 7
#define TCP_STATE_NEW_SYN_RECV 12

static const char *state_name(int kind, unsigned st)
{
	/* A unix or UDP socket in TCP_CLOSE is simply not connected. */
	if (st == TCP_STATE_CLOSE && kind != KIND_TCP)
		return "unconnected";
	if (st < ARRAY_SIZE(tcp_states) && tcp_states[st])
		return tcp_states[st];
	return "unknown";
}

const char *sockdiag_type_name(unsigned type)
{
	switch (type) {
	case SOCK_STREAM:
		return "stream";
	case SOCK_DGRAM:
		return "dgram";
	case SOCK_SEQPACKET:
		return "seqpacket";
	}
	return NULL;
}

static const char *kind_prefix(int kind)
{
	return kind == KIND_UNIX ? "unix" : kind == KIND_TCP ? "tcp" : "udp";
}

/* A listening socket's two queue figures are connections, not bytes: the accept queue and
 * its limit, as the kernel reports them in place of the byte counts. */
static void listen_queues(struct ipc_object *o)
{
	if (!o->state || strcmp(o->state, "listen"))
		return;
	o->pending = o->rqueue;
	o->backlog = o->wqueue;
	o->rqueue = o->wqueue = -1;
}

/* A new socket object, or NULL when inode is 0 or already listed. */
static struct ipc_object *sock_new(struct scan_ctx *ctx, struct snapshot *snap, int kind,
				   uint64_t ino)
{
	char identity[48];
	struct ipc_object *o;

	if (!ino || snapshot_find_inode(snap, kind, ino))
		return NULL;
	snprintf(identity, sizeof(identity), "%s:%" PRIu64, kind_prefix(kind), ino);
	o = object_new((enum ipc_kind)kind, identity);
	o->inode = ino;
	o->ns = ctx->net_ns;
	o->ns_pid = ctx->ns_pid;
	return o;
}

/* A unix name as ss and /proc/net/unix print it: abstract names start with '@', and the
 * NULs and other control bytes inside them are shown as '@' and '?'. */
static char *unix_name(const char *raw, size_t len)
{
	char *s;

	while (len && raw[len - 1] == '\0' && raw[0] != '\0')
		len--; /* a pathname may be sent with its terminating NUL */
	if (!len)
		return NULL;
	s = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)raw[i];
		s[i] = c == '\0' ? '@' : (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	s[len] = '\0';
	return s;
}

/* Decimal digits of v at p; returns the end. */
static char *put_dec(char *p, unsigned v)
{
	char tmp[12];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* "a.b.c.d:port" or "[v6]:port". Written by hand rather than with asprintf: a host with
 * 30,000 TCP connections formats 60,000 of these, and the printf family was a quarter of
 * the socket dump's time. IPv6 text is inet_ntop's (its zero compression). */
static char *inet_addr_text(int family, const void *addr, unsigned port)
{
	char buf[INET6_ADDRSTRLEN + 16], *p = buf;

	if (family == AF_INET) {
		const unsigned char *b = addr;

		for (int i = 0; i < 4; i++) {
			if (i)
				*p++ = '.';
			p = put_dec(p, b[i]);
		}
	} else if (family != AF_INET6) {
		*p++ = '?';
	} else {
		*p++ = '[';
		if (inet_ntop(family, addr, p, INET6_ADDRSTRLEN))
			p += strlen(p);
		else
			*p++ = '?';
		*p++ = ']';
	}
	*p++ = ':';
	p = put_dec(p, port);
	*p = '\0';
	return xstrdup(buf);
}

static bool addr_is_any(int family, const void *addr)
{
	static const unsigned char zero[16];
	return !memcmp(addr, zero, family == AF_INET6 ? 16 : 4);
}

/* Fill local and peer of an inet socket; a peer that is all zeros is no peer. */
static void inet_fill(struct ipc_object *o, int family, const void *src, unsigned sport,
		      const void *dst, unsigned dport)
{
	o->local = inet_addr_text(family, src, sport);
	if (dport || !addr_is_any(family, dst))
		o->peer = inet_addr_text(family, dst, dport);
}

/* The walks below replace NLMSG_OK/NLMSG_NEXT and RTA_OK/RTA_NEXT: those subtract the
 * aligned length from what is left, so a last message or attribute whose length is not a
 * multiple of 4 turns the unsigned remainder into a huge number and the walk reads on past
 * the buffer. Here a piece is used only when its header and its whole length lie inside
 * what is left; the step to the next one is its aligned length, and a step that would pass
 * the end (only a final, unpadded piece has one) ends the walk at the end. */

/* Offset of the piece after the one of length plen at off, in a buffer of len bytes. */
static size_t walk_step(size_t off, size_t plen, size_t len, size_t align)
{
	size_t step = (plen + align - 1) & ~(align - 1);

	return step > len - off ? len : off + step;
}

/* The attribute at off among len bytes of attributes, or NULL when none fits there. */
static const struct rtattr *attr_at(const char *base, size_t len, size_t off)
{
	const struct rtattr *a;

	if (off > len || len - off < sizeof(*a))
		return NULL;
	a = (const struct rtattr *)(base + off);
	if (a->rta_len < sizeof(*a) || a->rta_len > len - off)
		return NULL;
	return a;
}

/* h is a whole message of mlen bytes (sockdiag_parse checked it). */
static void unix_msg(struct scan_ctx *ctx, struct snapshot *snap, const struct nlmsghdr *h,
		     size_t mlen)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	size_t len = mlen - NLMSG_HDRLEN, off;
	const char *attrs = (const char *)m;
	struct ipc_object *o;
	const struct rtattr *a;

	if (len < sizeof(*m))
		return;
	o = sock_new(ctx, snap, KIND_UNIX, m->udiag_ino);
	if (!o)
		return;
	o->sock_type = (char *)sockdiag_type_name(m->udiag_type);
	o->state = (char *)state_name(KIND_UNIX, m->udiag_state);
	/* A broken attribute ends the walk: what follows it cannot be found. */
	for (off = NLMSG_ALIGN(sizeof(*m)); (a = attr_at(attrs, len, off));
	     off = walk_step(off, a->rta_len, len, RTA_ALIGNTO)) {
		const void *p = RTA_DATA(a);
		size_t plen = a->rta_len - RTA_LENGTH(0);

		switch (a->rta_type) {
		case UNIX_DIAG_NAME:
			free(o->local);
			o->local = unix_name(p, plen);
			break;
		case UNIX_DIAG_PEER:
			if (plen >= sizeof(uint32_t))
				o->peer_inode = *(const uint32_t *)p;
			break;
		case UNIX_DIAG_RQLEN:
			if (plen >= sizeof(struct unix_diag_rqlen)) {
				const struct unix_diag_rqlen *q = p;
				o->rqueue = q->udiag_rqueue;
				o->wqueue = q->udiag_wqueue;
			}
			break;
		case UNIX_DIAG_UID:
			if (plen >= sizeof(uint32_t)) {
				o->has_owner = true;
				o->owner_uid_only = true;
				o->uid = *(const uint32_t *)p;
			}
			break;
		}
	}
	if (o->local)
		o->name = xstrdup(o->local);
	listen_queues(o);
	snapshot_add(snap, o);
}

static void inet_msg(struct scan_ctx *ctx, struct snapshot *snap, int kind,
		     const struct nlmsghdr *h, size_t mlen)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	int family;
	struct ipc_object *o;

	if (mlen - NLMSG_HDRLEN < sizeof(*m))
		return;
	family = m->idiag_family;
	if (family != AF_INET && family != AF_INET6)
		return;
	o = sock_new(ctx, snap, kind, m->idiag_inode);
	if (!o)
		return;
	o->sock_type = (char *)(kind == KIND_TCP ? "stream" : "dgram");
	o->state = (char *)state_name(kind, m->idiag_state);
	inet_fill(o, family, m->id.idiag_src, ntohs(m->id.idiag_sport), m->id.idiag_dst,
		  ntohs(m->id.idiag_dport));
	o->rqueue = m->idiag_rqueue;
	o->wqueue = m->idiag_wqueue;
	listen_queues(o);
	o->has_owner = true;
	o->owner_uid_only = true;
	o->uid = m->idiag_uid;
	snapshot_add(snap, o);
}

int sockdiag_parse(struct scan_ctx *ctx, struct snapshot *snap, int family, int protocol,
		   const void *buf, size_t len)
{
	int kind = family == AF_UNIX ? KIND_UNIX : protocol == IPPROTO_TCP ? KIND_TCP : KIND_UDP;
	const char *base = buf;
	size_t off = 0;

	while (off < len) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)(base + off);
		size_t mlen;

		/* Fewer bytes left than a header, or a message that claims more than was received
		 * or less than its own header: the reply was cut or is garbage. */
		if (len - off < sizeof(*h))
			return -EBADMSG;
		mlen = h->nlmsg_len;
		if (mlen < sizeof(*h) || mlen > len - off)
			return -EBADMSG;
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (mlen - NLMSG_HDRLEN < sizeof(*e) || e->error >= 0)
				return -EBADMSG;
			return e->error;
		}
		/* TCPDIAG_GETSOCK: the answer to a request of the older form (tcp_both). */
		if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY || (kind == KIND_TCP && h->nlmsg_type == TCPDIAG_GETSOCK)) {
			if (kind == KIND_UNIX)
				unix_msg(ctx, snap, h, mlen);
			else
				inet_msg(ctx, snap, kind, h, mlen);
		}
		off = walk_step(off, mlen, len, NLMSG_ALIGNTO);
	}
	return 0;
}

/* One dump over nl; the request is family-specific. 0 or -errno. */
static int dump(struct scan_ctx *ctx, struct snapshot *snap, int nl, int family, int protocol,
		void *req, size_t reqlen, char *buf)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	int rc;

	if (sendto(nl, req, reqlen, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(nl, buf, DUMP_BUF, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EBADMSG;
		rc = sockdiag_parse(ctx, snap, family, protocol, buf, (size_t)n);
		if (rc)
			return rc < 0 ? rc : 0;
	}
}

static int dump_unix(struct scan_ctx *ctx, struct snapshot *snap, int nl, char *buf)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req r;
	} req = {
		.nlh = {.nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
		.r = {.sdiag_family = AF_UNIX, .udiag_states = ~0u,
		      .udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID},
	};
	return dump(ctx, snap, nl, AF_UNIX, 0, &req, sizeof(req), buf);
}

static int dump_inet(struct scan_ctx *ctx, struct snapshot *snap, int nl, int family,
		     int protocol, char *buf)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req = {
		.nlh = {.nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
		.r = {.sdiag_family = (uint8_t)family, .sdiag_protocol = (uint8_t)protocol,
		      .idiag_states = 0xffffu & ~((1u << TCP_STATE_TIME_WAIT) | (1u << TCP_STATE_NEW_SYN_RECV))},
	};
	return dump(ctx, snap, nl, family, protocol, &req, sizeof(req), buf);
}

/* TCP over IPv4 and IPv6 in one dump. Every TCP dump walks the kernel's established hash,
 * which is host-wide and sized by memory (262,144 buckets on a small VM), filtering by
 * network namespace: reading 50 namespaces walked it 100 times. The older request form
 * (TCPDIAG_GETSOCK, struct inet_diag_req) dumps with family AF_UNSPEC, both families in one
 * walk; each answer names its own family. -errno when the kernel refuses it (then the two
 * family dumps are made). */
static int dump_tcp_both(struct scan_ctx *ctx, struct snapshot *snap, int nl, char *buf)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req r;
	} req = {
		.nlh = {.nlmsg_len = sizeof(req), .nlmsg_type = TCPDIAG_GETSOCK,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
		.r = {.idiag_family = AF_INET,
		      .idiag_states = 0xffffu & ~((1u << TCP_STATE_TIME_WAIT) | (1u << TCP_STATE_NEW_SYN_RECV))},
	};
	return dump(ctx, snap, nl, AF_INET, IPPROTO_TCP, &req, sizeof(req), buf);
}

/* Bad lines are reported one by one up to a few, then counted. */
struct bad_lines {
	const char *source;
	unsigned n;
};

static void bad_line(struct snapshot *snap, struct bad_lines *b, unsigned lineno, const char *why)
{
	if (++b->n <= MAX_BAD_LINES)
		snapshot_error(snap, b->source, "line %u: %s; line skipped", lineno, why);
}

static void bad_lines_done(struct snapshot *snap, struct bad_lines *b)
{
	if (b->n > MAX_BAD_LINES)
		snapshot_error(snap, b->source, "%u more bad lines skipped", b->n - MAX_BAD_LINES);
}

/* Next line of text (NUL-terminated in place), or NULL at the end. */
static char *next_line(char **p)
{
	char *line = *p, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = NULL;
	}
	return line;
}

static int hex_u64(const char *s, uint64_t *v)
{
	return s[0] ? parse_u64_base(s, 16, v) : -EINVAL;
}

/* Unix "St" column (socket_state) and flag __SO_ACCEPTCON into the dump's state words. */
static const char *unix_proc_state(uint64_t flags, uint64_t st)
{
	if (flags & 0x10000)
		return "listen";
	switch (st) {
	case 1:
		return "unconnected";
	case 2:
		return "syn-sent";
	case 3:
		return "established";
	case 4:
		return "closing";
	}
	return "unknown";
}

int sockdiag_parse_proc_unix(struct scan_ctx *ctx, struct snapshot *snap, const char *source,
			     char *text)
{
	struct bad_lines bad = {source, 0};
	char *p = text, *line;
	unsigned lineno = 1;

	line = next_line(&p);
	if (!line || strncmp(line, "Num", 3) || !strstr(line, "Inode"))
		return -EINVAL;
	while ((line = next_line(&p))) {
		char *f[7], *rest;
		uint64_t flags, type, st, ino;
		struct ipc_object *o;
		size_t n;

		lineno++;
		if (!*line)
			continue;
		/* Seven fields, then the path, which may hold blanks, to the end of the line. */
		rest = line;
		for (n = 0; n < 7; n++) {
			while (*rest == ' ')
				rest++;
			if (!*rest)
				break;
			f[n] = rest;
			rest += strcspn(rest, " ");
			if (*rest)
				*rest++ = '\0';
		}
		if (n < 7) {
			bad_line(snap, &bad, lineno, "too few fields");
			continue;
		}
		if (hex_u64(f[3], &flags) < 0 || hex_u64(f[4], &type) < 0 || hex_u64(f[5], &st) < 0 ||
		    parse_u64(f[6], &ino) < 0) {
			bad_line(snap, &bad, lineno, "not a number where one belongs");
			continue;
		}
		o = sock_new(ctx, snap, KIND_UNIX, ino);
		if (!o)
			continue;
		o->sock_type = (char *)sockdiag_type_name((unsigned)type);
		o->state = (char *)unix_proc_state(flags, st);
		if (*rest) {
			o->local = xstrdup(rest);
			o->name = xstrdup(rest);
		}
		snapshot_add(snap, o);
	}
	bad_lines_done(snap, &bad);
	return 0;
}

/* "0100007F:1F90": the address as the kernel's %08X of each 32-bit word in host order,
 * then the port. */
static int proc_inet_addr(char *s, int family, unsigned char addr[16], unsigned *port)
{
	size_t words = family == AF_INET6 ? 4 : 1;
	char *colon = strchr(s, ':');
	uint64_t v;

	if (!colon || (size_t)(colon - s) != words * 8)
		return -EINVAL;
	*colon = '\0';
	if (hex_u64(colon + 1, &v) < 0 || v > 0xffff)
		return -EINVAL;
	*port = (unsigned)v;
	for (size_t i = 0; i < words; i++) {
		char word[9];
		uint32_t w;

		memcpy(word, s + 8 * i, 8);
		word[8] = '\0';
		if (hex_u64(word, &v) < 0)
			return -EINVAL;
		w = (uint32_t)v;
		memcpy(addr + 4 * i, &w, 4);
	}
	return 0;
}

int sockdiag_parse_proc_inet(struct scan_ctx *ctx, struct snapshot *snap, const char *source,
			     char *text, int kind, int family)
{
	struct bad_lines bad = {source, 0};
	char *p = text, *line;
	unsigned lineno = 1;

	line = next_line(&p);
	if (!line || !strstr(line, "local_address") || !strstr(line, "inode"))
		return -EINVAL;
	while ((line = next_line(&p))) {
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode ... */
		char *f[10], *colon;
		unsigned char src[16] = {0}, dst[16] = {0};
		unsigned sport, dport;
		uint64_t st, tx, rx, uid, ino;
		struct ipc_object *o;

		lineno++;
		if (split_fields(line, f, ARRAY_SIZE(f)) < ARRAY_SIZE(f)) {
			if (*line)
				bad_line(snap, &bad, lineno, "too few fields");
			continue;
		}
		colon = strchr(f[4], ':');
		if (proc_inet_addr(f[1], family, src, &sport) < 0 ||
		    proc_inet_addr(f[2], family, dst, &dport) < 0) {
			bad_line(snap, &bad, lineno, "bad address");
			continue;
		}
		if (!colon || (*colon = '\0', hex_u64(f[4], &tx) < 0) || hex_u64(colon + 1, &rx) < 0 ||
		    hex_u64(f[3], &st) < 0 || parse_u64(f[7], &uid) < 0 || uid > UINT32_MAX ||
		    parse_u64(f[9], &ino) < 0) {
			bad_line(snap, &bad, lineno, "not a number where one belongs");
			continue;
		}
		if (st == TCP_STATE_TIME_WAIT || st == TCP_STATE_NEW_SYN_RECV)
			continue;
		o = sock_new(ctx, snap, kind, ino);
		if (!o)
			continue;
		o->sock_type = (char *)(kind == KIND_TCP ? "stream" : "dgram");
		o->state = (char *)state_name(kind, (unsigned)st);
		inet_fill(o, family, src, sport, dst, dport);
		o->rqueue = (int64_t)rx;
		o->wqueue = (int64_t)tx;
		listen_queues(o);
		o->backlog = -1; /* the text shows the accept queue but not its limit */
		o->has_owner = true;
		o->owner_uid_only = true;
		o->uid = (uid_t)uid;
		snapshot_add(snap, o);
	}
	bad_lines_done(snap, &bad);
	return 0;
}

void sockdiag_link_peers(struct snapshot *snap)
{
	for (size_t i = 0; i < snap->nobjs; i++) {
		struct ipc_object *o = snap->objs[i], *peer;

		if (o->kind != KIND_UNIX || !o->peer_inode || o->peer)
			continue;
		peer = snapshot_find_inode(snap, KIND_UNIX, o->peer_inode);
		if (peer && peer->local)
			o->peer = xstrdup(peer->local);
	}
}

/* (local, peer) -> the first two connections with that pair, so that a connection that is
 * its own peer (a self-connect) still finds another. Open addressing over v's indexes. */
struct tcp_slot {
	size_t h;               /* hash of (local, peer); slot empty when a == SIZE_MAX */
	size_t a, b;            /* indexes into v; b SIZE_MAX when one */
};

static size_t tcp_hash(const char *local, const char *peer)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a over local, a separator, peer */

	for (; *local; local++)
		h = (h ^ (unsigned char)*local) * 1099511628211ULL;
	h = (h ^ 0x100) * 1099511628211ULL;
	for (; *peer; peer++)
		h = (h ^ (unsigned char)*peer) * 1099511628211ULL;
	return (size_t)h;
}

static struct tcp_slot *tcp_slot(struct tcp_slot *t, size_t cap, struct ipc_object **v,
				 const char *local, const char *peer, size_t h)
{
	size_t mask = cap - 1, i = h & mask;

	while (t[i].a != SIZE_MAX &&
	       !(t[i].h == h && !strcmp(v[t[i].a]->local, local) && !strcmp(v[t[i].a]->peer, peer)))
		i = (i + 1) & mask;
	return &t[i];
}

/* Both ends of a TCP connection inside one network namespace (loopback, or two addresses
 * of the host) are in its dump: the end whose local address is my peer's and whose peer
 * is my local one is my peer. */
static void tcp_link_peers(struct snapshot *snap, uint64_t ns)
{
	struct ipc_object **v = NULL;
	struct tcp_slot *t;
	size_t n = 0, cap = 0, tcap = 16;

	for (size_t i = 0; i < snap->nobjs; i++) {
		struct ipc_object *o = snap->objs[i];

		if (o->kind == KIND_TCP && o->ns == ns && o->local && o->peer && !o->peer_inode &&
		    o->state && strcmp(o->state, "listen")) {
			xgrow((void **)&v, &cap, n + 1, sizeof(*v));
			v[n++] = o;
		}
	}
	if (n < 2) {
		free(v);
		return;
	}
	while (tcap < n * 2)
		tcap *= 2;
	t = xmalloc(tcap * sizeof(*t));
	for (size_t i = 0; i < tcap; i++)
		t[i].a = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		size_t h = tcp_hash(v[i]->local, v[i]->peer);
		struct tcp_slot *e = tcp_slot(t, tcap, v, v[i]->local, v[i]->peer, h);

		if (e->a == SIZE_MAX)
			*e = (struct tcp_slot){.h = h, .a = i, .b = SIZE_MAX};
		else if (e->b == SIZE_MAX)
			e->b = i;
	}
	for (size_t i = 0; i < n; i++) {
		size_t h = tcp_hash(v[i]->peer, v[i]->local);
		struct tcp_slot *e = tcp_slot(t, tcap, v, v[i]->peer, v[i]->local, h);
		size_t m = e->a != i ? e->a : e->b;

		if (m != SIZE_MAX)
			v[i]->peer_inode = v[m]->inode;
	}
	free(t);
	free(v);
}

/* The tables a family has in /proc/net. */
struct table {
	int kind;
	int family;
	int protocol;
	const char *path;   /* relative to the root */
};

static const struct table tables[] = {
	{KIND_UNIX, AF_UNIX, 0, "proc/net/unix"},
	{KIND_TCP, AF_INET, IPPROTO_TCP, "proc/net/tcp"},
	{KIND_TCP, AF_INET6, IPPROTO_TCP, "proc/net/tcp6"},
	{KIND_UDP, AF_INET, IPPROTO_UDP, "proc/net/udp"},
	{KIND_UDP, AF_INET6, IPPROTO_UDP, "proc/net/udp6"},
};

/* 1 when the table was read, 0 when it is absent and that is normal, or -errno. */
static int read_proc_table(struct scan_ctx *ctx, struct snapshot *snap, const struct table *t)
{
	char path[96], source[100], *text = NULL;
	int rc;

	/* The namespace being read: proc/net (the scanner's) or proc/PID/net of a process in
	 * another network namespace. */
	snprintf(path, sizeof(path), "%s/%s", ctx->net_dir, t->path + strlen("proc/net/"));
	snprintf(source, sizeof(source), "/%s", path);
	rc = read_file_at(ctx->rootfd, path, NET_MAX_FILE, &text, NULL);
	/* No IPv6 on this host, or a fixture tree that carries no socket tables. */
	if (rc == -ENOENT && (t->family == AF_INET6 || !ctx->live))
		return 0;
	if (rc < 0) {
		snapshot_error(snap, source, "cannot read: %s", strerror(-rc));
		return rc;
	}
	if (t->kind == KIND_UNIX)
		rc = sockdiag_parse_proc_unix(ctx, snap, source, text);
	else
		rc = sockdiag_parse_proc_inet(ctx, snap, source, text, t->kind, t->family);
	if (rc < 0)
		snapshot_error(snap, source, "not a socket table (unexpected header); ignored");
	free(text);
	return rc < 0 ? rc : 1;
}

/* How many sockets of a protocol ("TCP", "UDP", "TCP6", "UDP6") the network namespace being
 * read has in its hashes, from <net_dir>/sockstat{,6}; -1 unknown. A socket outside them
 * (unbound, never connected) is in no dump either. */
static long sockets_in_use(struct scan_ctx *ctx, const char *file, const char *proto)
{
	char path[96], *text = NULL, key[16];
	const char *p;
	long n = -1;

	snprintf(path, sizeof(path), "%s/%s", ctx->net_dir, file);
	snprintf(key, sizeof(key), "\n%s: inuse ", proto);
	if (read_file_at(ctx->rootfd, path, 4096, &text, NULL) < 0)
		return -1;
	/* The first line has no newline before it: look from a newline put in front. */
	{
		char *all = xasprintf("\n%s", text);

		p = strstr(all, key);
		if (p) {
			char *end;

			errno = 0;
			n = strtol(p + strlen(key), &end, 10);
			if (errno || end == p + strlen(key) || n < 0)
				n = -1;
		}
		free(all);
	}
	free(text);
	return n;
}

/* Every TCP or UDP dump walks a host-wide hash table, whatever the namespace holds: another
 * network namespace's dump is skipped when its sockstat says it has no such socket (every
 * container without TCP costs nothing). The scanner's own is always dumped. */
static bool nothing_to_dump(struct scan_ctx *ctx, int kind)
{
	const char *p4 = kind == KIND_TCP ? "TCP" : "UDP", *p6 = kind == KIND_TCP ? "TCP6" : "UDP6";

	if (!ctx->ns_pid || !ctx->live || (kind != KIND_TCP && kind != KIND_UDP))
		return false;
	return sockets_in_use(ctx, "sockstat", p4) == 0 && sockets_in_use(ctx, "sockstat6", p6) == 0;
}

static int collect(struct scan_ctx *ctx, struct snapshot *snap)
{
	int nl = -1, nlerr = 0, failed = 0, tried = 0, rc;
	bool unix_from_text = false, any_from_text = false;
	bool none_tcp = nothing_to_dump(ctx, KIND_TCP), none_udp = nothing_to_dump(ctx, KIND_UDP);
	char *buf = NULL;

	if (ctx->live) {
		nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
		if (nl < 0)
			nlerr = errno;
		else
			buf = xmalloc(DUMP_BUF);
	}
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		const struct table *t = &tables[i];

		if (!(ctx->kinds & KIND_BIT(t->kind)))
			continue;
		if ((t->kind == KIND_TCP && none_tcp) || (t->kind == KIND_UDP && none_udp))
			continue;
		tried++;
		if (nl >= 0 && t->kind == KIND_TCP && t->family == AF_INET && dump_tcp_both(ctx, snap, nl, buf) == 0) {
			i++; /* the next table, TCP over IPv6, came with it */
			continue;
		}
		if (nl >= 0) {
			rc = t->family == AF_UNIX ? dump_unix(ctx, snap, nl, buf)
						  : dump_inet(ctx, snap, nl, t->family, t->protocol, buf);
			if (rc == 0)
				continue;
			snapshot_error(snap, "sock_diag", "%s dump failed (%s): read /%s instead",
				       t->path + strlen("proc/net/"), strerror(-rc), t->path);
		}
		any_from_text = true;
		rc = read_proc_table(ctx, snap, t);
		if (rc < 0)
			failed++;
		unix_from_text |= rc > 0 && t->kind == KIND_UNIX;
	}
	if (ctx->live && nl < 0 && any_from_text)
		snapshot_error(snap, "sock_diag", "unavailable (%s): sockets read from /proc/net text",
			       strerror(nlerr));
	if (unix_from_text)
		snapshot_error(snap, "/proc/net/unix",
			       "%s: unix sockets lack peer inode, queue bytes and owner",
			       ctx->live ? "read from text" : "not the running system, read from text");
	if (nl >= 0)
		close(nl);
	free(buf);
	sockdiag_link_peers(snap);
	tcp_link_peers(snap, ctx->net_ns);
	return tried && failed == tried ? -EIO : 0;
}

const struct collector sockdiag_collector = {
	.name = "sockdiag",
	.per_ns = true,
	.ns = NS_NET,
	.kinds = KIND_BIT(KIND_UNIX) | KIND_BIT(KIND_TCP) | KIND_BIT(KIND_UDP),
	.collect = collect,
};
