/* test_posix.c - the POSIX collectors (posix_mq.c, posix_shm.c) on fixture trees: a tree
 * shaped like a live /dev/mqueue and /dev/shm, broken queue text, an unmounted /dev/mqueue,
 * missing directories, and an entry the scanner may not read. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <linux/magic.h>
#include <mqueue.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "collectors/posix.h"
#include "core/util.h"
#include "fixture.h"

extern const struct collector posix_mq_collector;
extern const struct collector procfd_collector;

#define POSIX (KIND_BIT(KIND_POSIX_MQ) | KIND_BIT(KIND_POSIX_SHM) | KIND_BIT(KIND_POSIX_SEM))

static struct ipc_object *find_name(const struct snapshot *s, enum ipc_kind k, const char *name)
{
	for (size_t i = 0; i < s->nobjs; i++)
		if (s->objs[i]->kind == k && s->objs[i]->name && !strcmp(s->objs[i]->name, name))
			return s->objs[i];
	return NULL;
}

static size_t count_kind(const struct snapshot *s, enum ipc_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nobjs; i++)
		n += s->objs[i]->kind == k;
	return n;
}

/* Errors from the sources these collectors read (the process side may add its own). */
static size_t posix_errors(const struct snapshot *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nerrs; i++)
		n += !strncmp(s->errs[i].source, "/dev/", 5) ||
		     !strncmp(s->errs[i].source, "/proc/sys/fs/mqueue/", 20);
	return n;
}

static void fixture_path(char *buf, size_t len, const char *tree, const char *file)
{
	const char *dir = getenv("FIXTURES");

	snprintf(buf, len, "%s/%s/%s", dir ? dir : "tests/fixtures", tree, file);
}

static void stat_fixture(const char *tree, const char *file, struct stat *st)
{
	char path[4096];

	fixture_path(path, sizeof(path), tree, file);
	assert_int_equal(lstat(path, st), 0);
}

/* What the scanner must have taken from the file's inode. The stat is made before the scan:
 * reading a queue file sets its atime (and on an mqueue mount its ctime). */
static void assert_stat_fields(const struct ipc_object *o, const struct stat *st)
{
	assert_int_equal(o->inode, st->st_ino);
	assert_true(o->has_owner);
	assert_int_equal(o->uid, st->st_uid);
	assert_int_equal(o->gid, st->st_gid);
	assert_true(o->has_mode);
	assert_int_equal(o->mode, st->st_mode & 0777);
	assert_int_equal(obj_ipc(o)->atime, st->st_atim.tv_sec);
	assert_int_equal(obj_ipc(o)->mtime, st->st_mtim.tv_sec);
	assert_int_equal(o->ctime, st->st_ctim.tv_sec);
	/* Queues live in the IPC namespace's mqueue mount, files of /dev/shm in the mount one. */
	assert_int_equal(o->ns, o->kind == KIND_POSIX_MQ ? 4026531839ULL : 4026531841ULL);
}

struct status_case {
	const char *text;
	int rc;
	int64_t used, notify, signo;
	pid_t pid;
};

