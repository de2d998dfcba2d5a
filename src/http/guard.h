/* guard.h - a deadline for slow clients and a bound on connections.
 *
 * libmicrohttpd's connection timeout counts idle time only, and restarts on every byte: a
 * client that sends one header or body byte a second keeps its connection (and its slot)
 * forever. The guard gives each connection `timeout` seconds from its start, or from the
 * end of its last answer, to deliver a whole request, head and body; past that it answers
 * 408 itself and shuts the socket down, and MHD closes it. Connections whose request is
 * being answered (event streams included) are left to MHD's own timeout, which a stalled
 * write does not restart.
 *
 * It also holds the connection count to max_conns: each connection past it drops the one
 * that has waited longest for its request to come in (503, or nothing for a keep-alive
 * connection idle since its last answer), so that a new client, a /healthz probe, always
 * gets in, whatever number of idle or slow connections is open. */
#ifndef IPCSCOPE_HTTP_GUARD_H
#define IPCSCOPE_HTTP_GUARD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

struct guard_conn;

struct conn_guard {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct guard_conn *conns;   /* owned, doubly linked, newest first */
	unsigned nconns;            /* listed and not yet cut */
	unsigned timeout;           /* seconds */
	unsigned max_conns;
	bool stop, started;
	pthread_t thread;
};

/* What the URI log callback saw of the request line, for the access handler: the request
 * target before MHD split and unescaped it, the length it had up to its first NUL, and
 * whether its query was cut for holding too many parameters. Only the connection's own
 * thread touches it. */
struct guard_line {
	const char *target;
	size_t len;
	bool many_params;
};

void guard_init(struct conn_guard *g, unsigned timeout, unsigned max_conns);
int guard_start(struct conn_guard *g);
/* Stop the thread; connections still listed are freed by guard_release. */
void guard_stop(struct conn_guard *g);
void guard_release(struct conn_guard *g);

/* MHD_OPTION_NOTIFY_CONNECTION callback (cls is the guard). */
void guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		  enum MHD_ConnectionNotificationCode code);
/* A request line came in on c (the URI log callback): from now on a cut answers it with a
 * status. Returns the notes to fill; NULL when c is not listed. */
struct guard_line *guard_request_line(struct conn_guard *g, struct MHD_Connection *c);
/* The notes on c's current request line, for the access handler; NULL when c is not listed. */
struct guard_line *guard_line(struct MHD_Connection *c);
/* The access handler may answer c now (answering true: the deadline no longer applies),
 * or c's request still waits for its body (false: it applies again). False when the guard
 * has already cut c: its status line was the answer, no other may follow. */
bool guard_request_answering(struct conn_guard *g, struct MHD_Connection *c, bool answering);
/* c's answer is done: the next request's deadline starts now. */
void guard_request_end(struct conn_guard *g, struct MHD_Connection *c);

#endif
