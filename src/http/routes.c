/* routes.c - which request gets which answer. Every answer comes from the current state;
 * nothing here scans, but a request for data counts as someone watching and may wait
 * for a fresh state (scanner.c). Requests are checked before they are routed: the Host header on a
 * loopback server (a DNS-rebinding page must not read the API), the path (no dot segments
 * however they were encoded: MHD hands us the decoded path), the method. */
#include <errno.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "core/filter.h"
#include "core/kinds.h"
#include "core/util.h"
#include "http/clean.h"
#include "http/head.h"
#include "http/internal.h"
#include "http/reply.h"
#include "http/text.h"

#define API_OBJECTS "/api/v1/objects"

/* What con_cls points to once a GET's headers are checked. */
static char request_read;

/* Is host (a Host header of len bytes) a name of the loopback interface, with any port?
 * All of it must be: a NUL inside would end the string before a foreign name. */
bool routes_loopback_host(const char *host, size_t len)
{
	char name[64];
	size_t n;

	if (strlen(host) != len)
		return false;
	if (host[0] == '[') {
		n = strcspn(host, "]");
		if (host[n] != ']')
			return false;
		snprintf(name, sizeof(name), "%.*s", (int)(n - 1), host + 1);
		return !strcmp(name, "::1") && (host[n + 1] == '\0' || host[n + 1] == ':');
	}
	n = strcspn(host, ":");
	if (n >= sizeof(name))
		return false;
	memcpy(name, host, n);
	name[n] = '\0';
	if (!strcasecmp(name, "localhost"))
		return true;
	return !strncmp(name, "127.", 4) && strspn(name, "0123456789.") == n;
}

/* A path is refused when it holds a dot segment, a backslash or a control byte. */
bool routes_path_ok(const char *url)
{
	if (url[0] != '/')
		return false;
	for (const char *p = url; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
			return false;
		if (*p == '/' && p[1] == '.' &&
		    (p[2] == '/' || p[2] == '\0' || (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))
			return false;
	}
	return true;
}

/* A GET's body means nothing to us, but MHD would read all of it: a small one is read and
 * dropped, a large or chunked one (of unknown length) refused before it is read. */
static bool body_small(struct MHD_Connection *c)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t len;

	if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return false;
	return !cl || (parse_u64(cl, &len) == 0 && len <= CLEAN_BODY_MAX);
}

