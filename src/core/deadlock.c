/* deadlock.c - the wait-for graph and its cycles (see deadlock.h). */
#include "core/deadlock.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* An edge: process from waits (what) on object o, which process to holds. */
struct edge {
	pid_t from, to;
	struct ipc_object *o;
	const char *what;
	char comm[COMM_LEN];
};

struct graph {
	struct edge *e;
	size_t n, cap;
};

static void add_edge(struct graph *g, const struct ipc_waiter *w, struct ipc_object *o, pid_t to)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->e[i].from == w->pid && g->e[i].to == to && g->e[i].o == o)
			return;
	xgrow((void **)&g->e, &g->cap, g->n + 1, sizeof(*g->e));
	g->e[g->n] = (struct edge){w->pid, to, o, w->what, ""};
	memcpy(g->e[g->n].comm, w->comm, sizeof(w->comm));
	g->n++;
}

/* The other holders of o that can end the wait: for a lock every holder (and the lock's
 * own process); for a pipe the other processes with the opposite access, when there is
 * exactly one. */
static void edges_of(struct graph *g, struct ipc_object *o, const struct ipc_waiter *w)
{
	bool reads = w->what && !strcmp(w->what, "read"), writes = w->what && !strcmp(w->what, "write");
	pid_t only = 0;
	int others = 0;

	if (w->several)
		return;
	if (o->kind == KIND_LOCK) {
		if (obj_lock(o)->pid.pid > 0 && obj_lock(o)->pid.pid != w->pid)
			add_edge(g, w, o, obj_lock(o)->pid.pid);
		for (size_t h = 0; h < o->nholders; h++)
			if (o->holders[h].pid != w->pid)
				add_edge(g, w, o, o->holders[h].pid);
		return;
	}
	if ((o->kind != KIND_PIPE && o->kind != KIND_FIFO) || !(reads || writes))
		return;
	for (size_t h = 0; h < o->nholders; h++) {
		const struct ipc_holder *hd = &o->holders[h];

		if (hd->pid == w->pid || !(hd->access & (reads ? ACC_W : ACC_R)))
			continue;
		if (hd->pid != only)
			others++;
		only = hd->pid;
	}
	if (others == 1)
		add_edge(g, w, o, only);
}

/* Depth-first search from each process; a cycle is kept once, when found from its lowest
 * pid (so the same cycle met from another of its processes is not kept again). */
struct search {
	struct graph *g;
	struct snapshot *snap;
	size_t *path;        /* edge indexes from the start */
	size_t depth;
	pid_t start;
};

static bool on_path(const struct search *s, pid_t pid)
{
	for (size_t i = 0; i < s->depth; i++)
		if (s->g->e[s->path[i]].from == pid)
			return true;
	return false;
}

static void keep_cycle(struct search *s)
{
	struct deadlock d = {xcalloc(s->depth, sizeof(*d.steps)), s->depth};

	for (size_t i = 0; i < s->depth; i++) {
		const struct edge *e = &s->g->e[s->path[i]];

		d.steps[i].pid = e->from;
		memcpy(d.steps[i].comm, e->comm, sizeof(e->comm));
		d.steps[i].identity = xstrdup(e->o->identity);
		d.steps[i].what = e->what;
		e->o->flags |= OBJ_DEADLOCK;
	}
	xgrow((void **)&s->snap->deadlocks, &s->snap->deadlocks_cap, s->snap->ndeadlocks + 1,
	      sizeof(*s->snap->deadlocks));
	s->snap->deadlocks[s->snap->ndeadlocks++] = d;
}

static void visit(struct search *s, pid_t pid)
{
	if (s->depth >= s->g->n)
		return;
	for (size_t i = 0; i < s->g->n; i++) {
		const struct edge *e = &s->g->e[i];

		if (e->from != pid)
			continue;
		s->path[s->depth++] = i;
		if (e->to == s->start)
			keep_cycle(s);
		else if (e->to > s->start && !on_path(s, e->to))
			visit(s, e->to);
		s->depth--;
	}
}

void deadlocks_find(struct snapshot *snap)
{
	struct graph g = {0};
	struct search s = {.g = &g, .snap = snap};

	for (size_t i = 0; i < snap->nobjs; i++) {
		struct ipc_object *o = snap->objs[i];

		for (size_t w = 0; w < o->nwaiters; w++)
			edges_of(&g, o, &o->waiters[w]);
	}
	if (!g.n)
		return;
	s.path = xcalloc(g.n, sizeof(*s.path));
	for (size_t i = 0; i < g.n; i++) {
		bool seen = false;

		for (size_t j = 0; j < i; j++)
			seen |= g.e[j].from == g.e[i].from;
		if (seen)
			continue;
		s.start = g.e[i].from;
		visit(&s, s.start);
	}
	free(s.path);
	free(g.e);
}

void deadlocks_release(struct snapshot *snap)
{
	for (size_t i = 0; i < snap->ndeadlocks; i++) {
		for (size_t k = 0; k < snap->deadlocks[i].n; k++)
			free(snap->deadlocks[i].steps[k].identity);
		free(snap->deadlocks[i].steps);
	}
	free(snap->deadlocks);
	snap->deadlocks = NULL;
	snap->ndeadlocks = snap->deadlocks_cap = 0;
}
