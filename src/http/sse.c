/* sse.c - the event stream. Lock order: the hub lock may be held while calling
 * MHD_suspend_connection (MHD allows that from a content reader), but MHD_resume_connection
 * is called only after the lock is dropped; MHD's own free callback never takes the lock,
 * it only marks the client closed, and closed clients are reaped under the lock later. */
#include "http/sse.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "http/reply.h"

struct sse_client {
	struct sse_hub *hub;
	struct MHD_Connection *conn;
	uint64_t last_seq;         /* newest message queued for this client */
	char *msg;                 /* message being sent; owned */
	size_t len, pos;
	bool suspended;            /* by us, under the lock */
	bool ending;               /* evicted: its stream ends after the current message */
	atomic_bool closed;        /* set by MHD's free callback: the connection is over */
	struct sse_client *next;
};

void sse_init(struct sse_hub *h)
{
	memset(h, 0, sizeof(*h));
	pthread_mutex_init(&h->lock, NULL);
}

static void client_free(struct sse_client *cl)
{
	free(cl->msg);
	free(cl);
}

/* Drop closed clients. Called with the lock held. A closed client is never suspended:
 * MHD does not end a suspended connection, and we stop the daemon only after resuming all. */
static void reap(struct sse_hub *h)
{
	struct sse_client **pp = &h->clients;

	while (*pp) {
		struct sse_client *cl = *pp;

		if (atomic_load(&cl->closed) && !cl->suspended) {
			*pp = cl->next;
			h->nclients--;
			h->nending -= cl->ending;
			client_free(cl);
		} else {
			pp = &cl->next;
		}
	}
}

void sse_release(struct sse_hub *h)
{
	struct sse_client *cl = h->clients;

	while (cl) {
		struct sse_client *next = cl->next;

		client_free(cl);
		cl = next;
	}
	for (size_t i = 0; i < SSE_RING; i++)
		free(h->ring[i].msg);
	pthread_mutex_destroy(&h->lock);
	memset(h, 0, sizeof(*h));
}

/* Resume the clients whose pointers are in v (n of them); the lock is not held. */
static void resume_all(struct sse_client **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		MHD_resume_connection(v[i]->conn);
	free(v);
}

/* Mark every suspended client resumed and return them, to be resumed after unlocking. */
static struct sse_client **take_suspended(struct sse_hub *h, size_t *n)
{
	struct sse_client **v = xcalloc(h->nclients + 1, sizeof(*v));

	*n = 0;
	for (struct sse_client *cl = h->clients; cl; cl = cl->next) {
		if (cl->suspended) {
			cl->suspended = false;
			v[(*n)++] = cl;
		}
	}
	return v;
}

void sse_publish(struct sse_hub *h, uint64_t seq, const char *msg, size_t len)
{
	struct sse_client **v;
	size_t slot = seq % SSE_RING, n;

	pthread_mutex_lock(&h->lock);
	free(h->ring[slot].msg);
	h->ring[slot].msg = msg ? xmalloc(len) : NULL;
	if (msg)
		memcpy(h->ring[slot].msg, msg, len);
	h->ring[slot].len = msg ? len : 0;
	h->ring[slot].seq = seq;
	h->last_seq = seq;
	reap(h);
	v = take_suspended(h, &n);
	pthread_mutex_unlock(&h->lock);
	resume_all(v, n);
}

/* Queue for cl the message after cl->last_seq, or a resync when the ring no longer holds
 * it. Returns false when there is none. Lock held. */
