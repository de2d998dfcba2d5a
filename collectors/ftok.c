/* ftok.c - which file a System V key was probably made from (see ftok.h).
 *
 * ftok(3) keeps 8 bits of the device and 16 of the inode, so a match is evidence, not
 * proof: the places a program most likely named its key file are searched first (what the
 * creator has open, its working directory, its executable), and the number of files that
 * match is kept beside the first.
 *
 * Every place is hostile. Nothing is opened but directories (O_DIRECTORY, and below a
 * --key-path DIR also O_NOFOLLOW and a check that the directory opened is the one lstat
 * saw): a file is only stat'ed, so a FIFO cannot block the walk. An fd, the cwd and the exe
 * are stat'ed through their /proc links, which gives the open file itself whatever its name
 * says. Nothing below a DIR is followed; depth and count are bounded. */
#include "collectors/ftok.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ftok.h"
#include "core/util.h"

struct cand {
	uint64_t dev, ino;
	char *path;          /* owned */
	const char *via;     /* static */
	pid_t pid;           /* 0: key-path */
};

struct cands {
	struct cand *v;
	size_t n, cap;
};

struct proc_cands {
	pid_t pid;
	bool denied;         /* its fds could not be listed (permission), not just gone */
	struct cands c;
};

struct search {
	struct snapshot *snap;
	int rootfd;
	bool live;
	struct proc_cands *procs;    /* the processes read so far */
	size_t nprocs, procs_cap;
	unsigned unreadable;         /* processes whose /proc could not be read */
	struct cands paths;          /* everything under the key paths */
	bool paths_read;
	const char *const *key_paths;
	size_t nkey_paths;
};

static void cand_add(struct cands *c, const struct stat *st, char *path, const char *via, pid_t pid)
{
	xgrow((void **)&c->v, &c->cap, c->n + 1, sizeof(*c->v));
	c->v[c->n++] = (struct cand){(uint64_t)st->st_dev, (uint64_t)st->st_ino, path, via, pid};
}

static void cands_release(struct cands *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
}

/* The text of a link under dirfd, or NULL. */
static char *link_text(int dirfd, const char *name)
{
	char buf[4096];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof(buf) - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

/* A /proc link that names a file (fd, cwd, exe): stat'ed through the link, so the file it
 * is, not what its name now points to. Links that name no path (pipe:[..]) are skipped. */
static void add_proc_link(struct cands *c, int dirfd, const char *name, const char *via, pid_t pid)
{
	struct stat st;
	char *path = link_text(dirfd, name);

	if (!path || path[0] != '/' || fstatat(dirfd, name, &st, 0) < 0) {
		free(path);
		return;
	}
	cand_add(c, &st, path, via, pid);
}

/* Entries of the directory dfd (which this takes), one level, lstat'ed; symlinks are left
 * out (ftok would follow them; we do not). */
static void add_dir_entries(struct cands *c, int dfd, const char *dirpath, const char *via,
			    pid_t pid, unsigned max)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	unsigned n = 0;

	if (!d) {
		close(dfd);
		return;
	}
	while (n < max && (e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		n++;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISLNK(st.st_mode))
			continue;
		cand_add(c, &st, xasprintf("%s%s%s", dirpath, strcmp(dirpath, "/") ? "/" : "", e->d_name),
			 via, pid);
	}
	closedir(d);
}

