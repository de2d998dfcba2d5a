/* guard.h - a deadline for slow clients.
 *
 * libmicrohttpd's connection timeout counts idle time only: a client that sends one header
 * byte a second keeps its connection (and its slot) forever. The guard gives each
 * connection `timeout` seconds from its start, or from the end of its last request, to
 * deliver a complete request head; past that it shuts the socket down and MHD closes it.
 * Connections whose request is being answered (event streams included) are left alone. */
#ifndef IPCSCOPE_HTTP_GUARD_H
#define IPCSCOPE_HTTP_GUARD_H

#include <pthread.h>
#include <stdbool.h>

#include <microhttpd.h>

struct guard_conn;

struct conn_guard {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct guard_conn *conns;   /* owned, doubly linked */
	unsigned timeout;           /* seconds */
	bool stop, started;
	pthread_t thread;
};

void guard_init(struct conn_guard *g, unsigned timeout);
int guard_start(struct conn_guard *g);
/* Stop the thread; connections still listed are freed by guard_release. */
void guard_stop(struct conn_guard *g);
void guard_release(struct conn_guard *g);

/* MHD_OPTION_NOTIFY_CONNECTION callback (cls is the guard). */
void guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		  enum MHD_ConnectionNotificationCode code);
/* A request's head is in (access handler, first call) / its answer is done. */
void guard_request_begin(struct conn_guard *g, struct MHD_Connection *c);
void guard_request_end(struct conn_guard *g, struct MHD_Connection *c);

#endif
