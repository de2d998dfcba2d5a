/* fixture.h - scanning a fixture tree under tests/fixtures from a cmocka test. */
#ifndef IPCSCOPE_TEST_FIXTURE_H
#define IPCSCOPE_TEST_FIXTURE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"

/* Scan $FIXTURES/name for kinds into snap; returns scan_run's result. */
static inline int fixture_scan(const char *name, unsigned kinds, bool limits, struct snapshot *snap)
{
	const char *dir = getenv("FIXTURES");
	char root[4096];
	struct scan_ctx ctx;
	int rc;

	snprintf(root, sizeof(root), "%s/%s", dir ? dir : "tests/fixtures", name);
	snapshot_init(snap);
	rc = scan_ctx_init(&ctx, root, kinds);
	if (rc < 0)
		return rc;
	ctx.want_limits = limits;
	rc = scan_run(&ctx, snap);
	scan_ctx_release(&ctx);
	return rc;
}

/* The first error whose source ends with src and whose message contains text, or NULL. */
static inline const struct scan_error *fixture_error(const struct snapshot *s, const char *src,
						     const char *text)
{
	for (size_t i = 0; i < s->nerrs; i++) {
		size_t a = strlen(s->errs[i].source), b = strlen(src);
		if (a >= b && !strcmp(s->errs[i].source + a - b, src) && strstr(s->errs[i].message, text))
			return &s->errs[i];
	}
	return NULL;
}

static inline struct ipc_object *fixture_find(const struct snapshot *s, enum ipc_kind k, int64_t id)
{
	for (size_t i = 0; i < s->nobjs; i++)
		if (s->objs[i]->kind == k && s->objs[i]->id == id)
			return s->objs[i];
	return NULL;
}

#endif
