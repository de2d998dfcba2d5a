/* detail.c - the text of top's detail view (Enter) and holder tree (g) for one object:
 * plain lines the drawing code only places, so they can be tested without a terminal. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/columns.h"
#include "core/deadlock.h"
#include "core/kinds.h"
#include "core/ns.h"
#include "core/util.h"
#include "tui/model.h"
#include "tui/text.h"

static void add_line(struct top_lines *l, enum top_style st, const char *prefix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_line(struct top_lines *l, enum top_style st, const char *prefix, const char *fmt, ...)
{
	va_list ap;
	char *raw;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&raw, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	xgrow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n].prefix = xstrdup(prefix);
	l->v[l->n].text = tui_clean(raw);
	l->v[l->n].style = st;
	l->n++;
	free(raw);
}

/* A small aligned table: cells are collected row by row, then emitted as lines. */
struct grid {
	char **cells; /* owned, ncols per row */
	size_t ncols, nrows, cap;
	const bool *right;
};

static void grid_row(struct grid *g, const char *const *row)
{
	xgrow((void **)&g->cells, &g->cap, (g->nrows + 1) * g->ncols, sizeof(*g->cells));
	for (size_t c = 0; c < g->ncols; c++)
		g->cells[g->nrows * g->ncols + c] = tui_clean(row[c] ? row[c] : "-");
	g->nrows++;
}

static void grid_emit(struct grid *g, struct top_lines *l)
{
	int w[16] = {0};

	for (size_t i = 0; i < g->nrows * g->ncols; i++) {
		int cw = tui_width(g->cells[i]);

		if (cw > w[i % g->ncols])
			w[i % g->ncols] = cw;
	}
	for (size_t r = 0; r < g->nrows; r++) {
		char line[1024];
		size_t n = 0;

		for (size_t c = 0; c < g->ncols && n < sizeof(line) - 1; c++) {
			const char *t = g->cells[r * g->ncols + c];
			int pad = w[c] - tui_width(t);
			bool last = c + 1 == g->ncols;

			n += (size_t)snprintf(line + n, sizeof(line) - n, "%*s%s%*s%s",
					      g->right && g->right[c] ? pad : 0, "", t,
					      (g->right && g->right[c]) || last ? 0 : pad, "", last ? "" : "  ");
			if (n >= sizeof(line))
				n = sizeof(line) - 1;
		}
		add_line(l, r ? TL_PLAIN : TL_DIM, "", "  %s", line);
	}
	for (size_t i = 0; i < g->nrows * g->ncols; i++)
		free(g->cells[i]);
	free(g->cells);
}

/* "[||||||      ] 40.0%" for a share, in width bar cells. */
static void bar_text(char *buf, size_t len, double pct, int width)
{
	int fill = (int)(pct / 100.0 * width + 0.5);
	size_t n = 0;

	fill = fill < 0 ? 0 : fill > width ? width : fill;
	n += (size_t)snprintf(buf + n, len - n, "[");
	for (int i = 0; i < width && n + 2 < len; i++)
		buf[n++] = i < fill ? '|' : ' ';
	snprintf(buf + n, len - n, "] %.1f%%", pct);
}

static void fill_lines(struct top_lines *l, const struct ipc_object *o)
{
	char bar[64], a[32], b[32];

	if (obj_ipc(o)->max_messages > 0 && obj_ipc(o)->messages >= 0) {
		bar_text(bar, sizeof(bar), 100.0 * (double)obj_ipc(o)->messages / (double)obj_ipc(o)->max_messages, 24);
		add_line(l, TL_PLAIN, "", "%-10s %s  %lld of %lld messages", "QUEUE", bar,
			 (long long)obj_ipc(o)->messages, (long long)obj_ipc(o)->max_messages);
	} else if (o->kind == KIND_SYSV_MSG && obj_ipc(o)->messages >= 0 && o->size > 0) {
		bar_text(bar, sizeof(bar), 100.0 * (double)o->used_bytes / (double)o->size, 24);
		add_line(l, TL_PLAIN, "", "%-10s %s  %lld messages, %s of %s", "QUEUE", bar,
			 (long long)obj_ipc(o)->messages, human_size((uint64_t)(o->used_bytes > 0 ? o->used_bytes : 0), a, sizeof(a)),
			 human_size((uint64_t)o->size, b, sizeof(b)));
		return;
	}
	if (o->size > 0 && o->used_bytes >= 0) {
		bar_text(bar, sizeof(bar), 100.0 * (double)o->used_bytes / (double)o->size, 24);
		add_line(l, TL_PLAIN, "", "%-10s %s  %s of %s", "FILL", bar,
			 human_size((uint64_t)o->used_bytes, a, sizeof(a)), human_size((uint64_t)o->size, b, sizeof(b)));
	}
}