static void parse_status(void **state)
{
	static const struct status_case cases[] = {
		/* the kernel's own padding */
		{"QSIZE:14         NOTIFY:0     SIGNO:10    NOTIFY_PID:7482  \n", 0, 14, 0, 10, 7482},
		{"QSIZE:0          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n", 0, 0, -1, -1, 0},
		{"QSIZE:3 NOTIFY:1 SIGNO:0 NOTIFY_PID:9", 0, 3, 1, -1, 9},       /* SIGEV_NONE */
		{"QSIZE:3 NOTIFY:2 SIGNO:5 NOTIFY_PID:9", 0, 3, 2, -1, 9},       /* signo only for SIGEV_SIGNAL */
		{"QSIZE:3 NOTIFY:0 SIGNO:12 NOTIFY_PID:0", 0, 3, 0, 12, 0},      /* owner in another pid ns */
		{"\tNOTIFY_PID:0 SIGNO:0 NOTIFY:0 QSIZE:5\n", 0, 5, -1, -1, 0},  /* order does not matter */
		{"QSIZE:5 NOTIFY:0 SIGNO:0 NOTIFY_PID:0 NEWFIELD:1", 0, 5, -1, -1, 0},
		{"QSIZE:9223372036854775807 NOTIFY:0 SIGNO:0 NOTIFY_PID:0", 0, INT64_MAX, -1, -1, 0},
		{"", -EINVAL, -1, -1, -1, 0},
		{"   \n", -EINVAL, -1, -1, -1, 0},
		{"garbage", -EINVAL, -1, -1, -1, 0},
		{"QSIZE:12 NOTIFY:0 SIG", -EINVAL, 12, -1, -1, 0},
		{"QSIZE:12 NOTIFY:0 SIGNO:0", -EINVAL, 12, -1, -1, 0},
		{"QSIZE: NOTIFY:0 SIGNO:0 NOTIFY_PID:0", -EINVAL, -1, -1, -1, 0},
		{"QSIZE:12x NOTIFY:0 SIGNO:0 NOTIFY_PID:0", -EINVAL, -1, -1, -1, 0},
		{"QSIZE:-1 NOTIFY:0 SIGNO:0 NOTIFY_PID:0", -EINVAL, -1, -1, -1, 0},
		{"QSIZE:+1 NOTIFY:0 SIGNO:0 NOTIFY_PID:0", -EINVAL, -1, -1, -1, 0},
		{"QSIZE:1 QSIZE:2 NOTIFY:0 SIGNO:0 NOTIFY_PID:0", -EINVAL, 1, -1, -1, 0},
		{":1 QSIZE:1 NOTIFY:0 SIGNO:0 NOTIFY_PID:0", -EINVAL, 1, -1, -1, 0},
		{"QSIZE:18446744073709551616 NOTIFY:0 SIGNO:0 NOTIFY_PID:0", -ERANGE, -1, -1, -1, 0},
		{"QSIZE:9223372036854775808 NOTIFY:0 SIGNO:0 NOTIFY_PID:0", -ERANGE, -1, -1, -1, 0},
		{"QSIZE:1 NOTIFY:0 SIGNO:0 NOTIFY_PID:2147483648", -ERANGE, 1, -1, -1, 0},
		{"QSIZE:1000000000000000000000000000000000000000000000000000000000000000000000000000"
		 " NOTIFY:0 SIGNO:0 NOTIFY_PID:0", -ERANGE, -1, -1, -1, 0},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct status_case *c = &cases[i];
		struct ipc_object *o = object_new(KIND_POSIX_MQ, "posix-mq:0:/t");

		print_message("case %zu: '%s'\n", i, c->text);
		assert_int_equal(posix_mq_parse_status(c->text, o), c->rc);
		assert_int_equal(o->used_bytes, c->used);
		assert_int_equal(obj_ipc(o)->notify, c->notify);
		assert_int_equal(obj_ipc(o)->signo, c->signo);
		assert_int_equal(obj_ipc(o)->notify_pid.pid, c->pid);
		object_free(o);
	}
}

