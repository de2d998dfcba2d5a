/* fifo_dir.c - FIFOs inside the directories `clean --fifo-dir` names. A FIFO nobody holds
 * appears in no /proc/PID/fd, so without this a stale FIFO could never be found. The
 * process-side collector joins holders to these objects by inode. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector.h"
#include "core/util.h"

static void add_fifo(struct scan_ctx *ctx, struct snapshot *snap, const char *path,
		     const struct stat *st)
{
	char identity[96];
	struct ipc_object *o;

	if (snapshot_find_inode(snap, KIND_FIFO, st->st_ino))
		return;
	snprintf(identity, sizeof(identity), "fifo:%llu:%llu", (unsigned long long)st->st_dev,
		 (unsigned long long)st->st_ino);
	o = object_new(KIND_FIFO, identity);
	o->ns = ctx->mnt_ns;
	o->name = xstrdup(path);
	object_set_stat(o, st);
	snapshot_add(snap, o);
	snapshot_index_add(snap, o);
}

static int collect(struct scan_ctx *ctx, struct snapshot *snap)
{
	for (size_t i = 0; i < ctx->nfifo_dirs; i++) {
		char real[PATH_MAX];
		struct dirent *e;
		DIR *d;

		/* Paths are the user's own, on the live system: FIFOs are removed by path. */
		if (!realpath(ctx->fifo_dirs[i], real) || !(d = opendir(real))) {
			snapshot_error(snap, ctx->fifo_dirs[i], "cannot read directory: %s", strerror(errno));
			continue;
		}
		while ((e = readdir(d))) {
			char path[PATH_MAX + 256];
			struct stat st;

			if (e->d_type != DT_FIFO && e->d_type != DT_UNKNOWN)
				continue;
			snprintf(path, sizeof(path), "%s/%s", strcmp(real, "/") ? real : "", e->d_name);
			if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISFIFO(st.st_mode))
				add_fifo(ctx, snap, path, &st);
		}
		closedir(d);
	}
	return 0;
}

const struct collector fifo_dir_collector = {
	.name = "fifo-dir",
	.kinds = KIND_BIT(KIND_FIFO),
	.collect = collect,
};
