/* ops_posix.c - stale rules, in-use checks, recheck, backup, removal and restore of POSIX
 * message queues, shared memory objects, named semaphores, and FIFOs. Their "in use" is
 * "some process has it open or mapped", known only from a scan of every process. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/ops.h"
#include "act/backup.h"
#include "core/kinds.h"
#include "core/shmfile.h"
#include "core/util.h"
#include "render/json.h"

static int64_t last_change(const struct ipc_object *o)
{
	return obj_ipc(o)->mtime > o->ctime ? obj_ipc(o)->mtime : o->ctime;
}

/* Reading a queue's file (as every scan does for its QSIZE line) sets its ctime, so a queue
 * is known by name and inode, and its last use is its mtime (set by send and receive). */
static bool mq_same(const struct ipc_object *a, const struct ipc_object *b)
{
	return a->inode == b->inode && a->name && b->name && !strcmp(a->name, b->name);
}

/* ---- stale rules ---- */

static bool nobody_holds(const struct ipc_object *o, const struct stale_ctx *c, struct evidence *ev)
{
	if (!c->holders_complete) {
		evidence_add(ev, "not every process's fds and maps could be read: cannot prove nobody holds it");
		return false;
	}
	if (!holders_none(o, ev))
		return false;
	evidence_add(ev, "no process has it open or mapped");
	return true;
}

static bool stale_since(const struct ipc_object *o, int64_t last, const struct stale_ctx *c,
			struct evidence *ev)
{
	bool s = nobody_holds(o, c, ev);

	if (obj_ipc(o)->notify_pid.pid > 0 && !pid_gone(&obj_ipc(o)->notify_pid, 0)) {
		evidence_add(ev, "notify pid %d (%s) alive", (int)obj_ipc(o)->notify_pid.pid, obj_ipc(o)->notify_pid.comm);
		s = false;
	}
	s &= idle_for(o, last, c, ev);
	return s;
}

static bool posix_stale(const struct ipc_object *o, const struct stale_ctx *c, struct evidence *ev)
{
	/* Unlinked while held: nothing is left to remove, the kernel frees it with the last
	 * holder. */
	if (o->flags & OBJ_DELETED) {
		evidence_add(ev, "unlinked: no name to remove; it ends with its holders");
		return false;
	}
	return stale_since(o, last_change(o), c, ev);
}

static bool mq_stale(const struct ipc_object *o, const struct stale_ctx *c, struct evidence *ev)
{
	return stale_since(o, obj_ipc(o)->mtime, c, ev);
}

/* Is path inside one of dirs (each made absolute and canonical first)? */
static bool under_dirs(const char *path, const char *const *dirs, size_t n)
{
	char real[PATH_MAX];

	for (size_t i = 0; i < n; i++) {
		size_t l;

		if (!realpath(dirs[i], real))
			continue;
		l = strlen(real);
		if (!strncmp(path, real, l) && (path[l] == '/' || (l == 1 && real[0] == '/')))
			return true;
	}
	return false;
}

static bool fifo_stale(const struct ipc_object *o, const struct stale_ctx *c, struct evidence *ev)
{
	bool s;

	if (!o->name || !under_dirs(o->name, c->fifo_dirs, c->nfifo_dirs)) {
		evidence_add(ev, "not inside a --fifo-dir directory");
		return false;
	}
	evidence_add(ev, "inside a --fifo-dir directory");
	s = nobody_holds(o, c, ev);
	s &= idle_for(o, last_change(o), c, ev);
	return s;
}

static bool posix_in_use(const struct ipc_object *o, struct evidence *ev)
{
	bool u = !holders_none(o, ev);

	if (obj_ipc(o)->notify_pid.pid > 0 && !pid_gone(&obj_ipc(o)->notify_pid, 0)) {
		evidence_add(ev, "notify pid %d (%s) alive", (int)obj_ipc(o)->notify_pid.pid, obj_ipc(o)->notify_pid.comm);
		u = true;
	}
	return u;
}

/* ---- recheck: the same file, by inode and ctime ---- */

static int compare_stat(const struct ipc_object *o, const struct stat *st, struct evidence *why)
{
	bool ctime_moves = o->kind == KIND_POSIX_MQ; /* see mq_same */

	if (st->st_ino != o->inode || (!ctime_moves && (int64_t)st->st_ctime != o->ctime)) {
		evidence_add(why, "%s is another object now (inode %llu, ctime %lld)", o->name,
			     (unsigned long long)st->st_ino, (long long)st->st_ctime);
		return -ESTALE;
	}
	return 0;
}

