/* test_locks.c - kind lock (collectors/locks.c) on fixture trees: a capture of /proc/locks
 * from this machine (FLOCK, POSIX, OFDLCK and LEASE with blocked waiters), one with nested
 * waiters, twin locks, old-kernel and lease lines, a malformed one, and a tree made at run
 * time whose fds and fdinfo "lock:" lines join paths and holders by device and inode (git
 * stores no inode, so /proc/locks is written once the files exist). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "collectors/locks.h"
#include "core/util.h"
#include "fixture.h"

#define LOCK_ONLY KIND_BIT(KIND_LOCK)

static struct ipc_object *find(struct snapshot *s, const char *identity)
{
	return snapshot_find_identity(s, identity);
}

static size_t count_kind(const struct snapshot *s, enum ipc_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nobjs; i++)
		n += s->objs[i]->kind == k;
	return n;
}

static const struct ipc_holder *holder(const struct ipc_object *o, pid_t pid, int fd)
{
	for (size_t i = 0; o && i < o->nholders; i++)
		if (o->holders[i].pid == pid && o->holders[i].fd == fd)
			return &o->holders[i];
	return NULL;
}

static void parse_lines(void **state)
{
	struct lock_line l;
	const char *why;
	static const char ofd[] = "2: OFDLCK ADVISORY  WRITE -1 fe:00:10961031 10 29";
	static const char waiter[] = "3:  -> FLOCK  ADVISORY  WRITE 12613 fe:00:10969490 0 EOF";
	static const char lease[] = "8: LEASE  BREAKING  UNLCK 78 08:01:43 0 EOF";

	(void)state;
	assert_int_equal(locks_parse_line(ofd, strlen(ofd), &l, &why), 0);
	assert_int_equal(l.ordinal, 2);
	assert_false(l.waiter);
	assert_string_equal(l.type, "ofd");
	assert_string_equal(l.mode, "write");
	assert_int_equal(l.pid, -1);
	assert_true(l.has_file);
	assert_int_equal(l.dev, makedev(0xfe, 0));
	assert_int_equal(l.ino, 10961031);
	assert_int_equal(l.start, 10);
	assert_int_equal(l.end, 29);
	assert_null(l.state);

	assert_int_equal(locks_parse_line(waiter, strlen(waiter), &l, &why), 0);
	assert_true(l.waiter);
	assert_int_equal(l.pid, 12613);
	assert_int_equal(l.end, -1);

	assert_int_equal(locks_parse_line(lease, strlen(lease), &l, &why), 0);
	assert_string_equal(l.type, "lease");
	assert_string_equal(l.state, "breaking");
	assert_string_equal(l.mode, "none");
	assert_int_equal(l.dev, makedev(8, 1));

	/* Not NUL-terminated: only len bytes count ("10 2": an end before the start). */
	assert_int_equal(locks_parse_line(ofd, strlen(ofd) - 1, &l, &why), -EINVAL);
	assert_string_equal(why, "bad start or end");
	assert_int_equal(locks_parse_line(ofd, 0, &l, &why), -EINVAL);
	assert_non_null(why);
}

