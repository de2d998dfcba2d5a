/* table.c - aligned text tables. Numbers align right, text left, like lsipc and lsfd.
 *
 * Fitting to the terminal follows libsmartcols: on a terminal (or with -w) a table wider
 * than the width first cuts the columns that allow it (names, paths, lists), each cut cell
 * ending with a marker; a list of default columns then leaves out the least needed ones; if
 * that is still not enough the line is as long as it must be. Raw and export output, and
 * --notruncate, never cut. */
#include "render/table.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/coltext.h"
#include "core/util.h"

static size_t opt_width;      /* -w N; 0: the terminal's */
static bool opt_notruncate;
static enum table_color opt_color = COLOR_AUTO;

void table_set_width(size_t width)
{
	opt_width = width;
}

void table_set_notruncate(bool on)
{
	opt_notruncate = on;
}

void table_set_color(enum table_color when)
{
	opt_color = when;
}

size_t table_width(FILE *out)
{
	struct winsize ws;
	const char *env;
	uint64_t v;

	if (opt_notruncate)
		return 0;
	if (opt_width)
		return opt_width;
	if (!isatty(fileno(out)))
		return 0;
	/* COLUMNS first, as util-linux's get_terminal_width: a user's setting wins. */
	env = getenv("COLUMNS");
	if (env && parse_u64(env, &v) == 0 && v > 0 && v < 100000)
		return (size_t)v;
	if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

bool table_colored(FILE *out)
{
	const char *nc = getenv("NO_COLOR");

	if (opt_color != COLOR_AUTO)
		return opt_color == COLOR_ALWAYS;
	/* https://no-color.org: set and not empty means no colour unless asked for. */
	if (nc && nc[0])
		return false;
	return isatty(fileno(out));
}

/* The marker of a cut cell: one column wide in a UTF-8 locale, three dots elsewhere. The
 * locale is read from the environment, not set: setlocale would change number formats. */
static const char *marker(size_t *cols)
{
	static const char *const vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};

	for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
		const char *v = getenv(vars[i]);

		if (!v || !v[0])
			continue;
		if (strstr(v, "UTF-8") || strstr(v, "utf8") || strstr(v, "UTF8") || strstr(v, "utf-8")) {
			*cols = 1;
			return "\xe2\x80\xa6";
		}
		break;
	}
	*cols = 3;
	return "...";
}

/* Terminal columns of s: one per character (UTF-8 continuation bytes take none). */
static size_t text_cols(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The byte length of the first cols columns of s. */
static size_t cols_prefix(const char *s, size_t cols)
{
	size_t i = 0, n = 0;

	while (s[i]) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (n == cols)
				break;
			n++;
		}
		i++;
	}
	return i;
}

char *table_fit_text(const char *s, size_t width)
{
	size_t mcols, keep;
	const char *m;
	char *r;

	if (!width || text_cols(s) <= width)
		return xstrdup(s);
	m = marker(&mcols);
	if (width <= mcols)
		return xasprintf("%.*s", (int)cols_prefix(s, width), s);
	keep = cols_prefix(s, width - mcols);
	r = xmalloc(keep + strlen(m) + 1);
	memcpy(r, s, keep);
	strcpy(r + keep, m);
	return r;
}

void text_table_init(struct text_table *t, size_t ncols, const char **heads, const bool *right)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->heads = heads;
	t->right = xcalloc(ncols, sizeof(*t->right));
	t->trunc = xcalloc(ncols, sizeof(*t->trunc));
	t->drop = xcalloc(ncols, sizeof(*t->drop));
	if (right)
		memcpy(t->right, right, ncols * sizeof(*right));
}

void text_table_set_trunc(struct text_table *t, size_t c)
{
	if (c < t->ncols)
		t->trunc[c] = true;
}

void text_table_add_owned(struct text_table *t, char **row, const char *color)
{
	xgrow((void **)&t->cells, &t->cap, (t->nrows + 1) * t->ncols, sizeof(*t->cells));
	xgrow((void **)&t->color, &t->ccap, t->nrows + 1, sizeof(*t->color));
	for (size_t c = 0; c < t->ncols; c++)
		t->cells[t->nrows * t->ncols + c] = row[c] ? row[c] : xstrdup("-");
	t->color[t->nrows] = color;
	t->nrows++;
}