static void real_tree(void **state)
{
	struct stat st_sig, st_data, st_sem;
	char path[4096];
	struct ipc_object *o;
	struct snapshot s;
	struct limit *l;
	struct statfs sfs;

	(void)state;
	stat_fixture("posix-real", "dev/mqueue/signalled", &st_sig);
	stat_fixture("posix-real", "dev/shm/data", &st_data);
	stat_fixture("posix-real", "dev/shm/sem.lock", &st_sem);
	assert_int_equal(fixture_scan("posix-real", POSIX, true, &s), 0);
	assert_int_equal(posix_errors(&s), 0);
	assert_int_equal(count_kind(&s, KIND_POSIX_MQ), 3);
	assert_int_equal(count_kind(&s, KIND_POSIX_SHM), 2); /* data and "sem." */
	assert_int_equal(count_kind(&s, KIND_POSIX_SEM), 1);

	o = find_name(&s, KIND_POSIX_MQ, "/signalled");
	assert_non_null(o);
	assert_string_equal(o->identity, "posix-mq:4026531839:/signalled");
	assert_stat_fields(o, &st_sig);
	assert_int_equal(o->used_bytes, 14);
	assert_int_equal(obj_ipc(o)->notify, 0); /* SIGEV_SIGNAL */
	assert_int_equal(obj_ipc(o)->signo, 10);
	assert_int_equal(obj_ipc(o)->notify_pid.pid, 1234);
	assert_string_equal(obj_ipc(o)->notify_pid.comm, "notifier");
	assert_false(obj_ipc(o)->notify_pid.gone);
	/* attributes come from mq_getattr, never on a fixture */
	assert_int_equal(obj_ipc(o)->max_messages, -1);
	assert_int_equal(obj_ipc(o)->msgsize, -1);
	assert_int_equal(obj_ipc(o)->messages, -1);
	assert_int_equal(o->size, -1);
	assert_null(o->partial);
	assert_ptr_equal(snapshot_find_inode(&s, KIND_POSIX_MQ, o->inode), o);

	o = find_name(&s, KIND_POSIX_MQ, "/idle");
	assert_non_null(o);
	assert_int_equal(o->used_bytes, 0);
	assert_int_equal(obj_ipc(o)->notify, -1);
	assert_int_equal(obj_ipc(o)->signo, -1);
	assert_int_equal(obj_ipc(o)->notify_pid.pid, 0);
	assert_null(o->partial);

	o = find_name(&s, KIND_POSIX_MQ, "/threaded");
	assert_non_null(o);
	assert_int_equal(o->used_bytes, 8192);
	assert_int_equal(obj_ipc(o)->notify, 2); /* SIGEV_THREAD */
	assert_int_equal(obj_ipc(o)->signo, -1);
	assert_int_equal(obj_ipc(o)->notify_pid.pid, 4321);
	assert_true(obj_ipc(o)->notify_pid.gone); /* no proc/4321 in the tree */

	o = find_name(&s, KIND_POSIX_SHM, "/data");
	assert_non_null(o);
	assert_string_equal(o->identity, "posix-shm:4026531841:/data");
	assert_stat_fields(o, &st_data);
	assert_int_equal(o->size, 100);
	assert_int_equal(obj_ipc(o)->blocks, st_data.st_blocks * 512);
	assert_null(o->partial);
	assert_ptr_equal(snapshot_find_inode(&s, KIND_POSIX_SHM, o->inode), o);

	/* "sem." names no semaphore: shm_open("/sem.") makes that file */
	o = find_name(&s, KIND_POSIX_SHM, "/sem.");
	assert_non_null(o);
	assert_int_equal(o->size, 1);

	o = find_name(&s, KIND_POSIX_SEM, "/lock");
	assert_non_null(o);
	assert_string_equal(o->identity, "posix-sem:4026531841:/lock");
	assert_stat_fields(o, &st_sem);
	assert_null(obj_ipc(o)->sems); /* the value comes from sem_getvalue, never on a fixture */
	assert_int_equal(obj_ipc(o)->nsems, -1);
	assert_int_equal(o->size, -1);

	/* the subdirectory, its file and the symlink are no objects */
	assert_null(find_name(&s, KIND_POSIX_SHM, "/subdir"));
	assert_null(find_name(&s, KIND_POSIX_SHM, "/inner"));
	assert_null(find_name(&s, KIND_POSIX_SHM, "/link"));

	l = snapshot_find_limit(&s, "queues_max");
	assert_non_null(l);
	assert_string_equal(l->group, "posix-mq");
	assert_string_equal(l->source, "/proc/sys/fs/mqueue/queues_max");
	assert_true(l->has_value);
	assert_int_equal(l->value, 256);
	assert_true(l->has_used);
	assert_int_equal(l->used, 3);
	l = snapshot_find_limit(&s, "msg_max");
	assert_non_null(l);
	assert_int_equal(l->value, 10);
	assert_false(l->has_used); /* maxmsg is known only from mq_getattr */
	l = snapshot_find_limit(&s, "msgsize_max");
	assert_non_null(l);
	assert_int_equal(l->value, 8192);
	assert_string_equal(l->unit, "bytes");

	/* A fixture directory is no tmpfs, unless the tree was checked out on one. */
	l = snapshot_find_limit(&s, "devshm_bytes");
	assert_non_null(l);
	fixture_path(path, sizeof(path), "posix-real", "dev/shm");
	assert_int_equal(statfs(path, &sfs), 0);
	if (sfs.f_type == TMPFS_MAGIC) {
		assert_string_equal(l->source, "/dev/shm");
		assert_true(l->has_used);
	} else {
		assert_string_equal(l->source, "/dev/shm (not a tmpfs)");
		assert_false(l->has_value);
		assert_false(l->has_used);
	}
	assert_non_null(snapshot_find_limit(&s, "devshm_inodes"));
	snapshot_release(&s);
}

