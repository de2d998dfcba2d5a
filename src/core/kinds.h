/* kinds.h - the one table that lists every kind once.
 *
 * Adding a kind is a row in kinds.c, a collector and tests; nothing else switches on kinds. */
#ifndef IPCSCOPE_KINDS_H
#define IPCSCOPE_KINDS_H

#include <stdbool.h>

#include "core/object.h"

struct kind_info {
	enum ipc_kind kind;
	const char *name;      /* the word users type and JSON carries: "sysv-msg" */
	const char *group;     /* "sysv", "posix", "stream", "socket" */
	const char *descr;     /* one line for help and --list-types */
	const char *columns;   /* columns `show` prints for this kind, comma separated */
	const char *stale_rule; /* the rule in words, for help, README and evidence */
	bool removable;        /* rm and clean act on it (src/act/ops.c has how); false: it
				* ends with its holders */
	bool needs_every_holder; /* its rule can hold only if every process's fds were read */
};

/* What a command lists when -t is not given. The signal kind is left out: it would read
 * /proc/PID/status of every process. Without -t a process's signals are listed only when
 * something is pending for it and it holds a signalfd (whose holders are read anyway);
 * -t signal (or all) lists every process with a pending signal or a signalfd. The mmap
 * kind is left out too, not for its cost (the maps are read anyway for POSIX shm and
 * memfds) but because the files many processes map shared, read only, would flood the
 * view; -t mmap (or all) lists them. */
#define KINDS_DEFAULT (KINDS_ALL & ~(KIND_BIT(KIND_SIGNAL) | KIND_BIT(KIND_MMAP)))
/* What serve and metrics read: the default kinds and mmap, which costs them nothing more
 * (the maps are read anyway) and which a dashboard's card, its kind filter and the
 * metrics' kind label would otherwise always show as none. */
#define KINDS_SERVE (KINDS_DEFAULT | KIND_BIT(KIND_MMAP))

const struct kind_info *kind_info(enum ipc_kind k);
const char *kind_name(enum ipc_kind k);
/* -1 when no kind has that name. */
int kind_by_name(const char *name);

/* Parse "sysv,posix-mq" (kinds and groups, comma separated) into a KIND_BIT mask.
 * Returns 0, or -EINVAL with *bad pointing at a static copy of the unknown word. */
int kinds_parse(const char *list, unsigned *mask, const char **bad);

#endif
