/* container.c - the container a process is in, told by the cgroup its runtime put it in;
 * the pid it has inside (NSpid); the hostname of its UTS namespace.
 *
 * Every runtime names the cgroup of a container after the container, in a layout of its
 * own (the table below). The path is read from the host's side, so it holds every level
 * of nesting; the innermost container on it is the one whose namespaces the process is
 * in. A runtime's monitor (conmon, lxc's monitor, nspawn's supervisor) lives next to the
 * container it watches but in its parent's namespaces, so it is no part of that
 * container: its cgroup ends the walk, and whatever container encloses it is the answer. */
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/util.h"

/* Longer lines are not the kernel's (a cgroup path is at most PATH_MAX). */
#define CGROUP_LINE_MAX 4096
/* A dead cgroup v2 a zombie still sits in is printed with this after its path. */
#define DELETED " (deleted)"
#define HEX64 64

/* Bytes of the caller's text: never NUL-terminated, never written. */
struct span {
	const char *p;
	size_t n;
};

enum id_shape {
	ID_HEX64,  /* 64 lowercase hex digits: docker, containerd, cri-o and podman ids */
	ID_NAME,   /* a container name as it is (lxc) */
	ID_UNIT,   /* a name in systemd's unit-name escaping, "\x2d" for '-' (nspawn) */
};

enum parent_rule {
	PARENT_ANY,
	PARENT_IS,   /* the cgroup above is named layout.parent */
	PARENT_POD,  /* the cgroup above is a Kubernetes pod's (see pod_uid) */
};

struct layout {
	const char *runtime;      /* NULL: not a container (a monitor, a VM); ends the walk */
	enum parent_rule parent_rule;
	const char *parent;
	const char *prefix;       /* the cgroup's name is prefix + id + suffix */
	const char *suffix;
	enum id_shape shape;
	const char *monitor_child; /* a child of this name holds the runtime's supervisor */
};

/* The layouts, first match wins for one cgroup name; a new runtime is a line. Kubernetes
 * puts each container under its pod's cgroup, which gives the pod UID to any row.
 *
 * - cri-o: systemd driver "crio-<id>.scope", cgroupfs "crio-<id>" under the pod;
 *   "crio-conmon-<id>.scope" is conmon, the monitor.
 * - containerd: the CRI plugin's "cri-containerd-<id>.scope" (systemd driver); a bare id
 *   under a pod (cgroupfs driver: containerd or the old dockershim, the path does not
 *   tell); nerdctl's "nerdctl-<id>.scope" (systemd) and "/default/<id>" (cgroupfs, the
 *   "default" namespace). Other containerd namespaces are not recognised: "/<ns>/<id>" is
 *   also what `docker --cgroup-parent` makes. "/system.slice/containerd.service" is the
 *   daemon and its shims, not a container.
 * - docker: systemd driver "docker-<id>.scope" (also rootless, under user@UID.service);
 *   cgroupfs "/docker/<id>".
 * - podman: "libpod-<id>.scope" (systemd, root and rootless, also inside a pod's
 *   "machine-libpod_pod_<pod>.slice"); "libpod-<id>" under /libpod_parent (cgroupfs);
 *   "libpod-conmon-<id>.scope" is conmon. Podman's cgroupfs conmon sits in
 *   "<parent>/conmon", which no row names.
 * - nspawn: "machine-<name>.scope", registered with machined; "systemd-nspawn@<name>.service"
 *   for `machinectl start` (--keep-unit). With cgroup v2 (systemd >= 248) the payload is in
 *   a "payload" child and, in the service, nspawn itself in "supervisor".
 *   "machine-qemu\x2d..." is a libvirt VM: qemu runs in the host's namespaces.
 * - lxc: "lxc.payload.<name>" (LXC >= 4, LXD, Incus), "lxc/<name>" (older LXC);
 *   "lxc.monitor.<name>" is the monitor. */
