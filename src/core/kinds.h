/* kinds.h - the one table that lists every kind once.
 *
 * Adding a kind is a row in kinds.c, a collector and tests; nothing else switches on kinds. */
#ifndef IPCSCOPE_KINDS_H
#define IPCSCOPE_KINDS_H

#include <jansson.h>
#include <stdbool.h>

#include "core/object.h"
#include "core/stale.h"

/* What a kind can do beyond being listed: its stale rule, removal and restore. A kind
 * without ops (pipes, sockets) is never a candidate for rm or clean: it ends with its
 * holders. Every function returns 0 or -errno unless it says otherwise. */
struct kind_ops {
	bool (*stale)(const struct ipc_object *o, const struct stale_ctx *c, struct evidence *ev);
	bool (*in_use)(const struct ipc_object *o, struct evidence *ev);
	/* Re-read o from the kernel right before removal: 0 when it is still the same object
	 * (SysV key, ctime and cuid; or device, inode and ctime) and, unless force, unused;
	 * -ESTALE (gone, or another object now) or -EBUSY (in use now), with why. */
	int (*recheck)(const struct ipc_object *o, bool force, struct evidence *why);
	/* Is now (from a later scan) the object scanned was? NULL: the same key, ctime, cuid,
	 * inode and name. A kind whose ctime moves when it is merely read says otherwise. */
	bool (*same)(const struct ipc_object *scanned, const struct ipc_object *now);
	/* Save into dirfd what restore needs; kind fields go into meta. A queue that cannot be
	 * copied is drained here (*consumed = true); when its messages cannot be written they
	 * are sent back and the call fails (*consumed = false), so nothing is lost. */
	int (*backup)(const struct ipc_object *o, int dirfd, json_t *meta, bool *consumed);
	int (*remove)(const struct ipc_object *o);
	/* Recreate what backup saved; -EEXIST when such an object exists (never overwritten). */
	int (*restore)(json_t *meta, int dirfd, struct evidence *why);
};

struct kind_info {
	enum ipc_kind kind;
	const char *name;      /* the word users type and JSON carries: "sysv-msg" */
	const char *group;     /* "sysv", "posix", "stream", "socket" */
	const char *descr;     /* one line for help and --list-types */
	const char *columns;   /* columns `show` prints for this kind, comma separated */
	const char *stale_rule; /* the rule in words, for help, README and evidence */
	const struct kind_ops *ops; /* NULL: never removed by rm or clean */
	bool needs_every_holder; /* its rule can hold only if every process's fds were read */
};

const struct kind_info *kind_info(enum ipc_kind k);
const char *kind_name(enum ipc_kind k);
/* -1 when no kind has that name. */
int kind_by_name(const char *name);

/* Parse "sysv,posix-mq" (kinds and groups, comma separated) into a KIND_BIT mask.
 * Returns 0, or -EINVAL with *bad pointing at a static copy of the unknown word. */
int kinds_parse(const char *list, unsigned *mask, const char **bad);

#endif
