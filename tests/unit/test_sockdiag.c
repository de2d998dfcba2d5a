/* test_sockdiag.c - sockets: /proc/net text from a real capture and broken text, crafted
 * sock_diag replies (attributes, errors, cut messages), and one live dump of sockets this
 * test makes, checked against what the kernel says about them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "collectors/sockdiag.h"
#include "core/util.h"
#include "fixture.h"

#define SOCKETS (KIND_BIT(KIND_UNIX) | KIND_BIT(KIND_TCP) | KIND_BIT(KIND_UDP))

static struct ipc_object *find(struct snapshot *s, const char *identity)
{
	struct ipc_object *o = snapshot_find_identity(s, identity);

	if (!o)
		fail_msg("no object %s", identity);
	return o;
}

static size_t count_errors(const struct snapshot *s, const char *src, const char *text)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nerrs; i++)
		n += !strcmp(s->errs[i].source, src) && strstr(s->errs[i].message, text);
	return n;
}

static void proc_text(void **state)
{
	struct snapshot s;
	struct ipc_object *o;

	(void)state;
	assert_int_equal(fixture_scan("proc-real", SOCKETS, false, &s), 0);
	/* 8 unix lines, one an embryo with inode 0; tcp: 4 sockets, TIME_WAIT left out. */
	o = find(&s, "unix:62092");
	assert_int_equal(o->inode, 62092);
	assert_int_equal(o->ns, 4026531840ULL);
	assert_string_equal(o->sock_type, "stream");
	assert_string_equal(o->state, "listen");
	assert_string_equal(o->local, "/tmp/cap/srv.sock");
	assert_string_equal(o->name, "/tmp/cap/srv.sock");
	assert_null(o->peer);
	/* What /proc/net/unix lacks stays absent. */
	assert_int_equal(o->peer_inode, 0);
	assert_int_equal(o->rqueue, -1);
	assert_int_equal(o->pending, -1);
	assert_false(o->has_owner);
	o = find(&s, "unix:62091");
	assert_string_equal(o->state, "established");
	assert_null(o->local);
	o = find(&s, "unix:62094");
	assert_string_equal(o->sock_type, "dgram");
	assert_string_equal(o->state, "unconnected");
	assert_string_equal(o->local, "@abstract name");
	assert_null(snapshot_find_inode(&s, KIND_UNIX, 0));

	o = find(&s, "tcp:62095");
	assert_string_equal(o->state, "listen");
	assert_string_equal(o->local, "127.0.0.1:44481");
	assert_null(o->peer);
	assert_int_equal(o->pending, 0);
	assert_int_equal(o->backlog, -1); /* the text has no backlog */
	assert_int_equal(o->rqueue, -1);
	assert_true(o->has_owner);
	assert_true(o->owner_uid_only);
	assert_int_equal(o->uid, 0);
	o = find(&s, "tcp:62097");
	assert_string_equal(o->state, "established");
	assert_string_equal(o->sock_type, "stream");
	assert_string_equal(o->local, "127.0.0.1:44481");
	assert_string_equal(o->peer, "127.0.0.1:39822");
	assert_int_equal(o->rqueue, 10);
	assert_int_equal(o->wqueue, 0);
	assert_string_equal(find(&s, "tcp:1054")->local, "0.0.0.0:2024");
	assert_string_equal(find(&s, "tcp:62100")->local, "[::1]:50377");
	o = find(&s, "udp:62098");
	assert_string_equal(o->state, "unconnected");
	assert_string_equal(o->sock_type, "dgram");
	assert_string_equal(o->local, "127.0.0.1:32839");
	assert_null(o->peer);
	assert_string_equal(find(&s, "udp:62099")->local, "[::1]:60316");
	{
		size_t n[KIND__COUNT] = {0};

		for (size_t i = 0; i < s.nobjs; i++)
			n[s.objs[i]->kind]++;
		assert_int_equal(n[KIND_UNIX], 7);
		assert_int_equal(n[KIND_TCP], 5);
		assert_int_equal(n[KIND_UDP], 2);
	}
	/* What the text lacks is said once. */
	assert_int_equal(count_errors(&s, "/proc/net/unix", "lack peer inode, queue bytes and owner"), 1);
	snapshot_release(&s);
}

