/* reply.h - building and queueing responses: the headers every response carries, errors,
 * conditional requests (ETag / If-None-Match) and gzip negotiation. */
#ifndef IPCSCOPE_HTTP_REPLY_H
#define IPCSCOPE_HTTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "http/state.h"

#define TYPE_JSON "application/json"
#define TYPE_TEXT "text/plain; charset=utf-8"
#define TYPE_PROM "text/plain; version=0.0.4; charset=utf-8"

/* Content-Security-Policy (script only from our origin, no framing), nosniff, no referrer. */
void reply_security_headers(struct MHD_Response *r);

/* A response owning a malloc'd buf (freed with it), with type, etag (may be NULL),
 * Cache-Control: no-cache and the security headers. NULL on failure (buf is then freed). */
struct MHD_Response *reply_new(char *buf, size_t len, const char *type, const char *etag);

/* Fill b (whose mutex the caller has initialised) with a response for buf, which it takes. */
int reply_body_init(struct http_body *b, char *buf, size_t len, const char *type, const char *etag);
void reply_body_release(struct http_body *b);
/* gzip of data as a new response with b's headers and Content-Encoding; NULL on failure. */
struct MHD_Response *reply_gzip(const char *data, size_t len, const char *type, const char *etag);

/* Queue a cached body: 304 when If-None-Match names its ETag, gzip when accepted. */
enum MHD_Result reply_body(struct MHD_Connection *c, struct http_body *b, const char *type);
/* Queue a fresh response r (our reference is dropped), honouring If-None-Match and
 * compressing when the client accepts gzip and len is worth it. data/len is r's body. */
enum MHD_Result reply_fresh(struct MHD_Connection *c, struct MHD_Response *r, const char *data,
			    size_t len, const char *type, const char *etag);

/* An error: {"error": msg} for JSON clients (json true), msg as text otherwise. */
enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, bool json, const char *msg);
/* 405 with an Allow header. */
enum MHD_Result reply_bad_method(struct MHD_Connection *c, const char *allow, bool json);

/* Does the request's If-None-Match list etag (weak comparison)? */
bool reply_etag_matches(struct MHD_Connection *c, const char *etag);
/* Does Accept-Encoding accept gzip (q > 0)? */
bool reply_accepts_gzip(struct MHD_Connection *c);

#endif