static void kinds_asked_for(void **state)
{
	struct snapshot s;

	(void)state;
	assert_int_equal(fixture_scan("posix-real", KIND_BIT(KIND_POSIX_SEM), false, &s), 0);
	assert_int_equal(count_kind(&s, KIND_POSIX_SEM), 1);
	assert_int_equal(count_kind(&s, KIND_POSIX_SHM), 0);
	assert_int_equal(count_kind(&s, KIND_POSIX_MQ), 0);
	assert_null(snapshot_find_limit(&s, "devshm_bytes")); /* not asked for */
	snapshot_release(&s);
}

static void assert_partial(const struct snapshot *s, const char *name, const char *why,
			   int64_t used)
{
	struct ipc_object *o = find_name(s, KIND_POSIX_MQ, name);

	print_message("queue %s\n", name);
	assert_non_null(o);
	assert_true(o->flags & OBJ_PARTIAL);
	assert_non_null(o->partial);
	assert_non_null(strstr(o->partial, why));
	assert_int_equal(o->used_bytes, used);
	assert_true(o->has_owner); /* the inode's fields survive bad text */
	assert_int_not_equal(o->inode, 0);
}

static void broken_tree(void **state)
{
	struct ipc_object *o;
	struct snapshot s;

	(void)state;
	assert_int_equal(fixture_scan("posix-broken", POSIX, false, &s), 0);
	assert_partial(&s, "/garbage", "unexpected text: 'hello world", -1);
	assert_partial(&s, "/truncated", "unexpected text", 123);
	assert_partial(&s, "/huge", "number out of range", -1);
	assert_partial(&s, "/past63", "number out of range", -1);
	assert_partial(&s, "/bigpid", "number out of range", 1);
	assert_partial(&s, "/empty", "empty file", -1);
	assert_partial(&s, "/nul", "NUL byte in the text", 7);
	assert_partial(&s, "/twice", "unexpected text", 7);
	assert_partial(&s, "/negative", "unexpected text", -1);

	o = find_name(&s, KIND_POSIX_MQ, "/future");
	assert_non_null(o);
	assert_null(o->partial);
	assert_int_equal(o->used_bytes, 5);
	assert_int_equal(obj_ipc(o)->notify, 1);
	assert_int_equal(obj_ipc(o)->notify_pid.pid, 77);
	assert_true(obj_ipc(o)->notify_pid.gone);

	/* a directory and a symlink in an mqueue mount are no queues, and are said so */
	assert_null(find_name(&s, KIND_POSIX_MQ, "/subdir"));
	assert_null(find_name(&s, KIND_POSIX_MQ, "/link"));
	assert_non_null(fixture_error(&s, "/dev/mqueue", "subdir: not a regular file"));
	assert_non_null(fixture_error(&s, "/dev/mqueue", "link: not a regular file"));
	assert_int_equal(count_kind(&s, KIND_POSIX_MQ), 10);
	assert_int_equal(posix_errors(&s), 2);
	snapshot_release(&s);
}

