/* posix_shm.c - POSIX shared memory objects and named semaphores: the regular files of
 * /dev/shm, where glibc keeps both (a semaphore "/x" is the file sem.x). On the live system
 * a semaphore's value is read from its file with pread (core/shmfile.h), never mapped.
 * Also the size of the /dev/shm tmpfs against its use. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "posix.h"
#include "core/kinds.h"
#include "core/shmfile.h"
#include "core/util.h"

#define SEM_PREFIX "sem."

/* glibc's sem_open (sysdeps/pthread/sem_open.c) never makes a semaphore in place: it
 * creates a temporary "/dev/shm/sem.XXXXXX" (mktemp: six of [A-Za-z0-9]) with O_EXCL,
 * writes a whole sem_t into it, link()s it to the final name and unlinks the temporary.
 * A scan in between would list the temporary as a semaphore. Two of its states cannot be
 * those of a finished semaphore: fewer bytes than a sem_t (created, not yet written), or
 * a second link (linked, temporary not yet removed; the final name has two links then too
 * and is left out for that moment when its name has the same shape, as an object not yet
 * made is). The state between write and link looks like a finished semaphore named with six
 * such characters; it lasts microseconds, so on the live system such a file is watched for
 * a few milliseconds (SEM_WATCH_*): a temporary gains its second link or goes, a semaphore
 * stays as it is and is listed. A temporary lives for microseconds: a file changed longer
 * ago than SEM_TEMP_SECONDS is not one in passing (a sem_open killed half way, a deliberate
 * hard link) and is listed as before. */
#define SEM_TEMP_SECONDS 5
#define SEM_WATCH_TRIES 5
#define SEM_WATCH_NS 2000000L

static bool sem_temp_name(const char *name)
{
	size_t n = strlen(SEM_PREFIX);

	if (strncmp(name, SEM_PREFIX, n) || strlen(name + n) != 6)
		return false;
	for (size_t i = n; name[i]; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9')))
			return false;
	return true;
}

enum sem_temp posix_sem_temporary(const char *name, const struct stat *st, int64_t now)
{
	if (!sem_temp_name(name) || (int64_t)st->st_ctim.tv_sec <= now - SEM_TEMP_SECONDS)
		return SEM_NOT_TEMP;
	if (st->st_size < (off_t)sizeof(sem_t) || st->st_nlink >= 2)
		return SEM_TEMP;
	return SEM_MAYBE_TEMP;
}

/* Live only: a SEM_MAYBE_TEMP file, watched until it shows what it is. True when it was a
 * temporary: it went, or gained its final name. */
static bool sem_watch_is_temp(int dfd, const char *name, const struct stat *first)
{
	const struct timespec pause = {0, SEM_WATCH_NS};
	struct stat st;

	for (int i = 0; i < SEM_WATCH_TRIES; i++) {
		nanosleep(&pause, NULL);
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return errno == ENOENT;
		if (st.st_ino != first->st_ino || st.st_nlink >= 2)
			return true;
	}
	return false;
}

/* The value of a named semaphore, read from its file (core/shmfile.h: never mapped, so a
 * file that shrinks under the reader cannot fault). Returns -ENOENT when the semaphore went
 * away, or became another file, since it was listed. */
static int sem_query(struct ipc_object *o, int dfd, const char *file, const struct stat *st)
{
	struct stat now;
	char why[96];
	bool waiters;
	int fd, v, rc;

	fd = shmfile_open(dfd, file, st, &now);
	if (fd == -ENOENT || fd == -ESTALE)
		return -ENOENT;
	if (fd < 0) {
		snprintf(why, sizeof(why), "open: %s", strerror(-fd));
		object_set_partial(o, why);
		return 0;
	}
	rc = shmfile_sem_value(fd, &v, &waiters);
	close(fd);
	if (rc == -ENODATA) {
		snprintf(why, sizeof(why), "file holds %jd bytes, fewer than a semaphore (%zu)",
			 (intmax_t)now.st_size, sizeof(sem_t));
		object_set_partial(o, why);
	} else if (rc < 0) {
		snprintf(why, sizeof(why), "read: %s", strerror(-rc));
		object_set_partial(o, why);
	} else {
		obj_ipc_mut(o)->sems = xcalloc(1, sizeof(*obj_ipc_mut(o)->sems));
		obj_ipc_mut(o)->nsems = 1;
		obj_ipc(o)->sems[0].value = v;
		/* glibc keeps no per-semaphore waiter counts one could read. */
		obj_ipc(o)->sems[0].ncount = obj_ipc(o)->sems[0].zcount = -1;
	}
	return 0;
}

/* One entry of /dev/shm. Returns the object, or NULL when it is no POSIX object, of a kind
 * not asked for, or gone. */
static struct ipc_object *shm_entry(struct scan_ctx *ctx, struct snapshot *snap, int dfd,
				    const struct dirent *de)
{
	const char *name = de->d_name;
	bool sem = !strncmp(name, SEM_PREFIX, strlen(SEM_PREFIX)) && name[strlen(SEM_PREFIX)];
	enum ipc_kind kind = sem ? KIND_POSIX_SEM : KIND_POSIX_SHM;
	char identity[NAME_MAX + 64];
	struct ipc_object *o;
	struct stat st;

	if (!(ctx->kinds & KIND_BIT(kind)))
		return NULL;
	/* Subdirectories, sockets, links: not made by shm_open or sem_open. */
	if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
		return NULL;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			snapshot_error(snap, "/dev/shm", "%s: cannot stat: %s", name, strerror(errno));
		else
			snap->vanished++;
		return NULL;
	}
	if (!S_ISREG(st.st_mode))
		return NULL;
	if (sem) {
		enum sem_temp t = posix_sem_temporary(name, &st, (int64_t)time(NULL));

		if (t == SEM_TEMP ||
		    (t == SEM_MAYBE_TEMP && ctx->live && sem_watch_is_temp(dfd, name, &st)))
			return NULL;
		name += strlen(SEM_PREFIX);
	}
	snprintf(identity, sizeof(identity), "%s:%" PRIu64 ":/%s", kind_name(kind), ctx->mnt_ns, name);
	o = object_new(kind, identity);
	o->name = xasprintf("/%s", name);
	o->ns = ctx->mnt_ns;
	o->ns_pid = ctx->ns_pid;
	object_set_stat(o, &st);
	if (!sem) {
		o->size = (int64_t)st.st_size;
		obj_ipc_mut(o)->blocks = (int64_t)st.st_blocks * 512;
	} else if (ctx->live && sem_query(o, dfd, de->d_name, &st) == -ENOENT) {
		snap->vanished++;
		object_free(o);
		o = NULL;
	}
	return o;
}

