/* family.c - which objects belong together (see family.h). */
#include "act/family.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/kinds.h"
#include "core/util.h"

/* Programs that make families across kinds. The POSIX objects are known by name; the SysV
 * segment has none, so it joins the family of the files of its owner. Joining too much is
 * safe (a family is only ever kept whole), joining too little is not. */
static const struct pattern {
	const char *label;
	const char *posix_prefix; /* name of its POSIX shm objects */
	unsigned sysv_kinds;      /* SysV kinds that join the files' family */
} patterns[] = {
	/* dsm_impl.c names dynamic segments "/PostgreSQL.<random>"; the postmaster's SysV
	 * segment is the interlock it finds them through after a crash. */
	{"postgresql", "/PostgreSQL.", KIND_BIT(KIND_SYSV_SHM)},
};

static bool has_prefix(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

/* The owners of pattern p's POSIX objects, sorted. */
struct owners {
	uid_t *uid;
	size_t n, cap;
};

static int cmp_uid(const void *a, const void *b)
{
	uid_t x = *(const uid_t *)a, y = *(const uid_t *)b;

	return (x > y) - (x < y);
}

static bool is_pattern_file(const struct ipc_object *o, const struct pattern *p)
{
	return (o->kind == KIND_POSIX_SHM || o->kind == KIND_POSIX_SEM) && o->has_owner &&
	       has_prefix(o->name, p->posix_prefix);
}

static void owners_of(const struct snapshot *snap, const struct pattern *p, struct owners *w)
{
	for (size_t i = 0; i < snap->nobjs; i++)
		if (is_pattern_file(snap->objs[i], p)) {
			xgrow((void **)&w->uid, &w->cap, w->n + 1, sizeof(*w->uid));
			w->uid[w->n++] = snap->objs[i]->uid;
		}
	if (w->n > 1)
		qsort(w->uid, w->n, sizeof(*w->uid), cmp_uid);
}

static char *family_of(const struct ipc_object *o, const struct owners *own)
{
	if (!o->has_owner)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++) {
		const struct pattern *p = &patterns[i];
		bool sysv = (p->sysv_kinds & KIND_BIT(o->kind)) && own[i].n &&
			    bsearch(&o->uid, own[i].uid, own[i].n, sizeof(*own[i].uid), cmp_uid);

		/* One owner may run several clusters; the family is the owner's, which keeps
		 * them all whole together. */
		if (is_pattern_file(o, p) || sysv)
			return xasprintf("%s:uid=%u", p->label, (unsigned)o->uid);
	}
	if (o->kind == KIND_SYSV_SHM && obj_ipc(o)->cpid.pid > 0)
		return xasprintf("creator:ns=%" PRIu64 ":pid=%d:start=%" PRId64, o->ns, (int)obj_ipc(o)->cpid.pid,
				 obj_ipc(o)->cpid.start);
	return NULL;
}

char **families_of(const struct snapshot *snap)
{
	struct owners own[ARRAY_SIZE(patterns)] = {{0}};
	char **f = xcalloc(snap->nobjs ? snap->nobjs : 1, sizeof(*f));

	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++)
		owners_of(snap, &patterns[i], &own[i]);
	for (size_t i = 0; i < snap->nobjs; i++)
		f[i] = family_of(snap->objs[i], own);
	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++)
		free(own[i].uid);
	return f;
}

void families_free(char **f, size_t n)
{
	for (size_t i = 0; f && i < n; i++)
		free(f[i]);
	free(f);
}
