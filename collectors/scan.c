/* scan.c - the scan context (a root fd every read is relative to), the run of every
 * collector, pid -> command resolution, and the header-line column map that /proc tables
 * are parsed with. */
#include "collector.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nsdisc.h"
#include "core/deadlock.h"
#include "nsenter.h"
#include "core/util.h"

/* The btime line of proc/stat: process start times are counted from it. */
static int64_t boot_time(int rootfd)
{
	char *buf = NULL, *p;
	uint64_t v = 0;

	if (read_file_at(rootfd, "proc/stat", 1 << 20, &buf, NULL) < 0)
		return 0;
	p = strstr(buf, "\nbtime ");
	if (p) {
		p += 7;
		p[strcspn(p, "\n")] = '\0';
		if (parse_u64(p, &v) < 0)
			v = 0;
	}
	free(buf);
	return (int64_t)v;
}

/* Fields 3 (state) and 22 (start time) of /proc/PID/stat, after the command in parentheses
 * (which may hold blanks and parentheses itself, so it is skipped from the last ')'). */
static void process_stat(struct scan_ctx *ctx, struct pid_ref *ref)
{
	char path[48], *buf = NULL, *p, *fields[20];
	uint64_t ticks;
	size_t n;

	snprintf(path, sizeof(path), "proc/%d/stat", (int)ref->pid);
	if (read_file_at(ctx->rootfd, path, 4096, &buf, NULL) < 0)
		return;
	p = strrchr(buf, ')');
	/* after ')': state is field 3, so starttime (22) is the 20th */
	n = p ? split_fields(p + 1, fields, 20) : 0;
	ref->zombie = n >= 1 && !strcmp(fields[0], "Z");
	if (ctx->boot_time && n == 20 && parse_u64(fields[19], &ticks) == 0)
		ref->start = ctx->boot_time + (int64_t)(ticks / (uint64_t)ctx->clk_tck);
	free(buf);
}

int scan_ctx_init(struct scan_ctx *ctx, const char *root, unsigned kinds)
{
	struct stat st, rootst;

	memset(ctx, 0, sizeof(*ctx));
	ctx->root = root ? root : "/";
	ctx->kinds = kinds ? kinds : KINDS_ALL;
	ctx->rootfd = open(ctx->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ctx->rootfd < 0)
		return -errno;
	/* Kernel queries only make sense when the tree we read is the running system's. */
	ctx->live = fstat(ctx->rootfd, &st) == 0 && stat("/", &rootst) == 0 &&
		    st.st_dev == rootst.st_dev && st.st_ino == rootst.st_ino;
	ctx->ipc_ns = ns_link_inode(ctx->rootfd, "proc/self/ns/ipc");
	ctx->mnt_ns = ns_link_inode(ctx->rootfd, "proc/self/ns/mnt");
	ctx->net_ns = ns_link_inode(ctx->rootfd, "proc/self/ns/net");
	ctx->boot_time = boot_time(ctx->rootfd);
	ctx->clk_tck = sysconf(_SC_CLK_TCK);
	if (ctx->clk_tck <= 0)
		ctx->clk_tck = 100;
	ctx->mq_dir = "dev/mqueue";
	ctx->shm_dir = "dev/shm";
	ctx->net_dir = "proc/net";
	return 0;
}

void scan_ctx_release(struct scan_ctx *ctx)
{
	if (ctx->rootfd >= 0)
		close(ctx->rootfd);
	ctx->rootfd = -1;
	free(ctx->seen_dirs);
	ctx->seen_dirs = NULL;
	ctx->nseen_dirs = ctx->seen_cap = 0;
}

bool scan_first_sight(struct scan_ctx *ctx, const struct stat *st)
{
	for (size_t i = 0; i + 1 < ctx->nseen_dirs; i += 2)
		if (ctx->seen_dirs[i] == (uint64_t)st->st_dev && ctx->seen_dirs[i + 1] == (uint64_t)st->st_ino)
			return false;
	xgrow((void **)&ctx->seen_dirs, &ctx->seen_cap, ctx->nseen_dirs + 2, sizeof(*ctx->seen_dirs));
	ctx->seen_dirs[ctx->nseen_dirs++] = (uint64_t)st->st_dev;
	ctx->seen_dirs[ctx->nseen_dirs++] = (uint64_t)st->st_ino;
	return true;
}

