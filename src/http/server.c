/* server.c - start and stop: the listening socket (ours, so that a bind error can be told
 * precisely), libmicrohttpd with a small thread pool on epoll and the limits that keep a
 * hostile or slow client from costing more than one slot, and the order of shutdown. */
#include "http/server.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/kinds.h"
#include "core/util.h"
#include "http/head.h"
#include "http/internal.h"

#define DEFAULT_MAX_CONNECTIONS 256 /* the guard's bound; MHD's is twice that (see below) */
#define DEFAULT_TIMEOUT 15       /* seconds a client has to send a whole request */
#define MEMORY_LIMIT (32u << 10) /* per connection: request line and headers must fit */
#define MAX_THREADS 4

/* While the access handler runs it may queue an answer, so the guard holds off; a call
 * that leaves the request waiting for more of its body gives the deadline back. A
 * connection the guard has cut already had its status line. */
static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c, const char *url,
				 const char *method, const char *version, const char *upload,
				 size_t *upload_size, void **con_cls)
{
	struct http_server *s = cls;
	bool last = *con_cls && *upload_size == 0;
	enum MHD_Result ret;

	if (!guard_request_answering(&s->guard, c, true))
		return MHD_NO;
	ret = routes_handle(s, c, url, method, version, upload, upload_size, con_cls);
	if (*con_cls && !last)
		guard_request_answering(&s->guard, c, false);
	return ret;
}

static void completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;

	(void)toe;
	routes_done(con_cls);
	guard_request_end(&s->guard, c);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* MHD's own unescaping turns %00 into a NUL that silently ends the path ("/index.html%00.js"
 * would read as "/index.html"). Ours turns it into \x01, a control byte the routes refuse. */
