/* kinds.c - every kind once: its name, group, and what `show` prints for it.
 * How removable kinds are judged and removed is src/act/ops.c's, a layer above. */
#include "core/kinds.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"

#define RULE_SYSV_MSG "creator (not recorded by the kernel), last sender and last receiver gone, no send, receive or change for --older-than"
#define RULE_SYSV_SHM "nattch 0, no process maps it, creator and last attach/detach pid gone, no attach, detach or change for --older-than"
#define RULE_SYSV_SEM "every last-op pid gone, no waiters (ncount and zcount 0), no operation or change for --older-than"
#define RULE_POSIX_MQ "no process has it open or mapped, no live notify pid, no send or receive (mtime) for --older-than"
#define RULE_POSIX "no process has it open or mapped, unchanged (mtime and ctime) for --older-than; never once unlinked while held (deleted)"
#define RULE_FIFO "inside a --fifo-dir directory, no process has it open, unchanged for --older-than"
#define RULE_NEVER "never: it ends with its holders"

#define SYSV_COMMON "IDENTITY,KIND,ID,KEY,OWNER,UID,GROUP,GID,CUSER,CUID,CGROUP,CGID,PERMS"

static const struct kind_info kinds[KIND__COUNT] = {
	[KIND_SYSV_MSG] = {KIND_SYSV_MSG, "sysv-msg", "sysv", "System V message queue",
			   SYSV_COMMON ",SIZE,USED,USE%,MSGS,LSPID,LSCOMM,LRPID,LRCOMM,SEND,RECV,CTIME", RULE_SYSV_MSG, true, false},
	[KIND_SYSV_SHM] = {KIND_SYSV_SHM, "sysv-shm", "sysv", "System V shared memory segment",
			   SYSV_COMMON ",SIZE,RSS,SWAP,NATTCH,STATUS,CPID,CCOMM,LPID,LCOMM,ATTACH,DETACH,CTIME", RULE_SYSV_SHM, true, false},
	[KIND_SYSV_SEM] = {KIND_SYSV_SEM, "sysv-sem", "sysv", "System V semaphore set",
			   SYSV_COMMON ",NSEMS,OP,CTIME", RULE_SYSV_SEM, true, false},
	[KIND_POSIX_MQ] = {KIND_POSIX_MQ, "posix-mq", "posix", "POSIX message queue",
			   "IDENTITY,KIND,NAME,INODE,OWNER,UID,GROUP,GID,PERMS,SIZE,USED,USE%,MSGS,MAXMSG,MSGSIZE,NOTIFY,SIGNO,NPID,NCOMM,MTIME", RULE_POSIX_MQ, true, true},
	[KIND_POSIX_SHM] = {KIND_POSIX_SHM, "posix-shm", "posix", "POSIX shared memory object",
			    "IDENTITY,KIND,NAME,INODE,OWNER,UID,GROUP,GID,PERMS,SIZE,ALLOC,ATIME,MTIME,CTIME", RULE_POSIX, true, true},
	[KIND_POSIX_SEM] = {KIND_POSIX_SEM, "posix-sem", "posix", "POSIX named semaphore",
			    "IDENTITY,KIND,NAME,INODE,OWNER,UID,GROUP,GID,PERMS,VALUE,MTIME,CTIME", RULE_POSIX, true, true},
	[KIND_PIPE] = {KIND_PIPE, "pipe", "stream", "anonymous pipe",
		       "IDENTITY,KIND,INODE,SIZE,USED,USE%,STATUS", RULE_NEVER, false, false},
	[KIND_FIFO] = {KIND_FIFO, "fifo", "stream", "named pipe (FIFO)",
		       "IDENTITY,KIND,NAME,INODE,OWNER,UID,GROUP,GID,PERMS,SIZE,USED,USE%,STATUS,MTIME,CTIME", RULE_FIFO, true, true},
	[KIND_UNIX] = {KIND_UNIX, "unix", "socket", "unix domain socket",
		       "IDENTITY,KIND,INODE,TYPE,STATE,LOCAL,PEER,PEERINO,RQUEUE,WQUEUE,PENDING,BACKLOG", RULE_NEVER, false, false},
	[KIND_TCP] = {KIND_TCP, "tcp", "socket", "TCP socket",
		      "IDENTITY,KIND,INODE,STATE,LOCAL,PEER,RQUEUE,WQUEUE,PENDING,BACKLOG,OWNER,UID", RULE_NEVER, false, false},
	[KIND_UDP] = {KIND_UDP, "udp", "socket", "UDP socket",
		      "IDENTITY,KIND,INODE,STATE,LOCAL,PEER,RQUEUE,WQUEUE,OWNER,UID", RULE_NEVER, false, false},
	[KIND_LOCK] = {KIND_LOCK, "lock", "lock", "file lock (flock, POSIX, OFD, lease) from /proc/locks",
		       "IDENTITY,KIND,LTYPE,LMODE,MANDATORY,LSTATE,START,END,EOF,DEV,INODE,NAME,OWNER,UID,LOCKPID,LOCKCOMM,NBLOCKED,BLOCKED", RULE_NEVER, false, false},
	[KIND_MEMFD] = {KIND_MEMFD, "memfd", "memfd", "anonymous memory file (memfd_create)",
			"IDENTITY,KIND,NAME,INODE,OWNER,UID,GROUP,GID,PERMS,SIZE,ALLOC,SEALS,MTIME,CTIME", RULE_NEVER, false, false},
	[KIND_EVENTFD] = {KIND_EVENTFD, "eventfd", "fd", "eventfd counter (eventfd(2))",
			  "IDENTITY,KIND,EFDID,COUNT,SEMAPHORE,STATUS,PARTIAL", RULE_NEVER, false, false},
	[KIND_SIGNALFD] = {KIND_SIGNALFD, "signalfd", "fd", "signalfd file (signalfd(2)): the signals it reads",
			   "IDENTITY,KIND,SIGMASK,STATUS,PARTIAL", RULE_NEVER, false, false},
	/* Hidden: outside KINDS_DEFAULT, see kinds.h. */
	[KIND_SIGNAL] = {KIND_SIGNAL, "signal", "signal", "a process's pending, blocked, ignored and caught signals (/proc/PID/status)",
			 "IDENTITY,KIND,SIGPID,SIGCOMM,SIGPND,SHDPND,SIGBLK,SIGIGN,SIGCGT,SIGQ,SIGQLIMIT", RULE_NEVER, false, false},
	/* Hidden: outside KINDS_DEFAULT, see kinds.h. */
	[KIND_MMAP] = {KIND_MMAP, "mmap", "mmap", "memory mapped MAP_SHARED by two or more processes: anonymous (shmem) or a regular file",
		       "IDENTITY,KIND,BACKING,NAME,INODE,OWNER,UID,GROUP,GID,PERMS,SIZE,ALLOC,RSS,STATUS,PARTIAL,MTIME,CTIME", RULE_NEVER, false, false},
};