void scan_resolve_pid(struct scan_ctx *ctx, struct snapshot *snap, struct pid_ref *ref)
{
	char path[48], *buf = NULL;
	size_t len;
	int rc;

	if (ref->pid <= 0)
		return;
	if (snapshot_pid_lookup(snap, ref))
		return;
	snprintf(path, sizeof(path), "proc/%d/comm", (int)ref->pid);
	rc = read_file_at(ctx->rootfd, path, 4096, &buf, &len);
	if (rc == 0) {
		while (len && (buf[len - 1] == '\n'))
			buf[--len] = '\0';
		snprintf(ref->comm, sizeof(ref->comm), "%s", buf);
		ref->gone = false;
		ref->start = 0;
		ref->zombie = false;
		process_stat(ctx, ref);
	} else {
		/* ENOENT/ESRCH: the process is gone. EACCES: it lives but we may not look. */
		ref->comm[0] = '\0';
		ref->gone = rc == -ENOENT || rc == -ESRCH;
		ref->zombie = false;
	}
	free(buf);
	snapshot_pid_store(snap, ref);
}

/* ---- running the collectors, per namespace ---- */

struct run_stats {
	unsigned ran, failed;
};

static bool wanted(const struct collector *c, const struct scan_ctx *ctx)
{
	return (c->kinds & ctx->kinds) && (!c->limits_only || ctx->want_limits);
}

static void run_one(const struct collector *c, struct scan_ctx *ctx, struct snapshot *snap,
		    struct run_stats *st, void *started)
{
	int rc;

	if (!wanted(c, ctx))
		return;
	rc = c->start ? c->finish(ctx, snap, started) : c->collect(ctx, snap);
	if (rc == COLLECT_NOTHING)
		return;
	st->ran++;
	if (rc < 0)
		st->failed++;
}

#define PHASE_MAX 16

/* The collectors from first up to (not including) end, which share one namespace type. */
struct phase {
	const struct collector *const *first;
	size_t n;                  /* at most PHASE_MAX */
	struct scan_ctx *ctx;
	struct snapshot *snap;
	struct run_stats st;
	void **early;              /* what the collectors' start returned at the scan's
				    * beginning (the scanner's own namespaces); NULL: start them */
};

static int run_phase(void *arg)
{
	struct phase *ph = arg;
	void *started[PHASE_MAX] = {0};

	/* Limits are per IPC namespace (SysV, queues) or mount namespace (/dev/shm): those
	 * another namespace's run reads are tagged with it; the scanner's are 0. */
	ph->snap->limit_ns = !ph->ctx->ns_pid ? 0 : ph->first[0]->ns == NS_IPC ? ph->ctx->ipc_ns
					     : ph->first[0]->ns == NS_MNT ? ph->ctx->mnt_ns : 0;
	/* The halves that may run early first (collector.h: start, finish). */
	for (size_t i = 0; i < ph->n; i++)
		if (ph->first[i]->start && wanted(ph->first[i], ph->ctx))
			started[i] = ph->early ? ph->early[i] : ph->first[i]->start(ph->ctx);
	for (size_t i = 0; i < ph->n; i++)
		run_one(ph->first[i], ph->ctx, ph->snap, &ph->st, started[i]);
	ph->snap->limit_ns = 0;
	return 0;
}

static bool prefix_of(const char *what, const char *s)
{
	return s[0] && !strncmp(s, what, strlen(what));
}

/* Does one -N word select namespace n: "self", a pid (its namespaces), an inode, or a
 * prefix of a container's id or name (its namespaces)? */
static bool word_selects(const char *what, const struct snapshot *snap, const struct ns_info *n)
{
	const struct container *c = snapshot_container(snap, n->container);
	uint64_t v;

	if (!strcmp(what, "self"))
		return n->self;
	if (parse_u64(what, &v) == 0) {
		const struct ns_proc *p = v <= INT32_MAX ? snapshot_proc(snap, (pid_t)v) : NULL;

		return p ? p->ns[n->type] == n->inode : n->inode == v;
	}
	return c && (prefix_of(what, c->id) || prefix_of(what, c->name));
}

/* Does -N select namespace n? With no -N, all are. */
static bool ns_selected(const struct scan_ctx *ctx, const struct snapshot *snap, const struct ns_info *n)
{
	if (!ctx->select)
		return true;
	for (size_t i = 0; i < ctx->select->n; i++)
		if (word_selects(ctx->select->what[i], snap, n))
			return true;
	return false;
}

