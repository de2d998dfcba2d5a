/* scanner.c - the background scan: once per interval (or at once on SIGHUP) scan, render
 * the new state, swap it in under the lock and announce it to the event streams. Requests
 * never scan. */
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

struct http_state *server_state(struct http_server *s)
{
	struct http_state *st;

	pthread_mutex_lock(&s->lock);
	st = http_state_get(s->cur);
	pthread_mutex_unlock(&s->lock);
	return st;
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
	int rc;

	s->scans++;
	s->scan_errors += snap->nerrs;
	stats.scans = s->scans;
	stats.scan_errors = s->scan_errors;
	/* The scan thread alone touches seq and the history, so reading cur unlocked here is
	 * safe: only this thread replaces it. */
	rc = http_state_new(snap, s->cur, s->seq + 1, &stats, &s->rules, &st);
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
	pthread_mutex_unlock(&s->lock);
	sse_publish(&s->sse, st->seq, st->event, st->event_len);
	http_state_put(old);
	/* The old state's bodies and objects were just freed; hand the pages back now rather
	 * than carry them into the next scan, whose peak holds two states at once. */
	malloc_trim(0);
	return 0;
}

static void *scan_main(void *arg)
{
	struct http_server *s = arg;

	/* A scan of 10,000 objects is tens of milliseconds of CPU every interval; under load
	 * it should wait for the requests, not the requests for it (Linux nices threads one
	 * by one). Should it fail, that only costs some latency. */
	setpriority(PRIO_PROCESS, (id_t)gettid(), 10);

	pthread_mutex_lock(&s->scan_lock);
	for (;;) {
		struct timespec until;
		double whole;
		struct snapshot snap;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += (long)((s->cfg.interval - (double)(int64_t)s->cfg.interval) * 1e9);
		whole = (double)(int64_t)s->cfg.interval;
		until.tv_sec += (time_t)whole + until.tv_nsec / 1000000000;
		until.tv_nsec %= 1000000000;
		while (!s->stop && !s->rescan)
			if (pthread_cond_timedwait(&s->wake, &s->scan_lock, &until) == ETIMEDOUT)
				break;
		if (s->stop)
			break;
		s->rescan = false;
		pthread_mutex_unlock(&s->scan_lock);

		pthread_mutex_lock(&s->work_lock);
		snapshot_init(&snap);
		/* Errors are in the snapshot; a scan that found nothing at all still publishes,
		 * so /metrics and /healthz show the failure instead of stale figures. */
		scan_run(&s->ctx, &snap);
		scanner_publish(s, &snap);
		pthread_mutex_unlock(&s->work_lock);

		pthread_mutex_lock(&s->scan_lock);
	}
	pthread_mutex_unlock(&s->scan_lock);
	return NULL;
}

int scanner_start(struct http_server *s)
{
	int rc = pthread_create(&s->scanner, NULL, scan_main, s);
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
}

void http_server_rescan(struct http_server *s)
{
	pthread_mutex_lock(&s->scan_lock);
	s->rescan = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->scan_lock);
}
