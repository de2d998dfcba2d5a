/* json_emit.c - objects as streamed JSON (see json_emit.h). It mirrors json_of_object of
 * render/json.c member for member, in the same order: the columns first, through the
 * kind's plan, then holders, waiters, semaphores and blocked. A change to one of the two
 * must be made to the other; the differential tests fail until it is. */
#include "render/json_emit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/columns.h"
#include "core/kinds.h"
#include "core/ns.h"
#include "core/util.h"

double json_percent(double d)
{
	double x = d * 10.0 + 0.5;

	/* One decimal: enough for a fill level, and stable in tests. A share past what a long
	 * long holds (used near 2^63 bytes of a capacity of 1) is given unrounded: converting
	 * it would be undefined. */
	if (!(x > -9.2e18 && x < 9.2e18))
		return d;
	return (double)(long long)x / 10.0;
}

static struct json_plan jplans[KIND__COUNT];
static pthread_once_t jplans_once = PTHREAD_ONCE_INIT;

/* A member of the table that the writer cannot lay out as jansson would is a bug of the
 * table, found by the first test that renders that kind. */
static void plan_bug(const char *what, const char *path)
{
	fprintf(stderr, "ipcscope: column table: %s: %s\n", what, path);
	abort();
}

static void make_plan(enum ipc_kind kind, struct json_plan *p)
{
	size_t n;
	const struct column *const *cols = column_plan(kind, &n);

	p->leaves = xcalloc(n ? n : 1, sizeof(*p->leaves));
	p->members = xcalloc(n ? n : 1, sizeof(*p->members));
	for (size_t i = 0; i < n; i++) {
		const struct column *c = cols[i];
		const char *dot = c->json ? strchr(c->json, '.') : NULL;
		struct json_plan_member *last = p->nmembers ? &p->members[p->nmembers - 1] : NULL;
		char group[32] = "";
		const char *key;

		if (!c->json)
			continue;
		key = dot ? dot + 1 : c->json;
		if (dot) {
			if ((size_t)(dot - c->json) >= sizeof(group) || strchr(key, '.'))
				plan_bug("a JSON path deeper than one nested object", c->json);
			memcpy(group, c->json, (size_t)(dot - c->json));
		}
		/* jansson puts a nested object where its first member was set; its later ones
		 * join it. The writer keeps a nested object's members together, so they must
		 * be together in the table, and no two members may share a key. */
		if (dot && last && !strcmp(last->group, group)) {
			for (size_t l = last->first; l < last->first + last->n; l++)
				if (!strcmp(p->leaves[l].key, key))
					plan_bug("two columns of one kind with one JSON path", c->json);
			last->n++;
		} else {
			for (size_t m = 0; m < p->nmembers; m++) {
				const char *mk = p->members[m].group[0] ? p->members[m].group
									: p->leaves[p->members[m].first].key;
				if (!strcmp(mk, dot ? group : key))
					plan_bug("columns of one nested object apart, or a key twice", c->json);
			}
			memcpy(p->members[p->nmembers].group, group, sizeof(group));
			p->members[p->nmembers].first = p->nleaves;
			p->members[p->nmembers].n = 1;
			p->nmembers++;
		}
		p->leaves[p->nleaves].col = c;
		p->leaves[p->nleaves].key = key;
		p->nleaves++;
	}
}

static void make_plans(void)
{
	for (int k = 0; k < KIND__COUNT; k++)
		make_plan((enum ipc_kind)k, &jplans[k]);
}

const struct json_plan *json_plan_of(enum ipc_kind kind)
{
	pthread_once(&jplans_once, make_plans);
	return &jplans[kind];
}

/* One column's member, when its value is present and has a JSON form; false when not
 * written. A nested object is opened (key group) before its first member is written. */
static bool emit_leaf(struct jsonw *w, const struct json_plan_leaf *l, const struct ipc_object *o,
		      const char *group, bool opened)
{
	const struct column *c = l->col;
	struct col_value v;
	char buf[40];

	column_value(c, o, &v);
	if (!v.present)
		return false;
	/* A time the schema's type cannot show is left out as if unknown. */
	if (c->type == COL_TIME && !time_iso_utc(v.i, buf, sizeof(buf)))
		return false;
	if (group && !opened)
		jsonw_member_object(w, group);
	switch (c->type) {
	case COL_STR:
		jsonw_member_text(w, l->key, v.s);
		break;
	case COL_INT:
	case COL_BYTES:
		jsonw_member_int(w, l->key, v.i);
		break;
	case COL_BOOL:
		jsonw_member_bool(w, l->key, v.i != 0);
		break;
	case COL_PERCENT:
		jsonw_member_real(w, l->key, json_percent(v.d));
		break;
	case COL_TIME:
		jsonw_member_str(w, l->key, buf);
		break;
	}
	return true;
}