/* What -N leaves of the scan: objects of the selected namespaces, and pipes (which belong
 * to none) held by a process of one of them. */
static bool object_selected(const struct ipc_object *o, void *arg)
{
	/* A pipe goes by its holders' IPC, mount and network namespaces, the types that hold
	 * objects. Not by user, pid or UTS ones: containers mostly share the host's user
	 * namespace (and some its pid one), so by those "-N self" or "-N PID" kept every pipe
	 * of every such container. */
	static const enum ns_type pipe_types[] = {NS_IPC, NS_MNT, NS_NET};
	const struct scan_ctx *ctx = ((void **)arg)[0];
	const struct snapshot *snap = ((void **)arg)[1];
	int t = ns_type_of_kind(o->kind);

	if (t >= 0) {
		const struct ns_info *n = snapshot_ns(snap, (enum ns_type)t, o->ns);

		return n && ns_selected(ctx, snap, n);
	}
	/* A process's signals (kind signal) go with that process, as if it held them. */
	for (size_t h = 0; h < o->nholders + (obj_fdk(o)->pid.pid > 0); h++) {
		const struct ns_proc *p = snapshot_proc(snap, h < o->nholders ? o->holders[h].pid
								  : obj_fdk(o)->pid.pid);

		for (size_t k = 0; p && k < ARRAY_SIZE(pipe_types); k++) {
			const struct ns_info *n = snapshot_ns(snap, pipe_types[k], p->ns[pipe_types[k]]);

			if (n && ns_selected(ctx, snap, n))
				return true;
		}
	}
	return false;
}

/* Another namespace: a copy of ctx that reads it, through process n->pid. */
static void foreign_ctx(const struct scan_ctx *ctx, const struct ns_info *n, struct scan_ctx *fc,
			char paths[3][48])
{
	*fc = *ctx;
	fc->ns_pid = n->pid;
	snprintf(paths[0], 48, "proc/%d/root/dev/mqueue", (int)n->pid);
	snprintf(paths[1], 48, "proc/%d/root/dev/shm", (int)n->pid);
	snprintf(paths[2], 48, "proc/%d/net", (int)n->pid);
	fc->mq_dir = paths[0];
	fc->shm_dir = paths[1];
	fc->net_dir = paths[2];
	if (n->type == NS_IPC)
		fc->ipc_ns = n->inode;
	else if (n->type == NS_MNT)
		fc->mnt_ns = n->inode;
	else if (n->type == NS_NET)
		fc->net_ns = n->inode;
}

static void label(char *buf, size_t len, const struct snapshot *snap, const struct ns_info *n)
{
	const struct container *c = snapshot_container(snap, n->container);

	snprintf(buf, len, "%s namespace %llu (pid %d%s%s%s)", ns_type_name(n->type),
		 (unsigned long long)n->inode, (int)n->pid, c ? ", " : "", c ? c->runtime : "",
		 c ? " container" : "");
}

static void run_foreign(struct phase *ph, struct ns_info *n)
{
	char paths[3][48], what[128];
	struct scan_ctx fc;
	struct phase fp = *ph;
	int rc;

	foreign_ctx(ph->ctx, n, &fc, paths);
	fp.ctx = &fc;
	memset(&fp.st, 0, sizeof(fp.st));
	/* A mount namespace is read through /proc/PID/root: nothing to enter. */
	rc = n->type == NS_MNT ? run_phase(&fp) : ns_run_in(n->pid, n->type, n->inode, run_phase, &fp);
	/* What the run learned about file systems seen is the scan's. */
	ph->ctx->seen_dirs = fc.seen_dirs;
	ph->ctx->nseen_dirs = fc.nseen_dirs;
	ph->ctx->seen_cap = fc.seen_cap;
	if (rc == -ESRCH)
		return; /* its last process left during the scan: the namespace is gone */
	if (rc < 0) {
		label(what, sizeof(what), ph->snap, n);
		snapshot_error(ph->snap, "namespaces", "%s: cannot enter: %s", what, strerror(-rc));
		return;
	}
	n->scanned = true;
	/* A namespace's sources count once: one that worked anywhere keeps the scan good. */
	ph->st.ran += fp.st.ran;
	ph->st.failed += fp.st.failed;
}

/* Whether the phase of c runs in the scanner's own namespace: always for a collector not
 * per namespace, else when -N selects it (or it is not known). */
