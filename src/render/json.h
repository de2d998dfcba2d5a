/* json.h - the typed JSON document (schema "ipcscope/1"), built from the column table so
 * that JSON and the terminal table carry the same fields. The caller owns what is returned
 * (json_decref). */
#ifndef IPCSCOPE_JSON_H
#define IPCSCOPE_JSON_H

#include <jansson.h>

#include "core/snapshot.h"

#define JSON_SCHEMA_ID "ipcscope/1"

/* How every JSON output is written: keys in the order built, reals to 15 significant digits
 * (so 1.1 prints as 1.1, not 1.1000000000000001). */
#define JSON_OUT_PRETTY (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))
#define JSON_OUT_COMPACT (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

/* s as a JSON string, whatever its bytes: text that is no valid UTF-8 has U+FFFD for each
 * bad byte (core/utf8.h). Never NULL. */
json_t *json_text(const char *s);
/* obj[key] = json_text(s); when s is no valid UTF-8, also obj[key "_raw"] = the bytes of s
 * in hex, so that the text can be told from a name that holds U+FFFD and be recovered. */
void json_set_text(json_t *obj, const char *key, const char *s);

/* {"runtime", "id", "name", "pod"} of a container (name and pod when known). */
json_t *json_of_container(const struct container *c);
/* The array of every namespace the scan found (see the schema's "namespace"). */
json_t *json_of_namespaces(const struct snapshot *s);

/* The deadlocks the scan found (see the schema's "deadlock"). */
json_t *json_of_deadlocks(const struct snapshot *s);

/* {"schema", "host", "time", "errors": [...]}: the frame every document shares. */
json_t *json_document(const struct snapshot *s);
/* One object with every field that applies to its kind and is known. The lists are written
 * by json_emit_object instead, which must give the same text (tests/unit/test_jsonw.c). */
json_t *json_of_object(const struct ipc_object *o);
/* The array of objs. */
json_t *json_of_objects(struct ipc_object *const *objs, size_t n);
/* The array of limits. */
json_t *json_of_limits(const struct snapshot *s);
/* Print doc and a newline to out; 0 or -EIO. */
int json_print(FILE *out, json_t *doc);
/* The text of frame (from json_document) with objs as its last member "objects", the
 * objects written by the streaming writer (render/json_emit.h) without a jansson tree: the
 * same text json_print gives for the whole document, in a fraction of the time and memory. flags: JSON_OUT_PRETTY or
 * JSON_OUT_COMPACT. Returns the text (the caller frees it) and its length, or NULL. */
char *json_render_objects(json_t *frame, struct ipc_object *const *objs, size_t n, size_t flags,
			  size_t *len);
/* json_render_objects with JSON_OUT_PRETTY, and a newline, written to out. 0 or -EIO. */
int json_print_objects(FILE *out, json_t *frame, struct ipc_object *const *objs, size_t n);

#endif