/* The capture: every field of each lock, and the waiters under theirs. */
static void real_capture(void **state)
{
	struct snapshot s;
	struct ipc_object *o;

	(void)state;
	assert_int_equal(fixture_scan("locks-real", LOCK_ONLY, false, &s), 0);
	assert_int_equal(count_kind(&s, KIND_LOCK), 5);
	assert_int_equal(s.nerrs, 0);

	o = find(&s, "lock:lease:65024:10961032:0-eof:8399");
	assert_non_null(o);
	assert_string_equal(obj_lock(o)->type, "lease");
	assert_string_equal(obj_lock(o)->state, "active");
	assert_string_equal(obj_lock(o)->mode, "read");
	assert_int_equal(obj_lock(o)->start, 0);
	assert_int_equal(obj_lock(o)->end, -1);
	assert_int_equal(obj_lock(o)->pid.pid, 8399);
	assert_string_equal(obj_lock(o)->pid.comm, "python3");
	assert_false(obj_lock(o)->pid.gone);
	assert_int_equal(o->dev, makedev(0xfe, 0));
	assert_int_equal(o->inode, 10961032);
	assert_int_equal(obj_lock(o)->nwaiting, 0);
	/* No fd in the tree is on the file: no path, and that is said, not guessed. */
	assert_null(o->name);
	assert_non_null(strstr(o->partial, "path unknown"));

	o = find(&s, "lock:ofd:65024:10961031:10-29");
	assert_non_null(o);
	assert_string_equal(obj_lock(o)->type, "ofd");
	assert_null(obj_lock(o)->state);
	assert_false(obj_lock(o)->mandatory);
	assert_int_equal(obj_lock(o)->start, 10);
	assert_int_equal(obj_lock(o)->end, 29);
	assert_int_equal(obj_lock(o)->pid.pid, 0); /* none in /proc/locks, and no fd showed it */
	assert_non_null(strstr(o->partial, "holder unknown"));

	o = find(&s, "lock:posix:65024:10961030:0-99:8399");
	assert_non_null(o);
	assert_string_equal(obj_lock(o)->mode, "write");
	assert_int_equal(obj_lock(o)->nwaiting, 1);
	assert_int_equal(obj_lock(o)->nblocked, 1);
	assert_int_equal(obj_lock(o)->blocked[0].pid, 8482);
	assert_true(obj_lock(o)->blocked[0].gone); /* not in the tree */
	o = find(&s, "lock:posix:65024:10961030:200-eof:8399");
	assert_non_null(o);
	assert_string_equal(obj_lock(o)->mode, "read");
	assert_int_equal(obj_lock(o)->nwaiting, 0);

	o = find(&s, "lock:flock:65024:10961024:0-eof:8399");
	assert_non_null(o);
	assert_int_equal(obj_lock(o)->nblocked, 1);
	assert_int_equal(obj_lock(o)->blocked[0].pid, 8481);
	assert_string_equal(obj_lock(o)->blocked[0].comm, "waiter");
	snapshot_release(&s);
}

/* Waiters of waiters, twin locks, an OFD waiter without a pid, mandatory, breaking leases,
 * delegations. */
static void nested_and_twins(void **state)
{
	struct snapshot s;
	struct ipc_object *o;

	(void)state;
	assert_int_equal(fixture_scan("locks-nested", LOCK_ONLY, false, &s), 0);
	assert_int_equal(count_kind(&s, KIND_LOCK), 10);
	assert_int_equal(s.nerrs, 0);
	o = find(&s, "lock:flock:65024:10969490:0-eof:12609");
	assert_non_null(o);
	assert_int_equal(obj_lock(o)->nwaiting, 2);
	assert_int_equal(obj_lock(o)->nblocked, 2);
	assert_int_equal(obj_lock(o)->blocked[0].pid, 12610);
	assert_int_equal(obj_lock(o)->blocked[1].pid, 12613);
	/* One process flocking a file through two opens: two locks alike, numbered. */
	assert_non_null(find(&s, "lock:flock:65024:10965367:0-eof:9758"));
	assert_non_null(find(&s, "lock:flock:65024:10965367:0-eof:9758#2"));
	assert_non_null(find(&s, "lock:ofd:65024:10965380:0-eof"));
	o = find(&s, "lock:ofd:65024:10965380:0-eof#2");
	assert_non_null(o);
	assert_int_equal(obj_lock(o)->nwaiting, 1); /* counted ... */
	assert_int_equal(obj_lock(o)->nblocked, 0); /* ... but an OFD request names no process */
	o = find(&s, "lock:posix:2049:42:0-0:77");
	assert_non_null(o);
	assert_true(obj_lock(o)->mandatory);
	assert_int_equal(obj_lock(o)->end, 0);
	o = find(&s, "lock:lease:2049:43:0-eof:78");
	assert_non_null(o);
	assert_string_equal(obj_lock(o)->state, "breaking");
	assert_string_equal(obj_lock(o)->mode, "none");
	o = find(&s, "lock:delegation:47:44:0-eof:79");
	assert_non_null(o);
	assert_string_equal(obj_lock(o)->state, "active");
	snapshot_release(&s);
}

