/* reply.c - responses: security headers on every one, JSON or text errors, 304s for a
 * matching If-None-Match, gzip for clients that ask for it. */
#include "http/reply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <zlib.h>

#include "core/util.h"
#include "http/text.h"

/* Smaller bodies cost more to compress than they save. */
#define GZIP_MIN 1024

void reply_security_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
				"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
				"frame-ancestors 'none'");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
}

static void content_headers(struct MHD_Response *r, const char *type, const char *etag)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	if (etag) {
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
		MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	}
	reply_security_headers(r);
}

struct MHD_Response *reply_new(char *buf, size_t len, const char *type, const char *etag)
{
	struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(len, buf, free);

	if (!r) {
		free(buf);
		return NULL;
	}
	content_headers(r, type, etag);
	return r;
}

struct MHD_Response *reply_gzip(const char *data, size_t len, const char *type, const char *etag)
{
	struct MHD_Response *r;
	z_stream z = {0};
	size_t cap;
	char *out;

	/* windowBits 15 + 16: a gzip wrapper rather than zlib's. Level 5 is most of the
	 * saving of 9 at a fraction of the time, and this runs on a request thread. */
	if (deflateInit2(&z, 5, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&z, (uLong)len) + 32;
	out = xmalloc(cap);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	r = reply_new(out, z.total_out, type, etag);
	deflateEnd(&z);
	if (r)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	return r;
}

int reply_body_init(struct http_body *b, char *buf, size_t len, const char *type, const char *etag)
{
	b->data = buf;
	b->len = len;
	snprintf(b->etag, sizeof(b->etag), "%s", etag);
	b->resp = reply_new(buf, len, type, b->etag);
	b->gz = NULL;
	b->gz_done = false;
	if (!b->resp) {
		b->data = NULL;
		return -ENOMEM;
	}
	return 0;
}

void reply_body_release(struct http_body *b)
{
	if (b->resp)
		MHD_destroy_response(b->resp);
	if (b->gz)
		MHD_destroy_response(b->gz);
	b->resp = b->gz = NULL;
	b->data = NULL;
}

/* Is tok (len n) one of the comma separated entries of list, ignoring W/ prefixes? */
static bool etag_in_list(const char *list, const char *etag)
{
	const char *want = strncmp(etag, "W/", 2) ? etag : etag + 2;
	size_t wn = strlen(want);
	const char *p = list;

	while (*p) {
		size_t n;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (!strncmp(p, "W/", 2))
			p += 2;
		n = strcspn(p, ", \t");
		if (n == wn && !memcmp(p, want, n))
			return true;
		p += n;
	}
	return false;
}

bool reply_etag_matches(struct MHD_Connection *c, const char *etag)
{
	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);

	return inm && etag && etag_in_list(inm, etag);
}

bool reply_accepts_gzip(struct MHD_Connection *c)
{
	const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	const char *p = ae;

	while (p && *p) {
		size_t n;
		const char *semi, *end;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		end = p + strcspn(p, ",");
		n = strcspn(p, ";, \t");
		if ((n == 4 && !strncasecmp(p, "gzip", 4)) || (n == 1 && *p == '*')) {
			semi = memchr(p, ';', (size_t)(end - p));
			/* "gzip;q=0" is a refusal; any other q accepts. */
			if (!semi)
				return true;
			semi++;
			while (*semi == ' ')
				semi++;
			if (strncasecmp(semi, "q=", 2))
				return true;
			return strtod(semi + 2, NULL) > 0.0;
		}
		p = end;
	}
	return false;
}

static enum MHD_Result not_modified(struct MHD_Connection *c, const char *etag)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	reply_security_headers(r);
	ret = MHD_queue_response(c, MHD_HTTP_NOT_MODIFIED, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result reply_body(struct MHD_Connection *c, struct http_body *b, const char *type)
{
	struct MHD_Response *r = b->resp;

	if (reply_etag_matches(c, b->etag))
		return not_modified(c, b->etag);
	if (b->len >= GZIP_MIN && reply_accepts_gzip(c)) {
		pthread_mutex_lock(&b->gz_lock);
		if (!b->gz_done) {
			b->gz = reply_gzip(b->data, b->len, type, b->etag);
			b->gz_done = true;
		}
		pthread_mutex_unlock(&b->gz_lock);
		if (b->gz)
			r = b->gz;
	}
	return MHD_queue_response(c, MHD_HTTP_OK, r);
}

enum MHD_Result reply_fresh(struct MHD_Connection *c, struct MHD_Response *r, const char *data,
			    size_t len, const char *type, const char *etag)
{
	struct MHD_Response *gz = NULL;
	enum MHD_Result ret;

	if (etag && reply_etag_matches(c, etag)) {
		MHD_destroy_response(r);
		return not_modified(c, etag);
	}
	if (len >= GZIP_MIN && reply_accepts_gzip(c))
		gz = reply_gzip(data, len, type, etag);
	ret = MHD_queue_response(c, MHD_HTTP_OK, gz ? gz : r);
	if (gz)
		MHD_destroy_response(gz);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, bool json, const char *raw)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len = strlen(raw);
	char *body, *msg = xmalloc(TEXT_CLIP_SIZE(len));

	/* Whatever the message quotes, the answer is valid UTF-8: jansson would refuse to
	 * encode anything else, and no answer at all would be the result. */
	text_clip(msg, TEXT_CLIP_SIZE(len), raw, len, len);
	if (json) {
		json_t *j = json_pack("{s:s, s:i}", "error", msg, "status", (int)status);

		body = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(j);
	} else {
		body = xasprintf("%s\n", msg);
	}
	free(msg);
	if (!body)
		return MHD_NO;
	r = reply_new(body, strlen(body), json ? TYPE_JSON : TYPE_TEXT, NULL);
	if (!r)
		return MHD_NO;
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result reply_bad_method(struct MHD_Connection *c, const char *allow, bool json)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *body = xasprintf(json ? "{\"error\":\"method not allowed\",\"status\":405}" : "method not allowed\n");

	r = reply_new(body, strlen(body), json ? TYPE_JSON : TYPE_TEXT, NULL);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
	MHD_destroy_response(r);
	return ret;
}
