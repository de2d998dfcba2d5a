/* nsdisc.c - the namespaces and containers in use, from one listing of /proc (see
 * nsdisc.h), and the labels they give objects and holders. */
#include "nsdisc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "core/util.h"

uint64_t ns_link_inode(int dirfd, const char *path)
{
	char buf[64];
	ssize_t n = readlinkat(dirfd, path, buf, sizeof(buf) - 1);
	const char *lb;
	uint64_t v = 0;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	lb = strchr(buf, '[');
	if (!lb || buf[n - 1] != ']')
		return 0;
	buf[n - 1] = '\0';
	return parse_u64(lb + 1, &v) < 0 ? 0 : v;
}

/* (type, inode) -> index in snap->nss while discovery runs: open addressing, grown at half
 * load. A host has few namespaces and many processes in each. */
struct ns_index {
	long *slots; /* index + 1; 0 empty */
	size_t cap;
};

static size_t ns_hash(enum ns_type t, uint64_t ino)
{
	uint64_t h = (ino ^ ((uint64_t)t << 56)) * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h ^ (h >> 31));
}

static long *ns_slot(struct ns_index *x, const struct snapshot *snap, enum ns_type t, uint64_t ino)
{
	size_t mask = x->cap - 1, i = ns_hash(t, ino) & mask;

	while (x->slots[i]) {
		const struct ns_info *n = &snap->nss[x->slots[i] - 1];

		if (n->type == t && n->inode == ino)
			break;
		i = (i + 1) & mask;
	}
	return &x->slots[i];
}

static struct ns_info *ns_get(struct ns_index *x, struct snapshot *snap, enum ns_type t, uint64_t ino)
{
	long *slot = ns_slot(x, snap, t, ino);
	struct ns_info *n;

	if (*slot)
		return &snap->nss[*slot - 1];
	if ((snap->nnss + 1) * 2 > x->cap) {
		x->cap *= 2;
		free(x->slots);
		x->slots = xcalloc(x->cap, sizeof(*x->slots));
		for (size_t i = 0; i < snap->nnss; i++)
			*ns_slot(x, snap, snap->nss[i].type, snap->nss[i].inode) = (long)i + 1;
		slot = ns_slot(x, snap, t, ino);
	}
	xgrow((void **)&snap->nss, &snap->nss_cap, snap->nnss + 1, sizeof(*snap->nss));
	n = &snap->nss[snap->nnss++];
	memset(n, 0, sizeof(*n));
	n->type = t;
	n->inode = ino;
	n->container = -1;
	*slot = (long)snap->nnss;
	return n;
}

static int container_index(struct snapshot *snap, const struct container *c)
{
	for (size_t i = 0; i < snap->ncontainers; i++)
		if (!strcmp(snap->containers[i].runtime, c->runtime) && !strcmp(snap->containers[i].id, c->id))
			return (int)i;
	xgrow((void **)&snap->containers, &snap->containers_cap, snap->ncontainers + 1,
	      sizeof(*snap->containers));
	snap->containers[snap->ncontainers] = *c;
	return (int)snap->ncontainers++;
}

/* Read one process. 1 when read, 0 when gone, -EACCES when its namespaces are hidden. */
static int read_proc(struct scan_ctx *ctx, struct snapshot *snap, int procfd, pid_t pid,
		     struct ns_proc *p)
{
	char name[16], *text = NULL;
	struct container c;
	size_t len;
	int dfd, found = 0;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->container = -1;
	snprintf(name, sizeof(name), "%d", (int)pid);
	dfd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	for (int t = 0; t < NS__COUNT; t++) {
		char link[16];

		snprintf(link, sizeof(link), "ns/%s", ns_type_name((enum ns_type)t));
		p->ns[t] = ns_link_inode(dfd, link);
		if (!p->ns[t] && (errno == EACCES || errno == EPERM)) {
			memset(p->ns, 0, sizeof(p->ns));
			close(dfd);
			return -EACCES;
		}
		found |= p->ns[t] != 0;
	}
	if (!found) {
		close(dfd);
		return 0;
	}
	if (read_file_at(dfd, "cgroup", 1u << 16, &text, &len) == 0 &&
	    container_from_cgroup(text, len, &c) == 1)
		p->container = container_index(snap, &c);
	free(text);
	text = NULL;
	/* NSpid only matters, and is only read, for a process in another pid namespace. */
	if (p->ns[NS_PID] && p->ns[NS_PID] != snap->self_ns[NS_PID] &&
	    read_file_at(dfd, "status", 1u << 16, &text, &len) == 0) {
		pid_t inner;
		int levels;

		if (nspid_parse(text, len, &inner, &levels) == 0 && inner != pid)
			p->nspid = inner;
	}
	free(text);
	close(dfd);
	(void)ctx;
	return 1;
}

