/* expr.h - the filter language of -Q/--filter and ?q= (lsfd's): comparisons of columns
 * with values, joined by && || ! and parentheses, e.g.
 *
 *   KIND == "sysv-msg" && MSGS >= 3        USE% > 80        HOLDERS =~ "postgres"
 *
 * The text is parsed once into a small tree whose leaves name entries of the column table
 * (core/columns.h); evaluating it reads an object only through those columns' getters, so
 * a filter sees exactly what `list` shows. Parsing checks everything it can: an unknown
 * column, a value of the wrong type for its column, a bad regular expression. The text
 * may come from a network client: its length and nesting depth are bounded, and an error
 * message quotes no byte that is not printable ASCII. */
#ifndef IPCSCOPE_EXPR_H
#define IPCSCOPE_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/object.h"

#define EXPR_MAX_LEN 4096  /* bytes of expression text */
#define EXPR_MAX_DEPTH 32  /* parentheses and negations inside one another */

struct expr;

/* Where and why a text is no expression. */
struct expr_error {
	size_t column;     /* 1-based, in characters (UTF-8), of where it went wrong */
	size_t offset;     /* 0-based byte offset of the same place */
	char msg[160];     /* "expected a value after '>='"; printable ASCII only */
};

/* Parse text into *out (the caller frees it with expr_free). 0, or -EINVAL with *out NULL
 * and *err filled. */
int expr_parse(const char *text, struct expr **out, struct expr_error *err);

/* Does o pass e? A column that o's kind lacks, or whose value o does not have, is absent:
 * absent equals nothing, so every comparison with it is false except != and !~, which are
 * true; a bare boolean column that is absent is false. Thread-safe for a shared e. */
bool expr_eval(const struct expr *e, const struct ipc_object *o);

void expr_free(struct expr *e);

/* The text e was parsed from (borrowed). */
const char *expr_text(const struct expr *e);

/* The two lines that show where an error is: the text (control bytes and bytes that are
 * not printable ASCII as '?', so the caret stays under its character) and a caret under
 * err->column, each prefixed by indent and ended by '\n'. Returns buf (cut to len). */
char *expr_error_caret(const char *text, const struct expr_error *err, const char *indent,
		       char *buf, size_t len);

#endif