static size_t unescape_cb(void *cls, struct MHD_Connection *c, char *s)
{
	char *w = s;
	const char *r = s;

	(void)cls;
	(void)c;
	while (*r) {
		int hi, lo;

		if (r[0] == '%' && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0) {
			*w++ = (char)(hi * 16 + lo) ? (char)(hi * 16 + lo) : '\x01';
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

static int listen_socket(struct http_server *s, char *err, size_t errlen)
{
	const struct sockaddr *sa = (const struct sockaddr *)&s->cfg.addr;
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	int fd, one = 1, rc;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot create a socket: %s", strerror(errno));
		return rc;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::1] means IPv6 loopback only, not every IPv4 address too. */
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* A long backlog: a burst of connections must not fill it, or a probe's SYN is
	 * dropped and retried a second later however fast the guard makes room. */
	if (bind(fd, sa, s->cfg.addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot listen: %s", strerror(errno));
		close(fd);
		return rc;
	}
	if (getsockname(fd, (struct sockaddr *)&bound, &blen) == 0)
		s->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
							    : ((struct sockaddr_in *)&bound)->sin_port);
	return fd;
}

static unsigned thread_count(unsigned want)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (want)
		return want;
	if (n < 1)
		n = 1;
	return n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

static void server_free(struct http_server *s)
{
	http_state_put(s->cur);
	sse_release(&s->sse);
	web_release(&s->web);
	guard_release(&s->guard);
	scan_ctx_release(&s->ctx);
	pthread_cond_destroy(&s->wake);
	pthread_cond_destroy(&s->fresh);
	pthread_mutex_destroy(&s->scan_lock);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->work_lock);
	free(s);
}

int http_server_start(const struct http_config *cfg, struct snapshot *first,
		      struct http_server **out, char *err, size_t errlen)
{
	struct http_server *s = xcalloc(1, sizeof(*s));
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
	unsigned threads = thread_count(cfg->threads);
	pthread_condattr_t ca;
	int fd, rc;

	s->cfg = *cfg;
	if (!s->cfg.max_connections)
		s->cfg.max_connections = DEFAULT_MAX_CONNECTIONS;
	if (!s->cfg.timeout)
		s->cfg.timeout = DEFAULT_TIMEOUT;
	s->ctx.rootfd = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->scan_lock, NULL);
	pthread_mutex_init(&s->work_lock, NULL);
	stale_ctx_init(&s->rules, 0);
	/* 0 is a real answer (every idle object): only "not given" keeps clean's default. */
	if (cfg->older_than >= 0)
		s->rules.older_than = cfg->older_than;
	s->rules.fifo_dirs = cfg->fifo_dirs;
	s->rules.nfifo_dirs = cfg->nfifo_dirs;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &ca);
	pthread_cond_init(&s->fresh, &ca);
	pthread_condattr_destroy(&ca);
	sse_init(&s->sse);
	guard_init(&s->guard, s->cfg.timeout, s->cfg.max_connections);
	web_init(&s->web, NULL); /* replaced below when --web-root is given */

	if (cfg->web_root) {
		web_release(&s->web);
		rc = web_init(&s->web, cfg->web_root);
		if (rc < 0) {
			snprintf(err, errlen, "cannot open web root '%s': %s", cfg->web_root, strerror(-rc));
			snapshot_release(first);
			goto fail;
		}
	}
	rc = scan_ctx_init(&s->ctx, cfg->root, KINDS_SERVE); /* signal: see kinds.h */
	if (rc < 0) {
		snprintf(err, errlen, "cannot open root '%s': %s", cfg->root ? cfg->root : "/", strerror(-rc));
		snapshot_release(first);
		goto fail;
	}
	s->ctx.want_limits = true;
	s->ctx.fifo_dirs = cfg->fifo_dirs;
	s->ctx.nfifo_dirs = cfg->nfifo_dirs;
	s->ctx.all_ns = true;
	s->ctx.select = cfg->select;
	rc = scanner_publish(s, first);
	if (rc < 0) {
		snprintf(err, errlen, "cannot render the first snapshot: %s", strerror(-rc));
		goto fail;
	}
	fd = listen_socket(s, err, errlen);
	if (fd < 0) {
		rc = fd;
		goto fail;
	}
	if (cfg->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, access_cb, s,
				     MHD_OPTION_LISTEN_SOCKET, fd,
				     MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 0,
				     /* At its limit MHD stops accepting, and a new client waits in
				      * the backlog behind every idle one. The guard keeps the count
				      * to max_connections by dropping the longest-waiting; MHD's own
				      * limit is only a backstop for the drops still being closed. */
				     MHD_OPTION_CONNECTION_LIMIT, 2 * s->cfg.max_connections,
				     /* Idle time: what still drops a client that stops reading
				      * its answer (the guard leaves answers alone). A second more
				      * than the guard's deadline, so that a slow request meets the
				      * guard first and gets its 408. */
				     MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.timeout + 1,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MEMORY_LIMIT,
				     MHD_OPTION_NOTIFY_COMPLETED, completed_cb, s,
				     MHD_OPTION_NOTIFY_CONNECTION, guard_notify, &s->guard,
				     MHD_OPTION_UNESCAPE_CALLBACK, unescape_cb, s,
				     MHD_OPTION_URI_LOG_CALLBACK, head_log_cb, s,
				     /* HTTP/1.1 without Host, bad header syntax: 400, not a guess. */
				     MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
				     MHD_OPTION_END);
	if (!s->daemon) {
		close(fd);
		rc = -EIO;
		snprintf(err, errlen, "cannot start the HTTP server (libmicrohttpd refused its options)");
		goto fail;
	}
	rc = guard_start(&s->guard);
	if (rc == 0)
		rc = scanner_start(s);
	if (rc < 0) {
		snprintf(err, errlen, "cannot start a thread: %s", strerror(-rc));
		http_server_stop(s);
		return rc;
	}
	*out = s;
	return 0;
fail:
	server_free(s);
	return rc;
}

uint16_t http_server_port(const struct http_server *s)
{
	return s->port;
}

void http_server_stop(struct http_server *s)
{
	MHD_socket lfd = MHD_INVALID_SOCKET;

	if (!s)
		return;
	scanner_stop(s);
	if (s->daemon) {
		/* No new clients, then end the streams (no connection may stay suspended when
		 * the daemon stops), then stop; the quiesced socket is ours to close. */
		lfd = MHD_quiesce_daemon(s->daemon);
		sse_shutdown(&s->sse);
		guard_stop(&s->guard);
		MHD_stop_daemon(s->daemon);
		if (lfd != MHD_INVALID_SOCKET)
			close(lfd);
	}
	server_free(s);
}