static void broken_text(void **state)
{
	struct snapshot s;
	struct ipc_object *o;

	(void)state;
	assert_int_equal(fixture_scan("proc-broken", SOCKETS, false, &s), 0);
	/* Good lines survive the bad ones; a duplicate inode is listed once. */
	o = find(&s, "unix:7001");
	assert_null(o->local);
	o = find(&s, "unix:7003");
	assert_string_equal(o->local, "/run/with spaces/sock");
	assert_string_equal(o->state, "listen");
	assert_non_null(find(&s, "tcp:8001"));
	assert_int_equal(s.nobjs, 3);
	assert_int_equal(count_errors(&s, "/proc/net/unix", "line 3: too few fields"), 1);
	assert_int_equal(count_errors(&s, "/proc/net/unix", "line 4: not a number"), 1);
	assert_int_equal(count_errors(&s, "/proc/net/unix", "line 7: too few fields"), 1); /* cut */
	assert_int_equal(count_errors(&s, "/proc/net/tcp", "line 3: bad address"), 1);
	assert_int_equal(count_errors(&s, "/proc/net/tcp", "line 5: bad address"), 1); /* port */
	assert_int_equal(count_errors(&s, "/proc/net/tcp", "line 7: not a number"), 1);
	assert_int_equal(count_errors(&s, "/proc/net/tcp", "; line skipped"), 5);
	assert_int_equal(count_errors(&s, "/proc/net/tcp", "3 more bad lines skipped"), 1);
	assert_int_equal(count_errors(&s, "/proc/net/udp", "not a socket table"), 1);
	assert_int_equal(count_errors(&s, "/proc/net/udp6", "not a socket table"), 1); /* empty */
	assert_int_equal(count_errors(&s, "/proc/net/tcp6", ""), 0); /* absent: no IPv6 */
	snapshot_release(&s);
}

/* Crafted netlink replies. */
struct nlbuf {
	char data[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
	size_t len;
};

static struct nlmsghdr *nl_put(struct nlbuf *b, uint16_t type, const void *payload, size_t plen)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(b->data + b->len);

	memset(h, 0, NLMSG_SPACE(plen));
	h->nlmsg_len = NLMSG_LENGTH(plen);
	h->nlmsg_type = type;
	memcpy(NLMSG_DATA(h), payload, plen);
	b->len += NLMSG_ALIGN(h->nlmsg_len);
	return h;
}

static void rta_put(struct nlbuf *b, struct nlmsghdr *h, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));

	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
	b->len = (size_t)((char *)h - b->data) + NLMSG_ALIGN(h->nlmsg_len);
}

static int parse(struct snapshot *s, int family, int protocol, const struct nlbuf *b)
{
	struct scan_ctx ctx = {.rootfd = -1, .kinds = SOCKETS, .net_ns = 77};

	return sockdiag_parse(&ctx, s, family, protocol, b->data, b->len);
}