static bool self_runs(const struct scan_ctx *ctx, const struct snapshot *snap, const struct collector *c)
{
	const struct ns_info *self;

	if (!c->per_ns)
		return true;
	self = snapshot_ns(snap, c->ns, snap->self_ns[c->ns]);
	return !self || ns_selected(ctx, snap, self);
}

#define COLLECTORS_MAX 32

int scan_run(struct scan_ctx *ctx, struct snapshot *snap)
{
	void *early[COLLECTORS_MAX] = {0};
	size_t ncollectors = 0;
	struct timespec t0, t1;
	struct run_stats total = {0};
	unsigned unread = 0;
	bool discover = !ctx->self_ns_only && (!ctx->no_holders || ctx->all_ns);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ctx->nseen_dirs = 0;
	if (discover)
		ns_discover(ctx, snap);
	/* Every start of the scanner's own namespaces' runs, before any phase: the kernel
	 * answers the SysV calls and prints /proc/locks (an RCU grace period) on other threads
	 * while this one goes through the phases. Other namespaces' starts run in their phase,
	 * in the thread that entered them. */
	while (collectors[ncollectors])
		ncollectors++;
	for (size_t i = 0; i < ncollectors && ncollectors <= COLLECTORS_MAX; i++)
		if (collectors[i]->start && wanted(collectors[i], ctx) && self_runs(ctx, snap, collectors[i]))
			early[i] = collectors[i]->start(ctx);
	for (size_t i = 0; collectors[i];) {
		struct phase ph = {.first = &collectors[i], .n = 1, .ctx = ctx, .snap = snap,
				   .early = ncollectors <= COLLECTORS_MAX ? &early[i] : NULL};

		/* Consecutive per-namespace collectors of one type run as one phase, so a
		 * namespace is entered once for all of them. */
		if (collectors[i]->per_ns)
			while (ph.n < PHASE_MAX && collectors[i + ph.n] && collectors[i + ph.n]->per_ns &&
			       collectors[i + ph.n]->ns == collectors[i]->ns)
				ph.n++;
		i += ph.n;
		if (!ph.first[0]->per_ns) {
			run_phase(&ph);
		} else {
			enum ns_type t = ph.first[0]->ns;
			struct ns_info *self = snapshot_ns(snap, t, snap->self_ns[t]);

			if (self_runs(ctx, snap, ph.first[0])) {
				run_phase(&ph);
				if (self)
					self->scanned = true;
			}
			ph.early = NULL;
			for (size_t k = 0; k < snap->nnss; k++) {
				struct ns_info *n = &snap->nss[k];

				if (n->type != t || n->self || !n->pid || !ns_selected(ctx, snap, n))
					continue;
				/* setns needs CAP_SYS_ADMIN over the namespace: root's, in practice. */
				if (ctx->live && ctx->all_ns && geteuid() == 0)
					run_foreign(&ph, n);
				else
					unread++;
			}
		}
		total.ran += ph.st.ran;
		total.failed += ph.st.failed;
	}
	/* One line for what a user without root does not see. */
	if (ctx->live && ctx->all_ns && geteuid() != 0 && (unread || snap->ns_hidden))
		snapshot_error(snap, "namespaces", "only this namespace was read: %u other IPC, mount or "
			       "network namespaces seen, %u processes whose namespaces are hidden; "
			       "other namespaces need root", unread, snap->ns_hidden);
	ns_label(snap);
	deadlocks_find(snap);
	if (ctx->select) {
		const void *arg[2] = {ctx, snap};

		snapshot_retain(snap, object_selected, (void *)arg);
	}
	snapshot_sort_default(snap);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	snap->scan_ns = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
	return total.ran && total.failed == total.ran ? -EIO : 0;
}

int header_map_parse(struct header_map *h, const char *line)
{
	char *copy = xstrdup(line), *save = NULL;

	memset(h, 0, sizeof(*h));
	for (char *tok = strtok_r(copy, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		h->names = xrealloc(h->names, (h->n + 1) * sizeof(*h->names));
		h->names[h->n++] = xstrdup(tok);
	}
	free(copy);
	return h->n ? 0 : -EINVAL;
}

void header_map_release(struct header_map *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->names[i]);
	free(h->names);
	memset(h, 0, sizeof(*h));
}

int header_map_find(const struct header_map *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->names[i], name))
			return (int)i;
	return -1;
}

size_t split_fields(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (*p && n < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '\n')
			break;
		fields[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}