static int parse_bool(const char *v)
{
	if (!v || !*v || !strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes"))
		return 1;
	if (!strcmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no"))
		return 0;
	return -1;
}

int http_lookup_user(const char *s, uid_t *uid)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	uint64_t v;

	if (parse_u64(s, &v) == 0 && v < (uid_t)-1) {
		*uid = (uid_t)v;
		return 0;
	}
	if (getpwnam_r(s, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return -ENOENT;
	*uid = res->pw_uid;
	return 0;
}

/* A container= value: "-", or what could begin a container's id or name (collectors/
 * container.c keeps both shorter than the id's 80 bytes and free of control bytes). The
 * API's names are JSON text, so a prefix is valid UTF-8 too. */
static bool container_arg_ok(const char *v)
{
	size_t n = v ? strlen(v) : 0, len;

	if (n == 0 || n >= sizeof(((struct container *)0)->id))
		return false;
	for (size_t i = 0; i < n; i += len) {
		len = text_utf8_len(v + i, n - i);
		if (!len || (unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return false;
	}
	return true;
}

enum MHD_Result routes_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct route_query *q = cls;
	char b[TEXT_QUOTE_SIZE];
	const char *bad;
	uint64_t v = 0;

	(void)kind;
	if (q->err[0])
		return MHD_NO;
	if (!strcmp(key, "kind")) {
		if (!value || kinds_parse(value, &q->f.kinds, &bad) < 0)
			snprintf(q->err, sizeof(q->err), "unknown kind '%s'", text_quote(b, sizeof(b), value ? bad : ""));
	} else if (!strcmp(key, "user")) {
		if (!value || http_lookup_user(value, &q->f.uid) < 0)
			snprintf(q->err, sizeof(q->err), "unknown user '%s'", text_quote(b, sizeof(b), value));
		q->f.has_uid = true;
	} else if (!strcmp(key, "pid")) {
		if (!value || parse_u64(value, &v) < 0 || v == 0 || v > INT32_MAX)
			snprintf(q->err, sizeof(q->err), "bad pid '%s'", text_quote(b, sizeof(b), value));
		q->f.has_pid = true;
		q->f.pid = (pid_t)v;
	} else if (!strcmp(key, "container")) {
		if (q->nf.container)
			snprintf(q->err, sizeof(q->err), "container given twice");
		else if (!container_arg_ok(value))
			snprintf(q->err, sizeof(q->err), "bad container '%s' (a prefix of a container's id or name, or -)",
				 text_quote(b, sizeof(b), value));
		q->nf.container = value;
	} else if (!strcmp(key, "ns")) {
		if (q->nf.has_ns)
			snprintf(q->err, sizeof(q->err), "ns given twice");
		else if (!value || parse_u64(value, &v) < 0 || v == 0)
			snprintf(q->err, sizeof(q->err), "bad ns '%s' (a namespace inode)", text_quote(b, sizeof(b), value));
		q->nf.has_ns = true;
		q->nf.ns = v;
	} else if (!strcmp(key, "q")) {
		struct expr_error e;

		if (q->expr)
			snprintf(q->err, sizeof(q->err), "q given twice: join the conditions with && in one");
		else if (!value || expr_parse(value, &q->expr, &e) < 0)
			snprintf(q->err, sizeof(q->err), "bad q: column %zu: %s", value ? e.column : 1,
				 value ? e.msg : "empty expression");
	} else if (!strcmp(key, "stale")) {
		q->stale = parse_bool(value);
		if (q->stale < 0)
			snprintf(q->err, sizeof(q->err), "stale takes true or false, not '%s'", text_quote(b, sizeof(b), value));
	} else {
		snprintf(q->err, sizeof(q->err), "unknown parameter '%s'", text_quote(b, sizeof(b), key));
	}
	return q->err[0] ? MHD_NO : MHD_YES;
}

static enum MHD_Result objects_route(struct http_server *s, struct MHD_Connection *c)
{
	struct route_query q = {.stale = -1};
	struct http_state *st;
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t *sel, n = 0, len;
	char etag[24], *body;
	bool *in_ns;

	if (MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, NULL, NULL) == 0) {
		st = server_objects_state(s);
		if (!st)
			return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, true, "cannot render the objects");
		ret = reply_body(c, &st->objects, TYPE_JSON);
		http_state_put(st);
		return ret;
	}
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, routes_query_arg, &q);
	if (q.err[0]) {
		expr_free(q.expr);
		return reply_error(c, MHD_HTTP_BAD_REQUEST, true, q.err);
	}
	st = server_objects_state(s);
	if (!st) {
		expr_free(q.expr);
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, true, "cannot render the objects");
	}
	in_ns = http_state_match_ns(st, &q.nf);
	sel = xcalloc(st->nobjs ? st->nobjs : 1, sizeof(*sel));
	for (size_t i = 0; i < st->nobjs; i++)
		if (http_state_match(st, i, &q.f) && (q.stale < 0 || st->stale[i] == (q.stale == 1)) &&
		    (!in_ns || in_ns[i]) && (!q.expr || expr_eval(q.expr, st->full[i])))
			sel[n++] = i;
	body = http_state_select(st, sel, n, &len, etag);
	expr_free(q.expr);
	free(in_ns);
	free(sel);
	http_state_put(st);
	r = reply_new(body, len, TYPE_JSON, etag);
	if (!r)
		return MHD_NO;
	return reply_fresh(c, r, body, len, TYPE_JSON, etag);
}

static enum MHD_Result object_route(struct http_server *s, struct MHD_Connection *c, const char *identity)
{
	struct http_state *st = server_objects_state(s);
	struct MHD_Response *r;
	size_t sel, len;
	char etag[24], *body;
	long i;

	if (!st)
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, true, "cannot render the objects");
	i = http_state_find(st, identity);
	if (i < 0) {
		http_state_put(st);
		return reply_error(c, MHD_HTTP_NOT_FOUND, true, "no such object");
	}
	sel = (size_t)i;
	body = http_state_select(st, &sel, 1, &len, etag);
	http_state_put(st);
	r = reply_new(body, len, TYPE_JSON, etag);
	if (!r)
		return MHD_NO;
	return reply_fresh(c, r, body, len, TYPE_JSON, etag);
}

/* 200 while scans keep coming as they should: when someone watches, 503 once the last
 * one is three intervals late. With nobody watching no scan is due and the age says
 * nothing. A probe of /healthz is not someone watching: it asks for no scan. */
static enum MHD_Result health_route(struct http_server *s, struct MHD_Connection *c)
{
	struct http_state *st = server_state(s);
	double age = server_state_age(s);
	bool watched = server_watched(s);
	bool ok = !watched || age <= 3 * s->cfg.interval + 10 + (double)st->scan_ns / 1e9;
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *body;
	json_t *j;