/* The fields `show` prints for o's kind, "NAME value", packed into as many columns as fit
 * in width cells, row by row. */
static void field_lines(struct top_lines *l, const struct ipc_object *o, int width)
{
	const struct column **cols = NULL;
	char **cells;
	const char *bad;
	size_t n = 0, nc = 0;
	int w = 0, per;

	if (columns_parse(kind_info(o->kind)->columns, "", &cols, &n, &bad) < 0)
		return;
	cells = xcalloc(n + 1, sizeof(*cells));
	for (size_t i = 0; i < n; i++) {
		struct col_value v;
		char buf[128];

		if (!strcmp(cols[i]->name, "IDENTITY") || !strcmp(cols[i]->name, "KIND"))
			continue; /* the lines above say them */
		column_value(cols[i], o, &v);
		if (!v.present)
			continue;
		{
			char *raw = xasprintf("%-9s %s", cols[i]->name, column_text(cols[i], &v, false, buf, sizeof(buf)));

			cells[nc] = tui_clean(raw);
			free(raw);
		}
		if (tui_width(cells[nc]) > w)
			w = tui_width(cells[nc]);
		nc++;
	}
	free(cols);
	w += 3;
	per = width > w ? (width - 2) / w : 1;
	per = per < 1 ? 1 : per;
	for (size_t r = 0; r * (size_t)per < nc; r++) {
		char line[1024];
		size_t len = 0;

		for (size_t c = 0; c < (size_t)per && r * (size_t)per + c < nc && len < sizeof(line); c++) {
			const char *t = cells[r * (size_t)per + c];
			bool last = c + 1 == (size_t)per || r * (size_t)per + c + 1 == nc;

			len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%*s", t,
						last ? 0 : w - tui_width(t), "");
		}
		add_line(l, TL_PLAIN, "", "%s", line);
	}
	for (size_t i = 0; i < nc; i++)
		free(cells[i]);
	free(cells);
	if (o->partial)
		add_line(l, TL_WARN, "", "%-10s %s", "PARTIAL", o->partial);
}

static void holder_lines(struct top_lines *l, const struct ipc_object *o)
{
	static const bool right[] = {true, false, true, false, false, false};
	struct grid g = {.ncols = 6, .right = right};
	static const char *const head[] = {"PID", "COMMAND", "FD", "ACCESS", "MAP", "CONTAINER"};

	add_line(l, TL_HEAD, "", "HOLDERS (%zu)", (size_t)o->nholders);
	if (!o->nholders)
		return;
	grid_row(&g, head);
	for (size_t i = 0; i < o->nholders; i++) {
		const struct ipc_holder *h = &o->holders[i];
		char pid[24], fd[24], cont[96];
		const char *row[6] = {pid, h->comm, fd, access_str(h->access), h->map, NULL};

		snprintf(pid, sizeof(pid), "%d", (int)h->pid);
		snprintf(fd, sizeof(fd), "%d", h->fd);
		if (h->fd < 0)
			row[2] = "-";
		if (h->cont)
			row[5] = container_label(h->cont, cont, sizeof(cont));
		grid_row(&g, row);
	}
	grid_emit(&g, l);
}

