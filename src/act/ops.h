/* ops.h - what rm and clean do with each removable kind: its stale rule, in-use test,
 * recheck, backup, removal and restore. The kinds table (core/kinds.c) says which kinds are
 * removable; this layer, above the collectors, says how. */
#ifndef IPCSCOPE_OPS_H
#define IPCSCOPE_OPS_H

#include <jansson.h>
#include <stdbool.h>

#include "act/stale.h"
#include "core/object.h"

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

/* The ops of kind k; NULL for a kind that is not removable (pipes, sockets). */
const struct kind_ops *kind_ops_of(enum ipc_kind k);

#endif