/* Garbage, truncation, huge numbers, missing and extra fields, a NUL, a 100 KB line,
 * unknown types: one error that counts them and names the first; the good lines stay. */
static void malformed(void **state)
{
	struct snapshot s;
	const struct scan_error *e;
	struct ipc_object *o;

	(void)state;
	assert_int_equal(fixture_scan("locks-garbage", LOCK_ONLY, false, &s), 0);
	assert_int_equal(count_kind(&s, KIND_LOCK), 2);
	assert_non_null(find(&s, "lock:posix:65024:500:0-99:100"));
	o = find(&s, "lock:flock:0:0:0-eof:100"); /* "<none>:0": a lock on no inode */
	assert_non_null(o);
	assert_int_equal(o->inode, 0);
	e = fixture_error(&s, "/proc/locks", "16 lines not understood");
	assert_non_null(e);
	assert_non_null(strstr(e->message, "first: line 2: no \"N:\" at its start"));
	assert_int_equal(s.nerrs, 1);
	snapshot_release(&s);

	/* An empty /proc/locks: nothing, no error; a missing one: the error. */
	assert_int_equal(fixture_scan("locks-empty", LOCK_ONLY, false, &s), 0);
	assert_int_equal(s.nobjs, 0);
	assert_int_equal(s.nerrs, 0);
	snapshot_release(&s);
	assert_int_not_equal(fixture_scan("proc-broken", LOCK_ONLY, false, &s), 0);
	assert_non_null(fixture_error(&s, "/proc/locks", "cannot read"));
	snapshot_release(&s);
}

/* ---- a tree made at run time ---- */

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

static void mkdirs(const char *dir, const char *sub)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", dir, sub);
	assert_int_equal(system(cmd), 0);
}

static void process(const char *dir, int pid, const char *comm)
{
	char sub[64], text[64];

	snprintf(sub, sizeof(sub), "proc/%d/fd", pid);
	mkdirs(dir, sub);
	snprintf(sub, sizeof(sub), "proc/%d/fdinfo", pid);
	mkdirs(dir, sub);
	snprintf(sub, sizeof(sub), "proc/%d/comm", pid);
	snprintf(text, sizeof(text), "%s\n", comm);
	put(dir, sub, text);
}

/* fd of pid on target, its fdinfo the flags and lock lines given. */
static void fd(const char *dir, int pid, int num, const char *target, const char *flags,
	       const char *locks)
{
	char path[4200], text[1024];

	snprintf(path, sizeof(path), "%s/proc/%d/fd/%d", dir, pid, num);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof(path), "proc/%d/fdinfo/%d", pid, num);
	snprintf(text, sizeof(text), "pos:\t0\nflags:\t%s\nmnt_id:\t15\nino:\t1\n%s", flags, locks);
	put(dir, path, text);
}

static void file_of(const char *dir, const char *name, char *devino, size_t len, struct stat *st)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/data/%s", dir, name);
	put(dir, path + strlen(dir) + 1, "x");
	assert_int_equal(stat(path, st), 0);
	snprintf(devino, len, "%02x:%02x:%llu", major(st->st_dev), minor(st->st_dev),
		 (unsigned long long)st->st_ino);
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