/* The tmpfs behind /dev/shm bounds every POSIX shm object and semaphore together. A
 * directory that is no tmpfs (a captured tree) has no such bound to report. */
static void shm_limits(struct snapshot *snap, int dfd)
{
	struct statfs sfs;
	struct statvfs sv;
	bool ok = dfd >= 0 && fstatfs(dfd, &sfs) == 0 && fstatvfs(dfd, &sv) == 0;
	bool tmpfs = ok && sfs.f_type == TMPFS_MAGIC;
	const char *source = !ok || tmpfs ? "/dev/shm" : "/dev/shm (not a tmpfs)";
	struct limit *bytes, *inodes;

	/* Each limit is filled before the next is added: adding one may move the array. A
	 * tmpfs mounted with size=0 or nr_inodes=0 is unbounded and reports 0 totals. */
	bytes = snapshot_limit(snap, "devshm_bytes", "posix-shm",
			       "Size of the /dev/shm tmpfs (used: bytes in use)", "bytes", source);
	if (tmpfs) {
		bytes->has_value = sv.f_blocks > 0;
		bytes->value = (uint64_t)sv.f_blocks * sv.f_frsize;
		bytes->has_used = sv.f_blocks > 0;
		bytes->used = (uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
	}
	inodes = snapshot_limit(snap, "devshm_inodes", "posix-shm",
				"Files on the /dev/shm tmpfs (used: files in use)", "count", source);
	if (!tmpfs)
		return;
	inodes->has_value = sv.f_files > 0;
	inodes->value = sv.f_files;
	inodes->has_used = sv.f_files > 0;
	inodes->used = sv.f_files - sv.f_ffree;
}

static int collect(struct scan_ctx *ctx, struct snapshot *snap)
{
	struct dirent *de;
	DIR *dir = NULL;
	int dfd, rc = 0;

	dfd = openat(ctx->rootfd, ctx->shm_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		struct stat st;

		/* Mount namespaces often share one /dev/shm: its files are listed once, in the
		 * first namespace met (the scanner's before any other). */
		if (fstat(dfd, &st) == 0 && !scan_first_sight(ctx, &st)) {
			close(dfd);
			return COLLECT_NOTHING;
		}
	} else if (ctx->ns_pid) {
		return COLLECT_NOTHING; /* a namespace without a /dev/shm */
	}
	if (dfd < 0) {
		rc = -errno;
		snapshot_error(snap, "/dev/shm", "cannot open: %s", strerror(-rc));
		goto out;
	}
	if (ctx->want_limits)
		shm_limits(snap, dfd);
	dir = fdopendir(dfd);
	if (!dir) {
		rc = -errno;
		snapshot_error(snap, "/dev/shm", "cannot list: %s", strerror(-rc));
		close(dfd);
		goto out;
	}
	while ((errno = 0, de = readdir(dir))) {
		struct ipc_object *o;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		o = shm_entry(ctx, snap, dirfd(dir), de);
		if (o)
			snapshot_add(snap, o);
	}
	if (errno) {
		rc = -errno;
		snapshot_error(snap, "/dev/shm", "listing stopped: %s", strerror(-rc));
	}
	closedir(dir);
out:
	if (dfd < 0 && ctx->want_limits)
		shm_limits(snap, -1);
	return rc;
}

const struct collector posix_shm_collector = {
	.name = "posix-shm",
	.per_ns = true,
	.ns = NS_MNT,
	.kinds = KIND_BIT(KIND_POSIX_SHM) | KIND_BIT(KIND_POSIX_SEM),
	.collect = collect,
};
