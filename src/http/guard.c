/* guard.c - the slow-client deadline and the connection bound. The guard only writes a
 * status line to, and calls shutdown(2) on, a socket MHD still owns: MHD then sees the
 * connection end and closes and frees it as usual. The lock is held across the shutdown
 * and across the CLOSED notification's unlinking, so the fd is never one MHD has already
 * closed. */
#include "http/guard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/util.h"

struct guard_conn {
	int fd;
	struct timespec mark;     /* connection start, or end of its last answer */
	unsigned served;          /* answers given on it */
	bool started;             /* a request line came in since mark */
	bool answering;
	bool cut;                 /* already shut down */
	struct guard_line line;
	struct guard_conn *prev, *next;
};

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* Drop gc: with a status line when it owes us a request (a keep-alive connection idle since
 * its last answer is closed without one, as HTTP allows), then shutdown(2). Nothing else
 * writes to a connection that is not answering, and the send is one small non-blocking
 * write: a client that does not read simply misses it. Lock held. */
static void cut(struct conn_guard *g, struct guard_conn *gc, unsigned status, const char *reason,
		const char *body)
{
	char buf[256];
	int n;

	if (gc->served == 0 || gc->started) {
		n = snprintf(buf, sizeof(buf),
			     "HTTP/1.1 %u %s\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n"
			     "Content-Length: %zu\r\n\r\n%s",
			     status, reason, strlen(body), body);
		if (n > 0 && (size_t)n < sizeof(buf))
			(void)!send(gc->fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	shutdown(gc->fd, SHUT_RDWR);
	gc->cut = true;
	g->nconns--;
}

/* Past max_conns, drop the connections that have waited longest for their request (the
 * slowest, or idle the longest), never one being answered nor the newcomer. Lock held. */
static void enforce_limit(struct conn_guard *g, struct guard_conn *newcomer)
{
	while (g->nconns > g->max_conns) {
		struct guard_conn *victim = NULL;

		for (struct guard_conn *gc = g->conns; gc; gc = gc->next) {
			if (gc == newcomer || gc->cut || gc->answering)
				continue;
			if (!victim || gc->mark.tv_sec < victim->mark.tv_sec ||
			    (gc->mark.tv_sec == victim->mark.tv_sec && gc->mark.tv_nsec < victim->mark.tv_nsec))
				victim = gc;
		}
		if (!victim)
			return;
		cut(g, victim, 503, "Service Unavailable", "too many connections\n");
	}
}

void guard_init(struct conn_guard *g, unsigned timeout, unsigned max_conns)
{
	pthread_condattr_t ca;

	memset(g, 0, sizeof(*g));
	g->timeout = timeout;
	g->max_conns = max_conns;
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->wake, &ca);
	pthread_condattr_destroy(&ca);
}

static void *guard_main(void *arg)
{
	struct conn_guard *g = arg;

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		struct timespec until;

		for (struct guard_conn *gc = g->conns; gc; gc = gc->next) {
			if (!gc->answering && !gc->cut && since(&gc->mark) > g->timeout)
				cut(g, gc, 408, "Request Timeout", "the request took too long to arrive\n");
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += 250 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&g->wake, &g->lock, &until);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int guard_start(struct conn_guard *g)
{
	int rc = pthread_create(&g->thread, NULL, guard_main, g);

	if (rc)
		return -rc;
	g->started = true;
	return 0;
}

void guard_stop(struct conn_guard *g)
{
	if (!g->started)
		return;
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	g->started = false;
}

void guard_release(struct conn_guard *g)
{
	struct guard_conn *gc = g->conns;

	while (gc) {
		struct guard_conn *next = gc->next;

		free(gc);
		gc = next;
	}
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	memset(g, 0, sizeof(*g));
}

void guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		  enum MHD_ConnectionNotificationCode code)
{
	struct conn_guard *g = cls;
	struct guard_conn *gc = *socket_context;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!ci)
			return;
		gc = xcalloc(1, sizeof(*gc));
		gc->fd = ci->connect_fd;
		clock_gettime(CLOCK_MONOTONIC, &gc->mark);
		pthread_mutex_lock(&g->lock);
		gc->next = g->conns;
		if (g->conns)
			g->conns->prev = gc;
		g->conns = gc;
		g->nconns++;
		enforce_limit(g, gc);
		pthread_mutex_unlock(&g->lock);
		*socket_context = gc;
		return;
	}
	if (!gc)
		return;
	pthread_mutex_lock(&g->lock);
	if (gc->prev)
		gc->prev->next = gc->next;
	else
		g->conns = gc->next;
	if (gc->next)
		gc->next->prev = gc->prev;
	if (!gc->cut)
		g->nconns--;
	pthread_mutex_unlock(&g->lock);
	free(gc);
	*socket_context = NULL;
}

static struct guard_conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

struct guard_line *guard_line(struct MHD_Connection *c)
{
	struct guard_conn *gc = conn_of(c);

	return gc ? &gc->line : NULL;
}

struct guard_line *guard_request_line(struct conn_guard *g, struct MHD_Connection *c)
{
	struct guard_conn *gc = conn_of(c);

	if (!gc)
		return NULL;
	pthread_mutex_lock(&g->lock);
	gc->started = true;
	pthread_mutex_unlock(&g->lock);
	return &gc->line;
}

bool guard_request_answering(struct conn_guard *g, struct MHD_Connection *c, bool answering)
{
	struct guard_conn *gc = conn_of(c);
	bool ok;

	if (!gc)
		return true;
	pthread_mutex_lock(&g->lock);
	ok = !gc->cut;
	gc->answering = ok && answering;
	pthread_mutex_unlock(&g->lock);
	return ok;
}

void guard_request_end(struct conn_guard *g, struct MHD_Connection *c)
{
	struct guard_conn *gc = conn_of(c);

	if (!gc)
		return;
	memset(&gc->line, 0, sizeof(gc->line));
	pthread_mutex_lock(&g->lock);
	gc->answering = false;
	gc->started = false;
	gc->served++;
	clock_gettime(CLOCK_MONOTONIC, &gc->mark);
	pthread_mutex_unlock(&g->lock);
}
