/* columns.h - one table of columns drives the terminal table and the JSON alike, so the two
 * can never disagree. A column names its JSON path ("owner.user"), its type, the kinds it
 * applies to and a getter. */
#ifndef IPCSCOPE_COLUMNS_H
#define IPCSCOPE_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/object.h"

enum col_type {
	COL_STR,      /* JSON string */
	COL_INT,      /* JSON integer */
	COL_BYTES,    /* JSON integer; human size in the table unless --bytes */
	COL_TIME,     /* JSON "YYYY-MM-DDTHH:MM:SSZ"; local time in the table */
	COL_PERCENT,  /* JSON number with one decimal */
	COL_BOOL,     /* JSON true/false */
};

struct col_value {
	bool present;
	int64_t i;
	double d;
	const char *s;   /* borrowed from the object or points into buf */
	char buf[96];
};

struct column {
	const char *name;   /* what -o takes, upper case: "OWNER" */
	const char *json;   /* JSON path, "owner.user"; NULL: table only */
	enum col_type type;
	unsigned kinds;     /* KIND_BIT mask of the kinds it applies to */
	const char *help;
	void (*get)(const struct ipc_object *o, struct col_value *v);
};

extern const struct column columns[];
extern const size_t ncolumns;

/* The columns that apply to kind, in table order: what rendering an object of that kind
 * visits, instead of every column. Computed once (thread-safe); *n gets their number. */
const struct column *const *column_plan(enum ipc_kind kind, size_t *n);

/* Case-insensitive; NULL when unknown. */
const struct column *column_find(const char *name);

/* Parse "-o" text: "A,B" replaces defaults, "+A,B" appends to them. On -EINVAL *bad names
 * the unknown column (a static copy). *out is allocated; the caller frees it. */
int columns_parse(const char *spec, const char *defaults, const struct column ***out, size_t *n,
		  const char **bad);

/* The value of c for o, absent when c does not apply to o's kind. */
void column_value(const struct column *c, const struct ipc_object *o, struct col_value *v);
/* Text for a table cell: "-" when absent. bytes: raw byte counts instead of human sizes. */
const char *column_text(const struct column *c, const struct col_value *v, bool bytes, char *buf,
			size_t len);
/* Compare two objects by column c: absent sorts first, numbers numerically. */
int column_compare(const struct column *c, const struct ipc_object *a, const struct ipc_object *b);

/* ISO 8601 UTC, "YYYY-MM-DDTHH:MM:SSZ", the schema's time type. False (and buf "") when
 * the time has no such form: its year is not 0000..9999, or beyond what gmtime_r converts.
 * JSON leaves such a time out rather than give a string its schema rejects. */
bool time_iso_utc(int64_t t, char *buf, size_t len);
/* The same for text; a time without that form is "@<seconds>" (date(1)'s notation), as a
 * table cell shows it too. */
const char *format_time_utc(int64_t t, char *buf, size_t len);

#endif
