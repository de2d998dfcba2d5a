/* scanner.c - the background scan and when it runs. A scan renders the new state, swaps
 * it in under the lock and announces it to the event streams. Requests never scan, but
 * they say that someone looks, and wait for a scan when what there is is too old.
 *
 * The policy: while someone is watching (an event stream is open, or data was asked for
 * within the last WATCH_INTERVALS intervals) a scan runs once per interval, started a
 * little early so that the next state is in place before the last one is an interval
 * old. Otherwise nothing runs: the server costs nothing while nobody looks. A request for
 * data that finds the state older than one interval asks for a scan and waits for it (at
 * most FRESH_WAIT plus twice the last scan's time), so nobody is served data older than
 * one interval while scans keep up. SIGHUP scans at once either way. */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/kinds.h"
#include "core/util.h"
#include "http/internal.h"
#include "http/reply.h"

#define WATCH_INTERVALS 3          /* a request keeps the scans going this long */
#define FRESH_WAIT 2000000000LL    /* ns a request waits for a fresh scan, beyond 2 scans */

struct http_state *server_state(struct http_server *s)
{
	struct http_state *st;

	pthread_mutex_lock(&s->lock);
	st = http_state_get(s->cur);
	pthread_mutex_unlock(&s->lock);
	return st;
}

int64_t server_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t interval_ns(const struct http_server *s)
{
	return (int64_t)(s->cfg.interval * 1e9);
}

/* Is anyone watching: an event stream open, or data asked for lately? */
static bool watching(struct http_server *s, int64_t now)
{
	return sse_clients(&s->sse) > 0 ||
	       now - atomic_load(&s->last_demand) < WATCH_INTERVALS * interval_ns(s);
}

double server_state_age(struct http_server *s)
{
	int64_t began;

	pthread_mutex_lock(&s->lock);
	began = s->cur_mono;
	pthread_mutex_unlock(&s->lock);
	return (double)(server_mono_ns() - began) / 1e9;
}

bool server_watched(struct http_server *s)
{
	return watching(s, server_mono_ns());
}

/* Someone wants data now: note it, and wake the scan thread if it sleeps without a
 * deadline (nobody was watching) or the state is too old. Returns the seq of the current
 * state when a scan was asked for it, 0 otherwise. */
static uint64_t demand(struct http_server *s, int64_t now)
{
	uint64_t old = 0;
	bool wake;

	atomic_store(&s->last_demand, now);
	/* Lock order: scan_lock, then lock. With scanning false under scan_lock, no state is
	 * being published: cur is the newest there is. */
	pthread_mutex_lock(&s->scan_lock);
	pthread_mutex_lock(&s->lock);
	if (now - s->cur_mono > interval_ns(s))
		old = s->cur->seq;
	pthread_mutex_unlock(&s->lock);
	/* A scan under way is fresh enough: it began after the state went stale. Someone
	 * waits for it now, so it runs at the requests' priority (without CAP_SYS_NICE that
	 * fails, and it stays niced). */
	if (old && !s->scanning)
		s->rescan = true;
	if (old) {
		s->urgent = true;
		if (s->scanning && s->scanner_tid)
			setpriority(PRIO_PROCESS, (id_t)s->scanner_tid, 0);
	}
	wake = s->rescan || s->idle;
	if (wake)
		pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->scan_lock);
	return old;
}

void server_demand(struct http_server *s)
{
	demand(s, server_mono_ns());
}

struct http_state *server_fresh_state(struct http_server *s)
{
	int64_t now = server_mono_ns();
	uint64_t old = demand(s, now);
	struct http_state *st;

	pthread_mutex_lock(&s->lock);
	if (old) {
		int64_t until = now + FRESH_WAIT + 2 * s->cur_scan_ns;
		struct timespec ts = {(time_t)(until / 1000000000), (long)(until % 1000000000)};

		while (s->cur->seq == old && !s->stopping)
			if (pthread_cond_timedwait(&s->fresh, &s->lock, &ts) == ETIMEDOUT)
				break;
	}
	st = http_state_get(s->cur);
	pthread_mutex_unlock(&s->lock);
	return st;
}