void text_table_add_colored(struct text_table *t, const char *const *row, const char *color)
{
	char **copy = xcalloc(t->ncols ? t->ncols : 1, sizeof(*copy));

	for (size_t c = 0; c < t->ncols; c++)
		copy[c] = row[c] ? xstrdup(row[c]) : NULL;
	text_table_add_owned(t, copy, color);
	free(copy);
}

void text_table_add(struct text_table *t, const char *const *row)
{
	text_table_add_colored(t, row, NULL);
}

void text_table_release(struct text_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->color);
	free(t->right);
	free(t->trunc);
	free(t->drop);
	memset(t, 0, sizeof(*t));
}

/* Raw output keeps one line per row and one field per blank: blanks and backslashes in a
 * cell are written as \x20 and \x5c, as util-linux does. */
static void put_raw(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ' || *s == '\\' || *s == '\t' || *s == '\n' || (unsigned char)*s < 0x20 ||
		    *s == 0x7f)
			fprintf(out, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, out);
	}
}

/* Export output, NAME="value": what a shell's eval or a script may read, so quotes, $, `,
 * backslashes and control characters are \xNN, as libsmartcols writes them. */
static void put_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\' || *s == '`' || *s == '$' || (unsigned char)*s < 0x20 ||
		    *s == 0x7f)
			fprintf(out, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

/* A header as a shell variable name (-y): % is _PCT, anything else not [A-Za-z0-9_] is _,
 * and a name cannot start with a digit. */
static void put_shell_name(FILE *out, const char *s)
{
	if (*s >= '0' && *s <= '9')
		fputc('_', out);
	for (; *s; s++) {
		if (*s == '%')
			fputs("_PCT", out);
		else if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
			 *s == '_')
			fputc(*s, out);
		else
			fputc('_', out);
	}
}

/* Control characters from the kernel (a comm, a path) must not drive the terminal. A cell
 * wider than width is cut, ending with the marker. */
static void put_cell(FILE *out, const char *s, size_t width, bool right, bool last)
{
	size_t len = text_cols(s), mcols = 0, bytes = strlen(s);
	const char *m = NULL;

	if (len > width) {
		m = marker(&mcols);
		if (width <= mcols) {
			bytes = cols_prefix(s, width);
			m = NULL;
		} else {
			bytes = cols_prefix(s, width - mcols);
		}
		len = width;
	}
	if (right)
		for (size_t i = len; i < width; i++)
			fputc(' ', out);
	for (size_t i = 0; i < bytes; i++)
		fputc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i], out);
	if (m)
		fputs(m, out);
	if (!right && !last)
		for (size_t i = len; i < width; i++)
			fputc(' ', out);
}

/* Widths fitted to width: w holds the natural widths and gets the final ones; hide marks the
 * columns left out. */
static void fit(const struct text_table *t, size_t *w, bool *hide, size_t width, unsigned flags)
{
	size_t *minw = xcalloc(t->ncols, sizeof(*minw));
	size_t *low = xcalloc(t->ncols, sizeof(*low));
	size_t total = 0, need, nvis;

	for (size_t c = 0; c < t->ncols; c++) {
		size_t head = flags & TABLE_NOHEADINGS ? 3 : text_cols(t->heads[c]);

		if (head < 3)
			head = 3;
		/* Cut columns keep ten columns while others can still be left out, then
		 * down to their header. */
		low[c] = t->trunc[c] && w[c] > head ? head : w[c];
		minw[c] = t->trunc[c] && w[c] > 10 ? (head > 10 ? head : 10) : w[c];
		if (minw[c] > w[c])
			minw[c] = w[c];
	}
	for (;;) {
		int best = -1;

		need = 0;
		nvis = 0;
		for (size_t c = 0; c < t->ncols; c++)
			if (!hide[c]) {
				need += minw[c];
				nvis++;
			}
		need += nvis ? nvis - 1 : 0;
		if (need <= width || !(flags & TABLE_DROP))
			break;
		for (size_t c = 0; c < t->ncols; c++)
			if (!hide[c] && t->drop[c] > 0 && (best < 0 || t->drop[c] > t->drop[best]))
				best = (int)c;
		if (best < 0)
			break;
		hide[best] = true;
	}
	nvis = 0;
	for (size_t c = 0; c < t->ncols; c++)
		if (!hide[c]) {
			total += w[c];
			nvis++;
		}
	total += nvis ? nvis - 1 : 0;
	/* Cut the widest cut-able column by one until the line fits or none can give more. */
	while (total > width) {
		int best = -1;

		for (size_t c = 0; c < t->ncols; c++)
			if (!hide[c] && w[c] > low[c] && (best < 0 || w[c] > w[best]))
				best = (int)c;
		if (best < 0)
			break;
		w[best]--;
		total--;
	}
	free(low);
	free(minw);
}

static void print_export(FILE *out, const struct text_table *t, unsigned flags)
{
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				fputc(' ', out);
			if (flags & TABLE_SHELL)
				put_shell_name(out, t->heads[c]);
			else
				fputs(t->heads[c], out);
			fputc('=', out);
			put_quoted(out, t->cells[r * t->ncols + c]);
		}
		fputc('\n', out);
	}
}

void text_table_print(FILE *out, const struct text_table *t, unsigned flags)
{
	size_t *w = xcalloc(t->ncols ? t->ncols : 1, sizeof(*w));
	bool *hide = xcalloc(t->ncols ? t->ncols : 1, sizeof(*hide));
	bool color = table_colored(out);
	size_t width, lastvis = 0;

	if (flags & TABLE_EXPORT) {
		print_export(out, t, flags);
		goto out;
	}
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
			w[c] = text_cols(t->heads[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t l = text_cols(t->cells[r * t->ncols + c]);
			if (l > w[c])
				w[c] = l;
		}
	}
	width = table_width(out);
	if (width)
		fit(t, w, hide, width, flags);
	for (size_t c = 0; c < t->ncols; c++)
		if (!hide[c])
			lastvis = c;
	if (!(flags & TABLE_NOHEADINGS)) {
		bool first = true;

		for (size_t c = 0; c < t->ncols; c++) {
			if (hide[c])
				continue;
			if (!first)
				fputc(' ', out);
			first = false;
			put_cell(out, t->heads[c], w[c], t->right[c], c == lastvis);
		}
		fputc('\n', out);
	}
	for (size_t r = 0; r < t->nrows; r++) {
		const char *sgr = color && t->color ? t->color[r] : NULL;
		bool first = true;

		if (sgr)
			fputs(sgr, out);
		for (size_t c = 0; c < t->ncols; c++) {
			if (hide[c])
				continue;
			if (!first)
				fputc(' ', out);
			first = false;
			put_cell(out, t->cells[r * t->ncols + c], w[c], t->right[c], c == lastvis);
		}
		if (sgr)
			fputs("\033[0m", out);
		fputc('\n', out);
	}
out:
	free(hide);
	free(w);
}

/* Which default columns go first when a terminal is too narrow for them all: the higher the
 * sooner. KIND, ID, NAME, STATE, USE%, STATUS and HOLDERS always stay. */
static int drop_rank(const struct column *c)
{
	static const char *const order[] = {
		"SIZE", "OWNER", "KEY", "PROCS", "USED", "MSGS", "LOCAL", "PEER", "INODE", "PERMS",
	};

	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		if (!strcmp(order[i], c->name))
			return (int)i + 1;
	return 0;
}

void render_table(FILE *out, struct ipc_object *const *objs, size_t n,
		  const struct column *const *cols, size_t ncols, unsigned flags)
{
	render_table_colored(out, objs, n, cols, ncols, flags, NULL);
}

void render_table_colored(FILE *out, struct ipc_object *const *objs, size_t n,
			  const struct column *const *cols, size_t ncols, unsigned flags,
			  const char *const *colors)
{
	const char **heads = xcalloc(ncols, sizeof(*heads));
	char **row = xcalloc(ncols, sizeof(*row));
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
	for (size_t c = 0; c < ncols; c++) {
		t.trunc[c] = column_truncates(cols[c]);
		if (flags & TABLE_DROP)
			t.drop[c] = drop_rank(cols[c]);
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < ncols; c++) {
			/* A list column whole, not cut at col_value's buffer. */
			row[c] = column_long_text(cols[c], objs[i]);
			if (row[c])
				continue;
			column_value(cols[c], objs[i], &vals[c]);
			row[c] = xstrdup(column_text(cols[c], &vals[c], flags & TABLE_BYTES, bufs[c],
						     sizeof(bufs[c])));
		}
		text_table_add_owned(&t, row, colors ? colors[i] : NULL);
	}
	text_table_print(out, &t, flags);
	text_table_release(&t);
	free(vals);
	free(bufs);
	free(right);
	free(row);
	free(heads);
}