static void waiter_lines(struct top_lines *l, const struct ipc_object *o)
{
	static const bool right[] = {true, true, false, false, false, true, false, false};
	static const char *const head[] = {"PID", "TID", "COMMAND", "WAITS", "SYSCALL", "FD", "DETAIL", "SINCE"};
	struct grid g = {.ncols = 8, .right = right};

	if (!o->nwaiters)
		return;
	add_line(l, TL_HEAD, "", "WAITERS (%zu)", (size_t)o->nwaiters);
	grid_row(&g, head);
	for (size_t i = 0; i < o->nwaiters; i++) {
		const struct ipc_waiter *w = &o->waiters[i];
		char pid[24], tid[24], fd[24], detail[96], since[40], tb[40];
		const char *row[8] = {pid, tid, w->comm, w->what, w->syscall, fd, detail, NULL};

		snprintf(pid, sizeof(pid), "%d", (int)w->pid);
		snprintf(tid, sizeof(tid), "%d", (int)w->tid);
		snprintf(fd, sizeof(fd), "%d", w->fd);
		if (w->fd < 0)
			row[5] = "-";
		waiter_detail(w, false, detail, sizeof(detail));
		if (!detail[0])
			row[6] = NULL;
		if (w->since > 0) {
			struct col_value v = {.present = true, .i = w->since};

			snprintf(since, sizeof(since), "%s", column_text(column_find("CTIME"), &v, false, tb, sizeof(tb)));
			row[7] = since;
		}
		grid_row(&g, row);
	}
	grid_emit(&g, l);
}

static const char *pid_comm(const struct pid_ref *p)
{
	return p->gone ? "(gone)" : p->zombie ? "(zombie)" : p->comm[0] ? p->comm : "?";
}

static void sem_lines(struct top_lines *l, const struct ipc_object *o)
{
	static const bool right[] = {true, true, true, true, true, false};
	static const char *const head[] = {"SEMNUM", "VALUE", "NCOUNT", "ZCOUNT", "PID", "COMMAND"};
	struct grid g = {.ncols = 6, .right = right};

	if (obj_ipc(o)->nsems <= 0 || !obj_ipc(o)->sems)
		return;
	add_line(l, TL_HEAD, "", "SEMAPHORES (%lld)", (long long)obj_ipc(o)->nsems);
	grid_row(&g, head);
	for (int64_t i = 0; i < obj_ipc(o)->nsems; i++) {
		const struct sem_elem *e = &obj_ipc(o)->sems[i];
		char num[24], val[24], nc[24], zc[24], pid[24];
		const char *row[6] = {num, val, nc, zc, pid, pid_comm(&e->pid)};

		snprintf(num, sizeof(num), "%lld", (long long)i);
		snprintf(val, sizeof(val), "%d", e->value);
		snprintf(nc, sizeof(nc), "%d", e->ncount);
		snprintf(zc, sizeof(zc), "%d", e->zcount);
		snprintf(pid, sizeof(pid), "%d", (int)e->pid.pid);
		if (e->pid.pid <= 0)
			row[4] = row[5] = NULL;
		grid_row(&g, row);
	}
	grid_emit(&g, l);
}

static void lock_lines(struct top_lines *l, const struct ipc_object *o)
{
	if (!obj_lock(o)->nblocked)
		return;
	add_line(l, TL_HEAD, "", "BLOCKED ON THIS LOCK (%zu)", obj_lock(o)->nblocked);
	for (size_t i = 0; i < obj_lock(o)->nblocked; i++)
		add_line(l, TL_PLAIN, "", "  %d %s", (int)obj_lock(o)->blocked[i].pid, pid_comm(&obj_lock(o)->blocked[i]));
}

static void deadlock_lines(struct top_lines *l, const struct ipc_object *o, const struct snapshot *s)
{
	for (size_t i = 0; i < s->ndeadlocks; i++) {
		const struct deadlock *d = &s->deadlocks[i];
		bool mine = false;

		for (size_t k = 0; k < d->n && !mine; k++)
			mine = !strcmp(d->steps[k].identity, o->identity);
		if (!mine)
			continue;
		add_line(l, TL_BAD, "", "DEADLOCK");
		for (size_t k = 0; k < d->n; k++)
			add_line(l, TL_BAD, "", "  %d (%s) waits (%s) on %s, held by %d", (int)d->steps[k].pid,
				 d->steps[k].comm, d->steps[k].what ? d->steps[k].what : "?", d->steps[k].identity,
				 (int)d->steps[(k + 1) % d->n].pid);
	}
}

