/* clean.c - POST /api/v1/clean: checks in the order that leaks least (does the route exist,
 * is the request from our own page, does it hold the token), then the body. */
#include "http/clean.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "act/clean.h"
#include "core/kinds.h"
#include "core/util.h"
#include "http/internal.h"
#include "http/reply.h"
#include "http/text.h"
#include "render/json.h"

struct clean_req {
	char body[CLEAN_BODY_MAX + 1];
	size_t len;
	bool too_big;
};

bool clean_token_equal(const char *given, size_t glen, const char *secret, size_t slen)
{
	volatile unsigned char d = glen != slen;

	for (size_t i = 0; i < slen; i++)
		d |= (unsigned char)((i < glen ? given[i] : 0) ^ secret[i]);
	return d == 0 && slen > 0;
}

/* A browser says where a request comes from: Sec-Fetch-Site, and Origin on every POST.
 * Either, when present, must name this very origin. A client sending neither is not a
 * browser, so no other site can have made it send the request; the token still decides. */
static bool same_origin(struct MHD_Connection *c)
{
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);

	if (site && strcmp(site, "same-origin"))
		return false;
	if (origin)
		return host && !strncmp(origin, "http://", 7) && !strcasecmp(origin + 7, host);
	return true;
}

static bool token_ok(struct http_server *s, struct MHD_Connection *c)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);

	if (!s->cfg.token || !auth || strncasecmp(auth, "Bearer ", 7))
		return false;
	auth += 7;
	while (*auth == ' ')
		auth++;
	return clean_token_equal(auth, strlen(auth), s->cfg.token, strlen(s->cfg.token));
}

static enum MHD_Result unauthorized(struct MHD_Connection *c)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *body = xstrdup("{\"error\":\"a bearer token is required\",\"status\":401}");

	r = reply_new(body, strlen(body), TYPE_JSON, NULL);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"ipcscope\"");
	ret = MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result clean_start(struct http_server *s, struct MHD_Connection *c, const char *method,
			    void **con_cls)
{
	const char *cl;
	uint64_t len;

	if (!s->cfg.allow_clean)
		return reply_error(c, MHD_HTTP_NOT_FOUND, true, "no such route (start the server with --allow-clean)");
	if (strcmp(method, MHD_HTTP_METHOD_POST))
		return reply_bad_method(c, "POST", true);
	if (!same_origin(c))
		return reply_error(c, MHD_HTTP_FORBIDDEN, true, "cross-origin request refused");
	if (!token_ok(s, c))
		return unauthorized(c);
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && (parse_u64(cl, &len) < 0 || len > CLEAN_BODY_MAX))
		return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, true, "request body too large");
	*con_cls = xcalloc(1, sizeof(struct clean_req));
	return MHD_YES;
}

/* The body's options onto o: {"dry_run": bool, "older_than": "1h" or seconds,
 * "kind": "sysv,posix-mq", "user": "name or uid"}. 0, or -EINVAL with err set. */
static int parse_options(json_t *j, struct clean_opts *o, char *err, size_t errlen)
{
	char b[TEXT_QUOTE_SIZE];
	const char *key, *bad;
	json_t *v;

	json_object_foreach(j, key, v) {
		if (!strcmp(key, "dry_run") && json_is_boolean(v)) {
			o->apply = !json_is_true(v);
		} else if (!strcmp(key, "older_than") && json_is_integer(v) && json_integer_value(v) >= 0) {
			o->stale.older_than = json_integer_value(v);
		} else if (!strcmp(key, "older_than") && json_is_string(v)) {
			if (parse_duration(json_string_value(v), &o->stale.older_than) < 0) {
				snprintf(err, errlen, "bad duration '%s'", text_quote(b, sizeof(b), json_string_value(v)));
				return -EINVAL;
			}
		} else if (!strcmp(key, "kind") && json_is_string(v)) {
			if (kinds_parse(json_string_value(v), &o->filter.kinds, &bad) < 0) {
				snprintf(err, errlen, "unknown kind '%s'", text_quote(b, sizeof(b), bad));
				return -EINVAL;
			}
		} else if (!strcmp(key, "user") && json_is_string(v)) {
			if (http_lookup_user(json_string_value(v), &o->filter.uid) < 0) {
				snprintf(err, errlen, "unknown user '%s'", text_quote(b, sizeof(b), json_string_value(v)));
				return -EINVAL;
			}
			o->filter.has_uid = true;
		} else {
			snprintf(err, errlen, "unknown or mistyped field '%s'", text_quote(b, sizeof(b), key));
			return -EINVAL;
		}
	}
	return 0;
}

/* The request, all checks passed: plan the clean, apply it unless it is a dry run, and
 * answer with the report `clean -J` prints. */
static enum MHD_Result clean_run(struct http_server *s, struct MHD_Connection *c, struct clean_req *req)
{
	struct clean_report r = {0};
	struct clean_opts o;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	json_error_t jerr;
	json_t *j = NULL, *doc;
	char err[TEXT_QUOTE_SIZE + 64], *body = NULL;
	int rc;

	clean_opts_init(&o);
	o.root = s->cfg.root;
	o.stale.older_than = s->rules.older_than;
	o.stale.fifo_dirs = s->cfg.fifo_dirs;
	o.stale.nfifo_dirs = s->cfg.nfifo_dirs;
	if (req->len) {
		j = json_loadb(req->body, req->len, 0, &jerr);
		if (!json_is_object(j)) {
			json_decref(j);
			return reply_error(c, MHD_HTTP_BAD_REQUEST, true, "the body must be a JSON object");
		}
		rc = parse_options(j, &o, err, sizeof(err));
		json_decref(j);
		if (rc < 0)
			return reply_error(c, MHD_HTTP_BAD_REQUEST, true, err);
	}
	if (o.apply && o.root)
		return reply_error(c, MHD_HTTP_CONFLICT, true,
				   "this server scans a --root tree; it removes live objects only");

	pthread_mutex_lock(&s->work_lock);
	rc = clean_plan(&r, &o);
	if (rc == 0)
		rc = clean_apply(&r, &o);
	if (rc == 0) {
		doc = json_document(&r.snap);
		json_object_set_new(doc, "clean", clean_report_json(&r, &o));
		body = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(doc);
	}
	pthread_mutex_unlock(&s->work_lock);
	clean_report_release(&r);
	if (rc < 0) {
		snprintf(err, sizeof(err), "cannot scan: %s; nothing was removed", strerror(-rc));
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, true, err);
	}
	if (o.apply)
		http_server_rescan(s);
	if (!body)
		return MHD_NO;
	resp = reply_new(body, strlen(body), TYPE_JSON, NULL);
	if (!resp)
		return MHD_NO;
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result clean_continue(struct http_server *s, struct MHD_Connection *c, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct clean_req *req = *con_cls;

	if (*upload_size) {
		if (req->len + *upload_size > CLEAN_BODY_MAX)
			req->too_big = true;
		else
			memcpy(req->body + req->len, upload, *upload_size);
		if (!req->too_big)
			req->len += *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	if (req->too_big)
		return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, true, "request body too large");
	return clean_run(s, c, req);
}

void clean_done(void **con_cls)
{
	free(*con_cls);
	*con_cls = NULL;
}
