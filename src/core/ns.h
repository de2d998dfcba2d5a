/* ns.h - the namespaces and containers of a host, as one scan found them.
 *
 * A process lives in one namespace of each type. Objects belong to the namespace of their
 * type (SysV and POSIX queues: IPC; POSIX shm and semaphores, FIFOs: mount, through the
 * file system they are on; sockets: network), and that namespace to a container when the
 * processes in it belong to one. The snapshot owns all of it. */
#ifndef IPCSCOPE_NS_H
#define IPCSCOPE_NS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum ns_type { NS_IPC, NS_MNT, NS_NET, NS_PID, NS_USER, NS_UTS, NS__COUNT };

/* "ipc", "mnt", "net", "pid", "user", "uts": the names of /proc/PID/ns/. */
const char *ns_type_name(enum ns_type t);
/* The CLONE_NEW* flag setns takes for t. */
int ns_clone_flag(enum ns_type t);

enum ipc_kind;
/* The namespace type objects of kind belong to (SysV and POSIX queues: IPC; POSIX shm,
 * semaphores, FIFOs: mount; sockets: network); -1 for pipes, which belong to none. */
int ns_type_of_kind(enum ipc_kind k);

/* A container a process belongs to, as its cgroup path names it (collectors/container.c).
 * All strings NUL-terminated, "" when unknown. */
struct container {
	char runtime[16];   /* "docker", "containerd", "cri-o", "podman", "nspawn", "lxc" */
	char id[80];        /* 64 hex chars for docker, containerd, cri-o, podman; the machine
			     * name for nspawn; the container name for lxc */
	char pod[40];       /* Kubernetes pod UID with dashes, "" outside Kubernetes */
	char name[65];      /* the UTS hostname of its processes (up to HOST_NAME_MAX), or the
			     * nspawn or LXC name */
};

/* The id as `docker ps` shows it: the first 12 characters of a 64-hex id; a name-like id
 * (nspawn, lxc) as it is. Writes into buf (truncating to len), returns buf. */
const char *container_short_id(const struct container *c, char *buf, size_t len);
/* What a table shows for c: its name when it has one, else its short id. */
const char *container_label(const struct container *c, char *buf, size_t len);

/* One process as discovery read it. */
struct ns_proc {
	pid_t pid;
	pid_t nspid;                /* pid in its innermost pid namespace; 0 same or unknown */
	uint64_t ns[NS__COUNT];     /* namespace inodes; 0 unreadable */
	int container;              /* index in snapshot containers; -1 none */
};

/* One namespace in use. */
struct ns_info {
	enum ns_type type;
	uint64_t inode;
	pid_t pid;                  /* the lowest pid inside: how it is entered; 0 none */
	unsigned nprocs;            /* processes inside */
	bool self;                  /* the scanner's own */
	bool scanned;               /* its objects were read */
	int container;              /* of its lowest pid, or the one all its processes in a
				     * container agree on (not for the host's); -1 none */
	uint64_t peers[NS__COUNT];  /* the namespaces of that process */
};

#endif
