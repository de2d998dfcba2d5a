/* test_procfd.c - the process side (procfd.c, procmaps.c) on fixture trees: a capture with
 * pipes, sockets, a queue, a shm file and SysV attaches; broken links, fdinfo and maps; a
 * FIFO and a /dev/shm mapping made in a copy at run time (git stores neither a FIFO nor an
 * inode); and a process the scanner may not read, scanned as an unprivileged user. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collectors/fdkinds.h"
#include "collectors/procfd.h"
#include "core/fdkind.h"
#include "core/kinds.h"
#include "core/object.h"
#include "core/util.h"
#include "fixture.h"

static struct ipc_object *find(struct snapshot *s, const char *identity)
{
	return snapshot_find_identity(s, identity);
}

/* The holder of o for pid and fd (fd -1: the mapping holder), or NULL. */
static const struct ipc_holder *holder(const struct ipc_object *o, pid_t pid, int fd)
{
	for (size_t i = 0; o && i < o->nholders; i++)
		if (o->holders[i].pid == pid && o->holders[i].fd == fd)
			return &o->holders[i];
	return NULL;
}

static size_t count_errors(const struct snapshot *s, const char *text)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nerrs; i++)
		n += strstr(s->errs[i].message, text) != NULL;
	return n;
}

static size_t count_kind(const struct snapshot *s, enum ipc_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nobjs; i++)
		n += s->objs[i]->kind == k;
	return n;
}

static void real_capture(void **state)
{
	struct snapshot s;
	struct ipc_object *o;
	const struct ipc_holder *h;

	(void)state;
	assert_int_equal(fixture_scan("proc-real", KINDS_ALL, false, &s), 0);

	/* A pipe between two processes: one writer, one reader, each with its fd and access. */
	o = find(&s, "pipe:5001");
	assert_non_null(o);
	assert_int_equal(o->kind, KIND_PIPE);
	assert_int_equal(o->inode, 5001);
	assert_int_equal(o->nholders, 2);
	h = holder(o, 4100, 1);
	assert_non_null(h);
	assert_string_equal(h->comm, "server");
	assert_int_equal(h->access, ACC_W);
	assert_null(h->map);
	h = holder(o, 4101, 0);
	assert_non_null(h);
	assert_string_equal(h->comm, "client");
	assert_int_equal(h->access, ACC_R); /* flags 0100000: O_LARGEFILE, read only */
	assert_int_equal(o->flags & OBJ_HALF_OPEN, 0);
	/* Fill levels need the running system: absent, and no complaint on a fixture. */
	assert_int_equal(o->size, -1);
	assert_int_equal(o->used_bytes, -1);
	assert_null(o->partial);

	/* Writers and no reader. */
	assert_true(find(&s, "pipe:5002")->flags & OBJ_HALF_OPEN);
	assert_true(find(&s, "pipe:5003")->flags & OBJ_HALF_OPEN);
	assert_int_equal(count_kind(&s, KIND_PIPE), 3);

	/* Sockets joined by inode; their access is rw without any fdinfo read. */
	o = find(&s, "unix:62092");
	assert_non_null(o);
	h = holder(o, 4100, 4);
	assert_non_null(h);
	assert_int_equal(h->access, ACC_R | ACC_W);
	assert_int_equal(o->nholders, 1);
	assert_int_equal(holder(find(&s, "unix:62091"), 4101, 3)->access, ACC_R | ACC_W);
	assert_non_null(holder(find(&s, "tcp:62096"), 4101, 5));
	assert_non_null(holder(find(&s, "tcp:62097"), 4100, 6));
	assert_non_null(holder(find(&s, "udp:62098"), 4100, 11));
	assert_int_equal(find(&s, "tcp:1054")->nholders, 0);
	/* socket:[99999] is in no table: counted, not listed. */
	assert_null(snapshot_find_inode(&s, -1, 99999));
	assert_int_equal(count_errors(&s, "1 sockets held through fds are in no socket table"), 1);

	/* /dev/shm file open read-write: a holder on the posix-shm object by inode. */
	o = find(&s, "posix-shm:4026531841:/data");
	assert_non_null(o);
	h = holder(o, 4100, 9);
	assert_non_null(h);
	assert_int_equal(h->access, ACC_R | ACC_W);

	/* A queue known only through an fd (the tree's dev/mqueue is no mount), status read. */
	o = find(&s, "posix-mq:4026531839:/q1"); /* named in the IPC namespace */
	assert_non_null(o);
	assert_string_equal(o->name, "/q1");
	assert_int_equal(o->used_bytes, 24);
	assert_non_null(strstr(o->partial, "found through an fd"));
	h = holder(o, 4100, 10);
	assert_non_null(h);
	assert_int_equal(h->access, ACC_R); /* 04000: O_NONBLOCK, read only */

	/* SysV attaches: two adjacent areas of one attach are one holder; nattch agrees. */
	o = find(&s, "sysv-shm:4026531839:5");
	assert_non_null(o);
	assert_int_equal(o->nholders, 2);
	h = holder(o, 4100, -1);
	assert_non_null(h);
	assert_string_equal(h->map, "7f1c00000000-7f1c00200000");
	assert_int_equal(h->access, ACC_R | ACC_W);
	h = holder(o, 4101, -1);
	assert_non_null(h);
	assert_string_equal(h->map, "7f2000000000-7f2000200000");
	assert_int_equal(h->access, ACC_R);
	assert_null(o->partial);
	/* nattch 1 and nobody maps it: said, not hidden. */
	o = find(&s, "sysv-shm:4026531839:6");
	assert_non_null(o);
	assert_int_equal(o->nholders, 0);
	assert_non_null(strstr(o->partial, "nattch 1 but 0 attaches found"));

	/* An eventfd, by the id of its fdinfo; its count is hex there. */
	o = find(&s, "eventfd:12");
	assert_non_null(o);
	assert_true(obj_fdk(o)->has_count);
	assert_int_equal(obj_fdk(o)->count, 3);
	assert_false(obj_fdk(o)->has_semaphore); /* that line is not in this fdinfo */
	h = holder(o, 4100, 7);
	assert_non_null(h);
	assert_int_equal(h->access, ACC_R | ACC_W);

	/* The pid with nothing readable (4103) and non-pid entries are skipped silently. */
	assert_int_equal(count_errors(&s, "pid 4103"), 0);
	assert_int_equal(count_errors(&s, "pid "), 0);
	snapshot_release(&s);
}

