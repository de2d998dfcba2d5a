/* table.h - the terminal table: columns from the column table, widths from the data, fitted
 * to the terminal as libsmartcols fits lsipc's and lsfd's tables. */
#ifndef IPCSCOPE_TABLE_H
#define IPCSCOPE_TABLE_H

#include <stdbool.h>
#include <stdio.h>

#include "core/columns.h"

#define TABLE_NOHEADINGS 0x1u /* no header line */
#define TABLE_RAW        0x2u /* one space between cells, no padding, blanks escaped */
#define TABLE_BYTES      0x4u /* sizes in bytes, not human units */
#define TABLE_DROP       0x8u /* the columns are defaults: when cutting cells is not enough,
			       * leave out the least needed ones (never columns the user chose) */
#define TABLE_EXPORT     0x10u /* one line per row of NAME="value" pairs (lsipc -e) */
#define TABLE_SHELL      0x20u /* with TABLE_EXPORT: names usable as shell variables (-y) */

/* How tables are written, for the whole run (set once from the options). */
enum table_color { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };
/* -w/--width N: fit to N columns even when stdout is no terminal. 0: the terminal's width
 * (COLUMNS, else the terminal's size) on a terminal, no limit elsewhere, as libsmartcols. */
void table_set_width(size_t width);
/* --notruncate: never cut a cell nor leave a column out. */
void table_set_notruncate(bool on);
/* --color[=WHEN]; auto: on a terminal and when NO_COLOR is unset or empty. */
void table_set_color(enum table_color when);
/* The width to fit out to, 0 for none. */
size_t table_width(FILE *out);
/* Whether rows are coloured on out. */
bool table_colored(FILE *out);

/* Colours of a row (SGR sequences), chosen by what a row says about its object. */
#define ROW_STALE    "\033[33m"   /* yellow: stale, or its processes are gone */
#define ROW_HALFOPEN "\033[36m"   /* cyan: half-open */
#define ROW_FULL     "\033[1;31m" /* bold red: full (USE% >= 100) */
#define ROW_DEADLOCK "\033[7;31m" /* reverse red: in a deadlock */

/* A generic table of text cells, for what is not an object list (limits, holders). */
struct text_table {
	size_t ncols;
	const char **heads;  /* borrowed */
	bool *right;         /* right-align column i; owned */
	bool *trunc;         /* column i may be cut to fit the width; owned */
	int *drop;           /* with TABLE_DROP: leave out the highest first, 0 never; owned */
	char **cells;        /* nrows * ncols; owned */
	const char **color;  /* per row, an SGR sequence or NULL; static strings */
	size_t nrows, cap, ccap;
};

void text_table_init(struct text_table *t, size_t ncols, const char **heads, const bool *right);
/* Column c may be cut with a marker (…) when the table is wider than the terminal. */
void text_table_set_trunc(struct text_table *t, size_t c);
/* Adds a row of ncols strings (copied; NULL prints "-"). */
void text_table_add(struct text_table *t, const char *const *row);
/* The same with the row's colour (NULL: none). */
void text_table_add_colored(struct text_table *t, const char *const *row, const char *color);
/* Adds a row taking ownership of its ncols cells (malloc'ed, NULL prints "-"). */
void text_table_add_owned(struct text_table *t, char **row, const char *color);
void text_table_print(FILE *out, const struct text_table *t, unsigned flags);
void text_table_release(struct text_table *t);

/* s cut to at most width columns on out's terminal, ending with the marker when cut: for
 * lines that are no table (show's fields). Allocated. width 0: s whole. */
char *table_fit_text(const char *s, size_t width);

/* Print objs as a table of cols. */
void render_table(FILE *out, struct ipc_object *const *objs, size_t n,
		  const struct column *const *cols, size_t ncols, unsigned flags);
/* The same with a colour per object (colors[i] an SGR sequence or NULL), shown when
 * table_colored(out). */
void render_table_colored(FILE *out, struct ipc_object *const *objs, size_t n,
			  const struct column *const *cols, size_t ncols, unsigned flags,
			  const char *const *colors);

#endif
