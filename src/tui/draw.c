/* draw.c - top's screen, drawn into curses' virtual screen (erase, then every line) and
 * sent with one doupdate(): curses compares it with what the terminal shows and writes only
 * the cells that differ, so a refresh where nothing moved writes a few bytes of the clock. */
#include "tui/draw.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/kinds.h"
#include "core/ns.h"
#include "core/util.h"
#include "tui/text.h"

enum { PAIR_NEW = 1, PAIR_CHANGED, PAIR_GONE, PAIR_STALE, PAIR_DEADLOCK, PAIR_HEAD, PAIR_SORT,
       PAIR_BAR_LOW, PAIR_BAR_MID, PAIR_BAR_HIGH, PAIR_TITLE };

static bool colors;

void draw_init(bool color)
{
	colors = color && has_colors();
	if (!colors)
		return;
	start_color();
	use_default_colors();
	init_pair(PAIR_NEW, COLOR_GREEN, -1);
	init_pair(PAIR_CHANGED, COLOR_YELLOW, -1);
	init_pair(PAIR_GONE, COLOR_RED, -1);
	init_pair(PAIR_STALE, COLOR_MAGENTA, -1);
	init_pair(PAIR_DEADLOCK, COLOR_RED, -1);
	init_pair(PAIR_HEAD, COLOR_BLACK, COLOR_GREEN);
	init_pair(PAIR_SORT, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_BAR_LOW, COLOR_GREEN, -1);
	init_pair(PAIR_BAR_MID, COLOR_YELLOW, -1);
	init_pair(PAIR_BAR_HIGH, COLOR_RED, -1);
	init_pair(PAIR_TITLE, COLOR_CYAN, -1);
}

static attr_t pair(int p, attr_t plain)
{
	return colors ? (attr_t)COLOR_PAIR(p) : plain;
}

/* Text at (y, x), at most cols cells; returns the cells used. */
static int put(int y, int x, const char *s, int cols)
{
	int used;
	size_t n;

	if (cols <= 0)
		return 0;
	n = tui_fit(s, cols, &used);
	mvaddnstr(y, x, s, (int)n);
	return used;
}

/* Text padded or cut to exactly cols cells, right-aligned when right. A cut is marked
 * with '~' in its last cell, so a clipped name is never mistaken for a whole one. */
static void put_cell(int y, int x, const char *s, int cols, bool right)
{
	int w = tui_width(s);

	if (w > cols && cols > 1) {
		put(y, x, s, cols - 1);
		mvaddch(y, x + cols - 1, '~');
		return;
	}
	put(y, right ? x + cols - w : x, s, cols);
}

/* ---- header: host, time, limit bars ---- */

static int used_limits(const struct snapshot *s, const struct limit **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; s && i < s->nlimits && n < max; i++) {
		const struct limit *l = &s->limits[i];

		/* A ceiling (msg_max: a bound on each queue) is no pool to fill: no bar. */
		if (l->has_value && l->has_used && l->value > 0 && l->used > 0 && !l->ceiling)
			out[n++] = l;
	}
	/* Fullest first: the bar that matters is the one near its limit. */
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0; j--) {
			double a = (double)out[j]->used / (double)out[j]->value;
			double b = (double)out[j - 1]->used / (double)out[j - 1]->value;
			const struct limit *t;

			if (a <= b)
				break;
			t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	}
	return (int)n;
}

static int bars_per_line(int cols)
{
	return cols >= 120 ? 3 : cols >= 60 ? 2 : 1;
}

static int bar_lines(const struct top_model *m, int lines, int cols)
{
	const struct limit *l[64];
	int n = used_limits(m->cur.snap, l, ARRAY_SIZE(l)), per = bars_per_line(cols);
	int want = (n + per - 1) / per, most = lines >= 40 ? 4 : lines >= 24 ? 3 : lines >= 16 ? 2 : lines >= 12 ? 1 : 0;

	return want < most ? want : most;
}

int draw_body_rows(const struct top_model *m, int lines, int cols)
{
	int r = lines - bar_lines(m, lines, cols) - 4;

	return r > 0 ? r : 0;
}