static void not_mounted(void **state)
{
	const struct scan_error *e;
	struct snapshot s;
	struct limit *l;

	(void)state;
	assert_int_equal(fixture_scan("posix-nomount", POSIX, true, &s), 0);
	e = fixture_error(&s, "/dev/mqueue", "not an mqueue mount");
	assert_non_null(e);
	/* A fixture tree is no live host: no fix to run on it. */
	assert_null(strstr(e->message, "mount -t"));
	assert_int_equal(count_kind(&s, KIND_POSIX_MQ), 0);
	/* the rest of the scan goes on */
	assert_non_null(find_name(&s, KIND_POSIX_SHM, "/seg"));
	l = snapshot_find_limit(&s, "queues_max");
	assert_non_null(l);
	assert_true(l->has_value);
	assert_int_equal(l->value, 256);
	assert_false(l->has_used); /* the queues could not be counted */
	snapshot_release(&s);
}

/* A queue made after /dev/mqueue was listed: the process side meets it through an fd. The
 * tree mq-late has /dev/mqueue mounted (its proc/self/mounts says so) and a process holding
 * /dev/mqueue/late; running the process side alone stands for a listing that missed it.
 * It becomes an ordinary object with no hint to mount anything. Where /dev/mqueue is no
 * mount (proc-real has no mounts file), the hint stays. */
static void queue_after_listing(void **state)
{
	char root[4096];
	struct scan_ctx ctx;
	struct snapshot s;
	struct ipc_object *o;

	(void)state;
	fixture_path(root, sizeof(root), "mq-late", "");
	snapshot_init(&s);
	assert_int_equal(scan_ctx_init(&ctx, root, KIND_BIT(KIND_POSIX_MQ)), 0);
	assert_int_equal(procfd_collector.collect(&ctx, &s), 0);
	scan_ctx_release(&ctx);
	o = snapshot_find_identity(&s, "posix-mq:4026531839:/late");
	assert_non_null(o);
	assert_string_equal(o->name, "/late");
	assert_null(o->partial);
	assert_int_equal(o->used_bytes, 48);
	assert_int_equal(o->nholders, 1);
	assert_int_equal(o->holders[0].pid, 4300);
	assert_int_equal(o->holders[0].fd, 3);
	assert_int_equal(s.nobjs, 1);
	snapshot_release(&s);

	/* The whole scan lists it once, from the listing, with its holder. */
	assert_int_equal(fixture_scan("mq-late", KIND_BIT(KIND_POSIX_MQ), false, &s), 0);
	o = snapshot_find_identity(&s, "posix-mq:4026531839:/late");
	assert_non_null(o);
	assert_null(o->partial);
	assert_int_equal(o->nholders, 1);
	assert_int_equal(s.nobjs, 1);
	snapshot_release(&s);

	assert_int_equal(fixture_scan("proc-real", KIND_BIT(KIND_POSIX_MQ), false, &s), 0);
	o = snapshot_find_identity(&s, "posix-mq:4026531839:/q1");
	assert_non_null(o);
	assert_non_null(o->partial);
	assert_non_null(strstr(o->partial, "not in /dev/mqueue"));
	assert_null(strstr(o->partial, "mount -t"));
	snapshot_release(&s);
}

static void no_directories(void **state)
{
	const struct scan_error *e;
	struct snapshot s;
	struct limit *l;

	(void)state;
	fixture_scan("posix-nodirs", POSIX, true, &s);
	e = fixture_error(&s, "/dev/mqueue", "not in the --root tree");
	assert_non_null(e);
	assert_null(strstr(e->message, "mount -t"));
	assert_non_null(fixture_error(&s, "/dev/shm", "cannot open: No such file"));
	assert_non_null(fixture_error(&s, "/proc/sys/fs/mqueue/queues_max", "not a number: 'garbage'"));
	assert_non_null(fixture_error(&s, "/proc/sys/fs/mqueue/msgsize_max", "cannot read"));
	l = snapshot_find_limit(&s, "queues_max");
	assert_non_null(l);
	assert_false(l->has_value);
	l = snapshot_find_limit(&s, "msg_max");
	assert_non_null(l);
	assert_true(l->has_value);
	assert_int_equal(l->value, 10);
	l = snapshot_find_limit(&s, "devshm_bytes");
	assert_non_null(l);
	assert_false(l->has_value);
	assert_int_equal(s.nobjs, 0);
	snapshot_release(&s);
}