static void read_proc(struct search *s, struct proc_cands *pc)
{
	char dir[32];
	int pfd, fdd;

	snprintf(dir, sizeof(dir), "proc/%d", (int)pc->pid);
	pfd = openat(s->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return; /* gone since the scan */
	fdd = openat(pfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pc->denied = fdd < 0 && (errno == EACCES || errno == EPERM);
	if (fdd >= 0) {
		DIR *d = fdopendir(fdd);
		struct dirent *e;
		unsigned n = 0;

		while (d && n < FTOK_PROC_FILES && (e = readdir(d))) {
			if (e->d_name[0] < '0' || e->d_name[0] > '9')
				continue;
			n++;
			add_proc_link(&pc->c, dirfd(d), e->d_name, "fd", pc->pid);
		}
		if (d)
			closedir(d);
		else
			close(fdd);
	}
	add_proc_link(&pc->c, pfd, "cwd", "cwd", pc->pid);
	add_proc_link(&pc->c, pfd, "exe", "exe", pc->pid);
	{
		char *cwd = link_text(pfd, "cwd");
		int cfd = cwd && cwd[0] == '/' ?
			  openat(pfd, "cwd", O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC) : -1;

		if (cfd >= 0)
			add_dir_entries(&pc->c, cfd, cwd, "cwd-entry", pc->pid, FTOK_PROC_FILES);
		free(cwd);
	}
	close(pfd);
}

static struct proc_cands *proc_get(struct search *s, pid_t pid)
{
	struct proc_cands *pc;

	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	xgrow((void **)&s->procs, &s->procs_cap, s->nprocs + 1, sizeof(*s->procs));
	pc = &s->procs[s->nprocs++];
	memset(pc, 0, sizeof(*pc));
	pc->pid = pid;
	read_proc(s, pc);
	if (pc->denied)
		s->unreadable++;
	return pc;
}

struct walk {
	struct cands *out;
	unsigned files, unreadable, too_deep;
	bool full;
};

/* Below one --key-path DIR: dfd (taken) is the directory at path, depth levels down. */
static void walk_dir(struct walk *w, int dfd, const char *path, unsigned depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;

	if (!d) {
		close(dfd);
		w->unreadable++;
		return;
	}
	while ((e = readdir(d))) {
		struct stat st, dst;
		char *sub;
		int sfd;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (w->files >= FTOK_PATH_FILES) {
			w->full = true;
			break;
		}
		w->files++;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			w->unreadable++;
			continue;
		}
		if (S_ISLNK(st.st_mode))
			continue;
		sub = xasprintf("%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", e->d_name);
		cand_add(w->out, &st, sub, "key-path", 0);
		if (!S_ISDIR(st.st_mode))
			continue;
		if (depth >= FTOK_PATH_DEPTH) {
			w->too_deep++;
			continue;
		}
		sfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (sfd < 0) {
			w->unreadable++;
			continue;
		}
		/* Swapped between the lstat and the open: not the directory listed. */
		if (fstat(sfd, &dst) < 0 || dst.st_dev != st.st_dev || dst.st_ino != st.st_ino) {
			close(sfd);
			continue;
		}
		walk_dir(w, sfd, sub, depth + 1);
	}
	closedir(d);
}

static void read_key_paths(struct search *s)
{
	s->paths_read = true;
	for (size_t i = 0; i < s->nkey_paths; i++) {
		const char *top = s->key_paths[i];
		struct walk w = {.out = &s->paths};
		struct stat st;
		/* DIR itself is the user's word: followed if a symlink, as find -H does. */
		int fd = open(top, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);

		if (fd < 0 || fstat(fd, &st) < 0) {
			snapshot_error(s->snap, "ftok", "--key-path %s: %s", top, strerror(errno));
			if (fd >= 0)
				close(fd);
			continue;
		}
		cand_add(&s->paths, &st, xstrdup(top), "key-path", 0);
		walk_dir(&w, fd, top, 1);
		if (w.full)
			snapshot_error(s->snap, "ftok", "--key-path %s: stopped after %u entries; the rest "
				       "was not searched", top, (unsigned)FTOK_PATH_FILES);
		if (w.unreadable)
			snapshot_error(s->snap, "ftok", "--key-path %s: %u entries could not be read",
				       top, w.unreadable);
		if (w.too_deep)
			snapshot_error(s->snap, "ftok", "--key-path %s: %u directories deeper than %u "
				       "levels were not entered", top, w.too_deep, (unsigned)FTOK_PATH_DEPTH);
	}
}

/* One file seen twice (through an fd and a DIR) is one match. */
static bool seen_file(const struct cand *const *found, size_t n, const struct cand *c)
{
	for (size_t i = 0; i < n; i++)
		if (found[i]->dev == c->dev && found[i]->ino == c->ino)
			return true;
	return false;
}

static void match_cands(struct ipc_object *o, const struct cands *c, const struct cand ***found,
			size_t *nfound, size_t *cap)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct cand *x = &c->v[i];

		obj_keyfile_mut(o)->checked++;
		if (!ftok_file_matches(o->key, x->dev, x->ino) || seen_file(*found, *nfound, x))
			continue;
		xgrow((void **)found, cap, *nfound + 1, sizeof(**found));
		(*found)[(*nfound)++] = x;
	}
}

