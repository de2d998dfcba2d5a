/* sysv_shm.c - System V shared memory: /proc/sysvipc/shm gives every field, rss and swap
 * included (in bytes); the status bits dest and locked ride in the mode. */
#include <string.h>

#include "sysv_common.h"

enum { S_SIZE = SV__COMMON, S_CPID, S_LPID, S_NATTCH, S_ATIME, S_DTIME, S_RSS, S_SWAP, S__N };

static const char *const want[S__N] = {
	"key", "shmid", "perms", "uid", "gid", "cuid", "cgid", "ctime",
	"size", "cpid", "lpid", "nattch", "atime", "dtime", "rss", "swap",
};
static const char *const required[] = {"key", "shmid", NULL};

/* Called by sysv_early_start: snap holds only errors (pids are resolved in finish). */
static void shm_row(struct scan_ctx *ctx, struct snapshot *snap, const char *const *vals,
		    const char *source, unsigned lineno, void *arg)
{
	struct ipc_object *o = sysv_object_new(ctx, snap, KIND_SYSV_SHM, vals, source, lineno);
	uint64_t v;

	if (!o)
		return;
	if (sysv_num(o, vals[S_SIZE], "size", &v) && v <= INT64_MAX)
		o->size = (int64_t)v;
	if (sysv_num(o, vals[S_NATTCH], "nattch", &v) && v <= INT64_MAX)
		obj_ipc_mut(o)->nattch = (int64_t)v;
	if (sysv_num(o, vals[S_CPID], "cpid", &v) && v <= INT32_MAX)
		obj_ipc_mut(o)->cpid.pid = (pid_t)v;
	if (sysv_num(o, vals[S_LPID], "lpid", &v) && v <= INT32_MAX)
		obj_ipc_mut(o)->lpid.pid = (pid_t)v;
	if (sysv_num(o, vals[S_ATIME], "atime", &v) && v <= INT64_MAX)
		obj_ipc_mut(o)->atime = (int64_t)v;
	if (sysv_num(o, vals[S_DTIME], "dtime", &v) && v <= INT64_MAX)
		obj_ipc_mut(o)->dtime = (int64_t)v;
	if (sysv_num(o, vals[S_RSS], "rss", &v) && v <= INT64_MAX)
		obj_ipc_mut(o)->rss = (int64_t)v;
	if (sysv_num(o, vals[S_SWAP], "swap", &v) && v <= INT64_MAX)
		obj_ipc_mut(o)->swap = (int64_t)v;
	/* Resident bytes are what a segment holds now: its fill. rss counts whole pages, so a
	 * segment smaller than a page would otherwise be more than full. */
	if (obj_ipc(o)->rss >= 0)
		o->used_bytes = o->size >= 0 && obj_ipc(o)->rss > o->size ? o->size : obj_ipc(o)->rss;
	sysv_batch_push(arg, o);
}

/* The text only: no call gives a segment's resident and swapped bytes. It is read early, on
 * a thread of its own, as the other tables are (sysv_common.h). */
static const struct sysv_source source = {
	.path = "proc/sysvipc/shm", .table = "shm", .want = want, .nwant = S__N,
	.required = required, .row = shm_row,
};

static void *start(struct scan_ctx *ctx)
{
	return sysv_early_start(ctx, &source);
}

static int finish(struct scan_ctx *ctx, struct snapshot *snap, void *started)
{
	int rc;
	struct sysv_batch *b = sysv_early_wait(started, snap, &rc);

	for (size_t i = 0; i < b->n; i++) {
		struct ipc_object *o = b->objs[i];

		scan_resolve_pid(ctx, snap, &obj_ipc_mut(o)->cpid);
		scan_resolve_pid(ctx, snap, &obj_ipc_mut(o)->lpid);
		snapshot_add(snap, o);
	}
	sysv_early_release(started);
	return rc;
}

static int collect(struct scan_ctx *ctx, struct snapshot *snap)
{
	return finish(ctx, snap, start(ctx));
}

const struct collector sysv_shm_collector = {
	.name = "sysv-shm",
	.per_ns = true,
	.ns = NS_IPC,
	.kinds = KIND_BIT(KIND_SYSV_SHM),
	.collect = collect,
	.start = start,
	.finish = finish,
};