static void write_file(int dirfd, const char *path, const char *text, mode_t mode)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* A queue file the scanner may not read: listed, with its inode's fields, partial and why.
 * Git keeps no mode 000, so the tree is made here; root reads anything, so the scan runs
 * with the effective uid of nobody. */
static void unreadable_entry(void **state)
{
	char root[] = "/tmp/ipcscope-posix-XXXXXX";
	struct ipc_object *o;
	struct scan_ctx ctx;
	struct snapshot s;
	bool was_root = geteuid() == 0;
	int rfd;

	(void)state;
	assert_non_null(mkdtemp(root));
	assert_int_equal(chmod(root, 0755), 0);
	rfd = open(root, O_RDONLY | O_DIRECTORY);
	assert_true(rfd >= 0);
	assert_int_equal(mkdirat(rfd, "proc", 0755), 0);
	assert_int_equal(mkdirat(rfd, "proc/self", 0755), 0);
	assert_int_equal(mkdirat(rfd, "dev", 0755), 0);
	assert_int_equal(mkdirat(rfd, "dev/mqueue", 0755), 0);
	write_file(rfd, "proc/self/mounts", "mqueue /dev/mqueue mqueue rw 0 0\n", 0644);
	write_file(rfd, "dev/mqueue/locked", "QSIZE:1 NOTIFY:0 SIGNO:0 NOTIFY_PID:0\n", 0);
	write_file(rfd, "dev/mqueue/open", "QSIZE:2 NOTIFY:0 SIGNO:0 NOTIFY_PID:0\n", 0644);

	snapshot_init(&s);
	assert_int_equal(scan_ctx_init(&ctx, root, KIND_BIT(KIND_POSIX_MQ)), 0);
	if (was_root)
		assert_int_equal(seteuid(65534), 0);
	scan_run(&ctx, &s);
	if (was_root)
		assert_int_equal(seteuid(0), 0);
	scan_ctx_release(&ctx);

	o = find_name(&s, KIND_POSIX_MQ, "/locked");
	assert_non_null(o);
	assert_non_null(o->partial);
	assert_non_null(strstr(o->partial, "cannot read /dev/mqueue/locked: Permission denied"));
	assert_int_equal(o->used_bytes, -1);
	assert_true(o->has_mode);
	assert_int_equal(o->mode, 0);
	o = find_name(&s, KIND_POSIX_MQ, "/open");
	assert_non_null(o);
	assert_null(o->partial);
	assert_int_equal(o->used_bytes, 2);
	snapshot_release(&s);

	unlinkat(rfd, "dev/mqueue/locked", 0);
	unlinkat(rfd, "dev/mqueue/open", 0);
	unlinkat(rfd, "dev/mqueue", AT_REMOVEDIR);
	unlinkat(rfd, "dev", AT_REMOVEDIR);
	unlinkat(rfd, "proc/self/mounts", 0);
	unlinkat(rfd, "proc/self", AT_REMOVEDIR);
	unlinkat(rfd, "proc", AT_REMOVEDIR);
	close(rfd);
	assert_int_equal(rmdir(root), 0);
}

/* glibc's sem_open makes a semaphore as a temporary sem.XXXXXX (six of [A-Za-z0-9]),
 * written, then linked to its name and unlinked. A tree made here (ctimes must be fresh)
 * holds the temporary's two telling states next to real semaphores that look alike. */