static void netlink_unix(void **state)
{
	struct unix_diag_msg m = {.udiag_family = AF_UNIX, .udiag_type = SOCK_SEQPACKET,
				  .udiag_state = 10, .udiag_ino = 4242};
	struct unix_diag_rqlen q = {.udiag_rqueue = 3, .udiag_wqueue = 128};
	static const char abstract[] = {'\0', 'a', 'b', '\n', '\0', 'c'};
	uint32_t peer = 4343, uid = 1000;
	struct nlbuf b = {.len = 0};
	struct nlmsghdr *h;
	struct snapshot s;
	struct ipc_object *o;

	(void)state;
	snapshot_init(&s);
	h = nl_put(&b, SOCK_DIAG_BY_FAMILY, &m, sizeof(m));
	rta_put(&b, h, UNIX_DIAG_NAME, abstract, sizeof(abstract));
	rta_put(&b, h, UNIX_DIAG_RQLEN, &q, sizeof(q));
	rta_put(&b, h, UNIX_DIAG_UID, &uid, sizeof(uid));
	/* The peer: a connected stream socket with a path, queue bytes and a peer inode. */
	m = (struct unix_diag_msg){.udiag_family = AF_UNIX, .udiag_type = SOCK_STREAM,
				   .udiag_state = 1, .udiag_ino = 4343};
	h = nl_put(&b, SOCK_DIAG_BY_FAMILY, &m, sizeof(m));
	rta_put(&b, h, UNIX_DIAG_NAME, "/run/x.sock", 11);
	peer = 4242;
	rta_put(&b, h, UNIX_DIAG_PEER, &peer, sizeof(peer));
	q = (struct unix_diag_rqlen){.udiag_rqueue = 77, .udiag_wqueue = 768};
	rta_put(&b, h, UNIX_DIAG_RQLEN, &q, sizeof(q));
	/* A third whose attribute claims more than the message holds: the attribute is ignored. */
	m.udiag_ino = 4444;
	h = nl_put(&b, SOCK_DIAG_BY_FAMILY, &m, sizeof(m));
	rta_put(&b, h, UNIX_DIAG_PEER, &peer, sizeof(peer));
	((struct rtattr *)((char *)h + NLMSG_ALIGN(NLMSG_LENGTH(sizeof(m)))))->rta_len = 200;
	assert_int_equal(parse(&s, AF_UNIX, 0, &b), 0);
	sockdiag_link_peers(&s);

	o = find(&s, "unix:4242");
	assert_int_equal(o->ns, 77);
	assert_string_equal(o->sock_type, "seqpacket");
	assert_string_equal(o->state, "listen");
	assert_string_equal(o->local, "@ab?@c");
	assert_int_equal(o->pending, 3);
	assert_int_equal(o->backlog, 128);
	assert_int_equal(o->rqueue, -1);
	assert_int_equal(o->wqueue, -1);
	assert_true(o->has_owner && o->owner_uid_only);
	assert_int_equal(o->uid, 1000);
	o = find(&s, "unix:4343");
	assert_string_equal(o->state, "established");
	assert_string_equal(o->local, "/run/x.sock");
	assert_int_equal(o->peer_inode, 4242);
	assert_string_equal(o->peer, "@ab?@c"); /* the peer's own name */
	assert_int_equal(o->rqueue, 77);
	assert_int_equal(o->wqueue, 768);
	assert_false(o->has_owner);
	o = find(&s, "unix:4444");
	assert_int_equal(o->peer_inode, 0);

	/* The end of the dump, an error reply, and cut bytes. */
	b.len = 0;
	nl_put(&b, NLMSG_DONE, &peer, sizeof(peer));
	assert_int_equal(parse(&s, AF_UNIX, 0, &b), 1);
	b.len = 0;
	{
		struct nlmsgerr e = {.error = -ENOENT};
		nl_put(&b, NLMSG_ERROR, &e, sizeof(e));
	}
	assert_int_equal(parse(&s, AF_UNIX, 0, &b), -ENOENT);
	b.len = 10;
	assert_int_equal(parse(&s, AF_UNIX, 0, &b), -EBADMSG);
	b.len = 0;
	m.udiag_ino = 4545;
	nl_put(&b, SOCK_DIAG_BY_FAMILY, &m, sizeof(m));
	b.len += 8; /* half a header follows */
	assert_int_equal(parse(&s, AF_UNIX, 0, &b), -EBADMSG);
	assert_non_null(find(&s, "unix:4545")); /* what came whole is kept */
	/* A message too short for its body adds nothing. */
	b.len = 0;
	nl_put(&b, SOCK_DIAG_BY_FAMILY, &m, 4);
	assert_int_equal(parse(&s, AF_UNIX, 0, &b), 0);
	assert_int_equal(s.nobjs, 4);
	snapshot_release(&s);
}

static void netlink_inet(void **state)
{
	struct inet_diag_msg m = {.idiag_family = AF_INET6, .idiag_state = 1, .idiag_rqueue = 5,
				  .idiag_wqueue = 9, .idiag_uid = 1001, .idiag_inode = 9001};
	struct nlbuf b = {.len = 0};
	struct snapshot s;
	struct ipc_object *o;

	(void)state;
	snapshot_init(&s);
	inet_pton(AF_INET6, "::1", m.id.idiag_src);
	inet_pton(AF_INET6, "fe80::2", m.id.idiag_dst);
	m.id.idiag_sport = htons(443);
	m.id.idiag_dport = htons(50000);
	nl_put(&b, SOCK_DIAG_BY_FAMILY, &m, sizeof(m));
	m = (struct inet_diag_msg){.idiag_family = AF_INET, .idiag_state = 7, .idiag_inode = 9002};
	inet_pton(AF_INET, "127.0.0.1", m.id.idiag_src);
	m.id.idiag_sport = htons(53);
	nl_put(&b, SOCK_DIAG_BY_FAMILY, &m, sizeof(m));
	m.idiag_inode = 0; /* no inode: not listed */
	nl_put(&b, SOCK_DIAG_BY_FAMILY, &m, sizeof(m));
	m.idiag_family = AF_PACKET; /* not an inet family: not listed */
	m.idiag_inode = 9003;
	nl_put(&b, SOCK_DIAG_BY_FAMILY, &m, sizeof(m));
	assert_int_equal(parse(&s, AF_INET6, IPPROTO_UDP, &b), 0);
	o = find(&s, "udp:9001");
	assert_string_equal(o->local, "[::1]:443");
	assert_string_equal(o->peer, "[fe80::2]:50000");
	assert_string_equal(o->state, "established");
	assert_int_equal(o->rqueue, 5);
	assert_int_equal(o->wqueue, 9);
	assert_int_equal(o->uid, 1001);
	o = find(&s, "udp:9002");
	assert_string_equal(o->local, "127.0.0.1:53");
	assert_null(o->peer);
	assert_string_equal(o->state, "unconnected");
	assert_int_equal(s.nobjs, 2);
	snapshot_release(&s);
}

