/* filter.h - which objects a command is about: kinds, user, pid, key, or one reference. */
#ifndef IPCSCOPE_FILTER_H
#define IPCSCOPE_FILTER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/object.h"

struct filter {
	unsigned kinds;    /* KIND_BIT mask; 0 means all */
	bool has_uid;
	uid_t uid;         /* owner or creator */
	bool has_pid;
	pid_t pid;         /* creator, last user, semaphore last op, or holder */
	const pid_t *pids; /* more pids (-p 1,2): any of them, or pid, matches; borrowed */
	size_t npids;
	bool has_key;
	uint32_t key;
};

bool filter_match(const struct filter *f, const struct ipc_object *o);

/* Does ref name o? ref is an identity string, an id, a key (0x... or decimal), a POSIX name
 * (with or without the leading '/'), a path, or an inode. */
bool object_matches_ref(const struct ipc_object *o, const char *ref);

/* Parse a SysV key: "0x1234abcd", decimal, or a negative int as /proc prints it. */
int parse_key(const char *s, uint32_t *key);

#endif