static const struct layout layouts[] = {
	/* runtime      parent                  prefix               suffix       id        monitor */
	{NULL,         PARENT_ANY, NULL,        "crio-conmon-",      ".scope",    ID_HEX64, NULL},
	{"cri-o",      PARENT_ANY, NULL,        "crio-",             ".scope",    ID_HEX64, NULL},
	{"cri-o",      PARENT_POD, NULL,        "crio-",             "",          ID_HEX64, NULL},
	{"containerd", PARENT_ANY, NULL,        "cri-containerd-",   ".scope",    ID_HEX64, NULL},
	{"containerd", PARENT_ANY, NULL,        "nerdctl-",          ".scope",    ID_HEX64, NULL},
	{"containerd", PARENT_POD, NULL,        "",                  "",          ID_HEX64, NULL},
	{"containerd", PARENT_IS,  "default",   "",                  "",          ID_HEX64, NULL},
	{"docker",     PARENT_ANY, NULL,        "docker-",           ".scope",    ID_HEX64, NULL},
	{"docker",     PARENT_IS,  "docker",    "",                  "",          ID_HEX64, NULL},
	{NULL,         PARENT_ANY, NULL,        "libpod-conmon-",    ".scope",    ID_HEX64, NULL},
	{"podman",     PARENT_ANY, NULL,        "libpod-",           ".scope",    ID_HEX64, NULL},
	{"podman",     PARENT_ANY, NULL,        "libpod-",           "",          ID_HEX64, NULL},
	{NULL,         PARENT_ANY, NULL,        "machine-qemu\\x2d", ".scope",    ID_UNIT,  NULL},
	{"nspawn",     PARENT_ANY, NULL,        "machine-",          ".scope",    ID_UNIT,  "supervisor"},
	{"nspawn",     PARENT_ANY, NULL,        "systemd-nspawn@",   ".service",  ID_UNIT,  "supervisor"},
	{NULL,         PARENT_ANY, NULL,        "lxc.monitor.",      "",          ID_NAME,  NULL},
	{"lxc",        PARENT_ANY, NULL,        "lxc.payload.",      "",          ID_NAME,  NULL},
	{"lxc",        PARENT_IS,  "lxc",       "",                  "",          ID_NAME,  NULL},
};

static bool is_lower_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static bool all_lower_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_lower_hex(p[i]))
			return false;
	return true;
}

static bool span_is(struct span s, const char *str)
{
	return s.n == strlen(str) && !memcmp(s.p, str, s.n);
}

static bool starts_with(struct span s, const char *pre)
{
	size_t n = strlen(pre);

	return s.n >= n && !memcmp(s.p, pre, n);
}

static bool ends_with(struct span s, const char *suf)
{
	size_t n = strlen(suf);

	return s.n >= n && !memcmp(s.p + s.n - n, suf, n);
}

/* A name shown as an id: no control bytes (they would garble a table), not "." or "..",
 * and short enough to be kept whole: a cut name would name another container. */
static bool name_ok(const char *p, size_t n, size_t cap)
{
	if (n == 0 || n >= cap || (n == 1 && p[0] == '.') || (n == 2 && !memcmp(p, "..", 2)))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return false;
	return true;
}

/* systemd's unit-name escaping undone: "\xNN" is the byte NN, the rest is itself. A
 * machine name is a hostname, so a '/' (or a NUL) decoded is no machine name. */
static bool unit_unescape(const char *p, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = p[i];

		if (ch == '\\') {
			int hi, lo;

			if (i + 3 >= n)
				return false;
			if (p[i + 1] != 'x' || (hi = hex_value(p[i + 2])) < 0 ||
			    (lo = hex_value(p[i + 3])) < 0)
				return false;
			ch = (char)(hi << 4 | lo);
			if (ch == '\0' || ch == '/')
				return false;
			i += 3;
		}
		if (o + 1 >= cap)
			return false;
		out[o++] = ch;
	}
	out[o] = '\0';
	return name_ok(out, o, cap);
}

/* The id a cgroup name holds under row l, into out; false when the name is not of l. */
static bool take_id(const struct layout *l, struct span name, char *out, size_t cap)
{
	size_t pre = strlen(l->prefix), suf = strlen(l->suffix), n;
	const char *p;

	if (name.n <= pre + suf || !starts_with(name, l->prefix) || !ends_with(name, l->suffix))
		return false;
	p = name.p + pre;
	n = name.n - pre - suf;
	switch (l->shape) {
	case ID_HEX64:
		/* Uppercase or a digit short is not an id any of these runtimes makes. */
		if (n != HEX64 || !all_lower_hex(p, n) || cap <= HEX64)
			return false;
		break;
	case ID_NAME:
		if (!name_ok(p, n, cap))
			return false;
		break;
	case ID_UNIT:
		return unit_unescape(p, n, out, cap);
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* 8-4-4-4-12 lowercase hex (a pod from the API server) or 32 hex digits (a static pod,
 * whose UID the kubelet makes from an MD5 of its manifest). */
static bool pod_uid_ok(const char *u, size_t n)
{
	if (n == 32)
		return all_lower_hex(u, n);
	if (n != 36)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? u[i] != '-' : !is_lower_hex(u[i]))
			return false;
	}
	return true;
}

