/* test_ftok.c - the arithmetic of ftok(3) keys, checked against glibc's ftok itself, the
 * columns and JSON it becomes, and the key-path walk over a hostile directory tree. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "collectors/ftok.h"
#include "core/columns.h"
#include "core/ftok.h"
#include "core/snapshot.h"
#include "core/util.h"
#include "render/json.h"

static void split_classes(void **state)
{
	struct ftok_parts p = {99, 99, 99};

	(void)state;
	assert_int_equal(ftok_split(0, &p), FTOK_PRIVATE);      /* IPC_PRIVATE */
	assert_int_equal(p.proj, 99);                          /* left alone */
	assert_int_equal(ftok_split(0xffffffffu, &p), FTOK_FAILED); /* (key_t)-1 */
	assert_int_equal(ftok_split(0x00001234u, &p), FTOK_HAND);   /* proj 0: by hand */
	assert_int_equal(ftok_split(0x00ffffffu, NULL), FTOK_HAND);
	assert_int_equal(ftok_split(0x41020304u, &p), FTOK_SPLIT);
	assert_int_equal(p.proj, 0x41);
	assert_int_equal(p.dev_bits, 0x02);
	assert_int_equal(p.ino_bits, 0x0304);
	/* The largest proj that is not the error value. */
	assert_int_equal(ftok_split(0xfffffffeu, &p), FTOK_SPLIT);
	assert_int_equal(p.proj, 0xff);
	assert_int_equal(p.dev_bits, 0xff);
	assert_int_equal(p.ino_bits, 0xfffe);
}

static void key_of_file(void **state)
{
	(void)state;
	/* Only the low 8 bits of proj and of st_dev, the low 16 of the inode. */
	assert_int_equal(ftok_key(makedev(8, 0x1234), 0x12345678, 0x141), 0x41345678u);
	assert_int_equal(ftok_key(makedev(254, 0), 2, 'A'), 0x41000002u);
	assert_int_equal(ftok_key(makedev(0, 27), 1, 'z'), 0x7a1b0001u);
	assert_true(ftok_file_matches(0x41345678u, makedev(8, 0x1234), 0x5678));
	assert_true(ftok_file_matches(0x41345678u, makedev(9, 0x34), 0xab5678));
	assert_false(ftok_file_matches(0x41345678u, makedev(8, 0x35), 0x5678));
	assert_false(ftok_file_matches(0x41345678u, makedev(8, 0x34), 0x5679));
	/* ftok("f", 0) on device 8:0 for inode 65536 gives 0: IPC_PRIVATE, never a match; nor
	 * does a proj-0 key or the error value. */
	assert_int_equal(ftok_key(makedev(8, 0), 65536, 0), 0u);
	assert_false(ftok_file_matches(0, makedev(8, 0), 65536));
	assert_false(ftok_file_matches(0x00000002u, makedev(254, 0), 2));
	assert_false(ftok_file_matches(0xffffffffu, makedev(0, 0xff), 0xffff));
}

/* glibc's own ftok(3) on real files, every proj byte: the formula is not a guess. */
static void same_as_glibc(void **state)
{
	char tmp[] = "/tmp/ipcscope-test-ftok-XXXXXX";
	int fd = mkstemp(tmp);
	const char *paths[] = {"/", "/tmp", "/dev/null", "/proc/self", tmp};

	(void)state;
	assert_true(fd >= 0);
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		struct stat st;

		assert_int_equal(stat(paths[i], &st), 0);
		for (unsigned proj = 1; proj < 0x200; proj++) {
			key_t k = ftok(paths[i], (int)proj);

			assert_int_equal((uint32_t)k, ftok_key(st.st_dev, st.st_ino, proj));
			if ((uint32_t)k != 0xffffffffu && (proj & 0xff))
				assert_true(ftok_file_matches((uint32_t)k, st.st_dev, st.st_ino));
		}
	}
	/* And ftok's failure is the value called ftok-error. */
	assert_int_equal((uint32_t)ftok("/nonexistent/ipcscope-test", 'A'), 0xffffffffu);
	close(fd);
	unlink(tmp);
}