static void kinds_filter(void **state)
{
	struct snapshot s;

	(void)state;
	/* Only pipes: sockets are not joined, mappings not read, no socket complaint. */
	assert_int_equal(fixture_scan("proc-real", KIND_BIT(KIND_PIPE), false, &s), 0);
	assert_int_equal(s.nobjs, 3);
	assert_int_equal(count_kind(&s, KIND_PIPE), 3);
	assert_int_equal(s.nerrs, 0);
	snapshot_release(&s);

	/* Only SysV shm: the mappings alone are read. */
	assert_int_equal(fixture_scan("proc-real", KIND_BIT(KIND_SYSV_SHM), false, &s), 0);
	assert_int_equal(s.nobjs, 2);
	assert_int_equal(find(&s, "sysv-shm:4026531839:5")->nholders, 2);
	snapshot_release(&s);
}

static void broken_tree(void **state)
{
	struct snapshot s;
	struct ipc_object *o;

	(void)state;
	assert_int_equal(fixture_scan("proc-broken", KINDS_ALL, false, &s), 0);
	/* pipe:[abc], pipe:[], an inode past 2^64 and a non-numeric fd name are ignored. */
	assert_int_equal(count_kind(&s, KIND_PIPE), 2);
	/* fd 3 has no fdinfo: gone since listed, so neither holder nor object. */
	assert_null(find(&s, "pipe:6001"));
	/* Garbled flags, or none: listed with unknown access, and the object says why. */
	o = find(&s, "pipe:6002");
	assert_non_null(o);
	assert_int_equal(o->holders[0].access, 0);
	assert_non_null(strstr(o->partial, "access of pid 500 fd 4 unknown"));
	assert_int_equal(o->flags & OBJ_HALF_OPEN, 0);
	assert_non_null(strstr(find(&s, "pipe:6004")->partial, "fd 8 unknown"));
	/* A socket needs no fdinfo. */
	assert_int_equal(holder(find(&s, "unix:7003"), 500, 7)->access, ACC_R | ACC_W);
	/* Bad maps lines counted once per process; the valid last line (no newline) joined. */
	assert_int_equal(count_errors(&s, "pid 500: 4 lines of its maps not understood"), 1);
	o = find(&s, "sysv-shm:4026531839:5");
	assert_int_equal(o->nholders, 1);
	assert_string_equal(o->holders[0].map, "7f1c00300000-7f1c00400000");
	assert_int_equal(o->holders[0].access, ACC_R);
	/* fd that is a file: one error; a dangling pid link and a pid without fd: nothing. */
	assert_int_equal(count_errors(&s, "pid 501: cannot read its fds"), 1);
	assert_int_equal(count_errors(&s, "pid 503"), 0);
	assert_int_equal(count_errors(&s, "pid 504"), 0);
	snapshot_release(&s);
}