static void sem_temporaries(void **state)
{
	static const char *const names[] = {"sem.Ab3dE9", "sem.Qw12Zx", "sem.job", "sem.abcdef",
					    "sem.abc-ef", "sem.Abcdefg", "sem.Xy12Zq"};
	char root[] = "/tmp/ipcscope-posix-XXXXXX", body[sizeof(sem_t) + 1];
	struct snapshot s;
	struct scan_ctx ctx;
	int rfd;

	(void)state;
	memset(body, 'v', sizeof(sem_t));
	body[sizeof(sem_t)] = '\0';
	assert_non_null(mkdtemp(root));
	rfd = open(root, O_RDONLY | O_DIRECTORY);
	assert_true(rfd >= 0);
	assert_int_equal(mkdirat(rfd, "dev", 0755), 0);
	assert_int_equal(mkdirat(rfd, "dev/shm", 01777), 0);
	write_file(rfd, "dev/shm/sem.Ab3dE9", "", 0600);      /* made, not yet written */
	write_file(rfd, "dev/shm/sem.Qw12Zx", body, 0600);    /* written and linked: */
	assert_int_equal(linkat(rfd, "dev/shm/sem.Qw12Zx", rfd, "dev/shm/sem.job", 0), 0);
	write_file(rfd, "dev/shm/sem.abcdef", body, 0600);    /* a real "/abcdef" */
	write_file(rfd, "dev/shm/sem.abc-ef", "", 0600);      /* no temporary's name */
	write_file(rfd, "dev/shm/sem.Abcdefg", "", 0600);     /* seven: no temporary's name */
	write_file(rfd, "dev/shm/sem.Xy12Zq", body, 0600);    /* written, not yet linked */

	snapshot_init(&s);
	assert_int_equal(scan_ctx_init(&ctx, root, KIND_BIT(KIND_POSIX_SEM)), 0);
	scan_run(&ctx, &s);
	scan_ctx_release(&ctx);
	assert_null(find_name(&s, KIND_POSIX_SEM, "/Ab3dE9"));
	assert_null(find_name(&s, KIND_POSIX_SEM, "/Qw12Zx"));
	assert_non_null(find_name(&s, KIND_POSIX_SEM, "/job"));
	assert_non_null(find_name(&s, KIND_POSIX_SEM, "/abcdef"));
	assert_non_null(find_name(&s, KIND_POSIX_SEM, "/abc-ef"));
	assert_non_null(find_name(&s, KIND_POSIX_SEM, "/Abcdefg"));
	/* Between write and link it looks like a semaphore; a tree does not move: listed. */
	assert_non_null(find_name(&s, KIND_POSIX_SEM, "/Xy12Zq"));
	assert_int_equal(count_kind(&s, KIND_POSIX_SEM), 5);
	snapshot_release(&s);

	/* The same rule by its inputs: a state a temporary passes through, and a fresh ctime. */
	{
		struct stat st = {.st_size = 0, .st_nlink = 1};

		st.st_ctim.tv_sec = 1000;
		assert_int_equal(posix_sem_temporary("sem.Ab3dE9", &st, 1000), SEM_TEMP);
		assert_int_equal(posix_sem_temporary("sem.Ab3dE9", &st, 1004), SEM_TEMP);
		/* changed 5 s ago: a leftover, listed */
		assert_int_equal(posix_sem_temporary("sem.Ab3dE9", &st, 1005), SEM_NOT_TEMP);
		st.st_size = sizeof(sem_t);
		/* written, one link: a semaphore, or a temporary about to be linked */
		assert_int_equal(posix_sem_temporary("sem.Ab3dE9", &st, 1000), SEM_MAYBE_TEMP);
		st.st_nlink = 2;
		assert_int_equal(posix_sem_temporary("sem.Ab3dE9", &st, 1000), SEM_TEMP);
		assert_int_equal(posix_sem_temporary("sem.Ab3dE", &st, 1000), SEM_NOT_TEMP);
		assert_int_equal(posix_sem_temporary("sem.Ab3dE_", &st, 1000), SEM_NOT_TEMP);
		assert_int_equal(posix_sem_temporary("shm.Ab3dE9", &st, 1000), SEM_NOT_TEMP);
	}

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char path[64];

		snprintf(path, sizeof(path), "dev/shm/%s", names[i]);
		unlinkat(rfd, path, 0);
	}
	unlinkat(rfd, "dev/shm", AT_REMOVEDIR);
	unlinkat(rfd, "dev", AT_REMOVEDIR);
	close(rfd);
	assert_int_equal(rmdir(root), 0);
}