void top_detail(struct top_lines *out, const struct ipc_object *o, const struct snapshot *s,
		const struct stale_ctx *sc, int width)
{
	struct stale_ctx c = *sc;
	struct evidence ev;
	char label[256];

	c.now = s->time;
	c.holders_complete = s->holders_complete;
	add_line(out, TL_HEAD, "", "%s %s", kind_name(o->kind), top_object_label(o, label, sizeof(label)));
	add_line(out, TL_PLAIN, "", "%-10s %s", "IDENTITY", o->identity);
	if (kind_info(o->kind)->removable) {
		if (object_is_stale(o, &c, &ev))
			add_line(out, TL_WARN, "", "%-10s %s", "STALE", ev.text);
		else if (object_in_use(o, &ev))
			add_line(out, TL_PLAIN, "", "%-10s %s", "IN USE", ev.text);
		else
			add_line(out, TL_PLAIN, "", "%-10s %s", "NOT STALE", ev.text[0] ? ev.text : "-");
	}
	fill_lines(out, o);
	field_lines(out, o, width);
	add_line(out, TL_PLAIN, "", "%s", "");
	holder_lines(out, o);
	waiter_lines(out, o);
	sem_lines(out, o);
	lock_lines(out, o);
	deadlock_lines(out, o, s);
}

/* One process around the object, and what it is to it. */
struct party {
	pid_t pid;
	char comm[COMM_LEN];
	bool gone;
	char roles[160];
};

static struct party *party_of(struct party **v, size_t *n, size_t *cap, pid_t pid, const char *comm)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].pid == pid)
			return &(*v)[i];
	xgrow((void **)v, cap, *n + 1, sizeof(**v));
	memset(&(*v)[*n], 0, sizeof(**v));
	(*v)[*n].pid = pid;
	snprintf((*v)[*n].comm, sizeof((*v)[*n].comm), "%s", comm ? comm : "");
	return &(*v)[(*n)++];
}

static void role_add(struct party *p, const char *role)
{
	size_t n = strlen(p->roles);

	if (strstr(p->roles, role))
		return;
	snprintf(p->roles + n, sizeof(p->roles) - n, "%s%s", n ? ", " : "", role);
}

static void recorded(struct party **v, size_t *n, size_t *cap, const struct pid_ref *r, const char *role)
{
	struct party *p;

	if (r->pid <= 0)
		return;
	p = party_of(v, n, cap, r->pid, r->comm);
	p->gone |= r->gone || r->zombie;
	role_add(p, role);
}

#define TREE_MAX_OBJECTS 8 /* other objects listed under one process */
#define TREE_MAX_PEERS 4   /* other processes named on one of them */

/* "pid comm, pid comm" of o's holders other than pid, at most TREE_MAX_PEERS; false when
 * there is none. */
static bool peers_text(const struct ipc_object *o, pid_t pid, char *buf, size_t len)
{
	pid_t seen[TREE_MAX_PEERS];
	size_t n = 0, named = 0;

	buf[0] = '\0';
	for (size_t h = 0; h < o->nholders && n < len; h++) {
		const struct ipc_holder *hd = &o->holders[h];
		bool dup = hd->pid == pid;

		for (size_t k = 0; k < named && !dup; k++)
			dup = seen[k] == hd->pid;
		if (dup)
			continue;
		if (named == TREE_MAX_PEERS) {
			snprintf(buf + n, len - n, ", ...");
			break;
		}
		seen[named++] = hd->pid;
		n += (size_t)snprintf(buf + n, len - n, "%s%d %s", named > 1 ? ", " : "", (int)hd->pid, hd->comm);
	}
	return named > 0;
}

/* Under process pid: every other object it holds, each with the other processes on it
 * (those shared with someone first: they are who it talks to). */
