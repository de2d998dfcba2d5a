/* server.h - `ipcscope serve`: the HTTP server (libmicrohttpd), its background scan and the
 * routes of the dashboard, the JSON API and /metrics.
 *
 * The server never prints: start reports what went wrong in a message buffer, and the
 * command decides what to say. */
#ifndef IPCSCOPE_HTTP_SERVER_H
#define IPCSCOPE_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/snapshot.h"

struct ns_select;

#define HTTP_DEFAULT_PORT 9412
#define HTTP_DEFAULT_LISTEN "127.0.0.1:9412"

struct http_config {
	struct sockaddr_storage addr;   /* where to listen; port 0 lets the kernel choose */
	socklen_t addrlen;
	bool loopback;                  /* addr is a loopback address: Host headers are checked */
	double interval;                /* seconds between scans while watched; the oldest data
					 * a request is given (see scanner.c) */
	size_t metrics_top;             /* /metrics: per-object series for this many queues and
					 * segments */
	const char *root;               /* tree to scan, NULL for "/"; borrowed */
	const char *web_root;           /* serve web/ from this directory; NULL: embedded */
	bool allow_clean;               /* POST /api/v1/clean exists */
	const char *token;              /* its bearer token; borrowed */
	unsigned threads;               /* request threads; 0: one per CPU, at most 4 */
	unsigned max_connections;       /* 0: default */
	unsigned timeout;               /* seconds of silence before a client is dropped; 0: default */
	int64_t older_than;             /* stale rules' idle time in seconds; -1: clean's default */
	const char *const *fifo_dirs;   /* --fifo-dir: FIFOs there are listed and may be stale */
	size_t nfifo_dirs;
	/* Every scan reads every namespace it can (all of them as root); -N bounds that to
	 * these. NULL: no -N. Borrowed. */
	const struct ns_select *select;
};

struct http_server;

/* Start serving. first is the initial snapshot (taken over). On error returns -errno and
 * writes one line into err. */
int http_server_start(const struct http_config *cfg, struct snapshot *first,
		      struct http_server **out, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
uint16_t http_server_port(const struct http_server *s);
/* Ask the scan thread for a scan now (SIGHUP). */
void http_server_rescan(struct http_server *s);
/* Stop: no new connections, event streams ended, threads joined, everything freed. */
void http_server_stop(struct http_server *s);

#endif