static void add_pid(pid_t *pids, size_t *n, const struct pid_ref *p)
{
	if (p->pid <= 0 || p->gone || p->zombie || *n >= FTOK_PIDS)
		return;
	for (size_t i = 0; i < *n; i++)
		if (pids[i] == p->pid)
			return;
	pids[(*n)++] = p->pid;
}

static void search_object(struct search *s, struct ipc_object *o)
{
	pid_t pids[FTOK_PIDS];
	size_t npids = 0, nfound = 0, cap = 0;
	const struct cand **found = NULL;

	add_pid(pids, &npids, &obj_ipc(o)->cpid);
	add_pid(pids, &npids, &obj_ipc(o)->lpid);
	add_pid(pids, &npids, &obj_ipc(o)->lspid);
	add_pid(pids, &npids, &obj_ipc(o)->lrpid);
	for (int64_t i = 0; obj_ipc(o)->sems && i < obj_ipc(o)->nsems; i++)
		add_pid(pids, &npids, &obj_ipc(o)->sems[i].pid);
	for (size_t i = 0; i < o->nholders; i++) {
		struct pid_ref p = {.pid = o->holders[i].pid};

		add_pid(pids, &npids, &p);
	}
	for (size_t i = 0; s->live && i < npids; i++)
		match_cands(o, &proc_get(s, pids[i])->c, &found, &nfound, &cap);
	if (!s->paths_read)
		read_key_paths(s);
	match_cands(o, &s->paths, &found, &nfound, &cap);
	obj_keyfile_mut(o)->searched = true;
	obj_keyfile_mut(o)->matches = (unsigned)nfound;
	if (nfound) {
		obj_keyfile_mut(o)->file = xstrdup(found[0]->path);
		obj_keyfile_mut(o)->via = found[0]->via;
		obj_keyfile_mut(o)->pid = found[0]->pid;
	}
	free(found);
}

void ftok_find_sources(struct snapshot *snap, const char *root, struct ipc_object *const *objs,
		       size_t n, const char *const *key_paths, size_t nkey_paths)
{
	struct search s = {.snap = snap, .key_paths = key_paths, .nkey_paths = nkey_paths};
	bool any = false;

	s.live = !root || !strcmp(root, "/");
	s.rootfd = open(root ? root : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s.rootfd < 0)
		s.live = false;
	for (size_t i = 0; i < n; i++) {
		struct ipc_object *o = objs[i];

		if (o->kind != KIND_SYSV_MSG && o->kind != KIND_SYSV_SHM && o->kind != KIND_SYSV_SEM)
			continue;
		if (!o->has_key || obj_keyfile(o)->searched || ftok_split(o->key, NULL) != FTOK_SPLIT)
			continue;
		search_object(&s, o);
		any = true;
	}
	if (any && s.unreadable)
		snapshot_error(snap, "ftok", "%u processes could not be read: their files were not "
			       "searched for key files", s.unreadable);
	for (size_t i = 0; i < s.nprocs; i++)
		cands_release(&s.procs[i].c);
	free(s.procs);
	cands_release(&s.paths);
	if (s.rootfd >= 0)
		close(s.rootfd);
}
