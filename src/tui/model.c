/* model.c - the rows of `top`: built from a snapshot, compared with the scan before,
 * filtered and sorted. Mark and sweep as htop does it: every row of the new scan is looked
 * up in the old one by identity; what the old one has and the new one lacks is gone. */
#include "tui/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/columns.h"
#include "core/kinds.h"
#include "core/util.h"
#include "tui/text.h"

const struct top_col top_cols[TC__COUNT] = {
	[TC_KIND] = {"KIND", false, false, 4, 9, 9},
	[TC_OBJECT] = {"OBJECT", false, false, 8, 0, 9},
	[TC_KEY] = {"KEY", false, false, 10, 10, 2},
	[TC_OWNER] = {"OWNER", false, false, 5, 10, 6},
	[TC_SIZE] = {"SIZE", true, true, 5, 7, 7},
	[TC_USED] = {"USED", true, true, 5, 7, 7},
	[TC_USE] = {"USE%", true, true, 6, 6, 9},
	[TC_MSGS] = {"MSGS", true, true, 4, 6, 5},
	[TC_HOLD] = {"HOLD", true, true, 4, 5, 4},
	[TC_WAIT] = {"WAIT", true, true, 4, 5, 3},
	[TC_STATUS] = {"STATUS", false, false, 6, 16, 8},
	[TC_HOLDERS] = {"HOLDERS", false, false, 10, 0, 1},
};

int top_col_find(const char *name)
{
	for (int i = 0; i < TC__COUNT; i++)
		if (!strcasecmp(name, top_cols[i].name))
			return i;
	return -1;
}

const char *top_object_label(const struct ipc_object *o, char *buf, size_t len)
{
	const char *colon;

	if (o->id >= 0) {
		snprintf(buf, len, "%lld", (long long)o->id);
	} else if (o->name) {
		snprintf(buf, len, "%s", o->name);
	} else if (o->local && o->peer) {
		snprintf(buf, len, "%s > %s", o->local, o->peer);
	} else if (o->local) {
		snprintf(buf, len, "%s", o->local);
	} else if (o->kind == KIND_SIGNAL && obj_fdk(o)->pid.pid > 0) {
		snprintf(buf, len, "%d %s", (int)obj_fdk(o)->pid.pid, obj_fdk(o)->pid.comm);
	} else {
		/* The identity without its kind: "pipe:1234" -> "1234". */
		colon = strchr(o->identity, ':');
		snprintf(buf, len, "%s", colon ? colon + 1 : o->identity);
	}
	return buf;
}

/* Cell texts are gathered here, cleaned, then copied into one allocation per row: a host
 * with 200,000 objects should not cost 2.6 million small allocations per scan. */
struct cellbuf {
	char text[TC__COUNT][512];
};

static void cell_set(struct top_cell *c, char *slot, const char *text, bool present)
{
	char tmp[512];

	snprintf(tmp, sizeof(tmp), "%s", present ? text : "-");
	tui_clean_to(slot, tmp);
	c->present = present;
}

/* The cell of a column of the table in core/columns.c. */
static void cell_column(struct top_cell *c, char *slot, const char *name, const struct ipc_object *o)
{
	const struct column *col = column_find(name);
	struct col_value v;
	char buf[128];

	column_value(col, o, &v);
	cell_set(c, slot, column_text(col, &v, false, buf, sizeof(buf)), v.present);
	if (v.present && col->type != COL_STR) {
		c->has_num = true;
		c->num = col->type == COL_PERCENT ? v.d : (double)v.i;
	}
}

/* FNV-1a over every field whose change the table marks, read straight from the object
 * (formatting 35 columns per object per scan would cost more than the scan on a big
 * host). Access times are left out: scanning reads files. */
struct hash {
	uint64_t h;
};

static void hash_bytes(struct hash *h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h->h ^= b[i];
		h->h *= 0x100000001b3ull;
	}
}

#define HASH(h, field) hash_bytes((h), &(field), sizeof(field))