struct http_state *server_objects_state(struct http_server *s)
{
	struct http_state *st;

	atomic_store(&s->objects_demand, server_mono_ns());
	st = server_fresh_state(s);
	if (http_state_objects(st) < 0) {
		http_state_put(st);
		return NULL;
	}
	return st;
}

/* Are objects read: an event stream open (its messages compare them), or a request for
 * them within the last WATCH_INTERVALS intervals? Then a scan renders them with its state,
 * so that nobody waits for that; otherwise the first request that wants them does. */
static bool objects_watched(struct http_server *s, int64_t now)
{
	int64_t d = atomic_load(&s->objects_demand);

	return sse_clients(&s->sse) > 0 || (d && now - d < WATCH_INTERVALS * interval_ns(s));
}

/* The sparkline history as {"interval", "kinds", "samples": [{"time", "count", "bytes"}]},
 * with count and bytes as arrays in the order of kinds. */
static int render_history(struct http_server *s, struct http_state *st)
{
	json_t *doc, *kinds = json_array(), *samples = json_array();
	size_t first = (s->hist_next + HISTORY_MAX - s->hist_n) % HISTORY_MAX;
	char etag[24], *body;

	for (int k = 0; k < KIND__COUNT; k++)
		json_array_append_new(kinds, json_string(kind_name((enum ipc_kind)k)));
	for (size_t i = 0; i < s->hist_n; i++) {
		const struct history_sample *h = &s->history[(first + i) % HISTORY_MAX];
		json_t *count = json_array(), *bytes = json_array();

		for (int k = 0; k < KIND__COUNT; k++) {
			json_array_append_new(count, json_integer((json_int_t)h->totals[k].count));
			json_array_append_new(bytes, json_integer((json_int_t)h->totals[k].bytes));
		}
		json_array_append_new(samples, json_pack("{s:I, s:o, s:o}", "time", (json_int_t)h->time,
							 "count", count, "bytes", bytes));
	}
	doc = json_pack("{s:f, s:o, s:o}", "interval", s->cfg.interval, "kinds", kinds, "samples", samples);
	body = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (!body)
		return -ENOMEM;
	snprintf(etag, sizeof(etag), "W/\"%016" PRIx64 "\"", http_hash(HASH_INIT, body, strlen(body)));
	return reply_body_init(&st->history, body, strlen(body), TYPE_JSON, etag);
}

int scanner_publish(struct http_server *s, struct snapshot *snap)
{
	struct prom_stats stats = {0};
	struct http_state *st, *old;
	struct history_sample *h;
	/* Its age counts from when the scan began. */
	int64_t began = server_mono_ns() - snap->scan_ns, scan_ns = snap->scan_ns;
	int rc;

	s->scans++;
	s->scan_errors += snap->nerrs;
	stats.scans = s->scans;
	stats.top = s->cfg.metrics_top;
	stats.scan_errors = s->scan_errors;
	/* The scan thread alone touches seq and the history, so reading cur unlocked here is
	 * safe: only this thread replaces it. */
	rc = http_state_build(snap, s->cur, s->seq + 1, &stats, &s->rules,
			      objects_watched(s, server_mono_ns()), &st);
	if (rc < 0)
		return rc;
	s->seq++;
	h = &s->history[s->hist_next];
	h->time = st->time;
	memcpy(h->totals, st->totals, sizeof(h->totals));
	s->hist_next = (s->hist_next + 1) % HISTORY_MAX;
	if (s->hist_n < HISTORY_MAX)
		s->hist_n++;
	rc = render_history(s, st);
	if (rc < 0) {
		http_state_put(st);
		return rc;
	}
	pthread_mutex_lock(&s->lock);
	old = s->cur;
	s->cur = st;
	s->cur_mono = began;
	s->cur_scan_ns = scan_ns;
	pthread_cond_broadcast(&s->fresh);
	pthread_mutex_unlock(&s->lock);
	/* Without its objects a state has no event: a stream resuming across it resyncs. */
	sse_publish(&s->sse, st->seq, st->event, st->event_len);
	http_state_put(old);
	return 0;
}

