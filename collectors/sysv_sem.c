/* sysv_sem.c - System V semaphore sets: SEM_STAT_ANY for every slot of the live table (or
 * /proc/sysvipc/sem) for the set, semctl for each semaphore's value, waiters and last pid,
 * which no /proc file shows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sem.h>

#include "core/util.h"
#include "sysv_common.h"

enum { E_NSEMS = SV__COMMON, E_OTIME, E__N };

static const char *const want[E__N] = {
	"key", "semid", "perms", "uid", "gid", "cuid", "cgid", "ctime",
	"nsems", "otime",
};
static const char *const required[] = {"key", "semid", NULL};

/* The kernel's SEMMSL ceiling; a larger nsems in the file is not to be trusted. */
#define SEM_MAX_ELEMS 65536

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

/* GETALL for the values in one call, then three calls per semaphore for what has no bulk
 * form. Permission is read permission on the set. Runs in a worker thread (sysv_batch):
 * it touches only o, and obj_ipc(o)->sems was allocated by the scanning thread. */
static int sem_details(struct ipc_object *o)
{
	unsigned short small[256], *vals = small;
	union semun arg;
	int id = (int)o->id, rc = 0;

	if (!obj_ipc(o)->sems)
		return 0; /* nothing to ask: no semaphores, or not the live system */
	if (obj_ipc(o)->nsems > (int64_t)ARRAY_SIZE(small))
		vals = xcalloc((size_t)obj_ipc(o)->nsems, sizeof(*vals));
	arg.array = vals;
	if (semctl(id, 0, GETALL, arg) < 0) {
		rc = -errno;
		goto out;
	}
	for (int i = 0; i < obj_ipc(o)->nsems; i++) {
		int n = semctl(id, i, GETNCNT), z = semctl(id, i, GETZCNT), p = semctl(id, i, GETPID);

		if (n < 0 || z < 0 || p < 0) {
			rc = -errno;
			goto out;
		}
		obj_ipc(o)->sems[i].value = vals[i];
		obj_ipc(o)->sems[i].ncount = n;
		obj_ipc(o)->sems[i].zcount = z;
		obj_ipc(o)->sems[i].pid.pid = p;
	}
out:
	if (vals != small)
		free(vals);
	return rc;
}

/* Called by sysv_early_start: snap holds only errors (pids are resolved in sem_finish). */
static void sem_row(struct scan_ctx *ctx, struct snapshot *snap, const char *const *vals,
		    const char *source, unsigned lineno, void *arg)
{
	struct ipc_object *o = sysv_object_new(ctx, snap, KIND_SYSV_SEM, vals, source, lineno);
	uint64_t v;

	if (!o)
		return;
	if (sysv_num(o, vals[E_NSEMS], "nsems", &v)) {
		if (v <= SEM_MAX_ELEMS)
			obj_ipc_mut(o)->nsems = (int64_t)v;
		else
			object_set_partial(o, "column nsems: larger than any kernel allows");
	}
	if (sysv_num(o, vals[E_OTIME], "otime", &v) && v <= INT64_MAX)
		obj_ipc_mut(o)->otime = (int64_t)v;
	if (ctx->live && obj_ipc(o)->nsems > 0)
		obj_ipc_mut(o)->sems = xcalloc((size_t)obj_ipc_mut(o)->nsems, sizeof(*obj_ipc_mut(o)->sems));
	sysv_batch_push(arg, o);
}

/* In the table's order, after every set's details were read. */
static void sem_finish(struct scan_ctx *ctx, struct snapshot *snap, struct ipc_object *o, int rc)
{
	if (sysv_vanished(snap, rc)) {
		object_free(o);
		return;
	}
	if (rc < 0) {
		char why[80];

		free(obj_ipc(o)->sems);
		obj_ipc_mut(o)->sems = NULL;
		snprintf(why, sizeof(why), "semctl: %s", strerror(-rc));
		object_set_partial(o, why);
	}
	for (int i = 0; obj_ipc(o)->sems && i < obj_ipc(o)->nsems; i++)
		scan_resolve_pid(ctx, snap, &obj_ipc(o)->sems[i].pid);
	snapshot_add(snap, o);
}

/* The live table without /proc's text: SEM_STAT_ANY per slot. */
static int sem_info(int *in_use)
{
	struct seminfo info;
	union semun arg = {.buf = (struct semid_ds *)(void *)&info};
	int top = semctl(0, 0, SEM_INFO, arg);

	if (top < 0)
		return -errno;
	*in_use = info.semusz; /* SEM_INFO: the sets in use */
	return top;
}

static struct ipc_object *sem_stat(struct scan_ctx *ctx, int slot, int *err)
{
	struct semid_ds ds;
	union semun arg = {.buf = &ds};
	int id = semctl(slot, 0, SEM_STAT_ANY, arg);
	struct ipc_object *o;

	if (id < 0) {
		*err = -errno;
		return NULL;
	}
	o = sysv_object_from_perm(ctx, KIND_SYSV_SEM, id, &ds.sem_perm, (int64_t)ds.sem_ctime);
	obj_ipc_mut(o)->otime = (int64_t)ds.sem_otime;
	if (ds.sem_nsems <= SEM_MAX_ELEMS)
		obj_ipc_mut(o)->nsems = (int64_t)ds.sem_nsems;
	else
		object_set_partial(o, "column nsems: larger than any kernel allows");
	if (obj_ipc(o)->nsems > 0)
		obj_ipc_mut(o)->sems = xcalloc((size_t)obj_ipc_mut(o)->nsems, sizeof(*obj_ipc_mut(o)->sems));
	return o;
}

static const struct sysv_source source = {
	.path = "proc/sysvipc/sem", .table = "sem", .want = want, .nwant = E__N,
	.required = required, .row = sem_row, .detail = sem_details,
	.info = sem_info, .stat = sem_stat, .slot_detail = sem_details,
};

static void *start(struct scan_ctx *ctx)
{
	return sysv_early_start(ctx, &source);
}

static int finish(struct scan_ctx *ctx, struct snapshot *snap, void *started)
{
	int rc;
	struct sysv_batch *b = sysv_early_wait(started, snap, &rc);

	for (size_t i = 0; i < b->n; i++)
		sem_finish(ctx, snap, b->objs[i], b->rc[i]);
	sysv_early_release(started);
	return rc;
}

static int collect(struct scan_ctx *ctx, struct snapshot *snap)
{
	return finish(ctx, snap, start(ctx));
}

const struct collector sysv_sem_collector = {
	.name = "sysv-sem",
	.per_ns = true,
	.ns = NS_IPC,
	.kinds = KIND_BIT(KIND_SYSV_SEM),
	.collect = collect,
	.start = start,
	.finish = finish,
};
