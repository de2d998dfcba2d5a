/* guard.c - the slow-client deadline. The thread only calls shutdown(2) on a socket MHD
 * still owns: MHD then sees the connection end and closes and frees it as usual. The lock
 * is held across the shutdown and across the CLOSED notification's unlinking, so the fd is
 * never one MHD has already closed. */
#include "http/guard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/util.h"

struct guard_conn {
	int fd;
	struct timespec mark;     /* connection start, or end of its last request */
	bool in_request;
	bool cut;                 /* already shut down */
	struct guard_conn *prev, *next;
};

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

void guard_init(struct conn_guard *g, unsigned timeout)
{
	pthread_condattr_t ca;

	memset(g, 0, sizeof(*g));
	g->timeout = timeout;
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
			if (!gc->in_request && !gc->cut && since(&gc->mark) > g->timeout) {
				shutdown(gc->fd, SHUT_RDWR);
				gc->cut = true;
			}
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
	pthread_mutex_unlock(&g->lock);
	free(gc);
	*socket_context = NULL;
}

static struct guard_conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

void guard_request_begin(struct conn_guard *g, struct MHD_Connection *c)
{
	struct guard_conn *gc = conn_of(c);

	if (!gc)
		return;
	pthread_mutex_lock(&g->lock);
	gc->in_request = true;
	pthread_mutex_unlock(&g->lock);
}

void guard_request_end(struct conn_guard *g, struct MHD_Connection *c)
{
	struct guard_conn *gc = conn_of(c);

	if (!gc)
		return;
	pthread_mutex_lock(&g->lock);
	gc->in_request = false;
	clock_gettime(CLOCK_MONOTONIC, &gc->mark);
	pthread_mutex_unlock(&g->lock);
}
