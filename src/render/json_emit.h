/* json_emit.h - an object as JSON written straight from the column table, without a jansson
 * tree: the text json_dumps(json_of_object(o), flags) gives, byte for byte, for the flags
 * the writer was made with (render/jsonw.h). This is the hot path of `list -J`, `show -J`
 * and the server's objects body; json_of_object stays for the few single-object documents
 * and as the tests' oracle (tests/unit/test_jsonw.c, tests/fuzz/fuzz_json_emitter.c). */
#ifndef IPCSCOPE_JSON_EMIT_H
#define IPCSCOPE_JSON_EMIT_H

#include "core/object.h"
#include "render/jsonw.h"

/* o as one value at w's current place (the top, or an element of an open array). */
void json_emit_object(struct jsonw *w, const struct ipc_object *o);

/* How the objects of a kind are laid out: its members in order, each a column or a nested
 * object of several ("owner": user, uid, group, gid). Computed once from the column table;
 * for the tests, which check that every kind's plan is well formed. */
struct json_plan_leaf {
	const struct column *col;
	const char *key;      /* its key inside its member: "user" of "owner.user"; borrowed */
};
struct json_plan_member {
	char group[32];       /* a nested object's key; "" for a column at the top */
	size_t first, n;      /* its leaves */
};
struct json_plan {
	struct json_plan_leaf *leaves;
	size_t nleaves;
	struct json_plan_member *members;
	size_t nmembers;
};
const struct json_plan *json_plan_of(enum ipc_kind kind);

/* The value a use_percent member carries: one decimal, as json_of_object rounds it. */
double json_percent(double d);

#endif