/* The pod UID of a pod's cgroup: "pod<uid>" (cgroupfs driver) or
 * "kubepods-<class>-pod<uid>.slice" (systemd driver, which writes the UID's dashes as
 * underscores because a dash in a slice name means a level of the hierarchy). */
static bool pod_uid(struct span name, char *out, size_t cap)
{
	const char *p;
	size_t n;
	bool slice = ends_with(name, ".slice");

	if (slice) {
		const char *dash = NULL;

		for (size_t i = 0; i + 6 < name.n; i++)
			if (name.p[i] == '-')
				dash = name.p + i;
		if (!dash)
			return false;
		p = dash + 1;
		n = (size_t)(name.p + name.n - strlen(".slice") - p);
	} else {
		p = name.p;
		n = name.n;
	}
	if (n <= 3 || memcmp(p, "pod", 3))
		return false;
	p += 3;
	n -= 3;
	if (n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] = slice && p[i] == '_' ? '-' : p[i];
	out[n] = '\0';
	if (!pod_uid_ok(out, n)) {
		out[0] = '\0';
		return false;
	}
	return true;
}

static bool parent_ok(const struct layout *l, struct span parent)
{
	char uid[40];

	switch (l->parent_rule) {
	case PARENT_ANY:
		return true;
	case PARENT_IS:
		return span_is(parent, l->parent);
	case PARENT_POD:
		return parent.n && pod_uid(parent, uid, sizeof(uid));
	}
	return false;
}

/* The row a cgroup name matches, or NULL. */
static const struct layout *match(struct span name, struct span parent)
{
	char id[sizeof(((struct container *)0)->id)];

	for (size_t i = 0; i < ARRAY_SIZE(layouts); i++)
		if (parent_ok(&layouts[i], parent) && take_id(&layouts[i], name, id, sizeof(id)))
			return &layouts[i];
	return NULL;
}

/* The next non-empty name of a path at *pos; false at its end. */
static bool next_name(const char *p, size_t n, size_t *pos, struct span *out)
{
	while (*pos < n && p[*pos] == '/')
		(*pos)++;
	if (*pos >= n)
		return false;
	out->p = p + *pos;
	while (*pos < n && p[*pos] != '/')
		(*pos)++;
	out->n = (size_t)(p + *pos - out->p);
	return true;
}

/* The innermost container on a cgroup path into *c; returns how many containers the path
 * is nested in (0: none). */
static int walk_path(const char *p, size_t n, struct container *c)
{
	struct span name, parent = {NULL, 0};
	struct {
		const struct layout *l;
		struct span name, parent;
	} cur = {0}, outer = {0};
	size_t pos = 0, idlen;
	int depth = 0;

	while (next_name(p, n, &pos, &name)) {
		const struct layout *l;

		/* nspawn's supervisor, a child of its machine's cgroup: not in that machine. */
		if (cur.l && cur.l->monitor_child && cur.name.p == parent.p &&
		    span_is(name, cur.l->monitor_child)) {
			cur = outer;
			depth--;
			break;
		}
		l = match(name, parent);
		if (l && !l->runtime)
			break;
		if (l) {
			outer = cur;
			cur.l = l;
			cur.name = name;
			cur.parent = parent;
			depth++;
		}
		parent = name;
	}
	if (!depth)
		return 0;
	snprintf(c->runtime, sizeof(c->runtime), "%s", cur.l->runtime);
	take_id(cur.l, cur.name, c->id, sizeof(c->id));
	if (cur.parent.n)
		pod_uid(cur.parent, c->pod, sizeof(c->pod));
	/* The id of nspawn and lxc is the name they were given. */
	idlen = strlen(c->id);
	if (cur.l->shape != ID_HEX64 && idlen < sizeof(c->name))
		memcpy(c->name, c->id, idlen + 1);
	return depth;
}

/* One line "N:controllers:/path": the path (without " (deleted)") and how much the line
 * is to be trusted when lines disagree (0 the v2 line, 1 the v1 name=systemd line,
 * 2 another controller). false when the line is not of that form. */
static bool parse_line(const char *line, size_t n, struct span *path, int *rank)
{
	const char *colon, *ctl;
	size_t i = 0, clen;

	if (n == 0 || n > CGROUP_LINE_MAX || memchr(line, '\0', n))
		return false;
	while (i < n && line[i] >= '0' && line[i] <= '9')
		i++;
	if (i == 0 || i >= n || line[i] != ':')
		return false;
	ctl = line + i + 1;
	colon = memchr(ctl, ':', n - i - 1);
	if (!colon)
		return false;
	clen = (size_t)(colon - ctl);
	path->p = colon + 1;
	path->n = (size_t)(line + n - path->p);
	if (!path->n || path->p[0] != '/')
		return false;
	if (path->n > strlen(DELETED) && !memcmp(path->p + path->n - strlen(DELETED), DELETED,
						 strlen(DELETED)))
		path->n -= strlen(DELETED);
	if (clen == 0)
		*rank = 0;
	else if (clen == strlen("name=systemd") && !memcmp(ctl, "name=systemd", clen))
		*rank = 1;
	else
		*rank = 2;
	return true;
}

