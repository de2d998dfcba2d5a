/* sysv_common.c - /proc/sysvipc tables, located by their header line so that a kernel that
 * adds or reorders columns still parses. */
#include "sysv_common.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/ipc.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/util.h"
#include "parallel.h"

#define MAX_FIELDS 64

int sysv_table_read(struct scan_ctx *ctx, struct snapshot *snap, const char *path,
		    const char *const *want, size_t nwant, const char *const *required,
		    sysv_row_fn row, void *arg)
{
	char source[64], *buf = NULL, *line, *next;
	struct header_map hdr = {0};
	int idx[MAX_FIELDS];
	const char *vals[MAX_FIELDS];
	char *fields[MAX_FIELDS + 1];
	unsigned lineno = 1;
	size_t len;
	int rc;

	snprintf(source, sizeof(source), "/%s", path);
	if (nwant > MAX_FIELDS)
		return -EINVAL;
	rc = read_file_at(ctx->rootfd, path, SYSV_MAX_FILE, &buf, &len);
	if (rc < 0) {
		snapshot_error(snap, source, "cannot read: %s", strerror(-rc));
		goto out;
	}
	if (strlen(buf) != len)
		snapshot_error(snap, source, "NUL byte at offset %zu; the rest of the file is ignored",
			       strlen(buf));
	if (*buf && buf[strlen(buf) - 1] != '\n')
		snapshot_error(snap, source, "file ends mid-line (truncated)");
	if (!*buf) {
		snapshot_error(snap, source, "empty file: no header line");
		rc = -EINVAL;
		goto out;
	}
	next = strchr(buf, '\n');
	if (next)
		*next++ = '\0';
	if (header_map_parse(&hdr, buf) < 0) {
		snapshot_error(snap, source, "empty header line");
		rc = -EINVAL;
		goto out;
	}
	for (size_t i = 0; required && required[i]; i++) {
		if (header_map_find(&hdr, required[i]) < 0) {
			snapshot_error(snap, source, "header has no '%s' column", required[i]);
			rc = -EINVAL;
			goto out;
		}
	}
	for (size_t i = 0; i < nwant; i++)
		idx[i] = header_map_find(&hdr, want[i]);

	for (line = next; line && *line; line = next) {
		size_t n;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		n = split_fields(line, fields, MAX_FIELDS + 1);
		if (n == 0)
			continue;
		if (n != hdr.n) {
			snapshot_error(snap, source, "line %u: %zu fields where the header has %zu; line skipped",
				       lineno, n, hdr.n);
			continue;
		}
		for (size_t i = 0; i < nwant; i++)
			vals[i] = idx[i] >= 0 ? fields[idx[i]] : NULL;
		row(ctx, snap, vals, source, lineno, arg);
	}
	rc = 0;
out:
	header_map_release(&hdr);
	free(buf);
	return rc;
}

bool sysv_vanished(struct snapshot *snap, int err)
{
	if (err != -EINVAL && err != -EIDRM)
		return false;
	snap->vanished++;
	return true;
}

void sysv_batch_push(struct sysv_batch *b, struct ipc_object *o)
{
	if (b->n == b->cap) {
		size_t cap = b->cap;

		xgrow((void **)&b->objs, &b->cap, b->n + 1, sizeof(*b->objs));
		xgrow((void **)&b->rc, &cap, b->n + 1, sizeof(*b->rc));
	}
	b->rc[b->n] = 0;
	b->objs[b->n++] = o;
}

struct batch_job {
	struct sysv_batch *b;
	int (*detail)(struct ipc_object *o);
};

static void batch_one(size_t i, void *arg)
{
	struct batch_job *j = arg;

	j->b->rc[i] = j->detail(j->b->objs[i]);
}

/* A thread costs tens of microseconds to start; a detail call a few. */
#define BATCH_MIN_PER_THREAD 256

static struct par_task *batch_start(struct batch_job *j, const char *table)
{
	/* Tests remove ids here, between the table read and the detail calls, to prove that
	 * vanished ids are dropped. The hook runs in this thread's namespaces. */
	test_hook("IPCSCOPE_TEST_HOOK_SYSV_DETAILS", "IPCSCOPE_SYSV_TABLE", table);
	return par_start(j->b->n, BATCH_MIN_PER_THREAD, batch_one, j);
}

struct sysv_early {
	struct scan_ctx *ctx;
	const struct sysv_source *src;
	struct snapshot held;   /* the table's errors, kept until the collector's turn */
	struct sysv_batch b;
	struct batch_job job;
	struct par_task *task;  /* the read and the calls under way; NULL once waited for */
	int rc;                 /* sysv_table_read's */
};

/* Whether the table under the root is the kernel's own (procfs), which the calls can stand
 * in for, and not a file of a tree that stands in for /proc (tests/unit/test_sysv.c lists ids
 * that way that the kernel has removed). */