static void shared_lines(struct top_lines *l, const struct snapshot *s, const struct ipc_object *self,
			 pid_t pid, bool last_party)
{
	const struct ipc_object *pick[TREE_MAX_OBJECTS];
	size_t npick = 0, total = 0;
	char prefix[8], label[160], peers[256];

	for (int shared = 1; shared >= 0; shared--) {
		for (size_t i = 0; i < s->nobjs; i++) {
			const struct ipc_object *o = s->objs[i];
			bool mine = false;

			for (size_t h = 0; h < o->nholders && !mine; h++)
				mine = o->holders[h].pid == pid;
			if (o == self || !mine || peers_text(o, pid, peers, sizeof(peers)) != (shared == 1))
				continue;
			total++;
			if (npick < TREE_MAX_OBJECTS)
				pick[npick++] = o;
		}
	}
	for (size_t i = 0; i < npick; i++) {
		bool others = peers_text(pick[i], pid, peers, sizeof(peers));

		snprintf(prefix, sizeof(prefix), "%s%s", last_party ? "   " : "|  ",
			 i + 1 == npick && total == npick ? "`- " : "+- ");
		add_line(l, others ? TL_PLAIN : TL_DIM, prefix, "%s %s%s%s", kind_name(pick[i]->kind),
			 top_object_label(pick[i], label, sizeof(label)), others ? " with " : "", peers);
	}
	if (total > npick) {
		snprintf(prefix, sizeof(prefix), "%s`- ", last_party ? "   " : "|  ");
		add_line(l, TL_DIM, prefix, "... %zu more", total - npick);
	}
}

void top_tree(struct top_lines *out, const struct ipc_object *o, const struct snapshot *s)
{
	struct party *v = NULL;
	size_t n = 0, cap = 0;
	char label[256];

	for (size_t i = 0; i < o->nholders; i++) {
		const struct ipc_holder *h = &o->holders[i];
		struct party *p = party_of(&v, &n, &cap, h->pid, h->comm);
		char role[48];

		if (h->fd >= 0)
			snprintf(role, sizeof(role), "holds %s fd %d", access_str(h->access), h->fd);
		else
			snprintf(role, sizeof(role), "maps %s", access_str(h->access));
		role_add(p, role);
	}
	for (size_t i = 0; i < o->nwaiters; i++) {
		struct party *p = party_of(&v, &n, &cap, o->waiters[i].pid, o->waiters[i].comm);
		char role[48];

		snprintf(role, sizeof(role), "waits (%s)", o->waiters[i].what ? o->waiters[i].what : "?");
		role_add(p, role);
	}
	recorded(&v, &n, &cap, &obj_ipc(o)->cpid, "creator");
	recorded(&v, &n, &cap, &obj_ipc(o)->lpid, "last attach/detach");
	recorded(&v, &n, &cap, &obj_ipc(o)->lspid, "last send");
	recorded(&v, &n, &cap, &obj_ipc(o)->lrpid, "last receive");
	recorded(&v, &n, &cap, &obj_ipc(o)->notify_pid, "notify");
	recorded(&v, &n, &cap, &obj_lock(o)->pid, "lock");
	for (size_t i = 0; i < obj_lock(o)->nblocked; i++)
		recorded(&v, &n, &cap, &obj_lock(o)->blocked[i], "blocked");
	for (int64_t i = 0; obj_ipc(o)->sems && i < obj_ipc(o)->nsems; i++)
		recorded(&v, &n, &cap, &obj_ipc(o)->sems[i].pid, "last semop");

	add_line(out, TL_HEAD, "", "%s %s", kind_name(o->kind), top_object_label(o, label, sizeof(label)));
	if (!n)
		add_line(out, TL_DIM, "`- ", "no process holds it, waits on it or is recorded on it");
	for (size_t i = 0; i < n; i++) {
		bool last = i + 1 == n;

		add_line(out, v[i].gone ? TL_DIM : TL_PLAIN, last ? "`- " : "+- ", "%d %s: %s%s", (int)v[i].pid,
			 v[i].comm[0] ? v[i].comm : "?", v[i].roles, v[i].gone ? " (gone)" : "");
		if (!v[i].gone)
			shared_lines(out, s, o, v[i].pid, last);
	}
	free(v);
}

void top_errors(struct top_lines *out, const struct snapshot *s)
{
	if (!s || !s->nerrs)
		add_line(out, TL_DIM, "", "no errors");
	for (size_t i = 0; s && i < s->nerrs; i++)
		add_line(out, TL_PLAIN, "", "%s: %s", s->errs[i].source, s->errs[i].message);
}
