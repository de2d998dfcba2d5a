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

/* {"schema", "host", "time", "errors": [...]}: the frame every document shares. */
json_t *json_document(const struct snapshot *s);
/* One object with every field that applies to its kind and is known. */
json_t *json_of_object(const struct ipc_object *o);
/* The array of objs. */
json_t *json_of_objects(struct ipc_object *const *objs, size_t n);
/* The array of limits. */
json_t *json_of_limits(const struct snapshot *s);
/* Print doc and a newline to out; 0 or -EIO. */
int json_print(FILE *out, json_t *doc);

#endif