static void proj_text(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(ftok_proj_text('A', buf, sizeof(buf)), "'A'");
	assert_string_equal(ftok_proj_text('~', buf, sizeof(buf)), "'~'");
	assert_string_equal(ftok_proj_text(0x141, buf, sizeof(buf)), "'A'");
	assert_string_equal(ftok_proj_text(' ', buf, sizeof(buf)), "32");
	assert_string_equal(ftok_proj_text('\'', buf, sizeof(buf)), "39");
	assert_string_equal(ftok_proj_text('\\', buf, sizeof(buf)), "92");
	assert_string_equal(ftok_proj_text(1, buf, sizeof(buf)), "1");
	assert_string_equal(ftok_proj_text(200, buf, sizeof(buf)), "200");
}

static const char *col_text(const char *name, const struct ipc_object *o, char *buf, size_t len)
{
	const struct column *c = column_find(name);
	struct col_value v;

	assert_non_null(c);
	column_value(c, o, &v);
	return column_text(c, &v, false, buf, len);
}

static void columns_and_json(void **state)
{
	static const struct { uint32_t key; const char *form, *proj, *dev, *ino; } cases[] = {
		{0x41020304u, "ftok", "65", "2", "772"},
		{0, "private", "-", "-", "-"},
		{0x00001234u, "proj-0", "-", "-", "-"},
		{0xffffffffu, "ftok-error", "-", "-", "-"},
	};
	char buf[96];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ipc_object *o = object_new(KIND_SYSV_SHM, "sysv-shm:1:1");
		json_t *j, *f;

		o->id = 1;
		o->has_key = true;
		o->key = cases[i].key;
		assert_string_equal(col_text("KEYFORM", o, buf, sizeof(buf)), cases[i].form);
		assert_string_equal(col_text("KEYPROJ", o, buf, sizeof(buf)), cases[i].proj);
		assert_string_equal(col_text("KEYDEV", o, buf, sizeof(buf)), cases[i].dev);
		assert_string_equal(col_text("KEYINO", o, buf, sizeof(buf)), cases[i].ino);
		/* Not searched: no file, no counts. */
		assert_string_equal(col_text("KEYFILE", o, buf, sizeof(buf)), "-");
		assert_string_equal(col_text("KEYMATCHES", o, buf, sizeof(buf)), "-");
		j = json_of_object(o);
		f = json_object_get(j, "ftok");
		assert_non_null(f);
		assert_string_equal(json_string_value(json_object_get(f, "form")), cases[i].form);
		assert_int_equal(json_object_get(f, "proj") != NULL, i == 0);
		assert_null(json_object_get(f, "file"));
		json_decref(j);
		if (i == 0) {
			obj_keyfile_mut(o)->searched = true;
			obj_keyfile_mut(o)->file = xstrdup("/srv/app/keyfile");
			obj_keyfile_mut(o)->via = "cwd-entry";
			obj_keyfile_mut(o)->pid = 42;
			obj_keyfile_mut(o)->matches = 1;
			obj_keyfile_mut(o)->checked = 7;
			j = json_of_object(o);
			f = json_object_get(j, "ftok");
			assert_string_equal(json_string_value(json_object_get(f, "file")), "/srv/app/keyfile");
			assert_string_equal(json_string_value(json_object_get(f, "via")), "cwd-entry");
			assert_int_equal(json_integer_value(json_object_get(f, "pid")), 42);
			assert_int_equal(json_integer_value(json_object_get(f, "checked")), 7);
			json_decref(j);
		}
		object_free(o);
	}
	/* Other kinds have no key and no ftok member. */
	{
		struct ipc_object *o = object_new(KIND_POSIX_SHM, "posix-shm:1:/x");
		json_t *j = json_of_object(o);

		assert_null(json_object_get(j, "ftok"));
		json_decref(j);
		object_free(o);
	}
}

static char dir[] = "/tmp/ipcscope-test-ftokwalk-XXXXXX";

static void mk(const char *rel, mode_t mode)
{
	char *p = xasprintf("%s/%s", dir, rel);

	if (S_ISDIR(mode))
		assert_int_equal(mkdir(p, mode & 07777), 0);
	else if (S_ISFIFO(mode))
		assert_int_equal(mkfifo(p, mode & 07777), 0);
	else {
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, mode & 07777);

		assert_true(fd >= 0);
		close(fd);
	}
	free(p);
}

static uint32_t key_of(const char *rel, unsigned proj)
{
	char *p = xasprintf("%s/%s", dir, rel);
	struct stat st;

	assert_int_equal(lstat(p, &st), 0);
	free(p);
	return ftok_key(st.st_dev, st.st_ino, proj);
}

