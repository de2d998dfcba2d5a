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

	pthread_mutex_t lock;          /* guards cur, cur_mono, cur_scan_ns, stopping */
	struct http_state *cur;        /* the state requests are answered from */
	int64_t cur_mono;              /* CLOCK_MONOTONIC ns when cur's scan began */
	int64_t cur_scan_ns;           /* how long that scan took */
	pthread_cond_t fresh;          /* broadcast with lock held when cur is replaced */
	bool stopping;                 /* no more states will come */
	_Atomic int64_t last_demand;   /* CLOCK_MONOTONIC ns of the last request for data */
	_Atomic int64_t objects_demand; /* the same for objects (0: never): scans render them */

	struct stale_ctx rules;        /* --older-than, --fifo-dir */
	/* Held by whoever scans and renders: the scan thread, or a clean request. Two scans
	 * at once help nobody. */
	pthread_mutex_t work_lock;

	/* Scan thread: sleeps on wake until a watched scan is due, a rescan is asked or stop;
	 * with nobody watching, until someone is (see scanner.c). */
	pthread_t scanner;
	bool scanner_started;
	pthread_mutex_t scan_lock;     /* guards the flags, the tid and the two times below */
	pthread_cond_t wake;
	bool stop, rescan;
	bool scanning;                 /* a scan is under way */
	bool idle;                     /* asleep with nobody watching: only a signal wakes it */
	bool urgent;                   /* a request waits for the next scan */
	pid_t scanner_tid;
	int64_t last_scan_start;       /* CLOCK_MONOTONIC ns */
	int64_t last_scan_ns;          /* its scan and rendering */
	struct scan_ctx ctx;
	uint64_t seq;                  /* of the last state built */
	_Atomic uint64_t scans;        /* for the counters of /metrics and /healthz */
	uint64_t scan_errors;

	struct history_sample history[HISTORY_MAX]; /* ring, used by the scan thread only */
	size_t hist_n, hist_next;

	struct sse_hub sse;
	struct web_assets web;
	struct conn_guard guard;
};

/* The current state with a reference the caller drops with http_state_put. */
struct http_state *server_state(struct http_server *s);
/* The same for a request for data: it counts as someone watching, and when the state is
 * older than one interval it waits (bounded) for a fresh scan. */
struct http_state *server_fresh_state(struct http_server *s);
/* The same for a request that reads objects: the scans of the next WATCH_INTERVALS
 * intervals render them with their state, and they are rendered now if the state has
 * none. NULL when that fails. */
struct http_state *server_objects_state(struct http_server *s);
/* Someone watches (an event stream opens): note it and wake the scan thread, no wait. */
void server_demand(struct http_server *s);
/* Seconds since the current state's scan began (CLOCK_MONOTONIC). */
double server_state_age(struct http_server *s);
/* Is anyone watching now? */
bool server_watched(struct http_server *s);
int64_t server_mono_ns(void);

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
