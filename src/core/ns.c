/* ns.c - names and setns flags of the namespace types (see ns.h). */
#include "core/ns.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "core/object.h"

const char *ns_type_name(enum ns_type t)
{
	static const char *const names[NS__COUNT] = {
		[NS_IPC] = "ipc", [NS_MNT] = "mnt", [NS_NET] = "net",
		[NS_PID] = "pid", [NS_USER] = "user", [NS_UTS] = "uts",
	};
	return (unsigned)t < NS__COUNT ? names[t] : "?";
}

int ns_clone_flag(enum ns_type t)
{
	static const int flags[NS__COUNT] = {
		[NS_IPC] = CLONE_NEWIPC, [NS_MNT] = CLONE_NEWNS,   [NS_NET] = CLONE_NEWNET,
		[NS_PID] = CLONE_NEWPID, [NS_USER] = CLONE_NEWUSER, [NS_UTS] = CLONE_NEWUTS,
	};
	return (unsigned)t < NS__COUNT ? flags[t] : 0;
}

int ns_type_of_kind(enum ipc_kind k)
{
	switch (k) {
	case KIND_SYSV_MSG:
	case KIND_SYSV_SHM:
	case KIND_SYSV_SEM:
	case KIND_POSIX_MQ:
		return NS_IPC;
	case KIND_POSIX_SHM:
	case KIND_POSIX_SEM:
	case KIND_FIFO:
	case KIND_LOCK: /* its file's path is of its holder's mount namespace */
		return NS_MNT;
	case KIND_UNIX:
	case KIND_TCP:
	case KIND_UDP:
		return NS_NET;
	default:
		return -1;
	}
}

const char *container_short_id(const struct container *c, char *buf, size_t len)
{
	size_t n = strlen(c->id);
	bool hex = n == 64;

	if (!len)
		return buf;
	for (size_t i = 0; hex && i < n; i++)
		hex = (c->id[i] >= '0' && c->id[i] <= '9') || (c->id[i] >= 'a' && c->id[i] <= 'f');
	/* docker ps prints 12 of the 64 digits; names are shown whole. */
	snprintf(buf, len, "%.*s", (int)(hex ? 12 : n), c->id);
	return buf;
}

const char *container_label(const struct container *c, char *buf, size_t len)
{
	if (c->name[0]) {
		snprintf(buf, len, "%s", c->name);
		return buf;
	}
	return container_short_id(c, buf, len);
}