/* Closing a queue descriptor drops the notification the closing process registered, so a
 * scan must not open and close a queue its own process holds: it reads it through the
 * descriptor it has. Only a queue of this process can show it; the registration is still
 * there when a second one fails with EBUSY. */
static void own_queue_name(char *buf, size_t len, int oflag)
{
	snprintf(buf, len, "/ipcscope-test-%d-notify%d", (int)getpid(), oflag);
}

static void own_queue(int oflag, bool readable)
{
	struct mq_attr attr = {.mq_maxmsg = 2, .mq_msgsize = 16};
	struct sigevent ev = {.sigev_notify = SIGEV_NONE};
	struct ipc_object *o;
	struct scan_ctx ctx;
	struct snapshot s;
	char name[64];
	mqd_t q;

	own_queue_name(name, sizeof(name), oflag);
	q = mq_open(name, O_CREAT | O_EXCL | oflag, 0600, &attr);
	assert_true(q != (mqd_t)-1);
	if (oflag != O_RDONLY)
		assert_int_equal(mq_send(q, "hello", 5, 0), 0);
	assert_int_equal(mq_notify(q, &ev), 0);

	snapshot_init(&s);
	assert_int_equal(scan_ctx_init(&ctx, NULL, KIND_BIT(KIND_POSIX_MQ)), 0);
	assert_true(ctx.live);
	/* this collector alone: the process side would walk every process of the host */
	assert_int_equal(posix_mq_collector.collect(&ctx, &s), 0);
	scan_ctx_release(&ctx);
	o = find_name(&s, KIND_POSIX_MQ, name);
	assert_non_null(o);
	assert_int_equal(obj_ipc(o)->max_messages, 2);
	assert_int_equal(obj_ipc(o)->msgsize, 16);
	assert_int_equal(o->size, 32);
	assert_int_equal(obj_ipc(o)->messages, oflag != O_RDONLY);
	if (readable) {
		assert_null(o->partial);
		assert_int_equal(o->used_bytes, oflag != O_RDONLY ? 5 : 0);
		assert_int_equal(obj_ipc(o)->notify, SIGEV_NONE);
		assert_int_equal(obj_ipc(o)->notify_pid.pid, getpid());
	} else {
		assert_non_null(o->partial);
		assert_non_null(strstr(o->partial, "not read: this process holds the queue write-only"));
		assert_int_equal(o->used_bytes, -1);
	}
	snapshot_release(&s);

	errno = 0;
	assert_int_equal(mq_notify(q, &ev), -1);
	assert_int_equal(errno, EBUSY);
	mq_close(q);
	mq_unlink(name);
}

static void own_notification(void **state)
{
	struct statfs sfs;

	(void)state;
	if (statfs("/dev/mqueue", &sfs) < 0 || sfs.f_type != 0x19800202) {
		print_message("SKIP: /dev/mqueue is not mounted\n");
		skip();
	}
	own_queue(O_RDONLY, true);
	own_queue(O_RDWR, true);
	own_queue(O_WRONLY, false);
}

/* A failed assertion leaves own_queue at once: remove its queues here. */
static int own_queues_remove(void **state)
{
	static const int flags[] = {O_RDONLY, O_RDWR, O_WRONLY};
	char name[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		own_queue_name(name, sizeof(name), flags[i]);
		mq_unlink(name);
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_status),
		cmocka_unit_test(real_tree),
		cmocka_unit_test(kinds_asked_for),
		cmocka_unit_test(broken_tree),
		cmocka_unit_test(not_mounted),
		cmocka_unit_test(queue_after_listing),
		cmocka_unit_test(no_directories),
		cmocka_unit_test(unreadable_entry),
		cmocka_unit_test(sem_temporaries),
		cmocka_unit_test_teardown(own_notification, own_queues_remove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
