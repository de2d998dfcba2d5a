/* head.c - MHD 0.9.75 reads a request head into one buffer and cuts it there into C
 * strings, writing a NUL over each separator (the space after the method, the ':' of each
 * header, every CR and LF). A NUL the client sent ends such a string early and silently
 * hides what follows it: "GET /healthz\0junk" reads as /healthz, "Host: 127.0.0.1\0evil"
 * as a loopback Host. The strings MHD hands us still point into that buffer in the order
 * they came, so the bytes between the end of one and the start of the next show whether
 * only MHD's own NULs were there. */
#include "http/head.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "http/internal.h"
#include "http/text.h"

#define STR_(x) #x
#define STR(x) STR_(x)

void *head_log_cb(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct http_server *s = cls;
	struct guard_line *l = guard_request_line(&s->guard, c);
	const char *q;
	size_t n = 1;

	if (!l || !uri)
		return NULL;
	/* MHD has ended the target with a NUL over the space before the version, and not yet
	 * touched it otherwise: its length up to the first NUL is the client's doing. */
	l->target = uri;
	l->len = strlen(uri);
	q = strchr(uri, '?');
	if (q) {
		for (const char *p = q + 1; *p; p++)
			n += *p == '&';
		if (n > HEAD_PARAMS_MAX) {
			/* MHD would put each parameter into the connection's 32 KiB pool and, when
			 * that runs out, drop the connection without an answer. It parses them right
			 * after this callback, from the byte after '?' of this very buffer (the
			 * pointer is const only in the callback's type): an empty query there leaves
			 * none to parse, and the access handler answers 414. */
			((char *)(uintptr_t)q)[1] = '\0';
			l->many_params = true;
		}
	}
	return NULL; /* becomes *con_cls, which routes.c needs NULL on a first call */
}

struct walk {
	const char *prev_end; /* end of the last field checked */
	const char *end;      /* of the head in MHD's buffer */
	bool ok;
};

/* Each header: after the previous line's end (1 or 2 NULs for LF or CRLF) comes the name,
 * one NUL for its ':', blanks, the value. A folded value (obs-fold) is copied elsewhere by
 * MHD and fails the order check: RFC 9112 lets a server answer that 400 too. */
static enum MHD_Result header_walk(void *cls, enum MHD_ValueKind kind, const char *key,
				   size_t key_size, const char *value, size_t value_size)
{
	struct walk *w = cls;
	uintptr_t k = (uintptr_t)key, v = (uintptr_t)value;

	(void)kind;
	if (!value || k < (uintptr_t)w->prev_end || v < k + key_size || v + value_size > (uintptr_t)w->end ||
	    !text_gap_ok(w->prev_end, key, 1, 2) || !text_gap_ok(key + key_size, value, 1, 1)) {
		w->ok = false;
		return MHD_NO;
	}
	w->prev_end = value + value_size;
	return MHD_YES;
}

static bool nul_free(struct MHD_Connection *c, const struct guard_line *l, const char *method,
		     const char *url, const char *version)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	size_t mlen = strlen(method), vlen = strlen(version);
	struct walk w;

	/* MHD 0.9.75 hands us the target's own pointer; anything else, and there is nothing
	 * to compare with. */
	if (!ci || l->target != url)
		return true;
	w.end = method + ci->header_size;
	w.ok = true;
	/* The method, one NUL (and any extra spaces MHD skipped), the target up to the NUL MHD
	 * wrote before the version, the version. */
	if ((uintptr_t)url <= (uintptr_t)method + mlen || !text_gap_ok(method + mlen, url, 1, 1) ||
	    url + l->len + 1 != version || (uintptr_t)version + vlen > (uintptr_t)w.end)
		return false;
	w.prev_end = version + vlen;
	MHD_get_connection_values_n(c, MHD_HEADER_KIND, header_walk, &w);
	/* The last line's end and the empty line's: 2 to 4 NULs. */
	return w.ok && text_gap_ok(w.prev_end, w.end, 2, 4);
}

unsigned head_check(struct MHD_Connection *c, const char *method, const char *url,
		    const char *version, const char **msg)
{
	const struct guard_line *l = guard_line(c);

	if (!l || !l->target)
		return 0;
	if (l->many_params) {
		*msg = "too many query parameters (at most " STR(HEAD_PARAMS_MAX) ")";
		return MHD_HTTP_URI_TOO_LONG;
	}
	if (!nul_free(c, l, method, url, version)) {
		*msg = "a NUL byte in the request line or a header";
		return MHD_HTTP_BAD_REQUEST;
	}
	return 0;
}