static int gone_or(int err, struct evidence *why)
{
	if (err == ENOENT) {
		evidence_add(why, "gone since the scan");
		return -ESTALE;
	}
	evidence_add(why, "cannot re-read it: %s", strerror(err));
	return -err;
}

/* Holders cannot be re-read with one syscall: the clean engine rescans every process once
 * right before removals, so here only the identity is checked. */
static int mq_recheck(const struct ipc_object *o, bool force, struct evidence *why)
{
	struct stat st;
	mqd_t q;
	int rc;

	(void)force;
	q = mq_open(o->name, O_RDONLY | O_NONBLOCK);
	if (q == (mqd_t)-1)
		return gone_or(errno, why);
	rc = fstat((int)q, &st) < 0 ? gone_or(errno, why) : compare_stat(o, &st, why);
	mq_close(q);
	return rc;
}

/* The file of a POSIX shm object ("" prefix) or semaphore ("sem."), opened through
 * core/shmfile.h and checked to be the object scanned (its inode). fd or -errno. */
static int devshm_open(const struct ipc_object *o, const char *prefix, struct stat *st)
{
	char file[NAME_MAX + 8];
	int dfd, fd;

	snprintf(file, sizeof(file), "%s%s", prefix, o->name[0] == '/' ? o->name + 1 : o->name);
	dfd = open("/dev/shm", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = shmfile_open(dfd, file, NULL, st);
	close(dfd);
	if (fd >= 0 && st->st_ino != o->inode) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/* Through devshm_open, not shm_open: the file's owner may have swapped it for a FIFO, and
 * shm_open of a FIFO would wait for a writer forever. */
static int shm_recheck(const struct ipc_object *o, bool force, struct evidence *why)
{
	struct stat st;
	int fd, rc;

	(void)force;
	fd = devshm_open(o, "", &st);
	if (fd == -ESTALE) {
		evidence_add(why, "%s is another object now", o->name);
		return -ESTALE;
	}
	if (fd < 0)
		return gone_or(-fd, why);
	rc = compare_stat(o, &st, why);
	close(fd);
	return rc;
}

static int path_recheck(const struct ipc_object *o, const char *path, bool fifo, struct evidence *why)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return gone_or(errno, why);
	if (fifo && !S_ISFIFO(st.st_mode)) {
		evidence_add(why, "%s is no longer a FIFO", path);
		return -ESTALE;
	}
	return compare_stat(o, &st, why);
}

static void sem_path(const struct ipc_object *o, char *buf, size_t len)
{
	snprintf(buf, len, "/dev/shm/sem.%s", o->name[0] == '/' ? o->name + 1 : o->name);
}

static int sem_recheck(const struct ipc_object *o, bool force, struct evidence *why)
{
	char path[PATH_MAX];

	(void)force;
	sem_path(o, path, sizeof(path));
	return path_recheck(o, path, false, why);
}

static int fifo_recheck(const struct ipc_object *o, bool force, struct evidence *why)
{
	(void)force;
	return path_recheck(o, o->name, true, why);
}

/* ---- backup ---- */

static void meta_stat(json_t *meta, const struct ipc_object *o, const struct stat *st)
{
	json_set_text(meta, "name", o->name); /* with name_raw when not UTF-8 */
	json_object_set_new(meta, "mode", json_integer(st->st_mode & 0777));
	json_object_set_new(meta, "uid", json_integer(st->st_uid));
	json_object_set_new(meta, "gid", json_integer(st->st_gid));
}

/* The backup of a drained queue could not be written: send its messages back (receiving
 * took the highest priority first, so sending them in that order keeps the queue's order). */
static void put_back(const struct ipc_object *o, const struct bytes *b, bool *consumed)
{
	mqd_t q = mq_open(o->name, O_WRONLY | O_NONBLOCK);
	size_t off = 0, len;
	const unsigned char *p;
	int64_t prio;

	if (q == (mqd_t)-1)
		return;
	while (bytes_next_record(b->data, b->len, &off, &prio, &p, &len) == 1)
		if (mq_send(q, (const char *)p, len, (unsigned)prio) < 0)
			break;
	mq_close(q);
	*consumed = false;
}

/* A POSIX queue has no non-destructive read: its messages are received as part of the
 * removal, highest priority first, as mq_receive delivers them. */
static int mq_backup(const struct ipc_object *o, int dirfd, json_t *meta, bool *consumed)
{
	struct mq_attr attr;
	struct stat st;
	struct bytes b = {0};
	char *buf = NULL;
	long n = 0;
	mqd_t q;
	int rc = 0;

	q = mq_open(o->name, O_RDONLY | O_NONBLOCK);
	if (q == (mqd_t)-1)
		return -errno;
	if (fstat((int)q, &st) < 0 || mq_getattr(q, &attr) < 0) {
		rc = -errno;
		goto out;
	}
	meta_stat(meta, o, &st);
	json_object_set_new(meta, "maxmsg", json_integer(attr.mq_maxmsg));
	json_object_set_new(meta, "msgsize", json_integer(attr.mq_msgsize));
	json_object_set_new(meta, "read_by", json_string("mq_receive"));
	buf = xmalloc((size_t)attr.mq_msgsize);
	*consumed = true;
	for (;;) {
		unsigned prio;
		ssize_t r = mq_receive(q, buf, (size_t)attr.mq_msgsize, &prio);

		if (r < 0 && errno == EAGAIN)
			break;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		bytes_put_record(&b, prio, buf, (size_t)r);
		n++;
	}
	json_object_set_new(meta, "messages", json_integer(n));
	rc = write_file_at(dirfd, "messages.bin", b.data, b.len);
	if (rc)
		put_back(o, &b, consumed);
out:
	free(buf);
	bytes_release(&b);
	mq_close(q);
	return rc;
}

/* Copied with pread, never mapped: the owner may truncate the file meanwhile, and a copy
 * of a file that changed size while it was read is refused (-ESTALE), so nothing is removed
 * on the strength of a half backup. */
static int shm_backup(const struct ipc_object *o, int dirfd, json_t *meta, bool *consumed)
{
	struct stat st;
	int fd, rc;

	(void)consumed;
	fd = devshm_open(o, "", &st);
	if (fd < 0)
		return fd;
	meta_stat(meta, o, &st);
	json_object_set_new(meta, "size", json_integer(st.st_size));
	rc = shmfile_copy(fd, st.st_size, dirfd, "data.bin");
	close(fd);
	return rc;
}

static int sem_backup(const struct ipc_object *o, int dirfd, json_t *meta, bool *consumed)
{
	struct stat st;
	bool waiters;
	int fd, v, rc;

	(void)dirfd;
	(void)consumed;
	fd = devshm_open(o, "sem.", &st);
	if (fd < 0)
		return fd;
	rc = shmfile_sem_value(fd, &v, &waiters);
	close(fd);
	if (rc) /* -ENODATA: too short to be a semaphore, there is no value to save */
		return rc;
	meta_stat(meta, o, &st);
	json_object_set_new(meta, "value", json_integer(v));
	return 0;
}

static int fifo_backup(const struct ipc_object *o, int dirfd, json_t *meta, bool *consumed)
{
	struct stat st;

	(void)dirfd;
	(void)consumed;
	if (lstat(o->name, &st) < 0)
		return -errno;
	meta_stat(meta, o, &st);
	return 0;
}

/* ---- remove ---- */

static int mq_remove(const struct ipc_object *o)
{
	return mq_unlink(o->name) < 0 ? -errno : 0;
}

static int shm_remove(const struct ipc_object *o)
{
	return shm_unlink(o->name) < 0 ? -errno : 0;
}

static int sem_remove(const struct ipc_object *o)
{
	return sem_unlink(o->name) < 0 ? -errno : 0;
}

static int fifo_remove(const struct ipc_object *o)
{
	return unlink(o->name) < 0 ? -errno : 0;
}

/* ---- restore ---- */

struct file_meta {
	const char *name; /* borrowed from the meta object, or raw */
	char raw[NAME_MAX + PATH_MAX];
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

/* name_raw (hex) gives back a name that is no valid UTF-8 exactly. */
static int unhex(const char *hex, char *out, size_t cap)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 >= cap)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1 || !v)
			return -EINVAL;
		out[i] = (char)v;
	}
	out[n / 2] = '\0';
	return 0;
}