/* When the next watched scan is due: an interval after the last one began, less what a
 * scan takes (and some slack), so that its state is in place before the last one is an
 * interval old; never more than a quarter interval early. And never sooner than a quarter
 * interval after the last one ended: on a machine too loaded for a scan to fit in an
 * interval, the scans must not run back to back. */
static int64_t next_due(const struct http_server *s)
{
	int64_t lead = s->last_scan_ns + s->last_scan_ns / 2 + 20000000;
	int64_t due, rest = s->last_scan_start + s->last_scan_ns + interval_ns(s) / 4;

	if (lead > interval_ns(s) / 4)
		lead = interval_ns(s) / 4;
	due = s->last_scan_start + interval_ns(s) - lead;
	return due > rest ? due : rest;
}

static void *scan_main(void *arg)
{
	struct http_server *s = arg;
	bool trimmed = false;          /* since the last scan */

	pthread_mutex_lock(&s->scan_lock);
	s->scanner_tid = gettid();
	for (;;) {
		struct snapshot snap;

		while (!s->stop && !s->rescan) {
			int64_t now = server_mono_ns(), due = next_due(s);
			struct timespec until = {(time_t)(due / 1000000000), (long)(due % 1000000000)};

			if (!watching(s, now)) {
				/* Nobody looks: hand back the pages the scans left free (while
				 * scans come every interval they are kept, or the next scan
				 * would fault them all in again), outside the lock that
				 * requests take; then sleep until a request, a stream, SIGHUP
				 * or stop. */
				if (!trimmed) {
					trimmed = true;
					pthread_mutex_unlock(&s->scan_lock);
					malloc_trim(0);
					pthread_mutex_lock(&s->scan_lock);
					continue;
				}
				s->idle = true;
				pthread_cond_wait(&s->wake, &s->scan_lock);
				s->idle = false;
				continue;
			}
			if (now >= due)
				break;
			pthread_cond_timedwait(&s->wake, &s->scan_lock, &until);
		}
		if (s->stop)
			break;
		/* A scan of 10,000 objects is tens of milliseconds of CPU every interval; under
		 * load it should wait for the requests, not the requests for it (Linux nices
		 * threads one by one), unless a request waits for it. Should it fail, that only
		 * costs some latency. */
		setpriority(PRIO_PROCESS, (id_t)s->scanner_tid, s->urgent ? 0 : 10);
		s->urgent = false;
		s->rescan = false;
		s->scanning = true;
		trimmed = false;
		s->last_scan_start = server_mono_ns();
		pthread_mutex_unlock(&s->scan_lock);

		pthread_mutex_lock(&s->work_lock);
		snapshot_init(&snap);
		/* Errors are in the snapshot; a scan that found nothing at all still publishes,
		 * so /metrics and /healthz show the failure instead of stale figures. */
		scan_run(&s->ctx, &snap);
		scanner_publish(s, &snap);
		pthread_mutex_unlock(&s->work_lock);

		pthread_mutex_lock(&s->scan_lock);
		s->scanning = false;
		s->last_scan_ns = server_mono_ns() - s->last_scan_start;
	}
	pthread_mutex_unlock(&s->scan_lock);
	return NULL;
}

int scanner_start(struct http_server *s)
{
	int rc;

	/* The first state (serve's own first scan) counts as the last scan made. */
	s->last_scan_start = s->cur_mono;
	s->last_scan_ns = s->cur_scan_ns;
	rc = pthread_create(&s->scanner, NULL, scan_main, s);
	if (rc)
		return -rc;
	s->scanner_started = true;
	return 0;
}

void scanner_stop(struct http_server *s)
{
	if (!s->scanner_started)
		return;
	pthread_mutex_lock(&s->scan_lock);
	s->stop = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->scan_lock);
	pthread_join(s->scanner, NULL);
	s->scanner_started = false;
	/* Requests waiting for a fresh state get what there is. */
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->fresh);
	pthread_mutex_unlock(&s->lock);
}

void http_server_rescan(struct http_server *s)
{
	pthread_mutex_lock(&s->scan_lock);
	s->rescan = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->scan_lock);
}