static void joined_through_fds(void **state)
{
	char dir[64] = "/tmp/ipcscope-test-locks-XXXXXX", a[64], b[64], c[64], text[2048], id[160];
	char cmd[128];
	struct stat sa, sb, sc;
	struct snapshot s;
	struct ipc_object *o;
	const struct ipc_holder *h;

	(void)state;
	assert_non_null(mkdtemp(dir));
	mkdirs(dir, "data");
	file_of(dir, "a", a, sizeof(a), &sa);
	file_of(dir, "b", b, sizeof(b), &sb);
	file_of(dir, "c", c, sizeof(c), &sc);
	/* a: flock of 300, inherited by 301 (one open file description, both hold it), 302
	 * blocked on it; b: an OFD lock held by 301 alone; c: a POSIX lock whose process has
	 * the file open twice, the lock set through fd 9, and an unlinked name. */
	snprintf(text, sizeof(text),
		 "1: FLOCK  ADVISORY  WRITE 300 %s 0 EOF\n"
		 "1: -> FLOCK  ADVISORY  WRITE 302 %s 0 EOF\n"
		 "2: OFDLCK ADVISORY  READ -1 %s 100 199\n"
		 "3: POSIX  ADVISORY  WRITE 300 %s 0 99\n", a, a, b, c);
	mkdirs(dir, "proc");
	put(dir, "proc/locks", text);
	process(dir, 300, "holder");
	process(dir, 301, "child");
	process(dir, 302, "waiter");
	snprintf(text, sizeof(text), "lock:\t1: FLOCK  ADVISORY  WRITE 300 %s 0 EOF\n", a);
	fd(dir, 300, 3, "/data/a", "02", text);
	fd(dir, 301, 3, "/data/a", "02", text);
	fd(dir, 302, 4, "/data/a", "02", "");
	snprintf(text, sizeof(text), "lock:\t1: OFDLCK ADVISORY  READ -1 %s 100 199\n", b);
	fd(dir, 301, 5, "/data/b", "0100000", text);
	fd(dir, 300, 8, "/data/c", "02", "");
	snprintf(text, sizeof(text), "lock:\t1: POSIX  ADVISORY  WRITE 300 %s 0 99\n", c);
	fd(dir, 300, 9, "/data/c", "02", text);

	assert_int_equal(scan_dir(dir, LOCK_ONLY, &s), 0);
	assert_int_equal(count_kind(&s, KIND_LOCK), 3);

	snprintf(id, sizeof(id), "lock:flock:%llu:%llu:0-eof:300", (unsigned long long)sa.st_dev,
		 (unsigned long long)sa.st_ino);
	o = find(&s, id);
	assert_non_null(o);
	assert_string_equal(o->name, "/data/a");
	assert_string_equal(obj_lock(o)->pid.comm, "holder");
	assert_int_equal(o->nholders, 2);
	h = holder(o, 300, 3);
	assert_non_null(h);
	assert_int_equal(h->access, ACC_R | ACC_W);
	assert_non_null(holder(o, 301, 3));
	assert_null(holder(o, 302, 4)); /* open on the file, waiting: not a holder */
	assert_int_equal(obj_lock(o)->nblocked, 1);
	assert_string_equal(obj_lock(o)->blocked[0].comm, "waiter");
	assert_true(o->has_owner);
	assert_null(o->partial);

	snprintf(id, sizeof(id), "lock:ofd:%llu:%llu:100-199", (unsigned long long)sb.st_dev,
		 (unsigned long long)sb.st_ino);
	o = find(&s, id);
	assert_non_null(o);
	assert_string_equal(o->name, "/data/b");
	assert_int_equal(obj_lock(o)->pid.pid, 301); /* from the fd that holds it */
	assert_string_equal(obj_lock(o)->pid.comm, "child");
	assert_int_equal(o->nholders, 1);
	assert_int_equal(holder(o, 301, 5)->access, ACC_R);
	assert_null(o->partial);

	snprintf(id, sizeof(id), "lock:posix:%llu:%llu:0-99:300", (unsigned long long)sc.st_dev,
		 (unsigned long long)sc.st_ino);
	o = find(&s, id);
	assert_non_null(o);
	assert_int_equal(o->nholders, 1);
	assert_non_null(holder(o, 300, 9));
	snapshot_release(&s);

	/* Kinds without locks asked: /proc/locks is not read, nothing is joined. */
	assert_int_equal(scan_dir(dir, KIND_BIT(KIND_PIPE), &s), 0);
	assert_int_equal(count_kind(&s, KIND_LOCK), 0);
	snapshot_release(&s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_lines),
		cmocka_unit_test(real_capture),
		cmocka_unit_test(nested_and_twins),
		cmocka_unit_test(malformed),
		cmocka_unit_test(joined_through_fds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