/* A copy of a fixture tree in a fresh temporary directory, readable by everyone. */
static void copy_tree(const char *name, char *dir, size_t len)
{
	const char *fx = getenv("FIXTURES");
	char cmd[8192];

	snprintf(dir, len, "/tmp/ipcscope-test-procfd-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(cmd, sizeof(cmd), "cp -a '%s/%s/.' '%s/'", fx ? fx : "tests/fixtures", name, dir);
	assert_int_equal(system(cmd), 0);
}

static void remove_tree(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void put(const char *dir, const char *file, const char *text)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void link_fd(const char *dir, int pid, int fd, const char *target, const char *flags)
{
	char path[4200], text[128];

	snprintf(path, sizeof(path), "%s/proc/%d/fd/%d", dir, pid, fd);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof(path), "proc/%d/fdinfo/%d", pid, fd);
	snprintf(text, sizeof(text), "pos:\t0\nflags:\t%s\nmnt_id:\t15\n", flags);
	put(dir, path, text);
}

static int scan_dir(const char *root, unsigned kinds, struct snapshot *snap)
{
	struct scan_ctx ctx;
	int rc;

	snapshot_init(snap);
	rc = scan_ctx_init(&ctx, root, kinds);
	if (rc < 0)
		return rc;
	rc = scan_run(&ctx, snap);
	scan_ctx_release(&ctx);
	return rc;
}

static void fifo_and_shm_mapping(void **state)
{
	char dir[64], path[4200], maps[512], identity[96];
	struct snapshot s;
	struct stat st, shm;
	struct ipc_object *o;

	(void)state;
	copy_tree("proc-real", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/run", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/run/f1", dir);
	assert_int_equal(mkfifo(path, 0620), 0);
	assert_int_equal(chmod(path, 0620), 0); /* past the umask */
	assert_int_equal(stat(path, &st), 0);
	link_fd(dir, 4102, 5, "/run/f1", "0100000");
	link_fd(dir, 4101, 6, "/run/f1", "01");
	link_fd(dir, 4101, 7, "/run/f1", "02");
	link_fd(dir, 4101, 8, "/run/gone (deleted)", "0");
	/* The shm file's mapping names its device and inode, which only the checkout knows
	 * (mappings join by both: every tmpfs numbers its files from 1). */
	snprintf(path, sizeof(path), "%s/dev/shm/data", dir);
	assert_int_equal(stat(path, &shm), 0);
	snprintf(maps, sizeof(maps),
		 "7f2000000000-7f2000200000 r--s 00000000 00:01 5    /SYSV0000162e (deleted)\n"
		 "7f3000000000-7f3000001000 rw-s 00000000 %02x:%02x %llu    /dev/shm/data\n",
		 major(shm.st_dev), minor(shm.st_dev), (unsigned long long)shm.st_ino);
	put(dir, "proc/4101/maps", maps);

	assert_int_equal(scan_dir(dir, KINDS_ALL, &s), 0);
	snprintf(identity, sizeof(identity), "fifo:%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	o = find(&s, identity);
	assert_non_null(o);
	assert_int_equal(o->kind, KIND_FIFO);
	assert_string_equal(o->name, "/run/f1");
	assert_int_equal(o->inode, st.st_ino);
	assert_int_equal(o->mode, 0620);
	assert_true(o->has_owner);
	assert_int_equal(o->nholders, 3);
	assert_int_equal(holder(o, 4102, 5)->access, ACC_R);
	assert_int_equal(holder(o, 4101, 6)->access, ACC_W);
	assert_int_equal(holder(o, 4101, 7)->access, ACC_R | ACC_W);
	assert_int_equal(o->flags & OBJ_HALF_OPEN, 0);
	assert_int_equal(count_kind(&s, KIND_FIFO), 1); /* the deleted one is not in the tree */

	o = find(&s, "posix-shm:4026531841:/data");
	assert_non_null(o);
	assert_int_equal(o->nholders, 2);
	assert_string_equal(holder(o, 4101, -1)->map, "7f3000000000-7f3000001000");
	assert_int_equal(holder(o, 4101, -1)->access, ACC_R | ACC_W);
	snapshot_release(&s);
	remove_tree(dir);
}

/* Held without a name: a semaphore unlinked while mapped (by two processes, as a
 * multiprocessing.Lock and its child), a shm file unlinked while a new one took its name,
 * and a memfd held through an fd and a mapping of each of two processes, and one through
 * mappings only. Lines as the kernel writes them; the memfd's file stands at the link's
 * text in the tree, as the fd would lead to it on the live system. */
static void deleted_and_memfd(void **state)
{
	char dir[64], path[4200], maps[1024], identity[160];
	struct snapshot s;
	struct stat shm, mfd;
	struct ipc_object *o;

	(void)state;
	copy_tree("proc-real", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/dev/shm/data", dir);
	assert_int_equal(stat(path, &shm), 0);
	put(dir, "memfd:wayland-shm (deleted)", "0123456789");
	snprintf(path, sizeof(path), "%s/memfd:wayland-shm (deleted)", dir);
	assert_int_equal(stat(path, &mfd), 0);
	link_fd(dir, 4101, 9, "/memfd:wayland-shm (deleted)", "0100002");
	snprintf(maps, sizeof(maps),
		 "7f4000000000-7f4000001000 rw-s 00000000 00:1a 77    /dev/shm/sem.mp-x1 (deleted)\n"
		 "7f4100000000-7f4100001000 rw-s 00000000 %02x:%02x %llu    /dev/shm/data (deleted)\n"
		 "7f4200000000-7f4200001000 r--s 00000000 %02x:%02x %llu    /memfd:wayland-shm (deleted)\n"
		 "7f4300000000-7f4300001000 r--s 00000000 00:01 4242    /memfd:only-mapped (deleted)\n",
		 major(shm.st_dev), minor(shm.st_dev), (unsigned long long)shm.st_ino + 1000,
		 major(mfd.st_dev), minor(mfd.st_dev), (unsigned long long)mfd.st_ino);
	put(dir, "proc/4101/maps", maps);
	put(dir, "proc/4102/maps",
	    "7f5000000000-7f5000001000 rw-s 00000000 00:1a 77    /dev/shm/sem.mp-x1 (deleted)\n");

	assert_int_equal(scan_dir(dir, KINDS_ALL, &s), 0);
	o = find(&s, "posix-sem:4026531841:/mp-x1:deleted:26:77");
	assert_non_null(o);
	assert_int_equal(o->kind, KIND_POSIX_SEM);
	assert_true(o->flags & OBJ_DELETED);
	assert_string_equal(o->name, "/mp-x1");
	assert_int_equal(o->size, -1); /* no fd: unknown */
	assert_int_equal(o->nholders, 2);
	assert_non_null(holder(o, 4101, -1));
	assert_non_null(holder(o, 4102, -1));

	/* The listed /dev/shm/data stays itself; the unlinked one of that name is another. */
	o = find(&s, "posix-shm:4026531841:/data");
	assert_non_null(o);
	assert_int_equal(o->flags & OBJ_DELETED, 0);
	snprintf(identity, sizeof(identity), "posix-shm:4026531841:/data:deleted:%llu:%llu",
		 (unsigned long long)shm.st_dev, (unsigned long long)shm.st_ino + 1000);
	o = find(&s, identity);
	assert_non_null(o);
	assert_true(o->flags & OBJ_DELETED);
	assert_int_equal(o->nholders, 1);

	snprintf(identity, sizeof(identity), "memfd:%llu:%llu", (unsigned long long)mfd.st_dev,
		 (unsigned long long)mfd.st_ino);
	o = find(&s, identity);
	assert_non_null(o);
	assert_int_equal(o->kind, KIND_MEMFD);
	assert_string_equal(o->name, "wayland-shm");
	assert_int_equal(o->size, 10);
	assert_int_equal(obj_ipc(o)->seals, -1); /* F_GET_SEALS needs the running system */
	assert_int_equal(o->nholders, 2);
	assert_int_equal(holder(o, 4101, 9)->access, ACC_R | ACC_W);
	assert_int_equal(holder(o, 4101, -1)->access, ACC_R);
	assert_null(o->partial);

	o = find(&s, "memfd:1:4242");
	assert_non_null(o);
	assert_string_equal(o->name, "only-mapped");
	assert_int_equal(o->size, -1);
	assert_non_null(o->partial);
	assert_int_equal(count_kind(&s, KIND_MEMFD), 2);
	snapshot_release(&s);

	/* Asked for other kinds, none of these is made. */
	assert_int_equal(scan_dir(dir, KIND_BIT(KIND_PIPE), &s), 0);
	assert_int_equal(count_kind(&s, KIND_MEMFD) + count_kind(&s, KIND_POSIX_SEM), 0);
	snapshot_release(&s);
	remove_tree(dir);
}

/* Scanned as nobody, a process whose fd directory only root may read is reported once,
 * and the scan goes on to the others. The child reports through its exit status. */
static void unreadable_process(void **state)
{
	char dir[64], path[4200];
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0) {
		skip();
		return;
	}
	copy_tree("proc-real", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/proc/4100/fd", dir);
	assert_int_equal(chmod(path, 0500), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct snapshot s;
		int bad = 0;

		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(90);
		if (scan_dir(dir, KINDS_ALL, &s) != 0)
			_exit(91);
		bad |= count_errors(&s, "pid 4100 (server, uid 0): Permission denied: its fds not read") != 1;
		bad |= (count_errors(&s, "pid ") != 1) << 1;
		/* The other processes are read all the same. */
		bad |= (snapshot_find_identity(&s, "pipe:5001")->nholders != 1) << 2;
		bad |= (!holder(snapshot_find_identity(&s, "pipe:5001"), 4101, 0)) << 3;
		/* Its mappings are not read either, so the segment's count cannot agree. */
		bad |= (!strstr(snapshot_find_identity(&s, "sysv-shm:4026531839:5")->partial,
				"could not be read")) << 4;
		/* A pipe seen from one side only may have its other end there. */
		bad |= (!strstr(snapshot_find_identity(&s, "pipe:5003")->partial ?
				snapshot_find_identity(&s, "pipe:5003")->partial : "",
				"could not be read")) << 5;
		snapshot_release(&s);
		_exit(bad);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	remove_tree(dir);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void parsers(void **state)
{
	struct maps_line m;
	unsigned access;
	uint64_t ino = 0;
	uint32_t key;
	char line[256];

	(void)state;
	assert_int_equal(procfd_classify_link("pipe:[123]", &ino), 'p');
	assert_int_equal(ino, 123);
	assert_int_equal(procfd_classify_link("socket:[4026531993]", &ino), 's');
	assert_int_equal(ino, 4026531993ULL);
	assert_int_equal(procfd_classify_link("pipe:[0]", &ino), 0);
	assert_int_equal(procfd_classify_link("pipe:[12", &ino), 0);
	assert_int_equal(procfd_classify_link("socket:[-1]", &ino), 0);
	assert_int_equal(procfd_classify_link("anon_inode:[eventfd]", &ino), 0);
	assert_int_equal(procfd_classify_link("/dev/null", &ino), 0);
	assert_int_equal(procfd_classify_link("/dev/pts/3", &ino), 0);
	assert_int_equal(procfd_classify_link("/proc/1/status", &ino), 0);
	assert_int_equal(procfd_classify_link("/memfd:x (deleted)", &ino), 0);
	assert_int_equal(procfd_classify_link("/tmp/fifo", &ino), 'f');
	assert_int_equal(procfd_classify_link("/dev/shm/x", &ino), 'f');
	assert_int_equal(procfd_classify_link("/myqueue", &ino), 'f');
	assert_int_equal(procfd_classify_link("/dev/xconsole", &ino), 'f'); /* a FIFO on Debian */

	assert_int_equal(procfd_parse_fdinfo_flags("pos:\t0\nflags:\t02004002\n", &access), 0);
	assert_int_equal(access, ACC_R | ACC_W);
	assert_int_equal(procfd_parse_fdinfo_flags("flags:\t01\n", &access), 0);
	assert_int_equal(access, ACC_W);
	assert_int_equal(procfd_parse_fdinfo_flags("flags:\t010000000\n", &access), 0); /* O_PATH */
	assert_int_equal(access, 0);
	assert_int_equal(procfd_parse_fdinfo_flags("flags:\t03\n", &access), -EINVAL);
	assert_int_equal(procfd_parse_fdinfo_flags("flags:\t09\n", &access), -EINVAL);
	assert_int_equal(procfd_parse_fdinfo_flags("pos: 0\n", &access), -EINVAL);
	assert_int_equal(procfd_parse_fdinfo_flags("", &access), -EINVAL);

	snprintf(line, sizeof(line), "7f1c00000000-7f1c00100000 rw-s 00000000 00:01 32772   /SYSV00000000 (deleted)");
	assert_int_equal(procmaps_parse_line(line, &m), 0);
	assert_int_equal(m.start, 0x7f1c00000000ULL);
	assert_int_equal(m.end, 0x7f1c00100000ULL);
	assert_int_equal(m.access, ACC_R | ACC_W);
	assert_true(m.shared);
	assert_int_equal(m.ino, 32772);
	assert_string_equal(m.path, "/SYSV00000000 (deleted)");
	assert_int_equal(procmaps_sysv_key(m.path, &key), 0);
	assert_int_equal(key, 0);
	snprintf(line, sizeof(line), "7ffd5a1e0000-7ffd5a201000 rw-p 00000000 00:00 0 ");
	assert_int_equal(procmaps_parse_line(line, &m), 0);
	assert_null(m.path);
	snprintf(line, sizeof(line), "7ffd5a1e0000 rw-p 00000000 00:00 0");
	assert_int_equal(procmaps_parse_line(line, &m), -EINVAL);
	snprintf(line, sizeof(line), "7ffd5a1e0000-7ffd5a201000 rw-p 00000000 00:00 x1");
	assert_int_equal(procmaps_parse_line(line, &m), -EINVAL);
	assert_int_equal(procmaps_sysv_key("/SYSV0000162e", &key), 0);
	assert_int_equal(key, 0x162e);
	assert_int_equal(procmaps_sysv_key("/SYSV0000162e (gone)", &key), -EINVAL);
	assert_int_equal(procmaps_sysv_key("/SYSV162e", &key), -EINVAL);
	assert_int_equal(procmaps_sysv_key("/dev/shm/x", &key), -EINVAL);
}

/* The join table: many keys of several kinds, growth, and keys that differ only by kind or dev. */
/* fdinfo of eventfds and signalfds, status's signal sets and their names. */
static void fdkind_parsers(void **state)
{
	struct ipc_object *o = object_new(KIND_SIGNAL, "signal:1");
	uint64_t mask = 0;
	char buf[128];

	(void)state;
	assert_int_equal(fdkinds_parse_eventfd("pos:\t0\nflags:\t02\neventfd-count:               ff\n"
					       "eventfd-id: 7\neventfd-semaphore: 1\n", o), 0);
	assert_int_equal(obj_fdk(o)->count, 255);
	assert_int_equal(obj_fdk(o)->id, 7);
	assert_true(obj_fdk(o)->has_semaphore && obj_fdk(o)->semaphore);
	assert_int_equal(fdkinds_parse_eventfd("flags:\t02\n", o), -EINVAL);
	assert_int_equal(fdkinds_parse_sigmask("pos:\t0\nsigmask:\t0000001000000200\n", &mask), 0);
	sigset_names(mask, buf, sizeof(buf));
	assert_string_equal(buf, "SIGUSR1,SIGRTMIN+3");
	assert_int_equal(fdkinds_parse_sigmask("sigmask:\tzz\n", &mask), -EINVAL);
	assert_int_equal(fdkinds_parse_status("Name:\tx\nSigQ:\t5/96365\nSigPnd:\t0000000000000800\n"
					      "ShdPnd:\t0000000200000200\nSigBlk:\t8000000000000000\n"
					      "SigIgn:\t0000000000000000\nSigCgt:\t0000000180000000\n", o), 0);
	assert_int_equal(obj_fdk(o)->queued, 5);
	assert_int_equal(obj_fdk(o)->qlimit, 96365);
	sigset_names(obj_fdk(o)->shdpnd, buf, sizeof(buf));
	assert_string_equal(buf, "SIGUSR1,SIGRTMIN");
	sigset_names(obj_fdk(o)->blk, buf, sizeof(buf));
	assert_string_equal(buf, "SIGRTMAX");
	sigset_names(obj_fdk(o)->cgt, buf, sizeof(buf)); /* glibc's own two */
	assert_string_equal(buf, "SIG32,SIG33");
	sigset_names(0, buf, sizeof(buf));
	assert_string_equal(buf, "");
	assert_int_equal(fdkinds_parse_status("Name:\tx\nSigQ:\t5/96365\n", o), -EINVAL);
	object_free(o);
}

/* Shared mappings (kind mmap) on tests/fixtures/proc-mmap: maps lines as the kernel writes
 * them for MAP_SHARED|MAP_ANONYMOUS ("/dev/zero (deleted)"), MAP_HUGETLB, a region named
 * with PR_SET_VMA, a file mapped by both processes, one unlinked since, a device; SysV,
 * /dev/shm and memfd mappings, which are other kinds; private mappings; and a process whose
 * maps are malformed, with a region only it maps (twice). */
static void mmap_shared(void **state)
{
	struct snapshot s;
	struct ipc_object *o;
	const struct ipc_holder *h;

	(void)state;
	assert_int_equal(fixture_scan("proc-mmap", KIND_BIT(KIND_MMAP), false, &s), 0);
	assert_int_equal(count_kind(&s, KIND_MMAP), 5);
	assert_int_equal(s.nobjs, 5); /* nothing of the other kinds */
	assert_int_equal(count_errors(&s, "pid 5102: 5 lines of its maps not understood"), 1);
	assert_int_equal(count_errors(&s, "pid 5100"), 0);

	/* Two adjacent areas of one region are one holder; access from the perms column. */
	o = find(&s, "mmap:1:3001");
	assert_non_null(o);
	assert_string_equal(obj_ipc(o)->backing, "anon");
	assert_null(o->name);
	assert_int_equal(o->inode, 3001);
	assert_int_equal(o->dev, 1);
	assert_int_equal(o->nholders, 2);
	h = holder(o, 5100, -1);
	assert_non_null(h);
	assert_string_equal(h->map, "7f1000000000-7f1000004000");
	assert_int_equal(h->access, ACC_R | ACC_W);
	assert_string_equal(h->comm, "writer");
	h = holder(o, 5101, -1);
	assert_non_null(h);
	assert_int_equal(h->access, ACC_R);
	/* No map_files in a fixture: the size is the largest mapping's, and it says so. */
	assert_int_equal(o->size, 0x4000);
	assert_int_equal(obj_ipc(o)->rss, -1);
	assert_non_null(o->partial);
	assert_true(o->flags & OBJ_PARTIAL);

	o = find(&s, "mmap:65024:4001");
	assert_non_null(o);
	assert_string_equal(obj_ipc(o)->backing, "file");
	assert_string_equal(o->name, "/srv/data.bin");
	assert_int_equal(o->size, 10000);
	assert_true(o->has_owner);
	assert_true(o->has_mode);
	assert_null(o->partial);
	assert_int_equal(o->flags & OBJ_DELETED, 0);
	assert_int_equal(o->inode, 4001); /* the maps', not the fixture file's */
	assert_int_equal(o->nholders, 3); /* the private mapping of 5100 is none */
	assert_int_equal(holder(o, 5100, -1)->access, ACC_R | ACC_W);
	{
		/* Two mappings of 5101, apart: two holders, in the order of its maps. */
		const char *maps[2] = {NULL, NULL};
		size_t n = 0;

		for (size_t i = 0; i < o->nholders; i++)
			if (o->holders[i].pid == 5101 && n < 2)
				maps[n++] = o->holders[i].map;
		assert_int_equal(n, 2);
		assert_string_equal(maps[0], "7f2100000000-7f2100001000");
		assert_string_equal(maps[1], "7f2200000000-7f2200001000");
	}

	o = find(&s, "mmap:65024:4002");
	assert_non_null(o);
	assert_string_equal(o->name, "/srv/gone.bin");
	assert_true(o->flags & OBJ_DELETED);
	assert_int_equal(o->size, -1);
	assert_non_null(o->partial);

	o = find(&s, "mmap:15:5001");
	assert_non_null(o);
	assert_string_equal(obj_ipc(o)->backing, "anon");
	assert_int_equal(o->size, 0x200000);

	o = find(&s, "mmap:1:3002");
	assert_non_null(o);
	assert_string_equal(obj_ipc(o)->backing, "anon");
	assert_string_equal(o->name, "ring");

	/* The device, and the region only 5102 maps, are none. */
	assert_null(find(&s, "mmap:5:9"));
	assert_null(find(&s, "mmap:1:3003"));
	snapshot_release(&s);

	/* Not asked for: no mmap object, and the SysV attaches are still holders of nothing
	 * listed (no /proc/sysvipc in this tree). */
	assert_int_equal(fixture_scan("proc-mmap", KINDS_DEFAULT, false, &s), 0);
	assert_int_equal(count_kind(&s, KIND_MMAP), 0);
	snapshot_release(&s);
}

static void mmap_backing(void **state)
{
	static const struct {
		const char *line;
		char backing;
	} cases[] = {
		{"7f00-7f01 rw-s 00000000 00:01 5 /dev/zero (deleted)", 'a'},
		{"7f00-7f01 r--s 00000000 00:0f 5 /anon_hugepage (deleted)", 'a'},
		{"7f00-7f01 rw-s 00000000 00:01 5 [anon_shmem:x y]", 'a'},
		{"7f00-7f01 rw-s 00000000 00:01 5 [anon_shmem:open", 0},
		{"7f00-7f01 rw-p 00000000 00:01 5 /dev/zero (deleted)", 0},
		{"7f00-7f01 rw-s 00000000 00:01 0 /dev/zero (deleted)", 0},
		{"7f00-7f01 rw-s 00000000 fe:00 5 /srv/a file", 'f'},
		{"7f00-7f01 rw-s 00000000 fe:00 5 /srv/a (deleted)", 'f'},
		{"7f00-7f01 r-xp 00000000 fe:00 5 /usr/lib/libc.so.6", 0},
		{"7f00-7f01 rw-s 00000000 00:01 5 /SYSV0000162e (deleted)", 0},
		{"7f00-7f01 rw-s 00000000 00:1a 5 /dev/shm/x", 0},
		{"7f00-7f01 rw-s 00000000 00:1a 5 /dev/shm/sem.x (deleted)", 0},
		{"7f00-7f01 rw-s 00000000 00:01 5 /memfd:x (deleted)", 0},
		{"7f00-7f01 rw-s 00000000 00:00 5 [vvar]", 0},
		{"7f00-7f01 rw-s 00000000 00:00 0", 0},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char line[128];
		struct maps_line m;

		snprintf(line, sizeof(line), "%s", cases[i].line);
		assert_int_equal(procmaps_parse_line(line, &m), 0);
		if (mmapshare_backing(&m) != cases[i].backing)
			fail_msg("%s: backing '%c', expected '%c'", cases[i].line,
				 mmapshare_backing(&m) ? mmapshare_backing(&m) : '0',
				 cases[i].backing ? cases[i].backing : '0');
	}
}

static void join_table(void **state)
{
	struct join_tab t;

	(void)state;
	join_tab_init(&t);
	for (uint64_t i = 1; i <= 5000; i++)
		join_tab_get(&t, KIND_PIPE, 0, i, true)->filled = (i % 2) != 0;
	join_tab_get(&t, KIND_FIFO, 7, 42, true);
	assert_null(join_tab_get(&t, KIND_FIFO, 8, 42, false));
	assert_null(join_tab_get(&t, KIND_UNIX, 0, 42, false));
	for (uint64_t i = 1; i <= 5000; i++)
		assert_int_equal(join_tab_get(&t, KIND_PIPE, 0, i, false)->filled, (i % 2) != 0);
	assert_int_equal(t.n, 5001);
	join_tab_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_capture),
		cmocka_unit_test(kinds_filter),
		cmocka_unit_test(broken_tree),
		cmocka_unit_test(fifo_and_shm_mapping),
		cmocka_unit_test(deleted_and_memfd),
		cmocka_unit_test(unreadable_process),
		cmocka_unit_test(parsers),
		cmocka_unit_test(fdkind_parsers),
		cmocka_unit_test(join_table),
		cmocka_unit_test(mmap_shared),
		cmocka_unit_test(mmap_backing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