static int read_meta(json_t *meta, struct file_meta *m, struct evidence *why)
{
	json_int_t mode, uid, gid;
	const char *raw = json_string_value(json_object_get(meta, "name_raw"));

	if (json_unpack(meta, "{s:s, s:I, s:I, s:I}", "name", &m->name, "mode", &mode, "uid", &uid,
			"gid", &gid) < 0 || m->name[0] == '\0') {
		evidence_add(why, "meta.json lacks name, mode, uid or gid");
		return -EINVAL;
	}
	if (raw) {
		if (unhex(raw, m->raw, sizeof(m->raw)) < 0) {
			evidence_add(why, "meta.json: name_raw is not the hex of a name");
			return -EINVAL;
		}
		m->name = m->raw;
	}
	m->mode = (mode_t)mode & 0777;
	m->uid = (uid_t)uid;
	m->gid = (gid_t)gid;
	return 0;
}

/* Give what restore just made at name in dirfd its owner and mode, through an O_PATH fd
 * taken without following a symlink, and only when it is still what was made: of type
 * want, owned by us. Whoever can write the directory may swap the name for a symlink to
 * another file between our create and our chown; by path, that file would change owner. */
static int own_made(int dirfd, const char *file, mode_t want, const struct file_meta *m,
		    struct evidence *why)
{
	char self[64];
	struct stat st;
	int fd, rc = 0;