static bool next_message(struct sse_hub *h, struct sse_client *cl)
{
	uint64_t want = cl->last_seq + 1, oldest;
	size_t slot;

	if (h->last_seq < want)
		return false;
	oldest = h->last_seq >= SSE_RING ? h->last_seq - SSE_RING + 1 : 1;
	free(cl->msg);
	slot = want % SSE_RING;
	/* Gone from the ring, or never made (a scan with no stream open and nobody reading
	 * objects): the client must fetch everything again. */
	if (want < oldest || !h->ring[slot].msg) {
		cl->msg = xasprintf("event: resync\ndata: {\"seq\":%" PRIu64 "}\n\n", h->last_seq);
		cl->len = strlen(cl->msg);
		cl->last_seq = h->last_seq;
	} else {
		cl->msg = xmalloc(h->ring[slot].len);
		memcpy(cl->msg, h->ring[slot].msg, h->ring[slot].len);
		cl->len = h->ring[slot].len;
		cl->last_seq = want;
	}
	cl->pos = 0;
	return true;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse_client *cl = cls;
	struct sse_hub *h = cl->hub;
	size_t n;

	(void)pos;
	pthread_mutex_lock(&h->lock);
	if (cl->pos == cl->len) {
		if (h->closing || cl->ending) {
			pthread_mutex_unlock(&h->lock);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		if (!next_message(h, cl)) {
			/* Nothing new: sleep until sse_publish resumes us. Returning 0 without
			 * suspending would make MHD call again at once, spinning. */
			cl->suspended = true;
			MHD_suspend_connection(cl->conn);
			pthread_mutex_unlock(&h->lock);
			return 0;
		}
	}
	n = cl->len - cl->pos;
	if (n > max)
		n = max;
	memcpy(buf, cl->msg + cl->pos, n);
	cl->pos += n;
	pthread_mutex_unlock(&h->lock);
	return (ssize_t)n;
}

static void sse_free(void *cls)
{
	struct sse_client *cl = cls;

	atomic_store(&cl->closed, true);
}

/* Last-Event-ID, when it names a message we may still have; 0 otherwise. */
static uint64_t last_event_id(struct MHD_Connection *c)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
	uint64_t id;

	if (!v || parse_u64(v, &id) < 0)
		return 0;
	return id;
}

/* With every slot taken, the oldest stream ends to make room (lock held; returns it when
 * it must be resumed, after unlocking, to see that). A client that never reads would
 * otherwise keep its slot for good: it is suspended between messages, out of reach of any
 * timeout, and the kernel buffers far more than a stream sends in hours. A live client
 * reconnects after the retry delay and resumes from Last-Event-ID, missing nothing. */
static struct sse_client *evict_oldest(struct sse_hub *h)
{
	struct sse_client *oldest = NULL;

	for (struct sse_client *cl = h->clients; cl; cl = cl->next)
		if (!cl->ending && !atomic_load(&cl->closed))
			oldest = cl; /* the list is newest first */
	if (!oldest)
		return NULL;
	oldest->ending = true;
	h->nending++;
	if (!oldest->suspended)
		return NULL; /* sse_read sees ending when its message is out */
	oldest->suspended = false;
	return oldest;
}

enum MHD_Result sse_handle(struct sse_hub *h, struct MHD_Connection *c)
{
	struct sse_client *cl, *evicted = NULL;
	struct MHD_Response *r;
	enum MHD_Result ret;
	uint64_t from = last_event_id(c);

	pthread_mutex_lock(&h->lock);
	reap(h);
	if (h->closing) {
		pthread_mutex_unlock(&h->lock);
		return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, true, "the server is stopping");
	}
	if (h->nclients - h->nending >= SSE_MAX_CLIENTS)
		evicted = evict_oldest(h);
	cl = xcalloc(1, sizeof(*cl));
	cl->hub = h;
	cl->conn = c;
	atomic_init(&cl->closed, false);
	/* A reconnecting client continues where it left off; a new one starts now. */
	cl->last_seq = from && from <= h->last_seq ? from : h->last_seq;
	cl->msg = xasprintf("retry: 3000\n: ipcscope events from %" PRIu64 "\n\n", cl->last_seq);
	cl->len = strlen(cl->msg);
	cl->next = h->clients;
	h->clients = cl;
	h->nclients++;
	pthread_mutex_unlock(&h->lock);
	if (evicted)
		MHD_resume_connection(evicted->conn);

	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, cl, sse_free);
	if (!r) {
		sse_free(cl);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	reply_security_headers(r);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

void sse_shutdown(struct sse_hub *h)
{
	struct sse_client **v;
	size_t n;

	pthread_mutex_lock(&h->lock);
	h->closing = true;
	v = take_suspended(h, &n);
	pthread_mutex_unlock(&h->lock);
	resume_all(v, n);
	/* Each resumed stream now ends; wait for MHD to finish them (at most 2 s: a client
	 * that does not read is dropped by MHD_stop_daemon anyway, and none is suspended). */
	for (int i = 0; i < 200; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		bool open = false;

		pthread_mutex_lock(&h->lock);
		for (struct sse_client *cl = h->clients; cl; cl = cl->next)
			if (!atomic_load(&cl->closed))
				open = true;
		pthread_mutex_unlock(&h->lock);
		if (!open)
			break;
		nanosleep(&ts, NULL);
	}
}

unsigned sse_clients(struct sse_hub *h)
{
	unsigned n;

	pthread_mutex_lock(&h->lock);
	reap(h);
	n = h->nclients - h->nending;
	pthread_mutex_unlock(&h->lock);
	return n;
}