static int ns_cmp(const void *a, const void *b)
{
	const struct ns_info *x = a, *y = b;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

static int proc_cmp(const void *a, const void *b)
{
	const struct ns_proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* A container's name: its nspawn or LXC name, or the hostname its processes see (Docker
 * and Kubernetes set it to the short id or the pod name unless told otherwise). */
static void name_containers(struct scan_ctx *ctx, struct snapshot *snap)
{
	for (size_t i = 0; i < snap->ncontainers; i++) {
		struct container *c = &snap->containers[i];

		if (c->name[0] || !ctx->live)
			continue;
		for (size_t k = 0; k < snap->nprocs; k++)
			if (snap->procs[k].container == (int)i) {
				if (uts_hostname(snap->procs[k].pid, c->name, sizeof(c->name)) < 0)
					c->name[0] = '\0';
				break;
			}
	}
}

/* A namespace whose lowest pid is in no container may still be a container's: the process
 * that made it (unshare, nsenter, a runtime's helper) can stay outside the cgroup. It is
 * then the container every process of it that is in one agrees on, unless it is the
 * host's (the scanner's, or pid 1's), which containers run with --ipc=host share. */
static void label_unowned(struct snapshot *snap, struct ns_index *x)
{
	int *cand = xmalloc((snap->nnss ? snap->nnss : 1) * sizeof(*cand));
	const struct ns_proc *init = snapshot_proc(snap, 1);

	for (size_t i = 0; i < snap->nnss; i++)
		cand[i] = -2; /* none met yet; -1: they disagree */
	for (size_t i = 0; i < snap->nprocs; i++) {
		const struct ns_proc *p = &snap->procs[i];

		for (int t = 0; t < NS__COUNT && p->container >= 0; t++) {
			long *slot;
			size_t k;

			if (!p->ns[t])
				continue;
			slot = ns_slot(x, snap, (enum ns_type)t, p->ns[t]);
			k = (size_t)*slot - 1;
			cand[k] = cand[k] == -2 || cand[k] == p->container ? p->container : -1;
		}
	}
	for (size_t i = 0; i < snap->nnss; i++) {
		struct ns_info *n = &snap->nss[i];
		bool host = snap->self_ns[n->type] == n->inode || (init && init->ns[n->type] == n->inode);

		if (n->container < 0 && cand[i] >= 0 && !host)
			n->container = cand[i];
	}
	free(cand);
}

int ns_discover(struct scan_ctx *ctx, struct snapshot *snap)
{
	struct ns_index x = {.cap = 64};
	unsigned denied = 0;
	struct dirent *de;
	DIR *dir;
	int procfd;

	for (int t = 0; t < NS__COUNT; t++) {
		char link[24];

		snprintf(link, sizeof(link), "proc/self/ns/%s", ns_type_name((enum ns_type)t));
		snap->self_ns[t] = ns_link_inode(ctx->rootfd, link);
	}
	procfd = openat(ctx->rootfd, "proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0 || !(dir = fdopendir(procfd))) {
		int err = errno;

		if (procfd >= 0)
			close(procfd);
		snapshot_error(snap, "/proc", "cannot list: %s: only this namespace is read", strerror(err));
		return -err;
	}
	x.slots = xcalloc(x.cap, sizeof(*x.slots));
	while ((de = readdir(dir))) {
		struct ns_proc p;
		uint64_t v;
		int rc;

		if (parse_u64(de->d_name, &v) < 0 || v == 0 || v > INT32_MAX)
			continue;
		rc = read_proc(ctx, snap, dirfd(dir), (pid_t)v, &p);
		denied += rc == -EACCES;
		if (rc == 0)
			continue; /* gone */
		/* A process whose namespaces are hidden is kept (with none known), so that the
		 * walk of fds still meets it and says it could not be read. */
		xgrow((void **)&snap->procs, &snap->procs_cap, snap->nprocs + 1, sizeof(*snap->procs));
		snap->procs[snap->nprocs++] = p;
	}
	closedir(dir);
	/* /proc lists in pid order; sorted all the same, as snapshot_proc searches it. */
	if (snap->nprocs) /* procs is NULL then, which qsort must not be given */
		qsort(snap->procs, snap->nprocs, sizeof(*snap->procs), proc_cmp);
	for (size_t i = 0; i < snap->nprocs; i++) {
		const struct ns_proc *p = &snap->procs[i];

		for (int t = 0; t < NS__COUNT; t++) {
			struct ns_info *n;

			if (!p->ns[t])
				continue;
			n = ns_get(&x, snap, (enum ns_type)t, p->ns[t]);
			if (!n->nprocs++) { /* the lowest pid, as procs is sorted */
				n->pid = p->pid;
				n->container = p->container;
				memcpy(n->peers, p->ns, sizeof(n->peers));
			}
		}
	}
	label_unowned(snap, &x);
	for (int t = 0; t < NS__COUNT; t++)
		if (snap->self_ns[t])
			ns_get(&x, snap, (enum ns_type)t, snap->self_ns[t])->self = true;
	free(x.slots);
	if (snap->nnss)
		qsort(snap->nss, snap->nnss, sizeof(*snap->nss), ns_cmp);
	name_containers(ctx, snap);
	/* Said once, with what the scan could not enter, by scan_run; as root the walk of
	 * fds reports each process it cannot read. */
	snap->ns_hidden = denied;
	return 0;
}

/* ---- labels ---- */

static void label_pid(const struct snapshot *snap, struct pid_ref *r)
{
	const struct ns_proc *p = r->pid > 0 ? snapshot_proc(snap, r->pid) : NULL;

	if (p && !r->gone)
		r->nspid = p->nspid;
}

void ns_label(struct snapshot *snap)
{
	if (!snap->nprocs)
		return;
	for (size_t i = 0; i < snap->nobjs; i++) {
		struct ipc_object *o = snap->objs[i];
		int t = ns_type_of_kind(o->kind), shared = -2;

		for (size_t h = 0; h < o->nholders; h++) {
			struct ipc_holder *hd = &o->holders[h];
			const struct ns_proc *p = snapshot_proc(snap, hd->pid);

			if (!p) {
				shared = -1;
				continue;
			}
			hd->nspid = p->nspid;
			hd->cont = snapshot_container(snap, p->container);
			shared = shared == -2 || shared == p->container ? p->container : -1;
		}
		if (t >= 0 && o->ns) {
			const struct ns_info *n = snapshot_ns(snap, (enum ns_type)t, o->ns);

			o->cont = n ? snapshot_container(snap, n->container) : NULL;
		} else if (t < 0 && shared >= 0) {
			/* a pipe every holder of which is in one container */
			o->cont = snapshot_container(snap, shared);
		}
		if (o->ipc) {
			label_pid(snap, &o->ipc->cpid);
			label_pid(snap, &o->ipc->lpid);
			label_pid(snap, &o->ipc->lspid);
			label_pid(snap, &o->ipc->lrpid);
			label_pid(snap, &o->ipc->notify_pid);
		}
		for (int64_t k = 0; obj_ipc(o)->sems && k < obj_ipc(o)->nsems; k++)
			label_pid(snap, &obj_ipc(o)->sems[k].pid);
		if (o->lock) {
			label_pid(snap, &o->lock->pid);
			for (size_t k = 0; k < o->lock->nblocked; k++)
				label_pid(snap, &o->lock->blocked[k]);
		}
		if (obj_fdk(o)->pid.pid > 0) {
			/* a process's signals: its container */
			const struct ns_proc *p = snapshot_proc(snap, obj_fdk(o)->pid.pid);

			label_pid(snap, &o->fdk->pid);
			if (p)
				o->cont = snapshot_container(snap, p->container);
		}
	}
}
