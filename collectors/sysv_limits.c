/* sysv_limits.c - the figures of `ipcs -l`, `ipcs -u` and `lsipc -g`: each SysV limit from
 * /proc/sys/kernel with how much of it the objects of this scan use. Runs after the SysV
 * object collectors, whose objects it counts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <unistd.h>

#include "collector.h"
#include "core/util.h"

/* Constants of the kernel, not tunables (include/uapi/linux/shm.h and sem.h). */
#define SHMMIN_BYTES 1
#define SEMVMX_VALUE 32767

struct limit_def {
	const char *name, *group, *descr, *unit;
	const char *file;  /* under proc/sys/kernel/, NULL for constants */
	int field;         /* field of a multi-value file ("sem"), else 0 */
};

static const struct limit_def defs[] = {
	{"msgmni", "sysv-msg", "Number of message queues", "count", "msgmni", 0},
	{"msgmax", "sysv-msg", "Max size of message", "bytes", "msgmax", 0},
	{"msgmnb", "sysv-msg", "Default max size of queue", "bytes", "msgmnb", 0},
	{"shmmni", "sysv-shm", "Shared memory segments", "count", "shmmni", 0},
	{"shmall", "sysv-shm", "Shared memory pages", "pages", "shmall", 0},
	{"shmmax", "sysv-shm", "Max size of shared memory segment", "bytes", "shmmax", 0},
	{"shmmin", "sysv-shm", "Min size of shared memory segment", "bytes", NULL, 0},
	{"semmni", "sysv-sem", "Number of semaphore identifiers", "count", "sem", 3},
	{"semmns", "sysv-sem", "Total number of semaphores", "count", "sem", 1},
	{"semmsl", "sysv-sem", "Max semaphores per semaphore set", "count", "sem", 0},
	{"semopm", "sysv-sem", "Max number of operations per semop(2)", "count", "sem", 2},
	{"semvmx", "sysv-sem", "Semaphore max value", "count", NULL, 0},
};

static int read_limit(struct scan_ctx *ctx, struct snapshot *snap, const struct limit_def *d,
		      struct limit *l)
{
	char path[64], *buf = NULL, *fields[8];
	size_t n;
	int rc;

	snprintf(path, sizeof(path), "proc/sys/kernel/%s", d->file);
	rc = read_file_at(ctx->rootfd, path, 4096, &buf, NULL);
	if (rc < 0) {
		snapshot_error(snap, l->source, "cannot read: %s", strerror(-rc));
		goto out;
	}
	n = split_fields(buf, fields, ARRAY_SIZE(fields));
	if ((size_t)d->field >= n) {
		snapshot_error(snap, l->source, "expected at least %d numbers", d->field + 1);
		rc = -EINVAL;
		goto out;
	}
	rc = parse_u64(fields[d->field], &l->value);
	if (rc < 0) {
		snapshot_error(snap, l->source, "%s: not a number in range: '%.32s'", d->name,
			       fields[d->field]);
		goto out;
	}
	l->has_value = true;
out:
	free(buf);
	return rc;
}

static void set_used(struct snapshot *snap, const char *name, uint64_t used)
{
	struct limit *l = snapshot_find_limit(snap, name);

	if (l) {
		l->has_used = true;
		l->used = used;
	}
}

/* SHM_INFO's swap counters, which `ipcs -u` prints and no file shows. */
static void shm_swap_counters(struct snapshot *snap)
{
	struct shm_info si;

	if (shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&si) < 0) {
		snapshot_error(snap, "shmctl(SHM_INFO)", "%s", strerror(errno));
		return;
	}
	snapshot_limit(snap, "shm_swap_attempts", "sysv-shm", "Swap attempts (ipcs -u)", "count",
		       "shmctl(SHM_INFO)");
	set_used(snap, "shm_swap_attempts", si.swap_attempts);
	snapshot_limit(snap, "shm_swap_successes", "sysv-shm", "Swap successes (ipcs -u)", "count",
		       "shmctl(SHM_INFO)");
	set_used(snap, "shm_swap_successes", si.swap_successes);
}