static bool has_error(const struct snapshot *s, const char *word)
{
	for (size_t i = 0; i < s->nerrs; i++)
		if (strstr(s->errs[i].message, word))
			return true;
	return false;
}

/* The --key-path walk over a tree with a FIFO, a symlink loop, a symlink to a key file,
 * a directory deeper than the walk goes and a missing DIR: it finds what it may, follows
 * nothing, opens no FIFO (it would block), and says what it left out. */
static void key_path_walk(void **state)
{
	struct ipc_object *objs[5];
	struct snapshot snap;
	const char *paths[2];
	char *p, *deep;
	uint32_t k;

	(void)state;
	assert_non_null(mkdtemp(dir));
	mk("a", S_IFDIR | 0755);
	mk("a/key", S_IFREG | 0644);
	mk("fifo", S_IFIFO | 0644);
	mk("d1", S_IFDIR | 0755);
	mk("d1/d2", S_IFDIR | 0755);
	mk("d1/d2/d3", S_IFDIR | 0755);
	mk("d1/d2/d3/d4", S_IFDIR | 0755);
	mk("d1/d2/d3/d4/deepkey", S_IFREG | 0644);
	p = xasprintf("%s/loop", dir);
	assert_int_equal(symlink(p, p), 0); /* loops on itself */
	free(p);
	p = xasprintf("%s/link", dir);
	deep = xasprintf("%s/d1/d2/d3/d4/deepkey", dir);
	assert_int_equal(symlink(deep, p), 0); /* ftok would follow it; the walk does not */
	free(p);
	free(deep);

	for (size_t i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = object_new(KIND_SYSV_SEM, "sysv-sem:1:1");
		objs[i]->has_key = true;
	}
	objs[0]->key = key_of("a/key", 'A');
	objs[1]->key = key_of("fifo", 200);
	objs[2]->key = key_of("d1/d2/d3/d4/deepkey", 'q');
	k = key_of("a/key", 'A');
	objs[3]->key = (k & 0xffff0000u) | ((k + 0x7777u) & 0xffffu); /* no such file (probably) */
	objs[4]->key = 0x00001234u; /* by hand: not searched */

	snapshot_init(&snap);
	paths[0] = dir;
	paths[1] = "/nonexistent/ipcscope-test";
	/* Not the live root: no process is read, only the key paths. */
	ftok_find_sources(&snap, dir, objs, ARRAY_SIZE(objs), paths, 2);

	assert_true(obj_keyfile(objs[0])->searched);
	p = xasprintf("%s/a/key", dir);
	assert_string_equal(obj_keyfile(objs[0])->file, p);
	free(p);
	assert_string_equal(obj_keyfile(objs[0])->via, "key-path");
	assert_int_equal(obj_keyfile(objs[0])->pid, 0);
	assert_true(obj_keyfile(objs[0])->matches >= 1);
	/* DIR, a, a/key, fifo, d1, d2, d3, d4: no symlink, nothing in d4 */
	assert_int_equal(obj_keyfile(objs[0])->checked, 8);
	p = xasprintf("%s/fifo", dir);
	assert_string_equal(obj_keyfile(objs[1])->file, p); /* lstat'ed, never opened */
	free(p);
	/* Five levels down: beyond the walk's depth, and the symlink to it is not followed. */
	assert_true(obj_keyfile(objs[2])->searched);
	assert_null(obj_keyfile(objs[2])->file);
	assert_true(has_error(&snap, "deeper than"));
	if (obj_keyfile(objs[3])->file) /* a 16-bit inode clash inside the tree would be a match */
		assert_true(obj_keyfile(objs[3])->matches >= 1);
	assert_true(obj_keyfile(objs[3])->searched);
	assert_false(obj_keyfile(objs[4])->searched);
	assert_true(has_error(&snap, "/nonexistent/ipcscope-test"));

	for (size_t i = 0; i < ARRAY_SIZE(objs); i++)
		object_free(objs[i]);
	snapshot_release(&snap);
	p = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(split_classes), cmocka_unit_test(key_of_file),
		cmocka_unit_test(same_as_glibc), cmocka_unit_test(proj_text),
		cmocka_unit_test(columns_and_json), cmocka_unit_test(key_path_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
