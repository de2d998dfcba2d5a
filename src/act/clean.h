/* clean.h - the engine behind `rm`, `clean` and POST /api/v1/clean: which objects go, and
 * removing them safely. Nothing here prints: commands render the report.
 *
 * Between the scan and a removal an id can be recycled and a process can attach, so
 * clean_apply rescans once, then re-reads each object from the kernel (kind_ops.recheck)
 * right before it backs it up and removes it, and skips whatever changed. */
#ifndef IPCSCOPE_CLEAN_H
#define IPCSCOPE_CLEAN_H

#include <jansson.h>
#include <stdbool.h>

#include "core/expr.h"
#include "core/filter.h"
#include "core/snapshot.h"
#include "act/stale.h"
#include "collectors/collector.h"

enum clean_status {
	CLEAN_CANDIDATE, /* would be removed (dry run) */
	CLEAN_REMOVED,
	CLEAN_SKIPPED,   /* changed since the scan: gone, another object, no longer stale */
	CLEAN_REFUSED,   /* in use (rm without --force) */
	CLEAN_DENIED,    /* the user may not remove it */
	CLEAN_FAILED,    /* removal or backup failed */
	CLEAN__COUNT
};

struct clean_item {
	struct ipc_object *obj; /* borrowed from the report's snapshot */
	enum clean_status status;
	char *evidence;         /* why it is stale, or who holds it; owned */
	char *reason;           /* why it was not removed; owned, NULL when removed */
	char *backup;           /* its backup directory; owned, NULL without --backup */
	char *family;           /* the family it goes with (act/family.h); owned, NULL none */
	size_t pos;             /* its place in the report's snapshot */
	bool consumed;          /* its messages were received into the backup (no MSG_COPY) */
};

struct clean_opts {
	struct stale_ctx stale;   /* now, --older-than, --fifo-dir */
	struct filter filter;     /* -t, -u */
	const struct expr *expr;  /* -Q: candidates must pass it too, at the plan and the
				   * rescan; NULL none; borrowed */
	const char *root;         /* NULL: "/" */
	bool apply;               /* --yes; otherwise a dry run */
	bool force;               /* rm --force: remove objects in use */
	const char *backup_dir;   /* --backup DIR, or NULL */
	bool all_ns;              /* every namespace of the host (as root), see collector.h */
	const struct ns_select *select; /* -N, or NULL; borrowed */
};

struct clean_report {
	struct snapshot snap;     /* what the objects were found in; owned */
	struct clean_item *items; /* owned */
	size_t n, cap;
	bool dry_run;
	bool is_rm;               /* named by rm: not required to be stale, refused when in use */
	bool holders_unproven;    /* an object's rule needed every process read, and some were not */
	char **families;          /* of each object of snap (act/family.h); owned */
};

/* Options with the defaults: now, --older-than 1h, nothing else. */
void clean_opts_init(struct clean_opts *o);

/* Scan and select every stale object that passes the filter. 0 or -errno (nothing scanned). */
int clean_plan(struct clean_report *r, const struct clean_opts *o);

/* Select the objects refs name: kind < 0 means each ref is an identity. Objects in use are
 * REFUSED unless o->force. A ref that names nothing, more than one object, or a kind that
 * cannot be removed goes into *bad (one line each, owned by the caller, NULL-terminated)
 * and makes the return -ENOENT; the others are still selected. */
int rm_plan(struct clean_report *r, const struct clean_opts *o, int kind, char *const *refs,
	    size_t nrefs, char ***bad);

/* Recheck, back up and remove every CANDIDATE (when o->apply). Each item ends REMOVED,
 * SKIPPED, DENIED or FAILED. 0, or -errno when the rescan itself failed. */
int clean_apply(struct clean_report *r, const struct clean_opts *o);

void clean_report_release(struct clean_report *r);

/* Memory that objects unlinked while still held (status deleted: no name, so no clean can
 * free it) pin, by holding process: each process is charged every such object it holds. */
struct pinned {
	pid_t pid;
	char comm[COMM_LEN];
	size_t objects;
	int64_t bytes;            /* allocated bytes (tmpfs blocks), else size; 0 unknown */
};
/* The processes holding such objects in r's snapshot, most bytes first (the caller frees
 * the array); *total the bytes of all of them, each object counted once. */
struct pinned *clean_pinned(const struct clean_report *r, size_t *n, int64_t *total);

const char *clean_status_name(enum clean_status s);
/* {"identity", "kind", "status", "evidence", "reason", "backup", "family", "object": {...}} */
json_t *clean_item_json(const struct clean_item *it);
/* The report as {"dry_run", "older_than", "items": [...]} */
json_t *clean_report_json(const struct clean_report *r, const struct clean_opts *o);

struct kind_info;

/* The part of restore that reads a backup's meta.json: text parsed into *meta (the caller
 * drops it), the kind it names, which must be one that can be restored, and the identity
 * saved with it (both borrowed from *meta). 0, or -EINVAL with *meta NULL. */
int restore_meta_parse(const char *text, json_t **meta, const struct kind_info **ki,
		       const char **kind, const char **identity);

/* Recreate every object saved under dir (one subdirectory each, or dir itself). Results as
 * a JSON array of {"dir", "identity", "kind", "status": "restored"|"exists"|"failed",
 * "reason"}; returns 0 when all were restored, -EEXIST or -EIO otherwise. */
int restore_dir(const char *dir, json_t **results);

#endif
