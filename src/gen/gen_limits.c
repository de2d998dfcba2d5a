/* gen_limits.c - the kernel limits a generator checks its parameters against, read through
 * the same scan as `ipcscope limits` so that both always agree on a value.
 *
 * One scan per group of limits, of that group's kind only: the scan of a kind that has
 * holders (shm, queues) also walks every process, which a check of msgmax should not pay
 * for. Each group is scanned at most once per run. */
#include "gen/gen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "core/util.h"

static const struct {
	const char *prefix;
	enum ipc_kind kind;
} groups[] = {
	{"msg", KIND_SYSV_MSG},          /* msgmni msgmax msgmnb */
	{"shm", KIND_SYSV_SHM},          /* shmmni shmall shmmax shmmin */
	{"sem", KIND_SYSV_SEM},          /* semmni semmns semmsl semopm semvmx */
	{"queues_max", KIND_POSIX_MQ},
	{"msg_max", KIND_POSIX_MQ},
	{"msgsize_max", KIND_POSIX_MQ},
};

static struct {
	bool loaded;
	struct snapshot snap;
} scans[KIND__COUNT];

static struct snapshot *scan_of(enum ipc_kind kind)
{
	struct scan_ctx ctx;

	if (!scans[kind].loaded) {
		scans[kind].loaded = true;
		snapshot_init(&scans[kind].snap);
		if (scan_ctx_init(&ctx, NULL, KIND_BIT(kind)) == 0) {
			ctx.want_limits = true;
			ctx.no_holders = true;
			scan_run(&ctx, &scans[kind].snap);
			scan_ctx_release(&ctx);
		}
	}
	return &scans[kind].snap;
}

int64_t gen_limit(const char *name, int64_t *used)
{
	const struct limit *l = NULL;

	if (used)
		*used = -1;
	/* The POSIX names first: "msg_max" must not fall into the SysV "msg" group. */
	for (size_t i = ARRAY_SIZE(groups); i-- > 0 && !l;) {
		size_t n = strlen(groups[i].prefix);

		if (i >= 3 ? !strcmp(name, groups[i].prefix) : !strncmp(name, groups[i].prefix, n))
			l = snapshot_find_limit(scan_of(groups[i].kind), name);
	}
	if (!l || !l->has_value)
		return -1;
	if (used && l->has_used && l->used <= INT64_MAX)
		*used = (int64_t)l->used;
	return l->value > INT64_MAX ? INT64_MAX : (int64_t)l->value;
}

void gen_limits_release(void)
{
	for (size_t k = 0; k < KIND__COUNT; k++) {
		if (!scans[k].loaded)
			continue;
		snapshot_release(&scans[k].snap);
		scans[k].loaded = false;
	}
}