static int collect(struct scan_ctx *ctx, struct snapshot *snap)
{
	uint64_t nmsg = 0, msgs = 0, msgbytes = 0, nshm = 0, pages = 0, rss = 0, swp = 0;
	uint64_t nsem = 0, sems = 0;
	long page = sysconf(_SC_PAGESIZE);
	int failed = 0;

	if (page <= 0)
		page = 4096;
	for (size_t i = 0; i < ARRAY_SIZE(defs); i++) {
		const struct limit_def *d = &defs[i];
		char source[64];
		struct limit *l;

		if (d->file)
			snprintf(source, sizeof(source), "/proc/sys/kernel/%s", d->file);
		else
			snprintf(source, sizeof(source), "kernel constant");
		l = snapshot_limit(snap, d->name, d->group, d->descr, d->unit, source);
		if (!d->file) {
			l->has_value = true;
			l->value = !strcmp(d->name, "shmmin") ? SHMMIN_BYTES : SEMVMX_VALUE;
		} else if (read_limit(ctx, snap, d, l) < 0) {
			failed++;
		}
	}

	for (size_t i = 0; i < snap->nobjs; i++) {
		const struct ipc_object *o = snap->objs[i];

		if (o->ns != ctx->ipc_ns) /* limits are per IPC namespace */
			continue;
		switch (o->kind) {
		case KIND_SYSV_MSG:
			nmsg++;
			msgs += obj_ipc(o)->messages > 0 ? (uint64_t)obj_ipc(o)->messages : 0;
			msgbytes += o->used_bytes > 0 ? (uint64_t)o->used_bytes : 0;
			break;
		case KIND_SYSV_SHM:
			nshm++;
			if (o->size > 0)
				pages += ((uint64_t)o->size + (uint64_t)page - 1) / (uint64_t)page;
			rss += obj_ipc(o)->rss > 0 ? (uint64_t)obj_ipc(o)->rss / (uint64_t)page : 0;
			swp += obj_ipc(o)->swap > 0 ? (uint64_t)obj_ipc(o)->swap / (uint64_t)page : 0;
			break;
		case KIND_SYSV_SEM:
			nsem++;
			sems += obj_ipc(o)->nsems > 0 ? (uint64_t)obj_ipc(o)->nsems : 0;
			break;
		default:
			break;
		}
	}
	/* Usage of a kind is known only when that kind was scanned. */
	if (ctx->kinds & KIND_BIT(KIND_SYSV_MSG)) {
		set_used(snap, "msgmni", nmsg);
		snapshot_limit(snap, "msg_headers", "sysv-msg", "Messages queued (ipcs -u used headers)",
			       "count", "sum of queues");
		set_used(snap, "msg_headers", msgs);
		snapshot_limit(snap, "msg_bytes", "sysv-msg", "Bytes queued (ipcs -u used space)", "bytes",
			       "sum of queues");
		set_used(snap, "msg_bytes", msgbytes);
	}
	if (ctx->kinds & KIND_BIT(KIND_SYSV_SHM)) {
		set_used(snap, "shmmni", nshm);
		set_used(snap, "shmall", pages);
		snapshot_limit(snap, "shm_rss", "sysv-shm", "Pages resident (ipcs -u)", "pages",
			       "sum of segments");
		set_used(snap, "shm_rss", rss);
		snapshot_limit(snap, "shm_swap", "sysv-shm", "Pages swapped (ipcs -u)", "pages",
			       "sum of segments");
		set_used(snap, "shm_swap", swp);
		if (ctx->live)
			shm_swap_counters(snap);
	}
	if (ctx->kinds & KIND_BIT(KIND_SYSV_SEM)) {
		set_used(snap, "semmni", nsem);
		set_used(snap, "semmns", sems);
	}
	return failed == ARRAY_SIZE(defs) - 2 ? -EIO : 0;
}

const struct collector sysv_limits_collector = {
	.name = "sysv-limits",
	.per_ns = true,
	.ns = NS_IPC,
	.kinds = KIND_BIT(KIND_SYSV_MSG) | KIND_BIT(KIND_SYSV_SHM) | KIND_BIT(KIND_SYSV_SEM),
	.limits_only = true,
	.collect = collect,
};
