/* table.c - aligned text tables. Numbers align right, text left, like lsipc and lsfd. */
#include "render/table.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

void text_table_init(struct text_table *t, size_t ncols, const char **heads, const bool *right)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->heads = heads;
	t->right = xcalloc(ncols, sizeof(*t->right));
	if (right)
		memcpy(t->right, right, ncols * sizeof(*right));
}

void text_table_add(struct text_table *t, const char *const *row)
{
	xgrow((void **)&t->cells, &t->cap, (t->nrows + 1) * t->ncols, sizeof(*t->cells));
	for (size_t c = 0; c < t->ncols; c++)
		t->cells[t->nrows * t->ncols + c] = xstrdup(row[c] ? row[c] : "-");
	t->nrows++;
}

void text_table_release(struct text_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->right);
	memset(t, 0, sizeof(*t));
}

/* Raw output keeps one line per row and one field per blank: blanks and backslashes in a
 * cell are written as \x20 and \x5c, as util-linux does. */
static void put_raw(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ' || *s == '\\' || *s == '\t' || *s == '\n' || (unsigned char)*s < 0x20)
			fprintf(out, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, out);
	}
}

/* Control characters from the kernel (a comm, a path) must not drive the terminal. */
static void put_cell(FILE *out, const char *s, size_t width, bool right, bool last)
{
	size_t len = strlen(s);

	if (right)
		for (size_t i = len; i < width; i++)
			fputc(' ', out);
	for (const char *p = s; *p; p++)
		fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, out);
	if (!right && !last)
		for (size_t i = len; i < width; i++)
			fputc(' ', out);
}

void text_table_print(FILE *out, const struct text_table *t, unsigned flags)
{
	size_t *w = xcalloc(t->ncols, sizeof(*w));

	if (flags & TABLE_RAW) {
		if (!(flags & TABLE_NOHEADINGS)) {
			for (size_t c = 0; c < t->ncols; c++) {
				if (c)
					fputc(' ', out);
				put_raw(out, t->heads[c]);
			}
			fputc('\n', out);
		}
		for (size_t r = 0; r < t->nrows; r++) {
			for (size_t c = 0; c < t->ncols; c++) {
				if (c)
					fputc(' ', out);
				put_raw(out, t->cells[r * t->ncols + c]);
			}
			fputc('\n', out);
		}
		goto out;
	}
	for (size_t c = 0; c < t->ncols; c++) {
		if (!(flags & TABLE_NOHEADINGS))
			w[c] = strlen(t->heads[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t l = strlen(t->cells[r * t->ncols + c]);
			if (l > w[c])
				w[c] = l;
		}
	}
	if (!(flags & TABLE_NOHEADINGS)) {
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				fputc(' ', out);
			put_cell(out, t->heads[c], w[c], t->right[c], c + 1 == t->ncols);
		}
		fputc('\n', out);
	}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				fputc(' ', out);
			put_cell(out, t->cells[r * t->ncols + c], w[c], t->right[c], c + 1 == t->ncols);
		}
		fputc('\n', out);
	}
out:
	free(w);
}

void render_table(FILE *out, struct ipc_object *const *objs, size_t n,
		  const struct column *const *cols, size_t ncols, unsigned flags)
{
	const char **heads = xcalloc(ncols, sizeof(*heads));
	const char **row = xcalloc(ncols, sizeof(*row));
	bool *right = xcalloc(ncols, sizeof(*right));
	char (*bufs)[96] = xcalloc(ncols, sizeof(*bufs));
	struct col_value *vals = xcalloc(ncols, sizeof(*vals));
	struct text_table t;

	for (size_t c = 0; c < ncols; c++) {
		heads[c] = cols[c]->name;
		right[c] = cols[c]->type != COL_STR && cols[c]->type != COL_TIME &&
			   cols[c]->type != COL_BOOL;
	}
	text_table_init(&t, ncols, heads, right);
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < ncols; c++) {
			column_value(cols[c], objs[i], &vals[c]);
			row[c] = column_text(cols[c], &vals[c], flags & TABLE_BYTES, bufs[c], sizeof(bufs[c]));
		}
		text_table_add(&t, row);
	}
	text_table_print(out, &t, flags);
	text_table_release(&t);
	free(vals);
	free(bufs);
	free(right);
	free(row);
	free(heads);
}