/* A copy of exactly len bytes on the heap, so that AddressSanitizer sees any read past the
 * reply (the nlbuf array would hide a few bytes of over-read). */
static int parse_exact(struct snapshot *s, int family, int protocol, const void *data, size_t len)
{
	struct scan_ctx ctx = {.rootfd = -1, .kinds = SOCKETS, .net_ns = 77};
	void *copy = xmalloc(len);
	int rc;

	memcpy(copy, data, len);
	rc = sockdiag_parse(&ctx, s, family, protocol, copy, len);
	free(copy);
	return rc;
}

/* Lengths that do not add up (found by fuzzing): a message or attribute is used only when
 * its header and its whole length lie inside the reply, and the walk never leaves it. */
static void netlink_bounds(void **state)
{
	struct unix_diag_msg m = {.udiag_family = AF_UNIX, .udiag_type = SOCK_STREAM,
				  .udiag_state = 1, .udiag_ino = 5150};
	struct nlbuf b = {.len = 0};
	struct nlmsghdr *h;
	struct rtattr *a;
	struct snapshot s;
	struct ipc_object *o;

	(void)state;
	snapshot_init(&s);
	/* 17 bytes: a final message whose length (17) is not a multiple of 4. Past the 17
	 * bytes, where an aligned step would land, lies a whole message that must not be read. */
	b.data[0] = 0x11;
	m.udiag_ino = 999;
	b.len = 20;
	nl_put(&b, SOCK_DIAG_BY_FAMILY, &m, sizeof(m));
	assert_int_equal(sockdiag_parse(&(struct scan_ctx){.rootfd = -1, .kinds = SOCKETS}, &s,
					AF_UNIX, 0, b.data, 17), 0);
	assert_int_equal(s.nobjs, 0);
	assert_int_equal(parse_exact(&s, AF_UNIX, 0, b.data, 17), 0);
	assert_int_equal(s.nobjs, 0);

	/* An attribute of 5 bytes ends a message of 37; the next message starts at 40. Reading
	 * on from the attribute would take that message's header for an attribute. */
	memset(&b, 0, sizeof(b));
	m.udiag_ino = 5150;
	h = nl_put(&b, SOCK_DIAG_BY_FAMILY, &m, sizeof(m));
	a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));
	a->rta_type = UNIX_DIAG_NAME;
	a->rta_len = RTA_LENGTH(1);
	*(char *)RTA_DATA(a) = 'x';
	h->nlmsg_len += a->rta_len;
	b.len = NLMSG_ALIGN(h->nlmsg_len);
	m.udiag_ino = 5151;
	nl_put(&b, SOCK_DIAG_BY_FAMILY, &m, sizeof(m));
	assert_int_equal(parse_exact(&s, AF_UNIX, 0, b.data, b.len), 0);
	assert_string_equal(find(&s, "unix:5150")->local, "x");
	assert_null(find(&s, "unix:5151")->local);
	/* The same message alone, its unaligned end the end of the reply. */
	m.udiag_ino = 5152;
	((struct unix_diag_msg *)NLMSG_DATA(h))->udiag_ino = 5152;
	assert_int_equal(parse_exact(&s, AF_UNIX, 0, b.data, h->nlmsg_len), 0);
	assert_string_equal(find(&s, "unix:5152")->local, "x");

	/* rta_len below an attribute header, and 0: the walk stops, the socket stays. */
	for (unsigned short bad = 0; bad < sizeof(struct rtattr); bad += 2) {
		memset(&b, 0, sizeof(b));
		m.udiag_ino = 5160u + bad;
		h = nl_put(&b, SOCK_DIAG_BY_FAMILY, &m, sizeof(m));
		rta_put(&b, h, UNIX_DIAG_NAME, "/y", 2);
		a = (struct rtattr *)((char *)h + NLMSG_LENGTH(sizeof(m)));
		a->rta_len = bad;
		assert_int_equal(parse_exact(&s, AF_UNIX, 0, b.data, b.len), 0);
		o = find(&s, bad ? "unix:5162" : "unix:5160");
		assert_null(o->local);
	}

	/* A message longer than what was received: the reply was cut; nothing from it is used. */
	memset(&b, 0, sizeof(b));
	m.udiag_ino = 5170;
	h = nl_put(&b, SOCK_DIAG_BY_FAMILY, &m, sizeof(m));
	h->nlmsg_len = 200;
	assert_int_equal(parse_exact(&s, AF_UNIX, 0, b.data, b.len), -EBADMSG);
	assert_null(snapshot_find_inode(&s, KIND_UNIX, 5170));
	/* A message of length 0 (or less than its header) cannot be stepped over. */
	h->nlmsg_len = 0;
	assert_int_equal(parse_exact(&s, AF_UNIX, 0, b.data, b.len), -EBADMSG);
	h->nlmsg_len = 8;
	assert_int_equal(parse_exact(&s, AF_UNIX, 0, b.data, b.len), -EBADMSG);
	assert_null(snapshot_find_inode(&s, KIND_UNIX, 5170));
	/* An empty reply is no message and no error. */
	assert_int_equal(sockdiag_parse(&(struct scan_ctx){.rootfd = -1, .kinds = SOCKETS}, &s,
					AF_UNIX, 0, b.data, 0), 0);
	/* The same cut and unaligned lengths in an inet reply. */
	{
		struct inet_diag_msg im = {.idiag_family = AF_INET, .idiag_state = 7, .idiag_inode = 5180};

		memset(&b, 0, sizeof(b));
		h = nl_put(&b, SOCK_DIAG_BY_FAMILY, &im, sizeof(im));
		h->nlmsg_len -= 1;
		assert_int_equal(parse_exact(&s, AF_INET, IPPROTO_UDP, b.data, h->nlmsg_len), 0);
		assert_null(snapshot_find_inode(&s, KIND_UDP, 5180)); /* too short for its body */
		h->nlmsg_len += 1;
		assert_int_equal(parse_exact(&s, AF_INET, IPPROTO_UDP, b.data, h->nlmsg_len - 1), -EBADMSG);
		assert_int_equal(parse_exact(&s, AF_INET, IPPROTO_UDP, b.data, h->nlmsg_len), 0);
		assert_non_null(snapshot_find_inode(&s, KIND_UDP, 5180));
	}
	assert_int_equal(s.nobjs, 6);
	snapshot_release(&s);
}