	test_hook("IPCSCOPE_TEST_HOOK_RESTORE_MADE", "IPCSCOPE_MADE", m->name);
	fd = openat(dirfd, file, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || (st.st_mode & S_IFMT) != want || st.st_uid != geteuid()) {
		evidence_add(why, "%s was replaced right after it was made: its owner and mode are not set",
			     m->name);
		rc = -ESTALE;
		goto out;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	if (fchownat(fd, "", m->uid, m->gid, AT_EMPTY_PATH) < 0)
		evidence_add(why, "owner not restored: %s", strerror(errno));
	/* chmod through the fd's magic link reaches exactly that inode (an O_PATH fd takes no
	 * fchmod); the mode is set after the owner, which chown may strip bits from. */
	else if (chmod(self, m->mode) < 0)
		evidence_add(why, "mode not restored: %s", strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Open the directory path names a file in, and point *file at its last component. */
static int open_parent(const char *path, char *buf, size_t len, const char **file)
{
	char *slash;
	int fd;

	if (snprintf(buf, len, "%s", path) >= (int)len)
		return -ENAMETOOLONG;
	slash = strrchr(buf, '/');
	if (!slash || !slash[1])
		return -EINVAL;
	*file = path + (slash - buf) + 1;
	if (slash == buf)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int create_failed(const char *name, struct evidence *why)
{
	int err = errno;

	if (err == EEXIST)
		evidence_add(why, "%s exists: not overwritten", name);
	else
		evidence_add(why, "cannot create %s: %s", name, strerror(err));
	return -err;
}

static int mq_restore(json_t *meta, int dirfd, struct evidence *why)
{
	struct file_meta m;
	struct mq_attr attr = {0};
	json_int_t maxmsg, msgsize;
	char *data = NULL;
	size_t len = 0, off = 0;
	mqd_t q;
	int rc;

	rc = read_meta(meta, &m, why);
	if (rc)
		return rc;
	if (json_unpack(meta, "{s:I, s:I}", "maxmsg", &maxmsg, "msgsize", &msgsize) < 0) {
		evidence_add(why, "meta.json lacks maxmsg or msgsize");
		return -EINVAL;
	}
	rc = read_file_at(dirfd, "messages.bin", 1u << 30, &data, &len);
	if (rc) {
		evidence_add(why, "messages.bin: %s", strerror(-rc));
		return rc;
	}
	attr.mq_maxmsg = maxmsg;
	attr.mq_msgsize = msgsize;
	q = mq_open(m.name, O_WRONLY | O_CREAT | O_EXCL | O_NONBLOCK, m.mode, &attr);
	if (q == (mqd_t)-1) {
		rc = create_failed(m.name, why);
		goto out;
	}
	if (fchown((int)q, m.uid, m.gid) < 0)
		evidence_add(why, "owner not restored: %s", strerror(errno));
	for (;;) {
		const unsigned char *p;
		size_t n;
		int64_t prio;
		int r = bytes_next_record((unsigned char *)data, len, &off, &prio, &p, &n);

		if (r == 0)
			break;
		if (r < 0 || prio < 0 || mq_send(q, (const char *)p, n, (unsigned)prio) < 0) {
			rc = r < 0 ? -EINVAL : -errno;
			evidence_add(why, "cannot put the messages back: %s", strerror(-rc));
			mq_unlink(m.name);
			break;
		}
	}
	mq_close(q);
out:
	free(data);
	return rc;
}

static int shm_restore(json_t *meta, int dirfd, struct evidence *why)
{
	struct file_meta m;
	char *data = NULL;
	size_t len = 0, done = 0;
	int fd, rc;

	rc = read_meta(meta, &m, why);
	if (rc)
		return rc;
	rc = read_file_at(dirfd, "data.bin", 1ul << 34, &data, &len);
	if (rc) {
		evidence_add(why, "data.bin: %s", strerror(-rc));
		return rc;
	}
	fd = shm_open(m.name, O_RDWR | O_CREAT | O_EXCL, m.mode);
	if (fd < 0) {
		rc = create_failed(m.name, why);
		goto out;
	}
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0) {
			rc = -errno;
			evidence_add(why, "write: %s", strerror(errno));
			shm_unlink(m.name);
			break;
		}
		done += (size_t)w;
	}
	if (!rc && fchown(fd, m.uid, m.gid) < 0)
		evidence_add(why, "owner not restored: %s", strerror(errno));
	else if (!rc && fchmod(fd, m.mode) < 0) /* shm_open's mode passed through the umask */
		evidence_add(why, "mode not restored: %s", strerror(errno));
	close(fd);
out:
	free(data);
	return rc;
}

static int sem_restore(json_t *meta, int dirfd, struct evidence *why)
{
	struct file_meta m;
	json_int_t value;
	char file[NAME_MAX + 8];
	sem_t *s;
	int dfd, rc;

	(void)dirfd;
	rc = read_meta(meta, &m, why);
	if (rc)
		return rc;
	if (json_unpack(meta, "{s:I}", "value", &value) < 0 || value < 0 || value > SEM_VALUE_MAX) {
		evidence_add(why, "meta.json lacks a valid value");
		return -EINVAL;
	}
	s = sem_open(m.name, O_CREAT | O_EXCL, m.mode, (unsigned)value);
	if (s == SEM_FAILED)
		return create_failed(m.name, why);
	sem_close(s);
	snprintf(file, sizeof(file), "sem.%s", m.name[0] == '/' ? m.name + 1 : m.name);
	dfd = open("/dev/shm", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		evidence_add(why, "owner not restored: /dev/shm: %s", strerror(errno));
		return 0;
	}
	rc = own_made(dfd, file, S_IFREG, &m, why);
	close(dfd);
	return rc;
}

/* Made with mknodat in the directory opened once, and owned through own_made. */
static int fifo_restore(json_t *meta, int dirfd, struct evidence *why)
{
	struct file_meta m;
	char dir[PATH_MAX];
	const char *file;
	int dfd, rc;

	(void)dirfd;
	rc = read_meta(meta, &m, why);
	if (rc)
		return rc;
	dfd = open_parent(m.name, dir, sizeof(dir), &file);
	if (dfd < 0) {
		evidence_add(why, "cannot open the directory of %s: %s", m.name, strerror(-dfd));
		return dfd;
	}
	if (mknodat(dfd, file, S_IFIFO | 0600, 0) < 0) {
		rc = create_failed(m.name, why);
		close(dfd);
		return rc;
	}
	rc = own_made(dfd, file, S_IFIFO, &m, why);
	close(dfd);
	return rc;
}

const struct kind_ops posix_mq_ops = {mq_stale, posix_in_use, mq_recheck, mq_same, mq_backup, mq_remove, mq_restore};
const struct kind_ops posix_shm_ops = {posix_stale, posix_in_use, shm_recheck, NULL, shm_backup, shm_remove, shm_restore};
const struct kind_ops posix_sem_ops = {posix_stale, posix_in_use, sem_recheck, NULL, sem_backup, sem_remove, sem_restore};
const struct kind_ops fifo_ops = {fifo_stale, posix_in_use, fifo_recheck, NULL, fifo_backup, fifo_remove, fifo_restore};
