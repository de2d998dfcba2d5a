/* state.h - what the server answers from: one snapshot with every body rendered once.
 *
 * The scan thread builds a new state per scan and publishes it; request handlers take a
 * reference to the current one, answer from it and drop it. Each object is rendered to
 * compact JSON once, into the body of /api/v1/objects (an object whose inputs did not
 * change since the last state is not rendered again: its bytes are copied from there, see
 * http/digest.h); a filtered list or a single object is a copy of those slices, so every
 * route carries the same bytes for an object. That body, its slices and the event are
 * made with the state when someone reads objects or follows events, and otherwise by the
 * first request that needs them (http_state_objects): a server scraped only for /metrics
 * renders no object.
 * Cached responses are libmicrohttpd responses the state holds one reference to; MHD keeps
 * its own while it sends, so a body outlives the state that made it if it must. */
#ifndef IPCSCOPE_HTTP_STATE_H
#define IPCSCOPE_HTTP_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/filter.h"
#include "core/snapshot.h"
#include "act/stale.h"
#include "render/prom.h"

struct MHD_Response;

/* One cached body: plain, and gzip made on first demand. */
struct http_body {
	const char *data;            /* owned by resp */
	size_t len;
	char etag[24];               /* W/"<16 hex>" */
	struct MHD_Response *resp;   /* our reference */
	pthread_mutex_t gz_lock;
	bool gz_done;
	struct MHD_Response *gz;     /* our reference; NULL when compression failed */
};

struct obj_slice {
	size_t off, len;             /* of the object's JSON in objects.data */
	uint64_t digest;             /* of those bytes: "changed" means this differs */
	uint64_t input;              /* http_object_digest: equal means the bytes can be reused */
};

struct kind_totals {
	uint64_t count, bytes;
};

/* What the filters of /api/v1/objects need of an object, compact and in one array so
 * that kind=, user=, pid= walk no pointers. The same fields filter_match() of core/filter.c
 * looks at; test_serve_routes compares the two. The objects themselves stay too (full),
 * for ?q=, which may name any column. */
struct http_obj {
	const char *identity;        /* into id_pool */
	enum ipc_kind kind;
	bool has_owner, has_creator_ids;
	uid_t uid, cuid;
	uint32_t pid_off, npids;     /* into pid_pool: creator, last users, sem ops, holders */
	uint64_t ns;                 /* its namespace's inode; 0 none (pipes) */
	int cont;                    /* index in the state's conts; -1 in no container */
};

/* ?container= and ?ns= of /api/v1/objects. */
struct http_ns_filter {
	bool has_ns;
	uint64_t ns;
	const char *container;       /* a prefix of a container's id or name; "-": none; NULL */
};

struct http_state {
	atomic_uint refs;
	uint64_t seq;                /* 1 for the first scan, +1 per scan */
	const struct snapshot *snap; /* while the state is built only; NULL after */
	struct http_obj *objs;       /* one per object, in the order of the body */
	size_t nobjs;
	struct ipc_object **full;    /* the snapshot's objects, taken over, in the same order:
				      * what ?q= evaluates (core/expr.h); owned */
	struct container *conts;     /* the snapshot's containers, taken over (the objects
				      * point into them); owned */
	size_t nconts;
	char *id_pool;               /* every identity, NUL-terminated one after another */
	pid_t *pid_pool;
	int64_t time, scan_ns;       /* the scan's start and duration */
	size_t nerrs;                /* its errors */
	struct obj_slice *slices;    /* one per object; with the objects body */
	uint32_t *ident_ht;          /* identity -> index + 1, open addressing; 0 empty */
	size_t ident_cap;
	size_t head_len;             /* objects.data[0, head_len) is '{..."objects":[' */
	uint64_t frame_hash;         /* of the document frame without its time */
	char *frame;                 /* that frame, until the objects body is made; owned */
	pthread_mutex_t render_lock; /* whoever renders the objects body holds it */
	atomic_bool rendered;        /* objects body and slices are made */
	bool *stale;                 /* per object: does its kind's stale rule hold? */
	struct kind_totals totals[KIND__COUNT];
	struct http_body objects;    /* /api/v1/objects, once rendered */
	struct http_body limits;     /* /api/v1/limits */
	struct http_body metrics;    /* /metrics */
	struct http_body history;    /* /api/v1/history, filled by the scan thread */
	struct http_body stale_list; /* /api/v1/stale: identities and evidence */
	struct http_body namespaces; /* /api/v1/namespaces */
	char *event;                 /* the SSE message announcing this state; owned; NULL
				      * when the state was built without its objects */
	size_t event_len;
};

/* Build a state from snap, which is released here whatever happens. prev (may be NULL)
 * is the state it follows, for the event's appeared/changed/vanished lists and the bytes
 * of unchanged objects. rules holds --older-than and --fifo-dir; its now and
 * holders_complete are taken from snap. With objects false, the objects body, the slices
 * and the event are not made now (http_state_objects makes the first two when asked; the
 * event never is). Returns 0 or -ENOMEM. */
int http_state_build(struct snapshot *snap, const struct http_state *prev, uint64_t seq,
		     const struct prom_stats *stats, const struct stale_ctx *rules, bool objects,
		     struct http_state **out);
/* The same with everything made at once. */
int http_state_new(struct snapshot *snap, const struct http_state *prev, uint64_t seq,
		   const struct prom_stats *stats, const struct stale_ctx *rules,
		   struct http_state **out);
/* Make st's objects body and slices unless they are made (once, by whoever asks first,
 * on any thread). Call it before reading objects or slices. 0 or -ENOMEM. */
int http_state_objects(const struct http_state *st);
struct http_state *http_state_get(struct http_state *st);
void http_state_put(struct http_state *st);

/* Index of the object with this identity, or -1. */
long http_state_find(const struct http_state *st, const char *identity);
/* Does object i pass f (kinds, user, pid; the key is not a filter of the API)? */
bool http_state_match(const struct http_state *st, size_t i, const struct filter *f);
/* Which objects pass nf: a malloc'd mark per object (NULL when nf filters nothing), made
 * once per request so that a prefix is compared with each container, not each object. */
bool *http_state_match_ns(const struct http_state *st, const struct http_ns_filter *nf);

/* The gzip response of b, compressed on first call; NULL when it could not be made. */
struct MHD_Response *http_body_gzip(struct http_body *b);

/* The document frame around the objects sel[0..n) (indexes into snap.objs): a malloc'd
 * body of *len bytes, and its weak ETag in etag[24]. */
char *http_state_select(const struct http_state *st, const size_t *sel, size_t n, size_t *len,
			char etag[24]);

/* 64-bit FNV-1a, continued from h (start with HASH_INIT). */
#define HASH_INIT 0xcbf29ce484222325ull
uint64_t http_hash(uint64_t h, const void *data, size_t len);

#endif