int container_from_cgroup(const char *text, size_t len, struct container *c)
{
	struct container found;
	int best_depth = 0, best_rank = 3;
	bool good = false;
	size_t pos = 0;

	memset(c, 0, sizeof(*c));
	while (text && pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		struct span path;
		int rank, depth;

		pos += n + 1;
		if (!parse_line(line, n, &path, &rank))
			continue;
		good = true;
		memset(&found, 0, sizeof(found));
		depth = walk_path(path.p, path.n, &found);
		/* Lines disagree when a runtime manages only some hierarchies (docker inside
		 * LXC on a hybrid host moving only v1 controllers): the deepest nesting is the
		 * innermost container; on a tie the v2 line, then name=systemd, then the first. */
		if (depth > best_depth || (depth && depth == best_depth && rank < best_rank)) {
			*c = found;
			best_depth = depth;
			best_rank = rank;
		}
	}
	if (!good)
		return -EINVAL;
	return best_depth ? 1 : 0;
}

int nspid_parse(const char *text, size_t len, pid_t *inner, int *levels)
{
	static const char key[] = "NSpid:";
	const size_t klen = sizeof(key) - 1;
	const char *l = NULL;
	size_t n = 0, pos = 0, i;
	int count = 0;
	pid_t last = 0;

	/* The key counts only at the start of a line. A command name cannot fake one: the
	 * kernel prints the Name line with newlines escaped. */
	while (text && pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t ln = nl ? (size_t)(nl - line) : len - pos;

		if (ln >= klen && !memcmp(line, key, klen)) {
			if (l)
				return -EINVAL;
			l = line;
			n = ln;
		}
		pos += ln + 1;
	}
	if (!l)
		return -ENOENT;
	for (i = klen;;) {
		int64_t v = 0;

		while (i < n && (l[i] == '\t' || l[i] == ' '))
			i++;
		if (i == n)
			break;
		if (l[i] < '0' || l[i] > '9')
			return -EINVAL;
		while (i < n && l[i] >= '0' && l[i] <= '9') {
			v = v * 10 + (l[i++] - '0');
			if (v > INT_MAX)
				return -EINVAL;
		}
		if ((i < n && l[i] != '\t' && l[i] != ' ') || v == 0 || count == INT_MAX)
			return -EINVAL;
		last = (pid_t)v;
		count++;
	}
	if (!count)
		return -EINVAL;
	*inner = last;
	*levels = count;
	return 0;
}

struct uts_job {
	pid_t pid;
	int err;
	struct utsname u;
};

/* Runs in its own thread: setns changes the namespaces of the calling thread only, and this
 * thread ends right after, taking the joined namespace with it. */
static void *uts_thread(void *arg)
{
	struct uts_job *j = arg;
	char path[48];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/uts", (int)j->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		j->err = -errno;
		return NULL;
	}
	if (setns(fd, CLONE_NEWUTS) < 0)
		j->err = -errno;
	else if (uname(&j->u) < 0)
		j->err = -errno;
	close(fd);
	return NULL;
}

int uts_hostname(pid_t pid, char *buf, size_t len)
{
	struct uts_job job = {.pid = pid};
	pthread_attr_t attr;
	pthread_t t;
	sigset_t all;
	int rc;

	if (pid <= 0 || !buf || !len)
		return -EINVAL;
	buf[0] = '\0';
	/* No signal handler may run on the thread while it is in the other namespace. */
	sigfillset(&all);
	rc = pthread_attr_init(&attr);
	if (rc)
		return -rc;
	rc = pthread_attr_setsigmask_np(&attr, &all);
	if (!rc)
		rc = pthread_create(&t, &attr, uts_thread, &job);
	pthread_attr_destroy(&attr);
	if (rc)
		return -rc;
	rc = pthread_join(t, NULL);
	if (rc)
		return -rc;
	if (job.err)
		return job.err;
	if (strlen(job.u.nodename) >= len)
		return -ENAMETOOLONG;
	snprintf(buf, len, "%s", job.u.nodename);
	return 0;
}