static void emit_pid(struct jsonw *w, const struct pid_ref *p)
{
	jsonw_member_int(w, "pid", p->pid);
	jsonw_member_bool(w, "alive", !p->gone && !p->zombie);
	if (p->comm[0])
		jsonw_member_text(w, "comm", p->comm);
	if (p->nspid)
		jsonw_member_int(w, "nspid", p->nspid);
	if (p->zombie)
		jsonw_member_bool(w, "zombie", true);
}

static void emit_holder(struct jsonw *w, const struct ipc_holder *h)
{
	jsonw_open_object(w);
	jsonw_member_int(w, "pid", h->pid);
	jsonw_member_text(w, "comm", h->comm);
	jsonw_member_str(w, "access", access_str(h->access));
	if (h->nspid)
		jsonw_member_int(w, "nspid", h->nspid);
	if (h->cont)
		jsonw_member_text(w, "container", h->cont->id);
	if (h->fd >= 0)
		jsonw_member_int(w, "fd", h->fd);
	else
		jsonw_member_null(w, "fd");
	if (h->map)
		jsonw_member_str(w, "map", h->map);
	jsonw_close_object(w);
}

static void emit_waiter(struct jsonw *w, const struct ipc_waiter *t)
{
	char buf[40], st[2] = {t->state, '\0'};

	jsonw_open_object(w);
	jsonw_member_int(w, "pid", t->pid);
	jsonw_member_int(w, "tid", t->tid);
	jsonw_member_text(w, "comm", t->comm);
	jsonw_member_str(w, "what", t->what);
	jsonw_member_str(w, "syscall", t->syscall);
	if (t->state)
		jsonw_member_str(w, "state", st);
	if (t->since > 0 && time_iso_utc(t->since, buf, sizeof(buf)))
		jsonw_member_str(w, "since", buf);
	if (t->fd >= 0)
		jsonw_member_int(w, "fd", t->fd);
	if (t->semnum >= 0) {
		jsonw_member_int(w, "semnum", t->semnum);
		jsonw_member_int(w, "semop", t->semop);
	}
	if (t->has_msgtyp)
		jsonw_member_int(w, "msgtyp", t->msgtyp);
	if (t->addr) {
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)t->addr);
		jsonw_member_str(w, "address", buf);
	}
	jsonw_member_bool(w, "several", t->several);
	jsonw_close_object(w);
}

void json_emit_object(struct jsonw *w, const struct ipc_object *o)
{
	const struct json_plan *p = json_plan_of(o->kind);

	jsonw_open_object(w);
	for (size_t m = 0; m < p->nmembers; m++) {
		const struct json_plan_member *pm = &p->members[m];
		bool opened = false;

		if (!pm->group[0]) {
			emit_leaf(w, &p->leaves[pm->first], o, NULL, false);
			continue;
		}
		for (size_t l = pm->first; l < pm->first + pm->n; l++)
			opened |= emit_leaf(w, &p->leaves[l], o, pm->group, opened);
		if (opened)
			jsonw_close_object(w);
	}
	jsonw_member_array(w, "holders");
	for (size_t i = 0; i < o->nholders; i++)
		emit_holder(w, &o->holders[i]);
	jsonw_close_array(w);
	if (o->nwaiters) {
		jsonw_member_array(w, "waiters");
		for (size_t i = 0; i < o->nwaiters; i++)
			emit_waiter(w, &o->waiters[i]);
		jsonw_close_array(w);
	}
	if (o->kind == KIND_SYSV_SEM && obj_ipc(o)->sems) {
		jsonw_member_array(w, "semaphores");
		for (int64_t i = 0; i < obj_ipc(o)->nsems; i++) {
			const struct sem_elem *e = &obj_ipc(o)->sems[i];

			jsonw_open_object(w);
			jsonw_member_int(w, "num", i);
			jsonw_member_int(w, "value", e->value);
			jsonw_member_int(w, "ncount", e->ncount);
			jsonw_member_int(w, "zcount", e->zcount);
			if (e->pid.pid > 0) {
				jsonw_member_object(w, "last");
				emit_pid(w, &e->pid);
				jsonw_close_object(w);
			}
			jsonw_close_object(w);
		}
		jsonw_close_array(w);
	}
	if (o->kind == KIND_LOCK) {
		jsonw_member_array(w, "blocked");
		for (size_t i = 0; i < obj_lock(o)->nblocked; i++) {
			jsonw_open_object(w);
			emit_pid(w, &obj_lock(o)->blocked[i]);
			jsonw_close_object(w);
		}
		jsonw_close_array(w);
	}
	jsonw_close_object(w);
}
