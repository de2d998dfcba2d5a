/* ipcs_fmt.h - the text of util-linux ipcs 2.38, drawn from a snapshot: the section of each
 * SysV kind in each output format, the -i detail blocks, and the helpers they share (sizes
 * in util-linux's human units, ctime text). The layout is util-linux's documented output,
 * reproduced byte for byte so that scripts parsing `ipcs` keep working. */
#ifndef IPCSCOPE_IPCS_FMT_H
#define IPCSCOPE_IPCS_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/snapshot.h"

enum ipcs_format {
	IPCS_FMT_LIST,     /* no format option: key, id, owner, perms, sizes */
	IPCS_FMT_LIMITS,   /* -l */
	IPCS_FMT_STATUS,   /* -u */
	IPCS_FMT_CREATOR,  /* -c */
	IPCS_FMT_TIME,     /* -t */
	IPCS_FMT_PID,      /* -p */
};

enum ipcs_unit {
	IPCS_UNIT_DEFAULT, /* each figure in the unit ipcs picks for it */
	IPCS_UNIT_BYTES,   /* -b */
	IPCS_UNIT_KB,
	IPCS_UNIT_HUMAN,   /* --human */
};

/* util-linux's size_to_human_string with one-letter suffixes: "1.9K", "16E", "410B". */
const char *ipcs_human(uint64_t bytes, char *buf, size_t len);

/* ctime(3)'s 24 characters (no newline) for t in local time, whatever the locale:
 * "Thu Jan  1 00:00:00 1970". "" when t cannot be represented. */
const char *ipcs_ctime(int64_t t, char *buf, size_t len);

/* The objects of kind in the order the kernel lists them (and ipcs prints them). The array
 * is the caller's to free; the objects stay the snapshot's. */
const struct ipc_object **ipcs_objects(const struct snapshot *snap, enum ipc_kind kind, size_t *n);

/* One kind's section: the limits (-l), the status (-u), or a header line and a row per
 * object. snap must hold kind's objects, and its limits for -l and -u. */
void ipcs_print_section(FILE *out, const struct snapshot *snap, enum ipc_kind kind,
			enum ipcs_format fmt, enum ipcs_unit unit);

/* The -i blocks. shown_id is the id the user asked for (ipcs prints it, not the object's).
 * qbytes: the queue's capacity, 0 when the caller may not read it. obj_ipc(o)->sems must be set. */
void ipcs_print_msg(FILE *out, const struct ipc_object *o, int shown_id, uint64_t qbytes,
		    enum ipcs_unit unit);
void ipcs_print_shm(FILE *out, const struct ipc_object *o, int shown_id, enum ipcs_unit unit);
void ipcs_print_sem(FILE *out, const struct ipc_object *o, int shown_id);

#endif