/* Sockets this test makes, seen through a real dump. */
static void live_dump(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int sp[2], srv, cli;
	struct stat a, b, l;
	struct snapshot s;
	struct scan_ctx ctx;
	struct ipc_object *o;
	char id[48], buf[77];
	int probe;

	(void)state;
	probe = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (probe < 0) {
		skip();
		return;
	}
	close(probe);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(write(sp[0], buf, sizeof(buf)), 77);
	srv = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/ipcscope-test-sockdiag-%d.sock", (int)getpid());
	unlink(sa.sun_path);
	assert_int_equal(bind(srv, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(srv, 7), 0);
	cli = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(cli, (struct sockaddr *)&sa, sizeof(sa)), 0);
	fstat(sp[0], &a);
	fstat(sp[1], &b);
	fstat(srv, &l);

	snapshot_init(&s);
	assert_int_equal(scan_ctx_init(&ctx, "/", KIND_BIT(KIND_UNIX)), 0);
	assert_true(ctx.live);
	assert_int_equal(scan_run(&ctx, &s), 0);
	scan_ctx_release(&ctx);

	snprintf(id, sizeof(id), "unix:%llu", (unsigned long long)b.st_ino);
	o = find(&s, id);
	assert_int_equal(o->rqueue, 77);
	assert_int_equal(o->peer_inode, a.st_ino);
	assert_string_equal(o->state, "established");
	snprintf(id, sizeof(id), "unix:%llu", (unsigned long long)a.st_ino);
	o = find(&s, id);
	assert_int_equal(o->peer_inode, b.st_ino);
	assert_int_equal(o->rqueue, 0);
	assert_true(o->wqueue >= 77); /* the sender's skb memory, overhead included */
	assert_true(o->has_owner);
	assert_int_equal(o->uid, geteuid());
	snprintf(id, sizeof(id), "unix:%llu", (unsigned long long)l.st_ino);
	o = find(&s, id);
	assert_string_equal(o->state, "listen");
	assert_string_equal(o->local, sa.sun_path);
	assert_int_equal(o->pending, 1); /* the client, not yet accepted */
	assert_int_equal(o->backlog, 7);
	assert_int_equal(count_errors(&s, "sock_diag", ""), 0);
	snapshot_release(&s);
	close(cli);
	close(srv);
	close(sp[0]);
	close(sp[1]);
	unlink(sa.sun_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(proc_text),
		cmocka_unit_test(broken_text),
		cmocka_unit_test(netlink_unix),
		cmocka_unit_test(netlink_inet),
		cmocka_unit_test(netlink_bounds),
		cmocka_unit_test(live_dump),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
