/* sse.h - GET /api/v1/events: Server-Sent Events, one message per new snapshot.
 *
 * A client's connection is suspended while it has nothing to send and resumed when a
 * message is published, so an idle stream costs no thread and no polling. The last
 * messages are kept in a ring, so a client that reconnects with Last-Event-ID, or that is
 * briefly slower than the scans, misses nothing; one that fell further behind gets a
 * "resync" event telling it to reload.
 *
 * At most SSE_MAX_CLIENTS streams are open; one more ends the oldest (which, if alive,
 * reconnects and resumes from Last-Event-ID), so that clients that never read cannot
 * hold every slot. */
#ifndef IPCSCOPE_HTTP_SSE_H
#define IPCSCOPE_HTTP_SSE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#define SSE_RING 16
#define SSE_MAX_CLIENTS 64

struct sse_client;

struct sse_hub {
	pthread_mutex_t lock;
	struct sse_client *clients;    /* owned; closed ones are reaped under lock */
	unsigned nclients;             /* listed, ending ones included */
	unsigned nending;              /* evicted, not yet reaped */
	bool closing;
	struct {
		uint64_t seq;
		char *msg;                 /* owned; NULL: no message for seq */
		size_t len;
	} ring[SSE_RING];
	uint64_t last_seq;             /* of the newest message, 0 before the first */
};

void sse_init(struct sse_hub *h);
/* Frees every client and message; the daemon must be stopped. */
void sse_release(struct sse_hub *h);
/* Add the message of snapshot seq (copied; NULL: none was made, and a client that needs
 * it gets a resync) and wake every waiting client. */
void sse_publish(struct sse_hub *h, uint64_t seq, const char *msg, size_t len);
/* Answer a request for the stream. */
enum MHD_Result sse_handle(struct sse_hub *h, struct MHD_Connection *c);
/* End every stream and wait (bounded) until their connections are done, so that the
 * daemon can be stopped with no connection suspended. */
void sse_shutdown(struct sse_hub *h);
/* Streams open now (ending ones not counted). */
unsigned sse_clients(struct sse_hub *h);

#endif