static void hash_str(struct hash *h, const char *s)
{
	hash_bytes(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

static uint64_t signature(const struct ipc_object *o)
{
	struct hash h = {0xcbf29ce484222325ull};

	HASH(&h, o->uid);
	HASH(&h, o->gid);
	HASH(&h, o->mode);
	HASH(&h, o->flags);
	HASH(&h, o->size);
	HASH(&h, o->used_bytes);
	HASH(&h, obj_ipc(o)->messages);
	HASH(&h, obj_ipc(o)->max_messages);
	HASH(&h, obj_ipc(o)->nattch);
	HASH(&h, obj_ipc(o)->rss);
	HASH(&h, obj_ipc(o)->swap);
	HASH(&h, obj_ipc(o)->blocks);
	HASH(&h, obj_ipc(o)->seals);
	HASH(&h, obj_ipc(o)->stime);
	HASH(&h, obj_ipc(o)->rtime);
	HASH(&h, obj_ipc(o)->dtime);
	HASH(&h, obj_ipc(o)->otime);
	HASH(&h, obj_ipc(o)->mtime);
	if (o->kind == KIND_SYSV_SHM)
		HASH(&h, obj_ipc(o)->atime); /* the attach time there, not an access */
	HASH(&h, obj_ipc(o)->lspid.pid);
	HASH(&h, obj_ipc(o)->lrpid.pid);
	HASH(&h, obj_ipc(o)->lpid.pid);
	hash_str(&h, o->state);
	hash_str(&h, o->peer);
	hash_str(&h, o->partial);
	HASH(&h, o->rqueue);
	HASH(&h, o->wqueue);
	HASH(&h, o->pending);
	HASH(&h, obj_lock(o)->nwaiting);
	HASH(&h, obj_fdk(o)->count);
	HASH(&h, obj_fdk(o)->pnd);
	HASH(&h, obj_fdk(o)->shdpnd);
	for (int64_t i = 0; obj_ipc(o)->sems && i < obj_ipc(o)->nsems; i++) {
		HASH(&h, obj_ipc(o)->sems[i].value);
		HASH(&h, obj_ipc(o)->sems[i].ncount);
		HASH(&h, obj_ipc(o)->sems[i].zcount);
	}
	for (size_t i = 0; i < o->nholders; i++) {
		HASH(&h, o->holders[i].pid);
		HASH(&h, o->holders[i].fd);
		HASH(&h, o->holders[i].access);
	}
	for (size_t i = 0; i < o->nwaiters; i++) {
		HASH(&h, o->waiters[i].tid);
		hash_str(&h, o->waiters[i].what);
	}
	return h.h;
}

static void row_build(struct top_row *r, struct ipc_object *o, const struct stale_ctx *sc,
		      struct cellbuf *cb)
{
	struct evidence ev;
	struct col_value v;
	char buf[512], status[160];
	size_t total = 0, at = 0;

	memset(r, 0, sizeof(*r));
	r->identity = xstrdup(o->identity);
	r->kind = o->kind;
	r->obj = o;
	r->expr_ok = true;
	r->stale = object_is_stale(o, sc, &ev);
	r->deadlock = o->flags & OBJ_DEADLOCK;
	r->sig = signature(o);

	cell_column(&r->cells[TC_KIND], cb->text[TC_KIND], "KIND", o);
	cell_set(&r->cells[TC_OBJECT], cb->text[TC_OBJECT], top_object_label(o, buf, sizeof(buf)), true);
	/* Ids and inodes sort as numbers (2 before 10). */
	if (buf[0] && strspn(buf, "0123456789") == strlen(buf) && strlen(buf) < 16) {
		r->cells[TC_OBJECT].has_num = true;
		r->cells[TC_OBJECT].num = strtod(buf, NULL);
	}
	cell_column(&r->cells[TC_KEY], cb->text[TC_KEY], "KEY", o);
	cell_column(&r->cells[TC_OWNER], cb->text[TC_OWNER], "OWNER", o);
	cell_column(&r->cells[TC_SIZE], cb->text[TC_SIZE], "SIZE", o);
	cell_column(&r->cells[TC_USED], cb->text[TC_USED], "USED", o);
	cell_column(&r->cells[TC_USE], cb->text[TC_USE], "USE%", o);
	cell_column(&r->cells[TC_MSGS], cb->text[TC_MSGS], "MSGS", o);
	cell_column(&r->cells[TC_HOLD], cb->text[TC_HOLD], "NHOLDERS", o);
	cell_column(&r->cells[TC_WAIT], cb->text[TC_WAIT], "NWAITERS", o);
	column_value(column_find("STATUS"), o, &v);
	snprintf(status, sizeof(status), "%s%s%s", r->stale ? "stale" : "",
		 r->stale && v.present ? "," : "", v.present ? v.s : "");
	cell_set(&r->cells[TC_STATUS], cb->text[TC_STATUS], status, status[0] != '\0');
	cell_column(&r->cells[TC_HOLDERS], cb->text[TC_HOLDERS], "HOLDERS", o);

	for (int i = 0; i < TC__COUNT; i++)
		total += strlen(cb->text[i]) + 1;
	r->buf = xmalloc(total);
	for (int i = 0; i < TC__COUNT; i++) {
		size_t n = strlen(cb->text[i]) + 1;

		memcpy(r->buf + at, cb->text[i], n);
		r->cells[i].text = r->buf + at;
		at += n;
	}
}

static void row_release(struct top_row *r)
{
	free(r->identity);
	free(r->buf);
}

void top_rows_build(struct top_rows *rows, struct snapshot *snap, const struct stale_ctx *sc)
{
	struct stale_ctx c = *sc;

	c.now = snap->time;
	c.holders_complete = snap->holders_complete;
	rows->snap = snap;
	rows->n = snap->nobjs;
	rows->rows = xcalloc(rows->n ? rows->n : 1, sizeof(*rows->rows));
	{
		struct cellbuf *cb = xmalloc(sizeof(*cb));

		for (size_t i = 0; i < snap->nobjs; i++)
			row_build(&rows->rows[i], snap->objs[i], &c, cb);
		free(cb);
	}
}

void top_rows_release(struct top_rows *rows)
{
	for (size_t i = 0; i < rows->n; i++)
		row_release(&rows->rows[i]);
	free(rows->rows);
	if (rows->snap) {
		snapshot_release(rows->snap);
		free(rows->snap);
	}
	memset(rows, 0, sizeof(*rows));
}

void top_model_init(struct top_model *m)
{
	memset(m, 0, sizeof(*m));
	m->sort = TC_USE;
	m->desc = true;
}

void top_model_release(struct top_model *m)
{
	top_rows_release(&m->cur);
	free(m->view);
	free(m->selected);
	memset(m, 0, sizeof(*m));
}

static int by_identity(const void *a, const void *b)
{
	const struct top_row *const *x = a, *const *y = b;

	return strcmp((*x)->identity, (*y)->identity);
}

/* The rows of rows, sorted by identity (borrowed pointers; the caller frees the array). */
static struct top_row **index_by_identity(struct top_rows *rows)
{
	struct top_row **ix = xcalloc(rows->n ? rows->n : 1, sizeof(*ix));

	for (size_t i = 0; i < rows->n; i++)
		ix[i] = &rows->rows[i];
	qsort(ix, rows->n, sizeof(*ix), by_identity);
	return ix;
}

void top_model_swap(struct top_model *m, struct top_rows *next)
{
	struct top_row **old = index_by_identity(&m->cur), **now = index_by_identity(next);
	size_t i = 0, j = 0, ngone = 0;
	bool first = m->scans == 0;

	/* First pass: count the gone rows, so next's array is grown once. */
	while (i < m->cur.n) {
		int c = j < next->n ? strcmp(old[i]->identity, now[j]->identity) : -1;

		if (c < 0) {
			ngone += old[i]->change != TOP_GONE;
			i++;
		} else if (c > 0) {
			j++;
		} else {
			i++;
			j++;
		}
	}
	for (size_t k = 0; k < next->n; k++)
		next->rows[k].change = first ? TOP_SAME : TOP_NEW;
	i = j = 0;
	{
		size_t base = next->n;

		next->rows = xrealloc(next->rows, (base + ngone + 1) * sizeof(*next->rows));
		/* now[] points into the old array of next: rebuild it before using it again. */
		free(now);
		now = index_by_identity(next);
		while (i < m->cur.n) {
			int c = j < base ? strcmp(old[i]->identity, now[j]->identity) : -1;

			if (c < 0) {
				if (old[i]->change != TOP_GONE) {
					/* Moved over: the row keeps its cells, loses its object. */
					struct top_row *g = &next->rows[next->n++];

					*g = *old[i];
					g->obj = NULL;
					g->change = TOP_GONE;
					memset(old[i], 0, sizeof(*old[i]));
				}
				i++;
			} else if (c > 0) {
				j++;
			} else {
				now[j]->change = old[i]->sig == now[j]->sig ? TOP_SAME : TOP_CHANGED;
				/* Until the expression runs again, a row keeps its verdict. */
				now[j]->expr_ok = old[i]->expr_ok;
				i++;
				j++;
			}
		}
	}
	free(old);
	free(now);
	top_rows_release(&m->cur);
	m->cur = *next;
	memset(next, 0, sizeof(*next));
	m->scans++;
	memset(m->counts, 0, sizeof(m->counts));
	for (size_t k = 0; k < m->cur.n; k++)
		m->counts[m->cur.rows[k].change]++;
	top_model_rematch(m);
	top_model_update_view(m);
}

void top_model_rematch(struct top_model *m)
{
	for (size_t i = 0; i < m->cur.n; i++) {
		struct top_row *r = &m->cur.rows[i];

		/* A gone row cannot be asked again: it keeps its verdict, unless there is no
		 * expression any more. */
		if (!m->match)
			r->expr_ok = true;
		else if (r->obj)
			r->expr_ok = m->match(r->obj, m->match_arg);
	}
}

bool top_row_matches(const struct top_row *r, const char *search)
{
	char buf[48];

	if (!search[0] || strcasestr(r->identity, search))
		return true;
	for (int i = 0; i < TC__COUNT; i++)
		if (r->cells[i].present && strcasestr(r->cells[i].text, search))
			return true;
	/* Every holder, not only the ones the HOLDERS cell had room for. */
	for (size_t i = 0; r->obj && i < r->obj->nholders; i++) {
		snprintf(buf, sizeof(buf), "%d %s", (int)r->obj->holders[i].pid, r->obj->holders[i].comm);
		if (strcasestr(buf, search))
			return true;
	}
	return false;
}

/* qsort has no argument: the model being sorted (the UI thread alone sorts). */
static const struct top_model *sorting;

static int cell_cmp(const struct top_cell *a, const struct top_cell *b)
{
	if (a->has_num && b->has_num)
		return (a->num > b->num) - (a->num < b->num);
	if (a->has_num != b->has_num)
		return a->has_num ? -1 : 1; /* numbers before words */
	return strcmp(a->text, b->text);
}

static int by_sort(const void *pa, const void *pb)
{
	const struct top_row *a = &sorting->cur.rows[*(const size_t *)pa];
	const struct top_row *b = &sorting->cur.rows[*(const size_t *)pb];
	const struct top_cell *ca = &a->cells[sorting->sort], *cb = &b->cells[sorting->sort];
	int c;

	/* Absent values go last whichever the direction: reversing fill should show the
	 * emptiest objects, not the sockets that have no fill. */
	if (ca->present != cb->present)
		return ca->present ? -1 : 1;
	if (ca->has_num != cb->has_num)
		return ca->has_num ? -1 : 1; /* numbers before words, either way */
	if (ca->present) {
		c = cell_cmp(ca, cb);
		if (c)
			return sorting->desc ? -c : c;
	}
	if (a->kind != b->kind)
		return (int)a->kind - (int)b->kind;
	c = cell_cmp(&a->cells[TC_OBJECT], &b->cells[TC_OBJECT]);
	return c ? c : strcmp(a->identity, b->identity);
}

void top_model_update_view(struct top_model *m)
{
	size_t keep = m->sel;

	xgrow((void **)&m->view, &m->view_cap, m->cur.n + 1, sizeof(*m->view));
	m->nview = 0;
	for (size_t i = 0; i < m->cur.n; i++) {
		const struct top_row *r = &m->cur.rows[i];

		if (m->kinds && !(m->kinds & KIND_BIT(r->kind)))
			continue;
		if (!r->expr_ok || !top_row_matches(r, m->search))
			continue;
		m->view[m->nview++] = i;
	}
	sorting = m;
	qsort(m->view, m->nview, sizeof(*m->view), by_sort);
	sorting = NULL;
	m->sel = keep < m->nview ? keep : m->nview ? m->nview - 1 : 0;
	if (m->selected) {
		for (size_t i = 0; i < m->nview; i++) {
			if (!strcmp(m->cur.rows[m->view[i]].identity, m->selected)) {
				m->sel = i;
				break;
			}
		}
	}
	free(m->selected);
	m->selected = m->nview ? xstrdup(m->cur.rows[m->view[m->sel]].identity) : NULL;
}

void top_model_set_sort(struct top_model *m, int col, int desc)
{
	if (col < 0 || col >= TC__COUNT)
		return;
	m->sort = col;
	m->desc = desc < 0 ? top_cols[col].numeric : desc > 0;
	top_model_update_view(m);
}

void top_model_move(struct top_model *m, long delta, size_t height)
{
	long s = (long)m->sel + delta;

	if (!m->nview)
		return;
	if (s < 0)
		s = 0;
	if (s >= (long)m->nview)
		s = (long)m->nview - 1;
	m->sel = (size_t)s;
	free(m->selected);
	m->selected = xstrdup(m->cur.rows[m->view[m->sel]].identity);
	if (height == 0)
		height = 1;
	if (m->sel < m->first)
		m->first = m->sel;
	if (m->sel >= m->first + height)
		m->first = m->sel - height + 1;
	if (m->first + height > m->nview)
		m->first = m->nview > height ? m->nview - height : 0;
}

const struct top_row *top_model_selected(const struct top_model *m)
{
	return m->nview ? &m->cur.rows[m->view[m->sel]] : NULL;
}

void top_lines_release(struct top_lines *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].prefix);
		free(l->v[i].text);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}
