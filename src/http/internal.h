/* internal.h - the server's parts as they see each other: the published state, the scan
 * thread, the event stream hub and the routes. Not for use outside src/http/. */
#ifndef IPCSCOPE_HTTP_INTERNAL_H
#define IPCSCOPE_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>

#include "collectors/collector.h"
#include "core/expr.h"
#include "http/guard.h"
#include "http/server.h"
#include "http/sse.h"
#include "http/state.h"
#include "http/text.h"
#include "http/web.h"
#include "act/stale.h"

#define HISTORY_MAX 240   /* sparkline samples kept: 8 minutes at the default interval */

struct history_sample {
	int64_t time;
	struct kind_totals totals[KIND__COUNT];
};

struct http_server {
	struct http_config cfg;
	struct MHD_Daemon *daemon;
	uint16_t port;

	pthread_mutex_t lock;          /* guards cur */
	struct http_state *cur;        /* the state requests are answered from */

	struct stale_ctx rules;        /* --older-than, --fifo-dir */
	/* Held by whoever scans and renders: the scan thread, or a clean request. Two scans
	 * at once help nobody. */
	pthread_mutex_t work_lock;

	/* Scan thread: sleeps on wake until the interval passes, a rescan is asked or stop. */
	pthread_t scanner;
	bool scanner_started;
	pthread_mutex_t scan_lock;
	pthread_cond_t wake;
	bool stop, rescan;
	struct scan_ctx ctx;
	uint64_t seq;                  /* of the last state built */
	uint64_t scans, scan_errors;   /* for the counters of /metrics */

	struct history_sample history[HISTORY_MAX]; /* ring, used by the scan thread only */
	size_t hist_n, hist_next;

	struct sse_hub sse;
	struct web_assets web;
	struct conn_guard guard;
};

/* The current state with a reference the caller drops with http_state_put. */
struct http_state *server_state(struct http_server *s);

/* Scan thread (scanner.c). */
int scanner_start(struct http_server *s);
void scanner_stop(struct http_server *s);
/* Publish a freshly scanned snapshot (taken over) as the new current state. 0 or -errno. */
int scanner_publish(struct http_server *s, struct snapshot *snap);

/* The access handler's work for one request (routes.c). con_cls is MHD's per-request
 * pointer; it stays NULL except for request bodies being read. */
enum MHD_Result routes_handle(struct http_server *s, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls);
/* Free what routes_handle left in *con_cls. */
void routes_done(void **con_cls);
/* The checks routes_handle makes before routing, exposed for tests/fuzz: is host (a Host
 * header) a loopback name; is url (as MHD decoded it) a path we answer at all. */
bool routes_loopback_host(const char *host, size_t len);
bool routes_path_ok(const char *url);
/* The query of GET /api/v1/objects, read one argument at a time by routes_query_arg (an
 * MHD_KeyValueIterator; cls is the route_query). err is set on the first bad argument. */
struct route_query {
	struct filter f;
	struct http_ns_filter nf;     /* container=, ns= */
	int stale;          /* -1: any, 0: only live, 1: only stale */
	struct expr *expr;  /* q=; owned, freed by the route */
	char err[TEXT_QUOTE_SIZE + 64];
};
enum MHD_Result routes_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value);
/* A user name or numeric uid, with getpwnam_r: requests run on several threads. 0 or -ENOENT. */
int http_lookup_user(const char *s, uid_t *uid);

#endif
