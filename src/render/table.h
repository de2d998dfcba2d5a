/* table.h - the terminal table: columns from the column table, widths from the data. */
#ifndef IPCSCOPE_TABLE_H
#define IPCSCOPE_TABLE_H

#include <stdbool.h>
#include <stdio.h>

#include "core/columns.h"

#define TABLE_NOHEADINGS 0x1u /* no header line */
#define TABLE_RAW        0x2u /* one space between cells, no padding, blanks escaped */
#define TABLE_BYTES      0x4u /* sizes in bytes, not human units */

/* A generic table of text cells, for what is not an object list (limits, holders). */
struct text_table {
	size_t ncols;
	const char **heads;  /* borrowed */
	bool *right;         /* right-align column i; owned */
	char **cells;        /* nrows * ncols; owned */
	size_t nrows, cap;
};

void text_table_init(struct text_table *t, size_t ncols, const char **heads, const bool *right);
/* Adds a row of ncols strings (copied; NULL prints "-"). */
void text_table_add(struct text_table *t, const char *const *row);
void text_table_print(FILE *out, const struct text_table *t, unsigned flags);
void text_table_release(struct text_table *t);

/* Print objs as a table of cols. */
void render_table(FILE *out, struct ipc_object *const *objs, size_t n,
		  const struct column *const *cols, size_t ncols, unsigned flags);

#endif
