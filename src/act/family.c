/* family.c - which objects belong together (see family.h). */
#include "act/family.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/kinds.h"

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

/* Is there a POSIX object of pattern p owned by uid? */
static bool pattern_files(const struct snapshot *snap, const struct pattern *p, uid_t uid)
{
	for (size_t i = 0; i < snap->nobjs; i++) {
		const struct ipc_object *o = snap->objs[i];

		if ((o->kind == KIND_POSIX_SHM || o->kind == KIND_POSIX_SEM) && o->has_owner &&
		    o->uid == uid && has_prefix(o->name, p->posix_prefix))
			return true;
	}
	return false;
}

const char *object_family(const struct snapshot *snap, const struct ipc_object *o, char *buf,
			  size_t len)
{
	buf[0] = '\0';
	if (!o->has_owner)
		return buf;
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		const struct pattern *p = &patterns[i];
		bool posix = (o->kind == KIND_POSIX_SHM || o->kind == KIND_POSIX_SEM) &&
			     has_prefix(o->name, p->posix_prefix);
		bool sysv = (p->sysv_kinds & KIND_BIT(o->kind)) && pattern_files(snap, p, o->uid);

		/* One owner may run several clusters; the family is the owner's, which keeps
		 * them all whole together. */
		if (posix || sysv) {
			snprintf(buf, len, "%s:uid=%u", p->label, (unsigned)o->uid);
			return buf;
		}
	}
	if (o->kind == KIND_SYSV_SHM && o->cpid.pid > 0)
		snprintf(buf, len, "creator:ns=%" PRIu64 ":pid=%d:start=%" PRId64, o->ns, (int)o->cpid.pid,
			 o->cpid.start);
	return buf;
}
