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

#include "core/util.h"

/* "ipc:[4026531839]" -> 4026531839; 0 when unreadable. A fixture tree may hold such a
 * dangling symlink, which readlinkat reads all the same. */
static uint64_t ns_inode(int rootfd, const char *path)
{
	char buf[64];
	ssize_t n = readlinkat(rootfd, path, buf, sizeof(buf) - 1);
	const char *lb;
	uint64_t v = 0;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	lb = strchr(buf, '[');
	if (!lb || buf[n - 1] != ']')
		return 0;
	buf[n - 1] = '\0';
	if (parse_u64(lb + 1, &v) < 0)
		return 0;
	return v;
}

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

/* Field 22 of /proc/PID/stat, after the command in parentheses (which may hold blanks and
 * parentheses itself, so it is skipped from the last ')'). */
static int64_t process_start(struct scan_ctx *ctx, pid_t pid)
{
	char path[48], *buf = NULL, *p, *fields[20];
	uint64_t ticks;
	int64_t start = 0;

	if (!ctx->boot_time)
		return 0;
	snprintf(path, sizeof(path), "proc/%d/stat", (int)pid);
	if (read_file_at(ctx->rootfd, path, 4096, &buf, NULL) < 0)
		return 0;
	p = strrchr(buf, ')');
	/* after ')': state is field 3, so starttime (22) is the 20th */
	if (p && split_fields(p + 1, fields, 20) == 20 && parse_u64(fields[19], &ticks) == 0)
		start = ctx->boot_time + (int64_t)(ticks / (uint64_t)ctx->clk_tck);
	free(buf);
	return start;
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
	ctx->ipc_ns = ns_inode(ctx->rootfd, "proc/self/ns/ipc");
	ctx->mnt_ns = ns_inode(ctx->rootfd, "proc/self/ns/mnt");
	ctx->net_ns = ns_inode(ctx->rootfd, "proc/self/ns/net");
	ctx->boot_time = boot_time(ctx->rootfd);
	ctx->clk_tck = sysconf(_SC_CLK_TCK);
	if (ctx->clk_tck <= 0)
		ctx->clk_tck = 100;
	return 0;
}

void scan_ctx_release(struct scan_ctx *ctx)
{
	if (ctx->rootfd >= 0)
		close(ctx->rootfd);
	ctx->rootfd = -1;
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
		ref->start = process_start(ctx, ref->pid);
	} else {
		/* ENOENT/ESRCH: the process is gone. EACCES: it lives but we may not look. */
		ref->comm[0] = '\0';
		ref->gone = rc == -ENOENT || rc == -ESRCH;
	}
	free(buf);
	snapshot_pid_store(snap, ref);
}

int scan_run(struct scan_ctx *ctx, struct snapshot *snap)
{
	struct timespec t0, t1;
	unsigned ran = 0, failed = 0;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; collectors[i]; i++) {
		const struct collector *c = collectors[i];

		if (!(c->kinds & ctx->kinds) || (c->limits_only && !ctx->want_limits))
			continue;
		rc = c->collect(ctx, snap);
		if (rc == COLLECT_NOTHING)
			continue;
		ran++;
		if (rc < 0)
			failed++;
	}
	snapshot_sort_default(snap);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	snap->scan_ns = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
	return ran && failed == ran ? -EIO : 0;
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
