/* common.c - helpers of the fuzz harnesses (see fuzz.h). */
#include "fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"

char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);

	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* The tree: its path, an fd on it, and the files written (their directories exist). */
static char tree_path[256];
static int tree_fd = -1;
static char *tree_files[32];
static size_t tree_nfiles;

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* The whole tree goes, symlinks and directories a harness made itself included. */
static void tree_cleanup(void)
{
	close(tree_fd);
	nftw(tree_path, remove_one, 8, FTW_DEPTH | FTW_PHYS);
	for (size_t i = 0; i < tree_nfiles; i++)
		free(tree_files[i]);
	tree_nfiles = 0;
}

static int tree(void)
{
	const char *tmp = getenv("TMPDIR");

	if (tree_fd >= 0)
		return tree_fd;
	/* Not /dev/shm: the scans that other tests run on this host would list the tree. */
	snprintf(tree_path, sizeof(tree_path), "%s/ipcscope-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tree_path)) {
		perror("fuzz: mkdtemp");
		abort();
	}
	tree_fd = open(tree_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tree_fd < 0) {
		perror("fuzz: open tree");
		abort();
	}
	atexit(tree_cleanup);
	return tree_fd;
}

/* Remember path and make its directories, the first time it is written. */
static void tree_note(int dfd, const char *path)
{
	char dir[256];

	for (size_t i = 0; i < tree_nfiles; i++)
		if (!strcmp(tree_files[i], path))
			return;
	if (tree_nfiles == ARRAY_SIZE(tree_files) || strlen(path) >= sizeof(dir))
		abort(); /* a harness bug: a handful of fixed paths is all a harness writes */
	tree_files[tree_nfiles++] = xstrdup(path);
	for (const char *s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
		memcpy(dir, path, (size_t)(s - path));
		dir[s - path] = '\0';
		if (mkdirat(dfd, dir, 0700) < 0 && errno != EEXIST) {
			perror("fuzz: mkdir in tree");
			abort();
		}
	}
}

void fuzz_tree_put(const char *path, const void *data, size_t size)
{
	int dfd = tree(), fd;
	const char *p = data;

	tree_note(dfd, path);
	fd = openat(dfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror("fuzz: write in tree");
		abort();
	}
	while (size) {
		ssize_t w = write(fd, p, size);

		if (w < 0) {
			perror("fuzz: write in tree");
			abort();
		}
		p += w;
		size -= (size_t)w;
	}
	close(fd);
}

void fuzz_ctx(struct scan_ctx *ctx, unsigned kinds)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->rootfd = -1;
	ctx->root = "(none)";
	ctx->live = false;
	ctx->kinds = kinds;
	ctx->ipc_ns = 4026531839u;
	ctx->mnt_ns = 4026531840u;
	ctx->net_ns = 4026531992u;
	ctx->clk_tck = 100;
}

void fuzz_tree_ctx(struct scan_ctx *ctx, unsigned kinds)
{
	fuzz_ctx(ctx, kinds);
	ctx->rootfd = tree();
	ctx->root = tree_path;
}
