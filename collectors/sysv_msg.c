/* sysv_msg.c - System V message queues: MSG_STAT_ANY for every slot of the live table, or
 * /proc/sysvipc/msg and msgctl(IPC_STAT) for the queue's capacity (qbytes), which /proc does
 * not print. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/msg.h>

#include "sysv_common.h"

enum { M_CBYTES = SV__COMMON, M_QNUM, M_LSPID, M_LRPID, M_STIME, M_RTIME, M__N };

static const char *const want[M__N] = {
	"key", "msqid", "perms", "uid", "gid", "cuid", "cgid", "ctime",
	"cbytes", "qnum", "lspid", "lrpid", "stime", "rtime",
};
static const char *const required[] = {"key", "msqid", NULL};

/* msgctl(IPC_STAT) needs read permission; MSG_STAT_ANY (Linux 4.17) does not, but takes
 * the kernel's array index. Both are tried, and the answer is kept only when it is the
 * same queue. */
static int queue_stat(int id, struct msqid_ds *ds)
{
	if (msgctl(id, IPC_STAT, ds) == 0)
		return 0;
	if (errno != EACCES)
		return -errno;
	if (msgctl(id % 32768, MSG_STAT_ANY, ds) == id)
		return 0;
	return -EACCES;
}

/* Runs in a worker thread (sysv_batch): touches only o. */
static int msg_details(struct ipc_object *o)
{
	struct msqid_ds ds;
	int rc = queue_stat((int)o->id, &ds);

	if (rc == 0)
		o->size = (int64_t)ds.msg_qbytes;
	return rc;
}

static void msg_row(struct scan_ctx *ctx, struct snapshot *snap, const char *const *vals,
		    const char *source, unsigned lineno, void *arg)
{
	struct ipc_object *o = sysv_object_new(ctx, snap, KIND_SYSV_MSG, vals, source, lineno);
	uint64_t v;

	if (!o)
		return;
	if (sysv_num(o, vals[M_CBYTES], "cbytes", &v) && v <= INT64_MAX)
		o->used_bytes = (int64_t)v;
	if (sysv_num(o, vals[M_QNUM], "qnum", &v) && v <= INT64_MAX)
		obj_ipc_mut(o)->messages = (int64_t)v;
	if (sysv_num(o, vals[M_LSPID], "lspid", &v) && v <= INT32_MAX)
		obj_ipc_mut(o)->lspid.pid = (pid_t)v;
	if (sysv_num(o, vals[M_LRPID], "lrpid", &v) && v <= INT32_MAX)
		obj_ipc_mut(o)->lrpid.pid = (pid_t)v;
	if (sysv_num(o, vals[M_STIME], "stime", &v) && v <= INT64_MAX)
		obj_ipc_mut(o)->stime = (int64_t)v;
	if (sysv_num(o, vals[M_RTIME], "rtime", &v) && v <= INT64_MAX)
		obj_ipc_mut(o)->rtime = (int64_t)v;
	sysv_batch_push(arg, o);
}

/* The live table without /proc's text: one MSG_STAT_ANY per slot says all a line does, and
 * the capacity besides. */
static int msg_info(int *in_use)
{
	struct msginfo info;
	int top = msgctl(0, MSG_INFO, (struct msqid_ds *)(void *)&info);

	if (top < 0)
		return -errno;
	*in_use = info.msgpool; /* MSG_INFO: the queues in use */
	return top;
}

static struct ipc_object *msg_stat(struct scan_ctx *ctx, int slot, int *err)
{
	struct msqid_ds ds;
	int id = msgctl(slot, MSG_STAT_ANY, &ds);
	struct ipc_object *o;

	if (id < 0) {
		*err = -errno;
		return NULL;
	}
	o = sysv_object_from_perm(ctx, KIND_SYSV_MSG, id, &ds.msg_perm, (int64_t)ds.msg_ctime);
	o->used_bytes = (int64_t)ds.msg_cbytes;
	obj_ipc_mut(o)->messages = (int64_t)ds.msg_qnum;
	o->size = (int64_t)ds.msg_qbytes;
	obj_ipc_mut(o)->lspid.pid = ds.msg_lspid;
	obj_ipc_mut(o)->lrpid.pid = ds.msg_lrpid;
	obj_ipc_mut(o)->stime = (int64_t)ds.msg_stime;
	obj_ipc_mut(o)->rtime = (int64_t)ds.msg_rtime;
	return o;
}

static const struct sysv_source source = {
	.path = "proc/sysvipc/msg", .table = "msg", .want = want, .nwant = M__N,
	.required = required, .row = msg_row, .detail = msg_details,
	.info = msg_info, .stat = msg_stat, .slot_detail = NULL,
};

static void *start(struct scan_ctx *ctx)
{
	return sysv_early_start(ctx, &source);
}

/* In the table's order, after every queue's capacity was asked. */
static int finish(struct scan_ctx *ctx, struct snapshot *snap, void *started)
{
	int rc;
	struct sysv_batch *b = sysv_early_wait(started, snap, &rc);

	for (size_t i = 0; i < b->n; i++) {
		struct ipc_object *o = b->objs[i];

		if (sysv_vanished(snap, b->rc[i])) {
			object_free(o);
			continue;
		}
		if (b->rc[i] < 0) {
			char why[80];

			snprintf(why, sizeof(why), "msgctl: %s", strerror(-b->rc[i]));
			object_set_partial(o, why);
		}
		scan_resolve_pid(ctx, snap, &obj_ipc_mut(o)->lspid);
		scan_resolve_pid(ctx, snap, &obj_ipc_mut(o)->lrpid);
		snapshot_add(snap, o);
	}
	sysv_early_release(started);
	return rc;
}

static int collect(struct scan_ctx *ctx, struct snapshot *snap)
{
	return finish(ctx, snap, start(ctx));
}

const struct collector sysv_msg_collector = {
	.name = "sysv-msg",
	.per_ns = true,
	.ns = NS_IPC,
	.kinds = KIND_BIT(KIND_SYSV_MSG),
	.collect = collect,
	.start = start,
	.finish = finish,
};
