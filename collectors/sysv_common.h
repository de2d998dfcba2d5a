/* sysv_common.h - the parts of /proc/sysvipc/{msg,shm,sem} the three collectors share:
 * reading the table by its header line, and the fields every SysV object has. */
#ifndef IPCSCOPE_SYSV_COMMON_H
#define IPCSCOPE_SYSV_COMMON_H

#include "collector.h"

/* The STAT_ANY commands (Linux 4.17, include/uapi/linux/{msg,sem}.h), for C libraries that
 * predate them; a kernel without them answers EINVAL, and the table's text is read. */
#ifndef MSG_STAT_ANY
#define MSG_STAT_ANY 13
#endif
#ifndef SEM_STAT_ANY
#define SEM_STAT_ANY 20
#endif

/* The file is read whole; anything larger is not a sane /proc/sysvipc file. */
#define SYSV_MAX_FILE (256u << 20)

/* Called for each data line. vals[i] is the text of wanted column i, or NULL when the
 * header lacks it. source and lineno are for error messages. */
typedef void (*sysv_row_fn)(struct scan_ctx *ctx, struct snapshot *snap, const char *const *vals,
			    const char *source, unsigned lineno, void *arg);

/* Read <root>/path, locate the wanted columns by the header, call row for each line.
 * Columns named in required must be present or the file is rejected.
 * Returns 0, or -errno when the file as a whole could not be used (recorded in snap). */
int sysv_table_read(struct scan_ctx *ctx, struct snapshot *snap, const char *path,
		    const char *const *want, size_t nwant, const char *const *required,
		    sysv_row_fn row, void *arg);

/* Indexes of the columns every SysV table has, as sysv_object_new expects them first in
 * the want array: key, id, perms, uid, gid, cuid, cgid, ctime. */
enum { SV_KEY, SV_ID, SV_PERMS, SV_UID, SV_GID, SV_CUID, SV_CGID, SV_CTIME, SV__COMMON };

/* A new object from the common columns, or NULL (error recorded) when key or id is not a
 * number. Bad values in other columns make the object partial. */
struct ipc_object *sysv_object_new(struct scan_ctx *ctx, struct snapshot *snap, enum ipc_kind kind,
				   const char *const *vals, const char *source, unsigned lineno);

/* The detail call (msgctl, semctl) made after the table was read failed with -err: true
 * when that means the id no longer exists, so the object vanished in between, as objects
 * do on a busy host. EINVAL: no such id (removed, or its slot reused, which changes the id's
 * sequence number); EIDRM: being removed. Such an object is dropped and counted in
 * snap->vanished, not listed half-read with an error. Any other failure (EACCES) is the
 * object's own and is reported as before. */
bool sysv_vanished(struct snapshot *snap, int err);

/* The objects of one table, in the kernel's order, while their detail calls (semctl,
 * msgctl) are made: the calls run in parallel (parallel.h), then each object is finished
 * and added in its table order, so the listing is the kernel's order whatever the threads
 * did. rc[i] is what detail returned for objs[i]. */
struct sysv_batch {
	struct ipc_object **objs;
	int *rc;
	size_t n, cap;
};
void sysv_batch_push(struct sysv_batch *b, struct ipc_object *o);
void sysv_batch_release(struct sysv_batch *b);

/* A table read and its detail calls begun before the collector's turn in its phase
 * (collector.h: start, finish), so that the kernel answers thousands of semctl and msgctl
 * calls on other threads while this one reads the next tables. sysv_early_start has a
 * thread of its own (par_background; on one CPU, everything waits for sysv_early_wait) read
 * the table. On the live system, where src has stat, that is the kernel's slots asked
 * directly, one call per slot: MSG_STAT_ANY costs a third of the line the
 * kernel prints for /proc and needs no parsing; the table's text is read only where the
 * calls cannot stand in for it (see slots_read), and always under a fixture root. The text
 * is read as sysv_table_read does, with row given the batch as its arg; the errors it
 * meets are held, not yet in any snapshot, and row must not use the snapshot but for errors
 * (pids are resolved when finishing) nor change ctx. That thread then makes the detail
 * calls (live system only; detail or slot_detail, whichever source was read; NULL for
 * none): rc[i] = detail(objs[i]) for every object, from up to par_threads() threads;
 * detail may touch only its object and must not allocate from the snapshot or print. table
 * ("msg", "sem") is for the test hook IPCSCOPE_TEST_HOOK_SYSV_DETAILS, run before the
 * detail calls (before the slots' calls when those are all there is). sysv_early_wait
 * waits for them, adds the held errors to snap in the order they were met, sets *rc to the
 * table read's return and gives the batch to finish; sysv_early_release frees everything
 * that is left (waiting first if needed). */
struct sysv_source {
	const char *path;               /* "proc/sysvipc/msg", under ctx->rootfd */
	const char *table;              /* "msg", "sem": for the test hook */
	const char *const *want;        /* as for sysv_table_read */
	size_t nwant;
	const char *const *required;
	sysv_row_fn row;
	int (*detail)(struct ipc_object *o);      /* after the table; NULL none */
	/* The live table without the text (NULL: always the text): info returns the highest
	 * slot in use (MSG_INFO, SEM_INFO) and sets *in_use to the number of ids, or -errno;
	 * stat makes the object of a slot (MSG_STAT_ANY, SEM_STAT_ANY) with what the table
	 * would give, or NULL with *err set: -EINVAL or -EIDRM for an empty slot; any other
	 * error (a denial) makes the table be read instead. stat runs on the early thread and
	 * may touch only ctx (to read it) and what it makes. slot_detail is the detail call
	 * after the slots (NULL none: the slot told everything). */
	int (*info)(int *in_use);
	struct ipc_object *(*stat)(struct scan_ctx *ctx, int slot, int *err);
	int (*slot_detail)(struct ipc_object *o);
};
struct sysv_early;
struct sysv_early *sysv_early_start(struct scan_ctx *ctx, const struct sysv_source *src);
struct sysv_batch *sysv_early_wait(struct sysv_early *e, struct snapshot *snap, int *rc);
void sysv_early_release(struct sysv_early *e);

/* An object of kind from the kernel's ipc_perm of id (the STAT calls), with ctime; its
 * kernel_pos is the caller's to set. */
struct ipc_perm;
struct ipc_object *sysv_object_from_perm(struct scan_ctx *ctx, enum ipc_kind kind, int id,
					 const struct ipc_perm *perm, int64_t ctime);

/* Parse vals[i] as an unsigned number into *out. Absent column: false, no complaint.
 * Garbage: false, and o is marked partial naming the column. */
bool sysv_num(struct ipc_object *o, const char *val, const char *column, uint64_t *out);

#endif
