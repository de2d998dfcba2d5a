/* gen_limits.c - the kernel limits a generator checks its parameters against, read through
 * the same scan as `ipcscope limits` so that both always agree on a value. */
#include "gen/gen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "core/util.h"

static struct {
	bool loaded;
	struct snapshot snap;
	int rootfd;            /* kept for the POSIX queue limits the scan may not carry */
	struct scan_ctx ctx;
} lim = {.rootfd = -1};

static void load(void)
{
	lim.loaded = true;
	snapshot_init(&lim.snap);
	if (scan_ctx_init(&lim.ctx, NULL, KIND_BIT(KIND_SYSV_MSG) | KIND_BIT(KIND_SYSV_SHM) |
					   KIND_BIT(KIND_SYSV_SEM) | KIND_BIT(KIND_POSIX_MQ)) < 0)
		return;
	lim.ctx.want_limits = true;
	scan_run(&lim.ctx, &lim.snap);
	lim.rootfd = lim.ctx.rootfd;
}

/* The POSIX queue limits live in /proc/sys/fs/mqueue; until the scan reports them they are
 * read here, in this one place. */
static int64_t mqueue_limit(const char *name)
{
	char path[64], *buf = NULL;
	uint64_t v;
	int64_t out = -1;

	if (lim.rootfd < 0)
		return -1;
	snprintf(path, sizeof(path), "proc/sys/fs/mqueue/%s", name);
	if (read_file_at(lim.rootfd, path, 64, &buf, NULL) == 0) {
		buf[strcspn(buf, "\n")] = '\0';
		if (parse_u64(buf, &v) == 0 && v <= INT64_MAX)
			out = (int64_t)v;
	}
	free(buf);
	return out;
}

int64_t gen_limit(const char *name, int64_t *used)
{
	const struct limit *l;

	if (!lim.loaded)
		load();
	if (used)
		*used = -1;
	l = snapshot_find_limit(&lim.snap, name);
	if (l && l->has_value) {
		if (used && l->has_used && l->used <= INT64_MAX)
			*used = (int64_t)l->used;
		return l->value > INT64_MAX ? INT64_MAX : (int64_t)l->value;
	}
	if (!strcmp(name, "queues_max") || !strcmp(name, "msg_max") ||
	    !strcmp(name, "msgsize_max"))
		return mqueue_limit(name);
	return -1;
}

void gen_limits_release(void)
{
	if (!lim.loaded)
		return;
	snapshot_release(&lim.snap);
	scan_ctx_release(&lim.ctx);
	lim.rootfd = -1;
	lim.loaded = false;
}