static bool table_is_kernels(const struct scan_ctx *ctx, const char *path)
{
	struct statfs sfs;
	int fd = openat(ctx->rootfd, path, O_PATH | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
	close(fd);
	return ok;
}

/* A table so sparse that asking every slot would cost more than the kernel printing it
 * (ipcmni_extend allows 16M slots). */
#define SLOTS_PER_ID 4
#define SLOTS_FREE 4096

/* The live table through the kernel's calls, in slot order, which is /proc's order. 0 with
 * the objects in e->b; -1 when the calls cannot stand in for the table (a kernel before
 * 4.17 without STAT_ANY, a denial, a sparse table, a root whose /proc is not procfs), with
 * nothing made, and the table is to be read. Both give the pids of the reader's pid namespace (the kernel prints /proc/sysvipc
 * for the process that opened it), and the same order. */
static int slots_read(struct sysv_early *e)
{
	const struct sysv_source *src = e->src;
	int in_use = 0, top, err = 0;
	size_t pos = 2; /* a table's first object is its line 2, under the header */
	struct ipc_object *o;

	if (!table_is_kernels(e->ctx, src->path))
		return -1;
	top = src->info(&in_use);
	if (top < 0 || in_use < 0)
		return -1;
	if (in_use == 0)
		return 0;
	if ((size_t)top + 1 > (size_t)in_use * SLOTS_PER_ID + SLOTS_FREE)
		return -1;
	/* The highest slot in use answers, unless the calls do not exist here (or it was just
	 * removed: then the table is read, as it would have been). */
	o = src->stat(e->ctx, top, &err);
	if (!o)
		return -1;
	object_free(o);
	/* On this thread alone: a call costs less than the page faults and the lock of the
	 * address space that objects made on several threads at once cost (each thread's
	 * malloc arena grows by mprotect, a page at a time). */
	for (int slot = 0; slot <= top; slot++) {
		err = 0;
		o = src->stat(e->ctx, slot, &err);
		if (o) {
			obj_ipc_mut(o)->kernel_pos = (unsigned)pos++;
			sysv_batch_push(&e->b, o);
		} else if (err != -EINVAL && err != -EIDRM) {
			for (size_t i = 0; i < e->b.n; i++)
				object_free(e->b.objs[i]);
			e->b.n = 0;
			return -1;
		}
	}
	return 0;
}

/* On a thread of its own (par_background): the table, then its detail calls from up to
 * par_threads() threads. It touches only e, its objects, and ctx, which nothing changes
 * while a phase runs. */
static void early_run(size_t i, void *arg)
{
	struct sysv_early *e = arg;
	const struct sysv_source *src = e->src;

	(void)i;
	if (e->ctx->live && src->stat) {
		/* The calls that read the slots are the detail calls of a table whose slots
		 * tell everything: the test hook runs before them. */
		if (!src->slot_detail)
			test_hook("IPCSCOPE_TEST_HOOK_SYSV_DETAILS", "IPCSCOPE_SYSV_TABLE", src->table);
		if (slots_read(e) == 0) {
			e->job.detail = src->slot_detail;
			e->rc = 0;
			goto details;
		}
	}
	e->rc = sysv_table_read(e->ctx, &e->held, src->path, src->want, src->nwant, src->required,
				src->row, &e->b);
	e->job.detail = src->detail;
details:
	if (e->ctx->live && e->job.detail)
		par_wait(batch_start(&e->job, src->table));
}

struct sysv_early *sysv_early_start(struct scan_ctx *ctx, const struct sysv_source *src)
{
	struct sysv_early *e = xcalloc(1, sizeof(*e));

	*e = (struct sysv_early){.ctx = ctx, .src = src};
	snapshot_init(&e->held);
	e->job = (struct batch_job){.b = &e->b};
	e->task = par_background(1, early_run, e);
	return e;
}

struct sysv_batch *sysv_early_wait(struct sysv_early *e, struct snapshot *snap, int *rc)
{
	par_wait(e->task);
	e->task = NULL;
	for (size_t i = 0; i < e->held.nerrs; i++)
		snapshot_error(snap, e->held.errs[i].source, "%s", e->held.errs[i].message);
	*rc = e->rc;
	return &e->b;
}

void sysv_early_release(struct sysv_early *e)
{
	if (!e)
		return;
	par_wait(e->task);
	sysv_batch_release(&e->b);
	snapshot_release(&e->held);
	free(e);
}

void sysv_batch_release(struct sysv_batch *b)
{
	free(b->objs);
	free(b->rc);
	*b = (struct sysv_batch){0};
}

bool sysv_num(struct ipc_object *o, const char *val, const char *column, uint64_t *out)
{
	char why[96];

	if (!val)
		return false;
	if (parse_u64(val, out) == 0)
		return true;
	snprintf(why, sizeof(why), "column %s: not a number: '%.24s'", column, val);
	object_set_partial(o, why);
	return false;
}

/* v in decimal at q, not terminated; the end. At most 20 digits. */
static char *put_u64(char *q, uint64_t v)
{
	char buf[20], *p = buf + sizeof(buf);
	size_t n;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	n = (size_t)(buf + sizeof(buf) - p);
	memcpy(q, p, n);
	return q + n;
}

/* The object of kind with its id, key and place in the kernel's listing, as both sources
 * give them. */
static struct ipc_object *sysv_object_base(struct scan_ctx *ctx, enum ipc_kind kind, int64_t id,
					   uint32_t key, unsigned pos)
{
	static const char *const kname[] = {[KIND_SYSV_MSG] = "sysv-msg", [KIND_SYSV_SHM] = "sysv-shm",
					    [KIND_SYSV_SEM] = "sysv-sem"};
	char identity[96];
	struct ipc_object *o;

	/* "<kind>:<ns>:<id>", as snprintf would print it: a call of that was a tenth of a
	 * table line's cost. */
	{
		size_t n = strlen(kname[kind]);
		char *q = identity + n;

		memcpy(identity, kname[kind], n);
		*q++ = ':';
		q = put_u64(q, ctx->ipc_ns);
		*q++ = ':';
		q = put_u64(q, (uint64_t)id); /* 0 to INT32_MAX */
		*q = '\0';
	}
	o = object_new(kind, identity);
	o->ns = ctx->ipc_ns;
	o->ns_pid = ctx->ns_pid;
	o->id = id;
	obj_ipc_mut(o)->kernel_pos = pos;
	o->has_key = true;
	o->key = key;
	return o;
}

/* The mode as the kernel keeps it: permission bits, and a segment's SHM_DEST and
 * SHM_LOCKED, which are object flags here. */
static void sysv_set_mode(struct ipc_object *o, uint64_t v)
{
	o->has_mode = true;
	o->mode = (uint32_t)v & 0777;
	if (o->kind == KIND_SYSV_SHM) {
		if (v & 01000)
			o->flags |= OBJ_DEST;
		if (v & 02000)
			o->flags |= OBJ_LOCKED;
	}
}

struct ipc_object *sysv_object_new(struct scan_ctx *ctx, struct snapshot *snap, enum ipc_kind kind,
				   const char *const *vals, const char *source, unsigned lineno)
{
	int64_t key, id;
	uint64_t v, uid, gid;
	struct ipc_object *o;

	/* The kernel prints the key as a signed int. */
	if (parse_i64(vals[SV_KEY], &key) < 0 || key < INT32_MIN || key > UINT32_MAX) {
		snapshot_error(snap, source, "line %u: bad key '%.24s'; line skipped", lineno, vals[SV_KEY]);
		return NULL;
	}
	if (parse_i64(vals[SV_ID], &id) < 0 || id < 0 || id > INT32_MAX) {
		snapshot_error(snap, source, "line %u: bad id '%.24s'; line skipped", lineno, vals[SV_ID]);
		return NULL;
	}
	o = sysv_object_base(ctx, kind, id, (uint32_t)key, lineno);
	if (vals[SV_PERMS]) {
		if (parse_u64_base(vals[SV_PERMS], 8, &v) == 0 && v <= 07777) {
			sysv_set_mode(o, v);
		} else {
			object_set_partial(o, "column perms: not an octal mode");
		}
	}
	if (sysv_num(o, vals[SV_UID], "uid", &uid) & sysv_num(o, vals[SV_GID], "gid", &gid)) {
		o->has_owner = uid <= UINT32_MAX && gid <= UINT32_MAX;
		o->uid = (uid_t)uid;
		o->gid = (gid_t)gid;
	}
	if (sysv_num(o, vals[SV_CUID], "cuid", &uid) & sysv_num(o, vals[SV_CGID], "cgid", &gid)) {
		obj_ipc_mut(o)->has_creator_ids = uid <= UINT32_MAX && gid <= UINT32_MAX;
		obj_ipc_mut(o)->cuid = (uid_t)uid;
		obj_ipc_mut(o)->cgid = (gid_t)gid;
	}
	if (sysv_num(o, vals[SV_CTIME], "ctime", &v) && v <= INT64_MAX)
		o->ctime = (int64_t)v;
	return o;
}

struct ipc_object *sysv_object_from_perm(struct scan_ctx *ctx, enum ipc_kind kind, int id,
					 const struct ipc_perm *perm, int64_t ctime)
{
	struct ipc_object *o = sysv_object_base(ctx, kind, id, (uint32_t)perm->__key, 0);

	sysv_set_mode(o, perm->mode & 07777);
	o->has_owner = true;
	o->uid = perm->uid;
	o->gid = perm->gid;
	obj_ipc_mut(o)->has_creator_ids = true;
	obj_ipc_mut(o)->cuid = perm->cuid;
	obj_ipc_mut(o)->cgid = perm->cgid;
	o->ctime = ctime;
	return o;
}
