/* fuzz_http_request.c - the request target of a GET and its Host header, as `serve` checks
 * and routes them (src/http/routes.c) before any answer is made: the loopback Host test,
 * the path test, the identity of /api/v1/objects/<identity> looked up in a state, the file
 * name of a dashboard asset, and each query argument of /api/v1/objects with the filter it
 * builds matched against the state's objects.
 *
 * Input: the target ("/api/v1/objects?kind=sysv&user=0"), optionally a newline and the Host
 * header. libmicrohttpd decodes a target before the handler sees it: the path with
 * MHD_http_unescape, the query split on '&' and '=', '+' made a blank and each part
 * unescaped (MHD_parse_arguments_). This harness does the same with the same function. */
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "act/stale.h"
#include "http/internal.h"
#include "http/state.h"
#include "http/web.h"
#include "fuzz.h"

/* A small state, built once: two objects whose identities and owners a query can name. */
static struct http_state *state(void)
{
	static struct http_state *st;
	struct snapshot *snap;
	struct stale_ctx rules;
	struct ipc_object *o;

	if (st)
		return st;
	snap = malloc(sizeof(*snap));
	snapshot_init(snap);
	o = object_new(KIND_SYSV_MSG, "sysv-msg:4026531839:7");
	o->id = 7;
	o->has_owner = true;
	o->uid = 0;
	obj_ipc_mut(o)->lspid.pid = 4242;
	snapshot_add(snap, o);
	o = object_new(KIND_POSIX_MQ, "posix-mq:4026531839:/q");
	o->name = strdup("/q");
	o->has_owner = true;
	o->uid = 1000;
	object_add_holder(o, 31337, "reader", 3, ACC_R, NULL);
	snapshot_add(snap, o);
	stale_ctx_init(&rules, 1700000000);
	if (http_state_new(snap, NULL, 1, NULL, &rules, &st) < 0)
		abort();
	free(snap);
	return st;
}

static void unescape(char *s)
{
	for (char *p = s; *p; p++)
		if (*p == '+')
			*p = ' ';
	MHD_http_unescape(s);
}

static void query(char *q)
{
	struct http_state *st = state();
	struct route_query rq = {.stale = -1};
	char *arg, *save = NULL;

	for (arg = strtok_r(q, "&", &save); arg; arg = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(arg, '=');

		if (eq)
			*eq++ = '\0';
		unescape(arg);
		if (eq)
			unescape(eq);
		if (routes_query_arg(&rq, MHD_GET_ARGUMENT_KIND, arg, eq) == MHD_NO) {
			expr_free(rq.expr);
			return; /* MHD stops at the first refusal; the route answers 400 */
		}
	}
	for (size_t i = 0; i < st->nobjs; i++)
		if (http_state_match(st, i, &rq.f) && rq.expr)
			expr_eval(rq.expr, st->full[i]);
	expr_free(rq.expr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char objects[] = "/api/v1/objects";
	char *text = fuzz_cstr(data, size), *host, *q;

	host = strchr(text, '\n');
	if (host) {
		*host++ = '\0';
		routes_loopback_host(host, strlen(host));
	}
	q = strchr(text, '?');
	if (q)
		*q++ = '\0';
	MHD_http_unescape(text);
	if (routes_path_ok(text)) {
		if (!strncmp(text, objects, sizeof(objects) - 1) && text[sizeof(objects) - 1] == '/')
			http_state_find(state(), text + sizeof(objects));
		else if (strncmp(text, "/api/", 5) && strcmp(text, "/"))
			web_name_ok(text + 1);
		if (q && !strcmp(text, objects))
			query(q);
	}
	free(text);
	return 0;
}