	j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:f, s:s, s:I}", "status", ok ? "ok" : "stale", "seq",
		      (json_int_t)st->seq, "scans", (json_int_t)atomic_load(&s->scans), "objects",
		      (json_int_t)st->nobjs, "errors", (json_int_t)st->nerrs, "scan_age_seconds", age,
		      "scanning", watched ? "watched" : "idle", "event_clients",
		      (json_int_t)sse_clients(&s->sse));
	http_state_put(st);
	body = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) : NULL;
	json_decref(j);
	if (!body)
		return MHD_NO;
	r = reply_new(body, strlen(body), TYPE_JSON, NULL);
	if (!r)
		return MHD_NO;
	ret = MHD_queue_response(c, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, r);
	MHD_destroy_response(r);
	return ret;
}

/* An event stream is a watcher, and its messages compare the objects of each state with
 * the last: those of the current state are rendered now, on the stream's thread, unless
 * they are, so that the next scan renders only what changed and takes no longer than the
 * scans before (the next one is started early by what they took). */
static enum MHD_Result events_route(struct http_server *s, struct MHD_Connection *c)
{
	struct http_state *st;

	server_demand(s);
	st = server_state(s);
	(void)http_state_objects(st); /* should it fail, the scan renders them */
	http_state_put(st);
	return sse_handle(&s->sse, c);
}

/* The routes answered from one cached body of the current state. */
static enum MHD_Result cached_route(struct http_server *s, struct MHD_Connection *c, size_t off,
				    const char *type)
{
	struct http_state *st = server_fresh_state(s);
	enum MHD_Result ret = reply_body(c, (struct http_body *)((char *)st + off), type);

	http_state_put(st);
	return ret;
}

enum MHD_Result routes_handle(struct http_server *s, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	bool api = !strncmp(url, "/api/", 5), get;
	const char *host, *why;
	unsigned status;
	size_t hlen;

	if (!*con_cls) {
		/* First call: the headers are in. A refusal is answered at once (MHD then
		 * closes the connection, as it should for a request we did not read); an
		 * answer is given on the next call, once the request is complete, so that
		 * the connection can be kept alive. */
		status = head_check(c, method, url, version, &why);
		if (status)
			return reply_error(c, status, api, why);
		if (MHD_lookup_connection_value_n(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST,
						  strlen(MHD_HTTP_HEADER_HOST), &host, &hlen) != MHD_YES)
			host = NULL;
		if (s->cfg.loopback && host && !routes_loopback_host(host, hlen))
			return reply_error(c, MHD_HTTP_MISDIRECTED_REQUEST, api,
					   "this server answers only to a loopback Host");
		if (!routes_path_ok(url))
			return reply_error(c, MHD_HTTP_BAD_REQUEST, api, "bad path");
		if (!strcmp(url, "/api/v1/clean"))
			return clean_start(s, c, method, con_cls);
		get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
		if (!get)
			return reply_bad_method(c, "GET, HEAD", api);
		if (!body_small(c))
			return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, api, "a GET takes no body");
		*con_cls = &request_read;
		return MHD_YES;
	}
	if (*con_cls != &request_read)
		return clean_continue(s, c, upload, upload_size, con_cls);
	if (*upload_size) {
		*upload_size = 0; /* a body on a GET means nothing to us */
		return MHD_YES;
	}

	if (!strcmp(url, API_OBJECTS))
		return objects_route(s, c);
	if (!strncmp(url, API_OBJECTS "/", sizeof(API_OBJECTS)) && url[sizeof(API_OBJECTS)])
		return object_route(s, c, url + sizeof(API_OBJECTS));
	if (!strcmp(url, "/api/v1/limits"))
		return cached_route(s, c, offsetof(struct http_state, limits), TYPE_JSON);
	if (!strcmp(url, "/api/v1/stale"))
		return cached_route(s, c, offsetof(struct http_state, stale_list), TYPE_JSON);
	if (!strcmp(url, "/api/v1/namespaces"))
		return cached_route(s, c, offsetof(struct http_state, namespaces), TYPE_JSON);
	if (!strcmp(url, "/api/v1/history"))
		return cached_route(s, c, offsetof(struct http_state, history), TYPE_JSON);
	if (!strcmp(url, "/api/v1/events"))
		return events_route(s, c);
	if (!strcmp(url, "/metrics"))
		return cached_route(s, c, offsetof(struct http_state, metrics), TYPE_PROM);
	if (!strcmp(url, "/healthz"))
		return health_route(s, c);
	if (api)
		return reply_error(c, MHD_HTTP_NOT_FOUND, true, "no such route");
	return web_handle(&s->web, c, url);
}

void routes_done(void **con_cls)
{
	if (*con_cls == &request_read)
		*con_cls = NULL;
	else
		clean_done(con_cls);
}