const struct kind_info *kind_info(enum ipc_kind k)
{
	return (unsigned)k < KIND__COUNT ? &kinds[k] : NULL;
}

const char *kind_name(enum ipc_kind k)
{
	return (unsigned)k < KIND__COUNT ? kinds[k].name : "unknown";
}

int kind_by_name(const char *name)
{
	for (int k = 0; k < KIND__COUNT; k++)
		if (!strcmp(kinds[k].name, name))
			return k;
	return -1;
}

int kinds_parse(const char *list, unsigned *mask, const char **bad)
{
	static char badword[64];
	char word[64];
	const char *p = list;
	unsigned m = 0;

	while (*p) {
		size_t n = strcspn(p, ",");
		bool found = false;

		if (n == 0 || n >= sizeof(word)) {
			snprintf(badword, sizeof(badword), "%.*s", (int)(n < 60 ? n : 60), p);
			*bad = badword;
			return -EINVAL;
		}
		memcpy(word, p, n);
		word[n] = '\0';
		if (!strcmp(word, "all")) {
			m |= KINDS_ALL;
			found = true;
		}
		for (int k = 0; k < KIND__COUNT; k++) {
			if (!strcmp(kinds[k].name, word) || !strcmp(kinds[k].group, word)) {
				m |= KIND_BIT(k);
				found = true;
			}
		}
		if (!found) {
			snprintf(badword, sizeof(badword), "%s", word);
			*bad = badword;
			return -EINVAL;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (!m) {
		*bad = "";
		return -EINVAL;
	}
	*mask = m;
	return 0;
}