static void amount(const struct limit *l, uint64_t v, char *buf, size_t len)
{
	if (!strcmp(l->unit, "bytes"))
		human_size(v, buf, len);
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

/* htop's meter: "name[|||||      used/limit]", the figures inside the bar at its right. */
static void draw_bar(int y, int x, int width, const struct snapshot *s, const struct limit *l)
{
	char name[40], cont[80], u[24], v[24], fig[56];
	double share = (double)l->used / (double)l->value;
	int namew, inner, fill, fw;
	const struct container *c = l->ns ? snapshot_limit_container(s, l) : NULL;

	if (c)
		snprintf(name, sizeof(name), "%s/%s", l->name, container_label(c, cont, sizeof(cont)));
	else
		snprintf(name, sizeof(name), "%s", l->name);
	amount(l, l->used, u, sizeof(u));
	amount(l, l->value, v, sizeof(v));
	snprintf(fig, sizeof(fig), "%s/%s", u, v);
	namew = width >= 36 ? 14 : 8;
	inner = width - namew - 2;
	if (inner < 4)
		return;
	attron(A_BOLD | pair(PAIR_TITLE, 0));
	put_cell(y, x, name, namew - 1, false);
	attroff(A_BOLD | pair(PAIR_TITLE, 0));
	mvaddch(y, x + namew, '[');
	fill = (int)(share * inner + 0.5);
	fill = fill > inner ? inner : fill < 1 ? 1 : fill;
	attron(pair(share >= 0.9 ? PAIR_BAR_HIGH : share >= 0.6 ? PAIR_BAR_MID : PAIR_BAR_LOW, A_BOLD));
	for (int i = 0; i < fill; i++)
		mvaddch(y, x + namew + 1 + i, '|');
	attroff(pair(share >= 0.9 ? PAIR_BAR_HIGH : share >= 0.6 ? PAIR_BAR_MID : PAIR_BAR_LOW, A_BOLD));
	fw = tui_width(fig);
	if (fw < inner)
		put(y, x + namew + 1 + inner - fw, fig, fw);
	mvaddch(y, x + namew + 1 + inner, ']');
}

static void draw_header(const struct top_model *m, const struct top_ui *ui, int cols, int nbars)
{
	const struct snapshot *s = m->cur.snap;
	const struct limit *l[64];
	char line[512], when[16] = "--:--:--";
	int n = used_limits(s, l, ARRAY_SIZE(l)), per = bars_per_line(cols), width = cols / per;
	int slots = nbars * per;

	if (s) {
		time_t t = (time_t)s->time;
		struct tm tm;

		if (localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
	}
	if (s)
		snprintf(line, sizeof(line), "ipcscope top  %s  %s  scan %.0f ms, every %.1fs%s  %zu objects",
			 s->host, when, (double)s->scan_ns / 1e6, ui->delay, ui->scanning ? " *" : "", s->nobjs);
	else
		snprintf(line, sizeof(line), "ipcscope top  first scan, every %.1fs ...", ui->delay);
	{
		char *clean = tui_clean(line);
		int x;

		attron(A_BOLD);
		x = put(0, 0, clean, cols);
		attroff(A_BOLD);
		free(clean);
		if (s && s->nerrs) {
			snprintf(line, sizeof(line), "  %zu errors (e)", s->nerrs);
			attron(pair(PAIR_GONE, A_BOLD));
			put(0, x, line, cols - x);
			attroff(pair(PAIR_GONE, A_BOLD));
		}
	}
	for (int i = 0; i < n && i < slots; i++) {
		int y = 1 + i / per, x = (i % per) * width;

		if (i == slots - 1 && n > slots) {
			snprintf(line, sizeof(line), "... %d more limits in use", n - slots + 1);
			put(y, x, line, width);
			break;
		}
		draw_bar(y, x, width - 1, s, l[i]);
	}
}

/* ---- the table ---- */

struct layout {
	bool shown[TC__COUNT];
	int width[TC__COUNT];
};

static void plan_columns(const struct top_model *m, int cols, struct layout *lay)
{
	int want[TC__COUNT], total = 1; /* the change mark */

	for (int c = 0; c < TC__COUNT; c++) {
		want[c] = tui_width(top_cols[c].name);
		lay->shown[c] = true;
	}
	for (size_t i = 0; i < m->nview; i++) {
		const struct top_row *r = &m->cur.rows[m->view[i]];

		for (int c = 0; c < TC__COUNT; c++) {
			int w = tui_width(r->cells[c].text);

			if (w > want[c])
				want[c] = w;
		}
	}
	for (int c = 0; c < TC__COUNT; c++) {
		int most = top_cols[c].max ? top_cols[c].max : c == TC_OBJECT ? 40 : 200;

		lay->width[c] = want[c] < top_cols[c].min ? top_cols[c].min : want[c] > most ? most : want[c];
		/* The holders take what is left at the end; counted at their least here. */
		if (c == TC_HOLDERS)
			lay->width[c] = top_cols[c].min;
		/* A column nobody has a value in (no SysV object: no KEY) is left out. */
		if (c != TC_OBJECT && c != TC_KIND && c != TC_USE) {
			bool any = false;

			for (size_t i = 0; i < m->nview && !any; i++)
				any = m->cur.rows[m->view[i]].cells[c].present;
			lay->shown[c] = any;
		}
		if (lay->shown[c])
			total += lay->width[c] + 1;
	}
	/* Too wide: drop the least needed columns, then narrow the object's name. */
	while (total > cols) {
		int drop = -1;

		for (int c = 0; c < TC__COUNT; c++)
			if (lay->shown[c] && c != TC_OBJECT && c != TC_KIND && c != TC_USE &&
			    (drop < 0 || top_cols[c].keep < top_cols[drop].keep))
				drop = c;
		if (drop >= 0 && lay->width[TC_OBJECT] <= 16) {
			lay->shown[drop] = false;
			total -= lay->width[drop] + 1;
			continue;
		}
		if (lay->width[TC_OBJECT] > top_cols[TC_OBJECT].min) {
			int cut = total - cols, room = lay->width[TC_OBJECT] - (drop >= 0 ? 16 : top_cols[TC_OBJECT].min);

			if (room <= 0)
				room = 1;
			cut = cut < room ? cut : room;
			lay->width[TC_OBJECT] -= cut;
			total -= cut;
			continue;
		}
		break;
	}
	/* Room to spare goes to a name cut short, then to the holders, the one column that
	 * always has more to say. */
	if (total < cols && lay->width[TC_OBJECT] < want[TC_OBJECT]) {
		int more = want[TC_OBJECT] - lay->width[TC_OBJECT];

		more = more < cols - total ? more : cols - total;
		lay->width[TC_OBJECT] += more;
		total += more;
	}
	if (lay->shown[TC_HOLDERS] && total < cols)
		lay->width[TC_HOLDERS] += cols - total;
}

static attr_t row_attr(const struct top_row *r)
{
	switch (r->change) {
	case TOP_NEW:
		return pair(PAIR_NEW, 0) | A_BOLD;
	case TOP_CHANGED:
		return pair(PAIR_CHANGED, 0) | A_BOLD;
	case TOP_GONE:
		return pair(PAIR_GONE, 0) | A_DIM;
	default:
		return 0;
	}
}

static void draw_table(struct top_model *m, int y0, int rows, int cols)
{
	static const char marks[] = {[TOP_SAME] = ' ', [TOP_NEW] = '+', [TOP_CHANGED] = '*', [TOP_GONE] = '-'};
	struct layout lay;
	int x = 1;

	plan_columns(m, cols, &lay);
	attron(pair(PAIR_HEAD, A_REVERSE));
	mvhline(y0, 0, ' ', cols);
	for (int c = 0; c < TC__COUNT; c++) {
		if (!lay.shown[c])
			continue;
		if (c == m->sort)
			attron(pair(PAIR_SORT, A_BOLD));
		put_cell(y0, x, top_cols[c].name, lay.width[c], top_cols[c].right);
		if (c == m->sort)
			attroff(pair(PAIR_SORT, A_BOLD));
		x += lay.width[c] + 1;
	}
	attroff(pair(PAIR_HEAD, A_REVERSE));

	top_model_move(m, 0, (size_t)(rows > 0 ? rows : 1));
	for (int i = 0; i < rows && m->first + (size_t)i < m->nview; i++) {
		size_t vi = m->first + (size_t)i;
		const struct top_row *r = &m->cur.rows[m->view[vi]];
		int y = y0 + 1 + i;
		attr_t base = row_attr(r);
		bool sel = vi == m->sel;

		if (sel) {
			attron(A_REVERSE);
			mvhline(y, 0, ' ', cols);
		}
		attron(base);
		mvaddch(y, 0, (chtype)marks[r->change]);
		x = 1;
		for (int c = 0; c < TC__COUNT; c++) {
			attr_t extra = 0;

			if (!lay.shown[c])
				continue;
			if (c == TC_STATUS && r->change != TOP_GONE)
				extra = r->deadlock ? pair(PAIR_DEADLOCK, 0) | A_BOLD : r->stale ? pair(PAIR_STALE, 0) | A_BOLD : 0;
			if (extra)
				attron(extra);
			put_cell(y, x, r->cells[c].text, lay.width[c], top_cols[c].right);
			if (extra) {
				attroff(extra);
				attron(base);
			}
			x += lay.width[c] + 1;
		}
		attroff(base);
		if (sel)
			attroff(A_REVERSE);
	}
}

/* ---- the other views ---- */

static void draw_lines(const struct top_ui *ui, int y0, int rows, int cols)
{
	for (int i = 0; i < rows && ui->scroll + (size_t)i < ui->lines.n; i++) {
		const struct top_line *l = &ui->lines.v[ui->scroll + (size_t)i];
		attr_t a = l->style == TL_HEAD ? A_BOLD : l->style == TL_WARN ? pair(PAIR_STALE, A_BOLD) | A_BOLD
			 : l->style == TL_BAD ? pair(PAIR_DEADLOCK, A_BOLD) | A_BOLD : l->style == TL_DIM ? A_DIM : 0;
		int x = 1;

		/* The tree's prefix in line-drawing characters. */
		for (const char *p = l->prefix; *p && x < cols; p++, x++) {
			chtype ch = *p == '|' ? ACS_VLINE : *p == '+' ? ACS_LTEE : *p == '`' ? ACS_LLCORNER
				  : *p == '-' ? ACS_HLINE : ' ';
			mvaddch(y0 + i, x, ch);
		}
		attron(a);
		put(y0 + i, x, l->text, cols - x);
		attroff(a);
	}
}

static const char *const help_text[] = {
	"ipcscope top: every IPC object of the host, refreshed live",
	"",
	"Up/Down, PgUp/PgDn, Home/End   move the selection",
	"/        search: keep the rows whose text holds what you type (Esc clears)",
	"Q        filter expression, as -Q (e.g. USE% > 50 && KIND == \"sysv-msg\")",
	"t        kinds or groups to show (sysv, posix-mq, ...; empty: every kind)",
	"s / S    sort by the next column / reverse the order",
	"Enter    detail: fields, holders, waiters, semaphore values, queue fill",
	"g        who talks to whom through the selected object",
	"d        remove the selected object, as `ipcscope rm` does (asks first)",
	"r        scan now;  e  the errors of the last scan (the header counts them)",
	"h or ?   this help;  Esc or q leaves a view",
	"q        quit",
	"",
	"Marks: + new since the last scan, * changed, - gone (shown one more scan).",
	"STATUS: stale (clean's rule of its kind), deadlock (a cycle of waits), dest,",
	"locked, half-open, deleted, partial. Bars: kernel limits in use, fullest first.",
};

static void draw_info(const struct top_model *m, const struct top_ui *ui, int y, int cols)
{
	char line[768];
	const char *kinds = m->kinds && ui->kinds ? ui->kinds : "all";
	size_t n = 0;

	n += (size_t)snprintf(line + n, sizeof(line) - n, "%zu of %zu shown  sort %s %s  kind %s",
			      m->nview, m->cur.n, top_cols[m->sort].name, m->desc ? "desc" : "asc", kinds);
	if (m->search[0] && n < sizeof(line))
		n += (size_t)snprintf(line + n, sizeof(line) - n, "  search \"%s\"", m->search);
	if (ui->filter && n < sizeof(line))
		n += (size_t)snprintf(line + n, sizeof(line) - n, "  filter %s", ui->filter);
	if (m->scans > 1 && n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, "  +%zu *%zu -%zu", m->counts[TOP_NEW],
			 m->counts[TOP_CHANGED], m->counts[TOP_GONE]);
	{
		char *clean = tui_clean(line);

		put(y, 0, clean, cols);
		free(clean);
	}
}

/* text cut into lines of cols cells (at most max), drawn upwards so its end is on line
 * last; returns where the text ended (y, x) for the cursor. */
static int put_wrapped(const char *text, int last, int cols, int max, attr_t a, int *cy, int *cx)
{
	const char *chunks[8];
	size_t lens[8];
	int n = 0, used = 0;
	const char *p = text;

	if (max > 8)
		max = 8;
	do {
		size_t len = tui_fit(p, cols, &used);

		if (!len && *p)
			len = 1; /* a character wider than the screen */
		chunks[n] = p;
		lens[n++] = len;
		p += len;
	} while (*p && n < max);
	attron(a);
	for (int i = 0; i < n; i++) {
		move(last - n + 1 + i, 0);
		clrtoeol();
		mvaddnstr(last - n + 1 + i, 0, chunks[i], (int)lens[i]);
	}
	attroff(a);
	*cy = last;
	*cx = used < cols ? used : cols - 1;
	return n;
}

static attr_t message_attr(const struct top_ui *ui)
{
	return ui->msg_style == TL_BAD ? pair(PAIR_DEADLOCK, A_BOLD) | A_BOLD
	     : ui->msg_style == TL_WARN ? pair(PAIR_STALE, A_BOLD) : A_BOLD;
}

static void draw_bottom(const struct top_ui *ui, int y, int cols)
{
	int cy, cx;

	if (ui->prompt) {
		char *raw = xasprintf("%s%s", ui->prompt, ui->input), *text = tui_clean(raw);
		int n = put_wrapped(text, y, cols, 4, A_BOLD, &cy, &cx);

		/* What was wrong with the last try (a filter's column and reason) above it. */
		if (ui->message[0]) {
			char *msg = tui_clean(ui->message);
			int my, mx;

			put_wrapped(msg, y - n, cols, 3, message_attr(ui), &my, &mx);
			free(msg);
		}
		move(cy, cx);
		free(raw);
		free(text);
		return;
	}
	if (ui->message[0]) {
		/* Long messages (rm's reason and evidence) wrap over the table's last rows. */
		char *msg = tui_clean(ui->message);

		put_wrapped(msg, y, cols, 4, message_attr(ui), &cy, &cx);
		free(msg);
		return;
	}
	attron(A_REVERSE);
	mvhline(y, 0, ' ', cols);
	put(y, 0, ui->view == VIEW_TABLE
		   ? "h:help /:search Q:filter t:kind s/S:sort Enter:detail g:tree d:remove q:quit"
		   : "Esc:back Up/Down:scroll d:remove q:back", cols);
	attroff(A_REVERSE);
}

void draw_screen(struct top_model *m, const struct top_ui *ui)
{
	int lines = LINES, cols = COLS, nbars = bar_lines(m, lines, cols);
	int y0 = nbars + 1, rows = draw_body_rows(m, lines, cols);

	/* erase() only clears the virtual screen; the terminal gets the difference. */
	erase();
	curs_set(ui->prompt ? 1 : 0);
	draw_header(m, ui, cols, nbars);
	if (lines > 4)
		draw_info(m, ui, y0, cols);
	switch (ui->view) {
	case VIEW_TABLE:
		draw_table(m, y0 + 1, rows, cols);
		break;
	case VIEW_HELP:
		attron(A_REVERSE);
		mvhline(y0 + 1, 0, ' ', cols);
		put(y0 + 1, 0, " Help", cols);
		attroff(A_REVERSE);
		for (int i = 0; i < rows && (size_t)i < ARRAY_SIZE(help_text); i++)
			put(y0 + 2 + i, 1, help_text[i], cols - 1);
		break;
	case VIEW_DETAIL:
	case VIEW_TREE:
	case VIEW_ERRORS: {
		char title[512];

		if (ui->view == VIEW_ERRORS)
			snprintf(title, sizeof(title), " Errors of the last scan");
		else
			snprintf(title, sizeof(title), " %s: %s%s", ui->view == VIEW_DETAIL ? "Detail" : "Who talks to whom",
				 ui->subject ? ui->subject : "-", ui->subject_gone ? "  (gone)" : "");
		attron(A_REVERSE);
		mvhline(y0 + 1, 0, ' ', cols);
		{
			char *t = tui_clean(title);

			put(y0 + 1, 0, t, cols);
			free(t);
		}
		attroff(A_REVERSE);
		draw_lines(ui, y0 + 2, rows, cols);
		break;
	}
	}
	draw_bottom(ui, lines - 1, cols);
	wnoutrefresh(stdscr);
	doupdate();
}
